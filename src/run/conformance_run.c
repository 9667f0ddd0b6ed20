/* conformance_run: one run of the OCI conformance suite (see
 * rb_conformance_run.h). Launches the registry (or takes the target), forks
 * and execs the suite's test binary with its environment built here (no
 * shell), in its own process group that dies with regbench, its output in
 * conformance.log; waits at most the time bound, then kills the group. It
 * runs in its results directory and gets only absolute paths. The
 * junit.xml it leaves is read by results/conformance.c. Whatever goes wrong
 * becomes an "unavailable" object with the reason, never a silent skip. */
#include "run/rb_conformance_run.h"
#include "results/rb_conformance.h"
#include "util/rb_atomic.h"
#include "util/rb_util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_PROGRAM "/usr/local/bin/regbench-conformance"
#define LOG_TAIL 600   /* bytes of conformance.log quoted in a reason */

static int is_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The suite's program (new string), or NULL with why in err. */
static char *find_program(char *err, size_t errlen)
{
    const char *env = getenv("REGBENCH_CONFORMANCE");
    if (env && *env) {
        if (is_executable(env)) return rb_strdup(env);
        rb_err(err, errlen, "REGBENCH_CONFORMANCE=%s is not an executable file", env);
        return NULL;
    }
    const char *path = getenv("PATH");
    char *copy = rb_strdup(path ? path : "");
    char *found = NULL, *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char *cand = rb_asprintf("%s/regbench-conformance", *dir ? dir : ".");
        if (is_executable(cand)) found = cand;
        else free(cand);
    }
    free(copy);
    if (!found && is_executable(DEFAULT_PROGRAM)) found = rb_strdup(DEFAULT_PROGRAM);
    if (!found)
        rb_err(err, errlen, "the conformance suite is not installed (no regbench-conformance on PATH nor %s): "
               "run scripts/setup.sh, which builds it from tools/conformance", DEFAULT_PROGRAM);
    return found;
}

/* The last LOG_TAIL bytes of the log, one line (new string); "" when empty. */
static char *log_tail(const char *path)
{
    char buf[LOG_TAIL + 1];
    size_t n = 0;
    FILE *f = fopen(path, "rb");
    if (f) {
        if (fseek(f, 0, SEEK_END) == 0) {
            long size = ftell(f);
            if (size > LOG_TAIL) fseek(f, size - LOG_TAIL, SEEK_SET);
            else rewind(f);
        }
        n = fread(buf, 1, LOG_TAIL, f);
        fclose(f);
    }
    buf[n] = 0;
    for (size_t i = 0; i < n; i++)
        if (buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t') buf[i] = ' ';
        else if ((unsigned char)buf[i] < 0x20) buf[i] = '?';
    while (n && buf[n - 1] == ' ') buf[--n] = 0;
    return rb_strdup(buf);
}

/* The child's environment (new array of new strings, NULL-terminated): ours
 * without any OCI_* variable (they would override the legacy ones we set)
 * nor SSL_CERT_FILE when ca_file replaces it, then the suite's settings. */
static char **child_env(const rb_conformance_opts *o, const char *url, const char *results_dir, const char *ca_file)
{
    size_t n = 0;
    while (environ[n]) n++;
    char **env = rb_calloc(n + 16, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(environ[i], "OCI_", 4) == 0) continue;
        if (ca_file && strncmp(environ[i], "SSL_CERT_FILE=", 14) == 0) continue;
        env[k++] = rb_strdup(environ[i]);
    }
    env[k++] = rb_asprintf("OCI_ROOT_URL=%s", url);
    env[k++] = rb_strdup("OCI_NAMESPACE=conformance/repo1");
    env[k++] = rb_strdup("OCI_CROSSMOUNT_NAMESPACE=conformance/repo2");
    env[k++] = rb_strdup("OCI_TEST_PULL=1");
    env[k++] = rb_strdup("OCI_TEST_PUSH=1");
    env[k++] = rb_strdup("OCI_TEST_CONTENT_DISCOVERY=1");
    env[k++] = rb_strdup("OCI_TEST_CONTENT_MANAGEMENT=1");
    env[k++] = rb_asprintf("OCI_RESULTS_DIR=%s", results_dir);
    if (o->insecure && strncmp(url, "https://", 8) == 0) env[k++] = rb_strdup("OCI_TLS=insecure");
    if (ca_file) env[k++] = rb_asprintf("SSL_CERT_FILE=%s", ca_file);
    if (o->username && o->password) {
        env[k++] = rb_asprintf("OCI_USERNAME=%s", o->username);
        env[k++] = rb_asprintf("OCI_PASSWORD=%s", o->password);
    }
    env[k] = NULL;
    return env;
}

static void free_env(char **env)
{
    for (size_t i = 0; env[i]; i++) {
        memset(env[i], 0, strlen(env[i]));   /* it may hold the password */
        free(env[i]);
    }
    free(env);
}

/* Runs prog in dir with env, output to log_path, at most timeout_s. Returns
 * its exit code (>= 0), or -1 with why in err (could not start, killed by a
 * signal, timed out). */
static int run_bounded(const char *prog, const char *dir, char **env, const char *log_path, double timeout_s,
                       char *err, size_t errlen)
{
    int log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0) return rb_err(err, errlen, "cannot write %s: %s", log_path, strerror(errno));
    char tmo[48];
    snprintf(tmo, sizeof tmo, "-test.timeout=%.0fs", timeout_s + 5);   /* its own bound, past ours */
    char *const argv[] = {(char *)prog, tmo, NULL};
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(log_fd);
        return rb_err(err, errlen, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(127);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0) _exit(127);
        if (chdir(dir) < 0) _exit(126);
        execve(prog, argv, env);
        _exit(127);
    }
    close(log_fd);
    setpgid(pid, pid);   /* both sides, so the group exists before any kill */
    uint64_t deadline = rb_now_us() + (uint64_t)(timeout_s * 1e6);
    int status = 0, timed_out = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (w < 0 && errno != EINTR) return rb_err(err, errlen, "waitpid: %s", strerror(errno));
        if (rb_now_us() >= deadline) {
            timed_out = 1;
            kill(-pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
            break;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (timed_out) return rb_err(err, errlen, "the suite did not finish within %.0f s and was killed", timeout_s);
    if (WIFSIGNALED(status)) return rb_err(err, errlen, "the suite was killed by signal %d", WTERMSIG(status));
    int code = WEXITSTATUS(status);
    if (code == 127) return rb_err(err, errlen, "cannot execute %s", prog);
    if (code == 126) return rb_err(err, errlen, "cannot enter %s", dir);
    return code;
}

json_t *rb_conformance_run(const rb_conformance_opts *o)
{
    char err[RB_ERRLEN] = "";
    json_t *res = NULL;
    rb_registry_proc *reg = NULL;
    char *prog = NULL, *ca_abs = NULL, *results_dir = rb_asprintf("%s/conformance", o->out_dir);
    char *log_path = rb_asprintf("%s/conformance.log", o->out_dir);
    const char *name = o->registry ? o->registry : o->target_url ? "target" : rb_launch_kind_name(o->launch.kind);
    const char *url = o->target_url;
    double timeout_s = o->timeout_s > 0 ? o->timeout_s : RB_CONFORMANCE_TIMEOUT_S;
    uint64_t t0 = rb_now_us();

    if (rb_mkdir_p(results_dir) < 0) {
        rb_err(err, sizeof err, "cannot create %s: %s", results_dir, strerror(errno));
        goto done;
    }
    /* the suite runs in results_dir: every path it gets must be absolute */
    char *abs = realpath(results_dir, NULL);
    if (!abs) {
        rb_err(err, sizeof err, "cannot resolve %s: %s", results_dir, strerror(errno));
        goto done;
    }
    free(results_dir);
    results_dir = abs;
    if (o->ca_file && !(ca_abs = realpath(o->ca_file, NULL))) {
        rb_err(err, sizeof err, "cannot read the CA file %s: %s", o->ca_file, strerror(errno));
        goto done;
    }
    if (!(prog = find_program(err, sizeof err))) goto done;
    if (!url) {
        rb_launch_opts lo = o->launch;
        if (!lo.workdir) lo.workdir = o->out_dir;
        char lerr[RB_ERRLEN];
        if (!(reg = rb_launch_start(&lo, lerr, sizeof lerr))) {
            rb_err(err, sizeof err, "the registry did not start: %s", lerr);
            goto done;
        }
        url = rb_launch_url(reg);
    }
    if (!o->quiet)
        fprintf(stderr, "regbench: conformance: running the OCI conformance suite against %s (%s), at most %.0f s\n",
                name, url, timeout_s);
    char **env = child_env(o, url, results_dir, ca_abs);
    char *junit = rb_asprintf("%s/junit.xml", results_dir);
    unlink(junit);   /* a report left by an earlier run must not pass for this one */
    int code = run_bounded(prog, results_dir, env, log_path, timeout_s, err, sizeof err);
    free_env(env);
    if (code >= 0) {
        char jerr[RB_ERRLEN];
        res = rb_conformance_load_junit(junit, jerr, sizeof jerr);
        if (!res) {
            char *tail = log_tail(log_path);
            rb_err(err, sizeof err, "the suite (exit code %d) left no report: %s%s%s", code, jerr,
                   *tail ? "; its output ends: " : "", tail);
            free(tail);
        }
    }
    free(junit);

done:
    if (!res) res = rb_conformance_unavailable(err);
    json_object_set_new(res, "registry", json_string(name));
    json_object_set_new(res, "url", url ? json_string(url) : json_null());
    if (reg) json_object_set_new(res, "version", json_string(rb_launch_version(reg)));
    json_object_set_new(res, "program", prog ? json_string(prog) : json_null());
    json_object_set_new(res, "duration_s", json_real((double)(rb_now_us() - t0) / 1e6));
    json_t *tests = json_object_get(res, "tests");   /* the long list last */
    if (tests) {
        json_incref(tests);
        json_object_del(res, "tests");
        json_object_set_new(res, "tests", tests);
    }
    rb_launch_stop(reg);
    char *path = rb_asprintf("%s/conformance.json", o->out_dir);
    char werr[RB_ERRLEN];
    if (rb_write_json_atomic(path, res, werr, sizeof werr) < 0) fprintf(stderr, "regbench: %s\n", werr);
    free(path);
    free(prog);
    free(ca_abs);
    free(results_dir);
    free(log_path);
    return res;
}
