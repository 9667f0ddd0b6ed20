-- bench/http_rps.lua: raw HTTP request rate. `vus` VUs each loop
-- GET <target>/v2/ (body discarded, connections kept alive) until `duration`
-- has passed; used by bench/http_vs_wrk.sh to compare regbench with wrk.
local rb = require "regbench"

local vus = rb.param("vus", 1000, {doc = "concurrent virtual users (one connection each)"})
local duration = rb.param("duration", "10s", {type = "duration", doc = "how long every VU keeps requesting"})
local path = rb.param("path", "/v2/", {doc = "path requested on the target"})

local url = rb.registry.target().url .. path
local req = {url = url, discard_body = true, timeout = 30}

rb.phase("http_rps", function()
  local deadline = rb.now() + duration
  rb.parallel(vus, function()
    local n, failed = 0, 0
    local request, now = rb.http.request, rb.now
    while now() < deadline do
      local r = request(req)
      if not r or r.status ~= 200 then failed = failed + 1 end
      n = n + 1
    end
    return n
  end)
end)
