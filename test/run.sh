#!/usr/bin/env bash
# `npm test`: every suite, with the builds they need overlapped with the suites that do not,
# and the suites that share nothing run side by side.
#   1. the system packages (test/install-prerequisites.sh); then the Go chain (control plane,
#      checkers, node) and the image chain (test/build-all.sh) start in the background at the
#      lowest priority: most of a cold run's build time passes while tests wait on daemons;
#   2. unit (pure, on both cores);
#   3. conformance (real daemons on loopback, one suite at a time, the cache suites that mostly wait
#      on XRootD's timers beside the others; its container suite waits for the images' lock if they
#      are still being built), beside
#   4. the same scenarios' CI subset on the other XRootD releases built here, in containers of
#      their images (test/versions.sh; it waits for the images too), beside
#   5. integration and node (each integration suite has a control plane of its own on free ports;
#      the real-node suite, one per machine, goes first), two suites at a time, once the builds
#      are there. The three mostly wait on daemons, so side by side they take little longer than
#      the longest of them alone. Last, the four short suites that run the ecosystem's checkers,
#      whose build (the Go chain's last step) overlaps everything before.
# Every phase runs even when an earlier one failed; the exit code is 1 when any did. Prints each
# phase's time, each suite's and the build steps', then one line `tests: N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
# The project's Node 24 (the node@24 devDependency), as npm puts it first, also when run directly.
export PATH=$PWD/node_modules/.bin:$PATH
started=$(date +%s)
out=build/test-report
rm -rf "$out" && mkdir -p "$out"
export XRD_BUILD_LOG_DIR=${XRD_BUILD_LOG_DIR:-$PWD/$out/builds}
mkdir -p "$XRD_BUILD_LOG_DIR"
failed=()

phase() { # $1 name, rest: the command; returns its exit code
  local name=$1; shift
  local t0; t0=$(date +%s)
  echo "=== $name ($(( t0 - started )) s into the run)"
  "$@"
  local code=$?
  printf '%s\t%s\t%s\n' "$name" "$(( $(date +%s) - t0 ))" "$code" >>"$out/phases.tsv"
  return "$code"
}
jest() { # $1 report name, $2 projects (comma-separated), rest: jest options
  local report=$1 projects=$2; shift 2
  # shellcheck disable=SC2086
  node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects ${projects//,/ } \
    --json --outputFile="$out/$report.json" "$@"
}
# The suites that run side by side draw their ports from bands of their own (test/helpers/processes.ts freePorts).
ports() { ( export TEST_PORT_RANGE=$1; shift; "$@" ); } # $1 from-to, rest: the command
# Waits for a build the background chain may still be running (the script's lock), or builds it.
built() { nice -n 19 ionice -c 3 "$@" >/dev/null; }

phase prerequisites bash test/install-prerequisites.sh || failed+=(prerequisites)
XRD_BUILD_CALLER='npm test' bash test/build-all.sh go & go_chain=$!
XRD_BUILD_CALLER='npm test' bash test/build-all.sh images & image_chain=$!
phase typescript npm run -s build || failed+=(typescript)
phase unit jest unit unit --maxWorkers=2 || failed+=(unit)
# The releases other than the host's own (its packages run the conformance suites): cluster, client
# operations, TLS, tokens and the upgrade to it under load on each, in containers of its image
# (npm run test:versions runs every scenario).
other_releases=$(source images/versions.env && for r in $XROOTD_RELEASES; do [ "$r" = "$(xrootd -v 2>&1 | sed 's/^v//')" ] || echo "$r"; done)
versions() {
  [ -n "$other_releases" ] || return 0
  # shellcheck disable=SC2086
  XRD_SCENARIOS='conformance/(cluster|client-operations|tls|tokens|upgrade)\.test' \
    bash test/versions.sh $other_releases
}
# Their output is kept apart and printed when they end, so that the runs' lines do not interleave.
# The cache suites spend most of their time waiting on XRootD's own timers (a purge's interval, an
# idle connection's lifetime): they run beside the other conformance suites rather than after them.
timer_suites='conformance/xcache-(fill|credentials|proxy)\.test'
phase conformance ports 20000-23999 jest conformance conformance --runInBand --testPathIgnorePatterns "$timer_suites" >"$out/conformance.log" 2>&1 & conformance=$!
# At a lower priority: their waits do not mind it, and the large clusters of the others (219 data
# servers re-subscribing to a supervisor) get the cores first.
phase conformance-timers ports 24000-25499 nice -n 10 node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects conformance \
  --json --outputFile="$out/conformance-timers.json" --runInBand --testPathPatterns "$timer_suites" >"$out/conformance-timers.log" 2>&1 & conformance_timers=$!
phase versions ports 25500-28999 versions >"$out/versions.log" 2>&1 & versions=$!
# The suites that run the ecosystem's checkers (promtool, Argo CD's health code, kstatus, the OLM
# validator) and its delivery tools (Helm, Flux's controllers) go last: their builds (the Go
# chain's last steps) then overlap the other suites.
checker_suites='integration/(alerts|gitops-health|install-paths|olm|helm|flux|krew)\.test'
phase wait-for-builds built bash -c 'bash test/controlplane/build.sh && bash test/controlplane/build-node.sh && bash images/build.sh all && bash test/tools/previous-release.sh' \
  || failed+=(builds)
phase integration-and-node ports 29000-32767 jest integration-and-node integration,node --maxWorkers=2 --testPathIgnorePatterns "$checker_suites" \
  || failed+=(integration-and-node)
phase wait-for-checkers built bash -c 'bash test/tools/build.sh && bash test/tools/build-delivery.sh all' || failed+=(builds)
phase checker-suites ports 29000-32767 jest checker-suites integration --maxWorkers=2 --testPathPatterns "$checker_suites" || failed+=(checker-suites)
wait "$conformance" || failed+=(conformance)
wait "$conformance_timers" || failed+=(conformance-timers)
wait "$versions" || failed+=(versions)
echo "=== conformance's output"
cat "$out/conformance.log" "$out/conformance-timers.log"
echo "=== versions' output"
cat "$out/versions.log"
wait "$go_chain" "$image_chain"

node build/test/suite-times.js "$out" "$XRD_BUILD_LOG_DIR/times.tsv" "$(( $(date +%s) - started ))" >"$out/times.md" || failed+=(report)
[ "${#failed[@]}" = 0 ] || echo "failed phases: ${failed[*]}" >&2
cat "$out/times.md"
[ "${#failed[@]}" = 0 ]
