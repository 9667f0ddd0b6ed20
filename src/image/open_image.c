/* open_image: rb_image_open (rb_open.h). A "source" hides where files live:
 * a directory (an OCI layout: names are paths under it) or a tar (names are
 * members, found through the tar index; a blob is the member's byte range).
 * Over a source, an OCI layout is read the same way whatever holds it:
 * oci-layout, index.json, the picked manifest or index, configs, then each
 * layer becomes a FILE blob after its existence and size are checked. A tar
 * with manifest.json and no index.json is a classic docker save, converted to
 * a Docker schema 2 manifest over the archive's layer tars. */
#include "image/rb_open.h"
#include "image/rb_manifest.h"
#include "tar_index.h"
#include "util/rb_digest.h"
#include "util/rb_util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REF_ANNOTATION "org.opencontainers.image.ref.name"
#define NAME_ANNOTATION "io.containerd.image.name" /* the full name, in docker save's index.json */
#define MAX_REFS_LISTED 20

typedef struct source {
    const char *path; /* the directory or the tar */
    int is_tar;
    int fd;           /* tar: open; -1 otherwise */
    tar_index tar;
    int verify;
} source;

/* Locates name: *file is the file to read (a path built into buf, or the tar),
 * *off and *size its byte range. 0, or -1 + err naming what is missing. */
static int src_locate(source *s, const char *name, char *buf, size_t buflen, const char **file, uint64_t *off,
                      uint64_t *size, char *err, size_t errlen)
{
    if (s->is_tar) {
        const tar_entry *e = tar_find(&s->tar, name);
        if (!e)
            return rb_err(err, errlen, "%s: no %s in the archive", s->path, name);
        *file = s->path;
        *off = e->offset;
        *size = e->size;
        return 0;
    }
    if (strstr(name, "..")) /* names come from the files themselves: stay inside the layout */
        return rb_err(err, errlen, "%s: refusing the path %s (leaves the layout)", s->path, name);
    int k = snprintf(buf, buflen, "%s/%s", s->path, name);
    if (k < 0 || (size_t)k >= buflen)
        return rb_err(err, errlen, "%s: path too long: %s", s->path, name);
    struct stat st;
    if (stat(buf, &st) < 0)
        return rb_err(err, errlen, "%s: %s", buf, errno == ENOENT ? "missing (no such file)" : strerror(errno));
    if (!S_ISREG(st.st_mode))
        return rb_err(err, errlen, "%s: not a regular file", buf);
    *file = buf;
    *off = 0;
    *size = (uint64_t)st.st_size;
    return 0;
}

/* Reads the whole of name (at most cap bytes) into a new NUL-terminated
 * buffer. NULL + err. */
static char *src_read(source *s, const char *name, size_t cap, size_t *len, char *err, size_t errlen)
{
    char buf[4096];
    const char *file;
    uint64_t off, size;
    if (src_locate(s, name, buf, sizeof buf, &file, &off, &size, err, errlen) < 0)
        return NULL;
    if (size > cap) {
        rb_err(err, errlen, "%s: %s is %llu bytes, more than the %zu accepted for a document", s->path, name,
               (unsigned long long)size, cap);
        return NULL;
    }
    int fd = s->is_tar ? s->fd : open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rb_err(err, errlen, "%s: %s", file, strerror(errno));
        return NULL;
    }
    char *d = rb_malloc((size_t)size + 1);
    size_t done = 0;
    for (int tries = 0; done < size && tries < 1000; tries++) {
        ssize_t k = pread(fd, d + done, (size_t)size - done, (off_t)(off + done));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        done += (size_t)k;
    }
    if (!s->is_tar)
        close(fd);
    if (done != size) {
        free(d);
        rb_err(err, errlen, "%s: cannot read %s (%zu of %llu bytes)", file, name, done, (unsigned long long)size);
        return NULL;
    }
    d[size] = '\0';
    *len = (size_t)size;
    return d;
}

/* "blobs/<alg>/<hex>" for a digest; -1 if the digest is not a valid sha256. */
static int blob_name(const char *digest, char *buf, size_t len)
{
    if (!rb_digest_valid(digest))
        return -1;
    snprintf(buf, len, "blobs/sha256/%s", digest + 7);
    return 0;
}

/* Reads a small blob by descriptor, checks its size and digest, and makes a
 * BYTES blob of it. 0, or -1 + err. */
static int read_doc(source *s, const char *digest, int64_t size, const char *media_type, rb_blob *out,
                    char *err, size_t errlen)
{
    char name[128];
    if (blob_name(digest, name, sizeof name) < 0)
        return rb_err(err, errlen, "%s: bad digest %s", s->path, digest);
    size_t len;
    char *d = src_read(s, name, RB_OPEN_MAX_DOC, &len, err, errlen);
    if (!d)
        return -1;
    if (size >= 0 && (uint64_t)size != len) {
        free(d);
        return rb_err(err, errlen, "%s: %s is %zu bytes but its descriptor says %lld", s->path, name, len,
                      (long long)size);
    }
    rb_blob_from_bytes(out, d, len, media_type);
    free(d);
    if (strcmp(out->digest, digest) != 0) {
        char got[72];
        snprintf(got, sizeof got, "%s", out->digest);
        rb_blob_release(out);
        return rb_err(err, errlen, "%s: %s hashes to %s, not its name (corrupt blob)", s->path, name, got);
    }
    return 0;
}

/* Makes a FILE blob for a layer descriptor after checking the blob is there
 * with the stated size. */
static int layer_blob(source *s, const rb_descriptor *d, rb_blob *out, char *err, size_t errlen)
{
    char name[128], buf[4096];
    if (blob_name(d->digest, name, sizeof name) < 0)
        return rb_err(err, errlen, "%s: bad layer digest %s", s->path, d->digest);
    const char *file;
    uint64_t off, size;
    if (src_locate(s, name, buf, sizeof buf, &file, &off, &size, err, errlen) < 0)
        return -1;
    if (size != (uint64_t)d->size)
        return rb_err(err, errlen, "%s: %s is %llu bytes but the manifest says %lld", s->is_tar ? s->path : file,
                      name, (unsigned long long)size, (long long)d->size);
    rb_blob_from_file(out, file, off, size, d->digest, d->media_type, s->verify);
    return 0;
}

static void set_platform(rb_image *img, const char *os, const char *arch, const char *variant)
{
    snprintf(img->os, sizeof img->os, "%s", os && *os ? os : "unknown");
    snprintf(img->arch, sizeof img->arch, "%s", arch && *arch ? arch : "unknown");
    snprintf(img->variant, sizeof img->variant, "%s", variant ? variant : "");
}

/* Takes os/architecture/variant from a config document. */
static void platform_from_config(rb_image *img, const rb_blob *config)
{
    json_t *j = json_loadb((const char *)config->data, (size_t)config->size, 0, NULL);
    set_platform(img, json_string_value(json_object_get(j, "os")), json_string_value(json_object_get(j, "architecture")),
                 json_string_value(json_object_get(j, "variant")));
    json_decref(j);
}

static rb_image *image_new(void)
{
    rb_image *img = rb_calloc(1, sizeof *img);
    img->refs = 1;
    return img;
}

/* Loads the image manifest named by descriptor d (platform from d when it has one). */
static rb_image *load_image(source *s, const rb_descriptor *d, char *err, size_t errlen)
{
    rb_image *img = image_new();
    const char *mt = d->media_type[0] ? d->media_type : RB_MT_OCI_MANIFEST;
    if (read_doc(s, d->digest, d->size, mt, &img->manifest, err, errlen) < 0)
        goto fail;
    rb_manifest m;
    char perr[256];
    if (rb_manifest_parse((const char *)img->manifest.data, (size_t)img->manifest.size, mt, &m, perr,
                          sizeof perr) < 0) {
        rb_err(err, errlen, "%s: manifest %s: %s", s->path, d->digest, perr);
        goto fail;
    }
    if (m.is_index) {
        rb_manifest_free(&m);
        rb_err(err, errlen, "%s: %s is an index inside an index; nested indexes are not supported", s->path,
               d->digest);
        goto fail;
    }
    /* The manifest's own media type, when it names one, is what the registry must be told. */
    snprintf(img->manifest.media_type, sizeof img->manifest.media_type, "%s", m.media_type[0] ? m.media_type : mt);
    img->format = strstr(img->manifest.media_type, "docker") ? RB_FORMAT_DOCKER : RB_FORMAT_OCI;
    if (read_doc(s, m.config.digest, m.config.size, m.config.media_type, &img->config, err, errlen) < 0) {
        rb_manifest_free(&m);
        goto fail;
    }
    img->layers = rb_calloc(m.n_layers ? m.n_layers : 1, sizeof *img->layers);
    for (size_t i = 0; i < m.n_layers; i++) {
        if (layer_blob(s, &m.layers[i], &img->layers[i], err, errlen) < 0) {
            rb_manifest_free(&m);
            goto fail;
        }
        img->n_layers = i + 1;
    }
    rb_manifest_free(&m);
    if (d->has_platform)
        set_platform(img, d->os, d->arch, d->variant);
    else
        platform_from_config(img, &img->config);
    return img;
fail:
    rb_image_unref(img);
    return NULL;
}

/* Loads an index and every image it lists. */
static rb_index *load_index(source *s, const rb_descriptor *d, char *err, size_t errlen)
{
    rb_index *ix = rb_calloc(1, sizeof *ix);
    ix->refs = 1;
    const char *mt = d->media_type[0] ? d->media_type : RB_MT_OCI_INDEX;
    rb_manifest m;
    memset(&m, 0, sizeof m);
    char perr[256];
    if (read_doc(s, d->digest, d->size, mt, &ix->manifest, err, errlen) < 0)
        goto fail;
    if (rb_manifest_parse((const char *)ix->manifest.data, (size_t)ix->manifest.size, mt, &m, perr, sizeof perr) < 0) {
        rb_err(err, errlen, "%s: index %s: %s", s->path, d->digest, perr);
        goto fail;
    }
    snprintf(ix->manifest.media_type, sizeof ix->manifest.media_type, "%s", m.media_type[0] ? m.media_type : mt);
    ix->format = strstr(ix->manifest.media_type, "docker") ? RB_FORMAT_DOCKER : RB_FORMAT_OCI;
    ix->images = rb_calloc(m.n_manifests ? m.n_manifests : 1, sizeof *ix->images);
    for (size_t i = 0; i < m.n_manifests; i++) {
        ix->images[i] = load_image(s, &m.manifests[i], err, errlen);
        if (!ix->images[i])
            goto fail;
        ix->n_images = i + 1;
    }
    rb_manifest_free(&m);
    return ix;
fail:
    rb_manifest_free(&m);
    rb_index_unref(ix);
    return NULL;
}

/* The string value of j's field k, or "". */
static const char *str_field(json_t *j, const char *k)
{
    const char *v = json_string_value(json_object_get(j, k));
    return v ? v : "";
}

/* Fills d from a JSON descriptor; -1 if it lacks a valid digest. */
static int json_descriptor(json_t *j, rb_descriptor *d)
{
    memset(d, 0, sizeof *d);
    const char *dg = json_string_value(json_object_get(j, "digest"));
    const char *mt = json_string_value(json_object_get(j, "mediaType"));
    json_t *sz = json_object_get(j, "size");
    if (!dg || !rb_digest_valid(dg) || !json_is_integer(sz) || json_integer_value(sz) < 0)
        return -1;
    snprintf(d->digest, sizeof d->digest, "%s", dg);
    snprintf(d->media_type, sizeof d->media_type, "%s", mt ? mt : "");
    d->size = json_integer_value(sz);
    json_t *p = json_object_get(j, "platform");
    if (json_is_object(p)) {
        d->has_platform = 1;
        snprintf(d->os, sizeof d->os, "%s", str_field(p, "os"));
        snprintf(d->arch, sizeof d->arch, "%s", str_field(p, "architecture"));
        snprintf(d->variant, sizeof d->variant, "%s", str_field(p, "variant"));
    }
    return 0;
}

/* 1 if tag names ref, also when tag adds the implicit "docker.io/" or
 * "docker.io/library/" that docker and skopeo write. */
static int tag_matches(const char *tag, const char *ref)
{
    static const char *const prefixes[] = {"", "docker.io/", "docker.io/library/"};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
        size_t pl = strlen(prefixes[i]);
        if (strncmp(tag, prefixes[i], pl) == 0 && strcmp(tag + pl, ref) == 0)
            return 1;
    }
    return 0;
}

/* Lists the refs of index.json's entries into buf ("a, b, sha256:..."). */
static void list_refs(json_t *ms, char *buf, size_t len)
{
    buf[0] = '\0';
    size_t n = json_array_size(ms), used = 0;
    for (size_t i = 0; i < n && i < MAX_REFS_LISTED; i++) {
        json_t *e = json_array_get(ms, i);
        const char *r = json_string_value(json_object_get(json_object_get(e, "annotations"), REF_ANNOTATION));
        const char *dg = json_string_value(json_object_get(e, "digest"));
        int k = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", r ? r : (dg ? dg : "?"));
        if (k < 0 || (size_t)k >= len - used)
            return;
        used += (size_t)k;
    }
    if (n > MAX_REFS_LISTED)
        snprintf(buf + used, len - used, ", ... (%zu in all)", n);
}

/* Reads an OCI layout from s. */
static int open_layout(source *s, const rb_open_opts *o, rb_opened *out, char *err, size_t errlen)
{
    size_t len;
    char *d = src_read(s, "oci-layout", 1 << 16, &len, err, errlen);
    if (!d)
        return rb_err(err, errlen, "%s: not an OCI image layout (no oci-layout file)", s->path);
    json_t *lj = json_loadb(d, len, 0, NULL);
    free(d);
    int ok = json_is_string(json_object_get(lj, "imageLayoutVersion"));
    json_decref(lj);
    if (!ok)
        return rb_err(err, errlen, "%s: oci-layout is not {\"imageLayoutVersion\": ...}", s->path);
    d = src_read(s, "index.json", RB_OPEN_MAX_DOC, &len, err, errlen);
    if (!d)
        return -1;
    json_error_t je;
    json_t *ij = json_loadb(d, len, 0, &je);
    free(d);
    json_t *ms = json_object_get(ij, "manifests");
    if (!json_is_array(ms)) {
        json_decref(ij);
        return rb_err(err, errlen, "%s: index.json is not an image index (%s)", s->path,
                      ij ? "no manifests list" : je.text);
    }
    size_t n = json_array_size(ms);
    json_t *pick = NULL;
    if (o->ref && *o->ref) {
        for (size_t i = 0; i < n && !pick; i++) {
            json_t *e = json_array_get(ms, i);
            const char *r = json_string_value(json_object_get(json_object_get(e, "annotations"), REF_ANNOTATION));
            const char *dg = json_string_value(json_object_get(e, "digest"));
            const char *full = json_string_value(json_object_get(json_object_get(e, "annotations"), NAME_ANNOTATION));
            if ((r && strcmp(r, o->ref) == 0) || (dg && strcmp(dg, o->ref) == 0) || (full && tag_matches(full, o->ref)))
                pick = e;
        }
    } else if (n == 1) {
        pick = json_array_get(ms, 0);
    }
    if (!pick) {
        char refs[1024];
        list_refs(ms, refs, sizeof refs);
        if (n == 0)
            rb_err(err, errlen, "%s: index.json lists no manifests", s->path);
        else if (o->ref && *o->ref)
            rb_err(err, errlen, "%s: no manifest with ref %s; the refs are: %s", s->path, o->ref, refs);
        else
            rb_err(err, errlen, "%s: index.json lists %zu manifests; choose one with ref=: %s", s->path, n, refs);
        json_decref(ij);
        return -1;
    }
    rb_descriptor desc;
    if (json_descriptor(pick, &desc) < 0) {
        json_decref(ij);
        return rb_err(err, errlen, "%s: index.json: an entry without a valid digest and size", s->path);
    }
    const char *r = json_string_value(json_object_get(json_object_get(pick, "annotations"), REF_ANNOTATION));
    snprintf(out->ref, sizeof out->ref, "%s", r ? r : "");
    json_decref(ij);
    if (rb_media_type_is_index(desc.media_type)) {
        out->index = load_index(s, &desc, err, errlen);
        return out->index ? 0 : -1;
    }
    out->image = load_image(s, &desc, err, errlen);
    return out->image ? 0 : -1;
}

/* Hashes size bytes at off of fd into digest. */
static int hash_range(int fd, const char *path, uint64_t off, uint64_t size, char digest[72], char *err, size_t errlen)
{
    enum { BUF = 1 << 20 };
    unsigned char *buf = rb_malloc(BUF);
    rb_sha256 *h = rb_sha256_new();
    uint64_t done = 0;
    int tries = 0;
    while (done < size) {
        size_t want = size - done < BUF ? (size_t)(size - done) : BUF;
        ssize_t k = pread(fd, buf, want, (off_t)(off + done));
        if (k < 0 && errno == EINTR && ++tries < 1000)
            continue;
        if (k <= 0) {
            rb_sha256_free(h);
            free(buf);
            return rb_err(err, errlen, "%s: cannot read %llu bytes at offset %llu", path, (unsigned long long)size,
                          (unsigned long long)off);
        }
        rb_sha256_update(h, buf, (size_t)k);
        done += (uint64_t)k;
    }
    rb_sha256_final(h, digest);
    free(buf);
    return 0;
}

/* 1 if the RepoTags of entry e hold ref. */
static int has_tag(json_t *e, const char *ref)
{
    json_t *tags = json_object_get(e, "RepoTags");
    for (size_t i = 0; i < json_array_size(tags); i++) {
        const char *t = json_string_value(json_array_get(tags, i));
        if (t && tag_matches(t, ref))
            return 1;
    }
    return 0;
}

/* Converts a classic docker save (manifest.json) into a Docker schema 2 image. */
static int open_docker(source *s, const rb_open_opts *o, rb_opened *out, char *err, size_t errlen)
{
    size_t len;
    char *d = src_read(s, "manifest.json", RB_OPEN_MAX_DOC, &len, err, errlen);
    if (!d)
        return -1;
    json_t *mj = json_loadb(d, len, 0, NULL);
    free(d);
    size_t n = json_array_size(mj);
    json_t *pick = NULL;
    for (size_t i = 0; i < n && !pick; i++)
        if (o->ref && *o->ref ? has_tag(json_array_get(mj, i), o->ref) : n == 1)
            pick = json_array_get(mj, i);
    if (!pick) {
        char refs[1024] = "";
        size_t used = 0;
        for (size_t i = 0; i < n && i < MAX_REFS_LISTED; i++) {
            json_t *tags = json_object_get(json_array_get(mj, i), "RepoTags");
            const char *t = json_string_value(json_array_get(tags, 0));
            int k = snprintf(refs + used, sizeof refs - used, "%s%s", i ? ", " : "", t ? t : "(untagged)");
            if (k < 0 || (size_t)k >= sizeof refs - used)
                break;
            used += (size_t)k;
        }
        if (n == 0)
            rb_err(err, errlen, "%s: manifest.json is not a docker save manifest (a non-empty list)", s->path);
        else if (o->ref && *o->ref)
            rb_err(err, errlen, "%s: no image tagged %s; the tags are: %s", s->path, o->ref, refs);
        else
            rb_err(err, errlen, "%s: manifest.json lists %zu images; choose one with ref=: %s", s->path, n, refs);
        json_decref(mj);
        return -1;
    }
    const char *cfg_name = json_string_value(json_object_get(pick, "Config"));
    json_t *layers = json_object_get(pick, "Layers");
    if (!cfg_name || !json_is_array(layers)) {
        json_decref(mj);
        return rb_err(err, errlen, "%s: manifest.json: an entry without Config and Layers", s->path);
    }
    const char *tag = json_string_value(json_array_get(json_object_get(pick, "RepoTags"), 0));
    snprintf(out->ref, sizeof out->ref, "%s", o->ref && *o->ref ? o->ref : (tag ? tag : ""));
    rb_image *img = image_new();
    img->format = RB_FORMAT_DOCKER;
    json_t *cfg = NULL, *man = NULL;
    d = src_read(s, cfg_name, RB_OPEN_MAX_DOC, &len, err, errlen);
    if (!d)
        goto fail;
    rb_blob_from_bytes(&img->config, d, len, RB_MT_DOCKER_CONFIG);
    cfg = json_loadb(d, len, 0, NULL);
    free(d);
    if (!json_is_object(cfg)) {
        rb_err(err, errlen, "%s: the config %s is not a JSON object", s->path, cfg_name);
        goto fail;
    }
    platform_from_config(img, &img->config);
    json_t *diff_ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
    size_t nl = json_array_size(layers);
    int use_diff_ids = json_array_size(diff_ids) == nl;
    img->layers = rb_calloc(nl ? nl : 1, sizeof *img->layers);
    man = json_pack("{s:i, s:s, s:{s:s, s:I, s:s}, s:[]}", "schemaVersion", 2, "mediaType", RB_MT_DOCKER_MANIFEST,
                    "config", "mediaType", RB_MT_DOCKER_CONFIG, "size", (json_int_t)img->config.size, "digest",
                    img->config.digest, "layers");
    for (size_t i = 0; i < nl; i++) {
        const char *ln = json_string_value(json_array_get(layers, i));
        const tar_entry *e = ln ? tar_find(&s->tar, ln) : NULL;
        if (!e) {
            rb_err(err, errlen, "%s: layer %s listed in manifest.json is not in the archive", s->path, ln ? ln : "?");
            goto fail;
        }
        unsigned char magic[4] = {0};
        if (e->size >= 4 && pread(s->fd, magic, 4, (off_t)e->offset) != 4) {
            rb_err(err, errlen, "%s: cannot read layer %s", s->path, ln);
            goto fail;
        }
        int gz = magic[0] == 0x1f && magic[1] == 0x8b;
        if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
            rb_err(err, errlen, "%s: layer %s is zstd-compressed; Docker schema 2 has no media type for it", s->path, ln);
            goto fail;
        }
        const char *did = json_string_value(json_array_get(diff_ids, i));
        char digest[72];
        if (!gz && use_diff_ids && did && rb_digest_valid(did)) {
            snprintf(digest, sizeof digest, "%s", did); /* an uncompressed layer's digest is its diff_id */
        } else {
            if (hash_range(s->fd, s->path, e->offset, e->size, digest, err, errlen) < 0)
                goto fail;
            out->hashed++;
        }
        const char *mt = gz ? RB_MT_DOCKER_LAYER_GZIP : RB_MT_DOCKER_LAYER_TAR;
        rb_blob_from_file(&img->layers[i], s->path, e->offset, e->size, digest, mt, s->verify);
        img->n_layers = i + 1;
        json_array_append_new(json_object_get(man, "layers"),
                              json_pack("{s:s, s:I, s:s}", "mediaType", mt, "size", (json_int_t)e->size, "digest", digest));
    }
    char *ms = json_dumps(man, JSON_INDENT(3) | JSON_PRESERVE_ORDER);
    rb_blob_from_bytes(&img->manifest, ms, strlen(ms), RB_MT_DOCKER_MANIFEST);
    free(ms);
    json_decref(man);
    json_decref(cfg);
    json_decref(mj);
    out->image = img;
    return 0;
fail:
    json_decref(man);
    json_decref(cfg);
    json_decref(mj);
    rb_image_unref(img);
    return -1;
}

int rb_image_open(const char *path, const rb_open_opts *opts, rb_opened *out, char *err, size_t errlen)
{
    static const rb_open_opts none = {0};
    const rb_open_opts *o = opts ? opts : &none;
    memset(out, 0, sizeof *out);
    struct stat st;
    if (!path || !*path)
        return rb_err(err, errlen, "no path given");
    if (stat(path, &st) < 0)
        return rb_err(err, errlen, "%s: %s", path, strerror(errno));
    source s = {.path = path, .fd = -1, .verify = o->verify};
    int rc;
    if (S_ISDIR(st.st_mode)) {
        snprintf(out->kind, sizeof out->kind, "oci-layout");
        rc = open_layout(&s, o, out, err, errlen);
    } else {
        s.fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s.fd < 0)
            return rb_err(err, errlen, "%s: %s", path, strerror(errno));
        if (!tar_looks_like(s.fd)) {
            close(s.fd);
            return rb_err(err, errlen, "%s: not an OCI layout directory, OCI archive or docker save tarball "
                          "(not a directory and no tar header at the start)", path);
        }
        s.is_tar = 1;
        if (tar_index_read(s.fd, path, &s.tar, err, errlen) < 0) {
            close(s.fd);
            return -1;
        }
        int layout = tar_find(&s.tar, "index.json") && tar_find(&s.tar, "oci-layout");
        if (layout) {
            snprintf(out->kind, sizeof out->kind, tar_find(&s.tar, "manifest.json") ? "docker-archive" : "oci-archive");
            rc = open_layout(&s, o, out, err, errlen);
        } else if (tar_find(&s.tar, "manifest.json")) {
            snprintf(out->kind, sizeof out->kind, "docker-archive");
            rc = open_docker(&s, o, out, err, errlen);
        } else {
            rc = rb_err(err, errlen, "%s: a tar, but neither an OCI archive (oci-layout, index.json) nor a docker "
                        "save (manifest.json)", path);
        }
        tar_index_free(&s.tar);
        close(s.fd);
    }
    if (rc < 0)
        rb_opened_free(out);
    return rc;
}

void rb_opened_free(rb_opened *out)
{
    if (!out)
        return;
    rb_image_unref(out->image);
    rb_index_unref(out->index);
    memset(out, 0, sizeof *out);
}
