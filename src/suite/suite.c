/* suite: loads a suite file (docs/suite-format.md) into the structs of
 * rb_suite.h and expands it into runs. Loading has two steps. First libyaml's
 * event parser builds a small node tree of our own, so that nesting depth and
 * the size after alias expansion are capped while parsing (a "billion laughs"
 * document fails early instead of exploding), and every node keeps its
 * 1-based line and column. Then a schema walk checks keys, types and values
 * and fills rb_suite; every message is "FILE:LINE:COL: what is wrong; what is
 * accepted". Scalars are kept as their text (YAML's number and bool typing is
 * ignored), so "level: 06" stays "06". */
#include "suite/rb_suite.h"
#include "measure/rb_stat.h"
#include "util/rb_util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define MAX_ITEMS 1000      /* registries, scenarios, thresholds, params, values per axis */
#define MAX_AXES 32         /* matrix axes per scenario */

/* ---- node tree ---------------------------------------------------------- */

enum { YN_SCALAR, YN_SEQ, YN_MAP };

typedef struct ynode {
    int type;
    int line, col;            /* 1-based */
    int is_null;              /* plain "", "~", "null" */
    char *str;                /* scalar text */
    struct ynode **items;     /* sequence items; mapping: key, value, key, value... */
    size_t n, cap;
    size_t weight;            /* nodes once aliases are expanded (saturates) */
    int owner;                /* 0: an alias's copy, sharing str and items */
    char *anchor;             /* anchor to register when the node completes */
} ynode;

typedef struct {
    ynode **all;              /* every node, for freeing */
    size_t n_all, cap_all;
    struct { char *name; ynode *node; } *anchors;
    size_t n_anchors, cap_anchors;
} ytree;

typedef struct {
    const char *name;         /* the file, for messages */
    char *dir;                /* absolute directory relative paths resolve against */
    char *err;
    size_t errlen;
} lctx;

static int verrat(lctx *c, int line, int col, const char *fmt, va_list ap)
{
    if (!c->err || c->errlen == 0) return -1;
    int k = snprintf(c->err, c->errlen, "%s:%d:%d: ", c->name, line, col);
    if (k >= 0 && (size_t)k < c->errlen)
        vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
    return -1;
}

static int errpos(lctx *c, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int errpos(lctx *c, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verrat(c, line, col, fmt, ap);
    va_end(ap);
    return -1;
}

static int errat(lctx *c, const ynode *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int errat(lctx *c, const ynode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verrat(c, n ? n->line : 1, n ? n->col : 1, fmt, ap);
    va_end(ap);
    return -1;
}

static void ytree_free(ytree *t)
{
    for (size_t i = 0; i < t->n_all; i++) {
        ynode *n = t->all[i];
        if (n->owner) {
            free(n->str);
            free(n->items);
        }
        free(n->anchor);
        free(n);
    }
    free(t->all);
    for (size_t i = 0; i < t->n_anchors; i++) free(t->anchors[i].name);
    free(t->anchors);
    memset(t, 0, sizeof *t);
}

static ynode *ynew(ytree *t, int type, yaml_mark_t m)
{
    ynode *n = rb_calloc(1, sizeof *n);
    n->type = type;
    n->line = (int)m.line + 1;
    n->col = (int)m.column + 1;
    n->owner = 1;
    n->weight = 1;
    if (t->n_all == t->cap_all) {
        t->cap_all = t->cap_all ? t->cap_all * 2 : 64;
        t->all = rb_realloc(t->all, t->cap_all * sizeof *t->all);
    }
    t->all[t->n_all++] = n;
    return n;
}

static size_t sat_add(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* Adds child to parent (or makes it the root). */
static int yattach(lctx *c, ynode **stack, size_t depth, ynode **root, ynode *child)
{
    if (depth == 0) {
        *root = child;
        return 0;
    }
    ynode *p = stack[depth - 1];
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->items = rb_realloc(p->items, p->cap * sizeof *p->items);
    }
    p->items[p->n++] = child;
    p->weight = sat_add(p->weight, child->weight);
    /* the root's weight bounds every walk; each open collection includes
     * its children, so checking the outermost one is enough */
    size_t total = stack[0]->weight;
    for (size_t i = 1; i < depth; i++) total = sat_add(total, stack[i]->weight);
    if (total > RB_SUITE_MAX_NODES || p->weight > RB_SUITE_MAX_NODES)
        return errat(c, child, "document too large: more than %d nodes, counting each alias as a copy "
                     "of its anchor (so aliases that multiply, as in a \"billion laughs\" document, "
                     "are refused)",
                     RB_SUITE_MAX_NODES);
    return 0;
}

static void yregister_anchor(ytree *t, ynode *n)
{
    if (!n->anchor) return;
    if (t->n_anchors == t->cap_anchors) {
        t->cap_anchors = t->cap_anchors ? t->cap_anchors * 2 : 8;
        t->anchors = rb_realloc(t->anchors, t->cap_anchors * sizeof *t->anchors);
    }
    t->anchors[t->n_anchors].name = n->anchor;
    t->anchors[t->n_anchors].node = n;
    t->n_anchors++;
    n->anchor = NULL;
}

static int is_null_scalar(const char *s, size_t len, yaml_scalar_style_t style)
{
    if (style != YAML_PLAIN_SCALAR_STYLE) return 0;
    return len == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* Parses data into a tree; *root is NULL for a stream without a document. */
static int yload(lctx *c, const char *data, size_t len, ytree *t, ynode **root)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    ynode *stack[RB_SUITE_MAX_DEPTH];
    size_t depth = 0;
    int docs = 0, rc = -1, done = 0;

    *root = NULL;
    if (!yaml_parser_initialize(&parser))
        return errpos(c, 1, 1, "cannot initialise the YAML parser");
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    while (!done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            yaml_mark_t m = parser.problem_mark;
            char where[64] = "";
            if (parser.context)
                snprintf(where, sizeof where, " (started at %d:%d)", (int)parser.context_mark.line + 1,
                         (int)parser.context_mark.column + 1);
            errpos(c, (int)m.line + 1, (int)m.column + 1, "YAML syntax error: %s%s%s%s",
                   parser.problem ? parser.problem : "unknown problem",
                   parser.context ? " " : "", parser.context ? parser.context : "", where);
            goto out;
        }
        ynode *n = NULL;
        int fail = 0;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                errpos(c, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
                       "a suite file holds one YAML document; found a second one");
                fail = 1;
            }
            break;
        case YAML_SCALAR_EVENT: {
            const char *v = (const char *)ev.data.scalar.value;
            size_t vl = ev.data.scalar.length;
            n = ynew(t, YN_SCALAR, ev.start_mark);
            if (memchr(v, 0, vl)) {
                fail = errat(c, n, "a scalar contains a NUL byte");
                break;
            }
            n->str = rb_strdup(v);
            n->is_null = is_null_scalar(v, vl, ev.data.scalar.style);
            if (ev.data.scalar.anchor) n->anchor = rb_strdup((const char *)ev.data.scalar.anchor);
            if (yattach(c, stack, depth, root, n) < 0) fail = 1;
            else yregister_anchor(t, n);
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            int seq = ev.type == YAML_SEQUENCE_START_EVENT;
            n = ynew(t, seq ? YN_SEQ : YN_MAP, ev.start_mark);
            const yaml_char_t *a = seq ? ev.data.sequence_start.anchor : ev.data.mapping_start.anchor;
            if (a) n->anchor = rb_strdup((const char *)a);
            if (depth == RB_SUITE_MAX_DEPTH) {
                fail = errat(c, n, "nesting deeper than %d levels", RB_SUITE_MAX_DEPTH);
                break;
            }
            stack[depth++] = n;
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            ynode *done_node = stack[--depth];
            if (yattach(c, stack, depth, root, done_node) < 0) fail = 1;
            else yregister_anchor(t, done_node);
            break;
        }
        case YAML_ALIAS_EVENT: {
            const char *name = (const char *)ev.data.alias.anchor;
            ynode *target = NULL;
            for (size_t i = t->n_anchors; i-- > 0;)
                if (strcmp(t->anchors[i].name, name) == 0) { target = t->anchors[i].node; break; }
            if (!target) {
                fail = errpos(c, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
                              "alias '*%s' names no anchor defined before it (an alias cannot "
                              "refer to a node that contains it)", name);
                break;
            }
            n = ynew(t, target->type, ev.start_mark);
            n->owner = 0;
            n->is_null = target->is_null;
            n->str = target->str;
            n->items = target->items;
            n->n = target->n;
            n->weight = target->weight;
            if (yattach(c, stack, depth, root, n) < 0) fail = 1;
            break;
        }
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (fail) goto out;
        if (t->n_all > RB_SUITE_MAX_NODES) {
            errat(c, n, "document too large: more than %d nodes", RB_SUITE_MAX_NODES);
            goto out;
        }
    }
    rc = 0;
out:
    yaml_parser_delete(&parser);
    if (rc < 0) *root = NULL;
    return rc;
}

/* ---- schema helpers ----------------------------------------------------- */

static const char *tname(const ynode *n)
{
    if (!n) return "nothing";
    if (n->type == YN_SEQ) return "a sequence";
    if (n->type == YN_MAP) return "a mapping";
    return n->is_null ? "empty (null)" : "a scalar";
}

static ynode *map_get(const ynode *m, const char *key)
{
    for (size_t i = 0; i + 1 < m->n; i += 2)
        if (m->items[i]->type == YN_SCALAR && strcmp(m->items[i]->str, key) == 0)
            return m->items[i + 1];
    return NULL;
}

static void join_words(const char *const *words, char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; words[i]; i++) {
        int w = snprintf(buf + k, len - k, "%s%s", i ? ", " : "", words[i]);
        if (w < 0 || (size_t)w >= len - k) break;
        k += (size_t)w;
    }
}

/* Every key a scalar, known and present once. */
static int check_keys(lctx *c, const ynode *m, const char *what, const char *const *accepted)
{
    char list[512];
    for (size_t i = 0; i + 1 < m->n; i += 2) {
        const ynode *k = m->items[i];
        if (k->type != YN_SCALAR || k->is_null)
            return errat(c, k, "keys of %s must be scalars, not %s", what, tname(k));
        int known = 0;
        for (size_t j = 0; accepted && accepted[j]; j++)
            if (strcmp(accepted[j], k->str) == 0) { known = 1; break; }
        if (accepted && !known) {
            join_words(accepted, list, sizeof list);
            return errat(c, k, "unknown key '%s' in %s; accepted: %s", k->str, what, list);
        }
        for (size_t j = 0; j < i; j += 2)
            if (m->items[j]->type == YN_SCALAR && strcmp(m->items[j]->str, k->str) == 0)
                return errat(c, k, "duplicate key '%s' in %s (first at line %d)", k->str, what,
                             m->items[j]->line);
    }
    return 0;
}

static int want_type(lctx *c, const ynode *n, int type, const char *what)
{
    if (n->type == type && !(type == YN_SCALAR && n->is_null)) return 0;
    const char *want = type == YN_MAP ? "a mapping" : type == YN_SEQ ? "a sequence" : "a scalar";
    return errat(c, n, "%s must be %s, not %s", what, want, tname(n));
}

static int get_str(lctx *c, const ynode *n, const char *key, char **out)
{
    if (n->type != YN_SCALAR)
        return errat(c, n, "'%s' must be a scalar, not %s", key, tname(n));
    if (n->is_null)
        return errat(c, n, "'%s' has no value", key);
    free(*out);
    *out = rb_strdup(n->str);
    return 0;
}

static int get_long(lctx *c, const ynode *n, const char *key, long lo, long hi, long *out)
{
    if (n->type != YN_SCALAR || n->is_null)
        return errat(c, n, "'%s' must be an integer %ld..%ld, not %s", key, lo, hi, tname(n));
    const char *s = n->str;
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    int digits = 0;
    while (isdigit((unsigned char)*p)) { p++; digits++; }
    errno = 0;
    long v = digits && !*p ? strtol(s, NULL, 10) : 0;
    if (!digits || *p || errno || v < lo || v > hi)
        return errat(c, n, "'%s' must be an integer %ld..%ld, not '%s'", key, lo, hi, s);
    *out = v;
    return 0;
}

/* procs: an integer 1..1024, or auto (-1). */
static int get_procs(lctx *c, const ynode *n, int *out)
{
    if (n->type == YN_SCALAR && !n->is_null && strcmp(n->str, "auto") == 0) {
        *out = -1;
        return 0;
    }
    if (n->type != YN_SCALAR || n->is_null)
        return errat(c, n, "'procs' must be an integer 1..1024 or auto, not %s", tname(n));
    long l;
    const char *p = n->str;
    char *end;
    errno = 0;
    l = strtol(p, &end, 10);
    if (!*p || *end || errno || l < 1 || l > 1024)
        return errat(c, n, "'procs' must be an integer 1..1024 or auto, not '%s'", n->str);
    *out = (int)l;
    return 0;
}

static int get_bool(lctx *c, const ynode *n, const char *key, int *out)
{
    if (n->type == YN_SCALAR && !n->is_null) {
        if (!strcasecmp(n->str, "true") || !strcasecmp(n->str, "yes")) { *out = 1; return 0; }
        if (!strcasecmp(n->str, "false") || !strcasecmp(n->str, "no")) { *out = 0; return 0; }
    }
    return errat(c, n, "'%s' must be true, false, yes or no, not %s%s%s", key,
                 n->type == YN_SCALAR && !n->is_null ? "'" : "",
                 n->type == YN_SCALAR && !n->is_null ? n->str : tname(n),
                 n->type == YN_SCALAR && !n->is_null ? "'" : "");
}

static int valid_name(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-') return 0;
    return 1;
}

static int valid_ident(const char *s)
{
    if (!isalpha((unsigned char)*s) && *s != '_') return 0;
    for (s++; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-') return 0;
    return 1;
}

static int get_name(lctx *c, const ynode *n, const char *what, char **out)
{
    if (get_str(c, n, "name", out) < 0) return -1;
    if (!valid_name(*out))
        return errat(c, n, "%s name '%s' is not valid; use letters, digits, '_', '.' and '-'", what, *out);
    return 0;
}

static char *join_path(const char *dir, const char *p)
{
    if (p[0] == '/') return rb_strdup(p);
    return rb_asprintf("%s/%s", dir, p);
}

/* Resolves a path against the suite directory; it must be a readable file. */
static int get_file(lctx *c, const ynode *n, const char *key, char **out)
{
    char *raw = NULL;
    if (get_str(c, n, key, &raw) < 0) return -1;
    char *joined = join_path(c->dir, raw);
    char *real = realpath(joined, NULL);
    struct stat st;
    int rc = 0;
    if (!real)
        rc = errat(c, n, "%s '%s' (%s): %s", key, raw, joined, strerror(errno));
    else if (stat(real, &st) < 0 || !S_ISREG(st.st_mode))
        rc = errat(c, n, "%s '%s' (%s) is not a regular file", key, raw, real);
    else if (access(real, R_OK) < 0)
        rc = errat(c, n, "%s '%s' (%s) is not readable: %s", key, raw, real, strerror(errno));
    if (rc == 0) {
        free(*out);
        *out = real;
        real = NULL;
    }
    free(real);
    free(joined);
    free(raw);
    return rc;
}

/* ---- registries --------------------------------------------------------- */

static const char *const registry_keys[] = {
    "name", "kind", "storage", "port", "htpasswd", "url", "username", "password_env",
    "insecure", "registry_pid", "pull_through", "ca_file", "retries", "http_client", "user_agent", "conformance",
    "command", "config_template", "ready_url", "ready_timeout", "env", "version_command", NULL,
};

/* Keys of kind command only. */
static const char *const command_keys[] = {
    "command", "config_template", "ready_url", "ready_timeout", "env", "version_command", NULL,
};

/* A template scalar: its text, every {placeholder} known, {config} only with a
 * config template. */
static int get_template(lctx *c, const ynode *n, const char *key, int has_config, char **out)
{
    if (get_str(c, n, key, out) < 0) return -1;
    int line, col;
    char why[RB_ERRLEN];
    if (rb_launch_template_check(*out, &line, &col, why, sizeof why) < 0)
        return errpos(c, n->line + line - 1, line == 1 ? n->col + col - 1 : col, "%s: %s", key, why);
    if (!has_config && strstr(*out, "{config}"))
        return errat(c, n, "%s uses {config} but the registry has no 'config_template'", key);
    return 0;
}

/* A non-empty sequence of template scalars into a NULL-terminated array. */
static int get_template_list(lctx *c, const ynode *n, const char *key, int has_config, char ***out)
{
    char what[64];
    snprintf(what, sizeof what, "'%s' (a list: program and arguments)", key);
    if (want_type(c, n, YN_SEQ, what) < 0) return -1;
    if (n->n == 0) return errat(c, n, "'%s' is empty; give the program and its arguments", key);
    if (n->n > MAX_ITEMS) return errat(c, n, "'%s' has more than %d items", key, MAX_ITEMS);
    *out = rb_calloc(n->n + 1, sizeof **out);
    for (size_t i = 0; i < n->n; i++)
        if (get_template(c, n->items[i], key, has_config, &(*out)[i]) < 0) return -1;
    return 0;
}

/* The program of a command list: placeholders make no sense there; a path
 * with '/' resolves against the suite directory, a name against PATH. */
static int resolve_program(lctx *c, const ynode *n, const char *key, char **prog)
{
    if (strchr(*prog, '{'))
        return errat(c, n, "the program of '%s' cannot hold placeholders ('%s')", key, *prog);
    char *cand = strchr(*prog, '/') ? join_path(c->dir, *prog) : rb_strdup(*prog);
    char why[RB_ERRLEN];
    char *found = rb_launch_find_program(cand, why, sizeof why);
    free(cand);
    if (!found) return errat(c, n, "%s: %s", key, why);
    free(*prog);
    *prog = found;
    return 0;
}

/* Reads the config template (at most 1 MB) and checks its placeholders;
 * errors name the template's own line and column. */
static int check_config_template(lctx *c, const ynode *n, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return errat(c, n, "config_template %s: %s", path, strerror(errno));
    size_t cap = 1u << 20;
    char *buf = rb_malloc(cap + 1);
    size_t len = fread(buf, 1, cap + 1, f);
    int bad = ferror(f);
    fclose(f);
    int rc = 0;
    if (bad) rc = errat(c, n, "config_template %s: read error", path);
    else if (len > cap) rc = errat(c, n, "config_template %s is larger than 1 MB", path);
    if (rc == 0) {
        buf[len] = 0;
        int line, col;
        char why[RB_ERRLEN];
        if (strlen(buf) != len) rc = errat(c, n, "config_template %s holds a NUL byte", path);
        else if (rb_launch_template_check(buf, &line, &col, why, sizeof why) < 0) {
            if (c->err && c->errlen) snprintf(c->err, c->errlen, "%s:%d:%d: %s (config_template of the registry at %s:%d:%d)",
                                              path, line, col, why, c->name, n->line, n->col);
            rc = -1;
        }
    }
    free(buf);
    return rc;
}

/* The keys of kind command (command required). */
static int parse_command_registry(lctx *c, const ynode *m, rb_suite_registry *r)
{
    const ynode *v;
    if (!(v = map_get(m, "command")))
        return errat(c, m, "registry '%s' of kind command has no 'command' (required: a list, program and "
                     "arguments, e.g. [registry, serve, \"{config}\"])", r->name);
    const ynode *t = map_get(m, "config_template");
    if (t) {
        if (get_file(c, t, "config_template", &r->config_template) < 0) return -1;
        if (check_config_template(c, t, r->config_template) < 0) return -1;
    }
    int has_config = r->config_template != NULL;
    if (get_template_list(c, v, "command", has_config, &r->command) < 0) return -1;
    if (resolve_program(c, v->items[0], "command", &r->command[0]) < 0) return -1;
    if ((v = map_get(m, "version_command"))) {
        if (get_template_list(c, v, "version_command", has_config, &r->version_command) < 0) return -1;
        if (resolve_program(c, v->items[0], "version_command", &r->version_command[0]) < 0) return -1;
    }
    if ((v = map_get(m, "ready_url"))) {
        if (get_template(c, v, "ready_url", has_config, &r->ready_url) < 0) return -1;
        const char *u = r->ready_url;
        if (u[0] != '/' && strncmp(u, "http://127.0.0.1", 16) != 0 && strncmp(u, "http://localhost", 16) != 0 &&
            strncmp(u, "http://{host}", 13) != 0 && strncmp(u, "http://[::1]", 12) != 0)
            return errat(c, v, "ready_url '%s' must be a path (/v2/) or a plain-HTTP loopback URL "
                         "(http://{host}:{port}/v2/)", u);
    }
    if ((v = map_get(m, "ready_timeout"))) {
        char *d = NULL;
        char why[RB_ERRLEN];
        if (get_str(c, v, "ready_timeout", &d) < 0) return -1;
        int bad = rb_parse_duration(d, &r->ready_timeout_s, why, sizeof why) < 0 || r->ready_timeout_s <= 0 ||
                  r->ready_timeout_s > 3600;
        if (bad) errat(c, v, "ready_timeout '%s' is not a duration between 1ms and 1h (e.g. 30s)", d);
        free(d);
        if (bad) return -1;
    }
    if ((v = map_get(m, "env"))) {
        if (want_type(c, v, YN_MAP, "'env' (a mapping of NAME: value)") < 0) return -1;
        if (check_keys(c, v, "env", NULL) < 0) return -1;
        r->env = rb_calloc(v->n / 2 + 1, sizeof *r->env);
        for (size_t i = 0; i + 1 < v->n; i += 2) {
            const ynode *k = v->items[i];
            const char *p = k->str;
            int ok = isalpha((unsigned char)*p) || *p == '_';
            for (; ok && *p; p++) ok = isalnum((unsigned char)*p) || *p == '_';
            if (!ok) return errat(c, k, "env name '%s' is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)", k->str);
            char *val = NULL;
            if (v->items[i + 1]->is_null) val = rb_strdup("");
            else if (get_template(c, v->items[i + 1], k->str, has_config, &val) < 0) return -1;
            r->env[i / 2] = rb_asprintf("%s=%s", k->str, val);
            free(val);
        }
    }
    return 0;
}

static int parse_registry(lctx *c, const ynode *m, rb_suite *s, size_t idx)
{
    rb_suite_registry *r = &s->registries[idx];
    r->line = m->line;
    if (want_type(c, m, YN_MAP, "each entry of 'registries'") < 0) return -1;
    if (check_keys(c, m, "registry", registry_keys) < 0) return -1;
    const ynode *v;
    if (!(v = map_get(m, "name")))
        return errat(c, m, "registry without 'name' (required)");
    if (get_name(c, v, "registry", &r->name) < 0) return -1;
    for (size_t i = 0; i < idx; i++)
        if (strcmp(s->registries[i].name, r->name) == 0)
            return errat(c, v, "duplicate registry name '%s' (first at line %d)", r->name,
                         s->registries[i].line);
    if (!(v = map_get(m, "kind")))
        return errat(c, m, "registry '%s' has no 'kind' (required: crane, distribution, distribution3, crane-referrers, command or external)", r->name);
    char *kind = NULL;
    if (get_str(c, v, "kind", &kind) < 0) return -1;
    int bad = 0;
    if (strcmp(kind, "external") == 0) r->external = 1;
    else if (rb_launch_parse_kind(kind, &r->kind) < 0) bad = 1;
    if (bad) errat(c, v, "kind '%s' is not valid; accepted: crane, distribution, distribution3, crane-referrers, command (or generic), external", kind);
    free(kind);
    if (bad) return -1;

    if ((v = map_get(m, "storage"))) {
        char *st = NULL;
        if (get_str(c, v, "storage", &st) < 0) return -1;
        bad = rb_launch_parse_storage(st, &r->storage) < 0;
        if (bad) errat(c, v, "storage '%s' is not valid; accepted: memory, disk", st);
        free(st);
        if (bad) return -1;
    }

    /* which options go together: one check for suites and command lines */
    static const char *const names[RB_LOPT__COUNT] = {"kind external", "kind", "'storage'", "'port'", "'disk'",
                                                        "'htpasswd'", "'pull_through'", "'registry_pid'"};
    static const char *const keys[RB_LOPT__COUNT] = {NULL, NULL, "storage", "port", NULL, "htpasswd",
                                                       "pull_through", "registry_pid"};
    rb_launch_choice ch = {.kind = r->kind, .storage = r->storage};
    ch.given[RB_LOPT_TARGET] = r->external;
    ch.given[RB_LOPT_KIND] = !r->external;
    for (int o = 0; o < RB_LOPT__COUNT; o++)
        if (keys[o] && map_get(m, keys[o])) ch.given[o] = 1;
    rb_launch_opt wrong;
    char why[RB_ERRLEN];
    if (rb_launch_check(&ch, names, &wrong, why, sizeof why) < 0)
        return errat(c, keys[wrong] ? map_get(m, keys[wrong]) : m, "registry '%s': %s", r->name, why);
    if (!r->external && (v = map_get(m, "url")))
        return errat(c, v, "'url' applies to kind external only; registry '%s' is launched", r->name);
    if (r->external || r->kind != RB_REG_COMMAND)
        for (size_t i = 0; command_keys[i]; i++)
            if ((v = map_get(m, command_keys[i])))
                return errat(c, v, "'%s' applies to kind command only; registry '%s' is %s", command_keys[i], r->name,
                             r->external ? "external" : rb_launch_kind_name(r->kind));
    if (!r->external && r->kind == RB_REG_COMMAND && parse_command_registry(c, m, r) < 0) return -1;

    long l;
    if ((v = map_get(m, "port"))) {
        if (get_long(c, v, "port", 0, 65535, &l) < 0) return -1;
        r->port = (int)l;
    }
    if ((v = map_get(m, "htpasswd")) && get_file(c, v, "htpasswd", &r->htpasswd) < 0) return -1;
    if ((v = map_get(m, "pull_through")) && get_bool(c, v, "pull_through", &r->pull_through) < 0) return -1;
    if ((v = map_get(m, "url"))) {
        if (get_str(c, v, "url", &r->url) < 0) return -1;
        const char *rest = NULL;
        if (strncmp(r->url, "http://", 7) == 0) rest = r->url + 7;
        else if (strncmp(r->url, "https://", 8) == 0) rest = r->url + 8;
        if (!rest || !*rest || *rest == '/' || strpbrk(r->url, " \t\r\n"))
            return errat(c, v, "url '%s' is not valid; expected http://HOST[:PORT] or https://HOST[:PORT]", r->url);
    } else if (r->external) {
        return errat(c, m, "external registry '%s' has no 'url' (required for kind external)", r->name);
    }
    if ((v = map_get(m, "username")) && get_str(c, v, "username", &r->username) < 0) return -1;
    if ((v = map_get(m, "password_env"))) {
        if (get_str(c, v, "password_env", &r->password_env) < 0) return -1;
        const char *p = r->password_env;
        int ok = isalpha((unsigned char)*p) || *p == '_';
        for (; ok && *p; p++) ok = isalnum((unsigned char)*p) || *p == '_';
        if (!ok)
            return errat(c, v, "password_env '%s' is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*); "
                         "it names the variable holding the password, not the password", r->password_env);
    }
    if ((v = map_get(m, "insecure")) && get_bool(c, v, "insecure", &r->insecure) < 0) return -1;
    if ((v = map_get(m, "conformance"))) {
        int on = 0;
        if (get_bool(c, v, "conformance", &on) < 0) return -1;
        r->conformance = on ? 1 : -1;
    }
    if ((v = map_get(m, "ca_file")) && get_file(c, v, "ca_file", &r->ca_file) < 0) return -1;
    if ((v = map_get(m, "http_client"))) {
        char *hc = NULL;
        if (get_str(c, v, "http_client", &hc) < 0) return -1;
        bad = rb_http_parse_engine(hc, &r->http_client) < 0;
        if (bad) errat(c, v, "http_client '%s' is not valid; accepted: auto, libcurl", hc);
        free(hc);
        if (bad) return -1;
    }
    if ((v = map_get(m, "user_agent"))) {
        if (get_str(c, v, "user_agent", &r->user_agent) < 0) return -1;
        char uerr[160];
        if (rb_http_check_user_agent(r->user_agent, uerr, sizeof uerr) < 0)
            return errat(c, v, "user_agent: %s", uerr);
    }
    if ((v = map_get(m, "retries"))) {
        if (get_long(c, v, "retries", 0, 100, &l) < 0) return -1;
        r->retries = (int)l;
    }
    if ((v = map_get(m, "registry_pid"))) {
        if (get_long(c, v, "registry_pid", 0, INT_MAX, &l) < 0) return -1;
        r->registry_pid = l;
    }
    return 0;
}

/* ---- scenarios ---------------------------------------------------------- */

static const char *const scenario_keys[] = {
    "name", "file", "params", "matrix", "repetitions", "procs", "registries", NULL,
};

static int parse_params(lctx *c, const ynode *m, rb_suite_scenario *sc)
{
    if (m->type == YN_SCALAR && m->is_null) return 0;
    if (want_type(c, m, YN_MAP, "'params'") < 0) return -1;
    if (m->n / 2 > MAX_ITEMS) return errat(c, m, "more than %d params", MAX_ITEMS);
    if (check_keys(c, m, "params", NULL) < 0) return -1;
    sc->params = rb_calloc(m->n / 2, sizeof *sc->params);
    for (size_t i = 0; i + 1 < m->n; i += 2) {
        const ynode *k = m->items[i], *v = m->items[i + 1];
        if (!valid_ident(k->str))
            return errat(c, k, "parameter name '%s' is not valid; expected [A-Za-z_][A-Za-z0-9_.-]*", k->str);
        if (v->type != YN_SCALAR || v->is_null)
            return errat(c, v, "parameter '%s' must have a scalar value, not %s", k->str, tname(v));
        sc->params[sc->n_params].key = rb_strdup(k->str);
        sc->params[sc->n_params].value = rb_strdup(v->str);
        sc->params[sc->n_params].line = v->line;
        sc->params[sc->n_params].col = v->col;
        sc->n_params++;
    }
    return 0;
}

static int parse_matrix(lctx *c, const ynode *m, rb_suite_scenario *sc)
{
    if (m->type == YN_SCALAR && m->is_null) return 0;
    if (want_type(c, m, YN_MAP, "'matrix'") < 0) return -1;
    if (m->n / 2 > MAX_AXES) return errat(c, m, "more than %d matrix axes", MAX_AXES);
    if (check_keys(c, m, "matrix", NULL) < 0) return -1;
    sc->matrix = rb_calloc(m->n / 2, sizeof *sc->matrix);
    size_t combos = 1;
    for (size_t i = 0; i + 1 < m->n; i += 2) {
        const ynode *k = m->items[i], *v = m->items[i + 1];
        if (!valid_ident(k->str))
            return errat(c, k, "parameter name '%s' is not valid; expected [A-Za-z_][A-Za-z0-9_.-]*", k->str);
        for (size_t j = 0; j < sc->n_params; j++)
            if (strcmp(sc->params[j].key, k->str) == 0)
                return errat(c, k, "'%s' is both in params and in matrix", k->str);
        if (v->type != YN_SEQ)
            return errat(c, v, "matrix axis '%s' must be a sequence of values (e.g. [1, 10]), not %s",
                         k->str, tname(v));
        if (v->n == 0)
            return errat(c, v, "matrix axis '%s' is empty; give at least one value", k->str);
        if (v->n > MAX_ITEMS)
            return errat(c, v, "matrix axis '%s' has more than %d values", k->str, MAX_ITEMS);
        rb_matrix_axis *ax = &sc->matrix[sc->n_matrix++];
        ax->key = rb_strdup(k->str);
        ax->line = k->line;
        ax->col = k->col;
        ax->values = rb_calloc(v->n, sizeof *ax->values);
        ax->lines = rb_calloc(v->n, sizeof *ax->lines);
        ax->cols = rb_calloc(v->n, sizeof *ax->cols);
        for (size_t j = 0; j < v->n; j++) {
            const ynode *e = v->items[j];
            if (e->type != YN_SCALAR || e->is_null)
                return errat(c, e, "values of matrix axis '%s' must be scalars, not %s", k->str, tname(e));
            for (size_t q = 0; q < ax->n_values; q++)
                if (strcmp(ax->values[q], e->str) == 0)
                    return errat(c, e, "value '%s' appears twice in matrix axis '%s'", e->str, k->str);
            ax->lines[ax->n_values] = e->line;
            ax->cols[ax->n_values] = e->col;
            ax->values[ax->n_values++] = rb_strdup(e->str);
        }
        combos *= v->n;
        if (combos > RB_SUITE_MAX_COMBOS)
            return errat(c, v, "matrix of scenario '%s' has more than %d combinations", sc->name,
                         RB_SUITE_MAX_COMBOS);
    }
    return 0;
}

static int parse_scenario(lctx *c, const ynode *m, rb_suite *s, size_t idx)
{
    rb_suite_scenario *sc = &s->scenarios[idx];
    sc->line = m->line;
    if (want_type(c, m, YN_MAP, "each entry of 'scenarios'") < 0) return -1;
    if (check_keys(c, m, "scenario", scenario_keys) < 0) return -1;
    const ynode *v;
    if (!(v = map_get(m, "name")))
        return errat(c, m, "scenario without 'name' (required)");
    if (get_name(c, v, "scenario", &sc->name) < 0) return -1;
    for (size_t i = 0; i < idx; i++)
        if (strcmp(s->scenarios[i].name, sc->name) == 0)
            return errat(c, v, "duplicate scenario name '%s' (first at line %d)", sc->name, s->scenarios[i].line);
    if (!(v = map_get(m, "file")))
        return errat(c, m, "scenario '%s' has no 'file' (required: the Lua scenario, relative to the suite file)",
                     sc->name);
    if (get_file(c, v, "file", &sc->file) < 0) return -1;
    if ((v = map_get(m, "params")) && parse_params(c, v, sc) < 0) return -1;
    if ((v = map_get(m, "matrix")) && parse_matrix(c, v, sc) < 0) return -1;
    long l;
    if ((v = map_get(m, "repetitions"))) {
        if (get_long(c, v, "repetitions", 1, 1000, &l) < 0) return -1;
        sc->repetitions = (int)l;
    }
    if ((v = map_get(m, "procs")) && get_procs(c, v, &sc->procs) < 0) return -1;
    if ((v = map_get(m, "registries"))) {
        if (want_type(c, v, YN_SEQ, "'registries' of a scenario (names, e.g. [crane-memory])") < 0) return -1;
        if (v->n == 0)
            return errat(c, v, "'registries' is empty; omit it to run on every registry");
        if (v->n > MAX_ITEMS) return errat(c, v, "more than %d registries", MAX_ITEMS);
        sc->registries = rb_calloc(v->n, sizeof *sc->registries);
        for (size_t i = 0; i < v->n; i++) {
            const ynode *e = v->items[i];
            if (e->type != YN_SCALAR || e->is_null)
                return errat(c, e, "registry names must be scalars, not %s", tname(e));
            int found = 0;
            for (size_t j = 0; j < s->n_registries && !found; j++)
                found = s->registries[j].name && strcmp(s->registries[j].name, e->str) == 0;
            if (!found) {
                char list[400];
                size_t k = 0;
                list[0] = 0;
                for (size_t j = 0; j < s->n_registries && k < sizeof list; j++) {
                    int w = snprintf(list + k, sizeof list - k, "%s%s", j ? ", " : "", s->registries[j].name);
                    if (w < 0) break;
                    k += (size_t)w;
                }
                return errat(c, e, "scenario '%s' names unknown registry '%s'; defined: %s", sc->name, e->str, list);
            }
            for (size_t j = 0; j < sc->n_registries; j++)
                if (strcmp(sc->registries[j], e->str) == 0)
                    return errat(c, e, "registry '%s' listed twice", e->str);
            sc->registries[sc->n_registries++] = rb_strdup(e->str);
        }
    }
    return 0;
}

/* ---- thresholds --------------------------------------------------------- */

static const char *const threshold_keys[] = {"expr", "scenario", "registry", "phase", NULL};

static int parse_threshold(lctx *c, const ynode *n, rb_suite *s, rb_threshold *t)
{
    const ynode *e = n, *v;
    if (n->type == YN_MAP) {
        if (check_keys(c, n, "threshold", threshold_keys) < 0) return -1;
        if (!(e = map_get(n, "expr")))
            return errat(c, n, "threshold mapping without 'expr' (required, e.g. expr: \"push.p95 < 500ms\")");
    }
    if (e->type != YN_SCALAR || e->is_null)
        return errat(c, e, "a threshold must be an expression such as \"errors == 0\" or a mapping "
                     "with expr, scenario, registry, phase; not %s", tname(e));
    char perr[RB_ERRLEN];
    if (rb_threshold_parse(e->str, t, perr, sizeof perr) < 0)
        return errat(c, e, "bad threshold: %s", perr);
    t->line = n->line;
    if (n->type != YN_MAP) return 0;
    if ((v = map_get(n, "scenario"))) {
        if (get_str(c, v, "scenario", &t->scenario) < 0) return -1;
        int found = 0;
        for (size_t i = 0; i < s->n_scenarios && !found; i++) found = strcmp(s->scenarios[i].name, t->scenario) == 0;
        if (!found) return errat(c, v, "threshold names unknown scenario '%s'", t->scenario);
    }
    if ((v = map_get(n, "registry"))) {
        if (get_str(c, v, "registry", &t->registry) < 0) return -1;
        int found = 0;
        for (size_t i = 0; i < s->n_registries && !found; i++) found = strcmp(s->registries[i].name, t->registry) == 0;
        if (!found) return errat(c, v, "threshold names unknown registry '%s'", t->registry);
    }
    if ((v = map_get(n, "phase")) && get_str(c, v, "phase", &t->phase) < 0) return -1;
    return 0;
}

/* ---- the suite ---------------------------------------------------------- */

static const char *const top_keys[] = {
    "name", "description", "repetitions", "procs", "registries", "scenarios", "thresholds",
    "output", "baseline", "max_change", "compare_threshold", "compare_strict", "conformance", "keep_storage", NULL,
};

/* max_change (or its older name compare_threshold): a percentage. */
static int parse_max_change(lctx *c, const ynode *v, const char *key, double *out)
{
    if (v->type == YN_SCALAR && !v->is_null) {
        char *s = rb_strdup(v->str);
        size_t l = strlen(s);
        if (l && s[l - 1] == '%') s[--l] = 0;
        double d;
        int ok = rb_parse_decimal(s, &d) == 0 && d >= 0 && d <= 1000;
        free(s);
        if (ok) { *out = d; return 0; }
    }
    return errat(c, v, "%s must be a percentage 0..1000 such as 5%% or 5, not %s%s%s", key,
                 v->type == YN_SCALAR && !v->is_null ? "'" : "",
                 v->type == YN_SCALAR && !v->is_null ? v->str : tname(v),
                 v->type == YN_SCALAR && !v->is_null ? "'" : "");
}

static int parse_suite(lctx *c, const ynode *root, rb_suite *s)
{
    char list[256];
    join_words(top_keys, list, sizeof list);
    if (root->type != YN_MAP)
        return errat(c, root, "a suite must be a mapping with keys %s; found %s", list, tname(root));
    if (check_keys(c, root, "suite", top_keys) < 0) return -1;
    static const char *const required[] = {"name", "registries", "scenarios"};
    for (size_t i = 0; i < 3; i++)
        if (!map_get(root, required[i]))
            return errat(c, root, "missing required key '%s' in suite (required: name, registries, scenarios)",
                         required[i]);
    const ynode *v;
    if (get_str(c, map_get(root, "name"), "name", &s->name) < 0) return -1;
    if ((v = map_get(root, "description")) && !(v->type == YN_SCALAR && v->is_null) &&
        get_str(c, v, "description", &s->description) < 0)
        return -1;
    long l;
    if ((v = map_get(root, "repetitions"))) {
        if (get_long(c, v, "repetitions", 1, 1000, &l) < 0) return -1;
        s->repetitions = (int)l;
    }
    if ((v = map_get(root, "procs")) && get_procs(c, v, &s->procs) < 0) return -1;

    v = map_get(root, "registries");
    if (want_type(c, v, YN_SEQ, "'registries' (a list of registry configurations, each with name and kind)") < 0)
        return -1;
    if (v->n == 0) return errat(c, v, "'registries' is empty; define at least one registry");
    if (v->n > MAX_ITEMS) return errat(c, v, "more than %d registries", MAX_ITEMS);
    s->registries = rb_calloc(v->n, sizeof *s->registries);
    for (size_t i = 0; i < v->n; i++) {
        s->n_registries = i + 1;
        if (parse_registry(c, v->items[i], s, i) < 0) return -1;
    }

    v = map_get(root, "scenarios");
    if (want_type(c, v, YN_SEQ, "'scenarios' (a list of scenarios, each with name and file)") < 0) return -1;
    if (v->n == 0) return errat(c, v, "'scenarios' is empty; define at least one scenario");
    if (v->n > MAX_ITEMS) return errat(c, v, "more than %d scenarios", MAX_ITEMS);
    s->scenarios = rb_calloc(v->n, sizeof *s->scenarios);
    for (size_t i = 0; i < v->n; i++) {
        s->n_scenarios = i + 1;
        if (parse_scenario(c, v->items[i], s, i) < 0) return -1;
    }

    if ((v = map_get(root, "thresholds")) && !(v->type == YN_SCALAR && v->is_null)) {
        if (want_type(c, v, YN_SEQ, "'thresholds' (a list of expressions)") < 0) return -1;
        if (v->n > MAX_ITEMS) return errat(c, v, "more than %d thresholds", MAX_ITEMS);
        s->thresholds = rb_calloc(v->n ? v->n : 1, sizeof *s->thresholds);
        for (size_t i = 0; i < v->n; i++) {
            s->n_thresholds = i + 1;
            if (parse_threshold(c, v->items[i], s, &s->thresholds[i]) < 0) return -1;
        }
    }

    if ((v = map_get(root, "output")) && !(v->type == YN_SCALAR && v->is_null)) {
        static const char *const output_keys[] = {"dir", NULL};
        if (want_type(c, v, YN_MAP, "'output'") < 0) return -1;
        if (check_keys(c, v, "output", output_keys) < 0) return -1;
        const ynode *d = map_get(v, "dir");
        if (d && get_str(c, d, "dir", &s->out_dir) < 0) return -1;
    }
    if ((v = map_get(root, "baseline")) && !(v->type == YN_SCALAR && v->is_null)) {
        char *b = NULL;
        if (get_str(c, v, "baseline", &b) < 0) return -1;
        s->baseline = join_path(c->dir, b);
        free(b);
    }
    const ynode *mc = map_get(root, "max_change"), *ct = map_get(root, "compare_threshold");
    if (mc && ct) return errat(c, ct, "give max_change or its older name compare_threshold, not both");
    if (mc && parse_max_change(c, mc, "max_change", &s->compare_threshold_pct) < 0) return -1;
    if (ct && parse_max_change(c, ct, "compare_threshold", &s->compare_threshold_pct) < 0) return -1;
    if ((v = map_get(root, "compare_strict")) && get_bool(c, v, "compare_strict", &s->compare_strict) < 0) return -1;
    if ((v = map_get(root, "conformance")) && get_bool(c, v, "conformance", &s->conformance) < 0) return -1;
    if ((v = map_get(root, "keep_storage")) && get_bool(c, v, "keep_storage", &s->keep_storage) < 0) return -1;
    return 0;
}

/* Absolute directory of a path (or of base_dir when given). */
static char *abs_dir(const char *name, const char *base_dir)
{
    char *d;
    if (base_dir) {
        d = rb_strdup(base_dir);
    } else {
        const char *slash = strrchr(name, '/');
        if (!slash) d = rb_strdup(".");
        else if (slash == name) d = rb_strdup("/");
        else d = rb_asprintf("%.*s", (int)(slash - name), name);
    }
    char *real = realpath(d, NULL);
    if (real) {
        free(d);
        return real;
    }
    if (d[0] != '/') {
        char *cwd = getcwd(NULL, 0);
        if (cwd) {
            char *j = rb_asprintf("%s/%s", cwd, d);
            free(cwd);
            free(d);
            d = j;
        }
    }
    return d;
}

rb_suite *rb_suite_load_buffer(const char *data, size_t len, const char *name,
                               const char *base_dir, char *err, size_t errlen)
{
    if (!name) name = "(suite)";
    lctx c = {.name = name, .err = err, .errlen = errlen};
    if (err && errlen) err[0] = 0;
    if (!data) len = 0;
    if (len > RB_SUITE_MAX_BYTES) {
        errpos(&c, 1, 1, "suite file larger than %u bytes", RB_SUITE_MAX_BYTES);
        return NULL;
    }
    ytree t = {0};
    ynode *root = NULL;
    if (yload(&c, data ? data : "", len, &t, &root) < 0) {
        ytree_free(&t);
        return NULL;
    }
    if (!root) {
        ytree_free(&t);
        errpos(&c, 1, 1, "empty suite file; expected a mapping with name, registries and scenarios");
        return NULL;
    }
    c.dir = abs_dir(name, base_dir);
    rb_suite *s = rb_calloc(1, sizeof *s);
    s->path = rb_strdup(name);
    s->dir = rb_strdup(c.dir);
    s->repetitions = 1;
    s->procs = 1;
    s->compare_threshold_pct = 5;
    int rc = parse_suite(&c, root, s);
    ytree_free(&t);
    free(c.dir);
    if (rc < 0) {
        rb_suite_free(s);
        return NULL;
    }
    return s;
}

rb_suite *rb_suite_load(const char *path, char *err, size_t errlen)
{
    if (err && errlen) err[0] = 0;
    if (!path) {
        rb_err(err, errlen, "no suite file given");
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        rb_err(err, errlen, "%s: cannot open suite file: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 8192, len = 0;
    char *buf = rb_malloc(cap);
    for (;;) {
        if (len == cap) {
            if (cap > RB_SUITE_MAX_BYTES) break;
            cap *= 2;
            buf = rb_realloc(buf, cap);
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    int rerr = ferror(f);
    int saved = errno;
    fclose(f);
    if (rerr) {
        free(buf);
        rb_err(err, errlen, "%s: cannot read suite file: %s", path, strerror(saved));
        return NULL;
    }
    rb_suite *s = rb_suite_load_buffer(buf, len, path, NULL, err, errlen);
    free(buf);
    return s;
}

/* ---- scenario parameters, checked against what the scenario declares ---- */

/* "a, b, c" of the declared names, into buf. */
static void decl_names(const rb_param_decl *decl, size_t n, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && off < len; i++) {
        int w = snprintf(buf + off, len - off, "%s%s", i ? ", " : "", decl[i].name);
        if (w < 0) break;
        off += (size_t)w;
    }
}

/* The declaration of key (written at line:col), or NULL with a message. */
static const rb_param_decl *find_decl(const rb_suite *s, const rb_suite_scenario *sc, const rb_param_decl *decl,
                                      size_t n, const char *key, int line, int col, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(decl[i].name, key) == 0) return &decl[i];
    char names[1024];
    decl_names(decl, n, names, sizeof names);
    rb_err(err, errlen, "%s:%d:%d: scenario '%s' has no parameter '%s' (%s declares %s)", s->path, line, col,
           sc->name, key, sc->file, n ? names : "no parameters");
    return NULL;
}

/* Checks a value (written at line:col) against its declaration's type. */
static int check_value(const rb_suite *s, const rb_suite_scenario *sc, const rb_param_decl *d, const char *value,
                       int line, int col, char *err, size_t errlen)
{
    rb_param_value v;
    char why[RB_ERRLEN];
    if (rb_param_parse(d->type, value, &v, why, sizeof why) < 0)
        return rb_err(err, errlen, "%s:%d:%d: scenario '%s': parameter '%s': %s", s->path, line, col, sc->name,
                      d->name, why);
    return 0;
}

int rb_suite_check_params(const rb_suite *s, const rb_suite_scenario *sc, const rb_param_decl *decl, size_t n,
                          char *err, size_t errlen)
{
    for (size_t i = 0; i < sc->n_params; i++) {
        const rb_kv *kv = &sc->params[i];
        const rb_param_decl *d = find_decl(s, sc, decl, n, kv->key, kv->line, kv->col, err, errlen);
        if (!d || check_value(s, sc, d, kv->value, kv->line, kv->col, err, errlen) < 0) return -1;
    }
    for (size_t i = 0; i < sc->n_matrix; i++) {
        const rb_matrix_axis *ax = &sc->matrix[i];
        const rb_param_decl *d = find_decl(s, sc, decl, n, ax->key, ax->line, ax->col, err, errlen);
        if (!d) return -1;
        for (size_t j = 0; j < ax->n_values; j++)
            if (check_value(s, sc, d, ax->values[j], ax->lines[j], ax->cols[j], err, errlen) < 0) return -1;
    }
    return 0;
}

static void free_strv(char **v)
{
    if (!v) return;
    for (size_t i = 0; v[i]; i++) free(v[i]);
    free(v);
}

void rb_suite_free(rb_suite *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n_registries; i++) {
        rb_suite_registry *r = &s->registries[i];
        free(r->name);
        free(r->htpasswd);
        free(r->url);
        free(r->username);
        free(r->password_env);
        free(r->ca_file);
        free(r->user_agent);
        free_strv(r->command);
        free(r->config_template);
        free(r->ready_url);
        free_strv(r->env);
        free_strv(r->version_command);
    }
    free(s->registries);
    for (size_t i = 0; i < s->n_scenarios; i++) {
        rb_suite_scenario *sc = &s->scenarios[i];
        free(sc->name);
        free(sc->file);
        for (size_t j = 0; j < sc->n_params; j++) {
            free(sc->params[j].key);
            free(sc->params[j].value);
        }
        free(sc->params);
        for (size_t j = 0; j < sc->n_matrix; j++) {
            for (size_t q = 0; q < sc->matrix[j].n_values; q++) free(sc->matrix[j].values[q]);
            free(sc->matrix[j].values);
            free(sc->matrix[j].lines);
            free(sc->matrix[j].cols);
            free(sc->matrix[j].key);
        }
        free(sc->matrix);
        for (size_t j = 0; j < sc->n_registries; j++) free(sc->registries[j]);
        free(sc->registries);
    }
    free(s->scenarios);
    /* a threshold that failed to parse is left zeroed, so clearing all is safe */
    for (size_t i = 0; i < s->n_thresholds; i++) rb_threshold_clear(&s->thresholds[i]);
    free(s->thresholds);
    free(s->path);
    free(s->dir);
    free(s->name);
    free(s->description);
    free(s->out_dir);
    free(s->baseline);
    free(s);
}

/* ---- expansion ---------------------------------------------------------- */

static int runs_on(const rb_suite_scenario *sc, const rb_suite_registry *r)
{
    if (sc->n_registries == 0) return 1;
    for (size_t i = 0; i < sc->n_registries; i++)
        if (strcmp(sc->registries[i], r->name) == 0) return 1;
    return 0;
}

static size_t combinations(const rb_suite_scenario *sc)
{
    size_t n = 1;
    for (size_t i = 0; i < sc->n_matrix; i++) n *= sc->matrix[i].n_values;
    return n;
}

rb_suite_run *rb_suite_expand(const rb_suite *s, size_t *n_runs)
{
    *n_runs = 0;
    if (!s) return NULL;
    size_t total = 0;
    for (size_t r = 0; r < s->n_registries; r++)
        for (size_t k = 0; k < s->n_scenarios; k++)
            if (runs_on(&s->scenarios[k], &s->registries[r])) total += combinations(&s->scenarios[k]);
    if (total == 0) return NULL;
    rb_suite_run *runs = rb_calloc(total, sizeof *runs);
    size_t n = 0;
    for (size_t r = 0; r < s->n_registries; r++) {
        for (size_t k = 0; k < s->n_scenarios; k++) {
            const rb_suite_scenario *sc = &s->scenarios[k];
            if (!runs_on(sc, &s->registries[r])) continue;
            size_t nc = combinations(sc);
            for (size_t ci = 0; ci < nc; ci++) {
                rb_suite_run *run = &runs[n++];
                run->registry = &s->registries[r];
                run->scenario = sc;
                run->repetitions = sc->repetitions ? sc->repetitions : s->repetitions;
                run->procs = sc->procs ? sc->procs : s->procs;
                run->n_params = sc->n_params + sc->n_matrix;
                run->params = rb_calloc(run->n_params, sizeof *run->params);
                for (size_t j = 0; j < sc->n_params; j++) {
                    run->params[j].key = rb_strdup(sc->params[j].key);
                    run->params[j].value = rb_strdup(sc->params[j].value);
                }
                /* the last axis varies fastest */
                size_t rest = ci;
                for (size_t a = sc->n_matrix; a-- > 0;) {
                    const rb_matrix_axis *ax = &sc->matrix[a];
                    rb_kv *kv = &run->params[sc->n_params + a];
                    kv->key = rb_strdup(ax->key);
                    kv->value = rb_strdup(ax->values[rest % ax->n_values]);
                    rest /= ax->n_values;
                }
                size_t llen = 1;
                for (size_t a = 0; a < sc->n_matrix; a++) {
                    const rb_kv *kv = &run->params[sc->n_params + a];
                    llen += strlen(kv->key) + strlen(kv->value) + 2;
                }
                run->label = rb_malloc(llen);
                run->label[0] = 0;
                size_t off = 0;
                for (size_t a = 0; a < sc->n_matrix; a++) {
                    const rb_kv *kv = &run->params[sc->n_params + a];
                    off += (size_t)snprintf(run->label + off, llen - off, "%s%s=%s", a ? "," : "", kv->key, kv->value);
                }
            }
        }
    }
    *n_runs = n;
    return runs;
}

void rb_suite_runs_free(rb_suite_run *runs, size_t n)
{
    if (!runs) return;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < runs[i].n_params; j++) {
            free(runs[i].params[j].key);
            free(runs[i].params[j].value);
        }
        free(runs[i].params);
        free(runs[i].label);
    }
    free(runs);
}
