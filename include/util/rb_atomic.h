/* rb_atomic: files written whole or not at all. Bytes go to a temporary
 * file beside the target (PATH.tmp.<pid>); committing renames it over the
 * target, and any failure (a write error, a caller that gave up) removes
 * it, so a reader sees the old file or the new one, never a torn one, and
 * no temporary file is left behind. */
#ifndef RB_ATOMIC_H
#define RB_ATOMIC_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

typedef struct rb_atomic {
    FILE *f;                  /* write here between open and commit */
    char *tmp;
    char *path;
} rb_atomic;

/* Opens the temporary file for path. Returns a->f, or NULL with err set
 * (a then holds nothing to commit), also when path exists and is not a
 * regular file: the rename would replace a device such as /dev/null. */
FILE *rb_atomic_open(rb_atomic *a, const char *path, char *err, size_t errlen);
/* Flushes and closes a->f; renames the file into place unless failed is set
 * or a write failed, else removes it. Frees what a holds. Returns 0, or -1
 * with "cannot write PATH: why" in err (err may be NULL). */
int rb_atomic_commit(rb_atomic *a, int failed, char *err, size_t errlen);
/* Writes doc as indented JSON (key order kept, 15 significant digits) to
 * path atomically. Returns 0, or -1 with err set. */
int rb_write_json_atomic(const char *path, const json_t *doc, char *err, size_t errlen);
/* Writes text to path atomically. Returns 0, or -1 with err set. */
int rb_write_text_atomic(const char *path, const char *text, char *err, size_t errlen);

#endif
