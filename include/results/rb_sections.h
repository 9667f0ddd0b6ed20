/* rb_sections: what summary.md and report.html both show, extracted once
 * from a suite results document (suite form) into plain structs: the
 * header facts, the registries, failed runs, thresholds, warnings, per
 * scenario the grouped phases with their medians and findings (the best
 * and worst registry of each phase that ran on several, tail-latency
 * outlier, errors), its checks and custom metrics (medians over
 * repetitions), what the scenario's own metrics say (scalability, dedup,
 * cache hit rate, open-model arrivals, a replay's recorded against
 * measured latency and mix), the registries side by side, the shards of a
 * merged run (rb_merge.h), and the OCI conformance suite's counts per
 * registry that ran it.
 * The writers only render. Strings are borrowed from the document, which
 * must outlive the sections. */
#ifndef RB_SECTIONS_H
#define RB_SECTIONS_H

#include <jansson.h>
#include <stddef.h>

#include "results/rb_groups.h"

#define RB_SEC_MAX_SCENARIOS 256   /* scenarios shown; the rest are left out */
#define RB_SEC_TAIL_RATIO 5        /* p99 / p50 from which a phase is a tail-latency outlier */

/* What the report says about the whole suite; "" / NAN / 0 when absent. */
typedef struct rb_sec_header {
    const char *name, *description, *file;   /* the suite's */
    const char *kind;                        /* "suite", or "run" for one run's results */
    const char *started_at, *status, *version;
    double duration_s;
    long long exit_code;
    const char *kernel, *cpu_model;
    long long cores;
    double memory_bytes;
} rb_sec_header;

typedef struct rb_sec_registry {
    const char *name, *kind, *storage, *version, *url;   /* "" when absent */
} rb_sec_registry;

/* A run that did not end "ok", or that has phases cut short. */
typedef struct rb_sec_failed {
    const char *registry, *scenario, *label, *status, *error;   /* error: "" when none */
    long long rep, exit_code;
    int ok;                    /* status is "ok": listed for its cut phases only */
    char **incomplete;         /* keys of the phases cut short */
    size_t n_incomplete;
} rb_sec_failed;

typedef struct rb_sec_threshold {
    const char *expr, *scenario;   /* scenario: "" when it applies to all */
    int passed;
    long long checked;
    const char **failures;         /* NULL for a failure that is not a string */
    size_t n_failures;
} rb_sec_threshold;

typedef enum rb_sec_level { RB_SEC_SUITE, RB_SEC_RUN, RB_SEC_PHASE } rb_sec_level;

/* A warning of the suite, of a run, or of a phase (one its run's list does
 * not already hold). */
typedef struct rb_sec_warning {
    rb_sec_level level;
    const char *text;                           /* NULL: not a string (suite level only) */
    const char *registry, *scenario, *label;    /* the run's, for RUN and PHASE */
    long long rep;
    char phase[256];                            /* the phase key, for PHASE */
} rb_sec_warning;

/* A group of phases (rb_groups, RB_GROUPS_VIEW) with its medians. */
typedef struct rb_sec_phase {
    const rb_group *g;
    double mbps, ops_s, p50, p99;
} rb_sec_phase;

/* One row of a scenario's own metric, per run. */
typedef struct rb_sec_metric_row {
    const char *registry, *label, *tags;
    long long rep;
    double value;              /* "value", or "mean" when it has none */
} rb_sec_metric_row;

/* The scenario metrics the writers show, by name. */
typedef enum rb_sec_metric_id {
    RB_SEC_SCALABILITY, RB_SEC_P99_GROWTH, RB_SEC_LOGICAL_BYTES, RB_SEC_SENT_BYTES,
    RB_SEC_CACHE_HIT_RATE, RB_SEC_PROXY_HIT_RATE, RB_SEC_N_METRICS
} rb_sec_metric_id;

typedef struct rb_sec_metric {
    const char *name;          /* "scalability", "registry_proxy_hit_rate", ... */
    rb_sec_metric_row *rows;   /* every run's gauges of that name, in run order */
    size_t n;
} rb_sec_metric;

/* One phase of a dedup scenario: what was sent and stored. */
typedef struct rb_sec_dedup {
    const char *registry, *phase;   /* phase: its name */
    long long rep;
    double sent;                    /* the phase's bytes */
    int has_registry;               /* the phase has a registry block */
    double storage, rss_end;        /* storage_bytes (NAN when not a number), rss_end_bytes */
    double uploaded, skipped, mounted;   /* blob counters (NAN when absent) */
} rb_sec_dedup;

/* One phase with open-model arrivals (rb.rate's counters). */
typedef struct rb_sec_arrivals {
    const char *registry, *label, *phase;   /* phase: its name */
    long long rep;
    double iterations, dropped, late;       /* NAN when absent */
} rb_sec_arrivals;

/* Like with like: one (label, phase key) of a scenario that ran on two or
 * more registries, its best and its worst registry. */
typedef struct rb_sec_spread {
    const rb_sec_phase *best, *worst;   /* highest and lowest median MB/s (ops/s when by_ops) */
    double ratio;                       /* best / worst */
    int by_ops;                         /* the phase moved no bytes: compared by operations per second */
} rb_sec_spread;

/* One check (rb.check: the rate metric "checks{check=NAME}") of a
 * registry and label, over the repetitions that ran it. */
typedef struct rb_sec_check {
    const char *registry, *label, *name;   /* name: the check's, from its tag check=NAME */
    const char *key;                       /* the metric's key in results.json */
    size_t reps;
    double passes, fails;                  /* summed over the repetitions */
    double rate;                           /* median pass rate (0..1) over the repetitions */
} rb_sec_check;

/* One shard of a merged run (its results' "shards"); "" / NAN when absent. */
typedef struct rb_sec_shard {
    long long index;
    const char *status, *error, *host;   /* status "missing" for a shard without results */
    double offset_ms;                    /* estimated clock offset against the reference shard */
    long long barriers;                  /* barriers the offset is the median of (-1: no results) */
    double duration_s, ops, errors, cpu_s, rss_peak_bytes;
    double max_skew_ms;                  /* largest start skew over the phases it ran (after correction) */
} rb_sec_shard;

/* The types of custom metrics (results.json's "type"). */
typedef enum rb_sec_mtype { RB_SEC_TREND, RB_SEC_COUNTER, RB_SEC_GAUGE, RB_SEC_RATE, RB_SEC_N_MTYPES } rb_sec_mtype;

#define RB_SEC_MAX_FIELDS 9   /* fields of the largest type (a trend's) */

/* One custom metric series (name and tag set) of a registry and label,
 * over the repetitions that recorded it. */
typedef struct rb_sec_custom {
    const char *registry, *label, *name, *tags;
    const char *key;                 /* the series' key in results.json */
    rb_sec_mtype type;
    size_t reps;
    double count;                    /* values added, summed over the repetitions */
    double v[RB_SEC_MAX_FIELDS];     /* per field of the type (rb_sec_mtype_fields): the median over the
                                        repetitions; a rate's passes and fails are summed */
} rb_sec_custom;

/* The replay section (metrics replay_* by name, as scenarios/replay.lua
 * records them): per (registry, label) one summary, its ops and its mix.
 * Pointers are into the scenario's custom metrics (NULL when absent). */
typedef struct rb_sec_replay_op {
    const char *op;                                  /* from the tag op=OP */
    const rb_sec_custom *recorded, *measured, *corrected;   /* replay_latency_recorded / _latency / _corrected */
} rb_sec_replay_op;
/* One (method, kind, status class) of the mix: logged and replayed counts (medians over repetitions). */
typedef struct rb_sec_replay_mix {
    const char *tags;                                /* "kind=K,method=M,status=S" */
    char method[16], kind[32], status[16];           /* split from tags ("" when absent) */
    double logged, replayed;                         /* 0 when that side has no series */
} rb_sec_replay_mix;
#define RB_SEC_REPLAY_MAX 64   /* ops and mix rows per replay; more are left out */
typedef struct rb_sec_replay {
    const char *registry, *label;
    const char *tolerance;                           /* the first run's param "tolerance" as given ("" when absent) */
    const rb_sec_custom *on_time, *rate_recorded, *rate_achieved;
    double dropped, late, failed, absorbed;          /* medians over repetitions, summed over tags; 0 when absent */
    rb_sec_replay_op ops[RB_SEC_REPLAY_MAX];        /* by op name */
    size_t n_ops;
    rb_sec_replay_mix mix[RB_SEC_REPLAY_MAX];       /* by tags */
    size_t n_mix;
} rb_sec_replay;
typedef struct rb_sec_scenario {
    const char *name;
    const rb_sec_phase **rows;     /* its groups, in group order */
    size_t n_rows;
    rb_sec_spread *spreads;        /* phases that ran on several registries, largest ratio first */
    size_t n_spreads;
    const rb_sec_phase *outlier;   /* highest p99/p50, NULL when below RB_SEC_TAIL_RATIO */
    double tail_ratio;             /* the outlier's p99/p50 */
    double errors;                 /* summed over its groups */
    rb_sec_metric metrics[RB_SEC_N_METRICS];
    rb_sec_dedup *dedup;           /* every phase of its runs, when it records logical_bytes */
    size_t n_dedup;
    rb_sec_arrivals *arrivals;     /* phases with an "iterations" counter */
    size_t n_arrivals;
    rb_sec_check *checks;          /* its runs' checks, by (registry, label, check) in first-seen order */
    size_t n_checks;
    rb_sec_custom *custom;         /* its runs' other custom metrics by type, then by (registry, label,
                                      series) in first-seen order */
    size_t n_custom;
    rb_sec_replay *replays;        /* per (registry, label) whose runs record replay_* metrics */
    size_t n_replays;
} rb_sec_scenario;

/* A row of the registries side by side: one (scenario, label, phase key)
 * of a scenario that ran on two or more registries, first seen on any
 * registry; cells[i] is registry i's group or NULL. */
typedef struct rb_sec_side {
    const rb_group *key;
    const rb_sec_phase **cells;
} rb_sec_side;

/* A category of conformance tests with failures. */
typedef struct rb_sec_conf_cat {
    const char *name;
    long long fail, cases;         /* failed tests, and its tests (pass + fail + skip) */
} rb_sec_conf_cat;

/* The OCI conformance suite's outcome on one registry (registries[i].conformance). */
typedef struct rb_sec_conformance {
    const char *registry;
    int ran;                       /* 0: unavailable, see reason */
    const char *reason;            /* "" when it ran */
    long long pass, fail, skip, disabled, total;
    rb_sec_conf_cat *failed;       /* its categories with failures, in the suite's order */
    size_t n_failed;
} rb_sec_conformance;

typedef struct rb_sections {
    rb_sec_header head;
    rb_sec_registry *registries;
    size_t n_registries;
    rb_sec_conformance *conformance;   /* one per registry that asked for it (conformance: true) */
    size_t n_conformance;
    size_t n_runs;
    rb_sec_failed *failed;
    size_t n_failed;
    rb_sec_threshold *thresholds;
    size_t n_thresholds;
    rb_sec_warning *warnings;
    size_t n_warnings;
    rb_groups groups;              /* the runs' phases, RB_GROUPS_VIEW */
    rb_sec_phase *phases;          /* one per group, in group order */
    rb_sec_scenario *scenarios;    /* in order of their first group */
    size_t n_scenarios;
    rb_sec_side *side;             /* only for scenarios that ran on two or more registries */
    size_t n_side;
    rb_sec_shard *shards;          /* the first merged run's shards, in index order */
    size_t n_shards;
    int partial;                   /* that merged run lacks a shard or has a failed one */
} rb_sections;

/* The name of a metric type as results.json writes it ("trend", ...). */
const char *rb_sec_mtype_name(rb_sec_mtype t);
/* The fields of a metric type in results.json's order (a trend's "min",
 * "mean", ..., "p999"), without "count"; *n gets how many. */
const char *const *rb_sec_mtype_fields(rb_sec_mtype t, size_t *n);

/* Extracts the sections of suite (suite form) into s. */
void rb_sections_extract(const json_t *suite, rb_sections *s);
/* Frees what rb_sections_extract allocated (s itself is not freed). */
void rb_sections_free(rb_sections *s);

#endif
