-- mixed.lua: uploads and downloads at once, in a realistic pattern, as an
-- open model: operations arrive at `rate` per second (Poisson arrivals) for
-- `duration`, whatever the registry's speed; an arrival that finds
-- `max_vus` busy is dropped and counted (dropped_iterations), and one that
-- starts late is counted too (late_iterations). Latency is measured from the
-- intended start, so queueing shows (wrk2's coordinated-omission correction).
--
-- The pattern follows production registry traces (Anwar et al., FAST 2018):
--   * pulls dominate: `pull_ratio` of operations are pulls (default 0.9);
--   * layer sizes: 65% under 1 MB, 80% under 10 MB, a tail up to `max_size`;
--   * popularity is skewed: pulls pick images with Zipf(s) popularity;
--   * a push is often followed by pulls of the same image: a fresh push
--     becomes the most popular image.
-- Headline operations are "pull" and "push" (from intended start); blob and
-- manifest requests inside them appear in by_op.
--
-- Every draw is keyed by the arrival's global index (rb.random), so the same
-- seed gives the same operations however the run is split across shards
-- (--shard, --procs): arrival i is a push or a pull, pulls image r, pushes
-- layers of these sizes, whichever shard starts it. A fresh push joins the
-- popular images `fresh_after` later (counted in arrivals at `rate`); a pull
-- of it that comes before the push has finished is a 404, counted as
-- fresh_not_yet and made on the most popular seeded image instead.
--
--   regbench run scenarios/mixed.lua --set rate=20 --set duration=60s
local rb = require "regbench"

local rate = rb.param("rate", 10, {doc = "operations per second (Poisson arrivals)"})
local duration = rb.param("duration", "30s", {type = "duration", doc = "how long arrivals go on"})
local pull_ratio = rb.param("pull_ratio", 0.9, {doc = "fraction of operations that are pulls"})
local max_vus = rb.param("max_vus", 50, {doc = "concurrent operations at most; more arrivals are dropped"})
local images = rb.param("images", 30, {doc = "images in the registry before the phase starts"})
local max_size = rb.param("max_size", "100MB", {type = "size", doc = "largest layer in the size mix"})
local zipf_s = rb.param("zipf_s", 1.0, {doc = "Zipf exponent of pull popularity"})
local seed = rb.param("seed", 4, {doc = "content and arrival seed"})
local fresh_after = rb.param("fresh_after", "2s", {type = "duration",
  doc = "how long after its arrival a freshly pushed image is pulled as the most popular"})

local fresh_missed = rb.metrics.counter("fresh_not_yet")
local reg = rb.registry.target()

-- Layer size mix: piecewise log-uniform through the studied quantiles; u in [0, 1).
local function layer_size(u)
  local function logu(a, b, x) return math.floor(math.exp(math.log(a) + (math.log(b) - math.log(a)) * x)) end
  local top = math.max(max_size, 10 * 1000 * 1000 + 1)
  if u < 0.65 then return logu(4 * 1000, 1000 * 1000, u / 0.65) end
  if u < 0.80 then return logu(1000 * 1000, 10 * 1000 * 1000, (u - 0.65) / 0.15) end
  return math.min(max_size, logu(10 * 1000 * 1000, top, (u - 0.80) / 0.20))
end

-- Image number k (1..images: the seeded population; images + i: the push of
-- arrival i): 1 to 4 layers, sizes and content keyed by k alone.
local function image(k)
  local n = 1 + math.floor(rb.random(seed, k, 1) * 4)
  local sizes = {}
  for l = 1, n do sizes[l] = layer_size(rb.random(seed, k, 1 + l)) end
  return rb.image.generate{layer_sizes = sizes, layers = n, compression = 6, seed = seed * 1000003 + k}
end

-- Which arrivals push: arrival i pushes when its draw is above pull_ratio,
-- up to a bound on the pushes (their images are generated before the
-- phase); later would-be pushes pull. The same on every shard.
local max_pushes = math.ceil(rate * duration * (1 - pull_ratio) * 1.5) + 5
local max_arrivals = math.ceil(rate * duration * 1.5) + 100
local pushes, is_push = {}, {}     -- arrival indices that push, in order
for i = 1, max_arrivals do
  if #pushes >= max_pushes then break end
  if rb.random(seed, i, 0) >= pull_ratio then
    pushes[#pushes + 1] = i
    is_push[i] = true
  end
end

-- The seeded population, pushed once for the whole run (on one shard).
rb.setup("populate", function()
  for k = 1, images do assert(reg:push("mixed/img" .. k, "v1", image(k))) end
end)

-- The fresh images this shard will push (arrival i belongs to shard (i-1) % count).
local fresh = {}
local me = rb.shard()
for _, i in ipairs(pushes) do
  if (i - 1) % me.count == me.index then fresh[i] = image(images + i) end
end

-- Zipf(zipf_s) rank over n images by inverse CDF, from u in [0, 1).
local function zipf_rank(n, u)
  local h = 0
  for k = 1, n do h = h + 1 / k ^ zipf_s end
  local x, acc = u * h, 0
  for k = 1, n do
    acc = acc + 1 / k ^ zipf_s
    if x <= acc then return k end
  end
  return n
end

-- The repository arrival i pulls: the population at i is the fresh pushes
-- of arrivals up to i - lag (newest first: rank 1), then the seeded images.
local lag = math.max(1, math.ceil(rate * fresh_after))
local function pick(i)
  local lo, hi = 0, #pushes   -- visible: how many pushes have an index <= i - lag (binary search)
  while lo < hi do
    local mid = (lo + hi + 1) // 2
    if pushes[mid] <= i - lag then lo = mid else hi = mid - 1 end
  end
  local visible = lo
  local r = zipf_rank(images + visible, rb.random(seed, i, 9))
  if r <= visible then return "mixed/fresh" .. pushes[visible - r + 1], true end
  return "mixed/img" .. (r - visible), false
end

local stats = rb.phase("mixed", function()
  return rb.rate{rate = rate, duration = duration, max_vus = max_vus, seed = seed, fn = function(i)
    if is_push[i] then
      local r, err = reg:push("mixed/fresh" .. i, "v1", fresh[i])
      if not r then return nil, err end
      return "push", r.bytes_sent
    end
    local repo, is_fresh = pick(i)
    local p, err = reg:pull(repo, "v1")
    if not p and is_fresh and err.status == 404 then
      fresh_missed:add(1)   -- its push has not finished yet: pull the most popular seeded image
      p, err = reg:pull("mixed/img1", "v1")
    end
    if not p then return nil, err end
    return "pull", p.bytes
  end}
end)
print(("mixed: %d operations started, %d dropped, %d late, %d failed"):format(
  stats.started, stats.dropped, stats.late, stats.failed))
