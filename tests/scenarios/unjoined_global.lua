-- A failed VU whose handle stays reachable, never joined: the run fails.
local rb = require "regbench"
rb.registry.target()
KEEP = rb.spawn(function() rb.sleep(0.01); error("kept but never joined") end)
rb.sleep(0.1)
