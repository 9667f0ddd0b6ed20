/* http_curl: the libcurl engine of rb_http, private to src/net/ (see
 * xfer.h). It runs everything: TLS, host names, streamed request bodies,
 * proxies, redirects. */
#ifndef RB_HTTP_CURL_H
#define RB_HTTP_CURL_H

#include "xfer.h"

/* Sets up the loop's libcurl side: multi handles (shards), their timers and
 * the easy-handle pool. Returns 0, or -1 with err set. */
int rb_curl_init(rb_loop *l, char *err, size_t errlen);
/* Frees the loop's libcurl side (transfers must be gone); closes the timers,
 * so the loop must run once more before it is closed. */
void rb_curl_free(rb_loop *l);
/* Starts a linked transfer x through libcurl: its easy handle, options and
 * headers, added to its shard; x->eng becomes libcurl's. Returns 0, or -1
 * with err set (x is left for the caller to drop). Used by rb_http_start
 * and by a built-in transfer redirected where the built-in client does not go. */
int rb_curl_begin(rb_xfer *x, const rb_http_req *req, char *err, size_t errlen);

#endif
