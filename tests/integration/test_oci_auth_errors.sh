# Authentication and error classes against real registries:
# - distribution with htpasswd: right password (push, pull), wrong password
#   (auth errors, returned), credentials from --password-stdin and from the
#   Docker config; the password never appears in anything the run wrote;
# - a bearer-token realm (tests/tools/regproxy.py in front of crane);
# - 404s as http errors; a byte-flipping proxy gives integrity errors;
# - tag pagination on crane and distribution.
source "$(dirname "$0")/lib.sh"

PW='s3cret-Pa55word-xyz'
htpasswd -Bbn alice "$PW" >"$WORK/htpasswd" 2>/dev/null || fail "htpasswd (apache2-utils) missing"
start_distribution da "$WORK/dist-auth" "$WORK/htpasswd"

REGBENCH_USERNAME=alice REGBENCH_PASSWORD="$PW" run_rb 0 run "$SCN/oci_auth.lua" --target "$da_URL" --out "$WORK/ok" --quiet
expect_grep "$WORK/out.txt" "auth ok"
expect_eq "auth user recorded" "$(json "$WORK/ok/results.json" "r['registry']['auth_user']")" alice

echo "$PW" | run_rb 0 run "$SCN/oci_auth.lua" --target "$da_URL" --out "$WORK/stdin" --quiet --username alice --password-stdin
expect_grep "$WORK/out.txt" "auth ok"

mkdir -p "$WORK/docker"
printf '{"auths":{"%s":{"auth":"%s"}}}' "${da_URL#http://}" "$(printf 'alice:%s' "$PW" | base64 -w0)" >"$WORK/docker/config.json"
chmod 644 "$WORK/docker/config.json"
DOCKER_CONFIG="$WORK/docker" run_rb 0 run "$SCN/oci_auth.lua" --target "$da_URL" --out "$WORK/dcfg" --quiet
expect_grep "$WORK/err.txt" "readable by other users"

REGBENCH_USERNAME=alice REGBENCH_PASSWORD=wrong run_rb 0 run "$SCN/oci_auth.lua" --target "$da_URL" --out "$WORK/denied" --quiet --set expect=denied
expect_grep "$WORK/out.txt" "auth denied: auth 401"
expect_eq "auth errors counted" "$(json "$WORK/denied/results.json" "r['phases'][0]['errors_by_class']['auth'] > 0")" True
run_rb 0 run "$SCN/oci_auth.lua" --target "$da_URL" --out "$WORK/anon" --quiet --set expect=denied

# the password is in none of the files the runs wrote, nor their output
if grep -rl -- "$PW" "$WORK"/ok "$WORK"/stdin "$WORK"/dcfg "$WORK"/denied "$WORK/out.txt" "$WORK/err.txt" 2>/dev/null; then
  fail "the password leaked into the files above"
fi

# bearer tokens: regproxy in front of crane
start_crane cb
start_proxy tok "$cb_URL" --auth bearer --user bob --password "$PW" --token-ttl 2
REGBENCH_USERNAME=bob REGBENCH_PASSWORD="$PW" run_rb 0 run "$SCN/oci_auth.lua" --target "$tok_URL" --out "$WORK/bearer" --quiet
expect_grep "$WORK/out.txt" "auth ok"
expect_eq "tokens fetched" "$(json "$WORK/bearer/results.json" "r['phases'][0]['counters']['auth_tokens'] >= 1")" True
expect_eq "proxy issued tokens" "$(curl -s "$tok_URL/__proxy/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens_issued"] >= 1)')" True
REGBENCH_USERNAME=bob REGBENCH_PASSWORD=nope run_rb 0 run "$SCN/oci_auth.lua" --target "$tok_URL" --out "$WORK/bearer-denied" --quiet --set expect=denied

# error classes
start_crane ce
run_rb 0 run "$SCN/oci_errors.lua" --target "$ce_URL" --out "$WORK/nf" --quiet --set mode=notfound
expect_eq "404 counted" "$(json "$WORK/nf/results.json" "r['phases'][0]['errors_by_class']['4xx'] >= 2")" True
run_rb 0 run "$SCN/oci_errors.lua" --target "$ce_URL" --out "$WORK/cp" --quiet --set mode=push
start_proxy flip "$ce_URL" --flip-byte
run_rb 0 run "$SCN/oci_errors.lua" --target "$flip_URL" --out "$WORK/corrupt" --quiet --set mode=corrupt
expect_grep "$WORK/out.txt" "corrupt: integrity"
r="$WORK/corrupt/results.json"
expect_eq "integrity class" "$(json "$r" "r['phases'][0]['errors_by_class']['integrity']")" 1
expect_eq "integrity counter" "$(json "$r" "r['phases'][0]['counters']['integrity_errors'] >= 1")" True
expect_eq "pull failed" "$(json "$r" "r['phases'][0]['by_op']['pull']['errors']")" 1

# tag pagination on both registries (crane repeats pages; distribution ignores n)
start_distribution dt
for url in "$ce_URL" "$dt_URL"; do
  run_rb 0 run "$SCN/oci_errors.lua" --target "$url" --out "$WORK/tags" --quiet --set mode=tags
  expect_grep "$WORK/out.txt" "tags ok"
done
echo "test_oci_auth_errors: ok"
