/* lhttp: rb.http.request, the HTTP operation under scenarios and the OCI
 * client. Checks the request table, starts the transfer on the loop and
 * yields; the completion handler records the operation in the VU's phase
 * and resumes the VU with a response table, or nil, "class: message" and
 * the class for a network failure or an integrity error. Request bodies are
 * strings or blob readers (streamed, never copied whole; an unverified file
 * blob may go straight from its file to the socket, rb_sendfile_fn); response bodies
 * are kept, discarded, or verified against a digest by the HTTP core
 * (RB_BODY_VERIFY). Misuse (no URL, a header with a newline) raises. */
#include "lrt.h"
#include "lhttp.h"
#include "loci.h"
#include "util/rb_digest.h"
#include "util/rb_util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct req_ctx {
    rb_vu *vu;
    char kind[64];
    int discard;
    int nested;               /* 1: not a top-level operation of the phase */
    int verify;               /* the body was checked against a digest */
    rbl_reader *reader;       /* streamed request body, or NULL */
    int reader_ref;           /* anchors the reader while the transfer runs */
    uint64_t remaining;       /* body bytes still to send from the reader */
    uint64_t body_start;      /* the reader's offset when the request began */
    uint64_t body_len;        /* bytes of the reader the body holds */
    uint64_t upload_done_us;  /* when the last body byte was handed over */
    char *auth_header;        /* wiped and freed when done */
    long expect[8];           /* statuses >= 400 that are not errors here (e.g. 404 for a HEAD probe) */
    int n_expect;
} req_ctx;

static ssize_t reader_read(void *ud, char *buf, size_t n)
{
    req_ctx *c = ud;
    if (c->remaining == 0) {
        if (!c->upload_done_us) c->upload_done_us = rb_now_us();
        return 0;
    }
    if (n > c->remaining) n = (size_t)c->remaining;
    ssize_t got = rb_blob_read(c->reader->r, buf, n);
    if (got <= 0) return -1;   /* the blob ended early or failed */
    c->remaining -= (uint64_t)got;
    c->reader->offset += (uint64_t)got;
    if (c->remaining == 0) c->upload_done_us = rb_now_us();
    return got;
}

/* rb_sendfile_fn over the reader: body offset off is the blob's body_start + off. */
static ssize_t reader_send(void *ud, int sock, uint64_t off, size_t n)
{
    req_ctx *c = ud;
    if (off >= c->body_len) return 0;
    if (off == 0) c->upload_done_us = 0;   /* (a retried request starts over) */
    if (n > c->body_len - off) n = (size_t)(c->body_len - off);
    ssize_t got = rb_blob_send(c->reader->r, sock, c->body_start + off, n);
    if (got <= 0) return got;
    uint64_t done = off + (uint64_t)got;
    c->reader->offset = c->body_start + done;
    c->remaining = c->body_len - done;
    if (c->remaining == 0) c->upload_done_us = rb_now_us();
    return got;
}

static void ctx_free(req_ctx *c)
{
    if (c->reader) {
        c->reader->busy = 0;
        luaL_unref(c->vu->rt->L, LUA_REGISTRYINDEX, c->reader_ref);
    }
    if (c->auth_header) {
        memset(c->auth_header, 0, strlen(c->auth_header));
        free(c->auth_header);
    }
    free(c);
}

/* Pushes the response's headers as a table with lowercase names. */
static void push_headers(lua_State *co, const rb_http_resp *r)
{
    /* Sized for the header count up front: growing from an empty table
     * rehashed it four or five times per response. */
    int lines = 0;
    if (r->headers)
        for (const char *q = r->headers; (q = strchr(q, '\n')); q++) lines++;
    lua_createtable(co, 0, lines);
    if (!r->headers) return;
    const char *p = r->headers;
    while (*p) {
        const char *eol = strchr(p, '\n');
        if (!eol) eol = p + strlen(p);
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (colon && colon > p) {
            char name[128];
            size_t n = (size_t)(colon - p);
            if (n >= sizeof name) n = sizeof name - 1;
            for (size_t i = 0; i < n; i++) name[i] = (char)tolower((unsigned char)p[i]);
            name[n] = 0;
            const char *v = colon + 1;
            while (v < eol && (*v == ' ' || *v == '\t')) v++;
            const char *end = eol;
            while (end > v && (end[-1] == '\r' || end[-1] == ' ')) end--;
            lua_pushlstring(co, v, (size_t)(end - v));
            lua_setfield(co, -2, name);
        }
        p = *eol ? eol + 1 : eol;
    }
}

#define RESP_MT "regbench.response"
static char raw_headers_key;   /* its address keys the raw header block in a response */

/* __index of responses: builds `headers` from the raw block on first use,
 * so requests whose script never reads headers never pay for the table. */
static int resp_index(lua_State *L)
{
    const char *k = lua_tostring(L, 2);
    if (!k || strcmp(k, "headers") != 0) return 0;
    lua_rawgetp(L, 1, &raw_headers_key);
    rb_http_resp r;
    memset(&r, 0, sizeof r);
    size_t len = 0;
    const char *raw = lua_tolstring(L, -1, &len);
    r.headers = (char *)raw;
    r.headers_len = len;
    push_headers(L, &r);
    lua_pushvalue(L, -1);
    lua_setfield(L, 1, "headers");   /* rawset: the table has no __newindex */
    return 1;
}

/* The transfer ended: records the operation and resumes the VU with its
 * result. Frees c. */
static void on_done(rb_xfer *x, rb_http_resp *r, void *ud)
{
    (void)x;
    req_ctx *c = ud;
    rb_vu *vu = c->vu;
    rb_rt *rt = vu->rt;
    if (rb_run_stopping(rt->run)) {     /* run ending: the VU will not be resumed */
        ctx_free(c);
        return;
    }
    rb_err_class cls = r->err != RB_ERR_NONE ? r->err : rb_err_class_of(NULL, r->status);
    for (int i = 0; i < c->n_expect && cls != RB_ERR_NONE && r->err == RB_ERR_NONE; i++)
        if (c->expect[i] == r->status) cls = RB_ERR_NONE;
    rb_op_record rec = {
        .kind = c->kind,
        .start_us = r->start_us,
        .end_us = r->start_us + r->total_us,
        .bytes = r->bytes_sent + r->bytes_received,
        .err = cls,
        .top_level = !c->nested,
    };
    rbl_record(vu, &rec);
    lua_State *co = vu->co;
    if (r->err != RB_ERR_NONE) {
        /* nil, "class: message", class (as io returns nil, message, errno) */
        lua_pushnil(co);
        lua_pushfstring(co, "%s: %s", rb_err_class_name(r->err), r->error);
        lua_pushstring(co, rb_err_class_name(r->err));
        ctx_free(c);
        rbl_wake(vu, 3);
        return;
    }
    lua_createtable(co, 0, 8);
    lua_pushinteger(co, r->status);
    lua_setfield(co, -2, "status");
    lua_pushlstring(co, r->headers ? r->headers : "", r->headers ? r->headers_len : 0);
    lua_rawsetp(co, -2, &raw_headers_key);
    luaL_setmetatable(co, RESP_MT);
    if (c->verify && r->verified) {
        lua_pushboolean(co, 1);
        lua_setfield(co, -2, "verified");
    } else if (!c->discard || c->verify) {   /* (a verified error response: its first bytes) */
        lua_pushlstring(co, r->body ? r->body : "", r->body_len);
        lua_setfield(co, -2, "body");
    }
    lua_pushinteger(co, (lua_Integer)r->bytes_sent);
    lua_setfield(co, -2, "bytes_sent");
    lua_pushinteger(co, (lua_Integer)r->bytes_received);
    lua_setfield(co, -2, "bytes_received");
    lua_createtable(co, 0, 6);
    lua_pushnumber(co, (double)r->start_us / 1e6);
    lua_setfield(co, -2, "start");
    lua_pushnumber(co, (double)r->connect_us / 1e6);
    lua_setfield(co, -2, "connect");
    lua_pushnumber(co, (double)r->ttfb_us / 1e6);
    lua_setfield(co, -2, "ttfb");
    if (r->body_us) {
        lua_pushnumber(co, (double)r->body_us / 1e6);
        lua_setfield(co, -2, "first_body_byte");
    }
    lua_pushnumber(co, (double)r->total_us / 1e6);
    lua_setfield(co, -2, "total");
    if (c->upload_done_us) {
        lua_pushnumber(co, (double)(c->upload_done_us - r->start_us) / 1e6);
        lua_setfield(co, -2, "upload_done");
    }
    lua_setfield(co, -2, "timings");
    if (r->effective_url) {
        lua_pushstring(co, r->effective_url);
        lua_setfield(co, -2, "url");
    }
    ctx_free(c);
    rbl_wake(vu, 1);
}

/* Reads a duration field (number of seconds or "500ms"); def when absent. */
static double opt_duration(lua_State *L, int t, const char *field, double def)
{
    lua_getfield(L, t, field);
    double v = def;
    if (lua_type(L, -1) == LUA_TNUMBER) {
        v = lua_tonumber(L, -1);
        if (v < 0) luaL_error(L, "rb.http.request: '%s' must not be negative", field);
    } else if (lua_type(L, -1) == LUA_TSTRING) {
        char err[RB_ERRLEN];
        if (rb_parse_duration(lua_tostring(L, -1), &v, err, sizeof err) < 0)
            luaL_error(L, "rb.http.request: '%s': %s", field, err);
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "rb.http.request: '%s' must be a number of seconds or a duration string", field);
    }
    lua_pop(L, 1);
    return v;
}

static const char *opt_string(lua_State *L, int t, const char *field, const char *def)
{
    lua_getfield(L, t, field);
    const char *v = def;
    if (lua_type(L, -1) == LUA_TSTRING) v = lua_tostring(L, -1);
    else if (!lua_isnil(L, -1)) luaL_error(L, "rb.http.request: '%s' must be a string", field);
    lua_pop(L, 1);   /* the string stays alive: the table holds it */
    return v;
}

static int l_request(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    static const char *known[] = {"method", "url", "headers", "body", "body_length", "timeout",
                                  "stall_timeout", "discard_body", "verify", "op", "nested",
                                  "follow_redirects", "credentials", "bearer", "insecure", "ca_file",
                                  "max_body", "expect", NULL};
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        int ok = 0;
        if (lua_type(L, -1) == LUA_TSTRING)
            for (int i = 0; known[i]; i++)
                if (strcmp(lua_tostring(L, -1), known[i]) == 0) ok = 1;
        if (!ok)
            return luaL_error(L, "rb.http.request: unknown field '%s' (accepted: method, url, headers, body, "
                                 "body_length, timeout, stall_timeout, discard_body, verify, op, nested, "
                                 "follow_redirects, credentials, bearer, insecure, ca_file, max_body, expect)",
                              luaL_tolstring(L, -1, NULL));
    }
    rb_http_req req;
    memset(&req, 0, sizeof req);
    req.url = opt_string(L, 1, "url", NULL);
    if (!req.url) return luaL_error(L, "rb.http.request: 'url' is required");
    req.method = opt_string(L, 1, "method", "GET");
    if (!req.method[0]) return luaL_error(L, "rb.http.request: empty method");
    for (const char *m = req.method; *m; m++)
        if (!isupper((unsigned char)*m)) return luaL_error(L, "rb.http.request: bad method '%s'", req.method);
    const char *kind = opt_string(L, 1, "op", "http");
    req.timeout_s = opt_duration(L, 1, "timeout", 60.0);
    req.stall_s = opt_duration(L, 1, "stall_timeout", 0);
    req.ca_file = opt_string(L, 1, "ca_file", NULL);
    lua_getfield(L, 1, "discard_body");
    int discard = lua_toboolean(L, -1);
    lua_getfield(L, 1, "follow_redirects");
    req.follow_redirects = lua_toboolean(L, -1);
    lua_getfield(L, 1, "nested");
    int nested = lua_toboolean(L, -1);
    lua_getfield(L, 1, "insecure");
    req.insecure = lua_toboolean(L, -1);
    lua_getfield(L, 1, "max_body");
    if (!lua_isnil(L, -1)) {
        lua_Integer mb = luaL_checkinteger(L, -1);
        if (mb <= 0) return luaL_error(L, "rb.http.request: 'max_body' must be positive");
        req.max_body = (size_t)mb;
    }
    lua_pop(L, 5);
    req.body_mode = discard ? RB_BODY_DISCARD : RB_BODY_BUFFER;

    /* body: a string, or a blob reader (streamed) with an optional body_length */
    rbl_reader *reader = NULL;
    uint64_t body_len = 0;
    lua_getfield(L, 1, "body");
    if (lua_type(L, -1) == LUA_TSTRING) {
        req.body = lua_tolstring(L, -1, &req.body_len);
    } else if (luaL_testudata(L, -1, RBL_READER_MT)) {
        reader = rbl_check_reader(L, lua_gettop(L));
        if (reader->busy) return luaL_error(L, "rb.http.request: the blob reader is in use by another request");
        body_len = reader->blob.size - reader->offset;
        lua_getfield(L, 1, "body_length");
        if (!lua_isnil(L, -1)) {
            lua_Integer n = luaL_checkinteger(L, -1);
            if (n < 0 || (uint64_t)n > body_len)
                return luaL_error(L, "rb.http.request: 'body_length' %I is past the end of the blob (%I bytes left)",
                                  n, (lua_Integer)body_len);
            body_len = (uint64_t)n;
        }
        lua_pop(L, 1);
    } else if (!lua_isnil(L, -1)) {
        return luaL_error(L, "rb.http.request: 'body' must be a string or a blob reader");
    }

    /* verify: "sha256:..." or {digest=, size=} */
    const char *vdigest = NULL;
    int64_t vsize = -1;
    lua_getfield(L, 1, "verify");
    if (lua_type(L, -1) == LUA_TSTRING) {
        vdigest = lua_tostring(L, -1);
    } else if (lua_type(L, -1) == LUA_TTABLE) {
        lua_getfield(L, -1, "digest");
        vdigest = lua_tostring(L, -1);
        lua_getfield(L, -2, "size");
        if (!lua_isnil(L, -1)) vsize = (int64_t)luaL_checkinteger(L, -1);
        lua_pop(L, 2);
    } else if (!lua_isnil(L, -1)) {
        return luaL_error(L, "rb.http.request: 'verify' must be a digest or {digest=, size=}");
    }
    if (vdigest && !rb_digest_valid(vdigest))
        return luaL_error(L, "rb.http.request: cannot verify against '%s': expected sha256:<64 hex>", vdigest);

    /* headers: { Name = "value", ... } → "Name: value" lines, anchored in a table */
    const char *lines[67];
    int nh = 0;
    lua_getfield(L, 1, "headers");
    if (lua_type(L, -1) == LUA_TTABLE) {
        int ht = lua_gettop(L);
        lua_newtable(L);
        int anchor = lua_gettop(L);
        lua_pushnil(L);
        while (lua_next(L, ht)) {
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
                return luaL_error(L, "rb.http.request: headers must map strings to strings");
            const char *name = lua_tostring(L, -2), *value = lua_tostring(L, -1);
            if (strpbrk(name, "\r\n: ") || strpbrk(value, "\r\n") || !name[0])
                return luaL_error(L, "rb.http.request: bad header '%s'", name);
            if (nh == 64) return luaL_error(L, "rb.http.request: at most 64 headers");
            lua_pushfstring(L, "%s: %s", name, value);
            lua_rawseti(L, anchor, nh + 1);
            lua_rawgeti(L, anchor, nh + 1);
            lines[nh++] = lua_tostring(L, -1);
            lua_pop(L, 2);
        }
    } else if (!lua_isnil(L, -1)) {
        return luaL_error(L, "rb.http.request: 'headers' must be a table");
    }
    long expect[8];
    int n_expect = 0;
    lua_getfield(L, 1, "expect");
    if (lua_type(L, -1) == LUA_TTABLE) {
        for (lua_Integer i = 1; i <= 8; i++) {
            if (lua_rawgeti(L, -1, i) == LUA_TNIL) { lua_pop(L, 1); break; }
            lua_Integer st = lua_tointeger(L, -1);
            lua_pop(L, 1);
            if (st < 100 || st > 599) return luaL_error(L, "rb.http.request: 'expect' holds HTTP statuses (100-599)");
            expect[n_expect++] = (long)st;
        }
    } else if (!lua_isnil(L, -1)) {
        return luaL_error(L, "rb.http.request: 'expect' must be a list of statuses");
    }
    lua_pop(L, 1);

    /* credentials (Basic, built in C so the secret never becomes a Lua
     * string) or a bearer token: checked here, the header made after the
     * last point where this function can raise */
    lua_getfield(L, 1, "credentials");
    int has_creds = !lua_isnil(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, 1, "bearer");
    const char *bearer = NULL;
    if (lua_type(L, -1) == LUA_TSTRING) {
        if (has_creds) return luaL_error(L, "rb.http.request: give credentials or bearer, not both");
        bearer = lua_tostring(L, -1);   /* the request table keeps it alive */
        if (strpbrk(bearer, "\r\n")) return luaL_error(L, "rb.http.request: bad bearer token");
    } else if (!lua_isnil(L, -1)) {
        return luaL_error(L, "rb.http.request: 'bearer' must be a string");
    }
    lua_pop(L, 1);

    rb_vu *vu = rbl_action(L, 1);
    req.affinity = (unsigned)vu->id;   /* the VU's requests share a connection pool (shard) */
    char *auth = NULL;
    if (has_creds) {
        lua_getfield(L, 1, "credentials");
        auth = rbl_basic_header(L, lua_gettop(L));   /* raises (nothing allocated) if not credentials */
        lua_pop(L, 1);
    } else if (bearer) {
        auth = rb_asprintf("Authorization: Bearer %s", bearer);
    }
    if (auth) lines[nh++] = auth;
    lines[nh] = NULL;
    req.headers = nh ? lines : NULL;
    req_ctx *c = rb_calloc(1, sizeof *c);
    memcpy(c->expect, expect, sizeof expect);
    c->n_expect = n_expect;
    c->vu = vu;
    c->discard = discard;
    c->nested = nested;
    c->auth_header = auth;
    c->reader_ref = LUA_NOREF;
    snprintf(c->kind, sizeof c->kind, "%s", kind);
    if (reader) {
        c->reader = reader;
        c->remaining = body_len;
        c->body_start = reader->offset;
        c->body_len = body_len;
        lua_getfield(L, 1, "body");
        c->reader_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        reader->busy = 1;
        req.read = reader_read;
        req.read_ud = c;
        req.read_size = (int64_t)body_len;
        if (rb_blob_can_send(reader->r)) req.send_file = reader_send;
    }
    if (vdigest && strcmp(req.method, "HEAD") != 0) {
        c->verify = 1;
        req.body_mode = RB_BODY_VERIFY;
        req.verify_digest = vdigest;
        req.verify_size = vsize;
    }
    char err[RB_ERRLEN];
    if (!rb_http_start(vu->rt->loop, &req, on_done, c, err, sizeof err)) {
        ctx_free(c);
        return luaL_error(L, "rb.http.request: %s", err);
    }
    return lua_yield(L, 0);
}

int rbl_open_http(lua_State *L)
{
    if (luaL_newmetatable(L, RESP_MT)) {
        lua_pushcfunction(L, resp_index);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    static const luaL_Reg funcs[] = {{"request", l_request}, {NULL, NULL}};
    luaL_newlib(L, funcs);
    return 1;
}
