#!/usr/bin/env bash
# ghz, the gRPC load tool bench:load drives closed-loop Recall with, pinned, built by `go install`
# from the Go module proxy into the gitignored .tools/bin. Needs Go (1.22 or newer) on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

GHZ_VERSION=v0.93.0
BIN="$PWD/.tools/bin"
STAMP="$BIN/ghz.version"

if [ -x "$BIN/ghz" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$GHZ_VERSION" ]; then
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "install-ghz: Go is not on PATH; bench:load falls back to its Node load generator" >&2
  exit 1
fi
mkdir -p "$BIN"
GOBIN="$BIN" go install "github.com/bojand/ghz/cmd/ghz@${GHZ_VERSION}"
echo "$GHZ_VERSION" >"$STAMP"
echo "install-ghz: ghz ${GHZ_VERSION} in ${BIN}" >&2
