# The README's main command runs to the end: scripts/main.sh sets up, builds
# (here into a build directory of the test's own, so it does not rebuild the
# tree under the running tests) and runs the default suite, which must pass
# its thresholds and write its summary. The default suite compares crane
# (memory and disk), distribution 2.8 and distribution 3 (disk) on every
# scenario but cache, which runs on distribution 2.8 and 3 as pull-through
# caches; metadata (10^2 and 10^3 repositories x 10 tags) runs once on each
# of the four, the rest twice.
source "$(dirname "$0")/lib.sh"

rc=0
start=$(date +%s)
BUILD_DIR="$WORK/build" bash "$RB_SRC/scripts/main.sh" --out "$WORK/main" --quiet >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
elapsed=$(($(date +%s) - start))
[ "$rc" = 0 ] || { tail -n 40 "$WORK/err.txt"; tail -n 20 "$WORK/out.txt"; fail "scripts/main.sh exited $rc"; }
r="$WORK/main/results.json"
expect_eq "suite" "$(json "$r" "r['suite']['name']")" default
expect_eq "status" "$(json "$r" "r['status']")" ok
expect_eq "every run ok" "$(json "$r" "sorted(set(x['status'] for x in r['runs']))")" "['ok']"
expect_eq "every scenario ran" "$(json "$r" "sorted(set(x['scenario'] for x in r['runs']))")" \
  "['bulk', 'cache', 'concurrent', 'dedup', 'metadata', 'mixed', 'single']"
expect_eq "registry kinds" "$(json "$r" "sorted((g['name'], g['kind'], g['storage']) for g in r['registries'])")" \
  "[('crane-disk', 'crane', 'disk'), ('crane-memory', 'crane', 'memory'), ('dist-cache', 'distribution', 'disk'), ('dist-disk', 'distribution', 'disk'), ('dist3-cache', 'distribution3', 'disk'), ('dist3-disk', 'distribution3', 'disk')]"
pairs() { json "$r" "sorted(set(x['registry'] for x in r['runs'] if x['scenario'] == '$1'))"; }
for s in bulk concurrent mixed dedup metadata; do
  expect_eq "$s registries" "$(pairs $s)" "['crane-disk', 'crane-memory', 'dist-disk', 'dist3-disk']"
done
expect_eq "single registries" "$(pairs single)" "['crane-disk', 'dist-disk', 'dist3-disk']"
expect_eq "cache registries" "$(pairs cache)" "['dist-cache', 'dist3-cache']"
expect_eq "metadata repetitions" "$(json "$r" "sorted(set(x['repetition'] for x in r['runs'] if x['scenario'] == 'metadata'))")" "[1]"
expect_eq "metadata phases" "$(json "$r" "sorted(set(p['name'] for x in r['runs'] if x['scenario'] == 'metadata' and x['registry'] == 'dist3-disk' for p in x['phases']))")" \
  "['catalog/repos=100', 'catalog/repos=1000', 'head/repos=100', 'head/repos=1000', 'populate/repos=100', 'populate/repos=1000', 'tags/repos=100', 'tags/repos=1000']"
expect_eq "thresholds" "$(json "$r" "all(t['passed'] for t in r['thresholds'])")" True
[ -s "$WORK/main/summary.md" ] || fail "no summary.md"
echo "test_main_command: ok (${elapsed}s including setup and build; suite $(json "$r" "round(r['duration_s'])")s)"
