/* rb_events: the run's event log, DIR/events.jsonl: one JSON object per
 * line, appended and flushed to disk as the run goes — "start" (the run's
 * header: tool, scenario, registry, params), "phase_start" (name, index,
 * start_s) when a phase begins, one "phase" per finished phase (the same
 * object as in results.json), "alive" (t_s: seconds since the run started)
 * about every second, and "end" (status, exit code, error, custom metrics). Even when regbench is killed with SIGKILL, the finished
 * phases are on disk; rb_events_rebuild turns a log back into a results
 * document (`regbench report` uses it). */
#ifndef RB_EVENTS_H
#define RB_EVENTS_H

#include <jansson.h>
#include <stddef.h>

typedef struct rb_events rb_events;

/* Opens (truncating) DIR/events.jsonl. NULL + err on failure. */
rb_events *rb_events_open(const char *dir, char *err, size_t errlen);
/* Appends {"event": type, ...fields of obj} as one line, then fflush+fsync.
 * Takes the reference to obj. NULL e is fine (does nothing). */
void rb_events_write(rb_events *e, const char *type, json_t *obj);
/* Appends {"event":"alive","t_s":T}, flushed but not fsync'd (it survives a
 * killed process, not a crashed machine). NULL e is fine. */
void rb_events_alive(rb_events *e, double t_s);
/* Closes the log (NULL ok). */
void rb_events_close(rb_events *e);
/* Rebuilds a run-level results document from an event log (new reference):
 * the start header, every phase logged, and the end record; without an end
 * record the status is "killed", the duration reaches the last "alive" line,
 * and the error names the phase that was still running. NULL + "PATH:LINE: why" on errors. */
json_t *rb_events_rebuild(const char *path, char *err, size_t errlen);

#endif
