/* rb_progress: the live progress line on stderr while a run goes. On a
 * terminal one line is rewritten in place five times a second; otherwise a
 * line is printed every 5 seconds. It reads the metrics store from a timer
 * on the run's event loop, so it needs no locks and never keeps the loop alive. */
#ifndef RB_PROGRESS_H
#define RB_PROGRESS_H

#include <uv.h>

#include "measure/rb_metrics.h"

typedef struct rb_progress rb_progress;

/* Starts reporting; active_vus(ud) gives the number of live VUs. */
rb_progress *rb_progress_start(uv_loop_t *uv, const rb_metrics *m, int (*active_vus)(void *), void *ud);
/* Stops reporting, ends the line on a terminal, frees p (NULL is fine). */
void rb_progress_stop(rb_progress *p);

#endif
