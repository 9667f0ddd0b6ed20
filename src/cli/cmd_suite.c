/* cmd_suite: `regbench suite [FILE] [options]`: parses the options, loads
 * the suite (rb_suite), checks every scenario's parameters against what the
 * scenario declares (running it in help mode: unknown or ill-typed keys fail
 * here, with the suite's file:line, before anything starts), loads the
 * baseline and runs the suite (rb_suite_execute) with the Lua runtime as its
 * scenario runner. */
#include "cli/rb_cli.h"
#include "lua/rb_lua.h"
#include "results/rb_load.h"
#include "run/rb_suite_run.h"
#include "suite/rb_suite.h"
#include "util/rb_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Checks the parameters every scenario of s is given against the ones it
 * declares (found by running it in help mode). 0, or -1 with
 * "FILE:LINE:COL: ..." in err. */
static int check_params(const rb_suite *s, char *err, size_t errlen)
{
    for (size_t i = 0; i < s->n_scenarios; i++) {
        const rb_suite_scenario *sc = &s->scenarios[i];
        if (!sc->n_params && !sc->n_matrix) continue;
        rb_lua_param *lp;
        size_t n;
        char serr[RB_ERRLEN];
        if (rb_lua_scenario_params(sc->file, &lp, &n, serr, sizeof serr) < 0)
            return rb_err(err, errlen, "%s:%d: scenario '%s' (%s) does not load: %s", s->path, sc->line, sc->name,
                          sc->file, serr);
        rb_param_decl *decl = rb_calloc(n + 1, sizeof *decl);
        for (size_t k = 0; k < n; k++) {
            decl[k].name = lp[k].name;
            decl[k].type = lp[k].type;
        }
        int rc = rb_suite_check_params(s, sc, decl, n, err, errlen);
        free(decl);
        rb_lua_params_free(lp, n);
        if (rc < 0) return -1;
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
    int rc = RB_EXIT_USAGE;
    json_t *base_doc = NULL;
    char *dir = NULL;
    rb_suite *s = rb_suite_load(file, err, sizeof err);
    if (!s) {
        fprintf(stderr, "regbench: %s\n", err);
        goto out;
    }
    if (baseline) {
        free(s->baseline);
        s->baseline = rb_strdup(baseline);
    }
    if (s->baseline && !(base_doc = rb_results_load(s->baseline, err, sizeof err))) {
        fprintf(stderr, "regbench: baseline: %s\n", err);
        goto out;
    }
    for (const char *p = only; p && *p;) {   /* every name must exist */
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        int found = 0;
        for (size_t i = 0; i < s->n_scenarios; i++)
            if (strlen(s->scenarios[i].name) == len && strncmp(s->scenarios[i].name, p, len) == 0) found = 1;
        if (!found) {
            fprintf(stderr, "regbench: --only: no scenario '%.*s' in %s\n", (int)len, p, file);
            goto out;
        }
        p = c ? c + 1 : NULL;
    }
    if (check_params(s, err, sizeof err) < 0) {
        fprintf(stderr, "regbench: %s\n", err);
        goto out;
    }

    char stamp[32];
    rb_format_utc(rb_wall_us(), stamp, sizeof stamp);
    for (char *p = stamp; *p; p++) if (*p == ':') *p = '-';
    if (out) dir = rb_strdup(out);
    else if (s->out_dir) dir = expand_time(s->out_dir, stamp);
    else dir = rb_asprintf("results/%s-%s", s->name, stamp);
    if (rb_mkdir_p(dir) < 0) {
        fprintf(stderr, "regbench: cannot create output directory '%s': %s\n", dir, strerror(errno));
        goto out;
    }
    rb_suite_run_opts so = {
        .file = file, .dir = dir, .only = only, .repetitions = reps_override, .quiet = quiet,
        .baseline = base_doc, .runner = rb_lua_run_scenario,
    };
    rc = rb_suite_execute(s, &so);
out:
    json_decref(base_doc);
    rb_suite_free(s);
    free(dir);
    free(default_file);
    return rc;
}
