#!/usr/bin/env bash
# `npm run test:argocd`: Argo CD's own application-controller and repo-server (built from its
# module with Go 1.27, with kustomize; test/tools/build-delivery.sh argocd), a Redis from Debian,
# the control plane, and test/argocd/: examples/argocd synced from Git with sync waves and our
# health checks. Outside npm test: Argo CD's cold build (about 8 minutes of both cores, and the Go
# 1.27 toolchain) would take a cold CI run past its 60-minute budget. Run it before a change to
# the install paths lands; its result goes into the change's note.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/node_modules/.bin:$PATH
bash test/install-prerequisites.sh
command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null; }
nice -n 19 bash test/tools/build-delivery.sh argocd >/dev/null
bash test/controlplane/build.sh >/dev/null
npm run -s build
exec node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects argocd --runInBand "$@"
