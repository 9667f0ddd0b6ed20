#!/usr/bin/env bash
# bench/procs_scaling.sh: what `regbench run --procs N` buys on this
# machine, measured against peers in the same run (issue 15):
#   A. small keep-alive requests to nginx (2 workers): regbench --procs 1,
#      --procs 2 and `wrk -t2`, all with CONNS connections, ROUNDS rounds
#      taken in turns; requests/s and the ratios to wrk;
#   B. verified pulls of two BLOB blobs from a crane registry:
#      `--procs 2` (bulk.lua, one image per shard, every byte hashed and
#      compared with its digest) against two concurrent `curl` GETs of the
#      same blobs (no verification); MB/s and the ratio;
# and, for every shard of every run, its peak RSS against the single-process
# budget (64 MB + 64 KB per VU of that shard) and its client CPU per GB
# pulled (the figure docs/scale-out.md sizes clusters with). Writes the
# section between <!-- procs-bench:start --> and <!-- procs-bench:end -->
# in docs/performance.md. Loopback only; every step bounded in time; nginx
# and crane are stopped on exit.
#
# Usage: bench/procs_scaling.sh [--no-docs]
# Environment: CONNS (200), DURATION (seconds, 10), ROUNDS (2), BLOB (1GB),
#   REGBENCH (binary; default: build Release into build-bench/).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
CONNS=${CONNS:-200}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-2}
BLOB=${BLOB:-1GB}
WRITE_DOCS=1
[ "${1:-}" = "--no-docs" ] && WRITE_DOCS=0

die() { echo "procs_scaling: $*" >&2; exit 1; }
for tool in nginx wrk jq curl crane openssl timeout; do
    command -v "$tool" >/dev/null || die "$tool is missing (scripts/setup.sh installs them)"
done
source "$here/lib_build.sh"
bench_regbench "$repo"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -gt $((CONNS * 2 + 100)) ] || die "open-file limit $(ulimit -n) is too low for $CONNS connections"

source "$here/lib_nginx.sh"
work=$(mktemp -d /tmp/regbench-procs.XXXXXX)
chmod 755 "$work"   # nginx workers run as another user
crane_pid=""
cleanup() {
    nginx_stop
    [ -n "$crane_pid" ] && { kill "$crane_pid" 2>/dev/null || true; wait "$crane_pid" 2>/dev/null || true; }
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mean() { printf '%s\n' "$@" | awk '{s += $1} END {printf "%.0f", s / NR}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
mb() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1e6}'; }
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# The worst shard against its budget: "RSS_MB BUDGET_MB" of the shard with
# the largest RSS/budget, from a merged results.json (VUs per shard given).
shard_rss() { # results.json vus_per_shard...
    local r=$1; shift
    local best="" worst=-1 i=0 rss budget
    for v in "$@"; do
        rss=$(jq -r ".shards[$i].client_rss_peak_bytes" "$r")
        budget=$((64 * 1000 * 1000 + v * 64 * 1000))
        if awk -v a="$rss" -v b="$budget" -v w="$worst" 'BEGIN {exit !(a / b > w)}'; then
            worst=$(awk -v a="$rss" -v b="$budget" 'BEGIN {print a / b}')
            best="$(mb "$rss") $(mb "$budget")"
        fi
        i=$((i + 1))
    done
    echo "$best"
}

# ---- A. small requests: --procs 1, --procs 2, wrk -t2 -------------------------------
nginx_start "$work/nginx" "$CONNS" 2 || die "nginx did not start"
url=$ngx_url
echo "A. nginx (2 workers) on $url; $ROUNDS rounds, $CONNS connections, ${DURATION}s each" >&2
timeout 30 wrk -t2 -c"$CONNS" -d2s "$url/v2/" >/dev/null   # warm-up
wrk_rps=() p1_rps=() p2_rps=() p1_rss=() p2_rss=() p2_err=()
rb_http() { # N OUT
    timeout $((DURATION + 120)) "$REGBENCH" run "$repo/bench/http_rps.lua" --target "$url" --procs "$1" \
        --set "vus=$CONNS" --set "duration=${DURATION}s" --quiet --out "$2" >"$2.log" 2>&1 \
        || { cat "$2.log" >&2; die "regbench --procs $1 failed"; }
}
for r in $(seq 1 "$ROUNDS"); do
    out=$(timeout $((DURATION + 60)) wrk -t2 -c"$CONNS" -d"${DURATION}s" "$url/v2/")
    wrk_rps+=("$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')")
    echo "round $r: wrk -t2 ${wrk_rps[-1]} req/s" >&2
    rb_http 1 "$work/p1.$r"
    p1_rps+=("$(jq -r '.phases[0].ops_per_s' "$work/p1.$r/results.json")")
    p1_rss+=("$(shard_rss "$work/p1.$r/results.json" "$CONNS")")
    echo "round $r: --procs 1 ${p1_rps[-1]} req/s" >&2
    rb_http 2 "$work/p2.$r"
    p2_rps+=("$(jq -r '.phases[0].ops_per_s' "$work/p2.$r/results.json")")
    p2_err+=("$(jq -r '.phases[0].errors' "$work/p2.$r/results.json")")
    p2_rss+=("$(shard_rss "$work/p2.$r/results.json" $(((CONNS + 1) / 2)) $((CONNS / 2)))")
    echo "round $r: --procs 2 ${p2_rps[-1]} req/s" >&2
done
nginx_stop

# ---- B. two BLOB verified pulls: --procs 2 against two curl GETs ----------------
crane registry serve --address 127.0.0.1:0 >"$work/crane.log" 2>&1 &
crane_pid=$!
creg=""
for _ in $(seq 1 100); do
    port=$(grep -oE 'serving on port [0-9]+' "$work/crane.log" | awk '{print $4}' | head -1 || true)
    [ -n "$port" ] && curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null && { creg="http://127.0.0.1:$port"; break; }
    sleep 0.1
done
[ -n "$creg" ] || { cat "$work/crane.log" >&2; die "crane did not start"; }
echo "B. crane on $creg; two $BLOB blobs, $ROUNDS rounds" >&2
pull_mbs=() curl_mbs=() pipe_mbs=() pull_cpu=() pull_rss=() pull_sec=()
for r in $(seq 1 "$ROUNDS"); do
    out="$work/pull.$r"
    timeout 1800 "$REGBENCH" run "$repo/scenarios/bulk.lua" --target "$creg" --procs 2 --run-id "pull-$r" \
        --set images=2 --set "sizes=$BLOB" --set layers=1 --set level=1 --quiet --out "$out" >"$out.log" 2>&1 \
        || { cat "$out.log" >&2; die "regbench --procs 2 pull failed"; }
    pull_mbs+=("$(jq -r '.phases[] | select(.name == "pull") | .throughput_MBps' "$out/results.json")")
    # each shard's client CPU per GB pulled, from its own results
    cpu=$(for i in 0 1; do jq -r '.phases[] | select(.name == "pull") | .client.cpu_s / (.bytes / 1e9)' \
        "$out/shards/shard-$i/results.json"; done | awk '{s += $1} END {printf "%.2f", s / NR}')
    pull_cpu+=("$cpu")
    pull_sec+=("$(jq -r '.phases[] | select(.name == "pull") | .duration_s' "$out/results.json")")
    pull_rss+=("$(shard_rss "$out/results.json" 1 1)")
    echo "round $r: --procs 2 pull ${pull_mbs[-1]} MB/s, ${cpu} CPU s/GB per shard" >&2
    # the same two blobs, two curl GETs at once
    d1=$(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$creg/v2/bulk/img1/manifests/v1" | jq -r '.layers[0].digest')
    d2=$(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$creg/v2/bulk/img2/manifests/v1" | jq -r '.layers[0].digest')
    t0=$(date +%s.%N)
    timeout 600 curl -fsS -o /dev/null -w '%{size_download}\n' "$creg/v2/bulk/img1/blobs/$d1" >"$work/c1" &
    c1=$!
    timeout 600 curl -fsS -o /dev/null -w '%{size_download}\n' "$creg/v2/bulk/img2/blobs/$d2" >"$work/c2" &
    c2=$!
    wait "$c1" || die "curl GET failed"
    wait "$c2" || die "curl GET failed"
    t1=$(date +%s.%N)
    curl_mbs+=("$(awk -v a="$(cat "$work/c1")" -v b="$(cat "$work/c2")" -v t0="$t0" -v t1="$t1" \
        'BEGIN {printf "%.1f", (a + b) / 1e6 / (t1 - t0)}')")
    echo "round $r: 2 x curl ${curl_mbs[-1]} MB/s" >&2
    # what verifying costs without regbench: two curl | openssl dgst at once, digests checked
    t0=$(date +%s.%N)
    timeout 600 bash -c 'set -o pipefail; curl -fsS "$1" | openssl dgst -sha256' _ "$creg/v2/bulk/img1/blobs/$d1" >"$work/h1" &
    c1=$!
    timeout 600 bash -c 'set -o pipefail; curl -fsS "$1" | openssl dgst -sha256' _ "$creg/v2/bulk/img2/blobs/$d2" >"$work/h2" &
    c2=$!
    wait "$c1" || die "curl | openssl failed"
    wait "$c2" || die "curl | openssl failed"
    t1=$(date +%s.%N)
    grep -q "${d1#sha256:}" "$work/h1" && grep -q "${d2#sha256:}" "$work/h2" || die "curl | openssl: digest mismatch"
    pipe_mbs+=("$(awk -v a="$(cat "$work/c1")" -v b="$(cat "$work/c2")" -v t0="$t0" -v t1="$t1" \
        'BEGIN {printf "%.1f", (a + b) / 1e6 / (t1 - t0)}')")
    echo "round $r: 2 x curl | openssl dgst ${pipe_mbs[-1]} MB/s" >&2
done

# ---- summary -------------------------------------------------------------------------
wrk_m=$(mean "${wrk_rps[@]}") p1_m=$(mean "${p1_rps[@]}") p2_m=$(mean "${p2_rps[@]}")
pull_m=$(mean "${pull_mbs[@]}") curl_m=$(mean "${curl_mbs[@]}") pipe_m=$(mean "${pipe_mbs[@]}")
cpu_m=$(printf '%s\n' "${pull_cpu[@]}" | awk '{s += $1} END {printf "%.2f", s / NR}')
tableA=$(
    echo "| round | wrk -t2 req/s | --procs 1 req/s | /wrk | --procs 2 req/s | /wrk | --procs 2 / --procs 1 | --procs 2 errors | worst shard RSS (budget), procs 1 | procs 2 |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    for i in $(seq 0 $((ROUNDS - 1))); do
        read -r a1 b1 <<<"${p1_rss[$i]}"
        read -r a2 b2 <<<"${p2_rss[$i]}"
        printf '| %d | %.0f | %.0f | %s | %.0f | %s | %s | %s | %s MB (%s) | %s MB (%s) |\n' $((i + 1)) "${wrk_rps[$i]}" \
            "${p1_rps[$i]}" "$(ratio "${p1_rps[$i]}" "${wrk_rps[$i]}")" "${p2_rps[$i]}" \
            "$(ratio "${p2_rps[$i]}" "${wrk_rps[$i]}")" "$(ratio "${p2_rps[$i]}" "${p1_rps[$i]}")" "${p2_err[$i]}" \
            "$a1" "$b1" "$a2" "$b2"
    done
    printf '| **mean** | **%s** | **%s** | **%s** | **%s** | **%s** | **%s** | | | |\n' "$wrk_m" "$p1_m" \
        "$(ratio "$p1_m" "$wrk_m")" "$p2_m" "$(ratio "$p2_m" "$wrk_m")" "$(ratio "$p2_m" "$p1_m")"
)
tableB=$(
    echo "| round | --procs 2 verified pull MB/s | 2 x curl GET MB/s | ratio | 2 x curl \\| openssl dgst MB/s | ratio | pull phase s | client CPU s per GB, per shard | worst shard RSS (budget) |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for i in $(seq 0 $((ROUNDS - 1))); do
        read -r a b <<<"${pull_rss[$i]}"
        printf '| %d | %.0f | %.0f | %s | %.0f | %s | %.2f | %s | %s MB (%s) |\n' $((i + 1)) "${pull_mbs[$i]}" "${curl_mbs[$i]}" \
            "$(ratio "${pull_mbs[$i]}" "${curl_mbs[$i]}")" "${pipe_mbs[$i]}" "$(ratio "${pull_mbs[$i]}" "${pipe_mbs[$i]}")" \
            "${pull_sec[$i]}" "${pull_cpu[$i]}" "$a" "$b"
    done
    printf '| **mean** | **%s** | **%s** | **%s** | **%s** | **%s** | | **%s** | |\n' "$pull_m" "$curl_m" "$(ratio "$pull_m" "$curl_m")" \
        "$pipe_m" "$(ratio "$pull_m" "$pipe_m")" "$cpu_m"
)
echo "$tableA"
echo
echo "$tableB"
[ "$WRITE_DOCS" = 1 ] || exit 0

cpu_model=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
section=$(cat <<EOF
<!-- procs-bench:start -->
## Many processes: \`--procs\` (bench/procs_scaling.sh)

Last run: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs ($cpu_model), $(uname -sr),
$(nginx -v 2>&1 | sed 's/.*: //'), wrk $(wrk -v 2>&1 | awk 'NR==1 {print $2}'), crane $(crane version 2>/dev/null),
$("$REGBENCH" --version 2>/dev/null | head -1); load average before: $load0.

**A. Small requests** (\`GET /v2/\` of a 2-byte file, keep-alive) to nginx with
2 workers, $CONNS connections in every client, ${DURATION} s each, the three
clients in turns. \`--procs 2\` splits the $CONNS VUs over two shard
processes and reports the merged rate over the merged phase window.

$tableA

**B. Verified pulls of two $BLOB blobs** from crane (memory storage):
\`--procs 2\` runs bulk.lua with one image of one $BLOB layer per shard, and
each shard hashes every byte it pulls and compares it with the digest; the
first peer is two concurrent \`curl\` GETs of the same two blobs with no
verification, the second two concurrent \`curl | openssl dgst -sha256\`
(verification without regbench). MB/s = both blobs' bytes over the wall
time from the first start to the last end.

$tableB

A verified pull hashes every byte (SHA-256); two such streams and the
registry sending them need more than this machine's two cores, so the ratio
to raw \`curl\` is the price of verification here, and the ratio to
\`curl | openssl dgst\` compares regbench with verifying without it. The
load average above says how busy the machine was; compare within a round.

Budget per shard: 64 MB + 64 KB per VU of that shard (the single-process
budget). On 2 cores the client and the server share the CPUs, so a second
client process helps only where one client process was the bottleneck;
what one shard needs per GB is what docs/scale-out.md sizes clusters with.

Reproduce: \`bench/procs_scaling.sh\` (writes this section),
\`CONNS=200 DURATION=10 ROUNDS=2 BLOB=1GB bench/procs_scaling.sh --no-docs\`.
<!-- procs-bench:end -->
EOF
)
source "$here/lib_docs.sh"
write_doc_section procs-bench "$repo/docs/performance.md" "$section"
