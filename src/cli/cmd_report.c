/* cmd_report: `regbench report RESULTS.json [--baseline OTHER.json]
 * [--max-change 5%] [--strict] [--out FILE]`. Loads saved results (a
 * suite's or a run's results.json, or a directory holding one) and writes
 * report.html (default: beside RESULTS.json). The run records of a suite are
 * completed from each run's own results.json under the suite directory.
 * Options through the shared parser (args.h); --threshold PCT is kept as an
 * alias of --max-change. Exit code 0, 2 for bad input, 1 when the report
 * cannot be written. */
#include "cli/rb_cli.h"
#include "args.h"
#include "util/rb_atomic.h"
#include "results/rb_compare.h"
#include "run/rb_events.h"
#include "results/rb_markdown.h"
#include "results/rb_html.h"
#include "results/rb_load.h"
#include "util/rb_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EXIT_BAD_INPUT 2

static void usage(FILE *f)
{
    fprintf(f, "Usage: regbench report RESULTS.json [options]\n"
               "  RESULTS.json        results of a suite or of a single run (or their directory)\n"
               "  --baseline OTHER    compare with these results (suite or run) and chart the change\n"
               "  --max-change P      largest change that is not a regression, in percent (default 5%%)\n"
               "  --threshold P       the same (an alias of --max-change; a bare percentage only)\n"
               "  --strict            with fewer than %d repetitions a side, a change beyond the max\n"
               "                      change is a regression (default: only when every sample is worse)\n"
               "  --out FILE          where to write the report (default report.html beside RESULTS.json)\n"
               "  -h, --help          this text\n"
               "Options take --name VALUE or --name=VALUE.\n"
               "Exit codes: 0 written, 1 cannot write, 2 bad input (docs/cli.md).\n",
            RB_COMPARE_MIN_SAMPLES);
}

/* The directory of the results: path itself if a directory, else its dirname. */
static char *results_dir(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return rb_strdup(path);
    const char *sl = strrchr(path, '/');
    if (!sl) return rb_strdup(".");
    if (sl == path) return rb_strdup("/");
    char *d = rb_strdup(path);
    d[sl - path] = '\0';
    return d;
}

/* When the run in `dir` never finished writing (results.json missing, or
 * still "running" after a crash or SIGKILL), rebuilds results.json and
 * summary.md from its event log. Returns 0 when there was nothing to do or
 * the rebuild worked, -1 with a message otherwise. */
static int rebuild_if_needed(const char *in, const char *dir, char *err, size_t errlen)
{
    struct stat st;
    size_t n = strlen(in);
    int is_log = n >= 12 && strcmp(in + n - 12, "events.jsonl") == 0;
    char *log = rb_asprintf("%s/events.jsonl", dir);
    char *res = rb_asprintf("%s/results.json", dir);
    int rc = 0;
    if (stat(log, &st) != 0) goto out;
    int needed = is_log || stat(res, &st) != 0;
    if (!needed) {
        json_error_t je;
        json_t *doc = json_load_file(res, 0, &je);
        const char *status = doc ? json_string_value(json_object_get(doc, "status")) : NULL;
        needed = !doc || (status && strcmp(status, "running") == 0);
        json_decref(doc);
    }
    if (!needed) goto out;
    json_t *doc = rb_events_rebuild(log, err, errlen);
    if (!doc) { rc = -1; goto out; }
    if (rb_write_json_atomic(res, doc, err, errlen) < 0) {
        rc = -1;
    } else {
        fprintf(stderr, "regbench: rebuilt %s from %s\n", res, log);
        json_t *suite = rb_results_as_suite(doc, res, err, errlen);
        char *md = rb_asprintf("%s/summary.md", dir);
        if (suite && rb_write_summary_md(suite, md, err, errlen) == 0)
            fprintf(stderr, "regbench: rebuilt %s\n", md);
        free(md);
        json_decref(suite);
    }
    json_decref(doc);
out:
    free(log);
    free(res);
    return rc;
}

static const rb_opt REPORT_OPTS[] = {
    {"--baseline", 1, NULL}, {"--out", 1, NULL}, {"--max-change", 1, NULL}, {"--threshold", 1, NULL},
    {"--strict", 0, NULL}, {NULL, 0, NULL},
};

/* A usage error: the message, the usage, exit 2. */
static int bad(const char *msg)
{
    fprintf(stderr, "regbench report: %s\n", msg);
    usage(stderr);
    return EXIT_BAD_INPUT;
}

int rb_cmd_report(int argc, char **argv)
{
    const char *in = NULL, *base = NULL, *out = NULL, *v;
    rb_compare_opts copts = {.threshold_pct = 5.0, .strict = 0};
    char err[RB_ERRLEN];
    rb_args args;
    rb_args_init(&args, "report", argc, argv, REPORT_OPTS);
    const rb_opt *opt;
    for (int kind; (kind = rb_args_next(&args, &opt, &v, err, sizeof err)) != RB_ARG_END;) {
        if (kind == RB_ARG_ERR) return bad(err);
        if (kind == RB_ARG_HELP) {
            usage(stdout);
            return 0;
        }
        if (kind == RB_ARG_POS) {
            if (in) {
                fprintf(stderr, "regbench report: one results file only (got %s and %s)\n", in, v);
                return EXIT_BAD_INPUT;
            }
            in = v;
        } else if (rb_opt_is(opt, "--baseline")) {
            base = v;
        } else if (rb_opt_is(opt, "--out")) {
            out = v;
        } else if (rb_opt_is(opt, "--max-change") || rb_opt_is(opt, "--threshold")) {
            if (rb_parse_max_change(opt->name, v, &copts.threshold_pct, err, sizeof err) != 0) return bad(err);
        } else if (rb_opt_is(opt, "--strict")) {
            copts.strict = 1;
        }
    }
    if (!in || (out && !*out) || (base && !*base)) {
        fprintf(stderr, "regbench report: %s\n", !in ? "which results? give RESULTS.json" : "empty file name");
        usage(stderr);
        return EXIT_BAD_INPUT;
    }
    char *rdir = results_dir(in);
    if (rebuild_if_needed(in, rdir, err, sizeof err) < 0) {
        fprintf(stderr, "regbench report: %s\n", err);
        free(rdir);
        return EXIT_BAD_INPUT;
    }
    size_t inlen = strlen(in);
    char *load = (inlen >= 12 && strcmp(in + inlen - 12, "events.jsonl") == 0) ? rb_strdup(rdir) : rb_strdup(in);
    free(rdir);
    json_t *suite = rb_results_load(load, err, sizeof err);
    free(load);
    if (!suite) {
        fprintf(stderr, "regbench report: %s\n", err);
        return EXIT_BAD_INPUT;
    }
    json_t *bsuite = NULL, *cmp = NULL;
    if (base) {
        bsuite = rb_results_load(base, err, sizeof err);
        if (!bsuite) {
            fprintf(stderr, "regbench report: baseline: %s\n", err);
            json_decref(suite);
            return EXIT_BAD_INPUT;
        }
        /* the comparison with the chosen max change replaces any in the suite */
        cmp = rb_compare_with(bsuite, suite, &copts);
        json_object_set_new(suite, "comparison", cmp);
    }
    char *dir = results_dir(in);
    char *path = out ? rb_strdup(out) : rb_asprintf("%s/report.html", dir);
    int rc = rb_write_report_html(suite, NULL, dir, path, err, sizeof err);
    if (rc != 0) fprintf(stderr, "regbench report: %s\n", err);
    else fprintf(stderr, "regbench: report in %s\n", path);
    free(path);
    free(dir);
    json_decref(bsuite);
    json_decref(suite);
    return rc == 0 ? 0 : 1;
}
