-- Spawns more VUs than --max-vus allows.
local rb = require "regbench"
rb.parallel(rb.param("n", 20), function() rb.sleep(0.5) end)
