# The README's main command runs to the end: scripts/main.sh sets up, builds
# (here into a build directory of the test's own, so it does not rebuild the
# tree under the running tests) and runs the default suite, which must pass
# its thresholds and write its summary.
source "$(dirname "$0")/lib.sh"

rc=0
BUILD_DIR="$WORK/build" bash "$RB_SRC/scripts/main.sh" --out "$WORK/main" --quiet >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
[ "$rc" = 0 ] || { tail -n 40 "$WORK/err.txt"; tail -n 20 "$WORK/out.txt"; fail "scripts/main.sh exited $rc"; }
r="$WORK/main/results.json"
expect_eq "suite" "$(json "$r" "r['suite']['name']")" default
expect_eq "status" "$(json "$r" "r['status']")" ok
expect_eq "every scenario ran" "$(json "$r" "sorted(set(x['scenario'] for x in r['runs']))")" \
  "['bulk', 'cache', 'concurrent', 'dedup', 'mixed', 'single']"
expect_eq "thresholds" "$(json "$r" "all(t['passed'] for t in r['thresholds'])")" True
[ -s "$WORK/main/summary.md" ] || fail "no summary.md"
echo "test_main_command: ok"
