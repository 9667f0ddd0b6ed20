-- A VU that never yields: the instruction guard must end it.
local rb = require "regbench"
rb.registry.target()
rb.phase("spin", function()
  local n = 0
  while true do n = n + 1 end
end)
