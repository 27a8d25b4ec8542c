#!/usr/bin/env bash
# The one entry point of the README:
#   bash tooling/scripts/run.sh demo   install everything, build, run `stowage demo`
#   bash tooling/scripts/run.sh test   install everything, provide databases, run every test
# Anything else is passed to pnpm after the bootstrap (e.g. `run.sh bench`).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
# shellcheck source=./bootstrap.sh
. tooling/scripts/bootstrap.sh

cmd="${1:-demo}"
shift || true
case "$cmd" in
  demo)
    pnpm exec turbo run build --filter=@stowage/cli... --output-logs=errors-only >&2
    exec node packages/cli/dist/bin.js demo "$@"
    ;;
  test)
    if [ -f tooling/testdb/provide.sh ]; then
      # Databases for the driver suites: URLs when given, otherwise a local Docker engine and images.
      # No database and no way to start one: fail with the closing line CI reads.
      . tooling/testdb/provide.sh || { echo "0 passed, 1 failed"; exit 1; }
    fi
    mkdir -p .tmp
    status=0
    pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=.tmp/test-results.json "$@" || status=$?
    if [ -f tooling/testdb/cleanup.sh ]; then bash tooling/testdb/cleanup.sh || true; fi
    node tooling/scripts/summarize-tests.mjs .tmp/test-results.json || status=1
    exit "$status"
    ;;
  *)
    exec pnpm "$cmd" "$@"
    ;;
esac
