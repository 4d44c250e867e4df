#!/usr/bin/env bash
# gofmt and go vet over the module: the Go counterpart of the workspace's typecheck.
set -euo pipefail
cd "$(dirname "$0")/.."
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "gofmt would change these files; run 'gofmt -w .' in packages/client-go:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...
