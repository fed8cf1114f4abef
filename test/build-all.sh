#!/usr/bin/env bash
# Builds (or takes from their caches) what the tests run that npm does not install, at the
# lowest CPU and I/O priority so that whatever runs meanwhile (apt, npm, lint, the suites that
# need none of it) keeps the cores. Two chains, meant to run side by side:
#   go      the control plane, the real node's binaries, then the ecosystem's checkers and the
#           delivery tools, Helm and Flux's controllers (test/controlplane/build.sh,
#           test/controlplane/build-node.sh, test/tools/build.sh, test/tools/build-delivery.sh):
#           the checkers last, since only four short suites need them and they run after the
#           others; the node's pause image needs gcc and buildah, so the system packages come first
#   images  the XRootD and agent images (images/build.sh; needs the system packages and node_modules)
# Each build script locks its cache, so a second caller (the tests asking while CI's early
# chain runs) waits for the first and then finds the result.
#
#   test/build-all.sh go|images
# Appends one line per step to $XRD_BUILD_LOG_DIR/times.tsv (step, seconds, exit code, caller:
# $XRD_BUILD_CALLER, default `npm test`; a step that found its cache or waited for another caller's build is short) and
# writes each step's output to $XRD_BUILD_LOG_DIR/<step>-<caller>.log. Exits with the first failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
logs=${XRD_BUILD_LOG_DIR:-${TMPDIR:-/tmp}/xrootd-k8s-builds}
mkdir -p "$logs"

step() { # $1 name, rest: the command
  local name=$1; shift
  local caller=${XRD_BUILD_CALLER:-npm test}
  local log="$logs/$name-${caller// /-}.log"
  local started; started=$(date +%s)
  nice -n 19 ionice -c 3 "$@" >"$log" 2>&1
  local code=$?
  printf '%s\t%s\t%s\t%s\n' "$name" "$(( $(date +%s) - started ))" "$code" "$caller" >>"$logs/times.tsv"
  if [ "$code" != 0 ]; then
    echo "build step $name failed ($code); its log, $log, ends:" >&2
    tail -n 30 "$log" >&2
    exit "$code"
  fi
}

case "${1:-}" in
  go)
    step controlplane bash "$here/controlplane/build.sh"
    step prerequisites-for-node bash "$here/install-prerequisites.sh"
    step node bash "$here/controlplane/build-node.sh"
    step checkers bash "$here/tools/build.sh"
    step delivery bash "$here/tools/build-delivery.sh" all
    ;;
  images)
    step prerequisites-for-images bash "$here/install-prerequisites.sh"
    step images bash "$root/images/build.sh" all
    ;;
  *) echo "usage: test/build-all.sh go|images" >&2; exit 2 ;;
esac
