/*
 * harness.h — helpers for integration tests: run a real command (forkless, the fixture
 * binary, a Python worker) with extra environment, capture its output and exit status,
 * and look at what it printed.
 */
#ifndef FL_TEST_HARNESS_H
#define FL_TEST_HARNESS_H

typedef struct cmd_result {
    int exited;      /* 1 when it exited normally */
    int code;        /* its exit code */
    int signo;       /* the signal that killed it, 0 if none */
    char *out;       /* stdout + stderr */
    long pid;
} cmd_result;

/* Runs argv (NULL-terminated) with env_extra ("NAME=value" strings, NULL-terminated, may be
 * NULL) added to the environment; if interrupt_after_ms > 0, sends SIGINT to it after that
 * long.  Fails the test if it cannot be started or takes longer than 120 s. */
void run_cmd(cmd_result *r, char *const argv[], char *const env_extra[], int interrupt_after_ms);
/* The same, with another signal than SIGINT (e.g. SIGKILL). */
void run_cmd_signal(cmd_result *r, char *const argv[], char *const env_extra[], int after_ms, int signo);
/* Sends signo once the file `when` exists (e.g. the pid file a hanging test writes), so
 * the test does not depend on how fast a loaded machine starts the workers. */
void run_cmd_signal_when(cmd_result *r, char *const argv[], char *const env_extra[], const char *when, int signo);
/* Names in dir containing part, one per line ("" when none; static storage). */
const char *files_matching(const char *dir, const char *part);
void cmd_result_free(cmd_result *r);
/* Fails the test, showing the tail of the command's output, unless it exited with code. */
void expect_exit(const cmd_result *r, int code);
/* The last non-empty line of out (static storage). */
const char *output_last_line(const char *out);
/* Paths of the built programs. */
const char *forkless_bin(void);
const char *fixture_bin(void);
const char *source_path(const char *rel); /* static storage, one at a time */
/* A fresh temporary directory (the string lives until the worker exits). */
const char *temp_dir(void);
/* 1 if a process with this pid exists (and is not a zombie of ours). */
int process_alive(long pid);
/* 1 once the process is gone, waiting up to ms for a signal already sent to take effect
 * (a killed process may take a moment to die on a loaded machine). */
int process_gone_within(long pid, int ms);
/* Reads a number from a file, -1 if absent. */
long read_number(const char *dir, const char *name);
/* Fails the test unless python3 is available; returns the interpreter to use. */
const char *python(void);

#endif
