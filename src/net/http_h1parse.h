/* http_h1parse: the HTTP/1.1 response parser of the built-in client
 * (http_h1.c), private to src/http_h1*.c and the fuzz target. It does no
 * I/O and knows nothing of transfers: it is fed the bytes of one connection
 * in slices of any size, as they are read, and reports what they hold, one
 * event at a time: the header block (status line and headers, with the body
 * framing they set: Content-Length, chunked with extensions and trailers,
 * until close, or none), body bytes, the end of the response, or an error.
 * Interim 1xx responses are reported as heads of their own, followed by the
 * real one. Events point into the slice (or, for a header block split
 * across slices, into the parser's own buffer), so the usual response (one
 * read holding the whole head and body) is parsed without a copy. Server
 * responses are untrusted: tests/fuzz/fuzz_h1.c drives this parser. */
#ifndef RB_HTTP_H1PARSE_H
#define RB_HTTP_H1PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Limits; the fuzz target builds with small ones, so that it reaches them. */
#ifndef H1_MAX_HEAD
#define H1_MAX_HEAD (256 * 1024)    /* largest response header block */
#endif
#ifndef H1_MAX_LINE
#define H1_MAX_LINE 4096            /* largest chunk-size or trailer line */
#endif

/* What rb_h1_parse reports. */
typedef enum {
    RB_H1_MORE,     /* the whole slice is consumed; feed the next one */
    RB_H1_HEAD,     /* a header block: data/data_len, status, keepalive, framing */
    RB_H1_BODY,     /* body bytes: data/data_len, the bytes just consumed */
    RB_H1_DONE,     /* the response is complete; reported again until rb_h1_parse_start */
    RB_H1_ERROR,    /* err holds the message; reported again until rb_h1_parse_start */
} rb_h1_event;

/* How the body of the last head is delimited. */
typedef enum {
    RB_H1_NO_BODY,   /* HEAD request, 1xx, 204 or 304 */
    RB_H1_LENGTH,    /* Content-Length: `length` bytes */
    RB_H1_CHUNKED,   /* Transfer-Encoding: chunked */
    RB_H1_CLOSE,     /* until the server closes the connection */
} rb_h1_framing;

typedef struct rb_h1_parser {
    /* set by rb_h1_parse_start */
    const char *peer;          /* host:port, for error messages */
    int head_only;             /* the request was HEAD: no body follows the head */
    /* the last head (RB_H1_HEAD) */
    long status;
    int keepalive;             /* the connection may serve another request */
    rb_h1_framing framing;
    uint64_t length;           /* RB_H1_LENGTH: the Content-Length */
    /* the last event's bytes (RB_H1_HEAD, RB_H1_BODY); valid until the next call */
    const char *data;
    size_t data_len;
    char err[256];             /* RB_H1_ERROR: the message */
    /* internal */
    int state;
    uint64_t left;             /* body or chunk bytes still expected */
    char *buf;                 /* header block or line being gathered */
    size_t len, cap;
} rb_h1_parser;

/* Readies ps (zeroed, or used before) for the response to a new request;
 * peer must outlive the response. Keeps the buffer. */
void rb_h1_parse_start(rb_h1_parser *ps, int head_only, const char *peer);
/* Consumes p[0..n) up to the next event and returns it, with *used the bytes
 * consumed (at most n; all of them for RB_H1_MORE). n may be 0. */
rb_h1_event rb_h1_parse(rb_h1_parser *ps, const char *p, size_t n, size_t *used);
/* The connection ended (eof: the server closed it; else an I/O error) before
 * RB_H1_DONE or RB_H1_ERROR: RB_H1_DONE when a close at that point ends the
 * response (a body delimited by the close), RB_H1_ERROR with err set when a
 * body was cut short, RB_H1_MORE when no body had begun. */
rb_h1_event rb_h1_parse_end(rb_h1_parser *ps, int eof);
/* Whether the head is parsed and body bytes (or chunk framing) come next. */
int rb_h1_parse_in_body(const rb_h1_parser *ps);
/* Frees the parser's buffer. */
void rb_h1_parse_free(rb_h1_parser *ps);

#endif
