-- A VU that spins (and swallows errors with pcall): SIGINT must still stop it at once.
local rb = require "regbench"
rb.registry.target()
rb.phase("spin", function()
  while true do pcall(function() for i = 1, 1000 do end end) end
end)
