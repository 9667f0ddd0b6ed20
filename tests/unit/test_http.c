/* test_http: the HTTP layer against a scripted server on the same loop, for
 * the responses a registry cannot be made to produce: bodies framed by
 * length, by chunks and by close, headers and chunk lines split across
 * reads, interim 1xx responses, HEAD with a length, 204, a server that
 * resets, truncates, stalls or never answers, oversized headers, a closed
 * port, keep-alive reuse, and a reused connection the server dropped (the
 * request must be retried on a new one), bodies handed to a sink (read in
 * place into the sink's buffer, paused and resumed both ways), and
 * redirects (relative, to another origin without the credentials, to a
 * host name, which the built-in client hands to libcurl, and a loop), and
 * verified bodies (matching, wrong digest, wrong size either way, cut short,
 * an error response, hashed inline and on the worker thread), and request
 * bodies sent from a file (rb_sendfile_fn: counted by the server as they
 * stream, a source that fails, a server that answers before the body is
 * in, a retry on a new connection). Every case runs through both
 * clients, the built-in one (RB_HTTP_AUTO) and libcurl, and both must agree
 * on what the caller sees. Loopback only; every wait is bounded. */
#include "net/rb_http.h"
#include "util/rb_digest.h"
#include "util/rb_util.h"
#include "rbtest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

/* ---- the scripted server ---------------------------------------------------- */

enum { THEN_KEEP, THEN_CLOSE, THEN_HANG, THEN_DROP_NEXT };

typedef struct route {
    const char *path;
    const char *pieces[6];   /* sent in order, gap_ms apart */
    int gap_ms;
    int then;                /* after the last piece */
} route;

static char big_head[300 * 1024];

static const route routes[] = {
    {"/len", {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Test: a\r\n\r\nhello"}, 0, THEN_KEEP},
    {"/split", {"HTTP/1.1 200 OK\r\nContent-Le", "ngth: 11\r\n\r", "\nhello ", "world"}, 20, THEN_KEEP},
    {"/chunked", {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhe", "llo\r\n6;ext=1\r", "\n world\r\n0\r\n",
                  "Trailer-A: x\r\n\r\n"}, 20, THEN_KEEP},
    {"/close", {"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil ", "close"}, 20, THEN_CLOSE},
    {"/interim", {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\nLocation: /x\r\n\r\n"}, 0,
     THEN_KEEP},
    {"/head", {"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"}, 0, THEN_KEEP},
    {"/nocontent", {"HTTP/1.1 204 No Content\r\n\r\n"}, 0, THEN_KEEP},
    {"/reset", {NULL}, 0, THEN_CLOSE},
    {"/partial", {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcd"}, 0, THEN_CLOSE},
    {"/slow", {NULL}, 0, THEN_HANG},
    {"/stall", {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab"}, 0, THEN_HANG},
    {"/garbage", {"SPDY/9 what\r\n\r\n"}, 0, THEN_CLOSE},
    {"/bighead", {big_head}, 0, THEN_CLOSE},
    {"/dropnext", {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"}, 0, THEN_DROP_NEXT},
    {"/echo", {NULL}, 0, THEN_KEEP},
    {"/redir-rel", {"HTTP/1.1 302 Found\r\nLocation: len\r\nContent-Length: 9\r\n\r\nredirect!"}, 0, THEN_KEEP},
    {"/redir-chunked", {"HTTP/1.1 301 Moved\r\nLocation: /chunked\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"},
     0, THEN_KEEP},
    {"/redir-loop", {"HTTP/1.1 307 Again\r\nLocation: /redir-loop\r\nContent-Length: 0\r\n\r\n"}, 0, THEN_KEEP},
    {"/redir-same", {NULL}, 0, THEN_KEEP},    /* 307 to /echo on this origin (generated) */
    {"/redir-other", {NULL}, 0, THEN_KEEP},   /* 307 to /echo on the other listener */
    {"/redir-name", {NULL}, 0, THEN_KEEP},    /* 302 to http://localhost:PORT/len */
    {"/big", {NULL}, 0, THEN_KEEP},           /* BIG_BODY bytes of pattern() */
    {"/huge", {NULL}, 0, THEN_KEEP},          /* HUGE_BODY bytes of pattern(): hashed on the worker */
    {"/missing", {"HTTP/1.1 404 Not Found\r\nContent-Length: 36\r\n\r\n{\"errors\":[{\"code\":\"BLOB_UNKNOWN\"}]}"}, 0,
     THEN_KEEP},
};

#define BIG_BODY (3u << 20)
#define HUGE_BODY (6u << 20)   /* over the 4 MiB from which verified bodies are hashed on the worker */
static unsigned char pattern(size_t i)
{
    return (unsigned char)(i * 7 + (i >> 11));
}

typedef struct srv_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    char in[64 * 1024];
    size_t in_len;
    const route *rt;
    int piece;
    int requests;            /* requests answered on this connection */
    int drop_next;           /* the next request gets the connection closed instead */
    int closing;
    uint64_t count_left;     /* /count: body bytes still to come */
    uint64_t count_got;
    uint32_t count_sum;      /* FNV-1a of the body so far */
    int discarding;          /* /early: answered; the rest of the body is dropped */
    struct srv_conn *next;   /* all connections, for the final clean-up */
} srv_conn;

static srv_conn *srv_conns;

static uv_tcp_t listener, listener2;
static int port, port2;
static int accepted;         /* connections accepted */
static char echo_buf[4096];

static void srv_closed(uv_handle_t *h)
{
    srv_conn *c = h->data;
    if (h == (uv_handle_t *)&c->tcp) {
        uv_close((uv_handle_t *)&c->timer, srv_closed);
        return;
    }
    for (srv_conn **pp = &srv_conns; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    free(c);
}

static void srv_close(srv_conn *c)
{
    if (c->closing) return;
    c->closing = 1;
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->tcp, srv_closed);
}

static void srv_write_done(uv_write_t *w, int status)
{
    (void)status;
    free(w->data);
    free(w);
}

static void srv_send(srv_conn *c, const char *s, size_t n)
{
    uv_write_t *w = malloc(sizeof *w);
    char *copy = malloc(n);
    memcpy(copy, s, n);
    w->data = copy;
    uv_buf_t b = uv_buf_init(copy, (unsigned)n);
    uv_write(w, (uv_stream_t *)&c->tcp, &b, 1, srv_write_done);
}

static void srv_next_piece(uv_timer_t *t)
{
    srv_conn *c = t->data;
    const route *r = c->rt;
    if (c->closing || !r) return;
    const char *p = c->piece < 6 ? r->pieces[c->piece] : NULL;
    if (p) {
        srv_send(c, p, strlen(p));
        c->piece++;
        if (c->piece < 6 && r->pieces[c->piece]) {
            uv_timer_start(&c->timer, srv_next_piece, (uint64_t)r->gap_ms, 0);
            return;
        }
    }
    c->requests++;
    if (r->then == THEN_CLOSE) srv_close(c);
    else if (r->then == THEN_DROP_NEXT) c->drop_next = 1;
    c->rt = NULL;
}

static uint32_t fnv(uint32_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

/* /count: takes the body bytes in c->in as they stream (the body may be
 * larger than the buffer); at its end answers 201 with its length and hash. */
static void srv_count(srv_conn *c)
{
    size_t k = c->in_len < c->count_left ? c->in_len : (size_t)c->count_left;
    c->count_sum = fnv(c->count_sum, (const unsigned char *)c->in, k);
    c->count_left -= k;
    c->count_got += k;
    memmove(c->in, c->in + k, c->in_len - k);
    c->in_len -= k;
    if (c->count_left) return;
    char msg[64], head[128];
    int m = snprintf(msg, sizeof msg, "got=%llu sum=%08x", (unsigned long long)c->count_got, c->count_sum);
    int n = snprintf(head, sizeof head, "HTTP/1.1 201 Created\r\nContent-Length: %d\r\n\r\n", m);
    srv_send(c, head, (size_t)n);
    srv_send(c, msg, (size_t)m);
    c->requests++;
    c->count_got = 0;
}

/* Looks for a complete request in c->in and answers it. */
static void srv_request(srv_conn *c)
{
    char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (!end || c->rt || c->count_left || c->discarding) return;
    size_t head = (size_t)(end - c->in) + 4;
    size_t body = 0;
    char *cl = memmem(c->in, head, "Content-Length: ", 16);
    if (cl) body = strtoul(cl + 16, NULL, 10);
    if (c->drop_next && c->in_len >= head) {
        srv_close(c);
        return;
    }
    char path[256] = "";
    sscanf(c->in, "%*s %255s", path);
    if (strcmp(path, "/early") == 0) {   /* answers at the head, then drops what follows */
        static const char r401[] = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        srv_send(c, r401, sizeof r401 - 1);
        c->discarding = 1;
        c->in_len = 0;
        return;
    }
    if (strcmp(path, "/count") == 0 && body) {   /* streams the body, however large */
        memmove(c->in, c->in + head, c->in_len - head);
        c->in_len -= head;
        c->count_left = body;
        c->count_sum = 2166136261u;
        srv_count(c);
        return;
    }
    if (c->in_len < head + body) return;
    const route *r = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(routes[i].path, path) == 0) r = &routes[i];
    if (!r) {
        srv_send(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 45);
    } else if (strncmp(r->path, "/redir-", 7) == 0 && !r->pieces[0]) {
        int to = strcmp(r->path, "/redir-other") == 0 ? port2 : port;
        const char *host = strcmp(r->path, "/redir-name") == 0 ? "localhost" : "127.0.0.1";
        const char *target = strcmp(r->path, "/redir-name") == 0 ? "/len" : "/echo";
        int n = snprintf(echo_buf, sizeof echo_buf,
                         "HTTP/1.1 307 Temporary\r\nLocation: http://%s:%d%s\r\nContent-Length: 0\r\n\r\n", host, to, target);
        srv_send(c, echo_buf, (size_t)n);
        c->requests++;
    } else if (strcmp(r->path, "/big") == 0 || strcmp(r->path, "/huge") == 0) {
        unsigned size = strcmp(r->path, "/big") == 0 ? BIG_BODY : HUGE_BODY;
        int n = snprintf(echo_buf, sizeof echo_buf, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n", size);
        srv_send(c, echo_buf, (size_t)n);
        char *payload = malloc(size);
        for (size_t i = 0; i < size; i++) payload[i] = (char)pattern(i);
        srv_send(c, payload, size);
        free(payload);
        c->requests++;
    } else if (strcmp(r->path, "/echo") == 0) {
        /* answers with the request's head and body, so the test sees what was sent */
        int n = snprintf(echo_buf, sizeof echo_buf, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", head + body);
        srv_send(c, echo_buf, (size_t)n);
        srv_send(c, c->in, head + body);
        c->requests++;
    } else {
        c->rt = r;
        c->piece = 0;
        srv_next_piece(&c->timer);
    }
    memmove(c->in, c->in + head + body, c->in_len - head - body);
    c->in_len -= head + body;
}

static void srv_alloc(uv_handle_t *h, size_t sz, uv_buf_t *b)
{
    srv_conn *c = h->data;
    (void)sz;
    b->base = c->in + c->in_len;
    b->len = sizeof c->in - c->in_len;
}

static void srv_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    srv_conn *c = s->data;
    (void)b;
    if (n < 0) {
        srv_close(c);
        return;
    }
    c->in_len += (size_t)n;
    if (c->discarding) c->in_len = 0;
    if (c->count_left) srv_count(c);
    srv_request(c);
}

static void srv_accept(uv_stream_t *l, int status)
{
    if (status < 0) return;
    srv_conn *c = calloc(1, sizeof *c);
    uv_tcp_init(l->loop, &c->tcp);
    uv_timer_init(l->loop, &c->timer);
    c->tcp.data = c->timer.data = c;
    c->next = srv_conns;
    srv_conns = c;
    if (uv_accept(l, (uv_stream_t *)&c->tcp) != 0) {
        srv_close(c);
        return;
    }
    accepted++;
    uv_read_start((uv_stream_t *)&c->tcp, srv_alloc, srv_read);
}

/* ---- the client side ---------------------------------------------------------- */

typedef struct result {
    int done;
    long status;
    rb_err_class err;
    char error[256];
    char body[1024];
    size_t body_len;
    char headers[2048];
    uint64_t bytes_sent, bytes_received, ttfb_us, body_us, total_us;
    char url[256];           /* effective URL */
    int verified;
} result;

static void on_done(rb_xfer *x, rb_http_resp *r, void *ud)
{
    (void)x;
    result *res = ud;
    res->done = 1;
    res->status = r->status;
    res->err = r->err;
    snprintf(res->error, sizeof res->error, "%s", r->error);
    res->body_len = r->body_len;
    if (r->body) snprintf(res->body, sizeof res->body, "%s", r->body);
    if (r->headers) snprintf(res->headers, sizeof res->headers, "%s", r->headers);
    res->bytes_sent = r->bytes_sent;
    res->bytes_received = r->bytes_received;
    if (r->effective_url) snprintf(res->url, sizeof res->url, "%s", r->effective_url);
    res->ttfb_us = r->ttfb_us;
    res->body_us = r->body_us;
    res->total_us = r->total_us;
    res->verified = r->verified;
}

static rb_loop *loop;

/* Runs a request to completion (at most 10 s) through engine e. */
static result run_req(rb_http_engine e, const rb_http_req *req)
{
    result res;
    memset(&res, 0, sizeof res);
    rb_loop_set_engine(loop, e);
    char err[256];
    if (!rb_http_start(loop, req, on_done, &res, err, sizeof err)) {
        CHECKF(0, "start %s: %s", req->url, err);
        return res;
    }
    uint64_t t0 = rb_now_us();
    while (!res.done && rb_now_us() - t0 < 10 * 1000000ull)
        uv_run(rb_loop_uv(loop), UV_RUN_ONCE);
    CHECKF(res.done, "%s %s did not finish in 10 s", req->method ? req->method : "GET", req->url);
    return res;
}

/* Runs one request to completion (at most 10 s). */
static result fetch(rb_http_engine e, const char *method, const char *path, const char *body,
                    double timeout_s, double stall_s, size_t max_body)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    static const char *const headers[] = {"X-Custom: yes", "Accept:", NULL};
    rb_http_req req;
    memset(&req, 0, sizeof req);
    req.method = method;
    req.url = url;
    req.headers = headers;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    req.timeout_s = timeout_s;
    req.stall_s = stall_s;
    req.max_body = max_body;
    return run_req(e, &req);
}

static const char *engine(rb_http_engine e)
{
    return rb_http_engine_name(e);
}

static void cases(rb_http_engine e)
{
    const char *en = engine(e);
    result r;

    /* framing */
    r = fetch(e, "GET", "/len", NULL, 5, 0, 0);
    CHECKF(r.status == 200 && r.err == RB_ERR_NONE && strcmp(r.body, "hello") == 0 && r.body_len == 5,
           "%s /len: %ld %d '%s' %s", en, r.status, r.err, r.body, r.error);
    CHECKF(strstr(r.headers, "X-Test: a\r\n") && strncmp(r.headers, "HTTP/1.1 200", 12) == 0,
           "%s /len headers: %s", en, r.headers);
    CHECKF(r.ttfb_us > 0 && r.ttfb_us <= r.total_us, "%s /len timings %llu %llu", en,
           (unsigned long long)r.ttfb_us, (unsigned long long)r.total_us);
    CHECKF(r.body_us >= r.ttfb_us && r.body_us <= r.total_us, "%s /len first body byte %llu", en,
           (unsigned long long)r.body_us);
    r = fetch(e, "GET", "/split", NULL, 5, 0, 0);
    CHECKF(r.status == 200 && strcmp(r.body, "hello world") == 0, "%s /split: %ld '%s' %s", en, r.status, r.body, r.error);
    /* the head arrives in two pieces 20 ms apart, the body 20 ms after: the first body byte is the later */
    CHECKF(r.body_us >= r.ttfb_us + 30000 && r.body_us <= r.total_us, "%s /split first byte %llu, first body byte %llu",
           en, (unsigned long long)r.ttfb_us, (unsigned long long)r.body_us);
    r = fetch(e, "GET", "/chunked", NULL, 5, 0, 0);
    CHECKF(r.status == 200 && r.err == RB_ERR_NONE && strcmp(r.body, "hello world") == 0,
           "%s /chunked: %ld '%s' %s", en, r.status, r.body, r.error);
    r = fetch(e, "GET", "/close", NULL, 5, 0, 0);
    CHECKF(r.status == 200 && r.err == RB_ERR_NONE && strcmp(r.body, "until close") == 0,
           "%s /close: %ld '%s' %s", en, r.status, r.body, r.error);
    r = fetch(e, "PUT", "/interim", "", 5, 0, 0);
    CHECKF(r.status == 201 && r.err == RB_ERR_NONE && strstr(r.headers, "Location: /x") && !strstr(r.headers, "100"),
           "%s /interim: %ld %s [%s]", en, r.status, r.error, r.headers);
    r = fetch(e, "HEAD", "/head", NULL, 5, 0, 0);
    CHECKF(r.status == 200 && r.err == RB_ERR_NONE && r.body_len == 0 && r.body_us == 0, "%s HEAD: %ld %s", en, r.status,
           r.error);
    r = fetch(e, "DELETE", "/nocontent", NULL, 5, 0, 0);
    CHECKF(r.status == 204 && r.err == RB_ERR_NONE && r.body_len == 0, "%s 204: %ld %s", en, r.status, r.error);
    r = fetch(e, "GET", "/missing", NULL, 5, 0, 0);
    CHECKF(r.status == 404 && r.err == RB_ERR_NONE, "%s 404: %ld %s", en, r.status, r.error);

    /* what goes out: method, path, Host, custom headers, a removed default, body and its length */
    r = fetch(e, "POST", "/echo?q=1", "payload", 5, 0, 0);
    CHECKF(r.status == 404, "%s: /echo?q=1 is not /echo (%ld)", en, r.status);
    r = fetch(e, "POST", "/echo", "payload", 5, 0, 0);
    char host[64];
    snprintf(host, sizeof host, "Host: 127.0.0.1:%d\r\n", port);
    CHECKF(r.status == 200 && strncmp(r.body, "POST /echo HTTP/1.1\r\n", 21) == 0 && strstr(r.body, host) &&
           strstr(r.body, "X-Custom: yes\r\n") && !strstr(r.body, "Accept:") &&
           strstr(r.body, "Content-Length: 7\r\n") && strstr(r.body, "\r\n\r\npayload") && r.bytes_sent == 7,
           "%s echo: %ld sent %llu [%s]", en, r.status, (unsigned long long)r.bytes_sent, r.body);
    r = fetch(e, "PUT", "/echo", NULL, 5, 0, 0);
    CHECKF(r.status == 200 && strstr(r.body, "Content-Length: 0\r\n"), "%s empty PUT: [%s]", en, r.body);

    /* failures */
    r = fetch(e, "GET", "/reset", NULL, 5, 0, 0);
    CHECKF(r.err == RB_ERR_CONNECT && r.error[0], "%s /reset: err %d %s", en, r.err, r.error);
    r = fetch(e, "GET", "/partial", NULL, 5, 0, 0);
    CHECKF(r.err == RB_ERR_INTEGRITY, "%s /partial: err %d %s", en, r.err, r.error);
    r = fetch(e, "GET", "/slow", NULL, 0.3, 0, 0);
    CHECKF(r.err == RB_ERR_TIMEOUT && r.total_us >= 300000 && r.total_us < 3000000, "%s /slow: err %d %s after %llu us",
           en, r.err, r.error, (unsigned long long)r.total_us);
    r = fetch(e, "GET", "/stall", NULL, 5, 1, 0);
    CHECKF(r.err == RB_ERR_TIMEOUT && r.total_us < 4500000, "%s /stall: err %d %s after %llu us", en, r.err, r.error,
           (unsigned long long)r.total_us);
    r = fetch(e, "GET", "/garbage", NULL, 5, 0, 0);
    CHECKF(r.err != RB_ERR_NONE, "%s /garbage: err %d status %ld", en, r.err, r.status);
    r = fetch(e, "GET", "/bighead", NULL, 5, 0, 0);
    CHECKF(r.err != RB_ERR_NONE || r.status == 200, "%s /bighead: err %d %s", en, r.err, r.error);
    if (e == RB_HTTP_AUTO)
        CHECKF(r.err == RB_ERR_OTHER && strstr(r.error, "larger than"), "auto /bighead: err %d %s", r.err, r.error);
    r = fetch(e, "GET", "/len", NULL, 5, 0, 3);
    CHECKF(r.err == RB_ERR_OTHER && strstr(r.error, "limit"), "%s max_body: err %d %s", en, r.err, r.error);

    /* keep-alive: sequential requests share one connection */
    fetch(e, "GET", "/len", NULL, 5, 0, 0);   /* a fresh connection after the failures above */
    int before = accepted;
    for (int i = 0; i < 5; i++) {
        r = fetch(e, "GET", "/len", NULL, 5, 0, 0);
        CHECKF(r.status == 200, "%s keep-alive %d: %ld %s", en, i, r.status, r.error);
    }
    CHECKF(accepted == before, "%s keep-alive: %d new connections for 5 requests", en, accepted - before);

    /* a reused connection the server drops when the next request arrives:
     * retried once on a new connection, the caller sees success */
    r = fetch(e, "GET", "/dropnext", NULL, 5, 0, 0);
    CHECKF(r.status == 200, "%s /dropnext 1: %ld %s", en, r.status, r.error);
    before = accepted;
    r = fetch(e, "GET", "/len", NULL, 5, 0, 0);
    CHECKF(r.status == 200 && r.err == RB_ERR_NONE && strcmp(r.body, "hello") == 0, "%s retry: %ld %d %s", en,
           r.status, r.err, r.error);
    CHECKF(accepted == before + 1, "%s retry: %d new connections, want 1", en, accepted - before);

    /* nothing listens on this port */
    int saved = port;
    port = 1;
    r = fetch(e, "GET", "/len", NULL, 5, 0, 0);
    CHECKF(r.err == RB_ERR_CONNECT && r.status == 0, "%s closed port: err %d %s", en, r.err, r.error);
    port = saved;
}

/* Many concurrent requests on the built-in client: all finish, and each
 * connection serves many of them. */
/* ---- sinks and redirects --------------------------------------------------------- */

typedef struct sinker {
    result *res;
    rb_xfer *x;
    int use_buf;             /* offer a buffer to read into (rb_sinkbuf_fn) */
    int pause_every;         /* every Nth sink call refuses the bytes (RB_SINK_PAUSE) */
    int nobuf_every;         /* every Nth buffer request finds no room */
    int calls, buf_calls, pauses;
    char buf[100 * 1000];    /* a ring the bytes are read into */
    size_t at;               /* where the next bytes go in buf */
    size_t got, in_place;    /* bytes taken; of them, at the address offered */
    char *offered;
    int bad;                 /* a /big byte differed from pattern() */
    char text[64];           /* the first bytes, for small bodies */
    uv_timer_t resume;
} sinker;

static void sinker_resume(uv_timer_t *t)
{
    sinker *k = t->data;
    if (!k->res->done) rb_http_resume(k->x);
}

static void sinker_pause(sinker *k)
{
    k->pauses++;
    uv_timer_start(&k->resume, sinker_resume, 2, 0);
}

static int t_sink(void *ud, const char *p, size_t n)
{
    sinker *k = ud;
    if (k->pause_every && ++k->calls % k->pause_every == 0) {
        sinker_pause(k);
        return RB_SINK_PAUSE;
    }
    if (k->offered && p == k->offered) k->in_place += n;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)p[i] != pattern(k->got + i)) k->bad = 1;
        if (k->got + i < sizeof k->text - 1) k->text[k->got + i] = p[i];
    }
    k->got += n;
    if (p >= k->buf && p < k->buf + sizeof k->buf) k->at = (size_t)(p - k->buf) + n;
    k->offered = NULL;
    return 0;
}

static char *t_sinkbuf(void *ud, size_t *room)
{
    sinker *k = ud;
    if (k->nobuf_every && ++k->buf_calls % k->nobuf_every == 0) {
        sinker_pause(k);
        return NULL;
    }
    if (k->at == sizeof k->buf) k->at = 0;
    k->offered = k->buf + k->at;
    *room = sizeof k->buf - k->at;
    return k->offered;
}

/* Runs a GET whose body goes to a sinker (at most 10 s). */
static result fetch_sink(rb_http_engine e, const char *path, sinker *k)
{
    result res;
    memset(&res, 0, sizeof res);
    k->res = &res;
    uv_timer_init(rb_loop_uv(loop), &k->resume);
    k->resume.data = k;
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    rb_http_req req;
    memset(&req, 0, sizeof req);
    req.url = url;
    req.body_mode = RB_BODY_SINK;
    req.sink = t_sink;
    req.sinkbuf = k->use_buf ? t_sinkbuf : NULL;
    req.sink_ud = k;
    req.timeout_s = 10;
    req.follow_redirects = 1;
    rb_loop_set_engine(loop, e);
    char err[256];
    k->x = rb_http_start(loop, &req, on_done, &res, err, sizeof err);
    CHECKF(k->x != NULL, "start %s: %s", path, err);
    uint64_t t0 = rb_now_us();
    while (k->x && !res.done && rb_now_us() - t0 < 10 * 1000000ull)
        uv_run(rb_loop_uv(loop), UV_RUN_ONCE);
    CHECKF(res.done, "sink GET %s did not finish in 10 s", path);
    uv_timer_stop(&k->resume);
    uv_close((uv_handle_t *)&k->resume, NULL);
    uv_run(rb_loop_uv(loop), UV_RUN_NOWAIT);
    return res;
}

static void sink_cases(rb_http_engine e)
{
    const char *en = engine(e);
    static sinker k;
    result r;

    memset(&k, 0, sizeof k);
    k.use_buf = 1;
    r = fetch_sink(e, "/big", &k);
    CHECKF(r.status == 200 && r.err == RB_ERR_NONE && k.got == BIG_BODY && r.bytes_received == BIG_BODY && !k.bad,
           "%s sink /big: %ld %s got %zu bad %d", en, r.status, r.error, k.got, k.bad);
    /* the built-in client reads the body into the sink's buffer; libcurl copies it there */
    if (e == RB_HTTP_AUTO)
        CHECKF(k.in_place > BIG_BODY / 2, "%s sink /big: only %zu of %u bytes read in place", en, k.in_place, BIG_BODY);
    else
        CHECKF(k.in_place == 0, "%s sink /big: libcurl does not use the buffer (%zu)", en, k.in_place);

    memset(&k, 0, sizeof k);
    k.use_buf = 1;
    k.pause_every = 5;
    r = fetch_sink(e, "/big", &k);
    CHECKF(r.status == 200 && r.err == RB_ERR_NONE && k.got == BIG_BODY && !k.bad && k.pauses > 0,
           "%s sink /big pausing: %ld %s got %zu bad %d pauses %d", en, r.status, r.error, k.got, k.bad, k.pauses);

    memset(&k, 0, sizeof k);
    k.use_buf = 1;
    k.nobuf_every = 3;
    r = fetch_sink(e, "/big", &k);
    CHECKF(r.status == 200 && r.err == RB_ERR_NONE && k.got == BIG_BODY && !k.bad,
           "%s sink /big without room: %ld %s got %zu bad %d", en, r.status, r.error, k.got, k.bad);
    if (e == RB_HTTP_AUTO) CHECKF(k.pauses > 0, "%s sink /big: the full buffer never paused the transfer", en);

    memset(&k, 0, sizeof k);
    k.use_buf = 1;
    k.pause_every = 2;
    r = fetch_sink(e, "/chunked", &k);
    CHECKF(r.status == 200 && r.err == RB_ERR_NONE && strcmp(k.text, "hello world") == 0,
           "%s sink /chunked: %ld %s '%s'", en, r.status, r.error, k.text);

    /* a redirect's own body never reaches the sink */
    memset(&k, 0, sizeof k);
    k.use_buf = 1;
    r = fetch_sink(e, "/redir-rel", &k);
    CHECKF(r.status == 200 && r.err == RB_ERR_NONE && strcmp(k.text, "hello") == 0 && r.bytes_received == 5,
           "%s sink /redir-rel: %ld %s '%s'", en, r.status, r.error, k.text);
}

/* Runs a GET (or HEAD) with credentials that follows redirects or not. */
static result fetch_follow(rb_http_engine e, const char *method, const char *path, int follow)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    static const char *const headers[] = {"Authorization: Bearer sekrit", "X-Custom: yes", NULL};
    rb_http_req req;
    memset(&req, 0, sizeof req);
    req.method = method;
    req.url = url;
    req.headers = headers;
    req.timeout_s = 10;
    req.follow_redirects = follow;
    return run_req(e, &req);
}

static void redirect_cases(rb_http_engine e)
{
    const char *en = engine(e);
    char want[128];
    result r = fetch_follow(e, "GET", "/redir-rel", 1);
    snprintf(want, sizeof want, "http://127.0.0.1:%d/len", port);
    CHECKF(r.status == 200 && r.err == RB_ERR_NONE && strcmp(r.body, "hello") == 0 && strcmp(r.url, want) == 0 &&
               strstr(r.headers, "X-Test: a") && !strstr(r.headers, "302"),
           "%s /redir-rel: %ld %s '%s' %s [%s]", en, r.status, r.error, r.body, r.url, r.headers);
    r = fetch_follow(e, "GET", "/redir-rel", 0);
    CHECKF(r.status == 302 && r.err == RB_ERR_NONE && strcmp(r.body, "redirect!") == 0,
           "%s /redir-rel not followed: %ld %s '%s'", en, r.status, r.error, r.body);
    r = fetch_follow(e, "GET", "/redir-chunked", 1);
    CHECKF(r.status == 200 && strcmp(r.body, "hello world") == 0, "%s /redir-chunked: %ld %s '%s'", en, r.status,
           r.error, r.body);
    r = fetch_follow(e, "HEAD", "/redir-rel", 1);
    CHECKF(r.status == 200 && r.err == RB_ERR_NONE && r.body_len == 0, "%s HEAD /redir-rel: %ld %s", en, r.status, r.error);
    /* credentials go to the same origin only */
    r = fetch_follow(e, "GET", "/redir-same", 1);
    CHECKF(r.status == 200 && strstr(r.body, "Authorization: Bearer sekrit") && strstr(r.body, "X-Custom: yes"),
           "%s /redir-same: %ld %s '%s'", en, r.status, r.error, r.body);
    r = fetch_follow(e, "GET", "/redir-other", 1);
    CHECKF(r.status == 200 && strstr(r.body, "GET /echo") && !strstr(r.body, "sekrit") && strstr(r.body, "X-Custom: yes"),
           "%s /redir-other: %ld %s '%s'", en, r.status, r.error, r.body);
    /* a host name: the built-in client hands the transfer to libcurl */
    r = fetch_follow(e, "GET", "/redir-name", 1);
    snprintf(want, sizeof want, "http://localhost:%d/len", port);
    CHECKF(r.status == 200 && r.err == RB_ERR_NONE && strcmp(r.body, "hello") == 0 && strcmp(r.url, want) == 0 &&
               r.ttfb_us > 0 && r.ttfb_us <= r.total_us,
           "%s /redir-name: %ld %s '%s' %s", en, r.status, r.error, r.body, r.url);
    r = fetch_follow(e, "GET", "/redir-loop", 1);
    CHECKF(r.err != RB_ERR_NONE && strstr(r.error, "edirect"), "%s /redir-loop: %ld %d %s", en, r.status, r.err, r.error);
}

/* ---- request bodies sent from a file (rb_sendfile_fn) ---------------------------- */

#define FILE_BODY (8u << 20)   /* more than the socket buffers: the built-in client waits for room */

typedef struct tfile {
    int fd;
    uint64_t pos;            /* libcurl's read position */
    uint64_t size;           /* the body's length */
    int fail;                /* the source fails */
    int sends;               /* send_file calls */
} tfile;

static ssize_t t_read(void *ud, char *buf, size_t n)
{
    tfile *f = ud;
    if (f->fail) return -1;
    if (n > f->size - f->pos) n = (size_t)(f->size - f->pos);
    if (n == 0) return 0;
    ssize_t k = pread(f->fd, buf, n, (off_t)f->pos);
    if (k > 0) f->pos += (uint64_t)k;
    return k;
}

static ssize_t t_send(void *ud, int sock, uint64_t off, size_t n)
{
    tfile *f = ud;
    f->sends++;
    if (f->fail) return 0;
    off_t o = (off_t)off;
    return sendfile(sock, f->fd, &o, n);   /* 0 at the file's end: the source failed */
}

/* A PUT of path whose body is the first size bytes of f. */
static result put_file(rb_http_engine e, const char *path, tfile *f, uint64_t size)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    rb_http_req req;
    memset(&req, 0, sizeof req);
    req.method = "PUT";
    req.url = url;
    req.timeout_s = 10;
    req.read = t_read;
    req.send_file = t_send;
    req.read_ud = f;
    req.read_size = (int64_t)size;
    f->pos = 0;
    f->size = size;
    f->sends = 0;
    return run_req(e, &req);
}

static void file_body_cases(rb_http_engine e, int fd)
{
    const char *en = engine(e);
    tfile f = {fd, 0, 0, 0, 0};
    unsigned char *p = malloc(FILE_BODY);
    for (size_t i = 0; i < FILE_BODY; i++) p[i] = pattern(i);
    char want[64];
    snprintf(want, sizeof want, "got=%u sum=%08x", FILE_BODY, fnv(2166136261u, p, FILE_BODY));
    free(p);

    /* the whole body arrives, counted as sent; the built-in client sends it from the file */
    result r = put_file(e, "/count", &f, FILE_BODY);
    CHECKF(r.status == 201 && r.err == RB_ERR_NONE && strcmp(r.body, want) == 0 && r.bytes_sent == FILE_BODY,
           "%s file body: %ld %s '%s' sent %llu", en, r.status, r.error, r.body, (unsigned long long)r.bytes_sent);
    CHECKF(e == RB_HTTP_AUTO ? f.sends > 1 : f.sends == 0, "%s file body: %d send_file calls", en, f.sends);
    /* keep-alive after a file body; the head says its length */
    int before = accepted;
    r = put_file(e, "/echo", &f, 1000);
    CHECKF(r.status == 200 && strstr(r.body, "PUT /echo HTTP/1.1\r\n") && strstr(r.body, "Content-Length: 1000\r\n") &&
               !strstr(r.body, "Transfer-Encoding") && r.bytes_sent == 1000 && accepted == before,
           "%s small file body: %ld %s sent %llu, %d new connections [%s]", en, r.status, r.error,
           (unsigned long long)r.bytes_sent, accepted - before, r.body);

    /* the source fails: the transfer ends with the message libcurl gives */
    f.fail = 1;
    r = put_file(e, "/count", &f, FILE_BODY);
    f.fail = 0;
    CHECKF(r.err == RB_ERR_OTHER && strstr(r.error, "request body source failed"), "%s failing source: %d %s", en,
           r.err, r.error);
    /* the file is shorter than the length given: the source fails */
    r = put_file(e, "/count", &f, FILE_BODY + 4096);
    CHECKF(r.err != RB_ERR_NONE && r.status != 201, "%s short file: %ld %d %s", en, r.status, r.err, r.error);

    /* the server answers (401) at the head and drops the rest: the caller sees the 401 */
    r = put_file(e, "/early", &f, FILE_BODY);
    CHECKF(r.status == 401 && r.err == RB_ERR_NONE && r.bytes_sent < FILE_BODY, "%s early answer: %ld %d %s sent %llu",
           en, r.status, r.err, r.error, (unsigned long long)r.bytes_sent);

    /* a reused connection the server drops: the built-in client retries on a
     * new one and sends the body again from its start */
    if (e == RB_HTTP_AUTO) {
        r = fetch(e, "GET", "/dropnext", NULL, 5, 0, 0);
        CHECKF(r.status == 200, "%s /dropnext: %ld %s", en, r.status, r.error);
        before = accepted;
        r = put_file(e, "/count", &f, FILE_BODY);
        CHECKF(r.status == 201 && strcmp(r.body, want) == 0 && accepted == before + 1,
               "%s file body retried: %ld %s '%s', %d new connections", en, r.status, r.error, r.body,
               accepted - before);
    }
}

static int conc_done;
/* ---- verified bodies (RB_BODY_VERIFY) ------------------------------------------ */

/* A GET of path verified against digest and size. */
static result fetch_verified(rb_http_engine e, const char *path, const char *digest, int64_t size)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    rb_http_req req;
    memset(&req, 0, sizeof req);
    req.url = url;
    req.timeout_s = 10;
    req.body_mode = RB_BODY_VERIFY;
    req.verify_digest = digest;
    req.verify_size = size;
    return run_req(e, &req);
}

/* "sha256:<hex>" of the first n bytes of pattern(). */
static void pattern_digest(size_t n, char out[72])
{
    unsigned char *p = malloc(n);
    for (size_t i = 0; i < n; i++) p[i] = pattern(i);
    char hex[65];
    rb_sha256_hex(p, n, hex);
    snprintf(out, 72, "sha256:%s", hex);
    free(p);
}

static void verify_cases(rb_http_engine e)
{
    const char *en = engine(e);
    char big[72], huge[72], hello[72], hex[65];
    pattern_digest(BIG_BODY, big);
    pattern_digest(HUGE_BODY, huge);
    rb_sha256_hex("hello", 5, hex);
    snprintf(hello, sizeof hello, "sha256:%s", hex);
    result r;

    /* matches: inline (3 MiB), on the worker (6 MiB), size unknown (inline) */
    r = fetch_verified(e, "/big", big, BIG_BODY);
    CHECKF(r.status == 200 && r.err == RB_ERR_NONE && r.verified && r.bytes_received == BIG_BODY && r.body_len == 0,
           "%s verify /big: %ld %s verified %d got %llu", en, r.status, r.error, r.verified,
           (unsigned long long)r.bytes_received);
    r = fetch_verified(e, "/huge", huge, HUGE_BODY);
    CHECKF(r.status == 200 && r.err == RB_ERR_NONE && r.verified && r.bytes_received == HUGE_BODY,
           "%s verify /huge: %ld %s verified %d", en, r.status, r.error, r.verified);
    r = fetch_verified(e, "/len", hello, -1);
    CHECKF(r.status == 200 && r.err == RB_ERR_NONE && r.verified, "%s verify /len: %ld %s", en, r.status, r.error);

    /* mismatches are integrity errors that say what differed */
    r = fetch_verified(e, "/huge", big, HUGE_BODY);
    CHECKF(r.err == RB_ERR_INTEGRITY && !r.verified && strstr(r.error, "digest mismatch"),
           "%s verify /huge, wrong digest: %d %s", en, r.err, r.error);
    r = fetch_verified(e, "/big", big, -1);
    CHECKF(r.err == RB_ERR_NONE && r.verified, "%s verify /big, size unknown: %d %s", en, r.err, r.error);
    r = fetch_verified(e, "/len", big, -1);
    CHECKF(r.err == RB_ERR_INTEGRITY && strstr(r.error, "digest mismatch"), "%s verify /len, wrong digest: %s", en,
           r.error);
    r = fetch_verified(e, "/big", big, BIG_BODY - 1);
    CHECKF(r.err == RB_ERR_INTEGRITY && strstr(r.error, "larger than the expected"),
           "%s verify /big, expected smaller: %d %s", en, r.err, r.error);
    r = fetch_verified(e, "/huge", huge, HUGE_BODY + 1);
    CHECKF(r.err == RB_ERR_INTEGRITY && strstr(r.error, "size mismatch"),
           "%s verify /huge, expected larger: %d %s", en, r.err, r.error);
    r = fetch_verified(e, "/partial", hello, 10);
    CHECKF(r.err == RB_ERR_INTEGRITY, "%s verify /partial (cut short): %d %s", en, r.err, r.error);

    /* an error response is not verified: its first bytes come back for the message */
    r = fetch_verified(e, "/missing", big, BIG_BODY);
    CHECKF(r.status == 404 && r.err == RB_ERR_NONE && !r.verified && strstr(r.body, "BLOB_UNKNOWN"),
           "%s verify /missing: %ld %d '%s'", en, r.status, r.err, r.body);

    /* a bad digest is refused at the start */
    rb_http_req req;
    memset(&req, 0, sizeof req);
    req.url = "http://127.0.0.1:1/x";
    req.body_mode = RB_BODY_VERIFY;
    req.verify_digest = "md5:abc";
    char err[256];
    rb_loop_set_engine(loop, e);
    CHECKF(!rb_http_start(loop, &req, on_done, NULL, err, sizeof err) && strstr(err, "sha256"),
           "%s verify with a bad digest started", en);
}

static void conc_cb(rb_xfer *x, rb_http_resp *r, void *ud)
{
    (void)x;
    (void)ud;
    if (r->status == 200 && r->body_len == 5) conc_done++;
}

static void concurrent(void)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/len", port);
    rb_loop_set_engine(loop, RB_HTTP_AUTO);
    rb_http_req req;
    memset(&req, 0, sizeof req);
    req.url = url;
    req.timeout_s = 5;
    int before = accepted;
    conc_done = 0;
    for (int round = 0; round < 10; round++) {
        char err[256];
        for (int i = 0; i < 50; i++)
            CHECK(rb_http_start(loop, &req, conc_cb, NULL, err, sizeof err) != NULL);
        uint64_t t0 = rb_now_us();
        while (conc_done < (round + 1) * 50 && rb_now_us() - t0 < 10 * 1000000ull)
            uv_run(rb_loop_uv(loop), UV_RUN_ONCE);
    }
    CHECKF(conc_done == 500, "concurrent: %d of 500 ok", conc_done);
    CHECKF(accepted - before <= 50, "concurrent: %d connections for 10 rounds of 50", accepted - before);
}

int main(void)
{
    memset(big_head, 0, sizeof big_head);
    strcpy(big_head, "HTTP/1.1 200 OK\r\n");
    size_t n = strlen(big_head);
    while (n < sizeof big_head - 200) {
        memcpy(big_head + n, "X-Pad: 0123456789012345678901234567890123456789\r\n", 49);
        n += 49;
    }
    strcpy(big_head + n, "Content-Length: 0\r\n\r\n");

    char err[256];
    loop = rb_loop_new(err, sizeof err);
    if (!loop) {
        fprintf(stderr, "loop: %s\n", err);
        return 1;
    }
    uv_loop_t *uv = rb_loop_uv(loop);
    uv_tcp_init(uv, &listener);
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    CHECK(uv_tcp_bind(&listener, (const struct sockaddr *)&a, 0) == 0);
    CHECK(uv_listen((uv_stream_t *)&listener, 128, srv_accept) == 0);
    struct sockaddr_storage ss;
    int len = sizeof ss;
    uv_tcp_getsockname(&listener, (struct sockaddr *)&ss, &len);
    port = ntohs(((struct sockaddr_in *)&ss)->sin_port);

    uv_tcp_init(uv, &listener2);
    CHECK(uv_tcp_bind(&listener2, (const struct sockaddr *)&a, 0) == 0);
    CHECK(uv_listen((uv_stream_t *)&listener2, 128, srv_accept) == 0);
    len = sizeof ss;
    uv_tcp_getsockname(&listener2, (struct sockaddr *)&ss, &len);
    port2 = ntohs(((struct sockaddr_in *)&ss)->sin_port);

    cases(RB_HTTP_AUTO);
    cases(RB_HTTP_LIBCURL);
    sink_cases(RB_HTTP_AUTO);
    sink_cases(RB_HTTP_LIBCURL);
    redirect_cases(RB_HTTP_AUTO);
    redirect_cases(RB_HTTP_LIBCURL);
    verify_cases(RB_HTTP_AUTO);
    verify_cases(RB_HTTP_LIBCURL);
    char tmpl[] = "/tmp/test_http_body.XXXXXX";
    int fd = mkstemp(tmpl);
    CHECK(fd >= 0);
    if (fd >= 0) {
        unlink(tmpl);
        unsigned char *p = malloc(FILE_BODY);
        for (size_t i = 0; i < FILE_BODY; i++) p[i] = pattern(i);
        CHECK(write(fd, p, FILE_BODY) == (ssize_t)FILE_BODY);
        free(p);
        file_body_cases(RB_HTTP_AUTO, fd);
        file_body_cases(RB_HTTP_LIBCURL, fd);
        close(fd);
    }
    concurrent();

    uv_close((uv_handle_t *)&listener, NULL);
    uv_close((uv_handle_t *)&listener2, NULL);
    for (srv_conn *c = srv_conns; c; c = c->next) srv_close(c);
    for (int i = 0; i < 10 && srv_conns; i++) uv_run(uv, UV_RUN_NOWAIT);
    rb_loop_free(loop);
    return rbtest_done("test_http");
}
