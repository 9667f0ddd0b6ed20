/* http_h1parse: the built-in client's HTTP/1.1 response parser (see
 * http_h1parse.h), kept apart from the connection I/O in http_h1.c so that
 * it can be fuzzed on its own (tests/fuzz/fuzz_h1.c). A state machine over
 * the bytes of one connection: the header block is found in place when a
 * slice holds all of it and gathered into the parser's buffer otherwise;
 * chunk-size, chunk-end and trailer lines are gathered the same way; body
 * bytes are never copied. Limits: H1_MAX_HEAD for the header block,
 * H1_MAX_LINE for a chunk or trailer line. */
#include "http_h1parse.h"
#include "util/rb_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { P_HEAD, P_BODY_LEN, P_BODY_CLOSE, P_CHUNK_SIZE, P_CHUNK_DATA, P_CHUNK_CRLF, P_TRAILER, P_DONE, P_ERROR };

void rb_h1_parse_start(rb_h1_parser *ps, int head_only, const char *peer)
{
    ps->peer = peer;
    ps->head_only = head_only;
    ps->state = P_HEAD;
    ps->len = 0;
}

void rb_h1_parse_free(rb_h1_parser *ps)
{
    free(ps->buf);
    ps->buf = NULL;
    ps->len = ps->cap = 0;
}

static rb_h1_event fail(rb_h1_parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets the error message; the parser stays failed until rb_h1_parse_start. */
static rb_h1_event fail(rb_h1_parser *ps, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err, sizeof ps->err, fmt, ap);
    va_end(ap);
    ps->state = P_ERROR;
    return RB_H1_ERROR;
}

/* Appends to the gathering buffer (kept NUL-terminated). */
static void gather(rb_h1_parser *ps, const char *p, size_t n)
{
    if (ps->len + n + 1 > ps->cap) {
        size_t cap = ps->cap ? ps->cap : 1024;
        while (cap < ps->len + n + 1) cap *= 2;
        ps->buf = rb_realloc(ps->buf, cap);
        ps->cap = cap;
    }
    memcpy(ps->buf + ps->len, p, n);
    ps->len += n;
    ps->buf[ps->len] = 0;
}

/* Parses a complete header block (h, len bytes, ending in CRLFCRLF): sets
 * the head's results and the next state; RB_H1_HEAD, or RB_H1_ERROR. */
static rb_h1_event parse_head(rb_h1_parser *ps, const char *h, size_t len)
{
    if (len < 12 || strncmp(h, "HTTP/1.", 7) != 0 || (h[7] != '0' && h[7] != '1') || h[8] != ' ' ||
        h[9] < '0' || h[9] > '9' || h[10] < '0' || h[10] > '9' || h[11] < '0' || h[11] > '9')
        return fail(ps, "bad status line from %s", ps->peer);
    long status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
    int keepalive = h[7] == '1';
    int chunked = 0, has_len = 0;
    uint64_t clen = 0;
    const char *end = h + len;
    const char *p = memchr(h, '\n', len);
    p = p ? p + 1 : end;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) eol = end;
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (colon) {
            size_t nlen = (size_t)(colon - p);
            const char *v = colon + 1;
            while (v < eol && (*v == ' ' || *v == '\t')) v++;
            const char *ve = eol;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t')) ve--;
            size_t vlen = (size_t)(ve - v);
            if (nlen == 14 && strncasecmp(p, "Content-Length", 14) == 0) {
                uint64_t n = 0;
                if (vlen == 0 || vlen > 19) goto bad_len;
                for (size_t i = 0; i < vlen; i++) {
                    if (v[i] < '0' || v[i] > '9') goto bad_len;
                    n = n * 10 + (uint64_t)(v[i] - '0');
                }
                if (has_len && n != clen) goto bad_len;
                clen = n;
                has_len = 1;
            } else if (nlen == 17 && strncasecmp(p, "Transfer-Encoding", 17) == 0) {
                chunked = vlen >= 7 && strncasecmp(ve - 7, "chunked", 7) == 0;
                if (!chunked) return fail(ps, "unsupported Transfer-Encoding from %s", ps->peer);
            } else if (nlen == 10 && strncasecmp(p, "Connection", 10) == 0) {
                for (const char *q = v; q + 5 <= ve; q++) {
                    if (strncasecmp(q, "close", 5) == 0) keepalive = 0;
                    else if (q + 10 <= ve && strncasecmp(q, "keep-alive", 10) == 0) keepalive = 1;
                }
            }
        }
        p = eol + 1;
    }
    ps->data = h;
    ps->data_len = len;
    ps->status = status;
    ps->keepalive = keepalive;
    ps->length = 0;
    if (status >= 100 && status < 200) {
        ps->framing = RB_H1_NO_BODY;
        ps->state = P_HEAD;   /* an interim response: the real one follows */
        if (status == 101)    /* the head is reported, the error comes next */
            fail(ps, "unexpected protocol switch from %s", ps->peer);
    } else if (ps->head_only || status == 204 || status == 304) {
        ps->framing = RB_H1_NO_BODY;
        ps->state = P_DONE;
    } else if (chunked) {
        ps->framing = RB_H1_CHUNKED;
        ps->state = P_CHUNK_SIZE;
    } else if (has_len) {
        ps->framing = RB_H1_LENGTH;
        ps->length = ps->left = clen;
        ps->state = clen ? P_BODY_LEN : P_DONE;
    } else {
        ps->framing = RB_H1_CLOSE;
        ps->state = P_BODY_CLOSE;
        ps->keepalive = 0;
    }
    return RB_H1_HEAD;
bad_len:
    return fail(ps, "bad Content-Length from %s", ps->peer);
}

/* Looks for the end of the header block in p[0..n), gathering what it has
 * of the block until the end comes; *used: the bytes of p taken. */
static rb_h1_event take_head(rb_h1_parser *ps, const char *p, size_t n, size_t *used)
{
    if (ps->len == 0) {   /* usual case: the whole block in this slice */
        const char *e = memmem(p, n, "\r\n\r\n", 4);
        if (e) {
            size_t hlen = (size_t)(e - p) + 4;
            *used = hlen;
            if (hlen > H1_MAX_HEAD)   /* only with slices larger than the limit */
                return fail(ps, "response headers from %s larger than %d bytes", ps->peer, H1_MAX_HEAD);
            return parse_head(ps, p, hlen);
        }
    }
    size_t from = ps->len > 3 ? ps->len - 3 : 0;
    size_t room = H1_MAX_HEAD - ps->len;
    size_t add = n < room ? n : room;
    gather(ps, p, add);
    const char *e = memmem(ps->buf + from, ps->len - from, "\r\n\r\n", 4);
    if (!e) {
        *used = add;   /* add == n unless the limit is reached */
        if (ps->len >= H1_MAX_HEAD)
            return fail(ps, "response headers from %s larger than %d bytes", ps->peer, H1_MAX_HEAD);
        return RB_H1_MORE;
    }
    size_t hlen = (size_t)(e - ps->buf) + 4;
    *used = add - (ps->len - hlen);   /* bytes of this slice that belong to the block */
    ps->len = 0;                      /* the block stays in buf until the next call */
    return parse_head(ps, ps->buf, hlen);
}

/* Gathers one line (chunk size, chunk end, trailer) into buf; returns the
 * bytes consumed, with *done set when the line is complete. */
static size_t gather_line(rb_h1_parser *ps, const char *p, size_t n, int *done)
{
    const char *nl = memchr(p, '\n', n);
    size_t take = nl ? (size_t)(nl - p) + 1 : n;
    gather(ps, p, take);
    *done = nl != NULL;
    return take;
}

/* Acts on a complete chunk-size, chunk-end or trailer line in buf. */
static void end_line(rb_h1_parser *ps)
{
    char *line = ps->buf;
    size_t llen = ps->len;
    ps->len = 0;
    while (llen && (line[llen - 1] == '\n' || line[llen - 1] == '\r')) llen--;
    if (ps->state == P_CHUNK_SIZE) {
        uint64_t size = 0;
        size_t i = 0, digits = 0;
        for (; i < llen && digits < 16; i++, digits++) {
            char ch = line[i];
            int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                  : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
            if (d < 0) break;
            size = size * 16 + (uint64_t)d;
        }
        if (digits == 0 || (i < llen && line[i] != ';' && line[i] != ' ' && line[i] != '\t')) {
            fail(ps, "bad chunked encoding from %s", ps->peer);
            return;
        }
        ps->left = size;
        ps->state = size ? P_CHUNK_DATA : P_TRAILER;
    } else if (ps->state == P_CHUNK_CRLF) {
        if (llen) {
            fail(ps, "bad chunked encoding from %s", ps->peer);
            return;
        }
        ps->state = P_CHUNK_SIZE;
    } else if (llen == 0) {   /* the empty line after the trailers */
        ps->state = P_DONE;
    }
}

rb_h1_event rb_h1_parse(rb_h1_parser *ps, const char *p, size_t n, size_t *used)
{
    size_t off = 0, take;
    for (;;) {
        if (ps->state == P_DONE || ps->state == P_ERROR) {
            *used = off;
            return ps->state == P_DONE ? RB_H1_DONE : RB_H1_ERROR;
        }
        if (off == n) {
            *used = n;
            return RB_H1_MORE;
        }
        switch (ps->state) {
        case P_HEAD: {
            rb_h1_event ev = take_head(ps, p + off, n - off, &take);
            off += take;
            if (ev == RB_H1_HEAD) {
                *used = off;
                return ev;
            }
            break;   /* more to come (all taken), or failed */
        }
        case P_BODY_LEN:
        case P_BODY_CLOSE:
        case P_CHUNK_DATA:
            /* body bytes: up to what the length or chunk still owes, or all */
            take = ps->state == P_BODY_CLOSE || n - off < ps->left ? n - off : (size_t)ps->left;
            ps->data = p + off;
            ps->data_len = take;
            if (ps->state != P_BODY_CLOSE) {
                ps->left -= take;
                if (ps->left == 0) ps->state = ps->state == P_BODY_LEN ? P_DONE : P_CHUNK_CRLF;
            }
            *used = off + take;
            return RB_H1_BODY;
        default: {   /* P_CHUNK_SIZE, P_CHUNK_CRLF, P_TRAILER */
            int line_done;
            off += gather_line(ps, p + off, n - off, &line_done);
            if (ps->len > H1_MAX_LINE)
                fail(ps, "bad chunked encoding from %s", ps->peer);
            else if (line_done)
                end_line(ps);
            break;
        }
        }
    }
}

int rb_h1_parse_in_body(const rb_h1_parser *ps)
{
    return ps->state != P_HEAD && ps->state != P_DONE && ps->state != P_ERROR;
}

rb_h1_event rb_h1_parse_end(rb_h1_parser *ps, int eof)
{
    switch (ps->state) {
    case P_BODY_CLOSE:
        if (!eof) return RB_H1_MORE;
        ps->state = P_DONE;
        return RB_H1_DONE;
    case P_BODY_LEN:
        return fail(ps, "transfer closed with %llu bytes remaining to read", (unsigned long long)ps->left);
    case P_CHUNK_SIZE:
    case P_CHUNK_DATA:
    case P_CHUNK_CRLF:
    case P_TRAILER:
        return fail(ps, "transfer closed with outstanding read data remaining");
    case P_DONE:
        return RB_H1_DONE;
    case P_ERROR:
        return RB_H1_ERROR;
    default:
        return RB_H1_MORE;
    }
}
