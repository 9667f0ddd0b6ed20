/* merge_job: a whole merge, for `regbench merge` and `regbench run --procs`
 * alike (rb_merge_job.h): load and check the shards (rb_merge), merge, judge
 * the thresholds on the merged figures, write the files, print the
 * per-phase table, the per-shard table and the verdict line. */
#include "run/rb_merge_job.h"
#include "results/rb_load.h"
#include "results/rb_merge.h"
#include "results/rb_results.h"
#include "run/rb_run.h"
#include "suite/rb_threshold.h"
#include "util/rb_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The thresholds to judge. */
typedef struct judge {
    rb_threshold *th;
    size_t n;
    size_t n_given;            /* th[0..n_given) came from --threshold */
} judge;

static void judge_free(judge *j)
{
    for (size_t i = 0; i < j->n; i++) rb_threshold_clear(&j->th[i]);
    free(j->th);
}

/* Whether an expression is already among the thresholds. */
static int judged(const judge *j, const char *expr)
{
    for (size_t i = 0; i < j->n; i++)
        if (strcmp(j->th[i].expr, expr) == 0) return 1;
    return 0;
}

/* Adds expr; -1 with err when it does not parse. */
static int judge_add(judge *j, const char *expr, char *err, size_t errlen)
{
    rb_threshold t;
    if (rb_threshold_parse(expr, &t, err, errlen) < 0) return -1;
    j->th = rb_realloc(j->th, (j->n + 1) * sizeof *j->th);
    j->th[j->n++] = t;
    return 0;
}

/* The names the merged run records (custom metrics with their types,
 * operation kinds), for resolving thresholds. The arrays are freed by the caller. */
static void merged_names(const rb_metrics *m, rb_threshold_names *names)
{
    size_t cap = m->n_metrics + 1, n_ops = 0, cap_ops = 1;
    for (size_t i = 0; i < m->n_phases; i++) cap += m->phases[i]->n_metrics, cap_ops += m->phases[i]->n_by_op;
    const char **metrics = rb_calloc(cap, sizeof *metrics), **ops = rb_calloc(cap_ops, sizeof *ops);
    int *types = rb_calloc(cap, sizeof *types);
    size_t n = 0;
    for (size_t i = 0; i <= m->n_phases; i++) {
        rb_metric *const *list = i == m->n_phases ? m->metrics : m->phases[i]->metrics;
        size_t len = i == m->n_phases ? m->n_metrics : m->phases[i]->n_metrics;
        for (size_t k = 0; k < len; k++) {
            size_t at = 0;
            while (at < n && strcmp(metrics[at], list[k]->name) != 0) at++;
            if (at < n) continue;
            metrics[n] = list[k]->name;
            types[n++] = (int)list[k]->type;
        }
        for (size_t k = 0; i < m->n_phases && k < m->phases[i]->n_by_op; k++) {
            const char *kind = m->phases[i]->by_op[k].kind;
            size_t at = 0;
            while (at < n_ops && strcmp(ops[at], kind) != 0) at++;
            if (at == n_ops) ops[n_ops++] = kind;
        }
    }
    names->metrics = metrics;
    names->types = types;
    names->n_metrics = n;
    names->ops = ops;
    names->n_ops = n_ops;
}

/* Resolves and judges the thresholds on the merged document; sets its
 * "thresholds". Returns how many failed, or -1 when a --threshold names
 * nothing the merged run records (bad input, message printed). */
static int judge_merged(judge *j, const rb_merge *mg, json_t *doc, const char *who)
{
    rb_threshold_names names;
    merged_names(&mg->merged, &names);
    int rc = 0;
    for (size_t i = 0; i < j->n && rc == 0; i++) {
        char err[RB_ERRLEN];
        if (rb_threshold_resolve(&j->th[i], &names, err, sizeof err) < 0 && i < j->n_given) {
            fprintf(stderr, "%s: bad --threshold: %s\n", who, err);
            rc = -1;
        }
        /* a shard's own threshold that no longer resolves is judged as unresolved: it fails, saying why */
    }
    free((void *)names.metrics);
    free((void *)names.types);
    free((void *)names.ops);
    if (rc < 0 || j->n == 0) return rc;
    char err[RB_ERRLEN];
    json_t *suite = rb_results_as_suite(doc, "merged results", err, sizeof err);
    if (!suite) return 0;
    int failed = 0;
    json_t *results = rb_thresholds_eval(j->th, j->n, suite, &failed);
    json_decref(suite);
    json_object_set_new(doc, "thresholds", results);
    return failed;
}

/* The shards' recorded thresholds, each expression once, after those given. */
static void add_recorded(judge *j, const rb_merge *mg, const char *who)
{
    for (size_t i = 0; i < mg->n_loaded; i++) {
        size_t k;
        const json_t *t;
        json_array_foreach(json_object_get(mg->shards[i].doc, "thresholds"), k, t) {
            const char *expr = json_string_value(json_object_get(t, "expr"));
            char err[RB_ERRLEN];
            if (!expr || judged(j, expr)) continue;
            if (judge_add(j, expr, err, sizeof err) < 0)
                fprintf(stderr, "%s: warning: shard %d's threshold is left out: %s\n", who, mg->shards[i].index, err);
        }
    }
}

/* The closing line, like run's. */
static void print_verdict(const rb_merge *mg, int exit_code, const judge *j, int th_failed)
{
    uint64_t ops = 0, errors = 0;
    for (size_t i = 0; i < mg->merged.n_phases; i++) {
        ops += mg->merged.phases[i]->total.ops;
        errors += mg->merged.phases[i]->total.errors;
    }
    double offset = 0;
    for (size_t i = 0; i < mg->n_loaded; i++) {
        double o = (double)llabs(mg->shards[i].offset_us) / 1000.0;
        if (o > offset) offset = o;
    }
    char th[128] = "";
    if (j->n) snprintf(th, sizeof th, ", thresholds %zu of %zu passed", j->n - (size_t)th_failed, j->n);
    fprintf(stderr, "regbench: %s%s: merged %zu of %d shards, %zu phase%s, %llu operations, %llu errors%s; "
            "clock offsets up to %.1f ms\n", exit_code == RB_EXIT_OK ? "PASS" : "FAIL",
            mg->partial ? " (PARTIAL)" : "", mg->n_loaded, mg->count, mg->merged.n_phases,
            mg->merged.n_phases == 1 ? "" : "s", (unsigned long long)ops, (unsigned long long)errors, th, offset);
}

/* Sets a key of the merged document's "registry" when value is given. */
static void registry_set(json_t *doc, const char *key, const char *value)
{
    json_t *reg = json_object_get(doc, "registry");
    if (value && json_is_object(reg)) json_object_set_new(reg, key, json_string(value));
}

int rb_merge_job_run(const rb_merge_job *mj)
{
    const char *who = mj->who ? mj->who : "regbench merge";
    char err[RB_ERRLEN];
    judge j = {0};
    for (size_t i = 0; i < mj->n_thresholds; i++) {
        if (judge_add(&j, mj->thresholds[i], err, sizeof err) < 0) {
            fprintf(stderr, "%s: bad --threshold: %s\n", who, err);
            judge_free(&j);
            return RB_EXIT_USAGE;
        }
    }
    j.n_given = j.n;

    rb_merge mg;
    rb_merge_init(&mg);
    int verdict = rb_merge_load(&mg, mj->dirs, mj->n_dirs, mj->allow_partial);
    for (size_t i = 0; i < mg.n_problems; i++)
        fprintf(stderr, "%s: %s%s\n", who, verdict == RB_MERGE_OK ? "warning: " : "", mg.problems[i]);
    if (verdict != RB_MERGE_OK) {
        if (verdict == RB_MERGE_INCOMPLETE && !mj->allow_partial)
            fprintf(stderr, "%s: nothing merged; `regbench merge --allow-partial` merges what is there\n", who);
        rb_merge_free(&mg);
        judge_free(&j);
        return verdict == RB_MERGE_BAD_INPUT ? RB_EXIT_USAGE : RB_EXIT_SCRIPT;
    }
    json_t *doc = rb_merge_run(&mg);
    registry_set(doc, "kind", mj->reg_kind);
    registry_set(doc, "storage", mj->reg_storage);
    registry_set(doc, "version", mj->reg_version);
    add_recorded(&j, &mg, who);
    int th_failed = judge_merged(&j, &mg, doc, who);
    if (th_failed < 0) {
        rb_merge_free(&mg);
        judge_free(&j);
        return RB_EXIT_USAGE;
    }
    int exit_code = th_failed ? RB_EXIT_THRESHOLD : RB_EXIT_OK;
    json_object_set_new(doc, "exit_code", json_integer(exit_code));
    if (rb_merge_write(&mg, mj->out_dir, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", who, err);
        rb_merge_free(&mg);
        judge_free(&j);
        return RB_EXIT_SCRIPT;
    }
    if (!mj->quiet) {
        rb_results_print_table(stdout, &mg.merged);
        fputc('\n', stdout);
        rb_merge_print_shards(stdout, doc);
        const json_t *results = json_object_get(doc, "thresholds");
        if (results) rb_results_print_thresholds(stdout, results);
        fflush(stdout);
    }
    print_verdict(&mg, exit_code, &j, th_failed);
    fprintf(stderr, "regbench: results in %s/\n", mj->out_dir);
    rb_merge_free(&mg);
    judge_free(&j);
    return exit_code;
}
