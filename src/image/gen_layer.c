/* gen_layer: synthetic tar layers. A process-wide pool of 64 KiB chunks per
 * (compression, level, compressibility) is compressed once, each chunk as an
 * independent raw deflate stream that ends at a Z_FULL_FLUSH point (gzip) or
 * as a complete zstd frame (zstd), so compressed chunks can be joined at byte
 * boundaries. A layer is planned from its parameters and
 * seed: unique tar headers and filler (compressed here, they are small), a
 * seeded sequence of pool chunks, a length of the last filler tuned so the
 * stored size lands on the request, and the tar's CRC-32 combined from the
 * pieces' CRCs. Its bytes are then a sequence of pieces that a reader or the
 * digest pass walks without copying. Digests are taken once (compressed and
 * uncompressed streams hashed on two threads) and remembered in the cache
 * directory (small JSON files keyed by the SHA-256 of the parameters). */
#include "gen_internal.h"
#include "util/rb_digest.h"
#include "util/rb_atomic.h"
#include "util/rb_util.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

/* ---- PRNG ---------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t rb_gen_derive_seed(uint64_t seed, uint64_t n)
{
    uint64_t x = seed ^ (n * 0xd1342543de82ef95ULL + 0x5851f42d4c957f2dULL);
    splitmix64(&x);
    return splitmix64(&x);
}

void gen_rng_seed(gen_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t gen_rng_next(gen_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

void gen_rng_fill(gen_rng *r, unsigned char *buf, size_t n)
{
    while (n >= 8) {
        uint64_t v = gen_rng_next(r);
        for (int i = 0; i < 8; i++)
            buf[i] = (unsigned char)(v >> (8 * i)); /* little-endian on every machine */
        buf += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = gen_rng_next(r);
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)(v >> (8 * i));
    }
}

/* Content with compressibility cq/10000: per 4 KiB block, a random run then a
 * repeated 32-byte random motif (which deflate squeezes to almost nothing). */
static void fill_content(gen_rng *r, unsigned char *buf, size_t n, int cq)
{
    const size_t blk = 4096;
    size_t rnd = (size_t)(((uint64_t)blk * (uint64_t)(10000 - cq) + 5000) / 10000);
    for (size_t off = 0; off < n; off += blk) {
        size_t len = n - off < blk ? n - off : blk;
        size_t nr = rnd < len ? rnd : len;
        gen_rng_fill(r, buf + off, nr);
        if (nr < len) {
            unsigned char motif[32];
            gen_rng_fill(r, motif, sizeof motif);
            for (size_t i = nr; i < len; i++)
                buf[off + i] = motif[(i - nr) & 31];
        }
    }
}

/* ---- reference counts ---------------------------------------------------- */

void gen_ref_inc(int *refs) { __atomic_add_fetch(refs, 1, __ATOMIC_RELAXED); }
int gen_ref_dec(int *refs) { return __atomic_sub_fetch(refs, 1, __ATOMIC_ACQ_REL) == 0; }

/* ---- deflate helpers ----------------------------------------------------- */

/* Compresses raw as an independent raw deflate stream ending at a full flush
 * (finish=0) or as a final block (finish=1). Returns a malloc'd buffer. */
static unsigned char *deflate_piece(int level, const unsigned char *raw, size_t len, int finish,
                                    size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        fprintf(stderr, "regbench: deflateInit2 failed\n");
        abort();
    }
    size_t cap = deflateBound(&z, len) + 64;
    unsigned char *out = rb_malloc(cap);
    z.next_in = (unsigned char *)raw;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    for (;;) {
        int rc = deflate(&z, finish ? Z_FINISH : Z_FULL_FLUSH);
        if (finish ? rc == Z_STREAM_END : (z.avail_in == 0 && z.avail_out > 0))
            break;
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            fprintf(stderr, "regbench: deflate failed (%d)\n", rc);
            abort();
        }
        size_t used = cap - z.avail_out;
        cap *= 2;
        out = rb_realloc(out, cap);
        z.next_out = out + used;
        z.avail_out = (uInt)(cap - used);
    }
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

/* ---- zstd helpers -------------------------------------------------------- */

/* Compresses raw as one complete zstd frame (content size recorded, no
 * checksum, no dictionary) and returns a malloc'd buffer.
 *
 * Why whole frames rather than ZSTD_e_flush points in one long frame: a
 * flushed block still refers back into the window of earlier input, so a pool
 * chunk's compressed bytes would depend on whatever preceded it in each layer,
 * and could not be made once and reused. A frame holds no reference outside
 * itself, the zstd format defines a sequence of concatenated frames as one
 * stream (zstd -d, libzstd's streaming decoder and Go's klauspost/compress all
 * read it as the concatenation of the contents), and ZSTD_compress2 with fixed
 * parameters on one thread gives the same bytes every time. So pool chunks are
 * compressed once and joined in any order, exactly as the deflate chunks are.
 * The cost is ~10 bytes of frame header per 64 KiB chunk, and no matches
 * across chunks, which the pool content never had anyway. */
static unsigned char *zstd_frame(int level, const unsigned char *raw, size_t len, size_t *out_len)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    if (!c) {
        fprintf(stderr, "regbench: ZSTD_createCCtx failed\n");
        abort();
    }
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1);
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 0);
    ZSTD_CCtx_setParameter(c, ZSTD_c_dictIDFlag, 0);
    size_t cap = ZSTD_compressBound(len);
    unsigned char *out = rb_malloc(cap ? cap : 1);
    size_t n = ZSTD_compress2(c, out, cap, raw, len);
    if (ZSTD_isError(n)) {
        fprintf(stderr, "regbench: zstd compression failed: %s\n", ZSTD_getErrorName(n));
        abort();
    }
    ZSTD_freeCCtx(c);
    *out_len = n;
    return out;
}

/* Compresses one piece of a layer (a pool chunk or a unique segment) so that
 * it can be joined to the others at a byte boundary. */
static unsigned char *compress_piece(rb_compression comp, int level, const unsigned char *raw, size_t len,
                                     size_t *out_len)
{
    if (comp == RB_COMP_ZSTD)
        return zstd_frame(level, raw, len, out_len);
    return deflate_piece(level, raw, len, 0, out_len);
}

/* ---- chunk pool ---------------------------------------------------------- */

struct gen_pool {
    rb_compression alg;
    int level, cq, refs;
    unsigned char *raw;  /* GEN_POOL_CHUNKS * GEN_CHUNK_RAW */
    unsigned char *comp; /* compressed chunks back to back (NULL for none) */
    size_t off[GEN_POOL_CHUNKS], len[GEN_POOL_CHUNKS];
    uint32_t crc[GEN_POOL_CHUNKS];
    uint64_t comp_total;
    gen_pool *next;
};

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static gen_pool *pools;

static gen_pool *pool_build(rb_compression comp, int level, int cq)
{
    gen_pool *p = rb_calloc(1, sizeof *p);
    p->alg = comp;
    p->level = level;
    p->cq = cq;
    p->refs = 1;
    p->raw = rb_malloc((size_t)GEN_POOL_CHUNKS * GEN_CHUNK_RAW);
    gen_rng r;
    gen_rng_seed(&r, rb_gen_derive_seed(0x7265676265e4c800ULL, (uint64_t)cq));
    fill_content(&r, p->raw, (size_t)GEN_POOL_CHUNKS * GEN_CHUNK_RAW, cq);
    size_t cap = 0, used = 0;
    for (int i = 0; i < GEN_POOL_CHUNKS; i++) {
        const unsigned char *raw = p->raw + (size_t)i * GEN_CHUNK_RAW;
        p->crc[i] = (uint32_t)crc32(0L, raw, GEN_CHUNK_RAW);
        if (level == RB_GEN_NONE) {
            p->off[i] = (size_t)i * GEN_CHUNK_RAW;
            p->len[i] = GEN_CHUNK_RAW;
            continue;
        }
        size_t n;
        unsigned char *c = compress_piece(comp, level, raw, GEN_CHUNK_RAW, &n);
        if (used + n > cap) {
            cap = (used + n) * 2;
            p->comp = rb_realloc(p->comp, cap);
        }
        memcpy(p->comp + used, c, n);
        free(c);
        p->off[i] = used;
        p->len[i] = n;
        used += n;
    }
    if (level != RB_GEN_NONE)
        p->comp = rb_realloc(p->comp, used ? used : 1);
    for (int i = 0; i < GEN_POOL_CHUNKS; i++)
        p->comp_total += p->len[i];
    return p;
}

/* Returns the pool for (comp, level, cq), building it on first use; one reference. */
static gen_pool *pool_get(rb_compression comp, int level, int cq)
{
    pthread_mutex_lock(&pool_mu);
    for (gen_pool *p = pools; p; p = p->next)
        if (p->alg == comp && p->level == level && p->cq == cq) {
            p->refs++;
            pthread_mutex_unlock(&pool_mu);
            return p;
        }
    /* Built under the lock: two threads never build the same pool twice. */
    gen_pool *p = pool_build(comp, level, cq);
    p->next = pools;
    pools = p;
    pthread_mutex_unlock(&pool_mu);
    return p;
}

/* Drops a reference; the last one frees the pool (memory stays bounded). */
static void pool_put(gen_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&pool_mu);
    if (--p->refs == 0) {
        for (gen_pool **pp = &pools; *pp; pp = &(*pp)->next)
            if (*pp == p) {
                *pp = p->next;
                break;
            }
        free(p->raw);
        free(p->comp);
        free(p);
    }
    pthread_mutex_unlock(&pool_mu);
}

/* ---- tar ----------------------------------------------------------------- */

static void octal(char *dst, size_t width, uint64_t v)
{
    /* width-1 octal digits, NUL-terminated */
    dst[width - 1] = '\0';
    for (size_t i = width - 1; i-- > 0;) {
        dst[i] = (char)('0' + (v & 7));
        v >>= 3;
    }
}

static void tar_header(unsigned char h[512], const char *name, uint64_t size, uint64_t mtime)
{
    memset(h, 0, 512);
    char *c = (char *)h;
    snprintf(c, 100, "%s", name);
    octal(c + 100, 8, 0644);
    octal(c + 108, 8, 0);
    octal(c + 116, 8, 0);
    if (size < 077777777777ULL) {
        octal(c + 124, 12, size);
    } else { /* GNU base-256 for files of 8 GiB and more */
        h[124] = 0x80;
        for (int i = 11; i >= 4; i--) {
            h[124 + i] = (unsigned char)(size & 0xff);
            size >>= 8;
        }
    }
    octal(c + 136, 12, mtime);
    memset(c + 148, ' ', 8);
    c[156] = '0';
    memcpy(c + 257, "ustar", 6);
    memcpy(c + 263, "00", 2);
    memcpy(c + 265, "root", 4);
    memcpy(c + 297, "root", 4);
    octal(c + 329, 8, 0);
    octal(c + 337, 8, 0);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h[i];
    octal(c + 148, 7, sum);
    c[155] = ' ';
}

/* ---- plan ---------------------------------------------------------------- */

#define TAR_MTIME 1577836800u /* 2020-01-01T00:00:00Z, fixed */

typedef struct plan_ctx {
    uint64_t name_tag;   /* seed-derived, in every file name */
    uint64_t *fill_len;  /* per file: unique filler at the end of its content */
} plan_ctx;

static uint64_t file_size(const gen_plan *pl, const plan_ctx *cx, int i)
{
    return (pl->file_first[i + 1] - pl->file_first[i]) * (uint64_t)GEN_CHUNK_RAW + cx->fill_len[i];
}

/* (Re)builds unique segment i: filler and padding of file i-1, then the header of
 * file i, or the end-of-archive blocks when i == nfiles. */
static void seg_build(gen_plan *pl, const plan_ctx *cx, int i)
{
    gen_seg *s = &pl->segs[i];
    free(s->raw);
    free(s->comp);
    size_t fill = i > 0 ? (size_t)cx->fill_len[i - 1] : 0;
    size_t pad = (512 - fill % 512) % 512;
    size_t tail = i < pl->nfiles ? 512 : 1024;
    s->raw_len = fill + pad + tail;
    s->raw = rb_calloc(1, s->raw_len);
    if (fill) {
        gen_rng r;
        gen_rng_seed(&r, rb_gen_derive_seed(pl->p.seed ^ 0x66696c6cULL, (uint64_t)i));
        fill_content(&r, s->raw, fill, pl->cq);
    }
    if (i < pl->nfiles) {
        char name[100];
        snprintf(name, sizeof name, "rb-%016" PRIx64 "-%05d.bin", cx->name_tag, i);
        tar_header(s->raw + fill + pad, name, file_size(pl, cx, i), TAR_MTIME);
    }
    s->crc = (uint32_t)crc32(0L, s->raw, (uInt)s->raw_len);
    if (pl->p.level == RB_GEN_NONE) {
        s->comp = NULL;
        s->comp_len = s->raw_len;
    } else {
        s->comp = compress_piece(pl->p.compression, pl->p.level, s->raw, s->raw_len, &s->comp_len);
    }
}

static uint64_t plan_total(const gen_plan *pl, uint64_t chunk_bytes)
{
    uint64_t t = chunk_bytes;
    for (int i = 0; i <= pl->nfiles; i++)
        t += pl->segs[i].comp_len;
    if (pl->gz)
        t += 10 + pl->gz_extra_len + pl->final_len + 8;
    else if (pl->zstd)
        t += pl->gz_extra_len;
    return t;
}

/* Sets the last file's filler length (rebuilding its header and the end
 * segment) and returns the stored size. */
static uint64_t set_fill(gen_plan *pl, plan_ctx *cx, int n, uint64_t fill, uint64_t chunk_bytes)
{
    if (cx->fill_len[n - 1] != fill) {
        cx->fill_len[n - 1] = fill;
        seg_build(pl, cx, n - 1);
        seg_build(pl, cx, n);
    }
    return plan_total(pl, chunk_bytes);
}

int gen_plan_make(gen_plan *pl, const rb_layer_params *p, char *err, size_t errlen)
{
    memset(pl, 0, sizeof *pl);
    pl->p = *p;
    pl->cq = (int)lround(p->compressibility * 10000.0);
    pl->p.compressibility = pl->cq / 10000.0;
    if (pl->p.files <= 0) {
        uint64_t f = p->size / (4u << 20);
        pl->p.files = f < 1 ? 1 : f > 64 ? 64 : (int)f;
    }
    if (pl->p.level == RB_GEN_NONE)
        pl->p.compression = RB_COMP_GZIP; /* one plan (and cache key) for a plain tar */
    pl->nfiles = pl->p.files;
    pl->pool = pool_get(pl->p.compression, p->level, pl->cq);
    int n = pl->nfiles;
    int comp = p->level != RB_GEN_NONE;
    int gz = comp && pl->p.compression == RB_COMP_GZIP;
    int zs = comp && pl->p.compression == RB_COMP_ZSTD;
    pl->gz = gz;
    pl->zstd = zs;

    if (gz) {
        static const unsigned char head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
        memcpy(pl->gz_head, head, 10);
        pl->gz_head[8] = p->level == 9 ? 2 : p->level == 1 ? 4 : 0;
        size_t fl;
        unsigned char *f = deflate_piece(p->level, NULL, 0, 1, &fl);
        if (fl > sizeof pl->final_block) {
            free(f);
            return rb_err(err, errlen, "internal: unexpected final deflate block of %zu bytes", fl);
        }
        memcpy(pl->final_block, f, fl);
        pl->final_len = fl;
        free(f);
    }

    plan_ctx cx;
    gen_rng r;
    gen_rng_seed(&r, rb_gen_derive_seed(p->seed, 0x706c616eULL));
    cx.name_tag = gen_rng_next(&r);
    cx.fill_len = rb_calloc((size_t)n, sizeof *cx.fill_len);
    for (int i = 0; i < n - 1; i++)
        cx.fill_len[i] = gen_rng_next(&r) % 2048; /* varied, unique file contents */
    pl->file_first = rb_calloc((size_t)n + 1, sizeof *pl->file_first);
    pl->segs = rb_calloc((size_t)n + 1, sizeof *pl->segs);
    for (int i = 0; i <= n; i++)
        seg_build(pl, &cx, i);

    /* Chunks: as many as fit, leaving room for header digits to grow. */
    uint64_t base = plan_total(pl, 0);
    uint64_t margin = (uint64_t)n * 16 + 64;
    uint64_t budget = p->size > base + margin ? p->size - base - margin : 0;
    gen_rng cr;
    gen_rng_seed(&cr, rb_gen_derive_seed(p->seed, 0x63686e6bULL));
    uint64_t est = budget / (pl->pool->comp_total / GEN_POOL_CHUNKS + 1) + 16;
    size_t cap = (size_t)est;
    pl->chunks = rb_malloc(cap * sizeof *pl->chunks);
    uint64_t sum = 0, k = 0;
    for (;;) {
        uint16_t idx = (uint16_t)(gen_rng_next(&cr) % GEN_POOL_CHUNKS);
        if (sum + pl->pool->len[idx] > budget)
            break;
        if (k == cap) {
            cap *= 2;
            pl->chunks = rb_realloc(pl->chunks, cap * sizeof *pl->chunks);
        }
        pl->chunks[k++] = idx;
        sum += pl->pool->len[idx];
    }
    pl->nchunks = k;
    for (int i = 0; i <= n; i++)
        pl->file_first[i] = k / (uint64_t)n * (uint64_t)i + ((uint64_t)i < k % (uint64_t)n ? (uint64_t)i : k % (uint64_t)n);
    for (int i = 0; i <= n; i++)
        seg_build(pl, &cx, i);

    /* Tune the last file's filler so the stored size lands just under the
     * request (a bracketing search: compressed size grows with the filler),
     * then pad the rest exactly with a gzip FEXTRA field, or with a zstd
     * skippable frame (8 bytes of magic and length, then the padding), which
     * every zstd decoder passes over. The skippable frame goes last: tools
     * recognise zstd by the magic number at byte 0 (skopeo's containers/image
     * takes a blob that starts with a skippable frame for uncompressed data
     * and recompresses it), so the stream must start with a normal frame. */
    uint64_t goal = gz ? (p->size >= 6 ? p->size - 6 : 0) : zs ? (p->size >= 8 ? p->size - 8 : 0) : p->size;
    uint64_t lo = 0, lo_t = plan_total(pl, sum);
    if (lo_t <= goal) {
        double ratio = comp ? (double)pl->pool->comp_total / ((double)GEN_POOL_CHUNKS * GEN_CHUNK_RAW) : 1.0;
        if (ratio < 0.002)
            ratio = 0.002;
        uint64_t hi = (uint64_t)((double)(goal - lo_t) / ratio * 1.5) + 1024, hi_t;
        while ((hi_t = set_fill(pl, &cx, n, hi, sum)) <= goal) {
            lo = hi;
            lo_t = hi_t;
            hi *= 2;
        }
        /* Invariant: total(lo) <= goal < total(hi). */
        while (hi - lo > 1 && goal - lo_t > (comp ? 64 : 511)) {
            double frac = (double)(goal - lo_t) / (double)(hi_t - lo_t);
            uint64_t mid = lo + (uint64_t)(frac * (double)(hi - lo));
            if (mid <= lo)
                mid = lo + 1;
            if (mid >= hi)
                mid = hi - 1;
            if (hi - lo > 8 && (mid - lo < (hi - lo) / 16 || hi - mid < (hi - lo) / 16))
                mid = lo + (hi - lo) / 2; /* keep the bracket shrinking */
            uint64_t t = set_fill(pl, &cx, n, mid, sum);
            if (t <= goal) {
                lo = mid;
                lo_t = t;
            } else {
                hi = mid;
                hi_t = t;
            }
        }
        if (!comp && hi_t - p->size < p->size - lo_t)
            lo = hi;
    }
    set_fill(pl, &cx, n, lo, sum);
    uint64_t total = plan_total(pl, sum);
    if (gz && total + 6 <= p->size && p->size - total <= 65535 + 2) {
        size_t xlen = (size_t)(p->size - total - 2);
        pl->gz_extra_len = 2 + xlen;
        pl->gz_extra = rb_calloc(1, pl->gz_extra_len);
        pl->gz_extra[0] = (unsigned char)(xlen & 0xff);
        pl->gz_extra[1] = (unsigned char)(xlen >> 8);
        pl->gz_extra[2] = 'R';
        pl->gz_extra[3] = 'B';
        pl->gz_extra[4] = (unsigned char)((xlen - 4) & 0xff);
        pl->gz_extra[5] = (unsigned char)((xlen - 4) >> 8);
        pl->gz_head[3] |= 4; /* FEXTRA */
    }
    if (zs && total + 8 <= p->size && p->size - total <= 65535 + 8) {
        size_t flen = (size_t)(p->size - total - 8); /* frame content: "RB" then zeros */
        pl->gz_extra_len = 8 + flen;
        pl->gz_extra = rb_calloc(1, pl->gz_extra_len);
        static const unsigned char magic[4] = {0x5a, 0x2a, 0x4d, 0x18}; /* 0x184D2A5A, little-endian */
        memcpy(pl->gz_extra, magic, 4);
        for (int i = 0; i < 4; i++)
            pl->gz_extra[4 + i] = (unsigned char)(flen >> (8 * i));
        if (flen >= 2)
            memcpy(pl->gz_extra + 8, "RB", 2);
    }
    free(cx.fill_len);

    /* Sizes and the CRC-32 of the tar. */
    uLong op = crc32_combine_gen64((z_off64_t)GEN_CHUNK_RAW);
    uLong crc = 0;
    uint64_t raw = 0;
    for (int i = 0; i <= n; i++) {
        crc = crc32_combine64(crc, pl->segs[i].crc, (z_off64_t)pl->segs[i].raw_len);
        raw += pl->segs[i].raw_len;
        if (i < n)
            for (uint64_t c = pl->file_first[i]; c < pl->file_first[i + 1]; c++)
                crc = crc32_combine_op(crc, pl->pool->crc[pl->chunks[c]], op);
    }
    raw += k * (uint64_t)GEN_CHUNK_RAW;
    pl->crc = (uint32_t)crc;
    pl->raw_size = raw;
    pl->comp_size = plan_total(pl, sum);
    if (!comp)
        pl->comp_size = raw;
    double dev = fabs((double)pl->comp_size - (double)p->size) / (double)p->size;
    if (dev > 0.01) {
        uint64_t got = pl->comp_size;
        gen_plan_free(pl);
        return rb_err(err, errlen,
                      "layer size %" PRIu64 " is too small for %d file(s) at these settings "
                      "(the closest possible is %" PRIu64 " bytes); use a larger size or fewer files",
                      p->size, n, got);
    }
    return 0;
}

void gen_plan_free(gen_plan *pl)
{
    if (pl->segs)
        for (int i = 0; i <= pl->nfiles; i++) {
            free(pl->segs[i].raw);
            free(pl->segs[i].comp);
        }
    free(pl->segs);
    free(pl->gz_extra);
    free(pl->chunks);
    free(pl->file_first);
    pool_put(pl->pool);
    memset(pl, 0, sizeof *pl);
}

/* ---- piece iterator ------------------------------------------------------ */

void gen_iter_init(gen_iter *it, const gen_plan *pl, int uncompressed)
{
    memset(it, 0, sizeof *it);
    it->pl = pl;
    it->uncompressed = uncompressed || (!pl->gz && !pl->zstd);
}

int gen_iter_next(gen_iter *it, const unsigned char **p, size_t *len)
{
    const gen_plan *pl = it->pl;
    const gen_pool *pool = pl->pool;
    for (;;) {
        switch (it->state) {
        case 0:
            it->state = 6;
            if (!it->uncompressed && pl->gz) {
                *p = pl->gz_head;
                *len = 10;
                return 1;
            }
            break;
        case 6:
            it->state = 1;
            if (!it->uncompressed && pl->gz && pl->gz_extra_len) {
                *p = pl->gz_extra;
                *len = pl->gz_extra_len;
                return 1;
            }
            break;
        case 1: {
            const gen_seg *s = &pl->segs[it->file];
            if (it->file == pl->nfiles) {
                it->state = 3;
            } else {
                it->state = 2;
                it->chunk = pl->file_first[it->file];
            }
            *p = it->uncompressed ? s->raw : s->comp;
            *len = it->uncompressed ? s->raw_len : s->comp_len;
            return 1;
        }
        case 2:
            if (it->chunk < pl->file_first[it->file + 1]) {
                unsigned idx = pl->chunks[it->chunk++];
                if (it->uncompressed) {
                    *p = pool->raw + (size_t)idx * GEN_CHUNK_RAW;
                    *len = GEN_CHUNK_RAW;
                } else {
                    *p = pool->comp + pool->off[idx];
                    *len = pool->len[idx];
                }
                return 1;
            }
            it->file++;
            it->state = 1;
            break;
        case 3:
            if (!it->uncompressed && pl->zstd && pl->gz_extra_len) {
                it->state = 5; /* the skippable frame that pads a zstd stream */
                *p = pl->gz_extra;
                *len = pl->gz_extra_len;
                return 1;
            }
            if (it->uncompressed || !pl->gz) {
                it->state = 5;
                break;
            }
            it->state = 4;
            *p = pl->final_block;
            *len = pl->final_len;
            return 1;
        case 4: {
            uint32_t c = pl->crc, sz = (uint32_t)pl->raw_size;
            for (int i = 0; i < 4; i++) {
                it->trailer[i] = (unsigned char)(c >> (8 * i));
                it->trailer[4 + i] = (unsigned char)(sz >> (8 * i));
            }
            it->state = 5;
            *p = it->trailer;
            *len = 8;
            return 1;
        }
        case 5:
        default:
            return 0;
        }
    }
}

/* ---- digests ------------------------------------------------------------- */

typedef struct hash_job {
    const gen_plan *pl;
    int uncompressed;
    char hex[65];
    uint64_t bytes;
} hash_job;

static void *hash_run(void *arg)
{
    hash_job *j = arg;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    gen_iter it;
    gen_iter_init(&it, j->pl, j->uncompressed);
    const unsigned char *p;
    size_t len;
    j->bytes = 0;
    while (gen_iter_next(&it, &p, &len)) {
        EVP_DigestUpdate(ctx, p, len);
        j->bytes += len;
    }
    unsigned char md[32];
    unsigned mdlen = 0;
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    for (int i = 0; i < 32; i++)
        snprintf(j->hex + 2 * i, 3, "%02x", md[i]);
    return NULL;
}

/* ---- cache --------------------------------------------------------------- */

static char *cache_dir; /* NULL: default not yet resolved */
static int cache_set;

void rb_gen_set_cache_dir(const char *dir)
{
    free(cache_dir);
    cache_dir = dir ? rb_strdup(dir) : NULL;
    cache_set = dir != NULL;
}

const char *rb_gen_cache_dir(void)
{
    if (!cache_set) {
        const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
        free(cache_dir);
        if (x && *x)
            cache_dir = rb_asprintf("%s/regbench", x);
        else if (h && *h)
            cache_dir = rb_asprintf("%s/.cache/regbench", h);
        else
            cache_dir = rb_strdup("");
        cache_set = 1;
    }
    return cache_dir;
}

static char *cache_path(const gen_plan *pl, char *key, size_t keylen)
{
    const char *dir = rb_gen_cache_dir();
    if (!dir || !*dir)
        return NULL;
    /* gzip keys are as before zstd existed, so existing caches stay valid. */
    char zs[64] = "";
    if (pl->zstd)
        snprintf(zs, sizeof zs, "|zstd=%s", ZSTD_versionString());
    snprintf(key, keylen, "%s|zlib=%s%s|size=%" PRIu64 "|level=%d|c=%d|seed=%" PRIu64 "|files=%d",
             GEN_VERSION, zlibVersion(), zs, pl->p.size, pl->p.level, pl->cq, pl->p.seed, pl->p.files);
    char hex[65];
    rb_sha256_hex(key, strlen(key), hex);
    return rb_asprintf("%s/layers/%.2s/%s.json", dir, hex, hex);
}

static int cache_load(const gen_plan *pl, rb_layer_info *info)
{
    char key[256];
    char *path = cache_path(pl, key, sizeof key);
    if (!path)
        return 0;
    json_t *j = json_load_file(path, 0, NULL);
    free(path);
    if (!j)
        return 0;
    const char *k = json_string_value(json_object_get(j, "key"));
    const char *d = json_string_value(json_object_get(j, "digest"));
    const char *di = json_string_value(json_object_get(j, "diff_id"));
    json_int_t sz = json_integer_value(json_object_get(j, "size"));
    json_int_t usz = json_integer_value(json_object_get(j, "uncompressed_size"));
    int ok = k && d && di && strcmp(k, key) == 0 && strlen(d) == 71 && strlen(di) == 71 &&
             (uint64_t)sz == pl->comp_size && (uint64_t)usz == pl->raw_size;
    if (ok) {
        snprintf(info->digest, sizeof info->digest, "%s", d);
        snprintf(info->diff_id, sizeof info->diff_id, "%s", di);
    }
    json_decref(j);
    return ok;
}

static void cache_store(const gen_plan *pl, const rb_layer_info *info)
{
    char key[256];
    char *path = cache_path(pl, key, sizeof key);
    if (!path)
        return;
    char *slash = strrchr(path, '/');
    *slash = '\0';
    int ok = rb_mkdir_p(path) == 0;
    *slash = '/';
    if (ok) {
        rb_atomic a;
        FILE *f = rb_atomic_open(&a, path, NULL, 0);
        if (f) {   /* a cache: a failed write is only a miss next time */
            fprintf(f, "{\"key\": \"%s\", \"digest\": \"%s\", \"diff_id\": \"%s\", \"size\": %" PRIu64
                       ", \"uncompressed_size\": %" PRIu64 "}\n",
                    key, info->digest, info->diff_id, info->size, info->uncompressed_size);
            rb_atomic_commit(&a, 0, NULL, 0);
        }
    }
    free(path);
}

/* ---- layers -------------------------------------------------------------- */

struct rb_layer {
    int refs;
    int from_cache;
    gen_plan plan;
    rb_layer_info info;
};

void rb_layer_params_init(rb_layer_params *p)
{
    memset(p, 0, sizeof *p);
    p->size = 1u << 20;
    p->level = 6;
    p->compressibility = 0.5;
}

int rb_check_level(rb_compression comp, int level, char *err, size_t errlen)
{
    if (level == RB_GEN_NONE)
        return 0;
    if (comp == RB_COMP_ZSTD) {
        if (level < RB_ZSTD_MIN_LEVEL || level > RB_ZSTD_MAX_LEVEL)
            return rb_err(err, errlen, "compression level: %d is not accepted for zstd; use %d-%d (default %d)", level,
                          RB_ZSTD_MIN_LEVEL, RB_ZSTD_MAX_LEVEL, RB_ZSTD_DEFAULT_LEVEL);
        return 0;
    }
    if (comp != RB_COMP_GZIP)
        return rb_err(err, errlen, "compression: not accepted; use \"gzip\", \"zstd\" or \"none\"");
    if (level < 0 || level > 9)
        return rb_err(err, errlen, "compression level: %d is not accepted for gzip; use 0-9 (default %d)", level,
                      RB_GZIP_DEFAULT_LEVEL);
    return 0;
}

const char *rb_compression_name(rb_compression comp, int level)
{
    if (level == RB_GEN_NONE)
        return "none";
    return comp == RB_COMP_ZSTD ? "zstd" : "gzip";
}

int rb_layer_params_check(const rb_layer_params *p, char *err, size_t errlen)
{
    if (p->compression != RB_COMP_GZIP && p->compression != RB_COMP_ZSTD)
        return rb_err(err, errlen, "compression: %d is not accepted; use gzip, zstd or none", (int)p->compression);
    if (rb_check_level(p->compression, p->level, err, errlen) < 0)
        return -1;
    if (!(p->compressibility >= 0.0 && p->compressibility <= 1.0))
        return rb_err(err, errlen, "compressibility: %g is not accepted; use a fraction from 0.0 to 1.0",
                      p->compressibility);
    if (p->files < 0 || p->files > RB_GEN_MAX_FILES)
        return rb_err(err, errlen, "files_per_layer: %d is not accepted; use 1 to %d (or 0 for the default)",
                      p->files, RB_GEN_MAX_FILES);
    if (p->size < 1 || p->size > (1ULL << 44))
        return rb_err(err, errlen, "layer size: %" PRIu64 " is not accepted; use 1 byte to 16 TiB", p->size);
    return 0;
}

rb_layer *rb_layer_new(const rb_layer_params *p, char *err, size_t errlen)
{
    if (rb_layer_params_check(p, err, errlen) < 0)
        return NULL;
    rb_layer *l = rb_calloc(1, sizeof *l);
    l->refs = 1;
    if (gen_plan_make(&l->plan, p, err, errlen) < 0) {
        free(l);
        return NULL;
    }
    l->info.params = l->plan.p;
    l->info.size = l->plan.comp_size;
    l->info.uncompressed_size = l->plan.raw_size;
    if (cache_load(&l->plan, &l->info)) {
        l->from_cache = 1;
        return l;
    }
    hash_job raw = {.pl = &l->plan, .uncompressed = 1};
    if (!l->plan.gz && !l->plan.zstd) {
        hash_run(&raw);
        snprintf(l->info.digest, sizeof l->info.digest, "sha256:%s", raw.hex);
    } else {
        hash_job comp = {.pl = &l->plan, .uncompressed = 0};
        pthread_t th;
        int threaded = pthread_create(&th, NULL, hash_run, &comp) == 0;
        if (!threaded)
            hash_run(&comp);
        hash_run(&raw);
        if (threaded)
            pthread_join(th, NULL);
        snprintf(l->info.digest, sizeof l->info.digest, "sha256:%s", comp.hex);
    }
    snprintf(l->info.diff_id, sizeof l->info.diff_id, "sha256:%s", raw.hex);
    cache_store(&l->plan, &l->info);
    return l;
}

rb_layer *rb_layer_ref(rb_layer *l)
{
    gen_ref_inc(&l->refs);
    return l;
}

void rb_layer_unref(rb_layer *l)
{
    if (!l || !gen_ref_dec(&l->refs))
        return;
    gen_plan_free(&l->plan);
    free(l);
}

const rb_layer_info *rb_layer_get_info(const rb_layer *l) { return &l->info; }

int rb_layer_from_cache(const rb_layer *l) { return l->from_cache; }

const char *rb_layer_media_type(const rb_layer *l, rb_format f)
{
    int tar = l->plan.p.level == RB_GEN_NONE;
    if (l->plan.zstd)
        return RB_MT_OCI_LAYER_ZSTD; /* Docker schema 2 has none; images refuse the pairing */
    if (f == RB_FORMAT_DOCKER)
        return tar ? RB_MT_DOCKER_LAYER_TAR : RB_MT_DOCKER_LAYER_GZIP;
    return tar ? RB_MT_OCI_LAYER_TAR : RB_MT_OCI_LAYER_GZIP;
}

/* ---- readers ------------------------------------------------------------- */

struct rb_layer_reader {
    rb_layer *l;
    int uncompressed;
    gen_iter it;
    const unsigned char *p;
    size_t left;
};

rb_layer_reader *rb_layer_reader_open(rb_layer *l, int uncompressed)
{
    rb_layer_reader *r = rb_calloc(1, sizeof *r);
    r->l = rb_layer_ref(l);
    r->uncompressed = uncompressed;
    gen_iter_init(&r->it, &l->plan, uncompressed);
    return r;
}

size_t rb_layer_read(rb_layer_reader *r, void *buf, size_t max)
{
    unsigned char *out = buf;
    size_t done = 0;
    while (done < max) {
        if (r->left == 0 && !gen_iter_next(&r->it, &r->p, &r->left))
            break;
        size_t n = r->left < max - done ? r->left : max - done;
        memcpy(out + done, r->p, n);
        r->p += n;
        r->left -= n;
        done += n;
    }
    return done;
}

void rb_layer_reader_rewind(rb_layer_reader *r)
{
    gen_iter_init(&r->it, &r->l->plan, r->uncompressed);
    r->left = 0;
}

void rb_layer_reader_close(rb_layer_reader *r)
{
    if (!r)
        return;
    rb_layer_unref(r->l);
    free(r);
}
