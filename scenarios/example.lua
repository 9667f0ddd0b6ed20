-- example.lua: a first look at a registry, and a template to copy.
--
-- Three phases against the registry under test:
--   ping      `vus` VUs each send `pings` GET /v2/ requests (keep-alive);
--   upload    `blobs` blobs of `blob_size` bytes pushed monolithically
--             (POST an upload session, then PUT the bytes with their digest),
--             `vus` at a time;
--   download  the same blobs fetched back, each checked against its digest.
--
--   regbench run scenarios/example.lua
--   regbench run scenarios/example.lua --set vus=50 --set blob_size=4MiB
--   regbench run scenarios/example.lua --help
local rb = require "regbench"

local vus = rb.param("vus", 20, {doc = "concurrent virtual users"})
local pings = rb.param("pings", 50, {doc = "GET /v2/ requests per VU in the ping phase"})
local blobs = rb.param("blobs", 40, {doc = "blobs to upload and download"})
local blob_size = rb.param("blob_size", "1MB", {type = "size", doc = "size of each blob"})
local repo = rb.param("repo", "regbench/example", {doc = "repository to push to"})

local reg = rb.registry.target()
local base = reg.url .. "/v2/" .. repo

-- Unique, incompressible-ish content per blob: a seeded byte pattern.
local function blob_bytes(i)
  local parts, x = {}, i * 2654435761 % 4294967296
  local chunk = {}
  for k = 1, 256 do
    x = (x * 1103515245 + 12345) % 2147483648
    chunk[k] = string.char(x % 256)
  end
  local block = table.concat(chunk)
  local n = blob_size // #block + 1
  for k = 1, n do parts[k] = block .. string.pack("<I4I4", i, k) end
  return table.concat(parts):sub(1, blob_size)
end

rb.phase("ping", function()
  rb.parallel(vus, function()
    for _ = 1, pings do
      local r, err = rb.http.request{url = reg.url .. "/v2/", discard_body = true}
      assert(r, err)
    end
  end)
end)

local digests = {}
rb.phase("upload", function()
  rb.parallel(vus, function(v)
    for i = v, blobs, vus do
      local body = blob_bytes(i)
      local digest = rb.sha256(body)
      local r = assert(rb.http.request{method = "POST", url = base .. "/blobs/uploads/", op = "upload_start"})
      assert(r.status == 202, "POST upload: status " .. r.status)
      local loc = r.headers["location"]
      if loc:sub(1, 1) == "/" then loc = reg.url .. loc end
      local sep = loc:find("?", 1, true) and "&" or "?"
      r = assert(rb.http.request{method = "PUT", url = loc .. sep .. "digest=" .. digest, body = body,
                                 headers = {["Content-Type"] = "application/octet-stream"}, op = "upload_put"})
      assert(r.status == 201, "PUT upload: status " .. r.status)
      digests[i] = digest
    end
  end)
end)

rb.phase("download", function()
  rb.parallel(vus, function(v)
    for i = v, blobs, vus do
      local r = assert(rb.http.request{url = base .. "/blobs/" .. digests[i], op = "blob_get"})
      assert(r.status == 200, "GET blob: status " .. r.status)
      assert(rb.sha256(r.body) == digests[i], "blob " .. i .. " does not match its digest")
    end
  end)
end)
