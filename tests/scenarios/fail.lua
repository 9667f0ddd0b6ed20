-- Makes 10 requests in phase "work", then fails on purpose (line 9).
local rb = require "regbench"
local reg = rb.registry.target()
rb.phase("work", function()
  for _ = 1, 10 do assert(rb.http.request{url = reg.url .. "/v2/"}) end
end)
rb.phase("failing", function()
  rb.sleep(0.01)
  error("deliberate failure")
end)
