/* http_h1: regbench's built-in HTTP/1.1 client, an engine of rb_http (see
 * xfer.h), for the small plain-HTTP requests a benchmark makes by the
 * thousand: one write and one read per request on libuv streams, the
 * response parsed in place (http_h1parse.c). Why it exists (libcurl's
 * per-request cost) is in docs/architecture.md.
 * - Scope (rb_h1_eligible): http:// to an IP literal, no proxy variables,
 *   request body in memory, or a streamed body of known length the caller
 *   can send straight from a file (rb_sendfile_fn: a layer of a user's
 *   image goes from the page cache to the socket with sendfile, where
 *   libcurl's read callback needs a copy in a buffer); any response body
 *   mode (a verified or sunk body is read straight into the buffer
 *   rb_xfer_body_buf offers).
 * - A file body follows the head once the head's write completes: sent
 *   while the socket takes it, then on a uv_poll of a duplicate of the
 *   socket's descriptor for room (libuv watches a descriptor once, and the
 *   stream reads from this one). A response that ends before the body does
 *   (a 401, a 307 or an error the server sends without reading on) ends the
 *   transfer, and the connection is closed, not reused.
 * - Redirects of GET and HEAD: another built-in request, or the same
 *   transfer handed to libcurl where the Location leads elsewhere.
 * - Connections: kept alive per host:port, reused most recently used first;
 *   a request that fails on a reused connection before any response byte is
 *   retried once on a new one, as libcurl does.
 * - Timeouts (connect, whole transfer, stall): a sweep every H1_SWEEP_MS. */
#include "http_h1.h"
#include "http_curl.h"
#include "http_h1parse.h"
#include "util/rb_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define H1_RBUF (64 * 1024)         /* one receive buffer, shared: reads are handled at once */
#define H1_SWEEP_MS 50              /* timeout check period */
#define H1_MAX_REDIRS 10            /* as libcurl is set up in http.c */
#define H1_SEND_TURN (16u << 20)    /* most file body bytes sent per turn of the loop */

/* What a transfer that follows redirects keeps of its request. */
struct h1_follow {
    char *method;
    char **headers;                 /* NULL-terminated copies */
    double timeout_s, connect_timeout_s, stall_s;
    int insecure;
    char *ca_file;
    unsigned affinity;
    int redirects;                  /* followed so far */
};

typedef struct h1_pool {
    struct h1_pool *next;
    char authority[280];            /* host:port as written in the URL, the Host header */
    struct sockaddr_storage addr;
    h1_conn *idle;                  /* idle connections, most recently used first */
} h1_pool;

enum { C_CONNECTING, C_BUSY, C_IDLE, C_CLOSING };

struct h1_conn {
    uv_tcp_t tcp;
    rb_h1 *h;
    uv_connect_t creq;
    h1_pool *pool;
    rb_xfer *x;                     /* the transfer it serves, NULL when idle */
    h1_conn *prev, *next;           /* idle list */
    int state;
    unsigned nreq;                  /* responses completed on it */
    rb_h1_parser ps;                /* the response being read (http_h1parse.c) */
    uv_poll_t *wpoll;               /* waits for room to send a file body, or NULL */
    int wfd;                        /* the duplicate descriptor wpoll watches */
};

struct rb_h1 {
    rb_loop *l;
    h1_pool *pools;
    uv_timer_t sweep;
    int sweeping;
    size_t n_xfers;                 /* built-in transfers alive */
    char rbuf[H1_RBUF];
};

typedef struct h1_url {
    const char *auth;               /* authority in the URL */
    size_t auth_len;
    const char *path;               /* path and query, NULL: "/" */
    size_t path_len;
    struct sockaddr_storage addr;
} h1_url;

static void h1_release(rb_xfer *x);
static void h1_resume(rb_xfer *x);
static const rb_xfer_engine h1_engine = {h1_release, h1_resume};

/* Parses an http:// URL whose host is an IP literal; 0 ok, -1 not for us. */
static int parse_url(const char *url, h1_url *u)
{
    if (strncmp(url, "http://", 7) != 0) return -1;
    const char *a = url + 7;
    size_t alen = strcspn(a, "/?#");
    if (alen == 0 || alen >= sizeof ((h1_pool *)0)->authority) return -1;
    if (memchr(a, '@', alen)) return -1;   /* credentials in the URL: libcurl's business */
    char host[64];
    const char *port = NULL;
    int v6 = a[0] == '[';
    if (v6) {
        const char *close = memchr(a, ']', alen);
        if (!close || (size_t)(close - a - 1) >= sizeof host) return -1;
        memcpy(host, a + 1, (size_t)(close - a - 1));
        host[close - a - 1] = 0;
        if (close + 1 < a + alen) {
            if (close[1] != ':') return -1;
            port = close + 2;
        }
    } else {
        const char *colon = memchr(a, ':', alen);
        size_t hlen = colon ? (size_t)(colon - a) : alen;
        if (hlen >= sizeof host) return -1;
        memcpy(host, a, hlen);
        host[hlen] = 0;
        if (colon) port = colon + 1;
    }
    long p = 80;
    if (port && port < a + alen) {
        p = 0;
        for (const char *q = port; q < a + alen; q++) {
            if (*q < '0' || *q > '9' || p > 65535) return -1;
            p = p * 10 + (*q - '0');
        }
        if (p < 1 || p > 65535) return -1;
    }
    memset(&u->addr, 0, sizeof u->addr);
    if (v6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&u->addr;
        if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) return -1;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)p);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&u->addr;
        if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) return -1;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)p);
    }
    u->auth = a;
    u->auth_len = alen;
    const char *path = a + alen;
    size_t plen = strcspn(path, "#");
    for (size_t i = 0; i < plen; i++)
        if ((unsigned char)path[i] <= 0x20 || (unsigned char)path[i] >= 0x7f) return -1;
    u->path = plen ? path : NULL;
    u->path_len = plen;
    return 0;
}

/* Whether a header line names `name` (case-insensitive, followed by ':' or ';'). */
static int header_is(const char *line, const char *name)
{
    size_t n = strlen(name);
    return strncasecmp(line, name, n) == 0 && (line[n] == ':' || line[n] == ';');
}

static int token_ok(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f) return 0;
    return 1;
}

int rb_h1_eligible(const rb_loop *l, const rb_http_req *req)
{
    if (!l->no_proxy_env) return 0;
    if (req->read && (!req->send_file || req->read_size < 0)) return 0;   /* a file body of known length only */
    if (req->method && !token_ok(req->method)) return 0;
    if (req->follow_redirects && (req->body || req->read || (req->method && strcmp(req->method, "GET") != 0 &&
                                                strcmp(req->method, "HEAD") != 0)))
        return 0;
    if (req->headers)
        for (const char *const *h = req->headers; *h; h++)
            if (header_is(*h, "Transfer-Encoding") || header_is(*h, "Expect")) return 0;
    h1_url u;
    return parse_url(req->url, &u) == 0;
}

/* ---- the client's state ----------------------------------------------------- */

static void on_sweep(uv_timer_t *t);

static rb_h1 *h1_state(rb_loop *l)
{
    if (!l->h1) {
        rb_h1 *h = rb_calloc(1, sizeof *h);
        h->l = l;
        uv_timer_init(&l->uv, &h->sweep);
        h->sweep.data = h;
        l->h1 = h;
    }
    return l->h1;
}

static h1_pool *pool_for(rb_h1 *h, const h1_url *u)
{
    for (h1_pool *p = h->pools; p; p = p->next)
        if (strlen(p->authority) == u->auth_len && memcmp(p->authority, u->auth, u->auth_len) == 0)
            return p;
    h1_pool *p = rb_calloc(1, sizeof *p);
    memcpy(p->authority, u->auth, u->auth_len);
    p->addr = u->addr;
    p->next = h->pools;
    h->pools = p;
    return p;
}

/* ---- connections -------------------------------------------------------------- */

static void on_conn_closed(uv_handle_t *hd)
{
    h1_conn *c = hd->data;
    rb_h1_parse_free(&c->ps);
    free(c);
}

static void idle_unlink(h1_conn *c)
{
    if (c->prev) c->prev->next = c->next; else c->pool->idle = c->next;
    if (c->next) c->next->prev = c->prev;
    c->prev = c->next = NULL;
}

static void on_watch_closed(uv_handle_t *hd)
{
    free(hd);
}

/* Stops waiting for room to send a file body (it is out, or the connection
 * ends); closing the poll takes the duplicate out of epoll at once. */
static void body_watch_close(h1_conn *c)
{
    if (!c->wpoll) return;
    uv_close((uv_handle_t *)c->wpoll, on_watch_closed);
    close(c->wfd);
    c->wpoll = NULL;
}

/* Closes a connection; its transfer (if any) is detached, not finished. */
static void conn_close(h1_conn *c)
{
    if (c->state == C_CLOSING) return;
    body_watch_close(c);
    if (c->state == C_IDLE) idle_unlink(c);
    if (c->x) c->x->conn = NULL;
    c->x = NULL;
    c->state = C_CLOSING;
    uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

static void finish_err(rb_xfer *x, rb_err_class cls, const char *fmt, ...)
{
    if (x->conn) conn_close(x->conn);
    if (x->send_file) x->resp.bytes_sent = x->file_sent;
    x->resp.err = cls;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->resp.error, sizeof x->resp.error, fmt, ap);
    va_end(ap);
    x->resp.total_us = rb_now_us() - x->resp.start_us;
    rb_xfer_finish(x);
}

static void start_on_new_conn(rb_xfer *x);

static void conn_feed(h1_conn *c, const char *p, size_t n);

/* A connection ended (code: a libuv error, UV_EOF when the server closed
 * it). That completes a response whose body runs until the close. Else it
 * retries the transfer once on a new connection when a reused one failed
 * before any response byte (the server closed it while idle), or fails it. */
static void conn_failed(h1_conn *c, int code)
{
    rb_xfer *x = c->x;
    if (!x) {
        conn_close(c);
        return;
    }
    if (c->nreq > 0 && !x->got_byte && !x->retried) {
        conn_close(c);
        x->retried = 1;
        start_on_new_conn(x);
        return;
    }
    switch (rb_h1_parse_end(&c->ps, code == UV_EOF)) {
    case RB_H1_DONE:    /* the body ended by the close */
        conn_feed(c, "", 0);
        return;
    case RB_H1_ERROR:   /* a body cut short */
        finish_err(x, RB_ERR_INTEGRITY, "%s", c->ps.err);
        return;
    default:            /* no body yet */
        break;
    }
    if (code == UV_EOF)
        finish_err(x, RB_ERR_CONNECT, x->got_byte ? "connection to %s closed in the middle of the response headers"
                                                  : "empty reply from server %s",
                   x->pool_of->authority);
    else
        finish_err(x, RB_ERR_CONNECT, "connection to %s failed: %s", x->pool_of->authority, uv_strerror(code));
}

static void on_room(uv_poll_t *p, int status, int events);

/* Waits for room in the socket fd to send more of a file body. */
static int body_watch(h1_conn *c, int fd)
{
    if (!c->wpoll) {
        int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (d < 0) return uv_translate_sys_error(errno);
        uv_poll_t *p = rb_malloc(sizeof *p);
        int rc = uv_poll_init_socket(&c->h->l->uv, p, d);
        if (rc < 0) {
            free(p);
            close(d);
            return rc;
        }
        p->data = c;
        c->wpoll = p;
        c->wfd = d;
    } else if (uv_is_active((const uv_handle_t *)c->wpoll)) {
        return 0;   /* watching already (restarting would cost epoll_ctl calls) */
    }
    return uv_poll_start(c->wpoll, UV_WRITABLE, on_room);
}

/* Sends the transfer's file body (send_file) while the socket takes it, at
 * most H1_SEND_TURN bytes per turn of the loop so that other transfers go
 * on, then waits for room. A socket that fails stops the sending only: the
 * read side ends the transfer (with the response the server sent first, or
 * the connection's error). */
static void send_body(h1_conn *c)
{
    rb_xfer *x = c->x;
    if (!x || c->state != C_BUSY || !x->send_file || x->file_sent >= x->file_len) return;
    uv_os_fd_t fd;
    int rc = uv_fileno((const uv_handle_t *)&c->tcp, &fd);
    if (rc < 0) {
        conn_failed(c, rc);
        return;
    }
    uint64_t turn = 0;
    int eintr = 0;
    while (x->file_sent < x->file_len && turn < H1_SEND_TURN) {
        uint64_t left = x->file_len - x->file_sent;
        size_t n = (size_t)(left < H1_SEND_TURN - turn ? left : H1_SEND_TURN - turn);
        ssize_t k = x->send_file(x->read_ud, fd, x->file_sent, n);
        if (k > 0) {
            x->file_sent += (uint64_t)k;
            turn += (uint64_t)k;
            x->last_io_us = rb_now_us();
            continue;
        }
        if (k == 0) {
            finish_err(x, RB_ERR_OTHER, "request body source failed");
            return;
        }
        int e = errno;
        if (e == EINTR && ++eintr < 100) continue;
        if (e == EAGAIN || e == EWOULDBLOCK) break;
        body_watch_close(c);
        if (e == EPIPE || e == ECONNRESET) return;   /* on_read hears the rest */
        conn_failed(c, uv_translate_sys_error(e));
        return;
    }
    if (x->file_sent == x->file_len) {
        body_watch_close(c);
        return;
    }
    rc = body_watch(c, fd);
    if (rc < 0) conn_failed(c, rc);
}

static void on_room(uv_poll_t *p, int status, int events)
{
    h1_conn *c = p->data;
    (void)events;
    if (status < 0) {   /* the socket failed: on_read hears of it */
        body_watch_close(c);
        return;
    }
    send_body(c);
}

/* A write finished: with the head out, a file body follows (the write of
 * the previous request on the connection may report first: the queue tells). */
static void on_written(uv_write_t *w, int status)
{
    h1_conn *c = w->data;
    free(w);
    if (status == UV_ECANCELED || c->state == C_CLOSING) return;
    if (status < 0) {
        conn_failed(c, status);
        return;
    }
    if (!c->x) return;
    c->x->last_io_us = rb_now_us();
    if (c->tcp.write_queue_size == 0) send_body(c);
}

/* Writes the request's head and in-memory body; a file body starts from the
 * write's callback, never within the caller (rb_http_start must not end a
 * transfer). */
static void send_request(h1_conn *c)
{
    rb_xfer *x = c->x;
    x->file_sent = 0;   /* a retried request sends its body again */
    uv_buf_t b = uv_buf_init(x->wbuf, (unsigned)x->wlen);
    /* A request of its own: the callback of the previous write on this
     * connection may still be pending when the next request goes out. */
    uv_write_t *w = rb_malloc(sizeof *w);
    w->data = c;
    int rc = uv_write(w, (uv_stream_t *)&c->tcp, &b, 1, on_written);
    if (rc < 0) {
        free(w);
        conn_failed(c, rc);
    }
}

/* Body bytes go straight into the sink's buffer when it offers one (a
 * verified download: the hashing queue's chunk), else into the shared
 * receive buffer. A sink with no room leaves the buffer empty: libuv then
 * reports UV_ENOBUFS and on_read pauses the transfer. */
static void on_alloc(uv_handle_t *hd, size_t suggested, uv_buf_t *buf)
{
    h1_conn *c = hd->data;
    rb_xfer *x = c->x;
    (void)suggested;
    if (x && rb_xfer_has_body_buf(x) && !x->redirecting && !x->paused && rb_h1_parse_in_body(&c->ps)) {
        size_t room = 0;
        char *p = rb_xfer_body_buf(x, &room);
        buf->base = p;
        buf->len = p ? room : 0;
        return;
    }
    buf->base = c->h->rbuf;
    buf->len = sizeof c->h->rbuf;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    h1_conn *c = s->data;
    if (nread == 0 || c->state == C_CLOSING) return;
    if (!c->x) {               /* idle: the server closed it, or sent something unasked */
        conn_close(c);
        return;
    }
    if (nread == UV_ENOBUFS) {   /* the sink is full: rb_http_resume reads on */
        c->x->paused = 1;
        uv_read_stop(s);
        return;
    }
    if (nread < 0) {
        conn_failed(c, (int)nread);
        return;
    }
    conn_feed(c, buf->base, (size_t)nread);
}

static void on_connect(uv_connect_t *req, int status)
{
    h1_conn *c = req->data;
    if (status == UV_ECANCELED || c->state == C_CLOSING) return;
    rb_xfer *x = c->x;
    if (status < 0) {
        conn_close(c);
        if (x) finish_err(x, RB_ERR_CONNECT, "cannot connect to %s: %s", x->pool_of->authority, uv_strerror(status));
        return;
    }
    c->state = C_BUSY;
    x->resp.connect_us = rb_now_us() - x->resp.start_us;
    x->last_io_us = rb_now_us();
    int rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (rc < 0) {
        conn_failed(c, rc);
        return;
    }
    send_request(c);
}

/* Fails a transfer from the next sweep (never inside rb_http_start). */
static void fail_soon(rb_xfer *x, const char *fmt, ...)
{
    x->resp.err = RB_ERR_CONNECT;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->resp.error, sizeof x->resp.error, fmt, ap);
    va_end(ap);
    x->fail_pending = 1;
    rb_h1 *h = x->loop->h1;
    h->sweeping = 1;
    uv_timer_start(&h->sweep, on_sweep, 0, H1_SWEEP_MS);
}

static void start_on_new_conn(rb_xfer *x)
{
    rb_loop *l = x->loop;
    h1_conn *c = rb_calloc(1, sizeof *c);
    c->pool = x->pool_of;
    c->h = l->h1;
    c->tcp.data = c;
    c->creq.data = c;
    c->state = C_CONNECTING;
    c->x = x;
    rb_h1_parse_start(&c->ps, x->head_only, c->pool->authority);
    x->conn = c;
    x->got_byte = 0;
    int rc = uv_tcp_init(&l->uv, &c->tcp);
    if (rc < 0) {
        free(c);
        x->conn = NULL;
        fail_soon(x, "cannot make a socket: %s", uv_strerror(rc));
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    rc = uv_tcp_connect(&c->creq, &c->tcp, (const struct sockaddr *)&c->pool->addr, on_connect);
    if (rc < 0) {
        conn_close(c);
        fail_soon(x, "cannot connect to %s: %s", x->pool_of->authority, uv_strerror(rc));
    }
}

/* ---- the response ------------------------------------------------------------- */

static void follow_redirect(rb_xfer *x);

/* The URL requested now: the original, or the last redirect's Location. */
static const char *url_now(const rb_xfer *x)
{
    return x->cur_url ? x->cur_url : x->url;
}

/* The response is complete: the connection goes idle (or closes), then the
 * transfer's owner hears of it (or, for a redirect, the Location is requested). */
static void conn_complete(h1_conn *c, int leftover)
{
    rb_xfer *x = c->x;
    c->x = NULL;
    x->conn = NULL;
    c->nreq++;
    /* reusable when the whole request reached the kernel (its write
     * callback may still be pending: that is fine) */
    if (c->ps.keepalive && !leftover && c->tcp.write_queue_size == 0 && x->file_sent == x->file_len) {
        c->state = C_IDLE;
        c->next = c->pool->idle;
        c->prev = NULL;
        if (c->next) c->next->prev = c;
        c->pool->idle = c;
        uv_unref((uv_handle_t *)&c->tcp);   /* an idle connection must not keep the loop running */
    } else {
        conn_close(c);
    }
    if (x->redirecting) {
        follow_redirect(x);
        return;
    }
    x->resp.bytes_sent = x->send_file ? x->file_sent : x->body_len;   /* the server answered: the request went out */
    x->resp.total_us = rb_now_us() - x->resp.start_us;
    if (!x->resp.effective_url) x->resp.effective_url = rb_strdup(url_now(x));
    rb_xfer_finish(x);
}

/* The sink refused a body piece (d, dn): keep it and the unparsed bytes
 * after it (p, n), and stop reading until rb_http_resume. */
static void hold(h1_conn *c, const char *d, size_t dn, const char *p, size_t n)
{
    rb_xfer *x = c->x;
    x->hold = rb_malloc(dn + n + 1);
    memcpy(x->hold, d, dn);
    if (n) memcpy(x->hold + dn, p, n);
    x->hold_body = dn;
    x->hold_len = dn + n;
    x->paused = 1;
    uv_read_stop((uv_stream_t *)&c->tcp);
}

/* Hands the bytes read to the parser and acts on what it finds. */
static void conn_feed(h1_conn *c, const char *p, size_t n)
{
    rb_xfer *x = c->x;
    uint64_t now = rb_now_us();
    if (!x->got_byte && n) {
        x->got_byte = 1;
        x->resp.ttfb_us = now - x->resp.start_us;
    }
    x->last_io_us = now;
    for (;;) {
        size_t used;
        rb_h1_event ev = rb_h1_parse(&c->ps, p, n, &used);
        p += used;
        n -= used;
        switch (ev) {
        case RB_H1_MORE:
            return;
        case RB_H1_HEAD: {   /* a 1xx head is followed by the real one */
            rb_xfer_take_header(x, c->ps.data, c->ps.data_len);
            x->resp.status = c->ps.status;
            long st = c->ps.status;
            char loc[8];
            x->redirecting = x->follow && (st == 301 || st == 302 || st == 303 || st == 307 || st == 308) &&
                             rb_http_header(&x->resp, "Location", loc, sizeof loc) && loc[0];
            break;
        }
        case RB_H1_BODY: {
            if (x->redirecting) break;   /* a redirect's body is dropped */
            int rc = rb_xfer_take_body(x, c->ps.data, c->ps.data_len);
            if (rc == RB_SINK_PAUSE) {
                hold(c, c->ps.data, c->ps.data_len, p, n);
                return;
            }
            if (rc < 0) {
                finish_err(x, RB_ERR_OTHER, "%s", x->abort_msg);
                return;
            }
            break;
        }
        case RB_H1_DONE:
            conn_complete(c, n > 0);
            return;
        case RB_H1_ERROR:
            finish_err(x, RB_ERR_OTHER, "%s", c->ps.err);
            return;
        }
    }
}

/* ---- transfers ---------------------------------------------------------------- */

/* Whether a built-in transfer has run out of time (connect, whole
 * transfer, stall); if so, says which in why. */
static int overdue(const rb_xfer *x, uint64_t now, char *why, size_t len)
{
    unsigned long long ms = (unsigned long long)((now - x->resp.start_us) / 1000);
    if (x->conn && x->conn->state == C_CONNECTING && now - x->resp.start_us > x->connect_limit_us)
        snprintf(why, len, "connection to %s timed out after %llu ms", x->pool_of->authority, ms);
    else if (x->deadline_us && now > x->deadline_us)
        snprintf(why, len, "operation timed out after %llu ms with %llu bytes received", ms,
                 (unsigned long long)x->resp.bytes_received);
    else if (x->stall_us && !x->paused && now - x->last_io_us > x->stall_us)
        snprintf(why, len, "stalled: no data moved for %llu s", (unsigned long long)(x->stall_us / 1000000));
    else
        return 0;
    return 1;
}

static void on_sweep(uv_timer_t *t)
{
    rb_h1 *h = t->data;
    rb_loop *l = h->l;
    for (;;) {   /* finishing a transfer may start or end others: look again from the top */
        uint64_t now = rb_now_us();
        char why[200];
        rb_xfer *due = NULL;
        for (rb_xfer *x = l->xfers; x && !due; x = x->next)
            if (x->h1 && (x->fail_pending || overdue(x, now, why, sizeof why))) due = x;
        if (!due) break;
        if (due->fail_pending) {   /* its error was set when it failed to start */
            due->fail_pending = 0;
            due->resp.total_us = now - due->resp.start_us;
            rb_xfer_finish(due);
        } else {
            finish_err(due, RB_ERR_TIMEOUT, "%s", why);
        }
    }
    if (h->n_xfers == 0) {
        uv_timer_stop(&h->sweep);
        h->sweeping = 0;
    }
}

/* Appends s (n bytes) to the request buffer. */
static void w_add(char **w, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n > *cap) {
        size_t c = *cap ? *cap * 2 : 512;
        while (c < *len + n) c *= 2;
        *w = rb_realloc(*w, c);
        *cap = c;
    }
    memcpy(*w + *len, s, n);
    *len += n;
}
#define W_LIT(s) w_add(&w, &wlen, &wcap, s, sizeof s - 1)

/* The request's bytes: the head, then the body in memory, for one write; a
 * body sent from a file (file_len >= 0) only gets its Content-Length. */
static char *build_request(const char *method, const h1_url *u, const char *const *headers,
                           const char *user_agent, const char *body, size_t body_len, int64_t file_len,
                           size_t *out_len)
{
    int send_len = body != NULL || file_len >= 0 || strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0 ||
                   strcmp(method, "PATCH") == 0;
    int own_host = 0, own_accept = 0, own_len = 0, own_ua = 0;
    if (headers)
        for (const char *const *hd = headers; *hd; hd++) {
            own_ua |= header_is(*hd, "User-Agent");
            own_host |= header_is(*hd, "Host");
            own_accept |= header_is(*hd, "Accept");
            own_len |= header_is(*hd, "Content-Length");
        }
    char *w = NULL;
    size_t wlen = 0, wcap = 0;
    w_add(&w, &wlen, &wcap, method, strlen(method));
    W_LIT(" ");
    if (u->path && u->path[0] == '/') {
        w_add(&w, &wlen, &wcap, u->path, u->path_len);
    } else {
        W_LIT("/");
        if (u->path) w_add(&w, &wlen, &wcap, u->path, u->path_len);
    }
    W_LIT(" HTTP/1.1\r\n");
    if (!own_host) {
        W_LIT("Host: ");
        w_add(&w, &wlen, &wcap, u->auth, u->auth_len);
        W_LIT("\r\n");
    }
    if (!own_ua) {
        W_LIT("User-Agent: ");
        w_add(&w, &wlen, &wcap, user_agent, strlen(user_agent));
        W_LIT("\r\n");
    }
    if (!own_accept) W_LIT("Accept: */*\r\n");
    if (headers)
        for (const char *const *hd = headers; *hd; hd++) {
            const char *line = *hd;
            size_t n = strlen(line);
            while (n && (line[n - 1] == ' ' || line[n - 1] == '\t')) n--;
            if (n && line[n - 1] == ':') continue;          /* "Name:" removes a default header */
            const char *semi = memchr(line, ';', n);
            const char *colon = memchr(line, ':', n);
            if (semi && (!colon || semi < colon) && semi == line + n - 1) {
                w_add(&w, &wlen, &wcap, line, n - 1);     /* "Name;" sends it empty */
                W_LIT(":\r\n");
                continue;
            }
            w_add(&w, &wlen, &wcap, line, n);
            W_LIT("\r\n");
        }
    if (send_len && !own_len) {
        char cl[48];
        int k = snprintf(cl, sizeof cl, "Content-Length: %llu\r\n",
                         (unsigned long long)(file_len >= 0 ? (uint64_t)file_len : body_len));
        w_add(&w, &wlen, &wcap, cl, (size_t)k);
    }
    W_LIT("\r\n");
    if (body_len) w_add(&w, &wlen, &wcap, body, body_len);
    *out_len = wlen;
    return w;
}

/* Sends a transfer's request on an idle connection to its host, or a new one. */
static void dispatch(rb_xfer *x)
{
    h1_conn *c = x->pool_of->idle;
    if (c) {
        idle_unlink(c);
        uv_ref((uv_handle_t *)&c->tcp);
        c->state = C_BUSY;
        c->x = x;
        rb_h1_parse_start(&c->ps, x->head_only, c->pool->authority);
        x->conn = c;
        send_request(c);
    } else {
        start_on_new_conn(x);
    }
}

rb_xfer *rb_h1_start(rb_loop *l, const rb_http_req *req, rb_http_done_fn done, void *ud,
                     char *err, size_t errlen)
{
    h1_url u;
    if (parse_url(req->url, &u) != 0) {
        rb_err(err, errlen, "bad URL '%s'", req->url);
        return NULL;
    }
    rb_h1 *h = h1_state(l);
    size_t ulen = strlen(req->url);
    rb_xfer *x = rb_xfer_new(l, req, ulen + 1, done, ud);
    memcpy(x->url, req->url, ulen + 1);
    x->h1 = 1;
    x->eng = &h1_engine;
    x->pool_of = pool_for(h, &u);

    const char *method = req->method ? req->method : "GET";
    x->head_only = strcmp(method, "HEAD") == 0;
    int has_body = req->body != NULL && !x->head_only;
    x->body_len = has_body ? req->body_len : 0;
    if (req->read && !x->head_only) {   /* eligible: with send_file and a known length */
        x->send_file = req->send_file;
        x->read_ud = req->read_ud;
        x->file_len = (uint64_t)req->read_size;
    }
    x->wbuf = build_request(method, &u, req->headers, l->user_agent, has_body ? req->body : NULL, x->body_len,
                            x->send_file ? (int64_t)x->file_len : -1, &x->wlen);
    if (req->follow_redirects) {
        struct h1_follow *f = rb_calloc(1, sizeof *f);
        f->method = rb_strdup(method);
        size_t nh = 0;
        if (req->headers)
            while (req->headers[nh]) nh++;
        f->headers = rb_calloc(nh + 1, sizeof *f->headers);
        for (size_t i = 0; i < nh; i++) f->headers[i] = rb_strdup(req->headers[i]);
        f->timeout_s = req->timeout_s;
        f->connect_timeout_s = req->connect_timeout_s;
        f->stall_s = req->stall_s;
        f->insecure = req->insecure;
        f->ca_file = req->ca_file ? rb_strdup(req->ca_file) : NULL;
        f->affinity = req->affinity;
        x->follow = f;
    }

    uint64_t now = x->resp.start_us;
    x->last_io_us = now;
    x->deadline_us = req->timeout_s > 0 ? now + (uint64_t)(req->timeout_s * 1e6) : 0;
    x->connect_limit_us = (uint64_t)((req->connect_timeout_s > 0 ? req->connect_timeout_s : 10.0) * 1e6);
    x->stall_us = req->stall_s > 0 ? (uint64_t)((req->stall_s + 0.999) * 1e6) : 0;
    rb_xfer_link(x);
    h->n_xfers++;
    if (!h->sweeping) {
        h->sweeping = 1;
        uv_timer_start(&h->sweep, on_sweep, H1_SWEEP_MS, H1_SWEEP_MS);
    }
    dispatch(x);
    return x;
}

static void follow_free(struct h1_follow *f)
{
    if (!f) return;
    for (char **h = f->headers; h && *h; h++) {
        memset(*h, 0, strlen(*h));   /* may hold credentials */
        free(*h);
    }
    free(f->headers);
    free(f->method);
    free(f->ca_file);
    free(f);
}

/* The scheme and authority of a URL ("http://host:port"), for comparing origins. */
static size_t origin_len(const char *url)
{
    const char *a = strstr(url, "://");
    if (!a) return strlen(url);
    a += 3;
    return (size_t)(a - url) + strcspn(a, "/?#");
}

/* Location resolved against base (it may be relative), or NULL when it is not
 * a usable http(s) URL. */
static char *resolve_location(const char *base, const char *loc)
{
    CURLU *u = curl_url();
    char *out = NULL, *res = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, loc, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK &&
        (strncmp(out, "http://", 7) == 0 || strncmp(out, "https://", 8) == 0))
        res = rb_strdup(out);
    curl_free(out);
    curl_url_cleanup(u);
    return res;
}

/* The response was a redirect (its connection already released): the same
 * transfer requests the Location, as a built-in request when the client
 * can take it, else through libcurl. Credentials (Authorization, Cookie)
 * are not sent to another origin. */
static void follow_redirect(rb_xfer *x)
{
    struct h1_follow *f = x->follow;
    const char *base = url_now(x);
    char loc[8192];
    rb_http_header(&x->resp, "Location", loc, sizeof loc);
    if (++f->redirects > H1_MAX_REDIRS) {
        finish_err(x, RB_ERR_OTHER, "too many redirects (more than %d)", H1_MAX_REDIRS);
        return;
    }
    char *next = resolve_location(base, loc);
    if (!next) {   /* the Location itself is not quoted: a presigned URL is a credential */
        finish_err(x, RB_ERR_OTHER, "HTTP %ld redirect to a Location that is not an http(s) URL", x->resp.status);
        return;
    }
    size_t ob = origin_len(base), on = origin_len(next);
    int same = ob == on && strncasecmp(base, next, ob) == 0;
    size_t nh = 0;
    while (f->headers[nh]) nh++;
    const char **hdrs = rb_calloc(nh + 1, sizeof *hdrs);
    size_t k = 0;
    for (size_t i = 0; i < nh; i++)
        if (same || !(header_is(f->headers[i], "Authorization") || header_is(f->headers[i], "Cookie")))
            hdrs[k++] = f->headers[i];
    /* the next response starts from nothing */
    x->resp.status = 0;
    x->resp.headers_len = 0;
    if (x->resp.headers) x->resp.headers[0] = 0;
    x->resp.bytes_received = 0;
    x->resp.body_len = 0;
    x->redirecting = 0;
    x->retried = 0;
    x->got_byte = 0;
    free(x->cur_url);
    x->cur_url = next;
    h1_url u;
    if (parse_url(next, &u) == 0) {
        free(x->wbuf);
        x->wbuf = build_request(f->method, &u, hdrs, x->loop->user_agent, NULL, 0, -1, &x->wlen);
        x->pool_of = pool_for(x->loop->h1, &u);
        free(hdrs);
        dispatch(x);
        return;
    }
    uint64_t now = rb_now_us();
    double left = 0;
    if (x->deadline_us) {
        if (now >= x->deadline_us) {
            free(hdrs);
            finish_err(x, RB_ERR_TIMEOUT, "operation timed out after %llu ms (following a redirect)",
                       (unsigned long long)((now - x->resp.start_us) / 1000));
            return;
        }
        left = (double)(x->deadline_us - now) / 1e6;
    }
    rb_http_req r = {
        .method = f->method,
        .url = next,
        .headers = hdrs,
        .body_mode = x->body_mode,
        .timeout_s = left,
        .connect_timeout_s = f->connect_timeout_s,
        .stall_s = f->stall_s,
        .follow_redirects = 1,
        .insecure = f->insecure,
        .ca_file = f->ca_file,
        .affinity = f->affinity,
    };
    x->curl_offset_us = now - x->resp.start_us;
    char err[256];
    int rc = rb_curl_begin(x, &r, err, sizeof err);   /* libcurl's from here on */
    free(hdrs);
    h1_release(x);                                    /* hdrs pointed into x->follow */
    x->h1 = 0;
    if (rc < 0) {
        x->resp.err = RB_ERR_OTHER;
        snprintf(x->resp.error, sizeof x->resp.error, "%s", err);
        x->resp.total_us = now - x->resp.start_us;
        rb_xfer_finish(x);
    }
}

static void h1_resume(rb_xfer *x)
{
    if (!x->paused) return;
    x->paused = 0;
    h1_conn *c = x->conn;
    if (!c) return;
    x->last_io_us = rb_now_us();
    char *held = x->hold;
    if (held) {
        size_t hb = x->hold_body, hl = x->hold_len;
        x->hold = NULL;
        if (hb) {
            int rc = rb_xfer_take_body(x, held, hb);
            if (rc == RB_SINK_PAUSE) {
                x->hold = held;
                x->paused = 1;
                return;
            }
            if (rc < 0) {
                free(held);
                finish_err(x, RB_ERR_OTHER, "%s", x->abort_msg);
                return;
            }
        }
        /* the rest may end the transfer (x freed: the connection moved on)
         * or pause it again (held anew) */
        unsigned nreq = c->nreq;
        conn_feed(c, held + hb, hl - hb);
        free(held);
        if (c->state == C_CLOSING || c->nreq != nreq || x->paused) return;
    }
    int rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (rc < 0) conn_failed(c, rc);
}

/* The transfer lets go of the client: its connection (closed when the
 * response is incomplete: it cannot be reused) and what it kept for redirects. */
static void h1_release(rb_xfer *x)
{
    if (!x->h1) return;
    if (x->conn) conn_close(x->conn);
    rb_h1 *h = x->loop->h1;
    if (h && h->n_xfers) h->n_xfers--;
    follow_free(x->follow);
    x->follow = NULL;
}

static void on_sweep_closed(uv_handle_t *hd)
{
    free(hd->data);
}

void rb_h1_free(rb_loop *l)
{
    rb_h1 *h = l->h1;
    if (!h) return;
    while (h->pools) {
        h1_pool *p = h->pools;
        while (p->idle) conn_close(p->idle);
        h->pools = p->next;
        free(p);
    }
    l->h1 = NULL;
    uv_close((uv_handle_t *)&h->sweep, on_sweep_closed);
}
