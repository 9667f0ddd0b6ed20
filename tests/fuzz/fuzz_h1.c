/* fuzz_h1: libFuzzer target for the built-in HTTP client's response parser
 * (src/http_h1parse.c), which reads what a server sends. Input: byte 0 is
 * 'H' when the request was a HEAD (anything else: a GET), byte 1 chooses the
 * read sizes, the rest is what the server sent on one connection. It is
 * parsed twice: as one read, and as reads of 0 to byte1 + 1 bytes (a
 * pseudo-random sequence seeded by byte 1; 0: mostly one byte at a time).
 * Each read is a heap copy of exactly its size, so ASan catches any read
 * past it. After a complete response the parser is started again on the
 * rest, as if it were a pipelined response on the same connection; after
 * an error the connection is given up; at the end of the input the server
 * closes it. The parser must never crash, leak or hang, and:
 *  - every call consumes at most the bytes given, all of them when it wants
 *    more, at least one with a head or body event;
 *  - a head is one whole header block ("HTTP/1.x ddd" ... the first CRLF
 *    CRLF), at most H1_MAX_HEAD bytes, in the read or in the parser's
 *    buffer; its status and framing match it (HEAD, 1xx, 204, 304: no body);
 *  - body bytes are the last bytes just consumed, come only after a final
 *    head that allows a body, and never exceed the Content-Length; done
 *    comes only after a final head, with exactly Content-Length bytes for a
 *    length, and is reported again (nothing else, also at the end of the
 *    connection) until the next start;
 *  - 101 is reported as a head, then an error; errors are sticky (also at
 *    the end of the connection) and carry one of the known messages;
 *  - the end of the input completes the response only for a body delimited
 *    by the close, and only when the server closed (not on an I/O error);
 *  - what the caller sees (heads, body bytes, done, errors, the end) is the
 *    same however the input is split into reads.
 * Built by tests/fuzz/CMakeLists.txt (-DREGBENCH_FUZZ=ON, clang) with small
 * limits (H1_MAX_HEAD 1024, H1_MAX_LINE 128) that inputs can reach; see
 * tests/fuzz/README.md. */
#include "net/http_h1parse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PEER "127.0.0.1:5000"

/* Aborts (a crash to libFuzzer) naming the broken invariant. */
#define check(ok) ((ok) ? (void)0 : (fprintf(stderr, "fuzz_h1.c:%d: %s\n", __LINE__, #ok), abort()))

/* What the caller sees, for comparing one slicing with another. */
typedef struct transcript {
    char *b;
    size_t len, cap;
    int in_body;   /* the last thing added was body bytes */
} transcript;

static void t_add(transcript *t, const void *p, size_t n)
{
    if (t->len + n > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        while (cap < t->len + n) cap *= 2;
        t->b = realloc(t->b, cap);
        check(t->b != NULL);
        t->cap = cap;
    }
    memcpy(t->b + t->len, p, n);
    t->len += n;
}

/* One event; body bytes of consecutive body events are joined. */
static void t_event(transcript *t, char kind, const void *p, size_t n)
{
    if (kind == 'B' && t->in_body) {
        t_add(t, p, n);
        return;
    }
    t_add(t, &kind, 1);
    t_add(t, p, n);
    t->in_body = kind == 'B';
}

static const char *const messages[] = {
    "bad status line from " PEER,
    "bad Content-Length from " PEER,
    "unsupported Transfer-Encoding from " PEER,
    "unexpected protocol switch from " PEER,
    "bad chunked encoding from " PEER,
    "response headers from " PEER " larger than ",
    "transfer closed with ",
};

static void check_error(const rb_h1_parser *ps)
{
    size_t len = strnlen(ps->err, sizeof ps->err);
    check(len > 0 && len < sizeof ps->err);
    for (size_t i = 0; i < sizeof messages / sizeof messages[0]; i++)
        if (strncmp(ps->err, messages[i], strlen(messages[i])) == 0) return;
    abort();
}

/* The response being read, as the driver tracks it. */
typedef struct resp {
    int final;           /* a final (non-1xx) head came */
    uint64_t body;       /* body bytes so far */
    int switching;       /* a 101 head came: an error must follow */
} resp;

static void check_head(const rb_h1_parser *ps, int head_only, const char *slice, size_t used)
{
    const char *h = ps->data;
    size_t n = ps->data_len;
    int in_slice = h >= slice && h + n <= slice + used;
    int in_buf = ps->buf && h == ps->buf && n < ps->cap;
    check(in_slice || in_buf);
    check(n >= 16 && n <= H1_MAX_HEAD);
    check(memcmp(h, "HTTP/1.", 7) == 0 && (h[7] == '0' || h[7] == '1') && h[8] == ' ');
    check(memcmp(h + n - 4, "\r\n\r\n", 4) == 0 && !memmem(h, n - 1, "\r\n\r\n", 4));
    long status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
    check(ps->status == status);
    if ((status >= 100 && status < 200) || head_only || status == 204 || status == 304)
        check(ps->framing == RB_H1_NO_BODY);
    else
        check(ps->framing != RB_H1_NO_BODY);
    if (ps->framing == RB_H1_CLOSE) check(!ps->keepalive);
    if (ps->framing != RB_H1_LENGTH) check(ps->length == 0);
}

/* Parses data as reads: one read (seed < 0) or reads of pseudo-random sizes. */
static void drive(const char *data, size_t size, int head_only, int seed, transcript *t)
{
    rb_h1_parser ps;
    memset(&ps, 0, sizeof ps);
    rb_h1_parse_start(&ps, head_only, PEER);
    resp r = {0};
    int failed = 0, last_empty = 0;
    uint32_t rnd = (uint32_t)seed * 2654435761u + 1;
    size_t off = 0;
    while (!failed && off < size) {
        size_t n = size - off;
        if (seed >= 0) {
            rnd = rnd * 1103515245u + 12345u;
            size_t want = (rnd >> 16) % ((size_t)seed + 2);   /* 0 .. seed + 1 */
            if (want == 0 && last_empty) want = 1;
            if (want < n) n = want;
        }
        last_empty = n == 0;
        char *slice = malloc(n);
        check(n == 0 || slice != NULL);
        if (n) memcpy(slice, data + off, n);
        size_t pos = 0;
        for (;;) {
            size_t used = (size_t)-1;
            const char *p = n ? slice + pos : "";
            rb_h1_event ev = rb_h1_parse(&ps, p, n - pos, &used);
            check(used <= n - pos);
            if (ev == RB_H1_MORE) {
                check(used == n - pos);
                check(!r.switching);
                break;
            }
            if (ev == RB_H1_HEAD) {
                check(used > 0 && !r.final && !r.switching);
                check_head(&ps, head_only, p, used);
                t_event(t, 'H', ps.data, ps.data_len);
                t_event(t, 's', &ps.status, sizeof ps.status);
                t_event(t, 'f', &ps.framing, sizeof ps.framing);
                t_event(t, 'k', &ps.keepalive, sizeof ps.keepalive);
                t_event(t, 'l', &ps.length, sizeof ps.length);
                r.final = ps.status < 100 || ps.status >= 200;
                r.switching = ps.status == 101;
            } else if (ev == RB_H1_BODY) {
                /* the last bytes consumed (after a chunk-size line, if any) */
                check(ps.data_len > 0 && ps.data >= p && ps.data + ps.data_len == p + used);
                check(r.final && ps.framing != RB_H1_NO_BODY);
                r.body += used;
                if (ps.framing == RB_H1_LENGTH) check(r.body <= ps.length);
                t_event(t, 'B', ps.data, ps.data_len);
            } else if (ev == RB_H1_DONE) {
                check(r.final && !r.switching);
                if (ps.framing == RB_H1_LENGTH) check(r.body == ps.length);
                if (ps.framing == RB_H1_NO_BODY) check(r.body == 0);
                check(ps.framing != RB_H1_CLOSE);   /* only the close ends that body */
                size_t again = (size_t)-1;
                check(rb_h1_parse(&ps, p + used, n - pos - used, &again) == RB_H1_DONE && again == 0);
                check(rb_h1_parse_end(&ps, 1) == RB_H1_DONE);
                t_event(t, 'D', "", 0);
                rb_h1_parse_start(&ps, head_only, PEER);   /* the next response on the connection */
                memset(&r, 0, sizeof r);
            } else {
                check(ev == RB_H1_ERROR);
                check_error(&ps);
                char err[sizeof ps.err];
                memcpy(err, ps.err, sizeof err);
                size_t again = (size_t)-1;
                check(rb_h1_parse(&ps, p + used, n - pos - used, &again) == RB_H1_ERROR && again == 0);
                check(rb_h1_parse_end(&ps, 1) == RB_H1_ERROR);
                check(strcmp(err, ps.err) == 0);
                t_event(t, 'E', ps.err, strlen(ps.err));
                failed = 1;
                break;
            }
            pos += used;
        }
        free(slice);
        off += n;
    }
    if (!failed) {
        /* an I/O error never completes the response; the server's close may */
        rb_h1_parser copy = ps;
        rb_h1_event io = rb_h1_parse_end(&copy, 0);
        check(io == RB_H1_MORE || io == RB_H1_ERROR);
        rb_h1_event ev = rb_h1_parse_end(&ps, 1);
        check(io == ev || (io == RB_H1_MORE && ev == RB_H1_DONE));
        char kind = ev == RB_H1_DONE ? 'd' : ev == RB_H1_ERROR ? 'e' : 'm';
        if (ev == RB_H1_DONE) {
            check(r.final && ps.framing == RB_H1_CLOSE);
            size_t again = (size_t)-1;
            check(rb_h1_parse(&ps, "", 0, &again) == RB_H1_DONE && again == 0);
        } else if (ev == RB_H1_ERROR) {
            check(r.final && (ps.framing == RB_H1_LENGTH || ps.framing == RB_H1_CHUNKED));
            check_error(&ps);
            check(strcmp(ps.err, copy.err) == 0);
        } else {
            check(!r.final);   /* nothing, a 1xx, or part of a head */
        }
        t_event(t, kind, ev == RB_H1_ERROR ? ps.err : "", ev == RB_H1_ERROR ? strlen(ps.err) : 0);
    }
    rb_h1_parse_free(&ps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    int head_only = data[0] == 'H';
    int seed = data[1];
    const char *body = (const char *)data + 2;
    size = size - 2;
    transcript whole = {0}, split = {0};
    drive(body, size, head_only, -1, &whole);
    drive(body, size, head_only, seed, &split);
    check(whole.len == split.len && (whole.len == 0 || memcmp(whole.b, split.b, whole.len) == 0));
    free(whole.b);
    free(split.b);
    return 0;
}
