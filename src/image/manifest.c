/* manifest: defensive parsing of manifests and indexes (see rb_manifest.h),
 * with jansson. Every field is type-checked and length-checked; anything
 * unexpected is an error that names the field. */
#include "image/rb_manifest.h"
#include "util/rb_digest.h"
#include "util/rb_util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rb_media_type_is_index(const char *mt)
{
    return mt && (strcmp(mt, "application/vnd.oci.image.index.v1+json") == 0 ||
                  strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json") == 0);
}

static int copy_str(json_t *o, const char *key, char *dst, size_t cap, int required,
                    const char *where, char *err, size_t errlen)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        if (required) return rb_err(err, errlen, "%s: '%s' missing", where, key);
        dst[0] = 0;
        return 0;
    }
    if (!json_is_string(v)) return rb_err(err, errlen, "%s: '%s' is not a string", where, key);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n >= cap || strlen(s) != n) return rb_err(err, errlen, "%s: '%s' too long or not text", where, key);
    memcpy(dst, s, n + 1);
    return 0;
}

static int parse_descriptor(json_t *o, rb_descriptor *d, const char *where, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    if (!json_is_object(o)) return rb_err(err, errlen, "%s: not an object", where);
    if (copy_str(o, "mediaType", d->media_type, sizeof d->media_type, 0, where, err, errlen) < 0 ||
        copy_str(o, "digest", d->digest, sizeof d->digest, 1, where, err, errlen) < 0)
        return -1;
    if (!rb_digest_valid(d->digest))
        return rb_err(err, errlen, "%s: digest '%.80s' is not sha256:<64 hex>", where, d->digest);
    json_t *size = json_object_get(o, "size");
    if (!json_is_integer(size) || json_integer_value(size) < 0)
        return rb_err(err, errlen, "%s: 'size' missing or not a non-negative integer", where);
    d->size = (int64_t)json_integer_value(size);
    json_t *plat = json_object_get(o, "platform");
    if (plat) {
        if (!json_is_object(plat)) return rb_err(err, errlen, "%s: 'platform' is not an object", where);
        d->has_platform = 1;
        if (copy_str(plat, "os", d->os, sizeof d->os, 0, where, err, errlen) < 0 ||
            copy_str(plat, "architecture", d->arch, sizeof d->arch, 0, where, err, errlen) < 0 ||
            copy_str(plat, "variant", d->variant, sizeof d->variant, 0, where, err, errlen) < 0)
            return -1;
    }
    return 0;
}

static int parse_list(json_t *arr, rb_descriptor **out, size_t *n, const char *what, char *err, size_t errlen)
{
    if (!json_is_array(arr)) return rb_err(err, errlen, "manifest: '%s' is not an array", what);
    size_t len = json_array_size(arr);
    if (len > RB_MANIFEST_MAX_ENTRIES)
        return rb_err(err, errlen, "manifest: %zu %s, more than the %d accepted", len, what, RB_MANIFEST_MAX_ENTRIES);
    *out = rb_calloc(len ? len : 1, sizeof **out);
    *n = len;
    for (size_t i = 0; i < len; i++) {
        char where[64];
        snprintf(where, sizeof where, "manifest: %s[%zu]", what, i);
        if (parse_descriptor(json_array_get(arr, i), &(*out)[i], where, err, errlen) < 0) return -1;
    }
    return 0;
}

int rb_manifest_parse(const char *data, size_t len, const char *content_type, rb_manifest *out,
                      char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (len > RB_MANIFEST_MAX_BYTES)
        return rb_err(err, errlen, "manifest of %zu bytes, more than the %u accepted", len, RB_MANIFEST_MAX_BYTES);
    json_error_t je;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) return rb_err(err, errlen, "manifest is not valid JSON (line %d: %s)", je.line, je.text);
    int rc = -1;
    if (!json_is_object(root)) { rb_err(err, errlen, "manifest is not a JSON object"); goto out; }
    json_t *sv = json_object_get(root, "schemaVersion");
    if (!json_is_integer(sv)) { rb_err(err, errlen, "manifest: 'schemaVersion' missing or not an integer"); goto out; }
    if (json_integer_value(sv) != 2) {
        rb_err(err, errlen, "manifest: schemaVersion %lld is not supported (only 2)",
               (long long)json_integer_value(sv));
        goto out;
    }
    out->schema_version = 2;
    if (copy_str(root, "mediaType", out->media_type, sizeof out->media_type, 0, "manifest", err, errlen) < 0)
        goto out;
    if (!out->media_type[0] && content_type) {
        size_t n = strcspn(content_type, "; ");
        if (n < sizeof out->media_type) { memcpy(out->media_type, content_type, n); out->media_type[n] = 0; }
    }
    json_t *manifests = json_object_get(root, "manifests");
    out->is_index = rb_media_type_is_index(out->media_type) || (!out->media_type[0] && manifests);
    if (out->is_index) {
        if (!manifests) { rb_err(err, errlen, "index: 'manifests' missing"); goto out; }
        if (parse_list(manifests, &out->manifests, &out->n_manifests, "manifests", err, errlen) < 0) goto out;
        if (!out->media_type[0]) snprintf(out->media_type, sizeof out->media_type, "application/vnd.oci.image.index.v1+json");
    } else {
        if (parse_descriptor(json_object_get(root, "config"), &out->config, "manifest: config", err, errlen) < 0)
            goto out;
        if (parse_list(json_object_get(root, "layers"), &out->layers, &out->n_layers, "layers", err, errlen) < 0)
            goto out;
        if (!out->media_type[0]) snprintf(out->media_type, sizeof out->media_type, "application/vnd.oci.image.manifest.v1+json");
    }
    rc = 0;
out:
    json_decref(root);
    if (rc < 0) rb_manifest_free(out);
    return rc;
}

void rb_manifest_free(rb_manifest *m)
{
    free(m->layers);
    free(m->manifests);
    m->layers = m->manifests = NULL;
    m->n_layers = m->n_manifests = 0;
}

const rb_descriptor *rb_manifest_pick(const rb_manifest *m, const char *os, const char *arch,
                                      const char *variant)
{
    for (size_t i = 0; i < m->n_manifests; i++) {
        const rb_descriptor *d = &m->manifests[i];
        if (!d->has_platform) continue;
        if (strcmp(d->os, os) != 0 || strcmp(d->arch, arch) != 0) continue;
        if (variant && variant[0] && strcmp(d->variant, variant) != 0) continue;
        return d;
    }
    return NULL;
}
