# shellcheck shell=bash
# Provides the test databases for the driver suites. SOURCED by `tooling/scripts/run.sh test`
# (so that what it exports reaches vitest); also by hand:
#   . tooling/testdb/provide.sh && pnpm exec vitest run --project redis
#
# - STOWAGE_REDIS_URL and STOWAGE_POSTGRES_URL both set: nothing to do, the suites use those servers.
# - Otherwise Testcontainers starts the databases, and this script makes that possible here:
#   a Docker engine (installs Debian's docker.io and starts dockerd when none answers), an image for
#   each database (the pinned official one when it is present or can be pulled, else one built from
#   Debian packages by images/build.sh, which needs no registry), and the Testcontainers settings:
#   TESTCONTAINERS_RYUK_DISABLED=true (its reaper image cannot be pulled everywhere; cleanup.sh
#   removes leftovers instead) and TESTCONTAINERS_HOST_OVERRIDE=localhost.
# - No URL and no way to get a Docker engine: prints what to do and returns 1 (the caller's set -e
#   then stops the run before any test).
# Every step already done is skipped. Env: STOWAGE_TESTDB_SETUP=0 never installs or starts anything.
# The URLs are read from the environment only, never guessed: CI, which sets none, always takes
# the Testcontainers path, even where local servers run.

_stowage_testdb_say() { printf '[testdb] %s\n' "$*" >&2; }

_stowage_testdb_docker_ok() { command -v docker >/dev/null 2>&1 && timeout 15 docker info >/dev/null 2>&1; }

# Makes `docker info` work: an engine that answers, or Debian's docker.io installed and started.
_stowage_testdb_ensure_docker() {
  local log=/var/log/stowage-dockerd.log i start=$SECONDS
  if _stowage_testdb_docker_ok; then
    _stowage_testdb_say "Docker engine $(docker version -f '{{.Server.Version}}' 2>/dev/null) is running"
    return 0
  fi
  if [ -n "${DOCKER_HOST:-}" ]; then
    _stowage_testdb_say "DOCKER_HOST=$DOCKER_HOST does not answer (docker info failed)"
    return 1
  fi
  if [ "${STOWAGE_TESTDB_SETUP:-1}" = 0 ]; then
    _stowage_testdb_say "no Docker engine answers, and STOWAGE_TESTDB_SETUP=0: not starting one"
    return 1
  fi
  if [ "$(id -u)" != 0 ]; then
    _stowage_testdb_say "no Docker engine answers, and installing or starting one needs root"
    return 1
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    if ! command -v apt-get >/dev/null 2>&1; then
      _stowage_testdb_say "no Docker engine, and no apt-get to install Debian's docker.io"
      return 1
    fi
    _stowage_testdb_say "installing a Docker engine: Debian's docker.io (log: /var/log/stowage-apt.log)"
    if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io; } \
      >/var/log/stowage-apt.log 2>&1; then
      tail -n 20 /var/log/stowage-apt.log >&2
      _stowage_testdb_say "installing docker.io failed"
      return 1
    fi
    _stowage_testdb_say "installed docker.io in $((SECONDS - start))s"
  fi
  _stowage_testdb_say "starting dockerd (log: $log)"
  # Without the lock's file descriptor: the engine outlives this run and must not hold the lock.
  setsid -f dockerd >>"$log" 2>&1 </dev/null {_stowage_testdb_lock_fd}>&-
  for i in $(seq 1 60); do
    if _stowage_testdb_docker_ok; then
      _stowage_testdb_say "Docker engine $(docker version -f '{{.Server.Version}}' 2>/dev/null) started in ${i}s"
      return 0
    fi
    sleep 1
  done
  tail -n 20 "$log" >&2
  _stowage_testdb_say "dockerd did not answer within 60s"
  return 1
}

# Sets STOWAGE_<KIND>_IMAGE unless given: the official image when this engine has it or can pull it,
# else the local image built from Debian packages.
_stowage_testdb_image() {
  local kind="$1" var="$2" official="$3" here="$4" tag
  if [ -n "${!var:-}" ]; then
    _stowage_testdb_say "$kind: image $var=${!var}"
    return 0
  fi
  if docker image inspect "$official" >/dev/null 2>&1; then
    export "$var=$official"
  elif [ "${_stowage_testdb_registry:-yes}" = yes ] && timeout 120 docker pull -q "$official" >/dev/null 2>&1; then
    _stowage_testdb_say "$kind: pulled $official"
    export "$var=$official"
  else
    _stowage_testdb_registry=no
    _stowage_testdb_say "$kind: $official cannot be pulled: using a local image built from Debian packages"
    tag="$(bash "$here/images/build.sh" "$kind")" || return 1
    export "$var=$tag"
  fi
  _stowage_testdb_say "$kind: image ${!var}"
}

# The Redis Cluster of the redis suite runs as local redis-server processes (src/redis-cluster.ts)
# unless STOWAGE_REDIS_CLUSTER_URL names one: makes sure the binary exists (Debian's redis-server).
_stowage_testdb_ensure_redis_server() {
  if [ -n "${STOWAGE_REDIS_CLUSTER_URL:-}" ] || [ -n "${STOWAGE_REDIS_SERVER_BIN:-}" ] ||
    command -v redis-server >/dev/null 2>&1; then
    return 0
  fi
  if [ "${STOWAGE_TESTDB_SETUP:-1}" = 0 ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    _stowage_testdb_say "redis-cluster: no redis-server binary (install redis-server 7, or set STOWAGE_REDIS_CLUSTER_URL)"
    return 0
  fi
  _stowage_testdb_say "redis-cluster: installing Debian's redis-server (log: /var/log/stowage-apt.log)"
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server; } \
    >>/var/log/stowage-apt.log 2>&1; then
    tail -n 20 /var/log/stowage-apt.log >&2
    _stowage_testdb_say "installing redis-server failed"
    return 0
  fi
  # Only the binary is wanted: the packaged service stays off (it would take port 6379).
  command -v systemctl >/dev/null 2>&1 && systemctl disable --now redis-server >/dev/null 2>&1 || true
}

_stowage_testdb_provide() {
  local here="$1" need=() start=$SECONDS
  _stowage_testdb_ensure_redis_server
  [ -n "${STOWAGE_REDIS_URL:-}" ] || need+=(redis)
  [ -n "${STOWAGE_POSTGRES_URL:-}" ] || need+=(postgres)
  if [ ${#need[@]} -eq 0 ]; then
    _stowage_testdb_say "STOWAGE_REDIS_URL and STOWAGE_POSTGRES_URL are set: the suites use those servers, no Docker needed"
    return 0
  fi
  _stowage_testdb_say "no URL for ${need[*]}${CI:+ (CI)}: Testcontainers will start it"

  if ! _stowage_testdb_ensure_docker; then
    cat >&2 <<EOF
[testdb] ERROR: no test database for ${need[*]}: no URL is set and no Docker engine can be used.
[testdb] Provide the databases in one of two ways:
[testdb]   1. servers you run:  STOWAGE_REDIS_URL=redis://127.0.0.1:6379 STOWAGE_POSTGRES_URL=postgres://user:password@127.0.0.1:5432/test
[testdb]   2. a Docker engine for Testcontainers: start one (or set DOCKER_HOST); as root on Debian this
[testdb]      script installs docker.io and starts dockerd itself unless STOWAGE_TESTDB_SETUP=0.
[testdb] See CONTRIBUTING.md, section "Test databases".
EOF
    return 1
  fi

  export TESTCONTAINERS_RYUK_DISABLED="${TESTCONTAINERS_RYUK_DISABLED:-true}"
  export TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-localhost}"
  # Containers are labelled with this id; cleanup.sh removes this run's leftovers.
  export STOWAGE_TESTDB_RUN_ID="${STOWAGE_TESTDB_RUN_ID:-$$-$RANDOM$RANDOM}"

  # The pinned official images: the same tags as SPECS in src/config.ts.
  local kind
  for kind in "${need[@]}"; do
    case "$kind" in
      redis) _stowage_testdb_image redis STOWAGE_REDIS_IMAGE redis:7.4.2 "$here" || return 1 ;;
      postgres) _stowage_testdb_image postgres STOWAGE_POSTGRES_IMAGE pgvector/pgvector:0.8.0-pg16 "$here" || return 1 ;;
    esac
  done
  _stowage_testdb_say "ready in $((SECONDS - start))s; TESTCONTAINERS_RYUK_DISABLED=$TESTCONTAINERS_RYUK_DISABLED TESTCONTAINERS_HOST_OVERRIDE=$TESTCONTAINERS_HOST_OVERRIDE"

  # Remove this run's containers even when the run is interrupted (run.sh also runs cleanup.sh).
  if [ -z "$(trap -p EXIT)" ]; then
    # shellcheck disable=SC2064 # expand $here now
    trap "bash '$here/cleanup.sh' || true" EXIT
  fi
}

# Two test runs starting together on one machine take turns (one apt, one dockerd, one build).
_stowage_testdb_locked() {
  local rc=0
  exec {_stowage_testdb_lock_fd}>>/tmp/stowage-testdb.lock
  if ! flock -n "$_stowage_testdb_lock_fd"; then
    _stowage_testdb_say "another test run is preparing the databases: waiting for it"
    flock -w 900 "$_stowage_testdb_lock_fd" || true
  fi
  _stowage_testdb_provide "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)" || rc=$?
  exec {_stowage_testdb_lock_fd}>&-
  return "$rc"
}

_stowage_testdb_locked
