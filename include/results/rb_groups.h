/* rb_groups: the phases of a suite's runs grouped by (registry, scenario,
 * label, phase key) across repetitions, with the values summary.md and the
 * HTML report show as medians. A view of the suite results document. */
#ifndef RB_GROUPS_H
#define RB_GROUPS_H

#include <jansson.h>
#include <stddef.h>

enum { RB_G_MBPS, RB_G_OPS, RB_G_P50, RB_G_P90, RB_G_P95, RB_G_P99, RB_G_P999, RB_G_MAX, RB_G_NV };
#define RB_G_MAXREP 64   /* repetitions kept per group */

typedef struct rb_group {
    const char *registry, *scenario, *label;   /* borrowed from the document */
    char phase[256];                           /* phase key (rb_phase_key: "name" or "name#k") */
    double v[RB_G_NV][RB_G_MAXREP];            /* per repetition; latency NaN for phases without ops */
    size_t n;
    double ops, errors;                        /* summed over repetitions */
    int incomplete;                            /* some repetition was cut short */
} rb_group;

typedef struct rb_groups {
    rb_group *g;
    size_t n, cap;
} rb_groups;

/* Groups every phase of runs (the suite's "runs" array) into gs, in first-seen
 * order; phases with no operations and no errors are left out unless cut. */
void rb_groups_collect(const json_t *runs, rb_groups *gs);
/* The median of the finite values of a group's value `which` (NaN if none). */
double rb_group_median(const rb_group *g, int which);
/* Median of the finite values of v[0..n) (v unchanged); NaN if none. */
double rb_median(const double *v, size_t n);
/* Frees the groups (the document they borrow from must outlive them). */
void rb_groups_free(rb_groups *gs);

#endif
