/* run: one run's lifecycle without Lua (see rb_run.h). The registry under
 * test is launched at the first action (so a bad parameter never starts
 * one); its sampler measures one span at a time, from the first open phase
 * and anew at every phase end while others stay open, so overlapping phases
 * each get the registry's cost since the last boundary. After every phase
 * the results are checkpointed from one results document (results.json,
 * CSVs, the phase's line in events.jsonl), so a crash loses at most the
 * phase in flight. Signals: a plain handler records SIGINT/SIGTERM and wakes
 * the loop through an async handle (uv_async_send is async-signal-safe);
 * rb_run_stopping also sees the flag, so work that never returns to the
 * loop (a VU busy in a loop) stops promptly. A second signal gets the
 * default action; launched registries die with us through PDEATHSIG. */
#include "run/rb_run.h"
#include "run/rb_events.h"
#include "run/rb_progress.h"
#include "registry/rb_prom.h"
#include "registry/rb_sampler.h"
#include "results/rb_html.h"
#include "results/rb_load.h"
#include "results/rb_results.h"
#include "suite/rb_threshold.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CLIENT_SERIES_MAX 20000

struct rb_run {
    rb_run_opts opts;
    char *out_dir;
    rb_loop *loop;
    rb_metrics metrics;
    uv_async_t signal_async;      /* wakes the loop when SIGINT/SIGTERM arrive */
    uv_timer_t client_timer;      /* samples regbench's own CPU and RSS, and watches the registry */
    int handles;                  /* signal_async and client_timer are initialised */
    rb_client_point *client_series;
    size_t n_client, cap_client;
    uint32_t client_stride;       /* keep every n-th sample once the series is full */
    uint32_t client_skip;
    double client_last_cpu;
    uint64_t client_last_us;
    /* state */
    char run_id[64];
    char *repo_prefix;            /* "" or "text/" */
    int made_dir;                 /* the output directory is ours: removed again if the run never started */
    int started;                  /* rb_run_start was called */
    int start_failed;
    int stop;                     /* failed or interrupted */
    int interrupted;
    rb_fail_kind fail_kind;
    char *fatal;                  /* the first failure's message */
    /* parameters */
    rb_kv *given;                 /* copies of opts.params */
    int *given_used;
    size_t n_given;
    rb_run_param *params;
    size_t n_params;
    /* names the scenario declares, and the thresholds on them */
    char **metric_names;
    int *metric_types;
    size_t n_metric_names;
    char **op_names;
    size_t n_op_names;
    rb_threshold *th;
    char **th_where;              /* where each was declared: "FILE:LINE" or "--threshold" */
    size_t n_th;
    json_t *th_results;           /* judged at the end, or NULL */
    int th_failed;
    /* the registry under test */
    rb_run_target target;
    char *t_url, *t_kind, *t_storage, *t_version, *t_prom;
    rb_registry_proc *reg;
    rb_registry_proc *upstream;   /* the crane behind a pull-through cache, or NULL */
    rb_sampler *sampler;          /* samples the registry process, or NULL */
    uint64_t sampler_start_us;    /* when it started (rb_now_us) */
    uint64_t last_beat_us;        /* last "alive" line in events.jsonl (rb_now_us) */
    int sampler_open;             /* phases open while the sampler's span runs */
    rb_prom *prom_begin;          /* per phase index: the registry's metrics when it began */
    size_t n_prom_begin;
    rb_events *events;            /* the event log, once the run has started */
    /* sharding (--shard) and the operation log (--op-log) */
    uint64_t wall_at_start_us;    /* wall clock (rb_wall_us) at metrics.run_start_us */
    json_t *barriers;             /* the barriers passed: {name, arrived_wall_us, released_wall_us} */
    FILE *op_log;                 /* one line per operation, or NULL */
};

static volatile sig_atomic_t g_signal;   /* SIGINT/SIGTERM seen */
static uv_async_t *g_signal_async;
static struct timespec g_signal_at;      /* when the first one came */
static int g_signal_claimed;             /* a handler has taken the first signal (atomic) */
static int g_signal_at_set;              /* g_signal_at is written (atomic) */
static char g_kill_msg[1024];            /* what a second signal says before regbench dies */
static size_t g_kill_len;
static long g_window_ms = 1000;          /* signals this close to the first are the same stop */

static void save(rb_run *r, const char *status, int exit_code, const rb_phase *ended, int final);

/* ---- signals -------------------------------------------------------------------- */

/* The first SIGINT/SIGTERM stops the run (results of what ran are written).
 * Signals within 1 s of it are the same request (GNU timeout sends one to
 * the child and one to its group; Ctrl-C reaches every process of a group).
 * A later one ends regbench at once, saying how to rebuild the results from
 * what is on disk. Async-signal-safe only. */
static void on_stop_signal(int sig)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    /* Two signals may be handled at once (another thread, or nested): one
     * claims being first, atomically; the other, before the first has noted
     * its time, is within any window but a zero one. */
    if (__atomic_exchange_n(&g_signal_claimed, 1, __ATOMIC_ACQ_REL) == 0) {
        g_signal_at = now;
        __atomic_store_n(&g_signal_at_set, 1, __ATOMIC_RELEASE);
        g_signal = sig;
        if (g_signal_async) uv_async_send(g_signal_async);
        return;
    }
    if (!__atomic_load_n(&g_signal_at_set, __ATOMIC_ACQUIRE)) {
        if (g_window_ms > 0) return;
    } else {
        long ms = (long)(now.tv_sec - g_signal_at.tv_sec) * 1000 + (now.tv_nsec - g_signal_at.tv_nsec) / 1000000;
        if (ms < g_window_ms) return;
    }
    if (g_kill_len) {
        ssize_t w = write(STDERR_FILENO, g_kill_msg, g_kill_len);
        (void)w;
    }
    rb_launch_kill_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void stop_for_signal(rb_run *r)
{
    if (r->interrupted) return;
    fprintf(stderr, "\nregbench: %s: stopping, writing results of what ran\n",
            g_signal == SIGINT ? "interrupted" : "terminated");
    r->interrupted = 1;
    r->stop = 1;
    uv_stop(rb_loop_uv(r->loop));
}

static void on_signal_async(uv_async_t *h)
{
    stop_for_signal(h->data);
}

static void fatal_signal(int sig)
{
    rb_launch_kill_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

int rb_run_stopping(rb_run *r)
{
    if (g_signal && !r->interrupted && r->handles) stop_for_signal(r);
    return r->stop;
}

int rb_run_interrupted(const rb_run *r)
{
    return r->interrupted;
}

const char *rb_run_failure(const rb_run *r)
{
    return r->fatal;
}

void rb_run_fail(rb_run *r, rb_fail_kind kind, const char *fmt, ...)
{
    if (!r->fatal) {
        va_list ap;
        va_start(ap, fmt);
        char buf[8192];
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        r->fatal = rb_strdup(buf);
        r->fail_kind = kind;
    }
    r->stop = 1;
    uv_stop(rb_loop_uv(r->loop));
}

/* ---- client sampling and the registry's health ---------------------------------- */

static int sample_ms(const rb_run *r)
{
    double s = r->opts.sample_interval_s;
    return s > 0 ? (int)(s * 1000 + 0.5) : 250;
}

/* A registry that dies mid-run ends the run: results are written for what
 * was measured, and the run is marked failed. */
static void watch_registry(rb_run *r)
{
    if (r->stop) return;
    int gone = 0;
    if (r->reg && !rb_launch_alive(r->reg)) gone = 1;
    if (r->upstream && !rb_launch_alive(r->upstream)) gone = 2;
    if (!gone && r->opts.target_url && r->sampler && !rb_sampler_alive(r->sampler)) gone = 3;
    if (!gone) return;
    char *msg = rb_asprintf("the %s process exited during the run%s; the run stops here",
                            gone == 2 ? "upstream registry" : "registry",
                            gone == 3 ? " (--registry-pid)" : " (its log is registry.log in the output directory)");
    fprintf(stderr, "\nregbench: %s\n", msg);
    rb_run_fail(r, RB_FAIL_SCRIPT, "%s", msg);
    free(msg);
}

/* Samples regbench's own CPU and RSS into a bounded series (when full, every
 * other point is dropped and the stride doubles), and watches the registry. */
static void on_client_sample(uv_timer_t *t)
{
    rb_run *r = t->data;
    watch_registry(r);
    uint64_t t_now = rb_now_us();
    if (r->events && t_now - r->last_beat_us >= 1000000) {
        /* so that a rebuild after SIGKILL knows how long the run lasted */
        r->last_beat_us = t_now;
        rb_events_alive(r->events, (double)(t_now - r->metrics.run_start_us) / 1e6);
    }
    if (++r->client_skip < r->client_stride) return;
    r->client_skip = 0;
    uint64_t now = rb_now_us();
    double cpu = rb_self_cpu_s();
    double dt = (double)(now - r->client_last_us) / 1e6;
    rb_client_point pt = {
        .t_us = now - r->metrics.run_start_us,
        .cpu_pct = dt > 0 ? (cpu - r->client_last_cpu) / dt * 100.0 : 0,
        .rss_bytes = rb_self_rss(),
    };
    r->client_last_us = now;
    r->client_last_cpu = cpu;
    if (r->n_client == CLIENT_SERIES_MAX) {
        for (size_t i = 0; i < CLIENT_SERIES_MAX / 2; i++) r->client_series[i] = r->client_series[2 * i + 1];
        r->n_client = CLIENT_SERIES_MAX / 2;
        r->client_stride *= 2;
    }
    if (r->n_client == r->cap_client) {
        r->cap_client = r->cap_client ? r->cap_client * 2 : 256;
        r->client_series = rb_realloc(r->client_series, r->cap_client * sizeof *r->client_series);
    }
    r->client_series[r->n_client++] = pt;
}

/* ---- open ------------------------------------------------------------------------- */

char *rb_run_default_dir(void)
{
    char stamp[32];
    rb_format_utc(rb_wall_us(), stamp, sizeof stamp);
    for (char *p = stamp; *p; p++) if (*p == ':') *p = '-';
    return rb_asprintf("results/%s", stamp);
}

void rb_run_make_id(char *buf, size_t len)
{
    char stamp[32];
    rb_format_utc(rb_wall_us(), stamp, sizeof stamp);   /* 2026-12-06T01:52:30Z */
    unsigned rnd = (unsigned)(rb_now_us() ^ ((uint64_t)getpid() << 16)) & 0xffff;
    snprintf(buf, len, "%.4s%.2s%.2s-%.2s%.2s%.2s-%04x", stamp, stamp + 5, stamp + 8, stamp + 11, stamp + 14,
             stamp + 17, rnd);
}

rb_run *rb_run_open(const rb_run_opts *o, int *exit_code, char *err, size_t errlen)
{
    *exit_code = RB_EXIT_USAGE;
    struct stat st;
    if (stat(o->scenario, &st) < 0) {
        rb_err(err, errlen, "cannot read scenario '%s': %s", o->scenario, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        rb_err(err, errlen, "cannot read scenario '%s': not a regular file", o->scenario);
        return NULL;
    }
    for (size_t i = 0; i < o->n_params; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(o->params[i].key, o->params[j].key) == 0) {
                rb_err(err, errlen, "--set %s given twice", o->params[i].key);
                return NULL;
            }
    rb_run *r = rb_calloc(1, sizeof *r);
    r->opts = *o;
    r->n_given = o->n_params;
    r->given = rb_calloc(o->n_params + 1, sizeof *r->given);
    r->given_used = rb_calloc(o->n_params + 1, sizeof *r->given_used);
    for (size_t i = 0; i < o->n_params; i++) {
        r->given[i].key = rb_strdup(o->params[i].key);
        r->given[i].value = rb_strdup(o->params[i].value);
    }
    for (size_t i = 0; i < o->n_thresholds; i++) {
        char terr[RB_ERRLEN];
        if (rb_run_add_threshold(r, o->thresholds[i], NULL, terr, sizeof terr) < 0) {
            rb_err(err, errlen, "bad --threshold: %s", terr);
            rb_run_free(r);
            return NULL;
        }
    }
    if (o->run_id) {
        snprintf(r->run_id, sizeof r->run_id, "%s", o->run_id);
    } else {
        rb_run_make_id(r->run_id, sizeof r->run_id);
    }
    if (!o->repo_prefix || !*o->repo_prefix) r->repo_prefix = rb_strdup("");
    else if (strcmp(o->repo_prefix, "auto") == 0) r->repo_prefix = rb_asprintf("rb-%s/", r->run_id);
    else r->repo_prefix = rb_asprintf("%s/", o->repo_prefix);
    r->out_dir = o->out_dir ? rb_strdup(o->out_dir) : rb_run_default_dir();
    struct stat dst;
    r->made_dir = !o->help && stat(r->out_dir, &dst) != 0;
    if (!o->help && rb_mkdir_p(r->out_dir) < 0) {
        rb_err(err, errlen, "cannot create output directory '%s': %s", r->out_dir, strerror(errno));
        rb_run_free(r);
        return NULL;
    }
    r->loop = rb_loop_new(err, errlen);
    if (!r->loop) {
        *exit_code = RB_EXIT_SCRIPT;
        rb_run_free(r);
        return NULL;
    }
    rb_loop_set_engine(r->loop, o->http_client);
    if (rb_loop_set_user_agent(r->loop, o->user_agent) < 0) {
        rb_err(err, errlen, "bad User-Agent '%s': 1 to %d printable ASCII characters", o->user_agent,
               RB_HTTP_USER_AGENT_MAX);
        *exit_code = RB_EXIT_USAGE;
        rb_run_free(r);
        return NULL;
    }
    rb_metrics_init(&r->metrics);
    r->wall_at_start_us = rb_wall_us() - (rb_now_us() - r->metrics.run_start_us);
    r->barriers = json_array();
    if (o->op_log && !o->help) {
        r->op_log = fopen(o->op_log, "w");
        if (!r->op_log) {
            rb_err(err, errlen, "cannot write --op-log '%s': %s", o->op_log, strerror(errno));
            rb_run_free(r);
            return NULL;
        }
        setvbuf(r->op_log, NULL, _IOFBF, 1 << 20);
        fputs("start_unix_us,latency_us,bytes,op,status,class,phase,top_level\n", r->op_log);
    }

    uv_loop_t *uv = rb_loop_uv(r->loop);
    uv_async_init(uv, &r->signal_async, on_signal_async);
    r->signal_async.data = r;
    uv_unref((uv_handle_t *)&r->signal_async);
    g_signal = 0;
    __atomic_store_n(&g_signal_claimed, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&g_signal_at_set, 0, __ATOMIC_RELEASE);
    g_signal_async = &r->signal_async;
    const char *w = getenv("REGBENCH_SIGNAL_WINDOW_MS");   /* for tests: 0 makes any second signal a kill */
    g_window_ms = w && *w ? atol(w) : 1000;
    int km = snprintf(g_kill_msg, sizeof g_kill_msg,
                      "\nregbench: stopped at once by a second signal; the phases that finished are on disk: "
                      "rebuild the results and the report with: regbench report %s\n", r->out_dir);
    g_kill_len = km > 0 && (size_t)km < sizeof g_kill_msg ? (size_t)km : 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    uv_timer_init(uv, &r->client_timer);
    r->client_timer.data = r;
    r->handles = 1;
    r->client_stride = 1;
    r->client_last_us = rb_now_us();
    r->client_last_cpu = rb_self_cpu_s();
    uv_timer_start(&r->client_timer, on_client_sample, (uint64_t)sample_ms(r), (uint64_t)sample_ms(r));
    uv_unref((uv_handle_t *)&r->client_timer);
    signal(SIGSEGV, fatal_signal);
    signal(SIGABRT, fatal_signal);
    signal(SIGBUS, fatal_signal);
    signal(SIGPIPE, SIG_IGN);
    *exit_code = RB_EXIT_OK;
    return r;
}

const rb_run_opts *rb_run_options(const rb_run *r) { return &r->opts; }
const char *rb_run_id(const rb_run *r) { return r->run_id; }
const char *rb_run_repo_prefix(const rb_run *r) { return r->repo_prefix; }

int rb_run_check_name(const char *what, const char *s, char *err, size_t errlen)
{
    size_t n = strlen(s);
    int ok = n > 0 && n < 64 && isalnum((unsigned char)s[0]) && isalnum((unsigned char)s[n - 1]);
    for (size_t i = 0; ok && i < n; i++) {
        char c = s[i];
        ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             (strchr("._-/", c) && i + 1 < n && !strchr("._-/", s[i + 1]));
    }
    if (!ok)
        return rb_err(err, errlen, "bad %s '%s': use 1 to 63 lowercase letters and digits, parts joined by "
                      "'.', '_', '-' or '/'", what, s);
    return 0;
}
rb_loop *rb_run_loop(rb_run *r) { return r->loop; }
rb_metrics *rb_run_metrics(rb_run *r) { return &r->metrics; }
const char *rb_run_dir(const rb_run *r) { return r->out_dir; }
int rb_run_started(const rb_run *r) { return r->started; }

const rb_run_target *rb_run_target_info(const rb_run *r)
{
    return r->started && !r->start_failed ? &r->target : NULL;
}

/* ---- parameters ------------------------------------------------------------------- */

void rb_run_declare(rb_run *r, const char *name, const char *type, const char *doc, const char *def,
                    const char *value)
{
    r->params = rb_realloc(r->params, (r->n_params + 1) * sizeof *r->params);
    rb_run_param *p = &r->params[r->n_params++];
    p->name = rb_strdup(name);
    p->type = rb_strdup(type);
    p->doc = rb_strdup(doc);
    p->def = rb_strdup(def);
    p->value = rb_strdup(value);
}

const char *rb_run_given(rb_run *r, const char *name)
{
    for (size_t i = 0; i < r->n_given; i++)
        if (strcmp(r->given[i].key, name) == 0) {
            r->given_used[i] = 1;
            return r->given[i].value;
        }
    return NULL;
}

int rb_run_declare_metric(rb_run *r, const char *name, int type, char *err, size_t errlen)
{
    for (size_t i = 0; i < r->n_metric_names; i++)
        if (strcmp(r->metric_names[i], name) == 0) {
            if (r->metric_types[i] == type) return 0;
            return rb_err(err, errlen, "metric '%s' is already a %s, not a %s", name,
                          rb_metric_type_name((rb_metric_type)r->metric_types[i]), rb_metric_type_name((rb_metric_type)type));
        }
    r->metric_names = rb_realloc(r->metric_names, (r->n_metric_names + 1) * sizeof *r->metric_names);
    r->metric_types = rb_realloc(r->metric_types, (r->n_metric_names + 1) * sizeof *r->metric_types);
    r->metric_names[r->n_metric_names] = rb_strdup(name);
    r->metric_types[r->n_metric_names++] = type;
    return 0;
}

void rb_run_declare_op(rb_run *r, const char *name)
{
    for (size_t i = 0; i < r->n_op_names; i++)
        if (strcmp(r->op_names[i], name) == 0) return;
    r->op_names = rb_realloc(r->op_names, (r->n_op_names + 1) * sizeof *r->op_names);
    r->op_names[r->n_op_names++] = rb_strdup(name);
}

int rb_run_add_threshold(rb_run *r, const char *expr, const char *where, char *err, size_t errlen)
{
    rb_threshold t;
    if (rb_threshold_parse(expr, &t, err, errlen) < 0) return -1;
    r->th = rb_realloc(r->th, (r->n_th + 1) * sizeof *r->th);
    r->th_where = rb_realloc(r->th_where, (r->n_th + 1) * sizeof *r->th_where);
    r->th_where[r->n_th] = rb_strdup(where && *where ? where : "--threshold");
    r->th[r->n_th++] = t;
    return 0;
}

void rb_run_names(const rb_run *r, rb_threshold_names *out)
{
    out->metrics = (const char *const *)r->metric_names;
    out->types = r->metric_types;
    out->n_metrics = r->n_metric_names;
    out->ops = (const char *const *)r->op_names;
    out->n_ops = r->n_op_names;
}

/* Resolves every threshold against what the scenario declared; fails the
 * run (bad input) on the first that names nothing. */
static int resolve_thresholds(rb_run *r)
{
    rb_threshold_names names;
    rb_run_names(r, &names);
    for (size_t i = 0; i < r->n_th; i++) {
        char err[RB_ERRLEN];
        if (rb_threshold_resolve(&r->th[i], &names, err, sizeof err) < 0) {
            rb_run_fail(r, RB_FAIL_INPUT, "%s: bad threshold: %s", r->th_where[i], err);
            return -1;
        }
    }
    return 0;
}

const char *rb_run_unused_given(const rb_run *r)
{
    for (size_t i = 0; i < r->n_given; i++)
        if (!r->given_used[i]) return r->given[i].key;
    return NULL;
}

const rb_run_param *rb_run_params(const rb_run *r, size_t *n)
{
    *n = r->n_params;
    return r->params;
}

void rb_run_param_names(const rb_run *r, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    for (size_t i = 0; i < r->n_params && off < len; i++) {
        int w = snprintf(buf + off, len - off, "%s%s", i ? ", " : "", r->params[i].name);
        if (w < 0) break;
        off += (size_t)w;
    }
}

/* ---- start: the registry under test ------------------------------------------------ */

static int attach_target(rb_run *r, char *err, size_t errlen)
{
    const rb_run_opts *o = &r->opts;
    r->t_url = rb_strdup(o->target_url);
    size_t n = strlen(r->t_url);
    while (n > 0 && r->t_url[n - 1] == '/') r->t_url[--n] = 0;
    r->t_kind = rb_strdup("external");
    r->t_storage = rb_strdup("unknown");
    if (o->upstream_url) r->target.upstream_url = o->upstream_url;   /* --upstream: its log is not ours */
    if (o->registry_pid > 0) {
        char serr[RB_ERRLEN];
        r->target.pid = o->registry_pid;
        r->sampler_start_us = rb_now_us();
        r->sampler = rb_sampler_start((pid_t)o->registry_pid, NULL, sample_ms(r), serr, sizeof serr);
        if (!r->sampler) return rb_err(err, errlen, "--registry-pid %ld: %s", o->registry_pid, serr);
    }
    return 0;
}

static int launch(rb_run *r, char *err, size_t errlen)
{
    const rb_run_opts *o = &r->opts;
    rb_launch_opts lo = o->launch;
    lo.workdir = r->out_dir;
    if (o->pull_through) {
        char *updir = rb_asprintf("%s/upstream", r->out_dir);
        rb_launch_opts uo = {.kind = RB_REG_CRANE, .storage = RB_STORAGE_MEMORY, .workdir = updir};
        if (rb_mkdir_p(updir) == 0)
            r->upstream = rb_launch_start(&uo, err, errlen);
        else
            rb_err(err, errlen, "cannot create %s", updir);
        free(updir);
        if (!r->upstream) return -1;
        lo.proxy_url = rb_launch_url(r->upstream);
        r->target.upstream_url = rb_launch_url(r->upstream);
        r->target.upstream_log = rb_launch_log_path(r->upstream);
    }
    r->reg = rb_launch_start(&lo, err, errlen);
    if (!r->reg) return -1;
    r->t_url = rb_strdup(rb_launch_url(r->reg));
    r->t_kind = rb_strdup(rb_launch_kind_name(lo.kind));
    r->t_storage = rb_strdup(rb_launch_storage_name(lo.storage));
    const char *v = rb_launch_version(r->reg);
    r->t_version = v ? rb_strdup(v) : NULL;
    r->target.pid = (long)rb_launch_pid(r->reg);
    char serr[RB_ERRLEN];
    r->sampler_start_us = rb_now_us();
    r->sampler = rb_sampler_start((pid_t)r->target.pid, rb_launch_storage_dir(r->reg), sample_ms(r), serr, sizeof serr);
    const char *mu = rb_launch_metrics_url(r->reg);
    if (mu) r->t_prom = rb_strdup(mu);
    if (!r->sampler)
        fprintf(stderr, "regbench: warning: registry resources will not be sampled: %s\n", serr);
    return 0;
}

/* What rb_results needs besides the metrics store; free with info_free. */
typedef struct run_info {
    rb_run_info info;
    json_t *shard;                /* the shard object (sharded runs), or NULL */
    char started[32];
    const char **pnames, **pvalues, **ptypes;
    rb_sampler_point *series;
} run_info;

static void info_fill(rb_run *r, run_info *ri, const char *status, int exit_code)
{
    memset(ri, 0, sizeof *ri);
    rb_run_info *info = &ri->info;
    rb_format_utc(rb_wall_us() - (rb_now_us() - r->metrics.run_start_us), ri->started, sizeof ri->started);
    info->scenario = r->opts.scenario;
    info->started_at = ri->started;
    info->status = status;
    info->error = r->fatal;
    info->exit_code = exit_code;
    info->reg_kind = r->t_kind ? r->t_kind : (r->opts.target_url ? "external" : rb_launch_kind_name(r->opts.launch.kind));
    info->reg_url = r->t_url ? r->t_url : "";
    info->reg_storage = r->t_storage ? r->t_storage : "unknown";
    info->reg_version = r->t_version;
    info->reg_pid = r->target.pid;
    info->insecure = r->opts.insecure;
    info->http_client = rb_http_engine_name(r->opts.http_client);
    info->auth_user = r->opts.username;
    ri->pnames = rb_calloc(r->n_params + 1, sizeof *ri->pnames);
    ri->pvalues = rb_calloc(r->n_params + 1, sizeof *ri->pvalues);
    ri->ptypes = rb_calloc(r->n_params + 1, sizeof *ri->ptypes);
    for (size_t i = 0; i < r->n_params; i++) {
        ri->pnames[i] = r->params[i].name;
        ri->pvalues[i] = r->params[i].value;
        ri->ptypes[i] = r->params[i].type;
    }
    info->param_names = ri->pnames;
    info->param_values = ri->pvalues;
    info->param_types = ri->ptypes;
    info->n_params = r->n_params;
    if (r->sampler) {
        size_t n = rb_sampler_series(r->sampler, NULL, 0);
        ri->series = rb_calloc(n + 1, sizeof *ri->series);
        info->n_reg_series = rb_sampler_series(r->sampler, ri->series, n);
        info->reg_series = ri->series;
        info->reg_series_offset_us = r->sampler_start_us - r->metrics.run_start_us;
    }
    info->client_series = r->client_series;
    info->n_client_series = r->n_client;
    info->thresholds = r->th_results;
    info->run_id = r->run_id;
    info->repo_prefix = r->repo_prefix;
    info->wall_at_start_us = r->wall_at_start_us;
    if (r->opts.shard_count >= 1) {
        /* what merge needs to put the shards of one run together */
        char host[256] = "";
        gethostname(host, sizeof host - 1);
        json_t *sh = json_object();
        json_object_set_new(sh, "index", json_integer(r->opts.shard_index));
        json_object_set_new(sh, "count", json_integer(r->opts.shard_count));
        json_object_set_new(sh, "run_id", json_string(r->run_id));
        json_object_set_new(sh, "host", json_string(host));
        json_object_set_new(sh, "pid", json_integer((json_int_t)getpid()));
        json_object_set_new(sh, "samples_registry", json_boolean(r->sampler != NULL));
        json_object_set(sh, "barriers", r->barriers);
        json_object_set_new(sh, "op_log", r->opts.op_log ? json_string(r->opts.op_log) : json_null());
        ri->shard = sh;
        info->shard = sh;
    }
}

static void info_free(run_info *ri)
{
    json_decref(ri->shard);
    free(ri->pnames);
    free(ri->pvalues);
    free(ri->ptypes);
    free(ri->series);
}

/* The event log, events.jsonl: "start" once the registry is known, then
 * "phase" at every phase end and "end" last (written by save). */
static void log_start(rb_run *r)
{
    char err[RB_ERRLEN];
    r->events = rb_events_open(r->out_dir, err, sizeof err);
    if (!r->events) {
        fprintf(stderr, "regbench: warning: no event log: %s\n", err);
        return;
    }
    run_info ri;
    info_fill(r, &ri, "running", -1);
    json_t *doc = rb_results_json(&r->metrics, &ri.info);
    info_free(&ri);
    static const char *drop[] = {"phases", "metrics", "warnings", "registry_timeseries", "client_timeseries", NULL};
    for (int i = 0; drop[i]; i++) json_object_del(doc, drop[i]);
    rb_events_write(r->events, "start", doc);
}

int rb_run_start(rb_run *r)
{
    if (r->started) return r->start_failed ? -1 : 0;
    if (r->fatal) return -1;
    if (resolve_thresholds(r) < 0) return -1;   /* bad input: nothing starts */
    char err[RB_ERRLEN];
    int probe = r->opts.target_url ? rb_registry_probe(r->opts.target_url, r->opts.insecure, r->opts.ca_file, r->opts.user_agent, 5.0,
                                                       err, sizeof err) : 0;
    if (probe < 0) {
        rb_run_fail(r, RB_FAIL_UNREACHABLE, "cannot reach %s: %s", r->opts.target_url, err);
        return -1;   /* nothing started: nothing is written */
    }
    if (probe > 0)
        fprintf(stderr, "regbench: warning: %s did not answer GET /v2/ (%s); going on\n", r->opts.target_url, err);
    r->started = 1;
    int rc = r->opts.target_url ? attach_target(r, err, sizeof err) : launch(r, err, sizeof err);
    if (rc < 0) {
        r->start_failed = 1;
        rb_run_fail(r, RB_FAIL_RUN, "cannot start the registry: %s", err);
        return -1;
    }
    r->target.url = r->t_url;
    r->target.kind = r->t_kind;
    r->target.storage = r->t_storage;
    r->target.version = r->t_version;
    r->target.metrics_url = r->t_prom;
    log_start(r);
    return 0;
}

/* ---- offline garbage collection ------------------------------------------------------ */

/* Why the registry under test cannot be collected offline, or NULL when it can. */
static const char *gc_impossible(const rb_run *r)
{
    if (r->opts.target_url || !r->reg)
        return "the registry was not launched by regbench (--target): regbench cannot stop it to collect";
    if (r->opts.launch.kind == RB_REG_CRANE) return "crane has no garbage collector";
    if (r->opts.launch.storage != RB_STORAGE_DISK)
        return "memory storage: the offline collector needs the registry stopped, and a restart would lose "
               "every image (use --storage disk)";
    return NULL;
}

int rb_run_gc(rb_run *r, int delete_untagged, rb_run_gc_result *res, char *out, size_t outlen, char *err,
              size_t errlen)
{
    memset(res, 0, sizeof *res);
    if (out && outlen) out[0] = 0;
    if (!r->started || r->start_failed) return rb_err(err, errlen, "the registry has not started");
    for (size_t i = 0; i < r->metrics.n_phases; i++)
        if (r->metrics.phases[i]->open && r->metrics.phases[i] != r->metrics.implicit)
            return rb_err(err, errlen, "phase \"%s\" is open: garbage collection stops the registry, so run it "
                          "between phases", r->metrics.phases[i]->name);
    const char *why = gc_impossible(r);
    if (why) {
        rb_err(err, errlen, "%s", why);
        fprintf(stderr, "regbench: warning: garbage collection skipped: %s\n", why);
        rb_phase *last = NULL;
        for (size_t i = 0; i < r->metrics.n_phases; i++)
            if (r->metrics.phases[i] != r->metrics.implicit) last = r->metrics.phases[i];
        if (last) rb_phase_warn(last, "garbage collection skipped: %s", why);
        return 1;
    }
    const char *dir = rb_launch_storage_dir(r->reg);
    uint64_t t0 = rb_now_us();
    res->storage_before = rb_sampler_storage_bytes(dir);
    char lerr[RB_ERRLEN];
    int rc = rb_launch_gc(r->reg, delete_untagged, out, outlen, lerr, sizeof lerr);
    res->seconds = (double)(rb_now_us() - t0) / 1e6;
    res->storage_after = rb_sampler_storage_bytes(dir);
    if (!rb_launch_alive(r->reg)) {
        rb_run_fail(r, RB_FAIL_RUN, "garbage collection: %s", lerr);
        return rb_err(err, errlen, "%s", lerr);
    }
    r->target.pid = (long)rb_launch_pid(r->reg);
    char serr[RB_ERRLEN];
    if (r->sampler && rb_sampler_retarget(r->sampler, (pid_t)r->target.pid, serr, sizeof serr) < 0)
        fprintf(stderr, "regbench: warning: registry resources will not be sampled after garbage collection: %s\n",
                serr);
    if (rc < 0) return rb_err(err, errlen, "%s", lerr);
    return 0;
}

/* ---- phases ------------------------------------------------------------------------- */

static int counter_like(const char *name)
{
    size_t n = strcspn(name, "{");
    return (n > 6 && strncmp(name + n - 6, "_total", 6) == 0) ||
           (n > 6 && strncmp(name + n - 6, "_count", 6) == 0) ||
           (n > 4 && strncmp(name + n - 4, "_sum", 4) == 0) ||
           (n > 7 && strncmp(name + n - 7, "_bucket", 7) == 0);
}

/* The phase's Prometheus view: counters as deltas since it began, gauges as they end. */
static void prom_phase_end(rb_run *r, rb_phase *p)
{
    rb_prom end;
    char err[RB_ERRLEN];
    if (rb_prom_scrape(r->t_prom, &end, err, sizeof err) < 0) return;
    const rb_prom *begin = (size_t)p->index < r->n_prom_begin ? &r->prom_begin[p->index] : NULL;
    rb_phase_registry *reg = &p->registry;
    reg->prom_names = rb_calloc(end.n ? end.n : 1, sizeof(char *));
    reg->prom_values = rb_calloc(end.n ? end.n : 1, sizeof(double));
    for (size_t i = 0; i < end.n; i++) {
        double v = end.values[i];
        if (counter_like(end.names[i])) {
            double b = begin ? rb_prom_get(begin, end.names[i]) : 0;
            if (b > 0) v -= b;
            if (v == 0) continue;   /* keep the view short: only what moved */
        }
        reg->prom_names[reg->n_prom] = rb_strdup(end.names[i]);
        reg->prom_values[reg->n_prom] = v;
        reg->n_prom++;
    }
    rb_prom_free(&end);
}

void rb_run_record(rb_run *r, rb_phase *p, const rb_op_record *rec)
{
    rb_metrics_record(&r->metrics, p, rec);
    if (!r->op_log) return;
    const rb_phase *ph = p ? p : r->metrics.implicit;
    uint64_t lat = rec->end_us > rec->start_us ? rec->end_us - rec->start_us : 0;
    fprintf(r->op_log, "%llu,%llu,%llu,%s,%s,%s,%s,%d\n",
            (unsigned long long)(r->wall_at_start_us + (rec->start_us - r->metrics.run_start_us)),
            (unsigned long long)lat, (unsigned long long)rec->bytes, rec->kind,
            rec->err == RB_ERR_NONE ? "ok" : "error", rec->err == RB_ERR_NONE ? "" : rb_err_class_name(rec->err),
            ph ? ph->name : "", rec->top_level ? 1 : 0);
}

void rb_run_barrier_passed(rb_run *r, const char *name, uint64_t arrived_wall_us, uint64_t released_wall_us)
{
    json_t *b = json_object();
    json_object_set_new(b, "name", json_string(name));
    json_object_set_new(b, "arrived_wall_us", json_integer((json_int_t)arrived_wall_us));
    json_object_set_new(b, "released_wall_us", json_integer((json_int_t)released_wall_us));
    json_array_append_new(r->barriers, b);
}

rb_phase *rb_run_phase_begin(rb_run *r, const char *name)
{
    rb_phase *p = rb_metrics_phase_begin(&r->metrics, name);
    if (r->events) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(name));
        json_object_set_new(o, "index", json_integer(p->index));
        json_object_set_new(o, "start_s", json_real((double)(p->start_us - r->metrics.run_start_us) / 1e6));
        rb_events_write(r->events, "phase_start", o);
    }
    if (r->t_prom) {
        size_t need = (size_t)p->index + 1;
        if (need > r->n_prom_begin) {
            r->prom_begin = rb_realloc(r->prom_begin, need * sizeof *r->prom_begin);
            memset(r->prom_begin + r->n_prom_begin, 0, (need - r->n_prom_begin) * sizeof *r->prom_begin);
            r->n_prom_begin = need;
        }
        char err[RB_ERRLEN];
        rb_prom_scrape(r->t_prom, &r->prom_begin[p->index], err, sizeof err);
    }
    if (r->sampler && r->sampler_open++ == 0)
        rb_sampler_phase_begin(r->sampler);
    return p;
}

void rb_run_phase_end(rb_run *r, rb_phase *p)
{
    if (!p->open) return;
    rb_metrics_phase_end(&r->metrics, p);
    if (r->sampler && r->sampler_open > 0) {
        rb_sampler_summary s;
        rb_sampler_phase_end(r->sampler, &s);
        rb_phase_registry *reg = &p->registry;
        reg->valid = 1;
        reg->cpu_pct_avg = s.cpu_pct_avg;
        reg->cpu_pct_max = s.cpu_pct_max;
        reg->rss_peak_bytes = s.rss_peak_bytes;
        reg->rss_end_bytes = s.rss_end_bytes;
        reg->disk_read_bytes = s.disk_read_bytes;
        reg->disk_write_bytes = s.disk_write_bytes;
        reg->storage_bytes = s.storage_bytes;
        if (--r->sampler_open > 0)
            rb_sampler_phase_begin(r->sampler);
        /* Was regbench itself the limit? Its CPU near a full core while the registry idles. */
        double dur = (double)(p->end_us - p->start_us) / 1e6;
        double client_pct = dur > 0 ? p->cpu_s / dur * 100.0 : 0;
        if (dur >= 0.5 && client_pct >= 85.0 && s.cpu_pct_avg < 50.0)
            rb_phase_warn(p, "regbench used %.0f%% of a core while the registry used %.0f%%: "
                          "the client may have been the bottleneck", client_pct, s.cpu_pct_avg);
    }
    if (r->t_prom) prom_phase_end(r, p);
    /* Leftover data: blobs the registry already had were not uploaded, so
     * the phase measured little; a repository prefix per run avoids it. */
    uint64_t skipped = rb_phase_counter(p, "blobs_preexisting");
    uint64_t tried = rb_phase_counter(p, "blobs_skipped") + rb_phase_counter(p, "blobs_uploaded") +
                     rb_phase_counter(p, "blobs_mounted");
    if (tried > 0 && skipped * 2 >= tried)
        rb_phase_warn(p, "%llu of %llu blob uploads were skipped because the registry already had the blobs "
                      "before this run pushed them, "
                      "so this phase measured little: leftover data from an earlier run? Push fresh content (another "
                      "seed), or on a registry that keeps blobs per repository give each run its own repositories "
                      "(--repo-prefix auto)",
                      (unsigned long long)skipped, (unsigned long long)tried);
    save(r, "running", -1, p, 0);
}

/* ---- the loop ------------------------------------------------------------------------ */

void rb_run_loop_run(rb_run *r, int (*live)(void *), void *ud)
{
    uv_loop_t *uv = rb_loop_uv(r->loop);
    /* a shard of --procs reports its progress to the parent on this descriptor */
    const char *fd = getenv("REGBENCH_PROGRESS_FD");
    int report_fd = fd && *fd ? atoi(fd) : -1;
    rb_progress *prog = NULL;
    if (!r->opts.help && (report_fd >= 0 || !r->opts.quiet))
        prog = rb_progress_start(uv, &r->metrics, live, ud, report_fd);
    uv_run(uv, UV_RUN_DEFAULT);
    rb_progress_stop(prog);
}

/* ---- results ---------------------------------------------------------------------------- */

/* Writes what the run knows now, from one results document: results.json
 * and the CSVs always; the phase's event when `ended` is given; and at the
 * end (`final`) the "end" event and report.html. */
static void save(rb_run *r, const char *status, int exit_code, const rb_phase *ended, int final)
{
    run_info ri;
    info_fill(r, &ri, status, exit_code);
    json_t *doc = rb_results_json(&r->metrics, &ri.info);
    char err[RB_ERRLEN];
    if (rb_results_write_doc(r->out_dir, doc, err, sizeof err) < 0 ||
        rb_results_write_csv(r->out_dir, &r->metrics, err, sizeof err) < 0)
        fprintf(stderr, "regbench: cannot write results: %s\n", err);
    if (r->op_log) fflush(r->op_log);
    if (ended && r->events) {
        json_t *o = json_object();
        json_object_set_new(o, "phase", rb_results_phase_json(&r->metrics, &ri.info, (size_t)ended->index));
        rb_events_write(r->events, "phase", o);
    }
    if (final) {
        if (r->events) {
            json_t *o = json_object();
            static const char *keep[] = {"status", "error", "exit_code", "run_duration_s", "metrics", "warnings",
                                         "registry_timeseries", "client_timeseries", NULL};
            for (int i = 0; keep[i]; i++)
                if (json_object_get(doc, keep[i])) json_object_set(o, keep[i], json_object_get(doc, keep[i]));
            rb_events_write(r->events, "end", o);
            rb_events_close(r->events);
            r->events = NULL;
        }
        char *path = rb_asprintf("%s/report.html", r->out_dir);
        if (rb_write_report_html(doc, NULL, r->out_dir, path, err, sizeof err) < 0)
            fprintf(stderr, "regbench: warning: no report.html: %s\n", err);
        free(path);
    }
    json_decref(doc);
    info_free(&ri);
}

/* Closes every phase still open at the end of the run: a phase whose
 * function never returned (error, interrupt, deadlock) is marked cut. */
static void close_phases(rb_run *r)
{
    for (size_t i = 0; i < r->metrics.n_phases; i++) {
        rb_phase *p = r->metrics.phases[i];
        if (!p->open || p == r->metrics.implicit) continue;
        p->cut = 1;
        rb_run_phase_end(r, p);
    }
    rb_metrics_close_all(&r->metrics);
}

/* Judges the thresholds over the run's results as they stand. */
static void judge(rb_run *r, const char *status, int exit_code)
{
    if (!r->n_th) return;
    run_info ri;
    info_fill(r, &ri, status, exit_code);
    json_t *doc = rb_results_json(&r->metrics, &ri.info);
    info_free(&ri);
    char err[RB_ERRLEN];
    json_t *suite = rb_results_as_suite(doc, r->out_dir, err, sizeof err);
    json_decref(doc);
    if (!suite) return;
    r->th_results = rb_thresholds_eval(r->th, r->n_th, suite, &r->th_failed);
    json_decref(suite);
}

/* The closing line: what the run's outcome is, in one line. */
static void print_verdict(const rb_run *r, int exit_code)
{
    uint64_t ops = 0, errors = 0;
    for (size_t i = 0; i < r->metrics.n_phases; i++) {
        ops += r->metrics.phases[i]->total.ops;
        errors += r->metrics.phases[i]->total.errors;
    }
    const char *word = exit_code == RB_EXIT_OK ? "PASS" : exit_code == RB_EXIT_INTERRUPTED ? "INTERRUPTED" : "FAIL";
    char th[160] = "";
    if (r->n_th)
        snprintf(th, sizeof th, ", thresholds %zu of %zu passed", r->n_th - (size_t)r->th_failed, r->n_th);
    size_t warnings = 0;
    for (size_t i = 0; i < r->metrics.n_phases; i++) warnings += r->metrics.phases[i]->n_warnings;
    if (warnings)
        snprintf(th + strlen(th), sizeof th - strlen(th), ", %zu warning%s (results.json)", warnings,
                 warnings == 1 ? "" : "s");
    fprintf(stderr, "regbench: %s: %zu phase%s, %llu operations, %llu errors%s%s\n", word, r->metrics.n_phases,
            r->metrics.n_phases == 1 ? "" : "s", (unsigned long long)ops, (unsigned long long)errors, th,
            exit_code == RB_EXIT_SCRIPT || exit_code == RB_EXIT_USAGE ? "; the run failed (see above)" : "");
}

int rb_run_finish(rb_run *r)
{
    close_phases(r);
    r->metrics.run_end_us = rb_now_us();   /* one run duration for every view (counter rates) */
    int exit_code = RB_EXIT_OK;
    const char *status = "ok";
    if (r->interrupted) {
        exit_code = RB_EXIT_INTERRUPTED;
        status = "interrupted";
    } else if (r->fatal) {
        /* a scenario that failed because its registry died: say so first */
        if (r->fail_kind == RB_FAIL_SCRIPT && !strstr(r->fatal, "process exited during the run") &&
            ((r->reg && !rb_launch_alive(r->reg)) || (r->upstream && !rb_launch_alive(r->upstream)))) {
            char *m = rb_asprintf("the registry process exited during the run (its log is registry.log "
                                  "in the output directory); the scenario then failed: %s", r->fatal);
            free(r->fatal);
            r->fatal = m;
        }
        exit_code = r->fail_kind == RB_FAIL_INPUT ? RB_EXIT_USAGE
                  : r->fail_kind == RB_FAIL_UNREACHABLE ? RB_EXIT_UNREACHABLE : RB_EXIT_SCRIPT;
        status = "failed";
        fprintf(stderr, "regbench: %s%s\n", r->fail_kind == RB_FAIL_SCRIPT ? "scenario failed: " : "", r->fatal);
    }
    if (r->opts.help || (r->fatal && !r->started))
        return exit_code;   /* nothing ran: nothing to write */
    judge(r, status, exit_code);
    if (exit_code == RB_EXIT_OK && r->th_failed) exit_code = RB_EXIT_THRESHOLD;
    save(r, status, exit_code, NULL, 1);
    if (r->opts.brief) return exit_code;   /* one run of a suite: the suite reports it */
    if (!r->opts.quiet) {
        if (r->metrics.n_phases || r->metrics.n_metrics) rb_results_print_table(stdout, &r->metrics);
        if (r->th_results) rb_results_print_thresholds(stdout, r->th_results);
        fflush(stdout);
        for (size_t i = 0; i < r->metrics.n_phases; i++)
            for (size_t k = 0; k < r->metrics.phases[i]->n_warnings; k++)
                fprintf(stderr, "regbench: warning: phase \"%s\": %s\n", r->metrics.phases[i]->name,
                        r->metrics.phases[i]->warnings[k]);
        if (r->opts.insecure)
            fprintf(stderr, "regbench: warning: TLS certificates were not verified (--insecure)\n");
    }
    print_verdict(r, exit_code);
    fprintf(stderr, "regbench: results in %s/\n", r->out_dir);
    return exit_code;
}

/* ---- teardown ------------------------------------------------------------------------------ */

/* Closes a handle others allocated (timers mark themselves with
 * data == handle and are freed); the run's own are closed below. */
static void close_one(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (uv_is_closing(h)) return;
    if (h->type == UV_TIMER && h->data == (void *)h)
        uv_close(h, (uv_close_cb)free);
}

void rb_run_close_loop(rb_run *r)
{
    if (!r || !r->loop) return;
    rb_loop_cancel_all(r->loop);
    uv_walk(rb_loop_uv(r->loop), close_one, NULL);
    if (r->handles) {
        /* the signal handlers stay until rb_run_free: a signal while the
         * results are written is still this run's (no async to wake) */
        r->handles = 0;
        g_signal_async = NULL;
        uv_close((uv_handle_t *)&r->signal_async, NULL);
        uv_close((uv_handle_t *)&r->client_timer, NULL);
    }
    uv_run(rb_loop_uv(r->loop), UV_RUN_NOWAIT);
}

void rb_run_free(rb_run *r)
{
    if (!r) return;
    rb_run_close_loop(r);
    if (r->loop) {   /* opened: the run's signal handling ends with it */
        g_kill_len = 0;
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
    }
    rb_loop_free(r->loop);
    if (r->events) rb_events_close(r->events);
    for (size_t i = 0; i < r->n_prom_begin; i++) rb_prom_free(&r->prom_begin[i]);
    free(r->prom_begin);
    free(r->client_series);
    rb_metrics_free(&r->metrics);
    rb_sampler_stop(r->sampler);
    rb_launch_stop(r->reg);
    rb_launch_stop(r->upstream);
    for (size_t i = 0; i < r->n_given; i++) { free(r->given[i].key); free(r->given[i].value); }
    free(r->given);
    free(r->given_used);
    for (size_t i = 0; i < r->n_params; i++) {
        free(r->params[i].name); free(r->params[i].type); free(r->params[i].doc);
        free(r->params[i].def); free(r->params[i].value);
    }
    free(r->params);
    for (size_t i = 0; i < r->n_metric_names; i++) free(r->metric_names[i]);
    free(r->metric_names);
    free(r->metric_types);
    for (size_t i = 0; i < r->n_op_names; i++) free(r->op_names[i]);
    free(r->op_names);
    for (size_t i = 0; i < r->n_th; i++) {
        rb_threshold_clear(&r->th[i]);
        free(r->th_where[i]);
    }
    free(r->th);
    free(r->th_where);
    json_decref(r->th_results);
    json_decref(r->barriers);
    if (r->op_log) fclose(r->op_log);
    free(r->t_url); free(r->t_kind); free(r->t_storage); free(r->t_version); free(r->t_prom);
    free(r->fatal);
    free(r->repo_prefix);
    if (r->made_dir && !r->started) rmdir(r->out_dir);   /* only when still empty */
    free(r->out_dir);
    free(r);
}
