/* rb_launch: starts and stops the registry under test as a child process
 * on a free loopback port (crane's `registry serve`, distribution 2.8 or 3
 * with a config regbench writes, or kind command: any program from a command
 * template and a config template regbench renders), its log drained into a file, ready once GET /v2/
 * answers; it never outlives regbench. Also the one check of which registry
 * options go together (rb_launch_check).
 * - Programs: crane is $REGBENCH_CRANE if set, else `crane` on PATH, in
 *   $GOPATH/bin, `$(go env GOPATH)`/bin or $HOME/go/bin; distribution is
 *   $REGBENCH_DOCKER_REGISTRY if set, else `docker-registry` on PATH;
 *   distribution3 is $REGBENCH_DISTRIBUTION3 if set, else `registry` on
 *   PATH, else /usr/local/bin/registry (and must say it is v3);
 *   crane-referrers is $REGBENCH_REFREGISTRY if set, else
 *   `regbench-refregistry` on PATH, else /usr/local/bin/regbench-refregistry.
 *   kind command's program is a path, or a name on PATH.
 * - Threads: call rb_launch_start from the main thread only
 *   (PR_SET_PDEATHSIG fires when the forking *thread* exits), and never set
 *   SIGCHLD to SIG_IGN (children would be reaped and look dead at once). */
#ifndef RB_LAUNCH_H
#define RB_LAUNCH_H

#include <stddef.h>
#include <sys/types.h>

/* distribution: Debian's 2.8 `docker-registry`; distribution3: the v3 `registry`;
 * crane-referrers: crane's registry code with the referrers API on
 * (tools/refregistry, memory storage only);
 * command: any program, launched from a command template (rb_launch_opts.command). */
typedef enum { RB_REG_CRANE = 0, RB_REG_DISTRIBUTION = 1, RB_REG_DISTRIBUTION3 = 2,
               RB_REG_CRANE_REFERRERS = 3, RB_REG_COMMAND = 4 } rb_reg_kind;
typedef enum { RB_STORAGE_MEMORY = 0, RB_STORAGE_DISK = 1 } rb_storage;

typedef struct rb_launch_opts {
    rb_reg_kind kind;
    rb_storage storage;
    int port;                 /* 0: pick a free loopback port */
    const char *workdir;      /* where registry.log, the config and (by default) storage go; must exist */
    const char *disk_dir;     /* disk storage directory; NULL: <workdir>/registry-storage */
    const char *htpasswd;     /* distribution(3) only: htpasswd file enabling basic auth; NULL: none */
    const char *proxy_url;    /* distribution(3) only: run as a pull-through cache of this registry; NULL: none */
    double ready_timeout_s;   /* how long to wait for readiness; 0: 30 s */
    /* kind command only. Templates may hold the placeholders {port},
     * {host} (127.0.0.1), {data_dir} (<workdir>/registry-storage, or disk_dir)
     * and {config} (where config_template is rendered). */
    char *const *command;           /* program and arguments, NULL-terminated; a program without '/' is looked up on PATH */
    const char *config_template;    /* file rendered into {config}; NULL: none */
    const char *ready_url;          /* path ("/v2/") or loopback URL polled until it answers < 500; NULL: /v2/ */
    char *const *env;               /* NAME=VALUE templates added to the environment, NULL-terminated; NULL: none */
    char *const *version_command;   /* program and arguments whose output's first line gives the version; NULL: none */
} rb_launch_opts;

typedef struct rb_registry_proc rb_registry_proc;

/* The registry options a command line or a suite gives, by name, for the
 * one check of which go together (rb_launch_check). */
typedef enum {
    RB_LOPT_TARGET,           /* a running registry's URL (--target, kind external) */
    RB_LOPT_KIND,             /* crane, distribution or distribution3 (--registry, kind) */
    RB_LOPT_STORAGE, RB_LOPT_PORT, RB_LOPT_DISK, RB_LOPT_HTPASSWD, RB_LOPT_PULL_THROUGH,
    RB_LOPT_REGISTRY_PID,     /* a running registry's process to sample */
    RB_LOPT__COUNT
} rb_launch_opt;

/* What was asked for: given[o] is 1 for each option given. */
typedef struct rb_launch_choice {
    int given[RB_LOPT__COUNT];
    rb_reg_kind kind;         /* when given[RB_LOPT_KIND] (default crane) */
    rb_storage storage;       /* when given[RB_LOPT_STORAGE] (default memory) */
} rb_launch_choice;

/* The one check of which registry options go together: a running registry
 * (a target) takes none of the launch options; a registry process to sample
 * needs a target; htpasswd and a pull-through cache need distribution or
 * distribution3; crane-referrers takes no disk storage.
 * names[o] is how the caller spells option o in messages ("--port",
 * "'port'"). Returns 0, or -1 with a message in err and the option at fault
 * in *bad. */
int rb_launch_check(const rb_launch_choice *c, const char *const names[RB_LOPT__COUNT], rb_launch_opt *bad,
                    char *err, size_t errlen);

/* Checks that every {name} in s is a known placeholder (port, host,
 * data_dir, config); returns 0, or -1 with the unknown one in err and its
 * 1-based line and column within s in *line and *col. */
int rb_launch_template_check(const char *s, int *line, int *col, char *err, size_t errlen);

/* The program of a kind command: a name with '/' as given (it must be an
 * executable file), else looked up on PATH. Returns a malloc'd path, or NULL
 * with why in err. */
char *rb_launch_find_program(const char *name, char *err, size_t errlen);

/* Parses "crane" / "distribution" / "distribution3" / "crane-referrers" / "command" (or "generic") into *kind; returns 0 or -1. */
int rb_launch_parse_kind(const char *s, rb_reg_kind *kind);
/* Parses "memory" / "disk" into *st; returns 0 or -1. */
int rb_launch_parse_storage(const char *s, rb_storage *st);
/* Names of the enum values ("crane", "distribution", "distribution3", "crane-referrers", "command", "memory", "disk"). */
const char *rb_launch_kind_name(rb_reg_kind kind);
const char *rb_launch_storage_name(rb_storage st);

/* Starts a registry and waits until it serves GET /v2/. Returns NULL with a
 * message in err (program missing: says to run scripts/setup.sh; died early:
 * quotes the tail of its log). */
rb_registry_proc *rb_launch_start(const rb_launch_opts *opts, char *err, size_t errlen);
/* Base URL, e.g. "http://127.0.0.1:41234" (no trailing slash). */
const char *rb_launch_url(const rb_registry_proc *r);
/* Process id of the registry. */
pid_t rb_launch_pid(const rb_registry_proc *r);
/* Version string the registry reports ("crane v0.22.1", "distribution 2.8.2+ds1",
 * "distribution3 v3.0.0+unknown"; kind command: the program's name and the
 * last word of version_command's first line, "registry v3.0.0+unknown"). */
const char *rb_launch_version(const rb_registry_proc *r);
/* Prometheus metrics URL ("http://127.0.0.1:N/metrics") for distribution(3),
 * NULL for crane and crane-referrers (they have none). */
const char *rb_launch_metrics_url(const rb_registry_proc *r);
/* Storage directory for disk storage, NULL for memory storage. */
const char *rb_launch_storage_dir(const rb_registry_proc *r);
/* Path of the drained log file. */
const char *rb_launch_log_path(const rb_registry_proc *r);
/* 1 while the process runs, 0 once it has exited (reaps it). */
int rb_launch_alive(rb_registry_proc *r);
/* Stops the registry (SIGTERM, then SIGKILL after 3 s), reaps it, finishes
 * the log and frees r. NULL is fine. */
void rb_launch_stop(rb_registry_proc *r);
/* Whether a running registry answers at url (GET url/v2/ gets any HTTP
 * answer within timeout_s), with the TLS options and User-Agent (NULL:
 * regbench/VERSION) given. Returns 0 when it
 * answers, 1 when it took no answer in time (a registry that hangs is there,
 * slow), or -1 when it cannot be reached, with why in err in a few words
 * ("connection refused", "cannot resolve host"). */
int rb_registry_probe(const char *url, int insecure, const char *ca_file, const char *user_agent, double timeout_s,
                      char *err, size_t errlen);
/* Offline garbage collection of a launched distribution or distribution3 on
 * disk storage: stops r, runs `PROG garbage-collect CONFIG` (with
 * --delete-untagged when asked; at most 10 minutes), copies its output into
 * out, and starts the registry again with the same config (same port and
 * storage; a new pid; its log appended). A storage without repositories or
 * blobs is left alone (the collector fails on it). Returns 0, or -1 with why in err;
 * rb_launch_alive then tells whether the registry runs again. */
int rb_launch_gc(rb_registry_proc *r, int delete_untagged, char *out, size_t outlen, char *err, size_t errlen);
/* Async-signal-safe: SIGKILLs the process groups of every running registry.
 * For fatal-signal handlers and atexit. */
void rb_launch_kill_all(void);

#endif
