#!/usr/bin/env bash
# Builds the upstream Kubernetes binaries (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl) and kwok from the Go module proxy into a cache outside the
# repository, keyed by version. Never rebuilds when the cached binary reports the
# expected version. Writes a build record (build.json) with the wall time of the build.
set -euo pipefail

K8S_VERSION="${GITFLEET_K8S_VERSION:-v1.36.3}"
KWOK_VERSION="${GITFLEET_KWOK_VERSION:-v0.7.0}"
CACHE="${GITFLEET_CACHE_DIR:-$HOME/.cache/gitfleet}"
K8S_DIR="$CACHE/k8s/$K8S_VERSION"
KWOK_DIR="$CACHE/kwok/$KWOK_VERSION"

say() { printf '[gitfleet setup] %s\n' "$*" >&2; }
die() { printf '[gitfleet setup] ERROR: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "no Go toolchain on PATH: install Go >= 1.24 (https://go.dev/dl) — it builds kube-apiserver and kwok for the local test fleet"

k8s_ok() {
  [ -x "$K8S_DIR/bin/kube-apiserver" ] && [ -x "$K8S_DIR/bin/kubectl" ] \
    && [ -x "$K8S_DIR/bin/kube-controller-manager" ] && [ -x "$K8S_DIR/bin/kube-scheduler" ] \
    && "$K8S_DIR/bin/kube-apiserver" --version 2>/dev/null | grep -qx "Kubernetes $K8S_VERSION"
}
kwok_ok() {
  [ -x "$KWOK_DIR/bin/kwok" ] && "$KWOK_DIR/bin/kwok" --version 2>/dev/null | grep -q "$KWOK_VERSION"
}

build_kwok() {
  local start end
  start=$(date +%s)
  mkdir -p "$KWOK_DIR/bin"
  GOBIN="$KWOK_DIR/bin" CGO_ENABLED=0 go install -trimpath \
    -ldflags "-X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  end=$(date +%s)
  printf '{"version":"%s","build_s":%d,"built_at":"%s"}\n' "$KWOK_VERSION" $((end - start)) "$(date -u +%FT%TZ)" > "$KWOK_DIR/build.json"
}

build_k8s() {
  local start end work modfile minor patch ver
  start=$(date +%s)
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  ver="${K8S_VERSION#v}"; minor=$(echo "$ver" | cut -d. -f2); patch=$(echo "$ver" | cut -d. -f3)
  cd "$work"
  printf 'module local/k8sbins\n\ngo 1.26\n' > go.mod
  modfile=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
  [ -f "$modfile" ] || die "could not download k8s.io/kubernetes@$K8S_VERSION from the Go module proxy ($(go env GOPROXY)); check network access to the proxy or set GITFLEET_K8S_VERSION to a served version"
  grep '^godebug' "$modfile" >> go.mod || true
  for m in $(sed -n 's|^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/src/.*|\1|p' "$modfile"); do
    go mod edit -replace="$m=$m@v0.$minor.$patch"
  done
  go mod edit -require="k8s.io/kubernetes@$K8S_VERSION"
  cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  go mod tidy >/dev/null 2>&1 || go mod tidy
  local ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  mkdir -p "$K8S_DIR/bin.tmp"
  CGO_ENABLED=0 go build -trimpath -tags selinux,notest,grpcnotrace -ldflags "$ld" -o "$K8S_DIR/bin.tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
  rm -rf "$K8S_DIR/bin"; mv "$K8S_DIR/bin.tmp" "$K8S_DIR/bin"
  end=$(date +%s)
  printf '{"version":"%s","build_s":%d,"built_at":"%s"}\n' "$K8S_VERSION" $((end - start)) "$(date -u +%FT%TZ)" > "$K8S_DIR/build.json"
}

pids=()
if kwok_ok; then say "kwok $KWOK_VERSION cached in $KWOK_DIR"; else
  say "building kwok $KWOK_VERSION from the Go module proxy (cold: ~8 min) → $KWOK_DIR"
  build_kwok > "$CACHE/kwok-build.log" 2>&1 & pids+=($!)
fi
if k8s_ok; then say "Kubernetes $K8S_VERSION cached in $K8S_DIR"; else
  say "building Kubernetes $K8S_VERSION (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl) from the Go module proxy (cold: ~15 min on 2 cores) → $K8S_DIR"
  mkdir -p "$CACHE"
  ( build_k8s ) > "$CACHE/k8s-build.log" 2>&1 & pids+=($!)
fi
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
if [ "$fail" = 1 ]; then
  tail -n 20 "$CACHE/kwok-build.log" "$CACHE/k8s-build.log" 2>/dev/null >&2 || true
  die "building the Kubernetes test binaries failed (logs: $CACHE/k8s-build.log, $CACHE/kwok-build.log)"
fi
k8s_ok || die "Kubernetes binaries in $K8S_DIR do not report $K8S_VERSION after the build: remove $K8S_DIR and rerun"
kwok_ok || die "kwok in $KWOK_DIR does not report $KWOK_VERSION after the build: remove $KWOK_DIR and rerun"
say "Kubernetes $K8S_VERSION and kwok $KWOK_VERSION ready"
