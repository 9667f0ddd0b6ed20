/* cmd_suite: `regbench suite [FILE] [options]`: parses the options, loads
 * the suite (rb_suite), checks every scenario's parameters against what the
 * scenario declares (running it in help mode: unknown or ill-typed keys fail
 * here, with the suite's file:line, before anything starts), loads the
 * baseline and runs the suite (rb_suite_execute) with the Lua runtime as its
 * scenario runner. */
#include "cli/rb_cli.h"
#include "args.h"
#include "lua/rb_lua.h"
#include "registry/rb_launch.h"
#include "results/rb_compare.h"
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
          "  --max-change P        largest change that is not a regression, in percent\n"
          "                        (overrides the suite's max_change; default 5%)\n"
          "  --strict              with fewer than 4 repetitions a side, a change beyond the max\n"
          "                        change is a regression (default: only when every sample is worse)\n"
          "  --repetitions N       override every repetition count\n"
          "  --only NAME[,NAME]    run only these scenarios\n"
          "  --conformance all|NAME[,NAME]\n"
          "                        run the OCI conformance suite on these registries too\n"
          "                        (all: every registry), as their conformance: true does\n"
          "  --quiet, -q           only the verdict and where the results are\n"
          "  -h, --help            this text\n"
          "Options take --name VALUE or --name=VALUE.\n"
          "Exit codes: 0 ok, 1 a run failed, 2 bad input, 3 a --target registry cannot be reached,\n"
          "99 a threshold failed or a regression, 130 interrupted. See docs/suite-format.md.\n", out);
}

static const rb_opt SUITE_OPTS[] = {
    {"--out", 1, NULL}, {"--baseline", 1, NULL}, {"--repetitions", 1, NULL}, {"--only", 1, NULL},
    {"--conformance", 1, NULL}, {"--quiet", 0, "-q"}, {"--max-change", 1, NULL}, {"--strict", 0, NULL}, {NULL, 0, NULL},
};

/* Replaces "{time}" in pattern with stamp. */
static char *expand_time(const char *pattern, const char *stamp)
{
    const char *p = strstr(pattern, "{time}");
    if (!p) return rb_strdup(pattern);
    return rb_asprintf("%.*s%s%s", (int)(p - pattern), pattern, stamp, p + 6);
}

/* Checks what a suite asks of its scenarios before anything starts: each
 * scenario is loaded in help mode to learn what it declares; every key and
 * value of its params and matrix must fit a declared parameter, and every
 * threshold must name something the scenarios it applies to record (a
 * built-in operation, checks, or a metric or operation kind one of them
 * declares). 0, or -1 with "FILE:LINE[:COL]: ..." in err. */
static int check_scenarios(rb_suite *s, char *err, size_t errlen)
{
    int rc = 0;
    rb_run **decl = rb_calloc(s->n_scenarios + 1, sizeof *decl);
    for (size_t i = 0; i < s->n_scenarios && rc == 0; i++) {
        const rb_suite_scenario *sc = &s->scenarios[i];
        char serr[RB_ERRLEN];
        if (!(decl[i] = rb_lua_describe(sc->file, serr, sizeof serr))) {
            rc = rb_err(err, errlen, "%s:%d: scenario '%s' (%s) does not load: %s", s->path, sc->line, sc->name,
                        sc->file, serr);
            break;
        }
        size_t n;
        const rb_run_param *p = rb_run_params(decl[i], &n);
        rb_param_decl *pd = rb_calloc(n + 1, sizeof *pd);
        for (size_t k = 0; k < n; k++) {
            pd[k].name = p[k].name;
            pd[k].type = p[k].type;
        }
        rc = rb_suite_check_params(s, sc, pd, n, err, errlen);
        free(pd);
    }
    for (size_t t = 0; t < s->n_thresholds && rc == 0; t++) {
        rb_threshold *th = &s->thresholds[t];
        if (th->target != RB_TH_UNRESOLVED) continue;   /* built-in names: resolved when loaded */
        char terr[RB_ERRLEN] = "";
        int ok = 0;
        for (size_t i = 0; i < s->n_scenarios && !ok; i++) {
            if (th->scenario && strcmp(th->scenario, s->scenarios[i].name) != 0) continue;
            rb_threshold_names names;
            rb_run_names(decl[i], &names);
            ok = rb_threshold_resolve(th, &names, terr, sizeof terr) == 0;
            if (!ok && th->target != RB_TH_UNRESOLVED) break;   /* the name is known: the rest is wrong */
        }
        if (!ok) rc = rb_err(err, errlen, "%s:%d: bad threshold: %s", s->path, th->line, terr);
    }
    for (size_t i = 0; i < s->n_scenarios; i++) rb_run_free(decl[i]);
    free(decl);
    return rc;
}

/* Whether the comma-separated list `only` (NULL: everything) names `name`. */
static int only_has(const char *only, const char *name)
{
    if (!only) return 1;
    size_t n = strlen(name);
    for (const char *p = only; p && *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0) return 1;
        p = c ? c + 1 : NULL;
    }
    return 0;
}

/* Turns the conformance step on for the registries the comma-separated
 * list names ("all": every registry), as `conformance: true` on each would;
 * returns -1 naming a name the suite has no registry for. */
static int conformance_on(rb_suite *s, const char *list, const char *file, char *err, size_t errlen)
{
    if (strcmp(list, "all") == 0) {
        for (size_t i = 0; i < s->n_registries; i++) s->registries[i].conformance = 1;
        return 0;
    }
    for (const char *p = list; p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        size_t i = 0;
        while (i < s->n_registries && !(strlen(s->registries[i].name) == len &&
                                         strncmp(s->registries[i].name, p, len) == 0))
            i++;
        if (i == s->n_registries)
            return rb_err(err, errlen, "--conformance: no registry '%.*s' in %s (all, or names of its registries)",
                          (int)len, p, file);
        s->registries[i].conformance = 1;
        p = c ? c + 1 : NULL;
    }
    return 0;
}

/* Checks that every external registry a selected scenario runs on answers,
 * before any run starts, as `regbench run --target` does: one that refuses
 * the connection or does not resolve is "FILE:LINE: registry 'NAME': cannot
 * reach URL: why" (-1); a silent one gets a warning. Returns 0 or -1. */
static int probe_external(const rb_suite *s, const char *file, const char *only, char *err, size_t errlen)
{
    for (size_t r = 0; r < s->n_registries; r++) {
        const rb_suite_registry *reg = &s->registries[r];
        if (!reg->external) continue;
        int used = 0;
        for (size_t i = 0; i < s->n_scenarios && !used; i++) {
            const rb_suite_scenario *sc = &s->scenarios[i];
            if (!only_has(only, sc->name)) continue;
            if (!sc->n_registries) used = 1;
            for (size_t k = 0; k < sc->n_registries; k++)
                if (strcmp(sc->registries[k], reg->name) == 0) used = 1;
        }
        if (!used) continue;
        char why[RB_ERRLEN];
        int probe = rb_registry_probe(reg->url, reg->insecure, reg->ca_file, reg->user_agent, 5.0, why, sizeof why);
        if (probe < 0)
            return rb_err(err, errlen, "%s:%d: registry '%s': cannot reach %s: %s", file, reg->line, reg->name,
                          reg->url, why);
        if (probe > 0)
            fprintf(stderr, "regbench: warning: registry '%s' (%s) did not answer GET /v2/ (%s); going on\n",
                    reg->name, reg->url, why);
    }
    return 0;
}

int rb_cmd_suite(int argc, char **argv)
{
    const char *file = NULL, *out = NULL, *baseline = NULL, *only = NULL, *conformance = NULL;
    int quiet = 0, reps_override = 0, strict = 0;
    double max_change = -1;
    rb_args args;
    rb_args_init(&args, "suite", argc, argv, SUITE_OPTS);
    const rb_opt *opt;
    const char *v;
    char aerr[RB_ERRLEN];
    for (int kind; (kind = rb_args_next(&args, &opt, &v, aerr, sizeof aerr)) != RB_ARG_END;) {
        if (kind == RB_ARG_ERR) {
            fprintf(stderr, "regbench: %s (see regbench suite --help)\n", aerr);
            return RB_EXIT_USAGE;
        }
        if (kind == RB_ARG_HELP) { usage(stdout); return RB_EXIT_OK; }
        if (kind == RB_ARG_POS) {
            if (file) { fprintf(stderr, "regbench: one suite file at a time ('%s' and '%s')\n", file, v); return RB_EXIT_USAGE; }
            file = v;
        } else if (rb_opt_is(opt, "--quiet")) {
            quiet = 1;
        } else if (rb_opt_is(opt, "--out")) {
            out = v;
        } else if (rb_opt_is(opt, "--baseline")) {
            baseline = v;
        } else if (rb_opt_is(opt, "--strict")) {
            strict = 1;
        } else if (rb_opt_is(opt, "--max-change")) {
            if (rb_parse_change_pct(v, &max_change, aerr, sizeof aerr) < 0) {
                fprintf(stderr, "regbench: --max-change: %s\n", aerr);
                return RB_EXIT_USAGE;
            }
        } else if (rb_opt_is(opt, "--only")) {
            only = v;
        } else if (rb_opt_is(opt, "--conformance")) {
            conformance = v;
        } else if (rb_opt_is(opt, "--repetitions")) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || end == v || n < 1 || n > 1000) {
                fprintf(stderr, "regbench: bad --repetitions '%s': expected 1 to 1000\n", v);
                return RB_EXIT_USAGE;
            }
            reps_override = (int)n;
        }
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
    if (max_change >= 0) s->compare_threshold_pct = max_change;
    if (strict) s->compare_strict = 1;
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
    if (conformance && conformance_on(s, conformance, file, err, sizeof err) < 0) {
        fprintf(stderr, "regbench: %s\n", err);
        goto out;
    }
    if (check_scenarios(s, err, sizeof err) < 0) {
        fprintf(stderr, "regbench: %s\n", err);
        goto out;
    }
    if (probe_external(s, file, only, err, sizeof err) < 0) {
        fprintf(stderr, "regbench: %s\n", err);
        rc = RB_EXIT_UNREACHABLE;
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
