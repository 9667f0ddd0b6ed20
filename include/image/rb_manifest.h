/* rb_manifest: parses image manifests and indexes (OCI and Docker schema 2)
 * received from registries. They are untrusted input: the parser bounds the
 * document size and the number of entries, requires valid sha256 digests and
 * non-negative sizes, and never trusts a field's type. */
#ifndef RB_MANIFEST_H
#define RB_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#define RB_MANIFEST_MAX_BYTES (4u << 20)   /* largest manifest accepted (4 MiB) */
#define RB_MANIFEST_MAX_ENTRIES 10000      /* most layers or manifests accepted */

typedef struct rb_descriptor {
    char media_type[128];
    char digest[72];
    int64_t size;
    int has_platform;
    char os[32], arch[32], variant[32];
} rb_descriptor;

typedef struct rb_manifest {
    int schema_version;
    char media_type[128];     /* from the document, else the Content-Type, else inferred */
    int is_index;             /* 1: an image index / manifest list */
    rb_descriptor config;     /* images only */
    rb_descriptor *layers;    /* images only */
    size_t n_layers;
    rb_descriptor *manifests; /* indexes only */
    size_t n_manifests;
} rb_manifest;

/* Parses len bytes; content_type (may be NULL) is the response's
 * Content-Type. Returns 0, or -1 with a message saying what is wrong. */
int rb_manifest_parse(const char *data, size_t len, const char *content_type, rb_manifest *out,
                      char *err, size_t errlen);
/* Frees what rb_manifest_parse allocated (safe on a zeroed struct). */
void rb_manifest_free(rb_manifest *m);
/* In an index, the first manifest for os/arch (variant "" matches any);
 * NULL if none. */
const rb_descriptor *rb_manifest_pick(const rb_manifest *m, const char *os, const char *arch,
                                      const char *variant);
/* 1 if media type mt names an index (OCI index or Docker manifest list). */
int rb_media_type_is_index(const char *mt);

#endif
