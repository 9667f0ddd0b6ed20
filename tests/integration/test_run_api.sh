# The core Lua API against a real crane registry: parameters (types, --set,
# --help, unknown keys, bad values), spawn/join values and errors, sleep
# ordering, rb.parallel, phase attribution, rb.http.request and custom metrics.
source "$(dirname "$0")/lib.sh"

run_rb 0 run "$SCN/api.lua" --out "$WORK/a" --quiet
expect_grep "$WORK/out.txt" "api.lua: all checks passed"
r="$WORK/a/results.json"
expect_eq "spawned phase ops" "$(json "$r" "[p for p in r['phases'] if p['name']=='spawned'][0]['ops']")" 30
expect_eq "fields phase ops" "$(json "$r" "[p for p in r['phases'] if p['name']=='fields'][0]['ops']")" 3
expect_eq "connect error" "$(json "$r" "[p for p in r['phases'] if p['name']=='fields'][0]['errors_by_class']['connect']")" 1
expect_eq "trend count" "$(json "$r" "r['metrics']['t']['count']")" 100
expect_eq "trend p50" "$(json "$r" "r['metrics']['t']['p50'] == 50")" True
expect_eq "trend max" "$(json "$r" "r['metrics']['t']['max'] == 100")" True
expect_eq "tagged trend" "$(json "$r" "r['metrics']['t{kind=tagged}']['count']")" 1
expect_eq "counter" "$(json "$r" "(r['metrics']['c']['count'], r['metrics']['c']['value']) == (7, 14)")" True
expect_eq "gauge" "$(json "$r" "(r['metrics']['g']['value'], r['metrics']['g']['max']) == (3, 5)")" True
expect_eq "rate" "$(json "$r" "r['metrics']['r']['rate'] == 0.4")" True
expect_eq "params recorded as typed" "$(json "$r" "(r['params']['size'], r['param_values']['size'])")" "('1MB', 1000000)"
registry_gone "$r"

# a phase whose function raises is closed and cut; later operations go elsewhere;
# rb.unmeasured's requests are in no phase
run_rb 0 run "$SCN/edge.lua" --out "$WORK/edge" --quiet
r="$WORK/edge/results.json"
expect_eq "raising phase" "$(json "$r" "[(p['name'], p['ops'], p['complete']) for p in r['phases']]")" "[('raises', 1, False), ('after', 2, True)]"

# --set of every type
run_rb 0 run "$SCN/api.lua" --out "$WORK/b" --quiet --set expect=given --set count=7 --set ratio=0.25 \
  --set flag=yes --set "name=x y" --set size=2MiB --set wait=1m30s
expect_eq "param value as typed" "$(json "$WORK/b/results.json" "(r['params']['size'], r['param_values']['size'])")" "('2MiB', 2097152)"

# --help lists parameters with defaults and docs, and starts no registry
run_rb 0 run "$SCN/api.lua" --help
expect_grep "$WORK/out.txt" "count +integer +default 3"
expect_grep "$WORK/out.txt" "size +size +default 1MB"
expect_grep "$WORK/out.txt" "a size"

# unknown key: exit 2, names it and the declared ones
run_rb 2 run "$SCN/api.lua" --out "$WORK/c" --quiet --set cuont=3
expect_grep "$WORK/err.txt" "unknown parameter 'cuont'.*count"
[ ! -e "$WORK/c/registry.log" ] || fail "a registry was started for a bad --set"

# wrong values: exit 2, names the parameter and what it accepts
for kv in count=3.5 flag=maybe size=10XB wait=10parsecs ratio=abc; do
  run_rb 2 run "$SCN/api.lua" --out "$WORK/d" --quiet --set "$kv"
  expect_grep "$WORK/err.txt" "parameter '${kv%%=*}'.*accepts"
done
echo "test_run_api: ok"
