#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian bookworm machine: installs the build
# dependencies (Debian packages), the registries regbench launches (the crane
# registry from the Go module proxy, Debian's docker-registry) and the peer
# tools its tests and benchmarks compare against (wrk, nginx, skopeo, umoci).
# Safe to run again: each step is skipped when its result is already there.
set -euo pipefail

need_root() { if [ "$(id -u)" -ne 0 ]; then echo "sudo"; fi; }
SUDO=$(need_root)

PKGS=(build-essential cmake pkg-config
      liblua5.4-dev libcurl4-openssl-dev zlib1g-dev libjansson-dev libyaml-dev
      libssl-dev libuv1-dev
      docker-registry apache2-utils nginx-light wrk skopeo umoci curl ca-certificates
      python3 chromium clang time
      golang-go)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# golang-go is only a fallback when no Go toolchain is on PATH.
if command -v go >/dev/null 2>&1; then
  tmp=(); for p in "${missing[@]}"; do [ "$p" = golang-go ] || tmp+=("$p"); done; missing=("${tmp[@]}")
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts services on install; regbench starts its own registries and servers.
for svc in docker-registry nginx; do
  if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true; fi
  $SUDO service "$svc" stop >/dev/null 2>&1 || true
done

GOBIN_DIR="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"
CRANE_VERSION=v0.22.1
if ! "$GOBIN_DIR/crane" version 2>/dev/null | grep -q "${CRANE_VERSION#v}"; then
  echo "setup: go install crane@$CRANE_VERSION" >&2
  go install "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION"
fi
# Put crane on PATH for everyone (regbench also looks in the Go bin directory).
if [ ! -x /usr/local/bin/crane ] || ! cmp -s "$GOBIN_DIR/crane" /usr/local/bin/crane; then
  $SUDO install -m 0755 "$GOBIN_DIR/crane" /usr/local/bin/crane
fi
# benchstat reads the bench.txt files regbench writes (tests check that it does).
if ! [ -x "$GOBIN_DIR/benchstat" ] && ! command -v benchstat >/dev/null 2>&1; then
  echo "setup: go install benchstat" >&2
  go install golang.org/x/perf/cmd/benchstat@latest
fi
[ -x "$GOBIN_DIR/benchstat" ] && $SUDO install -m 0755 "$GOBIN_DIR/benchstat" /usr/local/bin/benchstat
echo "setup: ok (crane $(crane version 2>/dev/null), $(docker-registry --version 2>/dev/null | head -n1))" >&2
