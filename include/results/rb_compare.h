/* rb_compare: regression detection between two suite results (baseline and
 * new, as loaded by rb_results_load). Phases are matched by (registry,
 * scenario, label, phase); for each match and key metric (the compared rows
 * of the stat table, rb_stat.h: throughput_MBps, ops_per_s: higher is
 * better; p50_ms, p95_ms, p99_ms: lower is better) the repetitions on each
 * side are the samples. With at least RB_COMPARE_MIN_SAMPLES on each side a
 * two-sided Mann-Whitney U test decides significance at RB_COMPARE_ALPHA (as
 * benchstat does); with fewer the change is "untested" and the threshold
 * alone decides. The comparison object is described in
 * docs/results-schema.md ("Comparison"). */
#ifndef RB_COMPARE_H
#define RB_COMPARE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#define RB_COMPARE_ALPHA 0.05
#define RB_COMPARE_MIN_SAMPLES 4

/* Two-sided p-value of the Mann-Whitney U test of x against y (midranks for
 * ties): exact permutation distribution when both samples are at most 50
 * values (25 with ties), else the normal approximation with tie and
 * continuity correction. 1 when a sample is empty or all values are equal. */
double rb_mann_whitney_p(const double *x, size_t nx, const double *y, size_t ny);

/* Compares two suites (suite form) with a regression threshold in percent;
 * returns the comparison object (new reference): threshold_pct, alpha, rows,
 * regressions, added, removed. */
json_t *rb_compare(const json_t *baseline, const json_t *newer, double threshold_pct);

/* Prints a comparison object as an aligned table, benchstat style. */
void rb_compare_print(const json_t *cmp, FILE *out);

/* Parses the regression threshold of a comparison, a change in percent such
 * as "5%", "2.5%" or "5", into *pct. Returns 0, or -1 with a message in err.
 * (Not a suite threshold expression: those are rb_threshold_parse's.) */
int rb_parse_change_pct(const char *s, double *pct, char *err, size_t errlen);


#endif
