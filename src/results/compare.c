/* compare: regression detection between a baseline and a new suite result.
 * Phases are grouped by (registry, scenario, label, phase key) on each side
 * (rb_groups); each group on both sides yields one row per key metric of the
 * stat table (rb_stat.h) with the medians over repetitions, the signed
 * change relative to the baseline, a distribution-free confidence interval
 * of the ratio new/baseline, and a Mann-Whitney U test when both sides have
 * enough repetitions. A regression is a change worse than the threshold, by
 * more than the metric's floor, that is significant, or, untested (too few
 * repetitions), where every new sample is worse than every baseline one (the
 * threshold alone with strict). Keys on one side only are listed as added or
 * removed, never as regressions. */
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

/* ---- the interval of the ratio ------------------------------------------------ */

/* P(U <= w) for w = 0 .. W-1 into cdf, U the Mann-Whitney count of pairs
 * (x, y) with x > y for m x's and n y's without ties. Exact up to 50 a side:
 * the largest of i + j values is an x with probability i / (i + j), adding
 * j to U, else a y, adding nothing. Beyond: the normal approximation with
 * continuity correction. */
static void mw_cdf_table(size_t m, size_t n, size_t W, double *cdf)
{
    if (m > 50 || n > 50) {
        double M = (double)m * (double)n, mu = M / 2.0;
        double sigma = sqrt(M * ((double)(m + n) + 1.0) / 12.0);
        for (size_t w = 0; w < W; w++)
            cdf[w] = 0.5 * erfc(-(((double)w + 0.5 - mu) / sigma) / sqrt(2.0));
        return;
    }
    /* prev[j * W + w]: P(U = w) with i - 1 x's and j y's; cur: with i x's */
    double *prev = rb_calloc((n + 1) * W, sizeof *prev), *cur = rb_calloc((n + 1) * W, sizeof *cur);
    for (size_t j = 0; j <= n; j++) prev[j * W] = 1.0;
    for (size_t i = 1; i <= m; i++) {
        memset(cur, 0, (n + 1) * W * sizeof *cur);
        cur[0] = 1.0;
        for (size_t j = 1; j <= n; j++) {
            double px = (double)i / (double)(i + j);
            for (size_t w = 0; w < W; w++) {
                double v = (1.0 - px) * cur[(j - 1) * W + w];
                if (w >= j) v += px * prev[j * W + w - j];
                cur[j * W + w] = v;
            }
        }
        double *t = prev;
        prev = cur;
        cur = t;
    }
    double s = 0;
    for (size_t w = 0; w < W; w++) {
        s += prev[n * W + w];
        cdf[w] = s < 1.0 ? s : 1.0;
    }
    free(prev);
    free(cur);
}

double rb_mann_whitney_cdf(size_t m, size_t n, double u)
{
    if (m == 0 || n == 0) return 1.0;
    if (u < 0) return 0.0;
    if (u >= (double)m * (double)n) return 1.0;
    size_t W = (size_t)floor(u) + 1;
    double *cdf = rb_malloc(W * sizeof *cdf);
    mw_cdf_table(m, n, W, cdf);
    double p = cdf[W - 1];
    free(cdf);
    return p;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int rb_ratio_ci(const double *x, size_t nx, const double *y, size_t ny, double confidence, double *lo,
                double *hi, double *level)
{
    if (nx == 0 || ny == 0) return -1;
    for (size_t i = 0; i < nx; i++)
        if (!(x[i] > 0) || !isfinite(x[i])) return -1;
    size_t M = nx * ny, W = M / 2 + 1;
    double *cdf = rb_malloc(W * sizeof *cdf);
    mw_cdf_table(nx, ny, W, cdf);
    size_t c = 0;
    if (confidence > 0) {
        double tail = (1.0 - confidence) / 2.0;
        if (cdf[0] > tail) {
            free(cdf);
            return -1;
        }
        while (c + 1 < W && cdf[c + 1] <= tail && 2 * (c + 1) < M) c++;
    }
    double cover = 1.0 - 2.0 * cdf[c];
    free(cdf);
    double *r = rb_malloc(M * sizeof *r);
    for (size_t i = 0; i < nx; i++)
        for (size_t j = 0; j < ny; j++) r[i * ny + j] = y[j] / x[i];
    qsort(r, M, sizeof *r, cmp_double);
    *lo = r[c];
    *hi = r[M - 1 - c];
    *level = cover > 0 ? cover : 0;
    free(r);
    return 0;
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

/* A number, or null when x is not finite. */
static json_t *num_or_null(double x, int dec)
{
    return isfinite(x) ? json_real(round_to(x, dec)) : json_null();
}

/* Whether every value of n is worse than every value of b (one pass each). */
static int every_worse(const double *b, size_t nb, const double *n, size_t nn, int higher_better)
{
    double bmin = INFINITY, bmax = -INFINITY, nmin = INFINITY, nmax = -INFINITY;
    for (size_t i = 0; i < nb; i++) {
        bmin = fmin(bmin, b[i]);
        bmax = fmax(bmax, b[i]);
    }
    for (size_t i = 0; i < nn; i++) {
        nmin = fmin(nmin, n[i]);
        nmax = fmax(nmax, n[i]);
    }
    return higher_better ? nmax < bmin : nmin > bmax;
}

/* The floor of a metric in its unit (NAN: it has none). */
static double metric_floor(const rb_stat *st)
{
    if (st->latency) return RB_COMPARE_FLOOR_MS;
    if (st->id == RB_STAT_MBPS) return RB_COMPARE_FLOOR_MBPS;
    return NAN;
}

static json_t *key_object(const rb_group *g)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "registry", g->registry, "scenario", g->scenario,
                     "label", g->label, "phase", g->phase);
}

/* The row of statistic st between the same group in the baseline (gb) and
 * the new results (gn), or NULL when a side has no sample or every sample
 * is 0 (e.g. MB/s of a phase that moves no bytes). *regression, *untested:
 * what the row is. */
static json_t *compare_stat(const rb_group *gb, const rb_group *gn, const rb_stat *st, const rb_compare_opts *o,
                            int *regression, int *untested)
{
    size_t nb, nn;
    double *b = finite_values(gb->v[st->id], gb->n, &nb), *n = finite_values(gn->v[st->id], gn->n, &nn);
    json_t *row = NULL;
    *regression = *untested = 0;
    if (nb > 0 && nn > 0 && !(all_zero(b, nb) && all_zero(n, nn))) {
        double mb = rb_median(b, nb), mn = rb_median(n, nn);
        double chg = NAN;
        if (mb != 0) chg = (mn - mb) / mb * 100.0;
        else if (mn == 0) chg = 0;
        int tested = nb >= RB_COMPARE_MIN_SAMPLES && nn >= RB_COMPARE_MIN_SAMPLES;
        double p = tested ? rb_mann_whitney_p(b, nb, n, nn) : NAN;
        int significant = tested && p < RB_COMPARE_ALPHA;
        /* tested: the 95% interval; untested: the range of all ratios,
         * which lies wholly on the worse side exactly when all_worse */
        double lo = NAN, hi = NAN, level = NAN;
        if (rb_ratio_ci(b, nb, n, nn, tested ? RB_COMPARE_CONFIDENCE : 0, &lo, &hi, &level) == 0) {
            lo = (lo - 1.0) * 100.0;
            hi = (hi - 1.0) * 100.0;
        }
        int all_worse = every_worse(b, nb, n, nn, st->higher_better);
        /* tested: significant, and (with ties the two can differ) the
         * interval wholly on the worse side when there is one */
        int ci_worse = !isfinite(lo) || (st->higher_better ? hi < 0 : lo > 0);
        double floor_v = metric_floor(st);
        int below_floor = isfinite(floor_v) && fabs(mn - mb) < floor_v;
        int beyond = isfinite(chg) && (st->higher_better ? chg < -o->threshold_pct : chg > o->threshold_pct);
        int decided = tested ? significant && ci_worse : (o->strict || all_worse);
        *regression = beyond && decided && !below_floor;
        *untested = !tested;
        row = key_object(gb);
        json_object_set_new(row, "metric", json_string(st->column));
        json_object_set_new(row, "better", json_string(st->higher_better ? "higher" : "lower"));
        json_object_set_new(row, "baseline_median", json_real(mb));
        json_object_set_new(row, "new_median", json_real(mn));
        json_object_set_new(row, "change_pct", num_or_null(chg, 3));
        json_object_set_new(row, "ci_low_pct", num_or_null(lo, 3));
        json_object_set_new(row, "ci_high_pct", num_or_null(hi, 3));
        json_object_set_new(row, "ci_level", num_or_null(level, 4));
        json_object_set_new(row, "n_baseline", json_integer((json_int_t)nb));
        json_object_set_new(row, "n_new", json_integer((json_int_t)nn));
        json_object_set_new(row, "p_value", tested ? json_real(p) : json_null());
        json_object_set_new(row, "significant", tested ? json_boolean(significant) : json_null());
        json_object_set_new(row, "all_worse", json_boolean(all_worse));
        json_object_set_new(row, "floor", num_or_null(floor_v, 6));
        json_object_set_new(row, "below_floor", json_boolean(below_floor));
        json_object_set_new(row, "regression", json_boolean(*regression));
    }
    free(b);
    free(n);
    return row;
}

/* {"p50_ms": 0.1, ...}: the floor of every compared metric that has one. */
static json_t *floors_object(const rb_stat *const *metrics, size_t n_metrics)
{
    json_t *f = json_object();
    for (size_t m = 0; m < n_metrics; m++) {
        double v = metric_floor(metrics[m]);
        if (isfinite(v)) json_object_set_new(f, metrics[m]->column, json_real(v));
    }
    return f;
}

json_t *rb_compare_with(const json_t *baseline, const json_t *newer, const rb_compare_opts *o)
{
    rb_groups gb = {0}, gn = {0};
    rb_groups_collect(json_object_get(baseline, "runs"), RB_GROUPS_COMPARE, &gb);
    rb_groups_collect(json_object_get(newer, "runs"), RB_GROUPS_COMPARE, &gn);
    const rb_stat *metrics[RB_STAT__COUNT];
    size_t n_metrics = rb_stat_compared(metrics, RB_STAT__COUNT);

    json_t *rows = json_array(), *added = json_array(), *removed = json_array();
    int regressions = 0, untested = 0;
    for (size_t i = 0; i < gb.n; i++) {
        const rb_group *b = &gb.g[i], *n = rb_groups_find(&gn, b->registry, b->scenario, b->label, b->phase);
        if (!n) {
            json_array_append_new(removed, key_object(b));
            continue;
        }
        for (size_t m = 0; m < n_metrics; m++) {
            int regression, small;
            json_t *row = compare_stat(b, n, metrics[m], o, &regression, &small);
            if (!row) continue;
            regressions += regression;
            untested += small;
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
    json_object_set_new(cmp, "threshold_pct", json_real(o->threshold_pct));
    json_object_set_new(cmp, "strict", json_boolean(o->strict));
    json_object_set_new(cmp, "alpha", json_real(RB_COMPARE_ALPHA));
    json_object_set_new(cmp, "confidence", json_real(RB_COMPARE_CONFIDENCE));
    json_object_set_new(cmp, "min_samples", json_integer(RB_COMPARE_MIN_SAMPLES));
    json_object_set_new(cmp, "floors", floors_object(metrics, n_metrics));
    json_object_set_new(cmp, "rows", rows);
    json_object_set_new(cmp, "regressions", json_integer(regressions));
    json_object_set_new(cmp, "untested", json_integer(untested));
    json_object_set_new(cmp, "added", added);
    json_object_set_new(cmp, "removed", removed);
    return cmp;
}

json_t *rb_compare(const json_t *baseline, const json_t *newer, double threshold_pct)
{
    rb_compare_opts o = {.threshold_pct = threshold_pct, .strict = 0};
    return rb_compare_with(baseline, newer, &o);
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

enum { C_NAME, C_METRIC, C_OLD, C_NEW, C_DELTA, C_CI, C_P, C_FLAG, N_COLS };

/* The interval cell of a row: "[-1.20%, +5.80%]", "range [...]" when
 * untested, "n/a" without one. */
static char *ci_cell(const json_t *r, int untested)
{
    double lo = rb_json_num(r, "ci_low_pct"), hi = rb_json_num(r, "ci_high_pct");
    if (!isfinite(lo) || !isfinite(hi)) return rb_strdup("n/a");
    return rb_asprintf("%s[%+.2f%%, %+.2f%%]", untested ? "range " : "", lo, hi);
}

/* The flag of a row: REGRESSION; or why a change beyond the threshold in
 * the worse direction is not one. */
static char *flag_cell(const json_t *r, double thr)
{
    if (json_is_true(json_object_get(r, "regression"))) return rb_strdup("REGRESSION");
    double chg = rb_json_num(r, "change_pct");
    int worse = isfinite(chg) && (strcmp(rb_json_str(r, "better"), "higher") == 0 ? chg < -thr : chg > thr);
    if (!worse) return rb_strdup("");
    if (json_is_true(json_object_get(r, "below_floor")))
        return rb_asprintf("below floor (%g %s)", rb_json_num(r, "floor"),
                           strcmp(rb_json_str(r, "metric"), "throughput_MBps") == 0 ? "MB/s" : "ms");
    if (!json_is_number(json_object_get(r, "p_value")) && !json_is_true(json_object_get(r, "all_worse")))
        return rb_strdup("samples overlap");
    return rb_strdup("");
}

/* The cells of one row of the table (allocated strings). */
static void row_cells(const json_t *r, double thr, char **cell)
{
    char a[64], b[64];
    cell[C_NAME] = row_name(r);
    cell[C_METRIC] = rb_strdup(rb_json_str(r, "metric"));
    fmt_value(rb_json_num(r, "baseline_median"), a, sizeof a);
    cell[C_OLD] = rb_strdup(a);
    fmt_value(rb_json_num(r, "new_median"), b, sizeof b);
    cell[C_NEW] = rb_strdup(b);
    double chg = rb_json_num(r, "change_pct");
    cell[C_DELTA] = isfinite(chg) ? rb_asprintf("%+.2f%%", chg) : rb_strdup("n/a");
    long long nb = rb_json_int(r, "n_baseline", 0), nn = rb_json_int(r, "n_new", 0);
    double p = rb_json_num(r, "p_value");
    cell[C_CI] = ci_cell(r, !isfinite(p));
    if (!isfinite(p))
        cell[C_P] = rb_asprintf("untested (n=%lld+%lld)", nb, nn);
    else if (json_is_true(json_object_get(r, "significant")))
        cell[C_P] = rb_asprintf("p=%.3f n=%lld+%lld", p, nb, nn);
    else
        cell[C_P] = rb_asprintf("~ (p=%.3f n=%lld+%lld)", p, nb, nn);
    cell[C_FLAG] = flag_cell(r, thr);
}

/* The lines above the table: the rule, the interval, the floors. */
static void print_rule(const json_t *cmp, FILE *out)
{
    double thr = rb_json_num(cmp, "threshold_pct");
    int strict = json_is_true(json_object_get(cmp, "strict"));
    fprintf(out, "max change %g%%, alpha %g: Mann-Whitney U with at least %d repetitions a side; with fewer,\n"
                 "untested: %s\n",
            thr, rb_json_num(cmp, "alpha"), RB_COMPARE_MIN_SAMPLES,
            strict ? "a change beyond the max change is a regression (--strict)"
                   : "a regression only when every new sample is worse than every baseline one");
    fprintf(out, "CI: %g%% distribution-free interval of new/baseline (Hodges-Lehmann/Moses); range: of all ratios\n"
                 "floors: differences under %g ms (latency) or %g MB/s (throughput) are not regressions\n\n",
            RB_COMPARE_CONFIDENCE * 100, RB_COMPARE_FLOOR_MS, RB_COMPARE_FLOOR_MBPS);
}

void rb_compare_print(const json_t *cmp, FILE *out)
{
    json_t *rows = json_object_get(cmp, "rows");
    size_t n = json_array_size(rows);
    double thr = rb_json_num(cmp, "threshold_pct");
    char ***cells = rb_calloc(n + 1, sizeof *cells);
    static const char *const head[N_COLS] = {"name", "metric", "baseline", "new", "delta", "CI", "p-value", ""};
    size_t w[N_COLS] = {0};
    for (size_t i = 0; i <= n; i++) {
        cells[i] = rb_calloc(N_COLS, sizeof **cells);
        if (i == 0) {
            for (int c = 0; c < N_COLS; c++) cells[0][c] = rb_strdup(head[c]);
        } else {
            row_cells(json_array_get(rows, i - 1), thr, cells[i]);
        }
        for (int c = 0; c < N_COLS; c++) {
            size_t l = strlen(cells[i][c]);
            if (l > w[c]) w[c] = l;
        }
    }
    print_rule(cmp, out);
    if (n == 0) {
        fprintf(out, "no phase in common\n");
    } else {
        for (size_t i = 0; i <= n; i++) {
            /* text columns left-aligned, numbers right-aligned */
            fprintf(out, "%-*s  %-*s  %*s  %*s  %*s  %*s  %-*s", (int)w[C_NAME], cells[i][C_NAME],
                    (int)w[C_METRIC], cells[i][C_METRIC], (int)w[C_OLD], cells[i][C_OLD],
                    (int)w[C_NEW], cells[i][C_NEW], (int)w[C_DELTA], cells[i][C_DELTA], (int)w[C_CI],
                    cells[i][C_CI], *cells[i][C_FLAG] ? (int)w[C_P] : 0, cells[i][C_P]);
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
    long long reg = rb_json_int(cmp, "regressions", 0), unt = rb_json_int(cmp, "untested", 0);
    if (unt > 0)
        fprintf(out, "\n%lld of %zu rows untested (fewer than %d repetitions a side)%s\n", unt, n,
                RB_COMPARE_MIN_SAMPLES,
                json_is_true(json_object_get(cmp, "strict")) ? ": --strict, the max change alone decides"
                                                             : ": a regression needs every new sample worse");
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
    return rb_err(err, errlen, "bad change \"%s\": use a non-negative percentage such as 5%%", s ? s : "");
}

int rb_parse_max_change(const char *option, const char *value, double *pct, char *err, size_t errlen)
{
    char why[RB_ERRLEN];
    if (rb_parse_change_pct(value, pct, why, sizeof why) == 0) return 0;
    if (strcmp(option, "--threshold") == 0)
        return rb_err(err, errlen,
                      "--threshold '%s': here --threshold is only an alias of --max-change and takes a bare "
                      "percentage; use --max-change 5%% (threshold expressions are for run and suite)",
                      value ? value : "");
    return rb_err(err, errlen, "%s: %s", option, why);
}
