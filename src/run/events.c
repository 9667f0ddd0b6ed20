/* events: the append-only event log of a run (see rb_events.h). Lines are
 * written whole with one fwrite, flushed and fsync'd, so a crash leaves at
 * most a torn last line, which the rebuild ignores. */
#include "run/rb_events.h"
#include "util/rb_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct rb_events {
    FILE *f;
};

rb_events *rb_events_open(const char *dir, char *err, size_t errlen)
{
    char *path = rb_asprintf("%s/events.jsonl", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        rb_err(err, errlen, "cannot write %s: %s", path, strerror(errno));
        free(path);
        return NULL;
    }
    free(path);
    rb_events *e = rb_calloc(1, sizeof *e);
    e->f = f;
    return e;
}

void rb_events_write(rb_events *e, const char *type, json_t *obj)
{
    if (!e) { json_decref(obj); return; }
    json_t *line = json_object();
    json_object_set_new(line, "event", json_string(type));
    json_object_update(line, obj);
    json_decref(obj);
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(line);
    if (!text) return;
    size_t n = strlen(text);
    text[n] = '\n';   /* json_dumps leaves room for the NUL we overwrite; write n+1 bytes */
    fwrite(text, 1, n + 1, e->f);
    free(text);
    fflush(e->f);
    fsync(fileno(e->f));
}

void rb_events_alive(rb_events *e, double t_s)
{
    if (!e) return;
    fprintf(e->f, "{\"event\":\"alive\",\"t_s\":%.3f}\n", t_s);
    fflush(e->f);
}

void rb_events_close(rb_events *e)
{
    if (!e) return;
    fclose(e->f);
    free(e);
}

json_t *rb_events_rebuild(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        rb_err(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    json_t *doc = NULL, *phases = json_array();
    int ended = 0, lineno = 0;
    double alive_s = 0;           /* the latest time the run was seen alive */
    char running[128] = "";       /* the phase begun and not yet logged as finished */
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        json_error_t je;
        json_t *ev = json_loadb(line, (size_t)len, 0, &je);
        if (!ev) continue;   /* a torn last line after a crash */
        char type_buf[16] = "";
        const char *t = json_string_value(json_object_get(ev, "event"));
        if (t) snprintf(type_buf, sizeof type_buf, "%s", t);
        const char *type = type_buf[0] ? type_buf : NULL;
        json_object_del(ev, "event");
        if (type && strcmp(type, "start") == 0 && !doc) {
            doc = json_incref(ev);
        } else if (type && strcmp(type, "phase") == 0) {
            json_t *p = json_object_get(ev, "phase");
            if (p) json_array_append(phases, p);
            running[0] = '\0';
        } else if (type && strcmp(type, "phase_start") == 0) {
            const char *name = json_string_value(json_object_get(ev, "name"));
            snprintf(running, sizeof running, "%s", name ? name : "?");
            double at = json_number_value(json_object_get(ev, "start_s"));
            if (at > alive_s) alive_s = at;
        } else if (type && strcmp(type, "alive") == 0) {
            double at = json_number_value(json_object_get(ev, "t_s"));
            if (at > alive_s) alive_s = at;
        } else if (type && strcmp(type, "end") == 0 && doc) {
            json_object_update(doc, ev);
            ended = 1;
        }
        json_decref(ev);
    }
    free(line);
    fclose(f);
    if (!doc) {
        json_decref(phases);
        rb_err(err, errlen, "%s:%d: no start record: not a regbench event log", path, lineno);
        return NULL;
    }
    json_object_set_new(doc, "phases", phases);
    if (!ended) {
        /* the run lasted at least until its last phase ended, or it was last seen alive */
        double until = alive_s;
        size_t i;
        json_t *p;
        json_array_foreach(phases, i, p) {
            double end = json_number_value(json_object_get(p, "start_s")) + json_number_value(json_object_get(p, "duration_s"));
            if (end > until) until = end;
        }
        json_object_set_new(doc, "run_duration_s", json_real(until));
        json_object_set_new(doc, "status", json_string("killed"));
        json_object_set_new(doc, "exit_code", json_integer(-1));
        char *why = running[0] ? rb_asprintf("regbench stopped before the run ended (killed?) during phase \"%s\", "
                                             "which is lost; the phases that finished are kept", running)
                               : rb_strdup("regbench stopped before the run ended (killed?); "
                                           "the phases that finished are kept");
        json_object_set_new(doc, "error", json_string(why));
        free(why);
    }
    if (!json_object_get(doc, "metrics")) json_object_set_new(doc, "metrics", json_object());
    json_object_set_new(doc, "rebuilt_from", json_string(path));
    return doc;
}
