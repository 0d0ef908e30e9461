/*
 * cmdline.h — Windows command lines, in portable C (no OS calls), so that the rules are
 * tested on every OS.  A Windows process receives one string, not an argv: fl_spawn on
 * Windows joins argv with fl_win_command_line, and the child's C runtime (or
 * CommandLineToArgvW) splits it again by the Microsoft rules, which fl_win_split_command_line
 * implements for the tests and for fl_args_utf8.
 *
 * The rules (Microsoft's "Parsing C++ command-line arguments"): arguments are separated by
 * spaces or tabs; a double quote starts or ends a quoted part, in which spaces are kept;
 * 2n backslashes followed by a quote are n backslashes and a quote delimiter, 2n+1
 * backslashes followed by a quote are n backslashes and a literal quote; backslashes not
 * followed by a quote are literal.  The program name (first argument) is special: it ends
 * at the first space outside quotes, with no backslash escapes (paths cannot contain ").
 * All strings are UTF-8; the quoting never looks inside multibyte sequences.
 */
#ifndef FL_PLATFORM_CMDLINE_H
#define FL_PLATFORM_CMDLINE_H

/* The command line for argv (malloc'd UTF-8), or NULL when out of memory or when argv[0]
 * contains a double quote (no Windows program path can). */
char *fl_win_command_line(char *const *argv);

/* Splits a command line into a NULL-terminated argv (one malloc'd block: free it with
 * free()); *argc gets the count.  NULL when out of memory. */
char **fl_win_split_command_line(const char *cmdline, int *argc);

#endif
