/* fuzz_hist: libFuzzer target for the histogram text codec (src/measure/hist.c,
 * rb_hist_decode), which reads the "hist" of a shard's results.json. Each
 * input is decoded as text. The decoder must never crash, leak or hang; on
 * failure it leaves the histogram empty; on success the histogram is
 * consistent (the counts add up, min and max are samples, percentiles stay
 * within them), and encoding it and decoding the text gives back the same
 * histogram bucket for bucket. Built by tests/fuzz/CMakeLists.txt
 * (-DREGBENCH_FUZZ=ON, clang); see tests/fuzz/README.md. */
#include "measure/rb_hist.h"
#include "util/rb_util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether a and b hold the same samples, bucket for bucket, and the same header. */
static int same(const rb_hist *a, const rb_hist *b)
{
    if (a->count != b->count || a->min != b->min || a->max != b->max) return 0;
    if (memcmp(&a->sum, &b->sum, sizeof a->sum) || memcmp(&a->sumsq, &b->sumsq, sizeof a->sumsq)) return 0;
    if (memcmp(a->low, b->low, sizeof a->low)) return 0;
    for (int e = 0; e < RB_HIST_EXPONENTS; e++)
        for (unsigned i = 0; i < (1u << RB_HIST_SUB_BITS); i++)
            if ((a->high[e] ? a->high[e][i] : 0) != (b->high[e] ? b->high[e][i] : 0)) return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    rb_hist h, back;
    rb_hist_init(&h);
    rb_hist_init(&back);
    char err[RB_ERRLEN];
    if (rb_hist_decode(&h, text, err, sizeof err) < 0) {
        if (h.count || !err[0]) abort();
        for (int e = 0; e < RB_HIST_EXPONENTS; e++)
            if (h.high[e]) abort();
    } else {
        if (h.count && (h.min > h.max || rb_hist_percentile(&h, 50) < h.min || rb_hist_percentile(&h, 99.9) > h.max))
            abort();
        char *again = rb_hist_encode(&h);
        if (rb_hist_decode(&back, again, err, sizeof err) < 0 || !same(&h, &back)) abort();
        free(again);
    }
    rb_hist_free(&h);
    rb_hist_free(&back);
    free(text);
    return 0;
}
