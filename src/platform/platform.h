/*
 * platform.h — the one OS interface of forkless for processes, pipes, waiting, signals,
 * time and terminals.  Everything above src/platform is OS-neutral and calls only this
 * (and fs.h for files); one implementation per OS lives beside it (process_posix.c; the
 * Windows one comes with its own issue).  Platform #ifdefs appear only in this folder.
 *
 * Processes are spawned, never forked: posix_spawn on POSIX, CreateProcessW on Windows.
 * Every descriptor we create is close-on-exec; the only ones a child inherits are its
 * stdio and, when asked, the two ends of its protocol channel, whose names the child
 * finds in FORKLESS_CHANNEL (added to its environment by fl_spawn).
 */
#ifndef FL_PLATFORM_H
#define FL_PLATFORM_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "forkless/forkless.h"

typedef struct fl_proc fl_proc;
typedef struct fl_stream fl_stream;

typedef struct fl_spawn_opts {
    char *const *argv;    /* argv[0] is searched in PATH when it has no slash */
    char *const *envp;    /* the complete environment; NULL = the caller's */
    int capture_output;   /* child stdout and stderr go, interleaved, to one pipe */
    int with_channel;     /* create the protocol channel (two pipes) */
    int stdin_null;       /* child stdin is the null device */
    int new_group;        /* own process group, so fl_proc_kill reaches its whole tree */
} fl_spawn_opts;

typedef struct fl_exit {
    int exited;           /* 1: exited normally with code */
    int code;
    int signaled;         /* 1: killed by signo */
    int signo;
    char desc[96];        /* "exit code 3", "signal 11 (SIGSEGV, segmentation fault)" */
} fl_exit;

/* Starts a process.  An exec failure (not found, not executable) is FL_ERR_SPAWN with a
 * message naming the command. */
int fl_spawn(const fl_spawn_opts *opts, fl_proc **out, fl_error *err);
long fl_proc_pid(const fl_proc *p);
fl_stream *fl_proc_output(fl_proc *p);      /* captured stdout+stderr, or NULL */
fl_stream *fl_proc_events(fl_proc *p);      /* channel: what the child says */
fl_stream *fl_proc_commands(fl_proc *p);    /* channel: what we tell the child */
/* Terminates the process and, if it has its own group, everything in it:
 * force=0 asks (SIGTERM), force=1 kills (SIGKILL). */
int fl_proc_kill(fl_proc *p, int force);
/* 1 and *ex filled when the process has ended (reaped), 0 while it runs, <0 on error. */
int fl_proc_try_wait(fl_proc *p, fl_exit *ex);
int fl_proc_wait(fl_proc *p, fl_exit *ex);
/* Closes our ends of its pipes and frees it.  A process not yet reaped is killed and
 * reaped first, so no zombie is ever left. */
void fl_proc_free(fl_proc *p);

/* Runs argv to completion with inherited stdio; *ex tells how it ended. */
int fl_run_command(char *const *argv, char *const *envp, fl_exit *ex, fl_error *err);

/* ---- streams: our end of a pipe, non-blocking ---------------------------------------- */

enum { FL_STREAM_AGAIN = -1, FL_STREAM_ERROR = -2 };
/* >0 bytes, 0 at end of file, FL_STREAM_AGAIN when nothing is there, FL_STREAM_ERROR. */
long fl_stream_read(fl_stream *s, void *buf, size_t size);
/* >=0 bytes written (maybe fewer than asked), FL_STREAM_AGAIN, FL_STREAM_ERROR (peer gone). */
long fl_stream_write(fl_stream *s, const void *buf, size_t size);
void fl_stream_close(fl_stream *s);  /* idempotent; the stream object stays owned by its proc */
int fl_stream_is_open(const fl_stream *s);

typedef struct fl_wait_item {
    fl_stream *stream;
    int want_write;  /* wait for writability instead of readability */
    int ready;       /* out: readable/writable, or hung up / error (read to find out) */
} fl_wait_item;

/* Waits until an item is ready, the timeout (ms, -1 = forever) passes, or a signal
 * handled by fl_signals_install arrives.  Returns the number of ready items (0 on
 * timeout or signal), <0 on error. */
int fl_wait(fl_wait_item *items, size_t n, int timeout_ms);

/* ---- signals ------------------------------------------------------------------------- */

/* Catches Ctrl-C / SIGTERM (counted, see fl_signals_take) and ignores SIGPIPE.  Children
 * get default dispositions back. */
int fl_signals_install(fl_error *err);
void fl_signals_restore(void);
/* How many interrupts arrived since the last call. */
int fl_signals_take(void);

/* ---- odds and ends ------------------------------------------------------------------- */

double fl_monotonic(void);   /* seconds, monotonic */
double fl_wall_clock(void);  /* seconds since the epoch */
void fl_sleep_ms(int ms);
int fl_cpu_count(void);
long fl_getpid(void);
int fl_is_terminal(FILE *f);
int fl_terminal_width(FILE *f); /* columns, 80 when unknown */
/* The absolute path of the running executable (malloc'd), or NULL. */
char *fl_self_exe(void);
/* Creates a directory and its parents; existing is fine. */
int fl_mkdir_p(const char *path, fl_error *err);
/* getline(3) where the C library lacks it: reads a line (with its newline) into *line,
 * growing it; returns its length, or -1 at end of file or on error. */
long fl_read_line(char **line, size_t *cap, FILE *f);
/* 1 when text matches the shell glob pattern (*, ?, [...]; no flags). */
int fl_fnmatch(const char *pattern, const char *text);
/* Shared libraries loaded at run time (e.g. the Oracle client, which forkless must not need
 * at build time).  fl_dl_open fails with FL_ERR_UNSUPPORTED quoting the loader's reason. */
void *fl_dl_open(const char *name, fl_error *err);
void *fl_dl_sym(void *lib, const char *symbol);
void fl_dl_close(void *lib);
/* Asks the OS to end this process and its process group (what its tests started) when its
 * parent dies (Linux; elsewhere nothing: the worker then ends when it reads end-of-file on
 * its channel).  For workers, so that a coordinator killed with SIGKILL leaves no worker
 * behind, even one stuck in a test, nor the processes that test started. */
void fl_die_with_parent(void);
/* 1 where fl_die_with_parent does something. */
int fl_can_die_with_parent(void);
/* 1 while the process pid exists and has not ended (a zombie counts as ended). */
int fl_process_alive(long pid);
/* Sets (overwrites) an environment variable of this process. */
int fl_setenv(const char *name, const char *value);
/* 1 when path exists (any type). */
int fl_file_exists(const char *path);
/* Where the system would find a program: name itself (made absolute) when it has a
 * directory part, else the first match in PATH (on Windows also with ".exe"), as
 * posix_spawnp / CreateProcess would run it.  malloc'd; NULL when none. */
char *fl_find_program(const char *name);
/* Fills buf with unpredictable bytes. */
int fl_random_bytes(void *buf, size_t n);
/* The process environment (NULL-terminated, not to be freed). */
char **fl_environ(void);
/* Makes the channel named by FORKLESS_CHANNEL usable by a worker: opens the two streams
 * as FILEs (commands to read, events to write), marks them close-on-exec, and removes
 * FORKLESS_CHANNEL from the environment so that the worker's own children do not inherit
 * it.  Used by the C test API's worker side. */
int fl_channel_open_from_env(FILE **commands, FILE **events, fl_error *err);


/* ---- per-test output capture inside a worker ------------------------------------------- */

/* Between begin and end, the worker's descriptors 1 and 2 write to a private file, so each
 * test's output is attributed exactly (sent in its result).  The file's path goes in the
 * worker's hello: if the worker dies in a test — a crash, exit(), a sanitizer report, the
 * kill of a timeout — the coordinator shows the tail of what the test wrote there, then
 * removes the file.  fl_capture_open returns the path (static storage) or NULL. */
const char *fl_capture_open(fl_error *err);
int fl_capture_begin(fl_error *err);
/* Restores stdout/stderr and returns what was written (malloc'd, NUL-terminated). */
char *fl_capture_end(size_t *len);
/* Closes and removes the capture file (a worker's clean exit). */
void fl_capture_close(void);

#endif
