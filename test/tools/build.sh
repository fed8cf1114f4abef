#!/usr/bin/env bash
# Builds (or reuses) the ecosystem's own checkers that the tests run, from the Go module proxy,
# cached outside the work tree by a hash of their pinned versions:
#   health          Argo CD health.lua in gopher-lua, and Flux's kstatus (health/main.go, this module)
#   operator-verify operator-framework's bundle validator (github.com/operator-framework/api v0.9.1)
#   promtool        Prometheus' rule engine and rule checker (github.com/prometheus/prometheus v0.316.0)
#   grafana-dashboard  Grafana's dashboard schema, strict, as the Grafana Foundation SDK types it
#                   (github.com/grafana/grafana-foundation-sdk/go v0.0.22; grafana-dashboard/main.go, this module)
#   crds/           the GitOps tools' own CRDs, as their Go modules ship them (data, nothing built):
#                   Argo CD's Application, Flux's GitRepository and Kustomization, OLM's ClusterServiceVersion,
#                   cert-manager's Certificate (a Helm template whose template parts are comments and labels),
#                   the Prometheus Operator's ServiceMonitor and PrometheusRule
# Prints the directory that holds them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
OPERATOR_VERIFY=github.com/operator-framework/api/cmd/operator-verify@v0.9.1
# Prometheus' own rule engine, for `promtool test rules` of the clusters' alerts.
PROMTOOL=github.com/prometheus/prometheus/cmd/promtool@v0.316.0
# module@version path-in-module: the CRDs the examples are admitted against.
CRDS=(
  "github.com/argoproj/argo-cd/v2@v2.14.0 manifests/crds/application-crd.yaml"
  "github.com/fluxcd/source-controller@v1.7.0 config/crd/bases/source.toolkit.fluxcd.io_gitrepositories.yaml"
  "github.com/fluxcd/kustomize-controller@v1.6.0 config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml"
  "github.com/operator-framework/api@v0.9.1 crds/operators.coreos.com_clusterserviceversions.yaml"
  "github.com/cert-manager/cert-manager@v1.17.2 deploy/crds/crd-certificates.yaml"
  "github.com/prometheus-operator/prometheus-operator@v0.85.0 example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"
  "github.com/prometheus-operator/prometheus-operator@v0.85.0 example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml"
)
# `build.sh --crd FILE`: the path of one of those CRDs in its downloaded module, nothing built (a
# suite that needs only a CRD does not wait for the checkers' build).
if [ "${1:-}" = --crd ]; then
  for entry in "${CRDS[@]}"; do
    read -r module file <<<"$entry"
    [ "$(basename "$file")" = "${2:-}" ] || continue
    dir=$(cd "$here" && GOFLAGS=-mod=mod go mod download -json "$module" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    [ -n "$dir" ] && [ -f "$dir/$file" ] || { echo "no $file in $module" >&2; exit 1; }
    echo "$dir/$file"; exit 0
  done
  echo "build.sh --crd: no CRD named ${2:-} (known: ${CRDS[*]})" >&2; exit 2
fi
key=$(cat "$here/go.mod" "$here/go.sum" "$here/health/main.go" "$here/grafana-dashboard/main.go" "$0" | sha256sum | cut -c1-12)
cache_root=${XRD_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xrootd-k8s/tools}
out="$cache_root/tools-$key"
complete() { [ -x "$out/health" ] && [ -x "$out/grafana-dashboard" ] && [ -x "$out/operator-verify" ] && [ -x "$out/promtool" ] && [ -d "$out/crds" ]; }
if complete; then echo "$out"; exit 0; fi
# A second build of the same cache (CI starts one early in the background) waits for the first.
mkdir -p "$cache_root" && exec 9>"$cache_root/.lock" && flock 9
if complete; then echo "$out"; exit 0; fi
started=$(date +%s)
staging="$out.partial.$$"
rm -rf "$staging" && mkdir -p "$staging"
export CGO_ENABLED=0 GOFLAGS=-trimpath
(cd "$here" && go build -ldflags "-s -w" -o "$staging/health" ./health && go build -ldflags "-s -w" -o "$staging/grafana-dashboard" ./grafana-dashboard)
GOBIN="$staging" go install -ldflags "-s -w" "$OPERATOR_VERIFY"
# remove_all_sd: Prometheus' own build tag that leaves out its service-discovery plugins (AWS,
# Azure, GCE, ...), which rule checking and `test rules` never use; the rule engine is the same.
GOBIN="$staging" go install -tags remove_all_sd -ldflags "-s -w" "$PROMTOOL"
mkdir -p "$staging/crds"
for entry in "${CRDS[@]}"; do
  read -r module file <<<"$entry"
  dir=$(cd "$here" && GOFLAGS=-mod=mod go mod download -json "$module" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] && [ -f "$dir/$file" ] || { echo "no $file in $module" >&2; exit 1; }
  cp "$dir/$file" "$staging/crds/$(basename "$file")"
done
for old in "$cache_root"/tools-*; do [ "$old" = "$out" ] || [ "$old" = "$staging" ] || rm -rf "$old"; done
mv "$staging" "$out"
echo "tools built in $(( $(date +%s) - started )) s" >&2
echo "$out"
