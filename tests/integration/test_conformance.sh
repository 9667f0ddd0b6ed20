# The OCI distribution-spec conformance suite beside speed: `regbench
# conformance` against crane and distribution 3 launched on loopback really
# runs the suite (setup builds it as regbench-conformance from
# tools/conformance) and records its counts in conformance.json; a suite with
# `conformance: true` on crane records them in results.json, summary.md and
# report.html, and its thresholds see them (conformance.fail == 0 fails on
# crane: exit 99); suites/quick.yaml with `--conformance crane-memory,dist3-disk`
# records both registries' counts beside its speed runs; a relative --out works; credentials reach the suite and
# are written nowhere. "unavailable" fails this test: a missing suite binary is
# an error here, not a skip. Only the deliberate case below (a program that
# does not exist) must come out unavailable, with the reason.
#
# Counts observed with conformance v0.0.0-20260831232431-97274622c111
# (2026-12-06): crane v0.22.1 566 pass, 437 fail, 10 skip, 2 disabled of 1015;
# distribution v3.0.0 738 pass, 94 fail, 16 skip, 2 disabled of 850. The
# suite generates its tests from what the registry supports, so the total
# differs per registry; the checks below allow for drift but not for an
# empty run.
source "$(dirname "$0")/lib.sh"

conf=${REGBENCH_CONFORMANCE:-$(command -v regbench-conformance || echo /usr/local/bin/regbench-conformance)}
[ -x "$conf" ] || fail "conformance suite not found ($conf): run scripts/setup.sh"

# check_ran FILE MIN_TOTAL: FILE's conformance object ran, with pass > 0,
# total >= MIN_TOTAL, counts that add up and a per-test list.
check_ran() {
  local f=$1 min=$2
  expect_eq "$f status (reason: $(json "$f" "r.get('reason', '')"))" "$(json "$f" "r['status']")" ran
  expect_eq "$f pass > 0" "$(json "$f" "r['pass'] > 0")" True
  expect_eq "$f total >= $min" "$(json "$f" "r['total'] >= $min")" True
  expect_eq "$f counts add up" "$(json "$f" "r['pass'] + r['fail'] + r['skip'] + r['disabled'] == r['total']")" True
  expect_eq "$f per-test list" "$(json "$f" "len(r['tests']) == r['cases'] and r['cases'] > 100")" True
  expect_eq "$f test statuses" "$(json "$f" "sorted(set(t['status'] for t in r['tests'])) <= ['fail', 'pass', 'skip']")" True
  expect_eq "$f passed tests listed" "$(json "$f" "sum(t['status'] == 'pass' for t in r['tests']) > 0")" True
}

# crane: the whole suite, on loopback (1015 tests observed)
run_rb 0 conformance --registry crane --out "$WORK/crane"
c="$WORK/crane/conformance.json"
check_ran "$c" 1000
expect_eq "crane registry" "$(json "$c" "r['registry']")" crane
expect_eq "crane on loopback" "$(json "$c" "r['url'].startswith('http://127.0.0.1:')")" True
expect_eq "crane version" "$(json "$c" "r['version'].startswith('crane')")" True
[ -s "$WORK/crane/conformance/junit.xml" ] || fail "no junit.xml in $WORK/crane/conformance"
expect_grep "$WORK/out.txt" "^OCI conformance of crane: [1-9][0-9]* passed, [0-9]+ failed, [0-9]+ skipped, [0-9]+ disabled of [0-9]+$"
expect_grep "$WORK/err.txt" "^regbench: conformance: crane: [1-9][0-9]* of [0-9]+ passed"
echo "crane: $(json "$c" "'%d pass, %d fail, %d skip, %d disabled of %d' % (r['pass'], r['fail'], r['skip'], r['disabled'], r['total'])")"

# distribution 3 (850 tests observed: it supports fewer optional APIs than crane claims)
run_rb 0 conformance --registry distribution3 --storage disk --out "$WORK/d3" --quiet
d="$WORK/d3/conformance.json"
check_ran "$d" 800
expect_eq "distribution3 version" "$(json "$d" "'v3.' in r['version']")" True
echo "distribution3: $(json "$d" "'%d pass, %d fail, %d skip, %d disabled of %d' % (r['pass'], r['fail'], r['skip'], r['disabled'], r['total'])")"

# a suite with conformance on crane: results.json, summary.md, report.html, thresholds
run_rb 99 suite "$RB_SRC/tests/suites/conformance.yaml" --out "$WORK/suite" --quiet
r="$WORK/suite/results.json"
expect_eq "suite conformance ran (reason: $(json "$r" "r['registries'][0]['conformance'].get('reason', '')"))" \
  "$(json "$r" "r['registries'][0]['conformance']['status']")" ran
expect_eq "suite conformance pass > 0" "$(json "$r" "r['registries'][0]['conformance']['pass'] > 0")" True
expect_eq "suite conformance total" "$(json "$r" "r['registries'][0]['conformance']['total'] >= 1000")" True
expect_eq "suite conformance dir" "$(json "$r" "r['registries'][0]['conformance']['dir']")" conformance/crane
[ -s "$WORK/suite/conformance/crane/conformance.json" ] || fail "no conformance/crane/conformance.json"
expect_eq "speed run ok" "$(json "$r" "r['runs'][0]['status']")" ok
expect_eq "thresholds" "$(json "$r" "[t['passed'] for t in r['thresholds']]")" "[True, False]"
expect_eq "fail threshold names crane" "$(json "$r" "r['thresholds'][1]['failures'][0].startswith('crane: conformance.fail = ')")" True
pass=$(json "$r" "r['registries'][0]['conformance']['pass']")
expect_grep "$WORK/suite/summary.md" "^## Conformance$"
expect_grep "$WORK/suite/summary.md" "^\| crane \| $pass \| [0-9]+ \| [0-9]+ \| [0-9]+ \| [0-9]+ \| .*sha256 blobs \([0-9]+/[0-9]+\)"
expect_grep "$WORK/suite/report.html" "<section id=\"conformance\">"
expect_grep "$WORK/suite/report.html" "<td>crane</td><td class=\"n\">$pass</td>"

# the quick suite as shipped, with the step turned on for crane and distribution 3 from the command
# line: both ran, with counts, in results.json and summary.md; the others did not run it
run_rb 0 suite "$RB_SRC/suites/quick.yaml" --only single --conformance crane-memory,dist3-disk --out "$WORK/quick" --quiet
r="$WORK/quick/results.json"
for reg in crane-memory:1000 dist3-disk:800; do
  name=${reg%:*}
  check_ran "$WORK/quick/conformance/$name/conformance.json" "${reg#*:}"
  sel="[g for g in r['registries'] if g['name'] == '$name'][0]['conformance']"
  expect_eq "quick: $name conformance ran" "$(json "$r" "$sel['status']")" ran
  counts=$(json "$r" "'%d | %d | %d | %d | %d' % tuple($sel[k] for k in ('pass', 'fail', 'skip', 'disabled', 'total'))")
  expect_eq "quick: $name counts as in its conformance.json" "$counts" \
    "$(json "$WORK/quick/conformance/$name/conformance.json" "'%d | %d | %d | %d | %d' % tuple(r[k] for k in ('pass', 'fail', 'skip', 'disabled', 'total'))")"
  expect_grep "$WORK/quick/summary.md" "^\| $name \| $counts \|"
done
expect_eq "quick: only those two ran it" "$(json "$r" "sorted(g['name'] for g in r['registries'] if g['conformance'])")" \
  "['crane-memory', 'dist3-disk']"
expect_eq "quick: speed runs ok" "$(json "$r" "[(x['registry'], x['status']) for x in r['runs']]")" \
  "[('crane-memory', 'ok'), ('dist3-disk', 'ok')]"
run_rb 2 suite "$RB_SRC/suites/quick.yaml" --conformance crane-memory,nope --out "$WORK/quick-bad" --quiet
expect_grep "$WORK/err.txt" "^regbench: --conformance: no registry 'nope' in .*quick.yaml"

# a relative --out: the suite runs in its results directory, so it must get absolute paths
(cd "$WORK" && run_rb 0 conformance --registry crane --out rel/crane --quiet)
check_ran "$WORK/rel/crane/conformance.json" 1000
[ -s "$WORK/rel/crane/conformance/junit.xml" ] || fail "relative --out: no junit.xml in $WORK/rel/crane/conformance"

# credentials: distribution 3 with htpasswd gets REGBENCH_USERNAME/REGBENCH_PASSWORD as
# OCI_USERNAME/OCI_PASSWORD (it passes as many tests as without auth); the password is written nowhere
htpasswd -Bbc "$WORK/htpasswd" bench 'conf-Secret-42' 2>/dev/null
cat >"$WORK/auth.yaml" <<EOF
name: conformance-auth
registries:
  - {name: d3auth, kind: distribution3, htpasswd: $WORK/htpasswd, conformance: true}
scenarios:
  - {name: single, file: $RB_SRC/scenarios/single.lua, params: {sizes: "100KB", levels: "1"}}
EOF
REGBENCH_USERNAME=bench REGBENCH_PASSWORD='conf-Secret-42' run_rb 0 suite "$WORK/auth.yaml" --out "$WORK/auth" --quiet
r="$WORK/auth/results.json"
expect_eq "auth: conformance ran" "$(json "$r" "r['registries'][0]['conformance']['status']")" ran
expect_eq "auth: as many passes as without auth" \
  "$(json "$r" "r['registries'][0]['conformance']['pass']")" "$(json "$d" "r['pass']")"
! grep -rq 'conf-Secret-42' "$WORK/auth" "$WORK/out.txt" "$WORK/err.txt" || fail "the password was written under $WORK/auth"

# the deliberate unavailable case: marked with the reason, never skipped silently
REGBENCH_CONFORMANCE=$WORK/no-such-program run_rb 1 conformance --registry crane --out "$WORK/missing"
expect_eq "missing program: unavailable" "$(json "$WORK/missing/conformance.json" "r['status']")" unavailable
expect_grep "$WORK/err.txt" "^regbench: conformance: unavailable: REGBENCH_CONFORMANCE=.* is not an executable file"
REGBENCH_CONFORMANCE=$WORK/no-such-program run_rb 99 suite "$RB_SRC/tests/suites/conformance.yaml" --out "$WORK/suite-missing" --quiet
r="$WORK/suite-missing/results.json"
expect_eq "suite: unavailable" "$(json "$r" "r['registries'][0]['conformance']['status']")" unavailable
expect_grep "$WORK/err.txt" "^regbench: conformance crane: unavailable: REGBENCH_CONFORMANCE="
expect_eq "suite: both thresholds fail" "$(json "$r" "[t['passed'] for t in r['thresholds']]")" "[False, False]"
expect_grep "$WORK/suite-missing/summary.md" "^\| crane \| - \| - \| - \| - \| - \| \*\*unavailable\*\*: REGBENCH_CONFORMANCE="

# the bound in time: a suite that hangs is killed at --timeout and the step is unavailable
printf '#!/bin/sh\nsleep 60\n' >"$WORK/hang.sh"
chmod +x "$WORK/hang.sh"
t0=$(date +%s)
REGBENCH_CONFORMANCE=$WORK/hang.sh run_rb 1 conformance --registry crane --timeout 2s --out "$WORK/hang"
[ $(( $(date +%s) - t0 )) -lt 20 ] || fail "--timeout 2s took $(( $(date +%s) - t0 )) s"
expect_grep "$WORK/err.txt" "unavailable: the suite did not finish within 2 s and was killed"

# bad input: exit 2 naming the mistake
run_rb 2 conformance --registry nope
expect_grep "$WORK/err.txt" "--registry: \"nope\" is not accepted"
run_rb 2 conformance --registry crane --target http://127.0.0.1:1
expect_grep "$WORK/err.txt" "give one or the other"
run_rb 3 conformance --target http://127.0.0.1:1 --out "$WORK/unreachable"

echo "test_conformance: ok"
