#!/usr/bin/env bash
# Installs the system programs the tests run when any is missing (Debian): the XRootD
# daemons and clients (conformance), curl (WebDAV), git and the OpenSSH client (Git
# sources), mmdebstrap, buildah, podman and runc (the images, built and run without a registry),
# and the `xrootd` user Debian's package creates (the daemons refuse root).
# Run by `npm test` (pretest) and by .ci/run; a no-op when everything is there.
# The control plane is built (or taken from its cache) by the tests themselves.
set -euo pipefail
programs=(xrootd cmsd xrdcp xrdfs xrdmapc curl git ssh ssh-keygen setpriv openssl mmdebstrap buildah podman runc)
packages=(xrootd-server xrootd-client curl git openssh-client openssl mmdebstrap buildah podman runc)

complete() {
  local p
  for p in "${programs[@]}"; do command -v "$p" >/dev/null || return 1; done
  id xrootd >/dev/null 2>&1
}

if ! complete; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "the tests need Debian's ${packages[*]}: run the tests as root on Debian, or install them first" >&2
    exit 1
  fi
  echo "installing ${packages[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
  complete || { echo "still missing after apt-get install: ${programs[*]} and the xrootd user" >&2; exit 1; }
fi
