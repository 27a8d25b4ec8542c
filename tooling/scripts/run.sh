#!/usr/bin/env bash
# The one entry point of the README:
#   bash tooling/scripts/run.sh demo [--url U]   run `stowage demo` (installs what is missing first)
#   bash tooling/scripts/run.sh stowage <args>   run any `stowage` command (check, stats, export, …)
#   bash tooling/scripts/run.sh test             install everything, provide databases, run every test
# Anything else is passed to pnpm after the bootstrap (e.g. `run.sh bench`).
#
# `demo` and `stowage` need no build: Node runs the CLI and the packages from their TypeScript
# sources (type stripping; the `@stowage/source` export condition picks each package's src/). The
# install is skipped when the lockfile and package.json files are unchanged (see bootstrap.sh), so
# a second run starts at once. Relative paths (file:./x.db, -o x.jsonl.gz) are relative to the
# directory you ran the script from.
set -euo pipefail
caller_cwd="$PWD"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
# shellcheck source=./bootstrap.sh
. tooling/scripts/bootstrap.sh

run_cli() {
  cd "$caller_cwd"
  # Node's compile cache keeps the stripped and compiled sources: later starts take half the CPU.
  export NODE_COMPILE_CACHE="${NODE_COMPILE_CACHE:-$repo_root/node_modules/.cache/stowage-node}"
  exec node --conditions=@stowage/source --experimental-strip-types --disable-warning=ExperimentalWarning \
    "$repo_root/packages/cli/src/bin.ts" "$@"
}

cmd="${1:-demo}"
shift || true
case "$cmd" in
  demo)
    run_cli demo "$@"
    ;;
  stowage)
    run_cli "$@"
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
