/* tar_index: reads a tar's 512-byte headers one after another with pread,
 * records each member's name, type, data offset and size, and skips the data.
 * Every size is checked against the file's length, so a truncated archive is
 * reported (naming the member and the offsets) instead of read past its end.
 * The loop is bounded by the member cap and by the file size. */
#include "tar_index.h"
#include "image/rb_open.h"
#include "util/rb_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK 512
#define PAX_MAX (1u << 20)

/* Reads exactly n bytes at off; 0, or -1 (short or failed). */
static int read_at(int fd, void *buf, size_t n, uint64_t off)
{
    size_t done = 0;
    for (int tries = 0; done < n && tries < 1000; tries++) {
        ssize_t k = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        done += (size_t)k;
    }
    return done == n ? 0 : -1;
}

/* Parses an octal or base-256 numeric field; -1 if it is neither. */
static int parse_num(const unsigned char *f, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (f[0] & 0x80) { /* base-256 (GNU), big-endian */
        if (f[0] != 0x80)
            return -1; /* negative or huge */
        for (size_t i = 1; i < len; i++) {
            if (v >> 56)
                return -1;
            v = (v << 8) | f[i];
        }
        *out = v;
        return 0;
    }
    size_t i = 0;
    while (i < len && (f[i] == ' ' || f[i] == '\0'))
        i++;
    for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 60)
            return -1;
        v = v * 8 + (uint64_t)(f[i] - '0');
    }
    for (; i < len; i++)
        if (f[i] != ' ' && f[i] != '\0')
            return -1;
    *out = v;
    return 0;
}

/* Orders entries by name, then by their place in the archive. */
static int by_name_cmp(const void *a, const void *b)
{
    const tar_entry *x = *(const tar_entry *const *)a, *y = *(const tar_entry *const *)b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x < y ? -1 : x > y;
}

/* 1 if h is a header whose checksum is right. */
static int header_ok(const unsigned char *h)
{
    uint64_t want;
    if (parse_num(h + 148, 8, &want) < 0)
        return 0;
    uint64_t sum = 0;
    for (int i = 0; i < BLOCK; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    return sum == want;
}

static int all_zero(const unsigned char *h)
{
    for (int i = 0; i < BLOCK; i++)
        if (h[i])
            return 0;
    return 1;
}

/* A copy of the NUL-padded field f of at most len bytes. */
static char *field(const unsigned char *f, size_t len)
{
    size_t n = 0;
    while (n < len && f[n])
        n++;
    char *s = rb_malloc(n + 1);
    memcpy(s, f, n);
    s[n] = '\0';
    return s;
}

/* Normalises a member name in place: drops leading "./" and "/" and a trailing "/". */
static void normalise(char *s)
{
    char *p = s;
    for (int i = 0; i < 4096 && (p[0] == '/' || (p[0] == '.' && p[1] == '/')); i++)
        p += p[0] == '/' ? 1 : 2;
    memmove(s, p, strlen(p) + 1);
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '/')
        s[--n] = '\0';
}

/* Applies the records of a pax header (path, linkpath, size) to the pending values. */
static void pax_apply(const char *d, size_t len, char **path, char **link, uint64_t *size, int *has_size)
{
    size_t i = 0;
    for (int recs = 0; i < len && recs < 100000; recs++) {
        size_t rl = 0, j = i;
        while (j < len && d[j] >= '0' && d[j] <= '9' && rl <= len)
            rl = rl * 10 + (size_t)(d[j++] - '0');
        /* "<len> <key>=<value>\n": the length covers the whole record */
        if (rl == 0 || rl > len - i || j >= i + rl || d[j] != ' ')
            return;
        const char *kv = d + j + 1, *end = d + i + rl - 1; /* end: the '\n' */
        if (kv > end || *end != '\n')
            return;
        const char *eq = memchr(kv, '=', (size_t)(end - kv));
        if (eq) {
            size_t kl = (size_t)(eq - kv), vl = (size_t)(end - eq - 1);
            char *v = rb_malloc(vl + 1);
            memcpy(v, eq + 1, vl);
            v[vl] = '\0';
            if (kl == 4 && memcmp(kv, "path", 4) == 0) {
                free(*path);
                *path = v;
            } else if (kl == 8 && memcmp(kv, "linkpath", 8) == 0) {
                free(*link);
                *link = v;
            } else {
                if (kl == 4 && memcmp(kv, "size", 4) == 0) {
                    *size = strtoull(v, NULL, 10);
                    *has_size = 1;
                }
                free(v);
            }
        }
        i += rl;
    }
}

int tar_looks_like(int fd)
{
    unsigned char h[BLOCK];
    return read_at(fd, h, BLOCK, 0) == 0 && !all_zero(h) && header_ok(h);
}

int tar_index_read(int fd, const char *path, tar_index *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return rb_err(err, errlen, "%s: %s", path, strerror(errno));
    uint64_t fsize = (uint64_t)st.st_size;
    out->file_size = fsize;
    unsigned char h[BLOCK];
    uint64_t pos = 0;
    size_t cap = 0;
    char *long_name = NULL, *long_link = NULL;
    uint64_t pax_size = 0;
    int has_pax_size = 0, ended = 0;
    for (size_t blocks = 0; blocks < 4u * RB_OPEN_MAX_TAR_ENTRIES; blocks++) {
        if (pos + BLOCK > fsize)
            break;
        if (read_at(fd, h, BLOCK, pos) < 0) {
            rb_err(err, errlen, "%s: cannot read the tar header at offset %llu", path, (unsigned long long)pos);
            goto fail;
        }
        if (all_zero(h)) {
            ended = 1;
            break;
        }
        if (!header_ok(h)) {
            if (pos == 0)
                rb_err(err, errlen, "%s: not a tar archive (no valid tar header at the start)", path);
            else
                rb_err(err, errlen, "%s: corrupt tar: bad header checksum at offset %llu", path,
                       (unsigned long long)pos);
            goto fail;
        }
        uint64_t size;
        if (parse_num(h + 124, 12, &size) < 0) {
            rb_err(err, errlen, "%s: corrupt tar: bad size field at offset %llu", path, (unsigned long long)pos);
            goto fail;
        }
        char type = h[156] ? (char)h[156] : '0';
        if (has_pax_size && type != 'x' && type != 'g' && type != 'L' && type != 'K')
            size = pax_size;
        uint64_t data = pos + BLOCK;
        if (size > fsize || data > fsize - size) {
            char *nm = long_name ? rb_strdup(long_name) : field(h, 100);
            rb_err(err, errlen, "%s: truncated tar: member %s needs %llu bytes at offset %llu but the file ends at %llu",
                   path, nm, (unsigned long long)size, (unsigned long long)data, (unsigned long long)fsize);
            free(nm);
            goto fail;
        }
        uint64_t next = data + ((size + BLOCK - 1) / BLOCK) * BLOCK;
        if (type == 'L' || type == 'K' || type == 'x') {
            if (size > PAX_MAX) {
                rb_err(err, errlen, "%s: tar extended header of %llu bytes at offset %llu is too large", path,
                       (unsigned long long)size, (unsigned long long)pos);
                goto fail;
            }
            char *d = rb_malloc((size_t)size + 1);
            if (read_at(fd, d, (size_t)size, data) < 0) {
                free(d);
                rb_err(err, errlen, "%s: cannot read the tar extended header at offset %llu", path,
                       (unsigned long long)pos);
                goto fail;
            }
            d[size] = '\0';
            if (type == 'L') {
                free(long_name);
                long_name = d;
            } else if (type == 'K') {
                free(long_link);
                long_link = d;
            } else {
                pax_apply(d, (size_t)size, &long_name, &long_link, &pax_size, &has_pax_size);
                free(d);
            }
            pos = next;
            continue;
        }
        if (type == 'g') { /* global pax header: nothing we use */
            pos = next;
            continue;
        }
        if (out->n == RB_OPEN_MAX_TAR_ENTRIES) {
            rb_err(err, errlen, "%s: more than %u tar members", path, (unsigned)RB_OPEN_MAX_TAR_ENTRIES);
            goto fail;
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 64;
            out->e = rb_realloc(out->e, cap * sizeof *out->e);
        }
        tar_entry *e = &out->e[out->n++];
        memset(e, 0, sizeof *e);
        if (long_name) {
            e->name = long_name;
            long_name = NULL;
        } else if (memcmp(h + 257, "ustar", 5) == 0 && h[345]) {
            char *pre = field(h + 345, 155), *nm = field(h, 100);
            e->name = rb_malloc(strlen(pre) + strlen(nm) + 2);
            sprintf(e->name, "%s/%s", pre, nm);
            free(pre);
            free(nm);
        } else {
            e->name = field(h, 100);
        }
        normalise(e->name);
        e->type = type;
        if (type == '1' || type == '2') {
            e->link = long_link ? long_link : field(h + 157, 100);
            long_link = NULL;
        }
        e->offset = data;
        e->size = (type == '1' || type == '2' || type == '5') ? 0 : size;
        free(long_link);
        long_link = NULL;
        has_pax_size = 0;
        pos = (type == '1' || type == '2' || type == '5') && size == 0 ? data : next;
    }
    free(long_name);
    free(long_link);
    long_name = long_link = NULL;
    if (ended && out->n) { /* sorted once, so each lookup is a binary search */
        out->by_name = rb_malloc(out->n * sizeof *out->by_name);
        for (size_t i = 0; i < out->n; i++)
            out->by_name[i] = &out->e[i];
        qsort(out->by_name, out->n, sizeof *out->by_name, by_name_cmp);
    }
    if (!ended) {
        if (out->n == 0)
            rb_err(err, errlen, "%s: not a tar archive (%s)", path, fsize < BLOCK ? "shorter than one tar header" : "no members");
        else
            rb_err(err, errlen, "%s: truncated tar: it ends at %llu bytes without the end-of-archive marker",
                   path, (unsigned long long)fsize);
        goto fail;
    }
    return 0;
fail:
    free(long_name);
    free(long_link);
    tar_index_free(out);
    return -1;
}

/* The member named name (any type), or NULL; of several, the last in the
 * archive wins, as when tar extracts. */
static const tar_entry *find_any(const tar_index *t, const char *name)
{
    size_t lo = 0, hi = t->n; /* first entry whose name is > name */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(t->by_name[mid]->name, name) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || strcmp(t->by_name[lo - 1]->name, name) != 0)
        return NULL;
    return t->by_name[lo - 1];
}

/* Resolves target (relative to the directory of from) into buf; -1 if it leaves the archive. */
static int resolve_link(const char *from, const char *target, char *buf, size_t len)
{
    char tmp[4096];
    if (target[0] == '/') {
        snprintf(tmp, sizeof tmp, "%s", target + 1);
    } else {
        const char *slash = strrchr(from, '/');
        int dl = slash ? (int)(slash - from) : 0;
        snprintf(tmp, sizeof tmp, "%.*s%s%s", dl, from, dl ? "/" : "", target);
    }
    /* Collapse "." and ".." components. */
    buf[0] = '\0';
    size_t bl = 0;
    char *save = NULL;
    for (char *c = strtok_r(tmp, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0) {
            if (bl == 0)
                return -1;
            char *s = strrchr(buf, '/');
            bl = s ? (size_t)(s - buf) : 0;
            buf[bl] = '\0';
            continue;
        }
        int k = snprintf(buf + bl, len - bl, "%s%s", bl ? "/" : "", c);
        if (k < 0 || (size_t)k >= len - bl)
            return -1;
        bl += (size_t)k;
    }
    return 0;
}

const tar_entry *tar_find(const tar_index *t, const char *name)
{
    char cur[4096], next[4096];
    snprintf(cur, sizeof cur, "%s", name);
    normalise(cur);
    for (int hops = 0; hops <= 16; hops++) {
        const tar_entry *e = find_any(t, cur);
        if (!e)
            return NULL;
        if (e->type == '1') {
            snprintf(next, sizeof next, "%s", e->link);
            normalise(next);
        } else if (e->type == '2') {
            if (resolve_link(e->name, e->link, next, sizeof next) < 0)
                return NULL;
        } else {
            return (e->type == '0' || e->type == '7') ? e : NULL;
        }
        memcpy(cur, next, sizeof cur);
    }
    return NULL;
}

void tar_index_free(tar_index *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->e[i].name);
        free(t->e[i].link);
    }
    free(t->e);
    free(t->by_name);
    memset(t, 0, sizeof *t);
}
