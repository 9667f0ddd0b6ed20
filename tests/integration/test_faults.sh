# Faults from the registry: regbench keeps control, counts each fault by
# class in its phase, retries only when asked, never hangs, and when the
# registry dies it ends the run cleanly with results and a non-zero exit.
# Faults come from tests/tools/regproxy.py in front of a real crane, and
# from killing or stopping real registry processes.
source "$(dirname "$0")/lib.sh"

start_crane up
cls() { json "$1" "[p for p in r['phases'] if p['name']=='pulls'][0]['errors_by_class']['$2']"; }
ctr() { json "$1" "[p for p in r['phases'] if p['name']=='pulls'][0]['counters'].get('$2', 0)"; }

# 5xx without retries: counted as 5xx; with retries: retried (counted) and the pulls succeed
# (at a 20% fault rate, 13 failures in a row for one request: p = 8e-10)
start_proxy p503 "$up_URL" --status 503 --fault-rate 0.2 --fault-method GET
run_rb 0 run "$SCN/faults.lua" --target "$p503_URL" --out "$WORK/5xx" --quiet --set pulls=20
[ "$(cls "$WORK/5xx/results.json" 5xx)" -gt 0 ] || fail "503s were not counted as 5xx"
run_rb 0 run "$SCN/faults.lua" --target "$p503_URL" --out "$WORK/5xx-retry" --quiet --set pulls=20 --set push=false --retries 12
expect_grep "$WORK/out.txt" "faults: 20 ok, 0 failed"
[ "$(ctr "$WORK/5xx-retry/results.json" retries)" -gt 0 ] || fail "retries were not counted"

# 429 with Retry-After is retried too
start_proxy p429 "$up_URL" --status 429 --fault-rate 0.2 --fault-method GET
run_rb 0 run "$SCN/faults.lua" --target "$p429_URL" --out "$WORK/429" --quiet --set pulls=5 --set push=false --retries 12
expect_grep "$WORK/out.txt" "faults: 5 ok, 0 failed"

# connection resets: connect class
start_proxy prst "$up_URL" --reset --fault-rate 0.5 --fault-method GET
run_rb 0 run "$SCN/faults.lua" --target "$prst_URL" --out "$WORK/reset" --quiet --set pulls=10 --set push=false
[ "$(cls "$WORK/reset/results.json" connect)" -gt 0 ] || fail "resets were not counted as connect errors"

# truncated and corrupted bodies: integrity, never a success
start_proxy ptr "$up_URL" --truncate --fault-method GET
run_rb 0 run "$SCN/faults.lua" --target "$ptr_URL" --out "$WORK/trunc" --quiet --set pulls=3 --set push=false
expect_grep "$WORK/out.txt" "faults: 0 ok, 3 failed: integrity,integrity,integrity"
start_proxy pflip "$up_URL" --flip-byte --fault-method GET
run_rb 0 run "$SCN/faults.lua" --target "$pflip_URL" --out "$WORK/flip" --quiet --set pulls=3 --set push=false
expect_grep "$WORK/out.txt" "faults: 0 ok, 3 failed: integrity,integrity,integrity"
[ "$(cls "$WORK/flip/results.json" integrity)" -ge 3 ] || fail "flipped bytes were not counted as integrity errors"

# a stalled body: the stall timeout ends it (timeout class), within bounds
start_proxy pstall "$up_URL" --stall --fault-method GET
start=$(date +%s)
run_rb 0 run "$SCN/faults.lua" --target "$pstall_URL" --out "$WORK/stall" --quiet --set pulls=2 --set push=false --stall-timeout 2s
expect_grep "$WORK/out.txt" "faults: 0 ok, 2 failed: timeout,timeout"
[ $(( $(date +%s) - start )) -lt 40 ] || fail "stalled transfers took too long to fail"

# slow to accept uploads: pushes still complete, and take longer
start_proxy pslow "$up_URL" --slow-upload 2000000 --fault-path '^/v2/.+/blobs/uploads/' --fault-method PUT,PATCH,POST
run_rb 0 run "$SCN/faults.lua" --target "$pslow_URL" --out "$WORK/slow" --quiet --set pulls=1 --set size=4MB
expect_grep "$WORK/out.txt" "faults: 1 ok, 0 failed"
expect_eq "slow push took >= 1 s" "$(json "$WORK/slow/results.json" "r['phases'][0]['duration_s'] >= 1.0")" True

# a registry that stops answering (SIGSTOP): timeouts, no hang
start_crane stopped
run_rb 0 run "$SCN/faults.lua" --target "$stopped_URL" --out "$WORK/pre" --quiet --set pulls=1
kill -STOP "$stopped_PID"
start=$(date +%s)
run_rb 0 run "$SCN/faults.lua" --target "$stopped_URL" --out "$WORK/frozen" --quiet --set pulls=2 --set push=false --timeout 3s --stall-timeout 2s
kill -CONT "$stopped_PID" || true
expect_grep "$WORK/out.txt" "faults: 0 ok, 2 failed: timeout,timeout"
[ $(( $(date +%s) - start )) -lt 40 ] || fail "a frozen registry made the run hang"

# the launched registry is killed mid-run: clean end, results kept, exit 1
out="$WORK/crash"
"$REGBENCH" run "$SCN/long.lua" --out "$out" --quiet >"$WORK/out.txt" 2>"$WORK/err.txt" &
rbpid=$!
for _ in $(seq 1 100); do
  [ -f "$out/results.json" ] && grep -q '"first"' "$out/results.json" && break
  sleep 0.1
done
regpid=$(json "$out/results.json" "r['registry']['pid']")
sleep 0.5
kill -9 "$regpid"
rc=0
for _ in $(seq 1 200); do kill -0 "$rbpid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$rbpid" 2>/dev/null && { kill -9 "$rbpid"; fail "regbench did not end after its registry died"; }
wait "$rbpid" || rc=$?
expect_eq "exit after registry crash" "$rc" 1
expect_grep "$WORK/err.txt" "registry process exited during the run"
r="$out/results.json"
expect_eq "crash status" "$(json "$r" "r['status']")" failed
expect_eq "first phase kept" "$(json "$r" "(r['phases'][0]['name'], r['phases'][0]['complete'], r['phases'][0]['ops'])")" "('first', True, 5)"
expect_eq "long phase cut" "$(json "$r" "r['phases'][1]['complete']")" False

# regbench itself is killed with SIGKILL: its registry dies too (PDEATHSIG),
# the finished phases stay readable, and `regbench report` rebuilds from the log
out="$WORK/killed"
"$REGBENCH" run "$SCN/long.lua" --out "$out" --quiet >/dev/null 2>&1 &
rbpid=$!
for _ in $(seq 1 100); do
  [ -f "$out/results.json" ] && grep -q '"first"' "$out/results.json" && break
  sleep 0.1
done
regpid=$(json "$out/results.json" "r['registry']['pid']")
kill -9 "$rbpid"; wait "$rbpid" 2>/dev/null || true
registry_gone "$out/results.json"
expect_eq "checkpoint readable" "$(json "$out/results.json" "r['phases'][0]['name']")" first
expect_grep "$out/events.jsonl" '"event":"phase".*"name":"first"'
rm -f "$out/results.json"
run_rb 0 report "$out" --out "$out/report.html"
expect_eq "rebuilt status" "$(json "$out/results.json" "r['status']")" killed
expect_eq "rebuilt phase" "$(json "$out/results.json" "r['phases'][0]['name']")" first
[ -s "$out/report.html" ] || fail "no report rebuilt"
echo "test_faults: ok"
