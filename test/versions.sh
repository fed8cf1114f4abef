#!/usr/bin/env bash
# `npm run test:versions [-- RELEASE...]`: the conformance scenarios on each XRootD release built
# here (default: every one, images/versions.env), every daemon in a container of that release's
# image (XRD_RELEASE), then a release x scenario table (build/test-report/versions.md).
#   XRD_SCENARIOS  a jest path pattern narrowing the scenarios (npm test runs the CI subset)
#   XRD_TESTS      a jest test name pattern narrowing the tests within them
# The scenarios that need the host's own daemons are left out: external-access (a network
# namespace of the test's), drain (the drain script runs on the host), catalog (it runs every
# release itself).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/node_modules/.bin:$PATH
# shellcheck source=../images/versions.env
releases=${*:-$(source images/versions.env && echo "$XROOTD_RELEASES")}
scenarios=${XRD_SCENARIOS:-'conformance/(?!(external-access|drain|catalog)\.test)'}
out=build/test-report
mkdir -p "$out"
[ -f build/test/version-table.js ] || npm run -s build
failed=0
for release in $releases; do
  echo "=== XRootD $release: $scenarios"
  XRD_RELEASE=$release node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects conformance \
    --runInBand --testPathPatterns "$scenarios" ${XRD_TESTS:+--testNamePattern "$XRD_TESTS"} \
    --json --outputFile="$out/versions-$release.json" || failed=1
done
# shellcheck disable=SC2086
node build/test/version-table.js "$out" $releases | tee "$out/versions.md" || failed=1
exit "$failed"
