-- gc.lua: deletes and garbage collection. Phase populate pushes `images`
-- images (each to its own repository, the first `shared` layers the same base
-- layers in all of them); phase delete deletes `deletes` of them by manifest
-- digest (and their tag, where the tag still answers afterwards: crane keeps
-- tags and digests apart) while `vus` VUs keep pulling the images that stay
-- live. Then the registry's offline garbage collector runs (rb.registry.gc:
-- a distribution or distribution3 regbench launched on disk storage; it
-- stops the registry, runs `garbage-collect CONFIG` without
-- --delete-untagged, and restarts it on the same port and storage).
-- Elsewhere (crane, memory storage, --target) the step is skipped with the
-- reason: a warning, gc_skipped = 1. Phase verify then proves no data was
-- lost: every deleted manifest (by digest and by tag) answers 404, every
-- live image still pulls and verifies.
--
-- It reports (gauges): gc_seconds (stop, collect, restart),
-- gc_storage_before_bytes, gc_storage_after_bytes, gc_blobs_deleted (from
-- the collector's output, kept in OUT/gc-output.txt), gc_skipped (1 or 0); the
-- checks `deleted answers 404`, `live image pulls`, `storage shrank` (GC ran)
-- and the threshold checks.rate == 1, so a lost image fails the run.
--
--   regbench run scenarios/gc.lua --registry distribution --storage disk
local rb = require "regbench"

local images = rb.param("images", 8, {doc = "images to push"})
local deletes = rb.param("deletes", 4, {doc = "images to delete (by manifest digest)"})
local layers = rb.param("layers", 3, {doc = "layers per image"})
local layer_size = rb.param("layer_size", "1MB", {type = "size", doc = "size of each layer"})
local shared = rb.param("shared", 1, {doc = "base layers every image shares"})
local vus = rb.param("vus", 2, {doc = "VUs pulling live images while the deletes run"})
local seed = rb.param("seed", 11, {doc = "content seed"})

if deletes < 0 or deletes >= images then error("deletes must be at least 0 and less than images") end
if shared < 0 or shared > layers then error("shared must be between 0 and layers") end
local gc_seconds = rb.metrics.gauge("gc_seconds")
local gc_before = rb.metrics.gauge("gc_storage_before_bytes")
local gc_after = rb.metrics.gauge("gc_storage_after_bytes")
local gc_skipped = rb.metrics.gauge("gc_skipped")
local gc_blobs = rb.metrics.gauge("gc_blobs_deleted")
rb.threshold("checks.rate == 1")
local reg = rb.registry.target()

local base = {}
for i = 1, shared do base[i] = rb.image.layer{size = layer_size, compression = 6, seed = seed * 7919 + i} end
local repos, digests = {}, {}
for i = 1, images do repos[i] = "gc/img" .. i end
-- the last `deletes` images go; the others stay live
local function doomed(i) return i > images - deletes end

rb.phase("populate", function()
  for i = 1, images do
    local img = rb.image.generate{layers = layers, layer_size = layer_size, compression = 6,
                                  seed = seed * 1000003 + i, shared = shared > 0 and base or nil}
    digests[i] = assert(reg:push(repos[i], "v1", img)).digest
  end
end)

rb.phase("delete", function()
  local done, pulls = false, 0
  rb.parallel(vus + 1, function(v)
    if v == 1 then
      for i = 1, images do
        if doomed(i) then
          assert(reg:delete_manifest(repos[i], digests[i]))
          -- distribution untags a deleted digest; crane keeps the tag: delete it too
          if reg:manifest_exists(repos[i], "v1") then assert(reg:delete_manifest(repos[i], "v1")) end
        end
      end
      done = true
    else
      local live = images - deletes
      for k = 1, 10000 do   -- bounded: stops when the deletes are done
        if done then break end
        local i = (v - 2 + k * vus) % live + 1
        assert(reg:pull(repos[i], "v1"))
        pulls = pulls + 1
      end
    end
  end)
  print(("gc: deleted %d of %d images while %d VUs pulled the live ones %d times"):format(deletes, images, vus, pulls))
end)

local g, why = rb.registry.gc()
if g then
  gc_seconds:add(g.seconds)
  gc_before:add(g.storage_before)
  gc_after:add(g.storage_after)
  gc_skipped:add(0)
  local _, n = g.output:gsub("blob eligible for deletion:", "")
  gc_blobs:add(n)
  local f = io.open(rb.out_dir() .. "/gc-output.txt", "w")   -- the collector's own account
  if f then f:write(g.output); f:close() end
  rb.check(g, {["storage shrank"] = function(x) return deletes == 0 or x.storage_after < x.storage_before end})
  print(("gc: %.2f s; storage %d -> %d bytes; %d blobs deleted"):format(g.seconds, g.storage_before,
                                                                      g.storage_after, n))
else
  gc_skipped:add(1)
  print("gc: skipped: " .. why)
end

rb.phase("verify", function()
  for i = 1, images do
    if doomed(i) then
      local by_digest = reg:manifest_exists(repos[i], digests[i])
      local by_tag = reg:manifest_exists(repos[i], "v1")
      rb.check(repos[i], {["deleted answers 404"] = by_digest == false and by_tag == false})
    else
      local ok = reg:pull(repos[i], "v1")
      rb.check(repos[i], {["live image pulls"] = ok ~= nil and ok ~= false})
    end
  end
end)
