/* launch: runs the registry under test (crane, distribution 2.8 or
 * distribution 3, the last two with the same config; crane-referrers: the
 * crane registry with the referrers API, tools/refregistry; or any program
 * from a command template, kind command) as a child process on a loopback
 * port. The child gets its own process group and PR_SET_PDEATHSIG; its
 * stdout and stderr go through a pipe that a drain thread copies into
 * <workdir>/registry.log for the life of the process (crane blocks when
 * nobody reads its per-request log lines, and the same thread spots crane's
 * "serving on port N"). Readiness is GET /v2/ answering 200 or 401 (kind
 * command: its ready_url answering any status below 500). No shell is ever
 * involved: fork/exec with argv only. */
#include "registry/rb_launch.h"
#include "net/rb_http.h"
#include "util/rb_util.h"

#include <curl/curl.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_LIVE 32          /* registries running at once */
#define STOP_GRACE_MS 3000   /* SIGTERM → SIGKILL */
#define POLL_MS 50           /* readiness poll period */
#define TAIL_LINES 10        /* log lines quoted when the registry dies early */
#define GC_TIMEOUT_MS 600000 /* garbage-collect runs at most 10 minutes */

struct rb_registry_proc {
    rb_reg_kind kind;
    rb_storage storage;
    pid_t pid;               /* also the process group id */
    int reaped;              /* waitpid collected it: pid must not be signalled again */
    int exit_status;         /* raw waitpid status once reaped */
    int port;
    int debug_port;          /* distribution only */
    char *url;
    char *metrics_url;
    char *version;
    char *storage_dir;
    char *log_path;
    char *config_path;
    char *ready_url;         /* kind command: the rendered URL polled for readiness */
    /* drain thread */
    int pipe_rd;
    int log_fd;
    pthread_t drain;
    int drain_started;
    atomic_int drain_stop;   /* ask the drain thread to finish after the child is gone */
    atomic_int seen_port;    /* crane's "serving on port N", 0 until seen */
};

/* Live registry process groups, read by rb_launch_kill_all from signal
 * handlers: plain stores of whole ints, 0 = free slot. */
static volatile sig_atomic_t live_pgids[MAX_LIVE];
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;

static int live_add(pid_t pgid)
{
    int rc = -1;
    pthread_mutex_lock(&live_lock);
    for (int i = 0; i < MAX_LIVE; i++)
        if (live_pgids[i] == 0) { live_pgids[i] = (sig_atomic_t)pgid; rc = 0; break; }
    pthread_mutex_unlock(&live_lock);
    return rc;
}

static void live_remove(pid_t pgid)
{
    pthread_mutex_lock(&live_lock);
    for (int i = 0; i < MAX_LIVE; i++)
        if (live_pgids[i] == (sig_atomic_t)pgid) live_pgids[i] = 0;
    pthread_mutex_unlock(&live_lock);
}

void rb_launch_kill_all(void)
{
    for (int i = 0; i < MAX_LIVE; i++) {
        pid_t g = (pid_t)live_pgids[i];
        if (g > 0) kill(-g, SIGKILL);
    }
}

int rb_launch_parse_kind(const char *s, rb_reg_kind *kind)
{
    if (!s) return -1;
    if (strcmp(s, "crane") == 0) { *kind = RB_REG_CRANE; return 0; }
    if (strcmp(s, "distribution") == 0) { *kind = RB_REG_DISTRIBUTION; return 0; }
    if (strcmp(s, "distribution3") == 0) { *kind = RB_REG_DISTRIBUTION3; return 0; }
    if (strcmp(s, "crane-referrers") == 0) { *kind = RB_REG_CRANE_REFERRERS; return 0; }
    if (strcmp(s, "command") == 0 || strcmp(s, "generic") == 0) { *kind = RB_REG_COMMAND; return 0; }
    return -1;
}

int rb_launch_parse_storage(const char *s, rb_storage *st)
{
    if (!s) return -1;
    if (strcmp(s, "memory") == 0) { *st = RB_STORAGE_MEMORY; return 0; }
    if (strcmp(s, "disk") == 0) { *st = RB_STORAGE_DISK; return 0; }
    return -1;
}

const char *rb_launch_kind_name(rb_reg_kind kind)
{
    switch (kind) {
    case RB_REG_DISTRIBUTION: return "distribution";
    case RB_REG_DISTRIBUTION3: return "distribution3";
    case RB_REG_CRANE_REFERRERS: return "crane-referrers";
    case RB_REG_COMMAND: return "command";
    default: return "crane";
    }
}

/* distribution 2.8 and 3 take the same config, options and environment. */
static int is_distribution(rb_reg_kind kind)
{
    return kind == RB_REG_DISTRIBUTION || kind == RB_REG_DISTRIBUTION3;
}

const char *rb_launch_storage_name(rb_storage st)
{
    return st == RB_STORAGE_DISK ? "disk" : "memory";
}

/* ---- finding programs ---------------------------------------------------- */

static int is_executable(const char *path)
{
    struct stat st;
    return path && *path && stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Looks `name` up in $PATH; returns a malloc'd absolute-ish path or NULL. */
static char *search_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path || !*path) return NULL;
    char *copy = rb_strdup(path);
    char *save = NULL;
    char *found = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        if (!*dir) continue;   /* empty entry would mean ".": never search cwd */
        char *cand = rb_asprintf("%s/%s", dir, name);
        if (is_executable(cand)) { found = cand; break; }
        free(cand);
    }
    free(copy);
    return found;
}

/* Child side of every fork: own group, die with the parent, stdin from
 * /dev/null, default signal handling, no inherited fds but 0-2. Only
 * async-signal-safe calls. out_fd (or -1) becomes stdout, err_fd stderr. */
static void child_setup(pid_t parent, int out_fd, int err_fd)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);   /* parent died before prctl */
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    int sigs[] = { SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &dfl, NULL);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull < 0) _exit(127);
    if (dup2(devnull, 0) < 0) _exit(127);
    if (dup2(out_fd >= 0 ? out_fd : devnull, 1) < 0) _exit(127);
    if (dup2(err_fd >= 0 ? err_fd : devnull, 2) < 0) _exit(127);
    close_range(3, ~0U, 0);
}

/* Runs argv[0] (a path) with argv, captures up to outlen-1 bytes of its stdout
 * (stderr too if with_stderr) into out, waits at most timeout_ms. Returns the
 * exit code, or -1 on failure to run / timeout. */
static int run_capture(char *const argv[], int with_stderr, char *out, size_t outlen, int timeout_ms)
{
    out[0] = 0;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return -1;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) { close(p[0]); close(p[1]); return -1; }
    if (pid == 0) {
        child_setup(parent, p[1], with_stderr ? p[1] : -1);
        execve(argv[0], argv, environ);
        _exit(127);
    }
    close(p[1]);
    size_t used = 0;
    uint64_t deadline = rb_now_us() + (uint64_t)timeout_ms * 1000u;
    int timed_out = 0;
    for (;;) {
        uint64_t now = rb_now_us();
        if (now >= deadline) { timed_out = 1; break; }
        struct pollfd pfd = { .fd = p[0], .events = POLLIN };
        int n = poll(&pfd, 1, (int)((deadline - now) / 1000u) + 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) continue;
        char buf[512];
        ssize_t r = read(p[0], buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        size_t take = (size_t)r;
        if (used + take > outlen - 1) take = outlen - 1 - used;
        memcpy(out + used, buf, take);
        used += take;
    }
    out[used] = 0;
    close(p[0]);
    if (timed_out) kill(-pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (timed_out || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = 0;
    size_t lead = strspn(s, " \t\r\n");
    if (lead) memmove(s, s + lead, n - lead + 1);
}

static char *find_crane(char *err, size_t errlen)
{
    const char *over = getenv("REGBENCH_CRANE");
    if (over && *over) {
        if (is_executable(over)) return rb_strdup(over);
        rb_err(err, errlen, "crane not found: REGBENCH_CRANE=%s is not an executable file; "
               "run scripts/setup.sh to install it", over);
        return NULL;
    }
    char *p = search_path("crane");
    if (p) return p;
    const char *gopath = getenv("GOPATH");
    if (gopath && *gopath) {
        char *first = rb_strdup(gopath);
        char *colon = strchr(first, ':');
        if (colon) *colon = 0;
        p = rb_asprintf("%s/bin/crane", first);
        free(first);
        if (is_executable(p)) return p;
        free(p);
    }
    char *go = search_path("go");
    if (go) {
        char out[1024];
        char *argv[] = { go, "env", "GOPATH", NULL };
        if (run_capture(argv, 0, out, sizeof out, 10000) == 0) {
            trim(out);
            char *colon = strchr(out, ':');
            if (colon) *colon = 0;
            if (*out) {
                p = rb_asprintf("%s/bin/crane", out);
                if (is_executable(p)) { free(go); return p; }
                free(p);
            }
        }
        free(go);
    }
    const char *home = getenv("HOME");
    if (home && *home) {
        p = rb_asprintf("%s/go/bin/crane", home);
        if (is_executable(p)) return p;
        free(p);
    }
    rb_err(err, errlen, "crane not found (not on PATH, not in $GOPATH/bin or ~/go/bin); "
           "run scripts/setup.sh to install it");
    return NULL;
}

static char *find_distribution(char *err, size_t errlen)
{
    const char *over = getenv("REGBENCH_DOCKER_REGISTRY");
    if (over && *over) {
        if (is_executable(over)) return rb_strdup(over);
        rb_err(err, errlen, "docker-registry (distribution) not found: REGBENCH_DOCKER_REGISTRY=%s "
               "is not an executable file; run scripts/setup.sh to install it", over);
        return NULL;
    }
    char *p = search_path("docker-registry");
    if (p) return p;
    rb_err(err, errlen, "docker-registry (distribution) not found on PATH; "
           "run scripts/setup.sh to install it");
    return NULL;
}

/* distribution 3's `registry`: $REGBENCH_DISTRIBUTION3 alone when set, else
 * `registry` on PATH, else /usr/local/bin/registry (where setup.sh puts it). */
static char *find_distribution3(char *err, size_t errlen)
{
    const char *over = getenv("REGBENCH_DISTRIBUTION3");
    if (over && *over) {
        if (is_executable(over)) return rb_strdup(over);
        rb_err(err, errlen, "registry (distribution 3) not found: REGBENCH_DISTRIBUTION3=%s "
               "is not an executable file; run scripts/setup.sh to install it", over);
        return NULL;
    }
    char *p = search_path("registry");
    if (p) return p;
    if (is_executable("/usr/local/bin/registry")) return rb_strdup("/usr/local/bin/registry");
    rb_err(err, errlen, "registry (distribution 3) not found on PATH nor as /usr/local/bin/registry; "
           "set REGBENCH_DISTRIBUTION3 or run scripts/setup.sh to install it");
    return NULL;
}

/* regbench-refregistry (crane-referrers): $REGBENCH_REFREGISTRY alone when
 * set, else on PATH, else /usr/local/bin/regbench-refregistry. */
static char *find_refregistry(char *err, size_t errlen)
{
    const char *over = getenv("REGBENCH_REFREGISTRY");
    if (over && *over) {
        if (is_executable(over)) return rb_strdup(over);
        rb_err(err, errlen, "regbench-refregistry (crane-referrers) not found: REGBENCH_REFREGISTRY=%s "
               "is not an executable file; run scripts/setup.sh to build it", over);
        return NULL;
    }
    char *p = search_path("regbench-refregistry");
    if (p) return p;
    if (is_executable("/usr/local/bin/regbench-refregistry")) return rb_strdup("/usr/local/bin/regbench-refregistry");
    rb_err(err, errlen, "regbench-refregistry (crane-referrers) not found on PATH nor in /usr/local/bin; "
           "set REGBENCH_REFREGISTRY or run scripts/setup.sh to build it from tools/refregistry");
    return NULL;
}

/* "crane v0.22.1" / "distribution 2.8.2+ds1" / "distribution3 v3.0.0+unknown"
 * / "crane-referrers v0.22.1" (last word of the output). */
static char *query_version(rb_reg_kind kind, const char *prog)
{
    char out[1024];
    char *argv_c[] = { (char *)prog, "version", NULL };
    char *argv_d[] = { (char *)prog, "--version", NULL };   /* distribution, refregistry */
    int rc = run_capture(kind == RB_REG_CRANE ? argv_c : argv_d, 0, out, sizeof out, 10000);
    trim(out);
    char *nl = strchr(out, '\n');
    if (nl) *nl = 0;
    trim(out);
    if (rc != 0 || !*out)
        return rb_asprintf("%s (unknown version)", rb_launch_kind_name(kind));
    const char *last = strrchr(out, ' ');
    last = last ? last + 1 : out;
    return rb_asprintf("%s %s", rb_launch_kind_name(kind), last);
}

/* ---- ports, config ------------------------------------------------------- */

/* Binds n loopback sockets on port 0 at once (so the ports differ), reads the
 * ports and closes them. Another process could take a port before the
 * registry binds it; distribution offers nothing better. */
static int free_ports(int *ports, int n, char *err, size_t errlen)
{
    int fds[4];
    int rc = 0;
    for (int i = 0; i < n; i++) fds[i] = -1;
    for (int i = 0; i < n && rc == 0; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&a, sizeof a) < 0 ||
            getsockname(fds[i], (struct sockaddr *)&a, &len) < 0)
            rc = rb_err(err, errlen, "picking a free loopback port: %s", strerror(errno));
        else
            ports[i] = ntohs(a.sin_port);
    }
    for (int i = 0; i < n; i++) if (fds[i] >= 0) close(fds[i]);
    return rc;
}

/* Writes s as a YAML double-quoted scalar; refuses control characters. */
static int yaml_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (const char *p = s; *p; p++) {
        if ((unsigned char)*p < 0x20) return -1;
        if (*p == '"' || *p == '\\') fputc('\\', f);
        fputc(*p, f);
    }
    fputc('"', f);
    return 0;
}

static int write_dist_config(const rb_registry_proc *r, const rb_launch_opts *o, char *err, size_t errlen)
{
    FILE *f = fopen(r->config_path, "w");
    if (!f) return rb_err(err, errlen, "writing %s: %s", r->config_path, strerror(errno));
    int bad = 0;
    fprintf(f, "# Written by regbench for one benchmark run; loopback only.\n"
               "version: 0.1\n"
               "log:\n  level: info\n  formatter: text\n"
               "storage:\n");
    if (r->storage == RB_STORAGE_DISK) {
        fprintf(f, "  filesystem:\n    rootdirectory: ");
        bad |= yaml_quoted(f, r->storage_dir);
        fputc('\n', f);
    } else {
        fprintf(f, "  inmemory: {}\n");
    }
    fprintf(f, "  delete:\n    enabled: true\n"
               "  cache:\n    blobdescriptor: inmemory\n"
               "http:\n  addr: 127.0.0.1:%d\n"
               "  debug:\n    addr: 127.0.0.1:%d\n"
               "    prometheus:\n      enabled: true\n      path: /metrics\n",
            r->port, r->debug_port);
    if (o->proxy_url) {
        fprintf(f, "proxy:\n  remoteurl: ");
        bad |= yaml_quoted(f, o->proxy_url);
        fputc('\n', f);
    }
    if (o->htpasswd) {
        fprintf(f, "auth:\n  htpasswd:\n    realm: regbench\n    path: ");
        bad |= yaml_quoted(f, o->htpasswd);
        fputc('\n', f);
    }
    if (fclose(f) != 0) return rb_err(err, errlen, "writing %s: %s", r->config_path, strerror(errno));
    if (bad) return rb_err(err, errlen, "storage or htpasswd path contains control characters");
    return 0;
}

/* ---- kind command: templates --------------------------------------------- */

static const char *const placeholders[] = {"port", "host", "data_dir", "config", NULL};

/* Values of the placeholders; config is NULL without a config template. */
typedef struct {
    const char *port, *host, *data_dir, *config;
} tvals;

/* Length of the name in "{name}" when s (just after the '{') holds an
 * identifier and a '}', else 0: other braces ("{}", "{ a: b }") are text. */
static size_t placeholder_len(const char *s)
{
    size_t n = 0;
    if (!isalpha((unsigned char)s[0]) && s[0] != '_') return 0;
    while (n < 64 && (isalnum((unsigned char)s[n]) || s[n] == '_')) n++;
    return s[n] == '}' ? n : 0;
}

/* Index of the placeholder name[0..n) in placeholders, or -1. */
static int placeholder_index(const char *name, size_t n)
{
    for (int i = 0; placeholders[i]; i++)
        if (strlen(placeholders[i]) == n && strncmp(placeholders[i], name, n) == 0) return i;
    return -1;
}

int rb_launch_template_check(const char *s, int *line, int *col, char *err, size_t errlen)
{
    int l = 1, c = 1;
    for (const char *p = s; *p; p++) {
        size_t n = *p == '{' ? placeholder_len(p + 1) : 0;
        if (n && placeholder_index(p + 1, n) < 0) {
            *line = l;
            *col = c;
            return rb_err(err, errlen, "unknown placeholder {%.*s}; accepted: {port}, {host}, {data_dir}, {config}",
                          (int)n, p + 1);
        }
        if (*p == '\n') { l++; c = 1; } else c++;
    }
    return 0;
}

/* Renders template s: returns malloc'd text, or NULL with why in err (an
 * unknown placeholder, or {config} without a config template). */
static char *render(const char *s, const tvals *v, char *err, size_t errlen)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f) { rb_err(err, errlen, "open_memstream: %s", strerror(errno)); return NULL; }
    int bad = 0;
    for (const char *p = s; *p && !bad; p++) {
        size_t n = *p == '{' ? placeholder_len(p + 1) : 0;
        if (!n) { fputc(*p, f); continue; }
        const char *vals[] = {v->port, v->host, v->data_dir, v->config};
        int i = placeholder_index(p + 1, n);
        if (i < 0) bad = rb_err(err, errlen, "unknown placeholder {%.*s} in '%s'", (int)n, p + 1, s);
        else if (!vals[i]) bad = rb_err(err, errlen, "'%s' uses {config} but there is no config template", s);
        else fputs(vals[i], f);
        p += n + 1;
    }
    fclose(f);
    if (bad) { free(out); return NULL; }
    return out;
}

/* Reads a whole text file of at most 1 MB; returns malloc'd text (NUL
 * terminated, *len bytes) or NULL with errno set. */
static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    size_t cap = 1u << 20;
    char *buf = rb_malloc(cap + 1);
    size_t n = fread(buf, 1, cap + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > cap) { free(buf); errno = bad ? EIO : EFBIG; return NULL; }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Renders the file at path into out_path. Returns 0 or -1 with why in err. */
static int render_file(const char *path, const char *out_path, const tvals *v, char *err, size_t errlen)
{
    size_t len = 0;
    char *text = read_text(path, &len);
    if (!text) return rb_err(err, errlen, "reading config template %s: %s", path, strerror(errno));
    if (strlen(text) != len) { free(text); return rb_err(err, errlen, "config template %s holds a NUL byte", path); }
    char why[RB_ERRLEN];
    char *body = render(text, v, why, sizeof why);
    free(text);
    if (!body) return rb_err(err, errlen, "config template %s: %s", path, why);
    FILE *f = fopen(out_path, "w");
    int rc = 0;
    if (!f || fputs(body, f) == EOF) rc = rb_err(err, errlen, "writing %s: %s", out_path, strerror(errno));
    if (f && fclose(f) != 0 && rc == 0) rc = rb_err(err, errlen, "writing %s: %s", out_path, strerror(errno));
    free(body);
    return rc;
}

char *rb_launch_find_program(const char *name, char *err, size_t errlen)
{
    if (strchr(name, '/')) {
        if (is_executable(name)) return rb_strdup(name);
        rb_err(err, errlen, "registry command %s is not an executable file", name);
        return NULL;
    }
    char *p = search_path(name);
    if (!p) rb_err(err, errlen, "registry command %s not found on PATH", name);
    return p;
}

/* Renders each of the NULL-terminated templates; returns a NULL-terminated
 * malloc'd array of malloc'd strings, or NULL with why in err. */
static char **render_list(char *const *list, const tvals *v, char *err, size_t errlen)
{
    size_t n = 0;
    while (list[n]) n++;
    char **out = rb_calloc(n + 1, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        out[i] = render(list[i], v, err, errlen);
        if (!out[i]) {
            for (size_t j = 0; j < i; j++) free(out[j]);
            free(out);
            return NULL;
        }
    }
    return out;
}

static void free_list(char **list)
{
    if (!list) return;
    for (size_t i = 0; list[i]; i++) free(list[i]);
    free(list);
}

/* "NAME VERSION": the program's base name and the last word of the first line
 * version_command prints (stdout and stderr), or "NAME (unknown version)". */
static char *query_command_version(const char *prog, char *const *version_command)
{
    const char *base = strrchr(prog, '/');
    base = base ? base + 1 : prog;
    if (!version_command || !version_command[0]) return rb_asprintf("%s (unknown version)", base);
    char why[RB_ERRLEN];
    char *vprog = rb_launch_find_program(version_command[0], why, sizeof why);
    if (!vprog) return rb_asprintf("%s (unknown version)", base);
    size_t n = 0;
    while (version_command[n]) n++;
    char **argv = rb_calloc(n + 1, sizeof *argv);
    argv[0] = vprog;
    for (size_t i = 1; i < n; i++) argv[i] = version_command[i];
    char out[1024];
    int rc = run_capture(argv, 1, out, sizeof out, 10000);
    free(argv);
    free(vprog);
    trim(out);
    char *nl = strchr(out, '\n');
    if (nl) *nl = 0;
    trim(out);
    if (rc != 0 || !*out) return rb_asprintf("%s (unknown version)", base);
    const char *last = strrchr(out, ' ');
    return rb_asprintf("%s %s", base, last ? last + 1 : out);
}

/* Whether url is plain HTTP to a loopback address. */
static int is_loopback_url(const char *url)
{
    static const char *const ok[] = {"http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:",
                                     "http://localhost/", "http://[::1]:", "http://[::1]/"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strncmp(url, ok[i], strlen(ok[i])) == 0) return 1;
    return 0;
}

/* Whether the NAME of environment entry e ("NAME=VALUE") is set in extra. */
static int env_overridden(const char *e, char *const *extra)
{
    const char *eq = strchr(e, '=');
    size_t n = eq ? (size_t)(eq - e) : strlen(e);
    for (size_t i = 0; extra && extra[i]; i++)
        if (strncmp(extra[i], e, n) == 0 && extra[i][n] == '=') return 1;
    return 0;
}

/* ---- drain thread -------------------------------------------------------- */

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;   /* disk full: keep draining, lose the log */
        p += w;
        n -= (size_t)w;
    }
}

/* Copies the child's output into the log until EOF (or until asked to stop
 * and nothing more arrives), watching for "serving on port N". */
static void *drain_main(void *arg)
{
    rb_registry_proc *r = arg;
    char line[512];
    size_t ll = 0;
    int looking = 1;
    for (;;) {
        struct pollfd pfd = { .fd = r->pipe_rd, .events = POLLIN };
        int n = poll(&pfd, 1, 100);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) {
            if (atomic_load(&r->drain_stop)) break;
            continue;
        }
        if (n < 0) break;
        char buf[16384];
        ssize_t got = read(r->pipe_rd, buf, sizeof buf);
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (got <= 0) break;
        write_all(r->log_fd, buf, (size_t)got);
        for (ssize_t i = 0; looking && i < got; i++) {
            if (buf[i] != '\n') {
                if (ll < sizeof line - 1) line[ll++] = buf[i];
                continue;
            }
            line[ll] = 0;
            ll = 0;
            const char *m = strstr(line, "serving on port ");
            if (m) {
                int port = atoi(m + strlen("serving on port "));
                if (port > 0 && port < 65536) { atomic_store(&r->seen_port, port); looking = 0; }
            }
        }
    }
    return NULL;
}

/* ---- process state ------------------------------------------------------- */

/* Non-blocking: 1 if the child has exited (it is then reaped), 0 if not. */
static int check_exited(rb_registry_proc *r)
{
    if (r->reaped) return 1;
    int status;
    pid_t w = waitpid(r->pid, &status, WNOHANG);
    if (w == r->pid) {
        live_remove(r->pid);
        r->reaped = 1;
        r->exit_status = status;
        return 1;
    }
    if (w < 0 && errno == ECHILD) {   /* someone else reaped it */
        live_remove(r->pid);
        r->reaped = 1;
        r->exit_status = 0;
        return 1;
    }
    return 0;
}

/* Ends the process group: SIGTERM, up to grace_ms, SIGKILL. The leader is
 * detected with WNOWAIT so the pgid cannot be reused while stragglers get
 * their SIGKILL; then it is reaped. */
static void terminate(rb_registry_proc *r, int grace_ms)
{
    if (r->reaped || r->pid <= 0) return;
    kill(-r->pid, SIGTERM);
    uint64_t deadline = rb_now_us() + (uint64_t)grace_ms * 1000u;
    for (;;) {
        siginfo_t si;
        memset(&si, 0, sizeof si);
        int w = waitid(P_PID, (id_t)r->pid, &si, WEXITED | WNOHANG | WNOWAIT);
        if (w == 0 && si.si_pid == r->pid) break;
        if (w < 0 && errno == ECHILD) break;
        if (rb_now_us() >= deadline) break;
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
    }
    kill(-r->pid, SIGKILL);   /* leader (if still up) and any stragglers */
    live_remove(r->pid);
    int status = 0;
    while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR) {}
    r->reaped = 1;
    r->exit_status = status;
}

static void finish_drain(rb_registry_proc *r)
{
    if (r->drain_started) {
        atomic_store(&r->drain_stop, 1);
        pthread_join(r->drain, NULL);
        r->drain_started = 0;
    }
    if (r->pipe_rd >= 0) { close(r->pipe_rd); r->pipe_rd = -1; }
    if (r->log_fd >= 0) { close(r->log_fd); r->log_fd = -1; }
}

static void free_proc(rb_registry_proc *r)
{
    free(r->url);
    free(r->metrics_url);
    free(r->version);
    free(r->storage_dir);
    free(r->log_path);
    free(r->config_path);
    free(r->ready_url);
    free(r);
}

/* Last TAIL_LINES lines of the log into buf (empty if none). */
static void log_tail(const char *path, char *buf, size_t len)
{
    buf[0] = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    char data[4096];
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = size > (off_t)sizeof data - 1 ? size - (off_t)sizeof data + 1 : 0;
    ssize_t n = pread(fd, data, sizeof data - 1, from);
    close(fd);
    if (n <= 0) return;
    data[n] = 0;
    while (n > 0 && data[n - 1] == '\n') data[--n] = 0;
    int lines = 0;
    char *start = data;
    for (char *p = data + n; p > data; p--) {
        if (p[-1] == '\n' && ++lines == TAIL_LINES) { start = p; break; }
    }
    size_t sl = strlen(start);
    if (sl > len - 1) { start += sl - (len - 1); sl = len - 1; }   /* keep the end */
    memcpy(buf, start, sl);
    buf[sl] = 0;
}

static void describe_status(int status, char *buf, size_t len)
{
    if (WIFEXITED(status)) snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) snprintf(buf, len, "was killed by signal %d", WTERMSIG(status));
    else snprintf(buf, len, "stopped");
}

static size_t discard_body(char *p, size_t size, size_t n, void *ud)
{
    return size * n;
}

/* One GET /v2/: returns the HTTP status, 0 if no answer. */
static long probe_v2(CURL *h)
{
    if (curl_easy_perform(h) != CURLE_OK) return 0;
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

/* Waits until GET /v2/ answers 200/401 (kind command: GET ready_url answers
 * below 500), the child dies or the timeout hits. */
static int wait_ready(rb_registry_proc *r, int port_known, double timeout_s, char *err, size_t errlen)
{
    uint64_t deadline = rb_now_us() + (uint64_t)(timeout_s * 1e6);
    CURL *h = NULL;
    const char *name = rb_launch_kind_name(r->kind);
    const char *what = r->ready_url ? r->ready_url : "/v2/";
    char tail[2048], how[64];
    int rc = -1;
    for (;;) {
        if (check_exited(r)) {
            finish_drain(r);
            log_tail(r->log_path, tail, sizeof tail);
            describe_status(r->exit_status, how, sizeof how);
            rb_err(err, errlen, "%s %s before answering GET %s; last lines of %s:\n%s",
                   name, how, what, r->log_path, *tail ? tail : "(empty log)");
            break;
        }
        if (!port_known) {
            int p = atomic_load(&r->seen_port);
            if (p > 0) { r->port = p; port_known = 1; }
        }
        if (port_known && !h) {
            r->url = rb_asprintf("http://127.0.0.1:%d", r->port);
            char *v2 = r->ready_url ? rb_strdup(r->ready_url) : rb_asprintf("%s/v2/", r->url);
            h = curl_easy_init();
            if (!h) { free(v2); rb_err(err, errlen, "curl_easy_init failed"); break; }
            curl_easy_setopt(h, CURLOPT_URL, v2);
            curl_easy_setopt(h, CURLOPT_USERAGENT, RB_HTTP_USER_AGENT);
            curl_easy_setopt(h, CURLOPT_PROXY, "");          /* never via an http_proxy */
            curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
            curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
            curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 2000L);
            curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
            free(v2);   /* libcurl copied it */
        }
        if (h) {
            long code = probe_v2(h);
            if (r->ready_url ? code > 0 && code < 500 : code == 200 || code == 401) { rc = 0; break; }
        }
        if (rb_now_us() >= deadline) {
            log_tail(r->log_path, tail, sizeof tail);
            rb_err(err, errlen, "%s did not answer GET %s within %.1f s%s; last lines of %s:\n%s",
                   name, what, timeout_s, port_known ? "" : " (never printed its port)",
                   r->log_path, *tail ? tail : "(empty log)");
            break;
        }
        struct timespec ts = { 0, POLL_MS * 1000000L };
        nanosleep(&ts, NULL);
    }
    if (h) curl_easy_cleanup(h);
    return rc;
}

/* ---- public -------------------------------------------------------------- */

int rb_registry_probe(const char *url, int insecure, const char *ca_file, const char *user_agent, double timeout_s,
                      char *err, size_t errlen)
{
    CURL *h = curl_easy_init();
    if (!h) return rb_err(err, errlen, "curl_easy_init failed");
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/') n--;
    char *v2 = rb_asprintf("%.*s/v2/", (int)n, url);
    char cerr[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, v2);
    curl_easy_setopt(h, CURLOPT_USERAGENT, user_agent ? user_agent : RB_HTTP_USER_AGENT);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_s * 1000));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(timeout_s * 1000));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
    if (insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (ca_file) curl_easy_setopt(h, CURLOPT_CAINFO, ca_file);
    CURLcode c = curl_easy_perform(h);
    long oserr = 0;
    curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
    curl_easy_cleanup(h);
    free(v2);
    switch (c) {
    case CURLE_OK: return 0;
    case CURLE_COULDNT_RESOLVE_HOST: return rb_err(err, errlen, "cannot resolve host");
    case CURLE_OPERATION_TIMEDOUT:   /* connected (or still connecting) but silent: slow, not absent */
        rb_err(err, errlen, "no answer within %g s", timeout_s);
        return 1;
    case CURLE_COULDNT_CONNECT: {
        char why[128];
        snprintf(why, sizeof why, "%s", oserr ? strerror((int)oserr) : "cannot connect");
        why[0] = (char)tolower((unsigned char)why[0]);   /* "connection refused" */
        return rb_err(err, errlen, "%s", why);
    }
    default:
        return rb_err(err, errlen, "%s", cerr[0] ? cerr : curl_easy_strerror(c));
    }
}

int rb_launch_check(const rb_launch_choice *c, const char *const names[RB_LOPT__COUNT], rb_launch_opt *bad,
                    char *err, size_t errlen)
{
    static const rb_launch_opt launched_only[] = {RB_LOPT_KIND, RB_LOPT_STORAGE, RB_LOPT_PORT, RB_LOPT_DISK,
                                                  RB_LOPT_HTPASSWD, RB_LOPT_PULL_THROUGH};
    rb_launch_opt dummy;
    if (!bad) bad = &dummy;
    if (c->given[RB_LOPT_TARGET]) {
        for (size_t i = 0; i < sizeof launched_only / sizeof launched_only[0]; i++)
            if (c->given[launched_only[i]]) {
                *bad = launched_only[i];
                return rb_err(err, errlen, "%s applies to launched registries only; %s uses a running registry",
                              names[*bad], names[RB_LOPT_TARGET]);
            }
        return 0;
    }
    if (c->given[RB_LOPT_REGISTRY_PID]) {
        *bad = RB_LOPT_REGISTRY_PID;
        return rb_err(err, errlen, "%s applies to a running registry (%s) only: a launched registry is sampled anyway",
                      names[*bad], names[RB_LOPT_TARGET]);
    }
    rb_reg_kind kind = c->given[RB_LOPT_KIND] ? c->kind : RB_REG_CRANE;
    if (kind == RB_REG_CRANE_REFERRERS && (c->given[RB_LOPT_DISK] ||
                                           (c->given[RB_LOPT_STORAGE] && c->storage == RB_STORAGE_DISK))) {
        *bad = c->given[RB_LOPT_DISK] ? RB_LOPT_DISK : RB_LOPT_STORAGE;
        return rb_err(err, errlen, "%s crane-referrers keeps blobs and manifests in memory only: "
                      "disk storage is not available", names[RB_LOPT_KIND]);
    }
    if (!is_distribution(kind) && c->given[RB_LOPT_HTPASSWD]) {
        *bad = RB_LOPT_HTPASSWD;
        return rb_err(err, errlen, "%s applies to %s distribution or distribution3 only: %s",
                      names[*bad], names[RB_LOPT_KIND],
                      kind == RB_REG_COMMAND ? "for kind command, put authentication in its config template"
                                             : "crane has no authentication");
    }
    if (!is_distribution(kind) && c->given[RB_LOPT_PULL_THROUGH]) {
        *bad = RB_LOPT_PULL_THROUGH;
        return rb_err(err, errlen, "%s applies to %s distribution or distribution3 only: %s", names[*bad],
                      names[RB_LOPT_KIND], kind == RB_REG_COMMAND ? "for kind command, put the proxy in its config template"
                                                                  : "the pull-through cache is a distribution");
    }
    return 0;
}

/* The registry's environment (a new array of borrowed strings, NULL-ended):
 * ours, without what would override its config, then extra (kind command's
 * env, which wins over ours). distribution (2.8 and 3) lets REGISTRY_*
 * variables override its config (e.g. the listen address): they are
 * dropped so only our config counts. distribution 3 also traces every
 * request and, unless told otherwise, exports the spans to
 * https://localhost:4318 every 5 s (logging an error each time nobody
 * listens): OTEL_TRACES_EXPORTER=none unless the environment chose one. */
static char **registry_env(rb_reg_kind kind, char **extra)
{
    size_t nenv = 0, nextra = 0;
    for (char **e = environ; *e; e++) nenv++;
    for (size_t i = 0; extra && extra[i]; i++) nextra++;
    char **envp = rb_calloc(nenv + nextra + 2, sizeof *envp);
    size_t k = 0;
    for (char **e = environ; *e; e++) {
        if (is_distribution(kind) && strncmp(*e, "REGISTRY_", 9) == 0) continue;
        if (env_overridden(*e, extra)) continue;
        if (kind == RB_REG_DISTRIBUTION3 && strcmp(*e, "OTEL_TRACES_EXPORTER=") == 0) continue;
        envp[k++] = *e;
    }
    static char no_traces[] = "OTEL_TRACES_EXPORTER=none";
    const char *exporter = getenv("OTEL_TRACES_EXPORTER");
    if (kind == RB_REG_DISTRIBUTION3 && !(exporter && *exporter)) envp[k++] = no_traces;
    for (size_t i = 0; i < nextra; i++) envp[k++] = extra[i];
    envp[k] = NULL;
    return envp;
}

/* Starts prog (argv, envp) for r in its own process group, its output
 * drained into r's log (truncated, or appended to when append), and tracks
 * it. Returns 0, or -1 with err (prefixed by what); a process that did
 * start is stopped again. */
static int spawn_registry(rb_registry_proc *r, const char *prog, char *const argv[], char *const envp[], int append,
                          const char *what, char *err, size_t errlen)
{
    r->log_fd = open(r->log_path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC) | O_CLOEXEC, 0644);
    if (r->log_fd < 0) return rb_err(err, errlen, "%s: opening %s: %s", what, r->log_path, strerror(errno));
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return rb_err(err, errlen, "%s: pipe: %s", what, strerror(errno));
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return rb_err(err, errlen, "%s: fork: %s", what, strerror(errno));
    }
    if (pid == 0) {
        child_setup(parent, p[1], p[1]);
        execve(prog, argv, envp);
        static const char msg[] = "regbench: exec of the registry failed\n";
        ssize_t ignored = write(2, msg, sizeof msg - 1);
        (void)ignored;
        _exit(127);
    }
    setpgid(pid, pid);   /* same as the child does: no window where it is in our group */
    close(p[1]);
    r->pid = pid;
    r->reaped = 0;
    r->exit_status = 0;
    r->pipe_rd = p[0];
    atomic_store(&r->drain_stop, 0);
    if (live_add(pid) < 0) {
        rb_err(err, errlen, "%s: more than %d registries running", what, MAX_LIVE);
        terminate(r, 0);
        finish_drain(r);
        return -1;
    }
    if (pthread_create(&r->drain, NULL, drain_main, r) != 0) {
        rb_err(err, errlen, "%s: cannot start the log drain thread", what);
        terminate(r, 0);
        finish_drain(r);
        return -1;
    }
    r->drain_started = 1;
    return 0;
}

rb_registry_proc *rb_launch_start(const rb_launch_opts *o, char *err, size_t errlen)
{
    if (!o || !o->workdir || !*o->workdir) { rb_err(err, errlen, "launch: workdir is required"); return NULL; }
    if (o->port < 0 || o->port > 65535) { rb_err(err, errlen, "launch: bad port %d", o->port); return NULL; }
    if (o->kind != RB_REG_CRANE && o->kind != RB_REG_CRANE_REFERRERS && !is_distribution(o->kind) &&
        o->kind != RB_REG_COMMAND) {
        rb_err(err, errlen, "launch: bad kind");
        return NULL;
    }
    if (o->kind == RB_REG_COMMAND && !(o->command && o->command[0])) {
        rb_err(err, errlen, "launch: kind command needs a command");
        return NULL;
    }
    static const char *const names[RB_LOPT__COUNT] = {"target", "kind", "storage", "port", "disk_dir",
                                                        "htpasswd", "proxy_url", "registry pid"};
    rb_launch_choice ch = {.kind = o->kind, .storage = o->storage};
    ch.given[RB_LOPT_KIND] = 1;
    ch.given[RB_LOPT_STORAGE] = 1;
    ch.given[RB_LOPT_DISK] = o->disk_dir != NULL;
    ch.given[RB_LOPT_HTPASSWD] = o->htpasswd != NULL;
    ch.given[RB_LOPT_PULL_THROUGH] = o->proxy_url != NULL;
    if (rb_launch_check(&ch, names, NULL, err, errlen) < 0) return NULL;
    if (o->proxy_url && strncmp(o->proxy_url, "http://", 7) != 0 && strncmp(o->proxy_url, "https://", 8) != 0) {
        rb_err(err, errlen, "launch: the pull-through cache's upstream must be an http(s) URL");
        return NULL;
    }
    struct stat st;
    if (stat(o->workdir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        rb_err(err, errlen, "launch: workdir %s is not a directory", o->workdir);
        return NULL;
    }
    if (o->htpasswd && access(o->htpasswd, R_OK) < 0) {
        rb_err(err, errlen, "launch: htpasswd file %s: %s", o->htpasswd, strerror(errno));
        return NULL;
    }
    char *prog = o->kind == RB_REG_CRANE ? find_crane(err, errlen)
               : o->kind == RB_REG_DISTRIBUTION ? find_distribution(err, errlen)
               : o->kind == RB_REG_CRANE_REFERRERS ? find_refregistry(err, errlen)
               : o->kind == RB_REG_DISTRIBUTION3 ? find_distribution3(err, errlen)
               : rb_launch_find_program(o->command[0], err, errlen);
    if (!prog) return NULL;

    char **cmd_argv = NULL, **cmd_env = NULL;   /* kind command: rendered templates */
    rb_registry_proc *r = rb_calloc(1, sizeof *r);
    r->kind = o->kind;
    r->storage = o->storage;
    r->pipe_rd = -1;
    r->log_fd = -1;
    r->port = o->port;
    r->log_path = rb_asprintf("%s/registry.log", o->workdir);
    /* kind command: {data_dir} always exists, and its size is sampled */
    if (o->storage == RB_STORAGE_DISK || o->kind == RB_REG_COMMAND) {
        r->storage_dir = o->disk_dir ? rb_strdup(o->disk_dir) : rb_asprintf("%s/registry-storage", o->workdir);
        if (rb_mkdir_p(r->storage_dir) < 0) {
            rb_err(err, errlen, "launch: creating storage directory %s: %s", r->storage_dir, strerror(errno));
            goto fail;
        }
    }
    r->version = o->kind == RB_REG_COMMAND ? query_command_version(prog, o->version_command)
                                           : query_version(o->kind, prog);
    if (o->kind == RB_REG_DISTRIBUTION3 && !strstr(r->version, " v3.")) {
        /* `registry` is a common name: a distribution 2.x under it would be measured as 3 */
        rb_err(err, errlen, "%s is not distribution 3 ('--version' gives %s, not v3.x); "
               "set REGBENCH_DISTRIBUTION3 to a v3 `registry` or run scripts/setup.sh to install it",
               prog, r->version + strlen("distribution3 "));
        goto fail;
    }

    char portbuf[64];
    char *argv_fixed[8];
    char **argv = argv_fixed;
    int port_known = 1;
    if (o->kind == RB_REG_CRANE_REFERRERS) {
        /* Like crane: port 0 goes to the program, which prints the real one. */
        snprintf(portbuf, sizeof portbuf, "127.0.0.1:%d", o->port);
        port_known = o->port != 0;
        argv[0] = prog;
        argv[1] = "--address";
        argv[2] = portbuf;
        argv[3] = NULL;
    } else if (o->kind == RB_REG_COMMAND) {
        int ports[1] = {0};
        if (o->port) r->port = o->port;
        else if (free_ports(ports, 1, err, errlen) < 0) goto fail;
        else r->port = ports[0];
        snprintf(portbuf, sizeof portbuf, "%d", r->port);
        if (o->config_template) {
            const char *dot = strrchr(o->config_template, '.');
            const char *slash = strrchr(o->config_template, '/');
            r->config_path = rb_asprintf("%s/registry-config%s", o->workdir, dot && (!slash || dot > slash) ? dot : "");
        }
        tvals tv = {.port = portbuf, .host = "127.0.0.1", .data_dir = r->storage_dir, .config = r->config_path};
        if (o->config_template && render_file(o->config_template, r->config_path, &tv, err, errlen) < 0) goto fail;
        const char *ready = o->ready_url ? o->ready_url : "/v2/";
        char *u = render(ready, &tv, err, errlen);
        if (!u) goto fail;
        r->ready_url = u[0] == '/' ? rb_asprintf("http://127.0.0.1:%d%s", r->port, u) : rb_strdup(u);
        free(u);
        if (!is_loopback_url(r->ready_url)) {
            rb_err(err, errlen, "launch: ready_url %s is not plain HTTP to a loopback address", r->ready_url);
            goto fail;
        }
        cmd_argv = render_list(o->command, &tv, err, errlen);
        if (!cmd_argv) goto fail;
        if (o->env && !(cmd_env = render_list(o->env, &tv, err, errlen))) goto fail;
        free(cmd_argv[0]);
        cmd_argv[0] = rb_strdup(prog);
        argv = cmd_argv;
    } else if (o->kind == RB_REG_CRANE) {
        /* Port 0 goes to crane itself; the drain thread reads the real one. */
        snprintf(portbuf, sizeof portbuf, "127.0.0.1:%d", o->port);
        port_known = o->port != 0;
        int i = 0;
        argv[i++] = prog;
        argv[i++] = "registry";
        argv[i++] = "serve";
        argv[i++] = "--address";
        argv[i++] = portbuf;
        if (r->storage_dir) { argv[i++] = "--disk"; argv[i++] = r->storage_dir; }
        argv[i] = NULL;
    } else {
        int ports[2];
        if (free_ports(ports, 2, err, errlen) < 0) goto fail;
        if (o->port) r->debug_port = ports[0] == o->port ? ports[1] : ports[0];
        else { r->port = ports[0]; r->debug_port = ports[1]; }
        r->metrics_url = rb_asprintf("http://127.0.0.1:%d/metrics", r->debug_port);
        r->config_path = rb_asprintf("%s/registry-config.yml", o->workdir);
        if (write_dist_config(r, o, err, errlen) < 0) goto fail;
        argv[0] = prog;
        argv[1] = "serve";
        argv[2] = r->config_path;
        argv[3] = NULL;
    }

    char **envp = registry_env(o->kind, cmd_env);
    int spawned = spawn_registry(r, prog, argv, envp, 0, "launch", err, errlen);
    free(envp);
    if (spawned < 0) goto fail;

    double timeout = o->ready_timeout_s > 0 ? o->ready_timeout_s : 30.0;
    if (wait_ready(r, port_known, timeout, err, errlen) < 0) {
        terminate(r, 1000);
        finish_drain(r);
        goto fail;
    }
    free(prog);
    free_list(cmd_argv);
    free_list(cmd_env);
    return r;

fail:
    free(prog);
    free_list(cmd_argv);
    free_list(cmd_env);
    free_proc(r);
    return NULL;
}

const char *rb_launch_url(const rb_registry_proc *r) { return r ? r->url : NULL; }
pid_t rb_launch_pid(const rb_registry_proc *r) { return r ? r->pid : -1; }
const char *rb_launch_version(const rb_registry_proc *r) { return r ? r->version : NULL; }
const char *rb_launch_metrics_url(const rb_registry_proc *r) { return r ? r->metrics_url : NULL; }
const char *rb_launch_storage_dir(const rb_registry_proc *r) { return r ? r->storage_dir : NULL; }
const char *rb_launch_log_path(const rb_registry_proc *r) { return r ? r->log_path : NULL; }

int rb_launch_alive(rb_registry_proc *r)
{
    if (!r) return 0;
    return check_exited(r) ? 0 : 1;
}

void rb_launch_stop(rb_registry_proc *r)
{
    if (!r) return;
    terminate(r, STOP_GRACE_MS);
    finish_drain(r);
    free_proc(r);
}

/* ---- offline garbage collection ------------------------------------------- */

/* Starts `prog serve CONFIG` again for r (same config: same port, debug port
 * and storage), its output appended to the same log, and waits until it
 * answers GET /v2/. */
static int respawn_distribution(rb_registry_proc *r, char *prog, double timeout_s, char *err, size_t errlen)
{
    char *argv[] = { prog, "serve", r->config_path, NULL };
    char **envp = registry_env(r->kind, NULL);
    int spawned = spawn_registry(r, prog, argv, envp, 1, "restart after garbage collection", err, errlen);
    free(envp);
    if (spawned < 0) return -1;
    free(r->url);   /* wait_ready sets it again, to the same address */
    r->url = NULL;
    if (wait_ready(r, 1, timeout_s, err, errlen) < 0) {
        terminate(r, 1000);
        finish_drain(r);
        return -1;
    }
    return 0;
}

int rb_launch_gc(rb_registry_proc *r, int delete_untagged, char *out, size_t outlen, char *err, size_t errlen)
{
    if (out && outlen) out[0] = 0;
    if (!r || !is_distribution(r->kind) || r->storage != RB_STORAGE_DISK || !r->config_path)
        return rb_err(err, errlen, "offline garbage collection needs distribution or distribution3 on disk storage");
    /* the collector fails ("Path not found") on a storage no image reached yet */
    char *repos = rb_asprintf("%s/docker/registry/v2/repositories", r->storage_dir);
    char *blobs = rb_asprintf("%s/docker/registry/v2/blobs", r->storage_dir);
    struct stat st;
    int empty = stat(repos, &st) < 0 || stat(blobs, &st) < 0;
    free(repos);
    free(blobs);
    if (empty) {
        if (out && outlen) snprintf(out, outlen, "nothing to collect: the storage holds no repository or no blob\n");
        return 0;
    }
    char *prog = r->kind == RB_REG_DISTRIBUTION ? find_distribution(err, errlen) : find_distribution3(err, errlen);
    if (!prog) return -1;
    terminate(r, STOP_GRACE_MS);
    finish_drain(r);
    char *argv[] = { prog, "garbage-collect", r->config_path, delete_untagged ? "--delete-untagged" : NULL, NULL };
    char buf[65536];
    int code = run_capture(argv, 1, buf, sizeof buf, GC_TIMEOUT_MS);
    if (out && outlen) snprintf(out, outlen, "%s", buf);
    char gc_err[512] = "";
    if (code != 0)
        snprintf(gc_err, sizeof gc_err, "garbage-collect %s",
                 code < 0 ? "did not finish in time or could not run" : "failed");
    int rc = respawn_distribution(r, prog, 30.0, err, errlen);
    free(prog);
    if (rc < 0) return -1;   /* err says why the registry is down */
    if (*gc_err) return rb_err(err, errlen, "%s (exit %d); the registry runs again", gc_err, code);
    return 0;
}
