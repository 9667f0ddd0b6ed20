#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian bookworm machine: installs the build
# dependencies (Debian packages), the registries regbench launches (the crane
# registry and distribution 3 from the Go module proxy, Debian's
# docker-registry, and the crane registry with the referrers API built from
# tools/refregistry), the OCI distribution-spec conformance suite (built from
# tools/conformance), oras (the referrers test checks artifacts with it) and the peer tools its tests and benchmarks compare
# against (wrk, nginx, skopeo, umoci, benchstat, Chromium, clang's sanitizer
# and libFuzzer runtimes). Then it probes each capability the tests rely on (a
# libFuzzer link, an ASan/UBSan link, a headless Chromium start, a new enough
# Go, the conformance binary) and stops at once, naming the missing package,
# when one fails.
# Safe to run again: each step is skipped when its result is already there.
#
# Environment:
#   REGBENCH_DISTRIBUTION3  a distribution 3 `registry` binary to use instead of
#                           installing one (setup then checks it and leaves
#                           /usr/local/bin/registry alone)
#   REGBENCH_REFREGISTRY    a regbench-refregistry binary to use instead of
#                           building one (setup leaves
#                           /usr/local/bin/regbench-refregistry alone)
set -euo pipefail

need_root() { if [ "$(id -u)" -ne 0 ]; then echo "sudo"; fi; }
SUDO=$(need_root)
REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "setup: $*" >&2; exit 1; }

# Debian packages, and what needs each.
PKGS=(build-essential            # gcc, make: the build; gcc's libasan/libubsan for the sanitizer pass
      cmake pkg-config           # the build
      liblua5.4-dev libcurl4-openssl-dev zlib1g-dev libjansson-dev libyaml-dev
      libssl-dev libuv1-dev      # the libraries regbench links
      libzstd-dev                # libzstd: the image generator's tar+zstd layers
      zstd                       # the zstd tool: test_zstd decompresses generated layers with it
      docker-registry            # distribution 2.8, a registry regbench launches
      apache2-utils              # htpasswd: bcrypt entries for distribution's basic auth
      nginx-light wrk            # bench/http_vs_wrk.sh and the HTTP tests' peer
      jq                         # the bench/ scripts read results.json with it
      skopeo umoci               # interop tests and bench/oci_vs_skopeo.sh
      curl ca-certificates python3 time
      python3-yaml               # PyYAML: test_k8s_job parses the manifests `regbench k8s` renders
      chromium                   # the report opened in a real browser (test_report_browser)
      clang libclang-rt-14-dev   # the libFuzzer pass: clang and its compiler-rt archives
      golang-go)                 # only a fallback when no Go toolchain is on PATH

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
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

# ---- probes: each capability the tests use, tried for real -------------------
probe_dir=$(mktemp -d /tmp/regbench-setup.XXXXXX)
trap 'rm -rf "$probe_dir"' EXIT

# Go: the `go install` lines below need the newest `go` directive of their
# modules (golang.org/x/perf: 1.26.0; go-containerregistry v0.22.1: 1.25.0;
# distribution v3.0.0: 1.23.7). GOTOOLCHAIN may be local, so check here.
GO_MIN=1.26.0
command -v go >/dev/null 2>&1 || die "no Go toolchain on PATH: install Go $GO_MIN or newer (https://go.dev/dl/)"
go_have=$(go env GOVERSION 2>/dev/null | sed 's/^go//; s/[^0-9.].*//')
if [ "$(printf '%s\n%s\n' "$GO_MIN" "$go_have" | sort -V | head -n1)" != "$GO_MIN" ]; then
  die "Go $go_have is too old: the go install lines need Go $GO_MIN or newer ($(command -v go)); Debian's golang-go is not new enough, install Go from https://go.dev/dl/"
fi

# gcc with AddressSanitizer + UndefinedBehaviorSanitizer (test pass 2).
printf 'int main(void){int a[2]={0,1};return a[1]-1;}\n' >"$probe_dir/san.c"
if ! gcc -fsanitize=address,undefined "$probe_dir/san.c" -o "$probe_dir/san" 2>"$probe_dir/san.log" \
   || ! "$probe_dir/san"; then
  cat "$probe_dir/san.log" >&2
  die "gcc cannot link -fsanitize=address,undefined: install libasan8 and libubsan1 (with gcc-12, from build-essential)"
fi

# clang with libFuzzer + ASan (test pass 3); the archives are in libclang-rt-14-dev.
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n){(void)d;(void)n;return 0;}\n' \
  >"$probe_dir/fuzz.c"
if ! clang -fsanitize=fuzzer,address,undefined "$probe_dir/fuzz.c" -o "$probe_dir/fuzz" 2>"$probe_dir/fuzz.log" \
   || ! "$probe_dir/fuzz" -runs=1 >/dev/null 2>&1; then
  cat "$probe_dir/fuzz.log" >&2
  die "clang cannot link -fsanitize=fuzzer,address: install libclang-rt-14-dev (compiler-rt for clang 14)"
fi

# headless Chromium renders a page (test_report_browser).
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || die "no chromium on PATH: install the chromium package"
printf '<!doctype html><p id=x>regbench-probe</p>\n' >"$probe_dir/probe.html"
if ! timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
     --disable-component-update --disable-sync --disable-quic --user-data-dir="$probe_dir/profile" \
     --dump-dom "file://$probe_dir/probe.html" 2>"$probe_dir/chromium.log" | grep -q regbench-probe; then
  tail -n 20 "$probe_dir/chromium.log" >&2
  die "headless chromium did not render a page: reinstall the chromium package"
fi

# ---- Go tools ------------------------------------------------------------------
GOBIN_DIR="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"
# put_on_path NAME: install $GOBIN_DIR/NAME as /usr/local/bin/NAME when it differs.
put_on_path() {
  if [ ! -x "/usr/local/bin/$1" ] || ! cmp -s "$GOBIN_DIR/$1" "/usr/local/bin/$1"; then
    $SUDO install -m 0755 "$GOBIN_DIR/$1" "/usr/local/bin/$1"
  fi
}

CRANE_VERSION=v0.22.1
if ! "$GOBIN_DIR/crane" version 2>/dev/null | grep -q "${CRANE_VERSION#v}"; then
  echo "setup: go install crane@$CRANE_VERSION" >&2
  go install "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION"
fi
put_on_path crane   # regbench also looks in the Go bin directory

# distribution 3: the `registry` binary (a launcher kind, and the replay tests' log source).
DIST3_VERSION=v3.0.0
if [ -n "${REGBENCH_DISTRIBUTION3:-}" ]; then
  "$REGBENCH_DISTRIBUTION3" --version 2>/dev/null | grep -q ' v3\.' \
    || die "REGBENCH_DISTRIBUTION3=$REGBENCH_DISTRIBUTION3 is not a distribution 3 registry binary ('--version' does not say v3.x)"
  dist3=$REGBENCH_DISTRIBUTION3
else
  if ! "$GOBIN_DIR/registry" --version 2>/dev/null | grep -q " $DIST3_VERSION"; then
    echo "setup: go install distribution/v3 registry@$DIST3_VERSION" >&2
    go install "github.com/distribution/distribution/v3/cmd/registry@$DIST3_VERSION"
  fi
  put_on_path registry
  dist3=/usr/local/bin/registry
fi

# benchstat reads the bench.txt files regbench writes (tests check that it does).
# Pinned (it was @latest on 2026-09-08) so a fresh machine gets what was tested.
BENCHSTAT_VERSION=v0.0.0-20260908200009-22c9c6c9d4da
if ! [ -x "$GOBIN_DIR/benchstat" ]; then
  echo "setup: go install benchstat@$BENCHSTAT_VERSION" >&2
  go install "golang.org/x/perf/cmd/benchstat@$BENCHSTAT_VERSION"
fi
put_on_path benchstat

# The OCI distribution-spec conformance suite (`regbench conformance`, a
# suite's `conformance: true`): its test binary, built from the module pinned
# in tools/conformance (go.mod, go.sum) and installed as
# /usr/local/bin/regbench-conformance. Rebuilt only when the installed one is
# of another version (go version -m names the module version it was built from).
CONFORMANCE_MOD=github.com/opencontainers/distribution-spec/conformance
CONFORMANCE_VERSION=$(sed -n "s|^require $CONFORMANCE_MOD \(v[^ ]*\)\$|\1|p" "$REPO_DIR/tools/conformance/go.mod")
[ -n "$CONFORMANCE_VERSION" ] || die "tools/conformance/go.mod does not require $CONFORMANCE_MOD"
if ! go version -m /usr/local/bin/regbench-conformance 2>/dev/null | grep -q "mod[[:space:]]*$CONFORMANCE_MOD[[:space:]]*$CONFORMANCE_VERSION"; then
  echo "setup: go test -c $CONFORMANCE_MOD@$CONFORMANCE_VERSION" >&2
  (cd "$REPO_DIR/tools/conformance" && GOFLAGS=-mod=mod go test -c -o "$probe_dir/regbench-conformance" "$CONFORMANCE_MOD") \
    || die "cannot build the conformance suite $CONFORMANCE_MOD@$CONFORMANCE_VERSION (needs the Go module proxy)"
  $SUDO install -m 0755 "$probe_dir/regbench-conformance" /usr/local/bin/regbench-conformance
fi
# probe: the binary runs and lists its one test
/usr/local/bin/regbench-conformance -test.list '.*' 2>/dev/null | grep -qx TestLegacy \
  || die "/usr/local/bin/regbench-conformance does not run (rerun scripts/setup.sh)"

# The crane registry with the referrers API (launcher kind crane-referrers):
# go-containerregistry's pkg/registry with WithReferrersSupport(true), built
# from tools/refregistry (go.mod, go.sum) as /usr/local/bin/regbench-refregistry.
# Rebuilt only when the installed one was built from another version.
REFREG_MOD=github.com/google/go-containerregistry
REFREG_VERSION=$(sed -n "s|^require $REFREG_MOD \(v[^ ]*\)\$|\1|p" "$REPO_DIR/tools/refregistry/go.mod")
[ -n "$REFREG_VERSION" ] || die "tools/refregistry/go.mod does not require $REFREG_MOD"
if [ -n "${REGBENCH_REFREGISTRY:-}" ]; then
  refreg=$REGBENCH_REFREGISTRY
else
  refreg=/usr/local/bin/regbench-refregistry
  if ! go version -m "$refreg" 2>/dev/null | grep -q "dep[[:space:]]*$REFREG_MOD[[:space:]]*$REFREG_VERSION"; then
    echo "setup: go build tools/refregistry ($REFREG_MOD@$REFREG_VERSION)" >&2
    (cd "$REPO_DIR/tools/refregistry" && go build -o "$probe_dir/regbench-refregistry" .) \
      || die "cannot build tools/refregistry ($REFREG_MOD@$REFREG_VERSION; needs the Go module proxy)"
    $SUDO install -m 0755 "$probe_dir/regbench-refregistry" "$refreg"
  fi
fi
# probe: it runs and names the go-containerregistry version it was built from
"$refreg" --version 2>/dev/null | grep -q " $REFREG_VERSION\$" \
  || die "$refreg does not run or is not built from $REFREG_MOD@$REFREG_VERSION (rerun scripts/setup.sh)"

# oras: test_referrers checks pushed artifacts with `oras discover` and
# `oras manifest fetch`. Pinned to a version the Go module proxy serves.
ORAS_VERSION=v1.3.6
if ! "$GOBIN_DIR/oras" version 2>/dev/null | grep -q "Version:[[:space:]]*${ORAS_VERSION#v}"; then
  echo "setup: go install oras@$ORAS_VERSION" >&2
  go install "oras.land/oras/cmd/oras@$ORAS_VERSION"
fi
put_on_path oras

echo "setup: ok (crane $(crane version 2>/dev/null), $(docker-registry --version 2>/dev/null | head -n1)," \
     "$("$dist3" --version 2>/dev/null | head -n1), conformance $CONFORMANCE_VERSION, $("$refreg" --version 2>/dev/null)," \
     "oras $ORAS_VERSION, go $go_have)" >&2
