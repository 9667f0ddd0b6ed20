/* gen_internal: what the gen*.c files share and nobody else sees: the PRNG,
 * the chunk pool, the layer plan and its piece iterator. */
#ifndef GEN_INTERNAL_H
#define GEN_INTERNAL_H

#include "image/rb_gen.h"

#include <stdint.h>
#include <stddef.h>

#define GEN_VERSION "regbench-gen/1"
#define GEN_POOL_CHUNKS 64
#define GEN_CHUNK_RAW (64 * 1024)

/* xoshiro256** seeded with splitmix64: same stream on every machine. */
typedef struct gen_rng { uint64_t s[4]; } gen_rng;
void gen_rng_seed(gen_rng *r, uint64_t seed);
uint64_t gen_rng_next(gen_rng *r);
/* Fills buf with n pseudo-random bytes. */
void gen_rng_fill(gen_rng *r, unsigned char *buf, size_t n);

/* Compressed chunks shared by every layer of one (compression, level,
 * compressibility). */
typedef struct gen_pool gen_pool;

/* A unique piece of a layer: raw bytes and their compressed form. */
typedef struct gen_seg {
    unsigned char *raw, *comp;
    size_t raw_len, comp_len;
    uint32_t crc;
} gen_seg;

/* Everything needed to produce a layer's bytes. */
typedef struct gen_plan {
    rb_layer_params p;
    int cq;                  /* compressibility in 1/10000 */
    gen_pool *pool;
    int nfiles;
    uint64_t nchunks;
    uint16_t *chunks;        /* pool chunk index per chunk */
    uint64_t *file_first;    /* nfiles+1: first chunk of each file */
    gen_seg *segs;           /* nfiles+1 unique segments */
    unsigned char gz_head[10];
    int gz, zstd;            /* the stored form: gzip, zstd, or neither (plain tar) */
    unsigned char *gz_extra; /* padding to the exact size: gzip's FEXTRA field (XLEN + one
                                subfield), or a zstd skippable frame placed last */
    size_t gz_extra_len;
    unsigned char final_block[8];
    size_t final_len;
    uint32_t crc;            /* CRC-32 of the tar */
    uint64_t raw_size, comp_size;
} gen_plan;

/* Iterates a plan's bytes as (pointer, length) pieces without copying. */
typedef struct gen_iter {
    const gen_plan *pl;
    int uncompressed;
    int state;
    int file;
    uint64_t chunk;
    unsigned char trailer[8];
} gen_iter;

void gen_iter_init(gen_iter *it, const gen_plan *pl, int uncompressed);
/* Next piece; 0 at the end. */
int gen_iter_next(gen_iter *it, const unsigned char **p, size_t *len);

/* Plans a layer (p already checked). -1 + err. */
int gen_plan_make(gen_plan *pl, const rb_layer_params *p, char *err, size_t errlen);
void gen_plan_free(gen_plan *pl);

/* Atomic reference counting helpers. */
void gen_ref_inc(int *refs);
/* Returns 1 when the count reached zero. */
int gen_ref_dec(int *refs);

#endif
