/* lscenario: runs one Lua scenario (see rb_lua.h). It opens the run
 * (rb_run), makes the Lua state with the standard libraries and the
 * `regbench` module (the embedded prelude, src/lua/regbench.lua, with the C
 * bindings as its `core`), runs the scenario file as the main VU until it
 * and every VU it waits for are done, and finishes the run. In help mode the
 * scenario runs until its first action, which lists its parameters. */
#include "lua/rb_lua.h"
#include "lrt.h"
#include "lcore.h"
#include "lhttp.h"
#include "ltrace.h"
#include "limage.h"
#include "loci.h"
#include "util/rb_util.h"

#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rb_embedded_file { const char *name; const char *data; size_t size; };
extern const struct rb_embedded_file rb_embedded[];

/* Loads the embedded Lua file `name` and pushes its chunk. */
static void load_embedded(lua_State *L, const char *name)
{
    for (const struct rb_embedded_file *f = rb_embedded; f->name; f++) {
        if (strcmp(f->name, name) != 0) continue;
        char chunkname[64];
        snprintf(chunkname, sizeof chunkname, "=[regbench %s]", name);
        if (luaL_loadbuffer(L, f->data, f->size, chunkname) != LUA_OK)
            lua_error(L);
        return;
    }
    luaL_error(L, "embedded Lua file '%s' missing from the binary", name);
}

/* require "regbench": runs the prelude with the C primitives in `core`. */
static int load_prelude(lua_State *L)
{
    load_embedded(L, "regbench");
    lua_newtable(L);                     /* core: the C half of the module */
    rbl_open_core(L);
    rbl_open_http(L);
    lua_setfield(L, -2, "http");
    rbl_open_image(L);
    lua_setfield(L, -2, "image");
    rbl_open_oci(L);
    lua_setfield(L, -2, "oci");
    rbl_open_trace(L);
    lua_setfield(L, -2, "trace");
    load_embedded(L, "oci");
    lua_setfield(L, -2, "oci_chunk");
    lua_call(L, 1, 1);
    return 1;
}

static void print_help(const rb_run *run)
{
    size_t n;
    const rb_run_param *p = rb_run_params(run, &n);
    printf("Parameters of %s (set with --set name=value):\n", rb_run_options(run)->scenario);
    if (n == 0) printf("  (none)\n");
    for (size_t i = 0; i < n; i++) {
        printf("  %-20s %-9s default %s", p[i].name, p[i].type, p[i].def);
        if (p[i].doc[0]) printf("\n  %-20s %s", "", p[i].doc);
        printf("\n");
    }
}

/* Runs the scenario of an open run to its end. Returns 1 when, in help
 * mode, the parameters are known (the first action or the end was reached). */
static int run_lua(rb_run *run)
{
    const rb_run_opts *o = rb_run_options(run);
    rb_rt rtv;
    rb_rt *rt = &rtv;
    lua_State *L = luaL_newstate();
    rbl_rt_init(rt, L, run, o->yield_timeout_s > 0 ? o->yield_timeout_s : 10.0);
    luaL_openlibs(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, load_prelude);
    lua_setfield(L, -2, "regbench");
    lua_pop(L, 1);
    int listed = 0;
    if (luaL_loadfilex(L, o->scenario, "t") != LUA_OK) {
        rb_run_fail(run, RB_FAIL_RUN, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
    } else {
        rt->main = rbl_vu_new(L, 0);
        lua_pop(L, 1);
        rbl_rt_run(rt);
        listed = o->help && (rt->help_done || rt->main->state == VU_DONE);
    }
    rbl_rt_close(rt);
    return listed;
}

int rb_lua_run_scenario(const rb_run_opts *o)
{
    char err[RB_ERRLEN];
    int rc;
    rb_run *run = rb_run_open(o, &rc, err, sizeof err);
    if (!run) {
        fprintf(stderr, "regbench: %s\n", err);
        return rc;
    }
    if (run_lua(run)) {
        print_help(run);
        rc = RB_EXIT_OK;
    } else {
        rc = rb_run_finish(run);
    }
    rb_run_free(run);
    return rc;
}

rb_run *rb_lua_describe(const char *path, char *err, size_t errlen)
{
    rb_run_opts o;
    memset(&o, 0, sizeof o);
    o.scenario = path;
    o.help = 1;
    o.quiet = 1;
    int rc;
    rb_run *run = rb_run_open(&o, &rc, err, errlen);
    if (!run) return NULL;
    if (!run_lua(run)) {
        const char *f = rb_run_failure(run);
        rb_err(err, errlen, "%s", f ? f : "the scenario did not run");
        rb_run_free(run);
        return NULL;
    }
    return run;
}
