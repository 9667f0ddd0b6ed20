/* rb_lua: the Lua runtime as the commands see it, with no Lua types: run a
 * scenario (its VUs scheduled on a run, see rb_run.h), or list the
 * parameters it declares. Implemented in src/lua/lscenario.c. */
#ifndef RB_LUA_H
#define RB_LUA_H

#include <stddef.h>

#include "run/rb_run.h"

/* Runs the scenario o->scenario as one run; prints errors, the results
 * table and where the results are; returns the exit code. With o->help,
 * lists the scenario's parameters instead. */
int rb_lua_run_scenario(const rb_run_opts *o);

/* A parameter a scenario declares. */
typedef struct rb_lua_param {
    char *name, *type, *def;
} rb_lua_param;

/* Loads the scenario at path in help mode (nothing is launched or written)
 * and returns the parameters it declares before its first action in *out
 * (*n of them; free with rb_lua_params_free). Returns 0, or -1 with the
 * scenario's error in err. */
int rb_lua_scenario_params(const char *path, rb_lua_param **out, size_t *n, char *err, size_t errlen);
/* Frees what rb_lua_scenario_params returned. */
void rb_lua_params_free(rb_lua_param *p, size_t n);

#endif
