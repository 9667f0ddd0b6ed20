/* loci: the C primitives under the OCI distribution client (oci.lua): blob
 * readers that stream an upload body, credentials kept out of Lua's reach,
 * defensive parsers for manifests, WWW-Authenticate challenges and JSON
 * bodies, and recording of composite operations (push, pull) and event
 * counters into the calling VU's phase. The protocol flow itself is policy
 * and lives in oci.lua. */
#include "lrt.h"
#include "loci.h"
#include "limage.h"
#include "net/rb_auth.h"
#include "util/rb_digest.h"
#include "image/rb_manifest.h"
#include "util/rb_util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_BYTES (4u << 20)
#define JSON_MAX_DEPTH 64

/* ---- blob readers ------------------------------------------------------------- */

rbl_reader *rbl_check_reader(lua_State *L, int idx)
{
    rbl_reader *r = luaL_checkudata(L, idx, RBL_READER_MT);
    if (!r->r) luaL_argerror(L, idx, "blob reader is closed");
    return r;
}

/* core.blob_reader(blob) -> reader: blob is a layer, config blob, image, or string */
static int l_blob_reader(lua_State *L)
{
    rbl_reader *r = lua_newuserdatauv(L, sizeof *r, 0);
    memset(r, 0, sizeof *r);
    luaL_setmetatable(L, RBL_READER_MT);
    if (rbl_to_blob(L, 1, &r->blob) < 0)
        return luaL_argerror(L, 1, "expected a layer, a blob, an image or a string");
    char err[RB_ERRLEN];
    r->r = rb_blob_open(&r->blob, err, sizeof err);
    if (!r->r) return luaL_error(L, "cannot read blob %s: %s", r->blob.digest, err);
    return 1;
}

static int reader_rewind(lua_State *L)
{
    rbl_reader *r = rbl_check_reader(L, 1);
    if (rb_blob_rewind(r->r) < 0) return luaL_error(L, "cannot rewind blob %s", r->blob.digest);
    r->offset = 0;
    return 0;
}

/* reader:seek(offset): rewinds and skips to offset (for a resent chunk) */
static int reader_seek(lua_State *L)
{
    rbl_reader *r = rbl_check_reader(L, 1);
    lua_Integer off = luaL_checkinteger(L, 2);
    luaL_argcheck(L, off >= 0 && (uint64_t)off <= r->blob.size, 2, "offset outside the blob");
    if (rb_blob_rewind(r->r) < 0) return luaL_error(L, "cannot rewind blob %s", r->blob.digest);
    r->offset = 0;
    char buf[65536];
    while (r->offset < (uint64_t)off) {
        size_t n = sizeof buf;
        if ((uint64_t)off - r->offset < n) n = (size_t)((uint64_t)off - r->offset);
        ssize_t got = rb_blob_read(r->r, buf, n);
        if (got <= 0) return luaL_error(L, "cannot seek in blob %s", r->blob.digest);
        r->offset += (uint64_t)got;
    }
    return 0;
}

static int reader_gc(lua_State *L)
{
    rbl_reader *r = luaL_checkudata(L, 1, RBL_READER_MT);
    if (r->busy) return 0;   /* a transfer still reads it; it closes it when done */
    rb_blob_close(r->r);
    r->r = NULL;
    rb_blob_release(&r->blob);
    return 0;
}

static int reader_index(lua_State *L)
{
    rbl_reader *r = luaL_checkudata(L, 1, RBL_READER_MT);
    const char *k = luaL_checkstring(L, 2);
    if (strcmp(k, "size") == 0) { lua_pushinteger(L, (lua_Integer)r->blob.size); return 1; }
    if (strcmp(k, "digest") == 0) { lua_pushstring(L, r->blob.digest); return 1; }
    if (strcmp(k, "media_type") == 0) { lua_pushstring(L, r->blob.media_type); return 1; }
    if (strcmp(k, "offset") == 0) { lua_pushinteger(L, (lua_Integer)r->offset); return 1; }
    if (strcmp(k, "error") == 0) {   /* why reading failed (a user's file), or nil */
        const char *e = r->r ? rb_blob_error(r->r) : "";
        if (!*e) return 0;
        lua_pushstring(L, e);
        return 1;
    }
    if (strcmp(k, "rewind") == 0) { lua_pushcfunction(L, reader_rewind); return 1; }
    if (strcmp(k, "seek") == 0) { lua_pushcfunction(L, reader_seek); return 1; }
    if (strcmp(k, "close") == 0) { lua_pushcfunction(L, reader_gc); return 1; }
    return 0;
}

/* core.blob_info(blob) -> digest, size, media_type (no reader opened) */
static int l_blob_info(lua_State *L)
{
    rb_blob b;
    if (rbl_to_blob(L, 1, &b) < 0)
        return luaL_argerror(L, 1, "expected a layer, a blob, an image or a string");
    lua_pushstring(L, b.digest);
    lua_pushinteger(L, (lua_Integer)b.size);
    lua_pushstring(L, b.media_type);
    rb_blob_release(&b);
    return 3;
}

/* core.image_parts(image) -> {config blob, layer blobs...} as Lua values, manifest bytes, media type */
static int l_image_parts(lua_State *L)
{
    if (!rbl_to_image(L, 1)) return luaL_argerror(L, 1, "expected an image from rb.image.generate");
    /* The image object exposes config, layers and manifest as fields already. */
    lua_getfield(L, 1, "config");
    lua_getfield(L, 1, "layers");
    lua_getfield(L, 1, "manifest");
    lua_getfield(L, 1, "media_type");
    return 4;
}

/* core.index_parts(index) -> images, manifest bytes, media type, digest; nil if not an index */
static int l_index_parts(lua_State *L)
{
    if (!rbl_to_index(L, 1)) return 0;
    lua_getfield(L, 1, "images");
    lua_getfield(L, 1, "manifest");
    lua_getfield(L, 1, "media_type");
    lua_getfield(L, 1, "digest");
    return 4;
}

/* ---- credentials ------------------------------------------------------------------ */

typedef struct rbl_cred {
    char *user;
    char *pass;
} rbl_cred;

#define CRED_MT "regbench.credentials"

static void cred_wipe(rbl_cred *c)
{
    if (c->pass) { memset(c->pass, 0, strlen(c->pass)); free(c->pass); }
    free(c->user);
    c->user = c->pass = NULL;
}

static int cred_gc(lua_State *L)
{
    cred_wipe(luaL_checkudata(L, 1, CRED_MT));
    return 0;
}

static int cred_tostring(lua_State *L)
{
    luaL_checkudata(L, 1, CRED_MT);
    lua_pushliteral(L, "regbench.credentials(hidden)");
    return 1;
}

int rbl_push_credentials(lua_State *L, const char *user, const char *pass)
{
    rbl_cred *c = lua_newuserdatauv(L, sizeof *c, 0);
    memset(c, 0, sizeof *c);
    luaL_setmetatable(L, CRED_MT);
    c->user = rb_strdup(user);
    c->pass = rb_strdup(pass);
    return 1;
}

char *rbl_basic_header(lua_State *L, int idx)
{
    rbl_cred *c = luaL_checkudata(L, idx, CRED_MT);
    if (!c->user) luaL_argerror(L, idx, "credentials were wiped");
    char *raw = rb_asprintf("%s:%s", c->user, c->pass);
    char *b64 = rb_base64(raw, strlen(raw));
    memset(raw, 0, strlen(raw));
    free(raw);
    char *h = rb_asprintf("Authorization: Basic %s", b64);
    memset(b64, 0, strlen(b64));
    free(b64);
    return h;
}

/* core.credentials(user, password) -> opaque credentials */
static int l_credentials(lua_State *L)
{
    const char *u = luaL_checkstring(L, 1);
    const char *p = luaL_checkstring(L, 2);
    luaL_argcheck(L, !strchr(u, ':'), 1, "a user name cannot contain ':'");
    return rbl_push_credentials(L, u, p);
}

/* core.credentials_user(cred) -> user name (not secret) */
static int l_credentials_user(lua_State *L)
{
    rbl_cred *c = luaL_checkudata(L, 1, CRED_MT);
    lua_pushstring(L, c->user ? c->user : "");
    return 1;
}

/* ---- parsers ------------------------------------------------------------------------ */

static void push_descriptor(lua_State *L, const rb_descriptor *d)
{
    lua_createtable(L, 0, 5);
    lua_pushstring(L, d->media_type);
    lua_setfield(L, -2, "media_type");
    lua_pushstring(L, d->digest);
    lua_setfield(L, -2, "digest");
    lua_pushinteger(L, (lua_Integer)d->size);
    lua_setfield(L, -2, "size");
    if (d->has_platform) {
        lua_pushfstring(L, "%s/%s%s%s", d->os, d->arch, d->variant[0] ? "/" : "", d->variant);
        lua_setfield(L, -2, "platform");
    }
}

/* core.parse_manifest(bytes[, content_type]) -> table | nil, err */
static int l_parse_manifest(lua_State *L)
{
    size_t len;
    const char *data = luaL_checklstring(L, 1, &len);
    const char *ct = luaL_optstring(L, 2, NULL);
    rb_manifest m;
    char err[RB_ERRLEN];
    if (rb_manifest_parse(data, len, ct, &m, err, sizeof err) < 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_createtable(L, 0, 5);
    lua_pushstring(L, m.media_type);
    lua_setfield(L, -2, "media_type");
    lua_pushboolean(L, m.is_index);
    lua_setfield(L, -2, "is_index");
    if (m.is_index) {
        lua_createtable(L, (int)m.n_manifests, 0);
        for (size_t i = 0; i < m.n_manifests; i++) {
            push_descriptor(L, &m.manifests[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "manifests");
    } else {
        push_descriptor(L, &m.config);
        lua_setfield(L, -2, "config");
        lua_createtable(L, (int)m.n_layers, 0);
        for (size_t i = 0; i < m.n_layers; i++) {
            push_descriptor(L, &m.layers[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "layers");
    }
    rb_manifest_free(&m);
    return 1;
}

/* core.check_user_agent(s) -> true | false, err */
static int l_check_user_agent(lua_State *L)
{
    char err[160];
    if (rb_http_check_user_agent(luaL_checkstring(L, 1), err, sizeof err) < 0) {
        lua_pushboolean(L, 0);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* core.parse_challenge(value) -> {scheme, realm, service, scope, error} | nil, err */
static int l_parse_challenge(lua_State *L)
{
    rb_challenge c;
    char err[RB_ERRLEN];
    if (rb_auth_parse_challenge(luaL_checkstring(L, 1), &c, err, sizeof err) < 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_createtable(L, 0, 5);
    lua_pushstring(L, c.scheme);
    lua_setfield(L, -2, "scheme");
    const char *vals[] = {c.realm, c.service, c.scope, c.error};
    const char *keys[] = {"realm", "service", "scope", "error"};
    for (int i = 0; i < 4; i++) {
        if (!vals[i][0]) continue;
        lua_pushstring(L, vals[i]);
        lua_setfield(L, -2, keys[i]);
    }
    return 1;
}

/* Pushes v; returns 0, or -1 (leaving partial values on the stack) when it
 * nests deeper than JSON_MAX_DEPTH. */
static int push_json(lua_State *L, json_t *v, int depth)
{
    if (depth > JSON_MAX_DEPTH) return -1;
    luaL_checkstack(L, 3, "JSON");
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        lua_createtable(L, 0, (int)json_object_size(v));
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            if (push_json(L, x, depth + 1) < 0) return -1;
            lua_setfield(L, -2, k);
        }
        break;
    }
    case JSON_ARRAY: {
        lua_createtable(L, (int)json_array_size(v), 0);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (push_json(L, json_array_get(v, i), depth + 1) < 0) return -1;
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    }
    case JSON_STRING: lua_pushlstring(L, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: lua_pushinteger(L, (lua_Integer)json_integer_value(v)); break;
    case JSON_REAL: lua_pushnumber(L, json_real_value(v)); break;
    case JSON_TRUE: lua_pushboolean(L, 1); break;
    case JSON_FALSE: lua_pushboolean(L, 0); break;
    case JSON_NULL: lua_pushnil(L); break;
    }
    return 0;
}

/* core.json_decode(s) -> value | nil, err  (size and depth bounded; null -> nil) */
static int l_json_decode(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    if (len > JSON_MAX_BYTES) {
        lua_pushnil(L);
        lua_pushfstring(L, "JSON body of %d bytes is larger than the %d accepted", (int)len, (int)JSON_MAX_BYTES);
        return 2;
    }
    json_error_t je;
    json_t *v = json_loadb(s, len, JSON_DECODE_ANY, &je);
    if (!v) {
        lua_pushnil(L);
        lua_pushfstring(L, "bad JSON (line %d: %s)", je.line, je.text);
        return 2;
    }
    int top = lua_gettop(L);
    int rc = push_json(L, v, 0);
    json_decref(v);
    if (rc < 0) {
        lua_settop(L, top);
        lua_pushnil(L);
        lua_pushfstring(L, "JSON nested deeper than %d levels", JSON_MAX_DEPTH);
        return 2;
    }
    return 1;
}

/* ---- recording ------------------------------------------------------------------------ */

/* The metric class of argument idx: nil (none), a class name, or an error
 * object {class=, status=} (rb_err_class_of decides). */
static rb_err_class err_arg(lua_State *L, int idx)
{
    if (lua_isnoneornil(L, idx)) return RB_ERR_NONE;
    if (lua_type(L, idx) == LUA_TTABLE) {
        lua_getfield(L, idx, "class");
        lua_getfield(L, idx, "status");
        const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "other";
        long status = lua_isinteger(L, -1) ? (long)lua_tointeger(L, -1) : 0;
        rb_err_class c = rb_err_class_of(name, status);
        lua_pop(L, 2);
        return c;
    }
    return rb_err_class_of(luaL_checkstring(L, idx), 0);
}

/* core.record(kind, start_s, end_s, bytes, err|nil, top_level[, force_top]):
 * err is a class name or an error object (see err_arg);
 * inside an rb.rate iteration operations are nested unless force_top (the
 * iteration itself). */
static int l_record(lua_State *L)
{
    rb_rt *rt = rbl_rt(L);
    int top = lua_toboolean(L, 6) && (lua_toboolean(L, 7) || !(rt->current && rt->current->nested));
    rb_op_record r = {
        .kind = luaL_checkstring(L, 1),
        .start_us = (uint64_t)(luaL_checknumber(L, 2) * 1e6),
        .end_us = (uint64_t)(luaL_checknumber(L, 3) * 1e6),
        .bytes = (uint64_t)luaL_optinteger(L, 4, 0),
        .err = err_arg(L, 5),
        .top_level = top,
    };
    if (rt->current && rt->current->silent) return 0;
    rb_run_record(rt->run, rt->current ? rt->current->phase : NULL, &r);
    return 0;
}

/* core.count(name[, n]) adds to a built-in event counter of the current phase */
static int l_count(lua_State *L)
{
    rb_rt *rt = rbl_rt(L);
    const char *name = luaL_checkstring(L, 1);
    lua_Integer n = luaL_optinteger(L, 2, 1);
    luaL_argcheck(L, n >= 0, 2, "must not be negative");
    if (rt->current && rt->current->silent) return 0;
    rb_metrics_count(rt->metrics, rt->current ? rt->current->phase : NULL, name, (uint64_t)n);
    return 0;
}

/* core.digest_valid(s) -> boolean */
static int l_digest_valid(lua_State *L)
{
    lua_pushboolean(L, rb_digest_valid(luaL_checkstring(L, 1)));
    return 1;
}

int rbl_open_oci(lua_State *L)
{
    if (luaL_newmetatable(L, RBL_READER_MT)) {
        lua_pushcfunction(L, reader_index);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, reader_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, CRED_MT)) {
        lua_pushcfunction(L, cred_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, cred_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushliteral(L, "regbench.credentials");
        lua_setfield(L, -2, "__metatable");   /* getmetatable cannot reach the secrets */
    }
    lua_pop(L, 1);
    static const luaL_Reg funcs[] = {
        {"blob_reader", l_blob_reader}, {"blob_info", l_blob_info}, {"image_parts", l_image_parts},
        {"index_parts", l_index_parts},
        {"credentials", l_credentials}, {"credentials_user", l_credentials_user},
        {"parse_manifest", l_parse_manifest}, {"parse_challenge", l_parse_challenge},
        {"check_user_agent", l_check_user_agent},
        {"json_decode", l_json_decode}, {"record", l_record}, {"count", l_count},
        {"digest_valid", l_digest_valid},
        {NULL, NULL},
    };
    luaL_newlib(L, funcs);
    return 1;
}
