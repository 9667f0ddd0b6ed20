/* rb_compare: regression detection between two suite results (baseline and
 * new, as loaded by rb_results_load). Phases are matched by (registry,
 * scenario, label, phase); for each match and key metric (the compared rows
 * of the stat table, rb_stat.h: throughput_MBps, ops_per_s: higher is
 * better; p50_ms, p95_ms, p99_ms: lower is better) the repetitions on each
 * side are the samples. With at least RB_COMPARE_MIN_SAMPLES on each side a
 * two-sided Mann-Whitney U test decides significance at RB_COMPARE_ALPHA (as
 * benchstat does); with fewer the change is "untested" and counts as a
 * regression only when every new sample is worse than every baseline one
 * (or, with strict, on the threshold alone). Every row carries a
 * distribution-free confidence interval of the ratio new/baseline, and a
 * difference under a metric's floor is never a regression. The comparison
 * object is described in docs/results-schema.md ("Comparison"). */
#ifndef RB_COMPARE_H
#define RB_COMPARE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#define RB_COMPARE_ALPHA 0.05
#define RB_COMPARE_MIN_SAMPLES 4
#define RB_COMPARE_CONFIDENCE 0.95     /* of the interval of the change (tested rows) */
#define RB_COMPARE_FLOOR_MS 0.1        /* latency medians closer than this never regress */
#define RB_COMPARE_FLOOR_MBPS 0.1      /* throughput medians closer than this never regress */

/* How to compare. */
typedef struct rb_compare_opts {
    double threshold_pct;   /* the largest change that is not a regression, in percent (--max-change) */
    int strict;             /* untested rows (too few repetitions) fail on the threshold alone */
} rb_compare_opts;

/* Two-sided p-value of the Mann-Whitney U test of x against y (midranks for
 * ties): exact permutation distribution when both samples are at most 50
 * values (25 with ties), else the normal approximation with tie and
 * continuity correction. 1 when a sample is empty or all values are equal. */
double rb_mann_whitney_p(const double *x, size_t nx, const double *y, size_t ny);

/* P(U <= u) of the Mann-Whitney statistic for samples of m and n values
 * without ties (exact up to 50 a side, else the normal approximation). */
double rb_mann_whitney_cdf(size_t m, size_t n, double u);

/* The distribution-free confidence interval of the ratio y/x (the Moses
 * interval that goes with the Hodges-Lehmann estimate, on the ratio): the
 * order statistics c+1 and M-c of the M = nx*ny ratios y_j/x_i, where c is
 * the largest count with P(U <= c) <= (1-confidence)/2; confidence 0 asks for
 * c = 0, the range of all ratios. *level: the interval's exact coverage.
 * Returns 0, or -1 (nothing set) when a sample is empty, an x is not
 * positive, or the confidence cannot be reached with so few values. */
int rb_ratio_ci(const double *x, size_t nx, const double *y, size_t ny, double confidence, double *lo,
                double *hi, double *level);

/* Compares two suites (suite form) as o says; returns the comparison object
 * (new reference): threshold_pct, strict, alpha, confidence, min_samples,
 * floors, rows, regressions, untested, added, removed. */
json_t *rb_compare_with(const json_t *baseline, const json_t *newer, const rb_compare_opts *o);

/* rb_compare_with with threshold_pct and the default rule (not strict). */
json_t *rb_compare(const json_t *baseline, const json_t *newer, double threshold_pct);

/* Prints a comparison object as an aligned table, benchstat style. */
void rb_compare_print(const json_t *cmp, FILE *out);

/* Parses the regression threshold of a comparison, a change in percent such
 * as "5%", "2.5%" or "5", into *pct. Returns 0, or -1 with a message in err.
 * (Not a suite threshold expression: those are rb_threshold_parse's.) */
int rb_parse_change_pct(const char *s, double *pct, char *err, size_t errlen);

/* The value of compare's and report's --max-change (or of its alias
 * --threshold, which takes a bare percentage only) into *pct. Returns 0, or
 * -1 with a message that names the option in err. */
int rb_parse_max_change(const char *option, const char *value, double *pct, char *err, size_t errlen);

#endif
