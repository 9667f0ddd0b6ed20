/* cmd_compare: `regbench compare BASELINE NEW [--max-change 5%] [--strict]
 * [--json OUT]`. Loads two results files (suite or single run, or
 * directories holding results.json), prints the comparison table
 * (rb_compare_print) and optionally writes the comparison as JSON. Options
 * through the shared parser (args.h); --threshold PCT is kept as an alias
 * of --max-change. Exit codes as every command's (rb_run.h): 0 no
 * regression, 99 a regression, 2 bad input (usage, unreadable or foreign
 * files, a JSON file that cannot be written). */
#include "cli/rb_cli.h"
#include "args.h"
#include "util/rb_atomic.h"
#include "results/rb_compare.h"
#include "results/rb_load.h"
#include "run/rb_run.h"
#include "util/rb_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: regbench compare BASELINE NEW [options]\n"
            "  BASELINE, NEW       results.json of a suite or of a single run (or their directory)\n"
            "  --max-change P      largest change that is not a regression, in percent (default 5%%)\n"
            "  --threshold P       the same (an alias of --max-change; a bare percentage only)\n"
            "  --strict            with fewer than %d repetitions a side, fail on the max change alone\n"
            "                      (default: only when every new sample is worse than every baseline one)\n"
            "  --json OUT          also write the comparison as JSON to OUT\n"
            "  -h, --help          this text\n"
            "Options take --name VALUE or --name=VALUE. Differences under %g ms (latency) or %g MB/s\n"
            "(throughput) are never regressions.\n"
            "Exit codes: 0 no regression, 2 bad input, 99 a regression (docs/cli.md).\n",
            RB_COMPARE_MIN_SAMPLES, RB_COMPARE_FLOOR_MS, RB_COMPARE_FLOOR_MBPS);
}

static const rb_opt COMPARE_OPTS[] = {
    {"--max-change", 1, NULL}, {"--threshold", 1, NULL}, {"--strict", 0, NULL}, {"--json", 1, NULL},
    {NULL, 0, NULL},
};

/* A usage error: the message, a pointer to the help, exit 2. */
static int bad(const char *msg)
{
    fprintf(stderr, "regbench compare: %s\n(see regbench compare --help)\n", msg);
    return RB_EXIT_USAGE;
}

/* Writes the comparison JSON (with the paths compared) to path atomically. */
static int write_json(json_t *cmp, const char *base, const char *cur, const char *path)
{
    char err[RB_ERRLEN];
    json_t *doc = json_pack("{s:s, s:s}", "baseline", base, "new", cur);
    json_object_update(doc, cmp);
    int rc = rb_write_json_atomic(path, doc, err, sizeof err);
    json_decref(doc);
    if (rc < 0) {
        fprintf(stderr, "regbench compare: %s\n", err);
        return -1;
    }
    return 0;
}

int rb_cmd_compare(int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL};
    int npos = 0;
    const char *json_out = NULL;
    rb_compare_opts o = {.threshold_pct = 5.0, .strict = 0};
    char err[RB_ERRLEN];
    rb_args args;
    rb_args_init(&args, "compare", argc, argv, COMPARE_OPTS);
    const rb_opt *opt;
    const char *v;
    for (int kind; (kind = rb_args_next(&args, &opt, &v, err, sizeof err)) != RB_ARG_END;) {
        if (kind == RB_ARG_ERR) return bad(err);
        if (kind == RB_ARG_HELP) {
            usage(stdout);
            return RB_EXIT_OK;
        }
        if (kind == RB_ARG_POS) {
            if (npos == 2) {
                fprintf(stderr, "regbench compare: unexpected argument %s (give BASELINE and NEW only)\n", v);
                return RB_EXIT_USAGE;
            }
            pos[npos++] = v;
        } else if (rb_opt_is(opt, "--max-change") || rb_opt_is(opt, "--threshold")) {
            if (rb_parse_max_change(opt->name, v, &o.threshold_pct, err, sizeof err) != 0) return bad(err);
        } else if (rb_opt_is(opt, "--strict")) {
            o.strict = 1;
        } else if (rb_opt_is(opt, "--json")) {
            if (!*v) return bad("--json needs a file name");
            json_out = v;
        }
    }
    if (npos != 2) {
        fprintf(stderr, "regbench compare: need BASELINE and NEW results files\n");
        usage(stderr);
        return RB_EXIT_USAGE;
    }

    json_t *base = rb_results_load(pos[0], err, sizeof err);
    if (!base) {
        fprintf(stderr, "regbench compare: baseline: %s\n", err);
        return RB_EXIT_USAGE;
    }
    json_t *cur = rb_results_load(pos[1], err, sizeof err);
    if (!cur) {
        fprintf(stderr, "regbench compare: new: %s\n", err);
        json_decref(base);
        return RB_EXIT_USAGE;
    }
    json_t *cmp = rb_compare_with(base, cur, &o);
    json_decref(base);
    json_decref(cur);

    printf("baseline: %s\nnew:      %s\n", pos[0], pos[1]);
    rb_compare_print(cmp, stdout);
    fflush(stdout);
    int rc = json_integer_value(json_object_get(cmp, "regressions")) > 0 ? RB_EXIT_THRESHOLD : RB_EXIT_OK;
    if (json_out && write_json(cmp, pos[0], pos[1], json_out) != 0) rc = RB_EXIT_USAGE;
    json_decref(cmp);
    return rc;
}
