/* hashq: SHA-256 of streamed bodies on one worker thread per loop (see
 * rb_hashq.h). The loop thread copies a stream's bytes into its tail chunk
 * and, when the chunk is full (or the stream ends or hits its limit), appends
 * it to one FIFO of jobs shared by all streams; the worker takes jobs in that
 * order, so each stream's bytes are hashed in order. Chunk counts, the job
 * FIFO, the list of streams waiting for room and the list of finished digests
 * are guarded by one mutex, held only for list and counter updates (never
 * while copying or hashing). The worker wakes the loop with a uv_async_t when
 * a digest is ready or a waiting stream has room again (below half its limit:
 * fewer pause/resume rounds). A stream closed while the worker hashes one of
 * its chunks is freed by the worker when that chunk is done. */
#include "net/rb_hashq.h"
#include "util/rb_digest.h"
#include "util/rb_util.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_LOW (RB_HASHQ_STREAM_CHUNKS / 2)          /* a waiting stream resumes at or below this */
#define TOTAL_LOW (RB_HASHQ_TOTAL_CHUNKS * 3 / 4)
#define POOL_KEEP RB_HASHQ_STREAM_CHUNKS                  /* idle chunks kept for reuse */

typedef struct chunk {
    struct chunk *next;
    rb_hashq_stream *s;
    size_t len;               /* bytes in data */
    size_t cap;               /* RB_HASHQ_CHUNK, or 0: an end marker without data */
    int final;                /* the stream's last: take the digest after it */
    unsigned char data[];
} chunk;

enum { S_OPEN, S_FINISHING, S_DONE, S_REPORTED };

struct rb_hashq_stream {
    rb_hashq *q;
    rb_hashq_space_fn space;
    rb_hashq_done_fn done;
    void *ud;
    rb_hashq_stream *prev, *next;   /* open streams (loop thread) */
    chunk *tail;                    /* being filled, not yet queued (loop thread) */
    rb_sha256 *h;                   /* the worker's once a chunk is queued */
    char digest[72];                /* the worker's until the stream is on the done list */
    /* under q->mu */
    size_t held;                    /* chunks: the tail, queued and being hashed */
    int state;
    int waiting;                    /* on the waiting list */
    int closed;                     /* closed while being hashed: the worker frees it */
    rb_hashq_stream *wprev, *wnext; /* waiting list */
    rb_hashq_stream *dnext;         /* done list */
};

struct rb_hashq {
    uv_async_t async;
    pthread_t thread;
    int started;
    rb_hashq_stream *streams;       /* open streams (loop thread) */
    size_t n_open;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* under mu */
    chunk *jobs, *jobs_tail;
    chunk *pool;
    size_t n_pool;
    size_t held;                    /* chunks held by all streams */
    rb_hashq_stream *busy;          /* whose chunk the worker hashes now */
    rb_hashq_stream *whead, *wtail;
    size_t n_waiting;
    rb_hashq_stream *dhead, *dtail;
    int quit;
};

/* Whether s may hold `need` more chunks under the limits given. (locked) */
static int has_room(const rb_hashq *q, const rb_hashq_stream *s, size_t need, size_t stream_max, size_t total_max)
{
    return s->held == 0 || (s->held + need <= stream_max && q->held + need <= total_max);
}

static void wait_add(rb_hashq *q, rb_hashq_stream *s)
{
    if (s->waiting) return;
    s->waiting = 1;
    s->wnext = NULL;
    s->wprev = q->wtail;
    if (q->wtail) q->wtail->wnext = s; else q->whead = s;
    q->wtail = s;
    q->n_waiting++;
}

static void wait_remove(rb_hashq *q, rb_hashq_stream *s)
{
    if (!s->waiting) return;
    if (s->wprev) s->wprev->wnext = s->wnext; else q->whead = s->wnext;
    if (s->wnext) s->wnext->wprev = s->wprev; else q->wtail = s->wprev;
    s->wprev = s->wnext = NULL;
    s->waiting = 0;
    q->n_waiting--;
}

/* Takes s off the done list if it is there. (locked) */
static void done_remove(rb_hashq *q, rb_hashq_stream *s)
{
    if (s->state != S_DONE) return;
    rb_hashq_stream **p = &q->dhead;
    while (*p != s) p = &(*p)->dnext;
    *p = s->dnext;
    q->dtail = NULL;
    for (rb_hashq_stream *d = q->dhead; d; d = d->dnext) q->dtail = d;
}

/* Appends a list of chunks to the jobs and wakes the worker. (locked) */
static void publish(rb_hashq *q, chunk *first, chunk *last)
{
    last->next = NULL;
    if (q->jobs_tail) q->jobs_tail->next = first; else q->jobs = first;
    q->jobs_tail = last;
    pthread_cond_signal(&q->cv);
}

/* Takes a chunk back into the pool, or frees it. (locked) */
static void chunk_put(rb_hashq *q, chunk *c)
{
    if (c->cap && q->n_pool < POOL_KEEP) {
        c->next = q->pool;
        q->pool = c;
        q->n_pool++;
    } else {
        free(c);
    }
}

/* An idle chunk from the pool, or NULL when it is empty. (locked) */
static chunk *pool_take(rb_hashq *q)
{
    chunk *c = q->pool;
    if (c) {
        q->pool = c->next;
        q->n_pool--;
    }
    return c;
}

static void stream_destroy(rb_hashq_stream *s)
{
    rb_sha256_free(s->h);
    free(s);
}

/* The worker is done with chunk c of s: counts, frees, reports. Returns 1
 * when the loop should be woken. (locked) */
static int consumed(rb_hashq *q, rb_hashq_stream *s, chunk *c)
{
    int final = c->final;
    if (c->cap) {
        q->held--;
        s->held--;
    }
    chunk_put(q, c);
    int wake = q->n_waiting && q->held == TOTAL_LOW;
    if (s->closed) {
        stream_destroy(s);
        return wake;
    }
    if (final && s->state == S_FINISHING) {
        s->state = S_DONE;
        s->dnext = NULL;
        if (q->dtail) q->dtail->dnext = s; else q->dhead = s;
        q->dtail = s;
        wake = 1;
    }
    if (s->waiting && has_room(q, s, 0, STREAM_LOW, TOTAL_LOW)) wake = 1;
    return wake;
}

static void *worker_main(void *arg)
{
    rb_hashq *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->jobs && !q->quit) pthread_cond_wait(&q->cv, &q->mu);
        if (q->quit) break;
        chunk *c = q->jobs;
        q->jobs = c->next;
        if (!q->jobs) q->jobs_tail = NULL;
        rb_hashq_stream *s = c->s;
        q->busy = s;
        pthread_mutex_unlock(&q->mu);
        if (c->len) rb_sha256_update(s->h, c->data, c->len);
        if (c->final) {
            rb_sha256_final(s->h, s->digest);
            s->h = NULL;
        }
        pthread_mutex_lock(&q->mu);
        q->busy = NULL;
        if (consumed(q, s, c)) uv_async_send(&q->async);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* Delivers finished digests, then gives room to waiting streams in FIFO
 * order (each looked at once per wake-up: a stream that fills up again in its
 * space callback waits for the next one). */
static void on_async(uv_async_t *a)
{
    rb_hashq *q = a->data;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        rb_hashq_stream *s = q->dhead;
        if (s) {
            q->dhead = s->dnext;
            if (!q->dhead) q->dtail = NULL;
            s->state = S_REPORTED;
        }
        pthread_mutex_unlock(&q->mu);
        if (!s) break;
        s->done(s, s->digest, s->ud);
    }
    pthread_mutex_lock(&q->mu);
    for (size_t i = 0, n = q->n_waiting; i < n && q->whead; i++) {
        rb_hashq_stream *s = q->whead;
        wait_remove(q, s);
        if (has_room(q, s, 0, STREAM_LOW, TOTAL_LOW)) {
            pthread_mutex_unlock(&q->mu);
            s->space(s, s->ud);
            pthread_mutex_lock(&q->mu);
        } else {
            wait_add(q, s);
        }
    }
    pthread_mutex_unlock(&q->mu);
}

rb_hashq *rb_hashq_new(uv_loop_t *loop)
{
    rb_hashq *q = rb_calloc(1, sizeof *q);
    if (uv_async_init(loop, &q->async, on_async) != 0) {
        free(q);
        return NULL;
    }
    q->async.data = q;
    uv_unref((uv_handle_t *)&q->async);
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    return q;
}

static void on_close(uv_handle_t *h)
{
    free(h->data);
}

void rb_hashq_free(rb_hashq *q)
{
    if (!q) return;
    if (q->started) {
        pthread_mutex_lock(&q->mu);
        q->quit = 1;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
        pthread_join(q->thread, NULL);
    }
    while (q->streams) rb_hashq_close(q->streams);
    while (q->pool) {
        chunk *c = q->pool;
        q->pool = c->next;
        free(c);
    }
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    uv_close((uv_handle_t *)&q->async, on_close);
}

void rb_hashq_cancel(rb_hashq *q)
{
    if (!q) return;
    for (;;) {
        rb_hashq_stream *s;
        pthread_mutex_lock(&q->mu);
        for (s = q->streams; s && s->state != S_FINISHING && s->state != S_DONE; s = s->next) {}
        if (s) {
            done_remove(q, s);
            s->state = S_REPORTED;
        }
        pthread_mutex_unlock(&q->mu);
        if (!s) break;
        s->done(s, NULL, s->ud);
    }
}

size_t rb_hashq_chunks(rb_hashq *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->held;
    pthread_mutex_unlock(&q->mu);
    return n;
}

rb_hashq_stream *rb_hashq_open(rb_hashq *q, rb_hashq_space_fn space, rb_hashq_done_fn done, void *ud)
{
    if (!q->started) {
        /* the worker takes no signals: they stay with the loop thread */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        int rc = pthread_create(&q->thread, NULL, worker_main, q);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (rc != 0) return NULL;
        q->started = 1;
    }
    rb_hashq_stream *s = rb_calloc(1, sizeof *s);
    s->q = q;
    s->space = space;
    s->done = done;
    s->ud = ud;
    s->h = rb_sha256_new();
    s->next = q->streams;
    if (q->streams) q->streams->prev = s;
    q->streams = s;
    if (q->n_open++ == 0) uv_ref((uv_handle_t *)&q->async);
    return s;
}

int rb_hashq_write(rb_hashq_stream *s, const void *data, size_t n)
{
    rb_hashq *q = s->q;
    const unsigned char *p = data;
    if (n == 0) return RB_HASHQ_OK;
    chunk *t = s->tail;
    size_t room = t ? t->cap - t->len : 0;
    if (n <= room) {   /* the common case: into the tail, no lock until it is full */
        unsigned char *at = t->data + t->len;
        if (p != at) memmove(at, p, n);   /* received in place (rb_hashq_space) needs no copy; may overlap */
        t->len += n;
        if (t->len == t->cap) {
            pthread_mutex_lock(&q->mu);
            publish(q, t, t);
            pthread_mutex_unlock(&q->mu);
            s->tail = NULL;
        }
        return RB_HASHQ_OK;
    }
    size_t need = (n - room + RB_HASHQ_CHUNK - 1) / RB_HASHQ_CHUNK;
    chunk *fresh = NULL;
    size_t got = 0;
    pthread_mutex_lock(&q->mu);
    if (!has_room(q, s, need, RB_HASHQ_STREAM_CHUNKS, RB_HASHQ_TOTAL_CHUNKS)) {
        if (t) {   /* let the worker drain what the stream has */
            publish(q, t, t);
            s->tail = NULL;
        }
        wait_add(q, s);
        pthread_mutex_unlock(&q->mu);
        return RB_HASHQ_FULL;
    }
    s->held += need;
    q->held += need;
    for (chunk *c; got < need && (c = pool_take(q)); got++) {
        c->next = fresh;
        fresh = c;
    }
    pthread_mutex_unlock(&q->mu);
    for (; got < need; got++) {
        chunk *c = rb_malloc(sizeof *c + RB_HASHQ_CHUNK);
        c->next = fresh;
        fresh = c;
    }
    /* fill the tail, then the fresh chunks; the full ones go to the worker */
    chunk *first = NULL, *last = NULL;
    if (t) {
        memcpy(t->data + t->len, p, room);
        t->len = t->cap;
        p += room;
        n -= room;
        first = last = t;
    }
    s->tail = NULL;
    while (fresh) {
        chunk *c = fresh;
        fresh = c->next;
        c->s = s;
        c->cap = RB_HASHQ_CHUNK;
        c->final = 0;
        c->len = n < c->cap ? n : c->cap;
        memcpy(c->data, p, c->len);
        p += c->len;
        n -= c->len;
        if (c->len < c->cap) {
            s->tail = c;   /* the last one, partly filled */
            break;
        }
        if (last) last->next = c; else first = c;
        last = c;
    }
    if (first) {
        pthread_mutex_lock(&q->mu);
        publish(q, first, last);
        pthread_mutex_unlock(&q->mu);
    }
    return RB_HASHQ_OK;
}

void *rb_hashq_space(rb_hashq_stream *s, size_t *room)
{
    rb_hashq *q = s->q;
    chunk *t = s->tail;
    if (t && t->len < t->cap) {
        *room = t->cap - t->len;
        return t->data + t->len;
    }
    pthread_mutex_lock(&q->mu);
    if (!has_room(q, s, 1, RB_HASHQ_STREAM_CHUNKS, RB_HASHQ_TOTAL_CHUNKS)) {
        wait_add(q, s);
        pthread_mutex_unlock(&q->mu);
        *room = 0;
        return NULL;
    }
    s->held++;
    q->held++;
    chunk *c = pool_take(q);
    pthread_mutex_unlock(&q->mu);
    if (!c) c = rb_malloc(sizeof *c + RB_HASHQ_CHUNK);
    c->next = NULL;
    c->s = s;
    c->cap = RB_HASHQ_CHUNK;
    c->len = 0;
    c->final = 0;
    s->tail = c;
    *room = c->cap;
    return c->data;
}

void rb_hashq_finish(rb_hashq_stream *s)
{
    rb_hashq *q = s->q;
    chunk *c = s->tail;
    if (!c) {
        c = rb_calloc(1, sizeof *c);   /* an end marker: cap 0, not counted */
        c->s = s;
    }
    c->final = 1;
    s->tail = NULL;
    pthread_mutex_lock(&q->mu);
    s->state = S_FINISHING;
    publish(q, c, c);
    pthread_mutex_unlock(&q->mu);
}

void rb_hashq_close(rb_hashq_stream *s)
{
    if (!s) return;
    rb_hashq *q = s->q;
    if (s->prev) s->prev->next = s->next; else q->streams = s->next;
    if (s->next) s->next->prev = s->prev;
    pthread_mutex_lock(&q->mu);
    wait_remove(q, s);
    /* its queued jobs */
    chunk **pp = &q->jobs, *prev = NULL;
    while (*pp) {
        chunk *c = *pp;
        if (c->s != s) {
            prev = c;
            pp = &c->next;
            continue;
        }
        *pp = c->next;
        if (c->cap) q->held--;
        chunk_put(q, c);
    }
    q->jobs_tail = prev;
    done_remove(q, s);
    if (s->tail) {
        q->held--;
        chunk_put(q, s->tail);
        s->tail = NULL;
    }
    int wake = q->n_waiting > 0;   /* the room it leaves may let a waiting stream go on */
    if (q->busy == s) s->closed = 1;   /* the worker frees it after its chunk */
    else stream_destroy(s);
    pthread_mutex_unlock(&q->mu);
    if (--q->n_open == 0) uv_unref((uv_handle_t *)&q->async);
    if (wake) uv_async_send(&q->async);
}
