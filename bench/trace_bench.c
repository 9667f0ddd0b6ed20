/* trace_bench: how fast the trace reader (src/replay/trace.c) reads a log on
 * one core, and what bounds it. Modes, each timing one pass over FILE:
 *   read     every record through rb_trace_open / rb_trace_next (what replay does)
 *   inflate  gzread alone into a 64 KiB buffer (a plain file: just the reads)
 *   split    gzread and cutting into lines (memchr), nothing parsed
 *   parse    split and json_loadb of every object line (jansson), fields not read
 * and, not timed, `--dump FILE`: every record as a tab-separated line (to
 * compare two versions of the reader).
 * Prints one line per mode: file bytes, uncompressed bytes, records (read) or
 * lines, seconds, MB/s of uncompressed log and of file, and the process's
 * peak RSS so far. MB = 10^6 bytes.
 * usage: trace_bench [--mode read|inflate|split|parse]... FILE... (default: all four)
 *        trace_bench --dump FILE */
#include "replay/rb_trace.h"
#include "util/rb_util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <zlib.h>

#define BUF (64 * 1024)
#define MAX_LINE (1024 * 1024)

static long rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Every record through the reader; *bytes gets the uncompressed bytes. Returns records, or -1. */
static long long run_read(const char *path, unsigned long long *bytes)
{
    char err[RB_ERRLEN];
    rb_trace *t = rb_trace_open(path, NULL, err, sizeof err);
    if (!t) {
        fprintf(stderr, "trace_bench: %s\n", err);
        return -1;
    }
    rb_trace_rec rec;
    long long n = 0;
    int r;
    while ((r = rb_trace_next(t, &rec, err, sizeof err)) == 1) n++;   /* ends: the file is finite */
    if (r < 0) fprintf(stderr, "trace_bench: %s\n", err);
    *bytes = rb_trace_get_stats(t)->bytes_read;
    rb_trace_close(t);
    return r < 0 ? -1 : n;
}

/* gzread the file; split: cut into lines; parse: also json_loadb each object line.
 * Returns lines (0 for inflate), or -1. */
static long long run_raw(const char *path, int split, int parse, unsigned long long *bytes)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        fprintf(stderr, "trace_bench: %s: cannot open\n", path);
        return -1;
    }
    gzbuffer(gz, BUF);
    char *buf = rb_malloc(MAX_LINE + BUF + 1);
    size_t len = 0;
    long long lines = 0;
    *bytes = 0;
    for (;;) {   /* each pass reads more or ends */
        size_t room = MAX_LINE + BUF - len < BUF ? MAX_LINE + BUF - len : BUF;
        int got = gzread(gz, buf + len, (unsigned)room);
        if (got < 0) {
            fprintf(stderr, "trace_bench: %s: read error\n", path);
            lines = -1;
            break;
        }
        *bytes += (unsigned long long)got;
        len += (size_t)got;
        if (!split) {
            len = 0;
            if (got == 0) break;
            continue;
        }
        size_t pos = 0;
        for (;;) {   /* every complete line in the buffer */
            char *nl = memchr(buf + pos, '\n', len - pos);
            if (!nl && got == 0 && pos < len) nl = buf + len;   /* a last line without a newline */
            if (!nl) break;
            size_t n = (size_t)(nl - (buf + pos));
            lines++;
            if (parse) {
                const char *s = buf + pos;
                while (n > 0 && (s[n - 1] == ',' || s[n - 1] == '\r' || s[n - 1] == ' ')) n--;
                if (n > 0 && s[0] == '{') {
                    json_error_t je;
                    json_t *o = json_loadb(s, n, 0, &je);
                    json_decref(o);
                }
            }
            pos = (size_t)(nl - buf) + 1;
            if (pos >= len) break;
        }
        if (pos > len) pos = len;
        memmove(buf, buf + pos, len - pos);
        len -= pos;
        if (got == 0) break;
        if (len >= MAX_LINE) len = 0;   /* a line past the cap: dropped, as the reader does */
    }
    free(buf);
    gzclose(gz);
    return lines;
}

/* Prints every record of path, one tab-separated line each, then the counters. */
static int dump(const char *path)
{
    char err[RB_ERRLEN];
    rb_trace *t = rb_trace_open(path, NULL, err, sizeof err);
    if (!t) {
        fprintf(stderr, "trace_bench: %s\n", err);
        return 1;
    }
    rb_trace_rec r;
    int k;
    while ((k = rb_trace_next(t, &r, err, sizeof err)) == 1)   /* ends: the file is finite */
        printf("%llu\t%s\t%s\t%s\t%s\t%s\t%d\t%llu\t%llu\t%s\t%llu\n", (unsigned long long)r.time_us, r.method,
               r.repo, rb_trace_kind_name(r.kind), r.ref, r.digest, r.status, (unsigned long long)r.bytes,
               (unsigned long long)r.duration_us, r.client, (unsigned long long)r.line);
    const rb_trace_stats *st = rb_trace_get_stats(t);
    printf("records %llu skipped %llu malformed %llu lines %llu\n", (unsigned long long)st->records,
           (unsigned long long)st->skipped, (unsigned long long)st->malformed, (unsigned long long)st->lines);
    rb_trace_close(t);
    return k < 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--dump")) return dump(argv[2]);
    const char *modes[4];
    size_t nmodes = 0;
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mode") && i + 1 < argc && nmodes < 4) modes[nmodes++] = argv[++i];
        else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: trace_bench [--mode read|inflate|split|parse]... FILE...\n");
            return 2;
        } else nfiles++;
    }
    if (nfiles == 0) {
        fprintf(stderr, "usage: trace_bench [--mode read|inflate|split|parse]... FILE...\n");
        return 2;
    }
    if (nmodes == 0) {
        modes[0] = "inflate", modes[1] = "split", modes[2] = "parse", modes[3] = "read";
        nmodes = 4;
    }
    printf("%-8s %-40s %12s %12s %10s %8s %9s %9s %8s\n", "mode", "file", "file_bytes", "log_bytes", "records",
           "seconds", "log_MB/s", "file_MB/s", "rss_MB");
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mode")) { i++; continue; }
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "trace_bench: %s: cannot stat\n", argv[i]);
            rc = 1;
            continue;
        }
        const char *base = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
        for (size_t m = 0; m < nmodes; m++) {
            unsigned long long bytes = 0;
            uint64_t t0 = rb_now_us();
            long long n;
            if (!strcmp(modes[m], "read")) n = run_read(argv[i], &bytes);
            else if (!strcmp(modes[m], "inflate")) n = run_raw(argv[i], 0, 0, &bytes);
            else if (!strcmp(modes[m], "split")) n = run_raw(argv[i], 1, 0, &bytes);
            else if (!strcmp(modes[m], "parse")) n = run_raw(argv[i], 1, 1, &bytes);
            else {
                fprintf(stderr, "trace_bench: unknown mode %s\n", modes[m]);
                return 2;
            }
            double s = (double)(rb_now_us() - t0) / 1e6;
            if (n < 0) { rc = 1; continue; }
            printf("%-8s %-40s %12lld %12llu %10lld %8.2f %9.1f %9.1f %8.1f\n", modes[m], base, (long long)st.st_size,
                   bytes, n, s, s > 0 ? bytes / s / 1e6 : 0, s > 0 ? st.st_size / s / 1e6 : 0, rss_kb() / 1024.0);
            fflush(stdout);
        }
    }
    return rc;
}
