/* http: the event loop and the entry point of HTTP transfers (see
 * rb_http.h). A loop is a libuv loop with two engines on it: libcurl
 * (http_curl.c) and the built-in HTTP/1.1 client (http_h1.c). rb_http_start
 * checks a request, makes its transfer (xfer.c) and hands it to the engine
 * that should run it; the loop also owns the hashing queue (rb_hashq) that
 * verified bodies feed, so that it is cancelled and freed with the
 * transfers. */
#include "net/rb_http.h"
#include "net/rb_hashq.h"
#include "util/rb_digest.h"
#include "util/rb_util.h"
#include "http_curl.h"
#include "http_h1.h"

#include <stdlib.h>
#include <string.h>

rb_loop *rb_loop_new(char *err, size_t errlen)
{
    rb_loop *l = rb_calloc(1, sizeof *l);
    if (uv_loop_init(&l->uv) != 0) {
        free(l);
        rb_err(err, errlen, "libuv loop initialisation failed");
        return NULL;
    }
    if (rb_curl_init(l, err, errlen) < 0) {
        uv_loop_close(&l->uv);
        free(l);
        return NULL;
    }
    /* libcurl reads five proxy variables from the environment for every
     * transfer; when none is set, say so once (same behaviour, no getenv). */
    static const char *const proxy_env[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                            "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY", NULL};
    l->no_proxy_env = 1;
    for (const char *const *v = proxy_env; *v; v++)
        if (getenv(*v)) l->no_proxy_env = 0;
    snprintf(l->user_agent, sizeof l->user_agent, "%s", RB_HTTP_USER_AGENT);
    return l;
}

uv_loop_t *rb_loop_uv(rb_loop *l)
{
    return &l->uv;
}

rb_hashq *rb_loop_hashq(rb_loop *l)
{
    return rb_xfer_hashq(l);
}

size_t rb_loop_active(const rb_loop *l)
{
    return l->n_active;
}

void rb_loop_set_engine(rb_loop *l, rb_http_engine e)
{
    l->engine = e;
}

int rb_loop_set_user_agent(rb_loop *l, const char *ua)
{
    char err[128];
    if (!ua) ua = RB_HTTP_USER_AGENT;
    if (rb_http_check_user_agent(ua, err, sizeof err) < 0) return -1;
    snprintf(l->user_agent, sizeof l->user_agent, "%s", ua);
    return 0;
}

const char *rb_loop_user_agent(const rb_loop *l)
{
    return l->user_agent;
}

void rb_loop_cancel_all(rb_loop *l)
{
    while (l->xfers) {
        rb_xfer *x = l->xfers;
        x->resp.err = RB_ERR_OTHER;
        snprintf(x->resp.error, sizeof x->resp.error, "cancelled");
        x->resp.total_us = rb_now_us() - x->resp.start_us;
        rb_xfer_finish(x);
    }
    rb_hashq_cancel(l->hashq);
}

void rb_loop_free(rb_loop *l)
{
    if (!l) return;
    rb_loop_cancel_all(l);
    rb_h1_free(l);
    rb_hashq_free(l->hashq);   /* joins its worker; its handle closes in the uv_run below */
    rb_curl_free(l);
    uv_run(&l->uv, UV_RUN_NOWAIT);  /* let close callbacks run */
    uv_loop_close(&l->uv);
    free(l->socks);
    free(l);
}

rb_xfer *rb_http_start(rb_loop *l, const rb_http_req *req, rb_http_done_fn done, void *ud,
                       char *err, size_t errlen)
{
    if (!req->url || (strncmp(req->url, "http://", 7) != 0 && strncmp(req->url, "https://", 8) != 0)) {
        rb_err(err, errlen, "bad URL '%s': expected http:// or https://", req->url ? req->url : "(none)");
        return NULL;
    }
    if (req->body_mode == RB_BODY_SINK && !req->sink) {
        rb_err(err, errlen, "body sink missing");
        return NULL;
    }
    if (req->body_mode == RB_BODY_VERIFY && (!req->verify_digest || !rb_digest_valid(req->verify_digest))) {
        rb_err(err, errlen, "cannot verify against '%s': expected sha256:<64 hex>",
               req->verify_digest ? req->verify_digest : "(none)");
        return NULL;
    }
    if (l->engine == RB_HTTP_AUTO && rb_h1_eligible(l, req))
        return rb_h1_start(l, req, done, ud, err, errlen);
    rb_xfer *x = rb_xfer_new(l, req, 0, done, ud);
    rb_xfer_link(x);
    if (rb_curl_begin(x, req, err, errlen) < 0) {
        rb_xfer_drop(x);
        return NULL;
    }
    return x;
}

void rb_http_cancel(rb_xfer *x)
{
    if (!x) return;
    rb_xfer_drop(x);
}

void rb_http_resume(rb_xfer *x)
{
    if (x->eng) x->eng->resume(x);
}
