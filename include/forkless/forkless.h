/*
 * forkless.h — the public API of libforkless: the runner (options, a run, its summary)
 * and, through forkless/db.h, the database layer that gives every worker its own clone.
 *
 * Conventions used everywhere in the library:
 *  - functions return 0 (FL_OK) on success or a negative fl_code on failure, and fill
 *    an fl_error whose message names what failed (a file, a worker, a database URL with
 *    its password redacted);
 *  - the library never calls exit() and never prints a password;
 *  - strings are UTF-8; objects are created by fl_X_new/init and released by fl_X_free.
 */
#ifndef FORKLESS_FORKLESS_H
#define FORKLESS_FORKLESS_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FORKLESS_VERSION "0.1.0"
#define FORKLESS_PROTOCOL_VERSION 1

/* ---- errors ------------------------------------------------------------------------ */

typedef enum fl_code {
    FL_OK = 0,
    FL_ERR_USAGE = -1,       /* bad option, URL or configuration      → exit 2 */
    FL_ERR_SPAWN = -2,       /* a process could not be started        → exit 3 */
    FL_ERR_DB = -3,          /* a database operation failed            → exit 3 */
    FL_ERR_IO = -4,          /* a file or pipe operation failed        → exit 3 */
    FL_ERR_PROTOCOL = -5,    /* a worker broke the protocol            → exit 3 */
    FL_ERR_NOMEM = -6,       /* out of memory                          → exit 3 */
    FL_ERR_INTERRUPTED = -7, /* Ctrl-C / SIGTERM                       → exit 130 */
    FL_ERR_UNSUPPORTED = -8, /* engine or method not built in          → exit 2 */
} fl_code;

/* Exit codes of the command and of a test binary. */
enum {
    FL_EXIT_PASSED = 0,
    FL_EXIT_FAILED = 1,
    FL_EXIT_USAGE = 2,
    FL_EXIT_INFRA = 3,
    FL_EXIT_INTERRUPTED = 130,
};

typedef struct fl_error {
    int code;        /* an fl_code */
    char msg[1024];  /* what failed, for a person; never contains a password */
} fl_error;

/* Sets err (if not NULL) and returns code, so that `return fl_error_set(err, ...)` works. */
int fl_error_set(fl_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Prefixes the existing message with context: "cloning default: <old message>". */
int fl_error_prefix(fl_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void fl_error_clear(fl_error *err);
/* The process exit code that a failure of this code should produce. */
int fl_exit_code_for(int code);
const char *fl_code_name(int code);

/* ---- test outcomes ----------------------------------------------------------------- */

typedef enum fl_status {
    FL_STATUS_NONE = 0, /* not run (filtered out, fail-fast, interrupted) */
    FL_STATUS_PASS,
    FL_STATUS_FAIL,
    FL_STATUS_ERROR,
    FL_STATUS_SKIP,
    FL_STATUS_XFAIL,
    FL_STATUS_XPASS,
    FL_STATUS_CRASH,
    FL_STATUS_TIMEOUT,
    FL_STATUS_COUNT
} fl_status;

/* "pass", "fail", ... as used by the protocol and the JSON report; NULL for NONE. */
const char *fl_status_name(fl_status s);
/* Parses a protocol status; returns FL_STATUS_NONE for an unknown word. */
fl_status fl_status_parse(const char *word);
/* True for statuses that count as failed in the summary: fail, error, xpass, crash, timeout. */
int fl_status_is_failure(fl_status s);

/* ---- database specifications (the layer itself is in forkless/db.h) --------------- */

typedef struct fl_db_spec {
    char *alias;  /* "default", "other": becomes FORKLESS_DB_<ALIAS> */
    char *url;    /* template URL; may hold a password: print it only redacted */
    char *method; /* clone method, NULL = engine default */
} fl_db_spec;

/* ---- options ----------------------------------------------------------------------- */

typedef struct fl_options {
    int jobs;              /* workers; 0 = auto (one per CPU) */
    double timeout;        /* seconds a test may run; 0 = no limit */
    double hello_timeout;  /* seconds a worker has to say hello; default 30 */
    double kill_grace;     /* seconds between SIGTERM and SIGKILL; default 2 */
    int fail_fast;         /* stop dispatching after the first failure */
    int no_capture;        /* stream worker output instead of capturing it */
    int list_only;         /* `forkless list`: print test ids, run nothing */
    int verbose;           /* print every test, not only failures */
    int color;             /* -1 auto, 0 never, 1 always */
    int progress;          /* -1 auto (terminal), 0 never, 1 always */
    char **filters;        /* glob patterns on test ids (any may match) */
    size_t n_filters;
    char *junit_path;      /* --junit FILE */
    char *json_path;       /* --json FILE */
    char *state_dir;       /* where durations are kept; default ".forkless" */
    char **worker_argv;    /* NULL-terminated worker command */
    size_t worker_argc;
    /* database layer */
    fl_db_spec *dbs;
    size_t n_dbs;
    char **setup_argv;     /* --setup: run once against the templates (NULL-terminated) */
    char **setup_inputs;   /* globs whose files key the template cache */
    size_t n_setup_inputs;
    int rebuild;           /* --rebuild: ignore a cached template */
    int keep;              /* --keep: do not drop clones at the end */
    int max_respawns;      /* a slot whose workers die this many times in a row without
                              finishing a test stops the run; default 3 */
} fl_options;

void fl_options_init(fl_options *o);
void fl_options_free(fl_options *o);

/* Reads forkless.ini-style configuration (inih).  Values already set on the command line
 * are kept: call this before fl_options_parse_args, which overwrites. */
int fl_options_load_ini(fl_options *o, const char *path, fl_error *err);

/* Parses the options shared by `forkless run`, `forkless list` and every test binary.
 * Stops at "--" or at the first non-option word when stop_at_command is set; *used is
 * set to the number of argv entries consumed.  --help/--version are not handled here. */
int fl_options_parse_args(fl_options *o, int argc, char **argv, int stop_at_command, int *used,
                          fl_error *err);
/* What front ends call: reads --config FILE (or ./forkless.ini when present), then the
 * flags, which win. */
int fl_options_load(fl_options *o, int argc, char **argv, int stop_at_command, int *used,
                    fl_error *err);
/* Writes the option list (the part of --help shared by all front ends). */
void fl_options_print_help(FILE *out);
/* Sets the worker command (copied). */
int fl_options_set_worker(fl_options *o, char *const *argv, size_t argc, fl_error *err);
/* Adds --db ALIAS=URL (or URL alone for alias "default"). */
int fl_options_add_db(fl_options *o, const char *spec, fl_error *err);
/* Splits a command line the way a POSIX shell splits words (quotes, backslashes; no
 * expansion).  Returns a NULL-terminated array to free with fl_strv_free. */
int fl_split_command(const char *line, char ***argv_out, size_t *argc_out, fl_error *err);
void fl_strv_free(char **v);

/* ---- Python adapters (adapters/python) ------------------------------------------------ */

typedef enum fl_adapter_kind { FL_ADAPTER_UNITTEST, FL_ADAPTER_DJANGO } fl_adapter_kind;

/* Sets the worker command (and, for Django, the databases, the setup command and the
 * template cache inputs) for the Python adapter: `python -m forkless unittest ARGS...` or
 * `python -m forkless django ...` after asking `python -m forkless django-config` what
 * the project's DATABASES need.  The first of adapter_dirs (NULL-terminated, may be NULL)
 * that holds the package (forkless/__init__.py) is put first on PYTHONPATH, for this
 * process and every worker.  settings may be NULL (DJANGO_SETTINGS_MODULE or manage.py
 * decide); args are unittest's start directory or Django's test labels. */
int fl_options_use_python_adapter(fl_options *o, fl_adapter_kind kind, const char *python,
                                  const char *settings, char *const *args, size_t nargs,
                                  const char *const *adapter_dirs, fl_error *err);

/* ---- a run ------------------------------------------------------------------------- */

typedef struct fl_summary {
    size_t total;                  /* tests discovered after filtering */
    size_t counts[FL_STATUS_COUNT];
    size_t passed, failed, skipped, not_run;
    double wall_seconds;
    int interrupted;
    int exit_code;                 /* FL_EXIT_* */
} fl_summary;

/* Runs (or lists) the tests of the worker command: spawns workers, provisions databases,
 * schedules, reports.  Prints to stdout/stderr as the console reporter.  Returns FL_OK
 * when the run completed (whatever the tests did; see summary->exit_code) or an error
 * (infrastructure, usage) with err filled. */
int fl_run(const fl_options *o, fl_summary *summary, fl_error *err);

#ifdef __cplusplus
}
#endif

#include "forkless/db.h"

#endif
