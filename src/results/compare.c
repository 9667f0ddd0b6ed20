/* compare: regression detection between a baseline and a new suite result.
 * Phases are grouped by (registry, scenario, label, phase key) on each side
 * (rb_groups); each group on both sides yields one row per key metric of the
 * stat table (rb_stat.h) with the medians over repetitions, the
 * signed change relative to the baseline, and a Mann-Whitney U test when both
 * sides have enough repetitions. A regression is a change worse than the
 * threshold that is significant, or untested (too few repetitions). Keys on
 * one side only are listed as added or removed, never as regressions. */
#include "results/rb_compare.h"
#include "results/rb_groups.h"
#include "results/rb_load.h"
#include "util/rb_util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Mann-Whitney U ---------------------------------------------------------- */

typedef struct labeled {
    double v;
    int from_x;
} labeled;

static int cmp_labeled(const void *a, const void *b)
{
    double x = ((const labeled *)a)->v, y = ((const labeled *)b)->v;
    return (x > y) - (x < y);
}

/* Exact two-sided p: the distribution of the doubled rank sum of x over all
 * C(N, nx) ways to pick nx of the N doubled midranks `r2`. */
static double mw_exact(const int *r2, size_t n, size_t nx, long obs)
{
    long smax = 0;
    for (size_t i = 0; i < n; i++) smax += r2[i];
    size_t width = (size_t)smax + 1;
    /* ways[k * width + s]: subsets of size k with doubled rank sum s */
    double *ways = rb_calloc((nx + 1) * width, sizeof *ways);
    ways[0] = 1.0;
    long reach = 0;
    for (size_t i = 0; i < n; i++) {
        reach += r2[i];
        size_t kmax = i + 1 < nx ? i + 1 : nx;
        for (size_t k = kmax; k >= 1; k--) {
            double *dst = ways + k * width, *src = ways + (k - 1) * width;
            for (long s = reach; s >= r2[i]; s--) dst[s] += src[s - r2[i]];
        }
    }
    double total = 0, le = 0, ge = 0;
    const double *row = ways + nx * width;
    for (long s = 0; s <= smax; s++) {
        total += row[s];
        if (s <= obs) le += row[s];
        if (s >= obs) ge += row[s];
    }
    free(ways);
    double p = 2.0 * (le < ge ? le : ge) / total;
    return p > 1.0 ? 1.0 : p;
}

double rb_mann_whitney_p(const double *x, size_t nx, const double *y, size_t ny)
{
    if (nx == 0 || ny == 0) return 1.0;
    size_t n = nx + ny;
    labeled *m = rb_malloc(n * sizeof *m);
    for (size_t i = 0; i < nx; i++) m[i] = (labeled){x[i], 1};
    for (size_t i = 0; i < ny; i++) m[nx + i] = (labeled){y[i], 0};
    qsort(m, n, sizeof *m, cmp_labeled);

    /* doubled midranks: a tie group at 0-based positions [i, j) gets ranks
     * i+1..j, midrank (i+1+j)/2, doubled i+1+j (an integer) */
    int *r2 = rb_malloc(n * sizeof *r2);
    long obs = 0;          /* doubled rank sum of x */
    double tie_sum = 0;    /* sum of t^3 - t over tie groups */
    int ties = 0, groups = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && m[j].v == m[i].v) j++;
        double t = (double)(j - i);
        if (j - i > 1) ties = 1;
        tie_sum += t * t * t - t;
        groups++;
        for (size_t k = i; k < j; k++) {
            r2[k] = (int)(i + 1 + j);
            if (m[k].from_x) obs += r2[k];
        }
        i = j;
    }
    free(m);
    double p;
    if (groups == 1) {
        p = 1.0;   /* all values equal: nothing to test */
    } else if ((!ties && nx <= 50 && ny <= 50) || (ties && nx <= 25 && ny <= 25)) {
        p = mw_exact(r2, n, nx, obs);
    } else {
        double u1 = (double)obs / 2.0 - (double)nx * (double)(nx + 1) / 2.0;
        double N = (double)n, n1n2 = (double)nx * (double)ny;
        double mu = n1n2 / 2.0;
        double sigma = sqrt(n1n2 / 12.0 * ((N + 1.0) - tie_sum / (N * (N - 1.0))));
        double d = fabs(u1 - mu) - 0.5;   /* continuity correction */
        if (sigma <= 0 || d <= 0) p = 1.0;
        else p = erfc(d / sigma / sqrt(2.0));
        if (p > 1.0) p = 1.0;
    }
    free(r2);
    return p;
}

/* ---- comparing groups ------------------------------------------------------ */

/* The finite values of v[0..n), in order, into a new array; *m: how many. */
static double *finite_values(const double *v, size_t n, size_t *m)
{
    double *out = rb_malloc((n ? n : 1) * sizeof *out);
    *m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) out[(*m)++] = v[i];
    return out;
}

static int all_zero(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] != 0) return 0;
    return 1;
}

static double round_to(double x, int dec)
{
    double s = pow(10.0, dec);
    double r = round(x * s) / s;
    return isfinite(r) ? r : x;
}

static json_t *key_object(const rb_group *g)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "registry", g->registry, "scenario", g->scenario,
                     "label", g->label, "phase", g->phase);
}

/* The row of statistic st between the same group in the baseline (gb) and
 * the new results (gn), or NULL when a side has no sample or every sample
 * is 0 (e.g. MB/s of a phase that moves no bytes). */
static json_t *compare_stat(const rb_group *gb, const rb_group *gn, const rb_stat *st, double threshold_pct,
                            int *regression)
{
    size_t nb, nn;
    double *b = finite_values(gb->v[st->id], gb->n, &nb), *n = finite_values(gn->v[st->id], gn->n, &nn);
    json_t *row = NULL;
    *regression = 0;
    if (nb > 0 && nn > 0 && !(all_zero(b, nb) && all_zero(n, nn))) {
        double mb = rb_median(b, nb), mn = rb_median(n, nn);
        double chg = NAN;
        if (mb != 0) chg = (mn - mb) / mb * 100.0;
        else if (mn == 0) chg = 0;
        json_t *change = isfinite(chg) ? json_real(round_to(chg, 3)) : json_null();
        int tested = nb >= RB_COMPARE_MIN_SAMPLES && nn >= RB_COMPARE_MIN_SAMPLES;
        double p = tested ? rb_mann_whitney_p(b, nb, n, nn) : NAN;
        int significant = tested && p < RB_COMPARE_ALPHA;
        int worse = isfinite(chg) && (st->higher_better ? chg < -threshold_pct : chg > threshold_pct);
        *regression = worse && (!tested || significant);
        row = key_object(gb);
        json_object_set_new(row, "metric", json_string(st->column));
        json_object_set_new(row, "better", json_string(st->higher_better ? "higher" : "lower"));
        json_object_set_new(row, "baseline_median", json_real(mb));
        json_object_set_new(row, "new_median", json_real(mn));
        json_object_set_new(row, "change_pct", change);
        json_object_set_new(row, "n_baseline", json_integer((json_int_t)nb));
        json_object_set_new(row, "n_new", json_integer((json_int_t)nn));
        json_object_set_new(row, "p_value", tested ? json_real(p) : json_null());
        json_object_set_new(row, "significant", tested ? json_boolean(significant) : json_null());
        json_object_set_new(row, "regression", json_boolean(*regression));
    }
    free(b);
    free(n);
    return row;
}

json_t *rb_compare(const json_t *baseline, const json_t *newer, double threshold_pct)
{
    rb_groups gb = {0}, gn = {0};
    rb_groups_collect(json_object_get(baseline, "runs"), RB_GROUPS_COMPARE, &gb);
    rb_groups_collect(json_object_get(newer, "runs"), RB_GROUPS_COMPARE, &gn);
    const rb_stat *metrics[RB_STAT__COUNT];
    size_t n_metrics = rb_stat_compared(metrics, RB_STAT__COUNT);

    json_t *rows = json_array(), *added = json_array(), *removed = json_array();
    int regressions = 0;
    for (size_t i = 0; i < gb.n; i++) {
        const rb_group *b = &gb.g[i], *n = rb_groups_find(&gn, b->registry, b->scenario, b->label, b->phase);
        if (!n) {
            json_array_append_new(removed, key_object(b));
            continue;
        }
        for (size_t m = 0; m < n_metrics; m++) {
            int regression;
            json_t *row = compare_stat(b, n, metrics[m], threshold_pct, &regression);
            if (!row) continue;
            regressions += regression;
            json_array_append_new(rows, row);
        }
    }
    for (size_t i = 0; i < gn.n; i++) {
        const rb_group *n = &gn.g[i];
        if (!rb_groups_find(&gb, n->registry, n->scenario, n->label, n->phase))
            json_array_append_new(added, key_object(n));
    }
    rb_groups_free(&gb);
    rb_groups_free(&gn);

    json_t *cmp = json_object();
    json_object_set_new(cmp, "threshold_pct", json_real(threshold_pct));
    json_object_set_new(cmp, "alpha", json_real(RB_COMPARE_ALPHA));
    json_object_set_new(cmp, "rows", rows);
    json_object_set_new(cmp, "regressions", json_integer(regressions));
    json_object_set_new(cmp, "added", added);
    json_object_set_new(cmp, "removed", removed);
    return cmp;
}

/* ---- the table --------------------------------------------------------------- */

/* "scenario[/label]/registry=R/phase=P" of a row or key object (allocated). */
static char *row_name(const json_t *r)
{
    const char *label = rb_json_str(r, "label");
    return rb_asprintf("%s%s%s/registry=%s/phase=%s", rb_json_str(r, "scenario"), *label ? "/" : "", label,
                       rb_json_str(r, "registry"), rb_json_str(r, "phase"));
}

static void fmt_value(double v, char *buf, size_t len)
{
    double a = fabs(v);
    snprintf(buf, len, a >= 1000 ? "%.0f" : a >= 100 ? "%.1f" : a >= 10 ? "%.2f" : "%.3f", v);
}

enum { C_NAME, C_METRIC, C_OLD, C_NEW, C_DELTA, C_P, C_FLAG, N_COLS };

void rb_compare_print(const json_t *cmp, FILE *out)
{
    json_t *rows = json_object_get(cmp, "rows");
    size_t n = json_array_size(rows);
    char ***cells = rb_calloc(n + 1, sizeof *cells);
    static const char *const head[N_COLS] = {"name", "metric", "baseline", "new", "delta", "p-value", ""};
    size_t w[N_COLS] = {0};
    for (size_t i = 0; i <= n; i++) {
        cells[i] = rb_calloc(N_COLS, sizeof **cells);
        if (i == 0) {
            for (int c = 0; c < N_COLS; c++) cells[0][c] = rb_strdup(head[c]);
        } else {
            const json_t *r = json_array_get(rows, i - 1);
            char a[64], b[64];
            cells[i][C_NAME] = row_name(r);
            cells[i][C_METRIC] = rb_strdup(rb_json_str(r, "metric"));
            fmt_value(rb_json_num(r, "baseline_median"), a, sizeof a);
            cells[i][C_OLD] = rb_strdup(a);
            fmt_value(rb_json_num(r, "new_median"), b, sizeof b);
            cells[i][C_NEW] = rb_strdup(b);
            double chg = rb_json_num(r, "change_pct");
            cells[i][C_DELTA] = isfinite(chg) ? rb_asprintf("%+.2f%%", chg) : rb_strdup("n/a");
            long long nb = (long long)rb_json_num(r, "n_baseline"), nn = (long long)rb_json_num(r, "n_new");
            double p = rb_json_num(r, "p_value");
            if (!isfinite(p))
                cells[i][C_P] = rb_asprintf("untested (n=%lld+%lld)", nb, nn);
            else if (json_is_true(json_object_get(r, "significant")))
                cells[i][C_P] = rb_asprintf("p=%.3f n=%lld+%lld", p, nb, nn);
            else
                cells[i][C_P] = rb_asprintf("~ (p=%.3f n=%lld+%lld)", p, nb, nn);
            cells[i][C_FLAG] = rb_strdup(json_is_true(json_object_get(r, "regression")) ? "REGRESSION" : "");
        }
        for (int c = 0; c < N_COLS; c++) {
            size_t l = strlen(cells[i][c]);
            if (l > w[c]) w[c] = l;
        }
    }
    double thr = rb_json_num(cmp, "threshold_pct");
    fprintf(out, "threshold %g%%, alpha %g, Mann-Whitney U with at least %d repetitions per side\n\n",
            thr, rb_json_num(cmp, "alpha"), RB_COMPARE_MIN_SAMPLES);
    if (n == 0) {
        fprintf(out, "no phase in common\n");
    } else {
        for (size_t i = 0; i <= n; i++) {
            /* text columns left-aligned, numbers right-aligned */
            fprintf(out, "%-*s  %-*s  %*s  %*s  %*s  %-*s", (int)w[C_NAME], cells[i][C_NAME],
                    (int)w[C_METRIC], cells[i][C_METRIC], (int)w[C_OLD], cells[i][C_OLD],
                    (int)w[C_NEW], cells[i][C_NEW], (int)w[C_DELTA], cells[i][C_DELTA],
                    *cells[i][C_FLAG] ? (int)w[C_P] : 0, cells[i][C_P]);
            if (*cells[i][C_FLAG]) fprintf(out, "  %s", cells[i][C_FLAG]);
            fputc('\n', out);
        }
    }
    for (size_t i = 0; i <= n; i++) {
        for (int c = 0; c < N_COLS; c++) free(cells[i][c]);
        free(cells[i]);
    }
    free(cells);

    size_t j;
    json_t *k;
    json_array_foreach(json_object_get(cmp, "removed"), j, k) {
        char *name = row_name(k);
        fprintf(out, "only in baseline: %s\n", name);
        free(name);
    }
    json_array_foreach(json_object_get(cmp, "added"), j, k) {
        char *name = row_name(k);
        fprintf(out, "only in new: %s\n", name);
        free(name);
    }
    long long reg = (long long)rb_json_num(cmp, "regressions");
    if (reg > 0)
        fprintf(out, "\n%lld regression%s beyond %g%%\n", reg, reg == 1 ? "" : "s", thr);
    else
        fprintf(out, "\nno regression beyond %g%%\n", thr);
}

int rb_parse_change_pct(const char *s, double *pct, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    double v = s && *s ? strtod(s, &end) : NAN;
    if (s && *s && !errno && end != s && (strcmp(end, "%") == 0 || *end == '\0') && isfinite(v) && v >= 0) {
        *pct = v;
        return 0;
    }
    return rb_err(err, errlen, "bad threshold \"%s\": use a non-negative percentage such as 5%%", s ? s : "");
}
