/* gen_image: image configs, manifests and multi-platform indexes around
 * generated layers, in OCI or Docker schema 2 form. Documents are canonical:
 * compact JSON with a fixed key order and no changing timestamps (the fixed
 * date 2020-01-01), so the same inputs give byte-identical blobs. */
#include "gen_internal.h"
#include "util/rb_util.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_CREATED "2020-01-01T00:00:00Z"
#define GEN_MAX_LAYERS 10000
#define GEN_DOCKER_ZSTD "compression: zstd layers cannot go in a Docker schema 2 image (it has no zstd " \
                        "layer media type); use format \"oci\", or gzip or none"

void rb_image_params_init(rb_image_params *p)
{
    memset(p, 0, sizeof *p);
    p->format = RB_FORMAT_OCI;
    p->layers = 1;
    p->layer_size = 1u << 20;
    p->level = 6;
    p->compressibility = 0.5;
}

int rb_parse_platform(const char *s, char *os, char *arch, char *variant, char *err, size_t errlen)
{
    const char *accepted = "use \"os/arch\" or \"os/arch/variant\", e.g. \"linux/amd64\" or \"linux/arm64/v8\"";
    if (!s)
        s = "linux/amd64";
    char buf[100];
    if (strlen(s) >= sizeof buf)
        return rb_err(err, errlen, "platform: \"%.40s...\" is too long; %s", s, accepted);
    snprintf(buf, sizeof buf, "%s", s);
    char *parts[4] = {0};
    int n = 0;
    for (char *save = NULL, *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (n == 3)
            return rb_err(err, errlen, "platform: \"%s\" has too many parts; %s", s, accepted);
        parts[n++] = t;
    }
    if (n < 2)
        return rb_err(err, errlen, "platform: \"%s\" is not accepted; %s", s, accepted);
    for (int i = 0; i < n; i++) {
        if (strlen(parts[i]) >= 32)
            return rb_err(err, errlen, "platform: \"%s\" has a part longer than 31 characters", s);
        for (const char *c = parts[i]; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' ||
                  *c == '.'))
                return rb_err(err, errlen, "platform: \"%s\" has a bad character '%c'; %s", s, *c, accepted);
    }
    snprintf(os, 32, "%s", parts[0]);
    snprintf(arch, 32, "%s", parts[1]);
    snprintf(variant, 32, "%s", n == 3 ? parts[2] : "");
    return 0;
}

int rb_parse_compression(const char *s, rb_compression *comp, int *level, char *err, size_t errlen)
{
    if (s && strcmp(s, "none") == 0) {
        *comp = RB_COMP_GZIP;
        *level = RB_GEN_NONE;
        return 0;
    }
    if (s && strcmp(s, "gzip") == 0) {
        *comp = RB_COMP_GZIP;
        *level = RB_GZIP_DEFAULT_LEVEL;
        return 0;
    }
    if (s && strcmp(s, "zstd") == 0) {
        *comp = RB_COMP_ZSTD;
        *level = RB_ZSTD_DEFAULT_LEVEL;
        return 0;
    }
    if (s && s[0] >= '0' && s[0] <= '9' && s[1] == '\0') { /* the older spelling: a gzip level */
        *comp = RB_COMP_GZIP;
        *level = s[0] - '0';
        return 0;
    }
    return rb_err(err, errlen, "compression: \"%s\" is not accepted; use \"gzip\", \"zstd\", \"none\" "
                  "or a gzip level 0-9", s ? s : "");
}

/* Dumps j canonically (compact, insertion order) into a BYTES blob. */
static void json_blob(rb_blob *out, json_t *j, const char *media_type)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!s) {
        fprintf(stderr, "regbench: out of memory dumping JSON\n");
        abort();
    }
    rb_blob_from_bytes(out, s, strlen(s), media_type);
    free(s);
    json_decref(j);
}

static json_t *descriptor(const rb_blob *b)
{
    json_t *d = json_object();
    json_object_set_new(d, "mediaType", json_string(b->media_type));
    json_object_set_new(d, "digest", json_string(b->digest));
    json_object_set_new(d, "size", json_integer((json_int_t)b->size));
    return d;
}

/* Builds config and manifest for img (layers already set). */
static void image_documents(rb_image *img, uint64_t seed)
{
    int docker = img->format == RB_FORMAT_DOCKER;
    json_t *cfg = json_object();
    json_object_set_new(cfg, "created", json_string(GEN_CREATED));
    json_object_set_new(cfg, "architecture", json_string(img->arch));
    json_object_set_new(cfg, "os", json_string(img->os));
    if (img->variant[0])
        json_object_set_new(cfg, "variant", json_string(img->variant));
    json_t *c = json_object();
    json_object_set_new(c, "Env", json_pack("[s]", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    char sbuf[32];
    snprintf(sbuf, sizeof sbuf, "%" PRIu64, seed);
    json_object_set_new(c, "Labels", json_pack("{s:s,s:s}", "org.regbench.generator", GEN_VERSION,
                                               "org.regbench.seed", sbuf));
    json_object_set_new(cfg, "config", c);
    json_t *diff = json_array();
    json_t *hist = json_array();
    for (size_t i = 0; i < img->n_layers; i++) {
        const rb_layer_info *li = rb_layer_get_info(img->layers[i].layer);
        json_array_append_new(diff, json_string(li->diff_id));
        json_t *h = json_object();
        json_object_set_new(h, "created", json_string(GEN_CREATED));
        json_object_set_new(h, "created_by", json_string("regbench gen"));
        json_array_append_new(hist, h);
    }
    json_t *rootfs = json_object();
    json_object_set_new(rootfs, "type", json_string("layers"));
    json_object_set_new(rootfs, "diff_ids", diff);
    json_object_set_new(cfg, "rootfs", rootfs);
    json_object_set_new(cfg, "history", hist);
    json_blob(&img->config, cfg, docker ? RB_MT_DOCKER_CONFIG : RB_MT_OCI_CONFIG);

    json_t *m = json_object();
    json_object_set_new(m, "schemaVersion", json_integer(2));
    json_object_set_new(m, "mediaType", json_string(docker ? RB_MT_DOCKER_MANIFEST : RB_MT_OCI_MANIFEST));
    json_object_set_new(m, "config", descriptor(&img->config));
    json_t *ls = json_array();
    for (size_t i = 0; i < img->n_layers; i++)
        json_array_append_new(ls, descriptor(&img->layers[i]));
    json_object_set_new(m, "layers", ls);
    json_blob(&img->manifest, m, docker ? RB_MT_DOCKER_MANIFEST : RB_MT_OCI_MANIFEST);
}

rb_image *rb_image_from_layers(rb_format f, rb_layer *const *layers, size_t n, const char *platform,
                               uint64_t seed, char *err, size_t errlen)
{
    if (f != RB_FORMAT_OCI && f != RB_FORMAT_DOCKER) {
        rb_err(err, errlen, "format: not accepted; use \"oci\" or \"docker\"");
        return NULL;
    }
    if (n < 1 || n > GEN_MAX_LAYERS) {
        rb_err(err, errlen, "layers: %zu is not accepted; use 1 to %d", n, GEN_MAX_LAYERS);
        return NULL;
    }
    if (f == RB_FORMAT_DOCKER)
        for (size_t i = 0; i < n; i++) {
            const rb_layer_params *lp = &rb_layer_get_info(layers[i])->params;
            if (lp->compression == RB_COMP_ZSTD && lp->level != RB_GEN_NONE) {
                rb_err(err, errlen, "%s", GEN_DOCKER_ZSTD);
                return NULL;
            }
        }
    rb_image *img = rb_calloc(1, sizeof *img);
    if (rb_parse_platform(platform, img->os, img->arch, img->variant, err, errlen) < 0) {
        free(img);
        return NULL;
    }
    img->refs = 1;
    img->format = f;
    img->n_layers = n;
    img->layers = rb_calloc(n, sizeof *img->layers);
    for (size_t i = 0; i < n; i++)
        rb_blob_from_layer(&img->layers[i], layers[i], f);
    image_documents(img, seed);
    return img;
}

rb_image *rb_image_generate(const rb_image_params *p, char *err, size_t errlen)
{
    if (p->layers < 1 || p->layers > GEN_MAX_LAYERS) {
        rb_err(err, errlen, "layers: %zu is not accepted; use 1 to %d", p->layers, GEN_MAX_LAYERS);
        return NULL;
    }
    if (p->format == RB_FORMAT_DOCKER && p->compression == RB_COMP_ZSTD && p->level != RB_GEN_NONE) {
        rb_err(err, errlen, "%s", GEN_DOCKER_ZSTD); /* before any layer is made */
        return NULL;
    }
    if (p->n_shared > p->layers) {
        rb_err(err, errlen, "shared: %zu shared layers but layers = %zu; layers counts the shared ones too",
               p->n_shared, p->layers);
        return NULL;
    }
    char os[32], arch[32], variant[32];
    if (rb_parse_platform(p->platform, os, arch, variant, err, errlen) < 0)
        return NULL;
    size_t n = p->layers;
    rb_layer **ls = rb_calloc(n, sizeof *ls);
    rb_image *img = NULL;
    size_t made = 0;
    for (size_t i = 0; i < p->n_shared; i++)
        ls[made++] = rb_layer_ref(p->shared[i]);
    for (size_t j = 0; made < n; j++) {
        rb_layer_params lp;
        rb_layer_params_init(&lp);
        lp.size = p->layer_sizes ? p->layer_sizes[j] : p->layer_size;
        lp.level = p->level;
        lp.compression = p->compression;
        lp.compressibility = p->compressibility;
        lp.files = p->files;
        lp.seed = rb_gen_derive_seed(p->seed, j);
        ls[made] = rb_layer_new(&lp, err, errlen);
        if (!ls[made])
            goto out;
        made++;
    }
    img = rb_image_from_layers(p->format, ls, n, p->platform, p->seed, err, errlen);
out:
    for (size_t i = 0; i < made; i++)
        rb_layer_unref(ls[i]);
    free(ls);
    return img;
}

rb_image *rb_image_ref(rb_image *img)
{
    gen_ref_inc(&img->refs);
    return img;
}

void rb_image_unref(rb_image *img)
{
    if (!img || !gen_ref_dec(&img->refs))
        return;
    rb_blob_release(&img->manifest);
    rb_blob_release(&img->config);
    for (size_t i = 0; i < img->n_layers; i++)
        rb_blob_release(&img->layers[i]);
    free(img->layers);
    free(img);
}

rb_index *rb_index_build(rb_format f, rb_image *const *images, size_t n, char *err, size_t errlen)
{
    if (n < 1) {
        rb_err(err, errlen, "index: needs at least one image");
        return NULL;
    }
    int docker = f == RB_FORMAT_DOCKER;
    json_t *ms = json_array();
    for (size_t i = 0; i < n; i++) {
        if (images[i]->format != f) {
            json_decref(ms);
            rb_err(err, errlen, "index: image %zu is in another format than the index (%s)", i + 1,
                   docker ? "docker" : "oci");
            return NULL;
        }
        json_t *d = descriptor(&images[i]->manifest);
        json_t *pf = json_object();
        json_object_set_new(pf, "architecture", json_string(images[i]->arch));
        json_object_set_new(pf, "os", json_string(images[i]->os));
        if (images[i]->variant[0])
            json_object_set_new(pf, "variant", json_string(images[i]->variant));
        json_object_set_new(d, "platform", pf);
        json_array_append_new(ms, d);
    }
    json_t *j = json_object();
    json_object_set_new(j, "schemaVersion", json_integer(2));
    json_object_set_new(j, "mediaType", json_string(docker ? RB_MT_DOCKER_LIST : RB_MT_OCI_INDEX));
    json_object_set_new(j, "manifests", ms);
    rb_index *ix = rb_calloc(1, sizeof *ix);
    ix->refs = 1;
    ix->format = f;
    json_blob(&ix->manifest, j, docker ? RB_MT_DOCKER_LIST : RB_MT_OCI_INDEX);
    ix->n_images = n;
    ix->images = rb_calloc(n, sizeof *ix->images);
    for (size_t i = 0; i < n; i++)
        ix->images[i] = rb_image_ref(images[i]);
    return ix;
}

rb_index *rb_index_ref(rb_index *ix)
{
    gen_ref_inc(&ix->refs);
    return ix;
}

void rb_index_unref(rb_index *ix)
{
    if (!ix || !gen_ref_dec(&ix->refs))
        return;
    rb_blob_release(&ix->manifest);
    for (size_t i = 0; i < ix->n_images; i++)
        rb_image_unref(ix->images[i]);
    free(ix->images);
    free(ix);
}
