/* http_h1: regbench's built-in HTTP/1.1 client, an engine of rb_http,
 * private to src/net/ (see xfer.h and the top of http_h1.c). */
#ifndef RB_HTTP_H1_H
#define RB_HTTP_H1_H

#include "xfer.h"

/* Whether the built-in client can take this request (plain http:// to an IP
 * literal, body in memory, response kept, discarded, sunk or verified;
 * redirects only for GET and HEAD). */
int rb_h1_eligible(const rb_loop *l, const rb_http_req *req);
/* Starts a built-in transfer; NULL with err set when the request is invalid. */
rb_xfer *rb_h1_start(rb_loop *l, const rb_http_req *req, rb_http_done_fn done, void *ud,
                     char *err, size_t errlen);
/* Closes every built-in connection and frees the client's state. */
void rb_h1_free(rb_loop *l);

#endif
