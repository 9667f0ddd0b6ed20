# Checks and thresholds of `regbench run`, against a crane registry it
# launches: rb.check records a rate per check under `checks`; thresholds from
# rb.threshold and --threshold name built-in operations, custom metrics and
# checks; a failed threshold exits 99 with every result written; a name that
# nothing records exits 2 before anything starts, naming where it was
# declared; a suite lists a scenario's own thresholds with the run they
# belong to. About 10 s.
source "$(dirname "$0")/lib.sh"

# ---- the docs example: every threshold passes, checks recorded per check ------
out="$WORK/ok"
run_rb 0 run "$RB_SRC/docs/examples/checks.lua" --out "$out"
r="$out/results.json"
expect_eq "example thresholds" "$(json "$r" "[(t['expr'], t['passed']) for t in r['thresholds']]")" \
  "[('checks{check=answers 200}.rate == 1', True), ('checks.rate > 0.95', True), ('ping_ms.p95 < 1000', True), ('ping.p99 < 2s', True)]"
expect_eq "a series per check" \
  "$(json "$r" "sorted((k, m['passes'], m['fails']) for k, m in r['metrics'].items() if k.startswith('checks'))")" \
  "[('checks{check=answers 200}', 40, 0), ('checks{check=is even}', 1, 0), ('checks{check=odd}', 0, 1), ('checks{check=says it is a registry}', 40, 0)]"
expect_grep "$WORK/out.txt" "^threshold checks.rate > 0.95 passed$"
expect_grep "$WORK/err.txt" "^regbench: PASS: 1 phase, 40 operations, 0 errors, thresholds 4 of 4 passed$"

# ---- --threshold (both spellings) that fails: exit 99, results all written ----
out="$WORK/fail"
run_rb 99 run "$RB_SRC/docs/examples/checks.lua" --out "$out" --quiet \
  --threshold 'ping.p50 < 0.001ms' --threshold='checks{check=odd}.rate == 1'
r="$out/results.json"
expect_eq "failed run status" "$(json "$r" "(r['status'], r['exit_code'])")" "('ok', 99)"
expect_eq "failed thresholds" "$(json "$r" "[t['passed'] for t in r['thresholds']]")" "[False, False, True, True, True, True]"
expect_eq "what failed it" "$(json "$r" "r['thresholds'][1]['failures']")" "['checks{check=odd}.rate = 0']"
expect_grep "$WORK/err.txt" "^regbench: FAIL: 1 phase, 40 operations, 0 errors, thresholds 4 of 6 passed$"
[ "$(wc -l <"$WORK/err.txt")" -le 2 ] || { cat "$WORK/err.txt"; fail "--quiet printed more than the verdict"; }
for f in report.html metrics.csv events.jsonl; do [ -s "$out/$f" ] || fail "failed thresholds: no $f"; done
grep -q 'thresholds failed' "$out/report.html" || fail "report.html does not say the thresholds failed"

# ---- names nothing records: exit 2 before the registry starts, nothing written --
out="$WORK/unknown"
run_rb 2 run "$RB_SRC/docs/examples/checks.lua" --out "$out" --threshold 'pnig.p95 < 1s'
expect_grep "$WORK/err.txt" "^regbench: --threshold: bad threshold: unknown metric 'pnig' in 'pnig.p95 < 1s'"
[ ! -e "$out" ] || fail "a run refused for its thresholds left $out"
cat >"$WORK/late.lua" <<'EOF'
local rb = require "regbench"
local n = rb.metrics.counter("pushed")
rb.threshold("pushed.value > 0")
rb.threshold("pushed.p95 < 1")
rb.registry.target()
EOF
run_rb 2 run "$WORK/late.lua" --out "$out"
expect_grep "$WORK/err.txt" "late.lua:4: bad threshold: counter 'pushed' has no statistic 'p95'"
[ ! -e "$out" ] || fail "a run refused for its thresholds left $out"
# an expression that does not parse is an error in the scenario (exit 1)
printf 'local rb = require "regbench"\nrb.threshold("push.p95 <")\n' >"$WORK/bad.lua"
run_rb 1 run "$WORK/bad.lua" --out "$WORK/bad"
expect_grep "$WORK/err.txt" "bad.lua:2: rb.threshold: "

# ---- a suite: the scenario's thresholds are checked per run and listed --------
cat >"$WORK/suite.yaml" <<EOF
name: checks
registries:
  - {name: crane, kind: crane}
scenarios:
  - {name: checks, file: $RB_SRC/docs/examples/checks.lua}
thresholds:
  - "errors == 0"
EOF
run_rb 0 suite "$WORK/suite.yaml" --out "$WORK/suite" --quiet
expect_eq "suite thresholds" \
  "$(json "$WORK/suite/results.json" "[(t['expr'], t.get('run'), t['passed']) for t in r['thresholds']][:3]")" \
  "[('errors == 0', None, True), ('checks{check=answers 200}.rate == 1', 'crane/checks rep 1', True), ('checks.rate > 0.95', 'crane/checks rep 1', True)]"
expect_grep "$WORK/suite/summary.md" "checks\{check=answers 200\}"
echo "test_checks: ok"
