/*
 * plat_util.h — helpers for the platform tests (tests/platform), written against
 * platform.h and fs.h only, so that every test here runs unchanged on Linux and on
 * Windows (under Wine in CI): run a built program and collect its output, make a
 * temporary directory whose name has a space and non-ASCII letters, find built programs.
 */
#ifndef FL_TESTS_PLAT_UTIL_H
#define FL_TESTS_PLAT_UTIL_H

#include "platform/platform.h"

typedef struct plat_run {
    fl_exit ex;
    char *out;  /* stdout + stderr */
    long pid;
} plat_run;

/* Runs argv to its end (at most timeout_s, else the test fails) with env_extra
 * ("NAME=value", NULL-terminated, may be NULL) added to the environment. */
void plat_run_cmd(plat_run *r, char *const argv[], char *const env_extra[], int timeout_s);
void plat_run_free(plat_run *r);
/* The last non-empty line of out (static storage). */
const char *plat_last_line(const char *out);
/* A built program: "tests/forkless-fixture" -> FL_BUILD_DIR/tests/forkless-fixture
 * (static storage, one at a time; fl_spawn adds .exe on Windows). */
const char *plat_built(const char *rel);
/* A fresh directory "forkless plat ü-..." in the temporary directory (TEMP, TMPDIR or
 * /tmp); the string lives until the worker exits. */
const char *plat_temp_dir(void);
/* dir + "/" + name, malloc'd. */
char *plat_path(const char *dir, const char *name);
/* Writes text to path; fails the test if it cannot. */
void plat_write(const char *path, const char *text);
/* Reads a number from a file; -1 when it is not there (yet). */
long plat_read_number(const char *path);

#endif
