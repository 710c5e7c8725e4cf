#!/usr/bin/env bash
# Builds helm (the CLI the deploy tests render the charts in deploy/helm with) from the Go module
# proxy into a cache outside the repository, keyed by version, like scripts/build-k8s.sh does for
# Kubernetes and kwok. Never rebuilds when the cached binary reports the expected version. Writes a
# build record (build.json) with the wall time of the build.
#   GITFLEET_HELM_VERSION (default v4.3.1), GITFLEET_CACHE_DIR (default ~/.cache/gitfleet)
set -euo pipefail

HELM_VERSION="${GITFLEET_HELM_VERSION:-v4.3.1}"
CACHE="${GITFLEET_CACHE_DIR:-$HOME/.cache/gitfleet}"
HELM_DIR="$CACHE/helm/$HELM_VERSION"
MAJOR="${HELM_VERSION%%.*}" # v4

say() { printf '[gitfleet setup] %s\n' "$*" >&2; }
die() { printf '[gitfleet setup] ERROR: %s\n' "$*" >&2; exit 1; }

helm_ok() {
  [ -x "$HELM_DIR/bin/helm" ] \
    && "$HELM_DIR/bin/helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION"
}

if helm_ok; then say "helm $HELM_VERSION cached in $HELM_DIR"; exit 0; fi
command -v go >/dev/null 2>&1 || die "no Go toolchain on PATH: install Go >= 1.26 (https://go.dev/dl) — it builds helm for the deploy tests"

say "building helm $HELM_VERSION from the Go module proxy (cold: ~3-5 min on 2 cores) → $HELM_DIR"
mkdir -p "$CACHE"
log="$CACHE/helm-build.log"
start=$(date +%s)
rm -rf "$HELM_DIR/bin.tmp"
mkdir -p "$HELM_DIR/bin.tmp"
# The version ldflags are the ones helm's Makefile sets for a tagged build; without them
# `helm version` reports only "v4.3" and the cache check above could never match.
ld="-s -w -X helm.sh/helm/$MAJOR/internal/version.version=$HELM_VERSION -X helm.sh/helm/$MAJOR/internal/version.gitTreeState=clean"
if ! GOBIN="$HELM_DIR/bin.tmp" CGO_ENABLED=0 go install -trimpath -ldflags "$ld" \
  "helm.sh/helm/$MAJOR/cmd/helm@$HELM_VERSION" >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  die "building helm $HELM_VERSION failed (log: $log); check the Go module proxy ($(go env GOPROXY)) serves helm.sh/helm/$MAJOR@$HELM_VERSION or set GITFLEET_HELM_VERSION"
fi
rm -rf "$HELM_DIR/bin"; mv "$HELM_DIR/bin.tmp" "$HELM_DIR/bin"
end=$(date +%s)
printf '{"version":"%s","build_s":%d,"built_at":"%s","go":"%s"}\n' "$HELM_VERSION" $((end - start)) \
  "$(date -u +%FT%TZ)" "$(go env GOVERSION)" > "$HELM_DIR/build.json"
helm_ok || die "helm in $HELM_DIR does not report $HELM_VERSION after the build: remove $HELM_DIR and rerun"
say "helm $HELM_VERSION ready ($((end - start)) s)"
