# regbench suite end to end: every scenario at tiny scale on crane (memory,
# disk) and distribution (filesystem, pull-through cache); the suite's files
# (results.json, summary.md, summary.csv, timeseries.csv, bench.txt, one
# directory per run); benchstat reads bench.txt; compare of a result with
# itself finds no regression; a failing threshold exits 99; a bad suite
# file exits 2 with file:line:col.
source "$(dirname "$0")/lib.sh"

run_rb 0 suite "$RB_SRC/tests/suites/tiny.yaml" --out "$WORK/tiny" --quiet
r="$WORK/tiny/results.json"
expect_eq "schema" "$(json "$r" "r['schema']")" "regbench/suite/v1"
# 3 registries x (2 single + 4 others) + 1 cache = 19 runs
expect_eq "runs" "$(json "$r" "len(r['runs'])")" 19
expect_eq "all ok" "$(json "$r" "sorted(set(x['status'] for x in r['runs']))")" "['ok']"
expect_eq "every scenario on every registry" \
  "$(json "$r" "len(set((x['registry'], x['scenario']) for x in r['runs'] if x['scenario'] != 'cache'))")" 15
expect_eq "registry versions" "$(json "$r" "all(g['version'] for g in r['registries'])")" True
expect_eq "thresholds passed" "$(json "$r" "[t['passed'] for t in r['thresholds']]")" "[True, True, True]"
for f in summary.md summary.csv timeseries.csv bench.txt; do [ -s "$WORK/tiny/$f" ] || fail "$f missing or empty"; done
for d in $(json "$r" "' '.join(x['dir'] for x in r['runs'])"); do
  [ -s "$WORK/tiny/$d/results.json" ] || fail "run directory $d has no results.json"
done
expect_grep "$WORK/tiny/summary.md" "^## Registries side by side"
expect_grep "$WORK/tiny/summary.md" "^## Scenario concurrent"
expect_grep "$WORK/tiny/summary.md" "Scalability"
expect_grep "$WORK/tiny/summary.md" "Deduplication"
expect_grep "$WORK/tiny/summary.md" "Cache hit rate"
expect_grep "$WORK/tiny/summary.md" "Open-model arrivals"
rows=$(($(wc -l <"$WORK/tiny/summary.csv") - 1))
expect_eq "summary.csv rows = phases" "$rows" "$(json "$r" "sum(max(1, len(x['phases'])) for x in r['runs'])")"

benchstat "$WORK/tiny/bench.txt" >"$WORK/benchstat.txt" 2>&1 || { cat "$WORK/benchstat.txt"; fail "benchstat rejected bench.txt"; }
expect_grep "$WORK/benchstat.txt" "Single/"

run_rb 0 compare "$r" "$r"
run_rb 99 suite "$RB_SRC/tests/suites/fail-threshold.yaml" --out "$WORK/fail" --quiet
# --quiet: the verdict and where the results are, nothing else
expect_grep "$WORK/err.txt" "^regbench: FAIL: suite .*thresholds 1 of 2 passed"
expect_grep "$WORK/err.txt" "^regbench: results in $WORK/fail/"
[ "$(grep -cv '^regbench: \(FAIL\|results in\)' "$WORK/err.txt")" = 0 ] || { cat "$WORK/err.txt"; fail "--quiet printed more than the verdict"; }
[ ! -s "$WORK/out.txt" ] || { cat "$WORK/out.txt"; fail "--quiet printed on stdout"; }
run_rb 99 suite "$RB_SRC/tests/suites/fail-threshold.yaml" --out "$WORK/fail2"
expect_grep "$WORK/out.txt" "threshold push.p50 < 0.001ms FAILED"
expect_grep "$WORK/err.txt" "^regbench: \[1/1\] crane single.* rep 1/1: ok, [0-9.]+ s, [0-9]+ ops, 0 errors"
expect_eq "threshold recorded" "$(json "$WORK/fail/results.json" "[t['passed'] for t in r['thresholds']]")" "[False, True]"

printf 'name: x\nregistries:\n  - {name: c, kind: crane}\nscenarios:\n  - {name: s, file: nope.lua}\n' >"$WORK/bad.yaml"
run_rb 2 suite "$WORK/bad.yaml"
expect_grep "$WORK/err.txt" "bad.yaml:5:[0-9]+: "
echo "test_suite_run: ok"
