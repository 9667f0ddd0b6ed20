/* test_hashq: the hashing worker queue without Lua or network. Many
 * streams written interleaved in pieces of odd sizes (some larger than a
 * chunk, one larger than a stream's whole limit) must give the same digest as
 * a one-shot SHA-256; a stream takes nothing when full and is told when it
 * has room; the chunks held stay within the limits; streams closed with
 * chunks queued (or while the worker hashes them), cancelled while
 * finishing, or left open at rb_hashq_free are freed without callbacks
 * (ASan checks the leaks); bytes received in place need no copy. Every loop is bounded; an alarm ends a hang. */
#include "util/rb_digest.h"
#include "net/rb_hashq.h"
#include "util/rb_util.h"
#include "rbtest.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_STREAMS 7

typedef struct {
    unsigned char *data;
    size_t size, off;
    rb_hashq_stream *s;
    int waiting;          /* the last write returned FULL */
    int spaces;           /* space callbacks */
    int fulls;            /* FULL answers */
    int finished;         /* rb_hashq_finish called */
    int dones;            /* done callbacks */
    char digest[72];
    int cancelled;        /* done(NULL) */
} feed;

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void on_space(rb_hashq_stream *s, void *ud)
{
    feed *f = ud;
    CHECK(f->s == s);
    CHECK(f->waiting);
    f->waiting = 0;
    f->spaces++;
}

static void on_done(rb_hashq_stream *s, const char *digest, void *ud)
{
    feed *f = ud;
    CHECK(f->s == s);
    f->dones++;
    if (digest) snprintf(f->digest, sizeof f->digest, "%s", digest);
    else f->cancelled = 1;
    rb_hashq_close(s);
    f->s = NULL;
}

static void one_shot(const unsigned char *p, size_t n, char out[72])
{
    rb_sha256 *h = rb_sha256_new();
    rb_sha256_update(h, p, n);
    rb_sha256_final(h, out);
}

static void fill(feed *f, size_t size)
{
    f->size = size;
    f->data = rb_malloc(size ? size : 1);
    for (size_t i = 0; i < size; i++) f->data[i] = (unsigned char)(next_rand() >> 56);
}

/* The piece size for write number i: mostly odd sizes around a chunk, now
 * and then tiny, and once per stream bigger than the stream's limit. */
static size_t piece(size_t i)
{
    switch (next_rand() % 8) {
    case 0: return 1 + next_rand() % 17;
    case 1: return RB_HASHQ_CHUNK + 1 + next_rand() % 4096;
    case 2: return i == 3 ? (size_t)RB_HASHQ_STREAM_CHUNKS * RB_HASHQ_CHUNK + 12345 : 16384;
    default: return 1 + next_rand() % 300000;
    }
}

/* Writes the streams round-robin, piece_of(write number) bytes at a time,
 * finishing each at its end; a FULL stream waits for its space callback
 * while the others go on. Runs the loop until every stream is closed (in
 * on_done), then checks the digests against one-shot SHA-256 and frees the
 * data. Returns the most chunks held at once; *writes counts the writes. */
static size_t drive(uv_loop_t *loop, rb_hashq *q, feed *f, int n_streams, size_t (*piece_of)(size_t),
                    size_t *writes)
{
    size_t max_held = 0;
    for (int round = 0; round < 100000; round++) {
        int open = 0, runnable = 0;
        for (int i = 0; i < n_streams; i++) {
            feed *x = &f[i];
            open += !x->finished;
            if (x->finished || x->waiting) continue;
            runnable++;
            size_t n = piece_of(*writes);
            if (n > x->size - x->off) n = x->size - x->off;
            if (n) {
                int rc = rb_hashq_write(x->s, x->data + x->off, n);
                (*writes)++;
                if (rc == RB_HASHQ_FULL) {
                    x->waiting = 1;
                    x->fulls++;
                    continue;
                }
                CHECK(rc == RB_HASHQ_OK);
                x->off += n;
            }
            if (x->off == x->size) {
                rb_hashq_finish(x->s);
                x->finished = 1;
            }
            size_t held = rb_hashq_chunks(q);
            if (held > max_held) max_held = held;
        }
        if (!open) break;
        uv_run(loop, runnable ? UV_RUN_NOWAIT : UV_RUN_ONCE);
    }
    uv_run(loop, UV_RUN_DEFAULT);
    for (int i = 0; i < n_streams; i++) {
        char want[72];
        one_shot(f[i].data, f[i].size, want);
        CHECKF(f[i].dones == 1, "stream %d: %d done callbacks", i, f[i].dones);
        CHECKF(strcmp(f[i].digest, want) == 0, "stream %d (%zu bytes): %s, want %s", i, f[i].size, f[i].digest, want);
        CHECKF(f[i].spaces == f[i].fulls, "stream %d: %d FULL, %d space", i, f[i].fulls, f[i].spaces);
        CHECK(f[i].s == NULL && !f[i].cancelled);
        free(f[i].data);
    }
    CHECK(rb_hashq_chunks(q) == 0);
    return max_held;
}

/* Streams of sizes around the chunk size, written in odd pieces. */
static void test_interleaved(uv_loop_t *loop)
{
    rb_hashq *q = rb_hashq_new(loop);
    CHECK(q != NULL);
    feed f[N_STREAMS];
    memset(f, 0, sizeof f);
    static const size_t sizes[N_STREAMS] = {0, 1, 4095, RB_HASHQ_CHUNK, RB_HASHQ_CHUNK + 1, 9u << 20, 23456789};
    for (int i = 0; i < N_STREAMS; i++) {
        fill(&f[i], sizes[i]);
        f[i].s = rb_hashq_open(q, on_space, on_done, &f[i]);
        CHECK(f[i].s != NULL);
    }
    size_t writes = 0;
    size_t max_held = drive(loop, q, f, N_STREAMS, piece, &writes);
    /* one stream may exceed its limit once (a write bigger than the limit, taken when empty) */
    CHECKF(max_held <= RB_HASHQ_TOTAL_CHUNKS + N_STREAMS + RB_HASHQ_STREAM_CHUNKS + 1, "held %zu chunks", max_held);
    printf("interleaved: %zu writes, at most %zu chunks held\n", writes, max_held);
    rb_hashq_free(q);
    uv_run(loop, UV_RUN_NOWAIT);
}

/* One stream written as fast as possible: whenever FULL comes, nothing is
 * taken, the held chunks never pass the stream's limit, and space follows. */
static void test_full_protocol(uv_loop_t *loop)
{
    rb_hashq *q = rb_hashq_new(loop);
    feed f;
    memset(&f, 0, sizeof f);
    fill(&f, 64u << 20);
    f.s = rb_hashq_open(q, on_space, on_done, &f);
    size_t max_held = 0;
    for (int i = 0; i < 1000000 && f.off < f.size; i++) {
        if (f.waiting) {
            uv_run(loop, UV_RUN_ONCE);
            continue;
        }
        size_t n = 65536 + 7;
        if (n > f.size - f.off) n = f.size - f.off;
        if (rb_hashq_write(f.s, f.data + f.off, n) == RB_HASHQ_FULL) {
            f.waiting = 1;
            f.fulls++;
        } else {
            f.off += n;
        }
        size_t held = rb_hashq_chunks(q);
        if (held > max_held) max_held = held;
    }
    CHECK(f.off == f.size);
    CHECKF(max_held <= RB_HASHQ_STREAM_CHUNKS, "held %zu chunks", max_held);
    rb_hashq_finish(f.s);
    CHECK(f.dones == 0);   /* never within finish */
    uv_run(loop, UV_RUN_DEFAULT);
    char want[72];
    one_shot(f.data, f.size, want);
    CHECK(f.dones == 1 && strcmp(f.digest, want) == 0);
    CHECK(f.spaces == f.fulls);
    printf("full protocol: %d FULL answers, at most %zu chunks held\n", f.fulls, max_held);
    free(f.data);
    rb_hashq_free(q);
    uv_run(loop, UV_RUN_NOWAIT);
}

/* Bytes received in place (rb_hashq_space, as the built-in HTTP client
 * does): written at the address given, or further on in that space (a
 * chunk-size line before them: moved down), mixed with copied writes, in
 * pieces that end a chunk exactly and that do not; the digest must match,
 * the stream must take nothing beyond its limit (NULL, then space), and the
 * chunks held must stay within it. */
static void test_in_place(uv_loop_t *loop)
{
    rb_hashq *q = rb_hashq_new(loop);
    feed f;
    memset(&f, 0, sizeof f);
    fill(&f, 40u << 20);
    f.s = rb_hashq_open(q, on_space, on_done, &f);
    size_t max_held = 0, in_place = 0, moved = 0;
    for (int i = 0; i < 1000000 && f.off < f.size; i++) {
        if (f.waiting) {
            uv_run(loop, UV_RUN_ONCE);
            continue;
        }
        size_t n = (size_t)(next_rand() % 200000) + 1;
        if (n > f.size - f.off) n = f.size - f.off;
        if (i % 5 == 4) {   /* a copied write */
            if (rb_hashq_write(f.s, f.data + f.off, n) == RB_HASHQ_FULL) {
                f.waiting = 1;
                f.fulls++;
            } else {
                f.off += n;
            }
        } else {
            size_t room = 0;
            unsigned char *at = rb_hashq_space(f.s, &room);
            if (!at) {
                CHECK(room == 0);
                f.waiting = 1;
                f.fulls++;
                continue;
            }
            CHECK(room > 0 && room <= RB_HASHQ_CHUNK);
            size_t skip = (i % 3 == 0 && room > 8) ? 5 : 0;   /* "5\r\n" before the data */
            if (n > room - skip) n = room - skip;
            memcpy(at + skip, f.data + f.off, n);
            CHECK(rb_hashq_write(f.s, at + skip, n) == RB_HASHQ_OK);
            f.off += n;
            if (skip) moved += n; else in_place += n;
        }
        size_t held = rb_hashq_chunks(q);
        if (held > max_held) max_held = held;
    }
    CHECK(f.off == f.size);
    CHECKF(max_held <= RB_HASHQ_STREAM_CHUNKS, "held %zu chunks", max_held);
    CHECK(in_place > 0 && moved > 0);
    rb_hashq_finish(f.s);
    uv_run(loop, UV_RUN_DEFAULT);
    char want[72];
    one_shot(f.data, f.size, want);
    CHECKF(f.dones == 1 && strcmp(f.digest, want) == 0, "in place: %s, want %s", f.digest, want);
    CHECK(f.spaces == f.fulls);
    printf("in place: %zu bytes in place, %zu moved down, %d times full\n", in_place, moved, f.fulls);
    free(f.data);
    rb_hashq_free(q);
    uv_run(loop, UV_RUN_NOWAIT);
}

/* FULL without a race: a stream's limit taken in one write (its chunks go
 * to the worker together when the write returns), then one more byte at
 * once, before the worker can have hashed a whole chunk. Nothing is taken;
 * space comes once the worker has drained half. (A few tries, in case the
 * test thread is descheduled in between.) */
static void test_full_at_once(uv_loop_t *loop)
{
    rb_hashq *q = rb_hashq_new(loop);
    size_t limit = (size_t)RB_HASHQ_STREAM_CHUNKS * RB_HASHQ_CHUNK;
    unsigned char *buf = rb_calloc(1, limit);
    int full = 0;
    for (int i = 0; i < 20 && !full; i++) {
        feed f;
        memset(&f, 0, sizeof f);
        f.s = rb_hashq_open(q, on_space, on_done, &f);
        CHECK(rb_hashq_write(f.s, buf, limit) == RB_HASHQ_OK);
        if (rb_hashq_write(f.s, buf, 1) == RB_HASHQ_FULL) {
            full = 1;
            f.waiting = 1;
            /* (+1: a chunk of the stream closed in the last try may still be hashed) */
            CHECK(rb_hashq_chunks(q) <= RB_HASHQ_STREAM_CHUNKS + 1);
            for (int k = 0; k < 1000 && f.waiting; k++) uv_run(loop, UV_RUN_ONCE);
            CHECK(f.spaces == 1 && !f.waiting);
            CHECK(rb_hashq_chunks(q) <= RB_HASHQ_STREAM_CHUNKS / 2 + 1);
            CHECK(rb_hashq_write(f.s, buf, 1) == RB_HASHQ_OK);
        }
        rb_hashq_close(f.s);
    }
    CHECK(full);
    uv_run(loop, UV_RUN_NOWAIT);
    free(buf);
    rb_hashq_free(q);
    uv_run(loop, UV_RUN_NOWAIT);
}

static size_t whole_chunk(size_t i)
{
    (void)i;
    return RB_HASHQ_CHUNK;
}

/* Many streams at once: together they hold at most the total limit (plus
 * the one chunk a stream holding nothing may always take), each gets its
 * space callback in turn, and every digest is right. */
static void test_total_cap(uv_loop_t *loop)
{
    enum { N = 24 };
    rb_hashq *q = rb_hashq_new(loop);
    feed f[N];
    memset(f, 0, sizeof f);
    for (int i = 0; i < N; i++) {
        fill(&f[i], 3u << 20);
        f[i].s = rb_hashq_open(q, on_space, on_done, &f[i]);
    }
    size_t writes = 0;
    size_t max_held = drive(loop, q, f, N, whole_chunk, &writes);
    CHECKF(max_held <= RB_HASHQ_TOTAL_CHUNKS + N, "held %zu chunks", max_held);
    printf("total cap: at most %zu chunks held by %d streams\n", max_held, N);
    rb_hashq_free(q);
    uv_run(loop, UV_RUN_NOWAIT);
}

/* Streams dropped at every stage: with chunks queued, while being hashed,
 * while waiting for room, after finish but before the digest arrived, and
 * with a digest on the done list. No callback may run for them after. */
static void test_close_early(uv_loop_t *loop)
{
    rb_hashq *q = rb_hashq_new(loop);
    unsigned char *buf = rb_malloc(4u << 20);
    for (size_t i = 0; i < (4u << 20); i++) buf[i] = (unsigned char)i;
    for (int round = 0; round < 50; round++) {
        feed f[4];
        memset(f, 0, sizeof f);
        for (int i = 0; i < 4; i++) f[i].s = rb_hashq_open(q, on_space, on_done, &f[i]);
        /* 0: chunks queued, closed at once (the worker may be hashing one) */
        for (int k = 0; k < 8; k++)
            if (rb_hashq_write(f[0].s, buf, 300000) == RB_HASHQ_FULL) break;
        /* 1: filled until FULL (waiting), closed while waiting */
        for (int k = 0; k < 1000; k++)
            if (rb_hashq_write(f[1].s, buf, 1u << 20) == RB_HASHQ_FULL) break;
        /* 2: finished, closed before its digest is delivered */
        rb_hashq_write(f[2].s, buf, 3u << 20);
        rb_hashq_finish(f[2].s);
        /* 3: finished and left to complete */
        rb_hashq_write(f[3].s, buf, (size_t)round * 1000);
        rb_hashq_finish(f[3].s);
        if (round % 2) usleep(200);   /* sometimes let the worker get into them */
        rb_hashq_close(f[0].s);
        rb_hashq_close(f[1].s);
        rb_hashq_close(f[2].s);
        uv_run(loop, UV_RUN_DEFAULT);
        for (int i = 0; i < 3; i++) CHECK(f[i].dones == 0 && f[i].spaces == 0);
        CHECK(f[3].dones == 1 && f[3].digest[0]);
    }
    /* a digest already on the done list when the stream is closed */
    feed g;
    memset(&g, 0, sizeof g);
    g.s = rb_hashq_open(q, on_space, on_done, &g);
    rb_hashq_write(g.s, buf, 1000);
    rb_hashq_finish(g.s);
    for (int i = 0; i < 2000 && rb_hashq_chunks(q) > 0; i++) usleep(1000);
    usleep(2000);
    rb_hashq_close(g.s);
    uv_run(loop, UV_RUN_NOWAIT);
    CHECK(g.dones == 0);
    CHECK(rb_hashq_chunks(q) == 0);
    free(buf);
    rb_hashq_free(q);
    uv_run(loop, UV_RUN_NOWAIT);
}

/* rb_hashq_cancel: done(NULL) for streams waiting for their digest, none for
 * open ones; rb_hashq_free frees what is still open, and a queue that never
 * started its worker. */
static void test_cancel_and_free(uv_loop_t *loop)
{
    rb_hashq *q = rb_hashq_new(loop);
    unsigned char *buf = rb_calloc(1, 1u << 20);
    feed f[3];
    memset(f, 0, sizeof f);
    for (int i = 0; i < 3; i++) f[i].s = rb_hashq_open(q, on_space, on_done, &f[i]);
    rb_hashq_write(f[0].s, buf, 1u << 20);
    rb_hashq_finish(f[0].s);
    rb_hashq_finish(f[1].s);
    rb_hashq_write(f[2].s, buf, 12345);   /* open: not cancelled */
    rb_hashq_cancel(q);
    CHECK(f[0].dones == 1 && f[0].cancelled && f[0].s == NULL);
    CHECK(f[1].dones == 1 && f[1].cancelled && f[1].s == NULL);
    CHECK(f[2].dones == 0 && f[2].s != NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    CHECK(f[0].dones == 1 && f[1].dones == 1);   /* no second report */
    rb_hashq_free(q);   /* frees f[2]'s stream */
    uv_run(loop, UV_RUN_NOWAIT);
    free(buf);

    rb_hashq *idle = rb_hashq_new(loop);
    rb_hashq_cancel(idle);
    rb_hashq_free(idle);
    uv_run(loop, UV_RUN_NOWAIT);
    rb_hashq_free(NULL);
    rb_hashq_close(NULL);
}

int main(void)
{
    alarm(240);
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0) return 1;
    test_interleaved(&loop);
    test_full_protocol(&loop);
    test_in_place(&loop);
    test_full_at_once(&loop);
    test_total_cap(&loop);
    test_close_early(&loop);
    test_cancel_and_free(&loop);
    CHECK(uv_loop_close(&loop) == 0);
    return rbtest_done("test_hashq");
}
