/* gen_blob: the blob abstraction uploads consume. A blob is a descriptor
 * (digest, size, media type) plus either reference-counted bytes in memory
 * (configs, manifests, indexes), a generated layer that is streamed on
 * demand, a byte range of a file on disk (a user's image: a layout's blob
 * file or a member of a tar), read with pread and optionally hashed on the
 * way to check its digest, or a seeded byte pattern any range of which can
 * be produced alone (range reads verify against it). Readers are pull-style
 * and never wait on the network, so libcurl's read callback can call
 * rb_blob_read directly; an unverified FILE blob can also be written
 * straight from its file to a socket (rb_blob_send, sendfile), which saves
 * the copy out of the page cache that pread makes. */
#include "gen_internal.h"
#include "util/rb_digest.h"
#include "util/rb_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

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

struct rb_file {
    int refs;
    int verify;
    char path[];
};

void rb_blob_from_file(rb_blob *out, const char *path, uint64_t offset, uint64_t size, const char *digest,
                       const char *media_type, int verify)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(path);
    rb_file *f = rb_malloc(sizeof *f + n + 1);
    f->refs = 1;
    f->verify = verify;
    memcpy(f->path, path, n + 1);
    snprintf(out->digest, sizeof out->digest, "%s", digest);
    out->size = size;
    snprintf(out->media_type, sizeof out->media_type, "%s", media_type ? media_type : "application/octet-stream");
    out->kind = RB_BLOB_FILE;
    out->file = f;
    out->offset = offset;
}

const char *rb_blob_path(const rb_blob *b)
{
    return b && b->file ? b->file->path : NULL;
}

/* splitmix64 of (seed, w): one word of the pattern. */
static uint64_t pattern_word(uint64_t seed, uint64_t w)
{
    uint64_t z = seed * 0x9E3779B97F4A7C15ull + w + 0x632BE59BD9B4E019ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void rb_pattern_fill(uint64_t seed, uint64_t offset, void *buf, size_t n)
{
    unsigned char *p = buf;
    uint64_t w = offset / 8, v = pattern_word(seed, w);
    unsigned k = (unsigned)(offset % 8);
    for (size_t i = 0; i < n; i++) {
        p[i] = (unsigned char)(v >> (8 * k));
        if (++k == 8) {
            k = 0;
            v = pattern_word(seed, ++w);
        }
    }
}

void rb_blob_from_pattern(rb_blob *out, uint64_t seed, uint64_t size)
{
    memset(out, 0, sizeof *out);
    enum { CHUNK = 256 * 1024 };
    unsigned char *buf = rb_malloc(CHUNK);
    rb_sha256 *h = rb_sha256_new();
    for (uint64_t off = 0; off < size; off += CHUNK) {
        size_t n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
        rb_pattern_fill(seed, off, buf, n);
        rb_sha256_update(h, buf, n);
    }
    rb_sha256_final(h, out->digest);
    free(buf);
    out->size = size;
    snprintf(out->media_type, sizeof out->media_type, "application/octet-stream");
    out->kind = RB_BLOB_PATTERN;
    out->pattern_seed = seed;
}

void rb_blob_copy(rb_blob *dst, const rb_blob *src)
{
    *dst = *src;
    if (dst->bytes)
        gen_ref_inc(&dst->bytes->refs);
    if (dst->layer)
        rb_layer_ref(dst->layer);
    if (dst->file)
        gen_ref_inc(&dst->file->refs);
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
    if (b->file && gen_ref_dec(&b->file->refs))
        free(b->file);
    memset(b, 0, sizeof *b);
}

struct rb_blob_reader {
    rb_blob blob;          /* own references */
    uint64_t pos;          /* BYTES, FILE, PATTERN: offset in the blob */
    rb_layer_reader *lr;   /* LAYER */
    int fd;                /* FILE: open file, -1 otherwise */
    rb_sha256 *hash;       /* FILE with verify: the bytes read so far */
    char err[384];         /* why the last read failed */
};

rb_blob_reader *rb_blob_open(const rb_blob *b, char *err, size_t errlen)
{
    if (!b || (b->kind != RB_BLOB_BYTES && b->kind != RB_BLOB_LAYER && b->kind != RB_BLOB_FILE &&
               b->kind != RB_BLOB_PATTERN)) {
        rb_err(err, errlen, "blob: nothing to read (empty blob)");
        return NULL;
    }
    int fd = -1;
    if (b->kind == RB_BLOB_FILE) {
        fd = open(b->file->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            rb_err(err, errlen, "blob %s: cannot open %s: %s", b->digest, b->file->path, strerror(errno));
            return NULL;
        }
    }
    rb_blob_reader *r = rb_calloc(1, sizeof *r);
    rb_blob_copy(&r->blob, b);
    r->fd = fd;
    if (b->kind == RB_BLOB_LAYER)
        r->lr = rb_layer_reader_open(r->blob.layer, 0);
    if (b->kind == RB_BLOB_FILE && b->file->verify)
        r->hash = rb_sha256_new();
    return r;
}

/* Reads from a FILE blob: pread at offset+pos, hashing when verifying; the
 * last byte is only handed over once the digest is known to match. */
static ssize_t file_read(rb_blob_reader *r, void *buf, size_t n)
{
    const rb_blob *b = &r->blob;
    uint64_t left = b->size - r->pos;
    size_t k = left < n ? (size_t)left : n;
    if (k == 0)
        return 0;
    ssize_t got = -1;
    for (int tries = 0; tries < 100; tries++) { /* bounded retry on EINTR */
        got = pread(r->fd, buf, k, (off_t)(b->offset + r->pos));
        if (got >= 0 || errno != EINTR)
            break;
    }
    if (got < 0) {
        snprintf(r->err, sizeof r->err, "blob %s: reading %s: %s", b->digest, b->file->path, strerror(errno));
        return -1;
    }
    if (got == 0) {
        snprintf(r->err, sizeof r->err, "blob %s: %s ended after %llu of its %llu bytes (file changed or truncated)",
                 b->digest, b->file->path, (unsigned long long)r->pos, (unsigned long long)b->size);
        return -1;
    }
    r->pos += (uint64_t)got;
    if (r->hash) {
        rb_sha256_update(r->hash, buf, (size_t)got);
        if (r->pos == b->size) {
            char d[72];
            rb_sha256_final(r->hash, d); /* frees the hash */
            r->hash = NULL;
            if (strcmp(d, b->digest) != 0) {
                snprintf(r->err, sizeof r->err, "blob %s: the bytes in %s (offset %llu) hash to %s (verify=true)",
                         b->digest, b->file->path, (unsigned long long)b->offset, d);
                return -1;
            }
        }
    }
    return got;
}

ssize_t rb_blob_read(rb_blob_reader *r, void *buf, size_t n)
{
    if (!r)
        return -1;
    if (r->blob.kind == RB_BLOB_FILE)
        return file_read(r, buf, n);
    if (r->blob.kind == RB_BLOB_BYTES) {
        uint64_t left = r->blob.size - r->pos;
        size_t k = left < n ? (size_t)left : n;
        memcpy(buf, r->blob.data + r->pos, k);
        r->pos += k;
        return (ssize_t)k;
    }
    if (r->blob.kind == RB_BLOB_PATTERN) {
        uint64_t left = r->blob.size - r->pos;
        size_t k = left < n ? (size_t)left : n;
        rb_pattern_fill(r->blob.pattern_seed, r->pos, buf, k);
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
    r->err[0] = '\0';
    if (r->lr)
        rb_layer_reader_rewind(r->lr);
    if (r->blob.kind == RB_BLOB_FILE && r->blob.file->verify) {
        rb_sha256_free(r->hash);
        r->hash = rb_sha256_new();
    }
    return 0;
}

int rb_blob_can_send(const rb_blob_reader *r)
{
    return r && r->blob.kind == RB_BLOB_FILE && !r->blob.file->verify;
}

/* Whether a sendfile errno is the output's (a socket that is full or gone)
 * rather than the file's. */
static int output_errno(int e)
{
    return e == EAGAIN || e == EWOULDBLOCK || e == EINTR || e == EPIPE || e == ECONNRESET || e == ENOTCONN ||
           e == ECONNABORTED || e == ETIMEDOUT || e == ENETDOWN || e == ENETUNREACH || e == EHOSTUNREACH ||
           e == ENOBUFS;
}

ssize_t rb_blob_send(rb_blob_reader *r, int out_fd, uint64_t pos, size_t n)
{
    if (!rb_blob_can_send(r) || pos >= r->blob.size || n == 0)
        return 0;
    const rb_blob *b = &r->blob;
    uint64_t left = b->size - pos;
    size_t k = left < n ? (size_t)left : n;
    off_t off = (off_t)(b->offset + pos);
    ssize_t got = sendfile(out_fd, r->fd, &off, k);
    if (got > 0) {
        r->pos = pos + (uint64_t)got;
        return got;
    }
    if (got < 0 && output_errno(errno))
        return -1;
    if (got < 0)
        snprintf(r->err, sizeof r->err, "blob %s: reading %s: %s", b->digest, b->file->path, strerror(errno));
    else
        snprintf(r->err, sizeof r->err, "blob %s: %s ended after %llu of its %llu bytes (file changed or truncated)",
                 b->digest, b->file->path, (unsigned long long)pos, (unsigned long long)b->size);
    return 0;
}

const char *rb_blob_error(const rb_blob_reader *r)
{
    return r ? r->err : "";
}

void rb_blob_close(rb_blob_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0 && r->blob.kind == RB_BLOB_FILE)
        close(r->fd);
    rb_sha256_free(r->hash);
    rb_layer_reader_close(r->lr);
    rb_blob_release(&r->blob);
    free(r);
}
