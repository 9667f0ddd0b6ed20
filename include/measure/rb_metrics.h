/* rb_metrics: the metrics store, the single source of truth for a run's
 * results. It holds the phases of a run; each phase holds per-operation-kind
 * statistics (count, errors by class, bytes, a latency histogram), a bounded
 * per-second time series, and the client's own CPU and peak RSS. It also
 * holds the custom metrics scripts define (trend, counter, gauge, rate).
 * Outputs (rb_results) are views of it. It is used from the event-loop
 * thread only, so it has no locks. Memory is bounded whatever the run length:
 * histograms have fixed buckets and time series coarsen when they grow. */
#ifndef RB_METRICS_H
#define RB_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "measure/rb_hist.h"

/* Why an operation failed; RB_ERR_NONE for a success. */
typedef enum {
    RB_ERR_NONE = 0,
    RB_ERR_CONNECT,     /* could not connect / DNS / connection refused or reset before a response */
    RB_ERR_TIMEOUT,     /* timed out or stalled */
    RB_ERR_HTTP4XX,     /* the server answered 4xx */
    RB_ERR_HTTP5XX,     /* the server answered 5xx */
    RB_ERR_INTEGRITY,   /* body did not match its digest or size */
    RB_ERR_AUTH,        /* authentication failed */
    RB_ERR_OTHER,       /* anything else (protocol errors, aborted, ...) */
    RB_ERR__COUNT
} rb_err_class;

/* Short lowercase name of an error class ("connect", "timeout", "4xx", ...). */
const char *rb_err_class_name(rb_err_class c);
/* The one mapping from an error to its metric class, used by every binding
 * and output: a class name ("connect", "timeout", "4xx", "5xx", "integrity",
 * "auth", "other") is that class; "http" (an error object's class for an
 * unexpected response) is 4xx or 5xx by status, else other; NULL or "" is
 * by status alone (RB_ERR_NONE below 400); any other name is other. */
rb_err_class rb_err_class_of(const char *name, long status);

/* One finished operation, as recorded by whoever ran it. */
typedef struct rb_op_record {
    const char *kind;         /* operation kind, e.g. "http", "push", "blob_upload" */
    uint64_t start_us;        /* intended start (rb_now_us clock) */
    uint64_t end_us;          /* completion */
    uint64_t bytes;           /* payload bytes moved (sent + received) */
    rb_err_class err;         /* RB_ERR_NONE on success */
    int top_level;            /* 1: an operation the script asked for (counts in the phase headline) */
} rb_op_record;

/* Statistics for one operation kind (or for a phase's headline). */
typedef struct rb_opstats {
    char *kind;
    uint64_t ops;             /* finished operations, failed ones included */
    uint64_t errors;          /* failed operations */
    uint64_t errors_by_class[RB_ERR__COUNT];
    uint64_t bytes;
    rb_hist latency_us;       /* latency of every finished operation, failed ones included */
} rb_opstats;

/* One second (or, after coarsening, `step_s` seconds) of a phase. */
typedef struct rb_tick {
    uint32_t ops, errors;
    uint64_t bytes;
    uint64_t lat_sum_us, lat_max_us;
} rb_tick;

/* A named event count within a phase (blobs skipped, mounts, retries, ...). */
typedef struct rb_counter {
    char *name;
    uint64_t value;
} rb_counter;

/* The registry's view of one phase: its resources (from the sampler) and
 * its own metrics (Prometheus), when they were measured. */
typedef struct rb_phase_registry {
    int valid;                /* 1: sampled */
    double cpu_pct_avg, cpu_pct_max;
    uint64_t rss_peak_bytes, rss_end_bytes;
    uint64_t disk_read_bytes, disk_write_bytes;
    int64_t storage_bytes;    /* -1: unknown */
    char **prom_names;        /* the registry's own metrics over the phase (Prometheus): */
    double *prom_values;      /* counters as deltas, gauges as end values */
    size_t n_prom;
} rb_phase_registry;

typedef struct rb_phase {
    char *name;
    int index;                /* position in the run, 0-based */
    uint64_t start_us, end_us;/* end_us 0 while open */
    int open;
    int cut;                  /* 1: ended by an error or interrupt, not by its function returning */
    int waited_only;          /* 1: a sharded run's "setup once" phase another shard ran; this one only waited */
    rb_opstats total;         /* headline: top-level operations only */
    rb_opstats *by_op;        /* every kind, nested operations included */
    size_t n_by_op;
    rb_tick *ticks;           /* time series, ticks[i] covers [start + i*step, start + (i+1)*step) */
    size_t n_ticks;
    uint32_t step_s;
    double planned_s;         /* how long the phase is planned to last (rb.rate's duration), 0: unknown */
    double cpu_start_s, cpu_s;          /* client CPU (user+sys) at start, and spent in the phase */
    double walk_start_s, walk_s;        /* CPU of the sampler's storage walks (not in cpu_s): at start, in the phase */
    uint64_t rss_peak_bytes;            /* client peak RSS during the phase */
    rb_counter *counters;     /* built-in event counters, in first-use order */
    size_t n_counters;
    struct rb_metric **metrics;   /* custom metrics as added during this phase */
    size_t n_metrics;
    rb_phase_registry registry;   /* the registry's view of the phase (filled by the run at its end) */
    char **warnings;          /* e.g. "regbench was the bottleneck", n_warnings of them */
    size_t n_warnings;
} rb_phase;

typedef enum { RB_METRIC_TREND, RB_METRIC_COUNTER, RB_METRIC_GAUGE, RB_METRIC_RATE } rb_metric_type;

/* A custom metric; the key is the name plus its tags ("size{level=6}"). */
typedef struct rb_metric {
    char *name;               /* base name */
    char *tags;               /* "k=v,k2=v2" sorted by key, or "" */
    rb_metric_type type;
    uint64_t count;           /* values added */
    double sum, min, max, last;
    uint64_t trues;           /* rate: non-zero values */
    rb_hist hist;             /* trend: values x 1000 (three decimals), negatives clamp to 0 */
} rb_metric;

typedef struct rb_metrics {
    rb_phase **phases;
    size_t n_phases;
    rb_metric **metrics;
    size_t n_metrics;
    uint64_t run_start_us;
    uint64_t run_end_us;      /* when the run ended (0 while it goes): every view's run duration */
    rb_phase *implicit;       /* the "default" phase for operations outside any phase, or NULL */
} rb_metrics;

/* Makes an empty store; run_start_us is set to now. */
void rb_metrics_init(rb_metrics *m);
/* Frees everything. */
void rb_metrics_free(rb_metrics *m);

/* Opens a new phase named `name` (names may repeat) and returns it. */
rb_phase *rb_metrics_phase_begin(rb_metrics *m, const char *name);
/* Closes a phase: end time, client CPU and peak RSS. Closing twice is harmless. */
void rb_metrics_phase_end(rb_metrics *m, rb_phase *p);
/* Closes every open phase (end of run, error, interrupt). */
void rb_metrics_close_all(rb_metrics *m);
/* The phase for operations recorded with no phase: created on first use. */
rb_phase *rb_metrics_default_phase(rb_metrics *m);

/* Adds a warning to phase p (the same text only once). */
void rb_phase_warn(rb_phase *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The value of event counter `name` of phase p (0 when it never moved). */
uint64_t rb_phase_counter(const rb_phase *p, const char *name);
/* Records a finished operation into phase p (NULL: the default phase). */
void rb_metrics_record(rb_metrics *m, rb_phase *p, const rb_op_record *r);
/* Adds n to the event counter `name` of phase p (NULL: the default phase). */
void rb_metrics_count(rb_metrics *m, rb_phase *p, const char *name, uint64_t n);
/* Finds (or with create=1 makes) the stats for `kind` in p. */
rb_opstats *rb_phase_op(rb_phase *p, const char *kind, int create);

/* Finds or creates a custom metric. Returns NULL and sets err when the name
 * exists with another type. `tags` may be NULL. */
rb_metric *rb_metrics_custom(rb_metrics *m, const char *name, const char *tags,
                             rb_metric_type type, char *err, size_t errlen);
/* Checks that `name` is free or already of `type`; -1 with err otherwise. */
int rb_metrics_type_ok(const rb_metrics *m, const char *name, rb_metric_type type, char *err, size_t errlen);
/* Adds a value to a custom metric. */
void rb_metric_add(rb_metric *mt, double value);
/* Adds a value to custom metric name{tags} over the run and in phase p (NULL:
 * the run only): both series are made on first use. Returns 0, or -1 with
 * err when the name exists with another type. */
int rb_metrics_add(rb_metrics *m, rb_phase *p, const char *name, const char *tags, rb_metric_type type,
                   double value, char *err, size_t errlen);
/* Name of a metric type ("trend", "counter", "gauge", "rate"). */
const char *rb_metric_type_name(rb_metric_type t);

/* This process's CPU seconds (user + system) so far, less what
 * rb_self_cpu_exclude set aside: the client's own work, not its measuring. */
double rb_self_cpu_s(void);

/* Sets ns CPU nanoseconds aside from rb_self_cpu_s (the sampler's walks of
 * the registry's storage); thread-safe. */
void rb_self_cpu_exclude(uint64_t ns);

/* The CPU seconds set aside so far by rb_self_cpu_exclude. */
double rb_self_cpu_excluded_s(void);
/* This process's peak RSS in bytes since start or the last reset. */
uint64_t rb_self_rss_peak(void);
/* This process's current RSS in bytes. */
uint64_t rb_self_rss(void);
/* Resets the peak RSS counter (VmHWM) where the kernel allows it. */
void rb_self_rss_peak_reset(void);

#endif
