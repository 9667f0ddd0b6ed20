/* progress: live progress on stderr (see rb_progress.h). Each tick sums the
 * headline counters of all phases; rates are over the last WINDOW_S seconds
 * (a ring of the ticks' totals), so a steady 20 ops/s reads 20, not 5 or 45
 * as a rate between two ticks would. The phase shown is the newest open
 * one, with its elapsed time, and its planned length and what is left of
 * it when the phase knows it (rb.rate's duration). */
#include "run/rb_progress.h"
#include "util/rb_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define WINDOW_S 5.0          /* the rates' window, seconds */
#define RING 64               /* ticks kept: at least WINDOW_S at the fastest tick */

struct rb_progress {
    uv_timer_t timer;         /* first: the handle is freed through it */
    const rb_metrics *m;
    int (*active_vus)(void *);
    void *ud;
    int tty;
    uint64_t start_us;
    struct { uint64_t t_us, ops, bytes; } ring[RING];
    size_t n, head;           /* samples kept, next slot */
    int drawn;
};

/* The oldest kept sample no older than WINDOW_S before now (or the oldest). */
static size_t window_start(const rb_progress *p, uint64_t now)
{
    size_t best = (p->head + RING - p->n) % RING;
    for (size_t k = 0; k < p->n; k++) {
        size_t i = (p->head + RING - p->n + k) % RING;
        if ((double)(now - p->ring[i].t_us) / 1e6 <= WINDOW_S) return i;
        best = i;
    }
    return best;
}

static void tick(uv_timer_t *t)
{
    rb_progress *p = t->data;
    const rb_metrics *m = p->m;
    uint64_t ops = 0, bytes = 0, errors = 0;
    const rb_phase *phase = NULL;
    for (size_t i = 0; i < m->n_phases; i++) {
        const rb_phase *ph = m->phases[i];
        ops += ph->total.ops;
        bytes += ph->total.bytes;
        errors += ph->total.errors;
        if (ph->open && ph != m->implicit) phase = ph;
    }
    uint64_t now = rb_now_us();
    double ops_s = 0, mbps = 0;
    if (p->n) {
        size_t w = window_start(p, now);
        double dt = (double)(now - p->ring[w].t_us) / 1e6;
        if (dt > 0) {
            ops_s = (double)(ops - p->ring[w].ops) / dt;
            mbps = (double)(bytes - p->ring[w].bytes) / dt / 1e6;
        }
    }
    p->ring[p->head].t_us = now;
    p->ring[p->head].ops = ops;
    p->ring[p->head].bytes = bytes;
    p->head = (p->head + 1) % RING;
    if (p->n < RING) p->n++;

    char where[96];
    if (phase) {
        double in = (double)(now - phase->start_us) / 1e6;
        if (phase->planned_s > 0 && in < phase->planned_s)
            snprintf(where, sizeof where, "%-.24s %.1f/%.0f s, ETA %.0f s", phase->name, in, phase->planned_s,
                     phase->planned_s - in);
        else
            snprintf(where, sizeof where, "%-.24s %.1f s", phase->name, in);
    } else {
        snprintf(where, sizeof where, "(between phases)");
    }
    char line[256];
    snprintf(line, sizeof line, "%-40s  ops %-9llu %8.1f ops/s %8.2f MB/s (last %.0f s)  errors %-6llu VUs %d  [%.0f s]",
             where, (unsigned long long)ops, ops_s, mbps, WINDOW_S, (unsigned long long)errors,
             p->active_vus ? p->active_vus(p->ud) : 0, (double)(now - p->start_us) / 1e6);
    if (p->tty) {
        fprintf(stderr, "\r\033[K%s", line);
        p->drawn = 1;
    } else {
        fprintf(stderr, "progress: %s\n", line);
    }
    fflush(stderr);
}

rb_progress *rb_progress_start(uv_loop_t *uv, const rb_metrics *m, int (*active_vus)(void *), void *ud)
{
    rb_progress *p = rb_calloc(1, sizeof *p);
    p->m = m;
    p->active_vus = active_vus;
    p->ud = ud;
    p->tty = isatty(2);
    p->start_us = rb_now_us();
    p->ring[0].t_us = p->start_us;
    p->n = p->head = 1;
    uv_timer_init(uv, &p->timer);
    p->timer.data = p;
    uint64_t every = p->tty ? 200 : 5000;
    uv_timer_start(&p->timer, tick, every, every);
    uv_unref((uv_handle_t *)&p->timer);
    return p;
}

static void on_close(uv_handle_t *h)
{
    free(h->data);
}

void rb_progress_stop(rb_progress *p)
{
    if (!p) return;
    if (p->tty && p->drawn) fprintf(stderr, "\r\033[K");
    uv_timer_stop(&p->timer);
    uv_close((uv_handle_t *)&p->timer, on_close);
}
