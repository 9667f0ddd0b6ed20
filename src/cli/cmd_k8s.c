/* cmd_k8s: `regbench k8s SCENARIO.lua --shards N --target URL [options]`
 * renders the Kubernetes manifests that run one scenario as N shards on a
 * cluster (docs/scale-out.md): a ConfigMap holding the scenario file, an
 * Indexed Job whose pod I runs `regbench run --shard I/N` against the
 * registry's in-cluster URL and writes its results to a shared volume, and a
 * second Job, created suspended, that merges the shards' results once it is
 * started after the first has completed. Everything given is checked before
 * anything is written: the scenario loads and declares every --set key,
 * thresholds name what it records, names are DNS labels, the URL is http(s).
 * Nothing here talks to a cluster. Output: one YAML stream on stdout, or
 * configmap.yaml, job.yaml and merge-job.yaml in --out DIR. Exit codes as
 * every command's (rb_run.h): 0 rendered, 1 cannot write, 2 bad input. */
#include "cli/rb_cli.h"
#include "args.h"
#include "lua/rb_lua.h"
#include "run/rb_run.h"
#include "suite/rb_threshold.h"
#include "util/rb_atomic.h"
#include "util/rb_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define K8S_MAX_SHARDS 1000
#define K8S_MAX_NAME 54              /* NAME-scenario (63) and the pods' NAME-<index> stay DNS labels */
#define K8S_MAX_SCENARIO 1000000     /* a ConfigMap holds at most 1 MiB */
#define K8S_UID 65532                /* the image's user (deploy/container/Containerfile) */

static void usage(FILE *f)
{
    fputs("Usage: regbench k8s SCENARIO.lua --shards N --target URL [options]\n"
          "Renders Kubernetes manifests that run SCENARIO.lua as N shards (an Indexed Job), and a\n"
          "suspended Job that merges their results, to stdout (or --out DIR). docs/scale-out.md\n"
          "  --shards N             number of shards (pods), 1 to 1000 (required)\n"
          "  --target URL           the registry under test as the pods reach it: http:// or https://\n"
          "                         (required)\n"
          "  --set KEY=VALUE        a scenario parameter, for every shard (repeatable; checked against\n"
          "                         the scenario's rb.param declarations)\n"
          "  --run-id ID            the run's ID, shared by all shards (default: from the time)\n"
          "  --name NAME            the Job's name; the merge Job is NAME-merge, the ConfigMap\n"
          "                         NAME-scenario (default regbench; 1 to 54 characters)\n"
          "  --namespace NS         put every object in namespace NS (default: kubectl's current one)\n"
          "  --image IMG            the regbench image (default regbench:" REGBENCH_VERSION
          ", built from\n"
          "                         deploy/container/Containerfile)\n"
          "  --secret NAME          Secret with keys username and password for the registry; optional:\n"
          "                         without it the shards run anonymously (default regbench-credentials)\n"
          "  --results-pvc NAME     PersistentVolumeClaim for results, ReadWriteMany (default regbench-results)\n"
          "  --barrier-timeout DUR  how long a shard waits for the others at each phase (default 10m)\n"
          "  --threshold EXPR       a threshold the merged results must pass (repeatable; the merge step)\n"
          "  --allow-partial        merge even when shards are missing or failed (marked partial)\n"
          "  --insecure             the shards do not verify the registry's TLS certificate\n"
          "  --out DIR              write configmap.yaml, job.yaml and merge-job.yaml into DIR\n"
          "  -h, --help             this text\n"
          "Options take --name VALUE or --name=VALUE.\n"
          "Exit codes: 0 rendered, 1 cannot write, 2 bad input (docs/cli.md).\n",
          f);
}

static const rb_opt K8S_OPTS[] = {
    {"--shards", 1, NULL},      {"--target", 1, NULL},       {"--set", 1, NULL},         {"--run-id", 1, NULL},
    {"--name", 1, NULL},        {"--namespace", 1, NULL},    {"--image", 1, NULL},       {"--secret", 1, NULL},
    {"--results-pvc", 1, NULL}, {"--barrier-timeout", 1, NULL}, {"--threshold", 1, NULL}, {"--allow-partial", 0, NULL},
    {"--insecure", 0, NULL},    {"--out", 1, NULL},          {NULL, 0, NULL},
};

/* What the command line asked for, checked. */
typedef struct k8s_opts {
    const char *scenario;     /* the path as given */
    long shards;
    const char *target, *run_id, *name, *ns, *image, *secret, *pvc, *barrier, *out_dir;
    const char **sets;        /* "KEY=VALUE", n_sets of them */
    size_t n_sets;
    const char **thresholds;
    size_t n_thresholds;
    int allow_partial, insecure;
    char run_id_buf[64];
    char key[256];            /* the scenario's key in the ConfigMap (its file name in /scenario) */
    char *text;               /* the scenario file's bytes */
    size_t text_len;
} k8s_opts;

/* A usage error: "regbench k8s: <message>", a pointer to the help, exit 2. */
static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("regbench k8s: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n(see regbench k8s --help)\n", stderr);
    va_end(ap);
    return RB_EXIT_USAGE;
}

/* ---- text ----------------------------------------------------------------------- */

/* Decodes the UTF-8 sequence at s (n > 0 bytes left) into *cp; returns its
 * length, or 0 when it is not valid UTF-8 (cut, overlong, a surrogate,
 * beyond U+10FFFF). */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0) { len = 2; v = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { len = 3; v = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { len = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

/* The offset of the first byte of s[0..len) that is not UTF-8, or len. */
static size_t utf8_bad_at(const char *s, size_t len)
{
    uint32_t cp;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_next((const unsigned char *)s + i, len - i, &cp);
        if (n == 0) return i;
        i += n;
    }
    return len;
}

/* Whether a YAML reader takes code point cp verbatim inside a literal block
 * (printable, tab, line feed; not CR, NEL, the line and paragraph
 * separators, the byte order mark or the non-characters U+FFFE/U+FFFF). */
static int literal_cp(uint32_t cp)
{
    if (cp == '\t' || cp == '\n') return 1;
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return 0;
    return cp != 0x2028 && cp != 0x2029 && cp != 0xFEFF && cp != 0xFFFE && cp != 0xFFFF;
}

/* Writes s (len bytes of UTF-8) as a YAML double-quoted scalar: quotes,
 * backslashes and whatever a reader would not take verbatim are escaped.
 * With dollars, every '$' is doubled, so that Kubernetes' expansion of
 * $(VAR) in command and args gives the text back unchanged. */
static void put_quoted_n(FILE *f, const char *s, size_t len, int dollars)
{
    fputc('"', f);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_next((const unsigned char *)s + i, len - i, &cp);
        if (n == 0) {                 /* callers check UTF-8 first; never emit a bad byte */
            fputs("\\uFFFD", f);
            i++;
            continue;
        }
        if (cp == '"') fputs("\\\"", f);
        else if (cp == '\\') fputs("\\\\", f);
        else if (cp == '\n') fputs("\\n", f);
        else if (cp == '\t') fputs("\\t", f);
        else if (cp == '\r') fputs("\\r", f);
        else if (cp == '$' && dollars) fputs("$$", f);
        else if (cp < 0x20 || cp == 0x7F) fprintf(f, "\\x%02X", (unsigned)cp);
        else if (!literal_cp(cp)) fprintf(f, "\\u%04X", (unsigned)cp);
        else fwrite(s + i, 1, n, f);
        i += n;
    }
    fputc('"', f);
}

/* put_quoted_n on a C string. */
static void put_quoted(FILE *f, const char *s, int dollars)
{
    put_quoted_n(f, s, strlen(s), dollars);
}

/* Whether text can be a literal block scalar: every code point literal_cp,
 * and something besides spaces and line feeds in it. */
static int literal_ok(const char *text, size_t len)
{
    int visible = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_next((const unsigned char *)text + i, len - i, &cp);
        if (n == 0 || !literal_cp(cp)) return 0;
        if (cp != ' ' && cp != '\n') visible = 1;
        i += n;
    }
    return visible;
}

/* Writes text (literal_ok) as a literal block scalar ("|", then the lines)
 * whose lines are indented by indent spaces, under a mapping indented by
 * parent spaces. The header carries an indentation indicator when the text
 * starts with a space or an empty line (a reader would guess the indentation
 * wrong), and the chomping indicator that keeps the text's final line breaks
 * exactly: "-" for none, none for one, "+" for more. */
static void put_literal(FILE *f, const char *text, size_t len, int indent, int parent)
{
    size_t trailing = 0;
    while (trailing < len && text[len - 1 - trailing] == '\n') trailing++;
    fputc('|', f);
    if (text[0] == ' ' || text[0] == '\n') fprintf(f, "%d", indent - parent);
    if (trailing == 0) fputc('-', f);
    else if (trailing > 1) fputc('+', f);
    fputc('\n', f);
    size_t start = 0;
    while (start < len) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (end > start) fprintf(f, "%*s%.*s", indent, "", (int)(end - start), text + start);
        fputc('\n', f);
        start = end + 1;
    }
}

/* Writes one argument of the command line into a YAML comment: as it is
 * when it needs no quoting for a shell, else in single quotes; a character
 * a YAML reader would not take (or a line break) becomes '?'. */
static void put_comment_arg(FILE *f, const char *arg)
{
    int plain = *arg != 0;
    for (const char *p = arg; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,@%+-", *p) != NULL;
    if (!plain) fputc('\'', f);
    size_t len = strlen(arg);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_next((const unsigned char *)arg + i, len - i, &cp);
        if (n == 0 || !literal_cp(cp) || cp == '\n' || cp == '\t') fputc('?', f);
        else if (cp == '\'') fputs("'\\''", f);
        else fwrite(arg + i, 1, n, f);
        i += n ? n : 1;
    }
    if (!plain) fputc('\'', f);
}

/* ---- checks ------------------------------------------------------------------------ */

/* Whether s is a DNS label (RFC 1123, as Kubernetes names): 1 to max
 * lowercase letters, digits and '-', starting and ending with a letter or
 * digit. */
static int dns_label(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max || s[0] == '-' || s[n - 1] == '-') return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-')) return 0;
    return 1;
}

/* Whether s is a DNS subdomain (the names of Secrets and claims): DNS
 * labels joined by '.', at most 253 characters. */
static int dns_subdomain(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253) return 0;
    char label[254];
    for (const char *p = s; p;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        memcpy(label, p, len);
        label[len] = 0;
        if (!dns_label(label, 63)) return 0;
        p = dot ? dot + 1 : NULL;
    }
    return 1;
}

/* Checks --target: http:// or https://, a host, no credentials in it (they
 * belong in the Secret), no space or control character. 0 or -1. */
static int check_target(const char *v)
{
    const char *host = strstr(v, "://");
    int clean = 1;
    for (const char *p = v; *p && clean; p++) clean = (unsigned char)*p > 0x20 && *p != 0x7F;
    if ((strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) || !host[3] || host[3] == '/' || !clean) {
        bad("bad --target '%s': expected the registry's URL as the pods reach it, such as "
            "http://registry.registry.svc.cluster.local:5000", v);
        return -1;
    }
    size_t auth = strcspn(host + 3, "/?#");
    if (memchr(host + 3, '@', auth)) {
        bad("bad --target: it holds a user name or password; give them in the Secret (--secret) instead");
        return -1;
    }
    return 0;
}

/* Checks --image: an image reference such as registry.example.com/regbench:0.1.0. */
static int check_image(const char *v)
{
    size_t n = strlen(v);
    int ok = n > 0 && n <= 512 && strchr("abcdefghijklmnopqrstuvwxyz0123456789", v[0]) != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:@", v[i]) != NULL;
    if (!ok) {
        bad("bad --image '%s': expected an image reference such as registry.example.com/regbench:%s",
            v, REGBENCH_VERSION);
        return -1;
    }
    return 0;
}

/* The scenario's key in the ConfigMap: its file name when that is a valid
 * key (letters, digits, '-', '_', '.'), else "scenario.lua". */
static void scenario_key(const char *path, char *key, size_t len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    int ok = n > 0 && n < len && strcmp(base, ".") != 0 && strcmp(base, "..") != 0;
    for (size_t i = 0; ok && i < n; i++)
        ok = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", base[i]) != NULL;
    snprintf(key, len, "%s", ok ? base : "scenario.lua");
}

/* Reads the scenario file into o->text: a readable regular file of at most
 * K8S_MAX_SCENARIO bytes of UTF-8 (a ConfigMap's data is UTF-8 text). 0, or
 * -1 after a message. */
static int read_scenario(k8s_opts *o)
{
    struct stat st;
    FILE *f = fopen(o->scenario, "rb");
    if (!f) {
        bad("cannot read the scenario %s: %s", o->scenario, strerror(errno));
        return -1;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        bad("the scenario %s is not a regular file", o->scenario);
        return -1;
    }
    if (st.st_size > K8S_MAX_SCENARIO) {
        fclose(f);
        bad("the scenario %s is %lld bytes; it goes into a ConfigMap, which holds at most %d", o->scenario,
            (long long)st.st_size, K8S_MAX_SCENARIO);
        return -1;
    }
    o->text = rb_malloc((size_t)st.st_size + 1);
    o->text_len = fread(o->text, 1, (size_t)st.st_size + 1, f);
    int failed = ferror(f);
    fclose(f);
    if (failed || o->text_len > (size_t)st.st_size) {
        bad("cannot read the scenario %s (%s)", o->scenario, failed ? "read error" : "it grew while read");
        return -1;
    }
    o->text[o->text_len] = 0;
    size_t at = utf8_bad_at(o->text, o->text_len);
    if (at < o->text_len) {
        int line = 1;
        for (size_t i = 0; i < at; i++) line += o->text[i] == '\n';
        bad("the scenario %s is not UTF-8 text (line %d, byte %zu); a ConfigMap's data must be UTF-8",
            o->scenario, line, at + 1);
        return -1;
    }
    return 0;
}

/* Loads the scenario as `regbench run --help` does (nothing started) and
 * checks every --set against what it declares, and every --threshold
 * against what it records. What the scenario prints meanwhile goes to
 * stderr, never into the manifests on stdout. 0, or -1 after a message. */
static int check_against_scenario(const k8s_opts *o)
{
    char err[RB_ERRLEN];
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    if (saved >= 0) dup2(STDERR_FILENO, STDOUT_FILENO);
    rb_run *decl = rb_lua_describe(o->scenario, err, sizeof err);
    fflush(stdout);
    if (saved >= 0) {
        dup2(saved, STDOUT_FILENO);
        close(saved);
    }
    if (!decl) {
        bad("the scenario %s does not load: %s", o->scenario, err);
        return -1;
    }
    int rc = 0;
    size_t n;
    const rb_run_param *p = rb_run_params(decl, &n);
    for (size_t i = 0; i < o->n_sets && rc == 0; i++) {
        const char *eq = strchr(o->sets[i], '=');
        size_t klen = (size_t)(eq - o->sets[i]);
        size_t k = 0;
        while (k < n && !(strlen(p[k].name) == klen && strncmp(p[k].name, o->sets[i], klen) == 0)) k++;
        if (k == n) {
            char names[RB_ERRLEN];
            rb_run_param_names(decl, names, sizeof names);
            rc = bad("unknown parameter '%.*s' in --set: the scenario %s declares %s", (int)klen, o->sets[i],
                     o->scenario, names[0] ? names : "none");
            break;
        }
        rb_param_value pv;
        if (rb_param_parse(p[k].type, eq + 1, &pv, err, sizeof err) < 0)
            rc = bad("bad --set %s: %s (parameter '%s' is %s)", o->sets[i], err, p[k].name,
                     rb_param_accepts(p[k].type));
    }
    rb_threshold_names names;
    rb_run_names(decl, &names);
    for (size_t i = 0; i < o->n_thresholds && rc == 0; i++) {
        rb_threshold t;
        if (rb_threshold_parse(o->thresholds[i], &t, err, sizeof err) < 0 ||
            rb_threshold_resolve(&t, &names, err, sizeof err) < 0)
            rc = bad("bad --threshold '%s': %s", o->thresholds[i], err);
        rb_threshold_clear(&t);
    }
    rb_run_free(decl);
    return rc ? -1 : 0;
}

/* Parses and checks the command line into o. Returns -1 to go on, or the
 * exit code (0 after --help). */
static int parse(int argc, char **argv, k8s_opts *o)
{
    char err[RB_ERRLEN];
    rb_args args;
    rb_args_init(&args, "k8s", argc, argv, K8S_OPTS);
    const rb_opt *opt;
    const char *v;
    for (int kind; (kind = rb_args_next(&args, &opt, &v, err, sizeof err)) != RB_ARG_END;) {
        if (kind == RB_ARG_ERR) return bad("%s", err);
        if (kind == RB_ARG_HELP) {
            usage(stdout);
            return RB_EXIT_OK;
        }
        if (kind == RB_ARG_POS) {
            if (o->scenario) return bad("unexpected argument '%s' (give one SCENARIO.lua)", v);
            o->scenario = v;
            continue;
        }
        if (v && utf8_bad_at(v, strlen(v)) < strlen(v)) return bad("%s: the value is not UTF-8 text", opt->name);
        if (rb_opt_is(opt, "--shards")) {
            char *end;
            errno = 0;
            long s = strtol(v, &end, 10);
            if (errno || end == v || *end || s < 1 || s > K8S_MAX_SHARDS)
                return bad("bad --shards '%s': expected a whole number from 1 to %d", v, K8S_MAX_SHARDS);
            o->shards = s;
        } else if (rb_opt_is(opt, "--target")) {
            if (check_target(v) < 0) return RB_EXIT_USAGE;
            o->target = v;
        } else if (rb_opt_is(opt, "--set")) {
            const char *eq = strchr(v, '=');
            if (!eq || eq == v) return bad("bad --set '%s': expected KEY=VALUE", v);
            for (size_t i = 0; i < o->n_sets; i++)
                if (strncmp(o->sets[i], v, (size_t)(eq - v) + 1) == 0)
                    return bad("--set %.*s given twice", (int)(eq - v), v);
            o->sets = rb_realloc(o->sets, (o->n_sets + 1) * sizeof *o->sets);
            o->sets[o->n_sets++] = v;
        } else if (rb_opt_is(opt, "--run-id")) {
            if (rb_run_check_name("--run-id", v, err, sizeof err) < 0) return bad("%s", err);
            o->run_id = v;
        } else if (rb_opt_is(opt, "--name")) {
            if (!dns_label(v, K8S_MAX_NAME))
                return bad("bad --name '%s': use 1 to %d lowercase letters, digits and '-', starting and "
                           "ending with a letter or digit (a Kubernetes name; NAME-merge and NAME-scenario "
                           "are made from it)", v, K8S_MAX_NAME);
            o->name = v;
        } else if (rb_opt_is(opt, "--namespace")) {
            if (!dns_label(v, 63))
                return bad("bad --namespace '%s': use 1 to 63 lowercase letters, digits and '-', starting "
                           "and ending with a letter or digit", v);
            o->ns = v;
        } else if (rb_opt_is(opt, "--image")) {
            if (check_image(v) < 0) return RB_EXIT_USAGE;
            o->image = v;
        } else if (rb_opt_is(opt, "--secret") || rb_opt_is(opt, "--results-pvc")) {
            if (!dns_subdomain(v))
                return bad("bad %s '%s': use lowercase letters, digits, '-' and '.' (a Kubernetes name, "
                           "at most 253 characters)", opt->name, v);
            if (rb_opt_is(opt, "--secret")) o->secret = v;
            else o->pvc = v;
        } else if (rb_opt_is(opt, "--barrier-timeout")) {
            double s;
            if (rb_parse_duration(v, &s, err, sizeof err) < 0) return bad("bad --barrier-timeout: %s", err);
            if (s <= 0) return bad("bad --barrier-timeout: %s is not positive; give a duration such as 10m", v);
            o->barrier = v;
        } else if (rb_opt_is(opt, "--threshold")) {
            o->thresholds = rb_realloc(o->thresholds, (o->n_thresholds + 1) * sizeof *o->thresholds);
            o->thresholds[o->n_thresholds++] = v;
        } else if (rb_opt_is(opt, "--allow-partial")) {
            o->allow_partial = 1;
        } else if (rb_opt_is(opt, "--insecure")) {
            o->insecure = 1;
        } else if (rb_opt_is(opt, "--out")) {
            if (!*v) return bad("--out needs a directory");
            o->out_dir = v;
        }
    }
    if (!o->scenario) return bad("give the scenario: regbench k8s SCENARIO.lua --shards N --target URL");
    if (!o->shards) return bad("give the number of shards: --shards N (1 to %d)", K8S_MAX_SHARDS);
    if (!o->target) return bad("give the registry's URL as the pods reach it: --target URL");
    if (!o->run_id) {
        char stamp[32];
        rb_format_utc(rb_wall_us(), stamp, sizeof stamp);   /* 2026-12-06T01:52:30Z */
        unsigned rnd = (unsigned)(rb_now_us() ^ ((uint64_t)getpid() << 16)) & 0xffff;
        snprintf(o->run_id_buf, sizeof o->run_id_buf, "%.4s%.2s%.2s-%.2s%.2s%.2s-%04x", stamp, stamp + 5,
                 stamp + 8, stamp + 11, stamp + 14, stamp + 17, rnd);
        o->run_id = o->run_id_buf;
    }
    scenario_key(o->scenario, o->key, sizeof o->key);
    if (read_scenario(o) < 0 || check_against_scenario(o) < 0) return RB_EXIT_USAGE;
    return -1;
}

/* ---- rendering ------------------------------------------------------------------------ */

/* A FILE writing into memory (open_memstream); aborts when out of memory,
 * as rb_malloc does. */
static FILE *mem_open(char **buf, size_t *len)
{
    FILE *f = open_memstream(buf, len);
    if (!f) {
        fprintf(stderr, "regbench: out of memory\n");
        abort();
    }
    return f;
}

/* The header every file starts with: what it is, the command that made
 * it, and how to apply it. */
static void put_header(FILE *f, const k8s_opts *o, int argc, char **argv)
{
    fprintf(f, "# regbench k8s: scenario %s as %ld shard%s, run ID %s (docs/scale-out.md).\n", o->key, o->shards,
            o->shards == 1 ? "" : "s", o->run_id);
    fputs("# Rendered by regbench " REGBENCH_VERSION " with: regbench", f);
    for (int i = 0; i < argc; i++) {
        fputc(' ', f);
        put_comment_arg(f, argv[i]);
    }
    fprintf(f, "\n# Needs PersistentVolumeClaim %s (ReadWriteMany) and, for a registry that asks for\n"
               "# credentials, Secret %s (keys username, password). Apply all of it; Job %s-merge\n"
               "# is suspended: start it once Job %s has completed:\n",
            o->pvc, o->secret, o->name, o->name);
    fprintf(f, "#   kubectl wait --for=condition=complete --timeout=2h job/%s\n", o->name);
    fprintf(f, "#   kubectl patch job/%s-merge --type=merge -p '{\"spec\":{\"suspend\":false}}'\n", o->name);
}

/* An object's metadata (name NAME+suffix, namespace, labels), or with
 * ind > 0 a pod template's (labels only), indented by ind. */
static void put_metadata(FILE *f, const k8s_opts *o, const char *suffix, const char *component, int ind)
{
    fprintf(f, "%*smetadata:\n", ind, "");
    if (ind == 0) {
        char *name = rb_asprintf("%s%s", o->name, suffix);
        fputs("  name: ", f);
        put_quoted(f, name, 0);
        fputc('\n', f);
        free(name);
        if (o->ns) {
            fputs("  namespace: ", f);
            put_quoted(f, o->ns, 0);
            fputc('\n', f);
        }
    }
    fprintf(f, "%*s  labels:\n%*s    app.kubernetes.io/name: regbench\n%*s    app.kubernetes.io/instance: ", ind, "",
            ind, "", ind, "");
    put_quoted(f, o->name, 0);
    fprintf(f, "\n%*s    app.kubernetes.io/component: %s\n", ind, "", component);
}

/* "- <quoted>" as one line of a sequence indented by ind. */
static void put_item(FILE *f, int ind, const char *s, int dollars)
{
    fprintf(f, "%*s- ", ind, "");
    put_quoted(f, s, dollars);
    fputc('\n', f);
}

/* The ConfigMap holding the scenario file under its key. */
static void put_configmap(FILE *f, const k8s_opts *o)
{
    fputs("apiVersion: v1\nkind: ConfigMap\n", f);
    put_metadata(f, o, "-scenario", "scenario", 0);
    fputs("data:\n  ", f);
    put_quoted(f, o->key, 0);
    fputs(": ", f);
    if (literal_ok(o->text, o->text_len)) {
        put_literal(f, o->text, o->text_len, 4, 2);
    } else {
        put_quoted_n(f, o->text, o->text_len, 0);
        fputc('\n', f);
    }
}

/* The start of a pod's spec, the same for shards and the merge: restart
 * policy, security (a non-root user, read-only root, no capabilities), the
 * container's name, image and command ("regbench"), up to "args:"; the
 * caller writes the arguments, indented by 8, then put_pod_tail. */
static void put_pod_head(FILE *f, const k8s_opts *o, const char *container)
{
    fputs("      restartPolicy: Never\n"
          "      securityContext:\n"
          "        runAsNonRoot: true\n", f);
    fprintf(f, "        runAsUser: %d\n        runAsGroup: %d\n        fsGroup: %d\n", K8S_UID, K8S_UID, K8S_UID);
    fprintf(f, "      containers:\n      - name: %s\n        image: ", container);
    put_quoted(f, o->image, 0);
    fputs("\n        imagePullPolicy: IfNotPresent\n"
          "        securityContext:\n"
          "          allowPrivilegeEscalation: false\n"
          "          readOnlyRootFilesystem: true\n"
          "          capabilities:\n"
          "            drop: [\"ALL\"]\n"
          "        command: [\"regbench\"]\n"
          "        args:\n", f);
}

/* The volumes and mounts after the args: results (the claim), /tmp (an
 * emptyDir), and for a shard the scenario (the ConfigMap) and the
 * credentials' env. */
static void put_pod_tail(FILE *f, const k8s_opts *o, int shard)
{
    if (shard) {
        fputs("        env:\n", f);
        static const char *const env[2][2] = {{"REGBENCH_USERNAME", "username"}, {"REGBENCH_PASSWORD", "password"}};
        for (int i = 0; i < 2; i++) {
            fprintf(f, "        - name: %s\n          valueFrom:\n            secretKeyRef:\n              name: ",
                    env[i][0]);
            put_quoted(f, o->secret, 0);
            fprintf(f, "\n              key: %s\n              optional: true\n", env[i][1]);
        }
        fputs("        resources:\n"
              "          requests:\n"
              "            cpu: \"1\"\n"
              "            memory: 256Mi\n", f);
    }
    fputs("        volumeMounts:\n", f);
    if (shard) fputs("        - name: scenario\n          mountPath: /scenario\n          readOnly: true\n", f);
    fputs("        - name: results\n          mountPath: /results\n"
          "        - name: tmp\n          mountPath: /tmp\n"
          "      volumes:\n", f);
    if (shard) {
        fputs("      - name: scenario\n        configMap:\n          name: ", f);
        char *cm = rb_asprintf("%s-scenario", o->name);
        put_quoted(f, cm, 0);
        free(cm);
        fputc('\n', f);
    }
    fputs("      - name: results\n        persistentVolumeClaim:\n          claimName: ", f);
    put_quoted(f, o->pvc, 0);
    fputs("\n      - name: tmp\n        emptyDir: {}\n", f);
}

/* A Job's start, up to "spec:": its kind, metadata (NAME+suffix) and the
 * run ID as an annotation. */
static void put_job_head(FILE *f, const k8s_opts *o, const char *suffix, const char *component)
{
    fputs("apiVersion: batch/v1\nkind: Job\n", f);
    put_metadata(f, o, suffix, component, 0);
    fputs("  annotations:\n    regbench/run-id: ", f);
    put_quoted(f, o->run_id, 0);
    fputs("\nspec:\n", f);
}

/* The Indexed Job: pod I runs shard I of N into /results/RUN_ID/shard-I. */
static void put_job(FILE *f, const k8s_opts *o)
{
    put_job_head(f, o, "", "shards");
    fprintf(f, "  completionMode: Indexed\n"
               "  completions: %ld\n"
               "  parallelism: %ld\n"
               "  backoffLimit: 0\n"
               "  template:\n",
            o->shards, o->shards);
    put_metadata(f, o, "", "shard", 4);
    fputs("    spec:\n"
          "      affinity:\n"
          "        podAntiAffinity:\n"
          "          preferredDuringSchedulingIgnoredDuringExecution:\n"
          "          - weight: 100\n"
          "            podAffinityTerm:\n"
          "              topologyKey: kubernetes.io/hostname\n"
          "              labelSelector:\n"
          "                matchLabels:\n"
          "                  app.kubernetes.io/instance: ", f);
    put_quoted(f, o->name, 0);
    fputs("\n                  app.kubernetes.io/component: shard\n", f);
    put_pod_head(f, o, "shard");
    char *scenario = rb_asprintf("/scenario/%s", o->key);
    char *shard = rb_asprintf("$(JOB_COMPLETION_INDEX)/%ld", o->shards);
    char *out = rb_asprintf("/results/%s/shard-$(JOB_COMPLETION_INDEX)", o->run_id);
    put_item(f, 8, "run", 0);
    put_item(f, 8, scenario, 0);
    put_item(f, 8, "--shard", 0);
    put_item(f, 8, shard, 0);           /* $(JOB_COMPLETION_INDEX) expands: not escaped */
    put_item(f, 8, "--target", 0);
    put_item(f, 8, o->target, 1);
    put_item(f, 8, "--run-id", 0);
    put_item(f, 8, o->run_id, 0);
    put_item(f, 8, "--out", 0);
    put_item(f, 8, out, 0);
    put_item(f, 8, "--barrier-timeout", 0);
    put_item(f, 8, o->barrier, 1);
    put_item(f, 8, "--cache", 0);       /* no digest cache: a shard writes nothing outside /results */
    put_item(f, 8, "", 0);
    put_item(f, 8, "--quiet", 0);
    if (o->insecure) put_item(f, 8, "--insecure", 0);
    for (size_t i = 0; i < o->n_sets; i++) {
        put_item(f, 8, "--set", 0);
        put_item(f, 8, o->sets[i], 1);
    }
    free(scenario);
    free(shard);
    free(out);
    put_pod_tail(f, o, 1);
}

/* The merge Job, suspended: merges /results/RUN_ID/shard-0 .. shard-(N-1)
 * into /results/RUN_ID/merged. The shard directories are listed, not
 * globbed (the pod runs no shell), so a missing one is named by merge. */
static void put_merge_job(FILE *f, const k8s_opts *o)
{
    put_job_head(f, o, "-merge", "merge");
    fputs("  suspend: true\n"
          "  completions: 1\n"
          "  parallelism: 1\n"
          "  backoffLimit: 0\n"
          "  template:\n", f);
    put_metadata(f, o, "-merge", "merge", 4);
    fputs("    spec:\n", f);
    put_pod_head(f, o, "merge");
    put_item(f, 8, "merge", 0);
    for (long i = 0; i < o->shards; i++) {
        char *dir = rb_asprintf("/results/%s/shard-%ld", o->run_id, i);
        put_item(f, 8, dir, 0);
        free(dir);
    }
    char *out = rb_asprintf("/results/%s/merged", o->run_id);
    put_item(f, 8, "--out", 0);
    put_item(f, 8, out, 0);
    free(out);
    for (size_t i = 0; i < o->n_thresholds; i++) {
        put_item(f, 8, "--threshold", 0);
        put_item(f, 8, o->thresholds[i], 1);
    }
    if (o->allow_partial) put_item(f, 8, "--allow-partial", 0);
    put_pod_tail(f, o, 0);
}

/* Renders one file (header, then the documents parts[] names: 'c'
 * ConfigMap, 'j' Job, 'm' merge Job, separated by "---") into a new
 * string. */
static char *render(const k8s_opts *o, const char *parts, int argc, char **argv)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = mem_open(&buf, &len);
    put_header(f, o, argc, argv);
    for (const char *p = parts; *p; p++) {
        fputs("---\n", f);
        if (*p == 'c') put_configmap(f, o);
        else if (*p == 'j') put_job(f, o);
        else put_merge_job(f, o);
    }
    fclose(f);
    return buf;
}

int rb_cmd_k8s(int argc, char **argv)
{
    k8s_opts o = {.name = "regbench", .image = "regbench:" REGBENCH_VERSION, .secret = "regbench-credentials",
                  .pvc = "regbench-results", .barrier = "10m"};
    int rc = parse(argc, argv, &o);
    if (rc >= 0) goto out;
    rc = RB_EXIT_OK;
    if (!o.out_dir) {
        char *all = render(&o, "cjm", argc, argv);
        fputs(all, stdout);
        free(all);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "regbench k8s: cannot write the manifests to standard output: %s\n", strerror(errno));
            rc = RB_EXIT_SCRIPT;
        }
        goto out;
    }
    if (rb_mkdir_p(o.out_dir) != 0) {
        rc = bad("cannot create --out %s: %s", o.out_dir, strerror(errno));
        goto out;
    }
    static const struct { const char *file, *parts; } files[] = {
        {"configmap.yaml", "c"}, {"job.yaml", "j"}, {"merge-job.yaml", "m"}};
    for (size_t i = 0; i < 3 && rc == RB_EXIT_OK; i++) {
        char err[RB_ERRLEN];
        char *path = rb_asprintf("%s/%s", o.out_dir, files[i].file);
        char *text = render(&o, files[i].parts, argc, argv);
        if (rb_write_text_atomic(path, text, err, sizeof err) < 0) {
            fprintf(stderr, "regbench k8s: %s\n", err);
            rc = RB_EXIT_SCRIPT;
        }
        free(text);
        free(path);
    }
    if (rc == RB_EXIT_OK)
        fprintf(stderr, "regbench k8s: wrote configmap.yaml, job.yaml, merge-job.yaml in %s/ (kubectl apply -f %s/)\n",
                o.out_dir, o.out_dir);
out:
    free(o.sets);
    free(o.thresholds);
    free(o.text);
    return rc;
}
