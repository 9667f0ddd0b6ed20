/* cmd_replay: `regbench replay LOG... [run options]`, shorthand for
 * `regbench run scenarios/replay.lua --set log=LOG,... [run options]`: the
 * positional arguments are the trace files, every option is run's and is
 * passed on as written. The scenario is found as `regbench suite` finds
 * suites/default.yaml: in the current directory, else in the source tree the
 * binary was built from. */
#include "cli/rb_cli.h"
#include "args.h"
#include "run/rb_run.h"
#include "util/rb_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef REGBENCH_SOURCE_DIR
#define REGBENCH_SOURCE_DIR "."
#endif

static void usage(FILE *out)
{
    fputs("Usage: regbench replay LOG... [run options]\n"
          "  Replays recorded registry traffic (distribution's JSON access log, or an IBM FAST'18\n"
          "  trace; plain or gzip'd; several files merge by time) against the registry under test.\n"
          "  The same as: regbench run scenarios/replay.lua --set log=LOG,LOG... [run options]\n"
          "  Parameters (--set speed=2, max_requests, max_seconds, max_vus, tolerance,\n"
          "  max_malformed, seed): regbench run scenarios/replay.lua --help. Run options:\n"
          "  regbench run --help. Docs: docs/scenarios.md#replay, docs/cli.md#regbench-replay.\n"
          "Exit codes as for run; a file that is not a trace, or a bad parameter, exits 2.\n", out);
}

int rb_cmd_replay(int argc, char **argv)
{
    char err[RB_ERRLEN];
    char **av = rb_calloc((size_t)argc + 4, sizeof *av);
    char *set = NULL, *bundled = NULL;
    size_t set_len = 5;
    int n = 2, n_logs = 0, rc = RB_EXIT_USAGE;
    rb_args a;
    rb_args_init(&a, "replay", argc, argv, RB_RUN_OPTS);
    for (;;) {   /* each pass consumes at least one argument */
        const rb_opt *opt;
        const char *v;
        int from = a.i;
        int k = rb_args_next(&a, &opt, &v, err, sizeof err);
        if (k == RB_ARG_END) break;
        if (k == RB_ARG_ERR) {
            fprintf(stderr, "regbench: %s\n(see regbench replay --help)\n", err);
            goto out;
        }
        if (k == RB_ARG_HELP) {
            usage(stdout);
            rc = RB_EXIT_OK;
            goto out;
        }
        if (k == RB_ARG_POS) {
            if (strchr(v, ',')) {
                fprintf(stderr, "regbench: replay: a file name with a comma cannot be passed ('%s'): rename it\n", v);
                goto out;
            }
            set_len += strlen(v) + 1;
            set = rb_realloc(set, set_len);
            if (n_logs++ == 0) strcpy(set, "log=");
            else strcat(set, ",");
            strcat(set, v);
            continue;
        }
        for (int i = from; i < a.i; i++) av[n++] = argv[i];   /* the option as written */
    }
    if (n_logs == 0) {
        fprintf(stderr, "regbench: replay needs at least one trace file, e.g. regbench replay access.log --target URL\n"
                        "(see regbench replay --help)\n");
        goto out;
    }
    const char *scenario = "scenarios/replay.lua";
    if (access(scenario, R_OK) != 0) {
        bundled = rb_asprintf("%s/scenarios/replay.lua", REGBENCH_SOURCE_DIR);
        scenario = bundled;
        if (access(scenario, R_OK) != 0) {
            fprintf(stderr, "regbench: replay: cannot find scenarios/replay.lua (not in the current directory nor "
                            "in %s/scenarios/)\n", REGBENCH_SOURCE_DIR);
            goto out;
        }
    }
    /* run SCENARIO OPTIONS... --set log=... */
    av[0] = "run";
    av[1] = (char *)scenario;
    av[n++] = "--set";
    av[n++] = set;
    rc = rb_cmd_run(n, av);
out:
    free(av);
    free(set);
    free(bundled);
    return rc;
}
