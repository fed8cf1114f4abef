#!/usr/bin/env bash
# Builds (or reuses) the test control plane: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl (the reference client, version-matched) and kwok, from the Go modules pinned in
# kube/go.mod and kwok/go.mod. Binaries are cached outside the work tree, keyed by
# the pinned versions and a hash of the module files, and rebuilt only when missing.
# Prints the directory that holds the binaries (and kwok's stage files) on stdout.
#
# KUBEBUILDER_ASSETS (the envtest convention) pointing at a directory that already
# holds all five binaries is used as it is.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binaries=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok)

has_all() {
  local dir=$1 b
  for b in "${binaries[@]}"; do [ -x "$dir/$b" ] || return 1; done
  [ -d "$dir/stages" ]
}

if [ -n "${KUBEBUILDER_ASSETS:-}" ] && has_all "$KUBEBUILDER_ASSETS"; then
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

source "$here/build-lib.sh"
k8s_version=$(module_version "$here/kube" k8s.io/kubernetes)
etcd_version=$(module_version "$here/kube" go.etcd.io/etcd/server/v3)
kwok_version=$(module_version "$here/kwok" sigs.k8s.io/kwok)
modules_hash=$(cat "$here"/kube/go.mod "$here"/kube/go.sum "$here"/kwok/go.mod "$here"/kwok/go.sum "$0" "$here/build-lib.sh" | sha256sum | cut -c1-12)

cache_root=${XRD_CONTROLPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xrootd-k8s/controlplane}
out="$cache_root/k8s-$k8s_version-etcd-$etcd_version-kwok-$kwok_version-$modules_hash"
if has_all "$out"; then
  echo "$out"
  exit 0
fi
lock_cache "$cache_root"
if has_all "$out"; then
  echo "$out"
  exit 0
fi

started=$(date +%s)
prepare_build

echo "building control plane $k8s_version (etcd $etcd_version, kwok $kwok_version) into $out" >&2
(cd "$here/kube" && go build -ldflags "$ldflags" -o "$staging/" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubectl \
  go.etcd.io/etcd/server/v3)
# go names the etcd binary after its module's last element before /v3.
mv "$staging/server" "$staging/etcd"
(cd "$here/kwok" && go build -ldflags "-s -w" -o "$staging/kwok" sigs.k8s.io/kwok/cmd/kwok)

# kwok exits with "no stages found" unless it is given stages: they ship in its module.
kwok_dir=$(cd "$here/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
mkdir -p "$staging/stages"
stage_dir="$kwok_dir/kustomize/stage"
for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
         pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml \
         volume/fast/pvc-provision.yaml volume/fast/pv-bind.yaml volume/fast/pvc-delete.yaml \
         volume/fast/pv-delete.yaml volume/fast/storage-class.yaml; do
  cp "$stage_dir/$f" "$staging/stages/"
done
chmod -R u+w "$staging/stages"

rm -rf "$out"
mv "$staging" "$out"
echo "built in $(( $(date +%s) - started )) s" >&2
echo "$out"
