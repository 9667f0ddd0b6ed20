-- A VU fails and nobody joins it: the run must still fail.
local rb = require "regbench"
rb.registry.target()
rb.spawn(function() rb.sleep(0.01); error("lost error in a VU") end)
rb.sleep(0.1)
