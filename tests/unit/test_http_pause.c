/* test_http_pause: sinks that pause their transfer (RB_SINK_PAUSE) and
 * rb_http_resume, against a small HTTP/1.1 server on a loopback thread that
 * serves GET /N as N bytes of a known pattern. Checked: every byte arrives
 * once and in order across pauses; a sink that pauses again while libcurl
 * hands over the held bytes inside rb_http_resume; a paused transfer
 * cancelled (no callback, the loop goes on); a sink that fails on held
 * bytes ends the transfer at once (not at its timeout); rb_loop_free with a
 * paused transfer and with a hash stream waiting for its digest. Bounded:
 * transfer timeouts, socket timeouts and an alarm. */
#include "net/rb_hashq.h"
#include "net/rb_http.h"
#include "util/rb_util.h"
#include "rbtest.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* ---- the server ---------------------------------------------------------- */

#define MAX_CONNS 32

static int listen_fd = -1;
static int port;
static pthread_t server_thread;
static pthread_t conn_threads[MAX_CONNS];
static int n_conns;

static unsigned char pattern(uint64_t i)
{
    return (unsigned char)(i * 131 + (i >> 11));
}

static void *conn_main(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char req[8192];
    unsigned char body[65536];
    for (;;) {   /* keep-alive: one request after another */
        size_t got = 0;
        while (!memmem(req, got, "\r\n\r\n", 4)) {
            if (got == sizeof req) goto out;
            ssize_t r = recv(fd, req + got, sizeof req - got, 0);
            if (r <= 0) goto out;
            got += (size_t)r;
        }
        unsigned long long size = 0;
        if (sscanf(req, "GET /%llu ", &size) != 1) goto out;
        char head[128];
        int hl = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %llu\r\n\r\n", size);
        if (send(fd, head, (size_t)hl, MSG_NOSIGNAL) != hl) goto out;
        for (uint64_t off = 0; off < size;) {
            size_t n = size - off < sizeof body ? (size_t)(size - off) : sizeof body;
            for (size_t i = 0; i < n; i++) body[i] = pattern(off + i);
            ssize_t w = send(fd, body, n, MSG_NOSIGNAL);
            if (w <= 0) goto out;
            off += (uint64_t)w;
        }
    }
out:
    close(fd);
    return NULL;
}

static void *server_main(void *arg)
{
    (void)arg;
    while (n_conns < MAX_CONNS) {
        int fd = accept(listen_fd, NULL, NULL);
        if (fd < 0) break;
        struct timeval tv = {5, 0};   /* a client gone quiet: give up */
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (pthread_create(&conn_threads[n_conns], NULL, conn_main, (void *)(intptr_t)fd) != 0) {
            close(fd);
            break;
        }
        n_conns++;
    }
    return NULL;
}

static int server_start(void)
{
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(listen_fd, 16) != 0 ||
        getsockname(listen_fd, (struct sockaddr *)&a, &al) != 0)
        return -1;
    port = ntohs(a.sin_port);
    return pthread_create(&server_thread, NULL, server_main, NULL);
}

static void server_stop(void)
{
    shutdown(listen_fd, SHUT_RDWR);
    pthread_join(server_thread, NULL);
    close(listen_fd);
    for (int i = 0; i < n_conns; i++) pthread_join(conn_threads[i], NULL);
}

/* ---- the client ------------------------------------------------------------ */

enum { RESUME, CANCEL };

typedef struct {
    rb_loop *loop;
    rb_xfer *x;
    uint64_t off;           /* bytes taken, checked against the pattern */
    int bad;                /* a byte out of place */
    int calls;
    int pause_every;        /* pause on every n-th call (0: never) */
    int repause;            /* pauses again on the first call inside rb_http_resume, this many times */
    int fail_after_pause;   /* fail on the held bytes */
    int pause_at_call;      /* pause once, on this call (then `then`) */
    int then;               /* RESUME or CANCEL */
    int in_resume;
    int paused;
    int pauses;
    int dones;
    long status;
    rb_err_class err;
    char error[256];
    uint64_t received;
    uv_timer_t timer;
} client;

static int sink(void *ud, const char *buf, size_t n)
{
    client *c = ud;
    c->calls++;
    if (c->in_resume && c->repause > 0) {
        c->repause--;
        c->in_resume = 0;
        c->paused = 1;
        c->pauses++;
        return RB_SINK_PAUSE;
    }
    if (c->in_resume && c->fail_after_pause) return -1;
    c->in_resume = 0;
    if ((c->pause_every && c->calls % c->pause_every == 0) || c->calls == c->pause_at_call) {
        c->paused = 1;
        c->pauses++;
        return RB_SINK_PAUSE;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)buf[i] != pattern(c->off + i)) c->bad++;
    c->off += n;
    return 0;
}

static void on_done(rb_xfer *x, rb_http_resp *r, void *ud)
{
    client *c = ud;
    (void)x;
    c->dones++;
    c->status = r->status;
    c->err = r->err;
    c->received = r->bytes_received;
    snprintf(c->error, sizeof c->error, "%s", r->error);
    c->x = NULL;
}

/* Resumes (or cancels) a paused transfer from the loop, like the hash
 * queue's space callback does. */
static void on_timer(uv_timer_t *t)
{
    client *c = t->data;
    if (!c->paused || !c->x) return;
    c->paused = 0;
    if (c->then == CANCEL) {
        rb_http_cancel(c->x);
        c->x = NULL;
        return;
    }
    c->in_resume = 1;
    rb_http_resume(c->x);   /* may pause again, or end the transfer */
    c->in_resume = 0;
}

static void on_prepare(uv_prepare_t *p)
{
    client *c = p->data;
    if (c->paused && c->x && !uv_is_active((uv_handle_t *)&c->timer))
        uv_timer_start(&c->timer, on_timer, 1, 0);
}

static void client_init(client *c, rb_loop *l)
{
    memset(c, 0, sizeof *c);
    c->loop = l;
    c->then = RESUME;
    uv_timer_init(rb_loop_uv(l), &c->timer);
    c->timer.data = c;
}

/* A new loop with client c on it, pausing once at that call. */
static rb_loop *loop_with(client *c, int pause_at_call)
{
    char err[256];
    rb_loop *l = rb_loop_new(err, sizeof err);
    if (!l) {
        fprintf(stderr, "test_http_pause: %s\n", err);
        exit(1);
    }
    client_init(c, l);
    c->pause_at_call = pause_at_call;
    return l;
}

static int start(client *c, uint64_t size)
{
    char url[64], err[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/%llu", port, (unsigned long long)size);
    rb_http_req req = {.url = url, .body_mode = RB_BODY_SINK, .sink = sink, .sink_ud = c, .timeout_s = 30};
    c->x = rb_http_start(c->loop, &req, on_done, c, err, sizeof err);
    CHECKF(c->x != NULL, "%s", err);
    return c->x != NULL;
}

/* Runs the loop until the clients are done (or gone), bounded. */
static void run(rb_loop *l, client *cs, int n)
{
    uv_prepare_t prep[4];
    for (int i = 0; i < n; i++) {
        uv_prepare_init(rb_loop_uv(l), &prep[i]);
        prep[i].data = &cs[i];
        uv_prepare_start(&prep[i], on_prepare);
    }
    uint64_t t0 = rb_now_us();
    for (;;) {
        int live = 0;
        for (int i = 0; i < n; i++) live += cs[i].x != NULL;
        if (!live || rb_now_us() - t0 > 60000000) break;
        uv_run(rb_loop_uv(l), UV_RUN_ONCE);
    }
    for (int i = 0; i < n; i++) {
        uv_close((uv_handle_t *)&prep[i], NULL);
        uv_timer_stop(&cs[i].timer);
    }
    uv_run(rb_loop_uv(l), UV_RUN_NOWAIT);
}

static void client_close(client *c)
{
    uv_close((uv_handle_t *)&c->timer, NULL);
}

static void test_pause_resume(void)
{
    client c[3];
    const uint64_t size = 8u << 20;
    rb_loop *l = loop_with(&c[0], 0);
    for (int i = 1; i < 3; i++) client_init(&c[i], l);
    c[0].pause_every = 2;                  /* paused on every other piece */
    c[1].pause_every = 5;
    c[1].repause = 20;                     /* and paused again inside rb_http_resume */
    c[2].pause_every = 0;                  /* never: runs alongside */
    for (int i = 0; i < 3; i++) start(&c[i], size);
    run(l, c, 3);
    for (int i = 0; i < 3; i++) {
        CHECKF(c[i].dones == 1, "client %d: %d callbacks", i, c[i].dones);
        CHECKF(c[i].status == 200 && c[i].err == RB_ERR_NONE, "client %d: %ld %s", i, c[i].status, c[i].error);
        CHECKF(c[i].off == size && c[i].received == size && c[i].bad == 0,
               "client %d: %llu bytes taken, %llu received, %d out of place", i, (unsigned long long)c[i].off,
               (unsigned long long)c[i].received, c[i].bad);
    }
    CHECK(c[0].pauses > 10);
    CHECKF(c[1].repause == 0, "%d re-pauses left", c[1].repause);
    printf("pause/resume: %d and %d pauses\n", c[0].pauses, c[1].pauses);
    for (int i = 0; i < 3; i++) client_close(&c[i]);
    rb_loop_free(l);
}

static void test_cancel_paused(void)
{
    client c;
    rb_loop *l = loop_with(&c, 5);
    c.then = CANCEL;
    start(&c, 32u << 20);
    run(l, &c, 1);
    CHECK(c.dones == 0 && c.pauses == 1 && c.x == NULL);
    /* the loop goes on: a new transfer, maybe on a new connection */
    client d;
    client_init(&d, l);
    start(&d, 3u << 20);
    run(l, &d, 1);
    CHECK(d.dones == 1 && d.status == 200 && d.off == (3u << 20) && d.bad == 0);
    client_close(&c);
    client_close(&d);
    rb_loop_free(l);
}

static void test_fail_on_held(void)
{
    client c;
    rb_loop *l = loop_with(&c, 3);
    c.fail_after_pause = 1;
    uint64_t t0 = rb_now_us();
    start(&c, 16u << 20);
    run(l, &c, 1);
    CHECK(c.dones == 1 && c.err == RB_ERR_OTHER);
    CHECKF(strstr(c.error, "sink failed") != NULL, "%s", c.error);
    CHECKF(rb_now_us() - t0 < 10000000, "took %.1f s", (double)(rb_now_us() - t0) / 1e6);
    client_close(&c);
    rb_loop_free(l);
}

static void hq_space(rb_hashq_stream *s, void *ud) { (void)s; (void)ud; }
static void hq_done(rb_hashq_stream *s, const char *digest, void *ud)
{
    int *cancelled = ud;
    if (!digest) (*cancelled)++;
    rb_hashq_close(s);
}

static void test_free_while_paused(void)
{
    client c;
    rb_loop *l = loop_with(&c, 2);
    start(&c, 8u << 20);
    for (int i = 0; i < 2000 && !c.paused && c.x; i++) uv_run(rb_loop_uv(l), UV_RUN_ONCE);
    CHECK(c.paused && c.x);
    /* and a hash stream waiting for its digest */
    int cancelled = 0;
    rb_hashq *q = rb_loop_hashq(l);
    CHECK(q != NULL && rb_loop_hashq(l) == q);
    rb_hashq_stream *s = rb_hashq_open(q, hq_space, hq_done, &cancelled);
    static char buf[1u << 20];
    rb_hashq_write(s, buf, sizeof buf);
    rb_hashq_finish(s);
    client_close(&c);
    rb_loop_free(l);
    CHECK(c.dones == 1 && c.err == RB_ERR_OTHER && strcmp(c.error, "cancelled") == 0);
    CHECK(cancelled == 1);
}

int main(void)
{
    alarm(240);
    if (server_start() != 0) {
        fprintf(stderr, "test_http_pause: cannot listen on loopback\n");
        return 1;
    }
    test_pause_resume();
    test_cancel_paused();
    test_fail_on_held();
    test_free_while_paused();
    server_stop();
    return rbtest_done("test_http_pause");
}
