/* args: the commands' option parser (see args.h). */
#include "args.h"
#include "util/rb_util.h"

#include <string.h>

void rb_args_init(rb_args *a, const char *cmd, int argc, char **argv, const rb_opt *opts)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    a->argc = argc;
    a->argv = argv;
    a->i = 1;
    a->opts = opts;
}

int rb_opt_is(const rb_opt *opt, const char *name)
{
    return opt && strcmp(opt->name, name) == 0;
}

int rb_args_next(rb_args *a, const rb_opt **opt, const char **value, char *err, size_t errlen)
{
    *opt = NULL;
    *value = NULL;
    if (a->i >= a->argc) return RB_ARG_END;
    const char *arg = a->argv[a->i++];
    if (a->rest || arg[0] != '-' || arg[1] == 0) {   /* "-" alone is an argument (stdin) */
        *value = arg;
        return RB_ARG_POS;
    }
    if (strcmp(arg, "--") == 0) {
        a->rest = 1;
        return rb_args_next(a, opt, value, err, errlen);
    }
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) return RB_ARG_HELP;
    const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
    size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
    for (const rb_opt *o = a->opts; o && o->name; o++) {
        int match = (strlen(o->name) == nlen && strncmp(o->name, arg, nlen) == 0) ||
                    (!eq && o->alias && strcmp(o->alias, arg) == 0);
        if (!match) continue;
        *opt = o;
        if (!o->takes_value) {
            if (eq) return rb_err(err, errlen, "%s takes no value (in '%s')", o->name, arg);
            return RB_ARG_OPT;
        }
        if (eq) {
            *value = eq + 1;
        } else if (a->i < a->argc) {
            *value = a->argv[a->i++];
        } else {
            return rb_err(err, errlen, "option %s needs a value", o->name);
        }
        return RB_ARG_OPT;
    }
    return rb_err(err, errlen, "unknown option '%.*s' for %s", (int)nlen, arg, a->cmd);
}
