/* http_priv: what the two halves of rb_http share, private to src/http*.c.
 * http.c runs transfers through libcurl; http_h1.c is regbench's own
 * HTTP/1.1 client for plain-HTTP requests whose bodies are in memory (the
 * small, frequent requests: pings, manifests, HEAD probes, upload sessions),
 * where libcurl's per-request work would make regbench the bottleneck. Both
 * kinds of transfer are an rb_xfer on the same loop list, end through
 * rb_http_finish, and look the same to callers. */
#ifndef RB_HTTP_PRIV_H
#define RB_HTTP_PRIV_H

#include <curl/curl.h>

#include "net/rb_http.h"

/* Transfers are spread over several libcurl multi handles by the caller's
 * affinity (the VU): libcurl 7.x looks for a reusable connection by walking
 * every connection to the host in its multi handle, so with one handle and
 * 1,000 keep-alive connections each request walked hundreds of them. A VU
 * always lands on the same shard, so its connection is still reused. */
#define N_SHARDS 16
#define DEFAULT_MAX_BODY (64u << 20)

typedef struct rb_shard {
    rb_loop *loop;
    CURLM *multi;
    uv_timer_t timer;
} rb_shard;

typedef struct rb_h1 rb_h1;        /* the built-in client's state (http_h1.c) */
typedef struct h1_conn h1_conn;    /* one of its connections */

struct rb_loop {
    uv_loop_t uv;
    rb_shard shards[N_SHARDS];
    CURL **pool;              /* idle easy handles */
    size_t n_pool;
    rb_xfer *xfers;           /* transfers in flight (doubly linked) */
    size_t n_active;
    int no_proxy_env;         /* no proxy variable in the environment */
    struct sock_ctx **socks;  /* by fd: the sockets open_socket made, until close_socket */
    size_t n_socks;
    rb_http_engine engine;    /* which client takes eligible requests */
    rb_h1 *h1;                /* built-in client, made on first use */
    struct rb_hashq *hashq;   /* made by rb_loop_hashq, or NULL */
};

struct rb_xfer {
    rb_loop *loop;
    rb_shard *shard;
    CURL *easy;               /* libcurl transfer, or NULL for a built-in one */
    struct curl_slist *headers;
    char *body;               /* copy of an in-memory request body */
    size_t body_len, body_off;
    rb_read_fn read;
    void *read_ud;
    rb_body_mode body_mode;
    size_t max_body;
    rb_sink_fn sink;
    rb_sinkbuf_fn sinkbuf;    /* built-in transfers: where body bytes may be read in place */
    void *sink_ud;
    size_t body_cap;
    int aborted;              /* a callback asked to abort */
    int paused;               /* the sink paused it; rb_http_resume goes on */
    int no_reuse;             /* ended paused or mid-resume: do not pool its easy handle */
    char abort_msg[128];
    rb_http_done_fn done;
    void *ud;
    rb_http_resp resp;
    size_t headers_cap;
    char curl_err[CURL_ERROR_SIZE];
    uint64_t curl_offset_us;  /* libcurl began this long after start_us (a redirected built-in transfer) */
    rb_xfer *prev, *next;
    /* built-in client (http_h1.c) */
    int h1;                   /* 1: a built-in transfer */
    h1_conn *conn;            /* its connection while it has one */
    struct h1_pool *pool_of;  /* the host:port it goes to */
    char *wbuf;               /* the request bytes (head and body), kept for one retry */
    size_t wlen;
    int head_only;            /* HEAD: the response has no body */
    int retried;              /* already retried once on a fresh connection */
    int got_byte;             /* a response byte arrived */
    int fail_pending;         /* failed while starting: reported from the next sweep */
    uint64_t deadline_us;     /* whole-transfer deadline (rb_now_us), 0: none */
    uint64_t connect_limit_us;/* connect timeout */
    uint64_t stall_us;        /* stall limit, 0: off */
    uint64_t last_io_us;      /* last byte moved */
    char *hold;               /* paused by the sink: a body piece it refused, then unparsed bytes */
    size_t hold_body, hold_len;
    struct h1_follow *follow; /* the request again, for redirects (GET/HEAD that follow them) */
    int redirecting;          /* this response is a redirect being followed: its body is dropped */
    char *cur_url;            /* after a redirect: the URL now requested (else url) */
    char url[];               /* the request URL (built-in transfers only) */
};

/* Takes n response body bytes by the transfer's body mode; returns 0,
 * RB_SINK_PAUSE (a sink that cannot take them yet: nothing was taken), or -1
 * with x->aborted and x->abort_msg set. */
int rb_http_take_body(rb_xfer *x, const char *p, size_t n);
/* Appends a response header line to x->resp.headers (bounded; a status line
 * starts over). */
void rb_http_take_header(rb_xfer *x, const char *p, size_t n);
/* Links a new transfer into the loop's list. */
void rb_http_link(rb_xfer *x);
/* Unlinks a finished transfer, calls its owner, frees it. */
void rb_http_finish_xfer(rb_xfer *x);
/* Frees a transfer (unlinked or not yet linked): its easy handle back to the
 * pool or its built-in connection released. */
void rb_http_free_xfer(rb_xfer *x);

/* Sets up a linked transfer x (not yet begun) to run through libcurl: its
 * easy handle, options and headers, added to its shard. Returns 0, or -1
 * with err set (x is left for the caller to unlink and free). Used by
 * rb_http_start and by a built-in transfer redirected where the built-in
 * client does not go. */
int rb_http_curl_begin(rb_xfer *x, const rb_http_req *req, char *err, size_t errlen);

/* Whether the built-in client can take this request (plain http:// to an IP
 * literal, body in memory, response kept, discarded or sunk; redirects only
 * for GET and HEAD). */
int rb_h1_eligible(const rb_loop *l, const rb_http_req *req);
/* Starts a built-in transfer; NULL with err set when the request is invalid. */
rb_xfer *rb_h1_start(rb_loop *l, const rb_http_req *req, rb_http_done_fn done, void *ud,
                     char *err, size_t errlen);
/* Resumes a built-in transfer its sink paused (rb_http_resume). */
void rb_h1_resume(rb_xfer *x);
/* Frees what a built-in transfer keeps for redirects. */
void rb_h1_follow_free(struct h1_follow *f);
/* Detaches a built-in transfer from its connection (closing the connection
 * when the response is incomplete). */
void rb_h1_release(rb_xfer *x);
/* Closes every built-in connection and frees the client's state. */
void rb_h1_free(rb_loop *l);

#endif
