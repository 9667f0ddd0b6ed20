# cache.lua stampede=8: eight concurrent first pulls of one uncached image
# through distribution 2.8's and 3's pull-through caches (a crane upstream
# regbench launches). The upstream fetches per blob are reported, and each
# equals what the upstream's own request log shows; every pull verified.
# The debug_vars reads between phases are unmeasured: no 'default' phase.
# What the counts were is printed (distribution fetches once per client:
# no request coalescing). stampede=0 keeps the scenario as it was.
source "$(dirname "$0")/lib.sh"

for kind in distribution distribution3; do
  out="$WORK/$kind"
  run_rb 0 run "$RB_SRC/scenarios/cache.lua" --set images=1 --set size=600KB --set layers=3 --set stampede=8 \
    --registry "$kind" --pull-through --out "$out" --quiet
  r="$out/results.json"
  log="$out/upstream/registry.log"
  expect_eq "$kind: status" "$(json "$r" "r['status']")" ok
  expect_eq "$kind: phases" "$(json "$r" "[p['name'] for p in r['phases']]")" \
    "['seed', 'seed-stampede', 'stampede', 'cold', 'warm']"
  expect_eq "$kind: no errors" "$(json "$r" "sum(p['errors'] for p in r['phases'])")" 0
  expect_eq "$kind: 8 pulls" "$(json "$r" "[p for p in r['phases'] if p['name'] == 'stampede'][0]['by_op']['pull']['ops']")" 8
  expect_eq "$kind: every blob verified" "$(json "$r" "[p for p in r['phases'] if p['name'] == 'stampede'][0]['by_op']['blob_get']['ops']")" 32
  # a count per blob (config and 3 layers), each what the upstream logged
  per_blob=$(json "$r" "' '.join('%s=%d' % (k.split('blob=')[1].rstrip('}'), m['value']) for k, m in sorted(r['metrics'].items()) if k.startswith('stampede_upstream_fetches{'))")
  [ "$(echo "$per_blob" | wc -w)" = 4 ] || fail "$kind: want 4 blobs reported, got '$per_blob'"
  for pair in $per_blob; do
    d=${pair%=*} n=${pair#*=}
    logged=$(grep -c "GET /v2/cache/stampede/blobs/$d" "$log" || true)
    expect_eq "$kind: fetches of $d" "$n" "$logged"
    [ "$n" -ge 1 ] || fail "$kind: blob $d never fetched from the upstream"
  done
  expect_eq "$kind: manifest GETs" "$(json "$r" "int(r['metrics']['stampede_upstream_manifest_gets']['value'])")" \
    "$(grep -c "GET /v2/cache/stampede/manifests/" "$log" || true)"
  expect_eq "$kind: HEADs" "$(json "$r" "int(r['metrics']['stampede_upstream_heads']['value'])")" \
    "$(grep "HEAD /v2/cache/stampede/" "$log" | grep -vc " 404 " || true)"
  expect_eq "$kind: max" "$(json "$r" "int(r['metrics']['stampede_upstream_fetches_max']['value'])")" \
    "$(for p in $per_blob; do echo "${p#*=}"; done | sort -n | tail -n1)"
  expect_eq "$kind: first manifest timed" \
    "$(json "$r" "0 < r['metrics']['stampede_first_manifest_ms']['value'] < 60000")" True
  # the first pull's time to the first byte of its first layer: positive, after its manifest, within a
  # pull (no longer than the quickest whole pull), and one figure per pull
  expect_eq "$kind: first layer byte timed" "$(json "$r" "(lambda m: 0 < m['stampede_first_layer_byte_ms']['value'] \
    and m['stampede_first_manifest_ms']['value'] <= m['stampede_first_layer_byte_ms']['value'] <= m['stampede_pull_ms']['min'])(r['metrics'])")" True
  expect_eq "$kind: a first layer byte per pull" "$(json "$r" "(lambda m: (m['stampede_layer_byte_ms']['count'], \
    abs(m['stampede_layer_byte_ms']['min'] - m['stampede_first_layer_byte_ms']['value']) < 0.01))(r['metrics'])")" "(8, True)"
  expect_grep "$WORK/out.txt" "^cache stampede: 8 concurrent first pulls, blob sha256:[0-9a-f]{64} fetched [0-9]+ times from the upstream$"
  expect_grep "$WORK/out.txt" "^cache stampede: manifest fetched [0-9]+ times from the upstream; first manifest after [0-9.]+ ms, first byte of the first layer after [0-9.]+ ms$"
  echo "$kind: 8 concurrent first pulls: upstream GETs per blob: $(for p in $per_blob; do echo -n "${p#*=} "; done)manifest GETs: $(json "$r" "int(r['metrics']['stampede_upstream_manifest_gets']['value'])"), first manifest $(json "$r" "r['metrics']['stampede_first_manifest_ms']['value']") ms, first layer byte $(json "$r" "r['metrics']['stampede_first_layer_byte_ms']['value']") ms (p50 of 8: $(json "$r" "r['metrics']['stampede_layer_byte_ms']['p50']") ms)"
  registry_gone "$r"
done

# stampede=0 (the default): no stampede phase, nothing reported
run_rb 0 run "$RB_SRC/scenarios/cache.lua" --set images=1 --set size=300KB --registry distribution --pull-through \
  --out "$WORK/off" --quiet
expect_eq "off: phases" "$(json "$WORK/off/results.json" "[p['name'] for p in r['phases']]")" "['seed', 'cold', 'warm']"
expect_eq "off: no stampede metrics" \
  "$(json "$WORK/off/results.json" "[k for k in r['metrics'] if k.startswith('stampede')]")" "[]"
