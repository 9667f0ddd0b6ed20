/* rb_hist: latency (or any non-negative integer value) histograms with
 * HdrHistogram-style log-linear buckets. Values below 2048 are exact; above,
 * each power-of-two range is split into 1024 equal buckets, so a reported
 * percentile is within 0.05% of a real sample (the issue asks for 0.1%).
 * Buckets are allocated lazily per power of two, so an empty histogram costs
 * a few hundred bytes and a full one spanning 1 us .. 1 day about 200 KB.
 * Histograms merge exactly (bucket counts add). Min, max, mean and stddev are
 * exact (tracked outside the buckets). rb_hist_encode writes a histogram as
 * compact text that rb_hist_decode rebuilds bucket for bucket (the "hist" of
 * a shard's results.json, docs/results-schema.md), so histograms measured in
 * different processes merge exactly. */
#ifndef RB_HIST_H
#define RB_HIST_H

#include <stddef.h>
#include <stdint.h>

#define RB_HIST_SUB_BITS 10                       /* 1024 buckets per power of two */
#define RB_HIST_EXPONENTS 54                      /* values up to 2^63 */

typedef struct rb_hist {
    uint64_t count;
    uint64_t min, max;
    double sum, sumsq;                            /* sumsq: sum of squared deviations from the mean (Welford) */
    uint64_t low[2048];                           /* values 0..2047, exact */
    uint64_t *high[RB_HIST_EXPONENTS];            /* lazily allocated, 1024 each */
} rb_hist;

/* Makes an empty histogram. */
void rb_hist_init(rb_hist *h);
/* Frees the buckets; the histogram is empty and reusable afterwards. */
void rb_hist_free(rb_hist *h);
/* Records one value. */
void rb_hist_add(rb_hist *h, uint64_t v);
/* Adds every sample of src into dst. */
void rb_hist_merge(rb_hist *dst, const rb_hist *src);
/* Nearest-rank percentile p (0..100): a value within 0.05% of the sample of
 * rank ceil(p/100 * count); clamped to [min, max]. 0 when empty. */
uint64_t rb_hist_percentile(const rb_hist *h, double p);
/* Mean and population standard deviation; 0 when empty. */
double rb_hist_mean(const rb_hist *h);
double rb_hist_stddev(const rb_hist *h);

/* The text form of h: "rbh1 COUNT MIN MAX SUM M2 BUCKETS" (docs/results-schema.md,
 * "Histograms"): lossless, about 1 character per non-empty bucket of fewer
 * than 16 samples. Returns a new string. */
char *rb_hist_encode(const rb_hist *h);
/* Rebuilds h (any previous content is freed) from rb_hist_encode's text.
 * Returns 0, or -1 with what is wrong and where in err (h left empty). */
int rb_hist_decode(rb_hist *h, const char *text, char *err, size_t errlen);

#endif
