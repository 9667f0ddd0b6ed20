# One run split across processes, against real registries on loopback:
#   - mixed.lua unsharded and as 4 shards (separate processes, one run ID,
#     `regbench merge`), each against its own fresh crane: the same
#     operation counts per operation kind, and the same repositories;
#   - the merged percentiles equal those computed from the union of the
#     shards' operation logs (--op-log), within the histogram's error;
#   - a shard that never comes, or is killed before a barrier: the others
#     fail within --barrier-timeout naming it, and merge names it
#     (--allow-partial merges what is there and says partial);
#   - one shard's clock shifted by 250 ms is reported by merge within 10 ms;
#   - --procs 2 against a crane regbench launches: merged results, and after
#     a SIGINT, or the parent killed with SIGKILL, no shard or registry
#     process is left;
#   - procs: 2 in a suite; a bad procs: value is FILE:LINE:COL.
# About 40 s.
source "$(dirname "$0")/lib.sh"

MIXED=(--set rate=40 --set duration=3s --set images=6 --set max_size=200KB --set max_vus=400
       --set fresh_after=60s --set seed=11)

# ---- the same work, unsharded and as 4 shards ------------------------------------
start_crane one
start_crane four
run_rb 0 run "$RB_SRC/scenarios/mixed.lua" "${MIXED[@]}" --target "$one_URL" --run-id one-run \
  --repo-prefix auto --out "$WORK/one" --quiet
pids=()
for i in 0 1 2 3; do
  "$REGBENCH" run "$RB_SRC/scenarios/mixed.lua" "${MIXED[@]}" --target "$four_URL" --run-id four-run \
    --repo-prefix auto --shard "$i/4" --out "$WORK/s$i" --op-log "$WORK/ops$i.csv" --barrier-timeout 60s \
    --quiet >"$WORK/s$i.txt" 2>&1 &
  pids+=($!)
done
for i in 0 1 2 3; do
  rc=0; wait "${pids[$i]}" || rc=$?
  [ "$rc" = 0 ] || { cat "$WORK/s$i.txt"; fail "shard $i exited $rc"; }
  no_sanitizer_report "$WORK/s$i.txt"
done
expect_eq "shard identity" "$(json "$WORK/s2/results.json" "(r['shard']['index'], r['shard']['count'], r['shard']['run_id'], len(r['shard']['barriers']))")" \
  "(2, 4, 'four-run', 3)"
expect_eq "the setup phase ran on shard 0 only" \
  "$(json "$WORK/s1/results.json" "(r['phases'][0]['name'], r['phases'][0]['ops'], r['phases'][0].get('ran_here'), r['phases'][1].get('ran_here', True))")" \
  "('populate', 0, False, True)"
run_rb 0 merge "$WORK/s0" "$WORK/s1" "$WORK/s2" "$WORK/s3" --out "$WORK/merged"
# every operation kind, nested ones included, the same count
python3 - "$WORK/one/results.json" "$WORK/merged/results.json" <<'EOF' || fail "sharded and unsharded runs did different work"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def counts(d):
    return {(p['name'], k): v['ops'] for p in d['phases'] for k, v in p['by_op'].items()}
ca, cb = counts(a), counts(b)
if ca != cb:
    for k in sorted(set(ca) | set(cb)):
        if ca.get(k) != cb.get(k): print("differs:", k, ca.get(k), cb.get(k))
    sys.exit(1)
assert sum(p['ops'] for p in a['phases']) == sum(p['ops'] for p in b['phases']) > 50
print("same work:", len(ca), "operation kinds")
EOF
# the union of the shards' repositories is the unsharded run's (barriers aside)
curl -s --max-time 10 "$one_URL/v2/_catalog?n=10000" >"$WORK/cat_one.json"
curl -s --max-time 10 "$four_URL/v2/_catalog?n=10000" >"$WORK/cat_four.json"
python3 - "$WORK/cat_one.json" "$WORK/cat_four.json" <<'EOF' || fail "the shards made other repositories than one run"
import json, sys
one = {r.split('/', 1)[1] for r in json.load(open(sys.argv[1]))['repositories'] if r.startswith('rb-one-run/')}
four = {r.split('/', 1)[1] for r in json.load(open(sys.argv[2]))['repositories'] if r.startswith('rb-four-run/')}
print(len(one), "repositories each")
sys.exit(0 if one == four and len(one) > 6 else 1)
EOF

# ---- merged percentiles are those of the union of the operation logs --------------
python3 - "$WORK/merged/results.json" "$WORK"/ops[0-3].csv <<'EOF' || fail "merged percentiles differ from the operation logs'"
import csv, json, math, sys
doc = json.load(open(sys.argv[1]))
lat = {}
for path in sys.argv[2:]:
    for row in csv.DictReader(open(path)):
        lat.setdefault((row['phase'], row['op']), []).append(int(row['latency_us']))
checked = 0
for p in doc['phases']:
    for op, st in p['by_op'].items():
        xs = sorted(lat.get((p['name'], op), []))
        assert len(xs) == st['ops'], (p['name'], op, len(xs), st['ops'])
        if len(xs) < 20: continue
        for q, key in ((50, 'p50'), (90, 'p90'), (99, 'p99'), (99.9, 'p999')):
            want = xs[max(1, math.ceil(q / 100 * len(xs))) - 1] / 1000.0
            got = st['latency_ms'][key]
            assert abs(got - want) <= max(want * 0.0005, 0.0011), (p['name'], op, key, got, want)
            checked += 1
print(checked, "percentiles equal to the op logs'")
assert checked >= 8
EOF

# ---- a shard that never comes ----------------------------------------------------
start_crane bar
PH=(run "$RB_SRC/tests/scenarios/phases.lua" --target "$bar_URL" --barrier-timeout 2s --quiet)
start=$(date +%s)
run_rb 1 "${PH[@]}" --run-id lonely --shard 0/2 --out "$WORK/lonely0"
[ $(( $(date +%s) - start )) -lt 15 ] || fail "the lonely shard took too long to give up"
expect_grep "$WORK/err.txt" "barrier before phase 1 \(p1\) start: shard 1 of 2 did not arrive within 2 s"
run_rb 1 merge "$WORK/lonely0" --out "$WORK/lonely-merged"
expect_grep "$WORK/err.txt" "shard 1 of 2"

# a shard killed before the last phase: the other fails at that barrier, merge names it
"$REGBENCH" "${PH[@]}" --run-id killed --shard 1/2 --out "$WORK/k1" --set stall_shard=1 --set stall=60s \
  >"$WORK/k1.txt" 2>&1 &
k1=$!
"$REGBENCH" "${PH[@]}" --run-id killed --shard 0/2 --out "$WORK/k0" --set stall_shard=1 --set stall=60s \
  >"$WORK/k0.txt" 2>&1 &
k0=$!
for _ in $(seq 1 100); do grep -q '"p4"' "$WORK/k1/results.json" 2>/dev/null && break; sleep 0.1; done
kill -9 "$k1"; wait "$k1" 2>/dev/null || true
rc=0; wait "$k0" || rc=$?
expect_eq "the shard left waiting" "$rc" 1
expect_grep "$WORK/k0.txt" "barrier before phase 5 \(p5\) start: shard 1 of 2 did not arrive"
run_rb 1 merge "$WORK/k0" "$WORK/k1" --out "$WORK/k-merged"
expect_grep "$WORK/err.txt" "shard 1"
run_rb 0 merge "$WORK/k0" "$WORK/k1" --out "$WORK/k-partial" --allow-partial --quiet
expect_eq "partial merge" "$(json "$WORK/k-partial/results.json" "r['partial']")" True

# ---- clock skew: one shard's clock 250 ms ahead ---------------------------------
"$REGBENCH" "${PH[@]}" --run-id skew --shard 0/2 --out "$WORK/c0" >"$WORK/c0.txt" 2>&1 &
c0=$!
REGBENCH_TEST_CLOCK_OFFSET_MS=250 "$REGBENCH" "${PH[@]}" --run-id skew --shard 1/2 --out "$WORK/c1" \
  >"$WORK/c1.txt" 2>&1 || { cat "$WORK/c1.txt"; fail "skewed shard failed"; }
wait "$c0" || { cat "$WORK/c0.txt"; fail "shard 0 of the skew run failed"; }
run_rb 0 merge "$WORK/c0" "$WORK/c1" --out "$WORK/c-merged" --quiet
expect_eq "estimated offset of shard 1 (ms, within 10 of 250)" \
  "$(json "$WORK/c-merged/results.json" "abs(r['clock']['offsets_ms'][1] - 250) <= 10 and abs(r['clock']['offsets_ms'][0]) <= 10")" True

# ---- --procs 2 against a crane regbench launches ------------------------------------
run_rb 0 run "$RB_SRC/scenarios/bulk.lua" --procs 2 --set images=6 --set sizes=100KB --out "$WORK/procs" --quiet
expect_eq "procs: merged" "$(json "$WORK/procs/results.json" "(len(r['shards']), [p['ops'] for p in r['phases']], r['registry']['kind'], all(s['client_rss_peak_bytes'] > 0 and s['client_cpu_s'] > 0 for s in r['shards']))")" \
  "(2, [6, 6], 'crane', True)"
registry_gone "$WORK/procs/results.json"

# procs: in a suite: the run is merged into the suite's own outputs
mkdir -p "$WORK/suite"
cat >"$WORK/suite/procs.yaml" <<EOF
name: procs
registries:
  - {name: crane-memory, kind: crane, storage: memory}
scenarios:
  - name: bulk
    file: $RB_SRC/scenarios/bulk.lua
    params: {images: 4, sizes: "100KB", layers: 1}
    procs: 2
EOF
run_rb 0 suite "$WORK/suite/procs.yaml" --out "$WORK/suite/out" --quiet
expect_eq "suite procs: 2" "$(json "$WORK/suite/out/results.json" "(r['runs'][0]['status'], [p['ops'] for p in r['runs'][0]['phases']])")" \
  "('ok', [4, 4])"
expect_eq "suite run merged from 2 shards" \
  "$(json "$WORK/suite/out/$(json "$WORK/suite/out/results.json" "r['runs'][0]['dir']")/results.json" "len(r['shards'])")" 2
sed -i 's/procs: 2/procs: 0/' "$WORK/suite/procs.yaml"
run_rb 2 suite "$WORK/suite/procs.yaml" --out "$WORK/suite/bad" --quiet
expect_grep "$WORK/err.txt" "procs.yaml:8:12: 'procs' must be an integer 1..1024 or auto, not '0'"

# SIGINT: the shards stop, results are merged as interrupted, nothing is left running
"$REGBENCH" run "$RB_SRC/scenarios/mixed.lua" --procs 2 --set rate=20 --set duration=60s --set images=3 \
  --set max_size=100KB --out "$WORK/procs-int" --quiet >"$WORK/pi.txt" 2>&1 &
pp=$!
for _ in $(seq 1 200); do grep -q '"mixed"' "$WORK/procs-int/shards/shard-1/results.json" 2>/dev/null && break; sleep 0.1; done
kill -INT "$pp"
rc=0; wait "$pp" || rc=$?
expect_eq "procs: interrupted" "$rc" 130
sleep 0.5
left=$(pgrep -f -- "--out=$WORK/procs-int/shards" || true)
[ -z "$left" ] || fail "shard processes left after SIGINT: $left"
registry_gone "$WORK/procs-int/results.json"
# the parent killed outright (SIGKILL): its shards and the registry it launched go with it
"$REGBENCH" run "$RB_SRC/scenarios/mixed.lua" --procs 2 --set rate=20 --set duration=60s --set images=3 \
  --set max_size=100KB --out "$WORK/procs-kill" --quiet >"$WORK/pk.txt" 2>&1 &
pk=$!
for _ in $(seq 1 200); do grep -q '"mixed"' "$WORK/procs-kill/shards/shard-1/results.json" 2>/dev/null && break; sleep 0.1; done
kill -KILL "$pk"; wait "$pk" 2>/dev/null || true
for _ in $(seq 1 100); do
  [ -z "$(pgrep -f -- "--out=$WORK/procs-kill/shards" || true)" ] && break
  sleep 0.1
done
left=$(pgrep -f -- "--out=$WORK/procs-kill/shards" || true)
[ -z "$left" ] || fail "shard processes left after the parent was killed: $left"
registry_gone "$WORK/procs-kill/shards/shard-0/results.json"
echo "test_shards: ok"
