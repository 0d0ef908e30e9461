/*
 * cmdline_test.c — Windows command-line quoting (src/platform/cmdline.c), table-driven:
 * each row's arguments must give exactly the command line of the Microsoft rules (spaces,
 * quotes, trailing backslashes, tabs, newlines, UTF-8), that line must split back into
 * the same arguments, and a real child process must receive them intact.  On Windows the
 * child's C runtime does the splitting, so the last test checks our quoting against
 * Windows' own parser; on Linux it checks that argv passes through untouched.
 */
#include <forkless/test.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "plat_util.h"
#include "platform/cmdline.h"

typedef struct quote_row {
    const char *args[6]; /* after the program name, NULL-terminated */
    const char *line;    /* the command line for {"prog", args...} */
} quote_row;

static const quote_row quote_table[] = {
    {{"simple"}, "prog simple"},
    {{"with space"}, "prog \"with space\""},
    {{""}, "prog \"\""},
    {{"a\"b"}, "prog \"a\\\"b\""},
    {{"trailing\\"}, "prog trailing\\"},
    {{"trailing space\\"}, "prog \"trailing space\\\\\""},
    {{"C:\\Program Files\\x\\"}, "prog \"C:\\Program Files\\x\\\\\""},
    {{"\\\\server\\share"}, "prog \\\\server\\share"},
    {{"a\\\\b"}, "prog a\\\\b"},
    {{"back\\\"quote"}, "prog \"back\\\\\\\"quote\""},
    {{"\\\\\""}, "prog \"\\\\\\\\\\\"\""},
    {{"\"\""}, "prog \"\\\"\\\"\""},
    {{"tab\there"}, "prog \"tab\there\""},
    {{"new\nline"}, "prog \"new\nline\""},
    {{"ünïcödé ✓"}, "prog \"ünïcödé ✓\""},
    {{"日本語"}, "prog 日本語"},
    {{"%PATH%"}, "prog %PATH%"},
    {{"-k", "group.*"}, "prog -k group.*"},
    {{"a", "b c", "", "d"}, "prog a \"b c\" \"\" d"},
};

static size_t count(const char *const *args)
{
    size_t n = 0;
    while (n < 6 && args[n])
        n++;
    return n;
}

FL_TEST(cmdline, quoting_follows_the_microsoft_rules)
{
    for (size_t i = 0; i < sizeof quote_table / sizeof *quote_table; i++) {
        const quote_row *row = &quote_table[i];
        char *argv[8] = {"prog"};
        for (size_t k = 0; k < count(row->args); k++)
            argv[k + 1] = (char *)row->args[k];
        char *line = fl_win_command_line(argv);
        FL_ASSERT_EQ_STR(line, row->line);
        free(line);
    }
}

FL_TEST(cmdline, program_name_is_quoted_without_escapes)
{
    char *argv[] = {"C:\\Program Files\\app.exe", "x", NULL};
    char *line = fl_win_command_line(argv);
    FL_ASSERT_EQ_STR(line, "\"C:\\Program Files\\app.exe\" x");
    free(line);
    char *quote[] = {"bad\"name", NULL};
    FL_ASSERT_NULL(fl_win_command_line(quote));
}

FL_TEST(cmdline, every_quoted_line_splits_back)
{
    for (size_t i = 0; i < sizeof quote_table / sizeof *quote_table; i++) {
        const quote_row *row = &quote_table[i];
        int argc = 0;
        char **argv = fl_win_split_command_line(row->line, &argc);
        FL_ASSERT_NOT_NULL(argv);
        FL_ASSERT_EQ_INT(argc, (int)count(row->args) + 1);
        FL_ASSERT_EQ_STR(argv[0], "prog");
        for (size_t k = 0; k < count(row->args); k++)
            FL_ASSERT_EQ_STR(argv[k + 1], row->args[k]);
        FL_ASSERT_NULL(argv[argc]);
        free(argv);
    }
}

typedef struct split_row {
    const char *line;
    const char *args[4];
} split_row;

/* The examples of Microsoft's "Parsing C command-line arguments". */
static const split_row split_table[] = {
    {"prog \"a b c\" d e", {"a b c", "d", "e"}},
    {"prog \"ab\\\"c\" \"\\\\\" d", {"ab\"c", "\\", "d"}},
    {"prog a\\\\\\b d\"e f\"g h", {"a\\\\\\b", "de fg", "h"}},
    {"prog a\\\\\\\"b c d", {"a\\\"b", "c", "d"}},
    {"prog a\\\\\\\\\"b c\" d e", {"a\\\\b c", "d", "e"}},
    {"prog a\"b\"\" c d", {"ab\" c d"}},
    {"prog  a   b\t\tc", {"a", "b", "c"}},
};

FL_TEST(cmdline, splitting_follows_the_microsoft_examples)
{
    for (size_t i = 0; i < sizeof split_table / sizeof *split_table; i++) {
        const split_row *row = &split_table[i];
        size_t n = 0;
        while (n < 4 && row->args[n])
            n++;
        int argc = 0;
        char **argv = fl_win_split_command_line(row->line, &argc);
        FL_ASSERT_NOT_NULL(argv);
        FL_ASSERT_EQ_INT(argc, (int)n + 1);
        FL_ASSERT_EQ_STR(argv[0], "prog");
        for (size_t k = 0; k < n; k++)
            FL_ASSERT_EQ_STR(argv[k + 1], row->args[k]);
        free(argv);
    }
}

static void hex_line(fl_bytes *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fl_bytes_printf(b, "%02x", *p);
    fl_bytes_puts(b, "\n");
}

FL_TEST(cmdline, a_real_child_receives_every_argument_intact)
{
    fl_bytes expected = {0};
    char *argv[4 + 6 * (sizeof quote_table / sizeof *quote_table)];
    size_t n = 0;
    argv[n++] = (char *)plat_built("tests/platform/forkless-plat-helper");
    argv[n++] = "args";
    /* All rows in one command line, as one child would get them. */
    for (size_t i = 0; i < sizeof quote_table / sizeof *quote_table; i++)
        for (size_t k = 0; k < count(quote_table[i].args); k++) {
            argv[n++] = (char *)quote_table[i].args[k];
            hex_line(&expected, quote_table[i].args[k]);
        }
    argv[n] = NULL;
    fl_bytes_puts(&expected, "end\n");
    plat_run r;
    plat_run_cmd(&r, argv, NULL, 60);
    FL_ASSERT_EQ_INT(r.ex.code, 0);
    /* Text-mode stdout on Windows writes \r\n: compare without the \r. */
    char *out = r.out, *w = out;
    for (char *p = out; *p; p++)
        if (*p != '\r')
            *w++ = *p;
    *w = 0;
    FL_ASSERT_EQ_STR(out, expected.data);
    plat_run_free(&r);
    fl_bytes_free(&expected);
}
