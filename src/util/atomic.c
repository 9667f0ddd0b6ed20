/* atomic: files written whole or not at all (see rb_atomic.h). */
#include "util/rb_atomic.h"
#include "util/rb_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

FILE *rb_atomic_open(rb_atomic *a, const char *path, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    /* the rename would replace what is there: never a device (/dev/null) or a directory */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        rb_err(err, errlen, "cannot write %s: it exists and is not a regular file", path);
        return NULL;
    }
    char *tmp = rb_asprintf("%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        rb_err(err, errlen, "cannot write %s: %s", path, strerror(errno));
        free(tmp);
        return NULL;
    }
    a->f = f;
    a->tmp = tmp;
    a->path = rb_strdup(path);
    return f;
}

int rb_atomic_commit(rb_atomic *a, int failed, char *err, size_t errlen)
{
    if (!a->f) return rb_err(err, errlen, "cannot write %s", a->path ? a->path : "(nothing opened)");
    errno = 0;
    if (fflush(a->f) != 0 || ferror(a->f)) failed = 1;
    int saved = errno;
    if (fclose(a->f) != 0) {
        failed = 1;
        if (!saved) saved = errno;
    }
    a->f = NULL;
    int rc = 0;
    if (!failed && rename(a->tmp, a->path) != 0) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        rc = rb_err(err, errlen, "cannot write %s: %s", a->path, saved ? strerror(saved) : "write failed");
        unlink(a->tmp);
    }
    free(a->tmp);
    free(a->path);
    a->tmp = a->path = NULL;
    return rc;
}

int rb_write_json_atomic(const char *path, const json_t *doc, char *err, size_t errlen)
{
    rb_atomic a;
    FILE *f = rb_atomic_open(&a, path, err, errlen);
    if (!f) return -1;
    int bad = json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) != 0;
    return rb_atomic_commit(&a, bad, err, errlen);
}

int rb_write_text_atomic(const char *path, const char *text, char *err, size_t errlen)
{
    rb_atomic a;
    FILE *f = rb_atomic_open(&a, path, err, errlen);
    if (!f) return -1;
    return rb_atomic_commit(&a, fputs(text, f) < 0, err, errlen);
}
