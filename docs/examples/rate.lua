-- docs/examples/rate.lua: open-model load with rb.rate (docs/lua-api.md).
-- Iterations start at a fixed rate whatever the registry's speed; latency
-- is measured from each iteration's intended start; arrivals that find
-- max_vus iterations busy are dropped and counted.
local rb = require "regbench"

local reg = rb.registry.target()
local img = rb.image.generate{layers = 1, layer_size = "64KB", seed = 3}
assert(reg:push("docs/rate", "v1", img))

-- 50 pulls per second for 1 s, Poisson arrivals. fn returns the headline
-- operation's kind and its bytes, or nil, err for a failure.
local stats = rb.phase("pulls", function()
  return rb.rate{rate = 50, duration = "1s", max_vus = 10, seed = 42, fn = function(i)
    local p, err = reg:pull("docs/rate", "v1")
    if not p then return nil, err end
    return "pull", p.bytes
  end}
end)
assert(stats.started > 0 and stats.failed == 0 and stats.duration >= 0.9)
print(("pulls: %d started, %d dropped, %d late"):format(stats.started, stats.dropped, stats.late))

-- An overloaded case: each iteration takes 100 ms, arrivals every 20 ms
-- (constant), at most 2 at once, so most arrivals are dropped (counter
-- dropped_iterations of the phase).
local over = rb.phase("overload", function()
  return rb.rate{rate = 50, duration = "1s", max_vus = 2, arrivals = "constant", op = "slow",
                 fn = function() rb.sleep(0.1) end}
end)
assert(over.dropped > 0 and over.started + over.dropped >= 45)
print(("overload: %d started, %d dropped"):format(over.started, over.dropped))
