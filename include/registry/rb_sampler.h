/* rb_sampler: measures the registry process from outside while a benchmark
 * runs. A background thread reads /proc/PID/{stat,status,io} every
 * interval_ms and (less often, every RB_SAMPLER_STORAGE_MS, or 20 times as
 * long as the last walk took if that is longer) walks the storage
 * directory. Callers bracket benchmark phases with phase_begin/phase_end to
 * get per-phase CPU, peak/end RSS, disk I/O deltas and storage size, and can
 * copy out a bounded time series of all samples.
 *
 * Units and definitions: CPU % is (utime+stime of all threads) over wall time,
 * 100 = one core fully busy. RSS is VmRSS. Storage size is the recursive sum of
 * the apparent sizes (st_size) of regular files, not allocated blocks.
 * Disk I/O is read_bytes/write_bytes of /proc/PID/io (bytes that hit the block
 * layer; page-cache hits do not count). All functions are thread-safe. */
#ifndef RB_SAMPLER_H
#define RB_SAMPLER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RB_SAMPLER_MAX_POINTS 20000   /* default series bound; halves resolution when full */
#define RB_SAMPLER_STORAGE_MS 1000    /* storage directory walk period (shortest) */
#define RB_SAMPLER_STORAGE_DUTY 20    /* ... and at least this many times the last walk's time */

typedef struct rb_sampler rb_sampler;

/* One point of the time series. */
typedef struct rb_sampler_point {
    uint64_t t_us;          /* since rb_sampler_start */
    double cpu_pct;         /* average since the previous recorded point */
    uint64_t rss_bytes;     /* VmRSS */
    uint64_t read_bytes;    /* cumulative /proc/PID/io read_bytes (0 if unreadable) */
    uint64_t write_bytes;   /* cumulative write_bytes */
    int64_t storage_bytes;  /* latest storage walk, -1 without a storage dir */
} rb_sampler_point;

/* What one phase (phase_begin .. phase_end) cost the registry. */
typedef struct rb_sampler_summary {
    double duration_s;      /* wall time of the phase */
    double cpu_seconds;     /* utime+stime consumed during the phase */
    double cpu_pct_avg;     /* cpu_seconds / duration_s * 100 */
    double cpu_pct_max;     /* highest per-interval CPU % sampled in the phase */
    uint64_t rss_peak_bytes;/* VmHWM after a clear_refs reset, else max sampled VmRSS */
    uint64_t rss_end_bytes; /* VmRSS at phase end */
    uint64_t disk_read_bytes;  /* read_bytes delta over the phase */
    uint64_t disk_write_bytes; /* write_bytes delta over the phase */
    int64_t storage_bytes;  /* storage size at phase end, -1 without a storage dir */
    size_t samples;         /* samples taken during the phase (including the end one) */
    int peak_exact;         /* 1: rss_peak_bytes from the kernel's VmHWM; 0: sampled max */
    int alive;              /* 0 if the process was gone by phase end */
} rb_sampler_summary;

/* Starts sampling pid every interval_ms (<= 0: 250) and, if storage_dir is
 * not NULL, its size every RB_SAMPLER_STORAGE_MS. Implicitly begins a phase.
 * Returns NULL with a message in err if the process cannot be read. */
rb_sampler *rb_sampler_start(pid_t pid, const char *storage_dir, int interval_ms, char *err, size_t errlen);
/* Stops the thread, frees everything. NULL is fine. */
void rb_sampler_stop(rb_sampler *s);
/* Starts a phase: records baseline counters and resets the kernel's peak RSS
 * (writes "5" to /proc/PID/clear_refs; on failure peak = max sampled RSS). */
void rb_sampler_phase_begin(rb_sampler *s);
/* Ends the current phase: takes a final sample and storage walk now and fills
 * *out (see rb_sampler_summary). The next phase must call phase_begin. */
void rb_sampler_phase_end(rb_sampler *s, rb_sampler_summary *out);
/* Copies up to max series points (oldest first) into out; returns how many
 * were copied. With out == NULL returns how many there are. */
size_t rb_sampler_series(rb_sampler *s, rb_sampler_point *out, size_t max);
/* Changes the series bound (minimum 2); mainly for tests and long runs. */
void rb_sampler_set_capacity(rb_sampler *s, size_t max_points);
/* Samples another process from now on (the same registry restarted: a new
 * pid), keeping the series, the current phase's baseline and the storage
 * directory; CPU ticks and I/O bytes continue from where the old process
 * left them, so deltas never go negative. Returns 0, or -1 with err (pid
 * cannot be read: nothing changes; or no thread: sampling stopped). */
int rb_sampler_retarget(rb_sampler *s, pid_t pid, char *err, size_t errlen);
/* Bytes of the regular files under dir now (the walk the sampler makes; -1 for NULL). */
int64_t rb_sampler_storage_bytes(const char *dir);
/* 1 while the process exists, 0 once it has disappeared (sampling stopped). */
int rb_sampler_alive(rb_sampler *s);

#endif
