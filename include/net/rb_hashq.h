/* rb_hashq: SHA-256 of streamed bodies on a worker thread, so that a
 * download's bytes are received on the event-loop thread and hashed on the
 * other core at the same time instead of taking turns. One queue per loop
 * owns ONE worker thread (started on first use) shared by every stream.
 * A stream takes copies of the bytes in order into a bounded queue of
 * RB_HASHQ_CHUNK-byte chunks (at most RB_HASHQ_STREAM_CHUNKS per stream, so
 * memory does not grow with the body); when the queue is full a write takes
 * nothing and says so, and the caller pauses its producer until the stream's
 * space callback runs. Nothing here ever blocks the loop thread on the
 * worker. Callbacks (space, done) run on the loop thread from a uv_async
 * handle. All functions are for the loop thread only. */
#ifndef RB_HASHQ_H
#define RB_HASHQ_H

#include <stddef.h>
#include <uv.h>

#define RB_HASHQ_CHUNK (256u << 10)       /* bytes per queued chunk */
#define RB_HASHQ_STREAM_CHUNKS 8          /* chunks one stream may hold */
#define RB_HASHQ_TOTAL_CHUNKS 64          /* chunks all streams may hold, beyond one each */

typedef struct rb_hashq rb_hashq;
typedef struct rb_hashq_stream rb_hashq_stream;

enum { RB_HASHQ_OK = 0, RB_HASHQ_FULL = 1 };

/* The stream has room again after a write returned RB_HASHQ_FULL. */
typedef void (*rb_hashq_space_fn)(rb_hashq_stream *s, void *ud);
/* Every byte after rb_hashq_finish is hashed: digest is "sha256:<64 hex>";
 * NULL when rb_hashq_cancel gave up on it. Runs once; the stream stays open
 * until rb_hashq_close. */
typedef void (*rb_hashq_done_fn)(rb_hashq_stream *s, const char *digest, void *ud);

/* Makes a queue whose callbacks run on `loop`; the worker thread starts at
 * the first rb_hashq_open. */
rb_hashq *rb_hashq_new(uv_loop_t *loop);
/* Stops and joins the worker, frees every stream still open (no callback
 * runs) and closes the async handle: the loop must run once more (e.g.
 * uv_run UV_RUN_NOWAIT) before it is closed. NULL ok. */
void rb_hashq_free(rb_hashq *q);
/* Gives up on every stream waiting for its digest: done(NULL) for each. */
void rb_hashq_cancel(rb_hashq *q);
/* Chunk buffers held by all streams now (for tests and diagnostics). */
size_t rb_hashq_chunks(rb_hashq *q);

/* Opens a stream; NULL if the worker thread cannot be started (hash inline
 * then). The loop stays alive while any stream is open. */
rb_hashq_stream *rb_hashq_open(rb_hashq *q, rb_hashq_space_fn space, rb_hashq_done_fn done, void *ud);
/* Queues a copy of all n bytes (RB_HASHQ_OK), or takes none of them
 * (RB_HASHQ_FULL) and calls space() once there is room. A stream that holds
 * nothing always takes the bytes, however many. Bytes already at the address
 * rb_hashq_space gave are taken as they are; data may also lie further on in
 * that free space (it is moved down). */
int rb_hashq_write(rb_hashq_stream *s, const void *data, size_t n);
/* Where the stream's next bytes may be received in place, to save the copy:
 * returns the free end of its tail chunk (*room bytes, at least 1), taking a
 * new chunk when the tail is full, or NULL (*room 0) when the stream holds
 * all it may, and then calls space() once there is room. Bytes put there are
 * queued by passing that very address to rb_hashq_write, which copies
 * nothing for them. */
void *rb_hashq_space(rb_hashq_stream *s, size_t *room);
/* Ends the input: done() runs once every byte is hashed (never within this call). */
void rb_hashq_finish(rb_hashq_stream *s);
/* Drops the stream at any point, queued bytes and all; no callback of it
 * runs after this. NULL ok. */
void rb_hashq_close(rb_hashq_stream *s);

#endif
