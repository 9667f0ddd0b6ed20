# Exit codes and what stays behind: a Lua error (1, file:line and traceback,
# results still written), a lost VU error (1), a syntax error (1), an endless
# loop (1, ended by the instruction guard), SIGINT/SIGTERM (130, results of
# the finished phases kept; two signals at once are one; a later second
# one kills, leaving what `regbench report` rebuilds), bad command lines (2), a missing registry
# program (1, says how to install), the VU cap (1). The launched registry is
# gone after every one of them.
source "$(dirname "$0")/lib.sh"

# script error
run_rb 1 run "$SCN/fail.lua" --out "$WORK/fail" --quiet
expect_grep "$WORK/err.txt" "fail.lua:9: deliberate failure"
expect_grep "$WORK/err.txt" "stack traceback"
r="$WORK/fail/results.json"
expect_eq "failed status" "$(json "$r" "r['status']")" failed
expect_eq "failed exit" "$(json "$r" "r['exit_code']")" 1
expect_eq "work ops kept" "$(json "$r" "r['phases'][0]['ops']")" 10
expect_eq "error recorded" "$(json "$r" "'deliberate failure' in r['error']")" True
registry_gone "$r"

run_rb 1 run "$SCN/unjoined.lua" --out "$WORK/unjoined" --quiet
expect_grep "$WORK/err.txt" "unjoined.lua:4: lost error in a VU"
registry_gone "$WORK/unjoined/results.json"

run_rb 1 run "$SCN/unjoined_global.lua" --out "$WORK/unjoined2" --quiet
expect_grep "$WORK/err.txt" "never joined.*kept but never joined"
expect_eq "unjoined status" "$(json "$WORK/unjoined2/results.json" "r['status']")" failed

run_rb 1 run "$SCN/endless_vu.lua" --out "$WORK/endless_vu" --quiet --yield-timeout 1s
expect_grep "$WORK/err.txt" "endless_vu.lua:4: .*without yielding"

run_rb 1 run "$SCN/syntax.lua" --out "$WORK/syntax" --quiet
expect_grep "$WORK/err.txt" "syntax.lua:2: unexpected symbol"

# endless loop, ended by the guard
start=$(date +%s)
run_rb 1 run "$SCN/endless.lua" --out "$WORK/endless" --quiet --yield-timeout 1s
expect_grep "$WORK/err.txt" "endless.lua:6: .*without yielding"
[ $(( $(date +%s) - start )) -lt 30 ] || fail "the guard took too long"
expect_eq "endless phase recorded" "$(json "$WORK/endless/results.json" "r['phases'][0]['name']")" spin
registry_gone "$WORK/endless/results.json"

# SIGINT and SIGTERM: exit 130, the finished phase stays complete
for sig in INT TERM; do
  out="$WORK/sig$sig"
  "$REGBENCH" run "$SCN/long.lua" --out "$out" --quiet >"$WORK/out.txt" 2>"$WORK/err.txt" &
  pid=$!
  for _ in $(seq 1 100); do
    [ -f "$out/results.json" ] && grep -q '"first"' "$out/results.json" && break
    sleep 0.1
  done
  sleep 0.5
  kill -s "$sig" "$pid"
  rc=0; wait "$pid" || rc=$?
  expect_eq "SIG$sig exit" "$rc" 130
  r="$out/results.json"
  expect_eq "SIG$sig status" "$(json "$r" "r['status']")" interrupted
  expect_eq "SIG$sig first complete" "$(json "$r" "(r['phases'][0]['name'], r['phases'][0]['complete'], r['phases'][0]['ops'])")" "('first', True, 5)"
  expect_eq "SIG$sig long partial" "$(json "$r" "(r['phases'][1]['name'], r['phases'][1]['ops'] > 0, r['phases'][1]['complete'])")" "('long', True, False)"
  registry_gone "$r"
done

# two signals together are one stop (GNU timeout signals the child and its group)
out="$WORK/sig2"
"$REGBENCH" run "$SCN/long.lua" --out "$out" --quiet >"$WORK/out.txt" 2>"$WORK/err.txt" &
pid=$!
for _ in $(seq 1 100); do grep -q '"first"' "$out/results.json" 2>/dev/null && break; sleep 0.1; done
kill -INT "$pid"; kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
expect_eq "double SIGINT exit" "$rc" 130
expect_eq "double SIGINT status" "$(json "$out/results.json" "r['status']")" interrupted
[ -s "$out/report.html" ] || fail "double SIGINT: no report.html"
registry_gone "$out/results.json"

# a second signal later ends regbench at once, saying how to rebuild the results
# (REGBENCH_SIGNAL_WINDOW_MS=0: any second signal counts as later than 1 s;
# SIGINT then SIGTERM, as two pending signals of one kind are delivered once)
out="$WORK/sigkill"
REGBENCH_SIGNAL_WINDOW_MS=0 "$REGBENCH" run "$SCN/long.lua" --out "$out" --quiet >"$WORK/out.txt" 2>"$WORK/err.txt" &
pid=$!
for _ in $(seq 1 100); do grep -q '"first"' "$out/results.json" 2>/dev/null && break; sleep 0.1; done
# into phase "long" until the run has said it is alive at 2 s or later (events.jsonl, once a second),
# so that the rebuild must know the run outlived its last finished phase
alive_at() { python3 -c 'import json,sys
t=[json.loads(l).get("t_s", 0) for l in open(sys.argv[1]) if "\"alive\"" in l]
print(max(t) if t else 0)' "$out/events.jsonl" 2>/dev/null || echo 0; }
for _ in $(seq 1 150); do python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 2 else 1)" "$(alive_at)" && break; sleep 0.1; done
kill -INT "$pid"; kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" = 143 ] || [ "$rc" = 130 ] || fail "a second signal: exit $rc, want death by the signal (130 or 143)"
expect_grep "$WORK/err.txt" "stopped at once by a second signal.*regbench report $out"
run_rb 0 report "$out"
expect_eq "rebuilt after the kill" "$(json "$out/results.json" "(r['status'], r['phases'][0]['name'])")" "('killed', 'first')"
# the rebuilt summary is titled as a run and lasts until it was last seen alive (2 s or later), not
# until the last finished phase (0.1 s)
expect_grep "$out/summary.md" "^# regbench run: long$"
seen=$(alive_at)
expect_eq "last seen alive at 2 s or later (got $seen)" "$(python3 -c "print(float('$seen') >= 2)")" True
expect_eq "rebuilt duration reaches the last alive ($seen s)" "$(json "$out/results.json" "r['run_duration_s'] >= $seen")" True

# SIGINT while a VU is busy in Lua (not waiting on the loop): still 130, promptly
out="$WORK/busy"
"$REGBENCH" run "$SCN/busy.lua" --out "$out" --quiet --yield-timeout 60s >"$WORK/out.txt" 2>"$WORK/err.txt" &
pid=$!
for _ in $(seq 1 100); do grep -q '"spin"' "$out/events.jsonl" 2>/dev/null && break; [ -f "$out/events.jsonl" ] && break; sleep 0.1; done
sleep 0.5
start=$(date +%s)
kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
expect_eq "SIGINT busy exit" "$rc" 130
[ $(( $(date +%s) - start )) -lt 5 ] || fail "SIGINT took too long to stop a busy VU"
expect_eq "busy phase cut" "$(json "$out/results.json" "(r['status'], r['phases'][0]['complete'])")" "('interrupted', False)"
registry_gone "$out/results.json"

# bad command lines: exit 2 with a message saying what is wrong
run_rb 2 run "$SCN/fail.lua" --bogus 1
expect_grep "$WORK/err.txt" "unknown option '--bogus'"
run_rb 2 run "$WORK/missing.lua"
expect_grep "$WORK/err.txt" "cannot read scenario .*missing.lua"
run_rb 2 run "$SCN/fail.lua" --port 70000
expect_grep "$WORK/err.txt" "bad --port '70000'"
run_rb 2 run "$SCN/fail.lua" --registry zot
expect_grep "$WORK/err.txt" "bad --registry 'zot': expected crane, distribution, distribution3 or crane-referrers"
run_rb 2 run "$SCN/fail.lua" --target ftp://127.0.0.1
expect_grep "$WORK/err.txt" "bad --target"
run_rb 2 run "$SCN/fail.lua" --set novalue
expect_grep "$WORK/err.txt" "expected key=value"
run_rb 2 frobnicate
expect_grep "$WORK/err.txt" "unknown command 'frobnicate'"
run_rb 2 run "$SCN/fail.lua" --out /proc/nope
expect_grep "$WORK/err.txt" "cannot create output directory"

# the registry program is missing: says how to install it
REGBENCH_CRANE=/nonexistent/crane run_rb 1 run "$SCN/fail.lua" --out "$WORK/noreg" --quiet
expect_grep "$WORK/err.txt" "scripts/setup.sh"

# VU cap
run_rb 1 run "$SCN/many.lua" --out "$WORK/many" --quiet --max-vus 10
expect_grep "$WORK/err.txt" "too many virtual users.*--max-vus"
echo "test_exit_codes: ok"
