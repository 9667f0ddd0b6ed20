/* loci: C primitives for the OCI client written in oci.lua (see loci.c):
 * blob readers for streamed upload bodies, opaque credentials, parsers and
 * operation recording. */
#ifndef LOCI_H
#define LOCI_H

#include <lua.h>
#include <stdint.h>

#include "image/rb_gen.h"

#define RBL_READER_MT "regbench.reader"

/* A blob being read for an upload. `busy` while a transfer reads it. */
typedef struct rbl_reader {
    rb_blob blob;
    rb_blob_reader *r;
    uint64_t offset;          /* bytes handed out since open or rewind */
    int busy;
} rbl_reader;

/* Pushes the table of primitives (core.oci). */
int rbl_open_oci(lua_State *L);
/* The open blob reader at idx (raises otherwise). */
rbl_reader *rbl_check_reader(lua_State *L, int idx);
/* Pushes opaque credentials holding copies of user and pass. */
int rbl_push_credentials(lua_State *L, const char *user, const char *pass);
/* "Authorization: Basic ..." for the credentials at idx (malloc'd; the
 * caller wipes and frees it). Raises if idx is not credentials. */
char *rbl_basic_header(lua_State *L, int idx);

#endif
