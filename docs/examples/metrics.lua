-- docs/examples/metrics.lua: custom metrics (docs/lua-api.md, rb.metrics).
-- results.json then has metrics "layer_ms", "layer_ms{kind=big}", "retries",
-- "queue" and "digest_ok".
local rb = require "regbench"

local lat = rb.metrics.trend("layer_ms")     -- distribution: min/mean/max/stddev/percentiles
local retries = rb.metrics.counter("retries") -- sum, and per second over the run
local queue = rb.metrics.gauge("queue")       -- last value, min, max
local ok = rb.metrics.rate("digest_ok")       -- share of non-zero (true) values

for i = 1, 100 do lat:add(i / 10) end
lat:add(250, {kind = "big"})                   -- tags make a separate series
retries:add(1); retries:add(2)
queue:add(5); queue:add(3)
for i = 1, 10 do ok:add(i <= 9) end           -- booleans count as 1 / 0

-- Asking again for the same name and type gives the same metric.
rb.metrics.counter("retries"):add(1)
-- The same name with another type raises.
assert(not pcall(rb.metrics.gauge, "retries"))
print("metrics.lua: ok")
