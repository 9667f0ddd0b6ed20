/* limage: the `rb.image` Lua module (generate, layer, index over rb_gen;
 * open over rb_open: a user's image from disk), and
 * the C calls other bindings (push, upload) use to get the blobs back out of
 * the Lua values.
 *
 * Representation: every object is a full userdata with a named metatable:
 *   "regbench.layer"  one generated layer   (holds an rb_layer reference)
 *   "regbench.blob"   bytes in memory, e.g. an image's config, or a byte range
 *                     of a file, a layer of an opened image (holds an rb_blob)
 *   "regbench.image"  an image              (holds an rb_image reference)
 *   "regbench.index"  a multi-platform index (holds an rb_index reference)
 * Their fields (digest, size, ...) are read through __index from a table kept
 * as the userdata's first user value, filled once at creation; the objects are
 * read-only. __gc drops the C references, so C code that keeps a pointer
 * beyond the life of the Lua value must take its own reference
 * (rb_image_ref, rb_blob_copy, ...). */
#ifndef LIMAGE_H
#define LIMAGE_H

#include <lua.h>
#include <stddef.h>

#include "image/rb_gen.h"

#define RBL_LAYER_MT "regbench.layer"
#define RBL_BLOB_MT "regbench.blob"
#define RBL_IMAGE_MT "regbench.image"
#define RBL_INDEX_MT "regbench.index"

/* Pushes the module table {generate, layer, index, open}; registers the metatables. */
int rbl_open_image(lua_State *L);

/* Makes *out (with its own references; rb_blob_release it) from the value at
 * idx: a layer, a blob (e.g. image.config), an image or index (its manifest),
 * or a Lua string of raw bytes (media type application/octet-stream).
 * Returns 0, or -1 (nothing raised) when the value is none of these. */
int rbl_to_blob(lua_State *L, int idx, rb_blob *out);

/* The image at idx, or NULL if it is not one. Borrowed: valid while the Lua
 * value lives; rb_image_ref it to keep it. */
rb_image *rbl_to_image(lua_State *L, int idx);
/* The index at idx, or NULL if it is not one (borrowed, as above). */
rb_index *rbl_to_index(lua_State *L, int idx);

/* For an image at idx: fills blobs (malloc'd array, *n entries: config first,
 * then the layers in manifest order) and *manifest, all with their own
 * references. The caller releases every blob and frees the array. Returns 0,
 * or -1 (nothing raised) if idx is not an image. */
int rbl_image_blobs(lua_State *L, int idx, rb_blob **blobs, size_t *n, rb_blob *manifest);

#endif
