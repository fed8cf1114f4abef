# Shared by build.sh and build-node.sh (sourced): the version of a pinned module, and
# the go build settings of Kubernetes binaries (static, and reporting their version).

module_version() { # $1 module dir, $2 module path
  (cd "$1" && go list -m -f '{{.Version}}' "$2")
}

# Sets `staging` (an empty directory beside $out), go's environment and `ldflags` for $k8s_version.
prepare_build() {
  staging="$out.partial.$$"
  rm -rf "$staging"
  mkdir -p "$staging"
  export CGO_ENABLED=0 GOFLAGS="-trimpath -mod=mod"
  local minor=${k8s_version#v1.}; minor=${minor%%.*}
  local version_pkg=k8s.io/component-base/version
  ldflags="-s -w -X $version_pkg.gitVersion=$k8s_version -X $version_pkg.gitMajor=1 -X $version_pkg.gitMinor=$minor -X $version_pkg.gitTreeState=clean"
}

# Holds an exclusive lock on $1/.lock until the calling script exits, so that a second
# build of the same cache (CI starts them early in the background, the tests ask again)
# waits for the first and then finds its result instead of building it twice.
lock_cache() { # $1 cache root
  mkdir -p "$1"
  exec 9>"$1/.lock"
  flock 9
}
