-- The endless loop is in a spawned VU, not the main one.
local rb = require "regbench"
rb.registry.target()
local h = rb.spawn(function() while true do end end)
h:join()
