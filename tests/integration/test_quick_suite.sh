# suites/quick.yaml, as shipped: every scenario at small scale (crane with
# memory storage; distribution 2.8 as a pull-through cache of crane for
# `cache`) runs ok, passes its thresholds, writes every output, and takes
# under 3 minutes.
source "$(dirname "$0")/lib.sh"

start=$(date +%s)
run_rb 0 suite "$RB_SRC/suites/quick.yaml" --out "$WORK/quick" --quiet
elapsed=$(($(date +%s) - start))
r="$WORK/quick/results.json"
expect_eq "suite" "$(json "$r" "r['suite']['name']")" quick
expect_eq "status" "$(json "$r" "r['status']")" ok
expect_eq "every run ok" "$(json "$r" "sorted(set(x['status'] for x in r['runs']))")" "['ok']"
expect_eq "every scenario ran" "$(json "$r" "sorted(set(x['scenario'] for x in r['runs']))")" \
  "['bulk', 'cache', 'concurrent', 'dedup', 'mixed', 'single']"
expect_eq "registries" "$(json "$r" "sorted(set(x['registry'] for x in r['runs']))")" "['crane-memory', 'dist-cache']"
expect_eq "thresholds" "$(json "$r" "all(t['passed'] for t in r['thresholds'])")" True
for f in results.json summary.md summary.csv timeseries.csv bench.txt report.html; do
  [ -s "$WORK/quick/$f" ] || fail "$f missing or empty"
done
for d in $(json "$r" "' '.join(x['dir'] for x in r['runs'])"); do
  for f in results.json registry.log; do [ -s "$WORK/quick/$d/$f" ] || fail "run directory $d has no $f"; done
  registry_gone "$WORK/quick/$d/results.json"
done
[ "$elapsed" -lt 180 ] || fail "quick suite took ${elapsed}s, more than 3 minutes"
echo "test_quick_suite: ok (${elapsed}s)"
