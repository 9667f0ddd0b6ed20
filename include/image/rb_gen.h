/* rb_gen: synthetic container images. Generates gzip'd, zstd'd (or plain) tar
 * layers whose stored size, compressibility, compression level and file count are
 * controlled, deterministically from (parameters, seed); wraps them with OCI or
 * Docker schema 2 configs, manifests and indexes; streams every blob without
 * holding it in memory (rb_blob_*); and writes standard OCI image layouts.
 *
 * How a layer is made (see docs/images.md): a pool of 64 KiB chunks per
 * (compression, level, compressibility) is compressed once, each chunk ending
 * at a deflate full-flush point (gzip) or as its own zstd frame (zstd); a layer
 * is a seeded sequence of pool chunks between unique tar headers and unique
 * filler, joined at byte boundaries, its CRC-32 combined with crc32_combine. Digests (compressed and uncompressed) are computed once per
 * layer, on two threads, and remembered in a small cache directory.
 *
 * Threads: layers, images and blobs are immutable once made and reference
 * counted with atomics, so they may be shared between threads; a reader is used
 * by one thread at a time. Nothing here touches Lua. */
#ifndef RB_GEN_H
#define RB_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Compression "level" meaning an uncompressed tar (media type ...tar). */
#define RB_GEN_NONE (-1)
/* Compression algorithms of a layer (level RB_GEN_NONE overrides: plain tar). */
typedef enum { RB_COMP_GZIP = 0, RB_COMP_ZSTD = 1 } rb_compression;
/* Levels accepted and the default level of each algorithm. */
#define RB_GZIP_DEFAULT_LEVEL 6
#define RB_ZSTD_MIN_LEVEL 1
#define RB_ZSTD_MAX_LEVEL 19
#define RB_ZSTD_DEFAULT_LEVEL 3
/* Largest files_per_layer accepted. */
#define RB_GEN_MAX_FILES 100000

typedef enum { RB_FORMAT_OCI = 0, RB_FORMAT_DOCKER = 1 } rb_format;

/* Media types. */
#define RB_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define RB_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define RB_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define RB_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define RB_MT_OCI_LAYER_TAR "application/vnd.oci.image.layer.v1.tar"
#define RB_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define RB_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define RB_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define RB_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define RB_MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define RB_MT_DOCKER_LAYER_TAR "application/vnd.docker.image.rootfs.diff.tar"

/* ---- global settings ---------------------------------------------------- */

/* Sets the digest cache directory: NULL = default ($XDG_CACHE_HOME/regbench or
 * $HOME/.cache/regbench), "" = no cache. Call before generating; not thread-safe. */
void rb_gen_set_cache_dir(const char *dir);
/* The cache directory in use ("" when disabled); valid until the next set. */
const char *rb_gen_cache_dir(void);

/* ---- layers -------------------------------------------------------------- */

typedef struct rb_layer_params {
    uint64_t size;          /* stored (compressed) size in bytes; within 1% */
    int level;              /* gzip level 0-9 or zstd level 1-19, or RB_GEN_NONE for a plain tar */
    double compressibility; /* 0.0-1.0: fraction of the tar that compresses away */
    uint64_t seed;          /* same params + seed => same bytes */
    rb_compression compression; /* gzip (the zero default) or zstd; normalised to gzip for a plain tar */
    int files;              /* files in the tar; 0 = default (size/4MiB, 1..64) */
} rb_layer_params;

/* What is known of a made layer. */
typedef struct rb_layer_info {
    char digest[72];            /* "sha256:<hex>" of the stored bytes */
    char diff_id[72];           /* "sha256:<hex>" of the uncompressed tar */
    uint64_t size;              /* stored bytes */
    uint64_t uncompressed_size; /* tar bytes */
    rb_layer_params params;     /* as normalised (files filled in) */
} rb_layer_info;

typedef struct rb_layer rb_layer; /* opaque, immutable, reference counted */

/* Fills p with defaults: 1 MiB, level 6, compressibility 0.5, seed 0, files 0. */
void rb_layer_params_init(rb_layer_params *p);
/* Checks p; -1 with a message naming the field and accepted values. */
int rb_layer_params_check(const rb_layer_params *p, char *err, size_t errlen);
/* Makes a layer: plans it, then takes its digests from the cache or computes
 * them (one full generation pass on two threads). NULL + err on failure. */
rb_layer *rb_layer_new(const rb_layer_params *p, char *err, size_t errlen);
/* Adds a reference; returns l. */
rb_layer *rb_layer_ref(rb_layer *l);
/* Drops a reference (NULL ok); frees on the last. */
void rb_layer_unref(rb_layer *l);
/* The layer's digests, sizes and parameters. */
const rb_layer_info *rb_layer_get_info(const rb_layer *l);
/* The layer's media type in format f (gzip, zstd or tar). Docker schema 2 has
 * no zstd type: images refuse that pairing (rb_image_from_layers), and a zstd
 * layer asked for in Docker form gets the OCI zstd type. */
const char *rb_layer_media_type(const rb_layer *l, rb_format f);
/* 1 when the last rb_layer_new of this layer found its digests in the cache. */
int rb_layer_from_cache(const rb_layer *l);

/* A pull-style reader of a layer's bytes: never blocks, holds O(1) memory
 * beyond the shared chunk pool. */
typedef struct rb_layer_reader rb_layer_reader;
/* Opens a reader of the stored bytes (uncompressed=0) or of the tar (1). */
rb_layer_reader *rb_layer_reader_open(rb_layer *l, int uncompressed);
/* Copies up to max bytes into buf; returns the count, 0 at the end. */
size_t rb_layer_read(rb_layer_reader *r, void *buf, size_t max);
/* Starts again from byte 0. */
void rb_layer_reader_rewind(rb_layer_reader *r);
/* Frees the reader (NULL ok). */
void rb_layer_reader_close(rb_layer_reader *r);

/* ---- blobs: what uploads consume ---------------------------------------- */

typedef enum { RB_BLOB_NONE = 0, RB_BLOB_BYTES = 1, RB_BLOB_LAYER = 2, RB_BLOB_FILE = 3, RB_BLOB_PATTERN = 4 } rb_blob_kind;

typedef struct rb_bytes rb_bytes; /* opaque, reference-counted byte buffer */
typedef struct rb_file rb_file;   /* opaque, reference-counted: a file path and how to read it */

/* A blob descriptor plus the means to produce its bytes. Plain struct, copy
 * with rb_blob_copy (not memcpy) and free with rb_blob_release. Contract:
 * digest is "sha256:<64 hex>" of exactly `size` bytes that rb_blob_open/read
 * produce; kind BYTES: `data` points at them (valid while the blob holds its
 * reference); kind LAYER: `layer` is the generated layer (stored bytes);
 * kind FILE: `size` bytes at `offset` of the file `file` names (a blob file of
 * an OCI layout, or a byte range of a tar), read with pread when streamed;
 * kind PATTERN: the bytes are rb_pattern_fill(pattern_seed, 0, size). */
typedef struct rb_blob {
    char digest[72];
    uint64_t size;
    char media_type[96];
    rb_blob_kind kind;
    const unsigned char *data; /* BYTES: the bytes; NULL otherwise */
    rb_bytes *bytes;           /* BYTES: reference held */
    rb_layer *layer;           /* LAYER: reference held */
    rb_file *file;             /* FILE: reference held */
    uint64_t offset;           /* FILE: where the bytes start in the file */
    uint64_t pattern_seed;     /* PATTERN: the seed */
} rb_blob;

/* Fills buf with the n bytes at `offset` of the seeded pattern: byte i is
 * byte i%8 (little-endian) of a 64-bit mix of (seed, i/8). A pure function,
 * so any range can be produced without the bytes before it. */
void rb_pattern_fill(uint64_t seed, uint64_t offset, void *buf, size_t n);
/* Makes a PATTERN blob of `size` bytes (its digest computed by streaming). */
void rb_blob_from_pattern(rb_blob *out, uint64_t seed, uint64_t size);

/* Makes a BYTES blob from a copy of data (digest computed). */
void rb_blob_from_bytes(rb_blob *out, const void *data, size_t len, const char *media_type);
/* Makes a LAYER blob (one new layer reference), media type for format f. */
void rb_blob_from_layer(rb_blob *out, rb_layer *l, rb_format f);
/* Makes a FILE blob: size bytes at offset of the file at path, whose digest
 * the caller states. verify=1: readers hash the bytes and fail at the end on a
 * mismatch (rb_blob_error says which blob and file); 0: the digest is trusted. */
void rb_blob_from_file(rb_blob *out, const char *path, uint64_t offset, uint64_t size, const char *digest,
                       const char *media_type, int verify);
/* The path of a FILE blob's file, or NULL for other kinds. */
const char *rb_blob_path(const rb_blob *b);
/* dst = src with new references (dst must not hold any). */
void rb_blob_copy(rb_blob *dst, const rb_blob *src);
/* Drops the references of b and zeroes it (safe on a zeroed blob). */
void rb_blob_release(rb_blob *b);

typedef struct rb_blob_reader rb_blob_reader;
/* Opens a reader of b's bytes; the reader holds its own references, so b may
 * be released meanwhile. NULL + err on failure. Never blocks afterwards. */
rb_blob_reader *rb_blob_open(const rb_blob *b, char *err, size_t errlen);
/* Reads up to n bytes: count > 0, 0 at the end (after exactly size bytes), -1 on error. */
ssize_t rb_blob_read(rb_blob_reader *r, void *buf, size_t n);
/* Back to byte 0 (for retried uploads); 0 or -1. */
int rb_blob_rewind(rb_blob_reader *r);
/* Whether r can hand its bytes out with rb_blob_send: an unverified FILE
 * blob (verify=true must read the bytes to hash them). */
int rb_blob_can_send(const rb_blob_reader *r);
/* Writes up to n bytes of the blob from position pos straight from its file
 * to out_fd (sendfile(2): no copy through a buffer; out_fd a socket or a
 * pipe, possibly non-blocking); the reader's position becomes pos + count.
 * Returns the count (> 0); -1 with errno when out_fd refused (EAGAIN: it is
 * full); 0 when the file failed or ended early (rb_blob_error says why), or
 * r cannot send (see rb_blob_can_send) or pos is at or past the end. */
ssize_t rb_blob_send(rb_blob_reader *r, int out_fd, uint64_t pos, size_t n);
/* Why the last rb_blob_read returned -1, or rb_blob_send 0 ("" if not). */
const char *rb_blob_error(const rb_blob_reader *r);
/* Frees the reader (NULL ok). */
void rb_blob_close(rb_blob_reader *r);

/* ---- images and indexes -------------------------------------------------- */

typedef struct rb_image_params {
    rb_format format;          /* OCI (default) or Docker schema 2 */
    size_t layers;             /* total layers, shared ones included */
    uint64_t layer_size;       /* size of each generated layer ... */
    const uint64_t *layer_sizes; /* ... or one per generated layer (n = layers - n_shared) */
    int level;                 /* for generated layers */
    rb_compression compression; /* for generated layers (gzip by default) */
    double compressibility;    /* for generated layers */
    int files;                 /* files per generated layer, 0 = default */
    uint64_t seed;             /* generated layer j uses rb_gen_derive_seed(seed, j) */
    rb_layer *const *shared;   /* layers placed first, in order (may be NULL) */
    size_t n_shared;
    const char *platform;      /* "os/arch[/variant]", NULL = "linux/amd64" */
} rb_image_params;

/* A made image. Fields are read-only. */
typedef struct rb_image {
    rb_format format;
    char os[32], arch[32], variant[32];
    rb_blob manifest;    /* BYTES: the exact manifest bytes */
    rb_blob config;      /* BYTES: the exact config bytes */
    size_t n_layers;
    rb_blob *layers;     /* LAYER blobs, in manifest order */
    int refs;            /* internal */
} rb_image;

/* Fills p with defaults: OCI, 1 layer of 1 MiB, level 6, compressibility 0.5,
 * seed 0, linux/amd64. */
void rb_image_params_init(rb_image_params *p);
/* Generates an image (and its layers). NULL + err naming the bad field. */
rb_image *rb_image_generate(const rb_image_params *p, char *err, size_t errlen);
/* Makes an image from existing layers (each gets a reference); refuses zstd
 * layers in a Docker image. */
rb_image *rb_image_from_layers(rb_format f, rb_layer *const *layers, size_t n,
                               const char *platform, uint64_t seed, char *err, size_t errlen);
rb_image *rb_image_ref(rb_image *img);
void rb_image_unref(rb_image *img);

/* A multi-platform index (OCI image index or Docker manifest list). */
typedef struct rb_index {
    rb_format format;
    rb_blob manifest;    /* BYTES: the exact index bytes */
    size_t n_images;
    rb_image **images;   /* one reference each */
    int refs;            /* internal */
} rb_index;

/* Builds an index over images (platforms taken from each image; all images
 * must have format f). NULL + err on failure. */
rb_index *rb_index_build(rb_format f, rb_image *const *images, size_t n, char *err, size_t errlen);
rb_index *rb_index_ref(rb_index *ix);
void rb_index_unref(rb_index *ix);

/* Parses "os/arch[/variant]" into the three buffers (32 bytes each); -1 + err. */
int rb_parse_platform(const char *s, char *os, char *arch, char *variant, char *err, size_t errlen);
/* Derives an independent seed from a seed and a number (splitmix64). */
uint64_t rb_gen_derive_seed(uint64_t seed, uint64_t n);
/* Parses a compression value: "gzip" or "zstd" (algorithm, its default level),
 * "none" (RB_GEN_NONE) or "0".."9" (gzip at that level); -1 + err. */
int rb_parse_compression(const char *s, rb_compression *comp, int *level, char *err, size_t errlen);
/* Checks a level for an algorithm (RB_GEN_NONE always passes); -1 + err naming
 * the accepted range. */
int rb_check_level(rb_compression comp, int level, char *err, size_t errlen);
/* "gzip", "zstd" or "none" (level RB_GEN_NONE). */
const char *rb_compression_name(rb_compression comp, int level);

/* ---- OCI image layout ---------------------------------------------------- */

/* Writes (or adds to) an OCI image layout in dir: oci-layout, blobs/sha256/<hex>
 * (existing blobs of the right size are kept) and index.json listing each
 * image under refs[i] (org.opencontainers.image.ref.name). indexes may be
 * NULL/0. progress (may be NULL) is called with bytes written so far. */
int rb_layout_write(const char *dir, rb_image *const *images, const char *const *refs, size_t n,
                    rb_index *const *indexes, const char *const *index_refs, size_t n_indexes,
                    void (*progress)(void *ctx, uint64_t done), void *ctx, char *err, size_t errlen);


#endif
