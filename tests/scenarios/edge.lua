-- Edge cases of phases and VUs: a phase whose function raises is closed
-- (and marked cut), later operations are not attributed to it; sleeps do not
-- end early after Lua work.
local rb = require "regbench"
local reg = rb.registry.target()
local ok = pcall(rb.phase, "raises", function()
  assert(rb.http.request{url = reg.url .. "/v2/"})
  error("inside a phase")
end)
assert(not ok)
-- rb.unmeasured: its requests are in no phase (no "default" phase appears)
-- and not in "after"; calls nest, and an error inside one still restores
-- measuring. "after" records exactly its two measured requests.
local function ping() assert(rb.http.request{url = reg.url .. "/v2/"}) end
assert(rb.unmeasured(rb.http.request, {url = reg.url .. "/v2/"}).status == 200)
rb.phase("after", function()
  ping()
  rb.unmeasured(function()
    ping()
    rb.unmeasured(ping)
    ping()            -- still unmeasured after the inner call ended
  end)
  assert(not pcall(rb.unmeasured, function() ping(); error("inside rb.unmeasured") end))
  ping()
end)
-- busy Lua work, then a sleep: it must last at least what was asked
local x = 0
for i = 1, 3e6 do x = x + i end
local t0 = rb.now()
rb.sleep(0.05)
local slept = rb.now() - t0
assert(slept >= 0.049, "slept only " .. slept)
