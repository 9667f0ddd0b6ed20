/* lcore: the C half of the `regbench` module's core table (see lcore.c). */
#ifndef LCORE_H
#define LCORE_H

#include <lua.h>

/* Fills the table on top of the stack with the core functions. */
int rbl_open_core(lua_State *L);

#endif
