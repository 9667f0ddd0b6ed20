/* xfer: a transfer's life as both HTTP clients share it (see xfer.h): made,
 * linked into the loop, fed response headers and body bytes by its engine,
 * finished (with the integrity decision for a verified body) or dropped.
 * Verified bodies: the expected digest and size come with the request;
 * bytes are hashed inline, or for bodies of ASYNC_VERIFY_MIN and more on the
 * loop's hashing worker (rb_hashq), where the built-in client receives them
 * straight into the worker's chunks. A full queue pauses the transfer
 * (RB_SINK_PAUSE, or no buffer from rb_xfer_body_buf) and the queue's space
 * callback resumes it; when the transfer ends, its owner hears of it once
 * the worker has hashed the last bytes, so the end time is when the result
 * was known. Integrity failures reach the owner as RB_ERR_INTEGRITY. */
#include "xfer.h"
#include "net/rb_hashq.h"
#include "util/rb_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void hash_space(rb_hashq_stream *s, void *ud);
static void hash_done(rb_hashq_stream *s, const char *digest, void *ud);

rb_xfer *rb_xfer_new(rb_loop *l, const rb_http_req *req, size_t url_len, rb_http_done_fn done, void *ud)
{
    rb_xfer *x = rb_calloc(1, sizeof *x + url_len);
    x->loop = l;
    x->done = done;
    x->ud = ud;
    x->resp.start_us = rb_now_us();
    x->body_mode = req->body_mode;
    x->max_body = req->max_body ? req->max_body : DEFAULT_MAX_BODY;
    x->sink = req->sink;
    x->sinkbuf = req->body_mode == RB_BODY_SINK ? req->sinkbuf : NULL;
    x->sink_ud = req->sink_ud;
    if (req->body_mode == RB_BODY_VERIFY) {
        rb_xfer_verify *v = rb_calloc(1, sizeof *v);
        rb_hashq *q = req->verify_size >= (int64_t)ASYNC_VERIFY_MIN ? rb_xfer_hashq(l) : NULL;
        if (q) v->hs = rb_hashq_open(q, hash_space, hash_done, x);   /* NULL: inline after all */
        if (v->hs)
            rb_verifier_init_count(&v->ver, req->verify_digest, req->verify_size);   /* no SHA context here */
        else
            rb_verifier_init(&v->ver, req->verify_digest, req->verify_size);
        x->verify = v;
    }
    return x;
}

void rb_xfer_link(rb_xfer *x)
{
    rb_loop *l = x->loop;
    x->next = l->xfers;
    if (l->xfers) l->xfers->prev = x;
    l->xfers = x;
    l->n_active++;
    x->linked = 1;
}

static void unlink_xfer(rb_xfer *x)
{
    if (!x->linked) return;
    rb_loop *l = x->loop;
    if (x->prev) x->prev->next = x->next; else l->xfers = x->next;
    if (x->next) x->next->prev = x->prev;
    x->prev = x->next = NULL;
    l->n_active--;
    x->linked = 0;
}

static void release(rb_xfer *x)
{
    if (x->released) return;
    x->released = 1;
    if (x->eng) x->eng->release(x);
}

static void free_xfer(rb_xfer *x)
{
    release(x);
    if (x->verify) {
        rb_hashq_close(x->verify->hs);
        rb_verifier_free(&x->verify->ver);
        free(x->verify);
    }
    curl_slist_free_all(x->headers);
    free(x->body);
    free(x->wbuf);
    free(x->hold);
    free(x->cur_url);
    free(x->resp.body);
    free(x->resp.headers);
    free(x->resp.effective_url);
    free(x);
}

void rb_xfer_drop(rb_xfer *x)
{
    unlink_xfer(x);
    free_xfer(x);
}

/* The owner hears of the transfer; x is freed. */
static void report(rb_xfer *x)
{
    x->done(x, &x->resp, x->ud);
    free_xfer(x);
}

/* The integrity decision for a verified body whose bytes all arrived
 * (digest: the worker's, or NULL when hashed inline). */
static void verify_decide(rb_xfer *x, const char *digest)
{
    rb_http_resp *r = &x->resp;
    rb_xfer_verify *v = x->verify;
    char msg[sizeof r->error];
    int bad = digest ? rb_verifier_check(&v->ver, digest, msg, sizeof msg)
                     : rb_verifier_finish(&v->ver, msg, sizeof msg);
    if (bad < 0) {
        r->err = RB_ERR_INTEGRITY;
        snprintf(r->error, sizeof r->error, "%s", msg);
    } else {
        r->verified = 1;
    }
}

void rb_xfer_finish(rb_xfer *x)
{
    unlink_xfer(x);
    release(x);   /* the connection or easy handle is free for others from now on */
    rb_http_resp *r = &x->resp;
    rb_xfer_verify *v = x->verify;
    if (!v) {
        report(x);
        return;
    }
    int ok2xx = r->status >= 200 && r->status < 300;
    if (v->too_big) {
        r->err = RB_ERR_INTEGRITY;
        snprintf(r->error, sizeof r->error, "body larger than the expected %lld bytes", (long long)v->ver.expect_size);
    } else if (r->err == RB_ERR_NONE && !ok2xx) {
        /* an error response: its first bytes, for the caller's message */
        r->body = rb_malloc(v->kept + 1);
        memcpy(r->body, v->keep, v->kept);
        r->body[v->kept] = 0;
        r->body_len = v->kept;
    } else if (r->err == RB_ERR_NONE) {
        if (v->hs) {   /* the worker may still be hashing: hash_done goes on */
            rb_hashq_finish(v->hs);
            return;
        }
        verify_decide(x, NULL);
    }
    report(x);
}

/* The worker hashed the last bytes (digest), or the loop is being torn down
 * (NULL): the transfer ends now. */
static void hash_done(rb_hashq_stream *s, const char *digest, void *ud)
{
    (void)s;
    rb_xfer *x = ud;
    rb_http_resp *r = &x->resp;
    r->total_us = rb_now_us() - r->start_us;
    if (digest) {
        verify_decide(x, digest);
    } else {
        r->err = RB_ERR_OTHER;
        snprintf(r->error, sizeof r->error, "cancelled");
    }
    report(x);
}

/* The hash queue has room again: the transfer goes on (and may end within
 * the resume). */
static void hash_space(rb_hashq_stream *s, void *ud)
{
    (void)s;
    rb_xfer *x = ud;
    if (x->paused && x->linked && x->eng) x->eng->resume(x);
}

/* Appends n bytes to a growable NUL-terminated buffer (*len excludes the NUL). */
static void buf_append(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 1024;
        while (c < *len + n + 1) c *= 2;
        *buf = rb_realloc(*buf, c);
        *cap = c;
    }
    memcpy(*buf + *len, p, n);
    *len += n;
    (*buf)[*len] = 0;
}

/* A verified body's bytes: counted and hashed (inline, or queued for the
 * worker, which may be full: pause), the first ones kept. */
static int verify_take(rb_xfer *x, const char *p, size_t n)
{
    rb_xfer_verify *v = x->verify;
    if (v->hs) {
        if (rb_hashq_write(v->hs, p, n) == RB_HASHQ_FULL) return RB_SINK_PAUSE;
        if (rb_verifier_count(&v->ver, n) < 0) v->too_big = 1;
    } else if (rb_verifier_update(&v->ver, p, n) < 0) {
        v->too_big = 1;
    }
    if (v->too_big) return -1;
    if (v->kept < sizeof v->keep) {
        size_t k = sizeof v->keep - v->kept;
        if (k > n) k = n;
        memcpy(v->keep + v->kept, p, k);
        v->kept += k;
    }
    return 0;
}

int rb_xfer_take_body(rb_xfer *x, const char *p, size_t n)
{
    if (x->aborted) return -1;   /* the sink failed on bytes rb_http_resume handed over */
    if (!x->resp.body_us && n) {   /* the first body byte (both clients hand over the final response's only) */
        uint64_t now = rb_now_us();
        x->resp.body_us = now > x->resp.start_us ? now - x->resp.start_us : 1;
    }
    if (x->body_mode == RB_BODY_SINK || x->body_mode == RB_BODY_VERIFY) {
        int rc = x->body_mode == RB_BODY_SINK ? x->sink(x->sink_ud, p, n) : verify_take(x, p, n);
        if (rc == RB_SINK_PAUSE) return RB_SINK_PAUSE;   /* nothing taken */
        x->resp.bytes_received += n;
        if (rc != 0) {
            x->aborted = 1;
            snprintf(x->abort_msg, sizeof x->abort_msg,
                     x->verify ? "body larger than the expected size" : "response body sink failed");
            return -1;
        }
        return 0;
    }
    x->resp.bytes_received += n;
    if (x->body_mode == RB_BODY_BUFFER) {
        if (x->resp.body_len + n > x->max_body) {
            x->aborted = 1;
            snprintf(x->abort_msg, sizeof x->abort_msg,
                     "response body larger than the %zu-byte limit", x->max_body);
            return -1;
        }
        buf_append(&x->resp.body, &x->resp.body_len, &x->body_cap, p, n);
    }
    return 0;
}

int rb_xfer_has_body_buf(const rb_xfer *x)
{
    return x->sinkbuf != NULL || (x->verify && x->verify->hs);
}

char *rb_xfer_body_buf(rb_xfer *x, size_t *room)
{
    if (x->verify && x->verify->hs) {
        char *p = rb_hashq_space(x->verify->hs, room);
        return p;
    }
    return x->sinkbuf ? x->sinkbuf(x->sink_ud, room) : NULL;
}

void rb_xfer_take_header(rb_xfer *x, const char *p, size_t n)
{
    /* A status line starts a new response (redirects, 100-continue): keep only the last. */
    if (n >= 5 && strncmp(p, "HTTP/", 5) == 0)
        x->resp.headers_len = 0;
    if (x->resp.headers_len + n + 1 > 256 * 1024)
        return;   /* bound header memory; ignore the excess */
    buf_append(&x->resp.headers, &x->resp.headers_len, &x->headers_cap, p, n);
}

rb_hashq *rb_xfer_hashq(rb_loop *l)
{
    if (!l->hashq) l->hashq = rb_hashq_new(&l->uv);
    return l->hashq;
}

int rb_http_header(const rb_http_resp *r, const char *name, char *buf, size_t len)
{
    if (!r->headers) return 0;
    size_t nlen = strlen(name);
    const char *p = r->headers;
    while (*p) {
        const char *eol = strstr(p, "\n");
        if (!eol) eol = p + strlen(p);
        if ((size_t)(eol - p) > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            const char *v = p + nlen + 1;
            while (v < eol && (*v == ' ' || *v == '\t')) v++;
            const char *end = eol;
            while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) end--;
            size_t n = (size_t)(end - v);
            if (len) {
                if (n >= len) n = len - 1;
                memcpy(buf, v, n);
                buf[n] = 0;
            }
            return 1;
        }
        p = *eol ? eol + 1 : eol;
    }
    return 0;
}
