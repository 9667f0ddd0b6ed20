# gc.lua: deletes under a pull load, then the registry's offline garbage
# collector (rb.registry.gc) between phases. On distribution 2.8 and 3 with
# disk storage the storage shrinks, the time and the bytes before and after
# are recorded, the registry comes back on the same port, every live image
# still pulls and verifies and every deleted one answers 404. On crane, and
# on memory storage, the step is skipped with its reason (a warning and
# gc_skipped = 1) and the run still passes its checks.
source "$(dirname "$0")/lib.sh"

TINY=(--set images=4 --set deletes=2 --set layers=2 --set layer_size=200KB --set vus=2)
metric() { json "$1" "r['metrics']['$2'].get('value', r['metrics']['$2'].get('rate'))"; }
checks() { json "$1" "sorted((k, m['passes'], m['fails']) for k, m in r['metrics'].items() if k.startswith('checks'))"; }

for kind in distribution distribution3; do
  out="$WORK/$kind"
  run_rb 0 run "$RB_SRC/scenarios/gc.lua" "${TINY[@]}" --registry "$kind" --storage disk --out "$out"
  r="$out/results.json"
  expect_eq "$kind: status" "$(json "$r" "r['status']")" ok
  expect_eq "$kind: phases" "$(json "$r" "[p['name'] for p in r['phases']]")" "['populate', 'delete', 'verify']"
  expect_eq "$kind: no errors" "$(json "$r" "sum(p['errors'] for p in r['phases'])")" 0
  expect_eq "$kind: not skipped" "$(metric "$r" gc_skipped)" 0.0
  expect_eq "$kind: storage shrank" \
    "$(json "$r" "r['metrics']['gc_storage_after_bytes']['value'] < r['metrics']['gc_storage_before_bytes']['value']")" True
  expect_eq "$kind: GC time recorded" "$(json "$r" "0 < r['metrics']['gc_seconds']['value'] < 60")" True
  # 2 images of 2 unshared layers gone: each image's 1 layer, config and manifest
  expect_eq "$kind: blobs deleted" "$(metric "$r" gc_blobs_deleted)" 6.0
  expect_grep "$out/gc-output.txt" "blob eligible for deletion: sha256:"
  # the sampler agrees: the verify phase ends on less storage than the delete phase
  expect_eq "$kind: sampled storage shrank" \
    "$(json "$r" "r['phases'][2]['registry']['storage_bytes'] < r['phases'][1]['registry']['storage_bytes']")" True
  # one registry series across the restart: from before the deletes to after the collection,
  # the I/O counters never going back
  expect_eq "$kind: series spans the restart" \
    "$(json "$r" "(lambda t: t['t_s'][0] < r['phases'][1]['start_s'] and t['storage_bytes'][-1] < max(t['storage_bytes']) and all(a <= b for a, b in zip(t['disk_write_bytes'], t['disk_write_bytes'][1:])))(r['registry_timeseries'])")" True
  expect_eq "$kind: checks" "$(checks "$r")" \
    "[('checks{check=deleted answers 404}', 2, 0), ('checks{check=live image pulls}', 2, 0), ('checks{check=storage shrank}', 1, 0)]"
  expect_eq "$kind: threshold" "$(json "$r" "[t['passed'] for t in r['thresholds']]")" "[True]"
  expect_grep "$out/registry-config.yml" "delete:"
  expect_grep "$out/registry-config.yml" "enabled: true"
  # stopped and started again, on the same address
  expect_eq "$kind: restarted once on one port" \
    "$(grep -oE 'msg="listening on 127.0.0.1:[0-9]+' "$out/registry.log" | sort | uniq -c | awk '{print $1}')" 2
  expect_grep "$WORK/out.txt" "^gc: [0-9.]+ s; storage [0-9]+ -> [0-9]+ bytes; 6 blobs deleted$"
  registry_gone "$r"
done

# crane: no collector; the step is skipped with the reason and the checks still hold
out="$WORK/crane"
run_rb 0 run "$RB_SRC/scenarios/gc.lua" "${TINY[@]}" --registry crane --out "$out"
r="$out/results.json"
expect_eq "crane: status" "$(json "$r" "r['status']")" ok
expect_eq "crane: skipped" "$(metric "$r" gc_skipped)" 1.0
expect_eq "crane: no GC time" "$(json "$r" "'gc_seconds' in r['metrics']")" False
expect_grep "$WORK/out.txt" "^gc: skipped: crane has no garbage collector$"
expect_grep "$WORK/err.txt" "^regbench: warning: garbage collection skipped: crane has no garbage collector$"
expect_eq "crane: the warning is in results.json" \
  "$(json "$r" "r['phases'][1]['warnings']")" "['garbage collection skipped: crane has no garbage collector']"
expect_eq "crane: checks" "$(checks "$r")" \
  "[('checks{check=deleted answers 404}', 2, 0), ('checks{check=live image pulls}', 2, 0)]"
registry_gone "$r"

# distribution on memory storage: a restart would lose everything, so no GC
out="$WORK/memory"
run_rb 0 run "$RB_SRC/scenarios/gc.lua" "${TINY[@]}" --registry distribution --out "$out"
r="$out/results.json"
expect_eq "memory: skipped" "$(metric "$r" gc_skipped)" 1.0
expect_grep "$WORK/out.txt" "^gc: skipped: memory storage: "
expect_eq "memory: checks passed" "$(json "$r" "[t['passed'] for t in r['thresholds']]")" "[True]"
expect_eq "memory: one registry process" "$(grep -c 'msg="listening on' "$out/registry.log")" 1
