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

/* Loads the scenario at path in help mode (nothing is launched or written)
 * up to its first action, and returns that run: what the scenario declares
 * is in it (rb_run_params, rb_run_names). Free it with rb_run_free. NULL
 * with the scenario's error in err. */
rb_run *rb_lua_describe(const char *path, char *err, size_t errlen);

#endif
