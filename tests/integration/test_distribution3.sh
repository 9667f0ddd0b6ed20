# Kind distribution3: regbench launches distribution v3's `registry` on
# loopback and measures it like distribution 2.8: filesystem storage (bulk,
# sampled, version v3.0.0, gone afterwards, REGISTRY_* in the environment
# does not move it), htpasswd auth (right and wrong password), a
# pull-through cache in front of crane (cache.lua), a suite with kind
# distribution3, and the messages that list the accepted kinds. A missing
# `registry` binary fails the test.
source "$(dirname "$0")/lib.sh"

d3=${REGBENCH_DISTRIBUTION3:-$(command -v registry || echo /usr/local/bin/registry)}
[ -x "$d3" ] || fail "distribution 3 'registry' not found (REGBENCH_DISTRIBUTION3, PATH, /usr/local/bin); run scripts/setup.sh"
"$d3" --version | grep -q ' v3\.' || fail "$d3 is not distribution 3: $("$d3" --version)"

# filesystem storage; a REGISTRY_HTTP_ADDR in our environment must not reach it
REGISTRY_HTTP_ADDR=127.0.0.1:1 run_rb 0 run "$RB_SRC/scenarios/bulk.lua" --set images=3 --set sizes=100KB \
  --registry distribution3 --storage disk --out "$WORK/bulk" --quiet
r="$WORK/bulk/results.json"
expect_eq "status" "$(json "$r" "r['status']")" ok
expect_eq "kind" "$(json "$r" "r['registry']['kind']")" distribution3
expect_eq "storage" "$(json "$r" "r['registry']['storage']")" disk
expect_eq "version is 3.0.0" "$(json "$r" "'3.0.0' in r['registry']['version']")" True
expect_eq "phases" "$(json "$r" "[p['name'] for p in r['phases']]")" "['push', 'pull']"
expect_eq "no errors" "$(json "$r" "sum(p['errors'] for p in r['phases'])")" 0
expect_eq "registry sampled" "$(json "$r" "all(p['registry']['rss_peak_bytes'] > 0 for p in r['phases'])")" True
expect_grep "$WORK/bulk/registry-config.yml" "rootdirectory: \"$WORK/bulk/registry-storage\""
[ -n "$(find "$WORK/bulk/registry-storage" -path '*/blobs/sha256/*' -name data | head -n1)" ] \
  || fail "no blob under $WORK/bulk/registry-storage: filesystem storage was not used"
expect_grep "$WORK/bulk/registry.log" "version=v3\.0\.0"
registry_gone "$r"

# htpasswd: the right password works, a wrong one is refused by the registry
PW='d3-Pa55word-xyz'
htpasswd -Bbn carol "$PW" >"$WORK/htpasswd" 2>/dev/null || fail "htpasswd (apache2-utils) missing"
REGBENCH_USERNAME=carol REGBENCH_PASSWORD="$PW" run_rb 0 run "$RB_SRC/scenarios/bulk.lua" --set images=3 \
  --set sizes=100KB --registry distribution3 --storage disk --htpasswd "$WORK/htpasswd" --out "$WORK/auth" --quiet
r="$WORK/auth/results.json"
expect_eq "auth: status" "$(json "$r" "r['status']")" ok
expect_eq "auth: kind" "$(json "$r" "r['registry']['kind']")" distribution3
expect_eq "auth: user" "$(json "$r" "r['registry']['auth_user']")" carol
expect_eq "auth: no errors" "$(json "$r" "sum(p['errors'] for p in r['phases'])")" 0
expect_grep "$WORK/auth/registry-config.yml" "htpasswd:"
registry_gone "$r"
REGBENCH_USERNAME=carol REGBENCH_PASSWORD=wrong run_rb 0 run "$SCN/oci_auth.lua" --registry distribution3 \
  --htpasswd "$WORK/htpasswd" --out "$WORK/denied" --quiet --set expect=denied
expect_grep "$WORK/out.txt" "auth denied: auth 401"
expect_eq "denied: auth errors counted" \
  "$(json "$WORK/denied/results.json" "r['phases'][0]['errors_by_class']['auth'] > 0")" True
registry_gone "$WORK/denied/results.json"

# pull-through cache in front of a crane regbench launches
run_rb 0 run "$RB_SRC/scenarios/cache.lua" --set images=2 --set size=500KB \
  --registry distribution3 --pull-through --out "$WORK/cache" --quiet
r="$WORK/cache/results.json"
expect_eq "cache: status" "$(json "$r" "r['status']")" ok
expect_eq "cache: kind" "$(json "$r" "r['registry']['kind']")" distribution3
expect_grep "$WORK/cache/registry-config.yml" "remoteurl: \"http://127.0.0.1:[0-9]+\""
expect_grep "$WORK/cache/upstream/registry.log" "GET /v2/cache/img1/blobs/sha256:"
expect_eq "cold pulls all came from the upstream" "$(json "$r" "r['metrics']['cache_hit_rate{phase=cold}']['value']")" 0.0
expect_eq "warm pulls all came from the cache" "$(json "$r" "r['metrics']['cache_hit_rate{phase=warm}']['value']")" 1.0
# distribution 3's own proxy counters count misses (2.8's never do)
expect_eq "registry's own warm hit rate" \
  "$(json "$r" "r['metrics']['registry_proxy_hit_rate{phase=warm}']['value']")" 1.0
expect_eq "registry's own cold hit rate" \
  "$(json "$r" "r['metrics']['registry_proxy_hit_rate{phase=cold}']['value']")" 0.0
registry_gone "$r"

# a suite with kind distribution3
cat >"$WORK/d3.yaml" <<EOF
name: d3
repetitions: 1
registries:
  - {name: d3-fs, kind: distribution3, storage: disk}
  - {name: d3-cache, kind: distribution3, storage: memory, pull_through: true}
scenarios:
  - {name: bulk, file: $RB_SRC/scenarios/bulk.lua, params: {images: 3, sizes: 100KB}, registries: [d3-fs]}
  - {name: cache, file: $RB_SRC/scenarios/cache.lua, params: {images: 2, size: 500KB}, registries: [d3-cache]}
EOF
run_rb 0 suite "$WORK/d3.yaml" --out "$WORK/suite" --quiet
r="$WORK/suite/results.json"
expect_eq "suite: runs" "$(json "$r" "[(x['registry'], x['scenario'], x['status']) for x in r['runs']]")" \
  "[('d3-fs', 'bulk', 'ok'), ('d3-cache', 'cache', 'ok')]"
expect_eq "suite: kinds" "$(json "$r" "[g['kind'] for g in r['registries']]")" "['distribution3', 'distribution3']"
expect_eq "suite: versions" "$(json "$r" "all('3.0.0' in g['version'] for g in r['registries'])")" True
for d in $(json "$r" "' '.join(x['dir'] for x in r['runs'])"); do
  expect_eq "suite run $d kind" "$(json "$WORK/suite/$d/results.json" "r['registry']['kind']")" distribution3
  registry_gone "$WORK/suite/$d/results.json"
done

# messages name distribution3 among the accepted kinds
run_rb 2 run "$RB_SRC/scenarios/bulk.lua" --registry zot --out "$WORK/badkind"
expect_grep "$WORK/err.txt" "bad --registry 'zot': expected crane, distribution, distribution3 or crane-referrers"
printf 'name: x\nregistries:\n  - {name: z, kind: zot}\nscenarios:\n  - {name: s, file: %s}\n' \
  "$RB_SRC/scenarios/bulk.lua" >"$WORK/badkind.yaml"
run_rb 2 suite "$WORK/badkind.yaml" --out "$WORK/badkind-suite"
expect_grep "$WORK/err.txt" "badkind.yaml:3:[0-9]+: .*kind 'zot' is not valid; accepted: crane, distribution, distribution3, crane-referrers, command \(or generic\), external"
run_rb 2 run "$RB_SRC/scenarios/bulk.lua" --htpasswd "$WORK/htpasswd" --out "$WORK/htp-crane"
expect_grep "$WORK/err.txt" "--htpasswd applies to --registry distribution or distribution3 only"

# a missing binary: the error names REGBENCH_DISTRIBUTION3 and scripts/setup.sh
REGBENCH_DISTRIBUTION3=/nonexistent/registry run_rb 1 run "$RB_SRC/scenarios/bulk.lua" --registry distribution3 \
  --out "$WORK/missing" --quiet
expect_grep "$WORK/err.txt" "REGBENCH_DISTRIBUTION3=/nonexistent/registry .*scripts/setup.sh"
echo "test_distribution3: ok"
