/* auth: WWW-Authenticate parsing, Base64, Docker config credentials (see
 * rb_auth.h). The challenge parser follows RFC 7235's grammar loosely:
 * scheme, then comma-separated name=value or name="quoted value" pairs;
 * unknown parameters are skipped; everything is bounded. */
#include "net/rb_auth.h"
#include "util/rb_util.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

static int is_token_char(char c)
{
    /* c != 0: strchr finds the terminator, so NUL would count as a token char */
    return c != 0 && (isalnum((unsigned char)c) || strchr("!#$%&'*+-.^_`|~", c));
}

int rb_auth_parse_challenge(const char *value, rb_challenge *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!value) return rb_err(err, errlen, "no WWW-Authenticate header");
    if (strlen(value) > RB_CHALLENGE_MAX)
        return rb_err(err, errlen, "WWW-Authenticate header longer than %d bytes", RB_CHALLENGE_MAX);
    const char *p = skip_ws(value);
    size_t n = 0;
    while (is_token_char(p[n])) n++;
    if (n == 0 || n >= sizeof out->scheme)
        return rb_err(err, errlen, "malformed WWW-Authenticate header: no scheme");
    for (size_t i = 0; i < n; i++) out->scheme[i] = (char)tolower((unsigned char)p[i]);
    if (strcmp(out->scheme, "basic") != 0 && strcmp(out->scheme, "bearer") != 0)
        return rb_err(err, errlen, "unsupported authentication scheme '%s' (regbench speaks Basic and Bearer)",
                      out->scheme);
    p = skip_ws(p + n);
    while (*p) {
        /* name */
        const char *name = p;
        size_t nlen = 0;
        while (is_token_char(name[nlen])) nlen++;
        if (nlen == 0) return rb_err(err, errlen, "malformed WWW-Authenticate header near '%.20s'", p);
        p = skip_ws(name + nlen);
        if (*p != '=') {
            /* the start of another challenge: stop at the first one */
            break;
        }
        p = skip_ws(p + 1);
        char val[1024];
        size_t vlen = 0;
        if (*p == '"') {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1]) p++;
                if (vlen + 1 >= sizeof val)
                    return rb_err(err, errlen, "WWW-Authenticate parameter too long");
                val[vlen++] = *p++;
            }
            if (*p != '"') return rb_err(err, errlen, "malformed WWW-Authenticate header: unterminated quote");
            p++;
        } else {
            while (*p && *p != ',' && *p != ' ' && *p != '\t') {
                if (vlen + 1 >= sizeof val)
                    return rb_err(err, errlen, "WWW-Authenticate parameter too long");
                val[vlen++] = *p++;
            }
        }
        val[vlen] = 0;
        char *dst = NULL;
        size_t cap = 0;
        if (nlen == 5 && strncasecmp(name, "realm", 5) == 0) { dst = out->realm; cap = sizeof out->realm; }
        else if (nlen == 7 && strncasecmp(name, "service", 7) == 0) { dst = out->service; cap = sizeof out->service; }
        else if (nlen == 5 && strncasecmp(name, "scope", 5) == 0) { dst = out->scope; cap = sizeof out->scope; }
        else if (nlen == 5 && strncasecmp(name, "error", 5) == 0) { dst = out->error; cap = sizeof out->error; }
        if (dst) {
            if (vlen >= cap) return rb_err(err, errlen, "WWW-Authenticate parameter too long");
            memcpy(dst, val, vlen + 1);
        }
        p = skip_ws(p);
        if (*p == ',') p = skip_ws(p + 1);
        else if (*p) break;
    }
    if (strcmp(out->scheme, "bearer") == 0) {
        if (!out->realm[0]) return rb_err(err, errlen, "Bearer challenge without a realm");
        if (strncmp(out->realm, "http://", 7) != 0 && strncmp(out->realm, "https://", 8) != 0)
            return rb_err(err, errlen, "Bearer realm is not an http(s) URL");
        for (const char *c = out->realm; *c; c++)
            if ((unsigned char)*c <= ' ') return rb_err(err, errlen, "Bearer realm contains spaces or control characters");
    }
    return 0;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *rb_base64(const void *data, size_t len)
{
    const unsigned char *s = data;
    char *out = rb_malloc(4 * ((len + 2) / 3) + 1);
    char *o = out;
    size_t i = 0;
    for (; i + 2 < len; i += 3) {
        *o++ = B64[s[i] >> 2];
        *o++ = B64[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
        *o++ = B64[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
        *o++ = B64[s[i + 2] & 63];
    }
    if (i < len) {
        *o++ = B64[s[i] >> 2];
        if (i + 1 < len) {
            *o++ = B64[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
            *o++ = B64[(s[i + 1] & 15) << 2];
        } else {
            *o++ = B64[(s[i] & 3) << 4];
            *o++ = '=';
        }
        *o++ = '=';
    }
    *o = 0;
    return out;
}

char *rb_base64_decode(const char *s, size_t *outlen)
{
    size_t len = strlen(s);
    char *out = rb_malloc(len / 4 * 3 + 4);
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '=') break;
        const char *pos = strchr(B64, c);
        if (!pos || !c) { free(out); return NULL; }
        acc = (acc << 6) | (unsigned)(pos - B64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[o] = 0;
    if (outlen) *outlen = o;
    return out;
}

/* "https://host:port/v1/" -> "host:port" into buf. */
static void normalise_host(const char *key, char *buf, size_t len)
{
    const char *p = strstr(key, "://");
    p = p ? p + 3 : key;
    size_t n = strcspn(p, "/");
    if (n >= len) n = len - 1;
    memcpy(buf, p, n);
    buf[n] = 0;
}

int rb_auth_docker_config(const char *host, char **user, char **pass, int *world_readable,
                          char *err, size_t errlen)
{
    *user = *pass = NULL;
    if (world_readable) *world_readable = 0;
    char path[4096];
    const char *dir = getenv("DOCKER_CONFIG");
    if (dir && *dir) snprintf(path, sizeof path, "%s/config.json", dir);
    else {
        const char *home = getenv("HOME");
        if (!home) return 0;
        snprintf(path, sizeof path, "%s/.docker/config.json", home);
    }
    struct stat st;
    if (stat(path, &st) < 0) return 0;
    if (world_readable && (st.st_mode & 077)) *world_readable = 1;
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) return rb_err(err, errlen, "%s:%d: bad JSON: %s", path, je.line, je.text);
    json_t *auths = json_object_get(root, "auths");
    int found = 0;
    if (json_is_object(auths)) {
        const char *key;
        json_t *v;
        json_object_foreach(auths, key, v) {
            char h[512];
            normalise_host(key, h, sizeof h);
            if (strcmp(h, host) != 0 || !json_is_object(v)) continue;
            const char *a = json_string_value(json_object_get(v, "auth"));
            const char *u = json_string_value(json_object_get(v, "username"));
            const char *pw = json_string_value(json_object_get(v, "password"));
            if (a) {
                size_t n;
                char *dec = rb_base64_decode(a, &n);
                char *colon = dec ? memchr(dec, ':', n) : NULL;
                if (!colon) {
                    free(dec);
                    json_decref(root);
                    return rb_err(err, errlen, "%s: the auth entry for %s is not base64 of user:password", path, host);
                }
                *colon = 0;
                *user = rb_strdup(dec);
                *pass = rb_strdup(colon + 1);
                memset(dec, 0, n);
                free(dec);
                found = 1;
            } else if (u && pw) {
                *user = rb_strdup(u);
                *pass = rb_strdup(pw);
                found = 1;
            }
            break;
        }
    }
    json_decref(root);
    return found;
}
