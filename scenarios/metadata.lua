-- metadata.lua: the registry's listing endpoints at a growing number of
-- repositories and tags. For each scale R (repositories; `scales`, in
-- increasing order) it first populates up to R repositories of `tags` tags
-- each (cumulative: scale 1000 adds repositories 101..1000 to scale 100's),
-- then measures three phases named with the scale:
--   catalog/repos=R  `walks` full walks of GET /v2/_catalog?n=PAGE, following
--                    Link rel="next" (reg:catalog; operation `catalog`, its
--                    pages `catalog_list`)
--   tags/repos=R     one walk of GET /v2/<name>/tags/list?n=TAG_PAGE per
--                    repository, by `vus` VUs (reg:tags; `tags`, `tags_list`)
--   head/repos=R     `heads` HEADs of manifests by tag, by `vus` VUs
--                    (reg:manifest_exists; `manifest_exists`, `manifest_head`)
-- so latency can be read against the number of repositories.
--
-- Every repository holds the same two tiny blobs (pushed once, then mounted
-- from the first repository where the registry mounts, uploaded where it
-- does not) and `tags` manifests that differ by an annotation, so each tag
-- is its own manifest with a known digest.
--
-- Correctness is recorded as checks (a threshold such as
-- `checks{check=catalog lists every repository}.rate == 1` fails the run):
--   catalog lists every repository   every repository of this run is listed
--   tags lists every tag             a repository's walk found all its tags
--   head finds the manifest    HEAD answered 200 with the expected digest
-- A registry that does not paginate (a page longer than n, or a page that
-- repeats names already seen, as crane's catalog does) is counted in
-- not_paginating{what=catalog|tags} and named in a warning on stderr; the
-- walk stops there, and every walk is bounded (at most R/page + 10 pages).
--
--   regbench run scenarios/metadata.lua --set scales=100,1000 --set tags=10
local rb = require "regbench"

local scales_s = rb.param("scales", "100,1000", {doc = "numbers of repositories, comma-separated, measured in increasing order"})
local ntags = rb.param("tags", 10, {doc = "tags (manifests) per repository"})
local page = rb.param("page", 100, {doc = "catalog page size (n=)"})
local tag_page = rb.param("tag_page", 4, {doc = "tags/list page size (n=)"})
local walks = rb.param("walks", 3, {doc = "full catalog walks per scale"})
local heads = rb.param("heads", 1000, {doc = "manifest HEADs per scale (at most repositories x tags)"})
local vus = rb.param("vus", 8, {doc = "concurrent VUs for populating, tags walks and HEADs"})
local seed = rb.param("seed", 11, {doc = "seed of the blobs and of the HEADs' picks"})

local scales = {}
for item in scales_s:gmatch("[^,%s]+") do
  local v = math.tointeger(tonumber(item))
  if not v or v < 1 or v > 10000000 then rb.input_error("scales: '" .. item .. "' is not a positive integer") end
  scales[#scales + 1] = v
end
table.sort(scales)
if #scales == 0 then rb.input_error("scales: give at least one number of repositories") end
for name, v in pairs{tags = ntags, page = page, tag_page = tag_page, vus = vus} do
  if v < 1 then rb.input_error(name .. ": must be at least 1, not " .. v) end
end
if walks < 0 or heads < 0 then rb.input_error("walks and heads must not be negative") end

local not_paginating = rb.metrics.counter("not_paginating")
local catalog_pages = rb.metrics.gauge("catalog_pages")

local reg = rb.registry.target()
local img = rb.image.generate{layers = 1, layer_size = 1024, seed = seed}
local config, layer = img.config, img.layers[1]
local OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"

local function repo_name(i) return ("metadata/r%06d"):format(i) end
local function tag_name(t) return ("t%04d"):format(t) end
local function manifest(i, t)
  return ('{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s","digest":"%s","size":%d},'
          .. '"layers":[{"mediaType":"%s","digest":"%s","size":%d}],"annotations":{"org.regbench.metadata":"%s:%s"}}')
         :format(OCI_MANIFEST, config.media_type, config.digest, config.size,
                 layer.media_type, layer.digest, layer.size, repo_name(i), tag_name(t))
end

-- Runs work(x) for every x of items with `vus` VUs taking the next one
-- (for populating inside rb.setup, which runs on shard 0 only, where
-- rb.parallel would start only shard 0's share of the VUs).
local function pool(items, work)
  local next_i = 1
  local function worker()
    while next_i <= #items do
      local x = items[next_i]
      next_i = next_i + 1
      work(x)
    end
  end
  local hs = {}
  for k = 1, math.min(vus, #items) do hs[k] = rb.spawn(worker) end
  for _, h in ipairs(hs) do h:join() end
end

local function populate_repo(i)
  local from = i > 1 and repo_name(1) or nil
  assert(reg:push_blob(repo_name(i), config, {from = from}))
  assert(reg:push_blob(repo_name(i), layer, {from = from}))
  for t = 1, ntags do
    assert(reg:put_manifest(repo_name(i), tag_name(t), manifest(i, t), OCI_MANIFEST))
  end
end

local warned = {}
local function warn_once(what, msg)
  if warned[what] then return end
  warned[what] = true
  io.stderr:write("metadata: warning: ", msg, "\n")
end

local made = 0
for _, R in ipairs(scales) do
  local label = "repos=" .. R
  rb.setup("populate/" .. label, function()
    local todo = {}
    if made == 0 then populate_repo(1); made = 1 end   -- the blobs other repositories mount
    for i = made + 1, R do todo[#todo + 1] = i end
    pool(todo, populate_repo)
  end)
  made = math.max(made, R)

  local function count_repos(names)
    local have, found = {}, 0
    for _, n in ipairs(names) do have[n] = true end
    for i = 1, R do if have[repo_name(i)] then found = found + 1 end end
    return found
  end
  local flat = false
  rb.phase("catalog/" .. label, function()
    for _ in rb.share(walks) do
      local names, info = assert(reg:catalog{page = page, max_pages = R // page + 10})
      local found = count_repos(names)
      rb.check(found, {["catalog walk lists every repository"] = found == R})
      catalog_pages:add(info.pages, {repos = R})
      if not info.paginated then
        flat = true
        not_paginating:add(1, {what = "catalog"})
        warn_once("catalog", ("the registry does not paginate _catalog (n=%d: %d pages, %d of %d repositories%s)")
                  :format(page, info.pages, found, R, info.repeated and ", a page repeated names" or ""))
      else
        rb.check(found, {["catalog lists every repository"] = found == R})
      end
    end
  end)
  -- The walk could not list everything: does one unpaginated GET? (Sharded,
  -- every shard enters the phase, since shards meet before each phase; each
  -- shard whose walk found the registry not paginating does the GET.)
  if flat or rb.shard().count > 1 then
    rb.phase("catalog-full/" .. label, function()
      if not flat then return end
      local names = assert(reg:catalog{max_pages = 1})
      local found = count_repos(names)
      rb.check(found, {["catalog lists every repository"] = found == R})
    end)
  end

  -- VU v of `vus` (rb.parallel; sharded, the VUs this shard owns) walks
  -- repositories v, v + vus, ... and makes HEADs v, v + vus, ...
  local function walk_tags(i)
    local list, info = assert(reg:tags(repo_name(i), {page_size = tag_page, max_pages = ntags // tag_page + 10}))
    local have, found = {}, 0
    for _, t in ipairs(list) do have[t] = true end
    for t = 1, ntags do if have[tag_name(t)] then found = found + 1 end end
    rb.check(found, {["tags lists every tag"] = found == ntags})
    if not info.paginated then
      not_paginating:add(1, {what = "tags"})
      warn_once("tags", ("the registry does not paginate tags/list (n=%d: %d pages for %d tags%s)")
                :format(tag_page, info.pages, #list, info.repeated and ", a page repeated tags" or ""))
    end
  end
  rb.phase("tags/" .. label, function()
    rb.parallel(vus, function(v)
      for i = v, R, vus do walk_tags(i) end
    end)
  end)

  local function head(k)
    local i = 1 + math.floor(rb.random(seed, R, k, 1) * R)
    local t = 1 + math.floor(rb.random(seed, R, k, 2) * ntags)
    local ok, digest = reg:manifest_exists(repo_name(i), tag_name(t))
    local want = rb.sha256(manifest(i, t))
    rb.check(ok, {["head finds the manifest"] = ok == true and (digest == nil or digest == want)})
  end
  rb.phase("head/" .. label, function()
    rb.parallel(vus, function(v)
      for k = v, math.min(heads, R * ntags), vus do head(k) end
    end)
  end)
end
