/* rb_http_types: what an HTTP transfer is made of, as its callers and the
 * parts of the HTTP module (src/net/) share it: the request (method, URL,
 * headers, a body in memory or pulled from a callback, what to do with the
 * response body) and the response (status, error class, headers, counts,
 * timings). Types only; the calls are in rb_http.h. */
#ifndef RB_HTTP_TYPES_H
#define RB_HTTP_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "measure/rb_metrics.h"

typedef struct rb_loop rb_loop;
typedef struct rb_xfer rb_xfer;

/* Which HTTP client runs a request. libcurl runs everything it is asked to
 * (TLS, redirects, streamed bodies, blobs); regbench's built-in HTTP/1.1
 * client runs the small plain-HTTP requests at a fraction of libcurl's
 * per-request cost, and plain-HTTP uploads whose body it can send straight
 * from a file (rb_sendfile_fn); rb_h1_eligible in http_h1.c says which
 * requests qualify. */
typedef enum {
    RB_HTTP_AUTO = 0,     /* built-in client where it qualifies, else libcurl (default) */
    RB_HTTP_LIBCURL,      /* libcurl for every request */
} rb_http_engine;
/* Parses "auto" or "libcurl"; returns 0, or -1 when s is neither. (Inline:
 * the suite loader uses it and must link without the HTTP code.) */
static inline int rb_http_parse_engine(const char *s, rb_http_engine *e)
{
    if (strcmp(s, "auto") == 0) *e = RB_HTTP_AUTO;
    else if (strcmp(s, "libcurl") == 0) *e = RB_HTTP_LIBCURL;
    else return -1;
    return 0;
}
/* "auto" or "libcurl". */
static inline const char *rb_http_engine_name(rb_http_engine e)
{
    return e == RB_HTTP_LIBCURL ? "libcurl" : "auto";
}

/* The User-Agent every request sends unless it names its own. */
#define RB_HTTP_USER_AGENT "regbench/" REGBENCH_VERSION
/* Longest User-Agent value accepted (rb_http_check_user_agent). */
#define RB_HTTP_USER_AGENT_MAX 256
/* Checks a User-Agent value: 1..256 printable ASCII characters (no CR, LF
 * or other control). Returns 0, or -1 with err saying what is wrong.
 * (Inline, like rb_http_parse_engine: the suite loader checks it.) */
static inline int rb_http_check_user_agent(const char *ua, char *err, size_t errlen)
{
    size_t n = strlen(ua);
    if (n == 0 || n > RB_HTTP_USER_AGENT_MAX) {
        snprintf(err, errlen, "a User-Agent must be 1 to %d characters, not %zu", RB_HTTP_USER_AGENT_MAX, n);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)ua[i];
        if (c < 0x20 || c > 0x7e) {
            snprintf(err, errlen, "a User-Agent must be printable ASCII without CR or LF; character %zu is 0x%02x",
                     i + 1, c);
            return -1;
        }
    }
    return 0;
}

typedef enum {
    RB_BODY_BUFFER = 0,   /* keep the body in resp->body (up to max_body bytes, else error) */
    RB_BODY_DISCARD,      /* count the bytes, keep nothing */
    RB_BODY_SINK,         /* hand every piece to sink() */
    RB_BODY_VERIFY,       /* check the body against verify_digest and verify_size as it streams,
                             keeping nothing (but the first bytes of a non-2xx response) */
} rb_body_mode;

/* Fills up to n bytes of request body into buf; returns the count, 0 at the
 * end, or -1 to abort the transfer. */
typedef ssize_t (*rb_read_fn)(void *ud, char *buf, size_t n);
/* Optional with rb_read_fn, for a body that is a byte range of a file:
 * writes up to n body bytes, from offset off of the body, straight from the
 * file to the socket sock (sendfile(2): no copy through a buffer). Returns
 * the count (> 0); 0 when the body's source failed (the transfer aborts, as
 * on read's -1); -1 with errno when the socket refused (EAGAIN: it is full).
 * The built-in client calls it for plain-HTTP uploads; libcurl (and so TLS)
 * calls read. A retried request starts again at off 0. */
typedef ssize_t (*rb_sendfile_fn)(void *ud, int sock, uint64_t off, size_t n);
/* A sink's answer: pause the transfer without taking the bytes. */
#define RB_SINK_PAUSE 1
/* Takes n bytes of response body; returns 0, or RB_SINK_PAUSE to take none
 * of them and pause the transfer (libcurl holds them and hands them over
 * again after rb_http_resume), or -1 to abort the transfer. */
typedef int (*rb_sink_fn)(void *ud, const char *buf, size_t n);
/* Optional with a sink: where the next body bytes may be received in place
 * (the built-in client reads straight into it; libcurl does not use it).
 * Returns the buffer with *room bytes, or NULL when the sink cannot take
 * more now: the transfer then pauses until rb_http_resume. Bytes received
 * there still go to sink(), at that address. */
typedef char *(*rb_sinkbuf_fn)(void *ud, size_t *room);

typedef struct rb_http_req {
    const char *method;           /* "GET", "PUT", ...; NULL: GET */
    const char *url;
    const char *const *headers;   /* NULL-terminated "Name: value" lines, or NULL */
    const char *body;             /* in-memory body (copied), or NULL */
    size_t body_len;
    rb_read_fn read;              /* streaming body instead of `body` */
    void *read_ud;
    int64_t read_size;            /* its length, -1: unknown (chunked) */
    rb_sendfile_fn send_file;     /* optional with read (same read_ud), see rb_sendfile_fn */
    rb_body_mode body_mode;
    size_t max_body;              /* RB_BODY_BUFFER limit; 0: 64 MiB */
    rb_sink_fn sink;
    rb_sinkbuf_fn sinkbuf;        /* optional, see rb_sinkbuf_fn */
    void *sink_ud;
    const char *verify_digest;    /* RB_BODY_VERIFY: "sha256:<64 hex>" the body must have */
    int64_t verify_size;          /* RB_BODY_VERIFY: its size, -1: unknown (then hashed inline) */
    double timeout_s;             /* whole transfer; 0: none */
    double connect_timeout_s;     /* 0: 10 s */
    double stall_s;               /* fail when no byte moves for this long; 0: off */
    int follow_redirects;         /* follow 3xx (credentials never follow to another host) */
    int insecure;                 /* skip TLS verification */
    const char *ca_file;          /* extra CA bundle, or NULL */
    unsigned affinity;            /* same value, same connection pool (e.g. the VU's id) */
} rb_http_req;

typedef struct rb_http_resp {
    long status;                  /* 0 when no response */
    rb_err_class err;             /* RB_ERR_NONE, or why the transfer failed (status >= 400 is not an
                                     an error here; RB_ERR_INTEGRITY: a verified body did not match,
                                     or a body was cut short) */
    char error[256];              /* message when err != RB_ERR_NONE */
    char *body;                   /* RB_BODY_BUFFER: the body, NUL-terminated (RB_BODY_VERIFY:
                                     the first 4 KB of a non-2xx response's body) */
    size_t body_len;
    char *headers;                /* header lines of the final response, "Name: value\r\n"... */
    size_t headers_len;
    uint64_t bytes_sent;          /* request body bytes */
    uint64_t bytes_received;      /* response body bytes */
    uint64_t start_us;            /* rb_now_us at rb_http_start */
    uint64_t connect_us;          /* from start: connected (0 when reused) */
    uint64_t ttfb_us;             /* from start: first response byte */
    uint64_t body_us;             /* from start: first byte of the (final) response's body; 0: no body */
    uint64_t total_us;            /* from start: done */
    char *effective_url;          /* last URL used (after redirects) */
    int verified;                 /* RB_BODY_VERIFY: 1 when the body matched its digest and size */
} rb_http_resp;

/* Called on the loop thread when a transfer ends; resp is valid during the
 * call only. */
typedef void (*rb_http_done_fn)(rb_xfer *x, rb_http_resp *resp, void *ud);

/* Finds response header `name` (case-insensitive); copies its value into buf.
 * Returns 1 if found, 0 if not. */
int rb_http_header(const rb_http_resp *r, const char *name, char *buf, size_t len);

#endif
