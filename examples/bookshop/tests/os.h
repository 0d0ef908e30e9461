/*
 * os.h — the few operating-system services the bookshop tests need beyond standard C:
 * directories, environment variables and running the `bookshop` command.  One
 * implementation per system (os_posix.c, os_win32.c); meson.build picks the file, so no
 * test needs an #ifdef.
 */
#ifndef BOOKSHOP_TESTS_OS_H
#define BOOKSHOP_TESTS_OS_H

#include <stddef.h>

/* Creates a directory (0 also when it exists already); -1 on failure. */
int os_make_dir(const char *path);
/* Creates a new empty directory under the system's temporary directory; returns its
 * malloc'ed path, or NULL. */
char *os_make_temp_dir(const char *prefix);
/* Sets (value != NULL) or removes (value == NULL) an environment variable; 0 or -1. */
int os_set_env(const char *name, const char *value);
/* Runs argv[0] with argv (NULL-terminated), waits for it, and collects its standard output
 * and error, interleaved, into out (NUL-terminated, cut to size).  Returns its exit code,
 * or -1 (with the reason in out) when it could not be run. */
int os_run(const char *const *argv, char *out, size_t size);

#endif
