/* prom: Prometheus text scraping and parsing (see rb_prom.h). Only sample
 * lines matter: `name{labels} value [timestamp]`; comments, HELP and TYPE
 * lines are skipped, and so is anything that does not parse. */
#include "registry/rb_prom.h"
#include "net/rb_http.h"
#include "util/rb_util.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

/* Keeps registry_* series except histogram buckets, and the process's CPU and RSS. */
static int keep(const char *name, size_t n)
{
    size_t base = 0;
    while (base < n && name[base] != '{') base++;
    if (base >= 7 && strncmp(name + base - 7, "_bucket", 7) == 0) return 0;
    if (n > 9 && strncmp(name, "registry_", 9) == 0) return 1;
    return (base == 25 && strncmp(name, "process_cpu_seconds_total", 25) == 0) ||
           (base == 29 && strncmp(name, "process_resident_memory_bytes", 29) == 0);
}

size_t rb_prom_parse(const char *text, size_t len, rb_prom *out)
{
    memset(out, 0, sizeof *out);
    if (len > RB_PROM_MAX_BYTES) len = RB_PROM_MAX_BYTES;
    const char *p = text, *end = text + len;
    size_t cap = 0;
    while (p < end && out->n < RB_PROM_MAX_SERIES) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) eol = end;
        size_t ll = (size_t)(eol - p);
        if (ll > 0 && ll < 2048 && p[0] != '#') {
            /* the series name runs to the first space outside braces */
            size_t i = 0;
            int braces = 0, quoted = 0;
            for (; i < ll; i++) {
                char c = p[i];
                if (quoted) { if (c == '\\') i++; else if (c == '"') quoted = 0; continue; }
                if (c == '"') quoted = 1;
                else if (c == '{') braces++;
                else if (c == '}') braces--;
                else if ((c == ' ' || c == '\t') && braces == 0) break;
            }
            if (i < ll && i > 0 && braces == 0 && !quoted && keep(p, i)) {
                char num[64];
                size_t j = i;
                while (j < ll && (p[j] == ' ' || p[j] == '\t')) j++;
                size_t k = 0;
                while (j < ll && p[j] != ' ' && p[j] != '\t' && p[j] != '\r' && k + 1 < sizeof num) num[k++] = p[j++];
                num[k] = 0;
                char *e;
                double v = strtod(num, &e);
                if (k > 0 && *e == 0) {
                    if (out->n == cap) {
                        cap = cap ? cap * 2 : 64;
                        out->names = rb_realloc(out->names, cap * sizeof *out->names);
                        out->values = rb_realloc(out->values, cap * sizeof *out->values);
                    }
                    out->names[out->n] = rb_asprintf("%.*s", (int)i, p);
                    out->values[out->n] = v;
                    out->n++;
                }
            }
        }
        p = eol + 1;
    }
    return out->n;
}

typedef struct buf {
    char *data;
    size_t len;
} buf;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    buf *b = ud;
    size_t n = size * nmemb;
    if (b->len + n > RB_PROM_MAX_BYTES) return 0;
    b->data = rb_realloc(b->data, b->len + n + 1);
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = 0;
    return n;
}

int rb_prom_scrape(const char *url, rb_prom *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    CURL *e = curl_easy_init();
    if (!e) return rb_err(err, errlen, "libcurl unavailable");
    buf b = {NULL, 0};
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_USERAGENT, RB_HTTP_USER_AGENT);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
    CURLcode rc = curl_easy_perform(e);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(e);
    if (rc != CURLE_OK || status != 200) {
        free(b.data);
        return rb_err(err, errlen, "scraping %s: %s", url, rc != CURLE_OK ? curl_easy_strerror(rc) : "status not 200");
    }
    rb_prom_parse(b.data ? b.data : "", b.len, out);
    free(b.data);
    return 0;
}

double rb_prom_get(const rb_prom *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->names[i], name) == 0) return p->values[i];
    return -1;
}

void rb_prom_free(rb_prom *p)
{
    for (size_t i = 0; i < p->n; i++) free(p->names[i]);
    free(p->names);
    free(p->values);
    memset(p, 0, sizeof *p);
}
