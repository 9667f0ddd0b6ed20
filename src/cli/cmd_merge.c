/* cmd_merge: `regbench merge SHARD_DIR... --out DIR [--threshold EXPR]...
 * [--allow-partial] [--quiet]`. Reads the results of a sharded run's shards
 * and writes the results of the whole run (rb_merge.h): results.json,
 * metrics.csv, timeseries.csv, summary.md and report.html, judges the
 * thresholds given here and those the shards recorded on the merged
 * figures, prints the per-phase table, the per-shard table and a verdict
 * line. Exit codes as every command's (docs/cli.md): 0 merged, 1 a shard is
 * missing or failed (without --allow-partial), 2 bad input, 99 a threshold
 * failed. */
#include "cli/rb_cli.h"
#include "args.h"
#include "run/rb_merge_job.h"
#include "run/rb_run.h"
#include "util/rb_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs("Usage: regbench merge SHARD_DIR... --out DIR [options]\n"
          "  SHARD_DIR           a shard's results directory (or its results.json), one per shard\n"
          "  --out DIR           where to write the merged run's results (created with its parents)\n"
          "  --threshold EXPR    a threshold the merged run must pass, e.g. 'push.p95 < 2s' (repeatable);\n"
          "                      added to those the shards recorded\n"
          "  --allow-partial     merge what is there when a shard is missing or failed, and mark the\n"
          "                      result partial (default: exit 1 naming the shard)\n"
          "  --quiet, -q         print only the verdict and where the results are\n"
          "  -h, --help          this text\n"
          "Options take --name VALUE or --name=VALUE.\n"
          "Exit codes: 0 merged, 1 a shard missing or failed, 2 bad input, 99 a threshold failed (docs/cli.md).\n",
          f);
}

static const rb_opt MERGE_OPTS[] = {
    {"--out", 1, NULL}, {"--threshold", 1, NULL}, {"--allow-partial", 0, NULL}, {"--quiet", 0, "-q"},
    {NULL, 0, NULL},
};

/* A usage error: the message, a pointer to the help, exit 2. */
static int bad(const char *msg)
{
    fprintf(stderr, "regbench merge: %s\n(see regbench merge --help)\n", msg);
    return RB_EXIT_USAGE;
}

int rb_cmd_merge(int argc, char **argv)
{
    const char *out = NULL, *v;
    int allow_partial = 0, quiet = 0;
    char **dirs = rb_calloc((size_t)argc + 1, sizeof *dirs);
    const char **th = rb_calloc((size_t)argc + 1, sizeof *th);
    size_t n_dirs = 0, n_th = 0;
    char err[RB_ERRLEN];
    rb_args args;
    rb_args_init(&args, "merge", argc, argv, MERGE_OPTS);
    const rb_opt *opt;
    int rc = -1;
    for (int kind; rc < 0 && (kind = rb_args_next(&args, &opt, &v, err, sizeof err)) != RB_ARG_END;) {
        if (kind == RB_ARG_ERR) {
            rc = bad(err);
        } else if (kind == RB_ARG_HELP) {
            usage(stdout);
            rc = RB_EXIT_OK;
        } else if (kind == RB_ARG_POS) {
            dirs[n_dirs++] = (char *)v;
        } else if (rb_opt_is(opt, "--out")) {
            out = v;
        } else if (rb_opt_is(opt, "--threshold")) {
            th[n_th++] = v;
        } else if (rb_opt_is(opt, "--allow-partial")) {
            allow_partial = 1;
        } else if (rb_opt_is(opt, "--quiet")) {
            quiet = 1;
        }
    }
    if (rc < 0 && n_dirs == 0) rc = bad("which shards? give each shard's results directory");
    if (rc < 0 && (!out || !*out)) rc = bad(out ? "empty --out" : "where to? give --out DIR");
    if (rc < 0) {
        rb_merge_job job = {
            .dirs = dirs, .n_dirs = n_dirs, .out_dir = out, .thresholds = th, .n_thresholds = n_th,
            .allow_partial = allow_partial, .quiet = quiet, .who = "regbench merge",
        };
        rc = rb_merge_job_run(&job);
    }
    free(dirs);
    free(th);
    return rc;
}
