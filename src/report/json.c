/*
 * json.c — the JSON Lines reporter: one JSON object per line for every event of the run
 * (run_start, test_start, test, worker, run_end), written and flushed as it happens, so a
 * tool can follow the file while the run goes on and a crash loses nothing already said.
 * A run that stops on an error still ends the file with run_end, carrying "error" (and
 * begins it with run_start, 0 tests, when it stopped before the tests were listed).
 * Objects are built with jansson; fields whose value is unknown are left out rather than
 * written as null.  Text from tests is passed through with only invalid UTF-8 replaced by
 * U+FFFD (JSON strings must be valid Unicode).  The schema is in docs/reports.md.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/report_util.h"

typedef struct json_reporter {
    fl_reporter base; /* first: the coordinator sees only this */
    char *path;
    FILE *out;
    int failed;       /* a write failed: said once on stderr, later events are dropped */
    int started;      /* run_start was written */
    json_t *early;    /* events that came before run_start (workers starting while the
                         tests are listed): written right after it, so run_start is
                         always the first line */
} json_reporter;

/* ---- building objects -------------------------------------------------------------- */

/* Sets key to the string s (cleaned to valid UTF-8); nothing when s is NULL. */
static void set_text(json_t *obj, const char *key, const char *s)
{
    if (!s)
        return;
    fl_bytes b = {0};
    fl_text_clean(&b, s, strlen(s), FL_TEXT_UTF8);
    json_object_set_new(obj, key, json_stringn(fl_report_text(&b), b.len));
    fl_bytes_free(&b);
}

/* For optional text: an empty string says nothing and is left out like a missing one. */
static void set_optional(json_t *obj, const char *key, const char *s)
{
    if (s && *s)
        set_text(obj, key, s);
}

static void set_int(json_t *obj, const char *key, long long v)
{
    json_object_set_new(obj, key, json_integer(v));
}

static void set_real(json_t *obj, const char *key, double v)
{
    json_object_set_new(obj, key, json_real(v));
}

static json_t *new_event(const char *name)
{
    json_t *obj = json_object();
    if (obj)
        json_object_set_new(obj, "event", json_string(name));
    return obj;
}

/* Writes obj as one line, flushes, and releases it. */
static void write_line(json_reporter *j, json_t *obj)
{
    if (!j->failed) {
        int ok = json_dumpf(obj, j->out, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0 &&
                 fputc('\n', j->out) != EOF && fflush(j->out) == 0;
        if (!ok) {
            fprintf(stderr, "forkless: JSON report %s: writing failed: %s\n", j->path,
                    strerror(errno));
            j->failed = 1;
        }
    }
    json_decref(obj);
}

/* Writes obj now, or keeps it for after run_start. */
static void emit(json_reporter *j, json_t *obj)
{
    if (!obj)
        return;
    if (j->started) {
        write_line(j, obj);
        return;
    }
    if (!j->early)
        j->early = json_array();
    if (j->early)
        json_array_append_new(j->early, obj); /* takes obj, even when it fails */
    else
        json_decref(obj);
}

/* Writes the events kept for after run_start; from now on events are written at once. */
static void flush_early(json_reporter *j)
{
    j->started = 1;
    if (!j->early)
        return;
    size_t i;
    json_t *e;
    json_array_foreach(j->early, i, e) {
        write_line(j, json_incref(e));
    }
    json_decref(j->early);
    j->early = NULL;
}

/* ---- the callbacks --------------------------------------------------------------------- */

/* The run_start object; tests and groups are 0 for a run that stopped before listing. */
static json_t *run_start_event(const fl_run_info *info)
{
    json_t *o = new_event("run_start");
    if (!o)
        return NULL;
    set_text(o, "run_id", info->run_id);
    set_text(o, "command", info->command);
    set_int(o, "workers", info->workers);
    set_int(o, "tests", (long long)info->total_tests);
    set_int(o, "groups", (long long)info->total_groups);
    set_real(o, "time", info->started_at);
    set_text(o, "version", FORKLESS_VERSION);
    return o;
}

static void json_run_start(fl_reporter *r, const fl_run_info *info)
{
    json_t *o = run_start_event(info);
    if (!o)
        return;
    json_reporter *j = (json_reporter *)r;
    j->started = 1;
    write_line(j, o);
    flush_early(j);
}

static void json_test_start(fl_reporter *r, const char *id, int slot)
{
    json_t *o = new_event("test_start");
    if (!o)
        return;
    set_text(o, "id", id);
    set_int(o, "slot", slot);
    emit((json_reporter *)r, o);
}

static void json_test_done(fl_reporter *r, const fl_test_event *ev)
{
    json_t *o = new_event("test");
    if (!o)
        return;
    const char *status = fl_status_name(ev->status);
    set_text(o, "id", ev->id);
    set_text(o, "group", ev->group);
    set_optional(o, "file", ev->file);
    if (ev->line > 0)
        set_int(o, "line", ev->line);
    set_text(o, "status", status ? status : "not_run");
    set_real(o, "duration", ev->duration);
    set_optional(o, "message", ev->message);
    set_optional(o, "details", ev->details);
    set_optional(o, "output", ev->output);
    set_int(o, "slot", ev->slot);
    if (ev->pid > 0)
        set_int(o, "pid", ev->pid);
    emit((json_reporter *)r, o);
}

static const char *kind_name(fl_worker_event_kind kind)
{
    switch (kind) {
    case FL_WORKER_STARTED: return "started";
    case FL_WORKER_EXITED: return "exited";
    case FL_WORKER_PROTOCOL_ERROR: return "protocol_error";
    case FL_RUN_NOTICE: return "notice";
    }
    return "notice";
}

static void json_worker_event(fl_reporter *r, const fl_worker_event *ev)
{
    json_t *o = new_event("worker");
    if (!o)
        return;
    set_text(o, "kind", kind_name(ev->kind));
    set_int(o, "slot", ev->slot);
    if (ev->pid > 0)
        set_int(o, "pid", ev->pid);
    set_optional(o, "message", ev->message);
    emit((json_reporter *)r, o);
}

static void json_tick(fl_reporter *r, double elapsed) { (void)r, (void)elapsed; }

/* The run_end object, with "error" last when the run stopped on one (error != NULL). */
static json_t *run_end_event(const fl_summary *s, const char *error)
{
    json_t *o = new_event("run_end");
    json_t *counts = json_object();
    if (!o || !counts) {
        json_decref(o);
        json_decref(counts);
        return NULL;
    }
    set_int(o, "total", (long long)s->total);
    set_int(o, "passed", (long long)s->passed);
    set_int(o, "failed", (long long)s->failed);
    set_int(o, "skipped", (long long)s->skipped);
    set_int(o, "not_run", (long long)s->not_run);
    for (int st = FL_STATUS_NONE + 1; st < FL_STATUS_COUNT; st++)
        set_int(counts, fl_status_name((fl_status)st), (long long)s->counts[st]);
    json_object_set_new(o, "counts", counts);
    set_real(o, "wall", s->wall_seconds);
    json_object_set_new(o, "interrupted", json_boolean(s->interrupted));
    set_int(o, "exit_code", s->exit_code);
    if (error)
        set_text(o, "error", *error ? error : "(no message)");
    return o;
}

static void json_run_end(fl_reporter *r, const fl_summary *s)
{
    json_t *o = run_end_event(s, NULL);
    if (!o)
        return;
    json_reporter *j = (json_reporter *)r;
    flush_early(j);
    write_line(j, o);
}

/* The run stopped on an error: a run_start first if none was written (the file then
 * still reads run_start .. run_end), the events kept until now, then run_end with it. */
static void json_run_failed(fl_reporter *r, const fl_run_info *info, const fl_summary *s, const char *message)
{
    json_reporter *j = (json_reporter *)r;
    if (!j->started) {
        json_t *start = run_start_event(info);
        if (start)
            write_line(j, start);
    }
    flush_early(j);
    json_t *o = run_end_event(s, message ? message : "");
    if (o)
        write_line(j, o);
}

static void json_destroy(fl_reporter *r)
{
    json_reporter *j = (json_reporter *)r;
    if (!j)
        return;
    flush_early(j); /* a run that never started: keep what was said anyway */
    if (j->out && fclose(j->out) != 0 && !j->failed)
        fprintf(stderr, "forkless: JSON report %s: closing failed: %s\n", j->path, strerror(errno));
    free(j->path);
    free(j);
}

int fl_json_reporter_new(const char *path, fl_reporter **out, fl_error *err)
{
    json_reporter *j = calloc(1, sizeof *j);
    if (!j)
        return fl_error_set(err, FL_ERR_NOMEM, "JSON report %s: out of memory", path);
    j->base = (fl_reporter){json_run_start, json_test_start, json_test_done, json_worker_event,
                            json_tick, json_run_end, json_destroy, json_run_failed};
    j->path = strdup(path);
    if (!j->path) {
        free(j);
        return fl_error_set(err, FL_ERR_NOMEM, "JSON report %s: out of memory", path);
    }
    j->out = fopen(path, "wb"); /* "b": the same bytes (LF) on every OS */
    if (!j->out) {
        int e = errno;
        json_destroy(&j->base);
        return fl_error_set(err, FL_ERR_IO, "JSON report %s: cannot create it: %s", path,
                            strerror(e));
    }
    *out = &j->base;
    return FL_OK;
}
