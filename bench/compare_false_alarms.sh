#!/usr/bin/env bash
# bench/compare_false_alarms.sh: does `regbench compare` agree with the
# statistics? Two figures, from real runs on loopback:
#   - false alarms: PAIRS back-to-back pairs of suites of the same build and
#     the same registry (the bundled bulk scenario against crane launched by
#     regbench, REPS repetitions each), each pair compared with the default
#     rule; every REGRESSION row is a false one (target: at most 1 in total
#     over 10 pairs);
#   - detection: in the same loop, a pair of suites against crane behind
#     tests/tools/regproxy.py (a fresh crane and proxy per suite, --fresh so
#     every repetition uploads every blob, --delay DELAY on every request: a
#     registry DELAY away), the second proxy answering SLOWDOWN times slower
#     (--slowdown); a pair counts as detected when compare exits 99 (target:
#     10 of 10).
# Both are also compared on their first 3 repetitions only (fewer than 4: the
# small-sample rule), as a second figure. Prints a table and writes the
# section "regbench compare: false alarms and a 2x slowdown" between
# <!-- compare-bench:start --> and <!-- compare-bench:end --> in
# docs/performance.md (other sections are left alone).
#
# Usage: bench/compare_false_alarms.sh [REGBENCH (default build/regbench)] [--no-docs]
# Environment: PAIRS (10, at most 50), REPS (5), IMAGES (20), SIZES (2MB,5MB),
#   SLOWDOWN (2), DELAY (0.002 s), LIMIT (3600: seconds for the whole bench; it stops after
#   the pair in flight when over). Every command has a time limit; the
#   registries and proxies it starts are stopped and the temporary directory
#   removed on exit. Builds nothing; loopback only.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
REGBENCH=build/regbench
WRITE_DOCS=1
for a in "$@"; do
    case "$a" in
        --no-docs) WRITE_DOCS=0 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) REGBENCH=$a ;;
    esac
done
case "$REGBENCH" in /*) ;; *) REGBENCH="$PWD/$REGBENCH" ;; esac
PAIRS=${PAIRS:-10}
REPS=${REPS:-5}
IMAGES=${IMAGES:-20}
SIZES=${SIZES:-2MB,5MB}
SLOWDOWN=${SLOWDOWN:-2}
DELAY=${DELAY:-0.002}
LIMIT=${LIMIT:-3600}
T=300   # per command, seconds
PROXY="$repo/tests/tools/regproxy.py"

die() { echo "compare_false_alarms: $*" >&2; exit 2; }
[ -x "$REGBENCH" ] || die "no regbench binary at $REGBENCH (build it, or pass its path)"
export PATH="$PATH:${GOPATH:-$HOME/go}/bin"
for tool in crane python3 timeout; do
    command -v "$tool" >/dev/null || die "$tool is missing (scripts/setup.sh installs crane)"
done
[[ "$PAIRS" =~ ^[0-9]+$ ]] && [ "$PAIRS" -ge 1 ] && [ "$PAIRS" -le 50 ] || die "PAIRS must be 1..50"
[[ "$REPS" =~ ^[0-9]+$ ]] && [ "$REPS" -ge 3 ] && [ "$REPS" -le 20 ] || die "REPS must be 3..20"

work=$(mktemp -d "${TMPDIR:-/tmp}/regbench-cmpbench.XXXXXX")
export XDG_CACHE_HOME="$work/xdg"
started=()   # pids of the registries and proxies of the pair in flight

# stop_started: SIGTERM to every process started, SIGKILL after 5 s.
stop_started() {
    local p i
    for p in ${started[@]+"${started[@]}"}; do kill "$p" 2>/dev/null || true; done
    for p in ${started[@]+"${started[@]}"}; do
        for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    started=()
}
trap 'stop_started; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# wait_line FILE REGEX: up to 10 s for a line of FILE to match; prints its last number.
wait_line() {
    local i v
    for i in $(seq 1 200); do
        v=$(grep -oE "$2" "$1" 2>/dev/null | grep -oE '[0-9]+$' | head -n1 || true)
        [ -n "$v" ] && { echo "$v"; return 0; }
        sleep 0.05
    done
    cat "$1" >&2 || true
    die "timed out waiting for /$2/ in $1"
}

# proxied NAME PROXY_ARGS...: a fresh crane and a regproxy in front of it;
# sets $url to the proxy.
proxied() {
    local name=$1; shift
    crane registry serve --address 127.0.0.1:0 >"$work/$name.crane" 2>&1 &
    started+=($!)
    local port; port=$(wait_line "$work/$name.crane" 'serving on port [0-9]+')
    python3 "$PROXY" --upstream "http://127.0.0.1:$port" --port-file "$work/$name.port" \
        --max-seconds "$T" --fresh "$@" >/dev/null 2>"$work/$name.proxy" &
    started+=($!)
    url="http://127.0.0.1:$(wait_line "$work/$name.port" '^[0-9]+$')"
}

# suite_file NAME REGISTRY_YAML: the bulk scenario against that registry.
suite_file() {
    cat >"$work/$1.yaml" <<EOF
name: $1
repetitions: $REPS
registries:
  - $2
scenarios:
  - name: bulk
    file: $repo/scenarios/bulk.lua
    params: {images: $IMAGES, sizes: "$SIZES"}
EOF
}

# suite NAME: runs it into $work/NAME (exit 0 required).
suite() {
    timeout "$T" "$REGBENCH" suite "$work/$1.yaml" --out "$work/$1" --quiet >"$work/$1.log" 2>&1 ||
        { tail -n 20 "$work/$1.log" >&2; die "suite $1 failed"; }
}

# compare_pair OLD NEW TAG: compare on all repetitions and on the first 3;
# appends a line "TAG rc json rc3 json3" to $work/pairs.
compare_pair() {
    local rc=0 rc3=0
    "$REGBENCH" compare "$work/$1" "$work/$2" --json "$work/$3.json" >"$work/$3.txt" 2>&1 || rc=$?
    python3 - "$work/$1" "$work/$2" "$work/$3.a3.json" "$work/$3.b3.json" <<'EOF'
import json, sys
for src, dst in ((sys.argv[1], sys.argv[3]), (sys.argv[2], sys.argv[4])):
    d = json.load(open(src + "/results.json"))
    d["runs"] = [r for r in d["runs"] if r.get("repetition", 1) <= 3]
    json.dump(d, open(dst, "w"))
EOF
    "$REGBENCH" compare "$work/$3.a3.json" "$work/$3.b3.json" --json "$work/$3.3.json" >"$work/$3.3.txt" 2>&1 || rc3=$?
    case "$rc$rc3" in 00|099|990|9999) ;; *) cat "$work/$3.txt" >&2; die "compare $3 exited $rc / $rc3" ;; esac
    echo "$3 $rc $work/$3.json $rc3 $work/$3.3.json" >>"$work/pairs"
}

START=$(date +%s)
LOAD0=$(cut -d" " -f1-3 /proc/loadavg)
: >"$work/pairs"
done_pairs=0
for i in $(seq 1 "$PAIRS"); do
    if [ $(( $(date +%s) - START )) -gt "$LIMIT" ]; then
        echo "compare_false_alarms: over LIMIT=$LIMIT s, stopping after $done_pairs pairs" >&2
        break
    fi
    echo "pair $i/$PAIRS (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    # the same build twice, crane launched by regbench for every run
    suite_file "a$i" "{name: crane, kind: crane, storage: memory}"
    cp "$work/a$i.yaml" "$work/b$i.yaml"
    suite "a$i"
    suite "b$i"
    compare_pair "a$i" "b$i" "same$i"
    # through the proxy, then through a SLOWDOWN times slower one
    proxied "p$i" --delay "$DELAY" --fault-path .
    suite_file "p$i" "{name: proxied, kind: external, url: \"$url\"}"
    suite "p$i"
    stop_started
    proxied "s$i" --delay "$DELAY" --slowdown "$SLOWDOWN" --fault-path .
    suite_file "s$i" "{name: proxied, kind: external, url: \"$url\"}"
    suite "s$i"
    stop_started
    compare_pair "p$i" "s$i" "slow$i"
    done_pairs=$i
done
[ "$done_pairs" -gt 0 ] || die "no pair ran"
ELAPSED=$(( $(date +%s) - START ))
LOAD1=$(cut -d" " -f1-3 /proc/loadavg)

# ---- figures ---------------------------------------------------------------------
export REPS IMAGES SIZES SLOWDOWN DELAY ELAPSED LOAD0 LOAD1
export CPU_MODEL="$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
export NCPU="$(nproc)" KERNEL="$(uname -r)"
export RB_VERSION="$("$REGBENCH" --version 2>/dev/null || echo regbench)"
export CRANE_VERSION="$(crane version 2>/dev/null || echo '?')"
section=$(python3 - "$work/pairs" <<'EOF'
import json, os, sys, datetime
E = os.environ
same, slow = [], []
for line in open(sys.argv[1]):
    tag, rc, js, rc3, js3 = line.split()
    rec = {"rc": int(rc), "cmp": json.load(open(js)), "rc3": int(rc3), "cmp3": json.load(open(js3))}
    (same if tag.startswith("same") else slow).append(rec)

def flagged(cmp):
    return ["%s %s" % (r["phase"], r["metric"]) for r in cmp["rows"] if r["regression"]]

def row(cmp, phase, metric):
    for r in cmp["rows"]:
        if r["phase"] == phase and r["metric"] == metric:
            return r
    return None

def change(cmp, phase, metric):
    r = row(cmp, phase, metric)
    if not r or r["change_pct"] is None:
        return "n/a"
    ci = "" if r["ci_low_pct"] is None else " [%+.1f, %+.1f]" % (r["ci_low_pct"], r["ci_high_pct"])
    return "%+.1f%%%s" % (r["change_pct"], ci)

n = len(same)
rows = sum(len(p["cmp"]["rows"]) for p in same)
rows3 = sum(len(p["cmp3"]["rows"]) for p in same)
false = sum(p["cmp"]["regressions"] for p in same)
false3 = sum(p["cmp3"]["regressions"] for p in same)
pairs_false = sum(1 for p in same if p["cmp"]["regressions"])
pairs_false3 = sum(1 for p in same if p["cmp3"]["regressions"])
det = sum(1 for p in slow if p["rc"] == 99)
det3 = sum(1 for p in slow if p["rc3"] == 99)
slow_rows = sum(p["cmp"]["regressions"] for p in slow)
slow_all = sum(len(p["cmp"]["rows"]) for p in slow)
ok1 = "met" if false <= 1 else "NOT met"
ok2 = "met" if det == n else "NOT met"
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")

out = []
w = out.append
w("<!-- compare-bench:start -->")
w("## regbench compare: false alarms and a 2x slowdown")
w("")
w("Targets: over 10 back-to-back pairs of suites of the same build (bundled")
w("`bulk` scenario, %d repetitions each), `regbench compare` flags at most 1" % int(E["REPS"]))
w("false regression in total; a registry made %sx slower (regproxy" % E["SLOWDOWN"])
w("`--slowdown`) is flagged in every pair (10 of 10).")
w("")
w("Last run: %s, %s CPUs (%s), Linux %s, %s, crane %s; %d pairs in %d s;" % (
    now, E["NCPU"], E["CPU_MODEL"], E["KERNEL"], E["RB_VERSION"], E["CRANE_VERSION"], n, int(E["ELAPSED"])))
w("load average %s at the start, %s at the end (other jobs on the machine add noise)." % (E["LOAD0"], E["LOAD1"]))
w("")
w("- **False regressions: %d of %d rows** (%d of %d pairs with any), target <= 1: **%s**." % (
    false, rows, pairs_false, n, ok1))
w("- **%sx slowdown detected in %d of %d pairs** (exit 99; %d of %d rows flagged), target 10 of 10: **%s**." % (
    E["SLOWDOWN"], det, n, slow_rows, slow_all, ok2))
w("- The same pairs on their first 3 repetitions only (untested: a regression needs every new")
w("  sample worse than every baseline one): false regressions %d of %d rows (%d of %d pairs);" % (
    false3, rows3, pairs_false3, n))
w("  the slowdown detected in %d of %d pairs." % (det3, n))
w("")
w("| pair | same build: exit, false regressions | (3 reps) | %sx slower: exit, rows flagged | pull p50 change [95%% CI] | push MB/s change [95%% CI] | (3 reps) exit |" % E["SLOWDOWN"])
w("|---|---|---|---|---|---|---|")
for i, (a, b) in enumerate(zip(same, slow), 1):
    fl = flagged(a["cmp"])
    w("| %d | %d, %d%s | %d | %d, %d of %d | %s | %s | %d |" % (
        i, a["rc"], len(fl), (" (" + ", ".join(fl) + ")") if fl else "", a["cmp3"]["regressions"],
        b["rc"], b["cmp"]["regressions"], len(b["cmp"]["rows"]),
        change(b["cmp"], "pull", "p50_ms"), change(b["cmp"], "push", "throughput_MBps"), b["rc3"]))
w("")
w("How it is measured (`bench/compare_false_alarms.sh`):")
w("")
w("- Same build: two suites one after the other, each %d repetitions of" % int(E["REPS"]))
w("  `scenarios/bulk.lua` (images=%s, sizes=%s) against a crane registry regbench" % (E["IMAGES"], E["SIZES"]))
w("  launches for every run (memory storage), then `regbench compare A B` with the")
w("  defaults (max change 5%, Mann-Whitney U at alpha 0.05 with 4 or more")
w("  repetitions a side, the 95% interval wholly on the worse side, floors 0.1 ms")
w("  and 0.1 MB/s). Each pair has 10 rows: push and pull x MB/s, ops/s, p50, p95,")
w("  p99. A flagged row is a false alarm by construction.")
w("- Slowdown: two suites of the same scenario against crane behind")
w("  `tests/tools/regproxy.py` (a fresh crane and proxy per suite; `--fresh`, so")
w("  each repetition uploads every blob instead of finding it there; `--delay %s" % E["DELAY"])
w("  --fault-path .`, a registry %g ms away), the second proxy also with" % (float(E["DELAY"]) * 1000))
w("  `--slowdown %s`: every answer is held back until it has taken %sx as long as" % (E["SLOWDOWN"], E["SLOWDOWN"]))
w("  it had so far, so the registry looks %sx slower; the client's own work" % E["SLOWDOWN"])
w("  (hashing, ...) does not change, so the measured change is somewhat below")
w("  +%d%%." % int((float(E["SLOWDOWN"]) - 1) * 100))
w("- (3 reps): the same results with only repetitions 1-3 kept on each side.")
w("")
w("Reproduce (needs crane and python3; a few minutes):")
w("")
w("```")
w("bench/compare_false_alarms.sh build/regbench            # writes this section")
w("bench/compare_false_alarms.sh build/regbench --no-docs  # prints only")
w("PAIRS=3 REPS=5 bench/compare_false_alarms.sh --no-docs  # a quick look")
w("```")
w("<!-- compare-bench:end -->")
print("\n".join(out))
EOF
)
echo "$section"

[ "$WRITE_DOCS" = 1 ] || exit 0
source "$here/lib_docs.sh"
write_doc_section compare-bench "$repo/docs/performance.md" "$section"
