#!/usr/bin/env bash
# go test for the Go SDK, its quick start and the Go conformance runner, against real servers.
# -count=1: the tests exercise the server in packages/server, which Go's test cache cannot see.
# Ends with mocha-style totals, which the suite's closing line adds up.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
go test -count=1 -v ./... 2>&1 | tee "$log" | grep -Ev '^(=== (RUN|PAUSE|CONT)|\s+--- PASS)'
status=${PIPESTATUS[0]}
echo "  $(grep -cE '^\s*--- PASS' "$log") passing (go)"
echo "  $(grep -cE '^\s*--- FAIL' "$log") failing (go)"
exit "$status"
