# scenarios/metadata.lua and scenarios/range.lua end to end on loopback,
# against a crane registry and Debian's distribution 2.8 (filesystem), both
# started by regbench.
#
# metadata at scales 20 and 50 (3 tags, catalog pages of 10, tag pages of 2):
# every phase is there; the catalog holds every repository (by a walk on
# distribution; crane's catalog honours n but sends no Link and ignores
# `last`, answering random pages, so its walk stops at the first repeated
# name, it is counted as not paginating, a warning says so, and one
# unpaginated GET lists everything); every repository lists its 3 tags
# (crane pages its tags with n and last; distribution 2.8 ignores n, so it is
# counted as not paginating tags); every HEAD finds its manifest.
# range: every range verified, the counts asked for, on both registries;
# bad parameters exit 2. tests/scenarios/range_verify.lua checks the pieces
# (pattern blobs, range_digest refusing wrong bytes, catalog, tags, HEAD).
source "$(dirname "$0")/lib.sh"

# --- metadata
meta() { # NAME ARGS...
  local name=$1; shift
  run_rb 0 run "$RB_SRC/scenarios/metadata.lua" --out "$WORK/$name" "$@" \
    --set scales=50,20 --set tags=3 --set page=10 --set tag_page=2 --set walks=2 --set heads=40 --set vus=4
  cp "$WORK/err.txt" "$WORK/$name.err"
}
metric() { json "$1" "r['metrics'].get('$2', {}).get('$3')"; }
meta crane-meta
meta dist-meta --registry distribution --storage disk
for name in crane-meta dist-meta; do
  r="$WORK/$name/results.json"
  expect_eq "$name phases" "$(json "$r" "[p['name'] for p in r['phases'] if not p['name'].startswith('catalog-full')]")" \
    "['populate/repos=20', 'catalog/repos=20', 'tags/repos=20', 'head/repos=20', 'populate/repos=50', 'catalog/repos=50', 'tags/repos=50', 'head/repos=50']"
  expect_eq "$name errors" "$(json "$r" "sum(p['errors'] for p in r['phases'])")" 0
  expect_eq "$name catalog walks" "$(json "$r" "[p['by_op']['catalog']['ops'] for p in r['phases'] if p['name'].startswith('catalog/')]")" "[2, 2]"
  expect_eq "$name catalog lists every repository" "$(metric "$r" 'checks{check=catalog lists every repository}' fails)" 0
  expect_eq "$name tags walks" "$(json "$r" "[p['by_op']['tags']['ops'] for p in r['phases'] if p['name'].startswith('tags/')]")" "[20, 50]"
  expect_eq "$name tags complete" "$(metric "$r" 'checks{check=tags lists every tag}' passes)" 70
  expect_eq "$name tags incomplete" "$(metric "$r" 'checks{check=tags lists every tag}' fails)" 0
  expect_eq "$name heads" "$(metric "$r" "checks{check=head finds the manifest}" passes)" 80
  expect_eq "$name heads failed" "$(metric "$r" "checks{check=head finds the manifest}" fails)" 0
done
c="$WORK/crane-meta/results.json"; d="$WORK/dist-meta/results.json"
# distribution paginates the catalog with Link headers: 2 and 5 pages of 10,
# and (as observed) a Link after the last full page to an empty one
expect_eq "distribution catalog pages" "$(metric "$d" 'catalog_pages{repos=20}' value),$(metric "$d" 'catalog_pages{repos=50}' value)" "3.0,6.0"
expect_eq "distribution catalog walk" "$(metric "$d" 'checks{check=catalog walk lists every repository}' passes)" 4
expect_eq "distribution paginates the catalog" "$(metric "$d" 'not_paginating{what=catalog}' value)" None
expect_eq "distribution ignores n on tags" "$(metric "$d" 'not_paginating{what=tags}' value)" 70.0
expect_eq "no catalog-full phase on distribution" "$(json "$d" "[p['name'] for p in r['phases'] if p['name'].startswith('catalog-full')]")" "[]"
# crane: random catalog pages, no Link: not paginating, and said so
expect_eq "crane does not paginate the catalog" "$(metric "$c" 'not_paginating{what=catalog}' value)" 4.0
expect_grep "$WORK/crane-meta.err" "^metadata: warning: the registry does not paginate _catalog \(n=10: "
expect_eq "crane catalog-full phases" "$(json "$c" "[p['by_op']['catalog']['ops'] for p in r['phases'] if p['name'].startswith('catalog-full')]")" "[1, 1]"
expect_eq "crane pages tags" "$(metric "$c" 'not_paginating{what=tags}' value)" None

# --- range
rng() { # NAME ARGS...
  local name=$1; shift
  run_rb 0 run "$RB_SRC/scenarios/range.lua" --out "$WORK/$name" "$@" \
    --set blobs=2 --set size=4MB --set ranges=4KB,64KB,1MB --set count=30 --set vus=4
}
rng crane-range
rng dist-range --registry distribution --storage disk
for name in crane-range dist-range; do
  r="$WORK/$name/results.json"
  expect_eq "$name phases" "$(json "$r" "[(p['name'], p['ops'], p['errors']) for p in r['phases']]")" \
    "[('push', 2, 0), ('probe', 1, 0), ('range/size=4KB', 30, 0), ('range/size=64KB', 30, 0), ('range/size=1MB', 30, 0)]"
  expect_eq "$name verified" "$(metric "$r" 'checks{check=range bytes verified}' passes),$(metric "$r" 'checks{check=range bytes verified}' fails)" "90,0"
  expect_eq "$name honours Range" "$(metric "$r" 'checks{check=registry honours Range}' passes)" 1
  expect_eq "$name bytes" "$(json "$r" "[p['bytes'] for p in r['phases'][2:]]")" "[120000, 1920000, 30000000]"
done
# a duration instead of a count
run_rb 0 run "$RB_SRC/scenarios/range.lua" --out "$WORK/dur" --set size=2MB --set ranges=4KB --set duration=1s --set vus=2 --quiet
expect_eq "duration: ranges made, all verified" "$(json "$WORK/dur/results.json" "r['phases'][2]['ops'] > 10 and r['metrics']['checks{check=range bytes verified}']['fails'] == 0")" True

# the pieces, on both registries
run_rb 0 run "$SCN/range_verify.lua" --out "$WORK/verify-crane" --quiet
run_rb 0 run "$SCN/range_verify.lua" --out "$WORK/verify-dist" --registry distribution --quiet

# --- bad parameters: exit 2, nothing launched
bad() { # WHAT SCENARIO ARGS...
  local what=$1 scn=$2; shift 2
  run_rb 2 run "$RB_SRC/scenarios/$scn" --out "$WORK/bad" "$@"
  expect_grep "$WORK/err.txt" "$what"
}
bad "ranges: '4XB' is not a size" range.lua --set ranges=4KB,4XB
bad "ranges: 8MB is larger than the blob size" range.lua --set size=4MB --set ranges=8MB
bad "parameter 'size'" range.lua --set size=lots
bad "scales: '0' is not a positive integer" metadata.lua --set scales=10,0
bad "tag_page: must be at least 1" metadata.lua --set tag_page=0
echo "test_metadata_range: ok"
