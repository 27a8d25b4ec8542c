#!/usr/bin/env bash
# Builds the base image of the local test images without any container registry:
# `debootstrap --variant=minbase bookworm` from the Debian mirror this machine's apt already uses,
# then `docker import`. Does nothing when the image exists.
#   bash tooling/testdb/images/base.sh            -> stowage/debian-base:bookworm
# Env: STOWAGE_BASE_IMAGE (tag), STOWAGE_DEBIAN_MIRROR (default: the host's bookworm mirror).
set -euo pipefail

tag="${STOWAGE_BASE_IMAGE:-stowage/debian-base:bookworm}"
say() { printf '[testdb] %s\n' "$*" >&2; }

if docker image inspect "$tag" >/dev/null 2>&1; then
  say "base image $tag exists"
  exit 0
fi

# The first bookworm mirror in the host's apt sources (deb822 or one-line format).
host_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN{RS=""} /Suites:[^\n]*bookworm( |\n|$)/ && !/security/ {
           if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { s = substr($0, RSTART, RLENGTH); sub(/URIs:[ \t]*/, "", s); print s; exit } }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" && $3 == "bookworm" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f"
  done
}
mirror="${STOWAGE_DEBIAN_MIRROR:-$(host_mirror | head -n 1)}"
mirror="${mirror:-http://deb.debian.org/debian}"

if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap (log: /var/log/stowage-apt.log)"
  install_debootstrap() { DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap; }
  if ! { install_debootstrap || { apt-get update && install_debootstrap; }; } >>/var/log/stowage-apt.log 2>&1; then
    tail -n 20 /var/log/stowage-apt.log >&2
    say "installing debootstrap failed"
    exit 1
  fi
fi

root="$(mktemp -d /tmp/stowage-rootfs.XXXXXX)"
trap 'rm -rf "$root"' EXIT
say "debootstrap --variant=minbase bookworm from $mirror"
start=$SECONDS
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 || {
  tail -n 30 "$root.log" >&2
  exit 1
}
rm -f "$root.log"
# Smaller image: no downloaded packages, no package lists (Dockerfiles run apt-get update).
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root/etc/apt/apt.conf.d/90stowage"

tar -C "$root" -c . | docker import \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["bash"]' \
  --change 'LABEL org.stowage.image=debian-base' \
  - "$tag" >/dev/null
say "built $tag in $((SECONDS - start))s"
