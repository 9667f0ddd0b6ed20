-- oci.lua: the OCI distribution client, compiled into the binary. It is the
-- protocol policy: which requests, in which order, with what headers, how
-- authentication and retries go, and what each operation records. The C
-- side (loci.c, lhttp.c and the HTTP core) moves and verifies the bytes.
-- The registry behaviours that shape it (relative Locations, distribution
-- ignoring a POST's body, crane repeating tag pages) are in
-- docs/architecture.md, "The registries' quirks".
--
-- Every method returns its result, or nil and an error object for failures
-- the registry or network cause; misuse (bad repository name, wrong argument
-- types) raises. Error objects: {class=connect|timeout|http|integrity|auth,
-- status=, code=, message=, op=, input=}, printable with tostring.
local core, rb = ...
local C = core.oci

local MT = {
  oci_manifest = "application/vnd.oci.image.manifest.v1+json",
  oci_index = "application/vnd.oci.image.index.v1+json",
  docker_manifest = "application/vnd.docker.distribution.manifest.v2+json",
  docker_list = "application/vnd.docker.distribution.manifest.list.v2+json",
}
local ACCEPT = table.concat({MT.oci_manifest, MT.oci_index, MT.docker_manifest, MT.docker_list}, ", ")
local MANIFEST_MAX = 4 * 1024 * 1024
local DEFAULT_CHUNK = 5 * 1000 * 1000
local MAX_TAG_PAGES = 10000

---------------------------------------------------------------------------
-- errors
---------------------------------------------------------------------------
local Error = {}
Error.__index = Error
Error.__tostring = function(e)
  local s = e.class
  if e.status then s = s .. " " .. e.status end
  if e.code then s = s .. " " .. e.code end
  if e.message then s = s .. ": " .. e.message end
  if e.op then s = s .. " (" .. e.op .. ")" end
  return s
end

local function new_error(class, t)
  t = t or {}
  t.class = class
  return setmetatable(t, Error)
end

-- An error object from a failed request: rb.http.request's message
-- ("class: message") and class. A failure that is neither a timeout nor an
-- integrity error is a connect error here.
local function net_error(msg, op, cls)
  if getmetatable(msg) == Error then return msg end
  local text = tostring(msg)
  if cls and text:sub(1, #cls + 2) == cls .. ": " then text = text:sub(#cls + 3) end
  if cls == "other" or not cls then cls = "connect" end
  return new_error(cls, {message = text, op = op})
end

-- An error object from an HTTP response the flow did not expect.
local function http_error(r, op)
  local code, message
  if r.body and #r.body > 0 then
    local j = C.json_decode(r.body)
    if type(j) == "table" and type(j.errors) == "table" and type(j.errors[1]) == "table" then
      code = type(j.errors[1].code) == "string" and j.errors[1].code or nil
      message = type(j.errors[1].message) == "string" and j.errors[1].message or nil
    end
  end
  local class = (r.status == 401 or r.status == 403) and "auth" or "http"
  return new_error(class, {status = r.status, code = code, message = message or ("unexpected HTTP " .. r.status), op = op})
end

---------------------------------------------------------------------------
-- argument checks (misuse raises)
---------------------------------------------------------------------------
local function check_repo(repo, level)
  if type(repo) ~= "string" or #repo == 0 or #repo > 255 then
    error("bad repository name " .. tostring(repo) .. ": expected 1-255 characters like library/alpine", level + 1)
  end
  for comp in (repo .. "/"):gmatch("(.-)/") do
    if not comp:match("^[a-z0-9]+$") and not comp:match("^[a-z0-9][a-z0-9._-]*[a-z0-9]$")
       or comp:find("[._-][._-][._-]") then
      error("bad repository name '" .. repo .. "': components are lowercase letters and digits, "
            .. "separated by '.', '_', '__' or '-', joined with '/'", level + 1)
    end
  end
end

local function check_ref(ref, level)
  if type(ref) ~= "string" or not (C.digest_valid(ref) or (#ref <= 128 and ref:match("^[%w_][%w_.%-]*$"))) then
    error("bad reference " .. tostring(ref) .. ": expected a tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}) or sha256:<64 hex>",
          level + 1)
  end
end

local function check_digest(d, level)
  if type(d) ~= "string" or not C.digest_valid(d) then
    error("bad digest " .. tostring(d) .. ": expected sha256:<64 hex>", level + 1)
  end
end

local function opt_table(t, name, level)
  if t == nil then return {} end
  if type(t) ~= "table" then error(name .. ": options must be a table", level + 1) end
  return t
end

local function check_options(t, allowed, name, level)
  for k in pairs(t) do
    if not allowed[k] then
      local names = {}
      for a in pairs(allowed) do names[#names + 1] = a end
      table.sort(names)
      error(("%s: unknown option '%s' (accepted: %s)"):format(name, tostring(k), table.concat(names, ", ")), level + 1)
    end
  end
end

local UPLOAD_MODES = {monolithic = true, post = true, chunked = true, stream = true}

---------------------------------------------------------------------------
-- the registry object
---------------------------------------------------------------------------
local Registry = {}
Registry.__index = Registry
Registry.__tostring = function(r) return "regbench.registry(" .. r.url .. ")" end

local M = {Error = Error}

local function new_registry(url, fields, creds, opts)
  local reg = setmetatable(fields, Registry)
  reg.url = url
  reg._creds = creds
  reg._scheme = nil          -- "basic" or "bearer" once the registry asked
  reg._tokens = {}           -- scope -> {token=, expires=}
  reg._seen = {}             -- digests this client pushed or skipped in this run
  reg._insecure = opts.insecure and true or nil
  reg._ca_file = opts.ca_file
  reg._user_agent = opts.user_agent   -- nil: the run's (--user-agent, or regbench/VERSION)
  reg.retries = opts.retries or 0
  reg.timeout = opts.timeout or 600
  reg.stall_timeout = opts.stall_timeout or 60
  return reg
end

function M.connect(url, opts)
  if type(url) ~= "string" or not url:match("^https?://[^/%s]+") then
    error("rb.registry.connect: bad URL " .. tostring(url) .. ": expected http(s)://host[:port]", 2)
  end
  opts = opt_table(opts, "rb.registry.connect", 2)
  check_options(opts, {username = true, password = true, insecure = true, ca_file = true, retries = true,
                       timeout = true, stall_timeout = true, user_agent = true}, "rb.registry.connect", 2)
  if opts.user_agent ~= nil then
    local ok, uerr = C.check_user_agent(opts.user_agent)
    if not ok then error("rb.registry.connect: bad user_agent: " .. uerr, 2) end
  end
  local creds
  if opts.username ~= nil or opts.password ~= nil then
    if type(opts.username) ~= "string" or type(opts.password) ~= "string" then
      error("rb.registry.connect: username and password must both be strings", 2)
    end
    creds = C.credentials(opts.username, opts.password)
  end
  if opts.retries ~= nil and (math.type(opts.retries) ~= "integer" or opts.retries < 0 or opts.retries > 100) then
    error("rb.registry.connect: retries must be an integer from 0 to 100", 2)
  end
  url = url:gsub("/+$", "")
  return new_registry(url, {kind = "external"}, creds, opts)
end

-- Wraps the run's registry under test (fields from the runtime).
function M.wrap_target(t, creds, opts)
  local reg = new_registry(t.url, {kind = t.kind, storage = t.storage, pid = t.pid, version = t.version,
                                   metrics_url = t.metrics_url, debug_url = t.debug_url}, creds, opts)
  if opts.repo_prefix and opts.repo_prefix ~= "" then reg.prefix = opts.repo_prefix end
  if t.upstream_url then
    reg.upstream = new_registry(t.upstream_url, {kind = "crane", storage = "memory", log = t.upstream_log}, nil, opts)
  end
  return reg
end

-- A repository's name on the registry: the run's prefix (if any) and the
-- name the scenario uses. Token scopes and URLs both use it.
function Registry:_name(repo) return (self.prefix or "") .. repo end
function Registry:_pull_scope(repo) return "repository:" .. self:_name(repo) .. ":pull" end
function Registry:_push_scope(repo) return "repository:" .. self:_name(repo) .. ":pull,push" end

-- Fetches (or reuses) a bearer token for scope from the challenge's realm.
function Registry:_token(ch, scope)
  local cached = self._tokens[scope]
  if cached and rb.now() < cached.expires then return cached.token end
  local q = {}
  if ch.service then q[#q + 1] = "service=" .. ch.service:gsub("[^%w%-._~]", function(c)
    return ("%%%02X"):format(c:byte()) end) end
  if scope and scope ~= "" then q[#q + 1] = "scope=" .. scope:gsub("[^%w%-._~]", function(c)
    return ("%%%02X"):format(c:byte()) end) end
  local url = ch.realm .. (ch.realm:find("?", 1, true) and "&" or "?") .. table.concat(q, "&")
  local r, e, cls = rb.http.request{url = url, credentials = self._creds, op = "auth_token", nested = true,
                               timeout = 30, insecure = self._insecure, ca_file = self._ca_file, max_body = 1 << 20,
                               headers = self._user_agent and {["User-Agent"] = self._user_agent} or nil}
  if not r then return nil, net_error(e, "auth_token", cls) end
  if r.status ~= 200 then
    local err = http_error(r, "auth_token")
    err.class = "auth"
    return nil, err
  end
  local j = C.json_decode(r.body)
  local tok = type(j) == "table" and (j.token or j.access_token)
  if type(tok) ~= "string" or tok == "" then
    return nil, new_error("auth", {message = "token endpoint answered without a token", op = "auth_token"})
  end
  local ttl = type(j.expires_in) == "number" and j.expires_in or 60
  if ttl < 1 then ttl = 60 end
  -- renew a little before expiry
  self._tokens[scope] = {token = tok, expires = rb.now() + math.max(ttl - 5, ttl * 0.8)}
  C.count("auth_tokens")
  return tok
end

local RETRYABLE = {[429] = true, [500] = true, [502] = true, [503] = true, [504] = true}

-- The lists push_blob's `requests` option asks to fill, by the VU (coroutine)
-- making the call: a call's requests all run in its VU, so _req appends
-- each request it sends to its VU's list, when there is one.
local request_lists = setmetatable({}, {__mode = "k"})

-- One request with authentication and retries. args are rb.http.request's;
-- scope is the token scope this request needs. A reader body is rewound
-- to `args._offset` before a resend.
function Registry:_req(args, scope)
  local offset = args._offset or 0
  args._offset = nil
  args.nested = true
  args.insecure = self._insecure
  args.ca_file = self._ca_file
  args.timeout = args.timeout or self.timeout
  args.stall_timeout = args.stall_timeout or self.stall_timeout
  if self._user_agent then
    local h, own = {}, false
    for k, v in pairs(args.headers or {}) do   -- the call's own User-Agent wins
      h[k] = v
      if type(k) == "string" and k:lower() == "user-agent" then own = true end
    end
    if not own then h["User-Agent"] = self._user_agent end
    args.headers = h
  end
  local attempt, auth_tries = 0, 0
  while true do
    args.credentials, args.bearer = nil, nil
    if self._scheme == "basic" then args.credentials = self._creds
    elseif self._scheme == "bearer" and self._challenge then
      local tok, e = self:_token(self._challenge, scope)
      if not tok then return nil, e end
      args.bearer = tok
    end
    local sent_basic, sent_bearer = args.credentials ~= nil, args.bearer
    local r, e, cls = rb.http.request(args)
    local list = request_lists[coroutine.running()]
    if list then list[#list + 1] = {method = args.method or "GET", status = r and r.status or nil} end
    local retry = false
    if r and r.status == 401 and auth_tries < 2 then
      local ch, perr = C.parse_challenge(r.headers["www-authenticate"] or "")
      if not ch then
        return nil, new_error("auth", {status = 401, message = "cannot authenticate: " .. perr, op = args.op})
      end
      if ch.scheme == "basic" then
        if not self._creds or sent_basic then
          return nil, new_error("auth", {status = 401, code = "UNAUTHORIZED",
            message = self._creds and "the registry rejected the credentials" or "the registry wants credentials (--username, REGBENCH_USERNAME, or connect{username=, password=})",
            op = args.op})
        end
        self._scheme = "basic"
      else
        if sent_bearer then
          -- the token was refused (expired or revoked): forget it, fetch another
          for k, t in pairs(self._tokens) do
            if t.token == sent_bearer then self._tokens[k] = nil end
          end
        end
        self._scheme = "bearer"
        self._challenge = ch
        scope = scope or ch.scope or ""
      end
      auth_tries = auth_tries + 1
      retry = true
    elseif attempt < self.retries and ((not r and cls ~= "integrity") or (r and RETRYABLE[r.status]))
        and not (args.body and type(args.body) ~= "string" and args.body.error) then   -- a bad file stays bad
      attempt = attempt + 1
      C.count("retries")
      if attempt == 1 then C.count("retried_requests") end
      local wait = math.min(0.1 * 2 ^ (attempt - 1), 5)
      if r and r.headers["retry-after"] then
        local s = tonumber(r.headers["retry-after"])
        if s and s >= 0 and s <= 60 then wait = s end
      end
      rb.sleep(wait)
      retry = true
    end
    if not retry then return r, e, cls end
    if args.body and type(args.body) ~= "string" then
      args.body:seek(offset)   -- resend the same bytes
    end
  end
end

local function resolve(self, loc)
  if not loc or loc == "" then return nil end
  if loc:match("^https?://") then return loc end
  if loc:sub(1, 1) == "/" then return self.url .. loc end
  return self.url .. "/" .. loc
end

local function with_query(url, q)
  return url .. (url:find("?", 1, true) and "&" or "?") .. q
end

function Registry:_base(repo) return self.url .. "/v2/" .. self:_name(repo) end

---------------------------------------------------------------------------
-- simple operations
---------------------------------------------------------------------------
function Registry:ping()
  local t0 = rb.now()
  local r, e, e_cls = self:_req({url = self.url .. "/v2/", op = "ping_request", discard_body = true, timeout = 30}, "")
  local err = not r and net_error(e, "ping", e_cls) or (r.status ~= 200 and http_error(r, "ping")) or nil
  C.record("ping", t0, rb.now(), 0, (err), true)
  if err then return nil, err end
  return true
end

-- The request for a HEAD; returns exists (boolean), size, or nil, err.
function Registry:_head(repo, digest)
  local r, e, e_cls = self:_req({method = "HEAD", url = self:_base(repo) .. "/blobs/" .. digest, op = "blob_head",
                          expect = {404}}, self:_pull_scope(repo))
  if not r then return nil, net_error(e, "blob_head", e_cls) end
  if r.status == 200 then return true, tonumber(r.headers["content-length"]) end
  if r.status == 404 then return false end
  return nil, http_error(r, "blob_head")
end

function Registry:blob_exists(repo, digest)
  check_repo(repo, 2); check_digest(digest, 2)
  local t0 = rb.now()
  local ok, size_or_err = self:_head(repo, digest)
  C.record("blob_exists", t0, rb.now(), 0, ok == nil and size_or_err or nil, true)
  if ok == nil then return nil, size_or_err end
  return ok, size_or_err
end

-- POST to start an upload session (query may carry digest=, mount=); returns the response.
function Registry:_open(repo, query, op, body)
  local url = self:_base(repo) .. "/blobs/uploads/" .. (query and ("?" .. query) or "")
  local args = {method = "POST", url = url, op = op or "blob_upload_open",
                headers = body and {["Content-Type"] = "application/octet-stream"} or nil, body = body}
  local r, e, e_cls = self:_req(args, self:_push_scope(repo))
  if not r then return nil, net_error(e, op or "blob_upload_open", e_cls) end
  return r
end

-- POST ?mount=&from=: returns true when mounted (201), false and the
-- session's Location when the registry declined (202, upload into it), or
-- nil, err.
function Registry:_mount(repo, digest, from)
  local r, e = self:_open(repo, "mount=" .. digest .. "&from=" .. self:_name(from), "blob_mount")
  if not r then return nil, e end
  if r.status == 201 then C.count("blobs_mounted"); return true end
  if r.status == 202 then return false, resolve(self, r.headers["location"]) end
  return nil, http_error(r, "blob_mount")
end

function Registry:mount(repo, digest, from)
  check_repo(repo, 2); check_digest(digest, 2); check_repo(from, 2)
  local t0 = rb.now()
  local mounted, err = self:_mount(repo, digest, from)
  C.record("mount", t0, rb.now(), 0, (mounted == nil and err or nil), true)
  if mounted == nil then return nil, err end
  return mounted
end

-- Records a PUT/PATCH that carried data as data time and commit time.
local function record_split(r, data_op, commit_op)
  local t = r.timings
  if not t.upload_done then return end
  C.record(data_op, t.start, t.start + t.upload_done, r.bytes_sent, nil, false)
  if commit_op then C.record(commit_op, t.start + t.upload_done, t.start + t.total, 0, nil, false) end
end

-- When a request failed because its body reader did (a user's image file
-- ended early, or verify=true found a digest mismatch), that is the error:
-- an integrity error naming the blob and the file, marked as the input's
-- fault (input = true: uncaught, it ends the run as bad input, exit 2).
local function reader_error(rd, e, op, cls)
  local re = rd.error
  if re then return new_error("integrity", {message = re, op = op, input = true}) end
  return net_error(e, op, cls)
end

-- PUTs the whole blob from reader rd to upload session loc (and closes rd);
-- returns bytes sent, or nil, err.
local function put_whole(self, repo, loc, digest, rd)
  local p, pe, pe_cls = self:_req({method = "PUT", url = with_query(loc, "digest=" .. digest), body = rd,
                           headers = {["Content-Type"] = "application/octet-stream"}, op = "blob_upload_put"},
                          self:_push_scope(repo))
  if not p then pe = reader_error(rd, pe, "blob_upload_put", pe_cls) end
  rd:close()
  if not p then return nil, pe end
  if p.status ~= 201 then return nil, http_error(p, "blob_upload_put") end
  record_split(p, "blob_upload_data", "blob_upload_commit")
  return p.bytes_sent
end

-- Uploads one blob in `mode`; returns bytes sent, or nil, err.
function Registry:_upload(repo, blob, digest, size, mode, chunk_size, session)
  local sent = 0
  if mode == "post" and not session then
    local rd = C.blob_reader(blob)
    local r, e = self:_open(repo, "digest=" .. digest, "blob_upload_post", rd)
    if not r then e = reader_error(rd, e, "blob_upload_post"); rd:close(); return nil, e end
    sent = sent + r.bytes_sent
    if r.status == 201 then rd:close(); return sent end
    if r.status ~= 202 then rd:close(); return nil, http_error(r, "blob_upload_post") end
    -- the registry kept the session open and ignored the body (distribution): PUT it
    C.count("post_fallbacks")
    local loc = resolve(self, r.headers["location"])
    if not loc then rd:close(); return nil, new_error("http", {status = 202, message = "no Location after POST", op = "blob_upload_post"}) end
    rd:rewind()
    local n, pe = put_whole(self, repo, loc, digest, rd)
    if not n then return nil, pe end
    return sent + n
  end

  local loc = session
  if not loc then
    local r, e = self:_open(repo, nil, "blob_upload_open")
    if not r then return nil, e end
    if r.status ~= 202 then return nil, http_error(r, "blob_upload_open") end
    loc = resolve(self, r.headers["location"])
  end
  if not loc then return nil, new_error("http", {status = 202, message = "no Location after POST", op = "blob_upload_open"}) end
  local rd = C.blob_reader(blob)

  if mode == "monolithic" or mode == "post" then   -- post with a session from a refused mount: PUT it
    return put_whole(self, repo, loc, digest, rd)
  end

  if mode == "chunked" then
    local offset = 0
    while offset < size do
      local n = math.min(chunk_size, size - offset)
      local p, pe, pe_cls = self:_req({method = "PATCH", url = loc, body = rd, body_length = n, _offset = offset,
                               headers = {["Content-Type"] = "application/octet-stream",
                                          ["Content-Range"] = offset .. "-" .. (offset + n - 1)},
                               op = "blob_upload_chunk"}, self:_push_scope(repo))
      if not p then pe = reader_error(rd, pe, "blob_upload_chunk", pe_cls); rd:close(); return nil, pe end
      if p.status ~= 202 then rd:close(); return nil, http_error(p, "blob_upload_chunk") end
      sent = sent + p.bytes_sent
      offset = offset + n
      loc = resolve(self, p.headers["location"]) or loc
      local last = p.headers["range"] and tonumber(p.headers["range"]:match("%-(%d+)$"))
      if last and last + 1 ~= offset then
        rd:close()
        return nil, new_error("http", {status = 202, message = ("registry holds %d bytes after a chunk ending at %d")
                                       :format(last + 1, offset), op = "blob_upload_chunk"})
      end
    end
  elseif mode == "stream" then
    local p, pe, pe_cls = self:_req({method = "PATCH", url = loc, body = rd,
                             headers = {["Content-Type"] = "application/octet-stream"}, op = "blob_upload_stream"},
                            self:_push_scope(repo))
    if not p then pe = reader_error(rd, pe, "blob_upload_stream", pe_cls); rd:close(); return nil, pe end
    if p.status ~= 202 then rd:close(); return nil, http_error(p, "blob_upload_stream") end
    sent = p.bytes_sent
    loc = resolve(self, p.headers["location"]) or loc
  end
  rd:close()
  local c, ce, ce_cls = self:_req({method = "PUT", url = with_query(loc, "digest=" .. digest), op = "blob_upload_commit",
                           headers = {["Content-Type"] = "application/octet-stream"}}, self:_push_scope(repo))
  if not c then return nil, net_error(ce, "blob_upload_commit", ce_cls) end
  if c.status ~= 201 then return nil, http_error(c, "blob_upload_commit") end
  return sent
end

local function blob_opts(opts, name, level)
  opts = opt_table(opts, name, level + 1)
  local mode = opts.mode or "monolithic"
  if not UPLOAD_MODES[mode] then
    error(name .. ": mode must be monolithic, post, chunked or stream, not " .. tostring(mode), level + 1)
  end
  local chunk = opts.chunk_size or DEFAULT_CHUNK
  if type(chunk) == "string" then chunk = rb.size(chunk) end
  if math.type(chunk) ~= "integer" or chunk < 1 then error(name .. ": chunk_size must be a positive size", level + 1) end
  return opts, mode, chunk
end

-- Pushes one blob: HEAD (when skip_existing), mount (when from), else upload.
-- Returns "uploaded" | "skipped" | "mounted", bytes sent; or nil, err.
function Registry:_push_one(repo, blob, mode, chunk, skip, from, top)
  local digest, size = C.blob_info(blob)
  local t0 = rb.now()
  local how, sent, err = "uploaded", 0, nil
  if skip then
    local exists, e = self:_head(repo, digest)
    if exists == nil then err = e
    elseif exists then
      how = "skipped"
      C.count("blobs_skipped")
      -- the registry had it before this run touched it: leftover data, not dedup
      if not self._seen[digest] then C.count("blobs_preexisting") end
    end
  end
  self._seen[digest] = true
  local session
  if not err and how == "uploaded" and from then
    local mounted, x = self:_mount(repo, digest, from)
    if mounted == nil then err = x
    elseif mounted then how = "mounted"
    else session = x end   -- not mounted: upload into the session the registry opened
  end
  if not err and how == "uploaded" then
    sent, err = self:_upload(repo, blob, digest, size, mode, chunk, session)
    if sent then C.count("blobs_uploaded") end
  end
  C.record("blob_push", t0, rb.now(), sent or 0, (err), top)
  if err then return nil, err end
  return how, sent
end

function Registry:push_blob(repo, blob, opts)
  check_repo(repo, 2)
  local o, mode, chunk = blob_opts(opts, "push_blob", 2)
  check_options(o, {mode = true, chunk_size = true, skip_existing = true, from = true, requests = true}, "push_blob", 2)
  local ok, e = pcall(C.blob_info, blob)
  if not ok then error("push_blob: " .. tostring(e), 2) end
  if o.from ~= nil then check_repo(o.from, 2) end
  if o.requests ~= nil and type(o.requests) ~= "table" then error("push_blob: requests must be a table", 2) end
  local co = coroutine.running()
  request_lists[co] = o.requests
  local unlist <close> = setmetatable({}, {__close = function() request_lists[co] = nil end})
  local how, sent = self:_push_one(repo, blob, mode, chunk, o.skip_existing, o.from, true)
  if not how then return nil, sent end
  return {digest = (C.blob_info(blob)), how = how, bytes_sent = sent}
end

---------------------------------------------------------------------------
-- manifests, blobs, tags
---------------------------------------------------------------------------
function Registry:_put_manifest(repo, ref, bytes, media_type)
  local r, e, e_cls = self:_req({method = "PUT", url = self:_base(repo) .. "/manifests/" .. ref, body = bytes,
                          headers = {["Content-Type"] = media_type}, op = "manifest_put"}, self:_push_scope(repo))
  if not r then return nil, net_error(e, "manifest_put", e_cls) end
  if r.status ~= 201 then return nil, http_error(r, "manifest_put") end
  local want = rb.sha256(bytes)
  local got = r.headers["docker-content-digest"]
  if got and got ~= want then
    return nil, new_error("integrity", {status = 201, message = "registry reports digest " .. got .. ", the manifest's is " .. want,
                                        op = "manifest_put"})
  end
  return want, #bytes
end

function Registry:put_manifest(repo, ref, bytes, media_type)
  check_repo(repo, 2); check_ref(ref, 2)
  if type(bytes) ~= "string" then error("put_manifest: bytes must be a string", 2) end
  if type(media_type) ~= "string" or media_type == "" then error("put_manifest: media_type is required", 2) end
  local t0 = rb.now()
  local d, e = self:_put_manifest(repo, ref, bytes, media_type)
  C.record("manifest_push", t0, rb.now(), #bytes, (not d and e or nil), true)
  if not d then return nil, e end
  return d
end

-- GETs a manifest; verifies it against ref when ref is a digest.
-- Returns {digest, media_type, bytes, manifest=parsed}, or nil, err.
function Registry:_get_manifest(repo, ref, want_digest)
  local r, e, e_cls = self:_req({url = self:_base(repo) .. "/manifests/" .. ref, headers = {Accept = ACCEPT},
                          op = "manifest_get", max_body = MANIFEST_MAX}, self:_pull_scope(repo))
  if not r then return nil, net_error(e, "manifest_get", e_cls) end
  if r.status ~= 200 then return nil, http_error(r, "manifest_get") end
  local d = rb.sha256(r.body)
  want_digest = want_digest or (C.digest_valid(ref) and ref or nil)
  if want_digest and d ~= want_digest then
    C.count("integrity_errors")
    return nil, new_error("integrity", {message = "manifest " .. ref .. " has digest " .. d, op = "manifest_get"})
  end
  local hd = r.headers["docker-content-digest"]
  if hd and C.digest_valid(hd) and hd ~= d then
    C.count("integrity_errors")
    return nil, new_error("integrity", {message = "Docker-Content-Digest " .. hd .. " does not match the body's " .. d,
                                        op = "manifest_get"})
  end
  local m, perr = C.parse_manifest(r.body, r.headers["content-type"])
  if not m then return nil, new_error("integrity", {message = perr, op = "manifest_get"}) end
  return {digest = d, media_type = m.media_type, bytes = r.body, manifest = m}
end

-- HEAD /v2/REPO/manifests/REF. Returns true, digest (Docker-Content-Digest
-- or nil), size (Content-Length or nil) on 200; false on 404; nil, err.
function Registry:manifest_exists(repo, ref)
  check_repo(repo, 2); check_ref(ref, 2)
  local t0 = rb.now()
  local r, e, e_cls = self:_req({method = "HEAD", url = self:_base(repo) .. "/manifests/" .. ref, headers = {Accept = ACCEPT},
                                 op = "manifest_head", expect = {404}}, self:_pull_scope(repo))
  local err = not r and net_error(e, "manifest_head", e_cls)
              or ((r.status ~= 200 and r.status ~= 404) and http_error(r, "manifest_head")) or nil
  C.record("manifest_exists", t0, rb.now(), 0, (err), true)
  if err then return nil, err end
  if r.status == 404 then return false end
  return true, r.headers["docker-content-digest"], tonumber(r.headers["content-length"])
end

function Registry:get_manifest(repo, ref)
  check_repo(repo, 2); check_ref(ref, 2)
  local t0 = rb.now()
  local m, e = self:_get_manifest(repo, ref)
  C.record("manifest_pull", t0, rb.now(), m and #m.bytes or 0, (not m and e or nil), true)
  if not m then return nil, e end
  return m
end

-- GET /v2/REPO/referrers/DIGEST[?artifactType=T] (OCI distribution 1.1).
-- Returns {supported=true, status=200, manifests={descriptors}, filtered=}
-- on 200 with an OCI index, {supported=false, status=404, manifests={}} on
-- 404 (no referrers API: the caller may use the fallback tag schema), or
-- nil, err. A descriptor is {media_type=, digest=, size=, artifact_type=,
-- annotations=}; filtered says the registry applied the artifactType filter
-- (OCI-Filters-Applied names artifactType).
function Registry:referrers(repo, digest, opts)
  check_repo(repo, 2); check_digest(digest, 2)
  opts = opt_table(opts, "referrers", 3)
  check_options(opts, {artifact_type = true}, "referrers", 3)
  local at = opts.artifact_type
  if at ~= nil and (type(at) ~= "string" or at == "") then error("referrers: artifact_type must be a non-empty string", 2) end
  local url = self:_base(repo) .. "/referrers/" .. digest
  if at then url = url .. "?artifactType=" .. at:gsub("[^%w%-._~]", function(c) return ("%%%02X"):format(c:byte()) end) end
  local t0 = rb.now()
  local r, e, e_cls = self:_req({url = url, headers = {Accept = "application/vnd.oci.image.index.v1+json"},
                                 op = "referrers_list", expect = {404}, max_body = MANIFEST_MAX}, self:_pull_scope(repo))
  local err, out = nil, nil
  if not r then err = net_error(e, "referrers_list", e_cls)
  elseif r.status == 404 then out = {supported = false, status = 404, manifests = {}, filtered = false}
  elseif r.status ~= 200 then err = http_error(r, "referrers_list")
  else
    local j = C.json_decode(r.body)
    if type(j) ~= "table" or type(j.manifests) ~= "table" then
      err = new_error("integrity", {status = 200, message = "the referrers answer is not an OCI index", op = "referrers_list"})
    else
      local list = {}
      for _, d in ipairs(j.manifests) do
        if type(d) == "table" then
          list[#list + 1] = {media_type = d.mediaType, digest = d.digest, size = d.size,
                             artifact_type = d.artifactType, annotations = d.annotations}
        end
      end
      local applied = (r.headers["oci-filters-applied"] or ""):find("artifactType", 1, true) ~= nil
      out = {supported = true, status = 200, manifests = list, filtered = applied}
    end
  end
  C.record("referrers", t0, rb.now(), r and r.body and #r.body or 0, (err), true)
  if err then return nil, err end
  return out
end

-- DELETE of /v2/<repo>/<what>/<ref> as the operation `kind` (request `op`).
function Registry:_delete(repo, what, ref, op, kind)
  local t0 = rb.now()
  local r, e, e_cls = self:_req({method = "DELETE", url = self:_base(repo) .. "/" .. what .. "/" .. ref, op = op},
                         self:_push_scope(repo))
  local err = not r and net_error(e, op, e_cls) or ((r.status ~= 202 and r.status ~= 200) and http_error(r, op)) or nil
  C.record(kind, t0, rb.now(), 0, (err), true)
  if err then return nil, err end
  return true
end

function Registry:delete_manifest(repo, ref)
  check_repo(repo, 2); check_ref(ref, 2)
  return self:_delete(repo, "manifests", ref, "manifest_delete", "manifest_remove")
end

function Registry:delete_blob(repo, digest)
  check_repo(repo, 2); check_digest(digest, 2)
  return self:_delete(repo, "blobs", digest, "blob_delete", "blob_remove")
end

-- GETs one blob, verified against digest and size unless verify is false;
-- a range, against range_digest when given (and only when answered 206).
-- Returns bytes received, the response; or nil, err.
function Registry:_get_blob(repo, digest, size, verify, range, range_digest)
  local args = {url = self:_base(repo) .. "/blobs/" .. digest, op = "blob_get", follow_redirects = true,
                discard_body = true}
  if range then
    args.headers = {Range = "bytes=" .. range}
    if range_digest then
      local a, b = range:match("^(%d+)%-(%d+)$")
      args.verify = {digest = range_digest, size = tonumber(b) - tonumber(a) + 1}
      args.discard_body = nil
    end
  elseif verify then
    args.verify = {digest = digest, size = size}
    args.discard_body = nil
  end
  local r, e, e_cls = self:_req(args, self:_pull_scope(repo))
  if not r then
    if e_cls == "integrity" then C.count("integrity_errors") end
    return nil, net_error(e, "blob_get", e_cls)
  end
  if r.status ~= 200 and r.status ~= 206 then return nil, http_error(r, "blob_get") end
  local t = r.timings
  C.record("blob_get_ttfb", t.start, t.start + t.ttfb, 0, nil, false)
  if range then
    local a, b = range:match("^(%d+)%-(%d+)$")
    if a and r.status == 206 and r.bytes_received ~= tonumber(b) - tonumber(a) + 1 then
      C.count("integrity_errors")
      return nil, new_error("integrity", {message = ("range %s returned %d bytes"):format(range, r.bytes_received), op = "blob_get"})
    end
    local cr = r.headers["content-range"]
    if r.status == 206 and cr and cr:match("^bytes (%d+%-%d+)/") ~= range then
      C.count("integrity_errors")
      return nil, new_error("integrity", {status = 206, message = ("range %s answered with Content-Range %s"):format(range, cr),
                                          op = "blob_get"})
    end
    if r.status == 200 and range_digest then   -- the range was ignored: the whole blob came back
      return nil, new_error("integrity", {status = 200, message = ("range %s answered with the whole blob (200)"):format(range),
                                          op = "blob_get"})
    end
  end
  return r.bytes_received, r
end

function Registry:get_blob(repo, digest, opts)
  check_repo(repo, 2); check_digest(digest, 2)
  opts = opt_table(opts, "get_blob", 2)
  check_options(opts, {verify = true, range = true, size = true, range_digest = true}, "get_blob", 2)
  if opts.range ~= nil then
    local a, b
    if type(opts.range) == "string" then a, b = opts.range:match("^(%d+)%-(%d+)$") end
    if not a or tonumber(a) > tonumber(b) then error("get_blob: range must be 'N-M' (bytes, inclusive, N <= M)", 2) end
  end
  if opts.range_digest ~= nil then
    if not opts.range then error("get_blob: range_digest needs a range", 2) end
    check_digest(opts.range_digest, 2)
  end
  local t0 = rb.now()
  local n, e = self:_get_blob(repo, digest, opts.size, opts.verify ~= false, opts.range, opts.range_digest)
  C.record("blob_pull", t0, rb.now(), n or 0, (not n and e or nil), true)
  if not n then return nil, e end
  local verified = opts.range == nil and opts.verify ~= false or (opts.range_digest ~= nil and e.verified == true)
  local fb = e.timings.first_body_byte
  return {digest = digest, bytes = n, verified = verified, status = e.status,
          content_range = e.headers["content-range"], first_byte = fb and e.timings.start + fb - t0}
end

-- The next page's URL from a Link header (`<URL>; rel="next"`), resolved
-- against the registry's URL; nil when there is none, or when it points at
-- another host (credentials are never sent there).
local function next_link(self, r)
  local link = r.headers["link"]
  if type(link) ~= "string" then return nil end
  for part in link:gmatch("[^,]+") do
    local u, params = part:match("^%s*<([^>]*)>(.*)$")
    if u and params:lower():find('rel%s*=%s*"?next"?') then
      local url = resolve(self, u)
      if url and url:sub(1, #self.url + 1) == self.url .. "/" then return url end
      return nil
    end
  end
  return nil
end

-- Walks a paginated list (catalog or tags): GET first, then each Link
-- rel="next", or, without a Link after a full page, `?n=N&last=LAST`; at
-- most max_pages pages. key is the JSON array holding the names. The walk
-- ends at a page shorter or longer than n, an empty page, or a page that
-- repeats a name already seen; a repeat, or a page longer than n, marks the
-- registry as not paginating. Returns list, info {pages=, paginated=, repeated=,
-- links= (pages reached through a Link)}, or nil, err.
function Registry:_walk(first, n, key, op, scope, max_pages)
  local seen, list = {}, {}
  local info = {pages = 0, paginated = true, repeated = false, links = 0}
  local url = first
  for _ = 1, max_pages do
    local r, e, e_cls = self:_req({url = url, op = op, max_body = 16 << 20}, scope)
    if not r then return nil, net_error(e, op, e_cls) end
    if r.status ~= 200 then return nil, http_error(r, op) end
    info.pages = info.pages + 1
    local j = C.json_decode(r.body)
    if type(j) ~= "table" then return nil, new_error("http", {status = 200, message = key .. " list is not JSON", op = op}) end
    local page = type(j[key]) == "table" and j[key] or {}
    for _, t in ipairs(page) do
      if type(t) == "string" then
        if seen[t] then info.repeated = true
        else seen[t] = true; list[#list + 1] = t end
      end
    end
    if n and #page > n then info.paginated = false end   -- n ignored: this page is the whole list
    if info.repeated or #page == 0 or not n or #page > n then break end
    local nxt = next_link(self, r)
    if nxt then info.links = info.links + 1
    elseif #page >= n and type(page[#page]) == "string" then
      nxt = (first:gsub("%?.*$", "")) .. "?n=" .. n .. "&last=" .. page[#page]
    else break end
    url = nxt
  end
  if info.repeated then info.paginated = false end
  return list, info
end

function Registry:tags(repo, opts)
  check_repo(repo, 2)
  opts = opt_table(opts, "tags", 2)
  check_options(opts, {page_size = true, max_pages = true}, "tags", 2)
  local n = opts.page_size
  if n ~= nil and (math.type(n) ~= "integer" or n < 1) then error("tags: page_size must be a positive integer", 2) end
  local maxp = opts.max_pages or MAX_TAG_PAGES
  if math.type(maxp) ~= "integer" or maxp < 1 then error("tags: max_pages must be a positive integer", 2) end
  local t0 = rb.now()
  local url = self:_base(repo) .. "/tags/list" .. (n and ("?n=" .. n) or "")
  -- crane repeats the whole list when nothing sorts after `last`; distribution 2.8 ignores n/last
  local list, info = self:_walk(url, n, "tags", "tags_list", self:_pull_scope(repo), maxp)
  C.record("tags", t0, rb.now(), 0, (not list and info or nil), true)
  if not list then return nil, info end
  return list, info
end

-- GET /v2/_catalog?n=PAGE, following Link rel="next". Returns the names
-- under this registry object's prefix (prefix removed) and info {pages=,
-- paginated=, repeated=, total= (every name listed)}, or nil, err.
function Registry:catalog(opts)
  opts = opt_table(opts, "catalog", 2)
  check_options(opts, {page = true, max_pages = true}, "catalog", 2)
  local n = opts.page
  if n ~= nil and (math.type(n) ~= "integer" or n < 1) then error("catalog: page must be a positive integer", 2) end
  local maxp = opts.max_pages or MAX_TAG_PAGES
  if math.type(maxp) ~= "integer" or maxp < 1 then error("catalog: max_pages must be a positive integer", 2) end
  local t0 = rb.now()
  local url = self.url .. "/v2/_catalog" .. (n and ("?n=" .. n) or "")
  local all, info = self:_walk(url, n, "repositories", "catalog_list", "registry:catalog:*", maxp)
  C.record("catalog", t0, rb.now(), 0, (not all and info or nil), true)
  if not all then return nil, info end
  local pre, names = self.prefix or "", {}
  for _, name in ipairs(all) do
    if name:sub(1, #pre) == pre then names[#names + 1] = name:sub(#pre + 1) end
  end
  info.total = #all
  return names, info
end

---------------------------------------------------------------------------
-- push and pull: the whole client flow
---------------------------------------------------------------------------

-- Runs work(i) for i = 1..n with at most `conc` at once (in sub-VUs).
-- Returns the first error, if any.
local function run_limited(n, conc, work)
  if n == 0 then return nil end
  if conc <= 1 or n == 1 then
    for i = 1, n do
      local e = work(i)
      if e then return e end
    end
    return nil
  end
  local next_i, first = 1, nil
  local function worker()
    while not first and next_i <= n do
      local i = next_i
      next_i = next_i + 1
      local e = work(i)
      if e and not first then first = e end
    end
  end
  local hs = {}
  for k = 1, math.min(conc, n) do hs[k] = rb.spawn(worker) end
  for k = 1, #hs do hs[k]:join() end
  return first
end

local function conc_opt(opts, name, level)
  local c = opts.layer_concurrency or 3
  if math.type(c) ~= "integer" or c < 1 or c > 64 then
    error(name .. ": layer_concurrency must be an integer from 1 to 64", level + 1)
  end
  return c
end

-- Pushes one image's blobs and its manifest under ref; returns the result table or nil, err.
function Registry:_push_image(repo, ref, parts, mode, chunk, skip, conc, from)
  local config, layers, manifest, media_type = table.unpack(parts)
  local blobs = {config}
  for i = 1, #layers do blobs[#blobs + 1] = layers[i] end
  local t0 = rb.now()
  local res = {tag = ref, bytes_sent = 0, blobs_uploaded = 0, blobs_skipped = 0, blobs_mounted = 0}
  local err = run_limited(#blobs, conc, function(i)
    local how, sent = self:_push_one(repo, blobs[i], mode, chunk, skip, from, false)
    if not how then return sent end
    res["blobs_" .. how] = res["blobs_" .. how] + 1
    res.bytes_sent = res.bytes_sent + sent
  end)
  local t1 = rb.now()
  if err then return nil, err end
  local d, e = self:_put_manifest(repo, ref, manifest, media_type)
  if not d then return nil, e end
  res.digest = d
  res.bytes_sent = res.bytes_sent + #manifest
  res.timings = {total = rb.now() - t0, blobs = t1 - t0, manifest = rb.now() - t1}
  return res
end

function Registry:push(repo, tag, image, opts)
  check_repo(repo, 2); check_ref(tag, 2)
  local o, mode, chunk = blob_opts(opts, "push", 2)
  check_options(o, {mode = true, chunk_size = true, skip_existing = true, layer_concurrency = true, from = true},
                "push", 2)
  local conc = conc_opt(o, "push", 2)
  if o.from ~= nil then check_repo(o.from, 2) end
  local skip = o.skip_existing ~= false
  local t0 = rb.now()
  local res, err
  local images, imanifest, imt = C.index_parts(image)
  if images then
    -- an index: every image by digest, then the index under the tag
    res = {tag = tag, bytes_sent = 0, blobs_uploaded = 0, blobs_skipped = 0, blobs_mounted = 0, images = 0}
    for _, img in ipairs(images) do
      local r, e = self:_push_image(repo, img.digest, table.pack(C.image_parts(img)), mode, chunk, skip, conc, o.from)
      if not r then err = e; break end
      for _, k in ipairs{"bytes_sent", "blobs_uploaded", "blobs_skipped", "blobs_mounted"} do res[k] = res[k] + r[k] end
      res.images = res.images + 1
    end
    if not err then
      local d, e = self:_put_manifest(repo, tag, imanifest, imt)
      if d then res.digest = d; res.bytes_sent = res.bytes_sent + #imanifest else err = e end
    end
    if not err then res.timings = {total = rb.now() - t0} end
  else
    local ok, c, l, m, mt = pcall(C.image_parts, image)
    if not ok then error("push: " .. tostring(c), 2) end
    res, err = self:_push_image(repo, tag, {c, l, m, mt}, mode, chunk, skip, conc, o.from)
  end
  C.record("push", t0, rb.now(), res and res.bytes_sent or 0, (err), true)
  if err then return nil, err end
  return res
end

local function parse_platform(p)
  local os_, arch, variant = p:match("^([%w_.-]+)/([%w_.-]+)/?([%w_.-]*)$")
  return os_, arch, variant
end

function Registry:pull(repo, ref, opts)
  check_repo(repo, 2); check_ref(ref, 2)
  opts = opt_table(opts, "pull", 2)
  check_options(opts, {layer_concurrency = true, verify = true, platform = true}, "pull", 2)
  local conc = conc_opt(opts, "pull", 2)
  local verify = opts.verify ~= false
  local platform = opts.platform or "linux/amd64"
  local pos, parch, pvar = parse_platform(platform)
  if not pos then error("pull: platform must be os/arch[/variant], not " .. tostring(platform), 2) end
  local t0 = rb.now()
  local res = {bytes = 0}
  local err
  local m, e = self:_get_manifest(repo, ref)
  if m and m.manifest.is_index then
    res.index_digest = m.digest
    local chosen
    for _, d in ipairs(m.manifest.manifests) do
      local o2, a2, v2 = parse_platform(d.platform or "")
      if o2 == pos and a2 == parch and (pvar == "" or v2 == pvar) then chosen = d; break end
    end
    if not chosen then
      err = new_error("http", {status = 404, code = "PLATFORM_UNKNOWN", message = "no manifest for " .. platform .. " in the index", op = "pull"})
      m = nil
    else
      m, e = self:_get_manifest(repo, chosen.digest, chosen.digest)
    end
  end
  if not m and not err then err = e end
  local t1 = rb.now()
  local first_layer_at
  if m then
    res.bytes = #m.bytes
    local descs = {m.manifest.config}
    for _, l in ipairs(m.manifest.layers) do descs[#descs + 1] = l end
    err = run_limited(#descs, conc, function(i)
      local n, ge = self:_get_blob(repo, descs[i].digest, descs[i].size, verify)
      if not n then return ge end
      res.bytes = res.bytes + n
      local fb = ge.timings.first_body_byte
      if i == 2 and fb then first_layer_at = ge.timings.start + fb end   -- descs[2]: the first layer
    end)
    res.digest = m.digest
    res.media_type = m.media_type
    res.config = m.manifest.config
    res.layers = m.manifest.layers
    res.verified = verify
  end
  local t2 = rb.now()
  C.record("pull", t0, t2, res.bytes, (err), true)
  if err then return nil, err end
  res.timings = {total = t2 - t0, manifest = t1 - t0, blobs = t2 - t1,
                 first_layer_byte = first_layer_at and first_layer_at - t0}
  return res
end

---------------------------------------------------------------------------
-- a barrier between the shards of one run
---------------------------------------------------------------------------
-- The shards of a run (--shard I/N) meet before every top-level phase. They
-- meet in the registry under test itself, the one thing every shard must
-- reach anyway: each shard pushes a tiny manifest tagged s<I> into the
-- repository `repo` (one per barrier), then lists the repository's tags
-- until s0 .. s<N-1> are all there. The manifest's config and layer are
-- OCI's empty descriptor (the 2-byte blob "{}"). The caller keeps these
-- requests out of the measurements (rb.unmeasured). Returns the wall-clock
-- times (microseconds) of arrival and release, or nil and a message naming
-- the shards that did not arrive in time.
local EMPTY_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
local EMPTY_TYPE = "application/vnd.oci.empty.v1+json"

function M.barrier(reg, repo, index, count, timeout, what)
  local arrived = core.wall_us()
  local scope = reg:_push_scope(repo)
  local function fail(r, e, cls)
    local err = r and http_error(r, "barrier") or net_error(e, "barrier", cls)
    return nil, ("%s: shard %d of %d cannot write its arrival into %s on the registry: %s"):format(
      what, index, count, repo, tostring(err))
  end
  local r, e, cls = reg:_req({method = "POST", url = reg:_base(repo) .. "/blobs/uploads/", op = "blob_upload_open"}, scope)
  if not r or r.status ~= 202 then return fail(r, e, cls) end
  r, e, cls = reg:_req({method = "PUT", url = with_query(resolve(reg, r.headers["location"]), "digest=" .. EMPTY_DIGEST),
                        body = "{}", headers = {["Content-Type"] = "application/octet-stream"}, op = "blob_upload_put"}, scope)
  if not r or r.status ~= 201 then return fail(r, e, cls) end
  local empty = ('{"mediaType":"%s","digest":"%s","size":2}'):format(EMPTY_TYPE, EMPTY_DIGEST)
  local manifest = ('{"schemaVersion":2,"mediaType":"%s","config":%s,"layers":[%s],' ..
                    '"annotations":{"org.regbench.shard":"%d/%d","org.regbench.arrived_wall_us":"%d"}}'):format(
                    MT.oci_manifest, empty, empty, index, count, arrived)
  r, e, cls = reg:_req({method = "PUT", url = reg:_base(repo) .. "/manifests/s" .. index, body = manifest,
                        headers = {["Content-Type"] = MT.oci_manifest}, op = "manifest_put"}, scope)
  if not r or r.status ~= 201 then return fail(r, e, cls) end
  -- wait for the others: poll every 5 ms (a little more with many shards,
  -- so they do not flood the registry), every 50 ms after two seconds
  local poll = math.min(0.2, 0.005 * math.ceil(count / 4))
  local t0 = rb.now()
  local deadline, missing = t0 + timeout, nil
  for _ = 1, math.ceil(timeout / poll) + 10 do
    local tags = reg:tags(repo)
    if tags then
      local have = {}
      for _, t in ipairs(tags) do have[t] = true end
      missing = {}
      for i = 0, count - 1 do
        if not have["s" .. i] then missing[#missing + 1] = tostring(i) end
      end
      if #missing == 0 then return arrived, core.wall_us() end
    end
    if rb.now() >= deadline then break end
    rb.sleep(rb.now() - t0 < 2 and poll or math.max(poll, 0.05))
  end
  local who = missing and #missing > 0 and ((#missing == 1 and "shard " or "shards ") .. table.concat(missing, ", "))
              or "the shards (the registry did not list the barrier's tags)"
  return nil, ("%s: %s of %d did not arrive within %g s (repository %s on the registry; every shard must run " ..
               "the same scenario with the same --run-id and --shard I/%d)"):format(what, who, count, timeout, repo, count)
end

return M
