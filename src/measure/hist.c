/* hist: log-linear histogram (see rb_hist.h). Bucket layout: values v < 2048
 * land in low[v]; a value v >= 2048 with highest set bit b (b >= 11) has
 * exponent e = b - 10 and lands in high[e][(v >> e) - 1024], so the bucket
 * width is 2^e and the relative width at most 1/1024. */
#include "measure/rb_hist.h"
#include "util/rb_util.h"

#include <math.h>
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
