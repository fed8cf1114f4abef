#!/usr/bin/env bash
# Installs the system programs the tests run when any is missing (Debian): the XRootD
# daemons and clients (conformance) with the VOMS plugin and voms-proxy-fake (voms-clients),
# curl (WebDAV), git and the OpenSSH client (Git sources), mmdebstrap, buildah, podman and runc (the images, built and run without a registry),
# xfsprogs (a data volume grown while the daemons run: xfs_growfs needs no more than the mount),
# containerd, the CNI plugins, iproute2, iptables, nftables, conntrack and gcc (the real test node: its
# runtime, pod network, kube-proxy and the pause binary),
# and the `xrootd` user Debian's package creates (the daemons refuse root).
# Run by `npm test` (pretest) and by .ci/run; a no-op when everything is there.
# The control plane is built (or taken from its cache) by the tests themselves.
set -euo pipefail
programs=(xrootd cmsd xrdcp xrdfs xrdmapc voms-proxy-fake curl git ssh ssh-keygen setpriv openssl mkfs.xfs xfs_growfs losetup mmdebstrap buildah podman runc containerd ctr ip iptables nft conntrack gcc)
packages=(xrootd-server xrootd-client xrootd-voms-plugins voms-clients curl git openssh-client openssl xfsprogs mount mmdebstrap buildah podman runc containerd containernetworking-plugins iproute2 iptables nftables conntrack gcc libc6-dev)

complete() {
  local p
  for p in "${programs[@]}"; do command -v "$p" >/dev/null || return 1; done
  [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] && [ -x /usr/lib/cni/portmap ] || return 1
  compgen -G '/usr/lib/*/libXrdVoms-5.so' >/dev/null || return 1
  id xrootd >/dev/null 2>&1
}

# CI's early background builds and the tests may both ask: one apt-get at a time.
exec 9>"${TMPDIR:-/tmp}/xrootd-k8s-prerequisites.lock"
flock 9
if ! complete; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "the tests need Debian's ${packages[*]}: run the tests as root on Debian, or install them first" >&2
    exit 1
  fi
  echo "installing ${packages[*]}" >&2
  apt-get update -qq 9>&-   # not the lock: a service its scripts start must not hold it
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null 9>&-
  complete || { echo "still missing after apt-get install: ${programs[*]} and the xrootd user" >&2; exit 1; }
fi
