-- range.lua: random range reads of large blobs, as lazy-pulling snapshotters
-- (stargz, SOCI, zstd:chunked) make them. It pushes `blobs` blobs of `size`
-- bytes whose content is a seeded pattern (rb.image.pattern: any range of it
-- can be made alone), then, for each range size of `ranges`, a phase
-- range/size=S of `count` GETs with `Range: bytes=A-B` (A a multiple of
-- `align`, blob and offset drawn with rb.random), by `vus` VUs (rb.parallel);
-- or, with `duration`, as many as fit in that time. Each phase's latency and ops/s
-- are the latency and ranges per second at that size.
--
-- Every range is verified: the expected bytes are made again with
-- rb.image.pattern_bytes and their SHA-256 is handed to reg:get_blob
-- (range_digest), which hashes the 206 body as it streams in and checks its
-- length and Content-Range. Wrong bytes, a wrong Content-Range, or a 200
-- with the whole blob count as integrity errors and as failed checks
-- `range bytes verified`. A registry that ignores Range altogether (its
-- answer to a first probe is 200) is reported as "range unsupported" (a
-- warning, the counter range_unsupported and the failed check
-- `registry honours Range`), and the range phases are skipped.
--
--   regbench run scenarios/range.lua --set ranges=4KB,64KB,1MB --set count=500
local rb = require "regbench"

local nblobs = rb.param("blobs", 2, {doc = "blobs to push and read from"})
local size = rb.param("size", "64MB", {type = "size", doc = "size of each blob"})
local ranges_s = rb.param("ranges", "4KB,64KB,1MB", {doc = "range sizes, comma-separated; one phase each"})
local align = rb.param("align", "4KB", {type = "size", doc = "range starts are multiples of this"})
local count = rb.param("count", 200, {doc = "range GETs per range size (unless duration is set)"})
local duration = rb.param("duration", "0s", {type = "duration", doc = "if above 0: run each range size this long instead of count GETs"})
local vus = rb.param("vus", 8, {doc = "concurrent VUs"})
local seed = rb.param("seed", 21, {doc = "content and draw seed"})

local ranges = {}
for item in ranges_s:gmatch("[^,%s]+") do
  local ok, n = pcall(rb.size, item)
  if not ok or n < 1 then rb.input_error("ranges: '" .. item .. "' is not a size such as 4KB") end
  if n > size then rb.input_error(("ranges: %s is larger than the blob size %d"):format(item, size)) end
  if n > 64 * 1024 * 1024 then rb.input_error("ranges: " .. item .. " is above 64 MiB") end
  ranges[#ranges + 1] = {label = item, len = n}
end
if #ranges == 0 then rb.input_error("ranges: give at least one range size") end
if nblobs < 1 then rb.input_error("blobs: must be at least 1") end
if vus < 1 then rb.input_error("vus: must be at least 1") end
if count < 0 then rb.input_error("count: must not be negative") end
if size < 1 then rb.input_error("size: must be above 0") end
if align < 1 then rb.input_error("align: must be above 0") end

local unsupported = rb.metrics.counter("range_unsupported")

local reg = rb.registry.target()
local function repo(b) return ("range/b%d"):format(b) end
local function blob_seed(b) return seed * 1000 + b end
local blobs = {}
for b = 1, nblobs do blobs[b] = rb.image.pattern{size = size, seed = blob_seed(b)} end

rb.setup("push", function()
  for b = 1, nblobs do assert(reg:push_blob(repo(b), blobs[b])) end
end)

-- The k-th range of length len: blob, first byte, expected digest.
local function pick(len, k)
  local b = 1 + math.floor(rb.random(seed, len, k, 1) * nblobs)
  local slots = (size - len) // align + 1
  local a = math.floor(rb.random(seed, len, k, 2) * slots) * align
  return b, a, rb.sha256(rb.image.pattern_bytes(blob_seed(b), a, len))
end

local function read(len, b, a, want)
  local r, err = reg:get_blob(repo(b), blobs[b].digest, {range = ("%d-%d"):format(a, a + len - 1), range_digest = want})
  rb.check(r, {["range bytes verified"] = r ~= nil and r.status == 206 and r.verified})
  return r, err
end

-- a first probe: does the registry honour Range at all?
local probe = rb.phase("probe", function()
  return assert(reg:get_blob(repo(1), blobs[1].digest, {range = "0-" .. (math.min(align, size) - 1)}))
end)
local honoured = probe.status == 206
rb.check(probe, {["registry honours Range"] = honoured})
if not honoured then
  unsupported:add(1)
  io.stderr:write(("range: warning: range unsupported: the registry answered a Range request with %d; range phases skipped\n")
                  :format(probe.status))
  return
end

-- VU i of `vus` makes ranges k = i, i + vus, i + 2 vus, ... (sharded, each
-- shard runs the VUs it owns: together exactly the ranges of one run)
for _, rg in ipairs(ranges) do
  local len = rg.len
  if duration > 0 then
    rb.phase("range/size=" .. rg.label, function()
      local stop = rb.now() + duration
      rb.parallel(vus, function(i)
        for k = i, math.maxinteger, vus do
          if rb.now() >= stop then break end
          read(len, pick(len, k))
        end
      end)
    end)
  else
    -- the expected digests are made before the phase, so hashing stays out of it
    local todo = {}
    for i in rb.share(vus) do
      todo[i] = {}
      for k = i, count, vus do todo[i][#todo[i] + 1] = {pick(len, k)} end
    end
    rb.phase("range/size=" .. rg.label, function()
      rb.parallel(vus, function(i)
        for _, t in ipairs(todo[i]) do read(len, t[1], t[2], t[3]) end
      end)
    end)
  end
end
