#!/usr/bin/env bash
# Builds the 2020 Go operator (xrootd/xrootd-k8s-operator) at a pinned commit, twice:
#   manager                      as published;
#   manager-no-log-watcher       without its pod-log watcher (SetupWithManager's AddXrootdLogger call
#                                removed: on kwok nodes there is no kubelet, so it retries pods/log forever).
# The Go module proxy does not serve that repository: its source comes from a git directory
# ($OLD_OPERATOR_GIT, default: the snapshot the `fetch` tool leaves under /work/.mirror).
# Its dependencies (controller-runtime 0.6, client-go 0.18) come from the module proxy.
# Output: $XK8S_CACHE/tools/old-operator-<commit>/ (binaries and the configmaps/ folder it reads
# from its working directory); prints that directory. Rebuilt only when missing.
set -euo pipefail
commit=f4efb1cdde9650cc674daf2ad2fa11e172883ef5
git_dir=${OLD_OPERATOR_GIT:-/work/.mirror/xrootd+xrootd-k8s-operator/repo}
cache=${XK8S_CACHE:-$HOME/.cache/xrootd-k8s}
out=$cache/tools/old-operator-$commit
if [[ -x $out/manager && -x $out/manager-no-log-watcher ]]; then echo "$out"; exit 0; fi
if ! git -C "$git_dir" cat-file -e "$commit^{commit}" 2>/dev/null; then
  echo "bench/old-operator/build.sh: commit $commit of xrootd/xrootd-k8s-operator is not in $git_dir;" >&2
  echo "  set OLD_OPERATOR_GIT to a clone of https://github.com/xrootd/xrootd-k8s-operator" >&2
  exit 1
fi
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
git -C "$git_dir" archive "$commit" | tar -x -C "$src"
staging="$out.partial.$$"
rm -rf "$staging" && mkdir -p "$staging"
export CGO_ENABLED=0 GOFLAGS=-trimpath
(cd "$src" && go build -o "$staging/manager" .) >&2
# The variant: one line removed, checked so that a different source fails loudly.
grep -q '^	r.AddXrootdLogger()$' "$src/controllers/xrootd/xrootdcluster_controller.go"
sed -i '/^	r.AddXrootdLogger()$/d' "$src/controllers/xrootd/xrootdcluster_controller.go"
(cd "$src" && go build -o "$staging/manager-no-log-watcher" .) >&2
cp -r "$src/configmaps" "$src/config" "$staging/"
rm -rf "$out" && mv "$staging" "$out"
echo "$out"
