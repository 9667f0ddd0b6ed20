/* rb_http: HTTP transfers on one event loop. rb_loop couples a libuv loop
 * with a libcurl multi handle in socket-action style (the libuv example from
 * curl's docs): libcurl tells which sockets to watch, libuv polls them and
 * runs one timer, and finished transfers are reported through a callback on
 * the loop thread. Thousands of transfers run at once in one thread; easy
 * handles are pooled and connections are kept alive in the multi handle's
 * cache. Request bodies come from memory or a pull callback, response
 * bodies go to a bounded buffer, a sink callback (which may pause the
 * transfer until its consumer catches up), nowhere, or through a digest
 * check (hashed on a worker thread when large); nothing here needs a whole
 * body in memory. Only the loop thread may call these. */
#ifndef RB_HTTP_H
#define RB_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "net/rb_http_types.h"


/* Makes a loop (libuv default loop is not used). Returns NULL on failure. */
rb_loop *rb_loop_new(char *err, size_t errlen);
/* Ends every transfer in flight: each callback runs with err RB_ERR_OTHER
 * and the message "cancelled"; then cancels the hashing queue's streams
 * that wait for a digest (rb_hashq_cancel). */
void rb_loop_cancel_all(rb_loop *l);
/* Cancels what is left (rb_loop_cancel_all), closes handles, frees the loop. */
void rb_loop_free(rb_loop *l);
/* The libuv loop, for timers and signals of other modules. */
uv_loop_t *rb_loop_uv(rb_loop *l);
/* The loop's hashing queue (rb_hashq.h), made on first use; cancelled with
 * the loop's transfers and freed with the loop. NULL if it cannot be made. */
struct rb_hashq *rb_loop_hashq(rb_loop *l);
/* Number of transfers in flight. */
size_t rb_loop_active(const rb_loop *l);

/* Sets the engine for transfers started from now on. */
void rb_loop_set_engine(rb_loop *l, rb_http_engine e);

/* Sets the User-Agent sent by transfers started from now on whose request
 * has no User-Agent header; NULL: RB_HTTP_USER_AGENT. ua must pass
 * rb_http_check_user_agent (else the default is kept and -1 returned). */
int rb_loop_set_user_agent(rb_loop *l, const char *ua);
/* The loop's current default User-Agent. */
const char *rb_loop_user_agent(const rb_loop *l);

/* Starts a transfer. Returns NULL with err set when the request is invalid. */
rb_xfer *rb_http_start(rb_loop *l, const rb_http_req *req, rb_http_done_fn done, void *ud,
                       char *err, size_t errlen);
/* Aborts a transfer in flight (paused or not); its callback is not called. */
void rb_http_cancel(rb_xfer *x);
/* Resumes a transfer its sink paused (nothing if it is not paused). The held
 * bytes go to the sink before this returns, and the sink may pause again;
 * if it fails on them, the transfer ends here and its callback runs before
 * this returns. */
void rb_http_resume(rb_xfer *x);

#endif
