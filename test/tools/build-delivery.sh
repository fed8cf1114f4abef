#!/usr/bin/env bash
# Builds (or reuses) the delivery tools the install-path suites run for real, each cached by its
# own version outside the work tree (a new version of one rebuilds only that one):
#   helm                 Helm v4 (helm.sh/helm/v4), for the charts: lint, template, install, upgrade
#   source-controller    Flux's source-controller, which fetches dist/ from Git
#   kustomize-controller Flux's kustomize-controller, which applies it and waits on its health
#   flux-crds            their CRDs, as the modules ship them
#   krew                 kubectl's plugin manager, which installs the kubectl plugin's archive
#   argocd               Argo CD (one binary: application-controller, repo-server, ...), with
#                        kustomize (its repo-server runs it), Argo CD's CRDs and scripts; for
#                        test/argocd.sh, which runs outside npm test (its build, with Go 1.27,
#                        would take a cold CI run past its budget)
# Flux's controllers replace their ./api module with a directory the module zip lacks, and
# `go install MOD@VER` refuses replaces: the module and its api module are downloaded, put
# together as the repository has them, and built inside.
#   test/tools/build-delivery.sh [helm|krew|flux|argocd|all]   prints (all: what npm test runs) the directory that holds them
set -euo pipefail
HELM=v4.3.2
# v1.9.0: v1.9.4 and later need github.com/fluxcd/pkg/artifact v0.18.2+, which the module proxy here refuses (403).
FLUX_SOURCE=v1.9.0
FLUX_KUSTOMIZE=v1.9.6
KREW=v0.4.3
ARGOCD=v3.6.2
KUSTOMIZE=v5.8.1
# Argo CD 3.6 needs Go 1.27: the go command fetches that toolchain from the module proxy (76 MB).
ARGOCD_GO=go1.27.3
cache_root=${XRD_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xrootd-k8s/tools}
out="$cache_root/delivery"
mkdir -p "$out"
export CGO_ENABLED=0 GOFLAGS=-trimpath

module_dir() { # module@version: its directory in Go's module cache
  (cd "$out" && GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
}
# One lock per binary: CI's early build and a suite asking for it wait for each other.
built() { # name version command...: runs the command unless $out/name-version exists
  local name=$1 version=$2; shift 2
  local target="$out/$name-$version"
  [ -x "$target" ] && return 0
  exec 9>"$out/.$name.lock" && flock 9
  [ -x "$target" ] && return 0
  local started; started=$(date +%s)
  "$@" "$target.partial.$$"
  mv "$target.partial.$$" "$target"
  for old in "$out/$name"-v*; do [ "$old" = "$target" ] || rm -rf "$old"; done
  echo "$name $version built in $(( $(date +%s) - started )) s" >&2
}
go_installed() { # package@version binary-name target
  local tmp; tmp=$(mktemp -d)
  GOBIN="$tmp" go install -ldflags "-s -w" "$1"
  mv "$tmp/$2" "$3"; rm -rf "$tmp"
}
build_flux_controller() { # module version target
  local module=$1 version=$2 target=$3 src api work
  src=$(module_dir "$module@$version"); api=$(module_dir "$module/api@$version")
  [ -n "$src" ] && [ -n "$api" ] || { echo "cannot download $module $version and its api module" >&2; return 1; }
  work=$(mktemp -d)
  cp -r "$src/." "$work/" && chmod -R u+w "$work" && rm -rf "$work/api" && cp -r "$api" "$work/api" && chmod -R u+w "$work/api"
  (cd "$work" && go build -ldflags "-s -w" -o "$target" .)
  rm -rf "$work"
}
# Argo CD replaces its gitops-engine module with ./gitops-engine, which the module zip lacks: the
# same assembly as Flux's controllers, with the newer Go.
build_argocd() { # target
  local src engine work
  src=$(GOTOOLCHAIN=$ARGOCD_GO module_dir "github.com/argoproj/argo-cd/v3@$ARGOCD")
  engine=$(GOTOOLCHAIN=$ARGOCD_GO module_dir "github.com/argoproj/argo-cd/gitops-engine/v3@$ARGOCD")
  [ -n "$src" ] && [ -n "$engine" ] || { echo "cannot download Argo CD $ARGOCD and its gitops-engine module" >&2; return 1; }
  work=$(mktemp -d)
  cp -r "$src/." "$work/" && chmod -R u+w "$work" && rm -rf "$work/gitops-engine" && cp -r "$engine" "$work/gitops-engine" && chmod -R u+w "$work/gitops-engine"
  (cd "$work" && GOTOOLCHAIN=$ARGOCD_GO GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "-s -w" -o "$1" ./cmd)
  rm -rf "$work"
}
# What Argo CD's image carries besides the binary: its CRDs, and the wrapper its repo-server runs
# on every commit (git-verify-wrapper.sh, from the same module).
copy_argocd_files() {
  local src; src=$(GOTOOLCHAIN=$ARGOCD_GO module_dir "github.com/argoproj/argo-cd/v3@$ARGOCD")
  mkdir -p "$1/crds" "$1/bin"
  cp "$src"/manifests/crds/*-crd.yaml "$1/crds/"
  cp "$src/hack/git-verify-wrapper.sh" "$1/bin/"
  chmod -R u+w "$1" && chmod 755 "$1/bin/git-verify-wrapper.sh"
}
# The controllers' CRDs, as their modules ship them (a controller does not start without its kinds).
copy_flux_crds() {
  mkdir -p "$1"
  cp "$(module_dir "github.com/fluxcd/source-controller@$FLUX_SOURCE")"/config/crd/bases/*.yaml "$1/"
  cp "$(module_dir "github.com/fluxcd/kustomize-controller@$FLUX_KUSTOMIZE")"/config/crd/bases/*.yaml "$1/"
  chmod -R u+w "$1"
}
[ -f "$out/go.mod" ] || printf 'module delivery\n\ngo 1.26\n' >"$out/go.mod"
case "${1:-all}" in
  helm) built helm "$HELM" go_installed "helm.sh/helm/v4/cmd/helm@$HELM" helm ;;
  krew) built krew "$KREW" go_installed "sigs.k8s.io/krew/cmd/krew@$KREW" krew ;;
  argocd)
    built kustomize "$KUSTOMIZE" go_installed "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE" kustomize
    built argocd-files "$ARGOCD" copy_argocd_files
    built argocd "$ARGOCD" build_argocd ;;
  flux)
    built source-controller "$FLUX_SOURCE" build_flux_controller github.com/fluxcd/source-controller "$FLUX_SOURCE"
    built kustomize-controller "$FLUX_KUSTOMIZE" build_flux_controller github.com/fluxcd/kustomize-controller "$FLUX_KUSTOMIZE"
    built flux-crds "$FLUX_SOURCE-$FLUX_KUSTOMIZE" copy_flux_crds ;;
  all) bash "$0" helm >/dev/null && bash "$0" krew >/dev/null && bash "$0" flux >/dev/null ;;
  *) echo "usage: test/tools/build-delivery.sh [helm|krew|flux|argocd|all]" >&2; exit 2 ;;
esac
echo "$out"
