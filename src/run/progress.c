/* progress: live progress on stderr (see rb_progress.h). Each tick sums the
 * headline counters of all phases and shows the rates since the last tick. */
#include "run/rb_progress.h"
#include "util/rb_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct rb_progress {
    uv_timer_t timer;         /* first: the handle is freed through it */
    const rb_metrics *m;
    int (*active_vus)(void *);
    void *ud;
    int tty;
    uint64_t start_us, last_us;
    uint64_t last_ops, last_bytes;
    int drawn;
};

static void tick(uv_timer_t *t)
{
    rb_progress *p = t->data;
    const rb_metrics *m = p->m;
    uint64_t ops = 0, bytes = 0, errors = 0;
    const char *phase = "-";
    for (size_t i = 0; i < m->n_phases; i++) {
        const rb_phase *ph = m->phases[i];
        ops += ph->total.ops;
        bytes += ph->total.bytes;
        errors += ph->total.errors;
        if (ph->open && ph != m->implicit) phase = ph->name;
    }
    uint64_t now = rb_now_us();
    double dt = (double)(now - p->last_us) / 1e6;
    if (dt <= 0) dt = 1e-6;
    double ops_s = (double)(ops - p->last_ops) / dt;
    double mbps = (double)(bytes - p->last_bytes) / dt / 1e6;
    p->last_us = now;
    p->last_ops = ops;
    p->last_bytes = bytes;
    double elapsed = (double)(now - p->start_us) / 1e6;
    char line[256];
    snprintf(line, sizeof line,
             "%-20.20s %7.1fs  ops %-9llu %9.1f ops/s %9.2f MB/s  errors %-6llu VUs %d",
             phase, elapsed, (unsigned long long)ops, ops_s, mbps,
             (unsigned long long)errors, p->active_vus(p->ud));
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
    p->start_us = p->last_us = rb_now_us();
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
