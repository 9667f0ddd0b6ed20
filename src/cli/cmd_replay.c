/* cmd_replay: `regbench replay LOG... [run options]`, shorthand for
 * `regbench run scenarios/replay.lua --set log=LOG,... [run options]`. The
 * scenario is found as `regbench suite` finds suites/default.yaml: in the
 * current directory, else in the source tree the binary was built from. */
#include "cli/rb_cli.h"
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
          "  Its parameters (--set speed=2, max_requests, max_seconds, max_vus, tolerance,\n"
          "  max_malformed, seed): regbench replay --params. Run options: regbench run --help.\n"
          "Exit codes as for run; a file that is not a trace, or a bad parameter, exits 2.\n", out);
}

int rb_cmd_replay(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return RB_EXIT_OK;
    }
    int params = argc >= 2 && strcmp(argv[1], "--params") == 0;
    int first_opt = params ? 2 : 1;
    size_t logs_len = 0;
    while (!params && first_opt < argc && argv[first_opt][0] != '-') {   /* the leading file names */
        if (strchr(argv[first_opt], ',')) {
            fprintf(stderr, "regbench: replay: a file name with a comma cannot be passed ('%s'): rename it\n",
                    argv[first_opt]);
            return RB_EXIT_USAGE;
        }
        logs_len += strlen(argv[first_opt]) + 1;
        first_opt++;
    }
    if (!params && first_opt == 1) {
        fprintf(stderr, "regbench: replay needs at least one trace file, e.g. regbench replay access.log --target URL\n"
                        "(see regbench replay --help)\n");
        return RB_EXIT_USAGE;
    }
    const char *scenario = "scenarios/replay.lua";
    char *bundled = NULL;
    if (access(scenario, R_OK) != 0) {
        bundled = rb_asprintf("%s/scenarios/replay.lua", REGBENCH_SOURCE_DIR);
        scenario = bundled;
        if (access(scenario, R_OK) != 0) {
            fprintf(stderr, "regbench: replay: cannot find scenarios/replay.lua (not in the current directory nor "
                            "in %s/scenarios/)\n", REGBENCH_SOURCE_DIR);
            free(bundled);
            return RB_EXIT_USAGE;
        }
    }
    char *set = rb_malloc(logs_len + 8);
    strcpy(set, "log=");
    for (int i = 1; i < first_opt && !params; i++) {
        if (i > 1) strcat(set, ",");
        strcat(set, argv[i]);
    }
    /* run SCENARIO [--set log=...] OPTIONS... [--help] */
    int n = 0;
    char **av = rb_calloc((size_t)argc + 5, sizeof *av);
    av[n++] = "run";
    av[n++] = (char *)scenario;
    if (!params) {
        av[n++] = "--set";
        av[n++] = set;
    }
    for (int i = first_opt; i < argc; i++) av[n++] = argv[i];
    if (params) av[n++] = "--help";
    int rc = rb_cmd_run(n, av);
    free(av);
    free(set);
    free(bundled);
    return rc;
}
