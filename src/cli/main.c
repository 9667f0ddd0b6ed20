/* main: the regbench command line: the global options and the dispatch to
 * the commands (src/cli/cmd_*.c), where the work is parsed and handed to
 * the modules. Exit codes (one scheme for every command, docs/cli.md): 0 ok,
 * 1 the work failed, 2 bad input, 3 the registry cannot be reached, 99 a
 * threshold failed or a regression, 130 interrupted. */
#include "cli/rb_cli.h"
#include "run/rb_run.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("regbench " REGBENCH_VERSION ": a benchmark for OCI/Docker container registries\n"
          "\n"
          "Usage:\n"
          "  regbench run SCENARIO.lua [options]   run a Lua scenario against a registry\n"
          "  regbench run SCENARIO.lua --help      list the scenario's parameters\n"
          "  regbench replay LOG... [options]      replay a recorded registry trace (access log or\n"
          "                                        IBM trace): run scenarios/replay.lua --set log=LOG\n"
          "  regbench suite [FILE] [options]       run a YAML suite (default suites/default.yaml)\n"
          "  regbench compare BASE NEW [options]   compare results; exit 99 on a regression\n"
          "  regbench report RESULTS [options]     HTML report (rebuilds a killed run's results)\n"
          "  regbench merge DIR... --out DIR      merge the results of a sharded run's shards\n"
          "  regbench gen --out DIR [options]      write synthetic images as an OCI layout\n"
          "                                        (regbench gen --help for its options)\n"
          "  regbench conformance --registry KIND | --target URL [--out DIR]\n"
          "                                        run the OCI distribution-spec conformance suite\n"
          "  regbench k8s SCENARIO.lua --shards N --target URL [options]\n"
          "                                        Kubernetes manifests: N shards as an Indexed Job\n"
          "  regbench --help | --version\n"
          "  regbench COMMAND --help               that command's options and exit codes\n"
          "\n"
          "Exit codes: 0 ok, 1 the work failed, 2 bad input, 3 the registry cannot be reached,\n"
          "99 a threshold failed or a regression, 130 interrupted.\n"
          "\n", out);
    rb_cmd_run_options(out);
    fputs("\n"
          "Docs: docs/cli.md, docs/lua-api.md, docs/results-schema.md\n", out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return RB_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return RB_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("regbench %s\n", REGBENCH_VERSION);
        return RB_EXIT_OK;
    }
    if (strcmp(cmd, "run") == 0)
        return rb_cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "replay") == 0)
        return rb_cmd_replay(argc - 1, argv + 1);
    if (strcmp(cmd, "gen") == 0)
        return rb_cmd_gen(argc - 1, argv + 1);
    if (strcmp(cmd, "suite") == 0)
        return rb_cmd_suite(argc - 1, argv + 1);
    if (strcmp(cmd, "compare") == 0)
        return rb_cmd_compare(argc - 1, argv + 1);
    if (strcmp(cmd, "report") == 0)
        return rb_cmd_report(argc - 1, argv + 1);
    if (strcmp(cmd, "merge") == 0)
        return rb_cmd_merge(argc - 1, argv + 1);
    if (strcmp(cmd, "conformance") == 0)
        return rb_cmd_conformance(argc - 1, argv + 1);
    if (strcmp(cmd, "k8s") == 0)
        return rb_cmd_k8s(argc - 1, argv + 1);
    fprintf(stderr, "regbench: unknown command '%s' (commands: run, replay, suite, compare, report, merge, gen, conformance, k8s; see regbench --help)\n", cmd);
    return RB_EXIT_USAGE;
}
