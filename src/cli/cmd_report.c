/* cmd_report: `regbench report RESULTS.json [--baseline OTHER.json]
 * [--threshold 5%] [--out FILE]`. Loads saved results (a suite's or a run's
 * results.json, or a directory holding one) and writes report.html (default:
 * beside RESULTS.json). The run records of a suite are completed from each
 * run's own results.json under the suite directory. Exit code 0, 2 for bad
 * input, 1 when the report cannot be written. */
#include "cli/rb_cli.h"
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
    fprintf(f, "usage: regbench report RESULTS.json [options]\n"
               "  RESULTS.json        results of a suite or of a single run (or their directory)\n"
               "  --baseline OTHER    compare with these results (suite or run) and chart the change\n"
               "  --threshold P       change that counts as a regression, in percent (default 5%%)\n"
               "  --out FILE          where to write the report (default report.html beside RESULTS.json)\n"
               "exit code: 0 written, 2 bad input, 1 cannot write\n");
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

/* Value of option a (--name VALUE or --name=VALUE) at argv[*i], or NULL if a is not it. */
static const char *opt(int argc, char **argv, int *i, const char *name, int *missing)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0) return NULL;
    if (a[n] == '=') return a + n + 1;
    if (a[n] != '\0') return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

int rb_cmd_report(int argc, char **argv)
{
    const char *in = NULL, *base = NULL, *out = NULL, *v;
    double threshold = 5.0;
    char err[RB_ERRLEN];
    for (int i = 1; i < argc; i++) {
        int missing = 0;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        }
        if ((v = opt(argc, argv, &i, "--baseline", &missing))) base = v;
        else if ((v = opt(argc, argv, &i, "--out", &missing))) out = v;
        else if ((v = opt(argc, argv, &i, "--threshold", &missing))) {
            if (rb_parse_change_pct(v, &threshold, err, sizeof err) != 0) {
                fprintf(stderr, "regbench report: --threshold: %s\n", err);
                return EXIT_BAD_INPUT;
            }
        } else if (missing) {
            fprintf(stderr, "regbench report: %s needs a value\n", argv[i]);
            usage(stderr);
            return EXIT_BAD_INPUT;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "regbench report: unknown option %s\n", argv[i]);
            usage(stderr);
            return EXIT_BAD_INPUT;
        } else if (!in) {
            in = argv[i];
        } else {
            fprintf(stderr, "regbench report: one results file only (got %s and %s)\n", in, argv[i]);
            return EXIT_BAD_INPUT;
        }
        if (missing) {
            fprintf(stderr, "regbench report: %s needs a value\n", argv[i]);
            return EXIT_BAD_INPUT;
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
        /* the comparison with the chosen threshold replaces any in the suite */
        cmp = rb_compare(bsuite, suite, threshold);
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
