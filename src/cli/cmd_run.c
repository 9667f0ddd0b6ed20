/* cmd_run: `regbench run SCENARIO [options]`: parses run's options and
 * credentials into rb_run_opts and runs the scenario through the Lua
 * runtime (rb_lua_run_scenario). Exit codes as rb_run.h says. */
#include "cli/rb_cli.h"
#include "args.h"
#include "image/rb_gen.h"
#include "lua/rb_lua.h"
#include "run/rb_procs.h"
#include "net/rb_auth.h"
#include "registry/rb_launch.h"
#include "run/rb_run.h"
#include "util/rb_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void rb_cmd_run_options(FILE *out)
{
    fputs(
          "Options of run:\n"
          "  --set KEY=VALUE        set a scenario parameter (repeatable)\n"
          "  --out DIR              results directory (default results/<UTC time>)\n"
          "  --registry KIND        registry to launch: crane (default), distribution (2.8),\n"
          "                         distribution3 or crane-referrers (crane with the referrers API)\n"
          "  --storage KIND         its storage: memory (default) or disk\n"
          "  --disk DIR             directory for disk storage (default DIR/registry-storage)\n"
          "  --port N               port for the launched registry (default 0: a free one)\n"
          "  --pull-through         launch distribution(3) as a pull-through cache of a crane registry\n"
          "                         (rb.registry.target().upstream is the crane)\n"
          "  --htpasswd FILE        launched distribution(3) requires basic auth with these users (bcrypt)\n"
          "  --target URL           use a running registry at URL instead of launching one\n"
          "  --quiet                no progress and no table: the verdict and where the results are\n"
          "  --threshold EXPR       a threshold such as 'push.p95 < 2s' or 'checks.rate == 1' (repeatable);\n"
          "                         a failed one exits 99\n"
          "  --cache DIR            digest cache of generated layers (default $XDG_CACHE_HOME/regbench; '' off)\n"
          "  --username USER        user for the registry (or REGBENCH_USERNAME, or ~/.docker/config.json)\n"
          "  --password-stdin       read the password from standard input (or REGBENCH_PASSWORD)\n"
          "  --insecure             do not verify TLS certificates (recorded in the results)\n"
          "  --ca-file FILE         trust the CA certificates in FILE\n"
          "  --retries N            retry failed requests (5xx, 429, network) up to N times (default 0)\n"
          "  --http-client KIND     auto (default: built-in HTTP/1.1 client for small plain-HTTP\n"
          "                         requests, libcurl for the rest) or libcurl (libcurl for all)\n"
          "  --user-agent STRING    User-Agent of every request (default regbench/VERSION); a request's\n"
          "                         own User-Agent header wins\n"
          "  --timeout DUR          longest one registry request may take (default 10m)\n"
          "  --stall-timeout DUR    fail a transfer that moves no byte for this long (default 60s)\n"
          "  --registry-pid PID     with --target: sample this process's CPU, memory and disk\n"
          "  --sample-interval DUR  how often registry and client resources are sampled (default 250ms)\n"
          "  --yield-timeout DUR    end a VU that runs this long without yielding (default 10s)\n"
          "  --max-vus N            cap on live virtual users (default 100000)\n"
          "  --run-id ID            this run's ID (default: from the time); shards of one run share it\n"
          "  --repo-prefix P        put the scenario's repositories under P/: none (default), auto\n"
          "                         (rb-<run id>/: fresh repositories on a registry that keeps data), or\n"
          "                         a prefix such as team/bench\n"
          "Spreading one run over processes and machines (docs/scale-out.md):\n"
          "  --procs N|auto         run N shard processes on this machine against one registry and\n"
          "                         merge their results (auto: one per core, less the registry's)\n"
          "  --shard I/N            run shard I (0..N-1) of N; needs --target (every shard must reach\n"
          "                         the same registry) and one --run-id shared by all N\n"
          "  --barrier-timeout DUR  longest wait for the other shards before a phase (default 60s)\n"
          "  --barrier-dir DIR      shards meet through files in DIR (shared by all of them) instead of\n"
          "                         through the registry under test\n"
          "  --start-at TIME        start the first phase at this UTC time (2026-12-06T03:10:00Z)\n"
          "  --op-log FILE          write one CSV line per operation (start, latency, bytes, op, status)\n"
          "  --upstream URL         with --target: the registry behind it (a pull-through cache's\n"
          "                         upstream, rb.registry.target().upstream)\n"
          "  -h, --help             with SCENARIO: its parameters; without: this text\n"
          "Options take --name VALUE or --name=VALUE.\n"
          "Exit codes: 0 ok, 1 the run failed, 2 bad input, 3 the --target registry cannot be reached,\n"
          "99 a threshold failed, 130 interrupted (docs/cli.md).\n", out);
}

static int bad(const char *fmt, const char *arg)
{
    fprintf(stderr, "regbench: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see regbench run --help)\n");
    return RB_EXIT_USAGE;
}

const rb_opt RB_RUN_OPTS[] = {
    {"--set", 1, NULL}, {"--out", 1, NULL}, {"--registry", 1, NULL}, {"--storage", 1, NULL},
    {"--disk", 1, NULL}, {"--port", 1, NULL}, {"--pull-through", 0, NULL}, {"--htpasswd", 1, NULL},
    {"--target", 1, NULL}, {"--quiet", 0, "-q"}, {"--cache", 1, NULL}, {"--username", 1, NULL},
    {"--password-stdin", 0, NULL}, {"--insecure", 0, NULL}, {"--ca-file", 1, NULL}, {"--retries", 1, NULL},
    {"--http-client", 1, NULL}, {"--user-agent", 1, NULL}, {"--timeout", 1, NULL}, {"--stall-timeout", 1, NULL},
    {"--registry-pid", 1, NULL}, {"--sample-interval", 1, NULL}, {"--yield-timeout", 1, NULL},
    {"--max-vus", 1, NULL}, {"--threshold", 1, NULL}, {"--run-id", 1, NULL}, {"--repo-prefix", 1, NULL},
    {"--procs", 1, NULL}, {"--shard", 1, NULL}, {"--barrier-timeout", 1, NULL}, {"--start-at", 1, NULL},
    {"--op-log", 1, NULL}, {"--upstream", 1, NULL}, {"--barrier-dir", 1, NULL},
    {NULL, 0, NULL},
};

/* A whole number in [lo, hi] into *out; -1 when v is not one. */
static int whole(const char *v, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || end == v || n < lo || n > hi) return -1;
    *out = n;
    return 0;
}

/* Fills o->username/password from --username + --password-stdin, then
 * REGBENCH_USERNAME/REGBENCH_PASSWORD, then the Docker config for --target's
 * host. Secrets are never printed. Returns 0, or -1 after a message. */
static int resolve_credentials(rb_run_opts *o, int password_stdin, char **user, char **password)
{
    if (password_stdin) {
        if (!o->username && !getenv("REGBENCH_USERNAME")) {
            fprintf(stderr, "regbench: --password-stdin needs --username (or REGBENCH_USERNAME)\n");
            return -1;
        }
        char buf[4096];
        if (!fgets(buf, sizeof buf, stdin)) {
            fprintf(stderr, "regbench: --password-stdin: nothing on standard input\n");
            return -1;
        }
        buf[strcspn(buf, "\r\n")] = 0;
        *password = rb_strdup(buf);
        memset(buf, 0, sizeof buf);
    } else if (getenv("REGBENCH_PASSWORD")) {
        *password = rb_strdup(getenv("REGBENCH_PASSWORD"));
    }
    if (!o->username && getenv("REGBENCH_USERNAME") && getenv("REGBENCH_USERNAME")[0])
        o->username = getenv("REGBENCH_USERNAME");
    if (o->username && !*password) {
        fprintf(stderr, "regbench: a user name was given but no password (--password-stdin or REGBENCH_PASSWORD)\n");
        return -1;
    }
    if (!o->username && *password) {
        fprintf(stderr, "regbench: a password was given but no user name (--username or REGBENCH_USERNAME)\n");
        return -1;
    }
    if (!o->username && o->target_url) {
        const char *h = strstr(o->target_url, "://");
        char host[512];
        snprintf(host, sizeof host, "%s", h ? h + 3 : o->target_url);
        host[strcspn(host, "/")] = 0;
        char err[RB_ERRLEN];
        int world = 0;
        int found = rb_auth_docker_config(host, user, password, &world, err, sizeof err);
        if (found < 0) {
            fprintf(stderr, "regbench: %s\n", err);
            return -1;
        }
        if (found > 0) {
            o->username = *user;
            fprintf(stderr, "regbench: using credentials for %s from the Docker config\n", host);
            if (world)
                fprintf(stderr, "regbench: warning: the Docker config file is readable by other users (chmod 600 it)\n");
        }
    }
    o->password = *password;
    return 0;
}

int rb_cmd_run(int argc, char **argv)
{
    rb_run_opts o;
    memset(&o, 0, sizeof o);
    o.max_vus = 100000;
    o.launch.kind = RB_REG_CRANE;
    o.launch.storage = RB_STORAGE_MEMORY;
    rb_kv *sets = rb_calloc((size_t)argc, sizeof *sets);
    const char **thresholds = rb_calloc((size_t)argc, sizeof *thresholds);
    char **pass = rb_calloc((size_t)argc + 1, sizeof *pass);   /* --procs: what every shard gets as given */
    size_t n_pass = 0;
    int registry_given = 0, storage_given = 0, password_stdin = 0, rc = RB_EXIT_USAGE;
    int procs = 0;   /* --procs: 0 not given, -1 auto */
    char *password = NULL, *user = NULL;
    char err[RB_ERRLEN];
    rb_args args;
    rb_args_init(&args, "run", argc, argv, RB_RUN_OPTS);
    const rb_opt *opt;
    const char *v;
    long long n;
    for (int kind; (kind = rb_args_next(&args, &opt, &v, err, sizeof err)) != RB_ARG_END;) {
        if (kind == RB_ARG_ERR) { rc = bad("%s", err); goto out; }
        if (kind == RB_ARG_HELP) { o.help = 1; continue; }
        if (kind == RB_ARG_POS) {
            if (o.scenario) { rc = bad("unexpected argument '%s' (one scenario per run)", v); goto out; }
            o.scenario = v;
            continue;
        }
        const char *a = opt->name;
        static const char *const PASSED[] = {"--set", "--cache", "--insecure", "--ca-file", "--retries",
            "--http-client", "--user-agent", "--timeout", "--stall-timeout", "--sample-interval", "--yield-timeout", "--max-vus",
            "--repo-prefix", "--barrier-timeout", "--start-at", NULL};
        for (const char *const *p = PASSED; *p; p++)
            if (rb_opt_is(opt, *p)) pass[n_pass++] = v ? rb_asprintf("%s=%s", a, v) : rb_strdup(a);
        if (rb_opt_is(opt, "--quiet")) {
            o.quiet = 1;
        } else if (rb_opt_is(opt, "--pull-through")) {
            o.pull_through = 1;
        } else if (rb_opt_is(opt, "--insecure")) {
            o.insecure = 1;
        } else if (rb_opt_is(opt, "--password-stdin")) {
            password_stdin = 1;
        } else if (rb_opt_is(opt, "--set")) {
            const char *eq = strchr(v, '=');
            if (!eq || v == eq) { rc = bad("bad --set '%s': expected key=value", v); goto out; }
            sets[o.n_params].key = rb_asprintf("%.*s", (int)(eq - v), v);
            sets[o.n_params++].value = rb_strdup(eq + 1);
        } else if (rb_opt_is(opt, "--threshold")) {
            thresholds[o.n_thresholds++] = v;
        } else if (rb_opt_is(opt, "--run-id")) {
            if (rb_run_check_name("--run-id", v, err, sizeof err) < 0) { rc = bad("%s", err); goto out; }
            o.run_id = v;
        } else if (rb_opt_is(opt, "--repo-prefix")) {
            if (strcmp(v, "none") == 0) v = "";
            else if (strcmp(v, "auto") != 0 && rb_run_check_name("--repo-prefix", v, err, sizeof err) < 0) {
                rc = bad("%s", err);
                goto out;
            }
            o.repo_prefix = v;
        } else if (rb_opt_is(opt, "--out")) {
            o.out_dir = v;
        } else if (rb_opt_is(opt, "--registry")) {
            if (rb_launch_parse_kind(v, &o.launch.kind) < 0) {
                rc = bad("bad --registry '%s': expected crane, distribution, distribution3 or crane-referrers", v); goto out;
            }
            registry_given = 1;
        } else if (rb_opt_is(opt, "--storage")) {
            if (rb_launch_parse_storage(v, &o.launch.storage) < 0) {
                rc = bad("bad --storage '%s': expected memory or disk", v); goto out;
            }
            storage_given = 1;
        } else if (rb_opt_is(opt, "--disk")) {
            o.launch.disk_dir = v;
            o.launch.storage = RB_STORAGE_DISK;
        } else if (rb_opt_is(opt, "--port")) {
            if (whole(v, 0, 65535, &n) < 0) { rc = bad("bad --port '%s': expected 0 (pick a free port) to 65535", v); goto out; }
            o.launch.port = (int)n;
        } else if (rb_opt_is(opt, "--target")) {
            const char *host = strstr(v, "://");
            if ((strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) ||
                !host[3] || host[3] == '/' || strpbrk(host + 3, " \t\r\n")) {
                rc = bad("bad --target '%s': expected a URL such as http://127.0.0.1:5000", v); goto out;
            }
            o.target_url = v;
        } else if (rb_opt_is(opt, "--yield-timeout")) {
            if (rb_parse_duration(v, &o.yield_timeout_s, err, sizeof err) < 0) {
                rc = bad("bad --yield-timeout: %s", err); goto out;
            }
            if (o.yield_timeout_s <= 0) { rc = bad("bad --yield-timeout: %s is not positive; give a duration such as 10s", v); goto out; }
        } else if (rb_opt_is(opt, "--username")) {
            if (!v[0] || strchr(v, ':')) { rc = bad("%s", "bad --username: it must be non-empty and without ':'"); goto out; }
            o.username = v;
        } else if (rb_opt_is(opt, "--htpasswd")) {
            if (access(v, R_OK) != 0) { rc = bad("cannot read --htpasswd '%s'", v); goto out; }
            o.launch.htpasswd = v;
        } else if (rb_opt_is(opt, "--cache")) {
            rb_gen_set_cache_dir(v);   /* "" turns the digest cache off */
        } else if (rb_opt_is(opt, "--ca-file")) {
            if (access(v, R_OK) != 0) { rc = bad("cannot read --ca-file '%s'", v); goto out; }
            o.ca_file = v;
        } else if (rb_opt_is(opt, "--http-client")) {
            if (rb_http_parse_engine(v, &o.http_client) < 0) {
                rc = bad("bad --http-client '%s': expected auto or libcurl", v); goto out;
            }
        } else if (rb_opt_is(opt, "--user-agent")) {
            if (rb_http_check_user_agent(v, err, sizeof err) < 0) { rc = bad("bad --user-agent: %s", err); goto out; }
            o.user_agent = v;
        } else if (rb_opt_is(opt, "--retries")) {
            if (whole(v, 0, 100, &n) < 0) { rc = bad("bad --retries '%s': expected 0 to 100", v); goto out; }
            o.retries = (int)n;
        } else if (rb_opt_is(opt, "--timeout") || rb_opt_is(opt, "--stall-timeout")) {
            double d;
            if (rb_parse_duration(v, &d, err, sizeof err) < 0 || d <= 0) {
                rc = bad("bad %s: expected a positive duration such as 30s or 10m", a); goto out;
            }
            if (rb_opt_is(opt, "--timeout")) o.timeout_s = d; else o.stall_timeout_s = d;
        } else if (rb_opt_is(opt, "--sample-interval")) {
            if (rb_parse_duration(v, &o.sample_interval_s, err, sizeof err) < 0 ||
                o.sample_interval_s < 0.01 || o.sample_interval_s > 60) {
                rc = bad("bad --sample-interval '%s': expected 10ms to 60s", v); goto out;
            }
        } else if (rb_opt_is(opt, "--registry-pid")) {
            if (whole(v, 1, 1LL << 31, &n) < 0) { rc = bad("bad --registry-pid '%s': expected a process id", v); goto out; }
            o.registry_pid = (long)n;
        } else if (rb_opt_is(opt, "--shard")) {
            int i, c, used = 0;
            if (sscanf(v, "%d/%d%n", &i, &c, &used) != 2 || v[used] || c < 1 || c > 10000 || i < 0 || i >= c) {
                rc = bad("bad --shard '%s': expected I/N with 0 <= I < N <= 10000, e.g. 0/4", v); goto out;
            }
            o.shard_index = i;
            o.shard_count = c;
        } else if (rb_opt_is(opt, "--procs")) {
            if (strcmp(v, "auto") == 0) procs = -1;
            else if (whole(v, 1, 1024, &n) < 0) { rc = bad("bad --procs '%s': expected 1 to 1024, or auto", v); goto out; }
            else procs = (int)n;
        } else if (rb_opt_is(opt, "--barrier-timeout")) {
            if (rb_parse_duration(v, &o.barrier_timeout_s, err, sizeof err) < 0 || o.barrier_timeout_s <= 0) {
                rc = bad("bad --barrier-timeout '%s': expected a positive duration such as 60s", v); goto out;
            }
        } else if (rb_opt_is(opt, "--start-at")) {
            if (rb_parse_rfc3339(v, &o.start_at_wall_us, err, sizeof err) < 0) { rc = bad("bad --start-at: %s", err); goto out; }
        } else if (rb_opt_is(opt, "--op-log")) {
            o.op_log = v;
        } else if (rb_opt_is(opt, "--barrier-dir")) {
            struct stat st;
            if (stat(v, &st) != 0 || !S_ISDIR(st.st_mode) || access(v, W_OK | X_OK) != 0) {
                rc = bad("bad --barrier-dir '%s': expected a directory this process can write (one every shard shares)", v);
                goto out;
            }
            o.barrier_dir = v;
        } else if (rb_opt_is(opt, "--upstream")) {
            if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
                rc = bad("bad --upstream '%s': expected a URL such as http://127.0.0.1:5001", v); goto out;
            }
            o.upstream_url = v;
        } else if (rb_opt_is(opt, "--max-vus")) {
            if (whole(v, 1, 10000000, &n) < 0) { rc = bad("bad --max-vus '%s': expected 1 to 10000000", v); goto out; }
            o.max_vus = (size_t)n;
        }
    }
    if (!o.scenario) {
        if (o.help) {
            fputs("Usage: regbench run SCENARIO.lua [options]\n\n", stdout);
            rb_cmd_run_options(stdout);
            rc = RB_EXIT_OK;
            goto out;
        }
        rc = bad("%s", "run needs a scenario file, e.g. regbench run scenarios/example.lua");
        goto out;
    }
    static const char *const names[RB_LOPT__COUNT] = {"--target", "--registry", "--storage", "--port", "--disk",
                                                        "--htpasswd", "--pull-through", "--registry-pid"};
    rb_launch_choice ch = {.kind = o.launch.kind, .storage = o.launch.storage};
    ch.given[RB_LOPT_TARGET] = o.target_url != NULL;
    ch.given[RB_LOPT_KIND] = registry_given;
    ch.given[RB_LOPT_STORAGE] = storage_given;
    ch.given[RB_LOPT_PORT] = o.launch.port != 0;
    ch.given[RB_LOPT_DISK] = o.launch.disk_dir != NULL;
    ch.given[RB_LOPT_HTPASSWD] = o.launch.htpasswd != NULL;
    ch.given[RB_LOPT_PULL_THROUGH] = o.pull_through;
    ch.given[RB_LOPT_REGISTRY_PID] = o.registry_pid != 0;
    if (rb_launch_check(&ch, names, NULL, err, sizeof err) < 0) {
        rc = bad("%s", err);
        goto out;
    }
    if (o.shard_count > 1 && !o.target_url) {
        rc = bad("%s", "--shard needs --target URL: every shard must use the same registry, and one regbench "
                       "launches would be private to its shard (to split a run over this machine's cores "
                       "against one launched registry, use --procs N)");
        goto out;
    }
    if (o.shard_count > 1 && procs) { rc = bad("%s", "give --shard or --procs, not both"); goto out; }
    if (o.barrier_dir && o.shard_count == 0) {
        rc = bad("%s", "--barrier-dir goes with --shard I/N (--procs makes its own)");
        goto out;
    }
    if (o.shard_count > 1 && !o.run_id) {
        rc = bad("%s", "--shard needs --run-id ID, the same for every shard of the run (they meet and name "
                       "their repositories by it)");
        goto out;
    }
    if (o.upstream_url && !o.target_url) { rc = bad("%s", "--upstream goes with --target (a launched pull-through cache knows its upstream)"); goto out; }
    if (resolve_credentials(&o, password_stdin, &user, &password) < 0) {
        rc = RB_EXIT_USAGE;
        goto out;
    }
    o.params = sets;
    o.thresholds = thresholds;
    if (procs && !o.help) {
        if (access(o.scenario, R_OK) != 0) { rc = bad("cannot read scenario '%s'", o.scenario); goto out; }
        rb_procs_opts po = {.run = &o, .n = procs > 0 ? procs : rb_procs_auto(!o.target_url),
                            .pass = (const char *const *)pass, .n_pass = n_pass};
        rc = rb_procs_run(&po);
        goto out;
    }
    rc = rb_lua_run_scenario(&o);
out:
    if (password) { memset(password, 0, strlen(password)); free(password); }
    free(user);
    for (size_t i = 0; i < o.n_params; i++) { free(sets[i].key); free(sets[i].value); }
    free(sets);
    free(thresholds);
    for (size_t i = 0; i < n_pass; i++) free(pass[i]);
    free(pass);
    return rc;
}

