/* fuzz_manifest: libFuzzer target for the manifest and index parser
 * (src/manifest.c). Each input is parsed from a buffer of exactly its size
 * (not NUL-terminated) without a Content-Type and with each Content-Type a
 * registry may send (OCI/Docker manifest and index, with parameters, and a
 * bogus one). The parser must never crash, leak or hang; on failure the
 * message is non-empty and the struct is empty; on success every descriptor
 * has a valid sha256 digest and a non-negative size, an image has a config
 * and no manifests, an index has no layers, and rb_manifest_pick returns an
 * entry of the index (or NULL) for a few platforms. Built by
 * tests/fuzz/CMakeLists.txt (-DREGBENCH_FUZZ=ON, clang); see README.md. */
#include "util/rb_digest.h"
#include "image/rb_manifest.h"
#include "util/rb_util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const content_types[] = {
    NULL,
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json; charset=utf-8",
    "text/plain",
    "",
};

static void check_descriptor(const rb_descriptor *d)
{
    if (!memchr(d->media_type, 0, sizeof d->media_type) || !memchr(d->digest, 0, sizeof d->digest) ||
        !memchr(d->os, 0, sizeof d->os) || !memchr(d->arch, 0, sizeof d->arch) ||
        !memchr(d->variant, 0, sizeof d->variant))
        abort();
    if (!rb_digest_valid(d->digest) || d->size < 0) abort();
}

static void check(const rb_manifest *m)
{
    if (m->schema_version != 2 || !m->media_type[0] || !memchr(m->media_type, 0, sizeof m->media_type))
        abort();
    if (m->is_index) {
        if (m->n_layers || m->layers || !m->manifests) abort();
        if (m->n_manifests > RB_MANIFEST_MAX_ENTRIES) abort();
        for (size_t i = 0; i < m->n_manifests; i++) check_descriptor(&m->manifests[i]);
        static const char *const plats[][3] = {
            {"linux", "amd64", ""}, {"linux", "arm64", "v8"}, {"linux", "arm", "v7"}, {"", "", NULL},
        };
        for (size_t i = 0; i < sizeof plats / sizeof plats[0]; i++) {
            const rb_descriptor *d = rb_manifest_pick(m, plats[i][0], plats[i][1], plats[i][2]);
            if (d && (d < m->manifests || d >= m->manifests + m->n_manifests || !d->has_platform)) abort();
        }
    } else {
        if (m->n_manifests || m->manifests || !m->layers) abort();
        if (m->n_layers > RB_MANIFEST_MAX_ENTRIES) abort();
        check_descriptor(&m->config);
        for (size_t i = 0; i < m->n_layers; i++) check_descriptor(&m->layers[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < sizeof content_types / sizeof content_types[0]; i++) {
        rb_manifest m;
        char err[RB_ERRLEN];
        err[0] = 0;
        if (rb_manifest_parse((const char *)data, size, content_types[i], &m, err, sizeof err) == 0) {
            check(&m);
        } else {
            if (!err[0] || m.layers || m.manifests || m.n_layers || m.n_manifests) abort();
        }
        rb_manifest_free(&m);
    }
    return 0;
}
