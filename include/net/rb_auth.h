/* rb_auth: the pieces of registry authentication that touch untrusted or
 * secret text: parsing WWW-Authenticate challenges (server input, parsed
 * defensively with size limits), Base64 for Basic credentials, and finding
 * credentials in a Docker config file. Secrets are never logged here; callers
 * must keep them out of messages too. */
#ifndef RB_AUTH_H
#define RB_AUTH_H

#include <stddef.h>

#define RB_CHALLENGE_MAX 8192   /* longest WWW-Authenticate value accepted */

typedef struct rb_challenge {
    char scheme[16];          /* "basic" or "bearer" (lowercased) */
    char realm[1024];
    char service[256];
    char scope[1024];
    char error[64];           /* e.g. "invalid_token" */
} rb_challenge;

/* Parses the first challenge of a WWW-Authenticate value. Returns 0, or -1
 * with a message when it is malformed, too long or of an unknown scheme. */
int rb_auth_parse_challenge(const char *value, rb_challenge *out, char *err, size_t errlen);

/* Base64 (standard alphabet, padded) of len bytes into a new string. */
char *rb_base64(const void *data, size_t len);
/* Decodes standard Base64 into a new NUL-terminated buffer (*outlen bytes);
 * NULL when the input is not Base64. */
char *rb_base64_decode(const char *s, size_t *outlen);

/* Looks up credentials for `host` ("127.0.0.1:5000") in the Docker config
 * ($DOCKER_CONFIG/config.json, else ~/.docker/config.json): "auths" entries
 * with "auth" (base64 user:pass) or "username"/"password". Returns 1 and sets
 * *user and *pass (malloc'd) when found, 0 when not, -1 with a message when
 * the file is unreadable or malformed. *world_readable is set to 1 when the
 * file can be read by group or others. */
int rb_auth_docker_config(const char *host, char **user, char **pass, int *world_readable,
                          char *err, size_t errlen);

#endif
