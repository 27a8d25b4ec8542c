#!/usr/bin/env bash
# Removes test containers left behind (Testcontainers runs without its reaper here, and a killed
# test run cannot stop its containers), and the local Redis Cluster processes of test runs that
# are gone. Only containers labelled org.testcontainers=true are
# touched, and of those only the ones of this run (STOWAGE_TESTDB_RUN_ID, set by provide.sh) or of
# a test process that no longer runs: a test run going on beside this one keeps its containers.
#   bash tooling/testdb/cleanup.sh          # run by tooling/scripts/run.sh after the tests
#   bash tooling/testdb/cleanup.sh --all    # every org.testcontainers=true container
set -uo pipefail

all=0
[ "${1:-}" = --all ] && all=1

# A test process that ended (or is a zombie waiting for its parent) owns nothing any more.
gone() { ! kill -0 "$1" 2>/dev/null || [[ "$(ps -o stat= -p "$1" 2>/dev/null)" == Z* ]]; }

# Redis Cluster nodes (tooling/testdb/src/redis-cluster.ts) left by a test process that is gone:
# each cluster's directory holds owner.pid and a redis.pid per node.
for dir in "${TMPDIR:-/tmp}"/stowage-redis-cluster-*/; do
  dir="${dir%/}"
  [ -f "$dir/owner.pid" ] || continue
  owner="$(cat "$dir/owner.pid" 2>/dev/null)"
  if [ "$all" = 1 ] || ! [[ "$owner" =~ ^[0-9]+$ ]] || gone "$owner"; then
    for pidfile in "$dir"/*/redis.pid; do
      [ -f "$pidfile" ] || continue
      pid="$(cat "$pidfile" 2>/dev/null)"
      # Only a redis-server still serving from this directory.
      if [[ "$pid" =~ ^[0-9]+$ ]] && grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null &&
        [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)/" = "$(dirname "$pidfile")/" ]; then
        kill -9 "$pid" 2>/dev/null || true
      fi
    done
    rm -rf "$dir"
    printf '[testdb] removed a leftover Redis Cluster (%s)\n' "$dir" >&2
  fi
done

# No engine, nothing more to clean.
command -v docker >/dev/null 2>&1 && timeout 15 docker info >/dev/null 2>&1 || exit 0

stale=()
while IFS="|" read -r id run pid; do
  [ -n "$id" ] || continue
  if [ "$all" = 1 ] ||
    { [ -n "${STOWAGE_TESTDB_RUN_ID:-}" ] && [ "$run" = "$STOWAGE_TESTDB_RUN_ID" ]; } ||
    ! [[ "$pid" =~ ^[0-9]+$ ]] || gone "$pid"; then
    stale+=("$id")
  fi
done < <(docker ps -a --filter label=org.testcontainers=true \
  --format '{{.ID}}|{{.Label "org.stowage.testdb.run"}}|{{.Label "org.stowage.testdb.pid"}}')

if [ ${#stale[@]} -gt 0 ]; then
  docker rm -f -v "${stale[@]}" >/dev/null
  printf '[testdb] removed %d leftover test container(s)\n' "${#stale[@]}" >&2
fi
exit 0
