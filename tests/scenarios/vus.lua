-- 500 (by default) VUs each make `reqs` requests to GET /v2/ of the registry
-- under test; the test compares results.json's counts with what was asked.
local rb = require "regbench"
local vus = rb.param("vus", 500, {doc = "virtual users"})
local reqs = rb.param("reqs", 4, {doc = "requests per VU"})
local reg = rb.registry.target()
local done = rb.metrics.counter("done")
rb.phase("ping", function()
  rb.parallel(vus, function(i)
    for _ = 1, reqs do
      local r, err = rb.http.request{url = reg.url .. "/v2/", discard_body = true}
      assert(r, err)
      assert(r.status == 200, "status " .. tostring(r.status))
      done:add(1)
    end
  end)
end)
rb.phase("notfound", function()
  local r = assert(rb.http.request{url = reg.url .. "/v2/nope/manifests/latest", op = "manifest_get"})
  assert(r.status == 404, r.status)
end)
