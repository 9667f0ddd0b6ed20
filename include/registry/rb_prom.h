/* rb_prom: scrapes a Prometheus text endpoint (distribution's debug server
 * exposes one) and keeps the registry's own series: registry_* without
 * histogram buckets, plus process_cpu_seconds_total and
 * process_resident_memory_bytes. The text is untrusted input and is parsed with limits on
 * size, line length and series count. */
#ifndef RB_PROM_H
#define RB_PROM_H

#include <stddef.h>

#define RB_PROM_MAX_BYTES (8u << 20)
#define RB_PROM_MAX_SERIES 4096

typedef struct rb_prom {
    char **names;             /* "name{labels}" exactly as exposed */
    double *values;
    size_t n;
} rb_prom;

/* Parses exposition text, keeping the series named above.
 * Malformed lines are skipped; returns the number kept. */
size_t rb_prom_parse(const char *text, size_t len, rb_prom *out);
/* GETs url (blocking, 2 s timeout) and parses it. Returns 0 or -1 + err. */
int rb_prom_scrape(const char *url, rb_prom *out, char *err, size_t errlen);
/* The value of series `name` in p, or -1 when absent. */
double rb_prom_get(const rb_prom *p, const char *name);
/* Frees the series (safe on a zeroed struct). */
void rb_prom_free(rb_prom *p);

#endif
