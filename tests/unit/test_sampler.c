/* test_sampler: samples a real crane registry (launched with rb_launch)
 * while loading it with libcurl: a few hundred GET /v2/ and a monolithic
 * ~20 MB blob upload. Checks the phase summaries (CPU, RSS, storage growth on
 * disk), the bounded time series, and that a vanished process is noticed. */
#include "registry/rb_launch.h"
#include "registry/rb_sampler.h"
#include "measure/rb_metrics.h"
#include "util/rb_util.h"
#include "rbtest.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define BLOB_SIZE (20u * 1000u * 1000u)

static char tmproot[256];

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static size_t discard(char *p, size_t size, size_t n, void *ud) { return size * n; }

/* Keeps the Location header of the response. */
static size_t grab_location(char *p, size_t size, size_t n, void *ud)
{
    char **loc = ud;
    size_t len = size * n;
    if (len > 9 && strncasecmp(p, "Location:", 9) == 0) {
        const char *v = p + 9;
        while (*v == ' ') v++;
        size_t vl = len - (size_t)(v - p);
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n')) vl--;
        free(*loc);
        *loc = rb_malloc(vl + 1);
        memcpy(*loc, v, vl);
        (*loc)[vl] = 0;
    }
    return len;
}

static CURL *easy(const char *url)
{
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 60000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    return h;
}

static long perform(CURL *h)
{
    long code = 0;
    if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

static int get_v2_many(const char *base, int n)
{
    char *url = rb_asprintf("%s/v2/", base);
    CURL *h = easy(url);   /* one handle: keep-alive, like a real client */
    int ok = 0;
    for (int i = 0; i < n; i++) ok += perform(h) == 200;
    curl_easy_cleanup(h);
    free(url);
    return ok;
}

/* POST /v2/t/blobs/uploads/ then PUT <Location>?digest=...; returns the PUT status. */
static long upload_blob(const char *base, const unsigned char *data, size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned i = 0; i < mdlen; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);

    char *post_url = rb_asprintf("%s/v2/t/blobs/uploads/", base);
    CURL *h = easy(post_url);
    char *loc = NULL;
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, grab_location);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &loc);
    long code = perform(h);
    curl_easy_cleanup(h);
    free(post_url);
    CHECKF(code == 202 && loc, "POST uploads: %ld", code);
    if (code != 202 || !loc) { free(loc); return code; }

    char *put_url = rb_asprintf("%s%s%cdigest=sha256:%s", loc[0] == '/' ? base : "", loc,
                                strchr(loc, '?') ? '&' : '?', hex);
    h = easy(put_url);
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/octet-stream");
    hdr = curl_slist_append(hdr, "Expect:");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)data);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    code = perform(h);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdr);
    free(put_url);
    free(loc);
    return code;
}

static unsigned char *random_blob(size_t len, unsigned seed)
{
    unsigned char *b = rb_malloc(len);
    uint64_t x = 0x9E3779B97F4A7C15ull ^ seed;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        b[i] = (unsigned char)x;
    }
    return b;
}

static void print_summary(const char *what, const rb_sampler_summary *s)
{
    printf("  %s: %.2fs cpu %.2fs avg %.1f%% max %.1f%% rss peak %.1f MB (%s) end %.1f MB "
           "io r %llu w %llu storage %lld samples %zu\n", what, s->duration_s, s->cpu_seconds,
           s->cpu_pct_avg, s->cpu_pct_max, s->rss_peak_bytes / 1e6, s->peak_exact ? "VmHWM" : "sampled",
           s->rss_end_bytes / 1e6, (unsigned long long)s->disk_read_bytes,
           (unsigned long long)s->disk_write_bytes, (long long)s->storage_bytes, s->samples);
}

static void test_crane_load(rb_storage storage, const unsigned char *blob)
{
    char err[RB_ERRLEN] = "";
    char *wd = rb_asprintf("%s/%s", tmproot, rb_launch_storage_name(storage));
    CHECK(rb_mkdir_p(wd) == 0);
    rb_launch_opts o = { .kind = RB_REG_CRANE, .storage = storage, .workdir = wd };
    rb_registry_proc *r = rb_launch_start(&o, err, sizeof err);
    CHECKF(r != NULL, "launch: %s", err);
    if (!r) { free(wd); return; }
    rb_sampler *s = rb_sampler_start(rb_launch_pid(r), rb_launch_storage_dir(r), 50, err, sizeof err);
    CHECKF(s != NULL, "sampler: %s", err);
    if (!s) { rb_launch_stop(r); free(wd); return; }

    rb_sampler_summary idle, load;
    sleep_ms(200);
    rb_sampler_phase_end(s, &idle);
    print_summary(storage == RB_STORAGE_DISK ? "crane disk idle" : "crane memory idle", &idle);
    CHECK(idle.samples > 0);
    CHECK(idle.rss_end_bytes > 0);
    CHECK(idle.storage_bytes == (storage == RB_STORAGE_DISK ? 0 : -1));

    rb_sampler_phase_begin(s);
    CHECK(get_v2_many(rb_launch_url(r), 300) == 300);
    long put = upload_blob(rb_launch_url(r), blob, BLOB_SIZE);
    CHECKF(put == 201, "PUT blob: %ld", put);
    sleep_ms(120);   /* at least a couple of samples after the upload */
    rb_sampler_phase_end(s, &load);
    print_summary(storage == RB_STORAGE_DISK ? "crane disk load" : "crane memory load", &load);
    CHECK(load.samples > 0);
    CHECK(load.cpu_pct_max > 0);
    CHECK(load.cpu_seconds > 0);
    CHECK(load.cpu_pct_avg > 0 && load.cpu_pct_avg <= load.cpu_pct_max * 1.5 + 1);
    CHECK(load.rss_peak_bytes > 0 && load.rss_peak_bytes >= load.rss_end_bytes);
    CHECK(load.alive == 1);
    if (storage == RB_STORAGE_DISK) {
        CHECKF(load.storage_bytes >= (int64_t)BLOB_SIZE && load.storage_bytes > idle.storage_bytes,
               "storage %lld", (long long)load.storage_bytes);
    } else {
        /* The blob lives in crane's heap. */
        CHECKF(load.rss_peak_bytes >= BLOB_SIZE, "peak %llu", (unsigned long long)load.rss_peak_bytes);
        CHECK(load.storage_bytes == -1);
    }

    size_t n = rb_sampler_series(s, NULL, 0);
    CHECK(n > 0);
    rb_sampler_point *pts = rb_calloc(n + 1, sizeof *pts);
    size_t got = rb_sampler_series(s, pts, n + 1);
    CHECK(got >= n);
    int mono = 1;
    double maxcpu = 0;
    for (size_t i = 1; i < got; i++) {
        if (pts[i].t_us <= pts[i - 1].t_us) mono = 0;
        if (pts[i].cpu_pct > maxcpu) maxcpu = pts[i].cpu_pct;
    }
    CHECK(mono);
    CHECK(maxcpu > 0);
    if (storage == RB_STORAGE_DISK) CHECK(got && pts[got - 1].storage_bytes >= (int64_t)BLOB_SIZE);
    free(pts);

    /* Series bound: capacity 16 at 5 ms for 600 ms → decimated, still spanning the run. */
    rb_sampler *fast = rb_sampler_start(rb_launch_pid(r), NULL, 5, err, sizeof err);
    CHECKF(fast != NULL, "%s", err);
    if (fast) {
        rb_sampler_set_capacity(fast, 16);
        sleep_ms(600);
        rb_sampler_point few[32];
        size_t k = rb_sampler_series(fast, few, 32);
        CHECKF(k >= 8 && k <= 16, "series has %zu points", k);
        CHECKF(k && few[k - 1].t_us >= 300000, "last point at %llu us",
               (unsigned long long)(k ? few[k - 1].t_us : 0));
        for (size_t i = 1; i < k; i++) CHECK(few[i].t_us > few[i - 1].t_us);
        rb_sampler_stop(fast);
    }

    /* The registry disappears: sampling stops quietly. */
    rb_launch_stop(r);
    int dead = 0;
    for (int i = 0; i < 100 && !dead; i++) {   /* ≤ 2 s */
        dead = !rb_sampler_alive(s);
        if (!dead) sleep_ms(20);
    }
    CHECK(dead);
    rb_sampler_summary after;
    rb_sampler_phase_begin(s);
    rb_sampler_phase_end(s, &after);
    CHECK(after.alive == 0);
    rb_sampler_stop(s);
    free(wd);
}

static void test_errors(void)
{
    char err[RB_ERRLEN] = "";
    /* A child that is already reaped: its pid is free. */
    pid_t pid;
    char *argv[] = { "true", NULL };
    CHECK(posix_spawnp(&pid, "true", NULL, NULL, argv, environ) == 0);
    waitpid(pid, NULL, 0);
    CHECK(rb_sampler_start(pid, NULL, 10, err, sizeof err) == NULL && strstr(err, "sampler"));
    CHECK(rb_sampler_start(0, NULL, 10, err, sizeof err) == NULL);

    /* A zombie counts as gone. */
    char *argv2[] = { "sleep", "30", NULL };
    CHECK(posix_spawnp(&pid, "sleep", NULL, NULL, argv2, environ) == 0);
    rb_sampler *s = rb_sampler_start(pid, NULL, 10, err, sizeof err);
    CHECKF(s != NULL, "%s", err);
    kill(pid, SIGKILL);
    int dead = 0;
    for (int i = 0; s && i < 100 && !dead; i++) {
        dead = !rb_sampler_alive(s);
        if (!dead) sleep_ms(20);
    }
    CHECK(dead);
    waitpid(pid, NULL, 0);
    rb_sampler_stop(s);
    rb_sampler_stop(NULL);
}

/* rb_sampler_retarget: a process that died (a registry stopped for garbage
 * collection) and its successor are one series; a bad pid changes nothing. */
static void test_retarget(void)
{
    char err[RB_ERRLEN] = "";
    char *argv[] = { "sleep", "30", NULL };
    pid_t a, b;
    CHECK(posix_spawnp(&a, "sleep", NULL, NULL, argv, environ) == 0);
    CHECK(posix_spawnp(&b, "sleep", NULL, NULL, argv, environ) == 0);
    rb_sampler *s = rb_sampler_start(a, tmproot, 10, err, sizeof err);
    CHECKF(s != NULL, "%s", err);
    if (!s) return;
    sleep_ms(60);
    CHECK(rb_sampler_retarget(s, 0, err, sizeof err) == -1 && rb_sampler_alive(s));
    kill(a, SIGKILL);
    waitpid(a, NULL, 0);
    for (int i = 0; i < 100 && rb_sampler_alive(s); i++) sleep_ms(10);
    CHECK(!rb_sampler_alive(s));   /* the old process is gone: sampling stopped */
    size_t before = rb_sampler_series(s, NULL, 0);
    CHECKF(rb_sampler_retarget(s, b, err, sizeof err) == 0, "%s", err);
    CHECK(rb_sampler_alive(s));
    sleep_ms(80);
    CHECK(rb_sampler_alive(s));
    CHECKF(rb_sampler_series(s, NULL, 0) > before, "series %zu after %zu", rb_sampler_series(s, NULL, 0), before);
    rb_sampler_phase_begin(s);
    rb_sampler_summary sum;
    rb_sampler_phase_end(s, &sum);
    CHECK(sum.alive && sum.cpu_seconds >= 0 && sum.rss_end_bytes > 0 && sum.storage_bytes >= 0);
    kill(b, SIGKILL);
    waitpid(b, NULL, 0);
    rb_sampler_stop(s);
}

/* A walk of a storage directory of many files is set aside from the
 * client's CPU (rb_self_cpu_s) and counted in rb_self_cpu_excluded_s. */
static void test_walk_cpu_excluded(void)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/walk", tmproot);
    CHECK(mkdir(dir, 0755) == 0);
    for (int i = 0; i < 3000; i++) {
        char f[700];
        snprintf(f, sizeof f, "%s/f%d", dir, i);
        FILE *fp = fopen(f, "w");
        if (fp) { fputs("x", fp); fclose(fp); }
    }
    double ex0 = rb_self_cpu_excluded_s();
    int64_t total = 0;
    for (int i = 0; i < 20; i++) total += rb_sampler_storage_bytes(dir);
    double ex = rb_self_cpu_excluded_s() - ex0;
    CHECKF(total == 20 * 3000, "walked %lld bytes", (long long)total);
    CHECKF(ex > 0, "excluded %.6f s", ex);
    /* set-aside time comes off the client's CPU: 1 s more set aside, 1 s less
     * reported (or 0, the floor, if the process has used less than that) */
    double a = rb_self_cpu_s();
    rb_self_cpu_exclude(1000000000u);
    double b = rb_self_cpu_s();
    CHECKF(b <= a - 0.99 || b == 0, "cpu %.3f then %.3f", a, b);
}

int main(void)
{
    snprintf(tmproot, sizeof tmproot, "/tmp/rb-test-sampler-XXXXXX");
    if (!mkdtemp(tmproot)) { perror("mkdtemp"); return 1; }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    unsigned char *blob = random_blob(BLOB_SIZE, 42);
    test_errors();
    test_retarget();
    test_walk_cpu_excluded();
    test_crane_load(RB_STORAGE_DISK, blob);
    test_crane_load(RB_STORAGE_MEMORY, blob);
    free(blob);
    rb_launch_kill_all();
    curl_global_cleanup();
    pid_t p;
    char *argv[] = { "rm", "-rf", tmproot, NULL };
    if (posix_spawnp(&p, "rm", NULL, NULL, argv, environ) == 0) waitpid(p, NULL, 0);
    return rbtest_done("test_sampler");
}
