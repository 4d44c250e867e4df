#!/usr/bin/env bash
# Line and branch coverage of the whole test suite, per package: c8 records every node process the
# suite starts (mocha and the servers the integration tests spawn), then reports each package's src/.
# Reports: coverage/<package>/index.html (lcov-report) and coverage/<package>/lcov.info.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(server client-ts bridge)
RAW=coverage/.v8
C8=node_modules/.bin/c8

# mocha require()s test files when Node can require ES modules, so tsx compiles a file to CommonJS
# inside mocha and to ESM in the servers it spawns; V8 coverage of two different compilations of
# one file cannot be merged. Loading the suite as ESM gives one compilation per file (c8 itself needs
# require(esm), so only the suite gets the flag).
esm_only="${NODE_OPTIONS:+$NODE_OPTIONS }--no-experimental-require-module"

rm -rf coverage
status=0
"$C8" --temp-directory "$RAW" --reporter=none \
  env NODE_OPTIONS="$esm_only" npx --yes pnpm@10.34.9 -r --workspace-concurrency=1 test || status=$?

# Files that declare only types compile to nothing and are never loaded; --all would count them as
# uncovered. Each one becomes an --exclude.
type_only_excludes() {
  node -e '
    const ts = require("typescript");
    const { readFileSync, readdirSync } = require("node:fs");
    for (const file of readdirSync(process.argv[1], { recursive: true })) {
      if (!file.endsWith(".ts") || file.endsWith(".d.ts")) continue;
      const path = `${process.argv[1]}/${file}`;
      const options = { module: ts.ModuleKind.ESNext, verbatimModuleSyntax: false, removeComments: true };
      const js = ts.transpileModule(readFileSync(path, "utf8"), { compilerOptions: options }).outputText;
      if (js.replace("export {};", "").trim() === "") console.log(`--exclude=${path}`);
    }
  ' "$1"
}

for pkg in "${PACKAGES[@]}"; do
  echo "--- coverage: packages/$pkg"
  mapfile -t excludes < <(type_only_excludes "packages/$pkg/src")
  "$C8" report --temp-directory "$RAW" --report-dir "coverage/$pkg" \
    --all --src "packages/$pkg/src" --include "packages/$pkg/src/**" \
    --exclude '**/gen/**' --exclude '**/*.test.ts' --exclude '**/*test-helpers.ts' --exclude '**/*.d.ts' "${excludes[@]}" \
    --reporter=text-summary --reporter=lcov --reporter=json-summary
done

echo "--- coverage summary (lines / branches)"
for pkg in "${PACKAGES[@]}"; do
  node -e '
    const { total } = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    console.log(`${process.argv[2].padEnd(10)} lines ${total.lines.pct}%  branches ${total.branches.pct}%`);
  ' "coverage/$pkg/coverage-summary.json" "$pkg"
done
exit "$status"
