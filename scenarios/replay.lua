-- replay.lua: replays a recorded registry trace against the registry under
-- test: distribution's JSON access log or an IBM FAST'18 trace (rb.trace;
-- several files merge by time), at the recorded pace divided by `speed`.
--
--   regbench replay access.log --target http://127.0.0.1:5000
--   regbench run scenarios/replay.lua --set log=a.json,b.json --set speed=2
--
-- How it goes:
--  1. The log is streamed once (every shard does this, it sends nothing) to
--     build a table of the objects it names: repositories, blobs (size: the
--     largest 2xx GET of the digest; else drawn from the log's blob sizes),
--     manifests (the blobs their first pull or their push touched), and the
--     upload sessions (below). Memory grows with the distinct objects and
--     uploads, never with the log's length. Each object gets a generated
--     counterpart; the map is written to replay-map.json beside
--     results.json.
--  2. warmup (rb.setup: once for a sharded run) pushes what must exist
--     before the log starts: every blob and manifest whose first record
--     reads it successfully (a mount's source included), and a small config
--     blob for every manifest. The last request of warmup is
--     `GET /v2/_regbench/replay-start`, a marker that splits the registry's
--     own log into warmup and replay.
--  3. replay: the log is streamed again; each record starts at its recorded
--     start (time minus duration) divided by `speed`, in its own VU (an open
--     model: a slow registry does not slow the arrivals). Requests of one
--     client go to one shard (a hash of the client mod the shard count); on a
--     shard they are not serialised, except that a manifest PUT first waits
--     for the same client's upload sessions to that repository. Records out
--     of order by less than 10 s are sorted; later ones are counted
--     (replay_late) and started at once. An arrival that finds `max_vus`
--     requests in flight is dropped and counted (replay_dropped); with
--     speed = 0 it waits for a free slot instead.
--
--     A read of an object the log creates (a GET or HEAD of a blob after its
--     upload, of a manifest after its PUT; a mount of its source) first
--     waits for the replayed creation to end, so causality holds at any
--     speed; the wait counts against the on-time share.
--
-- Requests: manifest and blob GET/HEAD/DELETE, tags and catalog GETs and
-- GET /v2/ are sent as recorded, on the generated objects. A manifest PUT
-- pushes the generated manifest. IBM traces are anonymised, so their
-- manifests are replayed as blobs of the recorded size (GET -> blob GET,
-- PUT -> a monolithic blob push), as the trace's authors did.
--
-- Uploads are replayed as the sessions they were (issue 16). Pass 1 groups
-- an upload's records: its POST, then the PATCHes and the PUT ?digest= that
-- name it by the id in their path (/v2/<name>/blobs/uploads/<id>). The
-- POST's Location is not logged, so a 202 POST is paired with the first
-- new id of the same client and repository, oldest POST first (or, when
-- the id sorts just before its POST, claimed by it: CLAIM_US). The session
-- is one reg:push_blob of the generated blob, in the mode that sends the
-- same requests: no PATCH -> monolithic (POST, PUT; also for a POST
-- ?digest= answered 202, distribution's answer to a single-request upload,
-- after which the client PUTs); one PATCH -> stream (one PATCH with the
-- whole body and no Content-Range, as docker sends it); n PATCHes ->
-- chunked in chunks of ceil(size / n); a POST ?digest= answered 201 ->
-- post; a POST ?mount=&from= answered 201 -> a mount from the generated
-- source (an upload if the target declines); a 202 mount -> the mount
-- tried again, then the upload. A POST never followed (or refused) is sent
-- alone; a session without its PUT (the log ends) is uploaded whole; one
-- whose POST is before the log starts at its first record.
--
-- When a session starts: at its POST's recorded start, since that is when
-- the client began, so the target sees the upload start when the recorded
-- registry did; its requests then follow each other as fast as the target
-- answers (the client's own gaps between them, reading and compressing a
-- layer, are not replayed). Starting at the closing PUT, as this scenario
-- used to, sent the bytes after the recorded upload had already ended. The
-- other records of the session are absorbed (replay_absorbed), and what
-- the registry saw (push_blob's `requests`: a declined mount, a post
-- fallback, a failed upload's partial requests) is what replay_replayed
-- counts. The session's latency is op upload_session: measured from its
-- start to its PUT's end, recorded from its first record's start to its
-- last record's end.
--
-- Results (custom metrics, in results.json `metrics`):
--   replay_on_time (rate)        started within `tolerance` of the intended time
--   replay_latency_corrected{op} ms from the intended start (queueing counts);
--                                op = method_kind, or upload_session
--   replay_latency{op}           ms from the actual start
--   replay_latency_recorded{op}  ms the registry recorded in the log
--   replay_logged{method,kind,status}, replay_replayed{method,kind,status}
--                                the mix, by status class, logged vs sent
--   replay_rate_recorded, replay_rate_achieved (gauges, requests/s)
--   replay_dropped, replay_late, replay_absorbed{method,kind}, replay_failed
local rb = require "regbench"

local log = rb.param("log", "", {doc = "trace file(s), comma-separated (several merge by time)"})
local speed = rb.param("speed", 1.0, {doc = "replay speed: 2 = twice as fast as recorded, 0 = as fast as possible"})
local max_requests = rb.param("max_requests", 0, {doc = "replay at most this many records (0: all)"})
local max_seconds = rb.param("max_seconds", "0s", {type = "duration", doc = "replay at most this much recorded time (0: all)"})
local max_vus = rb.param("max_vus", 200, {doc = "requests in flight at most; later arrivals are dropped"})
local tolerance = rb.param("tolerance", "10ms", {type = "duration", doc = "a request started within this of its intended time is on time"})
local max_malformed = rb.param("max_malformed", 100, {doc = "fail when a file has more malformed records than this (-1: never)"})
local seed = rb.param("seed", 1, {doc = "seed of generated contents and drawn sizes"})

local WINDOW_US = 10 * 1000 * 1000   -- records out of order by less than this are sorted
local HEAP_CAP = 1000000             -- records held for sorting at most
local SMALL_BLOB = 1000 * 1000       -- blobs below this are Lua strings; larger ones generated layers
local MAX_SAMPLES = 1000             -- blob sizes kept to draw unknown sizes from
local MAX_LIST = 256                 -- blobs named by one manifest at most

local on_time = rb.metrics.rate("replay_on_time")
local lat_corrected = rb.metrics.trend("replay_latency_corrected")
local lat_measured = rb.metrics.trend("replay_latency")
local lat_recorded = rb.metrics.trend("replay_latency_recorded")
local logged_mix = rb.metrics.counter("replay_logged")
local replayed_mix = rb.metrics.counter("replay_replayed")
local rate_recorded = rb.metrics.gauge("replay_rate_recorded")
local rate_achieved = rb.metrics.gauge("replay_rate_achieved")
local dropped_c = rb.metrics.counter("replay_dropped")
local late_c = rb.metrics.counter("replay_late")
local absorbed_c = rb.metrics.counter("replay_absorbed")
local failed_c = rb.metrics.counter("replay_failed")

if speed < 0 then
  rb.input_error(("parameter 'speed': %s is not valid; it must be 0 (as fast as possible) or more"):format(tostring(speed)))
end
if max_requests < 0 then rb.input_error(("parameter 'max_requests': %d is not valid; it must be 0 or more"):format(max_requests)) end
if max_vus < 1 then rb.input_error(("parameter 'max_vus': %d is not valid; it must be 1 or more"):format(max_vus)) end
if max_malformed < -1 then rb.input_error(("parameter 'max_malformed': %d is not valid; it must be -1 or more"):format(max_malformed)) end

local paths = {}
for p in log:gmatch("[^,]+") do paths[#paths + 1] = p end

-- Opens every file; an unreadable or unrecognised one is bad input (exit 2, naming it).
local function open_all()
  local readers = {}
  for i, p in ipairs(paths) do
    local tr, err = rb.trace.open(p, max_malformed >= 0 and {max_malformed = max_malformed} or nil)
    if not tr then rb.input_error(err) end
    readers[i] = {tr = tr, path = p, ibm = tr:stats().format == "ibm"}
  end
  return readers
end
if #paths > 0 then for _, r in ipairs(open_all()) do r.tr:close() end end

local reg = rb.registry.target()   -- the first action: --help stops here
if #paths == 0 then rb.input_error("parameter 'log' is required: the trace file(s) to replay, comma-separated") end
local me = rb.shard()

-- ---- the merged, sorted stream of records ---------------------------------

-- A binary min-heap of records by (t, seq).
local function less(a, b) return a.t < b.t or (a.t == b.t and a.seq < b.seq) end
local function heap_push(h, x)
  h.n = h.n + 1
  local i = h.n
  h[i] = x
  while i > 1 do   -- at most log2(n) steps
    local p = i // 2
    if not less(h[i], h[p]) then break end
    h[i], h[p] = h[p], h[i]
    i = p
  end
end
local function heap_pop(h)
  local top = h[1]
  h[1] = h[h.n]
  h[h.n] = nil
  h.n = h.n - 1
  local i = 1
  while true do   -- at most log2(n) steps
    local l, r, m = 2 * i, 2 * i + 1, i
    if l <= h.n and less(h[l], h[m]) then m = l end
    if r <= h.n and less(h[r], h[m]) then m = r end
    if m == i then break end
    h[i], h[m] = h[m], h[i]
    i = m
  end
  return top
end

-- Every record of the files, merged by start time (time minus the recorded
-- duration), sorted within WINDOW_US, up to max_requests / max_seconds.
-- Returns an iterator, and the readers (for their stats). A record past
-- the window keeps its order and gets .late = true and the time of the last
-- record returned. Yields (rb.sleep(0)) every 2000 records.
local function stream()
  local readers = open_all()
  local n, h, seq, emitted, first_t, count = #readers, {n = 0}, 0, nil, nil, 0
  local last, done = {}, {}
  local function fill()
    for _ = 1, HEAP_CAP do   -- each pass reads one record or returns
      local lo, li = math.huge, nil
      for i = 1, n do
        if not done[i] and (last[i] or -math.huge) < lo then lo, li = last[i] or -math.huge, i end
      end
      if not li or h.n >= HEAP_CAP or (h.n > 0 and h[1].t <= lo - WINDOW_US) then return end
      local rec, err = readers[li].tr:next()
      if err then rb.input_error(err) end
      if not rec then
        done[li] = true
      else
        rec.t = rec.time_us - rec.duration_us
        rec.ibm = readers[li].ibm
        seq = seq + 1
        rec.seq = seq
        if not last[li] or rec.t > last[li] then last[li] = rec.t end
        heap_push(h, rec)
      end
    end
  end
  local function iter()
    if max_requests > 0 and count >= max_requests then return nil end
    fill()
    if h.n == 0 then return nil end
    local rec = heap_pop(h)
    if emitted and rec.t < emitted then
      rec.late, rec.t = true, emitted
    else
      emitted = rec.t
    end
    first_t = first_t or rec.t
    if max_seconds > 0 and rec.t - first_t > max_seconds * 1e6 then return nil end
    count = count + 1
    if count % 2000 == 0 then rb.sleep(0) end
    return rec
  end
  return iter, readers
end

-- ---- names -----------------------------------------------------------------

local function valid_repo(name)
  if #name == 0 or #name > 200 then return false end
  for comp in (name .. "/"):gmatch("([^/]*)/") do
    if not comp:match("^[a-z0-9]") or not comp:match("[a-z0-9]$") then return false end
    for sep in comp:gmatch("[^a-z0-9]+") do
      if not (sep == "." or sep == "_" or sep == "__" or sep:match("^%-+$")) then return false end
    end
  end
  return true
end
local function valid_tag(t) return #t <= 128 and t:match("^[%w_][%w_.%-]*$") ~= nil end
local function is_digest(s) return s:match("^sha256:%x+$") ~= nil end

local function status_class(s)
  if type(s) ~= "number" then return "err" end
  return ("%dxx"):format(s // 100)
end

-- A deterministic hash of a client address: its shard.
local function client_shard(c)
  local hsh = 2166136261
  for i = 1, #c do hsh = ((hsh ~ c:byte(i)) * 16777619) & 0xffffffff end
  return hsh % me.count
end

-- ---- pass 1: the object table ----------------------------------------------

local repos, n_repos = {}, 0          -- original name -> generated name
local blobs, blob_list = {}, {}       -- key -> {idx, size, digest, layer}
local exists = {}                     -- repo .. "@" .. key -> true (before the log) | false (made by it)
local pre_blobs = {}                  -- {repo, key} pushed by warmup
local manifests, manifest_list = {}, {}   -- repo .. ":" .. ref -> {repo, ref, pre, blobs = {keys}}
local samples, msamples = {}, {}      -- blob sizes, IBM manifest sizes, to draw unknown sizes from
local span = {first = nil, last = nil, records = 0}

local function repo_of(name)
  local g = repos[name]
  if g then return g end
  n_repos = n_repos + 1
  g = valid_repo(name) and name or ("replay/r" .. n_repos)
  repos[name] = g
  return g
end

local function blob_of(key)
  local b = blobs[key]
  if not b then
    b = {idx = #blob_list + 1, size = nil, key = key}
    blobs[key] = b
    blob_list[#blob_list + 1] = b
  end
  return b
end

-- Keeps a uniform sample of MAX_SAMPLES sizes in pool (a reservoir, drawn with rb.random).
local function sample(pool, size)
  pool.n = (pool.n or 0) + 1
  if #pool < MAX_SAMPLES then pool[#pool + 1] = size; return end
  local j = math.floor(rb.random(seed, pool.n, 7) * pool.n) + 1
  if j <= MAX_SAMPLES then pool[j] = size end
end

-- First sight of blob key in repo: does it exist before the log?
local function see_blob(repo, key, pre)
  local k = repo .. "@" .. key
  if exists[k] == nil then
    exists[k] = pre
    if pre then pre_blobs[#pre_blobs + 1] = {repo = repo, key = key} end
  end
end

local function add_unique(list, key)
  if #list >= MAX_LIST then return end
  for _, k in ipairs(list) do if k == key then return end end
  list[#list + 1] = key
end

local building, pending = {}, {}      -- client .. " " .. repo -> manifest being pulled / blobs being pushed

-- Upload sessions. A session is what one upload sent: a POST (a 202 opens
-- it; a 201 is a whole upload, a mount taken or a single-request upload),
-- PATCHes and a closing PUT, the later ones naming it by the id in their
-- path (/v2/<name>/blobs/uploads/<id>). The POST's answer (Location) is not
-- in the log, so a 202 POST is matched to the first new id of the same
-- client and repository, oldest POST first: with parallel uploads a POST
-- may be paired with a sibling's id, which changes neither the requests nor
-- their count, only which blob starts a few ms early.
-- Starts are recorded times less recorded durations: with an IBM trace's
-- millisecond timestamps a PATCH that followed its POST within a
-- millisecond can sort before it. So an id seen before any open POST waits
-- CLAIM_US for a 202 POST of its client and repository to claim it (the
-- session then starts at the id's record, and the POST is absorbed); past
-- that, its POST is taken to be before the log. Likewise the session's last
-- PATCH can sort just after its PUT (same millisecond): a PATCH of a closed
-- id within CLAIM_US of its PUT still counts in that session.
local CLAIM_US = 50 * 1000
local sessions = {}     -- upload id -> its session, until its PUT
local closed = {}       -- upload id -> its session, after its PUT (a PATCH may sort after the PUT)
local session_at = {}   -- seq of a session's first record -> the session (its replay starts there)
local opened = {}       -- client .. " " .. repo -> {first =, last =, sessions opened by a 202 POST and not yet matched}
local unclaimed = {}    -- client .. " " .. repo -> sessions seen by id first, no older than CLAIM_US
local n_sessions = 0

-- The session's blob is known (its PUT's digest, or a taken mount's): it is made by the log.
local function session_blob(s, ck)
  blob_of(s.key)
  repo_of(s.repo)
  see_blob(s.repo, s.key, false)
  pending[ck] = pending[ck] or {}
  add_unique(pending[ck], s.key)
end

-- A new session whose replay starts at record rec.
local function new_session(rec)
  n_sessions = n_sessions + 1
  local s = {repo = rec.repo, client = rec.client, patches = 0, t = rec.t}
  session_at[rec.seq] = s
  repo_of(rec.repo)
  return s
end

-- The sessions of list that started at most CLAIM_US before t (in order).
local function recent(list, t)
  local out = {}
  for _, s in ipairs(list) do   -- at most MAX_LIST
    if t - s.t <= CLAIM_US then out[#out + 1] = s end
  end
  return out
end

local function scan_upload(rec, ck)
  local m = rec.method
  if m == "POST" and rec.status == 202 and unclaimed[ck] then
    local u = recent(unclaimed[ck], rec.t)
    unclaimed[ck] = #u > 0 and u or nil
    if #u > 0 then   -- the oldest recent id is this POST's
      local claimed = table.remove(u, 1)
      if rec.mount ~= "" and rec.from ~= "" then claimed.from = rec.from; repo_of(rec.from) end
      if #u == 0 then unclaimed[ck] = nil end
      return
    end
  end
  if m == "POST" then
    local s = new_session(rec)
    if rec.mount ~= "" and rec.from ~= "" then s.from = rec.from; repo_of(rec.from) end
    if rec.status == 201 and (s.from or rec.digest ~= "") then
      s.key, s.single, s.done_us = s.from and rec.mount or rec.digest, not s.from, rec.time_us
      if s.from then see_blob(s.from, s.key, true) end   -- a mount's source has the blob, before the log if not by it
      session_blob(s, ck)
    elseif rec.status == 202 then
      local q = opened[ck] or {first = 1, last = 0}
      q.last = q.last + 1
      q[q.last] = s
      opened[ck] = q
    else
      s.bare = true   -- refused: replayed as a POST alone
    end
    return
  end
  if rec.ref == "" or (m ~= "PATCH" and m ~= "PUT") then return end   -- a status GET, a cancelling DELETE: absorbed
  local s = sessions[rec.ref]
  local c = closed[rec.ref]
  if not s and c and m == "PATCH" and rec.t - c.put_t <= CLAIM_US then   -- its PUT sorted first: still that session
    c.patches = c.patches + 1
    if rec.time_us > c.done_us then c.done_us = rec.time_us end
    return
  end
  if not s then
    local q = opened[ck]
    if q and q.first <= q.last then
      s = q[q.first]
      q[q.first] = nil
      q.first = q.first + 1
    else   -- its POST is before the log, or just after this record in the sorted log: the session starts here
      s = new_session(rec)
      local u = recent(unclaimed[ck] or {}, rec.t)
      if #u < MAX_LIST then u[#u + 1] = s end
      unclaimed[ck] = u
    end
    s.id = rec.ref
    sessions[rec.ref] = s
  end
  s.done_us = rec.time_us
  if m == "PATCH" then
    s.patches = s.patches + 1
  elseif m == "PUT" then
    s.key = rec.digest ~= "" and rec.digest or ("upload:" .. rec.client .. ":" .. rec.repo .. ":" .. rec.ref)
    sessions[rec.ref] = nil
    s.put_t = rec.t
    closed[rec.ref] = s
    session_blob(s, ck)
  end
end

local function scan_record(rec)
  span.first = span.first or rec.t
  span.last = rec.t
  span.records = span.records + 1
  local ok = rec.status < 400
  local ck = rec.client .. " " .. rec.repo
  local m, kind = rec.method, rec.kind
  if rec.ibm and kind == "manifest" then   -- a manifest of an anonymised trace: a blob of its recorded size
    local b = blob_of("m:" .. rec.repo .. ":" .. rec.ref)
    b.manifest = true
    repo_of(rec.repo)
    if m == "GET" and rec.status == 200 and rec.bytes > 0 then b.size = math.max(b.size or 0, rec.bytes); sample(msamples, rec.bytes) end
    see_blob(rec.repo, b.key, (m == "GET" or m == "HEAD") and ok)
  elseif kind == "blob" then
    local b = blob_of(rec.ref)
    repo_of(rec.repo)
    if m == "GET" and rec.status == 200 and rec.bytes > 0 then b.size = math.max(b.size or 0, rec.bytes); sample(samples, rec.bytes) end
    see_blob(rec.repo, rec.ref, (m == "GET" or m == "HEAD") and ok)
    if (m == "GET" or m == "HEAD") and ok and exists[rec.repo .. "@" .. rec.ref] then
      local mf = building[ck]
      if mf then add_unique(mf.blobs, rec.ref) end
    end
    if m == "HEAD" then
      pending[ck] = pending[ck] or {}
      add_unique(pending[ck], rec.ref)
    end
  elseif kind == "upload" then
    scan_upload(rec, ck)
  elseif kind == "manifest" then
    repo_of(rec.repo)
    local mk = rec.repo .. ":" .. rec.ref
    local mf = manifests[mk]
    if not mf then
      mf = {repo = rec.repo, ref = rec.ref, pre = (m == "GET" or m == "HEAD") and ok, blobs = nil, idx = #manifest_list + 1}
      manifests[mk] = mf
      manifest_list[#manifest_list + 1] = mf
    end
    if m == "PUT" then
      if not mf.blobs then mf.blobs = pending[ck] or {} end
      pending[ck] = nil
    elseif (m == "GET" or m == "HEAD") and mf.pre and not mf.blobs then
      mf.blobs = {}
      building[ck] = mf
    end
  elseif kind == "tags" then
    repo_of(rec.repo)
  end
end

local readers_stats = {}
local t_scan = rb.now()
do
  local it, readers = stream()
  for rec in it do scan_record(rec) end
  for _, r in ipairs(readers) do
    local s = r.tr:stats()
    readers_stats[#readers_stats + 1] = {path = r.path, format = s.format, records = s.records,
                                         malformed = s.malformed, skipped = s.skipped}
    if s.records == 0 and s.malformed > 0 then
      rb.input_error(("%s: no record could be read (%d malformed; the first at line %d: %s)"):format(
        r.path, s.malformed, s.first_malformed[1].line, s.first_malformed[1].message))
    end
    r.tr:close()
  end
end
if span.records == 0 then rb.input_error(("%s: no requests to replay"):format(log)) end
-- Sessions the log leaves open: a 202 POST never followed is replayed as a
-- POST alone; one with PATCHes but no PUT (cut by the log's end or
-- abandoned) as a whole upload of a blob of its own.
for _, q in pairs(opened) do
  for i = q.first, q.last do q[i].bare = true end
end
for id, s in pairs(sessions) do
  s.key = "upload:" .. s.client .. ":" .. s.repo .. ":" .. id
  session_blob(s, s.client .. " " .. s.repo)
end
building, pending, sessions, closed, opened, unclaimed = nil, nil, nil, nil, nil, nil

-- Sizes: recorded, else drawn from the recorded ones of its kind (4 KB if none).
for _, b in ipairs(blob_list) do
  if not b.size then
    local pool = b.manifest and #msamples > 0 and msamples or samples
    b.size = #pool > 0 and pool[math.floor(rb.random(seed, b.idx, 3) * #pool) + 1] or 4096
    b.drawn = true
  end
end

-- Generated contents: blobs below SMALL_BLOB are strings made on demand, larger ones generated layers.
local function blob_bytes(b)
  local head = ("regbench replay %d blob %d\n"):format(seed, b.idx)
  if b.size <= #head then return head:sub(1, b.size) end
  return head .. string.rep(".", b.size - #head)
end
local function blob_value(b) return b.layer or blob_bytes(b) end
for i, b in ipairs(blob_list) do
  if b.size >= SMALL_BLOB then
    b.layer = rb.image.layer{size = b.size, compression = 6, compressibility = 0.5, seed = seed * 1000003 + b.idx}
    b.digest, b.gen_size = b.layer.digest, b.layer.size
  else
    b.digest, b.gen_size = rb.sha256(blob_bytes(b)), b.size
  end
  if i % 200 == 0 then rb.sleep(0) end
end

-- Manifests: an OCI image manifest naming a config made for it and the blobs of its first pull or its push.
local OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
for i, mf in ipairs(manifest_list) do
  mf.config = ('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},' ..
               '"config":{"Labels":{"org.regbench.replay":"%d/%d"}}}'):format(seed, mf.idx)
  local layers = {}
  for _, key in ipairs(mf.blobs or {}) do
    local b = blobs[key]
    if b and (not mf.pre or exists[mf.repo .. "@" .. key]) then
      layers[#layers + 1] = ('{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d}'):format(
        b.digest, b.gen_size)
    end
  end
  mf.body = ('{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.oci.image.config.v1+json",' ..
             '"digest":"%s","size":%d},"layers":[%s]}'):format(OCI_MANIFEST, rb.sha256(mf.config), #mf.config,
             table.concat(layers, ","))
  mf.digest = rb.sha256(mf.body)
  mf.gen_ref = (is_digest(mf.ref) and mf.digest) or (valid_tag(mf.ref) and mf.ref) or ("t" .. mf.idx)
  if i % 200 == 0 then rb.sleep(0) end
end

-- ---- the map, beside results.json ------------------------------------------

local function jstr(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' elseif c == "\\" then return "\\\\" end
    return ("\\u%04x"):format(c:byte())
  end) .. '"'
end
do
  local path = rb.out_dir() .. "/replay-map.json"
  local f = assert(io.open(path, "w"))
  f:write('{\n"files": [')
  for i, s in ipairs(readers_stats) do
    f:write(i > 1 and "," or "", ("\n  {\"path\": %s, \"format\": %s, \"records\": %d, \"malformed\": %d, \"skipped\": %d}"):format(
      jstr(s.path), jstr(s.format), s.records, s.malformed, s.skipped))
  end
  f:write(("\n],\n\"records\": %d,\n\"recorded_seconds\": %.6f,\n\"repositories\": {"):format(
    span.records, (span.last - span.first) / 1e6))
  local sep = ""
  for orig, gen in pairs(repos) do f:write(sep, "\n  ", jstr(orig), ": ", jstr(gen)); sep = "," end
  f:write("\n},\n\"blobs\": {")
  sep = ""
  for _, b in ipairs(blob_list) do
    f:write(sep, ("\n  %s: {\"digest\": %s, \"size\": %d, \"size_drawn\": %s}"):format(
      jstr(b.key), jstr(b.digest), b.gen_size, b.drawn and "true" or "false"))
    sep = ","
  end
  f:write("\n},\n\"manifests\": {")
  sep = ""
  for _, mf in ipairs(manifest_list) do
    f:write(sep, ("\n  %s: {\"repository\": %s, \"reference\": %s, \"digest\": %s, \"before_log\": %s}"):format(
      jstr(mf.repo .. ":" .. mf.ref), jstr(repos[mf.repo]), jstr(mf.gen_ref), jstr(mf.digest), mf.pre and "true" or "false"))
    sep = ","
  end
  f:write("\n}\n}\n")
  f:close()
end
collectgarbage()
print(("replay: %d records over %.1f s of recorded time, %d repositories, %d blobs, %d manifests, %d upload sessions (read in %.1f s; Lua memory %.1f MB)"):format(
  span.records, (span.last - span.first) / 1e6, n_repos, #blob_list, #manifest_list, n_sessions, rb.now() - t_scan,
  collectgarbage("count") / 1024))

-- ---- warmup ----------------------------------------------------------------

rb.setup("warmup", function()
  local work = {}
  for _, p in ipairs(pre_blobs) do work[#work + 1] = {"blob", p.repo, blobs[p.key]} end
  for _, mf in ipairs(manifest_list) do work[#work + 1] = {"config", mf.repo, mf} end
  local n_blob_work = #work
  for _, mf in ipairs(manifest_list) do if mf.pre then work[#work + 1] = {"manifest", mf.repo, mf} end end
  local next_i, failed = 0, nil
  local function worker(from, to)
    for _ = from, to do   -- bounded by the work list
      next_i = next_i + 1
      if next_i > to then return end
      local w = work[next_i]
      local r, err
      if w[1] == "blob" then r, err = reg:push_blob(repos[w[2]], blob_value(w[3]))
      elseif w[1] == "config" then r, err = reg:push_blob(repos[w[2]], w[3].config)
      else r, err = reg:put_manifest(repos[w[2]], w[3].gen_ref, w[3].body, OCI_MANIFEST) end
      if not r then failed = failed or ("warmup %s %s: %s"):format(w[1], repos[w[2]], tostring(err)) end
    end
  end
  -- blobs first (8 at a time), then manifests, which name them
  local hs = {}
  for i = 1, 8 do hs[i] = rb.spawn(worker, 1, n_blob_work) end
  for _, hd in ipairs(hs) do hd:join() end
  next_i = n_blob_work
  hs = {}
  for i = 1, 8 do hs[i] = rb.spawn(worker, n_blob_work + 1, #work) end
  for _, hd in ipairs(hs) do hd:join() end
  if failed then error(failed, 0) end
  -- the marker: the registry's log says where warmup ends
  rb.http.request{url = reg.url .. "/v2/_regbench/replay-start", op = "replay_marker", expect = {400, 404}, discard_body = true}
end)

-- ---- replay ----------------------------------------------------------------

local function name(repo) return (reg.prefix or "") .. repos[repo] end
-- The push_blob options that send what session s sent: a taken mount is a
-- mount (an upload when the target declines); a 201 POST with the digest a
-- single-request upload (post); else POST, the session's PATCHes, PUT:
-- none is monolithic, one is stream (one PATCH with the whole body, as
-- docker sends it), n are chunked in n chunks of ceil(size / n) bytes (for
-- a blob smaller than about n * n bytes that can make fewer chunks; what is
-- sent is counted). A refused mount (202) is tried again before the upload.
local function session_opts(s, b)
  local o = {from = s.from and repos[s.from] or nil}
  if s.single then o.mode = "post"
  elseif s.patches == 0 then o.mode = "monolithic"
  elseif s.patches == 1 then o.mode = "stream"
  else o.mode, o.chunk_size = "chunked", math.max(1, (b.gen_size + s.patches - 1) // s.patches) end
  return o
end

-- Pushes blob b to the generated repository as opts say; returns the
-- requests the registry saw, as {method, "upload", status}.
local function push_session(grepo, b, opts)
  opts.requests = {}
  reg:push_blob(grepo, blob_value(b), opts)
  local sent = {}
  for i, q in ipairs(opts.requests) do sent[i] = {q.method, "upload", q.status or "err"} end
  return sent
end

-- Sends one record's request(s); returns a list of {method, kind, status} sent.
local function send(rec)
  local m, kind, repo = rec.method, rec.kind, rec.repo
  local function st(r, err, okstatus) return r and okstatus or (err and err.status) or "err" end
  if (kind == "blob" or (rec.ibm and kind == "manifest")) and repos[repo] then
    local b = kind == "blob" and blobs[rec.ref] or blobs["m:" .. repo .. ":" .. rec.ref]
    if m == "GET" then
      local r, err = reg:get_blob(repos[repo], b.digest, {size = b.gen_size})
      return {{"GET", "blob", st(r, err, 200)}}
    elseif m == "HEAD" then
      local r, err = reg:blob_exists(repos[repo], b.digest)
      return {{"HEAD", "blob", r == false and 404 or st(r, err, 200)}}
    elseif m == "DELETE" then
      local r, err = reg:delete_blob(repos[repo], b.digest)
      return {{"DELETE", "blob", st(r, err, 202)}}
    elseif m == "PUT" then   -- an IBM manifest PUT: a blob push
      return push_session(repos[repo], b, {mode = "monolithic"})
    end
  elseif kind == "upload" then
    local s = session_at[rec.seq]
    if s.bare then
      local r = rb.http.request{method = "POST", url = reg.url .. "/v2/" .. name(repo) .. "/blobs/uploads/",
                                op = "blob_upload_open", discard_body = true}
      return {{"POST", "upload", r and r.status or "err"}}
    end
    return push_session(repos[repo], blobs[s.key], session_opts(s, blobs[s.key]))
  elseif kind == "manifest" then
    local mf = manifests[repo .. ":" .. rec.ref]
    if m == "GET" then
      local r, err = reg:get_manifest(repos[repo], mf.gen_ref)
      return {{"GET", "manifest", st(r, err, 200)}}
    elseif m == "HEAD" then
      local r, err = rb.http.request{method = "HEAD", url = reg.url .. "/v2/" .. name(repo) .. "/manifests/" .. mf.gen_ref,
                                     headers = {Accept = OCI_MANIFEST}, op = "manifest_head", expect = {404}}
      return {{"HEAD", "manifest", r and r.status or "err"}}
    elseif m == "PUT" then
      local r, err = reg:put_manifest(repos[repo], mf.gen_ref, mf.body, OCI_MANIFEST)
      return {{"PUT", "manifest", st(r, err, 201)}}
    elseif m == "DELETE" then
      local r, err = reg:delete_manifest(repos[repo], mf.gen_ref)
      return {{"DELETE", "manifest", st(r, err, 202)}}
    end
  elseif kind == "tags" and m == "GET" then
    local r, err = reg:tags(repos[repo])
    return {{"GET", "tags", st(r, err, 200)}}
  elseif kind == "catalog" and m == "GET" then
    local r = rb.http.request{url = reg.url .. "/v2/_catalog", op = "catalog"}
    return {{"GET", "catalog", r and r.status or "err"}}
  elseif kind == "other" and (m == "GET" or m == "HEAD") then
    local r = rb.http.request{method = m, url = reg.url .. "/v2/", op = "ping_request", discard_body = true}
    return {{m, "other", r and r.status or "err"}}
  end
  return nil
end

-- Whether a record is sent (else it is absorbed: the records of an upload
-- session after its first, other methods).
local function sendable(rec)
  local m, k = rec.method, rec.kind
  if k == "upload" then return session_at[rec.seq] ~= nil end   -- a session's first record sends it
  if k == "blob" then return m == "GET" or m == "HEAD" or m == "DELETE" end
  if k == "manifest" then return m == "GET" or m == "HEAD" or m == "PUT" or m == "DELETE" end
  if k == "tags" or k == "catalog" then return m == "GET" end
  return m == "GET" or m == "HEAD"
end

-- The object a record reads (blob or manifest GET/HEAD), and the one it creates (upload or manifest PUT).
local function reads_key(rec)
  if rec.kind == "upload" then   -- a mount reads its source
    local s = session_at[rec.seq]
    return s and s.from and s.key and (s.from .. "@" .. s.key) or nil
  end
  if rec.method ~= "GET" and rec.method ~= "HEAD" then return nil end
  if rec.kind == "blob" then return rec.repo .. "@" .. rec.ref end
  if rec.kind == "manifest" then
    return rec.ibm and (rec.repo .. "@m:" .. rec.repo .. ":" .. rec.ref) or (rec.repo .. ":" .. rec.ref)
  end
end
local function creates_key(rec)
  if rec.kind == "upload" then
    local s = session_at[rec.seq]
    return s and s.key and (rec.repo .. "@" .. s.key) or nil
  end
  if rec.method ~= "PUT" then return nil end
  if rec.kind == "manifest" then
    return rec.ibm and (rec.repo .. "@m:" .. rec.repo .. ":" .. rec.ref) or (rec.repo .. ":" .. rec.ref)
  end
end

local inflight, issued, first_start, last_start = 0, 0, nil, nil
local creators = {}  -- object key -> handle of the latest VU that creates it (causality: a read waits for it)
local shown_error = false
local tally = {logged = {}, sent = {}, on_time = 0, started = 0, dropped = 0, late = 0}   -- for the printed summary
local function bump(t, key) t[key] = (t[key] or 0) + 1 end
local uploads = {}   -- client .. " " .. repo -> handles of upload VUs not yet waited for by a manifest PUT

local function run_one(rec, intended, waits)
  if waits then for _, hd in ipairs(waits) do pcall(hd.join, hd) end end
  local started = rb.now()
  first_start = first_start or started
  last_start = started
  on_time:add(started - intended <= tolerance)
  tally.started = tally.started + 1
  if started - intended <= tolerance then tally.on_time = tally.on_time + 1 end
  local op = rec.kind == "upload" and "upload_session" or (rec.method:lower() .. "_" .. rec.kind)
  local ok, sent = pcall(send, rec)
  local done = rb.now()
  if not ok then
    failed_c:add(1)
    if not shown_error then io.stderr:write("replay: line ", rec.line, ": ", tostring(sent), "\n"); shown_error = true end
    sent = {{rec.method, rec.kind, "err"}}
  end
  for _, s in ipairs(sent or {}) do
    replayed_mix:add(1, {method = s[1], kind = s[2], status = status_class(s[3])})
    bump(tally.sent, s[1] .. " " .. s[2])
  end
  lat_corrected:add((done - intended) * 1000, {op = op})
  lat_measured:add((done - started) * 1000, {op = op})
  inflight = inflight - 1
end

local cap = math.ceil(max_vus / me.count)
local stats = rb.phase("replay", function()
  local t0 = rb.now()
  local it = stream()
  local n_mine, n_send, first_t, last_t = 0, 0, nil, nil
  for rec in it do
    if me.count == 1 or client_shard(rec.client) == me.index then
      n_mine = n_mine + 1
      first_t = first_t or rec.t
      last_t = rec.t
      logged_mix:add(1, {method = rec.method, kind = rec.kind, status = status_class(rec.status)})
      bump(tally.logged, rec.method .. " " .. rec.kind)
      lat_recorded:add(rec.duration_us / 1000, {op = rec.method:lower() .. "_" .. rec.kind})
      local session = rec.kind == "upload" and session_at[rec.seq]
      if session and session.done_us then   -- from its first record's start to its last record's end
        lat_recorded:add((session.done_us - session.t) / 1000, {op = "upload_session"})
      end
      if rec.late then late_c:add(1); tally.late = tally.late + 1 end
      local intended = speed > 0 and t0 + (rec.t - span.first) / 1e6 / speed or rb.now()
      local wait = intended - rb.now()
      if wait > 0.0005 then rb.sleep(wait) end
      if not sendable(rec) then
        absorbed_c:add(1, {method = rec.method, kind = rec.kind})
      else
        n_send = n_send + 1
        if speed == 0 then
          for _ = 1, 6000000 do   -- as fast as possible: wait for a free slot (at most ~100 min)
            if inflight < cap then break end
            rb.sleep(0.001)
          end
        end
        if inflight >= cap then
          dropped_c:add(1)
          tally.dropped = tally.dropped + 1
        else
          local ck = rec.client .. " " .. rec.repo
          local waits
          if rec.kind == "manifest" and rec.method == "PUT" and not rec.ibm then waits, uploads[ck] = uploads[ck], nil end
          local rk = reads_key(rec)
          if rk and creators[rk] then waits = {creators[rk]} end
          inflight = inflight + 1
          issued = issued + 1
          local hd = rb.spawn(run_one, rec, intended, waits)
          local wk = creates_key(rec)
          if wk then creators[wk] = hd end
          if rec.kind == "upload" then
            local l = uploads[ck] or {}
            if #l < MAX_LIST then l[#l + 1] = hd end
            uploads[ck] = l
          end
        end
      end
    end
  end
  for _ = 1, 600000 do   -- every request ends (each is bounded by the registry client's timeout)
    if inflight == 0 then break end
    rb.sleep(0.01)
  end
  local rec_s = first_t and (last_t - first_t) / 1e6 or 0
  if rec_s > 0 then rate_recorded:add(n_send / rec_s) end
  if first_start and last_start > first_start then rate_achieved:add(issued / (last_start - first_start)) end
  return {records = n_mine, issued = issued, recorded_s = rec_s,
          rate_recorded = rec_s > 0 and n_send / rec_s or 0,
          rate_achieved = first_start and last_start > first_start and issued / (last_start - first_start) or 0}
end)
print(("replay: %d records on this shard, %d requests issued"):format(stats.records, stats.issued))
print(("replay: %.1f%% started on time (within %g ms); %.1f req/s recorded, %.1f achieved; %d dropped, %d late"):format(
  tally.started > 0 and 100 * tally.on_time / tally.started or 0, tolerance * 1000, stats.rate_recorded,
  stats.rate_achieved, tally.dropped, tally.late))
local keys = {}
for k in pairs(tally.logged) do keys[#keys + 1] = k end
for k in pairs(tally.sent) do if not tally.logged[k] then keys[#keys + 1] = k end end
table.sort(keys)
print(("replay: %-20s %9s %9s"):format("mix", "logged", "replayed"))
for _, k in ipairs(keys) do
  print(("replay: %-20s %9d %9d"):format(k, tally.logged[k] or 0, tally.sent[k] or 0))
end
