/* progress: live progress on stderr (see rb_progress.h). The view keeps a
 * ring of samples of the totals; rates are over the last WINDOW_S seconds,
 * so a steady 20 ops/s reads 20, not 5 or 45 as a rate between two samples
 * would. The phase shown is the newest open one, with its elapsed time, and
 * its planned length and what is left of it when the phase knows it
 * (rb.rate's duration). The timer samples one run's metrics store; in a
 * shard of `--procs` it writes the samples to its parent instead. */
#include "run/rb_progress.h"
#include "util/rb_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WINDOW_S 5.0          /* the rates' window, seconds */
#define RING 64               /* samples kept: at least WINDOW_S at the fastest rate */
#define REPORT_MS 200         /* how often a shard reports to its parent */

/* ---- the view ------------------------------------------------------------------------ */

struct rb_progress_view {
    int tty;
    uint64_t start_us;
    struct { uint64_t t_us, ops, bytes; } ring[RING];
    size_t n, head;           /* samples kept, next slot */
    int drawn;
};

rb_progress_view *rb_progress_view_new(void)
{
    rb_progress_view *v = rb_calloc(1, sizeof *v);
    v->tty = isatty(2);
    v->start_us = rb_now_us();
    v->ring[0].t_us = v->start_us;
    v->n = v->head = 1;
    return v;
}

unsigned rb_progress_view_every_ms(const rb_progress_view *v)
{
    return v->tty ? 200 : 5000;
}

/* The oldest kept sample no older than WINDOW_S before now (or the oldest). */
static size_t window_start(const rb_progress_view *v, uint64_t now)
{
    size_t best = (v->head + RING - v->n) % RING;
    for (size_t k = 0; k < v->n; k++) {
        size_t i = (v->head + RING - v->n + k) % RING;
        if ((double)(now - v->ring[i].t_us) / 1e6 <= WINDOW_S) return i;
        best = i;
    }
    return best;
}

void rb_progress_view_show(rb_progress_view *v, const rb_progress_sample *s)
{
    uint64_t now = rb_now_us();
    double ops_s = 0, mbps = 0;
    size_t w = window_start(v, now);
    double dt = (double)(now - v->ring[w].t_us) / 1e6;
    if (dt > 0 && s->ops >= v->ring[w].ops && s->bytes >= v->ring[w].bytes) {
        ops_s = (double)(s->ops - v->ring[w].ops) / dt;
        mbps = (double)(s->bytes - v->ring[w].bytes) / dt / 1e6;
    }
    v->ring[v->head].t_us = now;
    v->ring[v->head].ops = s->ops;
    v->ring[v->head].bytes = s->bytes;
    v->head = (v->head + 1) % RING;
    if (v->n < RING) v->n++;

    char where[96];
    if (s->phase[0]) {
        if (s->phase_planned_s > 0 && s->phase_in_s < s->phase_planned_s)
            snprintf(where, sizeof where, "%-.24s %.1f/%.0f s, ETA %.0f s", s->phase, s->phase_in_s,
                     s->phase_planned_s, s->phase_planned_s - s->phase_in_s);
        else
            snprintf(where, sizeof where, "%-.24s %.1f s", s->phase, s->phase_in_s);
    } else {
        snprintf(where, sizeof where, "(between phases)");
    }
    char line[256];
    snprintf(line, sizeof line, "%-40s  ops %-9llu %8.1f ops/s %8.2f MB/s (last %.0f s)  errors %-6llu VUs %d  [%.0f s]",
             where, (unsigned long long)s->ops, ops_s, mbps, WINDOW_S, (unsigned long long)s->errors, s->vus,
             (double)(now - v->start_us) / 1e6);
    if (v->tty) {
        fprintf(stderr, "\r\033[K%s", line);
        v->drawn = 1;
    } else {
        fprintf(stderr, "progress: %s\n", line);
    }
    fflush(stderr);
}

void rb_progress_view_free(rb_progress_view *v)
{
    if (!v) return;
    if (v->tty && v->drawn) fprintf(stderr, "\r\033[K");
    free(v);
}

void rb_progress_sample_format(const rb_progress_sample *s, char *buf, size_t len)
{
    snprintf(buf, len, "%llu %llu %llu %d %.3f %.3f %s\n", (unsigned long long)s->ops,
             (unsigned long long)s->bytes, (unsigned long long)s->errors, s->vus, s->phase_in_s,
             s->phase_planned_s, s->phase);
}

int rb_progress_sample_parse(const char *line, rb_progress_sample *s)
{
    unsigned long long ops, bytes, errors;
    int n = 0;
    memset(s, 0, sizeof *s);
    if (sscanf(line, "%llu %llu %llu %d %lf %lf %n", &ops, &bytes, &errors, &s->vus, &s->phase_in_s,
               &s->phase_planned_s, &n) != 6)
        return -1;
    s->ops = ops;
    s->bytes = bytes;
    s->errors = errors;
    snprintf(s->phase, sizeof s->phase, "%s", line + n);
    s->phase[strcspn(s->phase, "\r\n")] = '\0';
    return 0;
}

/* ---- the timer on a run's loop --------------------------------------------------------- */

struct rb_progress {
    uv_timer_t timer;         /* first: the handle is freed through it */
    const rb_metrics *m;
    int (*active_vus)(void *);
    void *ud;
    int report_fd;            /* >= 0: write samples there instead of showing them */
    rb_progress_view *view;
};

static void take_sample(const rb_progress *p, rb_progress_sample *s)
{
    const rb_metrics *m = p->m;
    const rb_phase *phase = NULL;
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < m->n_phases; i++) {
        const rb_phase *ph = m->phases[i];
        s->ops += ph->total.ops;
        s->bytes += ph->total.bytes;
        s->errors += ph->total.errors;
        if (ph->open && ph != m->implicit) phase = ph;
    }
    s->vus = p->active_vus ? p->active_vus(p->ud) : 0;
    if (phase) {
        snprintf(s->phase, sizeof s->phase, "%s", phase->name);
        for (char *c = s->phase; *c; c++)
            if (*c == '\n' || *c == '\r') *c = ' ';
        s->phase_in_s = (double)(rb_now_us() - phase->start_us) / 1e6;
        s->phase_planned_s = phase->planned_s;
    }
}

static void tick(uv_timer_t *t)
{
    rb_progress *p = t->data;
    rb_progress_sample s;
    take_sample(p, &s);
    if (p->report_fd >= 0) {
        char line[256];
        rb_progress_sample_format(&s, line, sizeof line);
        ssize_t w = write(p->report_fd, line, strlen(line));   /* the parent may be gone: never mind */
        (void)w;
        return;
    }
    rb_progress_view_show(p->view, &s);
}

rb_progress *rb_progress_start(uv_loop_t *uv, const rb_metrics *m, int (*active_vus)(void *), void *ud,
                               int report_fd)
{
    rb_progress *p = rb_calloc(1, sizeof *p);
    p->m = m;
    p->active_vus = active_vus;
    p->ud = ud;
    p->report_fd = report_fd;
    if (report_fd < 0) p->view = rb_progress_view_new();
    uv_timer_init(uv, &p->timer);
    p->timer.data = p;
    uint64_t every = report_fd >= 0 ? REPORT_MS : rb_progress_view_every_ms(p->view);
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
    rb_progress_view_free(p->view);
    p->view = NULL;
    uv_timer_stop(&p->timer);
    uv_close((uv_handle_t *)&p->timer, on_close);
}
