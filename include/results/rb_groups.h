/* rb_groups: the phases of a suite's runs grouped by (registry, scenario,
 * label, phase key) across repetitions, with every statistic of the stat
 * table (rb_stat.h) per repetition. The one grouping engine: summary.md and
 * report.html (through rb_sections) show a group's medians, rb_compare
 * compares the repetitions of the same group in two documents. A view of
 * the suite results document. */
#ifndef RB_GROUPS_H
#define RB_GROUPS_H

#include <jansson.h>
#include <stddef.h>

#include "measure/rb_stat.h"

#define RB_G_MAXREP 64   /* repetitions a group keeps in RB_GROUPS_VIEW */

/* Which phases a grouping keeps, and how much of them. */
typedef enum rb_groups_mode {
    RB_GROUPS_VIEW,      /* summary.md, report.html: phases with operations or errors, and cut
                            ones (marked incomplete); the first RB_G_MAXREP repetitions;
                            phase keys cut at 255 bytes */
    RB_GROUPS_COMPARE,   /* rb_compare: every complete phase (cut ones are left out), every repetition */
} rb_groups_mode;

typedef struct rb_group {
    const char *registry, *scenario, *label;   /* borrowed from the document */
    char phase[512];                           /* phase key (rb_phase_key: "name" or "name#k") */
    double *v[RB_STAT__COUNT];                 /* v[stat][rep] for rep < n (rb_json_stat): NaN when
                                                  absent, latencies NaN for a phase without ops */
    size_t n, cap;                             /* repetitions kept */
    double ops, errors;                        /* summed over all repetitions */
    int incomplete;                            /* some repetition was cut short */
} rb_group;

typedef struct rb_groups {
    rb_group *g;
    size_t n, cap;
} rb_groups;

/* Groups every phase of runs (a suite's "runs" array) into gs (zeroed, or
 * holding earlier groups), in first-seen order, as mode says. */
void rb_groups_collect(const json_t *runs, rb_groups_mode mode, rb_groups *gs);
/* The group of (registry, scenario, label, phase key), or NULL. */
const rb_group *rb_groups_find(const rb_groups *gs, const char *registry, const char *scenario, const char *label,
                               const char *phase);
/* The median of the finite values of statistic `which` of a group (NaN if none). */
double rb_group_median(const rb_group *g, rb_stat_id which);
/* Median of the finite values of v[0..n) (v unchanged); NaN if none. */
double rb_median(const double *v, size_t n);
/* Frees the groups (the document they borrow from must outlive them). */
void rb_groups_free(rb_groups *gs);

#endif
