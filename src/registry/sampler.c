/* sampler: watches a process (the registry under test) from outside through
 * /proc: CPU time, RSS, peak RSS, block I/O, plus the size of its storage
 * directory. A background thread samples every interval; phase_begin and
 * phase_end turn the samples into per-phase summaries, and a bounded series
 * (halved in resolution whenever it fills up) keeps the whole run's history
 * in fixed memory. See rb_sampler.h for units and definitions. */
#include "registry/rb_sampler.h"
#include "measure/rb_metrics.h"
#include "util/rb_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WALK_MAX_DEPTH 64

/* One reading of the process counters. */
typedef struct raw_sample {
    uint64_t t_us;           /* rb_now_us() when read */
    uint64_t ticks;          /* utime + stime, clock ticks */
    uint64_t rss, hwm;       /* bytes */
    uint64_t rd, wr;         /* /proc/PID/io read_bytes, write_bytes */
} raw_sample;

struct rb_sampler {
    pid_t pid;
    char *storage_dir;
    int interval_ms;
    unsigned long long starttime;   /* detects pid reuse */
    double tck;
    uint64_t t0;

    pthread_t thread;
    int has_thread;          /* thread runs or waits to be joined */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    int alive;

    raw_sample last;         /* newest applied sample */
    raw_sample last_rec;     /* sample behind the newest series point */
    rb_sampler_point *pts;
    size_t npts, cap, stride, skip;
    int64_t storage;         /* latest walk, -1 without dir */
    raw_sample off;          /* ticks, rd, wr of processes sampled before a retarget: added so counters never go back */

    raw_sample ph_base;
    double ph_cpu_max;
    uint64_t ph_rss_max;
    size_t ph_samples;
    int ph_clear_ok;
};

/* Reads the whole small file path into buf; returns bytes or -1. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n, used = 0;
    while ((size_t)used < len - 1 && (n = read(fd, buf + used, len - 1 - (size_t)used)) > 0) used += n;
    close(fd);
    buf[used] = 0;
    return used;
}

/* Value of "key:" in a /proc status-like file body, in kB → bytes for status. */
static int field_u64(const char *body, const char *key, uint64_t *out)
{
    size_t kl = strlen(key);
    for (const char *p = body; p && *p; ) {
        if (strncmp(p, key, kl) == 0 && p[kl] == ':') {
            *out = strtoull(p + kl + 1, NULL, 10);
            return 0;
        }
        p = strchr(p, '\n');
        if (p) p++;
    }
    return -1;
}

/* Fills *r from /proc/PID. Returns -1 if the process is gone (no such pid,
 * zombie, or a different process with the same pid). */
static int read_raw(pid_t pid, unsigned long long want_start, unsigned long long *start_out, raw_sample *r)
{
    char path[64], buf[4096];
    memset(r, 0, sizeof *r);
    r->t_us = rb_now_us();
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (read_small(path, buf, sizeof buf) <= 0) return -1;
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    p += 2;   /* field 3, state */
    char state = *p;
    if (state == 'Z' || state == 'X' || state == 'x') return -1;
    unsigned long long v[20] = { 0 };
    /* fields 3..22 as tokens 0..19: utime 11, stime 12, starttime 19 */
    char *save = NULL;
    int i = 0;
    for (char *tok = strtok_r(p, " ", &save); tok && i < 20; tok = strtok_r(NULL, " ", &save), i++)
        v[i] = strtoull(tok, NULL, 10);
    if (i < 20) return -1;
    if (want_start && v[19] != want_start) return -1;
    if (start_out) *start_out = v[19];
    r->ticks = v[11] + v[12];

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if (read_small(path, buf, sizeof buf) <= 0) return -1;
    uint64_t kb = 0;
    if (field_u64(buf, "VmRSS", &kb) < 0) return -1;   /* no mm: exiting */
    r->rss = kb * 1024;
    if (field_u64(buf, "VmHWM", &kb) == 0) r->hwm = kb * 1024;

    snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
    if (read_small(path, buf, sizeof buf) > 0) {
        field_u64(buf, "read_bytes", &r->rd);
        field_u64(buf, "write_bytes", &r->wr);
    }
    return 0;
}

/* read_raw of the sampled process, its counters continued across retargets. */
static int read_now(const rb_sampler *s, raw_sample *r)
{
    if (read_raw(s->pid, s->starttime, NULL, r) < 0) return -1;
    r->ticks += s->off.ticks;
    r->rd += s->off.rd;
    r->wr += s->off.wr;
    return 0;
}

/* Sum of st_size of regular files under the directory dfd (consumed). */
static int64_t dir_size(int dfd, int depth)
{
    DIR *d = fdopendir(dfd);
    if (!d) { close(dfd); return 0; }
    int64_t total = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;   /* vanished */
        if (S_ISREG(st.st_mode)) {
            total += (int64_t)st.st_size;
        } else if (S_ISDIR(st.st_mode) && depth < WALK_MAX_DEPTH) {
            int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) total += dir_size(sub, depth + 1);
        }
    }
    closedir(d);
    return total;
}

/* This thread's CPU time in ns. */
static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The walk's CPU (about a second for 10^5 files) is measuring, not load:
 * it is set aside from the client's CPU (rb_self_cpu_exclude), so a walk
 * that falls in a short phase does not make the client look saturated. */
static int64_t storage_size(const char *dir)
{
    if (!dir) return -1;
    uint64_t t0 = thread_cpu_ns();
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return 0;
    int64_t n = dir_size(fd, 0);
    uint64_t t1 = thread_cpu_ns();
    if (t1 > t0) rb_self_cpu_exclude(t1 - t0);
    return n;
}

int64_t rb_sampler_storage_bytes(const char *dir)
{
    return storage_size(dir);
}

static double pct(const rb_sampler *s, const raw_sample *a, const raw_sample *b)
{
    if (b->t_us <= a->t_us || b->ticks < a->ticks) return 0;
    return (double)(b->ticks - a->ticks) / s->tck / ((double)(b->t_us - a->t_us) / 1e6) * 100.0;
}

/* Drops every other point, merging each pair's CPU by time weight. Lock held. */
static void decimate(rb_sampler *s)
{
    size_t out = 0;
    for (size_t i = 0; i + 1 < s->npts; i += 2) {
        rb_sampler_point a = s->pts[i], b = s->pts[i + 1];
        uint64_t prev = i ? s->pts[i - 1].t_us : 0;
        double da = (double)(a.t_us - prev), db = (double)(b.t_us - a.t_us);
        if (da + db > 0) b.cpu_pct = (a.cpu_pct * da + b.cpu_pct * db) / (da + db);
        s->pts[out++] = b;
    }
    if (s->npts % 2) s->pts[out++] = s->pts[s->npts - 1];
    s->npts = out;
    s->stride *= 2;
}

/* Accounts one sample into the phase and the series. Lock held. */
static void apply(rb_sampler *s, const raw_sample *r)
{
    if (r->t_us <= s->last.t_us) return;   /* raced with a newer one */
    double c = pct(s, &s->last, r);
    if (c > s->ph_cpu_max) s->ph_cpu_max = c;
    if (r->rss > s->ph_rss_max) s->ph_rss_max = r->rss;
    s->ph_samples++;
    s->last = *r;
    if (++s->skip < s->stride) return;
    s->skip = 0;
    if (s->npts >= s->cap) decimate(s);
    rb_sampler_point *pt = &s->pts[s->npts++];
    pt->t_us = r->t_us - s->t0;
    pt->cpu_pct = pct(s, &s->last_rec, r);
    pt->rss_bytes = r->rss;
    pt->read_bytes = r->rd;
    pt->write_bytes = r->wr;
    pt->storage_bytes = s->storage;
    s->last_rec = *r;
}

static void *sampler_main(void *arg)
{
    rb_sampler *s = arg;
    uint64_t last_walk = 0, walk_us = 0;
    pthread_mutex_lock(&s->mu);
    while (!s->stop && s->alive) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += (long)(s->interval_ms % 1000) * 1000000L;
        ts.tv_sec += s->interval_ms / 1000 + ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        int rc = 0;
        while (!s->stop && rc == 0) rc = pthread_cond_timedwait(&s->cv, &s->mu, &ts);
        if (s->stop) break;
        pthread_mutex_unlock(&s->mu);

        raw_sample r;
        int ok = read_now(s, &r) == 0;
        int64_t size = -2;
        /* A walk of a storage of many small files (distribution's: about
         * 120,000 entries at 10^3 repositories x 10 tags) takes about a
         * second of the client's CPU, so the next one waits
         * RB_SAMPLER_STORAGE_DUTY times as long as the last took: walking
         * stays under 1/RB_SAMPLER_STORAGE_DUTY of one core. */
        uint64_t gap = (uint64_t)RB_SAMPLER_STORAGE_MS * 1000u;
        if (walk_us * RB_SAMPLER_STORAGE_DUTY > gap) gap = walk_us * RB_SAMPLER_STORAGE_DUTY;
        if (ok && s->storage_dir && r.t_us - last_walk >= gap) {
            size = storage_size(s->storage_dir);
            last_walk = rb_now_us();
            walk_us = last_walk - r.t_us;
        }
        pthread_mutex_lock(&s->mu);
        if (!ok) { s->alive = 0; break; }
        if (size != -2) s->storage = size;
        apply(s, &r);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Resets the kernel's VmHWM for pid; 1 on success. */
static int clear_peak(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/clear_refs", (int)pid);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    int ok = write(fd, "5", 1) == 1;
    close(fd);
    return ok;
}

rb_sampler *rb_sampler_start(pid_t pid, const char *storage_dir, int interval_ms, char *err, size_t errlen)
{
    raw_sample r;
    unsigned long long start = 0;
    if (pid <= 0 || read_raw(pid, 0, &start, &r) < 0) {
        rb_err(err, errlen, "sampler: cannot read /proc/%d (process gone?)", (int)pid);
        return NULL;
    }
    rb_sampler *s = rb_calloc(1, sizeof *s);
    s->pid = pid;
    s->starttime = start;
    s->storage_dir = storage_dir ? rb_strdup(storage_dir) : NULL;
    s->interval_ms = interval_ms > 0 ? interval_ms : 250;
    long tck = sysconf(_SC_CLK_TCK);
    s->tck = tck > 0 ? (double)tck : 100.0;
    s->t0 = rb_now_us();
    s->alive = 1;
    s->cap = RB_SAMPLER_MAX_POINTS;
    s->stride = 1;
    s->pts = rb_calloc(s->cap, sizeof *s->pts);
    s->storage = storage_size(s->storage_dir);
    s->ph_clear_ok = clear_peak(pid);
    if (read_raw(pid, start, NULL, &r) < 0) r.t_us = rb_now_us();
    s->last = s->last_rec = s->ph_base = r;
    s->ph_rss_max = r.rss;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&s->thread, NULL, sampler_main, s) != 0) {
        rb_err(err, errlen, "sampler: cannot start thread");
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        free(s->pts);
        free(s->storage_dir);
        free(s);
        return NULL;
    }
    s->has_thread = 1;
    return s;
}

int rb_sampler_retarget(rb_sampler *s, pid_t pid, char *err, size_t errlen)
{
    raw_sample r;
    unsigned long long start = 0;
    if (pid <= 0 || read_raw(pid, 0, &start, &r) < 0)
        return rb_err(err, errlen, "sampler: cannot read /proc/%d (process gone?)", (int)pid);
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (s->has_thread) pthread_join(s->thread, NULL);
    s->has_thread = 0;
    /* the thread is gone: the fields are ours until it starts again */
    s->off.ticks = s->last.ticks;
    s->off.rd = s->last.rd;
    s->off.wr = s->last.wr;
    s->pid = pid;
    s->starttime = start;
    s->stop = 0;
    s->alive = 1;
    s->ph_clear_ok = clear_peak(pid);
    if (read_now(s, &r) == 0) {
        s->last = s->last_rec = r;
        s->ph_rss_max = s->ph_rss_max > r.rss ? s->ph_rss_max : r.rss;
    }
    if (pthread_create(&s->thread, NULL, sampler_main, s) != 0) {
        s->alive = 0;
        return rb_err(err, errlen, "sampler: cannot start thread");
    }
    s->has_thread = 1;
    return 0;
}

void rb_sampler_stop(rb_sampler *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (s->has_thread) pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s->pts);
    free(s->storage_dir);
    free(s);
}

void rb_sampler_phase_begin(rb_sampler *s)
{
    if (!s) return;
    int clear_ok = clear_peak(s->pid);
    raw_sample r;
    int ok = read_now(s, &r) == 0;
    pthread_mutex_lock(&s->mu);
    if (ok) apply(s, &r);
    else s->alive = 0;
    s->ph_base = s->last;
    s->ph_cpu_max = 0;
    s->ph_rss_max = s->last.rss;
    s->ph_samples = 0;
    s->ph_clear_ok = clear_ok && ok;
    pthread_mutex_unlock(&s->mu);
}

void rb_sampler_phase_end(rb_sampler *s, rb_sampler_summary *out)
{
    memset(out, 0, sizeof *out);
    if (!s) { out->storage_bytes = -1; return; }
    raw_sample r;
    int ok = read_now(s, &r) == 0;
    int64_t size = ok ? storage_size(s->storage_dir) : -2;
    pthread_mutex_lock(&s->mu);
    if (ok) {
        if (size != -2) s->storage = size;
        apply(s, &r);
    } else {
        s->alive = 0;
    }
    const raw_sample *b = &s->ph_base, *e = &s->last;
    out->duration_s = e->t_us > b->t_us ? (double)(e->t_us - b->t_us) / 1e6 : 0;
    out->cpu_seconds = e->ticks >= b->ticks ? (double)(e->ticks - b->ticks) / s->tck : 0;
    out->cpu_pct_avg = out->duration_s > 0 ? out->cpu_seconds / out->duration_s * 100.0 : 0;
    out->cpu_pct_max = s->ph_cpu_max;
    out->peak_exact = s->ph_clear_ok && ok;
    out->rss_peak_bytes = s->ph_rss_max;
    if (out->peak_exact && e->hwm > out->rss_peak_bytes) out->rss_peak_bytes = e->hwm;
    out->rss_end_bytes = e->rss;
    out->disk_read_bytes = e->rd >= b->rd ? e->rd - b->rd : 0;
    out->disk_write_bytes = e->wr >= b->wr ? e->wr - b->wr : 0;
    out->storage_bytes = s->storage;
    out->samples = s->ph_samples;
    out->alive = s->alive;
    pthread_mutex_unlock(&s->mu);
}

size_t rb_sampler_series(rb_sampler *s, rb_sampler_point *out, size_t max)
{
    if (!s) return 0;
    pthread_mutex_lock(&s->mu);
    size_t n = s->npts;
    if (out) {
        if (n > max) n = max;
        memcpy(out, s->pts, n * sizeof *out);
    }
    pthread_mutex_unlock(&s->mu);
    return n;
}

void rb_sampler_set_capacity(rb_sampler *s, size_t max_points)
{
    if (!s) return;
    if (max_points < 2) max_points = 2;
    pthread_mutex_lock(&s->mu);
    while (s->npts > max_points) decimate(s);
    s->pts = rb_realloc(s->pts, max_points * sizeof *s->pts);
    s->cap = max_points;
    pthread_mutex_unlock(&s->mu);
}

int rb_sampler_alive(rb_sampler *s)
{
    if (!s) return 0;
    pthread_mutex_lock(&s->mu);
    int a = s->alive;
    pthread_mutex_unlock(&s->mu);
    return a;
}
