# Integrity of verified downloads on both hashing paths: blobs under 4 MiB
# are hashed inline on the loop thread, larger ones on the hashing worker
# (rb_hashq). tests/scenarios/verify.lua checks matches, a wrong digest, a
# body longer or shorter than its expected size, and concurrent pulls; then
# large blobs through tests/tools/regproxy.py: flipped bytes and truncated
# bodies are integrity errors, never successes.
source "$(dirname "$0")/lib.sh"

start_crane up
for size in 1MB 12MB; do
  run_rb 0 run "$SCN/verify.lua" --target "$up_URL" --out "$WORK/v-$size" --quiet --set size=$size --set repo=verify/s-$(echo $size | tr A-Z a-z)
  expect_grep "$WORK/out.txt" "verify ok"
  r="$WORK/v-$size/results.json"
  expect_eq "integrity errors ($size)" "$(json "$r" "[p for p in r['phases'] if p['name']=='checks'][0]['errors_by_class']['integrity']")" 3
  expect_eq "pulls ($size)" "$(json "$r" "[p for p in r['phases'] if p['name']=='checks'][0]['by_op']['pull']['ops']")" 4
done

# two 8 MB layers per image: hashed on the worker
start_proxy pflip "$up_URL" --flip-byte --fault-method GET
run_rb 0 run "$SCN/faults.lua" --target "$pflip_URL" --out "$WORK/flip" --quiet --set pulls=3 --set size=16MB
expect_grep "$WORK/out.txt" "faults: 0 ok, 3 failed: integrity,integrity,integrity"
start_proxy ptr "$up_URL" --truncate --fault-method GET
run_rb 0 run "$SCN/faults.lua" --target "$ptr_URL" --out "$WORK/trunc" --quiet --set pulls=3 --set push=false --set size=16MB
expect_grep "$WORK/out.txt" "faults: 0 ok, 3 failed: integrity,integrity,integrity"
echo "test_integrity: ok"
