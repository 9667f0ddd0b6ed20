/* lhttp: rb.http.request, the raw HTTP operation for scenarios. The calling
 * VU yields while the transfer runs on the loop; the completion handler
 * records the operation in the VU's phase and resumes the VU with a
 * response table, or nil and an error message for a network failure.
 * Misuse (no URL, a header with a newline) raises. */
#include "rbl.h"
#include "rb_util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct req_ctx {
    rb_vu *vu;
    char kind[64];
    int discard;
} req_ctx;

/* Pushes the response's headers as a table with lowercase names. */
static void push_headers(lua_State *co, const rb_http_resp *r)
{
    lua_newtable(co);
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

static void on_done(rb_xfer *x, rb_http_resp *r, void *ud)
{
    (void)x;
    req_ctx *c = ud;
    rb_vu *vu = c->vu;
    rb_rt *rt = vu->rt;
    if (rt->stop) {     /* run ending: the VU will not be resumed */
        free(c);
        return;
    }
    rb_op_record rec = {
        .kind = c->kind,
        .start_us = r->start_us,
        .end_us = r->start_us + r->total_us,
        .bytes = r->bytes_sent + r->bytes_received,
        .err = r->err != RB_ERR_NONE ? r->err : rb_http_status_class(r->status),
        .top_level = 1,
    };
    rbl_record(vu, &rec);
    lua_State *co = vu->co;
    if (r->err != RB_ERR_NONE) {
        lua_pushnil(co);
        lua_pushfstring(co, "%s: %s", rb_err_class_name(r->err), r->error);
        free(c);
        rbl_wake(vu, 2);
        return;
    }
    lua_createtable(co, 0, 7);
    lua_pushinteger(co, r->status);
    lua_setfield(co, -2, "status");
    push_headers(co, r);
    lua_setfield(co, -2, "headers");
    if (!c->discard) {
        lua_pushlstring(co, r->body ? r->body : "", r->body_len);
        lua_setfield(co, -2, "body");
    }
    lua_pushinteger(co, (lua_Integer)r->bytes_sent);
    lua_setfield(co, -2, "bytes_sent");
    lua_pushinteger(co, (lua_Integer)r->bytes_received);
    lua_setfield(co, -2, "bytes_received");
    lua_createtable(co, 0, 3);
    lua_pushnumber(co, (double)r->connect_us / 1e6);
    lua_setfield(co, -2, "connect");
    lua_pushnumber(co, (double)r->ttfb_us / 1e6);
    lua_setfield(co, -2, "ttfb");
    lua_pushnumber(co, (double)r->total_us / 1e6);
    lua_setfield(co, -2, "total");
    lua_setfield(co, -2, "timings");
    free(c);
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
    static const char *known[] = {"method", "url", "headers", "body", "timeout", "discard_body",
                                  "op", "stall_timeout", "follow_redirects", NULL};
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        int ok = 0;
        if (lua_type(L, -1) == LUA_TSTRING)
            for (int i = 0; known[i]; i++)
                if (strcmp(lua_tostring(L, -1), known[i]) == 0) ok = 1;
        if (!ok)
            return luaL_error(L, "rb.http.request: unknown field '%s' (accepted: method, url, headers, body, "
                                 "timeout, stall_timeout, discard_body, follow_redirects, op)",
                              luaL_tolstring(L, -1, NULL));
    }
    rb_http_req req;
    memset(&req, 0, sizeof req);
    req.url = opt_string(L, 1, "url", NULL);
    if (!req.url) return luaL_error(L, "rb.http.request: 'url' is required");
    req.method = opt_string(L, 1, "method", "GET");
    for (const char *m = req.method; *m; m++)
        if (!isupper((unsigned char)*m)) return luaL_error(L, "rb.http.request: bad method '%s'", req.method);
    const char *kind = opt_string(L, 1, "op", "http");
    req.timeout_s = opt_duration(L, 1, "timeout", 60.0);
    req.stall_s = opt_duration(L, 1, "stall_timeout", 0);
    lua_getfield(L, 1, "discard_body");
    int discard = lua_toboolean(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, 1, "follow_redirects");
    req.follow_redirects = lua_toboolean(L, -1);
    lua_pop(L, 1);
    req.body_mode = discard ? RB_BODY_DISCARD : RB_BODY_BUFFER;
    lua_getfield(L, 1, "body");
    if (lua_type(L, -1) == LUA_TSTRING) {
        req.body = lua_tolstring(L, -1, &req.body_len);
    } else if (!lua_isnil(L, -1)) {
        return luaL_error(L, "rb.http.request: 'body' must be a string");
    }
    /* headers: { Name = "value", ... } → "Name: value" lines, anchored in a table */
    const char *lines[65];
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
            if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n") || !name[0])
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
    lines[nh] = NULL;
    req.headers = nh ? lines : NULL;

    rb_vu *vu = rbl_action(L, 1);
    req_ctx *c = rb_calloc(1, sizeof *c);
    c->vu = vu;
    c->discard = discard;
    snprintf(c->kind, sizeof c->kind, "%s", kind);
    char err[RB_ERRLEN];
    if (!rb_http_start(vu->rt->loop, &req, on_done, c, err, sizeof err)) {
        free(c);
        return luaL_error(L, "rb.http.request: %s", err);
    }
    return lua_yield(L, 0);
}

int rbl_open_http(lua_State *L)
{
    static const luaL_Reg funcs[] = {{"request", l_request}, {NULL, NULL}};
    luaL_newlib(L, funcs);
    return 1;
}
