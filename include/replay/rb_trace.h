/* rb_trace: a streaming reader of registry request traces, one record at a
 * time with memory bounded whatever the file's length, plain or gzip'd. Two
 * formats, told apart by the first non-blank byte:
 *  - '{': distribution's JSON access log (log: {formatter: json}), one
 *    object per line; lines whose msg is "response completed" (or
 *    "response completed with error") are records, other lines are skipped;
 *  - '[': an IBM FAST'18 trace, a JSON array of flat objects with dotted keys
 *    (http.request.uri without its leading slash, durations in seconds),
 *    read object by object.
 * A record that cannot be read is counted as malformed with its line number;
 * the reader fails only when the count passes the caller's limit. */
#ifndef RB_TRACE_H
#define RB_TRACE_H

#include <stddef.h>
#include <stdint.h>

typedef struct rb_trace rb_trace;

typedef enum {
    RB_TRACE_DISTRIBUTION = 1,    /* distribution's JSON access log */
    RB_TRACE_IBM,                 /* IBM FAST'18 JSON array */
} rb_trace_format;

/* What a request's path addresses (/v2/<name>/...). */
typedef enum {
    RB_TRACE_MANIFEST = 0,        /* /v2/<name>/manifests/<reference> */
    RB_TRACE_BLOB,                /* /v2/<name>/blobs/<digest> */
    RB_TRACE_UPLOAD,              /* /v2/<name>/blobs/uploads/[<id>] */
    RB_TRACE_TAGS,                /* /v2/<name>/tags/list */
    RB_TRACE_CATALOG,             /* /v2/_catalog */
    RB_TRACE_OTHER,               /* /v2/ and anything else */
} rb_trace_kind;

typedef struct rb_trace_opts {
    long max_malformed;           /* fail when more records than this are malformed; -1: never */
    size_t max_record;            /* longest line or object; 0: 1 MiB (a longer one is malformed) */
} rb_trace_opts;

/* One request. Strings are valid until the next rb_trace_next or close. */
typedef struct rb_trace_rec {
    uint64_t time_us;             /* Unix time, microseconds */
    const char *method;           /* "GET", "PUT", ... */
    const char *repo;             /* repository name ("" for catalog and other) */
    rb_trace_kind kind;
    const char *ref;              /* tag or digest, upload id, or "" */
    const char *digest;           /* the query's digest= (an upload's PUT or POST), decoded, or "" */
    const char *mount;            /* the query's mount= (a cross-repository mount's POST), decoded, or "" */
    const char *from;             /* the query's from= (the repository a mount is from), decoded, or "" */
    int status;                   /* HTTP status */
    uint64_t bytes;               /* response bytes written */
    uint64_t duration_us;         /* as recorded by the registry */
    const char *client;           /* remote address (distribution: without the port) */
    uint64_t line;                /* the line the record starts on */
} rb_trace_rec;

#define RB_TRACE_FIRST_ERRORS 5

typedef struct rb_trace_stats {
    rb_trace_format format;
    uint64_t records;             /* records returned */
    uint64_t skipped;             /* lines that are not requests (distribution's other messages) */
    uint64_t malformed;           /* lines or objects that could not be read */
    uint64_t lines;               /* lines read so far */
    uint64_t bytes_read;          /* uncompressed bytes read so far */
    size_t n_first;               /* how many of the first malformed ones are kept below */
    uint64_t first_lines[RB_TRACE_FIRST_ERRORS];
    char first_msgs[RB_TRACE_FIRST_ERRORS][160];
    size_t buf_size;              /* the reader's buffer now */
    size_t buf_peak;              /* the largest it has been (at most buf_cap) */
    size_t buf_cap;               /* the most it may be */
} rb_trace_stats;

/* Opens a trace (plain or gzip'd) and detects its format; o may be NULL
 * (no malformed limit, 1 MiB records). Returns NULL with err naming the
 * file when it cannot be read or is not a known format. */
rb_trace *rb_trace_open(const char *path, const rb_trace_opts *o, char *err, size_t errlen);
/* Reads the next record into rec. Returns 1, 0 at the end, or -1 with err
 * (a read error, or too many malformed records: "FILE:LINE: ..."). */
int rb_trace_next(rb_trace *t, rb_trace_rec *rec, char *err, size_t errlen);
/* The counters so far. */
const rb_trace_stats *rb_trace_get_stats(const rb_trace *t);
/* "manifest", "blob", "upload", "tags", "catalog" or "other". */
const char *rb_trace_kind_name(rb_trace_kind k);
/* "distribution" or "ibm". */
const char *rb_trace_format_name(rb_trace_format f);
/* Closes the file and frees t. NULL is fine. */
void rb_trace_close(rb_trace *t);

#endif
