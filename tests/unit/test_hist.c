/* test_hist: accuracy of the log-linear histogram against exact nearest-rank
 * percentiles of known samples (a sorted copy): uniform, exponential,
 * log-uniform and log-normal over 1 us .. 100 s, constant, a single sample,
 * small values (exact below 2048). Every reported percentile must be within
 * 0.1% of the exact one; merging must equal adding all samples to one
 * histogram; min, max, mean and stddev must be exact. The text codec
 * (rb_hist_encode/rb_hist_decode) must give back every bucket, count, min,
 * max and the bits of sum and m2, stay small for a histogram spanning 1 us ..
 * 1 day, and reject damaged text with a message. Samples come from a
 * fixed-seed PRNG (splitmix64) so failures reproduce. */
#include "measure/rb_hist.h"
#include "util/rb_util.h"
#include "rbtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_next(void) { return rbtest_rng(); }

/* Uniform in (0, 1). */
static double rng_unit(void)
{
    return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Exact nearest-rank percentile for p = milli / 1000 percent: the sample of
 * rank ceil(p/100 * n), computed in integers. */
static uint64_t exact_pct(const uint64_t *sorted, size_t n, uint64_t milli)
{
    uint64_t rank = (milli * n + 99999) / 100000;
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return sorted[rank - 1];
}

/* Checks hist h (built from v[0..n)) against the exact statistics. */
static void check_against(const char *name, const rb_hist *h, const uint64_t *v, size_t n, int exact)
{
    uint64_t *s = rb_malloc(n * sizeof *s);
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_u64);

    CHECKF(h->count == n, "%s count", name);
    CHECKF(h->min == s[0], "%s min %llu != %llu", name, (unsigned long long)h->min, (unsigned long long)s[0]);
    CHECKF(h->max == s[n - 1], "%s max", name);
    long double sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++) sum += (long double)s[i];
    long double mean = sum / (long double)n;
    for (size_t i = 0; i < n; i++) sq += ((long double)s[i] - mean) * ((long double)s[i] - mean);
    double sd = (double)sqrtl(sq / (long double)n);
    CHECKF(fabs(rb_hist_mean(h) - (double)mean) <= 1e-9 * (double)mean + 1e-9, "%s mean %.6f != %.6f",
           name, rb_hist_mean(h), (double)mean);
    /* Exact up to floating rounding (a constant gives exactly 0). */
    CHECKF(fabs(rb_hist_stddev(h) - sd) <= 1e-9 * sd + 1e-9,
           "%s stddev %.9f != %.9f", name, rb_hist_stddev(h), sd);

    uint64_t fixed[] = {50000, 90000, 95000, 99000, 99900, 99990, 100000, 1, 1000, 25000, 75000};
    size_t nfixed = sizeof fixed / sizeof fixed[0];
    for (size_t i = 0; i < nfixed + 300; i++) {
        uint64_t milli = i < nfixed ? fixed[i] : 1 + rng_next() % 100000;
        uint64_t want = exact_pct(s, n, milli);
        uint64_t got = rb_hist_percentile(h, (double)milli / 1000.0);
        double rel = want ? fabs((double)got - (double)want) / (double)want : (double)got;
        if (exact || want < 2048)
            CHECKF(got == want, "%s p%.3f: %llu != exact %llu", name, (double)milli / 1000.0,
                   (unsigned long long)got, (unsigned long long)want);
        else
            CHECKF(rel <= 0.001, "%s p%.3f: %llu vs exact %llu (rel %.5f%%)", name,
                   (double)milli / 1000.0, (unsigned long long)got, (unsigned long long)want, rel * 100);
    }
    CHECKF(rb_hist_percentile(h, 100) == s[n - 1], "%s p100 is max", name);
    CHECKF(rb_hist_percentile(h, 0) == s[0], "%s p0 is min", name);
    free(s);
}

typedef uint64_t (*gen_fn)(void);

static uint64_t gen_uniform(void) { return 1 + rng_next() % 1000000; }
static uint64_t gen_exponential(void) { return (uint64_t)(-log(rng_unit()) * 5000.0); }
/* Log-uniform over 1 us .. 100 s (1 .. 1e8). */
static uint64_t gen_loguniform(void) { return (uint64_t)exp(rng_unit() * log(1e8)); }
/* Log-normal around 2 ms with a wide spread, clamped to 1 us .. 100 s. */
static uint64_t gen_lognormal(void)
{
    double z = sqrt(-2.0 * log(rng_unit())) * cos(2.0 * M_PI * rng_unit());
    double v = exp(log(2000.0) + 2.5 * z);
    if (v < 1) v = 1;
    if (v > 1e8) v = 1e8;
    return (uint64_t)v;
}
static uint64_t gen_small(void) { return rng_next() % 2048; }
static uint64_t gen_constant(void) { return 123456789; }

static void run_dist(const char *name, gen_fn gen, size_t n, int exact)
{
    uint64_t *v = rb_malloc(n * sizeof *v);
    rb_hist h;
    rb_hist_init(&h);
    for (size_t i = 0; i < n; i++) {
        v[i] = gen();
        rb_hist_add(&h, v[i]);
    }
    check_against(name, &h, v, n, exact);

    /* Merge: three parts merged equal all samples in one histogram. */
    rb_hist parts[3], merged;
    for (int k = 0; k < 3; k++) rb_hist_init(&parts[k]);
    rb_hist_init(&merged);
    for (size_t i = 0; i < n; i++) rb_hist_add(&parts[rng_next() % 3], v[i]);
    for (int k = 0; k < 3; k++) rb_hist_merge(&merged, &parts[k]);
    CHECKF(merged.count == h.count && merged.min == h.min && merged.max == h.max, "%s merge", name);
    CHECKF(memcmp(merged.low, h.low, sizeof h.low) == 0, "%s merge low buckets", name);
    int same = 1;
    for (int e = 0; e < RB_HIST_EXPONENTS; e++) {
        if (!h.high[e] != !merged.high[e]) { same = 0; continue; }
        if (h.high[e] && memcmp(h.high[e], merged.high[e], sizeof(uint64_t) << RB_HIST_SUB_BITS))
            same = 0;
    }
    CHECKF(same, "%s merge high buckets", name);
    for (double p = 0.5; p <= 100.0; p += 0.5)
        CHECKF(rb_hist_percentile(&merged, p) == rb_hist_percentile(&h, p), "%s merge p%g", name, p);
    CHECKF(fabs(rb_hist_mean(&merged) - rb_hist_mean(&h)) <= 1e-9 * rb_hist_mean(&h), "%s merge mean", name);
    check_against(name, &merged, v, n, exact);

    for (int k = 0; k < 3; k++) rb_hist_free(&parts[k]);
    rb_hist_free(&merged);
    rb_hist_free(&h);
    free(v);
}

static void test_edges(void)
{
    rb_hist h;
    rb_hist_init(&h);
    CHECK(rb_hist_percentile(&h, 50) == 0 && rb_hist_mean(&h) == 0 && rb_hist_stddev(&h) == 0);

    /* A single sample is every percentile, exactly (clamped to min/max). */
    rb_hist_add(&h, 987654321);
    CHECK(rb_hist_percentile(&h, 0.001) == 987654321);
    CHECK(rb_hist_percentile(&h, 50) == 987654321);
    CHECK(rb_hist_percentile(&h, 100) == 987654321);
    CHECK(rb_hist_mean(&h) == 987654321.0 && rb_hist_stddev(&h) == 0);
    rb_hist_free(&h);
    CHECK(h.count == 0);

    /* Value 0 and a merge into an empty histogram. */
    rb_hist a, b;
    rb_hist_init(&a);
    rb_hist_init(&b);
    rb_hist_add(&a, 0);
    rb_hist_add(&a, 0);
    rb_hist_add(&a, 5000);
    rb_hist_merge(&b, &a);
    CHECK(b.count == 3 && b.min == 0 && b.max == 5000);
    CHECK(rb_hist_percentile(&b, 66.6) == 0 && rb_hist_percentile(&b, 66.7) == 5000);
    rb_hist_merge(&b, &h);                            /* merging an empty one changes nothing */
    CHECK(b.count == 3 && b.min == 0);
    rb_hist_free(&a);
    rb_hist_free(&b);

    /* Nearest rank exactly at integer boundaries: 1000 samples 1..1000,
     * p99.9 is the 999th, p0.1 the 1st, p50 the 500th. */
    rb_hist_init(&h);
    for (uint64_t i = 1; i <= 1000; i++) rb_hist_add(&h, i);
    CHECKF(rb_hist_percentile(&h, 99.9) == 999, "p99.9 of 1..1000 = %llu",
           (unsigned long long)rb_hist_percentile(&h, 99.9));
    CHECK(rb_hist_percentile(&h, 0.1) == 1);
    CHECK(rb_hist_percentile(&h, 50) == 500);
    CHECK(rb_hist_percentile(&h, 50.05) == 501);
    rb_hist_free(&h);

    /* Very large values (days in us, up to 2^62) stay within 0.1%. */
    rb_hist_init(&h);
    uint64_t big = (1ull << 62) + 12345;
    rb_hist_add(&h, 1);
    rb_hist_add(&h, big);
    rb_hist_add(&h, big / 3);
    double got = (double)rb_hist_percentile(&h, 60);
    CHECK(fabs(got - (double)(big / 3)) <= 0.001 * (double)(big / 3));
    rb_hist_free(&h);
}

/* Whether a and b hold the same samples bucket for bucket, and the same
 * count, min, max and bits of sum and m2. */
static int same_hist(const rb_hist *a, const rb_hist *b)
{
    if (a->count != b->count || a->min != b->min || a->max != b->max) return 0;
    if (memcmp(&a->sum, &b->sum, sizeof a->sum) || memcmp(&a->sumsq, &b->sumsq, sizeof a->sumsq)) return 0;
    if (memcmp(a->low, b->low, sizeof a->low)) return 0;
    for (int e = 0; e < RB_HIST_EXPONENTS; e++) {
        for (unsigned i = 0; i < (1u << RB_HIST_SUB_BITS); i++) {
            uint64_t x = a->high[e] ? a->high[e][i] : 0, y = b->high[e] ? b->high[e][i] : 0;
            if (x != y) return 0;
        }
    }
    return 1;
}

/* Encodes h, decodes the text and checks the copy is h; returns the text's length. */
static size_t round_trip(const char *name, const rb_hist *h)
{
    char *text = rb_hist_encode(h), err[RB_ERRLEN] = "";
    rb_hist back;
    rb_hist_init(&back);
    int rc = rb_hist_decode(&back, text, err, sizeof err);
    CHECKF(rc == 0, "%s: decode failed: %s", name, err);
    CHECKF(rc == 0 && same_hist(h, &back), "%s: the decoded histogram differs", name);
    for (double p = 0; p <= 100.0; p += 0.1)
        CHECKF(rb_hist_percentile(&back, p) == rb_hist_percentile(h, p), "%s: p%g differs after decoding", name, p);
    size_t n = strlen(text);
    rb_hist_free(&back);
    free(text);
    return n;
}

/* Decoding text must fail, with a message. */
static void decode_fails(const char *text, const char *why)
{
    rb_hist h;
    rb_hist_init(&h);
    char err[RB_ERRLEN] = "";
    int rc = rb_hist_decode(&h, text, err, sizeof err);
    CHECKF(rc < 0 && err[0] && h.count == 0, "decoding %s (%s) should fail: rc %d", text, why, rc);
    rb_hist_free(&h);
}

static void test_codec(void)
{
    rb_hist h;
    rb_hist_init(&h);
    round_trip("empty", &h);
    char *t = rb_hist_encode(&h);
    CHECKF(strcmp(t, "rbh1 0") == 0, "empty encodes as 'rbh1 0', not '%s'", t);
    free(t);

    /* the edges of the layout: 0, the last exact value, the first bucketed one, the largest */
    uint64_t edges[] = {0, 1, 2047, 2048, 2049, 4095, 4096, 1000000, UINT64_MAX / 2, UINT64_MAX - 1, UINT64_MAX};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        rb_hist one;
        rb_hist_init(&one);
        rb_hist_add(&one, edges[i]);
        char name[64];
        snprintf(name, sizeof name, "single %llu", (unsigned long long)edges[i]);
        round_trip(name, &one);
        rb_hist_add(&h, edges[i]);
        rb_hist_free(&one);
    }
    round_trip("edges", &h);
    /* large counts in one bucket (tokens of several characters) */
    for (int i = 0; i < 100000; i++) rb_hist_add(&h, 2048);
    round_trip("edges and 100000 x 2048", &h);
    rb_hist_free(&h);

    /* random samples of every distribution */
    gen_fn gens[] = {gen_uniform, gen_exponential, gen_loguniform, gen_lognormal, gen_small};
    for (size_t g = 0; g < sizeof gens / sizeof gens[0]; g++) {
        rb_hist_init(&h);
        size_t n = 1 + rng_next() % 50000;
        for (size_t i = 0; i < n; i++) rb_hist_add(&h, gens[g]());
        round_trip("random", &h);
        rb_hist_free(&h);
    }

    /* Bounded: every bucket from 1 us to 1 day filled, with 1..1000 samples
     * each, stays well under 100 KB (1 per bucket: about one character each). */
    rb_hist_init(&h);
    uint64_t day = 86400ull * 1000000ull;
    for (uint64_t v = 1; v <= day;) {
        uint64_t n = 1 + rng_next() % 1000;
        for (uint64_t k = 0; k < n; k++) rb_hist_add(&h, v);
        v = v < 2048 ? v + 1 : v + (1ull << (63 - __builtin_clzll(v) - RB_HIST_SUB_BITS));
    }
    size_t full = round_trip("1 us .. 1 day, every bucket", &h);
    printf("test_hist: 1 us .. 1 day, every bucket filled with 1..1000 samples: %zu characters\n", full);
    CHECKF(full < 70000, "a full 1 us .. 1 day histogram takes %zu characters", full);
    rb_hist_free(&h);
    rb_hist_init(&h);
    for (uint64_t v = 1; v <= day;)
        rb_hist_add(&h, v), v = v < 2048 ? v + 1 : v + (1ull << (63 - __builtin_clzll(v) - RB_HIST_SUB_BITS));
    size_t ones = round_trip("1 us .. 1 day, one sample a bucket", &h);
    printf("test_hist: 1 us .. 1 day, one sample a bucket: %zu characters\n", ones);
    CHECKF(ones < 40000, "one sample a bucket takes %zu characters", ones);
    rb_hist_free(&h);

    /* damaged text */
    decode_fails("", "empty");
    decode_fails("rbh2 0", "unknown version");
    decode_fails("rbh1 0 ", "trailing text");
    decode_fails("rbh1 x", "count not a number");
    decode_fails("rbh1 99999999999999999999 0 0 0000000000000000 0000000000000000 C", "count overflows");
    decode_fails("rbh1 1 5 4 0000000000000000 0000000000000000 C", "min > max");
    decode_fails("rbh1 1 0 0 zz00000000000000 0000000000000000 C", "sum not hex");
    decode_fails("rbh1 1 0 0 7ff0000000000000 0000000000000000 C", "sum is inf");
    decode_fails("rbh1 1 0 0 bff0000000000000 0000000000000000 C", "sum negative");
    decode_fails("rbh1 1 0 0 0000000000000000 0000000000000000 C", "count 2 in buckets, header 1");
    decode_fails("rbh1 1 0 0 0000000000000000 0000000000000000 C!", "bad character");
    decode_fails("rbh1 1 0 0 0000000000000000 0000000000000000 A", "a zero token");
    decode_fails("rbh1 1 0 0 0000000000000000 0000000000000000 g", "a token cut short");
    decode_fails("rbh1 1 0 0 0000000000000000 0000000000000000 ggggggggggggggB", "a token over 64 bits");
    decode_fails("rbh1 1 0 0 0000000000000000 0000000000000000 RB", "min not in the first bucket");
    decode_fails("rbh1 1 1 1 0000000000000000 0000000000000000 w__________B", "past the last bucket");
    /* a valid hand-written one: 3 samples of 1 (skip bucket 0, count 3) */
    char err[RB_ERRLEN];
    rb_hist_init(&h);
    CHECKF(rb_hist_decode(&h, "rbh1 3 1 1 4008000000000000 0000000000000000 RD", err, sizeof err) == 0, "%s", err);
    CHECK(h.count == 3 && h.low[1] == 3 && rb_hist_percentile(&h, 50) == 1 && rb_hist_mean(&h) == 1.0);
    rb_hist_free(&h);
}

int main(void)
{
    run_dist("uniform", gen_uniform, 200000, 0);
    run_dist("exponential", gen_exponential, 200000, 0);
    run_dist("loguniform", gen_loguniform, 200000, 0);
    run_dist("lognormal", gen_lognormal, 200000, 0);
    run_dist("small", gen_small, 50000, 1);
    run_dist("constant", gen_constant, 1000, 0);
    run_dist("single", gen_lognormal, 1, 0);
    run_dist("few", gen_loguniform, 7, 0);
    test_edges();
    test_codec();
    return rbtest_done("test_hist");
}
