/* test_merge: the exact merge of a sharded run's results (rb_merge.h,
 * `regbench merge`). A deterministic random stream of operations (three
 * phases: a "setup once" phase shard 0 runs while the others wait, then
 * push with nested blob uploads, then pull; errors of every class; custom
 * metrics of all four types; counters) is recorded both into one store and,
 * split at random, into 4 shard stores whose wall clocks disagree (shard 3
 * runs 2.5 s ahead, shard 1 0.75 s behind; the barrier records carry the
 * same offsets, some jitter and one outlier). The shards are written through
 * the real writer with a shard identity, merged, and the merged figures must
 * equal the single store's exactly: counts, bytes, errors by class, every
 * bucket of every histogram and so every percentile, custom metrics; the
 * offsets must be reported within 10 ms and the phase windows corrected.
 * Then what goes wrong: a missing shard, a duplicate index, another run's
 * shard, a failed shard, unsharded results, another phase list; and the
 * command: exit codes 0, 1, 2 and 99, --allow-partial marking the results
 * partial in results.json, summary.md, report.html and the verdict line. */
#include "cli/rb_cli.h"
#include "results/rb_merge.h"
#include "results/rb_restore.h"
#include "results/rb_results.h"
#include "util/rb_util.h"
#include "rbtest.h"

#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define K 4                  /* shards */
#define N_OPS 20000          /* operations in the stream */
#define N_PHASES 3
#define RUN_ID "t-20260101"
static const char *const PHASE_NAMES[N_PHASES] = {"setup", "push", "pull"};
static const int64_t OFFSET_US[K] = {0, -750000, 0, 2500000};   /* each shard's clock minus the true one */

static uint64_t rng_below(uint64_t n) { return rbtest_rng() % n; }

/* The recorded world: one store with everything, and the shards. */
typedef struct world {
    rb_metrics single, shard[K];
    uint64_t t0, w0;                        /* the run start, monotonic and (true) wall clock */
    uint64_t start[N_PHASES], end[N_PHASES];
    double gauge_last_phase[K][N_PHASES];   /* the last gauge value each shard added per phase */
    double gauge_last_run[K];
} world;

static char *tmp_root;

static char *path_of(const char *name)
{
    return rb_asprintf("%s/%s", tmp_root, name);
}

/* ---- building the stream ------------------------------------------------------ */

static rb_phase *add_phase(rb_metrics *m, const char *name, uint64_t start, uint64_t end)
{
    rb_phase *p = rb_metrics_phase_begin(m, name);
    rb_metrics_phase_end(m, p);
    p->start_us = start;
    p->end_us = end;
    return p;
}

/* A latency: exact small values, zero, or log-uniform 100 us .. 2 s. */
static uint64_t latency(void)
{
    uint64_t r = rng_below(100);
    if (r < 2) return 0;
    if (r < 12) return rng_below(2048);
    return (uint64_t)exp(log(100.0) + (double)rng_below(1000000) / 1e6 * (log(2e6) - log(100.0)));
}

static void record_both(world *w, int shard, int phase, const char *kind, uint64_t start, uint64_t lat,
                        uint64_t bytes, rb_err_class err, int top)
{
    rb_op_record r = {.kind = kind, .start_us = start, .end_us = start + lat, .bytes = bytes, .err = err,
                      .top_level = top};
    rb_metrics_record(&w->single, w->single.phases[phase], &r);
    rb_metrics_record(&w->shard[shard], w->shard[shard].phases[phase], &r);
}

static void metric_both(world *w, int shard, int phase, const char *name, const char *tags, rb_metric_type type,
                        double v)
{
    char err[RB_ERRLEN];
    CHECK(rb_metrics_add(&w->single, w->single.phases[phase], name, tags, type, v, err, sizeof err) == 0);
    CHECK(rb_metrics_add(&w->shard[shard], w->shard[shard].phases[phase], name, tags, type, v, err, sizeof err) == 0);
}

static void build_world(world *w)
{
    memset(w, 0, sizeof *w);
    w->t0 = 1000000000ull;
    w->w0 = 1767225600000000ull;   /* 2026-01-01T00:00:00Z */
    rb_metrics_init(&w->single);
    w->single.run_start_us = w->t0;
    w->single.run_end_us = w->t0 + 12600000;
    for (int j = 0; j < N_PHASES; j++) {
        w->start[j] = w->t0 + 100000 + (uint64_t)j * 4100000;
        w->end[j] = w->start[j] + (j == 0 ? 1000000 : 4000000);
        add_phase(&w->single, PHASE_NAMES[j], w->start[j], w->end[j]);
    }
    for (int i = 0; i < K; i++) {
        rb_metrics *m = &w->shard[i];
        rb_metrics_init(m);
        m->run_start_us = w->t0;
        m->run_end_us = w->t0 + 12500000 + (uint64_t)i * 10000;   /* shard 3 ends last */
        for (int j = 0; j < N_PHASES; j++) {
            /* each starts within 0.8 ms of the release; shard 3 ends its phases last, 20 ms apart; in
             * "setup", run by shard 0 alone, the others see its end up to a millisecond later */
            uint64_t s = w->start[j] + rng_below(800), e = w->end[j] - (uint64_t)(K - 1 - i) * 20000;
            if (j == 0) e = i == 0 ? w->end[j] : w->end[j] + 500 + rng_below(500);
            rb_phase *p = add_phase(m, PHASE_NAMES[j], s, e);
            p->waited_only = j == 0 && i != 0;
            p->cpu_s = 0.25 * (i + 1) + j;
            p->rss_peak_bytes = 1000000ull * (uint64_t)(i + 10);
            if (i == 1) {   /* the shard that samples the registry */
                p->registry.valid = 1;
                p->registry.cpu_pct_avg = 40 + j;
                p->registry.rss_peak_bytes = 123456789;
                p->registry.storage_bytes = 5000 + j;
                p->registry.prom_names = rb_calloc(1, sizeof *p->registry.prom_names);
                p->registry.prom_values = rb_calloc(1, sizeof *p->registry.prom_values);
                p->registry.prom_names[0] = rb_strdup("registry_storage_action_seconds_count");
                p->registry.prom_values[0] = 17 + j;
                p->registry.n_prom = 1;
            }
        }
    }
    for (int n = 0; n < N_OPS; n++) {
        int j = rng_below(10) == 0 ? 0 : 1 + (int)rng_below(2);
        int i = j == 0 ? 0 : (int)rng_below(K);
        uint64_t len = w->end[j] - w->start[j], lat = latency();
        if (lat > len / 3) lat %= len / 3;
        uint64_t span = len - 2000 - lat;
        /* inside every shard's window of the phase (they start up to 0.8 ms late, end up to 60 ms early) */
        uint64_t start = w->start[j] + 1000 + rng_below(span > 61000 ? span - 61000 : 1);
        rb_err_class err = rng_below(20) == 0 ? (rb_err_class)(1 + rng_below(RB_ERR__COUNT - 1)) : RB_ERR_NONE;
        const char *kind = j == 2 ? "pull" : "push";
        record_both(w, i, j, kind, start, lat, rng_below(10000000), err, 1);
        if (j == 1)
            for (int b = 0; b < 2; b++)
                record_both(w, i, j, "blob_upload", start, lat / 3, rng_below(5000000), RB_ERR_NONE, 0);
        if (rng_below(5) == 0) {
            uint64_t retries = 1 + rng_below(3);
            rb_metrics_count(&w->single, w->single.phases[j], "retries", retries);
            rb_metrics_count(&w->shard[i], w->shard[i].phases[j], "retries", retries);
        }
        if (rng_below(4) == 0) {
            double size = (double)rng_below(1000000) / 1000.0;
            metric_both(w, i, j, "size", "level=6", RB_METRIC_TREND, size);
            metric_both(w, i, j, "sent", "", RB_METRIC_COUNTER, (double)rng_below(1000));
            metric_both(w, i, j, "checks", "check=status is 200", RB_METRIC_RATE, rng_below(10) != 0);
            double q = (double)rng_below(97);
            metric_both(w, i, j, "queue", "", RB_METRIC_GAUGE, q);
            w->gauge_last_phase[i][j] = q;
            w->gauge_last_run[i] = q;
        }
    }
}

/* ---- writing the shards -------------------------------------------------------------- */

/* Shard i's identity: its barriers on its own clock (release of each phase, and "end"). */
static json_t *shard_json(const world *w, int i, int count, const char *run_id)
{
    json_t *barriers = json_array();
    uint64_t wall0 = w->w0 + (uint64_t)((int64_t)0 + OFFSET_US[i]);
    for (int j = 0; j <= N_PHASES; j++) {
        uint64_t at = j < N_PHASES ? w->start[j] : w->t0 + 12400000;
        uint64_t rel = wall0 + (at - w->t0) + rng_below(1500);   /* seen within one poll interval */
        if (j == N_PHASES && i == 3) rel += 400000;            /* one outlier: the median ignores it */
        json_array_append_new(barriers, json_pack("{s:s, s:I, s:I}", "name",
                                                  j < N_PHASES ? PHASE_NAMES[j] : "end", "arrived_wall_us",
                                                  (json_int_t)(rel - rng_below(300000)), "released_wall_us",
                                                  (json_int_t)rel));
    }
    char host[32];
    snprintf(host, sizeof host, "host-%d", i);
    return json_pack("{s:i, s:i, s:s, s:s, s:i, s:b, s:o, s:n}", "index", i, "count", count, "run_id", run_id,
                     "host", host, "pid", 1000 + i, "samples_registry", i == 1, "barriers", barriers, "op_log");
}

/* Writes shard i's results into tmp/name through the real writer. */
static char *write_shard(const world *w, int i, const char *name, int count, const char *run_id,
                         const char *status, const char *error, const rb_metrics *m)
{
    char *dir = path_of(name);
    mkdir(dir, 0755);
    json_t *shard = shard_json(w, i, count, run_id);
    json_t *th = i == 2 ? json_pack("[{s:s, s:b, s:i, s:[]}]", "expr", "errors >= 0", "passed", 1, "checked", 1, "failures")
                        : NULL;
    rb_run_info info = {
        .scenario = "scenarios/t.lua", .started_at = "2026-01-01T00:00:00Z", .status = status, .error = error,
        .exit_code = strcmp(status, "ok") ? 1 : 0, .reg_kind = "external", .reg_url = "http://127.0.0.1:5000",
        .reg_storage = "unknown", .run_id = run_id, .repo_prefix = "", .shard = shard, .thresholds = th,
        .wall_at_start_us = w->w0 + (uint64_t)OFFSET_US[i],
    };
    char err[RB_ERRLEN];
    CHECKF(rb_results_write_json(dir, m ? m : &w->shard[i], &info, err, sizeof err) == 0, "%s", err);
    json_decref(shard);
    json_decref(th);
    return dir;
}

/* ---- checking ------------------------------------------------------------------------- */

static int same_hist(const rb_hist *a, const rb_hist *b)
{
    if (a->count != b->count || a->min != b->min || a->max != b->max) return 0;
    if (memcmp(a->low, b->low, sizeof a->low)) return 0;
    for (int e = 0; e < RB_HIST_EXPONENTS; e++)
        for (unsigned i = 0; i < (1u << RB_HIST_SUB_BITS); i++)
            if ((a->high[e] ? a->high[e][i] : 0) != (b->high[e] ? b->high[e][i] : 0)) return 0;
    return 1;
}

static void check_opstats(const rb_opstats *got, const rb_opstats *want, const char *what)
{
    CHECKF(got->ops == want->ops, "%s ops %llu != %llu", what, (unsigned long long)got->ops,
           (unsigned long long)want->ops);
    CHECKF(got->errors == want->errors, "%s errors", what);
    CHECKF(got->bytes == want->bytes, "%s bytes", what);
    CHECKF(memcmp(got->errors_by_class, want->errors_by_class, sizeof got->errors_by_class) == 0, "%s by class", what);
    CHECKF(same_hist(&got->latency_us, &want->latency_us), "%s: the histograms differ", what);
    static const double pcts[] = {50, 90, 95, 99, 99.9, 100, 0};
    for (size_t k = 0; k < sizeof pcts / sizeof pcts[0]; k++)
        CHECKF(rb_hist_percentile(&got->latency_us, pcts[k]) == rb_hist_percentile(&want->latency_us, pcts[k]),
               "%s p%g", what, pcts[k]);
    CHECKF(fabs(rb_hist_mean(&got->latency_us) - rb_hist_mean(&want->latency_us)) < 1e-6, "%s mean", what);
}

static const rb_metric *find_metric(rb_metric *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i]->name, name) == 0) return list[i];
    return NULL;
}

/* Merged custom metrics against the single store's; gauge_last: what the last-ended shard had. */
static void check_metrics(rb_metric *const *got, size_t n_got, rb_metric *const *want, size_t n_want,
                          double gauge_last, const char *what)
{
    CHECKF(n_got == n_want, "%s: %zu metrics, want %zu", what, n_got, n_want);
    for (size_t i = 0; i < n_want; i++) {
        const rb_metric *w = want[i], *g = find_metric(got, n_got, w->name);
        CHECKF(g != NULL, "%s: metric %s missing", what, w->name);
        if (!g) continue;
        CHECKF(g->type == w->type && strcmp(g->tags, w->tags) == 0 && g->count == w->count, "%s: %s count", what, w->name);
        switch (w->type) {
        case RB_METRIC_TREND:
            CHECKF(same_hist(&g->hist, &w->hist), "%s: trend %s histogram", what, w->name);
            CHECKF(fabs(g->min - w->min) < 0.0005 && fabs(g->max - w->max) < 0.0005, "%s: %s min/max", what, w->name);
            CHECKF(fabs(g->sum - w->sum) < 1e-6 * fabs(w->sum) + 1e-6, "%s: %s sum %.6f != %.6f", what, w->name,
                   g->sum, w->sum);
            break;
        case RB_METRIC_COUNTER:
            CHECKF(fabs(g->sum - w->sum) < 1e-6, "%s: counter %s", what, w->name);
            break;
        case RB_METRIC_RATE:
            CHECKF(g->trues == w->trues, "%s: rate %s passes", what, w->name);
            break;
        case RB_METRIC_GAUGE:
            CHECKF(g->min == w->min && g->max == w->max, "%s: gauge %s min/max", what, w->name);
            CHECKF(g->last == gauge_last, "%s: gauge %s last %g, want %g (the shard that ended last)", what, w->name,
                   g->last, gauge_last);
            break;
        }
    }
}

static int has_problem(const rb_merge *mg, const char *text)
{
    for (size_t i = 0; i < mg->n_problems; i++)
        if (strstr(mg->problems[i], text)) return 1;
    return 0;
}

static void print_problems(const rb_merge *mg)
{
    for (size_t i = 0; i < mg->n_problems; i++) fprintf(stderr, "  problem: %s\n", mg->problems[i]);
}

/* ---- the tests ---------------------------------------------------------------------------- */

/* The writer and rb_results_restore give back every histogram of a shard. */
static void test_round_trip(const world *w, char *const *dirs)
{
    char *file = rb_asprintf("%s/results.json", dirs[0]);
    json_t *doc = json_load_file(file, 0, NULL);
    CHECKF(doc != NULL, "cannot read %s", file);
    CHECK(json_is_string(json_object_get(json_array_get(json_object_get(doc, "phases"), 1), "hist")));
    CHECK(json_is_integer(json_object_get(json_array_get(json_object_get(doc, "phases"), 1), "start_wall_us")));
    rb_metrics m;
    char err[RB_ERRLEN] = "";
    CHECKF(rb_results_restore(doc, file, &m, err, sizeof err) == 0, "%s", err);
    CHECK(m.n_phases == N_PHASES);
    for (size_t j = 0; j < m.n_phases && j < N_PHASES; j++) {
        const rb_phase *a = m.phases[j], *b = w->shard[0].phases[j];
        check_opstats(&a->total, &b->total, "restored total");
        CHECK(a->n_by_op == b->n_by_op);
        for (size_t k = 0; k < a->n_by_op && k < b->n_by_op; k++) check_opstats(&a->by_op[k], &b->by_op[k], "restored by_op");
        CHECK(a->start_us == w->w0 + (b->start_us - w->t0));
        CHECK(a->n_ticks == b->n_ticks);
        for (size_t k = 0; k < a->n_ticks && k < b->n_ticks; k++)
            CHECK(memcmp(&a->ticks[k], &b->ticks[k], sizeof a->ticks[k]) == 0);
    }
    rb_metrics_free(&m);
    /* a shard that only waited says so; one that ran says nothing */
    char *file1 = rb_asprintf("%s/results.json", dirs[1]);
    json_t *d1 = json_load_file(file1, 0, NULL);
    free(file1);
    CHECK(json_is_false(json_object_get(json_array_get(json_object_get(d1, "phases"), 0), "ran_here")));
    CHECK(json_object_get(json_array_get(json_object_get(doc, "phases"), 0), "ran_here") == NULL);
    json_decref(d1);
    json_decref(doc);
    free(file);
}

static void test_exact(const world *w, char *const *dirs)
{
    rb_merge mg;
    rb_merge_init(&mg);
    int v = rb_merge_load(&mg, dirs, K, 0);
    CHECKF(v == RB_MERGE_OK, "load: %d", v);
    if (v != RB_MERGE_OK) print_problems(&mg);
    json_t *doc = rb_merge_run(&mg);
    CHECK(doc != NULL && mg.merged.n_phases == N_PHASES);
    for (size_t j = 0; j < mg.merged.n_phases && j < N_PHASES; j++) {
        const rb_phase *p = mg.merged.phases[j], *s = w->single.phases[j];
        char what[64];
        snprintf(what, sizeof what, "phase %s total", p->name);
        check_opstats(&p->total, &s->total, what);
        CHECKF(p->n_by_op == s->n_by_op, "phase %s: %zu kinds", p->name, p->n_by_op);
        for (size_t k = 0; k < s->n_by_op; k++) {
            rb_opstats *g = rb_phase_op((rb_phase *)p, s->by_op[k].kind, 0);
            snprintf(what, sizeof what, "phase %s by_op %s", p->name, s->by_op[k].kind);
            CHECKF(g != NULL, "%s missing", what);
            if (g) check_opstats(g, &s->by_op[k], what);
        }
        CHECKF(rb_phase_counter(p, "retries") == rb_phase_counter(s, "retries"), "phase %s counter", p->name);
        uint64_t tops = 0, tbytes = 0, tsum = 0;
        for (size_t k = 0; k < p->n_ticks; k++) tops += p->ticks[k].ops, tbytes += p->ticks[k].bytes,
                                                 tsum += p->ticks[k].lat_sum_us;
        CHECKF(tops == s->total.ops && tbytes == s->total.bytes, "phase %s: the time series adds up", p->name);
        CHECKF(fabs((double)tsum - s->total.latency_us.sum) < 1, "phase %s: time series latency sums", p->name);
        /* the window is on the true clock again: shard 3's 2.5 s and shard 1's -0.75 s are corrected */
        int64_t ds = (int64_t)(p->start_us - w->w0) - (int64_t)(w->start[j] - w->t0);
        int64_t de = (int64_t)(p->end_us - w->w0) - (int64_t)(w->end[j] - w->t0);
        CHECKF(llabs(ds) < 5000 && llabs(de) < 5000, "phase %s window off by %lld / %lld us", p->name, (long long)ds,
               (long long)de);
        /* client cost of the shards that ran the phase only */
        double cpu = 0;
        for (int i = 0; i < K; i++)
            if (!w->shard[i].phases[j]->waited_only) cpu += w->shard[i].phases[j]->cpu_s;
        CHECKF(fabs(p->cpu_s - cpu) < 1e-9, "phase %s cpu %.3f != %.3f", p->name, p->cpu_s, cpu);
        CHECKF(p->registry.valid && p->registry.cpu_pct_avg == 40 + (double)j && p->registry.n_prom == 1,
               "phase %s: the registry view is shard 1's", p->name);
        /* gauges: the last value of the shard whose phase ended last (of "setup", the one that ran it) */
        check_metrics(p->metrics, p->n_metrics, s->metrics, s->n_metrics, w->gauge_last_phase[j ? K - 1 : 0][j], p->name);
    }
    check_metrics(mg.merged.metrics, mg.merged.n_metrics, w->single.metrics, w->single.n_metrics,
                  w->gauge_last_run[K - 1], "run");

    /* the clock: each offset within 10 ms, from 4 barriers (one an outlier) */
    for (int i = 0; i < K; i++) {
        const rb_shard *s = &mg.shards[i];
        CHECKF(s->index == i, "shard order");
        CHECKF(llabs(s->offset_us - OFFSET_US[i]) < 10000, "shard %d offset %lld us, injected %lld", i,
               (long long)s->offset_us, (long long)OFFSET_US[i]);
        CHECKF(i == 0 || s->barriers_used == N_PHASES + 1, "shard %d used %zu barriers", i, s->barriers_used);
    }
    const json_t *offsets = json_object_get(json_object_get(doc, "clock"), "offsets_ms");
    CHECKF(fabs(json_number_value(json_array_get(offsets, 3)) - 2500.0) < 10.0, "clock.offsets_ms[3] = %g",
           json_number_value(json_array_get(offsets, 3)));
    CHECKF(fabs(json_number_value(json_object_get(json_array_get(json_object_get(doc, "shards"), 1), "clock_offset_ms")) +
                750.0) < 10.0, "shards[1].clock_offset_ms");
    CHECK(json_is_false(json_object_get(doc, "partial")));
    CHECK(json_array_size(json_object_get(doc, "shards")) == K && json_array_size(json_object_get(doc, "merged_from")) == K);
    CHECK(strcmp(json_string_value(json_object_get(doc, "run_id")), RUN_ID) == 0);
    CHECK(json_object_get(doc, "shard") == NULL);

    /* the merged document's figures are the single store's, as results.json writes them */
    rb_run_info none = {0};
    json_t *single = rb_results_json(&w->single, &none);
    for (size_t j = 0; j < N_PHASES; j++) {
        const json_t *a = json_array_get(json_object_get(doc, "phases"), j);
        const json_t *b = json_array_get(json_object_get(single, "phases"), j);
        static const char *const keys[] = {"ops", "errors", "bytes", "errors_by_class", "latency_ms", "by_op", "counters"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            const json_t *x = json_object_get(a, keys[k]), *y = json_object_get(b, keys[k]);
            if (strcmp(keys[k], "by_op") == 0) {   /* rates differ with the window: compare the kinds' latency */
                const char *kind;
                json_t *o;
                json_object_foreach((json_t *)y, kind, o)
                    CHECKF(json_equal(json_object_get(json_object_get(x, kind), "latency_ms"),
                                      json_object_get(o, "latency_ms")), "phase %zu by_op %s latency_ms", j, kind);
                continue;
            }
            CHECKF(json_equal(x, y), "phase %zu: %s differs from the single store's", j, keys[k]);
        }
    }
    json_decref(single);

    char *out = path_of("out-api");
    char err[RB_ERRLEN] = "";
    CHECKF(rb_merge_write(&mg, out, err, sizeof err) == 0, "%s", err);
    static const char *const files[] = {"results.json", "metrics.csv", "timeseries.csv", "summary.md", "report.html"};
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        char *f = rb_asprintf("%s/%s", out, files[k]);
        struct stat st;
        CHECKF(stat(f, &st) == 0 && st.st_size > 0, "%s written", f);
        free(f);
    }
    char *md_path = rb_asprintf("%s/summary.md", out), *html_path = rb_asprintf("%s/report.html", out);
    char *md = rbtest_slurp(md_path), *html = rbtest_slurp(html_path);
    CHECK(strstr(md, "## Shards") && strstr(md, "host-3") && !strstr(md, "Partial results"));
    CHECK(strstr(html, "id=\"shards\"") && strstr(html, "host-3") && !strstr(html, "Partial results"));
    free(md);
    free(html);
    free(md_path);
    free(html_path);
    free(out);
    rb_merge_free(&mg);
}

/* Loads paths and checks the verdict and that some problem holds `text`. */
static void expect_problem(char *const *paths, size_t n, int allow_partial, int verdict, const char *text)
{
    rb_merge mg;
    rb_merge_init(&mg);
    int v = rb_merge_load(&mg, paths, n, allow_partial);
    CHECKF(v == verdict, "verdict %d, want %d (looking for \"%s\")", v, verdict, text);
    CHECKF(has_problem(&mg, text), "no problem says \"%s\"", text);
    if (v != verdict || !has_problem(&mg, text)) print_problems(&mg);
    rb_merge_free(&mg);
}

static void test_problems(world *w, char *const *dirs)
{
    char *empty = path_of("empty2");
    mkdir(empty, 0755);
    char *three[K] = {dirs[0], dirs[1], empty, dirs[3]};
    char msg[512];
    snprintf(msg, sizeof msg, "shard 2 of 4 is missing (no results in %s)", empty);
    expect_problem(three, K, 0, RB_MERGE_INCOMPLETE, msg);
    char *without[3] = {dirs[0], dirs[1], dirs[3]};
    expect_problem(without, 3, 0, RB_MERGE_INCOMPLETE, "shard 2 of 4 is missing (none of the directories");
    char *twice[K + 1] = {dirs[0], dirs[1], dirs[1], dirs[2], dirs[3]};
    expect_problem(twice, K + 1, 0, RB_MERGE_BAD_INPUT, "shard 1 is given twice");

    char *other = write_shard(w, 2, "other2", K, "another-run", "ok", NULL, NULL);
    char *mixed[K] = {dirs[0], dirs[1], other, dirs[3]};
    expect_problem(mixed, K, 0, RB_MERGE_BAD_INPUT, "has run_id another-run, the others " RUN_ID);
    expect_problem(mixed, K, 1, RB_MERGE_BAD_INPUT, "has run_id another-run");   /* --allow-partial does not excuse it */

    char *five = write_shard(w, 2, "count5", 5, RUN_ID, "ok", NULL, NULL);
    char *counts[K] = {dirs[0], dirs[1], five, dirs[3]};
    expect_problem(counts, K, 0, RB_MERGE_BAD_INPUT, "is one of 5 shards, the others of 4");

    char *failed = write_shard(w, 1, "failed1", K, RUN_ID, "failed", "barrier \"push\": shard 2 did not arrive", NULL);
    char *with_failed[K] = {dirs[0], failed, dirs[2], dirs[3]};
    expect_problem(with_failed, K, 0, RB_MERGE_INCOMPLETE, "shard 1 failed: barrier \"push\": shard 2 did not arrive");
    rb_merge mg;
    rb_merge_init(&mg);
    CHECK(rb_merge_load(&mg, with_failed, K, 1) == RB_MERGE_OK && mg.partial);
    json_t *doc = rb_merge_run(&mg);
    CHECK(json_is_true(json_object_get(doc, "partial")));
    CHECK(strcmp(json_string_value(json_object_get(doc, "status")), "failed") == 0);
    CHECK(strstr(json_string_value(json_object_get(doc, "error")), "shard 1 failed") != NULL);
    CHECK(mg.merged.phases[1]->total.ops == w->single.phases[1]->total.ops);   /* its results are merged */
    rb_merge_free(&mg);

    /* unsharded results; a shard of another scenario */
    char *plain = path_of("plain");
    mkdir(plain, 0755);
    rb_run_info info = {.status = "ok", .run_id = RUN_ID};
    char err[RB_ERRLEN];
    CHECK(rb_results_write_json(plain, &w->single, &info, err, sizeof err) == 0);
    char *with_plain[K] = {dirs[0], dirs[1], plain, dirs[3]};
    expect_problem(with_plain, K, 0, RB_MERGE_BAD_INPUT, "not a shard's results");
    rb_metrics extra;
    rb_metrics_init(&extra);
    for (int j = 0; j < N_PHASES; j++) add_phase(&extra, PHASE_NAMES[j], w->start[j], w->end[j]);
    add_phase(&extra, "delete", w->end[2], w->end[2] + 1000);
    char *longer = write_shard(w, 2, "longer2", K, RUN_ID, "ok", NULL, &extra);
    char *with_longer[K] = {dirs[0], dirs[1], longer, dirs[3]};
    expect_problem(with_longer, K, 0, RB_MERGE_BAD_INPUT, "ran the phases [setup, push, pull], shard 2 [setup, push, pull, delete]");
    rb_metrics_free(&extra);
    char *nowhere = path_of("does-not-exist");
    char *gone[1] = {nowhere};
    expect_problem(gone, 1, 0, RB_MERGE_BAD_INPUT, "No such file or directory");
    char *bad = path_of("bad.json");
    FILE *f = fopen(bad, "w");
    fputs("{\"schema\": \"regbench/results/v1\", \"shard\": {\"index\": 0, \"count\": 1, \"run_id\": \"x\"}, "
          "\"phases\": [{\"name\": \"p\", \"index\": 0, \"start_wall_us\": 5, \"end_wall_us\": 9, \"ops\": 1, "
          "\"errors\": 0, \"bytes\": 0, \"hist\": \"rbh1 1 0 0 0000000000000000 0000000000000000 C\"}]}", f);
    fclose(f);
    char *bads[1] = {bad};
    expect_problem(bads, 1, 0, RB_MERGE_BAD_INPUT, "phases[0] \"p\".hist: the buckets do not match the header");
    free(empty);
    free(other);
    free(five);
    free(failed);
    free(plain);
    free(longer);
    free(nowhere);
    free(bad);
}

/* Runs `regbench merge ARGS` in this process; its stderr into *errtext. */
static int run_merge(char **errtext, const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"merge";
    for (; args[argc - 1] && argc < 31; argc++) argv[argc] = (char *)args[argc - 1];
    argv[argc] = NULL;
    char *log = path_of("stderr.txt");
    fflush(stderr);
    fflush(stdout);
    int saved = dup(2), fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    close(fd);
    int rc = rb_cmd_merge(argc, argv);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    *errtext = rbtest_slurp(log);
    free(log);
    return rc;
}

static void test_command(char *const *dirs)
{
    char *out = path_of("out-cmd"), *errtext;
    const char *ok[] = {dirs[0], dirs[1], dirs[2], dirs[3], "--out", out, "--quiet", "--threshold", "push.count > 0",
                        "--threshold=errors >= 0", NULL};
    int rc = run_merge(&errtext, ok);
    CHECKF(rc == 0, "merge exit %d: %s", rc, errtext);
    CHECKF(strstr(errtext, "regbench: PASS: merged 4 of 4 shards, 3 phases") != NULL, "verdict: %s", errtext);
    free(errtext);
    char *res = rb_asprintf("%s/results.json", out);
    json_t *doc = json_load_file(res, 0, NULL);
    const json_t *th = json_object_get(doc, "thresholds");
    CHECKF(json_array_size(th) == 2, "thresholds: given ones and shard 2's once (%zu)", json_array_size(th));
    CHECK(json_integer_value(json_object_get(doc, "exit_code")) == 0);
    json_decref(doc);

    const char *failing[] = {dirs[0], dirs[1], dirs[2], dirs[3], "--out", out, "-q", "--threshold", "push.p50 < 0.001ms", NULL};
    rc = run_merge(&errtext, failing);
    CHECKF(rc == 99, "a failed threshold: exit %d", rc);
    CHECK(strstr(errtext, "regbench: FAIL") != NULL);
    free(errtext);
    doc = json_load_file(res, 0, NULL);
    CHECK(json_integer_value(json_object_get(doc, "exit_code")) == 99);
    json_decref(doc);

    const char *missing[] = {dirs[0], dirs[1], dirs[3], "--out", out, "--quiet", NULL};
    rc = run_merge(&errtext, missing);
    CHECKF(rc == 1, "a missing shard: exit %d", rc);
    CHECKF(strstr(errtext, "shard 2 of 4 is missing") != NULL, "%s", errtext);
    free(errtext);

    char *pout = path_of("out-partial");
    const char *partial[] = {dirs[0], dirs[1], dirs[3], "--out", pout, "--allow-partial", NULL};
    rc = run_merge(&errtext, partial);
    CHECKF(rc == 0, "--allow-partial: exit %d: %s", rc, errtext);
    CHECKF(strstr(errtext, "PASS (PARTIAL): merged 3 of 4 shards") != NULL, "verdict: %s", errtext);
    CHECKF(strstr(errtext, "warning: shard 2 of 4 is missing") != NULL, "%s", errtext);
    free(errtext);
    char *pres = rb_asprintf("%s/results.json", pout), *pmd = rb_asprintf("%s/summary.md", pout),
         *phtml = rb_asprintf("%s/report.html", pout);
    doc = json_load_file(pres, 0, NULL);
    CHECK(json_is_true(json_object_get(doc, "partial")));
    CHECK(strcmp(json_string_value(json_object_get(json_array_get(json_object_get(doc, "shards"), 2), "status")),
                 "missing") == 0);
    json_decref(doc);
    char *md = rbtest_slurp(pmd), *html = rbtest_slurp(phtml);
    CHECK(strstr(md, "Partial results") != NULL && strstr(md, "| 2 | **missing**") != NULL);
    CHECK(strstr(html, "Partial results") != NULL);
    free(md);
    free(html);

    const char *usage1[] = {dirs[0], NULL};
    CHECK(run_merge(&errtext, usage1) == 2 && strstr(errtext, "--out"));
    free(errtext);
    const char *usage2[] = {"--out", out, "--bogus", NULL};
    CHECK(run_merge(&errtext, usage2) == 2 && strstr(errtext, "unknown option"));
    free(errtext);
    const char *usage3[] = {dirs[0], dirs[1], dirs[2], dirs[3], "--out", out, "--threshold", "nothing.p95 < 1s", NULL};
    rc = run_merge(&errtext, usage3);
    CHECKF(rc == 2 && strstr(errtext, "bad --threshold"), "a threshold naming nothing: exit %d: %s", rc, errtext);
    free(errtext);
    const char *usage4[] = {dirs[0], dirs[1], dirs[2], dirs[3], "--out", out, "--threshold", "push.p95 <", NULL};
    CHECK(run_merge(&errtext, usage4) == 2);
    free(errtext);
    const char *help[] = {"--help", NULL};
    CHECK(run_merge(&errtext, help) == 0);
    free(errtext);
    free(pres);
    free(pmd);
    free(phtml);
    free(pout);
    free(res);
    free(out);
}

/* An unsharded run's results.json has none of a shard's fields. */
static void test_unsharded(const world *w)
{
    rb_run_info info = {.status = "ok"};
    json_t *doc = rb_results_json(&w->single, &info);
    char *text = json_dumps(doc, 0);
    CHECK(!strstr(text, "\"hist\"") && !strstr(text, "start_wall_us") && !strstr(text, "ran_here") &&
          !strstr(text, "\"shard\"") && !strstr(text, "latency_sum_us") && !strstr(text, "\"sum\""));
    free(text);
    json_decref(doc);
    info.wall_at_start_us = 1767225600000000ull;
    doc = rb_results_json(&w->single, &info);
    const json_t *p = json_array_get(json_object_get(doc, "phases"), 1);
    CHECK(json_integer_value(json_object_get(p, "start_wall_us")) == (json_int_t)(info.wall_at_start_us + w->start[1] - w->t0));
    CHECK(json_integer_value(json_object_get(p, "end_wall_us")) == (json_int_t)(info.wall_at_start_us + w->end[1] - w->t0));
    CHECK(json_object_get(p, "hist") == NULL);
    json_decref(doc);
}

int main(void)
{
    char tmpl[] = "/tmp/rb-test-merge-XXXXXX";
    tmp_root = mkdtemp(tmpl);
    if (!tmp_root) {
        perror("mkdtemp");
        return 1;
    }
    static world w;
    build_world(&w);
    char *dirs[K];
    for (int i = 0; i < K; i++) {
        char name[16];
        snprintf(name, sizeof name, "shard%d", i);
        dirs[i] = write_shard(&w, i, name, K, RUN_ID, "ok", NULL, NULL);
    }
    test_round_trip(&w, dirs);
    test_unsharded(&w);
    test_exact(&w, dirs);
    test_problems(&w, dirs);
    test_command(dirs);

    for (int i = 0; i < K; i++) free(dirs[i]);
    for (int i = 0; i < K; i++) rb_metrics_free(&w.shard[i]);
    rb_metrics_free(&w.single);
    char *rm = rb_asprintf("rm -rf '%s'", tmp_root);
    if (system(rm) != 0) fprintf(stderr, "cannot clean %s\n", tmp_root);
    free(rm);
    return rbtest_done("test_merge");
}
