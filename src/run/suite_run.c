/* suite_run: a suite run, without Lua (see rb_suite_run.h). Each run's
 * scenario goes to the caller's runner with its parameters as given (no
 * text round trip); each run's own results.json is folded into the suite
 * document as soon as the run ends. */
#include "run/rb_suite_run.h"
#include "net/rb_http_types.h"
#include "run/rb_conformance_run.h"
#include "run/rb_procs.h"
#include "results/rb_compare.h"
#include "results/rb_conformance.h"
#include "results/rb_export.h"
#include "results/rb_html.h"
#include "results/rb_load.h"
#include "results/rb_markdown.h"
#include "results/rb_results.h"
#include "suite/rb_threshold.h"
#include "util/rb_atomic.h"
#include "util/rb_util.h"

#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* nftw callback: removes one entry (children come first with FTW_DEPTH). */
static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st; (void)ftw;
    if (type == FTW_DP) rmdir(path);
    else unlink(path);
    return 0;
}

/* Removes a launched registry's storage directory under a finished run's
 * directory: its blobs are measured (storage_bytes) and of no further use,
 * and a suite of 1 GB images on several disk registries fills a disk. */
static void remove_storage(const char *run_dir)
{
    char *dir = rb_asprintf("%s/registry-storage", run_dir);
    if (access(dir, F_OK) == 0 && nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "regbench: warning: cannot remove %s: %s\n", dir, strerror(errno));
    free(dir);
}

/* A path component from free text: keeps [A-Za-z0-9_.=,+-], maps the rest to '_'. */
static char *safe_component(const char *s)
{
    if (!*s) return rb_strdup("default");
    char *out = rb_strdup(s);
    for (char *p = out; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("_.=,+-", *p)))
            *p = '_';
    if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0) out[0] = '_';
    return out;
}

static json_t *registries_json(const rb_suite *s)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->n_registries; i++) {
        const rb_suite_registry *r = &s->registries[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(r->name));
        json_object_set_new(o, "kind", json_string(r->external ? "external" : rb_launch_kind_name(r->kind)));
        json_object_set_new(o, "storage", json_string(r->external ? "unknown" : rb_launch_storage_name(r->storage)));
        json_object_set_new(o, "url", r->url ? json_string(r->url) : json_null());
        json_object_set_new(o, "version", json_null());
        json_object_set_new(o, "conformance", json_null());   /* run_conformance fills it when asked */
        json_array_append_new(a, o);
    }
    return a;
}

/* Fills the registry's version from the first run on it that recorded one. */
static void note_version(json_t *suite, const char *registry, const json_t *run_registry)
{
    const char *v = json_string_value(json_object_get(run_registry, "version"));
    if (!v) return;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(suite, "registries"), i, r) {
        if (strcmp(json_string_value(json_object_get(r, "name")), registry) == 0 &&
            json_is_null(json_object_get(r, "version")))
            json_object_set_new(r, "version", json_string(v));
    }
}

/* The suite-level record of one run, from its own results.json. */
static json_t *run_record(const rb_suite_run *run, int rep, const char *rel_dir, const char *abs_dir, int exit_code)
{
    json_t *o = json_object();
    json_object_set_new(o, "registry", json_string(run->registry->name));
    json_object_set_new(o, "scenario", json_string(run->scenario->name));
    json_object_set_new(o, "label", json_string(run->label));
    json_t *params = json_object();
    for (size_t i = 0; i < run->n_params; i++)
        json_object_set_new(params, run->params[i].key, json_string(run->params[i].value));
    json_object_set_new(o, "params", params);
    json_object_set_new(o, "repetition", json_integer(rep));
    json_object_set_new(o, "dir", json_string(rel_dir));
    char *path = rb_asprintf("%s/results.json", abs_dir);
    json_error_t je;
    json_t *res = json_load_file(path, 0, &je);
    free(path);
    if (res) {
        json_object_set(o, "status", json_object_get(res, "status"));
        json_object_set_new(o, "exit_code", json_integer(exit_code));
        json_object_set(o, "error", json_object_get(res, "error"));
        json_object_set(o, "phases", json_object_get(res, "phases"));
        json_object_set(o, "metrics", json_object_get(res, "metrics"));
        json_object_set(o, "warnings", json_object_get(res, "warnings"));
        if (json_object_get(res, "thresholds")) json_object_set(o, "thresholds", json_object_get(res, "thresholds"));
        json_object_set(o, "registry_info", json_object_get(res, "registry"));
        json_decref(res);
    } else {
        json_object_set_new(o, "status", json_string("failed"));
        json_object_set_new(o, "exit_code", json_integer(exit_code));
        json_object_set_new(o, "error", json_string("the run wrote no results.json"));
        json_object_set_new(o, "phases", json_array());
        json_object_set_new(o, "metrics", json_object());
        json_object_set_new(o, "warnings", json_array());
    }
    return o;
}


/* Writes results.json and every view of the suite document into dir. */
static void write_outputs(const char *dir, json_t *suite)
{
    char err[RB_ERRLEN];
    char *p = rb_asprintf("%s/results.json", dir);
    if (rb_write_json_atomic(p, suite, err, sizeof err) < 0) fprintf(stderr, "regbench: %s\n", err);
    free(p);
    p = rb_asprintf("%s/summary.csv", dir);
    if (rb_write_summary_csv(suite, p, err, sizeof err) < 0) fprintf(stderr, "regbench: %s\n", err);
    free(p);
    p = rb_asprintf("%s/timeseries.csv", dir);
    if (rb_write_timeseries_csv(suite, p, err, sizeof err) < 0) fprintf(stderr, "regbench: %s\n", err);
    free(p);
    p = rb_asprintf("%s/bench.txt", dir);
    if (rb_write_gobench_file(suite, p, err, sizeof err) < 0) fprintf(stderr, "regbench: %s\n", err);
    free(p);
    p = rb_asprintf("%s/summary.md", dir);
    if (rb_write_summary_md(suite, p, err, sizeof err) < 0) fprintf(stderr, "regbench: %s\n", err);
    free(p);
    p = rb_asprintf("%s/report.html", dir);
    if (rb_write_report_html(suite, NULL, dir, p, err, sizeof err) < 0)
        fprintf(stderr, "regbench: warning: no report.html: %s\n", err);
    free(p);
}

static int in_list(const char *csv, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = csv; p && *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0) return 1;
        p = c ? c + 1 : NULL;
    }
    return 0;
}

/* One line for a finished run: "[3/16] crane-memory bulk rep 1/3: ok,
 * 12.3 s, 200 ops, 0 errors, 45.1 MB/s". */
static void run_line(FILE *out, size_t done, size_t total, int rep, int reps, const json_t *rec)
{
    double secs = 0, mb = 0;
    long long ops = 0, errors = 0;
    size_t pi;
    json_t *ph;
    json_array_foreach(json_object_get(rec, "phases"), pi, ph) {
        double d = json_number_value(json_object_get(ph, "duration_s"));
        secs += d;
        ops += json_integer_value(json_object_get(ph, "ops"));
        errors += json_integer_value(json_object_get(ph, "errors"));
        mb += json_number_value(json_object_get(ph, "bytes")) / 1e6;
    }
    const char *label = rb_json_str(rec, "label"), *status = rb_json_str(rec, "status");
    long long rc = json_integer_value(json_object_get(rec, "exit_code"));
    fprintf(out, "regbench: [%zu/%zu] %s %s%s%s rep %d/%d: %s%s, %.1f s, %lld ops, %lld errors, %.1f MB/s",
            done, total, rb_json_str(rec, "registry"), rb_json_str(rec, "scenario"), label[0] ? " " : "", label, rep,
            reps, status, rc == RB_EXIT_THRESHOLD ? " (a threshold failed)" : "", secs, ops, errors,
            secs > 0 ? mb / secs : 0.0);
    size_t nw = json_array_size(json_object_get(rec, "warnings"));
    if (nw) fprintf(out, " (%zu warning%s)", nw, nw == 1 ? "" : "s");
    const char *e = rb_json_str(rec, "error");
    if (*e) fprintf(out, ": %.200s", e);
    fputc('\n', out);
}

/* Appends the thresholds each run judged itself (a scenario's rb.threshold,
 * or --threshold) to the suite's list, marked with the run; returns how
 * many failed. */
static int fold_run_thresholds(const json_t *runs, json_t *th)
{
    int failed = 0;
    size_t ri;
    json_t *run;
    json_array_foreach(runs, ri, run) {
        size_t ti;
        json_t *t;
        json_array_foreach(json_object_get(run, "thresholds"), ti, t) {
            json_t *c = json_deep_copy(t);
            const char *label = rb_json_str(run, "label");
            json_object_set_new(c, "run", json_sprintf("%s/%s%s%s rep %lld", rb_json_str(run, "registry"),
                                                      rb_json_str(run, "scenario"), label[0] ? " " : "", label,
                                                      (long long)json_integer_value(json_object_get(run, "repetition"))));
            if (!json_is_true(json_object_get(c, "passed"))) failed++;
            json_array_append_new(th, c);
        }
    }
    return failed;
}

/* One run of the suite as N shard processes (procs:), merged into
 * ro->out_dir as `regbench run --procs N` does: the shards get the run's
 * parameters and client settings on their command line. */
static int run_procs(const rb_run_opts *ro, int procs)
{
    char **pass = rb_calloc(ro->n_params + 8, sizeof *pass);
    size_t n = 0;
    for (size_t i = 0; i < ro->n_params; i++)
        pass[n++] = rb_asprintf("--set=%s=%s", ro->params[i].key, ro->params[i].value);
    if (ro->retries) pass[n++] = rb_asprintf("--retries=%d", ro->retries);
    pass[n++] = rb_asprintf("--http-client=%s", rb_http_engine_name(ro->http_client));
    if (ro->ca_file) pass[n++] = rb_asprintf("--ca-file=%s", ro->ca_file);
    if (ro->user_agent) pass[n++] = rb_asprintf("--user-agent=%s", ro->user_agent);
    if (ro->insecure) pass[n++] = rb_strdup("--insecure");
    rb_run_opts quiet = *ro;
    quiet.quiet = ro->quiet || ro->brief;   /* the suite prints its own line per run */
    rb_procs_opts po = {.run = &quiet, .n = procs > 0 ? procs : rb_procs_auto(!ro->target_url),
                        .pass = (const char *const *)pass, .n_pass = n};
    int rc = rb_procs_run(&po);
    for (size_t i = 0; i < n; i++) free(pass[i]);
    free(pass);
    return rc;
}

/* Runs the OCI conformance suite once on each registry that asks for it
 * (its `conformance`, else the suite's), before the speed runs, into
 * DIR/conformance/NAME/; sets registries[i].conformance in the suite
 * document: the counts and categories, or "unavailable" with the reason
 * (the per-test list stays in that directory's conformance.json). */
static void run_conformance(const rb_suite *s, const rb_suite_run_opts *o, json_t *suite)
{
    json_t *regs = json_object_get(suite, "registries");
    for (size_t i = 0; i < s->n_registries; i++) {
        const rb_suite_registry *r = &s->registries[i];
        if (!(r->conformance > 0 || (r->conformance == 0 && s->conformance))) continue;
        char *c = safe_component(r->name);
        char *rel = rb_asprintf("conformance/%s", c);
        char *abs = rb_asprintf("%s/%s", o->dir, rel);
        free(c);
        rb_conformance_opts co;
        memset(&co, 0, sizeof co);
        co.out_dir = abs;
        co.registry = r->name;
        co.quiet = o->quiet;
        /* the credentials of the speed runs (see rb_suite_execute) */
        co.username = r->username ? r->username : getenv("REGBENCH_USERNAME");
        co.password = r->password_env ? getenv(r->password_env) : getenv("REGBENCH_PASSWORD");
        if (!co.username || !co.password) co.username = co.password = NULL;
        if (r->external) {
            co.target_url = r->url;
            co.insecure = r->insecure;
            co.ca_file = r->ca_file;
        } else {
            co.launch.kind = r->kind;   /* a pull-through registry is tested as a plain one */
            co.launch.storage = r->storage;
            co.launch.port = r->port;
            co.launch.htpasswd = r->htpasswd;
        }
        json_t *res = rb_conformance_run(&co);
        json_object_del(res, "tests");
        json_object_set_new(res, "dir", json_string(rel));
        if (!rb_conformance_ran(res))   /* said even with --quiet: never a silent skip */
            fprintf(stderr, "regbench: conformance %s: unavailable: %s\n", r->name,
                    json_string_value(json_object_get(res, "reason")));
        else if (!o->quiet)
            fprintf(stderr, "regbench: conformance %s: %lld of %lld passed, %lld failed, %lld skipped, %lld disabled\n",
                    r->name, (long long)json_integer_value(json_object_get(res, "pass")),
                    (long long)json_integer_value(json_object_get(res, "total")),
                    (long long)json_integer_value(json_object_get(res, "fail")),
                    (long long)json_integer_value(json_object_get(res, "skip")),
                    (long long)json_integer_value(json_object_get(res, "disabled")));
        json_object_set_new(json_array_get(regs, i), "conformance", res);
        free(rel);
        free(abs);
    }
}

int rb_suite_execute(const rb_suite *s, const rb_suite_run_opts *o)
{
    char err[RB_ERRLEN];
    size_t n_runs = 0;
    rb_suite_run *runs = rb_suite_expand(s, &n_runs);
    char started[32];
    uint64_t t0 = rb_now_us();
    rb_format_utc(rb_wall_us(), started, sizeof started);
    json_t *suite = json_object();
    json_object_set_new(suite, "schema", json_string(RB_SUITE_SCHEMA));
    json_t *tool = json_object();
    json_object_set_new(tool, "name", json_string("regbench"));
    json_object_set_new(tool, "version", json_string(REGBENCH_VERSION));
    json_object_set_new(suite, "tool", tool);
    json_t *sinfo = json_object();
    json_object_set_new(sinfo, "name", json_string(s->name));
    json_object_set_new(sinfo, "file", json_string(o->file));
    json_object_set_new(sinfo, "description", s->description ? json_string(s->description) : json_null());
    json_object_set_new(suite, "suite", sinfo);
    json_object_set_new(suite, "started_at", json_string(started));
    json_object_set_new(suite, "duration_s", json_real(0));
    json_object_set_new(suite, "status", json_string("running"));
    json_object_set_new(suite, "exit_code", json_integer(-1));
    json_object_set_new(suite, "environment", rb_environment_json());
    json_object_set_new(suite, "registries", registries_json(s));
    json_t *runs_json = json_array();
    json_object_set_new(suite, "runs", runs_json);
    json_object_set_new(suite, "thresholds", json_array());
    json_object_set_new(suite, "warnings", json_array());
    json_object_set_new(suite, "comparison", json_null());

    size_t total = 0, done = 0;
    for (size_t i = 0; i < n_runs; i++)
        if (!o->only || in_list(o->only, runs[i].scenario->name))
            total += (size_t)(o->repetitions ? o->repetitions : runs[i].repetitions);

    run_conformance(s, o, suite);
    int failed_runs = 0, interrupted = 0;
    for (size_t i = 0; i < n_runs && !interrupted; i++) {
        rb_suite_run *run = &runs[i];
        if (o->only && !in_list(o->only, run->scenario->name)) continue;
        int reps = o->repetitions ? o->repetitions : run->repetitions;
        for (int rep = 1; rep <= reps && !interrupted; rep++) {
            done++;
            char *c1 = safe_component(run->registry->name), *c2 = safe_component(run->scenario->name),
                 *c3 = safe_component(run->label);
            char *rel = rb_asprintf("runs/%s/%s/%s/rep%d", c1, c2, c3, rep);
            char *abs = rb_asprintf("%s/%s", o->dir, rel);
            free(c1); free(c2); free(c3);
            rb_run_opts ro;
            memset(&ro, 0, sizeof ro);
            ro.scenario = run->scenario->file;
            ro.params = run->params;
            ro.n_params = run->n_params;
            ro.out_dir = abs;
            ro.quiet = o->quiet;
            ro.brief = 1;
            ro.max_vus = 100000;
            const rb_suite_registry *r = run->registry;
            /* an external registry, or a launched one with htpasswd; without
             * `username`, the same environment variables as `regbench run` */
            ro.username = r->username ? r->username : getenv("REGBENCH_USERNAME");
            ro.password = r->password_env ? getenv(r->password_env) : getenv("REGBENCH_PASSWORD");
            if (!ro.username || !ro.password) ro.username = ro.password = NULL;
            ro.ca_file = r->ca_file;
            ro.retries = r->retries;
            ro.http_client = r->http_client;
            ro.user_agent = r->user_agent;
            if (r->external) {
                ro.target_url = r->url;
                ro.insecure = r->insecure;
                ro.registry_pid = r->registry_pid;
            } else {
                ro.launch.kind = r->kind;
                ro.launch.storage = r->storage;
                ro.launch.port = r->port;
                ro.launch.htpasswd = r->htpasswd;
                ro.launch.command = r->command;
                ro.launch.config_template = r->config_template;
                ro.launch.ready_url = r->ready_url;
                ro.launch.env = r->env;
                ro.launch.version_command = r->version_command;
                ro.launch.ready_timeout_s = r->ready_timeout_s;
                ro.pull_through = r->pull_through;
            }
            int rc = run->procs == 1 ? o->runner(&ro) : run_procs(&ro, run->procs);
            if (!r->external && !s->keep_storage) remove_storage(abs);
            if (rc == RB_EXIT_INTERRUPTED) interrupted = 1;
            else if (rc != RB_EXIT_OK && rc != RB_EXIT_THRESHOLD) failed_runs++;   /* 99: its thresholds judged it */
            json_t *rec = run_record(run, rep, rel, abs, rc);
            if (!o->quiet) run_line(stderr, done, total, rep, reps, rec);
            note_version(suite, run->registry->name, json_object_get(rec, "registry_info"));
            json_object_del(rec, "registry_info");
            json_array_append_new(runs_json, rec);
            json_object_set_new(suite, "duration_s", json_real((double)(rb_now_us() - t0) / 1e6));
            char *p = rb_asprintf("%s/results.json", o->dir);
            if (rb_write_json_atomic(p, suite, err, sizeof err) < 0) fprintf(stderr, "regbench: %s\n", err);
            free(p);
            free(rel);
            free(abs);
        }
    }

    /* thresholds, comparison, warnings */
    int n_failed = 0;
    json_t *th = rb_thresholds_eval(s->thresholds, s->n_thresholds, suite, &n_failed);
    n_failed += fold_run_thresholds(runs_json, th);
    json_object_set_new(suite, "thresholds", th);
    json_t *warnings = json_object_get(suite, "warnings");
    size_t ri;
    json_t *run;
    json_array_foreach(runs_json, ri, run) {
        size_t wi;
        json_t *w;
        json_array_foreach(json_object_get(run, "warnings"), wi, w)
            json_array_append_new(warnings, json_sprintf("%s/%s%s%s rep %lld: %s",
                json_string_value(json_object_get(run, "registry")), json_string_value(json_object_get(run, "scenario")),
                json_string_length(json_object_get(run, "label")) ? " " : "", json_string_value(json_object_get(run, "label")),
                (long long)json_integer_value(json_object_get(run, "repetition")), json_string_value(w)));
    }
    int regressions = 0;
    if (o->baseline) {
        rb_compare_opts co = {.threshold_pct = s->compare_threshold_pct, .strict = s->compare_strict};
        json_t *cmp = rb_compare_with(o->baseline, suite, &co);
        regressions = (int)json_integer_value(json_object_get(cmp, "regressions"));
        if (!o->quiet) {
            fprintf(stdout, "\nComparison with %s:\n", s->baseline);
            rb_compare_print(cmp, stdout);
        }
        json_object_set_new(suite, "comparison", cmp);
    }
    int exit_code = interrupted ? RB_EXIT_INTERRUPTED
                  : failed_runs ? RB_EXIT_SCRIPT
                  : (n_failed || regressions) ? RB_EXIT_THRESHOLD : RB_EXIT_OK;
    json_object_set_new(suite, "status", json_string(interrupted ? "interrupted" : failed_runs ? "failed" : "ok"));
    json_object_set_new(suite, "exit_code", json_integer(exit_code));
    json_object_set_new(suite, "duration_s", json_real((double)(rb_now_us() - t0) / 1e6));
    write_outputs(o->dir, suite);

    if (!o->quiet) rb_results_print_thresholds(stdout, th);
    fflush(stdout);
    uint64_t ops = 0, errors = 0;
    json_array_foreach(runs_json, ri, run) {
        size_t pi;
        json_t *ph;
        json_array_foreach(json_object_get(run, "phases"), pi, ph) {
            ops += (uint64_t)json_integer_value(json_object_get(ph, "ops"));
            errors += (uint64_t)json_integer_value(json_object_get(ph, "errors"));
        }
    }
    char tail[160] = "";
    size_t n_th = json_array_size(th);
    if (n_th) snprintf(tail, sizeof tail, ", thresholds %zu of %zu passed", n_th - (size_t)n_failed, n_th);
    if (o->baseline)
        snprintf(tail + strlen(tail), sizeof tail - strlen(tail), ", %d regression%s", regressions,
                 regressions == 1 ? "" : "s");
    fprintf(stderr, "regbench: %s: suite %s: %zu run%s (%d failed), %llu operations, %llu errors%s%s\n",
            exit_code == RB_EXIT_OK ? "PASS" : interrupted ? "INTERRUPTED" : "FAIL", s->name, done,
            done == 1 ? "" : "s", failed_runs, (unsigned long long)ops, (unsigned long long)errors, tail,
            interrupted ? ", interrupted" : "");
    fprintf(stderr, "regbench: results in %s/ (summary.md, report.html)\n", o->dir);
    json_decref(suite);
    rb_suite_runs_free(runs, n_runs);
    return exit_code;
}
