#!/usr/bin/env bash
# Builds (or reuses) what a real test node runs beside Debian's containerd, runc and CNI
# plugins: kubelet and kube-proxy (from the same k8s.io/kubernetes module as the control
# plane, kube/go.mod), CoreDNS with only its kubernetes plugin (coredns/), SIG Network's
# NetworkPolicy agent kube-network-policies (its own module and go.sum, with its RBAC
# from its install.yaml), and the pause image, compiled from the pause.c that ships in the Kubernetes module and packed as an
# OCI archive (no registry). Cached outside the work tree, keyed by the pinned versions
# and a hash of the module files; prints the directory that holds them on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
wanted=(kubelet kube-proxy coredns kube-network-policies kube-network-policies-rbac.yaml pause.oci.tar)
netpol_module=sigs.k8s.io/kube-network-policies
netpol_version=v0.8.0

has_all() {
  local b
  for b in "${wanted[@]}"; do [ -s "$1/$b" ] || return 1; done
}

source "$here/build-lib.sh"
k8s_version=$(module_version "$here/kube" k8s.io/kubernetes)
coredns_version=$(module_version "$here/coredns" github.com/coredns/coredns)
modules_hash=$(cat "$here"/kube/go.mod "$here"/kube/go.sum "$here"/coredns/* "$here"/netpol/* "$0" "$here/build-lib.sh" | sha256sum | cut -c1-12)

cache_root=${XRD_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xrootd-k8s/node}
out="$cache_root/k8s-$k8s_version-coredns-$coredns_version-netpol-$netpol_version-$modules_hash"
if has_all "$out"; then
  echo "$out"
  exit 0
fi
lock_cache "$cache_root"
if has_all "$out"; then
  echo "$out"
  exit 0
fi

for tool in go gcc buildah; do
  command -v "$tool" >/dev/null || { echo "build-node.sh needs $tool" >&2; exit 1; }
done
started=$(date +%s)
prepare_build

echo "building node $k8s_version (CoreDNS $coredns_version) into $out" >&2
(cd "$here/kube" && go build -ldflags "$ldflags" -o "$staging/" k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy)
(cd "$here/coredns" && go build -ldflags "-s -w" -o "$staging/coredns" .)
# Built from a copy of its module (its own go.mod and go.sum). This kernel has no nftables queue
# expression (CONFIG_NFT_QUEUE) but has xtables' NFQUEUE target: the copy hands its verdicts to the
# same queue through that (netpol/nfqueue_compat.go), its policy code unchanged.
netpol_dir=$(GOFLAGS= go mod download -json "$netpol_module@$netpol_version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
cp -r "$netpol_dir" "$staging/netpol-src" && chmod -R u+w "$staging/netpol-src"
sed -i -e 's/queue := &expr.Queue{Num: uint16(c.config.QueueID)}/queue := nfqueueTarget(uint16(c.config.QueueID), false)/' \
    -e 's/queue.Flag = expr.QueueFlagBypass/queue = nfqueueTarget(uint16(c.config.QueueID), true)/' \
    "$staging/netpol-src/pkg/networkpolicy/controller.go"
[ "$(grep -c nfqueueTarget "$staging/netpol-src/pkg/networkpolicy/controller.go")" = 4 ] || { echo "build-node.sh: kube-network-policies $netpol_version's queue rules are not the ones this build replaces" >&2; exit 1; }
cp "$here/netpol/nfqueue_compat.go" "$staging/netpol-src/pkg/networkpolicy/zz_nfqueue_compat.go"
(cd "$staging/netpol-src" && GOFLAGS="-trimpath -mod=readonly" go build -ldflags "-s -w" -o "$staging/kube-network-policies" ./cmd)
# Its RBAC (the ClusterRole, its binding and the ServiceAccount): install.yaml's documents before the DaemonSet.
awk '/^kind: DaemonSet/{exit} {print}' "$netpol_dir/install.yaml" | sed '$d' > "$staging/kube-network-policies-rbac.yaml"
rm -rf "$staging/netpol-src"

# The pause image, as Kubernetes' build/pause/Makefile makes it: a static pause, nothing else.
kube_dir=$(cd "$here/kube" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)
pause_tag=$(sed -n 's/^TAG ?= //p' "$kube_dir/build/pause/Makefile")
gcc -Os -Wall -Werror -static -DVERSION="v$pause_tag" -o "$staging/pause" "$kube_dir/build/pause/linux/pause.c"
export BUILDAH_ISOLATION=chroot
reference="localhost/xrootd-k8s/pause:$pause_tag"
container=$(buildah from scratch)
buildah copy --quiet "$container" "$staging/pause" /pause >/dev/null
buildah config --entrypoint '["/pause"]' --user 65535:65535 "$container"
buildah commit --quiet --rm "$container" "$reference" >/dev/null
buildah push --quiet "$reference" "oci-archive:$staging/pause.oci.tar:$reference" >/dev/null
echo "$reference" > "$staging/pause.reference"

rm -rf "$out"
mv "$staging" "$out"
for old in "$cache_root"/k8s-*; do [ "$old" = "$out" ] || rm -rf "$old"; done
echo "built in $(( $(date +%s) - started )) s" >&2
echo "$out"
