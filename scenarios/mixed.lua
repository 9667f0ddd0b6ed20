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

local reg = rb.registry.target()

-- Deterministic random numbers (Park-Miller), independent of math.random.
local state = seed % 2147483646 + 1
local function rand()
  state = (state * 48271) % 2147483647
  return state / 2147483647
end

-- Layer size mix: piecewise log-uniform through the studied quantiles.
local function layer_size()
  local u = rand()
  local function logu(a, b, x) return math.floor(math.exp(math.log(a) + (math.log(b) - math.log(a)) * x)) end
  local top = math.max(max_size, 10 * 1000 * 1000 + 1)
  if u < 0.65 then return logu(4 * 1000, 1000 * 1000, u / 0.65) end
  if u < 0.80 then return logu(1000 * 1000, 10 * 1000 * 1000, (u - 0.65) / 0.15) end
  return math.min(max_size, logu(10 * 1000 * 1000, top, (u - 0.80) / 0.20))
end

local made = 0
local function new_image()
  made = made + 1
  local n = 1 + math.floor(rand() * 4)
  local sizes = {}
  for i = 1, n do sizes[i] = layer_size() end
  return rb.image.generate{layer_sizes = sizes, layers = n, compression = 6, seed = seed * 1000003 + made}
end

-- The initial population, pushed before the measured phase.
local pool = {}      -- pool[rank] = repository; rank 1 is the most popular
rb.phase("populate", function()
  for i = 1, images do
    local repo = "mixed/img" .. i
    assert(reg:push(repo, "v1", new_image()))
    pool[i] = repo
  end
end)

-- Pushes during the phase use images generated beforehand (bounded count).
local expected_pushes = math.ceil(rate * duration * (1 - pull_ratio) * 1.5) + 5
local fresh = {}
for i = 1, expected_pushes do fresh[i] = new_image() end
local next_fresh = 1

-- Zipf sampling over the current pool by inverse CDF.
local function zipf_pick()
  local n = #pool
  local h = 0
  for k = 1, n do h = h + 1 / k ^ zipf_s end
  local u, acc = rand() * h, 0
  for k = 1, n do
    acc = acc + 1 / k ^ zipf_s
    if u <= acc then return pool[k] end
  end
  return pool[n]
end

local stats = rb.phase("mixed", function()
  return rb.rate{rate = rate, duration = duration, max_vus = max_vus, seed = seed, fn = function(i)
    if rand() < pull_ratio or next_fresh > #fresh then
      local p, err = reg:pull(zipf_pick(), "v1")
      if not p then return nil, err end
      return "pull", p.bytes
    end
    local img = fresh[next_fresh]
    next_fresh = next_fresh + 1
    local repo = "mixed/fresh" .. i
    local r, err = reg:push(repo, "v1", img)
    if not r then return nil, err end
    table.insert(pool, 1, repo)   -- freshly pushed images are pulled the most
    return "push", r.bytes_sent
  end}
end)
print(("mixed: %d operations started, %d dropped, %d late, %d failed"):format(
  stats.started, stats.dropped, stats.late, stats.failed))
