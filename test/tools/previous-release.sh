#!/usr/bin/env bash
# The release before this one, built as a release is: its tree at its commit, with its own
# dependencies (npm ci, from npm's cache where it has them), compiled. Cached by commit outside the
# work tree; prints its directory. test/integration/agent-upgrade.test.ts upgrades from it to this
# tree. npm test builds it before the integration suites (a dependency this tree dropped must not
# break building the one before).
#   test/tools/previous-release.sh [COMMIT]
set -euo pipefail
cd "$(dirname "$0")/../.."
# The last commit that landed before the redirector pings changed.
commit=${1:-e4748d62595fced105640f47ad629d4db874c4c9}
cache_root=${XRD_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xrootd-k8s/tools}
out="$cache_root/previous-release-$commit"
if [ ! -f "$out/build/src/cli/main.js" ]; then
  mkdir -p "$cache_root"
  exec 9>"$out.lock" && flock 9
  if [ ! -f "$out/build/src/cli/main.js" ]; then
    # A shallow clone lacks the commit: fetched from where the clone came from.
    git cat-file -e "$commit^{commit}" 2>/dev/null || git fetch --quiet origin "$commit" >&2
    tmp=$(mktemp -d "$out.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT   # a failed build leaves no half tree in the cache (after mv, nothing is left to remove)
    git archive "$commit" | tar -x -C "$tmp"
    (cd "$tmp" && npm ci --prefer-offline --no-audit --no-fund --ignore-scripts >&2 && node node_modules/typescript/bin/tsc -p tsconfig.json >&2)
    rm -rf "$out" && mv "$tmp" "$out"
  fi
fi
echo "$out"
