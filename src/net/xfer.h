/* xfer: one HTTP transfer as both clients run it, private to src/net/.
 * The loop (http.c) owns a list of transfers; an engine runs each one:
 * libcurl (http_curl.c) or the built-in HTTP/1.1 client (http_h1.c), which
 * hands a transfer over to libcurl after a redirect it cannot follow
 * itself. Whatever the engine, a transfer takes its response bytes through
 * xfer.c by its body mode (buffer, discard, sink, or verified against a
 * digest, inline or on the loop's hashing worker) and ends through
 * rb_xfer_finish, which makes the integrity decision and calls the owner.
 * An engine plugs in through rb_xfer_engine (release and resume hooks), so
 * xfer.c calls no engine directly and the modules form no cycle:
 * http.c -> http_h1.c -> http_curl.c -> xfer.c. */
#ifndef RB_XFER_H
#define RB_XFER_H

#include <curl/curl.h>
#include <uv.h>

#include "net/rb_http_types.h"
#include "util/rb_digest.h"

/* Transfers are spread over several libcurl multi handles by the caller's
 * affinity (the VU): libcurl 7.x looks for a reusable connection by walking
 * every connection to the host in its multi handle, so with one handle and
 * 1,000 keep-alive connections each request walked hundreds of them. A VU
 * always lands on the same shard, so its connection is still reused. */
#define N_SHARDS 16
#define DEFAULT_MAX_BODY (64u << 20)
/* Verified bodies expected to be this large or larger are hashed on the
 * worker thread; smaller ones inline, which costs less than the hand-over. */
#define ASYNC_VERIFY_MIN (4u << 20)
#define VERIFY_KEEP 4096     /* bytes of a verified body kept for an error response's message */

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
    char user_agent[RB_HTTP_USER_AGENT_MAX + 1]; /* sent unless a request names its own */
    rb_h1 *h1;                /* built-in client, made on first use */
    struct rb_hashq *hashq;   /* made by rb_loop_hashq, or NULL */
};

/* What the engine running a transfer does for xfer.c. */
typedef struct rb_xfer_engine {
    /* Gives back what the engine holds for x (easy handle, connection); the
     * transfer is unlinked, its response complete. Runs once. */
    void (*release)(rb_xfer *x);
    /* Goes on with a transfer its sink paused (rb_http_resume). */
    void (*resume)(rb_xfer *x);
} rb_xfer_engine;

/* A verified body (RB_BODY_VERIFY): hashed inline or on the worker. */
typedef struct rb_xfer_verify {
    rb_verifier ver;          /* digest, size and byte count (no hash context when hs is set) */
    struct rb_hashq_stream *hs; /* the worker hashes the body, or NULL: inline */
    int too_big;              /* more bytes than the expected size arrived */
    char keep[VERIFY_KEEP];   /* the first bytes, for a non-2xx response's body */
    size_t kept;
} rb_xfer_verify;

struct rb_xfer {
    rb_loop *loop;
    const rb_xfer_engine *eng;/* who runs it now */
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
    rb_sinkbuf_fn sinkbuf;    /* where body bytes may be read in place (built-in transfers) */
    void *sink_ud;
    rb_xfer_verify *verify;   /* RB_BODY_VERIFY, else NULL */
    size_t body_cap;
    int aborted;              /* a callback asked to abort */
    int paused;               /* the sink paused it; rb_http_resume goes on */
    int no_reuse;             /* ended paused or mid-resume: do not pool its easy handle */
    int released;             /* the engine gave back what it held */
    int linked;               /* on the loop's list */
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
    rb_sendfile_fn send_file; /* the body goes out from a file after wbuf (the head), with read_ud */
    uint64_t file_len;        /* that body's length */
    uint64_t file_sent;       /* its bytes the socket took, on this attempt */
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

/* Makes a transfer for req (url_len extra bytes for x->url), started now,
 * not yet linked and with no engine: the body mode and limits are set, and
 * a verified body is prepared (on the worker when it is large). */
rb_xfer *rb_xfer_new(rb_loop *l, const rb_http_req *req, size_t url_len, rb_http_done_fn done, void *ud);
/* Links a new transfer into the loop's list. */
void rb_xfer_link(rb_xfer *x);
/* The response is complete (x->resp filled, or its error set): the engine
 * lets go, then the owner is called, after the worker has hashed the last
 * bytes of a verified body; x is freed. */
void rb_xfer_finish(rb_xfer *x);
/* Unlinks and frees a transfer without calling its owner (it did not start,
 * or was cancelled). */
void rb_xfer_drop(rb_xfer *x);
/* Takes n response body bytes by the transfer's body mode (the first of
 * them sets resp.body_us); returns 0,
 * RB_SINK_PAUSE (a sink that cannot take them yet: nothing was taken), or -1
 * with x->aborted and x->abort_msg set. */
int rb_xfer_take_body(rb_xfer *x, const char *p, size_t n);
/* Where the next body bytes may be received in place, or NULL: see
 * rb_sinkbuf_fn (a verified body offers the hashing worker's chunk). */
char *rb_xfer_body_buf(rb_xfer *x, size_t *room);
/* Whether the transfer's body may be received in place (rb_xfer_body_buf). */
int rb_xfer_has_body_buf(const rb_xfer *x);
/* The loop's hashing queue, made on first use (rb_loop_hashq); NULL if it
 * cannot be made. */
struct rb_hashq *rb_xfer_hashq(rb_loop *l);
/* Appends a response header line to x->resp.headers (bounded; a status line
 * starts over). */
void rb_xfer_take_header(rb_xfer *x, const char *p, size_t n);

#endif
