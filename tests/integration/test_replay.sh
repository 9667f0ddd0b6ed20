# regbench replay end to end on loopback: records mixed.lua's traffic and
# uploads of every shape (chunked, streamed, single-request, a mount) in
# distribution 3's JSON access log (log.formatter: json), replays that log against a fresh crane
# registry and checks, from crane's own request log (not regbench's
# counters), that the replayed requests are the logged ones count for count
# by method x kind, PATCH included (crane declines the mount: one PUT more);
# against a fresh distribution, from its log, exactly. Upload session shapes
# the recording cannot make come from a synthetic log. Then the same log anonymised into an IBM FAST'18 trace
# (tests/tools/trace_to_ibm.py), whose manifests are replayed as blobs.
# The replay section of report.html and summary.md matches results.json
# (tests/tools/replay_section_check.py). Also: max_requests, a negative
# speed and files that are not traces exit 2 naming them.
source "$(dirname "$0")/lib.sh"

# ---- record: mixed.lua against distribution 3 with a JSON access log
DIST3=1 DIST_ACCESS_LOG=1 start_distribution dist
run_rb 0 run "$RB_SRC/scenarios/mixed.lua" --target "$dist_URL" --set rate=10 --set duration=5s \
  --set images=3 --set max_size=200KB --out "$WORK/mixed" --quiet
# ... and uploads as clients send them, so the log has PATCHes: chunked (several PATCHes per
# blob), streamed (one PATCH, as docker pushes), a single-request POST (distribution answers
# 202 and the client PUTs) and a cross-repository mount (distribution takes it: 201)
cat >"$WORK/sessions.lua" <<'EOF2'
local rb = require "regbench"
local reg = rb.registry.target()
rb.phase("sessions", function()
  local img = rb.image.generate{layers = 3, layer_size = 60000, compression = 6, seed = 77}
  assert(reg:push("sessions/chunked", "v1", img, {mode = "chunked", chunk_size = 9000}))
  local img2 = rb.image.generate{layers = 2, layer_size = 40000, compression = 6, seed = 78}
  assert(reg:push("sessions/stream", "v1", img2, {mode = "stream"}))
  assert(reg:push_blob("sessions/post", "a single-request upload", {mode = "post"}))
  local r = assert(reg:push_blob("sessions/mounted", img.layers[1], {from = "sessions/chunked"}))
  assert(r.how == "mounted", r.how)
  assert(reg:pull("sessions/chunked", "v1"))
  assert(reg:pull("sessions/stream", "v1"))
  assert(reg:get_blob("sessions/mounted", img.layers[1].digest))
end)
EOF2
run_rb 0 run "$WORK/sessions.lua" --target "$dist_URL" --out "$WORK/sessions" --quiet
LOG="$WORK/dist.log"
sleep 0.2   # the last access lines
cp "$LOG" "$WORK/access.log"
LOG="$WORK/access.log"
n_logged=$(grep -c '"msg":"response completed' "$LOG" || true)
[ "$n_logged" -gt 100 ] || fail "only $n_logged requests in distribution's access log"

# mix.py LOGFILE FORMAT: "METHOD kind count" lines, sorted. FORMAT: dist (JSON access log),
# dist-replay (the same, only the lines after the replay's start marker) or crane (crane's
# request log, only the lines after the marker).
cat >"$WORK/mix.py" <<'EOF'
import collections, json, re, sys
def kind(path):
    path = path.split("?")[0]
    if path.rstrip("/") == "/v2/_catalog": return "catalog"
    if "/blobs/uploads" in path: return "upload"
    if re.search(r"^/v2/.+/manifests/[^/]+$", path): return "manifest"
    if re.search(r"^/v2/.+/blobs/[^/]+$", path): return "blob"
    if re.search(r"^/v2/.+/tags/list$", path): return "tags"
    return "other"
c = collections.Counter()
fmt = sys.argv[2]
started = fmt == "dist"
for line in open(sys.argv[1], errors="replace"):
    if fmt in ("dist", "dist-replay"):
        if "GET /v2/_regbench/replay-start " in line:   # distribution logs the marker's 404 in a combined-format line only
            started = True
            continue
        if not line.startswith("{"): continue
        o = json.loads(line)
        if not o.get("msg", "").startswith("response completed"): continue
        if started: c[(o["http.request.method"], kind(o["http.request.uri"]))] += 1
    else:
        m = re.match(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (GET|HEAD|PUT|POST|PATCH|DELETE) (\S+)", line)
        if not m: continue
        if m.group(2) == "/v2/_regbench/replay-start":
            started = True
            continue
        if started: c[(m.group(1), kind(m.group(2)))] += 1
for (m, k), n in sorted(c.items()): print(m, k, n)
EOF
python3 "$WORK/mix.py" "$LOG" dist >"$WORK/logged.txt"
echo "logged mix:"; cat "$WORK/logged.txt"
expect_grep "$WORK/logged.txt" '^GET blob [0-9]+$'
expect_grep "$WORK/logged.txt" '^PUT upload [0-9]+$'
expect_grep "$WORK/logged.txt" '^PUT manifest [0-9]+$'
expect_grep "$WORK/logged.txt" '^PATCH upload [0-9]+$'
n_mounts=$(grep '"msg":"response completed' "$LOG" | grep -c '"http.request.method":"POST".*mount=sha256.*"http.response.status":201' || true)
expect_eq "mounts taken in the log" "$n_mounts" 1

# ---- replay the access log against a fresh crane
start_crane crane
run_rb 0 replay "$LOG" --target "$crane_URL" --out "$WORK/replay" --quiet
R="$WORK/replay/results.json"
expect_eq "replay status" "$(json "$R" "r['status']")" ok
expect_eq "phases" "$(json "$R" "[p['name'] for p in r['phases']]")" "['warmup', 'replay']"
expect_eq "replay errors" "$(json "$R" "r['phases'][1]['errors']")" 0
python3 "$WORK/mix.py" "$WORK/crane.log" crane >"$WORK/replayed.txt"
echo "replayed mix (crane's log):"; cat "$WORK/replayed.txt"
# each upload session is replayed as it was (POST, its PATCHes, PUT): the same requests, PATCH
# included; the mount is sent as a mount, which crane never takes (202), so it uploads: one PUT more
python3 - "$WORK/logged.txt" "$n_mounts" >"$WORK/logged-crane.txt" <<'EOF2'
import sys
rows = [l.split() for l in open(sys.argv[1])]
for m, k, n in rows:
    print(m, k, int(n) + (int(sys.argv[2]) if (m, k) == ("PUT", "upload") else 0))
EOF2
diff "$WORK/logged-crane.txt" "$WORK/replayed.txt" || fail "replayed mix differs from the logged mix"
expect_eq "mounts replayed as mounts" "$(grep -c 'POST /v2/sessions/mounted/blobs/uploads/?mount=sha256' "$WORK/crane.log" || true)" "$n_mounts"
# against a fresh distribution, which takes the mount, the replayed mix is the logged one exactly
DIST3=1 DIST_ACCESS_LOG=1 start_distribution dist2
run_rb 0 replay "$LOG" --target "$dist2_URL" --out "$WORK/replay-dist" --quiet
sleep 0.2   # the last access lines
python3 "$WORK/mix.py" "$WORK/dist2.log" dist-replay >"$WORK/replayed-dist.txt"
diff "$WORK/logged.txt" "$WORK/replayed-dist.txt" || fail "replay against distribution: replayed mix differs from the logged mix"
# regbench's count of what it sent agrees with crane's log (the POST of a session is where it starts)
python3 - "$R" >"$WORK/replayed-rb.txt" <<'EOF2'
import collections, json, re, sys
c = collections.Counter()
for k, v in json.load(open(sys.argv[1]))["metrics"].items():
    m = re.match(r"replay_replayed\{kind=(\w+),method=(\w+),status=\w+\}$", k)
    if m: c[(m.group(2), m.group(1))] += int(v["value"])
for (m, k), n in sorted(c.items()): print(m, k, n)
EOF2
diff "$WORK/replayed.txt" "$WORK/replayed-rb.txt" || fail "replay_replayed differs from crane's log"
# regbench's own view agrees, and the results carry the replay's metrics
expect_eq "logged records" "$(json "$R" "int(sum(v['value'] for k, v in r['metrics'].items() if k.startswith('replay_logged{')))")" "$n_logged"
expect_eq "on-time share present" "$(json "$R" "0 <= r['metrics']['replay_on_time']['rate'] <= 1")" True
expect_eq "rates" "$(json "$R" "r['metrics']['replay_rate_recorded']['value'] > 0 and r['metrics']['replay_rate_achieved']['value'] > 0")" True
expect_eq "corrected latency" "$(json "$R" "r['metrics']['replay_latency_corrected{op=get_blob}']['count'] > 0")" True
expect_eq "recorded latency" "$(json "$R" "r['metrics']['replay_latency_recorded{op=get_blob}']['p50'] > 0")" True
# report.html's replay section shows these metrics (per op, on-time share, rates, mix); a run that is
# not a replay has none
python3 "$RB_SRC/tests/tools/replay_section_check.py" "$R" "$WORK/replay/report.html" || fail "report.html's replay section"
! grep -q '<section id="replay">' "$WORK/mixed/report.html" || fail "mixed.lua's report.html has a replay section"
M="$WORK/replay/replay-map.json"
expect_eq "map" "$(json "$M" "(r['records'], r['files'][0]['format'], len(r['blobs']) > 0, len(r['manifests']) > 0)")" \
  "($n_logged, 'distribution', True, True)"

# ---- the same traffic as an anonymised IBM trace, against another fresh crane
python3 "$RB_SRC/tests/tools/trace_to_ibm.py" "$LOG" >"$WORK/ibm.json"
start_crane crane2
run_rb 0 replay "$WORK/ibm.json" --target "$crane2_URL" --out "$WORK/replay-ibm" --quiet
RI="$WORK/replay-ibm/results.json"
expect_eq "ibm replay status" "$(json "$RI" "r['status']")" ok
expect_eq "ibm replay errors" "$(json "$RI" "r['phases'][1]['errors']")" 0
python3 "$WORK/mix.py" "$WORK/crane2.log" crane >"$WORK/replayed-ibm.txt"
# manifests are blobs of the recorded size: a GET becomes a blob GET, a PUT a blob push (POST + PUT)
python3 - "$WORK/logged.txt" >"$WORK/logged-ibm.txt" <<'EOF'
import collections, sys
c = collections.Counter()
for line in open(sys.argv[1]):
    m, k, n = line.split(); n = int(n)
    if k == "manifest" and m == "GET": c[("GET", "blob")] += n
    elif k == "manifest" and m == "PUT": c[("POST", "upload")] += n; c[("PUT", "upload")] += n
    else: c[(m, k)] += n
for (m, k), n in sorted(c.items()): print(m, k, n)
EOF
echo "replayed mix of the IBM trace (crane's log):"; cat "$WORK/replayed-ibm.txt"
diff "$WORK/logged-ibm.txt" "$WORK/replayed-ibm.txt" || fail "IBM replay: replayed mix differs from the logged mix"
expect_eq "ibm map format" "$(json "$WORK/replay-ibm/replay-map.json" "r['files'][0]['format']")" ibm

# ---- limits: max_requests, as fast as possible
run_rb 0 replay "$LOG" --target "$crane_URL" --set max_requests=50 --set speed=0 --out "$WORK/replay-50" --quiet
expect_eq "max_requests" "$(json "$WORK/replay-50/results.json" "int(sum(v['value'] for k, v in r['metrics'].items() if k.startswith('replay_logged{')))")" 50

# ---- a gzip'd log, cut by recorded time, at twice the speed
gzip -c "$LOG" >"$WORK/access.log.gz"
run_rb 0 replay "$WORK/access.log.gz" --target "$crane_URL" --set max_seconds=2s --set speed=2 --out "$WORK/replay-2s" --quiet
R2="$WORK/replay-2s/results.json"
n2=$(json "$R2" "int(sum(v['value'] for k, v in r['metrics'].items() if k.startswith('replay_logged{')))")
[ "$n2" -gt 0 ] && [ "$n2" -lt "$n_logged" ] || fail "max_seconds=2s replayed $n2 of $n_logged records"
expect_eq "speed 2: replay phase about half of 2 s" "$(json "$R2" "r['phases'][1]['duration_s'] < 1.8")" True

# ---- sharded: two processes, the log's requests spread over 20 clients by repository
python3 - "$LOG" >"$WORK/clients.log" <<'EOF2'
import json, sys, zlib
for line in open(sys.argv[1]):
    if line.startswith("{"):
        o = json.loads(line)
        parts = o.get("http.request.uri", "").split("/")
        if len(parts) > 4:
            o["http.request.remoteaddr"] = "10.0.0.%d:5000" % (zlib.crc32("/".join(parts[2:4]).encode()) % 20 + 1)
        line = json.dumps(o) + "\n"
    sys.stdout.write(line)
EOF2
start_crane crane3
run_rb 0 replay "$WORK/clients.log" --target "$crane3_URL" --procs 2 --out "$WORK/replay-procs" --quiet
RP="$WORK/replay-procs/results.json"
expect_eq "sharded status" "$(json "$RP" "r['status']")" ok
expect_eq "sharded logged records" "$(json "$RP" "int(sum(v['value'] for k, v in r['metrics'].items() if k.startswith('replay_logged{')))")" "$n_logged"
# a merged run writes summary.md too: both outputs carry the replay section, with the merged figures
python3 "$RB_SRC/tests/tools/replay_section_check.py" "$RP" "$WORK/replay-procs/summary.md" || fail "summary.md's replay section"
python3 "$RB_SRC/tests/tools/replay_section_check.py" "$RP" "$WORK/replay-procs/report.html" || fail "merged report.html's replay section"
for i in 0 1; do
  expect_grep "$WORK/replay-procs/shards/shard-$i/output.txt" "replay: [1-9][0-9]* records on this shard"
done
# every shard checks the target with GET /v2/ when it starts, maybe after warmup's marker: leave "other" out
python3 "$WORK/mix.py" "$WORK/crane3.log" crane | grep -v ' other ' >"$WORK/replayed-procs.txt"
grep -v ' other ' "$WORK/logged-crane.txt" >"$WORK/logged-noother.txt"
diff "$WORK/logged-noother.txt" "$WORK/replayed-procs.txt" || fail "sharded replay: replayed mix differs from the logged mix"

# ---- order: records out of order within 10 s are sorted, later ones counted late
python3 - >"$WORK/order.log" <<'EOF2'
import json
for sec in (0, 5, 20, 0.5, 21, 19):   # 0.5 comes after 5 was due (20 - 10 s): late; 19 is within the window
    print(json.dumps({"msg": "response completed", "time": "2026-12-06T04:00:%09.6fZ" % sec,
                      "http.request.method": "GET", "http.request.uri": "/v2/", "http.response.status": 200,
                      "http.response.written": 2, "http.response.duration": "0s",
                      "http.request.remoteaddr": "127.0.0.1:1000"}))
EOF2
run_rb 0 replay "$WORK/order.log" --target "$crane_URL" --set speed=0 --out "$WORK/replay-order" --quiet
RO="$WORK/replay-order/results.json"
expect_eq "late records" "$(json "$RO" "r['metrics']['replay_late']['value']")" 1.0
expect_eq "records replayed" "$(json "$RO" "r['metrics']['replay_logged{kind=other,method=GET,status=2xx}']['value']")" 6.0

# ---- upload sessions the recording above does not have: a single-request POST taken whole
# (201), a mount taken from a repository the log never wrote (warmup fills it), a POST never
# followed, a refused POST, a session whose POST is before the log (PATCH and PUT only), and one
# whose PATCH sorts before its POST (started 1 ms earlier by the recorded times: an IBM trace's
# millisecond timestamps do this), and one whose PUT sorts before its last PATCH, which must
# each still be one session
python3 - >"$WORK/sessions.log" <<'EOF2'
import json
D1, D2, D3 = "sha256:" + "1" * 64, "sha256:" + "2" * 64, "sha256:" + "3" * 64
recs = [("POST", "/v2/s/single/blobs/uploads/?digest=" + D1, 201),
        ("POST", "/v2/s/mounted/blobs/uploads/?mount=%s&from=s/source" % D2, 201),
        ("POST", "/v2/s/orphan/blobs/uploads/", 202),
        ("POST", "/v2/s/refused/blobs/uploads/", 401),
        ("PATCH", "/v2/s/late/blobs/uploads/0d6f3a52-1111-4222-8333-944455556666?_state=x", 202),
        ("PUT", "/v2/s/late/blobs/uploads/0d6f3a52-1111-4222-8333-944455556666?_state=y&digest=" + D3, 201)]
recs = [(m, u, st, "%d.002" % i, "1ms") for i, (m, u, st) in enumerate(recs)]
SW = "/v2/s/swapped/blobs/uploads/"
recs += [("POST", SW, 202, "6.002", "1ms"),                                   # starts at 6.001
         ("PATCH", SW + "5e7a0c11-aaaa-4bbb-8ccc-ddddeeeeffff?_state=x", 202, "6.003", "3ms"),   # at 6.000
         ("PUT", SW + "5e7a0c11-aaaa-4bbb-8ccc-ddddeeeeffff?_state=y&digest=sha256:" + "4" * 64, 201, "6.005", "1ms")]
PF = "/v2/s/putfirst/blobs/uploads/"
recs += [("POST", PF, 202, "7.002", "1ms"),                                   # starts at 7.001
         ("PATCH", PF + "6f8b1d22-aaaa-4bbb-8ccc-ddddeeeeffff?_state=x", 202, "7.006", "2ms"),   # at 7.004
         ("PUT", PF + "6f8b1d22-aaaa-4bbb-8ccc-ddddeeeeffff?_state=y&digest=sha256:" + "5" * 64, 201, "7.004", "1ms")]  # at 7.003
for m, uri, st, sec, dur in recs:
    print(json.dumps({"msg": "response completed", "time": "2026-12-06T04:00:0%s000Z" % sec,
                      "http.request.method": m, "http.request.uri": uri, "http.response.status": st,
                      "http.response.written": 0, "http.response.duration": dur,
                      "http.request.remoteaddr": "127.0.0.1:1000"}))
EOF2
start_crane crane4
run_rb 0 replay "$WORK/sessions.log" --target "$crane4_URL" --set speed=0 --out "$WORK/replay-sessions" --quiet
python3 "$WORK/mix.py" "$WORK/crane4.log" crane | grep -v ' other ' >"$WORK/replayed-sessions.txt"
# single: POST; mount (crane declines it): POST ?mount=, PUT; orphan and refused: POST each;
# the late session: POST (not in the log), PATCH, PUT; the swapped one and the one whose PUT
# sorts before its PATCH: POST, PATCH, PUT each
printf 'PATCH upload 3\nPOST upload 7\nPUT upload 4\n' >"$WORK/want-sessions.txt"
diff "$WORK/want-sessions.txt" "$WORK/replayed-sessions.txt" || fail "replayed upload sessions"
expect_grep "$WORK/crane4.log" "POST /v2/s/single/blobs/uploads/\?digest=sha256:"
expect_grep "$WORK/crane4.log" "POST /v2/s/mounted/blobs/uploads/\?mount=sha256:[0-9a-f]{64}&from=s/source"
RS="$WORK/replay-sessions/results.json"
expect_eq "sessions: replay_replayed agrees with crane" \
  "$(json "$RS" "sorted((k.split('method=')[1].split(',')[0], int(v['value'])) for k, v in r['metrics'].items() if k.startswith('replay_replayed{kind=upload'))")" \
  "[('PATCH', 3), ('POST', 7), ('PUT', 4)]"
expect_eq "sessions: absorbed" "$(json "$RS" "sorted((k, int(v['value'])) for k, v in r['metrics'].items() if k.startswith('replay_absorbed{kind=upload'))")" \
  "[('replay_absorbed{kind=upload,method=PATCH}', 1), ('replay_absorbed{kind=upload,method=POST}', 1), ('replay_absorbed{kind=upload,method=PUT}', 3)]"
expect_eq "sessions: errors" "$(json "$RS" "r['phases'][1]['errors']")" 0

# ---- bad input exits 2 naming it
run_rb 2 replay "$LOG" --set speed=-1 --out "$WORK/neg"
expect_grep "$WORK/err.txt" "parameter 'speed': -1(\.0)? is not valid"
[ ! -e "$WORK/neg" ] || fail "a negative speed wrote results"
echo "this is not a trace" >"$WORK/garbage.txt"
run_rb 2 replay "$WORK/garbage.txt" --out "$WORK/garbage"
expect_grep "$WORK/err.txt" "garbage\.txt: not a trace format"
printf '{"time": 1}\n{broken\n' >"$WORK/broken.json"
run_rb 2 replay "$WORK/broken.json" --out "$WORK/broken"
expect_grep "$WORK/err.txt" "broken\.json: no record could be read"
{ head -n 20 "$WORK/order.log"; echo '{bad 1'; echo '{bad 2'; echo '{bad 3'; } >"$WORK/some-bad.log"
run_rb 2 replay "$WORK/some-bad.log" --target "$crane_URL" --set max_malformed=1 --out "$WORK/some-bad"
expect_grep "$WORK/err.txt" "some-bad\.log:8: more than 1 malformed records"
run_rb 0 replay "$WORK/some-bad.log" --target "$crane_URL" --set speed=0 --out "$WORK/some-bad-ok" --quiet
expect_eq "malformed counted" "$(json "$WORK/some-bad-ok/replay-map.json" "r['files'][0]['malformed']")" 3
run_rb 2 replay "$WORK/missing.json" --out "$WORK/missing"
expect_grep "$WORK/err.txt" "missing\.json: cannot open"
run_rb 2 replay
expect_grep "$WORK/err.txt" "replay needs at least one trace file"
echo "test_replay: ok"
