/* test_run: a whole run driven without Lua, the way the scheduler drives
 * one: open, declare and read parameters, start (a real crane registry is
 * launched on loopback), phases whose operations are real HTTP requests to
 * it, a checkpoint after each phase (results.json, the CSVs, events.jsonl),
 * finish (status, exit code, report.html). Then the ways a run ends: a
 * failure of each kind (exit codes), SIGINT (130, the phase in flight cut),
 * input refused before the start (nothing written), and a run killed with
 * SIGKILL mid-phase, whose results are rebuilt from its event log. */
#include "cli/rb_cli.h"
#include "run/rb_events.h"
#include "run/rb_run.h"
#include "util/rb_util.h"
#include "rbtest.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char scenario[512];   /* a scenario path: the run records it, nothing runs it */
static char workdir[256];

static int exists(const char *dir, const char *name)
{
    char *p = rb_asprintf("%s/%s", dir, name);
    struct stat st;
    int ok = stat(p, &st) == 0 && st.st_size > 0;
    free(p);
    return ok;
}

/* Whether process pid still runs (a zombie nobody reaps does not). */
static int alive(long pid)
{
    if (pid <= 0 || kill((pid_t)pid, 0) != 0) return 0;
    char path[64], buf[256] = "";
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *rp = strrchr(buf, ')');
    return !(rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X'));
}

static json_t *load(const char *dir, const char *name)
{
    char *p = rb_asprintf("%s/%s", dir, name);
    json_error_t je;
    json_t *doc = json_load_file(p, 0, &je);
    free(p);
    return doc;
}

/* The kinds of the lines of DIR/events.jsonl, space-separated, without "alive". */
static void event_types(const char *dir, char *out, size_t len)
{
    char *p = rb_asprintf("%s/events.jsonl", dir);
    FILE *f = fopen(p, "r");
    free(p);
    out[0] = 0;
    char line[1 << 16];
    while (f && fgets(line, sizeof line, f)) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        const char *t = o ? json_string_value(json_object_get(o, "event")) : "?";
        if (t && !strcmp(t, "alive")) {   /* a heartbeat about every second: timing, not structure */
            json_decref(o);
            continue;
        }
        snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? " " : "", t ? t : "?");
        json_decref(o);
    }
    if (f) fclose(f);
}

static const char *phase_str(const json_t *doc, size_t i, const char *key)
{
    return json_string_value(json_object_get(json_array_get(json_object_get(doc, "phases"), i), key));
}

static json_int_t phase_int(const json_t *doc, size_t i, const char *key)
{
    return json_integer_value(json_object_get(json_array_get(json_object_get(doc, "phases"), i), key));
}

/* ---- operations: real GET /v2/ requests, recorded as the scheduler would ---- */

typedef struct ops_ctx {
    rb_run *run;
    rb_phase *phase;
    int left;                 /* requests still to start */
    int pending;
    int failed;
    char url[256];
} ops_ctx;

static void start_one(ops_ctx *c);

static void on_ping(rb_xfer *x, rb_http_resp *r, void *ud)
{
    (void)x;
    ops_ctx *c = ud;
    c->pending--;
    rb_op_record rec = {
        .kind = "ping", .start_us = r->start_us, .end_us = r->start_us + r->total_us,
        .bytes = r->bytes_received, .err = r->err ? r->err : rb_err_class_of(NULL, r->status), .top_level = 1,
    };
    if (rec.err) c->failed++;
    rb_metrics_record(rb_run_metrics(c->run), c->phase, &rec);
    if (c->left > 0 && !rb_run_stopping(c->run)) start_one(c);
}

static void start_one(ops_ctx *c)
{
    rb_http_req req;
    memset(&req, 0, sizeof req);
    req.url = c->url;
    req.timeout_s = 10;
    char err[256];
    c->left--;
    if (rb_http_start(rb_run_loop(c->run), &req, on_ping, c, err, sizeof err)) c->pending++;
    else c->failed++;
}

/* Runs n pings, `conc` at a time, in phase p (the loop runs until they end). */
static int pings(rb_run *run, rb_phase *p, int n, int conc)
{
    ops_ctx c = {.run = run, .phase = p, .left = n};
    snprintf(c.url, sizeof c.url, "%s/v2/", rb_run_target_info(run)->url);
    for (int i = 0; i < conc && c.left > 0; i++) start_one(&c);
    rb_run_loop_run(run, NULL, NULL);
    return c.failed;
}

static rb_run_opts base_opts(const char *out)
{
    rb_run_opts o;
    memset(&o, 0, sizeof o);
    o.scenario = scenario;
    o.out_dir = out;
    o.quiet = 1;
    o.launch.kind = RB_REG_CRANE;
    o.launch.storage = RB_STORAGE_MEMORY;
    o.sample_interval_s = 0.05;
    return o;
}

/* ---- a whole run --------------------------------------------------------------- */

static void test_whole_run(void)
{
    char *out = rb_asprintf("%s/whole", workdir);
    rb_kv given[] = {{"count", "20", 0, 0}, {"unused", "x", 0, 0}};
    rb_run_opts o = base_opts(out);
    o.params = given;
    o.n_params = 2;
    int code;
    char err[RB_ERRLEN];
    rb_run *run = rb_run_open(&o, &code, err, sizeof err);
    CHECKF(run != NULL, "open: %s", err);
    if (!run) return;
    CHECK(!rb_run_started(run) && rb_run_target_info(run) == NULL);

    /* parameters: what the scenario declares, and what was given */
    CHECK(!strcmp(rb_run_given(run, "count"), "20"));
    CHECK(rb_run_given(run, "nope") == NULL);
    rb_run_declare(run, "count", "integer", "how many", "10", "20");
    CHECK(!strcmp(rb_run_unused_given(run), "unused"));
    CHECK(rb_run_given(run, "unused") != NULL && rb_run_unused_given(run) == NULL);
    char names[64];
    rb_run_param_names(run, names, sizeof names);
    CHECK(!strcmp(names, "count"));

    /* start: crane is launched and sampled; the event log begins */
    CHECK(rb_run_start(run) == 0);
    const rb_run_target *t = rb_run_target_info(run);
    CHECKF(t && !strncmp(t->url, "http://127.0.0.1:", 17) && !strcmp(t->kind, "crane") && t->pid > 0,
           "target %s %s %ld", t ? t->url : "-", t ? t->kind : "-", t ? t->pid : 0L);
    CHECK(rb_run_start(run) == 0);   /* once */
    char types[256];
    event_types(out, types, sizeof types);
    CHECKF(!strcmp(types, "start"), "events after start: %s", types);

    /* phase 1: a checkpoint when it ends */
    rb_phase *p1 = rb_run_phase_begin(run, "warm");
    CHECK(pings(run, p1, 20, 4) == 0);
    rb_run_phase_end(run, p1);
    rb_run_phase_end(run, p1);   /* harmless twice */
    json_t *doc = load(out, "results.json");
    CHECK(doc && !strcmp(json_string_value(json_object_get(doc, "status")), "running"));
    CHECK(doc && !strcmp(phase_str(doc, 0, "name"), "warm") && phase_int(doc, 0, "ops") == 20);
    CHECK(doc && json_is_true(json_object_get(json_array_get(json_object_get(doc, "phases"), 0), "complete")));
    CHECK(doc && json_object_get(json_array_get(json_object_get(doc, "phases"), 0), "registry") != NULL);
    CHECK(doc && !strcmp(json_string_value(json_object_get(json_object_get(doc, "params"), "count")), "20"));
    json_decref(doc);
    CHECK(exists(out, "metrics.csv") && exists(out, "timeseries.csv"));
    event_types(out, types, sizeof types);
    CHECKF(!strcmp(types, "start phase_start phase"), "events after a phase: %s", types);

    /* phase 2, then the end */
    rb_phase *p2 = rb_run_phase_begin(run, "load");
    CHECK(pings(run, p2, 50, 10) == 0);
    rb_run_phase_end(run, p2);
    CHECK(!rb_run_stopping(run) && rb_run_failure(run) == NULL);
    fflush(stdout);
    CHECK(rb_run_finish(run) == RB_EXIT_OK);
    doc = load(out, "results.json");
    CHECK(doc && !strcmp(json_string_value(json_object_get(doc, "status")), "ok"));
    CHECK(doc && json_integer_value(json_object_get(doc, "exit_code")) == 0);
    CHECK(doc && json_array_size(json_object_get(doc, "phases")) == 2 && phase_int(doc, 1, "ops") == 50);
    json_decref(doc);
    CHECK(exists(out, "report.html"));
    event_types(out, types, sizeof types);
    CHECKF(!strcmp(types, "start phase_start phase phase_start phase end"), "events at the end: %s", types);
    long pid = t->pid;
    rb_run_free(run);
    CHECKF(!alive(pid), "the registry (pid %ld) outlived its run", pid);
    free(out);
}

/* ---- how runs end ----------------------------------------------------------------- */

static int run_failing(const char *name, rb_fail_kind kind, int start, char *status, size_t len)
{
    char *out = rb_asprintf("%s/%s", workdir, name);
    rb_run_opts o = base_opts(out);
    int code;
    char err[RB_ERRLEN];
    rb_run *run = rb_run_open(&o, &code, err, sizeof err);
    if (!run) { free(out); return -1; }
    if (start) rb_run_start(run);
    rb_run_fail(run, kind, "%s happened", name);
    rb_run_fail(run, RB_FAIL_RUN, "a later failure");   /* the first one's message wins */
    CHECK(rb_run_stopping(run) && strstr(rb_run_failure(run), name) && !strstr(rb_run_failure(run), "later"));
    int rc = rb_run_finish(run);
    json_t *doc = load(out, "results.json");
    snprintf(status, len, "%s", doc ? json_string_value(json_object_get(doc, "status")) : "(none)");
    if (doc) CHECK(strstr(json_string_value(json_object_get(doc, "error")), name) != NULL);
    json_decref(doc);
    rb_run_free(run);
    free(out);
    return rc;
}

static void test_endings(void)
{
    char status[64];
    CHECK(run_failing("script", RB_FAIL_SCRIPT, 1, status, sizeof status) == RB_EXIT_SCRIPT &&
          !strcmp(status, "failed"));
    CHECK(run_failing("stuck", RB_FAIL_RUN, 1, status, sizeof status) == RB_EXIT_SCRIPT && !strcmp(status, "failed"));
    CHECK(run_failing("input", RB_FAIL_INPUT, 1, status, sizeof status) == RB_EXIT_USAGE && !strcmp(status, "failed"));
    /* bad input before the start: nothing is written */
    CHECK(run_failing("early", RB_FAIL_INPUT, 0, status, sizeof status) == RB_EXIT_USAGE &&
          !strcmp(status, "(none)"));

    /* open refuses what it cannot take */
    char err[RB_ERRLEN];
    int code;
    rb_run_opts o = base_opts(workdir);
    o.scenario = "/nonexistent/x.lua";
    CHECK(rb_run_open(&o, &code, err, sizeof err) == NULL && code == RB_EXIT_USAGE && strstr(err, "x.lua"));
    rb_kv twice[] = {{"a", "1", 0, 0}, {"a", "2", 0, 0}};
    o = base_opts(workdir);
    o.params = twice;
    o.n_params = 2;
    CHECK(rb_run_open(&o, &code, err, sizeof err) == NULL && strstr(err, "given twice"));

    /* a --target that does not answer: one line, exit 3, nothing written */
    char *out = rb_asprintf("%s/unreachable", workdir);
    o = base_opts(out);
    o.target_url = "http://127.0.0.1:1";
    rb_run *run = rb_run_open(&o, &code, err, sizeof err);
    CHECK(run != NULL);
    if (run) {
        CHECK(rb_run_start(run) < 0 && !rb_run_started(run) &&
              !strcmp(rb_run_failure(run), "cannot reach http://127.0.0.1:1: connection refused"));
        CHECK(rb_run_finish(run) == RB_EXIT_UNREACHABLE);
        rb_run_free(run);
    }
    struct stat st;
    CHECKF(stat(out, &st) != 0, "a run that never started left %s", out);
    free(out);

    /* a launch that cannot happen fails the run with one message */
    out = rb_asprintf("%s/nolaunch", workdir);
    o = base_opts(out);
    o.launch.kind = RB_REG_DISTRIBUTION;
    o.launch.htpasswd = "/nonexistent/htpasswd";
    run = rb_run_open(&o, &code, err, sizeof err);
    CHECK(run != NULL);
    if (run) {
        CHECKF(rb_run_start(run) < 0 && strstr(rb_run_failure(run), "cannot start the registry"), "%s",
               rb_run_failure(run) ? rb_run_failure(run) : "(started)");
        CHECK(rb_run_finish(run) == RB_EXIT_SCRIPT);
        rb_run_free(run);
    }
    free(out);

    /* SIGINT: the run stops, the phase in flight is cut, exit 130 */
    out = rb_asprintf("%s/interrupted", workdir);
    o = base_opts(out);
    run = rb_run_open(&o, &code, err, sizeof err);
    CHECK(run != NULL);
    if (run) {
        CHECK(rb_run_start(run) == 0);
        rb_phase *p = rb_run_phase_begin(run, "busy");
        pings(run, p, 5, 1);
        raise(SIGINT);
        CHECK(rb_run_stopping(run) && rb_run_interrupted(run));
        CHECK(rb_run_finish(run) == RB_EXIT_INTERRUPTED);
        json_t *doc = load(out, "results.json");
        CHECK(doc && !strcmp(json_string_value(json_object_get(doc, "status")), "interrupted"));
        CHECK(doc && json_is_false(json_object_get(json_array_get(json_object_get(doc, "phases"), 0), "complete")));
        json_decref(doc);
        rb_run_free(run);
    }
    free(out);
}

/* ---- killed: results rebuilt from the event log ------------------------------------ */

static void test_killed(void)
{
    char *out = rb_asprintf("%s/killed", workdir);
    pid_t child = fork();
    if (child == 0) {
        rb_run_opts o = base_opts(out);
        int code;
        char err[RB_ERRLEN];
        rb_run *run = rb_run_open(&o, &code, err, sizeof err);
        if (!run || rb_run_start(run) < 0) _exit(3);
        rb_phase *p = rb_run_phase_begin(run, "done");
        pings(run, p, 10, 2);
        rb_run_phase_end(run, p);
        p = rb_run_phase_begin(run, "in-flight");
        pings(run, p, 10, 2);
        raise(SIGKILL);   /* no end, no report: what survives is what was checkpointed */
        _exit(4);
    }
    int st = 0;
    waitpid(child, &st, 0);
    CHECKF(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child status %d", st);
    json_t *doc = load(out, "results.json");
    CHECK(doc && !strcmp(json_string_value(json_object_get(doc, "status")), "running"));
    json_decref(doc);
    CHECK(!exists(out, "report.html"));

    char *log = rb_asprintf("%s/events.jsonl", out);
    char err[RB_ERRLEN];
    doc = rb_events_rebuild(log, err, sizeof err);
    CHECKF(doc != NULL, "rebuild: %s", err);
    CHECK(doc && !strcmp(json_string_value(json_object_get(doc, "status")), "killed"));
    CHECK(doc && json_array_size(json_object_get(doc, "phases")) == 1 && !strcmp(phase_str(doc, 0, "name"), "done") &&
          phase_int(doc, 0, "ops") == 10);
    const char *why = doc ? json_string_value(json_object_get(doc, "error")) : NULL;
    CHECKF(why && strstr(why, "during phase \"in-flight\""), "error names the phase cut short: %s", why ? why : "(none)");
    long pid = doc ? (long)json_integer_value(json_object_get(json_object_get(doc, "registry"), "pid")) : 0;
    json_decref(doc);
    /* the registry died with its run (PR_SET_PDEATHSIG): give the kernel a moment */
    for (int i = 0; i < 50 && alive(pid); i++) usleep(20000);
    CHECKF(pid > 0 && !alive(pid), "the registry (pid %ld) outlived its killed run", pid);

    /* `regbench report DIR` rewrites results.json from the log and renders the report */
    char *argv[] = {"report", out, NULL};
    CHECK(rb_cmd_report(2, argv) == 0);
    doc = load(out, "results.json");
    CHECK(doc && !strcmp(json_string_value(json_object_get(doc, "status")), "killed"));
    json_decref(doc);
    CHECK(exists(out, "report.html"));
    free(log);
    free(out);
}

int main(void)
{
    const char *src = getenv("RB_SRC");
    snprintf(scenario, sizeof scenario, "%s/scenarios/example.lua", src && *src ? src : REGBENCH_SOURCE_DIR);
    snprintf(workdir, sizeof workdir, "/tmp/rb-test-run-XXXXXX");
    if (!mkdtemp(workdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_whole_run();
    test_endings();
    test_killed();
    int rc = rbtest_done("test_run");
    if (rc == 0) {
        char *cmd = rb_asprintf("rm -rf '%s'", workdir);
        if (system(cmd) != 0) fprintf(stderr, "test_run: could not remove %s\n", workdir);
        free(cmd);
    }
    return rc;
}
