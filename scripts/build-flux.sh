#!/usr/bin/env bash
# Builds Flux's source-controller and kustomize-controller (the real peer the vs-flux benchmark
# measures gitfleet against) from the Go module proxy into a cache outside the repository, keyed by
# version, like scripts/build-k8s.sh does for Kubernetes. Only the vs-flux benchmark calls it: the
# plain test suite never pays for it. Never rebuilds when the cached binaries embed the expected
# module version. Copies the controllers' CRDs (shipped inside the modules) next to the binaries and
# writes a build record (build.json) with the wall time of each build.
#   GITFLEET_FLUX_VERSION (default v1.9.6, both controllers), GITFLEET_CACHE_DIR (~/.cache/gitfleet)
#
# Both controllers map their `api` submodule with a local replace directive, so `go install`
# refuses them: each is built from a throw-away module that requires the controller and its api
# module at the same version, carries over the controller's non-local replace directives, and runs
# `go mod tidy -e` (test-only dependencies the proxy refuses must not stop it).
# source-controller v1.9.6 needs github.com/fluxcd/pkg/artifact v0.18.3, which the proxy refuses;
# v0.18.0 builds and runs, so it is replaced (GITFLEET_FLUX_SOURCE_REPLACES to change that).
#
# When a module is refused by the registry the script names it, exactly, on a line
#   [gitfleet setup] ERROR: module refused by the Go module proxy: <module>@<version> (<reason>)
# and exits 1. `build-flux.sh --explain-go-error < LOG` prints only those lines for a captured go
# log (no network). test/src/flux/build-flux.int.test.ts checks the message against a loopback proxy
# that refuses every module.
set -euo pipefail

FLUX_VERSION="${GITFLEET_FLUX_VERSION:-v1.9.6}"
CACHE="${GITFLEET_CACHE_DIR:-$HOME/.cache/gitfleet}"
FLUX_DIR="$CACHE/flux/$FLUX_VERSION"
CONTROLLERS=(source-controller kustomize-controller)
SOURCE_REPLACES="${GITFLEET_FLUX_SOURCE_REPLACES-github.com/fluxcd/pkg/artifact=github.com/fluxcd/pkg/artifact@v0.18.0}"

say() { printf '[gitfleet setup] %s\n' "$*" >&2; }
die() { printf '[gitfleet setup] ERROR: %s\n' "$*" >&2; exit 1; }

# Reads go's output on stdin; prints one "<module>@<version>\t<reason>" line per module version the
# registry refused or does not have (deduplicated, in order of appearance).
refused_modules() {
  grep -oE '[a-zA-Z0-9][-a-zA-Z0-9_.~]*\.[a-zA-Z]+(/[-a-zA-Z0-9_.~+]+)*@v[-0-9A-Za-z.+]+: (reading [^ ]+: [0-9]{3}.*|invalid version: .*|unknown revision .*|verifying (module|go\.mod): .*)$' |
    sed -E -e 's/^([^@]+@[^:]+): reading [^ ]+: /\1\t/' -e 's/^([^@]+@[^:]+): /\1\t/' |
    awk -F '\t' '!seen[$1]++'
}

explain() {
  local found=0 mod reason
  while IFS=$'\t' read -r mod reason; do
    [ -n "$mod" ] || continue
    found=1
    printf '[gitfleet setup] ERROR: module refused by the Go module proxy: %s (%s)\n' "$mod" "$reason"
  done < <(refused_modules)
  [ "$found" = 1 ]
}

if [ "${1:-}" = "--explain-go-error" ]; then
  explain
  exit $?
fi

# Dies naming the refused modules found in the given log (or with its tail when none is named).
die_with_log() {
  local what="$1" log="$2"
  if explain < "$log" >&2; then
    die "$what: the Go module proxy ($(go env GOPROXY)) refused the module version(s) above (log: $log)"
  fi
  tail -n 30 "$log" >&2
  die "$what (log: $log)"
}

controller_ok() {
  local c="$1"
  [ -x "$FLUX_DIR/bin/$c" ] && [ -d "$FLUX_DIR/crds" ] \
    && go version -m "$FLUX_DIR/bin/$c" 2>/dev/null \
      | grep -Eq "^[[:space:]]+mod[[:space:]]+github.com/fluxcd/$c[[:space:]]+$FLUX_VERSION([[:space:]]|$)"
}

# The non-local replace directives of a go.mod, one "old[@v]=new[@v]" per line (local ones, such as
# the api submodule's "=> ./api", are dropped: the throw-away module requires that module instead).
nonlocal_replaces() {
  sed 's://.*$::' "$1" | awk '
    /^replace[[:space:]]*\(/ { blk = 1; next }
    blk && /^[[:space:]]*\)/ { blk = 0; next }
    /^replace[[:space:]]/ { sub(/^replace[[:space:]]+/, ""); print; next }
    blk && NF > 0 { print }' |
    awk -F '=>' 'NF == 2 {
      n = split($1, l, " "); m = split($2, r, " ")
      if (r[1] ~ /^\./) next
      printf "%s%s=%s%s\n", l[1], (n > 1 ? "@" l[2] : ""), r[1], (m > 1 ? "@" r[2] : "")
    }'
}

build_controller() {
  local c="$1" log="$CACHE/flux-$1-build.log" start end work modfile="" dl err m r
  start=$(date +%s)
  work=$(mktemp -d)
  : > "$log"
  (
    set -euo pipefail
    cd "$work" || exit 5
    printf 'module local/fluxbins\n\ngo 1.26\n' > go.mod
    # one module per call: a failed download is an "Error" field in the JSON, not an exit message
    for m in "github.com/fluxcd/$c" "github.com/fluxcd/$c/api"; do
      dl=$(go mod download -json "$m@$FLUX_VERSION" 2>>"$log" || true)
      err=$(printf '%s\n' "$dl" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",*$/\1/p')
      [ -z "$err" ] || { printf 'go: %b\n' "$err" >> "$log"; exit 3; }
      [ "$m" = "github.com/fluxcd/$c" ] && modfile=$(printf '%s\n' "$dl" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
    done
    [ -n "${modfile:-}" ] && [ -f "$modfile" ] || { printf 'go: no go.mod for github.com/fluxcd/%s@%s\n' "$c" "$FLUX_VERSION" >> "$log"; exit 3; }
    # errexit does not hold in a subshell on the left of ||: every step checks its own status.
    grep '^godebug' "$modfile" >> go.mod || true
    while IFS= read -r r; do
      go mod edit -replace="$r" >> "$log" 2>&1 || exit 5
    done < <(nonlocal_replaces "$modfile")
    if [ "$c" = source-controller ]; then
      for r in $SOURCE_REPLACES; do go mod edit -replace="$r" >> "$log" 2>&1 || exit 5; done
    fi
    go mod edit -require="github.com/fluxcd/$c@$FLUX_VERSION" -require="github.com/fluxcd/$c/api@$FLUX_VERSION" >> "$log" 2>&1 || exit 5
    printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/fluxcd/%s"\n' "$c" > tools.go
    echo "== go mod tidy -e" >> "$log"
    go mod tidy -e >> "$log" 2>&1 || true
    echo "== go build" >> "$log"
    rm -rf "$FLUX_DIR/bin.tmp.$c"
    mkdir -p "$FLUX_DIR/bin.tmp.$c"
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$FLUX_DIR/bin.tmp.$c/$c" "github.com/fluxcd/$c" >> "$log" 2>&1 || exit 4
    mkdir -p "$FLUX_DIR/bin" "$FLUX_DIR/crds" || exit 5
    mv -f "$FLUX_DIR/bin.tmp.$c/$c" "$FLUX_DIR/bin/$c" || exit 5
    rm -rf "$FLUX_DIR/bin.tmp.$c"
    cp -f "$(go env GOMODCACHE)/github.com/fluxcd/$c@$FLUX_VERSION"/config/crd/bases/*.yaml "$FLUX_DIR/crds/" >> "$log" 2>&1 || exit 5
    chmod u+w "$FLUX_DIR"/crds/*.yaml
  ) || {
    local rc=$?
    rm -rf "$work"
    # Only the build step's refusals matter when tidy ran (tidy -e logs test-only refusals too).
    if [ "$rc" != 3 ] && sed -n '/^== go build$/,$p' "$log" | refused_modules | grep -q .; then
      sed -n '/^== go build$/,$p' "$log" > "$log.build"
      die_with_log "building Flux $c $FLUX_VERSION failed" "$log.build"
    fi
    die_with_log "building Flux $c $FLUX_VERSION failed" "$log"
  }
  rm -rf "$work"
  end=$(date +%s)
  printf '%s\t%d\n' "$c" $((end - start)) >> "$FLUX_DIR/build-times.tsv"
}

# The build record: each controller's build time from this run (build-times.tsv), or the previous
# record's for a controller that was found cached.
write_record() {
  local old="" c t entries="" reps=""
  [ -f "$FLUX_DIR/build.json" ] && old=$(cat "$FLUX_DIR/build.json")
  for c in "${CONTROLLERS[@]}"; do
    t=$(awk -F '\t' -v c="$c" '$1 == c { v = $2 } END { print v }' "$FLUX_DIR/build-times.tsv" 2>/dev/null)
    [ -n "$t" ] || t=$(printf '%s' "$old" | grep -o "\"$c\":[0-9]*" | head -n1 | cut -d: -f2)
    [ -n "$t" ] && entries="$entries${entries:+,}\"$c\":$t"
  done
  for r in $SOURCE_REPLACES; do reps="$reps${reps:+,}\"$r\""; done
  printf '{"version":"%s","built_at":"%s","go":"%s","build_s":{%s},"replaces":{"source-controller":[%s]}}\n' \
    "$FLUX_VERSION" "$(date -u +%FT%TZ)" "$(go env GOVERSION)" "$entries" "$reps" > "$FLUX_DIR/build.json.tmp"
  mv "$FLUX_DIR/build.json.tmp" "$FLUX_DIR/build.json"
  rm -f "$FLUX_DIR/build-times.tsv"
}

all_ok=1
for c in "${CONTROLLERS[@]}"; do controller_ok "$c" || all_ok=0; done
if [ "$all_ok" = 1 ]; then
  # a run that built both but stopped before recording it leaves its times behind
  if [ -s "$FLUX_DIR/build-times.tsv" ]; then write_record; fi
  say "Flux $FLUX_VERSION (source-controller, kustomize-controller) cached in $FLUX_DIR"
  exit 0
fi
command -v go >/dev/null 2>&1 || die "no Go toolchain on PATH: install Go >= 1.26 (https://go.dev/dl) — it builds Flux's controllers for the vs-flux benchmark"
mkdir -p "$FLUX_DIR"
rm -f "$FLUX_DIR/build-times.tsv"
for c in "${CONTROLLERS[@]}"; do
  if controller_ok "$c"; then say "Flux $c $FLUX_VERSION cached"; continue; fi
  say "building Flux $c $FLUX_VERSION from the Go module proxy (cold: ~8 min on 2 cores) → $FLUX_DIR"
  build_controller "$c"
done
for c in "${CONTROLLERS[@]}"; do
  controller_ok "$c" || die "Flux $c in $FLUX_DIR does not embed github.com/fluxcd/$c $FLUX_VERSION after the build: remove $FLUX_DIR and rerun"
done
write_record
say "Flux $FLUX_VERSION ready in $FLUX_DIR (build record: $(cat "$FLUX_DIR/build.json"))"
