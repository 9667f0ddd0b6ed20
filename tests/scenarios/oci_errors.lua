-- Error classes and tag pagination. mode=notfound: 404s are returned as http
-- errors; mode=corrupt: pulls through a byte-flipping proxy fail with
-- integrity errors, never succeed; mode=tags: 5 tags listed with page sizes
-- 1, 2, 10 and none.
local rb = require "regbench"
local mode = rb.param("mode", "notfound")
local reg = rb.registry.target()
rb.phase(mode, function()
  if mode == "notfound" then
    local m, e = reg:get_manifest("missing/repo", "latest")
    assert(not m and e.class == "http" and e.status == 404, tostring(e))
    local b, be = reg:get_blob("missing/repo", "sha256:" .. string.rep("ab", 32))
    assert(not b and be.status == 404, tostring(be))
    local x = reg:blob_exists("missing/repo", "sha256:" .. string.rep("cd", 32))
    assert(x == false)
    assert(not pcall(reg.pull, reg, "Bad Name", "v1"), "a bad repository name must raise")
    assert(not pcall(reg.push, reg, "ok/name", "v1", "not an image"), "a bad image must raise")
    print("notfound ok")
  elseif mode == "push" then
    assert(reg:push("corrupt/test", "v1", rb.image.generate{layers = 2, layer_size = "1MB", seed = 11}))
  elseif mode == "corrupt" then
    local p, e = reg:pull("corrupt/test", "v1")
    assert(not p and e.class == "integrity", "expected an integrity error, got " .. tostring(e))
    print("corrupt: " .. tostring(e))
  elseif mode == "tags" then
    local img = rb.image.generate{layers = 1, layer_size = "10KB", seed = 12}
    for i = 1, 5 do assert(reg:push("tags/test", "t" .. i, img)) end
    for _, n in ipairs{1, 2, 10, false} do
      local tags = assert(reg:tags("tags/test", {page_size = n or nil}))
      table.sort(tags)
      assert(table.concat(tags, ",") == "t1,t2,t3,t4,t5", (n or "none") .. ": " .. table.concat(tags, ","))
    end
    print("tags ok")
  end
end)
