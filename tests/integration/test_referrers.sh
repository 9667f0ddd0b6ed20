# scenarios/referrers.lua end to end on loopback, counts 1 and 5:
# - against the crane registry (no referrers API: the fallback tag schema)
#   and regbench-refregistry (crane's code with the API on), each started by
#   the test so that oras can look at what was pushed afterwards: every
#   listing returns every referrer, filtered listings the signatures only
#   (filtered here: neither registry applies artifactType), the gauges and
#   stderr say which way was used; `oras discover` lists the referrers of
#   both (through the API on one, the tag on the other), `oras manifest fetch`
#   gives an artifact whose subject is the image, and on crane the
#   sha256-<hex> tag holds an index of all of them;
# - launched by regbench: --registry crane, crane-referrers and distribution3
#   (distribution 3.0.0 has no referrers API either: the fallback tag);
# - bad parameters exit 2.
# oras comes from scripts/setup.sh (go install oras.land/oras/cmd/oras@v1.3.6).
source "$(dirname "$0")/lib.sh"

command -v oras >/dev/null || fail "oras not found; run scripts/setup.sh"
refreg=${REGBENCH_REFREGISTRY:-$(command -v regbench-refregistry || echo /usr/local/bin/regbench-refregistry)}
[ -x "$refreg" ] || fail "regbench-refregistry not found (REGBENCH_REFREGISTRY, PATH, /usr/local/bin); run scripts/setup.sh"

SIG=application/vnd.dev.cosign.artifact.sig.v1+json
LISTS=3
metric() { json "$1" "r['metrics'].get('$2', {}).get('$3')"; }
# phase_metric RESULTS PHASE METRIC STAT
phase_metric() { json "$1" "[p for p in r['phases'] if p['name'] == '$2'][0]['metrics'].get('$3', {}).get('$4')"; }

# scn NAME ARGS...: referrers.lua counts 1,5 with LISTS listings per phase.
scn() {
  local name=$1; shift
  run_rb 0 run "$RB_SRC/scenarios/referrers.lua" --out "$WORK/$name" --quiet --set counts=5,1 --set lists=$LISTS "$@"
  cp "$WORK/err.txt" "$WORK/$name.err"
}
# common NAME VIA(api|tag): the phases, no errors, every check passed.
common() {
  local r="$WORK/$1/results.json" api=$([ "$2" = api ] && echo 1.0 || echo 0.0)
  expect_eq "$1 phases" "$(json "$r" "[p['name'] for p in r['phases']]")" \
    "['push/count=1', 'list/count=1', 'list-filtered/count=1', 'push/count=5', 'list/count=5', 'list-filtered/count=5']"
  expect_eq "$1 errors" "$(json "$r" "sum(p['errors'] for p in r['phases'])")" 0
  expect_eq "$1 complete listings" "$(metric "$r" 'checks{check=listing returns every referrer}' passes)" $((2 * LISTS))
  expect_eq "$1 incomplete listings" "$(metric "$r" 'checks{check=listing returns every referrer}' fails)" 0
  expect_eq "$1 filtered listings" "$(metric "$r" 'checks{check=filtered listing returns the signatures}' passes)" $((2 * LISTS))
  expect_eq "$1 bad filtered listings" "$(metric "$r" 'checks{check=filtered listing returns the signatures}' fails)" 0
  for c in 1 5; do
    expect_eq "$1 referrers_api count=$c" "$(phase_metric "$r" "list/count=$c" referrers_api value)" "$api"
    expect_eq "$1 list_ms via count=$c" "$(phase_metric "$r" "list/count=$c" "list_ms{filter=no,via=$2}" count)" $LISTS
    expect_eq "$1 filter not applied count=$c" "$(phase_metric "$r" "list-filtered/count=$c" filter_applied value)" 0.0
  done
  if [ "$2" = api ]; then
    expect_grep "$WORK/$1.err" "^referrers: the registry serves the referrers API"
    expect_grep "$WORK/$1.err" "^referrers: the registry did not apply the artifactType filter"
    expect_eq "$1 referrers ops" "$(json "$r" "[p['by_op'].get('referrers', {}).get('ops') for p in r['phases'] if p['name'].startswith('list')]")" \
      "[$LISTS, $LISTS, $LISTS, $LISTS]"
  else
    expect_grep "$WORK/$1.err" "^referrers: the registry has no referrers API .*404.*fallback tag schema"
    # one API probe per VU and phase, then the tag
    expect_eq "$1 tag gets" "$(json "$r" "[p['by_op'].get('manifest_pull', {}).get('ops') for p in r['phases'] if p['name'].startswith('list')]")" \
      "[$LISTS, $LISTS, $LISTS, $LISTS]"
  fi
}
# oras_check NAME HOST:PORT: oras sees the pushed artifacts.
oras_check() {
  local ref="$2/referrers/c5:v1"
  oras discover --plain-http --format json "$ref" >"$WORK/$1.discover.json" 2>"$WORK/$1.oras.err" \
    || { cat "$WORK/$1.oras.err"; fail "$1: oras discover $ref failed"; }
  local d="$WORK/$1.discover.json"
  expect_eq "$1 oras discover: referrers" "$(json "$d" "len(r['referrers'])")" 5
  expect_eq "$1 oras discover: types" "$(json "$d" "sorted(x['artifactType'] for x in r['referrers'])")" \
    "['application/spdx+json', 'application/spdx+json', '$SIG', '$SIG', '$SIG']"
  expect_eq "$1 oras discover c1" "$(oras discover --plain-http --format json "$2/referrers/c1:v1" | \
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["referrers"]))')" 1
  local subject art
  subject=$(json "$d" "r['digest']")
  art=$(json "$d" "sorted(x['digest'] for x in r['referrers'])[0]")
  oras manifest fetch --plain-http "$2/referrers/c5@$art" >"$WORK/$1.art.json" || fail "$1: oras manifest fetch $art failed"
  expect_eq "$1 artifact subject" "$(json "$WORK/$1.art.json" "r['subject']['digest']")" "$subject"
  expect_eq "$1 artifact layer" "$(json "$WORK/$1.art.json" "len(r['layers'])")" 1
  echo "$1: oras discover lists $(json "$d" "len(r['referrers'])") referrers of $subject"
}

# --- the crane registry: no referrers API, the fallback tag
start_crane CR
scn crane-target --target "$CR_URL"
common crane-target tag
oras_check crane-target "127.0.0.1:$CR_PORT"
subject=$(json "$WORK/crane-target.discover.json" "r['digest']")
oras manifest fetch --plain-http "127.0.0.1:$CR_PORT/referrers/c5:${subject/:/-}" >"$WORK/tag.json" \
  || fail "no fallback tag ${subject/:/-} on crane"
expect_eq "fallback tag index" "$(json "$WORK/tag.json" "(r['mediaType'], len(r['manifests']))")" \
  "('application/vnd.oci.image.index.v1+json', 5)"

# --- regbench-refregistry: the referrers API
"$refreg" --address 127.0.0.1:0 >"$WORK/rr.log" 2>&1 &
_pids+=($!)
RR_PORT=$(_wait_for 'serving on port [0-9]+' "$WORK/rr.log")
scn rr-target --target "http://127.0.0.1:$RR_PORT"
common rr-target api
oras_check rr-target "127.0.0.1:$RR_PORT"
# the API needs no tag: none was pushed
subject=$(json "$WORK/rr-target.discover.json" "r['digest']")
if oras manifest fetch --plain-http "127.0.0.1:$RR_PORT/referrers/c5:${subject/:/-}" >/dev/null 2>&1; then
  fail "a fallback tag was pushed to a registry with the referrers API"
fi

# --- launched by regbench
scn crane-launched --registry crane
common crane-launched tag
scn rr-launched --registry crane-referrers
common rr-launched api
expect_eq "kind" "$(json "$WORK/rr-launched/results.json" "r['registry']['kind']")" crane-referrers
registry_gone "$WORK/rr-launched/results.json"
[ -x "${REGBENCH_DISTRIBUTION3:-$(command -v registry || echo /usr/local/bin/registry)}" ] ||
  fail "distribution 3 'registry' not found (REGBENCH_DISTRIBUTION3, PATH, /usr/local/bin); run scripts/setup.sh"
scn d3-launched --registry distribution3
common d3-launched tag   # distribution 3.0.0 answers 404: no referrers API

# --- bad parameters
for bad in counts=0 counts=abc counts=1001 counts=, lists=0; do
  run_rb 2 run "$RB_SRC/scenarios/referrers.lua" --set "$bad" --out "$WORK/bad" --quiet
done
expect_grep "$WORK/err.txt" "lists: must be at least 1"
run_rb 2 run "$RB_SRC/scenarios/referrers.lua" --set counts=1,2000 --out "$WORK/bad" --quiet
expect_grep "$WORK/err.txt" "counts: '2000' is not an integer from 1 to 1000"
echo "test_referrers: ok"
