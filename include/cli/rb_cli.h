/* rb_cli: the commands of the regbench command line (src/cli/cmd_*.c).
 * Each takes its own argv (argv[0] is the command's name), prints its
 * messages and returns the exit code (rb_run.h); none of them needs Lua
 * types. */
#ifndef RB_CLI_H
#define RB_CLI_H

#include <stdio.h>

/* `regbench run SCENARIO [options]` */
int rb_cmd_run(int argc, char **argv);
/* Prints run's options (for `regbench --help` and `regbench run --help`). */
void rb_cmd_run_options(FILE *out);
/* `regbench replay LOG... [run options]`: run scenarios/replay.lua --set log=LOG,... */
int rb_cmd_replay(int argc, char **argv);
/* `regbench suite [FILE] [options]` */
int rb_cmd_suite(int argc, char **argv);
/* `regbench compare BASELINE NEW [--threshold 5%] [--json OUT]` */
int rb_cmd_compare(int argc, char **argv);
/* `regbench report RESULTS [--baseline OTHER] [--threshold 5%] [--out FILE]` */
int rb_cmd_report(int argc, char **argv);
/* `regbench merge SHARD_DIR... --out DIR [--threshold EXPR]... [--allow-partial] [--quiet]` */
int rb_cmd_merge(int argc, char **argv);
/* `regbench gen --out DIR [options]` */
int rb_cmd_gen(int argc, char **argv);
/* `regbench conformance (--registry KIND | --target URL) [--out DIR]`: the OCI conformance suite */
int rb_cmd_conformance(int argc, char **argv);
/* `regbench k8s SCENARIO --shards N --target URL [options]`: Kubernetes manifests */
int rb_cmd_k8s(int argc, char **argv);

#endif
