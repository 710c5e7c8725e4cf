#!/usr/bin/env bash
# Installs etcd (>= 3.5.13, which Kubernetes >= 1.31 needs) into the gitfleet cache, from Debian
# trixie's etcd-server package, without touching the machine's own apt configuration: a private
# sources list, lists dir and cache dir; the package is only unpacked (dpkg-deb -x), not installed.
set -euo pipefail
CACHE="${GITFLEET_CACHE_DIR:-$HOME/.cache/gitfleet}"
DEST="$CACHE/etcd"
say() { printf '[gitfleet setup] %s\n' "$*" >&2; }
die() { printf '[gitfleet setup] ERROR: %s\n' "$*" >&2; exit 1; }

etcd_ok() {
  [ -x "$DEST/bin/etcd" ] || return 1
  local v; v=$("$DEST/bin/etcd" --version 2>/dev/null | sed -n 's/^etcd Version: //p')
  [ -n "$v" ] && [ "$(printf '%s\n3.5.13\n' "$v" | sort -V | head -1)" = "3.5.13" ]
}
if etcd_ok; then say "etcd $("$DEST/bin/etcd" --version | sed -n 's/^etcd Version: //p') cached in $DEST"; exit 0; fi

command -v apt-get >/dev/null || die "apt-get not found: etcd >= 3.5.13 is taken from Debian trixie's etcd-server package; install etcd >= 3.5.13 by hand into $DEST/bin/etcd"
# Use the mirror host the machine's own apt sources use.
MIRROR=$( { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null || true; } \
  | grep -vE '^[[:space:]]*#' | grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -1 | tr -d ' ' || true)
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$KEYRING" ] || die "$KEYRING missing: apt-get install debian-archive-keyring"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
mkdir -p "$W/lists/partial" "$W/cache/archives/partial" "$W/parts"
echo "deb [signed-by=$KEYRING] $MIRROR trixie main" > "$W/sources.list"
APT=(-o Dir::Etc::SourceList="$W/sources.list" -o Dir::Etc::SourceParts="$W/parts"
     -o Dir::State::Lists="$W/lists" -o Dir::Cache="$W/cache" -o Debug::NoLocking=1)
say "fetching etcd-server from Debian trixie ($MIRROR) → $DEST"
apt-get "${APT[@]}" update -qq >"$W/update.log" 2>&1 || { cat "$W/update.log" >&2; die "apt-get update against $MIRROR trixie failed (is the Debian mirror reachable?)"; }
( cd "$W" && apt-get "${APT[@]}" download etcd-server >"$W/dl.log" 2>&1 ) || { cat "$W/dl.log" >&2; die "apt-get download etcd-server (trixie) failed"; }
mkdir -p "$W/x"; dpkg-deb -x "$W"/etcd-server_*.deb "$W/x"
mkdir -p "$DEST/bin"; cp "$W/x/usr/bin/etcd" "$DEST/bin/etcd"
etcd_ok || die "etcd from trixie does not report a version >= 3.5.13"
say "etcd $("$DEST/bin/etcd" --version | sed -n 's/^etcd Version: //p') ready"
