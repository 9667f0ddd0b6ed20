#!/usr/bin/env bash
# bench/replay_bench.sh: what replay costs on this machine:
#   1. the trace reader's speed on one core (bench/trace_bench): MB/s of log
#      through rb_trace_next, for a TRACE_MB distribution JSON access log and
#      an IBM FAST'18 trace (bench/trace_gen.py, mix "wide"), plain and
#      gzip'd, next to what bounds it: gzread alone (inflate), cutting lines,
#      and jansson's json_loadb of every line;
#   2. peak RSS of `regbench replay` at speed 0 over SMALL_MB and BIG_MB logs
#      of the same few objects (mix "absorb": every record is read and
#      scheduled, 1 in 1,000 sent): it must not grow with the log's length;
#   3. replay timing: a log of REQUESTS records over SPAN_S s (mix "timed",
#      Poisson arrivals) replayed at speed 1 against crane: the share of
#      requests started within 10 ms of schedule (replay_on_time) and the
#      recorded and achieved rates.
# Writes the section between <!-- replay-bench:start --> and
# <!-- replay-bench:end --> in docs/performance.md unless --no-docs.
# Logs are generated in $TMPDIR (default /tmp; about TRACE_MB x 2.3 or
# BIG_MB at a time). Loopback only; every step bounded in time; crane is stopped and the
# generated logs removed on exit.
#
# Usage: bench/replay_bench.sh [--no-docs]
# Environment: TRACE_MB (300), SMALL_MB (100), BIG_MB (1000), REQUESTS (2000),
#   SPAN_S (50), REGBENCH and TRACE_BENCH (binaries; default: build Release
#   into build-bench/).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
TRACE_MB=${TRACE_MB:-300}
SMALL_MB=${SMALL_MB:-100}
BIG_MB=${BIG_MB:-1000}
REQUESTS=${REQUESTS:-2000}
SPAN_S=${SPAN_S:-50}
WRITE_DOCS=1
[ "${1:-}" = "--no-docs" ] && WRITE_DOCS=0

die() { echo "replay_bench: $*" >&2; exit 1; }
for tool in crane jq curl gzip python3 timeout; do
    command -v "$tool" >/dev/null || die "$tool is missing (scripts/setup.sh installs them)"
done
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
build_note="Release build in build-bench/"
[ -n "${REGBENCH:-}${TRACE_BENCH:-}" ] && build_note="binaries given: ${REGBENCH:-build-bench/regbench}, ${TRACE_BENCH:-build-bench/bench/trace_bench}"
if [ -z "${REGBENCH:-}" ] || [ -z "${TRACE_BENCH:-}" ]; then
    source "$here/lib_build.sh"
    bench_build "$repo" regbench trace_bench
fi
REGBENCH=${REGBENCH:-$repo/build-bench/regbench}
TRACE_BENCH=${TRACE_BENCH:-$repo/build-bench/bench/trace_bench}
[ -x "$REGBENCH" ] || die "no regbench binary at $REGBENCH"
[ -x "$TRACE_BENCH" ] || die "no trace_bench binary at $TRACE_BENCH"

work=$(mktemp -d "${TMPDIR:-/tmp}/regbench-replay.XXXXXX")
crane_pid=""
cleanup() {
    [ -n "$crane_pid" ] && { kill "$crane_pid" 2>/dev/null || true; wait "$crane_pid" 2>/dev/null || true; }
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
load0=$(cut -d' ' -f1-3 /proc/loadavg)
gen() { timeout 900 python3 "$here/trace_gen.py" "$@" || die "trace_gen.py $* failed"; }
mb() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1e6}'; }

# ---- 1. the reader's speed --------------------------------------------------------
echo "1. generating ${TRACE_MB} MB logs" >&2
gen dist "$TRACE_MB" "$work/dist.log"
gen ibm "$TRACE_MB" "$work/ibm.json"
gzip -6 -c "$work/dist.log" >"$work/dist.log.gz"
gzip -6 -c "$work/ibm.json" >"$work/ibm.json.gz"
timeout 900 "$TRACE_BENCH" "$work/dist.log" "$work/dist.log.gz" "$work/ibm.json" "$work/ibm.json.gz" \
    >"$work/trace_bench.txt" || die "trace_bench failed"
cat "$work/trace_bench.txt" >&2
tab1=$(awk 'NR > 1 {r[$2, $1] = $7; f[$2, $1] = $8; n[$2] = $5; rss[$2] = $9; fb[$2] = $3; lb[$2] = $4
            if (!($2 in seen)) { seen[$2] = 1; order[++k] = $2 } }
    END {
      print "| file | size (file / log) | records | reader: log MB/s | file MB/s | inflate only | + lines | + json_loadb | peak RSS |"
      print "|---|---|---|---|---|---|---|---|---|"
      for (i = 1; i <= k; i++) { x = order[i]
        printf "| %s | %.0f / %.0f MB | %d | **%.1f** | %.1f | %.0f | %.0f | %.1f | %.1f MB |\n", x, fb[x] / 1e6, lb[x] / 1e6,
               n[x], r[x, "read"], f[x, "read"], r[x, "inflate"], r[x, "split"], r[x, "parse"], rss[x] }
    }' "$work/trace_bench.txt")
rm -f "$work/dist.log" "$work/ibm.json" "$work/dist.log.gz" "$work/ibm.json.gz"

# ---- crane ------------------------------------------------------------------------
crane registry serve --address 127.0.0.1:0 >"$work/crane.log" 2>&1 &
crane_pid=$!
creg=""
for _ in $(seq 1 100); do
    port=$(grep -oE 'serving on port [0-9]+' "$work/crane.log" | awk '{print $4}' | head -1 || true)
    [ -n "$port" ] && curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null && { creg="http://127.0.0.1:$port"; break; }
    sleep 0.1
done
[ -n "$creg" ] || { cat "$work/crane.log" >&2; die "crane did not start"; }

# ---- 2. peak RSS against the log's length ------------------------------------------
tab2="| log | records read | sent | replay phase | regbench peak RSS (/usr/bin/time) | replay phase peak RSS (results.json) |
|---|---|---|---|---|---|"
for size in "$SMALL_MB" "$BIG_MB"; do
    echo "2. replaying a ${size} MB log at speed 0" >&2
    gen dist "$size" "$work/flat.log" --mix absorb
    out="$work/flat-$size"
    timeout 1200 /usr/bin/time -f "%M" -o "$work/time.txt" "$REGBENCH" replay "$work/flat.log" --target "$creg" \
        --set speed=0 --quiet --out "$out" >"$out.log" 2>&1 || { cat "$out.log" >&2; die "replay of the ${size} MB log failed"; }
    fsize=$(stat -c %s "$work/flat.log")
    rss_kb=$(tail -1 "$work/time.txt")
    read -r records sent dur prss < <(jq -r '[([.metrics[] | select(.name == "replay_logged") | .value] | add),
        ([.metrics[] | select(.name == "replay_replayed") | .value] | add),
        (.phases[] | select(.name == "replay") | .duration_s),
        (.phases[] | select(.name == "replay") | .client.rss_peak_bytes)] | @tsv' "$out/results.json")
    tab2+=$'\n'"$(printf '| %s MB | %.0f | %.0f | %.1f s | %.1f MB | %.1f MB |' "$(mb "$fsize" | cut -d. -f1)" "$records" \
        "$sent" "$dur" "$(awk -v k="$rss_kb" 'BEGIN {print k / 1024}')" "$(awk -v b="$prss" 'BEGIN {print b / 1048576}')")"
    rm -f "$work/flat.log"
done
echo "$tab2" >&2

# ---- 3. timing at speed 1 ---------------------------------------------------------
echo "3. replaying $REQUESTS requests over ~$SPAN_S s at speed 1" >&2
gen dist 0 "$work/trace-timed.log" --mix timed --requests "$REQUESTS" --seconds "$SPAN_S"
out="$work/timed"
timeout 600 "$REGBENCH" replay "$work/trace-timed.log" --target "$creg" --set speed=1 --set tolerance=10ms --quiet \
    --out "$out" >"$out.log" 2>&1 || { cat "$out.log" >&2; die "timed replay failed"; }
R="$out/results.json"
read -r ontime started rrec rach errs dropped late < <(jq -r '[.metrics.replay_on_time.rate, .metrics.replay_on_time.count,
    .metrics.replay_rate_recorded.value, .metrics.replay_rate_achieved.value,
    (.phases[] | select(.name == "replay") | .errors), (.metrics.replay_dropped.value // 0),
    (.metrics.replay_late.value // 0)] | @tsv' "$R")
records=$(jq -r '[.metrics[] | select(.name == "replay_logged") | .value] | add' "$R")
ops=$(jq -r '[.metrics[] | select(.name == "replay_latency") | "\(.tags | sub("op="; "")) \(.count) \(.p50) \(.p99)"] | .[]' "$R" \
    | awk '{printf "%s%s %d (p50 %.2f ms, p99 %.2f ms)", (NR > 1 ? "; " : ""), $1, $2, $3, $4}')
tab3="| requests started | on time (within 10 ms) | recorded rate | achieved rate | errors | dropped | late |
|---|---|---|---|---|---|---|
$(printf '| %.0f | **%.2f%%** | %.1f req/s | %.1f req/s | %s | %.0f | %.0f |' "$started" "$(awk -v r="$ontime" 'BEGIN {print r * 100}')" \
    "$rrec" "$rach" "$errs" "$dropped" "$late")"
echo "$tab3" >&2
echo "$tab1"
echo
echo "$tab2"
echo
echo "$tab3"
[ "$WRITE_DOCS" = 1 ] || exit 0

cpu_model=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
section=$(cat <<EOF2
<!-- replay-bench:start -->
## Replay (bench/replay_bench.sh)

Last run: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs ($cpu_model), $(uname -sr),
zlib $(pkg-config --modversion zlib 2>/dev/null || echo '?'), jansson $(pkg-config --modversion jansson 2>/dev/null || echo '?'),
crane $(crane version 2>/dev/null), $("$REGBENCH" --version 2>/dev/null | head -1) ($build_note);
load average before: $load0 (other work shared the machine).
Logs generated by \`bench/trace_gen.py\` in the shape of
\`tests/unit/data/distribution-2.8-access.log\` (each request a JSON line and
an access line) and of an IBM FAST'18 trace.

**1. The trace reader on one core** (\`bench/trace_bench\`): every record of
a ${TRACE_MB} MB log through \`rb_trace_next\` (what \`replay\` streams twice).
Log MB/s counts the uncompressed log, file MB/s the bytes on disk. The
next three columns (log MB/s) are the parts: \`gzread\` alone, plus
cutting lines, plus \`json_loadb\` of every JSON line with nothing read
from it: what the reader did before it scanned flat objects itself, and
what bounded it then (70 to 100 MB/s here; 35 to 50 MB/s in a run on the
busier machine before this one). Now a plain log is bounded by the per-record
work (the scan, the time and URI parsing, the few JSON values kept; for
IBM also finding where each object ends), a gzip'd one by inflating
(zlib: the "inflate only" column) plus that work.

$tab1

**2. Peak RSS against the log's length**: \`regbench replay LOG --set speed=0\`
against crane over logs of the same few objects (one repository, 4 blobs,
8 upload sessions), where 999 records in 1,000 are upload status GETs, which
replay reads, sorts, counts and absorbs, and 1 in 1,000 is a blob GET it sends:
the whole log is streamed twice (the object table, then the replay) and
every record is scheduled.

$tab2

**3. Timing at speed 1**: a log of $records records over about $SPAN_S s
(Poisson arrivals from 40 clients: GET/HEAD of 300 blobs of 1 kB..1 MB and
30 manifests, a few monolithic uploads, each replayed as one session) replayed
against crane at the recorded pace; on time = started within 10 ms of its
intended time (\`replay_on_time\`, over the requests sent). Per op
(measured on crane): $ops.

$tab3

Reproduce: \`bench/replay_bench.sh\` (writes this section),
\`TRACE_MB=300 SMALL_MB=100 BIG_MB=1000 REQUESTS=2000 SPAN_S=50 bench/replay_bench.sh --no-docs\`.
<!-- replay-bench:end -->
EOF2
)
source "$here/lib_docs.sh"
write_doc_section replay-bench "$repo/docs/performance.md" "$section"
