/*
 * protocol.h — protocol v1 on the coordinator's side (docs/protocol.md is the contract):
 * splitting a worker's byte stream into lines with a size limit, parsing each line into an
 * event (jansson), and encoding commands.  Pure functions, no I/O: the coordinator feeds
 * bytes in and writes what comes out, so everything here is unit-tested directly.
 */
#ifndef FL_PROTOCOL_H
#define FL_PROTOCOL_H

#include <stddef.h>

#include "core/util.h"
#include "forkless/forkless.h"

#define FL_PROTOCOL_MAX_LINE (1024 * 1024)

typedef enum fl_event_type {
    FL_EV_HELLO,
    FL_EV_TEST,
    FL_EV_LISTED,
    FL_EV_START,
    FL_EV_RESULT,
    FL_EV_DONE,
    FL_EV_ERROR,
} fl_event_type;

typedef struct fl_event {
    fl_event_type type;
    long long protocol;      /* hello */
    const char *worker;      /* hello, may be NULL */
    const char *capture;     /* hello: the worker's capture file, may be NULL */
    const char *id;          /* test, start, result */
    const char *group;       /* test */
    const char *file;        /* test, may be NULL */
    long long line;          /* test, 0 when absent */
    long long phase;         /* test: groups of lower phase are dealt first (0 when absent) */
    fl_status status;        /* result */
    double duration;         /* result, seconds (>= 0) */
    const char *message;     /* result, error; may be NULL */
    const char *details;     /* result, may be NULL */
    const char *output;      /* result: output the worker captured itself, may be NULL */
    long long count;         /* listed */
    long long batch;         /* done */
    void *json;              /* owns the strings above (a json_t) */
    char *owned;             /* or this owns the id (start and result read without jansson) */
} fl_event;

/* Parses one line (without its newline).  On a malformed line returns FL_ERR_PROTOCOL with
 * err saying what is wrong (not quoting the line: the caller does, truncated). */
int fl_event_parse(const char *line, size_t len, fl_event *ev, fl_error *err);
void fl_event_free(fl_event *ev);

/* Line splitting: append bytes, then take complete lines. */
typedef struct fl_lines {
    fl_bytes buf;
    size_t start;   /* first byte not yet returned */
} fl_lines;

void fl_lines_feed(fl_lines *l, const void *data, size_t n);
/* 1 and *line and *len set (NUL-terminated in place) when a line is complete; 0 when more
 * bytes are needed; FL_ERR_PROTOCOL when a line exceeds FL_PROTOCOL_MAX_LINE. */
int fl_lines_next(fl_lines *l, char **line, size_t *len);
/* Bytes received but not yet a complete line (for error messages). */
size_t fl_lines_pending(const fl_lines *l);
void fl_lines_free(fl_lines *l);

/* Commands, appended to out with their newline. */
void fl_cmd_list(fl_bytes *out);
void fl_cmd_shutdown(fl_bytes *out);
void fl_cmd_run_begin(fl_bytes *out, long long batch);
void fl_cmd_run_add(fl_bytes *out, const char *id, int first);
void fl_cmd_run_end(fl_bytes *out);

/* Appends s as a JSON string literal (quotes included). */
void fl_json_quote(fl_bytes *out, const char *s);
/* Copies up to max bytes of text for quoting in a message, replacing control bytes, and
 * adds "..." when cut. */
void fl_quote_excerpt(char *dst, size_t dst_size, const char *text, size_t len, size_t max);

#endif
