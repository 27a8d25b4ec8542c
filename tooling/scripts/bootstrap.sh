#!/usr/bin/env bash
# Makes a fresh machine ready: Node >= 22 (Node 24 from the npm registry when the system one is
# older), pnpm through corepack at the version pinned in package.json, then a frozen install.
# Source it (`. tooling/scripts/bootstrap.sh`) to keep PATH; running it also works.
set -euo pipefail

STOWAGE_HOME="${STOWAGE_HOME:-$HOME/.stowage}"
NODE_PREFIX="$STOWAGE_HOME/node24"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

say() { printf '[bootstrap] %s\n' "$*" >&2; }

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ -x "$NODE_PREFIX/bin/node" ]; then
  export PATH="$NODE_PREFIX/bin:$PATH"
fi
if [ "$(node_major)" -lt 22 ]; then
  say "node $(node --version 2>/dev/null || echo missing) is older than 22: installing Node 24 from the npm registry into $NODE_PREFIX"
  npm install -g --prefix "$NODE_PREFIX" --no-fund --no-audit --loglevel=error node@24 corepack >&2
  export PATH="$NODE_PREFIX/bin:$PATH"
fi
say "node $(node --version) at $(command -v node)"

# corepack ships with Node 24's full installers but not with the npm `node` package: install it beside.
mkdir -p "$STOWAGE_HOME/bin"
export PATH="$STOWAGE_HOME/bin:$PATH"
export TURBO_TELEMETRY_DISABLED=1
export DO_NOT_TRACK=1
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
export COREPACK_ENABLE_STRICT=0
# corepack's built-in registry keys can lag behind the registry's; pnpm is pinned by version anyway.
export COREPACK_INTEGRITY_KEYS=0
if [ ! -x "$STOWAGE_HOME/bin/pnpm" ]; then
  if ! command -v corepack >/dev/null 2>&1 || [ "$(dirname "$(command -v corepack)")" != "$(dirname "$(command -v node)")" ]; then
    if [ -w "$(dirname "$(command -v node)")" ] && [ "$(dirname "$(command -v node)")" = "$NODE_PREFIX/bin" ]; then
      npm install -g --prefix "$NODE_PREFIX" --no-fund --no-audit --loglevel=error corepack >&2
    fi
  fi
  corepack enable --install-directory "$STOWAGE_HOME/bin" pnpm >&2
fi

# The install is skipped when nothing it depends on changed since the last one: the lockfile,
# every package.json, the workspace and npm settings, and the Node major version. The stamp lives
# in node_modules, so deleting node_modules forces a fresh install.
install_fingerprint() {
  (
    cd "$repo_root"
    node -p 'process.versions.node.split(".")[0]'
    for f in pnpm-lock.yaml pnpm-workspace.yaml .npmrc; do [ -f "$f" ] && echo "$f" && cat "$f"; done
    find . -name package.json -not -path '*/node_modules/*' -not -path './.git/*' -not -path '*/dist/*' | LC_ALL=C sort | while read -r f; do echo "$f"; cat "$f"; done
  ) | { sha256sum 2>/dev/null || cksum; } | cut -d' ' -f1
}

if [ "${STOWAGE_SKIP_INSTALL:-}" != "1" ]; then
  stamp="$repo_root/node_modules/.stowage-install-stamp"
  fingerprint="$(install_fingerprint)"
  if [ -f "$stamp" ] && [ -f "$repo_root/node_modules/.modules.yaml" ] && [ "$(cat "$stamp")" = "$fingerprint" ]; then
    say "dependencies up to date (lockfile and package.json files unchanged since the last install): install skipped"
  else
    say "pnpm $(cd "$repo_root" && pnpm --version)"
    (cd "$repo_root" && pnpm install --frozen-lockfile --reporter=append-only >&2)
    echo "$fingerprint" >"$stamp"
  fi
fi
