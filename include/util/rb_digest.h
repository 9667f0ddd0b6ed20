/* rb_digest: streaming SHA-256 (OpenSSL EVP, which uses the CPU's SHA
 * instructions) and the verifier that checks a body against its expected
 * digest and size while it streams in, without ever holding it whole. */
#ifndef RB_DIGEST_H
#define RB_DIGEST_H

#include <stddef.h>
#include <stdint.h>

typedef struct rb_sha256 rb_sha256;

/* Fills hex (65 bytes) with the SHA-256 of data, in one call. */
void rb_sha256_hex(const void *data, size_t len, char hex[65]);

/* Starts a hash. */
rb_sha256 *rb_sha256_new(void);
/* Adds bytes. */
void rb_sha256_update(rb_sha256 *h, const void *data, size_t len);
/* Finishes into "sha256:<64 hex>" (72 bytes incl. NUL) and frees h. */
void rb_sha256_final(rb_sha256 *h, char out[72]);
/* Frees an unfinished hash (NULL ok). */
void rb_sha256_free(rb_sha256 *h);

/* Checks that a string is a digest regbench can verify: "sha256:" + 64
 * lowercase hex. Returns 1 or 0. */
int rb_digest_valid(const char *d);

/* Streams a body and checks it against an expected digest and size. */
typedef struct rb_verifier {
    rb_sha256 *h;
    char expect[72];          /* expected digest */
    int64_t expect_size;      /* expected size, -1: unknown */
    uint64_t got;             /* bytes seen */
} rb_verifier;

/* Starts verifying against digest (must be rb_digest_valid) and size (-1: any). */
void rb_verifier_init(rb_verifier *v, const char *digest, int64_t size);
/* Starts a verifier that only counts bytes, for a body hashed elsewhere
 * (rb_hashq): no hash context is made; finish with rb_verifier_check. */
void rb_verifier_init_count(rb_verifier *v, const char *digest, int64_t size);
/* Adds bytes; returns -1 as soon as more than the expected size arrived. */
int rb_verifier_update(rb_verifier *v, const void *data, size_t len);
/* Counts bytes that are hashed elsewhere (rb_hashq); returns -1 as soon as
 * more than the expected size arrived. */
int rb_verifier_count(rb_verifier *v, size_t len);
/* Finishes: returns 0 when digest and size match, else -1 with a message. */
int rb_verifier_finish(rb_verifier *v, char *err, size_t errlen);
/* Finishes with the digest of the counted bytes computed elsewhere
 * ("sha256:<64 hex>"): like rb_verifier_finish. */
int rb_verifier_check(rb_verifier *v, const char *got, char *err, size_t errlen);
/* Frees the verifier's hash if unfinished. */
void rb_verifier_free(rb_verifier *v);

#endif
