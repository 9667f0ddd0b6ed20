/* test_open: rb_image_open on inputs made here: OCI layouts written by
 * rb_layout_write (one image, several refs, an index), tars of them (OCI
 * archives, built by a small ustar writer with GNU long names and links),
 * docker save tarballs (plain and gzip layers, layers behind symlinks; the
 * newer one holding an OCI layout), and
 * bad files (truncated tar, not an archive, missing blob, corrupt blob with
 * and without verify). Checks digests, sizes, media types, that every FILE
 * blob's bytes hash to its digest, and that each error names the file;
 * and rb_blob_send (a FILE blob's range written straight to another file,
 * resent from an offset, and a file that ends early). */
#include "image/rb_gen.h"
#include "image/rb_open.h"
#include "util/rb_digest.h"
#include "util/rb_util.h"
#include "rbtest.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Appends one raw ustar header + data (padded) to t. */
static void tar_raw(buf *t, const char *name, char type, const char *link, const void *data, size_t len)
{
    unsigned char h[512];
    memset(h, 0, sizeof h);
    snprintf((char *)h, 100, "%s", name);
    snprintf((char *)h + 100, 8, "%07o", 0644);
    snprintf((char *)h + 108, 8, "%07o", 0);
    snprintf((char *)h + 116, 8, "%07o", 0);
    snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)len);
    snprintf((char *)h + 136, 12, "%011o", 0);
    h[156] = (unsigned char)type;
    if (link)
        snprintf((char *)h + 157, 100, "%s", link);
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    buf_add(t, h, 512);
    buf_add(t, data, len);
    static const unsigned char zero[512];
    if (len % 512)
        buf_add(t, zero, 512 - len % 512);
}

/* Appends a member; names of 100 bytes or more get a GNU long-name entry. */
static void tar_add(buf *t, const char *name, char type, const char *link, const void *data, size_t len)
{
    if (strlen(name) >= 100) {
        tar_raw(t, "././@LongLink", 'L', NULL, name, strlen(name) + 1);
        char shortname[100];
        snprintf(shortname, sizeof shortname, "%.90s", name);
        tar_raw(t, shortname, type, link, data, len);
        return;
    }
    tar_raw(t, name, type, link, data, len);
}

static void tar_end(buf *t)
{
    static const unsigned char zero[1024];
    buf_add(t, zero, sizeof zero);
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fwrite(p, 1, n, f);
    fclose(f);
}

static buf read_whole(const char *path)
{
    buf b = {0};
    FILE *f = fopen(path, "rb");
    unsigned char tmp[65536];
    size_t n;
    while (f && (n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_add(&b, tmp, n);
    if (f)
        fclose(f);
    return b;
}

/* Adds every file of a layout dir to t (oci-layout, index.json, blobs). */
static void tar_layout(buf *t, const char *dir, const char *prefix)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && find . -type f | sort", dir);
    FILE *p = popen(cmd, "r");
    char line[4096];
    while (p && fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = '\0';
        char path[8192], name[8192];
        snprintf(path, sizeof path, "%s/%s", dir, line + 2);
        snprintf(name, sizeof name, "%s%s", prefix, line + 2);
        buf b = read_whole(path);
        tar_add(t, name, '0', NULL, b.p, b.n);
        free(b.p);
    }
    if (p)
        pclose(p);
}

/* Reads a blob to its end; returns its sha256 in d, the count in *n; -1 on a read error. */
static int hash_blob(const rb_blob *b, char d[72], uint64_t *n, char *err, size_t errlen)
{
    rb_blob_reader *r = rb_blob_open(b, err, errlen);
    if (!r)
        return -1;
    rb_sha256 *h = rb_sha256_new();
    unsigned char tmp[40000];
    ssize_t k;
    *n = 0;
    while ((k = rb_blob_read(r, tmp, sizeof tmp)) > 0) {
        rb_sha256_update(h, tmp, (size_t)k);
        *n += (uint64_t)k;
    }
    rb_sha256_final(h, d);
    if (k < 0)
        snprintf(err, errlen, "%s", rb_blob_error(r));
    rb_blob_close(r);
    return k < 0 ? -1 : 0;
}

/* Every layer of img is a FILE blob whose bytes hash to its digest. */
static void check_layers(const rb_image *img)
{
    for (size_t i = 0; i < img->n_layers; i++) {
        const rb_blob *b = &img->layers[i];
        CHECK(b->kind == RB_BLOB_FILE);
        char d[72], err[512] = "";
        uint64_t n = 0;
        CHECKF(hash_blob(b, d, &n, err, sizeof err) == 0, "%s", err);
        CHECKF(strcmp(d, b->digest) == 0, "layer %zu: %s != %s", i, d, b->digest);
        CHECK(n == b->size);
    }
}

static rb_image *gen(uint64_t seed, int level, const char *platform)
{
    rb_image_params p;
    rb_image_params_init(&p);
    p.layers = 2;
    p.layer_size = 200000;
    p.level = level;
    p.seed = seed;
    p.platform = platform;
    char err[512];
    rb_image *img = rb_image_generate(&p, err, sizeof err);
    if (!img) {
        fprintf(stderr, "generate: %s\n", err);
        exit(2);
    }
    return img;
}

static char tmpdir[256];

static char *tpath(const char *name)
{
    return rb_asprintf("%s/%s", tmpdir, name);
}

static void test_layout_and_archive(void)
{
    rb_image *a = gen(1, 6, "linux/amd64"), *b = gen(2, 6, "linux/arm64");
    rb_image *imgs[2] = {a, b};
    const char *refs[2] = {"a", "b"};
    char *dir = tpath("lay"), err[512] = "";
    CHECKF(rb_layout_write(dir, imgs, refs, 2, NULL, NULL, 0, NULL, NULL, err, sizeof err) == 0, "%s", err);
    rb_opened o;
    /* two refs, none chosen: the error lists them */
    CHECK(rb_image_open(dir, NULL, &o, err, sizeof err) < 0);
    CHECKF(strstr(err, dir) && strstr(err, "a, b") && strstr(err, "ref="), "%s", err);
    rb_open_opts opt = {.ref = "b"};
    CHECKF(rb_image_open(dir, &opt, &o, err, sizeof err) == 0, "%s", err);
    CHECK(o.image && !o.index);
    CHECK(strcmp(o.kind, "oci-layout") == 0 && strcmp(o.ref, "b") == 0);
    CHECK(strcmp(o.image->manifest.digest, b->manifest.digest) == 0);
    CHECK(strcmp(o.image->config.digest, b->config.digest) == 0);
    CHECK(o.image->n_layers == 2 && strcmp(o.image->arch, "arm64") == 0);
    CHECK(strcmp(o.image->layers[1].media_type, RB_MT_OCI_LAYER_GZIP) == 0);
    check_layers(o.image);
    rb_opened_free(&o);
    /* by digest; an unknown ref lists the refs */
    opt.ref = a->manifest.digest;
    CHECKF(rb_image_open(dir, &opt, &o, err, sizeof err) == 0, "%s", err);
    CHECK(o.image && strcmp(o.image->manifest.digest, a->manifest.digest) == 0);
    rb_opened_free(&o);
    opt.ref = "nope";
    CHECK(rb_image_open(dir, &opt, &o, err, sizeof err) < 0 && strstr(err, "nope") && strstr(err, "a, b"));

    /* the same layout as an OCI archive, under "./" with a long-named filler member */
    buf t = {0};
    tar_layout(&t, dir, "./");
    char longname[200];
    memset(longname, 'x', 150);
    longname[150] = '\0';
    tar_add(&t, longname, '0', NULL, "hi", 2);
    tar_end(&t);
    char *arch = tpath("oci.tar");
    write_file(arch, t.p, t.n);
    opt.ref = "a";
    CHECKF(rb_image_open(arch, &opt, &o, err, sizeof err) == 0, "%s", err);
    CHECK(o.image && strcmp(o.kind, "oci-archive") == 0);
    CHECK(o.image && strcmp(o.image->manifest.digest, a->manifest.digest) == 0);
    CHECK(o.image && o.image->layers[0].offset > 0 && strcmp(rb_blob_path(&o.image->layers[0]), arch) == 0);
    if (o.image)
        check_layers(o.image);
    rb_opened_free(&o);

    /* truncated in the middle of a blob, or just before the end marker */
    char *trunc = tpath("trunc.tar");
    write_file(trunc, t.p, t.n / 2 + 100);
    CHECK(rb_image_open(trunc, &opt, &o, err, sizeof err) < 0);
    CHECKF(strstr(err, trunc) && strstr(err, "truncated"), "%s", err);
    write_file(trunc, t.p, t.n - 1024);
    CHECK(rb_image_open(trunc, &opt, &o, err, sizeof err) < 0);
    CHECKF(strstr(err, trunc) && strstr(err, "truncated"), "%s", err);

    /* not an archive, not there */
    char *junk = tpath("junk.bin");
    write_file(junk, "hello, world\n", 13);
    CHECK(rb_image_open(junk, NULL, &o, err, sizeof err) < 0);
    CHECKF(strstr(err, junk) && strstr(err, "not an OCI layout"), "%s", err);
    char *none = tpath("none");
    CHECK(rb_image_open(none, NULL, &o, err, sizeof err) < 0 && strstr(err, none));
    CHECK(rb_image_open(tmpdir, NULL, &o, err, sizeof err) < 0 && strstr(err, "oci-layout"));

    /* a corrupt layer (same size): trusted by default, caught with verify */
    char *blob = rb_asprintf("%s/blobs/sha256/%s", dir, a->layers[1].digest + 7);
    buf lb = read_whole(blob);
    lb.p[lb.n / 2] ^= 0xff;
    write_file(blob, lb.p, lb.n);
    opt.ref = "a";
    CHECKF(rb_image_open(dir, &opt, &o, err, sizeof err) == 0, "%s", err);
    char d[72];
    uint64_t n;
    CHECK(o.image && hash_blob(&o.image->layers[1], d, &n, err, sizeof err) == 0 && strcmp(d, a->layers[1].digest) != 0);
    rb_opened_free(&o);
    opt.verify = 1;
    CHECKF(rb_image_open(dir, &opt, &o, err, sizeof err) == 0, "%s", err);
    CHECK(o.image && hash_blob(&o.image->layers[0], d, &n, err, sizeof err) == 0);
    CHECK(o.image && hash_blob(&o.image->layers[1], d, &n, err, sizeof err) < 0);
    CHECKF(strstr(err, a->layers[1].digest) && strstr(err, blob) && strstr(err, "verify"), "%s", err);
    rb_opened_free(&o);
    opt.verify = 0;
    /* a missing layer blob */
    unlink(blob);
    CHECK(rb_image_open(dir, &opt, &o, err, sizeof err) < 0);
    CHECKF(strstr(err, blob) && strstr(err, "missing"), "%s", err);
    /* a corrupt manifest is always caught */
    free(lb.p);
    free(blob);
    free(t.p);
    free(dir);
    free(arch);
    free(trunc);
    free(junk);
    free(none);
    rb_image_unref(a);
    rb_image_unref(b);
}

static void test_index(void)
{
    rb_image *a = gen(3, 6, "linux/amd64"), *b = gen(4, 6, "linux/arm64/v8");
    rb_image *imgs[2] = {a, b};
    char err[512] = "";
    rb_index *ix = rb_index_build(RB_FORMAT_OCI, imgs, 2, err, sizeof err);
    CHECKF(ix, "%s", err);
    const char *iref = "multi";
    char *dir = tpath("ixlay");
    CHECKF(rb_layout_write(dir, NULL, NULL, 0, &ix, &iref, 1, NULL, NULL, err, sizeof err) == 0, "%s", err);
    rb_opened o;
    CHECKF(rb_image_open(dir, NULL, &o, err, sizeof err) == 0, "%s", err);
    CHECK(o.index && !o.image);
    if (o.index) {
        CHECK(strcmp(o.index->manifest.digest, ix->manifest.digest) == 0);
        CHECK(strcmp(o.index->manifest.media_type, RB_MT_OCI_INDEX) == 0);
        CHECK(o.index->n_images == 2);
        CHECK(strcmp(o.index->images[1]->manifest.digest, b->manifest.digest) == 0);
        CHECK(strcmp(o.index->images[1]->arch, "arm64") == 0 && strcmp(o.index->images[1]->variant, "v8") == 0);
        check_layers(o.index->images[0]);
        check_layers(o.index->images[1]);
    }
    rb_opened_free(&o);
    free(dir);
    rb_index_unref(ix);
    rb_image_unref(a);
    rb_image_unref(b);
}

/* The whole of a layer's stored (uncompressed=0) or tar (1) bytes. */
static buf layer_bytes(const rb_blob *b, int uncompressed)
{
    buf out = {0};
    rb_layer_reader *r = rb_layer_reader_open(b->layer, uncompressed);
    unsigned char tmp[65536];
    size_t n;
    while ((n = rb_layer_read(r, tmp, sizeof tmp)) > 0)
        buf_add(&out, tmp, n);
    rb_layer_reader_close(r);
    return out;
}

static void test_docker_save(void)
{
    rb_image *a = gen(5, 6, "linux/amd64");
    const rb_layer_info *l0 = rb_layer_get_info(a->layers[0].layer), *l1 = rb_layer_get_info(a->layers[1].layer);
    buf tar0 = layer_bytes(&a->layers[0], 1), gz1 = layer_bytes(&a->layers[1], 0);
    char cfg[1024];
    snprintf(cfg, sizeof cfg,
             "{\"architecture\":\"arm64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\",\"%s\"]}}",
             l0->diff_id, l1->diff_id);
    char man[1024];
    snprintf(man, sizeof man,
             "[{\"Config\":\"cfg.json\",\"RepoTags\":[\"docker.io/library/app:1\"],"
             "\"Layers\":[\"aaa/layer.tar\",\"bbb/layer.tar\"]}]");
    buf t = {0};
    tar_add(&t, "cfg.json", '0', NULL, cfg, strlen(cfg));
    tar_add(&t, "l0.tar", '0', NULL, tar0.p, tar0.n);
    tar_add(&t, "aaa", '5', NULL, "", 0);
    tar_add(&t, "aaa/layer.tar", '2', "../l0.tar", "", 0);
    tar_add(&t, "bbb/layer.tar", '0', NULL, gz1.p, gz1.n);
    tar_add(&t, "manifest.json", '0', NULL, man, strlen(man));
    tar_end(&t);
    char *path = tpath("docker.tar"), err[512] = "";
    write_file(path, t.p, t.n);
    rb_opened o;
    rb_open_opts opt = {.ref = "app:1"};
    CHECKF(rb_image_open(path, &opt, &o, err, sizeof err) == 0, "%s", err);
    CHECK(o.image && strcmp(o.kind, "docker-archive") == 0);
    if (o.image) {
        const rb_image *img = o.image;
        CHECK(img->format == RB_FORMAT_DOCKER && strcmp(img->manifest.media_type, RB_MT_DOCKER_MANIFEST) == 0);
        CHECK(strcmp(img->arch, "arm64") == 0);
        CHECK(strcmp(img->layers[0].digest, l0->diff_id) == 0 && img->layers[0].size == tar0.n);
        CHECK(strcmp(img->layers[0].media_type, RB_MT_DOCKER_LAYER_TAR) == 0);
        CHECK(strcmp(img->layers[1].digest, l1->digest) == 0); /* gzip: hashed while opening */
        CHECK(strcmp(img->layers[1].media_type, RB_MT_DOCKER_LAYER_GZIP) == 0);
        CHECK(o.hashed == 1);
        check_layers(img);
        char cd[65];
        rb_sha256_hex(cfg, strlen(cfg), cd);
        CHECK(strcmp(img->config.digest + 7, cd) == 0);
        json_t *m = json_loadb((const char *)img->manifest.data, (size_t)img->manifest.size, 0, NULL);
        CHECK(json_integer_value(json_object_get(m, "schemaVersion")) == 2);
        CHECK(json_array_size(json_object_get(m, "layers")) == 2);
        CHECK(strcmp(json_string_value(json_object_get(json_object_get(m, "config"), "digest")), img->config.digest) == 0);
        json_decref(m);
    }
    rb_opened_free(&o);
    CHECK(rb_image_open(path, NULL, &o, err, sizeof err) == 0); /* the only image */
    rb_opened_free(&o);
    opt.ref = "other:2";
    CHECK(rb_image_open(path, &opt, &o, err, sizeof err) < 0);
    CHECKF(strstr(err, path) && strstr(err, "docker.io/library/app:1"), "%s", err);
    free(path);
    free(t.p);
    free(tar0.p);
    free(gz1.p);
    rb_image_unref(a);
}

/* The newer docker save: an OCI layout in the tar (index.json entries named
 * by io.containerd.image.name) plus a manifest.json; opened as the layout. */
static void test_docker_save_oci(void)
{
    rb_image *a = gen(6, 6, "linux/amd64");
    const char *refs[1] = {"2"};
    char *dir = tpath("dlay"), err[512] = "";
    CHECKF(rb_layout_write(dir, &a, refs, 1, NULL, NULL, 0, NULL, NULL, err, sizeof err) == 0, "%s", err);
    char *ij = rb_asprintf("%s/index.json", dir);
    json_t *idx = json_load_file(ij, 0, NULL);
    json_t *ann = json_object_get(json_array_get(json_object_get(idx, "manifests"), 0), "annotations");
    json_object_set_new(ann, "io.containerd.image.name", json_string("docker.io/library/app:2"));
    json_dump_file(idx, ij, 0);
    json_decref(idx);
    buf t = {0};
    tar_layout(&t, dir, "");
    const char *man = "[{\"Config\":\"blobs/sha256/x\",\"RepoTags\":[\"app:2\"],\"Layers\":[]}]";
    tar_add(&t, "manifest.json", '0', NULL, man, strlen(man));
    tar_end(&t);
    char *path = tpath("docker-oci.tar");
    write_file(path, t.p, t.n);
    rb_opened o;
    rb_open_opts opt = {.ref = "app:2"};
    CHECKF(rb_image_open(path, &opt, &o, err, sizeof err) == 0, "%s", err);
    CHECK(o.image && strcmp(o.kind, "docker-archive") == 0 && strcmp(o.ref, "2") == 0);
    CHECK(o.image && strcmp(o.image->manifest.digest, a->manifest.digest) == 0);
    if (o.image)
        check_layers(o.image);
    rb_opened_free(&o);
    free(t.p);
    free(path);
    free(ij);
    free(dir);
    rb_image_unref(a);
}

/* Pax headers: a path record renames the next member; malformed records
 * (a length shorter than its own digits, found by fuzz_tar) are ignored. */
static void test_pax(void)
{
    buf t = {0};
    const char *pax = "31 path=dir/renamed-index.json\n";
    tar_raw(&t, "PaxHeaders/x", 'x', NULL, pax, strlen(pax));
    tar_raw(&t, "short", '0', NULL, "{}", 2);
    tar_raw(&t, "PaxHeaders/y", 'x', NULL, "2 x=y\n", 6);
    tar_raw(&t, "junk.txt", '0', NULL, "hi", 2);
    tar_end(&t);
    char *path = tpath("pax.tar"), err[512] = "";
    write_file(path, t.p, t.n);
    rb_opened o;
    CHECK(rb_image_open(path, NULL, &o, err, sizeof err) < 0);
    CHECKF(strstr(err, "neither an OCI archive"), "%s", err); /* indexed fine, just not an image */
    free(path);
    free(t.p);
}

/* rb_blob_send: what an unverified FILE blob sends, and what it refuses. */
static void test_send(void)
{
    enum { PRE = 1000, SIZE = 200000, TOTAL = PRE + SIZE + 500 };
    unsigned char *d = malloc(TOTAL);
    for (size_t i = 0; i < TOTAL; i++)
        d[i] = (unsigned char)(i * 13 + (i >> 9));
    char *src = tpath("send-src"), *dst = tpath("send-dst");
    write_file(src, d, TOTAL);
    char digest[72], hex[65], err[512];
    rb_sha256_hex(d + PRE, SIZE, hex);
    snprintf(digest, sizeof digest, "sha256:%s", hex);
    rb_blob b, v, m;
    rb_blob_from_file(&b, src, PRE, SIZE, digest, NULL, 0);
    rb_blob_from_file(&v, src, PRE, SIZE, digest, NULL, 1);
    rb_blob_from_bytes(&m, "abc", 3, NULL);
    rb_blob_reader *r = rb_blob_open(&b, err, sizeof err), *rv = rb_blob_open(&v, err, sizeof err),
                   *rm = rb_blob_open(&m, err, sizeof err);
    CHECK(r && rv && rm);
    CHECK(rb_blob_can_send(r) && !rb_blob_can_send(rv) && !rb_blob_can_send(rm));
    CHECK(rb_blob_send(rv, 1, 0, 10) == 0 && rb_blob_send(rm, 1, 0, 3) == 0);

    /* the whole range in pieces, then a piece again from an offset (a resend) */
    FILE *out = fopen(dst, "w+");
    CHECK(out != NULL);
    int ofd = fileno(out);
    uint64_t pos = 0;
    ssize_t k = 0;
    while (pos < SIZE && (k = rb_blob_send(r, ofd, pos, 70000)) > 0)
        pos += (uint64_t)k;
    CHECKF(pos == SIZE, "sent %llu of %d (%s)", (unsigned long long)pos, SIZE, rb_blob_error(r));
    CHECK(rb_blob_send(r, ofd, SIZE, 10) == 0);   /* at the end: nothing */
    CHECK(rb_blob_send(r, ofd, 50000, 10) == 10);
    fflush(out);
    buf got = read_whole(dst);
    CHECKF(got.n == SIZE + 10 && memcmp(got.p, d + PRE, SIZE) == 0 && memcmp(got.p + SIZE, d + PRE + 50000, 10) == 0,
           "rb_blob_send wrote %zu bytes, not the range", got.n);
    free(got.p);
    fclose(out);
    rb_blob_close(r);

    /* a file shorter than the blob: 0, and the error names the file and where it ended */
    rb_blob short_b;
    rb_blob_from_file(&short_b, src, PRE, TOTAL, digest, NULL, 0);
    r = rb_blob_open(&short_b, err, sizeof err);
    int nul = open("/dev/null", O_WRONLY);
    pos = 0;
    while ((k = rb_blob_send(r, nul, pos, 1 << 20)) > 0)
        pos += (uint64_t)k;
    CHECKF(k == 0 && pos == TOTAL - PRE && strstr(rb_blob_error(r), src) && strstr(rb_blob_error(r), "ended after 200500 of"),
           "short file: %zd at %llu: %s", k, (unsigned long long)pos, rb_blob_error(r));
    close(nul);
    rb_blob_close(r);
    rb_blob_close(rv);
    rb_blob_close(rm);
    rb_blob_release(&short_b);
    rb_blob_release(&b);
    rb_blob_release(&v);
    rb_blob_release(&m);
    free(src);
    free(dst);
    free(d);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/rb-test-open-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    rb_gen_set_cache_dir("");
    test_layout_and_archive();
    test_index();
    test_docker_save();
    test_docker_save_oci();
    test_pax();
    test_send();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return rbtest_done("test_open");
}
