/* groups: phases grouped across repetitions (see rb_groups.h). The two
 * modes differ only in which phases they keep, how many repetitions and how
 * long a phase key may be (the table below); values are read the same way. */
#include "results/rb_groups.h"
#include "results/rb_load.h"
#include "util/rb_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct mode {
    int skip_empty;     /* leave out complete phases with no operations and no errors */
    int skip_cut;       /* leave out phases that were cut short */
    size_t max_reps;    /* repetitions kept per group; 0: all */
    size_t key_len;     /* buffer for the phase key */
} MODES[] = {
    [RB_GROUPS_VIEW] = {1, 0, RB_G_MAXREP, 256},
    [RB_GROUPS_COMPARE] = {0, 1, 0, 512},
};

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double rb_median(const double *v, size_t n)
{
    double small[RB_G_MAXREP];
    double *t = n <= RB_G_MAXREP ? small : rb_malloc(n * sizeof *t);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) t[m++] = v[i];
    double r = NAN;
    if (m > 0) {
        qsort(t, m, sizeof *t, cmp_d);
        r = m % 2 ? t[m / 2] : (t[m / 2 - 1] + t[m / 2]) / 2;
    }
    if (t != small) free(t);
    return r;
}

const rb_group *rb_groups_find(const rb_groups *gs, const char *reg, const char *scn, const char *label,
                               const char *phase)
{
    for (size_t i = 0; i < gs->n; i++) {
        const rb_group *g = &gs->g[i];
        if (!strcmp(g->registry, reg) && !strcmp(g->scenario, scn) && !strcmp(g->label, label) && !strcmp(g->phase, phase))
            return g;
    }
    return NULL;
}

static rb_group *find_or_add(rb_groups *gs, const char *reg, const char *scn, const char *label, const char *phase)
{
    const rb_group *found = rb_groups_find(gs, reg, scn, label, phase);
    if (found) return &gs->g[found - gs->g];
    if (gs->n == gs->cap) {
        gs->cap = gs->cap ? gs->cap * 2 : 32;
        gs->g = rb_realloc(gs->g, gs->cap * sizeof *gs->g);
    }
    rb_group *g = &gs->g[gs->n++];
    memset(g, 0, sizeof *g);
    g->registry = reg;
    g->scenario = scn;
    g->label = label;
    snprintf(g->phase, sizeof g->phase, "%s", phase);
    return g;
}

/* Appends one repetition's values of phase ph (with ops operations). */
static void add_rep(rb_group *g, const json_t *ph, double ops)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 4;
        for (int s = 0; s < RB_STAT__COUNT; s++) g->v[s] = rb_realloc(g->v[s], g->cap * sizeof *g->v[s]);
    }
    for (int s = 0; s < RB_STAT__COUNT; s++) {
        const rb_stat *st = rb_stat_get((rb_stat_id)s);
        g->v[s][g->n] = st->latency && !(ops > 0) ? NAN : rb_json_stat(ph, st);
    }
    g->n++;
}

void rb_groups_collect(const json_t *runs, rb_groups_mode mode, rb_groups *gs)
{
    const struct mode *md = &MODES[mode];
    for (size_t ri = 0; ri < json_array_size(runs); ri++) {
        const json_t *run = json_array_get(runs, ri);
        const json_t *phases = json_object_get(run, "phases");
        for (size_t pi = 0; pi < json_array_size(phases); pi++) {
            const json_t *ph = json_array_get(phases, pi);
            int complete = !json_is_false(json_object_get(ph, "complete"));
            double ops = rb_json_num(ph, "ops"), errors = rb_json_num(ph, "errors");
            if (md->skip_empty && ops == 0 && errors == 0 && complete) continue;
            if (md->skip_cut && !complete) continue;
            char key[512];
            rb_phase_key(phases, pi, key, md->key_len);
            rb_group *g = find_or_add(gs, rb_json_str(run, "registry"), rb_json_str(run, "scenario"),
                                      rb_json_str(run, "label"), key);
            if (md->max_reps == 0 || g->n < md->max_reps) add_rep(g, ph, ops);
            g->ops += isfinite(ops) ? ops : 0;
            g->errors += isfinite(errors) ? errors : 0;
            if (!complete) g->incomplete = 1;
        }
    }
}

double rb_group_median(const rb_group *g, rb_stat_id which)
{
    return rb_median(g->v[which], g->n);
}

void rb_groups_free(rb_groups *gs)
{
    for (size_t i = 0; i < gs->n; i++)
        for (int s = 0; s < RB_STAT__COUNT; s++) free(gs->g[i].v[s]);
    free(gs->g);
    memset(gs, 0, sizeof *gs);
}
