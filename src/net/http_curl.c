/* http_curl: the libcurl engine of rb_http (see xfer.h): libcurl's multi
 * interface in socket-action style on libuv. socket_cb starts and stops a
 * uv_poll per socket, timer_cb arms one uv_timer per shard, and after every
 * action check_done() reads finished transfers with curl_multi_info_read
 * and finishes them through xfer.c. Easy handles go back to a pool after
 * use (reset, not freed), and the multi handles keep connections alive
 * between transfers. A sink that cannot take bytes yet pauses its transfer
 * (CURL_WRITEFUNC_PAUSE) until rb_http_resume. */
#include "http_curl.h"
#include "util/rb_util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BLOB_BUFSIZE (256 * 1024)   /* libcurl buffers for blob transfers (defaults: 16 KB down, 64 KB up) */
#define POOL_MAX 4096

static void curl_release(rb_xfer *x);
static void curl_resume(rb_xfer *x);
static const rb_xfer_engine curl_engine = {curl_release, curl_resume};

/* Per-socket state: the uv_poll watching it. A connection socket made by
 * open_socket keeps its poll handle until close_socket, also while its
 * connection waits in libcurl's cache between transfers (idle): creating a
 * uv_poll and closing it around every request cost five epoll_ctl calls and
 * an ioctl per request. An idle socket stays watched for reading, which
 * costs nothing (an idle keep-alive connection receives nothing unless the
 * server closes it; then the watch stops and libcurl finds the connection
 * dead when it next looks at it). */
typedef struct sock_ctx {
    uv_poll_t poll;
    curl_socket_t fd;
    rb_loop *loop;
    rb_shard *shard;          /* whose multi handle watches it now */
    int events;               /* UV_READABLE|UV_WRITABLE being watched; 0: stopped */
    int owned;                /* made by open_socket: lives until close_socket */
    int idle;                 /* libcurl removed it (connection cached) */
} sock_ctx;

static void check_done(rb_shard *sh);

static void on_poll_close(uv_handle_t *h)
{
    free(h->data);
}

static void on_poll(uv_poll_t *req, int status, int events)
{
    sock_ctx *c = req->data;
    if (c->idle) {            /* the server closed a cached connection, or sent junk */
        uv_poll_stop(&c->poll);
        c->events = 0;
        return;
    }
    int flags = 0;
    if (status < 0) flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
    int running;
    rb_shard *sh = c->shard;
    curl_multi_socket_action(sh->multi, c->fd, flags, &running);
    check_done(sh);
}

static sock_ctx *owned_ctx(rb_loop *l, curl_socket_t s)
{
    return s >= 0 && (size_t)s < l->n_socks ? l->socks[s] : NULL;
}

static int socket_cb(CURL *easy, curl_socket_t s, int action, void *userp, void *socketp)
{
    rb_shard *sh = userp;
    rb_loop *l = sh->loop;
    sock_ctx *c = socketp;
    (void)easy;
    if (!c) c = owned_ctx(l, s);
    if (action == CURL_POLL_REMOVE) {
        if (!c) return 0;
        curl_multi_assign(sh->multi, s, NULL);
        if (c->owned) {
            c->idle = 1;
            uv_unref((uv_handle_t *)&c->poll);   /* an idle socket must not keep the loop running */
            if (c->events != UV_READABLE) {
                uv_poll_stop(&c->poll);
                c->events = 0;
            }
            return 0;
        }
        uv_poll_stop(&c->poll);
        c->poll.data = c;
        uv_close((uv_handle_t *)&c->poll, on_poll_close);
        return 0;
    }
    if (!c) {
        c = rb_calloc(1, sizeof *c);
        c->fd = s;
        c->loop = l;
        if (uv_poll_init_socket(&l->uv, &c->poll, s) != 0) {
            free(c);
            return -1;
        }
        c->poll.data = c;
    }
    c->shard = sh;
    if (!socketp) curl_multi_assign(sh->multi, s, c);
    if (c->idle) {
        c->idle = 0;
        uv_ref((uv_handle_t *)&c->poll);
    }
    int events = 0;
    if (action == CURL_POLL_IN || action == CURL_POLL_INOUT) events |= UV_READABLE;
    if (action == CURL_POLL_OUT || action == CURL_POLL_INOUT) events |= UV_WRITABLE;
    if (events != c->events) {   /* uv_poll_start costs an epoll_ctl DEL and ADD */
        uv_poll_start(&c->poll, events, on_poll);
        c->events = events;
    }
    return 0;
}

/* CURLOPT_OPENSOCKETFUNCTION: makes a connection's socket and its poll handle. */
static curl_socket_t open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    rb_loop *l = ud;
    (void)purpose;
    curl_socket_t s = socket(a->family, a->socktype, a->protocol);
    if (s < 0) return CURL_SOCKET_BAD;
    if ((size_t)s >= l->n_socks) {
        size_t n = l->n_socks ? l->n_socks : 1024;
        while (n <= (size_t)s) n *= 2;
        l->socks = rb_realloc(l->socks, n * sizeof *l->socks);
        memset(l->socks + l->n_socks, 0, (n - l->n_socks) * sizeof *l->socks);
        l->n_socks = n;
    }
    sock_ctx *c = rb_calloc(1, sizeof *c);
    c->fd = s;
    c->loop = l;
    c->owned = 1;
    if (uv_poll_init_socket(&l->uv, &c->poll, s) != 0) {
        free(c);
        close(s);
        return CURL_SOCKET_BAD;
    }
    c->poll.data = c;
    l->socks[s] = c;
    return s;
}

/* CURLOPT_CLOSESOCKETFUNCTION: closes the poll handle (out of epoll at once), then the socket. */
static int close_socket(void *ud, curl_socket_t s)
{
    rb_loop *l = ud;
    sock_ctx *c = owned_ctx(l, s);
    if (c) {
        l->socks[s] = NULL;
        uv_close((uv_handle_t *)&c->poll, on_poll_close);
    }
    return close(s);
}

static void on_timer(uv_timer_t *t)
{
    rb_shard *sh = t->data;
    int running;
    curl_multi_socket_action(sh->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(sh);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    rb_shard *sh = userp;
    (void)multi;
    if (timeout_ms < 0)
        uv_timer_stop(&sh->timer);
    else
        uv_timer_start(&sh->timer, on_timer, (uint64_t)timeout_ms, 0);
    return 0;
}

int rb_curl_init(rb_loop *l, char *err, size_t errlen)
{
    static int curl_ready;
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            rb_err(err, errlen, "libcurl initialisation failed");
            return -1;
        }
        curl_ready = 1;
    }
    for (int i = 0; i < N_SHARDS; i++) {
        rb_shard *sh = &l->shards[i];
        sh->loop = l;
        sh->multi = curl_multi_init();
        uv_timer_init(&l->uv, &sh->timer);
        sh->timer.data = sh;
        curl_multi_setopt(sh->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
        curl_multi_setopt(sh->multi, CURLMOPT_SOCKETDATA, sh);
        curl_multi_setopt(sh->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
        curl_multi_setopt(sh->multi, CURLMOPT_TIMERDATA, sh);
        curl_multi_setopt(sh->multi, CURLMOPT_MAXCONNECTS, 8192L);
    }
    l->pool = rb_calloc(POOL_MAX, sizeof *l->pool);
    return 0;
}

void rb_curl_free(rb_loop *l)
{
    for (size_t i = 0; i < l->n_pool; i++)
        curl_easy_cleanup(l->pool[i]);
    free(l->pool);
    for (int i = 0; i < N_SHARDS; i++) {
        curl_multi_cleanup(l->shards[i].multi);   /* closes sockets, and so their polls */
        uv_close((uv_handle_t *)&l->shards[i].timer, NULL);
    }
}

/* The transfer is done with its easy handle: back to the pool, unless it
 * ended paused (it may still hold bytes back). */
static void curl_release(rb_xfer *x)
{
    rb_loop *l = x->loop;
    if (!x->easy) return;
    curl_multi_remove_handle(x->shard->multi, x->easy);
    if (l->n_pool < POOL_MAX && !x->paused && !x->no_reuse) {
        curl_easy_reset(x->easy);
        l->pool[l->n_pool++] = x->easy;
    } else {
        curl_easy_cleanup(x->easy);
    }
    x->easy = NULL;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *ud)
{
    rb_xfer *x = ud;
    size_t n = size * nitems;
    if (x->read) {
        ssize_t got = x->read(x->read_ud, buf, n);
        if (got < 0) {
            x->aborted = 1;
            snprintf(x->abort_msg, sizeof x->abort_msg, "request body source failed");
            return CURL_READFUNC_ABORT;
        }
        return (size_t)got;
    }
    size_t left = x->body_len - x->body_off;
    if (n > left) n = left;
    memcpy(buf, x->body + x->body_off, n);
    x->body_off += n;
    return n;
}

static int on_seek(void *ud, curl_off_t offset, int origin)
{
    rb_xfer *x = ud;
    if (x->read || origin != SEEK_SET || offset < 0 || (size_t)offset > x->body_len)
        return CURL_SEEKFUNC_CANTSEEK;
    x->body_off = (size_t)offset;
    return CURL_SEEKFUNC_OK;
}

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    rb_xfer *x = ud;
    size_t n = size * nmemb;
    int rc = rb_xfer_take_body(x, ptr, n);
    if (rc == RB_SINK_PAUSE) {   /* libcurl keeps the bytes and offers them again on resume */
        x->paused = 1;
        return CURL_WRITEFUNC_PAUSE;
    }
    return rc == 0 ? n : 0;
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *ud)
{
    size_t n = size * nitems;
    rb_xfer_take_header(ud, buf, n);
    return n;
}

static rb_err_class classify(CURLcode c)
{
    switch (c) {
    case CURLE_OK: return RB_ERR_NONE;
    case CURLE_OPERATION_TIMEDOUT: return RB_ERR_TIMEOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
        return RB_ERR_CONNECT;
    case CURLE_PARTIAL_FILE:          /* fewer bytes than the server promised */
        return RB_ERR_INTEGRITY;
    default: return RB_ERR_OTHER;
    }
}

static void finish(rb_xfer *x, CURLcode code)
{
    rb_http_resp *r = &x->resp;
    CURL *e = x->easy;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
    curl_off_t up = 0, t = 0;
    curl_easy_getinfo(e, CURLINFO_SIZE_UPLOAD_T, &up);
    r->bytes_sent = (uint64_t)up;
    curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &t);
    r->connect_us = t ? (uint64_t)t + x->curl_offset_us : 0;
    curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &t);
    r->ttfb_us = (uint64_t)t + x->curl_offset_us;
    r->total_us = rb_now_us() - r->start_us;
    char *eff = NULL;
    curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &eff);
    if (eff) r->effective_url = rb_strdup(eff);
    if (x->aborted) {
        r->err = RB_ERR_OTHER;
        snprintf(r->error, sizeof r->error, "%s", x->abort_msg);
    } else if (code != CURLE_OK) {
        r->err = classify(code);
        snprintf(r->error, sizeof r->error, "%s", x->curl_err[0] ? x->curl_err : curl_easy_strerror(code));
    }
    rb_xfer_finish(x);
}

static void check_done(rb_shard *sh)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(sh->multi, &left))) {
        if (msg->msg != CURLMSG_DONE) continue;
        rb_xfer *x = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        if (x) finish(x, msg->data.result);
    }
}

int rb_curl_begin(rb_xfer *x, const rb_http_req *req, char *err, size_t errlen)
{
    rb_loop *l = x->loop;
    x->eng = &curl_engine;
    x->shard = &l->shards[req->affinity % N_SHARDS];
    x->easy = l->n_pool ? l->pool[--l->n_pool] : curl_easy_init();
    CURL *e = x->easy;
    const char *method = req->method ? req->method : "GET";

    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_USERAGENT, l->user_agent);   /* a User-Agent header in req wins */
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->curl_err);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    if (req->read || req->body_mode == RB_BODY_SINK || req->body_mode == RB_BODY_VERIFY) {
        /* Blobs: fewer, larger recv/send calls and callbacks. Small requests keep
         * libcurl's defaults so thousands of VUs stay within their memory budget. */
        curl_easy_setopt(e, CURLOPT_BUFFERSIZE, (long)BLOB_BUFSIZE);
        curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, (long)BLOB_BUFSIZE);
    }
    if (l->no_proxy_env) {
        curl_easy_setopt(e, CURLOPT_PROXY, "");
        curl_easy_setopt(e, CURLOPT_NOPROXY, "");
    }
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, l);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, l);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)((req->connect_timeout_s > 0 ? req->connect_timeout_s : 10.0) * 1000));
    if (req->timeout_s > 0)
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(req->timeout_s * 1000));
    if (req->stall_s > 0) {
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)(req->stall_s + 0.999));
    }
    if (req->follow_redirects) {
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(e, CURLOPT_UNRESTRICTED_AUTH, 0L);
    }
    if (req->insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (req->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, req->ca_file);

    int has_body = req->body || req->read;
    if (strcmp(method, "GET") == 0 && !has_body) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
        if (has_body || strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0 ||
            strcmp(method, "PATCH") == 0) {
            curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
            curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
            curl_easy_setopt(e, CURLOPT_READDATA, x);
            curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
            curl_easy_setopt(e, CURLOPT_SEEKDATA, x);
            if (req->read) {
                x->read = req->read;
                x->read_ud = req->read_ud;
                if (req->read_size >= 0)
                    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->read_size);
            } else {
                if (req->body_len) {
                    x->body = rb_malloc(req->body_len);
                    memcpy(x->body, req->body, req->body_len);
                }
                x->body_len = req->body_len;
                curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_len);
            }
            /* no "Expect: 100-continue" round trip */
            x->headers = curl_slist_append(x->headers, "Expect:");
        }
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    }
    if (req->headers)
        for (const char *const *h = req->headers; *h; h++)
            x->headers = curl_slist_append(x->headers, *h);
    if (x->headers)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);

    CURLMcode mc = curl_multi_add_handle(x->shard->multi, e);
    if (mc != CURLM_OK) {
        rb_err(err, errlen, "cannot start transfer: %s", curl_multi_strerror(mc));
        return -1;
    }
    return 0;
}

static void curl_resume(rb_xfer *x)
{
    if (!x->paused) return;
    x->paused = 0;
    /* libcurl hands the held bytes to on_write within this call (the sink
     * may pause again), then arms the multi timer through timer_cb so the
     * transfer goes on from the loop. */
    CURLcode rc = curl_easy_pause(x->easy, CURLPAUSE_CONT);
    if (rc != CURLE_OK) {
        /* the sink failed on the held bytes: libcurl returns before arming
         * its timer, so end the transfer now rather than at its timeout */
        x->no_reuse = 1;
        finish(x, rc);
    }
}

