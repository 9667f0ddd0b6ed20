/* rb_progress: the live progress line on stderr while a run goes. On a
 * terminal one line is rewritten in place five times a second; otherwise a
 * line is printed every 5 seconds. Rates are over the last 5 seconds.
 *
 * Two halves: the view (rb_progress_view) draws a line from samples of the
 * run's totals, whoever takes them; the timer (rb_progress) takes a sample
 * of one run's metrics store on its event loop (no locks, never keeps the
 * loop alive) and either shows it or, in a shard process started by
 * `regbench run --procs`, writes it to the parent as one text line
 * (rb_progress_sample_format), so that the parent shows one line for all
 * its shards. */
#ifndef RB_PROGRESS_H
#define RB_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "measure/rb_metrics.h"

/* What the line shows at one moment. */
typedef struct rb_progress_sample {
    uint64_t ops, bytes, errors;  /* headline totals of all phases so far */
    int vus;                      /* live VUs */
    char phase[64];               /* the newest open phase, "" between phases */
    double phase_in_s;            /* how long it has been open */
    double phase_planned_s;       /* how long it is planned to last, 0: unknown */
} rb_progress_sample;

typedef struct rb_progress_view rb_progress_view;

/* A view that draws on stderr (in place on a terminal). */
rb_progress_view *rb_progress_view_new(void);
/* How often the view wants a sample, in milliseconds (200 on a terminal, else 5000). */
unsigned rb_progress_view_every_ms(const rb_progress_view *v);
/* Adds a sample taken now and draws the line. */
void rb_progress_view_show(rb_progress_view *v, const rb_progress_sample *s);
/* Erases the line on a terminal and frees v (NULL is fine). */
void rb_progress_view_free(rb_progress_view *v);

/* A sample as one line of text ("ops bytes errors vus in planned phase\n"),
 * into buf; and back. Parse returns 0, or -1 for a line that is not one. */
void rb_progress_sample_format(const rb_progress_sample *s, char *buf, size_t len);
int rb_progress_sample_parse(const char *line, rb_progress_sample *s);

typedef struct rb_progress rb_progress;

/* Starts sampling m on uv; active_vus(ud) gives the number of live VUs.
 * report_fd < 0: show the samples on stderr; else write each (5 a second)
 * to that file descriptor as a line, and draw nothing. */
rb_progress *rb_progress_start(uv_loop_t *uv, const rb_metrics *m, int (*active_vus)(void *), void *ud,
                               int report_fd);
/* Stops, ends the line on a terminal, frees p (NULL is fine). */
void rb_progress_stop(rb_progress *p);

#endif
