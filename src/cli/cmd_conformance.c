/* cmd_conformance: `regbench conformance (--registry KIND [--storage S] |
 * --target URL) [--out DIR] [--timeout DUR]`: runs the OCI
 * distribution-spec conformance suite once against a registry regbench
 * launches or a running one (rb_conformance_run.h), writes conformance.json
 * and prints the counts. Credentials come from REGBENCH_USERNAME and
 * REGBENCH_PASSWORD and are never printed. Exit codes (docs/cli.md): 0 the
 * suite ran (whatever it found), 1 it could not run (unavailable, with the
 * reason), 2 bad input, 3 the --target registry cannot be reached. */
#include "cli/rb_cli.h"
#include "args.h"
#include "registry/rb_launch.h"
#include "results/rb_conformance.h"
#include "run/rb_conformance_run.h"
#include "run/rb_run.h"
#include "util/rb_util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs("Usage: regbench conformance (--registry KIND | --target URL) [options]\n"
          "Runs the OCI distribution-spec conformance suite (built by scripts/setup.sh) once.\n"
          "  --registry KIND     registry to launch: crane (default), distribution (2.8),\n"
          "                      distribution3 or crane-referrers\n"
          "  --storage KIND      its storage: memory (default) or disk\n"
          "  --target URL        a running registry instead of launching one\n"
          "  --insecure          with an https --target: do not verify its certificate\n"
          "  --ca-file FILE      with an https --target: trust the CA certificates in FILE\n"
          "  --out DIR           where conformance.json, conformance.log and conformance/ go\n"
          "                      (default results/conformance-<UTC time>)\n"
          "  --timeout DUR       bound of the suite's run (default 10m)\n"
          "  --quiet, -q         print only the verdict line\n"
          "  -h, --help          this text\n"
          "Credentials: REGBENCH_USERNAME and REGBENCH_PASSWORD (passed as OCI_USERNAME/OCI_PASSWORD).\n"
          "Options take --name VALUE or --name=VALUE.\n"
          "Exit codes: 0 the suite ran (failed tests included), 1 it could not run, 2 bad input,\n"
          "3 the --target registry cannot be reached (docs/cli.md).\n",
          f);
}

static const rb_opt CONF_OPTS[] = {
    {"--registry", 1, NULL}, {"--storage", 1, NULL}, {"--target", 1, NULL}, {"--insecure", 0, NULL},
    {"--ca-file", 1, NULL},  {"--out", 1, NULL},     {"--timeout", 1, NULL}, {"--quiet", 0, "-q"},
    {NULL, 0, NULL},
};

/* A usage error: the message, a pointer to the help, exit 2. */
static int bad(const char *msg)
{
    fprintf(stderr, "regbench conformance: %s\n(see regbench conformance --help)\n", msg);
    return RB_EXIT_USAGE;
}

/* Prints the counts and the categories with failures of a run that ran. */
static void print_counts(FILE *out, const json_t *res)
{
    fprintf(out, "OCI conformance of %s: %lld passed, %lld failed, %lld skipped, %lld disabled of %lld\n",
            json_string_value(json_object_get(res, "registry")),
            (long long)json_integer_value(json_object_get(res, "pass")),
            (long long)json_integer_value(json_object_get(res, "fail")),
            (long long)json_integer_value(json_object_get(res, "skip")),
            (long long)json_integer_value(json_object_get(res, "disabled")),
            (long long)json_integer_value(json_object_get(res, "total")));
    size_t i;
    json_t *c;
    int any = 0;
    json_array_foreach(json_object_get(res, "categories"), i, c) {
        long long f = json_integer_value(json_object_get(c, "fail"));
        if (!f) continue;
        if (!any) fprintf(out, "Failed categories (failed / cases):\n");
        any = 1;
        fprintf(out, "  %-40s %lld / %lld\n", json_string_value(json_object_get(c, "name")), f,
                f + json_integer_value(json_object_get(c, "pass")) + json_integer_value(json_object_get(c, "skip")));
    }
}

int rb_cmd_conformance(int argc, char **argv)
{
    const char *v, *out = NULL, *target = NULL, *ca_file = NULL;
    int quiet = 0, insecure = 0, have_kind = 0, have_storage = 0;
    double timeout_s = RB_CONFORMANCE_TIMEOUT_S;
    rb_reg_kind kind = RB_REG_CRANE;
    rb_storage storage = RB_STORAGE_MEMORY;
    char err[RB_ERRLEN];
    rb_args args;
    rb_args_init(&args, "conformance", argc, argv, CONF_OPTS);
    const rb_opt *opt;
    for (int k; (k = rb_args_next(&args, &opt, &v, err, sizeof err)) != RB_ARG_END;) {
        if (k == RB_ARG_ERR) return bad(err);
        if (k == RB_ARG_HELP) { usage(stdout); return RB_EXIT_OK; }
        if (k == RB_ARG_POS) {
            snprintf(err, sizeof err, "unexpected argument \"%s\"", v);
            return bad(err);
        }
        if (rb_opt_is(opt, "--registry")) {
            if (rb_launch_parse_kind(v, &kind) < 0) {
                snprintf(err, sizeof err, "--registry: \"%s\" is not accepted; use crane, distribution, distribution3 or crane-referrers", v);
                return bad(err);
            }
            have_kind = 1;
        } else if (rb_opt_is(opt, "--storage")) {
            if (rb_launch_parse_storage(v, &storage) < 0) {
                snprintf(err, sizeof err, "--storage: \"%s\" is not accepted; use memory or disk", v);
                return bad(err);
            }
            have_storage = 1;
        } else if (rb_opt_is(opt, "--target")) {
            if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
                snprintf(err, sizeof err, "--target: \"%s\" is not accepted; use http://HOST[:PORT] or https://HOST[:PORT]", v);
                return bad(err);
            }
            target = v;
        } else if (rb_opt_is(opt, "--insecure")) {
            insecure = 1;
        } else if (rb_opt_is(opt, "--ca-file")) {
            ca_file = v;
        } else if (rb_opt_is(opt, "--out")) {
            if (!*v) return bad("empty --out");
            out = v;
        } else if (rb_opt_is(opt, "--timeout")) {
            char derr[RB_ERRLEN];
            if (rb_parse_duration(v, &timeout_s, derr, sizeof derr) < 0 || !(timeout_s >= 1 && timeout_s <= 86400)) {
                snprintf(err, sizeof err, "--timeout: \"%s\" is not accepted; use a duration from 1s to 24h, e.g. 10m", v);
                return bad(err);
            }
        } else if (rb_opt_is(opt, "--quiet")) {
            quiet = 1;
        }
    }
    if (target && (have_kind || have_storage))
        return bad("--target is a running registry: --registry and --storage launch one; give one or the other");
    if (!target && (insecure || ca_file)) return bad("--insecure and --ca-file apply to an https --target only");
    const char *user = getenv("REGBENCH_USERNAME"), *pass = getenv("REGBENCH_PASSWORD");
    if (user && !*user) user = NULL;
    if ((user != NULL) != (pass != NULL))
        return bad(user ? "REGBENCH_USERNAME is set but not REGBENCH_PASSWORD"
                        : "REGBENCH_PASSWORD is set but not REGBENCH_USERNAME");
    if (target) {
        char why[RB_ERRLEN];
        if (rb_registry_probe(target, insecure, ca_file, NULL, 5.0, why, sizeof why) < 0) {
            fprintf(stderr, "regbench conformance: cannot reach %s: %s\n", target, why);
            return RB_EXIT_UNREACHABLE;
        }
    }
    char *def_out = NULL;
    if (!out) {
        char t[32];
        rb_format_utc(rb_wall_us(), t, sizeof t);
        for (char *p = t; *p; p++) if (*p == ':') *p = '-';
        def_out = rb_asprintf("results/conformance-%s", t);
        out = def_out;
    }
    rb_conformance_opts co = {
        .out_dir = out, .target_url = target, .username = user, .password = pass, .insecure = insecure,
        .ca_file = ca_file, .timeout_s = timeout_s, .quiet = quiet,
    };
    co.launch.kind = kind;
    co.launch.storage = storage;
    json_t *res = rb_conformance_run(&co);
    int rc;
    if (rb_conformance_ran(res)) {
        if (!quiet) print_counts(stdout, res);
        fprintf(stderr, "regbench: conformance: %s: %lld of %lld passed, %lld failed, %lld skipped, %lld disabled\n",
                json_string_value(json_object_get(res, "registry")),
                (long long)json_integer_value(json_object_get(res, "pass")),
                (long long)json_integer_value(json_object_get(res, "total")),
                (long long)json_integer_value(json_object_get(res, "fail")),
                (long long)json_integer_value(json_object_get(res, "skip")),
                (long long)json_integer_value(json_object_get(res, "disabled")));
        rc = RB_EXIT_OK;
    } else {
        fprintf(stderr, "regbench: conformance: unavailable: %s\n", json_string_value(json_object_get(res, "reason")));
        rc = RB_EXIT_SCRIPT;
    }
    fprintf(stderr, "regbench: results in %s/ (conformance.json%s)\n", out,
            rc == RB_EXIT_OK ? ", conformance/junit.xml, conformance.log" : "");
    json_decref(res);
    free(def_out);
    return rc;
}
