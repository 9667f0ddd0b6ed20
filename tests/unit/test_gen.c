/* test_gen: the image generator against real zlib inflate, libzstd's
 * streaming decoder and a tar parser: valid gzip and zstd, valid tar with unique names, digests and diff_ids that match the
 * bytes, sizes within 1%, compressibility near the request, determinism,
 * seed sensitivity, shared layers, the digest cache, the blob reader contract,
 * canonical config/manifest/index documents and bad-input messages. */
#include "image/rb_gen.h"
#include "util/rb_digest.h"
#include "util/rb_util.h"
#include "rbtest.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

typedef struct buf { unsigned char *p; size_t n, cap; } buf;

static void buf_add(buf *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 4096;
        b->p = rb_realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static buf read_layer(rb_layer *l, int uncompressed, size_t step)
{
    buf b = {0};
    rb_layer_reader *r = rb_layer_reader_open(l, uncompressed);
    unsigned char tmp[70000];
    size_t n;
    while ((n = rb_layer_read(r, tmp, step)) > 0)
        buf_add(&b, tmp, n);
    rb_layer_reader_close(r);
    return b;
}

static int gunzip(const buf *in, buf *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return -1;
    z.next_in = in->p;
    z.avail_in = (uInt)in->n;
    unsigned char tmp[1 << 16];
    int rc;
    do {
        z.next_out = tmp;
        z.avail_out = sizeof tmp;
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            fprintf(stderr, "inflate: %d %s\n", rc, z.msg ? z.msg : "");
            inflateEnd(&z);
            return -1;
        }
        buf_add(out, tmp, sizeof tmp - z.avail_out);
    } while (rc != Z_STREAM_END);
    int trailing = z.avail_in != 0;
    inflateEnd(&z);
    return trailing ? -1 : 0;
}

static uint64_t octal_field(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n && p[i] >= '0' && p[i] <= '7'; i++)
        v = v * 8 + (uint64_t)(p[i] - '0');
    return v;
}

/* Parses a tar; returns the number of files or -1 (bad checksum, duplicate
 * name, truncation, missing end blocks). */
static int tar_check(const buf *t)
{
    size_t off = 0;
    int files = 0;
    char (*names)[101] = NULL;
    int ok = 1;
    while (ok) {
        if (off + 512 > t->n) { ok = 0; break; }
        const unsigned char *h = t->p + off;
        int zero = 1;
        for (int i = 0; i < 512; i++)
            if (h[i]) { zero = 0; break; }
        if (zero) {
            if (off + 1024 > t->n) ok = 0;
            for (size_t i = off; ok && i < t->n; i++)
                if (t->p[i]) ok = 0;
            break;
        }
        unsigned sum = 0;
        for (int i = 0; i < 512; i++)
            sum += (i >= 148 && i < 156) ? ' ' : h[i];
        if (sum != octal_field(h + 148, 8) || memcmp(h + 257, "ustar", 5) != 0) { ok = 0; break; }
        names = rb_realloc(names, (size_t)(files + 1) * sizeof *names);
        memcpy(names[files], h, 100);
        names[files][100] = '\0';
        for (int i = 0; i < files; i++)
            if (strcmp(names[i], names[files]) == 0) ok = 0;
        files++;
        uint64_t size = octal_field(h + 124, 12);
        off += 512 + (size + 511) / 512 * 512;
    }
    free(names);
    return ok ? files : -1;
}

static void sha(const buf *b, char out[72])
{
    char hex[65];
    rb_sha256_hex(b->p, b->n, hex);
    snprintf(out, 72, "sha256:%s", hex);
}

/* Makes one layer and checks everything about its bytes. */
static rb_layer *check_layer(uint64_t size, int level, double c, uint64_t seed, int files)
{
    rb_layer_params p;
    rb_layer_params_init(&p);
    p.size = size;
    p.level = level;
    p.compressibility = c;
    p.seed = seed;
    p.files = files;
    char err[RB_ERRLEN];
    rb_layer *l = rb_layer_new(&p, err, sizeof err);
    CHECKF(l != NULL, "size %llu level %d c %g: %s", (unsigned long long)size, level, c, err);
    if (!l)
        return NULL;
    const rb_layer_info *in = rb_layer_get_info(l);
    buf comp = read_layer(l, 0, 4093), tar = read_layer(l, 1, 65536);
    char d[72];
    sha(&comp, d);
    CHECKF(strcmp(d, in->digest) == 0, "digest level %d c %g", level, c);
    CHECK(comp.n == in->size);
    CHECK(tar.n == in->uncompressed_size);
    CHECKF(fabs((double)comp.n - (double)size) <= 0.01 * (double)size,
           "size %zu vs %llu level %d c %g", comp.n, (unsigned long long)size, level, c);
    sha(&tar, d);
    CHECKF(strcmp(d, in->diff_id) == 0, "diff_id level %d c %g", level, c);
    if (level != RB_GEN_NONE) {
        buf un = {0};
        CHECKF(gunzip(&comp, &un) == 0, "gunzip level %d c %g", level, c);
        CHECKF(un.n == tar.n && memcmp(un.p, tar.p, un.n) == 0, "inflated != tar, level %d c %g", level, c);
        free(un.p);
        if (level >= 1 && size >= 1000000) {
            double got = 1.0 - (double)comp.n / (double)tar.n;
            CHECKF(fabs(got - c) < 0.03, "compressibility %g got %g level %d", c, got, level);
        }
    } else {
        CHECK(strcmp(in->digest, in->diff_id) == 0);
    }
    int nf = tar_check(&tar);
    CHECKF(nf == in->params.files, "tar files %d want %d", nf, in->params.files);
    free(comp.p);
    free(tar.p);
    return l;
}

static void test_layers(void)
{
    static const int levels[] = {RB_GEN_NONE, 0, 1, 6, 9};
    static const double cs[] = {0.0, 0.5, 0.9, 1.0};
    static const uint64_t sizes[] = {2000, 100000, 3000000};
    for (size_t a = 0; a < sizeof levels / sizeof *levels; a++)
        for (size_t b = 0; b < sizeof cs / sizeof *cs; b++)
            for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
                if (levels[a] == RB_GEN_NONE && sizes[s] < 60000)
                    continue; /* tar granularity is 512 bytes */
                rb_layer_unref(check_layer(sizes[s], levels[a], cs[b], 7 + s, 0));
            }
    rb_layer_unref(check_layer(20000000, 6, 0.3, 1, 40));
    rb_layer_unref(check_layer(5000000, 1, 0.0, 2, 1));
}

static void test_determinism(void)
{
    rb_layer_params p;
    rb_layer_params_init(&p);
    p.size = 2000000;
    char err[RB_ERRLEN];
    rb_layer *a = rb_layer_new(&p, err, sizeof err), *b = rb_layer_new(&p, err, sizeof err);
    CHECK(strcmp(rb_layer_get_info(a)->digest, rb_layer_get_info(b)->digest) == 0);
    p.seed = 1;
    rb_layer *c = rb_layer_new(&p, err, sizeof err);
    CHECK(strcmp(rb_layer_get_info(a)->digest, rb_layer_get_info(c)->digest) != 0);
    CHECK(strcmp(rb_layer_get_info(a)->diff_id, rb_layer_get_info(c)->diff_id) != 0);
    /* A plain tar does not depend on zlib: pin its digest across machines. */
    p.level = RB_GEN_NONE;
    p.seed = 42;
    p.size = 100000;
    rb_layer *d = rb_layer_new(&p, err, sizeof err);
    printf("pinned tar digest: %s\n", rb_layer_get_info(d)->digest);
    CHECK(strcmp(rb_layer_get_info(d)->digest,
                 "sha256:abfadbaad2f01391e41d02f07f3cdf6105728b5645831495e043ac14c83e8ae4") == 0);
    rb_layer_unref(a);
    rb_layer_unref(b);
    rb_layer_unref(c);
    rb_layer_unref(d);
}

static void test_cache(void)
{
    char dir[] = "/tmp/rbgen-cache-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    rb_gen_set_cache_dir(dir);
    rb_layer_params p;
    rb_layer_params_init(&p);
    p.size = 3000000;
    p.seed = 99;
    char err[RB_ERRLEN];
    rb_layer *a = rb_layer_new(&p, err, sizeof err);
    CHECK(!rb_layer_from_cache(a));
    rb_layer *b = rb_layer_new(&p, err, sizeof err);
    CHECK(rb_layer_from_cache(b));
    CHECK(strcmp(rb_layer_get_info(a)->digest, rb_layer_get_info(b)->digest) == 0);
    CHECK(strcmp(rb_layer_get_info(a)->diff_id, rb_layer_get_info(b)->diff_id) == 0);
    rb_layer_unref(a);
    rb_layer_unref(b);
    char *cmd = rb_asprintf("rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    free(cmd);
    rb_gen_set_cache_dir("");
}

static void test_blob_reader(void)
{
    rb_layer_params p;
    rb_layer_params_init(&p);
    p.size = 500000;
    char err[RB_ERRLEN];
    rb_layer *l = rb_layer_new(&p, err, sizeof err);
    rb_blob b;
    rb_blob_from_layer(&b, l, RB_FORMAT_OCI);
    rb_layer_unref(l); /* the blob keeps it alive */
    CHECK(strcmp(b.media_type, RB_MT_OCI_LAYER_GZIP) == 0);
    rb_blob_reader *r = rb_blob_open(&b, err, sizeof err);
    rb_blob_release(&b); /* so does the reader */
    buf x = {0}, y = {0};
    unsigned char tmp[1000];
    ssize_t n;
    while ((n = rb_blob_read(r, tmp, 333)) > 0)
        buf_add(&x, tmp, (size_t)n);
    CHECK(n == 0);
    CHECK(rb_blob_rewind(r) == 0);
    while ((n = rb_blob_read(r, tmp, sizeof tmp)) > 0)
        buf_add(&y, tmp, (size_t)n);
    CHECK(x.n == y.n && x.n > 0 && memcmp(x.p, y.p, x.n) == 0);
    rb_blob_close(r);
    free(x.p);
    free(y.p);

    rb_blob s;
    rb_blob_from_bytes(&s, "hello", 5, NULL);
    CHECK(strcmp(s.digest, "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824") == 0);
    r = rb_blob_open(&s, err, sizeof err);
    CHECK(rb_blob_read(r, tmp, sizeof tmp) == 5 && rb_blob_read(r, tmp, sizeof tmp) == 0);
    rb_blob_close(r);
    rb_blob_release(&s);
}

/* A pattern blob: its reader yields rb_pattern_fill's bytes, which hash to
 * its digest, and any range of them can be made alone. */
static void test_pattern(void)
{
    enum { N = 100003 };
    unsigned char *whole = malloc(N), part[777], tmp[4096];
    rb_pattern_fill(9, 0, whole, N);
    rb_pattern_fill(9, 4093, part, sizeof part);
    CHECK(memcmp(part, whole + 4093, sizeof part) == 0);
    rb_pattern_fill(10, 4093, part, sizeof part);
    CHECK(memcmp(part, whole + 4093, sizeof part) != 0);
    char hex[65], want[72];
    rb_sha256_hex(whole, N, hex);
    snprintf(want, sizeof want, "sha256:%s", hex);
    rb_blob b;
    rb_blob_from_pattern(&b, 9, N);
    CHECK(b.kind == RB_BLOB_PATTERN && b.size == N && strcmp(b.digest, want) == 0);
    char err[RB_ERRLEN];
    rb_blob_reader *r = rb_blob_open(&b, err, sizeof err);
    rb_blob_release(&b);
    size_t at = 0;
    int same = 1;
    ssize_t n;
    while ((n = rb_blob_read(r, tmp, 1000)) > 0) {
        if (at + (size_t)n > N || memcmp(tmp, whole + at, (size_t)n) != 0) same = 0;
        at += (size_t)n;
    }
    CHECK(n == 0 && at == N && same);
    CHECK(rb_blob_rewind(r) == 0 && rb_blob_read(r, tmp, 8) == 8 && memcmp(tmp, whole, 8) == 0);
    rb_blob_close(r);
    free(whole);
}

static void test_images(void)
{
    char err[RB_ERRLEN];
    rb_layer_params lp;
    rb_layer_params_init(&lp);
    lp.size = 200000;
    lp.seed = 1234;
    rb_layer *base = rb_layer_new(&lp, err, sizeof err);
    rb_image_params ip;
    rb_image_params_init(&ip);
    ip.layers = 3;
    ip.layer_size = 100000;
    ip.shared = &base;
    ip.n_shared = 1;
    ip.seed = 1;
    rb_image *a = rb_image_generate(&ip, err, sizeof err);
    CHECKF(a != NULL, "%s", err);
    ip.seed = 2;
    ip.platform = "linux/arm64/v8";
    rb_image *b = rb_image_generate(&ip, err, sizeof err);
    CHECK(a && b && a->n_layers == 3 && b->n_layers == 3);
    CHECK(strcmp(a->layers[0].digest, b->layers[0].digest) == 0);
    CHECK(strcmp(a->layers[0].digest, rb_layer_get_info(base)->digest) == 0);
    CHECK(strcmp(a->layers[1].digest, b->layers[1].digest) != 0);
    json_t *cfg = json_loadb((const char *)a->config.data, a->config.size, 0, NULL);
    json_t *man = json_loadb((const char *)a->manifest.data, a->manifest.size, 0, NULL);
    CHECK(cfg && man);
    json_t *diff = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
    CHECK(json_array_size(diff) == 3);
    for (size_t i = 0; i < 3; i++)
        CHECK(strcmp(json_string_value(json_array_get(diff, i)),
                     rb_layer_get_info(a->layers[i].layer)->diff_id) == 0);
    CHECK(strcmp(json_string_value(json_object_get(man, "mediaType")), RB_MT_OCI_MANIFEST) == 0);
    CHECK(strcmp(json_string_value(json_object_get(json_object_get(man, "config"), "digest")),
                 a->config.digest) == 0);
    json_decref(cfg);
    json_decref(man);
    /* Canonical: regenerating gives the same bytes. */
    ip.seed = 1;
    ip.platform = NULL;
    rb_image *a2 = rb_image_generate(&ip, err, sizeof err);
    CHECK(a2 && a2->manifest.size == a->manifest.size &&
          memcmp(a2->manifest.data, a->manifest.data, a->manifest.size) == 0);
    CHECK(a2 && strcmp(a2->config.digest, a->config.digest) == 0);
    rb_image *both[2] = {a, b};
    rb_index *ix = rb_index_build(RB_FORMAT_OCI, both, 2, err, sizeof err);
    CHECK(ix && strstr((const char *)ix->manifest.data, "\"variant\":\"v8\"") != NULL);
    /* Docker format. */
    ip.format = RB_FORMAT_DOCKER;
    rb_image *d = rb_image_generate(&ip, err, sizeof err);
    CHECK(d && strstr((const char *)d->manifest.data, RB_MT_DOCKER_LAYER_GZIP) != NULL);
    CHECK(d && strcmp(d->config.media_type, RB_MT_DOCKER_CONFIG) == 0);
    CHECK(rb_index_build(RB_FORMAT_OCI, &d, 1, err, sizeof err) == NULL);
    rb_index_unref(ix);
    rb_image_unref(a);
    rb_image_unref(a2);
    rb_image_unref(b);
    rb_image_unref(d);
    rb_layer_unref(base);
}

static void test_bad_input(void)
{
    char err[RB_ERRLEN];
    rb_layer_params p;
    rb_layer_params_init(&p);
    p.level = 12;
    CHECK(rb_layer_new(&p, err, sizeof err) == NULL && strstr(err, "compression") && strstr(err, "0-9"));
    p.level = 6;
    p.compressibility = 2;
    CHECK(rb_layer_new(&p, err, sizeof err) == NULL && strstr(err, "compressibility") && strstr(err, "1.0"));
    p.compressibility = 0.5;
    p.size = 10;
    CHECK(rb_layer_new(&p, err, sizeof err) == NULL && strstr(err, "too small"));
    int level;
    rb_compression comp;
    CHECK(rb_parse_compression("12", &comp, &level, err, sizeof err) < 0 && strstr(err, "none"));
    CHECK(rb_parse_compression("none", &comp, &level, err, sizeof err) == 0 && level == RB_GEN_NONE);
    CHECK(rb_parse_compression("7", &comp, &level, err, sizeof err) == 0 && comp == RB_COMP_GZIP && level == 7);
    CHECK(rb_parse_compression("gzip", &comp, &level, err, sizeof err) == 0 && comp == RB_COMP_GZIP &&
          level == 6);
    CHECK(rb_parse_compression("zstd", &comp, &level, err, sizeof err) == 0 && comp == RB_COMP_ZSTD &&
          level == 3);
    CHECK(rb_parse_compression("lz4", &comp, &level, err, sizeof err) < 0 && strstr(err, "zstd"));
    CHECK(rb_check_level(RB_COMP_ZSTD, 0, err, sizeof err) < 0 && strstr(err, "zstd") && strstr(err, "1-19"));
    CHECK(rb_check_level(RB_COMP_ZSTD, 20, err, sizeof err) < 0 && strstr(err, "1-19"));
    CHECK(rb_check_level(RB_COMP_ZSTD, 19, err, sizeof err) == 0);
    CHECK(rb_check_level(RB_COMP_GZIP, 10, err, sizeof err) < 0 && strstr(err, "0-9"));
    p.compression = RB_COMP_ZSTD;
    p.size = 1000000;
    p.level = 0;
    CHECK(rb_layer_new(&p, err, sizeof err) == NULL && strstr(err, "zstd") && strstr(err, "1-19"));
    p.compression = RB_COMP_GZIP;
    char os[32], arch[32], var[32];
    CHECK(rb_parse_platform("linux", os, arch, var, err, sizeof err) < 0 && strstr(err, "platform"));
    rb_image_params ip;
    rb_image_params_init(&ip);
    ip.layers = 0;
    CHECK(rb_image_generate(&ip, err, sizeof err) == NULL && strstr(err, "layers"));
}

/* zstd-decompresses a whole stream of concatenated (and skippable) frames. */
static int unzstd(const buf *in, buf *out)
{
    ZSTD_DStream *d = ZSTD_createDStream();
    ZSTD_inBuffer ib = {in->p, in->n, 0};
    unsigned char tmp[1 << 16];
    size_t rc = 1;
    while (ib.pos < ib.size) {
        ZSTD_outBuffer ob = {tmp, sizeof tmp, 0};
        rc = ZSTD_decompressStream(d, &ob, &ib);
        if (ZSTD_isError(rc)) {
            fprintf(stderr, "zstd: %s\n", ZSTD_getErrorName(rc));
            ZSTD_freeDStream(d);
            return -1;
        }
        buf_add(out, tmp, ob.pos);
    }
    for (int i = 0; i < 1000 && rc != 0; i++) { /* flush what the last frame still holds */
        ZSTD_outBuffer ob = {tmp, sizeof tmp, 0};
        rc = ZSTD_decompressStream(d, &ob, &ib);
        if (ZSTD_isError(rc) || ob.pos == 0)
            break;
        buf_add(out, tmp, ob.pos);
    }
    ZSTD_freeDStream(d);
    return rc == 0 ? 0 : -1;
}

/* Makes one zstd layer and checks everything about its bytes. */
static rb_layer *check_zstd_layer(uint64_t size, int level, double c, uint64_t seed, int files)
{
    rb_layer_params p;
    rb_layer_params_init(&p);
    p.size = size;
    p.compression = RB_COMP_ZSTD;
    p.level = level;
    p.compressibility = c;
    p.seed = seed;
    p.files = files;
    char err[RB_ERRLEN];
    rb_layer *l = rb_layer_new(&p, err, sizeof err);
    CHECKF(l != NULL, "zstd size %llu level %d c %g: %s", (unsigned long long)size, level, c, err);
    if (!l)
        return NULL;
    const rb_layer_info *in = rb_layer_get_info(l);
    CHECK(in->params.compression == RB_COMP_ZSTD && in->params.level == level);
    CHECK(strcmp(rb_layer_media_type(l, RB_FORMAT_OCI), RB_MT_OCI_LAYER_ZSTD) == 0);
    buf comp = read_layer(l, 0, 4093), tar = read_layer(l, 1, 65536);
    /* Tools recognise zstd by the first frame's magic: a normal frame first. */
    static const unsigned char magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    CHECKF(comp.n >= 4 && memcmp(comp.p, magic, 4) == 0, "zstd layer does not start with a zstd frame");
    char d[72];
    sha(&comp, d);
    CHECKF(strcmp(d, in->digest) == 0, "zstd digest level %d c %g", level, c);
    CHECK(comp.n == in->size);
    CHECK(tar.n == in->uncompressed_size);
    /* Exact above a few KB (the skippable frame pads); within 1% always. */
    CHECKF(size < 10000 ? fabs((double)comp.n - (double)size) <= 0.01 * (double)size : comp.n == size,
           "zstd size %zu vs %llu level %d c %g", comp.n, (unsigned long long)size, level, c);
    sha(&tar, d);
    CHECKF(strcmp(d, in->diff_id) == 0, "zstd diff_id level %d c %g", level, c);
    buf un = {0};
    CHECKF(unzstd(&comp, &un) == 0, "unzstd level %d c %g", level, c);
    CHECKF(un.n == tar.n && memcmp(un.p, tar.p, un.n) == 0, "unzstd != tar, level %d c %g", level, c);
    free(un.p);
    if (size >= 1000000) {
        double got = 1.0 - (double)comp.n / (double)tar.n;
        /* zstd -1 keeps a little more of the motif runs than deflate does (c=0.5
         * gives 0.46); higher levels are within 0.03 like gzip. */
        CHECKF(fabs(got - c) < (level == 1 ? 0.05 : 0.03), "zstd compressibility %g got %g level %d", c, got,
               level);
        printf("zstd level %d c %.2f: stored/tar gives compressibility %.3f\n", level, c, got);
    }
    int nf = tar_check(&tar);
    CHECKF(nf == in->params.files, "zstd tar files %d want %d", nf, in->params.files);
    free(comp.p);
    free(tar.p);
    return l;
}

static void test_zstd(void)
{
    static const int levels[] = {1, 3};
    static const double cs[] = {0.0, 0.5, 0.9, 1.0};
    static const uint64_t sizes[] = {2000, 100000, 3000000};
    for (size_t a = 0; a < sizeof levels / sizeof *levels; a++)
        for (size_t b = 0; b < sizeof cs / sizeof *cs; b++)
            for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
                rb_layer_unref(check_zstd_layer(sizes[s], levels[a], cs[b], 7 + s, 0));
    rb_layer_unref(check_zstd_layer(3000000, 19, 0.5, 3, 0));
    rb_layer_unref(check_zstd_layer(20000000, 3, 0.3, 1, 40));

    /* Determinism: same seed, same bytes; another seed or gzip, others. */
    char err[RB_ERRLEN];
    rb_layer_params p;
    rb_layer_params_init(&p);
    p.size = 2000000;
    p.compression = RB_COMP_ZSTD;
    p.level = RB_ZSTD_DEFAULT_LEVEL;
    rb_layer *a = rb_layer_new(&p, err, sizeof err), *b = rb_layer_new(&p, err, sizeof err);
    CHECK(a && b && strcmp(rb_layer_get_info(a)->digest, rb_layer_get_info(b)->digest) == 0);
    buf ba = read_layer(a, 0, 65536), bb = read_layer(b, 0, 1000);
    CHECK(ba.n == bb.n && memcmp(ba.p, bb.p, ba.n) == 0);
    free(ba.p);
    free(bb.p);
    p.seed = 1;
    rb_layer *c = rb_layer_new(&p, err, sizeof err);
    CHECK(c && strcmp(rb_layer_get_info(a)->digest, rb_layer_get_info(c)->digest) != 0);
    p.seed = 0;
    p.compression = RB_COMP_GZIP;
    rb_layer *g = rb_layer_new(&p, err, sizeof err);
    CHECK(g && strcmp(rb_layer_get_info(a)->digest, rb_layer_get_info(g)->digest) != 0);
    printf("zstd layer (2000000, level 3, c 0.5, seed 0): %s\n", rb_layer_get_info(a)->digest);

    /* A plain tar is the same whichever algorithm was named. */
    p.level = RB_GEN_NONE;
    p.size = 100000;
    p.seed = 42;
    rb_layer *t1 = rb_layer_new(&p, err, sizeof err);
    p.compression = RB_COMP_ZSTD;
    rb_layer *t2 = rb_layer_new(&p, err, sizeof err);
    CHECK(t1 && t2 && strcmp(rb_layer_get_info(t1)->digest, rb_layer_get_info(t2)->digest) == 0);
    CHECK(t2 && strcmp(rb_layer_media_type(t2, RB_FORMAT_OCI), RB_MT_OCI_LAYER_TAR) == 0);

    /* Images: OCI takes zstd layers, Docker refuses them with a clear error. */
    rb_image_params ip;
    rb_image_params_init(&ip);
    ip.layers = 2;
    ip.layer_size = 200000;
    ip.compression = RB_COMP_ZSTD;
    ip.level = 3;
    rb_image *img = rb_image_generate(&ip, err, sizeof err);
    CHECKF(img != NULL, "zstd image: %s", err);
    if (img) {
        CHECK(strcmp(img->layers[0].media_type, RB_MT_OCI_LAYER_ZSTD) == 0);
        CHECK(strstr((const char *)img->manifest.data, RB_MT_OCI_LAYER_ZSTD) != NULL);
    }
    ip.format = RB_FORMAT_DOCKER;
    CHECK(rb_image_generate(&ip, err, sizeof err) == NULL && strstr(err, "Docker") && strstr(err, "zstd"));
    rb_layer *ls[1] = {a};
    CHECK(rb_image_from_layers(RB_FORMAT_DOCKER, ls, 1, NULL, 0, err, sizeof err) == NULL &&
          strstr(err, "oci"));
    rb_image_unref(img);
    rb_layer_unref(a);
    rb_layer_unref(b);
    rb_layer_unref(c);
    rb_layer_unref(g);
    rb_layer_unref(t1);
    rb_layer_unref(t2);
}

/* The digest cache round trip for zstd layers, apart from gzip's entries. */
static void test_zstd_cache(void)
{
    char dir[] = "/tmp/rbgen-zcache-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    rb_gen_set_cache_dir(dir);
    rb_layer_params p;
    rb_layer_params_init(&p);
    p.size = 3000000;
    p.seed = 99;
    p.compression = RB_COMP_ZSTD;
    p.level = 5;
    char err[RB_ERRLEN];
    rb_layer *a = rb_layer_new(&p, err, sizeof err);
    CHECK(a && !rb_layer_from_cache(a));
    rb_layer *b = rb_layer_new(&p, err, sizeof err);
    CHECK(b && rb_layer_from_cache(b));
    CHECK(strcmp(rb_layer_get_info(a)->digest, rb_layer_get_info(b)->digest) == 0);
    CHECK(strcmp(rb_layer_get_info(a)->diff_id, rb_layer_get_info(b)->diff_id) == 0);
    p.compression = RB_COMP_GZIP; /* same size, level, seed: not the zstd entry */
    rb_layer *g = rb_layer_new(&p, err, sizeof err);
    CHECK(g && !rb_layer_from_cache(g));
    rb_layer_unref(a);
    rb_layer_unref(b);
    rb_layer_unref(g);
    char *cmd = rb_asprintf("rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    free(cmd);
    rb_gen_set_cache_dir("");
}

int main(void)
{
    rb_gen_set_cache_dir("");
    test_layers();
    test_determinism();
    test_cache();
    test_zstd();
    test_zstd_cache();
    test_blob_reader();
    test_pattern();
    test_images();
    test_bad_input();
    return rbtest_done("test_gen");
}
