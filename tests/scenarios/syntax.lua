local rb = require "regbench"
local x = = 1
