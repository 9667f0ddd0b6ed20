/* rb_open: users' real images read from disk, ready to push. Opens an OCI
 * image layout directory, an OCI archive (a tar of a layout, as
 * `skopeo copy ... oci-archive:FILE` writes), or a `docker save` tarball
 * (classic manifest.json + layer.tar files, or the newer one that holds an OCI
 * layout), and returns the same rb_image / rb_index a generated image is, with
 * its layers as FILE blobs (rb_gen.h): byte ranges of files that are streamed
 * with pread when pushed, never held whole. Manifests, indexes and configs are
 * small and are read whole (at most RB_OPEN_MAX_DOC bytes each) and always
 * checked against their digests; layer digests are trusted unless verify is
 * set. A tar is indexed once (its headers only) and never extracted.
 *
 * A docker save tarball becomes a Docker schema 2 manifest whose layers are
 * the archive's tars pushed as they are (rootfs.diff.tar, never recompressed);
 * a plain tar layer's digest is its diff_id from the config, and a layer
 * whose digest the archive does not state (a compressed one, or no diff_ids)
 * is hashed once while opening (rb_opened.hashed counts them).
 *
 * Every failure is an error message naming the file and what is wrong. */
#ifndef RB_OPEN_H
#define RB_OPEN_H

#include <stddef.h>

#include "image/rb_gen.h"

/* Largest manifest, index, config or index.json read whole. */
#define RB_OPEN_MAX_DOC (16u << 20)
/* Most tar members indexed in one archive. */
#define RB_OPEN_MAX_TAR_ENTRIES 1000000

typedef struct rb_open_opts {
    const char *ref; /* picks a manifest: ref name annotation, digest, or docker RepoTag; NULL = the only one */
    int verify;      /* 1: layer readers hash while streaming and fail on a mismatch */
} rb_open_opts;

typedef struct rb_opened {
    rb_image *image;  /* exactly one of image and index is set (one reference) */
    rb_index *index;
    char kind[32];    /* "oci-layout", "oci-archive" or "docker-archive" */
    char ref[256];    /* the ref picked, "" if the entry had none */
    size_t hashed;    /* layers whose digest was computed while opening */
} rb_opened;

/* Opens the image at path (a directory or a tar file) into out. Returns 0, or
 * -1 with err naming the file and the problem (out left zeroed). */
int rb_image_open(const char *path, const rb_open_opts *opts, rb_opened *out, char *err, size_t errlen);
/* Drops the references out holds and zeroes it (safe on a zeroed struct). */
void rb_opened_free(rb_opened *out);

#endif
