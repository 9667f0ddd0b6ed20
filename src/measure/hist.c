/* hist: log-linear histogram (see rb_hist.h). Bucket layout: values v < 2048
 * land in low[v]; a value v >= 2048 with highest set bit b (b >= 11) has
 * exponent e = b - 10 and lands in high[e][(v >> e) - 1024], so the bucket
 * width is 2^e and the relative width at most 1/1024. The text codec numbers
 * the buckets in value order (low[0..2047], then high[1], high[2], ...) and
 * writes the non-empty ones as self-delimiting base-64 tokens. */
#include "measure/rb_hist.h"
#include "util/rb_util.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rb_hist_init(rb_hist *h)
{
    memset(h, 0, sizeof *h);
}

void rb_hist_free(rb_hist *h)
{
    for (int e = 0; e < RB_HIST_EXPONENTS; e++)
        free(h->high[e]);
    rb_hist_init(h);
}

static int high_bit(uint64_t v)
{
    return 63 - __builtin_clzll(v);
}

void rb_hist_add(rb_hist *h, uint64_t v)
{
    if (h->count == 0 || v < h->min) h->min = v;
    if (v > h->max) h->max = v;
    /* Welford: sumsq holds M2, the sum of squared deviations from the mean.
     * A plain sum of squares cancels catastrophically for large, tightly
     * spread values (a constant 123 s in us gave a stddev of 7 us). */
    double old_mean = h->count ? h->sum / (double)h->count : 0.0;
    h->count++;
    h->sum += (double)v;
    h->sumsq += ((double)v - old_mean) * ((double)v - h->sum / (double)h->count);
    if (v < 2048) {
        h->low[v]++;
        return;
    }
    int e = high_bit(v) - RB_HIST_SUB_BITS;
    if (!h->high[e])
        h->high[e] = rb_calloc(1u << RB_HIST_SUB_BITS, sizeof(uint64_t));
    h->high[e][(v >> e) - (1u << RB_HIST_SUB_BITS)]++;
}

void rb_hist_merge(rb_hist *dst, const rb_hist *src)
{
    if (src->count == 0) return;
    if (dst->count == 0 || src->min < dst->min) dst->min = src->min;
    if (src->max > dst->max) dst->max = src->max;
    /* Chan et al.: M2 = M2a + M2b + (mean_b - mean_a)^2 * na * nb / n. */
    double na = (double)dst->count, nb = (double)src->count;
    double delta = (na ? src->sum / nb - dst->sum / na : 0.0);
    dst->sumsq += src->sumsq + delta * delta * na * nb / (na + nb);
    dst->count += src->count;
    dst->sum += src->sum;
    for (int i = 0; i < 2048; i++) dst->low[i] += src->low[i];
    for (int e = 0; e < RB_HIST_EXPONENTS; e++) {
        if (!src->high[e]) continue;
        if (!dst->high[e])
            dst->high[e] = rb_calloc(1u << RB_HIST_SUB_BITS, sizeof(uint64_t));
        for (unsigned i = 0; i < (1u << RB_HIST_SUB_BITS); i++)
            dst->high[e][i] += src->high[e][i];
    }
}

static uint64_t clamp(const rb_hist *h, uint64_t v)
{
    if (v < h->min) return h->min;
    if (v > h->max) return h->max;
    return v;
}

uint64_t rb_hist_percentile(const rb_hist *h, double p)
{
    if (h->count == 0) return 0;
    if (p <= 0) return h->min;
    if (p >= 100) return h->max;
    /* Nearest rank ceil(p/100 * count). p/100 is inexact (99.9/100*1000 is
     * 999.0000000000001), so a product within rounding noise above an
     * integer is taken as that integer, not rounded up to the next rank. */
    double x = p / 100.0 * (double)h->count;
    double r = ceil(x);
    if (r - x > 1.0 - 1e-14 * (x > 1.0 ? x : 1.0)) r -= 1.0;
    uint64_t rank = r < 1.0 ? 1 : (uint64_t)r;
    uint64_t seen = 0;
    for (uint64_t v = 0; v < 2048; v++) {
        seen += h->low[v];
        if (seen >= rank) return clamp(h, v);
    }
    for (int e = 1; e < RB_HIST_EXPONENTS; e++) {
        if (!h->high[e]) continue;
        for (uint64_t i = 0; i < (1u << RB_HIST_SUB_BITS); i++) {
            seen += h->high[e][i];
            if (seen >= rank) {
                uint64_t lo = (i + (1u << RB_HIST_SUB_BITS)) << e;
                uint64_t mid = lo + ((1ull << e) >> 1);
                return clamp(h, mid);
            }
        }
    }
    return h->max;
}

double rb_hist_mean(const rb_hist *h)
{
    return h->count ? h->sum / (double)h->count : 0.0;
}

double rb_hist_stddev(const rb_hist *h)
{
    if (h->count == 0) return 0.0;
    double var = h->sumsq / (double)h->count;          /* M2 / n: population variance */
    return var > 0 ? sqrt(var) : 0.0;
}

/* ---- text codec ----------------------------------------------------------- */

#define SUB (1u << RB_HIST_SUB_BITS)                               /* buckets per exponent */
#define N_BUCKETS (2048u + (RB_HIST_EXPONENTS - 1) * SUB)         /* high[0] is never used */
#define MAGIC "rbh1"
/* The 64 token characters; a character's position is its 6-bit value. */
static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
#define MORE 32u       /* in a character's value: another character of the token follows */
#define RUN 16u        /* in a token's first character: a run of empty buckets, not a count */
#define MAX_TOKEN 13   /* 4 + 12 x 5 bits hold any uint64 */

/* Bucket number of value v in value order. */
static uint32_t bucket_of(uint64_t v)
{
    if (v < 2048) return (uint32_t)v;
    int e = high_bit(v) - RB_HIST_SUB_BITS;
    return 2048u + (uint32_t)(e - 1) * SUB + (uint32_t)((v >> e) - SUB);
}

/* The count in bucket number g. */
static uint64_t bucket_get(const rb_hist *h, uint32_t g)
{
    if (g < 2048) return h->low[g];
    uint32_t e = 1 + (g - 2048) / SUB;
    return h->high[e] ? h->high[e][(g - 2048) % SUB] : 0;
}

static void bucket_set(rb_hist *h, uint32_t g, uint64_t n)
{
    if (g < 2048) {
        h->low[g] = n;
        return;
    }
    uint32_t e = 1 + (g - 2048) / SUB;
    if (!h->high[e]) h->high[e] = rb_calloc(SUB, sizeof(uint64_t));
    h->high[e][(g - 2048) % SUB] = n;
}

/* A growing text buffer. */
typedef struct textbuf {
    char *s;
    size_t len, cap;
} textbuf;

static void tb_put(textbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        while (b->len + n + 1 > b->cap) b->cap = b->cap ? b->cap * 2 : 256;
        b->s = rb_realloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* One token: value v (>= 1), a bucket count or (run) a run of empty buckets. */
static void tb_token(textbuf *b, uint64_t v, int run)
{
    char t[MAX_TOKEN];
    size_t n = 0;
    unsigned d = (unsigned)(v & 15u) | (run ? RUN : 0);
    v >>= 4;
    while (v) {
        t[n++] = ALPHABET[d | MORE];
        d = (unsigned)(v & 31u);
        v >>= 5;
    }
    t[n++] = ALPHABET[d];
    tb_put(b, t, n);
}

static uint64_t dbits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

char *rb_hist_encode(const rb_hist *h)
{
    textbuf b = {0};
    char head[128];
    if (h->count == 0) {
        tb_put(&b, MAGIC " 0", strlen(MAGIC " 0"));
        return b.s;
    }
    int n = snprintf(head, sizeof head, MAGIC " %" PRIu64 " %" PRIu64 " %" PRIu64 " %016" PRIx64 " %016" PRIx64 " ",
                     h->count, h->min, h->max, dbits(h->sum), dbits(h->sumsq));
    tb_put(&b, head, (size_t)n);
    uint64_t empty = 0;
    for (uint32_t g = 0; g < N_BUCKETS; g++) {
        if (g >= 2048 && (g - 2048) % SUB == 0 && !h->high[1 + (g - 2048) / SUB]) {
            empty += SUB;   /* a whole power of two never used */
            g += SUB - 1;
            continue;
        }
        uint64_t c = bucket_get(h, g);
        if (c == 0) {
            empty++;
            continue;
        }
        if (empty) tb_token(&b, empty, 1);
        empty = 0;
        tb_token(&b, c, 0);
    }
    return b.s;   /* trailing empty buckets are not written */
}

/* A decimal uint64 at *p, ended by a space (skipped) or the end of the
 * text (the end only when last); advances *p. */
static int read_u64(const char **p, uint64_t *out, int last)
{
    const char *s = *p;
    if (*s < '0' || *s > '9') return -1;
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    if (last ? *s != '\0' && *s != ' ' : *s != ' ') return -1;
    *out = v;
    *p = *s ? s + 1 : s;
    return 0;
}

/* 16 hex digits at *p (a double's bits) followed by a space; advances *p. */
static int read_double(const char **p, double *out)
{
    const char *s = *p;
    uint64_t u = 0;
    for (int i = 0; i < 16; i++, s++) {
        int d = (*s >= '0' && *s <= '9') ? *s - '0' : (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10 : -1;
        if (d < 0) return -1;
        u = (u << 4) | (uint64_t)d;
    }
    if (*s != ' ') return -1;
    memcpy(out, &u, sizeof *out);
    if (!isfinite(*out) || *out < 0) return -1;
    *p = s + 1;
    return 0;
}

/* The value of a token character, or -1. */
static int char_value(char c)
{
    const char *at = c ? strchr(ALPHABET, c) : NULL;
    return at ? (int)(at - ALPHABET) : -1;
}

/* Decodes the bucket tokens at s into h: *total gets the sum of the counts,
 * *first and *last the first and last non-empty bucket. */
static int read_buckets(rb_hist *h, const char *s, uint64_t *total, uint32_t *first, uint32_t *last, char *err,
                        size_t errlen)
{
    const char *start = s;
    uint64_t pos = 0;
    *total = 0;
    *first = *last = 0;
    while (*s) {
        size_t at = (size_t)(s - start);
        int d = char_value(*s);
        if (d < 0) return rb_err(err, errlen, "bad character '%c' in the buckets at offset %zu", *s, at);
        int run = (d & RUN) != 0;
        uint64_t v = (uint64_t)d & 15u;
        unsigned shift = 4;
        while (d & MORE) {
            d = char_value(*++s);
            if (d < 0) return rb_err(err, errlen, "a bucket token at offset %zu is cut short", at);
            if (shift > 59) return rb_err(err, errlen, "a bucket token at offset %zu overflows 64 bits", at);
            v |= ((uint64_t)d & 31u) << shift;
            shift += 5;
        }
        s++;
        if (v == 0) return rb_err(err, errlen, "a bucket token at offset %zu is 0", at);
        if (run ? v > N_BUCKETS - pos : pos >= N_BUCKETS)
            return rb_err(err, errlen, "the buckets run past the last one (%u) at offset %zu", N_BUCKETS, at);
        if (run) {
            pos += v;
            continue;
        }
        if (*total > UINT64_MAX - v) return rb_err(err, errlen, "the bucket counts overflow at offset %zu", at);
        if (*total == 0) *first = (uint32_t)pos;
        *last = (uint32_t)pos;
        *total += v;
        bucket_set(h, (uint32_t)pos++, v);
    }
    return 0;
}

int rb_hist_decode(rb_hist *h, const char *text, char *err, size_t errlen)
{
    rb_hist_free(h);
    const char *p = text;
    uint64_t count, min = 0, max = 0, total = 0;
    uint32_t first, last;
    double sum = 0, m2 = 0;
    if (!p || strncmp(p, MAGIC " ", strlen(MAGIC " ")) != 0)
        return rb_err(err, errlen, "not a histogram (expected text starting with \"" MAGIC " \")");
    p += strlen(MAGIC " ");
    if (read_u64(&p, &count, 1) < 0) return rb_err(err, errlen, "bad sample count (a decimal integer)");
    if (count == 0) {
        if (p[-1] == ' ') return rb_err(err, errlen, "an empty histogram has nothing after its count");
        return 0;
    }
    if (p[-1] != ' ' || read_u64(&p, &min, 0) < 0 || read_u64(&p, &max, 0) < 0 || min > max)
        return rb_err(err, errlen, "bad min or max (decimal integers, min <= max)");
    if (read_double(&p, &sum) < 0 || read_double(&p, &m2) < 0)
        return rb_err(err, errlen, "bad sum or m2 (16 hex digits each: the bits of a finite, non-negative double)");
    char why[RB_ERRLEN];
    if (read_buckets(h, p, &total, &first, &last, why, sizeof why) < 0) {
        rb_hist_free(h);
        return rb_err(err, errlen, "%s", why);
    }
    if (total != count || first != bucket_of(min) || last != bucket_of(max)) {
        rb_hist_free(h);
        return rb_err(err, errlen, "the buckets do not match the header (%" PRIu64 " samples in buckets, count %" PRIu64
                      "; min and max must fall in the first and last non-empty buckets)", total, count);
    }
    h->count = count;
    h->min = min;
    h->max = max;
    h->sum = sum;
    h->sumsq = m2;
    return 0;
}
