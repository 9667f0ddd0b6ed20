/* fuzz_challenge: libFuzzer target for the WWW-Authenticate challenge parser
 * and Base64 (src/auth.c). Each input is parsed as a NUL-terminated header
 * value (copied into a buffer of exactly size + 1 bytes, so AddressSanitizer
 * sees any read past the terminator), then Base64-decoded, and its raw bytes
 * are Base64-encoded and decoded back. The parser must never crash, leak or
 * hang; on success the scheme is basic or bearer, every field is terminated
 * inside its array, and a Bearer realm is an http(s) URL without spaces; on
 * failure the message is non-empty. Built by tests/fuzz/CMakeLists.txt
 * (-DREGBENCH_FUZZ=ON, clang); see tests/fuzz/README.md. */
#include "net/rb_auth.h"
#include "util/rb_util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(a) (memchr((a), 0, sizeof(a)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;

    rb_challenge c;
    char err[RB_ERRLEN];
    err[0] = 0;
    if (rb_auth_parse_challenge(s, &c, err, sizeof err) == 0) {
        if (!TERMINATED(c.scheme) || !TERMINATED(c.realm) || !TERMINATED(c.service) ||
            !TERMINATED(c.scope) || !TERMINATED(c.error))
            abort();
        if (strcmp(c.scheme, "basic") != 0 && strcmp(c.scheme, "bearer") != 0) abort();
        if (strcmp(c.scheme, "bearer") == 0) {
            if (strncmp(c.realm, "http://", 7) != 0 && strncmp(c.realm, "https://", 8) != 0) abort();
            for (const char *p = c.realm; *p; p++)
                if ((unsigned char)*p <= ' ') abort();
        }
    } else if (!err[0]) {
        abort();
    }

    /* decoding arbitrary text: NULL or a terminated buffer of *outlen bytes */
    size_t n = 0;
    char *dec = rb_base64_decode(s, &n);
    if (dec) {
        if (n > size / 4 * 3 + 3 || dec[n] != 0) abort();
        free(dec);
    }

    /* encoding arbitrary bytes round-trips */
    char *enc = rb_base64(data, size);
    if (strlen(enc) != 4 * ((size + 2) / 3)) abort();
    dec = rb_base64_decode(enc, &n);
    if (!dec || n != size || memcmp(dec, data, size) != 0) abort();
    free(dec);
    free(enc);
    free(s);
    return 0;
}
