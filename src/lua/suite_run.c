/* suite_run: `regbench suite`. Loads a suite (rb_suite), runs each
 * (registry, scenario, parameter combination, repetition) with
 * rb_run_scenario into its own directory, gathers every run's results into
 * the suite's results.json (rewritten after each run, so a crash keeps what
 * finished), then checks thresholds, compares with a baseline, and writes
 * the views: summary.md, summary.csv, timeseries.csv, bench.txt. */
#include "results/rb_compare.h"
#include "results/rb_html.h"
#include "results/rb_report.h"
#include "results/rb_results.h"
#include "run/rb_runtime.h"
#include "suite/rb_suite.h"
#include "results/rb_summary.h"
#include "suite/rb_threshold.h"
#include "util/rb_util.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef REGBENCH_SOURCE_DIR
#define REGBENCH_SOURCE_DIR "."
#endif

static void usage(FILE *out)
{
    fputs("Usage: regbench suite [FILE] [options]\n"
          "  FILE                  a suite (default: suites/default.yaml)\n"
          "  --out DIR             results directory (default from the suite, or results/<name>-<time>)\n"
          "  --baseline FILE       compare with these results (overrides the suite's baseline)\n"
          "  --repetitions N       override every repetition count\n"
          "  --only NAME[,NAME]    run only these scenarios\n"
          "  --quiet               no live progress\n"
          "Exit codes: 0 ok, 1 a run failed, 2 bad input, 99 a threshold failed or a regression,\n"
          "130 interrupted. See docs/suite-format.md.\n", out);
}

/* Replaces "{time}" in pattern with stamp. */
static char *expand_time(const char *pattern, const char *stamp)
{
    const char *p = strstr(pattern, "{time}");
    if (!p) return rb_strdup(pattern);
    return rb_asprintf("%.*s%s%s", (int)(p - pattern), pattern, stamp, p + 6);
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

static int write_json_atomic(const char *path, json_t *doc, char *err, size_t errlen)
{
    char *tmp = rb_asprintf("%s.tmp", path);
    int rc = json_dump_file(doc, tmp, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    if (rc == 0 && rename(tmp, path) != 0) rc = -1;
    if (rc != 0) rb_err(err, errlen, "cannot write %s: %s", path, strerror(errno));
    free(tmp);
    return rc;
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
static void write_outputs(const char *dir, json_t *suite, const rb_suite *s)
{
    char err[RB_ERRLEN];
    char *p = rb_asprintf("%s/results.json", dir);
    if (write_json_atomic(p, suite, err, sizeof err) < 0) fprintf(stderr, "regbench: %s\n", err);
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
    (void)s;
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

int rb_cmd_suite(int argc, char **argv)
{
    const char *file = NULL, *out = NULL, *baseline = NULL, *only = NULL;
    int quiet = 0, reps_override = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { usage(stdout); return RB_EXIT_OK; }
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) { quiet = 1; continue; }
        if (strncmp(a, "--", 2) == 0) {
            if (i + 1 >= argc) { fprintf(stderr, "regbench: option %s needs a value\n", a); return RB_EXIT_USAGE; }
            const char *v = argv[++i];
            if (strcmp(a, "--out") == 0) out = v;
            else if (strcmp(a, "--baseline") == 0) baseline = v;
            else if (strcmp(a, "--only") == 0) only = v;
            else if (strcmp(a, "--repetitions") == 0) {
                char *end;
                long n = strtol(v, &end, 10);
                if (*end || n < 1 || n > 1000) {
                    fprintf(stderr, "regbench: bad --repetitions '%s': expected 1 to 1000\n", v);
                    return RB_EXIT_USAGE;
                }
                reps_override = (int)n;
            } else {
                fprintf(stderr, "regbench: unknown option '%s' for suite (see regbench suite --help)\n", a);
                return RB_EXIT_USAGE;
            }
            continue;
        }
        if (file) { fprintf(stderr, "regbench: one suite file at a time ('%s' and '%s')\n", file, a); return RB_EXIT_USAGE; }
        file = a;
    }
    char *default_file = NULL;
    if (!file) {
        file = "suites/default.yaml";
        if (access(file, R_OK) != 0) {
            default_file = rb_asprintf("%s/suites/default.yaml", REGBENCH_SOURCE_DIR);
            file = default_file;
        }
    }
    char err[RB_ERRLEN];
    rb_suite *s = rb_suite_load(file, err, sizeof err);
    if (!s) {
        fprintf(stderr, "regbench: %s\n", err);
        free(default_file);
        return RB_EXIT_USAGE;
    }
    if (baseline) {
        free(s->baseline);
        s->baseline = rb_strdup(baseline);
    }
    json_t *base_doc = NULL;
    if (s->baseline) {
        base_doc = rb_results_load(s->baseline, err, sizeof err);
        if (!base_doc) {
            fprintf(stderr, "regbench: baseline: %s\n", err);
            rb_suite_free(s);
            free(default_file);
            return RB_EXIT_USAGE;
        }
    }
    size_t n_runs = 0;
    rb_suite_run *runs = rb_suite_expand(s, &n_runs);
    if (only) {
        for (const char *p = only; *p;) {   /* every name must exist */
            const char *c = strchr(p, ',');
            size_t len = c ? (size_t)(c - p) : strlen(p);
            int found = 0;
            for (size_t i = 0; i < s->n_scenarios; i++)
                if (strlen(s->scenarios[i].name) == len && strncmp(s->scenarios[i].name, p, len) == 0) found = 1;
            if (!found) {
                fprintf(stderr, "regbench: --only: no scenario '%.*s' in %s\n", (int)len, p, file);
                rb_suite_runs_free(runs, n_runs);
                rb_suite_free(s);
                json_decref(base_doc);
                free(default_file);
                return RB_EXIT_USAGE;
            }
            if (!c) break;
            p = c + 1;
        }
    }

    char stamp[32];
    rb_format_utc(rb_wall_us(), stamp, sizeof stamp);
    for (char *p = stamp; *p; p++) if (*p == ':') *p = '-';
    char *dir;
    if (out) dir = rb_strdup(out);
    else if (s->out_dir) dir = expand_time(s->out_dir, stamp);
    else dir = rb_asprintf("results/%s-%s", s->name, stamp);
    if (rb_mkdir_p(dir) < 0) {
        fprintf(stderr, "regbench: cannot create output directory '%s': %s\n", dir, strerror(errno));
        rb_suite_runs_free(runs, n_runs);
        rb_suite_free(s);
        json_decref(base_doc);
        free(dir);
        free(default_file);
        return RB_EXIT_USAGE;
    }

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
    json_object_set_new(sinfo, "file", json_string(file));
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
        if (!only || in_list(only, runs[i].scenario->name))
            total += (size_t)(reps_override ? reps_override : runs[i].repetitions);

    int failed_runs = 0, interrupted = 0;
    for (size_t i = 0; i < n_runs && !interrupted; i++) {
        rb_suite_run *run = &runs[i];
        if (only && !in_list(only, run->scenario->name)) continue;
        int reps = reps_override ? reps_override : run->repetitions;
        const char **sets = rb_calloc(run->n_params + 1, sizeof *sets);
        for (size_t k = 0; k < run->n_params; k++)
            sets[k] = rb_asprintf("%s=%s", run->params[k].key, run->params[k].value);
        for (int rep = 1; rep <= reps && !interrupted; rep++) {
            done++;
            char *c1 = safe_component(run->registry->name), *c2 = safe_component(run->scenario->name),
                 *c3 = safe_component(run->label);
            char *rel = rb_asprintf("runs/%s/%s/%s/rep%d", c1, c2, c3, rep);
            char *abs = rb_asprintf("%s/%s", dir, rel);
            free(c1); free(c2); free(c3);
            fprintf(stderr, "regbench: [%zu/%zu] %s %s%s%s rep %d/%d\n", done, total, run->registry->name,
                    run->scenario->name, run->label[0] ? " " : "", run->label, rep, reps);
            rb_run_opts o;
            memset(&o, 0, sizeof o);
            o.scenario = run->scenario->file;
            o.set = sets;
            o.n_set = run->n_params;
            o.out_dir = abs;
            o.quiet = quiet;
            o.max_vus = 100000;
            const rb_suite_registry *r = run->registry;
            /* an external registry, or a launched one with htpasswd; without
             * `username`, the same environment variables as `regbench run` */
            o.username = r->username ? r->username : getenv("REGBENCH_USERNAME");
            o.password = r->password_env ? getenv(r->password_env) : getenv("REGBENCH_PASSWORD");
            if (!o.username || !o.password) o.username = o.password = NULL;
            o.ca_file = r->ca_file;
            o.retries = r->retries;
            o.http_client = r->http_client;
            if (r->external) {
                o.target_url = r->url;
                o.insecure = r->insecure;
                o.registry_pid = r->registry_pid;
            } else {
                o.launch.kind = r->kind;
                o.launch.storage = r->storage;
                o.launch.port = r->port;
                o.launch.htpasswd = r->htpasswd;
                o.pull_through = r->pull_through;
            }
            int rc = rb_run_scenario(&o);
            if (rc == RB_EXIT_INTERRUPTED) interrupted = 1;
            else if (rc != RB_EXIT_OK) failed_runs++;
            json_t *rec = run_record(run, rep, rel, abs, rc);
            note_version(suite, run->registry->name, json_object_get(rec, "registry_info"));
            json_object_del(rec, "registry_info");
            json_array_append_new(runs_json, rec);
            json_object_set_new(suite, "duration_s", json_real((double)(rb_now_us() - t0) / 1e6));
            char *p = rb_asprintf("%s/results.json", dir);
            if (write_json_atomic(p, suite, err, sizeof err) < 0) fprintf(stderr, "regbench: %s\n", err);
            free(p);
            free(rel);
            free(abs);
        }
        for (size_t k = 0; k < run->n_params; k++) free((char *)sets[k]);
        free(sets);
    }

    /* thresholds, comparison, warnings */
    int n_failed = 0;
    json_t *th = rb_thresholds_eval(s->thresholds, s->n_thresholds, suite, &n_failed);
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
    if (base_doc) {
        json_t *cmp = rb_compare(base_doc, suite, s->compare_threshold_pct);
        regressions = (int)json_integer_value(json_object_get(cmp, "regressions"));
        fprintf(stdout, "\nComparison with %s:\n", s->baseline);
        rb_compare_print(cmp, stdout);
        json_object_set_new(suite, "comparison", cmp);
    }
    int exit_code = interrupted ? RB_EXIT_INTERRUPTED
                  : failed_runs ? RB_EXIT_SCRIPT
                  : (n_failed || regressions) ? RB_EXIT_THRESHOLD : RB_EXIT_OK;
    json_object_set_new(suite, "status", json_string(interrupted ? "interrupted" : failed_runs ? "failed" : "ok"));
    json_object_set_new(suite, "exit_code", json_integer(exit_code));
    json_object_set_new(suite, "duration_s", json_real((double)(rb_now_us() - t0) / 1e6));
    write_outputs(dir, suite, s);

    size_t ti;
    json_t *t;
    json_array_foreach(th, ti, t) {
        int ok = json_is_true(json_object_get(t, "passed"));
        fprintf(stdout, "threshold %s %s\n", json_string_value(json_object_get(t, "expr")), ok ? "passed" : "FAILED");
        if (!ok) {
            size_t fi;
            json_t *f;
            json_array_foreach(json_object_get(t, "failures"), fi, f) {
                if (fi >= 5) { fprintf(stdout, "  ...\n"); break; }
                fprintf(stdout, "  %s\n", json_string_value(f));
            }
        }
    }
    fprintf(stderr, "regbench: suite %s: %zu run%s, %d failed%s; results in %s/ (summary.md)\n", s->name, done,
            done == 1 ? "" : "s", failed_runs, interrupted ? ", interrupted" : "", dir);
    json_decref(suite);
    json_decref(base_doc);
    rb_suite_runs_free(runs, n_runs);
    rb_suite_free(s);
    free(dir);
    free(default_file);
    return exit_code;
}
