/*
 * win32.h — helpers shared by the Windows implementation of platform.h and fs.h
 * (process_win32.c, fs_win32.c, text_win32.c); never included outside src/platform.
 *
 * Our strings are UTF-8 everywhere; UTF-16 appears only here, at the Win32 boundary:
 * every path or argument goes through fl_w_from_utf8 right before a ...W call, and every
 * name Windows gives back through fl_w_to_utf8.
 */
#ifndef FL_PLATFORM_WIN32_H
#define FL_PLATFORM_WIN32_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include "forkless/forkless.h"

/* UTF-8 -> UTF-16 (malloc'd); NULL on invalid input or no memory. */
wchar_t *fl_w_from_utf8(const char *s);
/* UTF-16 -> UTF-8 (malloc'd); NULL on failure.  len < 0: NUL-terminated. */
char *fl_w_to_utf8(const wchar_t *w, int len);
/* The message of a Win32 error code in UTF-8, without the trailing newline, e.g. "The
 * system cannot find the file specified. (error 2)". */
const char *fl_w_error_text(DWORD code, char *buf, size_t size);
/* An fl_error for the last Win32 error: "<what> '<path>': <message>". */
int fl_w_error(fl_error *err, int code, DWORD winerr, const char *what, const char *path);
/* 1 for the errors a file in use by another process gives (sharing violation, lock
 * violation, access denied while a delete is pending): worth retrying briefly. */
int fl_w_error_is_transient(DWORD code);

#endif
