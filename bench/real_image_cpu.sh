#!/usr/bin/env bash
# bench/real_image_cpu.sh: regbench's client CPU per GB pushed, for a real
# image read from disk (rb.image.open on an OCI layout: FILE blobs) against a
# synthetic one of the same shape (generated layers). Writes a layout with
# `regbench gen` (LAYERS layers of SIZE/LAYERS, gzip -6, so the bytes are
# alike), starts a crane registry with disk storage on 127.0.0.1, and runs
# scenarios/single.lua REPS times each of three ways, interleaved: the real
# image as regbench sends it by default (plain HTTP to an IP: the built-in
# client, layers sent from the files with sendfile), the real image with
# --http-client libcurl (layers read with pread into libcurl's buffer: what
# TLS, host names and image_verify=true get), and the synthetic image (always
# libcurl). Every push uploads every blob: the real image with
# skip_existing = false, the synthetic one with fresh content. Reports, from
# results.json, the median over repetitions of the push phase's client CPU
# seconds per GB sent, its MB/s and regbench's peak RSS (which shows no layer
# is held in memory). Target: the real image costs no more CPU per GB than
# the synthetic one.
#
# Usage: bench/real_image_cpu.sh [REGBENCH_BINARY (default build/regbench)]
# Environment: SIZE (1GB), LAYERS (4), REPS (3), TMPDIR (about 3 x SIZE of
#   layout and registry storage go there; default /tmp).
# Builds nothing; every step is bounded (timeout); the registry is stopped and
# the temporary directory removed on exit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
REGBENCH=${1:-build/regbench}
case "$REGBENCH" in /*) ;; *) REGBENCH="$PWD/$REGBENCH" ;; esac
SIZE=${SIZE:-1GB}
LAYERS=${LAYERS:-4}
REPS=${REPS:-3}
export PATH="$PATH:$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"
work=$(mktemp -d "${TMPDIR:-/tmp}/rb-real-cpu.XXXXXX")
crane_pid=""
cleanup() { [ -n "$crane_pid" ] && kill "$crane_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

bytes=$(python3 -c "import sys; s=sys.argv[1].upper(); u={'KB':1e3,'MB':1e6,'GB':1e9}; print(int(float(s[:-2])*u[s[-2:]]))" "$SIZE")
layer=$(( bytes / LAYERS ))
export XDG_CACHE_HOME="$work/cache"
echo "writing a $SIZE layout ($LAYERS x $layer bytes, gzip -6) ..."
timeout 900 "$REGBENCH" gen --out "$work/layout" --layers "$LAYERS" --layer-size "$layer" --compression 6 --seed 77 -q

mkdir -p "$work/storage"
crane registry serve --address 127.0.0.1:0 --disk "$work/storage" >"$work/crane.log" 2>&1 &
crane_pid=$!
port=""
for _ in $(seq 1 200); do
  port=$(grep -oE 'serving on port [0-9]+' "$work/crane.log" | grep -oE '[0-9]+$' || true)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { cat "$work/crane.log"; echo "crane did not start" >&2; exit 1; }
url="http://127.0.0.1:$port"

# run KIND ARGS...: one single.lua run; prints "cpu_s bytes duration_s rss" of its push phases.
run() {
  local kind=$1; shift
  local out="$work/res-$kind-$RANDOM"
  timeout 1800 "$REGBENCH" run "$repo/scenarios/single.lua" --target "$url" --out "$out" --quiet "$@" >/dev/null
  python3 - "$out/results.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
for p in r["phases"]:
    if p["name"].startswith("push/"):
        print(p["client"]["cpu_s"], p["bytes"], p["duration_s"], p["client"]["rss_peak_bytes"])
EOF
}

: >"$work/real.txt"; : >"$work/pread.txt"; : >"$work/synth.txt"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq 1 "$REPS"); do
  echo "repetition $rep/$REPS ..."
  run real --set image="$work/layout" >>"$work/real.txt"
  run pread --set image="$work/layout" --http-client libcurl >>"$work/pread.txt"
  run synth --set sizes="$SIZE" --set levels=6 --set layers="$LAYERS" --set seed=$((rep * 7919)) >>"$work/synth.txt"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$work/real.txt" "$work/pread.txt" "$work/synth.txt" "$SIZE" "$REPS" <<'EOF'
import statistics, sys
def load(path):
    rows = [tuple(float(x) for x in line.split()) for line in open(path) if line.strip()]
    cpu_gb = statistics.median(c / (b / 1e9) for c, b, d, m in rows)
    mbps = statistics.median(b / 1e6 / d for c, b, d, m in rows)
    rss = max(m for c, b, d, m in rows)
    return cpu_gb, mbps, rss
real, pread, synth = load(sys.argv[1]), load(sys.argv[2]), load(sys.argv[3])
print(f"\npush of a {sys.argv[4]} image to crane (disk), median of {sys.argv[5]}")
print(f"{'image':<40} {'client CPU s/GB':>16} {'MB/s':>8} {'peak RSS MB':>12}")
for name, (c, m, r) in (("real (OCI layout, sendfile: default)", real),
                        ("real (--http-client libcurl: pread)", pread),
                        ("synthetic (generated)", synth)):
    print(f"{name:<40} {c:>16.3f} {m:>8.1f} {r / 1e6:>12.1f}")
print(f"real / synthetic CPU per GB: {real[0] / synth[0]:.2f} (with libcurl and pread: {pread[0] / synth[0]:.2f})")
EOF
