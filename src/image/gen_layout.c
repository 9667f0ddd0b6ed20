/* gen_layout: writes images and indexes as a standard OCI image layout
 * (oci-layout, index.json, blobs/sha256/<hex>), streaming layer bytes from
 * the generator through a fixed buffer. Blobs already present with the right
 * size are kept; index.json keeps entries of other ref names. */
#include "gen_internal.h"
#include "util/rb_atomic.h"
#include "util/rb_util.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REF_KEY "org.opencontainers.image.ref.name"

typedef struct lw {
    const char *dir;
    uint64_t done;
    void (*progress)(void *ctx, uint64_t done);
    void *ctx;
    unsigned char *buf;
} lw;

static int write_blob(lw *w, const rb_blob *b, char *err, size_t errlen)
{
    const char *hex = b->digest + 7;
    char *path = rb_asprintf("%s/blobs/sha256/%s", w->dir, hex);
    struct stat st;
    if (stat(path, &st) == 0 && (uint64_t)st.st_size == b->size) {
        free(path);
        w->done += b->size;
        return 0;
    }
    rb_atomic a;
    FILE *f = rb_atomic_open(&a, path, err, errlen);
    free(path);
    if (!f) return -1;
    int failed = 1;
    rb_blob_reader *r = rb_blob_open(b, err, errlen);
    if (!r)
        goto out;
    uint64_t total = 0, last = 0;
    for (;;) {
        ssize_t n = rb_blob_read(r, w->buf, 1 << 20);
        if (n < 0) {
            rb_err(err, errlen, "reading blob %s failed", b->digest);
            goto out;
        }
        if (n == 0)
            break;
        if (fwrite(w->buf, 1, (size_t)n, f) != (size_t)n)
            break;   /* the commit reports the write error */
        total += (uint64_t)n;
        w->done += (uint64_t)n;
        if (w->progress && total - last >= (64u << 20)) {
            last = total;
            w->progress(w->ctx, w->done);
        }
    }
    if (!ferror(f) && total != b->size) {
        rb_err(err, errlen, "blob %s: produced %llu bytes, expected %llu", b->digest,
               (unsigned long long)total, (unsigned long long)b->size);
        goto out;
    }
    failed = 0;
out:
    rb_blob_close(r);
    if (failed) {
        rb_atomic_commit(&a, 1, NULL, 0);
        return -1;
    }
    return rb_atomic_commit(&a, 0, err, errlen);
}

static int write_image_blobs(lw *w, const rb_image *img, char *err, size_t errlen)
{
    for (size_t i = 0; i < img->n_layers; i++)
        if (write_blob(w, &img->layers[i], err, errlen) < 0)
            return -1;
    if (write_blob(w, &img->config, err, errlen) < 0)
        return -1;
    return write_blob(w, &img->manifest, err, errlen);
}

static json_t *ref_descriptor(const rb_blob *m, const char *ref)
{
    json_t *d = json_object();
    json_object_set_new(d, "mediaType", json_string(m->media_type));
    json_object_set_new(d, "digest", json_string(m->digest));
    json_object_set_new(d, "size", json_integer((json_int_t)m->size));
    if (ref)
        json_object_set_new(d, "annotations", json_pack("{s:s}", REF_KEY, ref));
    return d;
}

int rb_layout_write(const char *dir, rb_image *const *images, const char *const *refs, size_t n,
                    rb_index *const *indexes, const char *const *index_refs, size_t n_indexes,
                    void (*progress)(void *ctx, uint64_t done), void *ctx, char *err, size_t errlen)
{
    char *blobs = rb_asprintf("%s/blobs/sha256", dir);
    if (rb_mkdir_p(blobs) < 0) {
        rb_err(err, errlen, "cannot create %s: %s", blobs, strerror(errno));
        free(blobs);
        return -1;
    }
    free(blobs);
    char *p = rb_asprintf("%s/oci-layout", dir);
    int rc = rb_write_text_atomic(p, "{\"imageLayoutVersion\":\"1.0.0\"}", err, errlen);
    free(p);
    if (rc < 0)
        return -1;

    lw w = {.dir = dir, .progress = progress, .ctx = ctx, .buf = rb_malloc(1 << 20)};
    rc = -1;
    json_t *manifests = json_array();
    for (size_t i = 0; i < n; i++)
        if (write_image_blobs(&w, images[i], err, errlen) < 0)
            goto out;
    for (size_t i = 0; i < n_indexes; i++) {
        for (size_t k = 0; k < indexes[i]->n_images; k++)
            if (write_image_blobs(&w, indexes[i]->images[k], err, errlen) < 0)
                goto out;
        if (write_blob(&w, &indexes[i]->manifest, err, errlen) < 0)
            goto out;
    }

    /* Keep entries of other ref names from an existing index.json. */
    char *ipath = rb_asprintf("%s/index.json", dir);
    json_t *old = json_load_file(ipath, 0, NULL);
    json_t *om = old ? json_object_get(old, "manifests") : NULL;
    size_t oi;
    json_t *od;
    json_array_foreach(om, oi, od) {
        const char *r = json_string_value(json_object_get(json_object_get(od, "annotations"), REF_KEY));
        int replaced = 0;
        for (size_t i = 0; r && i < n; i++)
            replaced |= strcmp(r, refs[i]) == 0;
        for (size_t i = 0; r && i < n_indexes; i++)
            replaced |= strcmp(r, index_refs[i]) == 0;
        if (!replaced)
            json_array_append(manifests, od);
    }
    json_decref(old);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(manifests, ref_descriptor(&images[i]->manifest, refs[i]));
    for (size_t i = 0; i < n_indexes; i++)
        json_array_append_new(manifests, ref_descriptor(&indexes[i]->manifest, index_refs[i]));
    json_t *ix = json_object();
    json_object_set_new(ix, "schemaVersion", json_integer(2));
    json_object_set_new(ix, "mediaType", json_string(RB_MT_OCI_INDEX));
    json_object_set(ix, "manifests", manifests);
    char *text = json_dumps(ix, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(ix);
    char *withnl = rb_asprintf("%s\n", text);
    free(text);
    rc = rb_write_text_atomic(ipath, withnl, err, errlen);
    free(withnl);
    free(ipath);
    if (rc == 0 && progress)
        progress(ctx, w.done);
out:
    json_decref(manifests);
    free(w.buf);
    return rc;
}
