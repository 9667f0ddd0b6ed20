/* test_launch: starts real registries (crane in memory and on disk,
 * distribution 2.8 and 3 in memory, on the filesystem and with htpasswd auth) on
 * loopback and checks they answer, log, report a version and disappear when
 * stopped; also the error paths: program missing, registry dying at start,
 * registry never becoming ready, and rb_launch_kill_all. */
#include "registry/rb_launch.h"
#include "util/rb_util.h"
#include "rbtest.h"

#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static char tmproot[256];

typedef struct { char *data; size_t len; } buf_t;

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
    buf_t *b = ud;
    size_t add = size * n;
    b->data = rb_realloc(b->data, b->len + add + 1);
    memcpy(b->data + b->len, p, add);
    b->len += add;
    b->data[b->len] = 0;
    return add;
}

/* GET url (optionally with basic credentials); returns the status, 0 on
 * transport failure; the body goes to *body if not NULL (caller frees). */
static long http_get(const char *url, const char *userpwd, char **body)
{
    CURL *h = curl_easy_init();
    buf_t b = { NULL, 0 };
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    if (userpwd) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERPWD, userpwd);
    }
    long code = 0;
    if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(h);
    if (body) *body = b.data; else free(b.data);
    return code;
}

static char *make_dir(const char *name)
{
    char *p = rb_asprintf("%s/%s", tmproot, name);
    CHECK(rb_mkdir_p(p) == 0);
    return p;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static int gone(pid_t pid)
{
    return kill(pid, 0) < 0 && errno == ESRCH;
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

static int file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

/* Checks that were identical for every kind: URL answers, version, stop. */
static void common_checks(rb_registry_proc *r, const char *kind)
{
    const char *url = rb_launch_url(r);
    CHECKF(url && strncmp(url, "http://127.0.0.1:", 17) == 0, "url %s", url ? url : "(null)");
    const char *v = rb_launch_version(r);
    CHECKF(v && strncmp(v, kind, strlen(kind)) == 0 && strlen(v) > strlen(kind) + 1, "version %s", v ? v : "(null)");
    printf("  %s: %s at %s, pid %d\n", kind, v, url, (int)rb_launch_pid(r));
    CHECK(rb_launch_alive(r) == 1);
    CHECK(rb_launch_pid(r) > 0);
    CHECK(getpgid(rb_launch_pid(r)) == rb_launch_pid(r));   /* own process group */
    CHECK(file_size(rb_launch_log_path(r)) >= 0);
}

static void stop_and_check(rb_registry_proc *r)
{
    pid_t pid = rb_launch_pid(r);
    uint64_t t = rb_now_us();
    rb_launch_stop(r);
    double s = (double)(rb_now_us() - t) / 1e6;
    CHECKF(gone(pid), "pid %d still exists after stop", (int)pid);
    CHECKF(s < 4.0, "stop took %.2f s", s);
}

static void test_crane(rb_storage storage)
{
    char err[RB_ERRLEN] = "";
    char *wd = make_dir(storage == RB_STORAGE_DISK ? "crane-disk" : "crane-mem");
    rb_launch_opts o = { .kind = RB_REG_CRANE, .storage = storage, .workdir = wd };
    uint64_t t = rb_now_us();
    rb_registry_proc *r = rb_launch_start(&o, err, sizeof err);
    CHECKF(r != NULL, "start crane: %s", err);
    if (!r) { free(wd); return; }
    printf("  crane %s ready in %.0f ms\n", rb_launch_storage_name(storage), (double)(rb_now_us() - t) / 1e3);
    common_checks(r, "crane");
    CHECK(rb_launch_metrics_url(r) == NULL);
    char *v2 = rb_asprintf("%s/v2/", rb_launch_url(r));
    CHECK(http_get(v2, NULL, NULL) == 200);
    /* crane logs one line per request: the log must grow and mention /v2/. */
    off_t before = file_size(rb_launch_log_path(r));
    for (int i = 0; i < 20; i++) http_get(v2, NULL, NULL);
    int grew = 0;
    for (int i = 0; i < 100 && !grew; i++) {   /* ≤ 2 s */
        grew = file_size(rb_launch_log_path(r)) > before && file_contains(rb_launch_log_path(r), "/v2/");
        if (!grew) sleep_ms(20);
    }
    CHECKF(grew, "log %s did not grow", rb_launch_log_path(r));
    CHECK(file_contains(rb_launch_log_path(r), "serving on port"));
    if (storage == RB_STORAGE_DISK) {
        const char *sd = rb_launch_storage_dir(r);
        struct stat st;
        CHECK(sd && stat(sd, &st) == 0 && S_ISDIR(st.st_mode));
        CHECK(sd && strstr(sd, "registry-storage") != NULL);
    } else {
        CHECK(rb_launch_storage_dir(r) == NULL);
    }
    free(v2);
    stop_and_check(r);
    free(wd);
}

/* crane-referrers: tools/refregistry (scripts/setup.sh builds it) starts on
 * a port it prints, like crane, and says which go-containerregistry it is. */
static void test_crane_referrers(void)
{
    char err[RB_ERRLEN] = "";
    char *wd = make_dir("crane-referrers");
    rb_launch_opts o = { .kind = RB_REG_CRANE_REFERRERS, .workdir = wd };
    rb_registry_proc *r = rb_launch_start(&o, err, sizeof err);
    CHECKF(r != NULL, "start crane-referrers: %s", err);
    if (!r) { free(wd); return; }
    common_checks(r, "crane-referrers");
    CHECK(rb_launch_metrics_url(r) == NULL && rb_launch_storage_dir(r) == NULL);
    CHECKF(strncmp(rb_launch_version(r), "crane-referrers v0.", 19) == 0, "version %s", rb_launch_version(r));
    char *v2 = rb_asprintf("%s/v2/", rb_launch_url(r));
    CHECK(http_get(v2, NULL, NULL) == 200);
    CHECK(file_contains(rb_launch_log_path(r), "serving on port"));
    free(v2);
    stop_and_check(r);
    /* memory only: disk storage is refused before anything starts */
    o.storage = RB_STORAGE_DISK;
    CHECK(rb_launch_start(&o, err, sizeof err) == NULL);
    CHECKF(strstr(err, "crane-referrers") && strstr(err, "memory only"), "err: %s", err);
    free(wd);
}

static void test_crane_explicit(void)
{
    /* Explicit port and explicit disk dir. Ask crane for :0 first to learn a
     * free port, then reuse it after stopping. */
    char err[RB_ERRLEN] = "";
    char *wd = make_dir("crane-explicit");
    char *disk = rb_asprintf("%s/blobs/deep", wd);
    rb_launch_opts o = { .kind = RB_REG_CRANE, .workdir = wd };
    rb_registry_proc *r = rb_launch_start(&o, err, sizeof err);
    CHECKF(r != NULL, "start: %s", err);
    if (!r) { free(wd); free(disk); return; }
    int port = atoi(strrchr(rb_launch_url(r), ':') + 1);
    rb_launch_stop(r);
    o.port = port;
    o.storage = RB_STORAGE_DISK;
    o.disk_dir = disk;
    r = rb_launch_start(&o, err, sizeof err);
    CHECKF(r != NULL, "start on port %d: %s", port, err);
    if (r) {
        char *want = rb_asprintf("http://127.0.0.1:%d", port);
        CHECK(strcmp(rb_launch_url(r), want) == 0);
        CHECK(strcmp(rb_launch_storage_dir(r), disk) == 0);
        struct stat st;
        CHECK(stat(disk, &st) == 0 && S_ISDIR(st.st_mode));
        free(want);
        stop_and_check(r);
    }
    free(disk);
    free(wd);
}

static void setenv_saved(const char *name, const char *value, char **saved)
{
    const char *old = getenv(name);
    *saved = old ? rb_strdup(old) : NULL;
    if (value) setenv(name, value, 1); else unsetenv(name);
}

static void restore_env(const char *name, char *saved)
{
    if (saved) setenv(name, saved, 1); else unsetenv(name);
    free(saved);
}

/* Whether /proc/PID/environ holds the entry `var` ("NAME=value"). */
static int proc_env_has(pid_t pid, const char *var)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    static char env[1 << 16];
    size_t n = fread(env, 1, sizeof env - 1, f);
    fclose(f);
    env[n] = 0;
    for (size_t i = 0; i < n; i += strlen(env + i) + 1)
        if (strcmp(env + i, var) == 0) return 1;
    return 0;
}

static void test_distribution(rb_reg_kind kind, rb_storage storage)
{
    char err[RB_ERRLEN] = "";
    const char *name = rb_launch_kind_name(kind);
    char *dirname = rb_asprintf("%s-%s", name, storage == RB_STORAGE_DISK ? "fs" : "mem");
    char *wd = make_dir(dirname);
    free(dirname);
    rb_launch_opts o = { .kind = kind, .storage = storage, .workdir = wd };
    /* REGISTRY_* would override the config (here: listen elsewhere); it must not reach it */
    char *s_addr;
    setenv_saved("REGISTRY_HTTP_ADDR", "127.0.0.1:1", &s_addr);
    uint64_t t = rb_now_us();
    rb_registry_proc *r = rb_launch_start(&o, err, sizeof err);
    restore_env("REGISTRY_HTTP_ADDR", s_addr);
    CHECKF(r != NULL, "start %s: %s", name, err);
    if (!r) { free(wd); return; }
    printf("  %s %s ready in %.0f ms\n", name, rb_launch_storage_name(storage), (double)(rb_now_us() - t) / 1e3);
    common_checks(r, name);
    if (kind == RB_REG_DISTRIBUTION3) {
        CHECKF(strstr(rb_launch_version(r), " v3.") != NULL, "version %s", rb_launch_version(r));
        CHECK(proc_env_has(rb_launch_pid(r), "OTEL_TRACES_EXPORTER=none"));
    }
    char *v2 = rb_asprintf("%s/v2/", rb_launch_url(r));
    CHECK(http_get(v2, NULL, NULL) == 200);
    const char *m = rb_launch_metrics_url(r);
    CHECK(m && strncmp(m, "http://127.0.0.1:", 17) == 0);
    char *body = NULL;
    CHECK(m && http_get(m, NULL, &body) == 200);
    CHECKF(body && strstr(body, "# HELP") != NULL, "metrics body: %.200s", body ? body : "(null)");
    free(body);
    char *cfg = rb_asprintf("%s/registry-config.yml", wd);
    CHECK(file_contains(cfg, "addr: 127.0.0.1:"));
    CHECK(file_contains(cfg, storage == RB_STORAGE_DISK ? "rootdirectory:" : "inmemory"));
    free(cfg);
    if (storage == RB_STORAGE_DISK) {
        struct stat st;
        CHECK(rb_launch_storage_dir(r) && stat(rb_launch_storage_dir(r), &st) == 0 && S_ISDIR(st.st_mode));
    }
    /* distribution logs at info level; its startup lines are there. */
    int logged = 0;
    for (int i = 0; i < 100 && !logged; i++) {
        logged = file_size(rb_launch_log_path(r)) > 0;
        if (!logged) sleep_ms(20);
    }
    CHECK(logged);
    free(v2);
    stop_and_check(r);
    free(wd);
}

/* rb_launch_gc: on disk storage the registry is stopped, collected and back
 * on the same URL with a new pid; crane and memory storage are refused and
 * left running. */
static void test_gc(rb_reg_kind kind)
{
    char err[RB_ERRLEN] = "";
    static char out[65536];
    char *wd = make_dir(kind == RB_REG_DISTRIBUTION3 ? "dist3-gc" : "dist-gc");
    rb_launch_opts o = { .kind = kind, .storage = RB_STORAGE_DISK, .workdir = wd };
    rb_registry_proc *r = rb_launch_start(&o, err, sizeof err);
    CHECKF(r != NULL, "start %s: %s", rb_launch_kind_name(kind), err);
    if (r) {
        char *url = rb_strdup(rb_launch_url(r));
        pid_t old = rb_launch_pid(r);
        /* empty storage: nothing to collect, the registry is not touched */
        CHECK(rb_launch_gc(r, 0, out, sizeof out, err, sizeof err) == 0);
        CHECKF(strstr(out, "nothing to collect") != NULL, "gc output: %.300s", out);
        CHECK(rb_launch_pid(r) == old);
        char *repos = rb_asprintf("%s/docker/registry/v2/repositories", rb_launch_storage_dir(r));
        char *blobs = rb_asprintf("%s/docker/registry/v2/blobs", rb_launch_storage_dir(r));
        CHECK(rb_mkdir_p(repos) == 0 && rb_mkdir_p(blobs) == 0);
        free(repos);
        free(blobs);
        int rc = rb_launch_gc(r, 0, out, sizeof out, err, sizeof err);
        CHECKF(rc == 0, "gc %s: %s", rb_launch_kind_name(kind), err);
        CHECKF(strstr(out, "blobs marked") != NULL, "gc output: %.300s", out);
        CHECK(strcmp(rb_launch_url(r), url) == 0);
        CHECK(rb_launch_pid(r) != old && gone(old));
        CHECK(rb_launch_alive(r) == 1);
        char *v2 = rb_asprintf("%s/v2/", url);
        CHECK(http_get(v2, NULL, NULL) == 200);
        free(v2);
        free(url);
        stop_and_check(r);
    }
    free(wd);
    rb_launch_opts refused[] = {
        { .kind = RB_REG_CRANE, .storage = RB_STORAGE_DISK },
        { .kind = kind, .storage = RB_STORAGE_MEMORY },
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        wd = make_dir(i == 0 ? "crane-gc" : "dist-mem-gc");
        refused[i].workdir = wd;
        r = rb_launch_start(&refused[i], err, sizeof err);
        CHECKF(r != NULL, "start: %s", err);
        if (r) {
            err[0] = 0;
            CHECK(rb_launch_gc(r, 0, out, sizeof out, err, sizeof err) == -1);
            CHECKF(strstr(err, "disk storage") != NULL, "err: %s", err);
            CHECK(rb_launch_alive(r) == 1);
            stop_and_check(r);
        }
        free(wd);
    }
}

static void test_distribution_auth(rb_reg_kind kind)
{
    char err[RB_ERRLEN] = "";
    char *wd = make_dir(kind == RB_REG_DISTRIBUTION3 ? "dist3-auth" : "dist-auth");
    char *pw = rb_asprintf("%s/htpasswd", wd);
    char *argv[] = { "htpasswd", "-cBb", pw, "user", "pass", NULL };
    pid_t pid;
    int st = -1;
    CHECK(posix_spawnp(&pid, "htpasswd", NULL, NULL, argv, environ) == 0 &&
          waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    rb_launch_opts o = { .kind = kind, .storage = RB_STORAGE_DISK, .workdir = wd, .htpasswd = pw };
    rb_registry_proc *r = rb_launch_start(&o, err, sizeof err);
    CHECKF(r != NULL, "start %s with htpasswd: %s", rb_launch_kind_name(kind), err);
    if (r) {
        char *v2 = rb_asprintf("%s/v2/", rb_launch_url(r));
        CHECK(http_get(v2, NULL, NULL) == 401);
        CHECK(http_get(v2, "user:wrong", NULL) == 401);
        CHECK(http_get(v2, "user:pass", NULL) == 200);
        free(v2);
        stop_and_check(r);
    }
    /* crane has no auth: asking for it is an error, not a silent no-op. */
    o.kind = RB_REG_CRANE;
    r = rb_launch_start(&o, err, sizeof err);
    CHECK(r == NULL && strstr(err, "htpasswd") != NULL);
    free(pw);
    free(wd);
}

static void test_missing_programs(void)
{
    char err[RB_ERRLEN] = "";
    char *wd = make_dir("missing");
    char *empty = make_dir("empty-bin");
    char *s_path, *s_home, *s_gopath, *s_crane, *s_dreg, *s_d3;
    setenv_saved("PATH", empty, &s_path);
    setenv_saved("HOME", empty, &s_home);
    setenv_saved("GOPATH", empty, &s_gopath);
    setenv_saved("REGBENCH_CRANE", NULL, &s_crane);
    setenv_saved("REGBENCH_DOCKER_REGISTRY", NULL, &s_dreg);
    setenv_saved("REGBENCH_DISTRIBUTION3", NULL, &s_d3);

    rb_launch_opts o = { .kind = RB_REG_CRANE, .workdir = wd };
    rb_registry_proc *r = rb_launch_start(&o, err, sizeof err);
    CHECK(r == NULL);
    CHECKF(strstr(err, "crane") && strstr(err, "run scripts/setup.sh to install it"), "err: %s", err);
    printf("  missing crane: %s\n", err);

    setenv("REGBENCH_CRANE", "/nonexistent/crane", 1);
    r = rb_launch_start(&o, err, sizeof err);
    CHECK(r == NULL);
    CHECKF(strstr(err, "/nonexistent/crane") && strstr(err, "scripts/setup.sh"), "err: %s", err);

    o.kind = RB_REG_DISTRIBUTION;
    r = rb_launch_start(&o, err, sizeof err);
    CHECK(r == NULL);
    CHECKF(strstr(err, "docker-registry") && strstr(err, "run scripts/setup.sh to install it"), "err: %s", err);
    printf("  missing distribution: %s\n", err);

    /* distribution 3: /usr/local/bin/registry is a fallback, so only the
     * variable can make it missing here */
    o.kind = RB_REG_DISTRIBUTION3;
    setenv("REGBENCH_DISTRIBUTION3", "/nonexistent/registry", 1);
    r = rb_launch_start(&o, err, sizeof err);
    CHECK(r == NULL);
    CHECKF(strstr(err, "REGBENCH_DISTRIBUTION3=/nonexistent/registry") && strstr(err, "scripts/setup.sh"),
           "err: %s", err);
    printf("  missing distribution3: %s\n", err);
    /* a `registry` that is not v3 (Debian's 2.8) is refused, not measured as 3 */
    setenv("REGBENCH_DISTRIBUTION3", "/usr/bin/docker-registry", 1);
    r = rb_launch_start(&o, err, sizeof err);
    CHECK(r == NULL);
    CHECKF(strstr(err, "is not distribution 3") && strstr(err, "REGBENCH_DISTRIBUTION3"), "err: %s", err);
    printf("  not distribution 3: %s\n", err);
    /* crane-referrers: /usr/local/bin is a fallback too: only the variable */
    o.kind = RB_REG_CRANE_REFERRERS;
    char *s_rr;
    setenv_saved("REGBENCH_REFREGISTRY", "/nonexistent/refregistry", &s_rr);
    r = rb_launch_start(&o, err, sizeof err);
    CHECK(r == NULL);
    CHECKF(strstr(err, "REGBENCH_REFREGISTRY=/nonexistent/refregistry") && strstr(err, "scripts/setup.sh"),
           "err: %s", err);
    printf("  missing crane-referrers: %s\n", err);
    restore_env("REGBENCH_REFREGISTRY", s_rr);

    restore_env("PATH", s_path);
    restore_env("HOME", s_home);
    restore_env("GOPATH", s_gopath);
    restore_env("REGBENCH_CRANE", s_crane);
    restore_env("REGBENCH_DOCKER_REGISTRY", s_dreg);
    restore_env("REGBENCH_DISTRIBUTION3", s_d3);
    free(empty);
    free(wd);
}

static void test_bad_registries(void)
{
    char err[RB_ERRLEN] = "";
    char *wd = make_dir("bad");
    char *s_crane;
    setenv_saved("REGBENCH_CRANE", NULL, &s_crane);

    /* Dies at once: the error quotes its exit status and its last words. */
    char *dies = rb_asprintf("%s/dies.sh", wd);
    write_file(dies, "#!/bin/sh\nfor i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo line-$i >&2; done\n"
                     "echo fatal-last-words\nexit 3\n", 0755);
    setenv("REGBENCH_CRANE", dies, 1);
    rb_launch_opts o = { .kind = RB_REG_CRANE, .workdir = wd, .ready_timeout_s = 10 };
    uint64_t t = rb_now_us();
    rb_registry_proc *r = rb_launch_start(&o, err, sizeof err);
    CHECK(r == NULL);
    CHECKF(strstr(err, "exited with status 3") && strstr(err, "fatal-last-words") &&
           strstr(err, "line-12") && !strstr(err, "line-1\n"), "err: %s", err);
    CHECK(rb_now_us() - t < 5000000u);

    /* Never ready: bounded by ready_timeout_s, and the process is killed. */
    char *hangs = rb_asprintf("%s/hangs.sh", wd);
    char *pidfile = rb_asprintf("%s/hangs.pid", wd);
    char *script = rb_asprintf("#!/bin/sh\n[ \"$1\" = version ] && { echo v9.9.9; exit 0; }\n"
                               "echo $$ > %s\necho waiting-forever\nexec sleep 60\n", pidfile);
    write_file(hangs, script, 0755);
    setenv("REGBENCH_CRANE", hangs, 1);
    o.ready_timeout_s = 0.5;
    t = rb_now_us();
    r = rb_launch_start(&o, err, sizeof err);
    double took = (double)(rb_now_us() - t) / 1e6;
    CHECK(r == NULL);
    CHECKF(strstr(err, "within 0.5 s") && strstr(err, "never printed its port") && strstr(err, "waiting-forever"),
           "err: %s", err);
    CHECKF(took < 3.0, "timeout path took %.2f s", took);
    FILE *f = fopen(pidfile, "r");
    int hpid = 0;
    if (f) { if (fscanf(f, "%d", &hpid) != 1) hpid = 0; fclose(f); }
    CHECKF(hpid > 0 && gone(hpid), "hanging child %d still there", hpid);

    restore_env("REGBENCH_CRANE", s_crane);
    free(script);
    free(pidfile);
    free(hangs);
    free(dies);
    free(wd);
}

static void test_kill_all(void)
{
    char err[RB_ERRLEN] = "";
    char *wd1 = make_dir("killall-1"), *wd2 = make_dir("killall-2");
    rb_launch_opts o1 = { .kind = RB_REG_CRANE, .workdir = wd1 };
    rb_launch_opts o2 = { .kind = RB_REG_DISTRIBUTION, .workdir = wd2 };
    rb_registry_proc *a = rb_launch_start(&o1, err, sizeof err);
    CHECKF(a != NULL, "%s", err);
    rb_registry_proc *b = rb_launch_start(&o2, err, sizeof err);
    CHECKF(b != NULL, "%s", err);
    rb_launch_kill_all();
    int dead = 0;
    for (int i = 0; i < 100 && !dead; i++) {   /* ≤ 2 s */
        dead = (!a || !rb_launch_alive(a)) && (!b || !rb_launch_alive(b));
        if (!dead) sleep_ms(20);
    }
    CHECK(dead);
    pid_t pa = rb_launch_pid(a), pb = rb_launch_pid(b);
    rb_launch_stop(a);   /* after death: must neither hang nor signal anyone */
    rb_launch_stop(b);
    CHECK(!a || gone(pa));
    CHECK(!b || gone(pb));
    rb_launch_stop(NULL);
    free(wd1);
    free(wd2);
}

static void test_parse(void)
{
    rb_reg_kind k;
    rb_storage s;
    CHECK(rb_launch_parse_kind("crane", &k) == 0 && k == RB_REG_CRANE);
    CHECK(rb_launch_parse_kind("distribution", &k) == 0 && k == RB_REG_DISTRIBUTION);
    CHECK(rb_launch_parse_kind("distribution3", &k) == 0 && k == RB_REG_DISTRIBUTION3);
    CHECK(rb_launch_parse_kind("crane-referrers", &k) == 0 && k == RB_REG_CRANE_REFERRERS);
    CHECK(rb_launch_parse_kind("distribution2", &k) == -1);
    CHECK(rb_launch_parse_kind("zot", &k) == -1);
    CHECK(rb_launch_parse_kind(NULL, &k) == -1);
    CHECK(rb_launch_parse_storage("memory", &s) == 0 && s == RB_STORAGE_MEMORY);
    CHECK(rb_launch_parse_storage("disk", &s) == 0 && s == RB_STORAGE_DISK);
    CHECK(rb_launch_parse_storage("tape", &s) == -1);
    CHECK(strcmp(rb_launch_kind_name(RB_REG_DISTRIBUTION), "distribution") == 0);
    CHECK(strcmp(rb_launch_kind_name(RB_REG_DISTRIBUTION3), "distribution3") == 0);
    CHECK(strcmp(rb_launch_kind_name(RB_REG_CRANE_REFERRERS), "crane-referrers") == 0);
    CHECK(strcmp(rb_launch_storage_name(RB_STORAGE_DISK), "disk") == 0);
    char err[RB_ERRLEN];
    /* the one check: crane-referrers takes no disk storage, memory is fine */
    static const char *const names[RB_LOPT__COUNT] = {"--target", "--registry", "--storage", "--port", "--disk",
                                                        "--htpasswd", "--pull-through", "--registry-pid"};
    rb_launch_choice ch = {.kind = RB_REG_CRANE_REFERRERS, .storage = RB_STORAGE_DISK};
    ch.given[RB_LOPT_KIND] = ch.given[RB_LOPT_STORAGE] = 1;
    rb_launch_opt bad = RB_LOPT_TARGET;
    CHECK(rb_launch_check(&ch, names, &bad, err, sizeof err) < 0 && bad == RB_LOPT_STORAGE &&
          strstr(err, "--registry crane-referrers keeps blobs and manifests in memory only"));
    ch.storage = RB_STORAGE_MEMORY;
    CHECK(rb_launch_check(&ch, names, &bad, err, sizeof err) == 0);
    ch.given[RB_LOPT_DISK] = 1;
    CHECK(rb_launch_check(&ch, names, &bad, err, sizeof err) < 0 && bad == RB_LOPT_DISK);
    rb_launch_opts o = { .kind = RB_REG_CRANE, .workdir = "/nonexistent-dir-regbench" };
    CHECK(rb_launch_start(&o, err, sizeof err) == NULL && strstr(err, "workdir"));
}

int main(void)
{
    snprintf(tmproot, sizeof tmproot, "/tmp/rb-test-launch-XXXXXX");
    if (!mkdtemp(tmproot)) { perror("mkdtemp"); return 1; }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    test_parse();
    test_missing_programs();
    test_bad_registries();
    test_crane(RB_STORAGE_MEMORY);
    test_crane(RB_STORAGE_DISK);
    test_crane_explicit();
    test_crane_referrers();
    test_distribution(RB_REG_DISTRIBUTION, RB_STORAGE_MEMORY);
    test_distribution(RB_REG_DISTRIBUTION, RB_STORAGE_DISK);
    test_distribution_auth(RB_REG_DISTRIBUTION);
    test_distribution(RB_REG_DISTRIBUTION3, RB_STORAGE_MEMORY);
    test_distribution(RB_REG_DISTRIBUTION3, RB_STORAGE_DISK);
    test_distribution_auth(RB_REG_DISTRIBUTION3);
    test_gc(RB_REG_DISTRIBUTION);
    test_gc(RB_REG_DISTRIBUTION3);
    test_kill_all();
    rb_launch_kill_all();
    curl_global_cleanup();
    pid_t p;
    char *argv[] = { "rm", "-rf", tmproot, NULL };
    if (posix_spawnp(&p, "rm", NULL, NULL, argv, environ) == 0) waitpid(p, NULL, 0);
    return rbtest_done("test_launch");
}
