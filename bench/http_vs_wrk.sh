#!/usr/bin/env bash
# bench/http_vs_wrk.sh: regbench's raw HTTP request rate against wrk's, in
# the same run, on the same endpoint. Starts its own nginx on loopback
# (one worker, a tiny static file at /v2/, keep-alive without limit), then
# alternates wrk, regbench (bench/http_rps.lua) and regbench --http-client libcurl with the same
# number of connections and duration, and writes requests/s, the ratio
# regbench/wrk and regbench's peak RSS against its budget
# (64 MB + 64 KB per VU) into docs/performance.md. Loopback only; every
# step is bounded in time; nginx is stopped on exit.
#
# Usage: bench/http_vs_wrk.sh [--no-docs]
# Environment: CONNS (1000), DURATION (seconds, 10), ROUNDS (2), WRK_THREADS (1),
#   PIN (0; 1: nginx on CPU 0, the client on CPU 1 when there are >= 2 CPUs),
#   REGBENCH (binary; default: build Release into build-bench/), PORT (random),
#   REGBENCH_B (a second binary, e.g. a patched build: also run in every round
#   and reported beside the first; implies --no-docs).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
CONNS=${CONNS:-1000}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-2}
WRK_THREADS=${WRK_THREADS:-1}
PIN=${PIN:-0}
WRITE_DOCS=1
[ "${1:-}" = "--no-docs" ] && WRITE_DOCS=0

die() { echo "http_vs_wrk: $*" >&2; exit 1; }
for tool in nginx wrk jq curl timeout; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install nginx-light wrk jq curl coreutils)"
done

# ---- regbench binary -----------------------------------------------------
source "$here/lib_build.sh"
bench_regbench "$repo"
if [ -n "${REGBENCH_B:-}" ]; then
    [ -x "$REGBENCH_B" ] || die "no regbench binary at $REGBENCH_B"
    WRITE_DOCS=0
fi

# 1000 connections need 1000+ descriptors in each client and in nginx.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -gt $((CONNS + 100)) ] || die "open-file limit $(ulimit -n) is too low for $CONNS connections"

# ---- CPU placement -----------------------------------------------------------
# Fairness: nginx has one worker, wrk -t1 and regbench one event-loop thread
# each, so on 2 CPUs each side can have one. Unpinned by default (pinning
# made wrk slower here: the scheduler can no longer put the loopback softirq
# work where there is room); PIN=1 pins nginx to CPU 0 and the client to CPU 1.
ncpu=$(nproc)
srv_pin=() cli_pin=()
if [ "$PIN" = 1 ] && [ "$ncpu" -ge 2 ] && command -v taskset >/dev/null; then
    srv_pin=(taskset -c 0) cli_pin=(taskset -c 1)
fi

# ---- nginx -------------------------------------------------------------------
source "$here/lib_nginx.sh"
work=$(mktemp -d /tmp/regbench-wrk.XXXXXX)
cleanup() { nginx_stop; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
NGX_PIN="${srv_pin[*]:-}"
nginx_start "$work" "$CONNS" 1 || die "nginx did not start"
url=$ngx_url

# Connections nginx has accepted so far (to check keep-alive really held).
accepts() { nginx_accepts; }

# ---- runs --------------------------------------------------------------------
wrk_cmd=(wrk "-t$WRK_THREADS" "-c$CONNS" "-d${DURATION}s" "$url/v2/")
rb_cmd=("$REGBENCH" run "$repo/bench/http_rps.lua" --target "$url"
        --set "vus=$CONNS" --set "duration=${DURATION}s" --quiet)
wrk_rps=() rb_rps=() rb_rss=() wrk_conn=() rb_conn=() rb_err=() b_rps=() b_rss=() b_cpu=() rb_cpu=()
lc_rps=() lc_cpu=()
budget=$((64 * 1000 * 1000 + CONNS * 64 * 1000))   # 64 MB + 64 KB per VU (1 MB = 10^6 bytes)

run_wrk() {
    local a0 a1 out
    a0=$(accepts)
    out=$(timeout $((DURATION + 60)) "${cli_pin[@]}" "${wrk_cmd[@]}")
    a1=$(accepts)
    echo "$out" | grep -E 'Requests/sec|errors|Non-2xx' >&2 || true
    wrk_rps+=("$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')")
    wrk_conn+=($((a1 - a0 - 1)))   # minus the status request itself
}
run_rb() {
    local a0 a1 out=$work/rb.$1
    a0=$(accepts)
    timeout $((DURATION + 120)) "${cli_pin[@]}" "${rb_cmd[@]}" --out "$out" >"$work/logs/rb.$1.log" 2>&1 \
        || { cat "$work/logs/rb.$1.log" >&2; die "regbench failed"; }
    a1=$(accepts)
    rb_rps+=("$(jq -r '.phases[0].ops_per_s' "$out/results.json")")
    rb_rss+=("$(jq -r '.phases[0].client.rss_peak_bytes' "$out/results.json")")
    rb_err+=("$(jq -r '.phases[0].errors' "$out/results.json")")
    rb_cpu+=("$(jq -r '.phases[0] | .client.cpu_s * 1e6 / .ops' "$out/results.json")")
    rb_conn+=($((a1 - a0 - 1)))
    echo "regbench: $(jq -r '.phases[0] | "\(.ops_per_s) ops/s, errors \(.errors), rss \(.client.rss_peak_bytes)"' "$out/results.json")" >&2
}

# The same binary with every request through libcurl (--http-client libcurl):
# what the built-in HTTP/1.1 client gains, in the same run.
run_lc() {
    local out=$work/rbL.$1
    timeout $((DURATION + 120)) "${cli_pin[@]}" "${rb_cmd[@]}" --http-client libcurl --out "$out" \
        >"$work/logs/rbL.$1.log" 2>&1 || { cat "$work/logs/rbL.$1.log" >&2; die "regbench (libcurl) failed"; }
    lc_rps+=("$(jq -r '.phases[0].ops_per_s' "$out/results.json")")
    lc_cpu+=("$(jq -r '.phases[0] | .client.cpu_s * 1e6 / .ops' "$out/results.json")")
    echo "regbench --http-client libcurl: $(jq -r '.phases[0].ops_per_s' "$out/results.json") ops/s" >&2
}

run_b() {
    local out=$work/rbB.$1
    timeout $((DURATION + 120)) "${cli_pin[@]}" "$REGBENCH_B" "${rb_cmd[@]:1}" --out "$out" >"$work/logs/rbB.$1.log" 2>&1 \
        || { cat "$work/logs/rbB.$1.log" >&2; die "regbench B failed"; }
    b_rps+=("$(jq -r '.phases[0].ops_per_s' "$out/results.json")")
    b_rss+=("$(jq -r '.phases[0].client.rss_peak_bytes' "$out/results.json")")
    b_cpu+=("$(jq -r '.phases[0] | .client.cpu_s * 1e6 / .ops' "$out/results.json")")
    echo "regbench B: $(jq -r '.phases[0] | "\(.ops_per_s) ops/s, errors \(.errors), rss \(.client.rss_peak_bytes)"' "$out/results.json")" >&2
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "nginx on $url (pid $ngx_pid); $ROUNDS rounds of wrk and regbench, $CONNS connections, ${DURATION}s each" >&2
# warm-up: file cache, nginx's connection structures
timeout 30 "${cli_pin[@]}" wrk -t1 -c"$CONNS" -d2s "$url/v2/" >/dev/null
for r in $(seq 1 "$ROUNDS"); do
    echo "-- round $r: wrk" >&2; run_wrk
    echo "-- round $r: regbench" >&2; run_rb "$r"
    echo "-- round $r: regbench --http-client libcurl" >&2; run_lc "$r"
    if [ -n "${REGBENCH_B:-}" ]; then echo "-- round $r: regbench B" >&2; run_b "$r"; fi
done

# ---- summary -----------------------------------------------------------------
mean() { printf '%s\n' "$@" | awk '{s += $1} END {printf "%.0f", s / NR}'; }
max() { printf '%s\n' "$@" | sort -n | tail -1; }
wrk_mean=$(mean "${wrk_rps[@]}")
rb_mean=$(mean "${rb_rps[@]}")
ratio=$(awk -v a="$rb_mean" -v b="$wrk_mean" 'BEGIN {printf "%.2f", a / b}')
rss_max=$(max "${rb_rss[@]}")
verdict_rps=$(awk -v r="$ratio" 'BEGIN {print (r >= 0.80) ? "met" : "NOT met"}')
verdict_rss=$([ "$rss_max" -le "$budget" ] && echo met || echo "NOT met")
mb() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1e6}'; }

lc_mean=$(mean "${lc_rps[@]}")
lc_ratio=$(awk -v a="$lc_mean" -v b="$wrk_mean" 'BEGIN {printf "%.2f", a / b}')
table=$(
    echo "| round | wrk req/s | wrk connections opened | regbench req/s | regbench connections opened | regbench errors | regbench peak RSS | regbench CPU µs/req | ratio | libcurl only: req/s | CPU µs/req | ratio |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
    for i in $(seq 0 $((ROUNDS - 1))); do
        printf '| %d | %.0f | %s | %.0f | %s | %s | %s MB | %.1f | %.2f | %.0f | %.1f | %.2f |\n' $((i + 1)) \
            "${wrk_rps[$i]}" "${wrk_conn[$i]}" \
            "${rb_rps[$i]}" "${rb_conn[$i]}" "${rb_err[$i]}" "$(mb "${rb_rss[$i]}")" "${rb_cpu[$i]}" \
            "$(awk -v a="${rb_rps[$i]}" -v b="${wrk_rps[$i]}" 'BEGIN {print a / b}')" \
            "${lc_rps[$i]}" "${lc_cpu[$i]}" "$(awk -v a="${lc_rps[$i]}" -v b="${wrk_rps[$i]}" 'BEGIN {print a / b}')"
    done
    printf '| **mean** | **%s** | | **%s** | | | **max %s MB** | **%s** | **%s** | **%s** | **%s** | **%s** |\n' \
        "$wrk_mean" "$rb_mean" "$(mb "$rss_max")" "$(mean "${rb_cpu[@]}")" "$ratio" \
        "$lc_mean" "$(mean "${lc_cpu[@]}")" "$lc_ratio"
)
echo "$table"
if [ -n "${REGBENCH_B:-}" ]; then
    echo
    echo "| round | wrk req/s | A req/s | A ratio | A client CPU us/req | B req/s | B ratio | B client CPU us/req | B peak RSS |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for i in $(seq 0 $((ROUNDS - 1))); do
        printf '| %d | %.0f | %.0f | %.2f | %.1f | %.0f | %.2f | %.1f | %s MB |\n' $((i + 1)) "${wrk_rps[$i]}" \
            "${rb_rps[$i]}" "$(awk -v a="${rb_rps[$i]}" -v b="${wrk_rps[$i]}" 'BEGIN {print a / b}')" "${rb_cpu[$i]}" \
            "${b_rps[$i]}" "$(awk -v a="${b_rps[$i]}" -v b="${wrk_rps[$i]}" 'BEGIN {print a / b}')" "${b_cpu[$i]}" \
            "$(mb "${b_rss[$i]}")"
    done
    b_mean=$(mean "${b_rps[@]}")
    echo "A = $REGBENCH: mean $rb_mean req/s, ratio $ratio, $(mean "${rb_cpu[@]}") us CPU/req"
    echo "B = $REGBENCH_B: mean $b_mean req/s, ratio $(awk -v a="$b_mean" -v b="$wrk_mean" 'BEGIN {printf "%.2f", a / b}'), $(mean "${b_cpu[@]}") us CPU/req"
fi
echo "ratio regbench/wrk $ratio (target >= 0.80: $verdict_rps); peak RSS $(mb "$rss_max") MB, budget $(mb "$budget") MB ($verdict_rss)"

[ "$WRITE_DOCS" = 1 ] || exit 0
cpu_model=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
pin_note="nginx pinned to CPU 0, the client (wrk or regbench) to CPU 1 (taskset)"
[ ${#cli_pin[@]} -gt 0 ] || pin_note="no CPU pinning (PIN=1 pins nginx to CPU 0 and the client to CPU 1)"
section=$(cat <<EOF
## HTTP requests per second vs wrk

Target (issue 2): with $CONNS concurrent VUs, small keep-alive requests
(\`GET /v2/\`) against a fast local server reach at least 80% of the
requests/s of \`wrk\` with the same number of connections, measured in the
same run; regbench's RSS stays at most 64 MB + 64 KB per VU
($(mb "$budget") MB for $CONNS VUs).

Last run: $(date -u +%Y-%m-%dT%H:%MZ), $ncpu CPUs ($cpu_model), $(uname -sr),
$(nginx -v 2>&1 | sed 's/.*: //'), wrk $(wrk -v 2>&1 | awk 'NR==1 {print $2}'),
$("$REGBENCH" --version 2>/dev/null | head -1); load average before the runs: $load0
(other work on the machine makes single runs vary; compare within a round).

$table

Result: regbench/wrk = **$ratio** (target 0.80: **$verdict_rps**);
peak RSS **$(mb "$rss_max") MB** for $CONNS VUs (budget $(mb "$budget") MB: **$verdict_rss**).

These requests go through regbench's built-in HTTP/1.1 client (the default,
\`--http-client auto\`: small plain-HTTP requests; docs/architecture.md). The
last three columns are the same binary with \`--http-client libcurl\`, every
request through libcurl 7.88, in the same rounds: **$lc_ratio** of wrk. The
difference is libcurl's per-request bookkeeping (CPU µs per request =
results.json client CPU seconds ÷ requests).

Set-up: nginx with one worker process, \`access_log off\`,
\`keepalive_requests 1000000\`, a 2-byte JSON file at \`/v2/\`; $pin_note.
Both clients run one thread: \`wrk -t$WRK_THREADS\` and regbench's single
event loop. On a 2-CPU machine this is the fair split: the server has one
CPU, the client the other; \`wrk -t2\` would only take CPU from nginx
(in a trial here -t2 was not faster than -t1: 53k against 57k requests/s). Runs alternate wrk / regbench / regbench with libcurl
$ROUNDS times, ${DURATION} s each, after a 2 s wrk warm-up; "connections
opened" is the change in nginx's accepted-connections counter
(\`stub_status\`) during the run, so it shows keep-alive held
(one connection per VU). Peak RSS is results.json
\`phases[0].client.rss_peak_bytes\`.

Reproduce (needs nginx-light, wrk, jq, curl):

\`\`\`
bench/http_vs_wrk.sh                 # builds build-bench/, writes this section
CONNS=1000 DURATION=10 ROUNDS=2 WRK_THREADS=1 PIN=0 bench/http_vs_wrk.sh --no-docs
# the two commands it alternates:
${wrk_cmd[*]/$url/http://127.0.0.1:PORT}
regbench run bench/http_rps.lua --target http://127.0.0.1:PORT --set vus=$CONNS --set duration=${DURATION}s --quiet --out DIR
regbench run bench/http_rps.lua --target http://127.0.0.1:PORT --set vus=$CONNS --set duration=${DURATION}s --quiet --out DIR --http-client libcurl
\`\`\`
EOF
)
doc="$repo/docs/performance.md"
if [ ! -f "$doc" ]; then
    printf '# Performance\n\nMeasured figures of regbench itself, each section written by the benchmark that\nproduces it (bench/).\n' >"$doc"
fi
# Replace the section (up to the next "## " heading) or append it.
SECTION="$section" awk '
    /^## HTTP requests per second vs wrk$/ { skip = 1; if (!done) { print ENVIRON["SECTION"]; print ""; done = 1 }; next }
    skip && /^## / { skip = 0 }
    !skip { print }
    END { if (!done) { print ""; print ENVIRON["SECTION"] } }
' "$doc" >"$doc.tmp"
mv "$doc.tmp" "$doc"
echo "wrote $doc" >&2
