/* lhttp: rb.http (see lhttp.c). */
#ifndef LHTTP_H
#define LHTTP_H

#include <lua.h>

/* Pushes the rb.http table. */
int rbl_open_http(lua_State *L);

#endif
