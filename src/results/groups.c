/* groups: phases grouped across repetitions (see rb_groups.h). */
#include "results/rb_groups.h"
#include "results/rb_report.h"
#include "util/rb_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double rb_median(const double *v, size_t n)
{
    double t[RB_G_MAXREP];
    size_t m = 0;
    for (size_t i = 0; i < n && m < RB_G_MAXREP; i++)
        if (isfinite(v[i])) t[m++] = v[i];
    if (m == 0) return NAN;
    qsort(t, m, sizeof *t, cmp_d);
    return m % 2 ? t[m / 2] : (t[m / 2 - 1] + t[m / 2]) / 2;
}

static rb_group *find_group(rb_groups *gs, const char *reg, const char *scn, const char *label, const char *phase)
{
    for (size_t i = 0; i < gs->n; i++) {
        rb_group *g = &gs->g[i];
        if (!strcmp(g->registry, reg) && !strcmp(g->scenario, scn) && !strcmp(g->label, label) && !strcmp(g->phase, phase))
            return g;
    }
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

void rb_groups_collect(const json_t *runs, rb_groups *gs)
{
    static const char *const lat_keys[] = {"p50", "p90", "p95", "p99", "p999", "max"};
    for (size_t ri = 0; ri < json_array_size(runs); ri++) {
        const json_t *run = json_array_get(runs, ri);
        const json_t *phases = json_object_get(run, "phases");
        for (size_t pi = 0; pi < json_array_size(phases); pi++) {
            const json_t *ph = json_array_get(phases, pi);
            int complete = !json_is_false(json_object_get(ph, "complete"));
            double ops = rb_json_num(ph, "ops"), errors = rb_json_num(ph, "errors");
            if (ops == 0 && errors == 0 && complete) continue;
            char key[256];
            rb_phase_key(phases, pi, key, sizeof key);
            rb_group *g = find_group(gs, rb_json_str(run, "registry"), rb_json_str(run, "scenario"),
                                     rb_json_str(run, "label"), key);
            if (g->n < RB_G_MAXREP) {
                const json_t *lat = json_object_get(ph, "latency_ms");
                g->v[RB_G_MBPS][g->n] = rb_json_num(ph, "throughput_MBps");
                g->v[RB_G_OPS][g->n] = rb_json_num(ph, "ops_per_s");
                for (int k = 0; k < 6; k++)
                    g->v[RB_G_P50 + k][g->n] = ops > 0 ? rb_json_num(lat, lat_keys[k]) : NAN;
                g->n++;
            }
            g->ops += isfinite(ops) ? ops : 0;
            g->errors += isfinite(errors) ? errors : 0;
            if (!complete) g->incomplete = 1;
        }
    }
}

double rb_group_median(const rb_group *g, int which)
{
    return rb_median(g->v[which], g->n);
}

void rb_groups_free(rb_groups *gs)
{
    free(gs->g);
    memset(gs, 0, sizeof *gs);
}
