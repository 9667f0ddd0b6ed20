# A registry regbench did not launch (--target): one that cannot be reached
# ends the run (or a suite naming it, before its first run) in one line with
# exit 3 and no output directory; a second
# run against a registry that kept the first run's data warns that its
# uploads were mostly skipped (in the output and results.json); fresh
# content, or on distribution (blobs kept per repository) --repo-prefix
# auto (each run writes under rb-<run id>/), make the warning go away; the
# run ID is recorded.
source "$(dirname "$0")/lib.sh"

# unreachable: one line, exit 3, nothing written
run_rb 3 run "$RB_SRC/scenarios/bulk.lua" --target http://127.0.0.1:1 --out "$WORK/unreachable" --set images=2
expect_eq "one line on stderr" "$(wc -l <"$WORK/err.txt")" 1
expect_grep "$WORK/err.txt" "^regbench: cannot reach http://127.0.0.1:1: connection refused$"
[ ! -e "$WORK/unreachable" ] || fail "a run that never started left $WORK/unreachable"
# the same in a suite, before any run starts: the registry's file:line, exit 3
cat >"$WORK/unreachable.yaml" <<EOF
name: unreachable
registries:
  - {name: here, kind: crane}
  - name: gone
    kind: external
    url: http://127.0.0.1:1
scenarios:
  - {name: bulk, file: $RB_SRC/scenarios/bulk.lua, params: {images: 1}}
EOF
run_rb 3 suite "$WORK/unreachable.yaml" --out "$WORK/unreachable-suite"
expect_grep "$WORK/err.txt" "^regbench: .*unreachable.yaml:4: registry 'gone': cannot reach http://127.0.0.1:1: connection refused$"
[ ! -e "$WORK/unreachable-suite" ] || fail "a suite that never started left $WORK/unreachable-suite"

start_crane keep
bulk=(run "$RB_SRC/scenarios/bulk.lua" --target "$keep_URL" --set images=3 --set sizes=200KB)
run_rb 0 "${bulk[@]}" --out "$WORK/first"
expect_eq "first run: no warning" "$(json "$WORK/first/results.json" "r['warnings']")" "[]"
expect_eq "run id recorded" "$(json "$WORK/first/results.json" "len(r['run_id']) > 10 and r['repo_prefix'] == ''")" True

# the same images again: the registry has every blob already
run_rb 0 "${bulk[@]}" --out "$WORK/second"
expect_grep "$WORK/err.txt" "warning: phase \"push\": 12 of 12 blob uploads were skipped"
expect_grep "$WORK/err.txt" "^regbench: PASS: .*, 1 warning \(results.json\)"
expect_eq "leftover warning in results.json" \
  "$(json "$WORK/second/results.json" "any('leftover data' in w for w in r['warnings'])")" True
expect_eq "counted as pre-existing" \
  "$(json "$WORK/second/results.json" "r['phases'][0]['counters'].get('blobs_preexisting', 0)")" 12

# fresh content (another seed) measures again
run_rb 0 "${bulk[@]}" --out "$WORK/fresh" --set seed=99
expect_eq "fresh content: no warning" "$(json "$WORK/fresh/results.json" "r['warnings']")" "[]"

# a prefix per run, on a registry that keeps blobs per repository (distribution):
# fresh repositories, no warning, the prefix in the registry's catalog
start_distribution perrepo "$WORK/dist-storage"
dist=(run "$RB_SRC/scenarios/bulk.lua" --target "$perrepo_URL" --set images=3 --set sizes=200KB)
run_rb 0 "${dist[@]}" --out "$WORK/d1"
run_rb 0 "${dist[@]}" --out "$WORK/d2"
expect_grep "$WORK/err.txt" "12 of 12 blob uploads were skipped"
run_rb 0 "${dist[@]}" --out "$WORK/d3" --repo-prefix auto --run-id test-run-3
expect_eq "prefixed run: no warning" "$(json "$WORK/d3/results.json" "r['warnings']")" "[]"
expect_eq "prefix recorded" "$(json "$WORK/d3/results.json" "(r['run_id'], r['repo_prefix'])")" \
  "('test-run-3', 'rb-test-run-3/')"
curl -s "$perrepo_URL/v2/_catalog" >"$WORK/catalog.json"
expect_grep "$WORK/catalog.json" "rb-test-run-3/bulk/img1"
run_rb 2 "${bulk[@]}" --out "$WORK/bad" --repo-prefix "Bad Prefix"
expect_grep "$WORK/err.txt" "bad --repo-prefix 'Bad Prefix'"
echo "test_target: ok"
