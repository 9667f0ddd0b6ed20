/* test_trace: the streaming trace reader (replay/trace.c) on real
 * distribution 2.8 access-log lines (tests/unit/data/), on IBM FAST'18
 * arrays written here, plain and gzip'd; malformed records counted with
 * their line numbers, the malformed limit, unknown formats, path kinds, a
 * 200,000-record file read with a buffer that never grows, and the
 * flat-object fast path agreeing with jansson. */
#include "replay/rb_trace.h"
#include "rbtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static char tmpdir[256];

/* Writes text to tmpdir/name (gzip'd when gz); returns the path (static). */
static const char *write_file(const char *name, const char *text, int gz)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    if (gz) {
        gzFile g = gzopen(path, "wb");
        gzwrite(g, text, (unsigned)strlen(text));
        gzclose(g);
    } else {
        FILE *f = fopen(path, "w");
        fputs(text, f);
        fclose(f);
    }
    return path;
}

/* Reads a whole trace; returns the records read, -1 on an error (err set). */
static long read_all(const char *path, const rb_trace_opts *o, rb_trace_stats *st, char *err, size_t errlen)
{
    rb_trace *t = rb_trace_open(path, o, err, errlen);
    if (!t) return -1;
    rb_trace_rec r;
    long n = 0;
    int k;
    while ((k = rb_trace_next(t, &r, err, errlen)) == 1) n++;
    if (st) *st = *rb_trace_get_stats(t);
    rb_trace_close(t);
    return k < 0 ? -1 : n;
}

static void test_distribution_fixture(void)
{
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/tests/unit/data/distribution-2.8-access.log", getenv("RB_SRC") ? getenv("RB_SRC") : ".");
    for (int gz = 0; gz < 2; gz++) {
        const char *p = path;
        if (gz) {   /* the same bytes gzip'd */
            char *text = rbtest_slurp(path);
            p = write_file("dist.log.gz", text, 1);
            free(text);
        }
        rb_trace *t = rb_trace_open(p, NULL, err, sizeof err);
        CHECKF(t != NULL, "%s", err);
        if (!t) return;
        CHECK(rb_trace_get_stats(t)->format == RB_TRACE_DISTRIBUTION);
        rb_trace_rec r;
        /* GET /v2/ */
        CHECK(rb_trace_next(t, &r, err, sizeof err) == 1);
        CHECK(strcmp(r.method, "GET") == 0 && r.kind == RB_TRACE_OTHER && r.status == 200 && r.bytes == 2);
        CHECK(r.time_us == 1796529868355203ull);   /* 2026-12-06T04:04:28.3552038Z */
        CHECK(r.duration_us == 1727);               /* 1.726697ms */
        CHECK(strcmp(r.client, "127.0.0.1") == 0);
        CHECK(r.line == 5);
        /* GET manifest 404 ("response completed with error") */
        CHECK(rb_trace_next(t, &r, err, sizeof err) == 1);
        CHECK(r.kind == RB_TRACE_MANIFEST && strcmp(r.repo, "library/alpine") == 0 && strcmp(r.ref, "3.19") == 0);
        CHECK(r.status == 404 && r.line == 7);
        /* POST upload */
        CHECK(rb_trace_next(t, &r, err, sizeof err) == 1);
        CHECK(r.kind == RB_TRACE_UPLOAD && strcmp(r.method, "POST") == 0 && strcmp(r.repo, "team/app/web") == 0 &&
              r.ref[0] == 0 && r.status == 202);
        CHECK(r.duration_us == 873);                /* 872.773µs */
        CHECK(r.digest[0] == 0);                    /* POST without ?digest= */
        /* PUT upload with its id, query dropped */
        CHECK(rb_trace_next(t, &r, err, sizeof err) == 1);
        CHECK(r.kind == RB_TRACE_UPLOAD && strcmp(r.method, "PUT") == 0 && strlen(r.ref) == 36 && r.status == 201);
        CHECK(strcmp(r.digest, "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824") == 0);
        /* GET and HEAD blob */
        CHECK(rb_trace_next(t, &r, err, sizeof err) == 1);
        CHECK(r.kind == RB_TRACE_BLOB && strcmp(r.repo, "team/app/web") == 0 &&
              strcmp(r.ref, "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824") == 0 &&
              r.bytes == 5);
        CHECK(rb_trace_next(t, &r, err, sizeof err) == 1);
        CHECK(r.kind == RB_TRACE_BLOB && strcmp(r.method, "HEAD") == 0);
        CHECK(rb_trace_next(t, &r, err, sizeof err) == 1);
        CHECK(r.kind == RB_TRACE_CATALOG && r.repo[0] == 0);
        CHECK(rb_trace_next(t, &r, err, sizeof err) == 1);
        CHECK(r.kind == RB_TRACE_TAGS && strcmp(r.repo, "team/app/web") == 0 && r.status == 404);
        CHECK(rb_trace_next(t, &r, err, sizeof err) == 0);
        const rb_trace_stats *st = rb_trace_get_stats(t);
        CHECK(st->records == 8 && st->malformed == 0);
        CHECKF(st->skipped == 12, "%llu", (unsigned long long)st->skipped);   /* 4 start-up messages, 8 combined-format lines */
        CHECK(st->lines == 20 && st->bytes_read > 5000);
        rb_trace_close(t);
    }
}

static const char *IBM =
    "[\n"
    "{\"host\": \"6e1055ea0e15b4a1\", \"http.request.duration\": 0.001805, \"http.request.method\": \"GET\",\n"
    " \"http.request.remoteaddr\": \"ab5be18bda09dc56\", \"http.request.uri\": \"v2/b746d79201944bf5/99383f6a8c0d0741/blobs/fb611de45b88433d\",\n"
    " \"http.request.useragent\": \"docker/17.03.1-ce go/go1.7.5\", \"http.response.status\": 200,\n"
    " \"http.response.written\": 1048576, \"id\": \"f1fb4eb0009b65ac\", \"timestamp\": \"2017-08-01T10:23:43.103Z\"},\n"
    "{\"http.request.duration\": 0.25, \"http.request.method\": \"PUT\", \"http.request.remoteaddr\": \"c1\",\n"
    " \"http.request.uri\": \"v2/a/b/c/manifests/sha256:00ff\", \"http.response.status\": 201, \"timestamp\": \"2017-08-01T10:23:44Z\",\n"
    " \"note\": \"a } and { and \\\" in a string\"},\n"
    "{\"http.request.method\": \"GET\", \"http.request.uri\": \"v2/_catalog\", \"http.response.status\": 200, \"timestamp\": \"2017-08-01T10:23:45.000001Z\"}\n"
    "]\n";

static void test_ibm(void)
{
    char err[512];
    for (int gz = 0; gz < 2; gz++) {
        const char *p = write_file(gz ? "ibm.json.gz" : "ibm.json", IBM, gz);
        rb_trace *t = rb_trace_open(p, NULL, err, sizeof err);
        CHECKF(t != NULL, "%s", err);
        if (!t) return;
        CHECK(rb_trace_get_stats(t)->format == RB_TRACE_IBM);
        rb_trace_rec r;
        CHECK(rb_trace_next(t, &r, err, sizeof err) == 1);
        CHECK(r.kind == RB_TRACE_BLOB && strcmp(r.repo, "b746d79201944bf5/99383f6a8c0d0741") == 0 &&
              strcmp(r.ref, "fb611de45b88433d") == 0 && r.bytes == 1048576 && r.duration_us == 1805 &&
              r.status == 200 && strcmp(r.client, "ab5be18bda09dc56") == 0 && r.line == 2);
        CHECK(r.time_us == 1501583023103000ull);
        CHECK(rb_trace_next(t, &r, err, sizeof err) == 1);
        CHECK(r.kind == RB_TRACE_MANIFEST && strcmp(r.repo, "a/b/c") == 0 && strcmp(r.ref, "sha256:00ff") == 0 &&
              strcmp(r.method, "PUT") == 0 && r.duration_us == 250000 && r.line == 6 && r.bytes == 0);
        CHECK(rb_trace_next(t, &r, err, sizeof err) == 1);
        CHECK(r.kind == RB_TRACE_CATALOG && r.line == 9 && r.time_us == 1501583025000001ull);
        CHECK(rb_trace_next(t, &r, err, sizeof err) == 0);
        CHECK(rb_trace_get_stats(t)->records == 3 && rb_trace_get_stats(t)->malformed == 0);
        rb_trace_close(t);
    }
}

static void test_malformed(void)
{
    char err[512];
    rb_trace_stats st;
    /* distribution: line 2 not JSON, 3 no time, 5 bad status; 4 a record */
    const char *dist =
        "{\"msg\":\"listening\",\"level\":\"info\"}\n"
        "{\"msg\":\"response completed\",\n"
        "{\"msg\":\"response completed\",\"http.request.method\":\"GET\",\"http.request.uri\":\"/v2/\",\"http.response.status\":200}\n"
        "{\"msg\":\"response completed\",\"time\":\"2026-01-01T00:00:00+01:00\",\"http.request.method\":\"GET\","
        "\"http.request.uri\":\"/v2/x/tags/list\",\"http.response.status\":200,\"http.response.duration\":\"1m2.5s\","
        "\"http.request.remoteaddr\":\"[::1]:5000\"}\n"
        "{\"msg\":\"response completed\",\"time\":\"2026-01-01T00:00:00Z\",\"http.request.method\":\"GET\","
        "\"http.request.uri\":\"/v2/\",\"http.response.status\":\"two hundred\"}\n";
    const char *p = write_file("bad.log", dist, 0);
    CHECK(read_all(p, NULL, &st, err, sizeof err) == 1);
    CHECK(st.malformed == 3 && st.skipped == 1 && st.n_first == 3);
    CHECK(st.first_lines[0] == 2 && st.first_lines[1] == 3 && st.first_lines[2] == 5);
    CHECKF(strstr(st.first_msgs[2], "status") != NULL, "%s", st.first_msgs[2]);
    rb_trace *t = rb_trace_open(p, NULL, err, sizeof err);
    rb_trace_rec r;
    CHECK(t && rb_trace_next(t, &r, err, sizeof err) == 1);
    CHECK(r.line == 4 && r.kind == RB_TRACE_TAGS && strcmp(r.repo, "x") == 0 && strcmp(r.client, "::1") == 0);
    CHECK(r.time_us == 1767222000000000ull && r.duration_us == 62500000);
    rb_trace_close(t);

    /* the limit: 2 allowed, the third (line 5) fails naming file:line */
    rb_trace_opts o = {.max_malformed = 2};
    CHECK(read_all(p, &o, NULL, err, sizeof err) == -1);
    char want[600];
    snprintf(want, sizeof want, "%s:5: more than 2 malformed", p);
    CHECKF(strstr(err, want) != NULL, "%s", err);

    /* IBM: a bad object on line 3, stray text on line 4, a cut-short object from line 5 */
    const char *ibm =
        "[{\"http.request.method\": \"GET\", \"http.request.uri\": \"v2/r/blobs/d\", \"http.response.status\": 200, \"timestamp\": \"2017-08-01T10:23:43.103Z\"},\n"
        "{\"http.request.method\": \"GET\", \"http.request.uri\": \"v2/r/blobs/e\", \"http.response.status\": 200, \"timestamp\": \"2017-08-01T10:23:43.103Z\"},\n"
        "{\"http.request.method\": \"GET\", \"timestamp\": \"yesterday\"},\n"
        "oops\n"
        "{\"http.request.method\": \"GET\",\n";
    p = write_file("bad.json", ibm, 0);
    CHECK(read_all(p, NULL, &st, err, sizeof err) == 2);
    CHECKF(st.malformed == 3 && st.first_lines[0] == 3 && st.first_lines[1] == 4 && st.first_lines[2] == 5,
           "%llu %llu %llu %llu", (unsigned long long)st.malformed, (unsigned long long)st.first_lines[0],
           (unsigned long long)st.first_lines[1], (unsigned long long)st.first_lines[2]);
    o.max_malformed = 0;
    CHECK(read_all(p, &o, NULL, err, sizeof err) == -1);
    snprintf(want, sizeof want, "%s:3: more than 0 malformed", p);
    CHECKF(strstr(err, want) != NULL, "%s", err);

    /* a record over the cap is malformed, the next one is read */
    char *big = malloc(300000);
    snprintf(big, 300000, "{\"msg\":\"response completed\",\"pad\":\"%0200000d\"}\n%s", 0, dist);
    p = write_file("big.log", big, 0);
    rb_trace_opts small = {.max_malformed = -1, .max_record = 100000};
    CHECK(read_all(p, &small, &st, err, sizeof err) == 1);
    CHECK(st.malformed == 4 && st.first_lines[0] == 1 && st.buf_peak <= small.max_record + 1);
    free(big);
}

static void test_unknown(void)
{
    char err[512];
    const char *p = write_file("text.log", "time=\"2026-01-01\" level=info msg=\"response completed\"\n", 0);
    CHECK(rb_trace_open(p, NULL, err, sizeof err) == NULL);
    CHECKF(strstr(err, p) && strstr(err, "not a trace format"), "%s", err);
    p = write_file("empty.log", "\n  \n", 0);
    CHECK(rb_trace_open(p, NULL, err, sizeof err) == NULL && strstr(err, "empty"));
    CHECK(rb_trace_open("/nonexistent/trace.json", NULL, err, sizeof err) == NULL);
    CHECKF(strstr(err, "/nonexistent/trace.json: cannot open"), "%s", err);
}

static void test_kinds(void)
{
    static const struct { const char *uri; rb_trace_kind kind; const char *repo, *ref; } cases[] = {
        {"/v2/", RB_TRACE_OTHER, "", ""},
        {"/v2/_catalog?n=100", RB_TRACE_CATALOG, "", ""},
        {"/v2/a/b/c/d/manifests/v1.2", RB_TRACE_MANIFEST, "a/b/c/d", "v1.2"},
        {"/v2/lib/manifests/sha256:abcd", RB_TRACE_MANIFEST, "lib", "sha256:abcd"},
        {"/v2/x/blobs/sha256:ef01", RB_TRACE_BLOB, "x", "sha256:ef01"},
        {"/v2/x/y/blobs/uploads/", RB_TRACE_UPLOAD, "x/y", ""},
        {"/v2/x/y/blobs/uploads/1234-abcd?_state=zz&digest=sha256:1", RB_TRACE_UPLOAD, "x/y", "1234-abcd"},
        {"/v2/org/team/tags/list?n=10", RB_TRACE_TAGS, "org/team", ""},
        {"/v2/blobs/manifests/latest", RB_TRACE_MANIFEST, "blobs", "latest"},
        {"/v2/org/team/tags/other", RB_TRACE_OTHER, "", ""},
        {"/healthz", RB_TRACE_OTHER, "", ""},
    };
    char text[8192] = "", err[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(text);
        snprintf(text + n, sizeof text - n,
                 "{\"msg\":\"response completed\",\"time\":\"2026-01-01T00:00:00Z\",\"http.request.method\":\"GET\","
                 "\"http.request.uri\":\"%s\",\"http.response.status\":200}\n", cases[i].uri);
    }
    rb_trace *t = rb_trace_open(write_file("kinds.log", text, 0), NULL, err, sizeof err);
    CHECKF(t != NULL, "%s", err);
    if (!t) return;
    rb_trace_rec r;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(rb_trace_next(t, &r, err, sizeof err) == 1);
        CHECKF(r.kind == cases[i].kind && strcmp(r.repo, cases[i].repo) == 0 && strcmp(r.ref, cases[i].ref) == 0,
               "%s: %s repo '%s' ref '%s'", cases[i].uri, rb_trace_kind_name(r.kind), r.repo, r.ref);
    }
    CHECK(rb_trace_next(t, &r, err, sizeof err) == 0);
    rb_trace_close(t);

    /* a cross-repository mount: mount= and from= decoded; digest= absent */
    t = rb_trace_open(write_file("mount.log",
                                 "{\"msg\":\"response completed\",\"time\":\"2026-01-01T00:00:00Z\","
                                 "\"http.request.method\":\"POST\",\"http.request.uri\":"
                                 "\"/v2/a/b/blobs/uploads/?mount=sha256%3Aab&from=lib%2Fbase\",\"http.response.status\":201}\n",
                                 0),
                      NULL, err, sizeof err);
    CHECKF(t != NULL, "%s", err);
    if (!t) return;
    CHECK(rb_trace_next(t, &r, err, sizeof err) == 1);
    CHECKF(r.kind == RB_TRACE_UPLOAD && strcmp(r.mount, "sha256:ab") == 0 && strcmp(r.from, "lib/base") == 0 &&
           r.digest[0] == 0, "mount '%s' from '%s' digest '%s'", r.mount, r.from, r.digest);
    rb_trace_close(t);
}

/* 200,000 records, in both formats, gzip'd: all read, the buffer never past
 * its starting size (records are short), bytes counted. */
static void test_long(void)
{
    char path[512], err[512];
    for (int ibm = 0; ibm < 2; ibm++) {
        snprintf(path, sizeof path, "%s/long%d.gz", tmpdir, ibm);
        gzFile g = gzopen(path, "wb1");
        uint64_t written = 0;
        char line[512];
        if (ibm) { gzputs(g, "[\n"); written += 2; }
        for (int i = 0; i < 200000; i++) {
            int n = ibm ? snprintf(line, sizeof line,
                                   "%s{\"http.request.method\": \"GET\", \"http.request.uri\": \"v2/r%d/blobs/d%d\", "
                                   "\"http.response.status\": 200, \"http.response.written\": %d, "
                                   "\"timestamp\": \"2017-08-01T10:23:43.103Z\"}\n", i ? "," : "", i % 97, i, i)
                        : snprintf(line, sizeof line,
                                   "{\"msg\":\"response completed\",\"time\":\"2026-01-01T00:00:00Z\","
                                   "\"http.request.method\":\"GET\",\"http.request.uri\":\"/v2/r%d/blobs/d%d\","
                                   "\"http.response.status\":200,\"http.response.written\":%d}\n", i % 97, i, i);
            gzwrite(g, line, (unsigned)n);
            written += (uint64_t)n;
        }
        if (ibm) { gzputs(g, "]\n"); written += 2; }
        gzclose(g);
        rb_trace *t = rb_trace_open(path, NULL, err, sizeof err);
        CHECKF(t != NULL, "%s", err);
        if (!t) return;
        rb_trace_rec r;
        long n = 0;
        uint64_t bytes = 0;
        size_t peak = 0;
        int k;
        while ((k = rb_trace_next(t, &r, err, sizeof err)) == 1) {
            n++;
            bytes += r.bytes;
            if (rb_trace_get_stats(t)->buf_size > peak) peak = rb_trace_get_stats(t)->buf_size;
        }
        const rb_trace_stats *st = rb_trace_get_stats(t);
        CHECKF(k == 0 && n == 200000, "%d %ld %s", k, n, err);
        CHECK(bytes == 199999ull * 200000ull / 2);
        CHECKF(peak == 64 * 1024 && st->buf_peak == 64 * 1024 && st->buf_cap == 1024 * 1024 + 1,
               "peak %zu %zu", peak, st->buf_peak);
        CHECK(st->bytes_read == written && st->malformed == 0);
        rb_trace_close(t);
        unlink(path);
    }
}

/* The flat-object fast path and jansson agree: lines the fast path hands
 * to jansson (escapes, nested values) are still records, and what jansson
 * rejects (bad UTF-8, leading zeros, integer overflow, trailing text) is
 * still malformed, wherever it is in the line. */
static void test_fast_path(void)
{
    static const struct { const char *extra, *uri, *status; int ok; } L[] = {
        {"\"x\":1", "/v2/a/b/manifests/t", "200", 1},                        /* plain: the fast path */
        {"\"x\":1", "/v2/a\\/b/manifests/t", "200", 1},                      /* escape in a kept string */
        {"\"ua\":\"say \\\"hi\\\"\\u00b5\"", "/v2/a/b/manifests/t", "200", 1},   /* escapes elsewhere */
        {"\"extra\":{\"a\":[1,2,{\"b\":null}]}", "/v2/a/b/manifests/t", "200", 1},   /* nested */
        {"\"http.response.status\":500", "/v2/a/b/manifests/t", "201", 1},   /* duplicate: the last wins */
        {"\"x\":true,\"y\":false,\"z\":null,\"w\":-1.5e3", "/v2/a/b/manifests/t", "200.0", 1},
        {"\"x\":\"\xc2\xb5s \xe2\x82\xac \xf0\x9f\x90\xb3\"", "/v2/a/b/manifests/t", "200", 1},   /* valid UTF-8 */
        {"\"x\":\"\xff\"", "/v2/a/b/manifests/t", "200", 0},                 /* invalid UTF-8 */
        {"\"x\":\"\xc0\xaf\"", "/v2/a/b/manifests/t", "200", 0},             /* overlong */
        {"\"x\":\"\xed\xa0\x80\"", "/v2/a/b/manifests/t", "200", 0},         /* a surrogate */
        {"\"x\":012", "/v2/a/b/manifests/t", "200", 0},                      /* leading zero */
        {"\"x\":99999999999999999999", "/v2/a/b/manifests/t", "200", 0},     /* too big an integer */
        {"\"x\":1.", "/v2/a/b/manifests/t", "200", 0},
        {"\"x\":tru", "/v2/a/b/manifests/t", "200", 0},
        {"\"x\":\"a\tb\"", "/v2/a/b/manifests/t", "200", 0},                 /* a raw control character */
    };
    size_t nl = sizeof L / sizeof *L, cap = 16384, len = 0;
    char *text = malloc(cap);
    for (size_t i = 0; i < nl; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "{\"msg\":\"response completed\", %s ,\"time\":\"2026-01-01T00:00:0%zuZ\",\"http.request.method\":"
                                "\"GET\",\"http.request.uri\":\"%s\",\"http.response.status\":%s,"
                                "\"http.response.duration\":\"1.5\xc2\xb5s\"}%s\n",
                                L[i].extra, i % 10, L[i].uri, L[i].status, i == 2 ? "  " : "");
    len += (size_t)snprintf(text + len, cap - len, "{\"msg\":\"response completed\",\"time\":\"2026-01-01T00:00:00Z\","
                            "\"http.request.method\":\"GET\",\"http.request.uri\":\"/v2/\",\"http.response.status\":200} x\n");
    const char *p = write_file("fast.log", text, 0);
    free(text);
    char err[512];
    rb_trace *t = rb_trace_open(p, NULL, err, sizeof err);
    CHECKF(t != NULL, "%s", err);
    if (!t) return;
    rb_trace_rec r;
    size_t want_ok = 0;
    for (size_t i = 0; i < nl; i++) {
        if (!L[i].ok) continue;
        want_ok++;
        CHECKF(rb_trace_next(t, &r, err, sizeof err) == 1, "line %zu: %s", i + 1, err);
        CHECKF(r.line == i + 1, "record %zu on line %llu", i + 1, (unsigned long long)r.line);
        CHECK(r.kind == RB_TRACE_MANIFEST && strcmp(r.repo, "a/b") == 0 && strcmp(r.ref, "t") == 0);
        CHECK(r.status == (i == 4 ? 201 : 200) && r.duration_us == 2 && strcmp(r.method, "GET") == 0);
    }
    CHECK(rb_trace_next(t, &r, err, sizeof err) == 0);
    const rb_trace_stats *st = rb_trace_get_stats(t);
    CHECKF(st->records == want_ok && st->malformed == nl - want_ok + 1, "records %llu, malformed %llu",
           (unsigned long long)st->records, (unsigned long long)st->malformed);
    rb_trace_close(t);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/rb-test-trace-XXXXXX");
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 1; }
    test_distribution_fixture();
    test_ibm();
    test_malformed();
    test_unknown();
    test_kinds();
    test_long();
    test_fast_path();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return rbtest_done("test_trace");
}
