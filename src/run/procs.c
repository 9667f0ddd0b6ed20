/* procs: one run over N local shard processes (see rb_procs.h). The parent
 * does no measuring itself: it launches the registry, forks and execs
 * /proc/self/exe once per shard with the shard's command line, reads each
 * shard's progress samples from a pipe (REGBENCH_PROGRESS_FD) and shows
 * their sum, forwards SIGINT/SIGTERM, waits for every shard, stops the
 * registry and merges the shards' results (rb_merge). A shard's stdout and
 * stderr go to OUT/shards/shard-I/output.txt; the tail is shown when the
 * shard failed. Every wait is bounded: a shard that does not stop within
 * 30 s of being told is killed. */
#include "run/rb_procs.h"
#include "registry/rb_launch.h"
#include "run/rb_merge_job.h"
#include "run/rb_progress.h"
#include "util/rb_util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STOP_GRACE_S 30       /* how long a told shard may take to stop before it is killed */

typedef struct shard_proc {
    pid_t pid;                /* 0 once reaped */
    int fd;                   /* read end of its progress pipe, -1 when closed */
    char buf[512];            /* a partial progress line */
    size_t len;
    rb_progress_sample last;
    int status;               /* wait status once reaped */
    char *dir;
} shard_proc;

static volatile sig_atomic_t g_signals;      /* SIGINT/SIGTERM received */
static struct timespec g_first;              /* when the first came */
static volatile sig_atomic_t g_late;         /* one came more than a second after the first */

static void on_signal(int sig)
{
    (void)sig;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (g_signals == 0) g_first = now;
    else if ((now.tv_sec - g_first.tv_sec) * 1000 + (now.tv_nsec - g_first.tv_nsec) / 1000000 > 1000) g_late = 1;
    g_signals++;
}

int rb_procs_auto(int launches_registry)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1) cores = 1;
    long n = cores - (launches_registry ? 1 : 0);
    return n < 1 ? 1 : (int)n;
}

/* Reads what a shard's pipe has; keeps the last complete sample. */
static void drain(shard_proc *s)
{
    char tmp[4096];
    ssize_t n = read(s->fd, tmp, sizeof tmp);
    if (n <= 0) {
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            close(s->fd);
            s->fd = -1;
        }
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (tmp[i] == '\n') {
            s->buf[s->len] = '\0';
            rb_progress_sample smp;
            if (rb_progress_sample_parse(s->buf, &smp) == 0) s->last = smp;
            s->len = 0;
        } else if (s->len + 1 < sizeof s->buf) {
            s->buf[s->len++] = tmp[i];
        }
    }
}

/* The last lines of a shard's output, for a message. */
static void show_tail(const char *dir, int index)
{
    char *path = rb_asprintf("%s/output.txt", dir);
    FILE *f = fopen(path, "r");
    if (f) {
        char *lines[8] = {0};
        size_t k = 0;
        char line[1024];
        while (fgets(line, sizeof line, f)) {
            free(lines[k % 8]);
            lines[k % 8] = rb_strdup(line);
            k++;
        }
        fclose(f);
        fprintf(stderr, "regbench: shard %d's last output (%s):\n", index, path);
        for (size_t i = k > 8 ? k - 8 : 0; i < k; i++) fprintf(stderr, "  | %s", lines[i % 8]);
        for (size_t i = 0; i < 8; i++) free(lines[i]);
    }
    free(path);
}

/* Starts shard `index`: its command line is argv (NULL-terminated); its
 * progress goes to the write end of a pipe whose read end is returned in
 * *fd. Returns the pid, or -1 with err. */
static pid_t start_shard(const char *self, char **argv, const char *dir, const rb_run_opts *run, int *fd,
                         char *err, size_t errlen)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return (pid_t)rb_err(err, errlen, "pipe: %s", strerror(errno));
    char *out = rb_asprintf("%s/output.txt", dir);
    int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    free(out);
    if (ofd < 0) {
        close(p[0]);
        close(p[1]);
        return (pid_t)rb_err(err, errlen, "cannot write %s/output.txt: %s", dir, strerror(errno));
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]); close(p[1]); close(ofd);
        return (pid_t)rb_err(err, errlen, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);   /* the parent killed: the shard stops (and writes what it has) */
        if (getppid() != parent) _exit(1);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) { dup2(null, 0); close(null); }
        dup2(ofd, 1);
        dup2(ofd, 2);
        int pfd = dup(p[1]);                /* dup clears close-on-exec */
        char num[16];
        snprintf(num, sizeof num, "%d", pfd);
        setenv("REGBENCH_PROGRESS_FD", num, 1);
        /* credentials go by the environment, never the command line */
        if (run->username) setenv("REGBENCH_USERNAME", run->username, 1);
        if (run->password) setenv("REGBENCH_PASSWORD", run->password, 1);
        execv(self, argv);
        fprintf(stderr, "regbench: cannot run %s: %s\n", self, strerror(errno));
        _exit(1);
    }
    close(p[1]);
    close(ofd);
    fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
    *fd = p[0];
    return pid;
}

/* The shard's command line (new array of new strings, NULL-terminated). */
static char **shard_argv(const rb_procs_opts *o, int i, const char *url, const char *upstream, const char *run_id,
                         const char *dir, const char *barrier_dir, long registry_pid)
{
    const rb_run_opts *run = o->run;
    size_t cap = o->n_pass + run->n_thresholds + 16, n = 0;
    char **a = rb_calloc(cap, sizeof *a);
    a[n++] = rb_strdup("regbench");
    a[n++] = rb_strdup("run");
    a[n++] = rb_strdup(run->scenario);
    a[n++] = rb_asprintf("--shard=%d/%d", i, o->n);
    a[n++] = rb_asprintf("--target=%s", url);
    a[n++] = rb_asprintf("--run-id=%s", run_id);
    a[n++] = rb_asprintf("--out=%s", dir);
    a[n++] = rb_strdup("--quiet");
    a[n++] = rb_asprintf("--barrier-dir=%s", barrier_dir);
    if (upstream) a[n++] = rb_asprintf("--upstream=%s", upstream);
    if (i == 0 && registry_pid > 0) a[n++] = rb_asprintf("--registry-pid=%ld", registry_pid);
    if (run->op_log) a[n++] = rb_asprintf("--op-log=%s/ops.csv", dir);
    for (size_t k = 0; k < o->n_pass; k++) a[n++] = rb_strdup(o->pass[k]);
    for (size_t k = 0; k < run->n_thresholds; k++) a[n++] = rb_asprintf("--threshold=%s", run->thresholds[k]);
    a[n] = NULL;
    return a;
}

static void free_argv(char **a)
{
    for (size_t i = 0; a && a[i]; i++) free(a[i]);
    free(a);
}

/* The shards' op logs (SHARD_DIR/ops.csv) as one file at path: the
 * header once, then each shard's lines in shard order. A shard without
 * one is skipped with a warning. */
static void join_op_logs(const char *path, const shard_proc *sh, int n)
{
    FILE *out = fopen(path, "w");
    if (!out) {
        fprintf(stderr, "regbench: warning: cannot write the op log %s: %s\n", path, strerror(errno));
        return;
    }
    int header = 0;
    for (int i = 0; i < n; i++) {
        if (!sh[i].dir) continue;
        char *in_path = rb_asprintf("%s/ops.csv", sh[i].dir);
        FILE *in = fopen(in_path, "r");
        if (!in) {
            fprintf(stderr, "regbench: warning: shard %d wrote no op log (%s)\n", i, in_path);
            free(in_path);
            continue;
        }
        char line[4096];
        for (int first = 1; fgets(line, sizeof line, in); first = 0) {
            if (first && header) continue;
            header = 1;
            fputs(line, out);
        }
        fclose(in);
        free(in_path);
    }
    if (fclose(out) != 0) fprintf(stderr, "regbench: warning: writing the op log %s: %s\n", path, strerror(errno));
}

int rb_procs_run(const rb_procs_opts *o)
{
    const rb_run_opts *run = o->run;
    char err[RB_ERRLEN];
    int rc = RB_EXIT_SCRIPT;
    char *out = run->out_dir ? rb_strdup(run->out_dir) : rb_run_default_dir();
    char run_id[64];
    if (run->run_id) snprintf(run_id, sizeof run_id, "%s", run->run_id);
    else rb_run_make_id(run_id, sizeof run_id);
    rb_registry_proc *reg = NULL, *up = NULL;
    char *barrier_dir = NULL;
    shard_proc *sh = rb_calloc((size_t)o->n, sizeof *sh);
    for (int i = 0; i < o->n; i++) sh[i].fd = -1;
    rb_progress_view *view = NULL;
    char self[4096];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0) {
        fprintf(stderr, "regbench: --procs: cannot find this program (/proc/self/exe): %s\n", strerror(errno));
        goto done;
    }
    self[sl] = '\0';
    if (rb_mkdir_p(out) < 0) {
        fprintf(stderr, "regbench: cannot create output directory '%s': %s\n", out, strerror(errno));
        rc = RB_EXIT_USAGE;
        goto done;
    }

    /* the registry: one for every shard */
    const char *url = run->target_url, *upstream = run->upstream_url;
    long reg_pid = run->registry_pid;
    if (url) {
        int probe = rb_registry_probe(url, run->insecure, run->ca_file, run->user_agent, 5.0, err, sizeof err);
        if (probe < 0) {
            fprintf(stderr, "regbench: cannot reach %s: %s\n", url, err);
            rc = RB_EXIT_UNREACHABLE;
            goto done;
        }
    } else {
        rb_launch_opts lo = run->launch;
        lo.workdir = out;
        if (run->pull_through) {
            char *updir = rb_asprintf("%s/upstream", out);
            rb_launch_opts uo = {.kind = RB_REG_CRANE, .storage = RB_STORAGE_MEMORY, .workdir = updir};
            if (rb_mkdir_p(updir) == 0) up = rb_launch_start(&uo, err, sizeof err);
            free(updir);
            if (!up) { fprintf(stderr, "regbench: cannot start the upstream registry: %s\n", err); goto done; }
            lo.proxy_url = rb_launch_url(up);
            upstream = rb_launch_url(up);
        }
        reg = rb_launch_start(&lo, err, sizeof err);
        if (!reg) { fprintf(stderr, "regbench: cannot start the registry: %s\n", err); goto done; }
        url = rb_launch_url(reg);
        reg_pid = (long)rb_launch_pid(reg);
    }

    /* the shards; they meet through files here, which works against any target */
    barrier_dir = rb_asprintf("%s/shards/barriers", out);
    if (rb_mkdir_p(barrier_dir) < 0) {
        fprintf(stderr, "regbench: cannot create %s: %s\n", barrier_dir, strerror(errno));
        goto done;
    }
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    g_signals = 0;
    g_late = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    int started = 0;
    for (int i = 0; i < o->n; i++) {
        sh[i].dir = rb_asprintf("%s/shards/shard-%d", out, i);
        if (rb_mkdir_p(sh[i].dir) < 0) {
            fprintf(stderr, "regbench: cannot create %s: %s\n", sh[i].dir, strerror(errno));
            break;
        }
        char **argv = shard_argv(o, i, url, upstream, run_id, sh[i].dir, barrier_dir, reg_pid);
        sh[i].pid = start_shard(self, argv, sh[i].dir, run, &sh[i].fd, err, sizeof err);
        free_argv(argv);
        if (sh[i].pid < 0) {
            sh[i].pid = 0;
            fprintf(stderr, "regbench: cannot start shard %d: %s\n", i, err);
            break;
        }
        started++;
    }
    if (started < o->n) g_signals = 1;   /* stop the ones that did start */
    if (!run->quiet) {
        fprintf(stderr, "regbench: %d shard processes against %s (run ID %s; their output in %s/shards/)\n", o->n,
                url, run_id, out);
        view = rb_progress_view_new();
    }

    int told = 0, alive = started;
    struct timespec told_at = {0, 0};
    uint64_t last_show = 0;
    while (alive > 0) {
        struct pollfd pf[1024];
        int np = 0, idx[1024];
        for (int i = 0; i < o->n && np < 1024; i++)
            if (sh[i].fd >= 0) { pf[np].fd = sh[i].fd; pf[np].events = POLLIN; idx[np++] = i; }
        int r = poll(pf, (nfds_t)np, 200);
        for (int k = 0; r > 0 && k < np; k++)
            if (pf[k].revents) drain(&sh[idx[k]]);
        for (int i = 0; i < o->n; i++) {
            if (sh[i].pid <= 0) continue;
            int st;
            pid_t w = waitpid(sh[i].pid, &st, WNOHANG);
            if (w == sh[i].pid) {
                sh[i].status = st;
                sh[i].pid = -1;
                alive--;
                if (sh[i].fd >= 0) { drain(&sh[i]); close(sh[i].fd); sh[i].fd = -1; }
            }
        }
        if (reg && !rb_launch_alive(reg) && !told) {
            fprintf(stderr, "\nregbench: the registry (pid %ld) exited; stopping the shards\n", reg_pid);
            g_signals = 1;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (g_signals && !told) {
            told = 1;
            told_at = now;
            for (int i = 0; i < o->n; i++)
                if (sh[i].pid > 0) kill(sh[i].pid, SIGINT);
        }
        if (told && (g_late || now.tv_sec - told_at.tv_sec > STOP_GRACE_S)) {
            for (int i = 0; i < o->n; i++)
                if (sh[i].pid > 0) kill(sh[i].pid, SIGKILL);
        }
        uint64_t t = rb_now_us();
        if (view && t - last_show >= (uint64_t)rb_progress_view_every_ms(view) * 1000) {
            last_show = t;
            rb_progress_sample sum;
            memset(&sum, 0, sizeof sum);
            for (int i = 0; i < o->n; i++) {
                sum.ops += sh[i].last.ops;
                sum.bytes += sh[i].last.bytes;
                sum.errors += sh[i].last.errors;
                sum.vus += sh[i].last.vus;
                if (!sum.phase[0] && sh[i].last.phase[0]) {
                    memcpy(sum.phase, sh[i].last.phase, sizeof sum.phase);
                    sum.phase_in_s = sh[i].last.phase_in_s;
                    sum.phase_planned_s = sh[i].last.phase_planned_s;
                }
            }
            rb_progress_view_show(view, &sum);
        }
    }
    rb_progress_view_free(view);
    view = NULL;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);

    /* what the shards did */
    int failed = 0;
    for (int i = 0; i < o->n; i++) {
        if (!sh[i].dir || sh[i].pid == 0) continue;
        int st = sh[i].status, code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        if (code != RB_EXIT_OK && code != RB_EXIT_THRESHOLD && code != RB_EXIT_INTERRUPTED) {
            failed++;
            fprintf(stderr, "regbench: shard %d of %d %s %d\n", i, o->n, WIFEXITED(st) ? "exited with" : "was killed by signal",
                    WIFEXITED(st) ? code : WTERMSIG(st));
            show_tail(sh[i].dir, i);
        }
    }
    /* the registry stops before the merge: its log and storage are complete */
    char *kind = NULL, *storage = NULL, *version = NULL;
    if (reg) {
        kind = rb_strdup(rb_launch_kind_name(run->launch.kind));
        storage = rb_strdup(rb_launch_storage_name(run->launch.storage));
        const char *v = rb_launch_version(reg);
        version = v ? rb_strdup(v) : NULL;
    }
    rb_launch_stop(reg);
    reg = NULL;
    rb_launch_stop(up);
    up = NULL;

    char **dirs = rb_calloc((size_t)o->n, sizeof *dirs);
    size_t nd = 0;
    for (int i = 0; i < o->n; i++)
        if (sh[i].dir) dirs[nd++] = sh[i].dir;
    if (run->op_log) join_op_logs(run->op_log, sh, o->n);
    rb_merge_job job = {
        .dirs = dirs, .n_dirs = nd, .out_dir = out, .thresholds = run->thresholds,
        .n_thresholds = run->n_thresholds, .allow_partial = g_signals != 0, .quiet = run->quiet,
        .who = "regbench", .reg_kind = kind, .reg_storage = storage, .reg_version = version,
    };
    int mrc = rb_merge_job_run(&job);
    free(dirs);
    free(kind);
    free(storage);
    free(version);
    rc = g_signals ? RB_EXIT_INTERRUPTED : failed ? RB_EXIT_SCRIPT : mrc;
done:
    rb_progress_view_free(view);
    rb_launch_stop(reg);
    rb_launch_stop(up);
    for (int i = 0; i < o->n; i++) {
        if (sh[i].fd >= 0) close(sh[i].fd);
        free(sh[i].dir);
    }
    free(sh);
    free(barrier_dir);
    free(out);
    return rc;
}
