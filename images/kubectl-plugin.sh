#!/usr/bin/env bash
# The kubectl plugin as krew installs it: one self-contained archive for the platform this runs on
# (the CLI, its production dependencies and the Node runtime it runs on, so a host needs kubectl
# and nothing else), and the krew manifest naming every archive in OUT_DIR by URL and sha256.
#   images/kubectl-plugin.sh OUT_DIR [URL_BASE]
# URL_BASE: where the release publishes the archives (default: the GitHub release of this version).
# Run it on each platform into the same OUT_DIR (the release workflow), then publish the manifest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: images/kubectl-plugin.sh OUT_DIR [URL_BASE]}
mkdir -p "$out" && out=$(cd "$out" && pwd)
version=$(node -p 'require(process.argv[1]).version' "$root/package.json")
url_base=${2:-https://github.com/xrootd-k8s/xrootd-k8s/releases/download/v$version}
os=$(uname -s | tr '[:upper:]' '[:lower:]')
case $(uname -m) in x86_64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
# The project's own Node: the node@24 devDependency's binary, for this platform.
node_bin=$root/node_modules/node/bin/node
[ -x "$node_bin" ] || { echo "no $node_bin: run npm ci first" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
plugin=$stage/plugin
mkdir -p "$plugin/node/bin"
(cd "$root" && npm run -s prepack)   # lib/, as the npm package has it
cp -r "$root/lib" "$plugin/lib"
cp "$root/package.json" "$root/package-lock.json" "$plugin/"
# The dependencies as the lock file pins them (npm's cache has them after the project's npm ci).
(cd "$plugin" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error >/dev/null)
# The peer dependencies (the construct library's), which the CLI's synth and apply run; they
# bundle their own dependencies.
peers=$(node -p 'Object.keys(require(process.argv[1]).peerDependencies).join(" ")' "$root/package.json")
for peer in $peers; do
  [ -d "$plugin/node_modules/$peer" ] || cp -r "$root/node_modules/$peer" "$plugin/node_modules/$peer"
done
# krew unpacks regular files and directories only: no npm .bin links, and no other symbolic link.
rm -f "$plugin/package-lock.json"
find "$plugin/node_modules" -name .bin -type d -prune -exec rm -rf {} +
links=$(find "$plugin" -type l -print -quit)
[ -z "$links" ] || { echo "symbolic links in the plugin, such as $links (krew refuses them)" >&2; exit 1; }
cp "$node_bin" "$plugin/node/bin/node"
cat >"$plugin/kubectl-xrootd" <<'LAUNCHER'
#!/bin/sh
# kubectl xrootd: the xrootd-k8s CLI on the Node runtime beside it (krew links this file).
here=$(dirname "$(readlink -f "$0")")
XRD_CLI_NAME=kubectl-xrootd exec "$here/node/bin/node" "$here/lib/src/cli/main.js" "$@"
LAUNCHER
chmod 755 "$plugin/kubectl-xrootd"
# The version in the name: archives of another version left in OUT_DIR stay out of the manifest.
archive=kubectl-xrootd-v$version-$os-$arch.tar.gz
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$plugin" -cf - . | gzip -n -6 >"$out/$archive"

# The manifest: every platform's archive in OUT_DIR.
{
  cat <<MANIFEST
# krew plugin manifest, written by images/kubectl-plugin.sh: kubectl krew install --manifest=xrootd.yaml
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: xrootd
spec:
  version: v$version
  homepage: https://github.com/xrootd-k8s/xrootd-k8s
  shortDescription: Inspect and run XRootD clusters managed by xrootd-k8s
  description: |
    The xrootd-k8s command as a kubectl plugin: status of Xrootd clusters (roles, versions,
    rollout, drains, lost nodes; --watch), validate, synth, diff and apply Xrootd resources,
    migrate clusters of the 2020 operator. Self-contained: it brings its own Node runtime.
  caveats: |
    kubectl does not pass --context or --kubeconfig to plugins: give --kubeconfig after the
    command, or set KUBECONFIG.
  platforms:
MANIFEST
  for file in "$out"/kubectl-xrootd-v"$version"-*-*.tar.gz; do
    platform=${file##*/kubectl-xrootd-v"$version"-}; platform=${platform%.tar.gz}
    cat <<PLATFORM
    - selector:
        matchLabels:
          os: ${platform%-*}
          arch: ${platform#*-}
      uri: $url_base/${file##*/}
      sha256: $(sha256sum "$file" | cut -d' ' -f1)
      bin: kubectl-xrootd
PLATFORM
  done
} >"$out/xrootd.yaml"
echo "$out/$archive ($(du -m "$out/$archive" | cut -f1) MB) and $out/xrootd.yaml"
