#!/usr/bin/env bash
# Builds the local test images from Debian's packages, without any container registry:
# the debootstrap base (base.sh), then redis/ and postgres/ on top of it. An image that exists
# and was built from the same files is kept. Prints the tag of each requested image on stdout.
#   bash tooling/testdb/images/build.sh                # redis and postgres
#   bash tooling/testdb/images/build.sh postgres       # just one
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export STOWAGE_BASE_IMAGE="${STOWAGE_BASE_IMAGE:-stowage/debian-base:bookworm}"
say() { printf '[testdb] %s\n' "$*" >&2; }

tag_of() {
  case "$1" in
    redis) echo "stowage/redis:7-bookworm" ;;
    postgres) echo "stowage/postgres:15-bookworm" ;;
    *) say "unknown image '$1' (known: redis, postgres)"; return 1 ;;
  esac
}

bash "$here/base.sh"
base_id="$(docker image inspect -f '{{.Id}}' "$STOWAGE_BASE_IMAGE")"

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(redis postgres)
for name in "${names[@]}"; do
  tag="$(tag_of "$name")"
  # Same build files and same base => same image: skip the build.
  build_id="$( (cd "$here/$name" && find . -type f -print0 | sort -z | xargs -0 sha256sum; echo "$base_id") | sha256sum | cut -c1-16)"
  current="$(docker image inspect -f '{{index .Config.Labels "org.stowage.build"}}' "$tag" 2>/dev/null || true)"
  if [ "$current" = "$build_id" ]; then
    say "image $tag exists"
  else
    say "building $tag from Debian packages"
    start=$SECONDS
    log="$(mktemp "/tmp/stowage-build-$name.XXXXXX")"
    # The classic builder: it works with every engine, Debian's included, and needs no buildx.
    if ! DOCKER_BUILDKIT=0 docker build \
      --build-arg "BASE=$STOWAGE_BASE_IMAGE" \
      --label org.stowage.image="$name" --label org.stowage.build="$build_id" \
      -t "$tag" "$here/$name" >"$log" 2>&1; then
      tail -n 40 "$log" >&2
      say "building $tag failed (full log: $log)"
      exit 1
    fi
    rm -f "$log"
    say "built $tag in $((SECONDS - start))s"
  fi
  echo "$tag"
done
