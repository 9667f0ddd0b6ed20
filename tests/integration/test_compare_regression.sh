# regbench compare against real registries on loopback: a registry made
# twice as slow is flagged, the same registry measured twice is not.
#
# Three crane registries, each behind tests/tools/regproxy.py with a fixed
# 50 ms delay on every request (a registry "50 ms away": an image then takes
# ~0.2-0.4 s and varies by a percent or two, not the ±20% of a bare loopback
# run) and --fresh (blobs look absent, so every repetition uploads every
# blob); the third proxy also answers 2x slower (--slowdown 2). The bundled
# bulk scenario runs as a suite of 3 repetitions (fewer than 4: every row is
# untested, so the small-sample rule decides) through each:
#   - base and same, side by side: `regbench compare` exits 0, no row
#     flagged;
#   - slow with --baseline base: the suite exits 99, and `regbench compare`
#     exits 99 with REGRESSION rows whose every sample is worse, the change
#     near +100% and its range wholly above 0.
# Then two suites against crane launched by regbench (no proxy, the real
# noise): whatever the noise, every flagged row obeys the rule (every sample
# worse, beyond the max change, above the floor), --strict flags a superset,
# and the exit code is 99 exactly when a row is flagged.
# Each suite has its own registry. About 15 s.
source "$(dirname "$0")/lib.sh"
command -v crane >/dev/null || fail "crane not found (scripts/setup.sh installs it)"

BULK="$RB_SRC/scenarios/bulk.lua"
PARAMS='{images: 3, sizes: "100KB,300KB", layers: 1}'

# suite_file NAME URL: a suite of the bulk scenario against the registry at
# URL (kind external), or launched crane when URL is "crane"; 3 repetitions.
suite_file() {
  local reg
  if [ "$2" = crane ]; then reg="{name: reg, kind: crane, storage: memory}"
  else reg="{name: reg, kind: external, url: \"$2\"}"; fi
  cat >"$WORK/$1.yaml" <<EOF
name: $1
repetitions: 3
registries:
  - $reg
scenarios:
  - name: bulk
    file: $BULK
    params: $PARAMS
EOF
}

for n in base same slow; do start_crane "c_$n"; done
start_proxy p_base "$c_base_URL" --delay 0.05 --fresh --fault-path .
start_proxy p_same "$c_same_URL" --delay 0.05 --fresh --fault-path .
start_proxy p_slow "$c_slow_URL" --delay 0.05 --slowdown 2 --fresh --fault-path .
suite_file base "$p_base_URL"
suite_file same "$p_same_URL"
suite_file slow "$p_slow_URL"

# ---- the same registry twice: not flagged ------------------------------------
# base and same run side by side, so that a change of the machine's load
# during the test falls on both
"$REGBENCH" suite "$WORK/base.yaml" --out "$WORK/base" --quiet >"$WORK/base.out" 2>&1 & pb=$!
"$REGBENCH" suite "$WORK/same.yaml" --out "$WORK/same" --quiet >"$WORK/same.out" 2>&1 & ps=$!
rc=0; wait "$pb" || rc=$?
expect_eq "suite base" "$rc" 0
rc=0; wait "$ps" || rc=$?
expect_eq "suite same" "$rc" 0
no_sanitizer_report "$WORK/base.out"
no_sanitizer_report "$WORK/same.out"
run_rb 0 compare "$WORK/base" "$WORK/same" --json "$WORK/same.json"
expect_grep "$WORK/out.txt" "untested \(n=3\+3\)"
expect_grep "$WORK/out.txt" "^no regression beyond 5%"
grep -q REGRESSION "$WORK/out.txt" && { cat "$WORK/out.txt"; fail "the same registry measured twice was flagged"; }
expect_eq "same: every row has its range" \
  "$(json "$WORK/same.json" "all(x['ci_low_pct'] <= x['ci_high_pct'] and x['ci_level'] == 0.9 for x in r['rows'])")" True

# ---- twice as slow: flagged, exit 99 ------------------------------------------
run_rb 99 suite "$WORK/slow.yaml" --out "$WORK/slow" --quiet --baseline "$WORK/base/results.json"
expect_eq "suite status with a regression" "$(json "$WORK/slow/results.json" "(r['status'], r['exit_code'])")" "('ok', 99)"
expect_eq "suite comparison: untested rows, flagged" \
  "$(json "$WORK/slow/results.json" "(r['comparison']['untested'] == len(r['comparison']['rows']) == 10, r['comparison']['regressions'] >= 4)")" "(True, True)"
# the suite's own --max-change and --strict reach its comparison: +100% is within 400%
run_rb 0 suite "$WORK/slow.yaml" --out "$WORK/slow400" --quiet --baseline "$WORK/base/results.json" --max-change=400% --strict
expect_eq "suite --max-change --strict recorded" \
  "$(json "$WORK/slow400/results.json" "(r['comparison']['threshold_pct'], r['comparison']['strict'], r['comparison']['regressions'])")" "(400.0, True, 0)"
run_rb 99 compare "$WORK/base" "$WORK/slow" --json "$WORK/slow.json"
cat "$WORK/out.txt"
expect_grep "$WORK/out.txt" "bulk/registry=reg/phase=pull +throughput_MBps .* range \[-[0-9.]+%, -[0-9.]+%\] +untested \(n=3\+3\) +REGRESSION"
expect_grep "$WORK/out.txt" "bulk/registry=reg/phase=push +p50_ms .*REGRESSION"
expect_grep "$WORK/out.txt" "^[0-9]+ regressions? beyond 5%"
# every flagged row: every sample worse, beyond 5%, above the floor; pull p50
# about twice the baseline, its range wholly above 0
expect_eq "flagged rows obey the rule" \
  "$(json "$WORK/slow.json" "all(x['all_worse'] and not x['below_floor'] and abs(x['change_pct']) > 5 for x in r['rows'] if x['regression'])")" True
expect_eq "pull p50 flagged" \
  "$(json "$WORK/slow.json" "[(x['regression'], 60 < x['change_pct'] < 160, x['ci_low_pct'] > 0) for x in r['rows'] if x['phase'] == 'pull' and x['metric'] == 'p50_ms']")" \
  "[(True, True, True)]"
expect_eq "at least 4 of 10 rows flagged" "$(json "$WORK/slow.json" "r['regressions'] >= 4 and len(r['rows']) == 10")" True
# the proxies did what they say: blobs hidden, answers slowed
curl -s --max-time 10 "$p_base_URL/__proxy/stats" >"$WORK/stats_base.json"
curl -s --max-time 10 "$p_slow_URL/__proxy/stats" >"$WORK/stats_slow.json"
expect_eq "base proxy: blobs hidden, nothing slowed" \
  "$(json "$WORK/stats_base.json" "(r['blobs_hidden'] > 0, r['faults_injected']['slowdown'])")" "(True, 0)"
expect_eq "slow proxy: every forwarded answer slowed" \
  "$(json "$WORK/stats_slow.json" "r['faults_injected']['slowdown'] == r['forwarded'] > 0")" True
# --max-change beyond the change: no regression; the --threshold alias too
run_rb 0 compare "$WORK/base" "$WORK/slow" --max-change=400%
run_rb 0 compare "$WORK/base" "$WORK/slow" --threshold 400
run_rb 2 compare "$WORK/base" "$WORK/slow" --threshold "pull.p50 < 1s"
expect_grep "$WORK/err.txt" "use --max-change 5%"

# ---- launched crane, real noise: the verdicts follow the rule -----------------
suite_file direct crane
run_rb 0 suite "$WORK/direct.yaml" --out "$WORK/d1" --quiet
run_rb 0 suite "$WORK/direct.yaml" --out "$WORK/d2" --quiet
rc=0; "$REGBENCH" compare "$WORK/d1" "$WORK/d2" --json "$WORK/d.json" >"$WORK/d.txt" 2>&1 || rc=$?
rcs=0; "$REGBENCH" compare "$WORK/d1" "$WORK/d2" --strict --json "$WORK/ds.json" >"$WORK/ds.txt" 2>&1 || rcs=$?
no_sanitizer_report "$WORK/d.txt"
cat "$WORK/d.txt"
n=$(json "$WORK/d.json" "r['regressions']")
expect_eq "direct: exit code follows the verdict" "$rc" "$([ "$n" -gt 0 ] && echo 99 || echo 0)"
expect_eq "direct: strict exit code follows its verdict" "$rcs" "$([ "$(json "$WORK/ds.json" "r['regressions']")" -gt 0 ] && echo 99 || echo 0)"
expect_eq "direct: flagged rows obey the rule" \
  "$(json "$WORK/d.json" "all(x['all_worse'] and not x['below_floor'] and abs(x['change_pct']) > 5 for x in r['rows'] if x['regression'])")" True
python3 - "$WORK/d.json" "$WORK/ds.json" <<'EOF' || fail "--strict does not flag a superset of the default verdicts"
import json, sys
d, s = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda x: (x["phase"], x["metric"])
flagged = {key(x) for x in d["rows"] if x["regression"]}
strict = {key(x) for x in s["rows"] if x["regression"]}
sys.exit(0 if flagged <= strict and s["strict"] and not d["strict"] else 1)
EOF

rm -rf "$WORK"
echo "test_compare_regression: ok"
