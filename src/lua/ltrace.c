/* ltrace: the `rb.trace` Lua module, a thin binding of the streaming trace
 * reader (replay/rb_trace.h). rb.trace.open(path[, {max_malformed = N,
 * max_record = BYTES}]) returns a reader object (a userdata holding the
 * rb_trace) or nil, err; tr:records() is an iterator for a generic for,
 * tr:next() returns one record or nil (end) or nil, err, tr:stats() the
 * counters, tr:close() (also on __gc and __close) closes the file. A record
 * is a new table {time_us, method, repo, kind, ref, digest, mount, from,
 * status, bytes, duration_us, client, line}. Reading is plain blocking file I/O on the loop
 * thread, like rb.image.generate. */
#include "ltrace.h"
#include "replay/rb_trace.h"

#include <lauxlib.h>
#include <string.h>

#define TRACE_MT "regbench.trace"

typedef struct { rb_trace *t; } ltrace;

static ltrace *check_open(lua_State *L, int idx)
{
    ltrace *lt = luaL_checkudata(L, idx, TRACE_MT);
    if (!lt->t) luaL_error(L, "the trace is closed");
    return lt;
}

/* Pushes a record as a new table. */
static void push_rec(lua_State *L, const rb_trace_rec *r)
{
    lua_createtable(L, 0, 13);
    lua_pushinteger(L, (lua_Integer)r->time_us);
    lua_setfield(L, -2, "time_us");
    lua_pushstring(L, r->method);
    lua_setfield(L, -2, "method");
    lua_pushstring(L, r->repo);
    lua_setfield(L, -2, "repo");
    lua_pushstring(L, rb_trace_kind_name(r->kind));
    lua_setfield(L, -2, "kind");
    lua_pushstring(L, r->ref);
    lua_setfield(L, -2, "ref");
    lua_pushstring(L, r->digest);
    lua_setfield(L, -2, "digest");
    lua_pushstring(L, r->mount);
    lua_setfield(L, -2, "mount");
    lua_pushstring(L, r->from);
    lua_setfield(L, -2, "from");
    lua_pushinteger(L, r->status);
    lua_setfield(L, -2, "status");
    lua_pushinteger(L, (lua_Integer)r->bytes);
    lua_setfield(L, -2, "bytes");
    lua_pushinteger(L, (lua_Integer)r->duration_us);
    lua_setfield(L, -2, "duration_us");
    lua_pushstring(L, r->client);
    lua_setfield(L, -2, "client");
    lua_pushinteger(L, (lua_Integer)r->line);
    lua_setfield(L, -2, "line");
}

/* An integer option of the opts table at idx, or def when absent. */
static lua_Integer int_opt(lua_State *L, int idx, const char *key, lua_Integer min, lua_Integer def)
{
    lua_getfield(L, idx, key);
    lua_Integer v = def;
    if (!lua_isnil(L, -1)) {
        int ok;
        v = lua_tointegerx(L, -1, &ok);
        if (!ok || v < min) luaL_error(L, "rb.trace.open: %s must be an integer >= %d", key, (int)min);
    }
    lua_pop(L, 1);
    return v;
}

/* rb.trace.open(path[, opts]) -> reader | nil, err */
static int l_open(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    rb_trace_opts o = {.max_malformed = -1};
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        lua_pushnil(L);
        while (lua_next(L, 2)) {   /* bounded by the table's size */
            const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
            if (strcmp(k, "max_malformed") != 0 && strcmp(k, "max_record") != 0)
                return luaL_error(L, "rb.trace.open: unknown option '%s' (accepted: max_malformed, max_record)", k);
            lua_pop(L, 1);
        }
        o.max_malformed = (long)int_opt(L, 2, "max_malformed", 0, -1);
        o.max_record = (size_t)int_opt(L, 2, "max_record", 1024, 0);
    }
    ltrace *lt = lua_newuserdatauv(L, sizeof *lt, 0);
    lt->t = NULL;
    luaL_setmetatable(L, TRACE_MT);
    char err[512];
    lt->t = rb_trace_open(path, &o, err, sizeof err);
    if (!lt->t) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    return 1;
}

/* tr:next() -> record | nil (end) | nil, err */
static int l_next(lua_State *L)
{
    ltrace *lt = check_open(L, 1);
    rb_trace_rec r;
    char err[512];
    int k = rb_trace_next(lt->t, &r, err, sizeof err);
    if (k == 1) {
        push_rec(L, &r);
        return 1;
    }
    lua_pushnil(L);
    if (k == 0) return 1;
    lua_pushstring(L, err);
    return 2;
}

/* The iterator tr:records() returns: a record, nil at the end; raises on an error. */
static int records_iter(lua_State *L)
{
    ltrace *lt = check_open(L, 1);
    rb_trace_rec r;
    char err[512];
    int k = rb_trace_next(lt->t, &r, err, sizeof err);
    if (k < 0) return luaL_error(L, "%s", err);
    if (k == 0) return 0;
    push_rec(L, &r);
    return 1;
}

/* tr:records() -> iterator, tr (for rec in tr:records() do ... end) */
static int l_records(lua_State *L)
{
    check_open(L, 1);
    lua_pushcfunction(L, records_iter);
    lua_pushvalue(L, 1);
    return 2;
}

/* tr:stats() -> {format, records, skipped, malformed, lines, bytes_read, first_malformed = {{line, message}...}} */
static int l_stats(lua_State *L)
{
    const rb_trace_stats *s = rb_trace_get_stats(check_open(L, 1)->t);
    lua_createtable(L, 0, 7);
    lua_pushstring(L, rb_trace_format_name(s->format));
    lua_setfield(L, -2, "format");
    lua_pushinteger(L, (lua_Integer)s->records);
    lua_setfield(L, -2, "records");
    lua_pushinteger(L, (lua_Integer)s->skipped);
    lua_setfield(L, -2, "skipped");
    lua_pushinteger(L, (lua_Integer)s->malformed);
    lua_setfield(L, -2, "malformed");
    lua_pushinteger(L, (lua_Integer)s->lines);
    lua_setfield(L, -2, "lines");
    lua_pushinteger(L, (lua_Integer)s->bytes_read);
    lua_setfield(L, -2, "bytes_read");
    lua_createtable(L, (int)s->n_first, 0);
    for (size_t i = 0; i < s->n_first; i++) {
        lua_createtable(L, 0, 2);
        lua_pushinteger(L, (lua_Integer)s->first_lines[i]);
        lua_setfield(L, -2, "line");
        lua_pushstring(L, s->first_msgs[i]);
        lua_setfield(L, -2, "message");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "first_malformed");
    return 1;
}

/* tr:close(); also __gc and __close. Closing twice is fine. */
static int l_close(lua_State *L)
{
    ltrace *lt = luaL_checkudata(L, 1, TRACE_MT);
    rb_trace_close(lt->t);
    lt->t = NULL;
    return 0;
}

int rbl_open_trace(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"next", l_next}, {"records", l_records}, {"stats", l_stats}, {"close", l_close}, {NULL, NULL},
    };
    if (luaL_newmetatable(L, TRACE_MT)) {
        luaL_newlib(L, methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, l_close);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, l_close);
        lua_setfield(L, -2, "__close");
    }
    lua_pop(L, 1);
    static const luaL_Reg funcs[] = {{"open", l_open}, {NULL, NULL}};
    luaL_newlib(L, funcs);
    return 1;
}
