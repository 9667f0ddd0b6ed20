/* args: the one option parser of the commands (private to src/cli/). Every
 * command accepts `--name value` and `--name=value` for options that take a
 * value, `--name` for flags, `-h`/`--help`, and `--` before arguments that
 * start with a dash; an option the command does not know is "unknown
 * option", wherever it stands. */
#ifndef RB_CLI_ARGS_H
#define RB_CLI_ARGS_H

#include <stddef.h>

/* One option of a command. */
typedef struct rb_opt {
    const char *name;         /* "--out" */
    int takes_value;          /* 1: --out DIR or --out=DIR; 0: a flag */
    const char *alias;        /* another spelling ("-q"), or NULL */
} rb_opt;

/* A walk over a command's argv (argv[0] is the command's name). */
typedef struct rb_args {
    const char *cmd;          /* for messages: "run" */
    int argc;
    char **argv;
    int i;
    int rest;                 /* after "--": everything is an argument */
    const rb_opt *opts;       /* ends with a {NULL} entry */
} rb_args;

enum { RB_ARG_END = 0, RB_ARG_OPT = 1, RB_ARG_POS = 2, RB_ARG_HELP = 3, RB_ARG_ERR = -1 };

/* The options of run (cmd_run.c); replay passes them through to run. */
extern const rb_opt RB_RUN_OPTS[];

/* Starts a walk over argv with the command's options. */
void rb_args_init(rb_args *a, const char *cmd, int argc, char **argv, const rb_opt *opts);
/* The next item: RB_ARG_OPT (*opt is its entry, *value its value or NULL),
 * RB_ARG_POS (*value is the argument), RB_ARG_HELP (-h or --help),
 * RB_ARG_END, or RB_ARG_ERR with "unknown option '--x' for run", "option
 * --out needs a value" or "--quiet takes no value" in err. */
int rb_args_next(rb_args *a, const rb_opt **opt, const char **value, char *err, size_t errlen);
/* Whether opt is the option called name. */
int rb_opt_is(const rb_opt *opt, const char *name);

#endif
