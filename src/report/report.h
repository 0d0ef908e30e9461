/*
 * report.h — the interface between the coordinator and its reporters (console status
 * line, JUnit XML, JSON Lines).  The coordinator owns the run; it tells every reporter
 * what happens through these callbacks, in order, from one thread.  A reporter keeps what
 * it needs; nothing passed in a callback outlives the call (copy what you keep).
 */
#ifndef FL_REPORT_H
#define FL_REPORT_H

#include <stdio.h>

#include "forkless/forkless.h"

typedef struct fl_run_info {
    const char *run_id;
    const char *command;     /* the worker command, for display */
    int workers;             /* slots */
    size_t total_tests;      /* after filtering */
    size_t total_groups;
    double started_at;       /* wall clock, seconds since the epoch */
    int ran;                 /* run_failed only: the run reached its test loop (the console
                                then prints its summary as at any end) */
} fl_run_info;

typedef struct fl_test_event {
    const char *id;
    const char *group;
    const char *file;        /* may be NULL */
    int line;                /* 0 when unknown */
    fl_status status;
    double duration;         /* seconds */
    const char *message;     /* one line, may be NULL */
    const char *details;     /* traceback etc., may be NULL */
    const char *output;      /* captured stdout+stderr of the test, may be NULL or "" */
    int slot;
    long pid;
} fl_test_event;

typedef enum fl_worker_event_kind {
    FL_WORKER_STARTED,
    FL_WORKER_EXITED,        /* ended unexpectedly (crash, protocol error, timeout kill) */
    FL_WORKER_PROTOCOL_ERROR,
    FL_RUN_NOTICE,           /* anything else worth a line: databases, interrupts */
} fl_worker_event_kind;

typedef struct fl_worker_event {
    fl_worker_event_kind kind;
    int slot;                /* 0 for run notices */
    long pid;
    const char *message;
} fl_worker_event;

typedef struct fl_reporter fl_reporter;
struct fl_reporter {
    void (*run_start)(fl_reporter *r, const fl_run_info *info);
    void (*test_start)(fl_reporter *r, const char *id, int slot);
    void (*test_done)(fl_reporter *r, const fl_test_event *ev);
    void (*worker_event)(fl_reporter *r, const fl_worker_event *ev);
    /* Called about 10 times a second while the run goes on (status line refresh). */
    void (*tick)(fl_reporter *r, double elapsed);
    void (*run_end)(fl_reporter *r, const fl_summary *summary);
    void (*destroy)(fl_reporter *r);
    /* Instead of run_end, when the run stopped on an error: a database that cannot be
     * cloned, a failed setup command, a worker that cannot start or dies before listing,
     * Ctrl-C before the list was complete — or an infrastructure error after it.  run_start
     * may never have been called: info then describes the run with 0 tests.  message is
     * the error (passwords already redacted; it may span lines); summary has the counts
     * (all 0 before the tests were listed), the wall time and the exit code.  A reporter
     * without it (NULL) gets run_end if the tests were listed, and nothing otherwise: the
     * console leaves the message to its caller (`forkless: ...` on stderr). */
    void (*run_failed)(fl_reporter *r, const fl_run_info *info, const fl_summary *summary, const char *message);
};

typedef struct fl_console_options {
    FILE *out;               /* normally stdout */
    int color;               /* -1 auto (terminal and no NO_COLOR), 0, 1 */
    int progress;            /* -1 auto (a terminal, TERM not dumb), 0, 1: live status line */
    int verbose;             /* a line for every test, not only failures */
    int no_capture;          /* output was streamed, not captured */
} fl_console_options;

/* The console: a live status line on a terminal (done/total, failures, elapsed, what is
 * running), plain lines with no control codes elsewhere; each failure printed with its
 * output when it happens and again in the summary; last line exactly
 * "forkless: N passed, N failed, N skipped". */
int fl_console_reporter_new(const fl_console_options *o, fl_reporter **out, fl_error *err);
/* JUnit XML, written when the run ends; CI servers (Jenkins, GitLab, GitHub) accept it. */
int fl_junit_reporter_new(const char *path, fl_reporter **out, fl_error *err);
/* One JSON object per line per event, flushed as it happens. */
int fl_json_reporter_new(const char *path, fl_reporter **out, fl_error *err);

#endif
