/* ltrace: rb.trace (see ltrace.c). */
#ifndef LTRACE_H
#define LTRACE_H

#include <lua.h>

/* Pushes the rb.trace table {open}; registers the reader's metatable. */
int rbl_open_trace(lua_State *L);

#endif
