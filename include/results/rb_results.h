/* rb_results: views of the metrics store written at the end of a run (and
 * after every phase, so a crash loses at most the phase in flight):
 * results.json (schema in docs/results-schema.md), metrics.csv (one row per
 * phase x metric), timeseries.csv (one row per phase x second) and the
 * readable per-phase table printed on stdout. */
#ifndef RB_RESULTS_H
#define RB_RESULTS_H

#include <jansson.h>
#include <stdio.h>
#include <stdint.h>

#include "measure/rb_metrics.h"
#include "registry/rb_sampler.h"

#define RB_RESULTS_SCHEMA "regbench/results/v1"

/* One point of the client's own resource series. */
typedef struct rb_client_point {
    uint64_t t_us;            /* since the run started */
    double cpu_pct;           /* CPU % since the previous point (100 = one core) */
    uint64_t rss_bytes;
} rb_client_point;

/* Everything about a run that is not in the metrics store. */
typedef struct rb_run_info {
    const char *scenario;        /* path of the scenario file */
    const char *started_at;      /* ISO-8601 UTC */
    const char *status;          /* "ok", "failed" (script error), "interrupted", "running" */
    const char *error;           /* the error message when failed, or NULL */
    int exit_code;
    const char *reg_kind;        /* "crane", "distribution", "distribution3", "external" */
    const char *reg_url;
    const char *reg_storage;     /* "memory", "disk", "unknown" */
    const char *reg_version;     /* or NULL */
    long reg_pid;                /* 0 when not launched */
    int insecure;                /* TLS verification was turned off (--insecure) */
    const char *http_client;     /* "auto" or "libcurl" (--http-client), or NULL */
    const char *auth_user;       /* user name the run authenticated as, or NULL (never a secret) */
    const char **param_names;    /* the scenario's parameters, as given/defaulted */
    const char **param_values;   /* their values as text, as typed ("2MB") */
    const char **param_types;    /* their types (rb_param_parse), or NULL: results.json's param_values */
    size_t n_params;
    /* Time series of the registry process (sampler) and of regbench itself. */
    const rb_sampler_point *reg_series;
    size_t n_reg_series;
    uint64_t reg_series_offset_us;   /* sampler start relative to the run start */
    const rb_client_point *client_series;
    size_t n_client_series;
    const json_t *thresholds;    /* the run's judged thresholds (rb_thresholds_eval), or NULL */
    const char *run_id;          /* the run's ID, or NULL */
    const char *repo_prefix;     /* the prefix of its repositories ("" none), or NULL */
    const json_t *shard;         /* a sharded run's identity ("shard" of results.json, written as is), or NULL;
                                    when set, statistics also carry their exact histograms ("hist") */
    uint64_t wall_at_start_us;   /* unix time (us) at the store's run_start_us, or 0: phases then get
                                    start_wall_us and end_wall_us */
} rb_run_info;


/* The machine a run measured on: kernel, CPU model, cores, memory (new reference). */
json_t *rb_environment_json(void);
/* The whole results document (new reference). */
json_t *rb_results_json(const rb_metrics *m, const rb_run_info *info);
/* The JSON object of phase number `index` of m, as in results.json's phases[]
 * (new reference). */
json_t *rb_results_phase_json(const rb_metrics *m, const rb_run_info *info, size_t index);
/* Writes a results document (from rb_results_json) as DIR/results.json,
 * atomically. Returns 0 or -1. */
int rb_results_write_doc(const char *dir, const json_t *doc, char *err, size_t errlen);
/* Writes DIR/results.json atomically (temp file + rename). Returns 0 or -1. */
int rb_results_write_json(const char *dir, const rb_metrics *m, const rb_run_info *info,
                          char *err, size_t errlen);
/* Writes DIR/metrics.csv and DIR/timeseries.csv. Returns 0 or -1. */
int rb_results_write_csv(const char *dir, const rb_metrics *m, char *err, size_t errlen);
/* Prints the readable per-phase table (and custom metrics) to out. */
void rb_results_print_table(FILE *out, const rb_metrics *m);
/* Prints each judged threshold (rb_thresholds_eval's array) as
 * "threshold EXPR passed|FAILED", with at most 5 failures each; returns how
 * many failed. */
int rb_results_print_thresholds(FILE *out, const json_t *thresholds);

#endif
