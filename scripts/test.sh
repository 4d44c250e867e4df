#!/usr/bin/env bash
# The whole test suite, from a fresh clone: install, fetch the model, check the API and the
# generated code, lint, type-check, then run every test against real servers.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM=(npx --yes pnpm@10.34.9)
"${PNPM[@]}" install --frozen-lockfile
node scripts/fetch-model.mjs --all

echo "--- buf lint"
node_modules/.bin/buf lint

# Every generated tree (one per SDK) and the descriptor set; a new SDK adds its tree here.
GENERATED=(
  packages/proto/src
  packages/proto/cortex.binpb
  packages/client-go/cortexv1
  packages/client-python/src/cortex_client/_proto
)

echo "--- generated code is up to date (also builds @cortex/proto, which the typecheck needs)"
node scripts/generate.mjs
if git rev-parse --git-dir >/dev/null 2>&1; then
  drift=$(git status --porcelain -- "${GENERATED[@]}")
  if [ -n "$drift" ]; then
    echo "generated code differs from the committed code; run 'npm run generate' and commit:" >&2
    echo "$drift" >&2
    exit 1
  fi
fi

echo "--- build the workspace libraries other packages import (@cortex/client, @cortex/bridge): lint and typecheck read their types"
"${PNPM[@]}" --filter '@cortex/bridge...' build

echo "--- lint (ESLint strict type-checked, then the layer rules of .dependency-cruiser.cjs)"
npm run --silent lint

echo "--- typecheck"
"${PNPM[@]}" -r typecheck

echo "--- tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
"${PNPM[@]}" -r --workspace-concurrency=1 test 2>&1 | tee "$log" || status=$?
# One closing line for the whole suite, summed over the packages' mocha summaries.
passed=$( { grep -Eo '^ +[0-9]+ passing' "$log" || true; } | awk '{ n += $1 } END { print n + 0 }')
failed=$( { grep -Eo '^ +[0-9]+ failing' "$log" || true; } | awk '{ n += $1 } END { print n + 0 }')
echo "tests: ${passed} passed, ${failed} failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
