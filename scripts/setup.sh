#!/usr/bin/env bash
# One idempotent setup for gitfleet on a fresh machine. Installs only what is missing and says what
# it is doing:
#   1. Node 24 (project-local, from the npm registry) when the machine's node is older
#   2. Debian packages: redis-server, git, openssl, ca-certificates, faketime (the fault suite's clock
#      jumps), chromium (the web UI's browser tests drive it through playwright-core)
#   3. npm packages (npm ci, only when the lockfile changed)
#   4. etcd >= 3.5.13 (Debian trixie's etcd-server, unpacked into the cache)
#   5. kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and kwok, built from the Go
#      module proxy into the cache (cold: ~8-15 min on 2 cores; then seconds), and helm (renders
#      the charts in deploy/helm in the tests; cold: ~5 min)
#   6. the web UI bundle (hub/ui/dist, built by esbuild from hub/ui/src; under a second)
# The cache lives outside the repository: ${GITFLEET_CACHE_DIR:-~/.cache/gitfleet}.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf '[gitfleet setup] %s\n' "$*" >&2; }
die() { printf '[gitfleet setup] ERROR: %s\n' "$*" >&2; exit 1; }

say "1/6 Node 24 toolchain"
source scripts/node-env.sh
say "    node $(node --version) at $(command -v node)"

say "2/6 Debian packages"
missing=()
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v git >/dev/null 2>&1 || missing+=(git)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -f /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
compgen -G '/usr/lib/*/faketime/libfaketime.so.1' >/dev/null || missing+=(faketime)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get: install them with your package manager"
  say "    installing ${missing[*]} (apt-get)"
  $SUDO apt-get update -qq >/dev/null || die "apt-get update failed: check the machine's Debian sources are reachable"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
  # the Debian package starts a system redis on 6379; the test fleet starts its own on free ports
else
  say "    redis-server, git, openssl, faketime, chromium present"
fi

say "3/6 npm packages"
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f node_modules/.gitfleet-lock-hash ] && [ "$(cat node_modules/.gitfleet-lock-hash)" = "$lock_hash" ]; then
  say "    node_modules up to date"
else
  say "    npm ci (takes about a minute on a cold cache)"
  npm ci --no-audit --no-fund --loglevel=error >&2 || die "npm ci failed: check the npm registry is reachable ($(npm config get registry))"
  echo "$lock_hash" > node_modules/.gitfleet-lock-hash
fi

say "4/6 etcd"
bash scripts/setup-etcd.sh

say "5/6 Kubernetes binaries, kwok and helm"
bash scripts/build-k8s.sh
bash scripts/build-helm.sh

say "6/6 web UI bundle"
node hub/ui/build.ts >/dev/null || die "the web UI bundle failed to build (node hub/ui/build.ts says why above)"
say "setup complete"
