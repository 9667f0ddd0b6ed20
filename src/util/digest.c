/* digest: streaming SHA-256 over OpenSSL EVP and the body verifier (see
 * rb_digest.h). */
#include "util/rb_digest.h"
#include "util/rb_util.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

struct rb_sha256 {
    EVP_MD_CTX *ctx;
};

void rb_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char md[32];
    unsigned mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

rb_sha256 *rb_sha256_new(void)
{
    rb_sha256 *h = rb_malloc(sizeof *h);
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        fprintf(stderr, "regbench: OpenSSL SHA-256 unavailable\n");
        abort();
    }
    return h;
}

void rb_sha256_update(rb_sha256 *h, const void *data, size_t len)
{
    EVP_DigestUpdate(h->ctx, data, len);
}

void rb_sha256_final(rb_sha256 *h, char out[72])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_DigestFinal_ex(h->ctx, md, &n);
    memcpy(out, "sha256:", 7);
    for (int i = 0; i < 32; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
    rb_sha256_free(h);
}

void rb_sha256_free(rb_sha256 *h)
{
    if (!h) return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

int rb_digest_valid(const char *d)
{
    if (!d || strncmp(d, "sha256:", 7) != 0) return 0;
    for (int i = 0; i < 64; i++) {
        char c = d[7 + i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return 0;
    }
    return d[71] == 0;
}

void rb_verifier_init(rb_verifier *v, const char *digest, int64_t size)
{
    memset(v, 0, sizeof *v);
    snprintf(v->expect, sizeof v->expect, "%s", digest);
    v->expect_size = size;
    v->h = rb_sha256_new();
}

void rb_verifier_init_count(rb_verifier *v, const char *digest, int64_t size)
{
    memset(v, 0, sizeof *v);
    snprintf(v->expect, sizeof v->expect, "%s", digest);
    v->expect_size = size;
}

int rb_verifier_count(rb_verifier *v, size_t len)
{
    v->got += len;
    return v->expect_size >= 0 && v->got > (uint64_t)v->expect_size ? -1 : 0;
}

int rb_verifier_update(rb_verifier *v, const void *data, size_t len)
{
    if (rb_verifier_count(v, len) < 0) return -1;
    rb_sha256_update(v->h, data, len);
    return 0;
}

int rb_verifier_check(rb_verifier *v, const char *got, char *err, size_t errlen)
{
    rb_verifier_free(v);
    if (v->expect_size >= 0 && v->got != (uint64_t)v->expect_size)
        return rb_err(err, errlen, "size mismatch: expected %" PRId64 " bytes, got %" PRIu64 "%s",
                      v->expect_size, v->got, v->got > (uint64_t)v->expect_size ? " or more" : "");
    if (strcmp(got, v->expect) != 0)
        return rb_err(err, errlen, "digest mismatch: expected %s, got %s", v->expect, got);
    return 0;
}

int rb_verifier_finish(rb_verifier *v, char *err, size_t errlen)
{
    char got[72] = "";
    if (v->expect_size < 0 || v->got == (uint64_t)v->expect_size) {
        rb_sha256_final(v->h, got);   /* (frees the hash) */
        v->h = NULL;
    }
    return rb_verifier_check(v, got, err, errlen);
}

void rb_verifier_free(rb_verifier *v)
{
    rb_sha256_free(v->h);
    v->h = NULL;
}
