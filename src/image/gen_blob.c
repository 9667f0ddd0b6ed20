/* gen_blob: the blob abstraction uploads consume. A blob is a descriptor
 * (digest, size, media type) plus either reference-counted bytes in memory
 * (configs, manifests, indexes) or a generated layer that is streamed on
 * demand. Readers are pull-style and never block, so libcurl's read callback
 * can call rb_blob_read directly. */
#include "gen_internal.h"
#include "util/rb_digest.h"
#include "util/rb_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rb_bytes {
    int refs;
    size_t len;
    unsigned char data[];
};

void rb_blob_from_bytes(rb_blob *out, const void *data, size_t len, const char *media_type)
{
    memset(out, 0, sizeof *out);
    rb_bytes *b = rb_malloc(sizeof *b + len + 1);
    b->refs = 1;
    b->len = len;
    if (len)
        memcpy(b->data, data, len);
    b->data[len] = '\0'; /* handy for JSON documents */
    char hex[65];
    rb_sha256_hex(b->data, len, hex);
    snprintf(out->digest, sizeof out->digest, "sha256:%s", hex);
    out->size = len;
    snprintf(out->media_type, sizeof out->media_type, "%s", media_type ? media_type : "application/octet-stream");
    out->kind = RB_BLOB_BYTES;
    out->data = b->data;
    out->bytes = b;
}

void rb_blob_from_layer(rb_blob *out, rb_layer *l, rb_format f)
{
    memset(out, 0, sizeof *out);
    const rb_layer_info *info = rb_layer_get_info(l);
    snprintf(out->digest, sizeof out->digest, "%s", info->digest);
    out->size = info->size;
    snprintf(out->media_type, sizeof out->media_type, "%s", rb_layer_media_type(l, f));
    out->kind = RB_BLOB_LAYER;
    out->layer = rb_layer_ref(l);
}

void rb_blob_copy(rb_blob *dst, const rb_blob *src)
{
    *dst = *src;
    if (dst->bytes)
        gen_ref_inc(&dst->bytes->refs);
    if (dst->layer)
        rb_layer_ref(dst->layer);
}

static void bytes_unref(rb_bytes *b)
{
    if (b && gen_ref_dec(&b->refs))
        free(b);
}

void rb_blob_release(rb_blob *b)
{
    if (!b)
        return;
    bytes_unref(b->bytes);
    rb_layer_unref(b->layer);
    memset(b, 0, sizeof *b);
}

struct rb_blob_reader {
    rb_blob blob;          /* own references */
    uint64_t pos;          /* BYTES: offset */
    rb_layer_reader *lr;   /* LAYER */
};

rb_blob_reader *rb_blob_open(const rb_blob *b, char *err, size_t errlen)
{
    if (!b || (b->kind != RB_BLOB_BYTES && b->kind != RB_BLOB_LAYER)) {
        rb_err(err, errlen, "blob: nothing to read (empty blob)");
        return NULL;
    }
    rb_blob_reader *r = rb_calloc(1, sizeof *r);
    rb_blob_copy(&r->blob, b);
    if (b->kind == RB_BLOB_LAYER)
        r->lr = rb_layer_reader_open(r->blob.layer, 0);
    return r;
}

ssize_t rb_blob_read(rb_blob_reader *r, void *buf, size_t n)
{
    if (!r)
        return -1;
    if (r->blob.kind == RB_BLOB_BYTES) {
        uint64_t left = r->blob.size - r->pos;
        size_t k = left < n ? (size_t)left : n;
        memcpy(buf, r->blob.data + r->pos, k);
        r->pos += k;
        return (ssize_t)k;
    }
    return (ssize_t)rb_layer_read(r->lr, buf, n);
}

int rb_blob_rewind(rb_blob_reader *r)
{
    if (!r)
        return -1;
    r->pos = 0;
    if (r->lr)
        rb_layer_reader_rewind(r->lr);
    return 0;
}

void rb_blob_close(rb_blob_reader *r)
{
    if (!r)
        return;
    rb_layer_reader_close(r->lr);
    rb_blob_release(&r->blob);
    free(r);
}
