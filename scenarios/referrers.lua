-- referrers.lua: listing an image's referrers (signatures, SBOMs) against
-- how many there are. For each count C (`counts`, each 1 to 1,000, in
-- increasing order) it pushes one image to its own repository
-- referrers/c<C> (tag v1), then C artifacts whose `subject` is that image,
-- alternating a signature-like (artifactType
-- application/vnd.dev.cosign.artifact.sig.v1+json) and an SBOM-like
-- (application/spdx+json) one, each an OCI image manifest with one small
-- blob layer of its own. Then two measured phases per count:
--   list/count=C           `lists` listings of all referrers
--   list-filtered/count=C  `lists` listings of the signatures only
--                          (?artifactType=...)
--
-- The registry either has the referrers API (OCI distribution 1.1:
-- GET /v2/<name>/referrers/<digest> answers 200 with an OCI index) or not
-- (404): then the artifacts are also recorded under the fallback tag schema,
-- the tag sha256-<hex of the subject> holding an OCI index of the
-- referrers, fetched (404: none yet), extended and put again after each
-- artifact, as the distribution spec asks clients to. Listings use the API
-- when there is one, else GET the tag. Which was used is the gauge
-- referrers_api (1 API, 0 fallback tag) and a line on stderr. A registry
-- that answers a filtered listing without OCI-Filters-Applied: artifactType
-- did not filter: the listing is filtered here (gauge filter_applied 0,
-- and a line on stderr).
--
-- Each artifact's config descriptor carries the artifact type as its
-- mediaType too (over the two bytes "{}"), so registries that take the
-- type from the config (go-containerregistry v0.22.1's referrers code does)
-- and those that read `artifactType` report the same type.
--
-- Checks: "listing returns every referrer" (as many as pushed, each pushed
-- digest present), "filtered listing returns the signatures" (as many as
-- pushed, all of that type). Latency: the operations `referrers` (API) or
-- `manifest_pull` (tag), and the trend list_ms{via=api|tag,filter=yes|no}
-- per phase.
--
--   regbench run scenarios/referrers.lua --registry crane-referrers --set counts=1,10,100,1000
local rb = require "regbench"

local counts_s = rb.param("counts", "1,10,100", {doc = "referrers per image, comma-separated (1 to 1000 each), one image and its phases per count"})
local lists = rb.param("lists", 50, {doc = "listings per phase (shared among shards)"})
local seed = rb.param("seed", 17, {doc = "seed of the images' blobs"})

local MAX_COUNT = 1000
local counts, seen = {}, {}
for item in counts_s:gmatch("[^,%s]+") do
  local v = math.tointeger(tonumber(item))
  if not v or v < 1 or v > MAX_COUNT then
    rb.input_error("counts: '" .. item .. "' is not an integer from 1 to " .. MAX_COUNT)
  end
  if not seen[v] then counts[#counts + 1] = v; seen[v] = true end
end
table.sort(counts)
if #counts == 0 then rb.input_error("counts: give at least one number of referrers") end
if lists < 1 then rb.input_error("lists: must be at least 1, not " .. lists) end

local OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
local OCI_INDEX = "application/vnd.oci.image.index.v1+json"
local SIG = "application/vnd.dev.cosign.artifact.sig.v1+json"
local SBOM = "application/spdx+json"
local EMPTY = "{}"

local api_gauge = rb.metrics.gauge("referrers_api")
local filter_gauge = rb.metrics.gauge("filter_applied")
local list_ms = rb.metrics.trend("list_ms")

local reg = rb.registry.target()
local img = rb.image.generate{layers = 1, layer_size = 1024, seed = seed}
local config, layer = img.config, img.layers[1]

local function repo_name(c) return ("referrers/c%d"):format(c) end
local function subject_bytes(c)
  return ('{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s","digest":"%s","size":%d},'
          .. '"layers":[{"mediaType":"%s","digest":"%s","size":%d}],"annotations":{"org.regbench.referrers.count":"%d"}}')
         :format(OCI_MANIFEST, config.media_type, config.digest, config.size,
                 layer.media_type, layer.digest, layer.size, c)
end
local function artifact_type(i) return i % 2 == 1 and SIG or SBOM end
local function payload(c, i) return ("regbench referrer %d of image c%d (%s)\n"):format(i, c, artifact_type(i)) end
local function artifact_bytes(c, i, subject_digest, subject_size)
  local at = artifact_type(i)
  local p = payload(c, i)
  return ('{"schemaVersion":2,"mediaType":"%s","artifactType":"%s","config":{"mediaType":"%s","digest":"%s","size":%d},'
          .. '"layers":[{"mediaType":"%s","digest":"%s","size":%d}],'
          .. '"subject":{"mediaType":"%s","digest":"%s","size":%d},"annotations":{"org.regbench.referrer":"%d"}}')
         :format(OCI_MANIFEST, at, at, rb.sha256(EMPTY), #EMPTY, at, rb.sha256(p), #p,
                 OCI_MANIFEST, subject_digest, subject_size, i)
end
local function fallback_tag(digest) return (digest:gsub(":", "-", 1)) end

-- Deterministic, so every shard knows the subject and the artifacts.
local subjects, artifacts = {}, {}
for _, c in ipairs(counts) do
  local sb = subject_bytes(c)
  subjects[c] = {digest = rb.sha256(sb), size = #sb, bytes = sb}
  local list = {}
  for i = 1, c do
    local b = artifact_bytes(c, i, subjects[c].digest, subjects[c].size)
    list[i] = {digest = rb.sha256(b), size = #b, bytes = b, artifact_type = artifact_type(i)}
  end
  artifacts[c] = list
end

local said = {}
local function say_once(key, msg)
  if said[key] then return end
  said[key] = true
  io.stderr:write("referrers: ", msg, "\n")
end

-- Whether the registry has the API: a listing of a subject that exists.
local function has_api(repo, digest)
  local r = assert(reg:referrers(repo, digest))
  if r.supported then
    say_once("api", "the registry serves the referrers API (GET /v2/<name>/referrers/<digest> answered 200 with an OCI index)")
  else
    say_once("api", "the registry has no referrers API (GET /v2/<name>/referrers/<digest> answered 404): "
             .. "using the fallback tag schema (tag sha256-<hex> holding an index)")
  end
  return r.supported
end

-- The fallback tag's index: its descriptors, or {} when the tag is absent
-- (asked with a HEAD first when `probe`, so that absence is no error).
local function tag_index(repo, digest, probe)
  if probe then
    local there, e = reg:manifest_exists(repo, fallback_tag(digest))
    if there == nil then error(e) end
    if not there then return {} end
  end
  local m, e = reg:get_manifest(repo, fallback_tag(digest))
  if not m then error(e) end
  local j = assert(rb.json.decode(m.bytes))
  local out = {}
  for _, d in ipairs(j.manifests or {}) do
    out[#out + 1] = {media_type = d.mediaType, digest = d.digest, size = d.size, artifact_type = d.artifactType,
                     annotations = d.annotations}
  end
  return out
end

local function descriptor_json(a)
  return ('{"mediaType":"%s","digest":"%s","size":%d,"artifactType":"%s"}')
         :format(OCI_MANIFEST, a.digest, a.size, a.artifact_type)
end

local function push_all(c)
  local repo, s = repo_name(c), subjects[c]
  assert(reg:push_blob(repo, config))
  assert(reg:push_blob(repo, layer))
  assert(reg:put_manifest(repo, "v1", s.bytes, OCI_MANIFEST))
  local api = has_api(repo, s.digest)
  assert(reg:push_blob(repo, EMPTY))
  for i, a in ipairs(artifacts[c]) do
    assert(reg:push_blob(repo, payload(c, i)))
    assert(reg:put_manifest(repo, a.digest, a.bytes, OCI_MANIFEST))
    if not api then
      -- fallback tag schema: fetch the index, add this artifact, put it back
      local have, parts = tag_index(repo, s.digest, true), {}
      for _, d in ipairs(have) do
        if d.digest ~= a.digest then
          parts[#parts + 1] = descriptor_json{digest = d.digest, size = d.size, artifact_type = d.artifact_type or ""}
        end
      end
      parts[#parts + 1] = descriptor_json(a)
      local index = ('{"schemaVersion":2,"mediaType":"%s","manifests":[%s]}'):format(OCI_INDEX, table.concat(parts, ","))
      assert(reg:put_manifest(repo, fallback_tag(s.digest), index, OCI_INDEX))
    end
  end
end

-- One listing of c's referrers (of type `at` when given): the descriptors,
-- and whether the registry filtered. api is nil until known (this VU asks).
local function list(c, at, api)
  local repo, s = repo_name(c), subjects[c]
  local t0 = rb.now()
  local descs, filtered, via
  if api ~= false then
    local r = assert(reg:referrers(repo, s.digest, {artifact_type = at}))
    if r.supported then descs, filtered, via = r.manifests, r.filtered, "api" end
  end
  if not descs then
    descs, filtered, via = tag_index(repo, s.digest), false, "tag"
  end
  list_ms:add((rb.now() - t0) * 1000, {via = via, filter = at and "yes" or "no"})
  return descs, filtered, via == "api"
end

local function check_all(c, descs)
  local want = {}
  for _, a in ipairs(artifacts[c]) do want[a.digest] = true end
  local found = 0
  for _, d in ipairs(descs) do if want[d.digest] then found = found + 1; want[d.digest] = nil end end
  rb.check(#descs, {["listing returns every referrer"] = #descs == c and found == c})
end

local function check_sigs(c, descs)
  local n = (c + 1) // 2
  local all_sig = true
  for _, d in ipairs(descs) do if d.artifact_type ~= SIG then all_sig = false end end
  rb.check(#descs, {["filtered listing returns the signatures"] = #descs == n and all_sig})
end

for _, c in ipairs(counts) do
  local label = "count=" .. c
  rb.setup("push/" .. label, push_all, c)

  rb.phase("list/" .. label, function()
    local api = nil
    for _ in rb.share(lists) do
      local descs, _, used_api = list(c, nil, api)
      if api == nil then api = used_api; api_gauge:add(api and 1 or 0) end
      check_all(c, descs)
    end
  end)

  rb.phase("list-filtered/" .. label, function()
    local api = nil
    for _ in rb.share(lists) do
      local descs, filtered, used_api = list(c, SIG, api)
      if api == nil then api = used_api; api_gauge:add(api and 1 or 0) end
      filter_gauge:add(filtered and 1 or 0)
      if not filtered then
        if used_api then
          say_once("filter", "the registry did not apply the artifactType filter (no OCI-Filters-Applied: artifactType): filtering here")
        end
        local keep = {}
        for _, d in ipairs(descs) do if d.artifact_type == SIG then keep[#keep + 1] = d end end
        descs = keep
      end
      check_sigs(c, descs)
    end
  end)
end
