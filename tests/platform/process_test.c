/*
 * process_test.c — platform.h against real child processes (forkless-plat-helper): exit
 * statuses, spawn failures named, chatty children on both pipes and the channel without
 * deadlock, a kill that reaches the whole process tree, pipes that do not leak into a
 * concurrently spawned process, and UTF-8 through the environment.  The same assertions
 * hold on Linux (posix_spawn, process groups) and Windows (CreateProcessW, job objects).
 */
#include <forkless/test.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "plat_util.h"

static const char *helper(void) { return plat_built("tests/platform/forkless-plat-helper"); }

static fl_proc *spawn_or_fail(char *const argv[], int capture, int channel, int group)
{
    fl_spawn_opts o = {.argv = argv, .capture_output = capture, .with_channel = channel, .stdin_null = 1,
                       .new_group = group};
    fl_proc *p;
    fl_error err = {0};
    if (fl_spawn(&o, &p, &err) != FL_OK)
        FL_FAIL("cannot start %s: %s", argv[0], err.msg);
    return p;
}

FL_TEST(process, exit_codes_are_reported)
{
    char *argv[] = {(char *)helper(), "exit", "7", NULL};
    plat_run r;
    plat_run_cmd(&r, argv, NULL, 60);
    FL_ASSERT_EQ_INT(r.ex.exited, 1);
    FL_ASSERT_EQ_INT(r.ex.code, 7);
    FL_ASSERT_EQ_STR(r.ex.desc, "exit code 7");
    plat_run_free(&r);
    fl_exit ex;
    fl_error err = {0};
    char *ok[] = {(char *)helper(), "exit", "0", NULL};
    FL_ASSERT_EQ_INT(fl_run_command(ok, NULL, &ex, &err), FL_OK);
    FL_ASSERT_EQ_INT(ex.exited, 1);
    FL_ASSERT_EQ_INT(ex.code, 0);
}

FL_TEST(process, spawn_failures_name_the_command)
{
    const char *dir = plat_temp_dir();
    char *missing_path = plat_path(dir, "no-such-program");
    struct {
        char *cmd;
        const char *why;
    } cases[] = {
        {missing_path, "no such file"},
        {"no-such-command-anywhere", "command not found in PATH"},
        {(char *)dir, "is a directory"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *argv[] = {cases[i].cmd, NULL};
        fl_spawn_opts o = {.argv = argv, .stdin_null = 1};
        fl_proc *p = NULL;
        fl_error err = {0};
        FL_ASSERT_EQ_INT(fl_spawn(&o, &p, &err), FL_ERR_SPAWN);
        FL_ASSERT_NULL(p);
        FL_ASSERT_CONTAINS(err.msg, cases[i].cmd);
        FL_ASSERT_CONTAINS(err.msg, cases[i].why);
    }
    free(missing_path);
}

FL_TEST(process, chatty_child_fills_both_pipes_without_blocking)
{
    char *argv[] = {(char *)helper(), "chatty", "4096", NULL}; /* 4 MiB on stdout, 4 MiB on stderr */
    plat_run r;
    plat_run_cmd(&r, argv, NULL, 120);
    FL_ASSERT_EQ_INT(r.ex.code, 0);
    size_t lines = 0;
    for (const char *p = r.out; *p; p++)
        lines += *p == '\n';
    FL_ASSERT_EQ_INT(lines, 2 * 4096);
    plat_run_free(&r);
}

/* Sends `total` bytes of lines through the helper's channel while reading its echo and its
 * output: the exchange must finish whatever the pipe buffer sizes. */
static size_t echo_through_channel(fl_proc *p, size_t total)
{
    fl_bytes sent = {0}, got = {0};
    char line[1000];
    memset(line, 'c', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    while (sent.len < total)
        fl_bytes_append(&sent, line, sizeof line);
    size_t written = 0;
    double start = fl_monotonic();
    fl_stream *cmd = fl_proc_commands(p), *ev = fl_proc_events(p), *out = fl_proc_output(p);
    char buf[65536];
    while (got.len < sent.len) {
        if (fl_monotonic() - start > 60)
            FL_FAIL("echo stalled after %zu of %zu bytes (written %zu)", got.len, sent.len, written);
        fl_wait_item items[3] = {{ev, 0, 0}, {out, 0, 0}, {cmd, 1, 0}};
        fl_wait(items, written < sent.len ? 3 : 2, 100);
        if (written < sent.len) {
            long n = fl_stream_write(cmd, sent.data + written, sent.len - written);
            FL_ASSERT(n >= 0 || n == FL_STREAM_AGAIN);
            if (n > 0)
                written += (size_t)n;
        }
        long n;
        while ((n = fl_stream_read(ev, buf, sizeof buf)) > 0)
            fl_bytes_append(&got, buf, (size_t)n);
        FL_ASSERT(n != 0 && n != FL_STREAM_ERROR);
        while (fl_stream_read(out, buf, sizeof buf) > 0) {
        }
    }
    FL_ASSERT(memcmp(got.data, sent.data, sent.len) == 0);
    size_t n = got.len;
    fl_bytes_free(&sent);
    fl_bytes_free(&got);
    return n;
}

FL_TEST(process, channel_carries_a_megabyte_each_way)
{
    char *argv[] = {(char *)helper(), "channel", NULL};
    fl_proc *p = spawn_or_fail(argv, 1, 1, 1);
    FL_ASSERT_GE_INT(echo_through_channel(p, 1 << 20), 1 << 20);
    fl_stream_close(fl_proc_commands(p)); /* end of file: the helper ends */
    fl_exit ex;
    FL_ASSERT_EQ_INT(fl_proc_wait(p, &ex), 1);
    FL_ASSERT_EQ_INT(ex.code, 0);
    fl_proc_free(p);
}

FL_TEST(process, pipes_do_not_leak_into_a_sibling)
{
    /* If B had inherited A's end of A's event pipe, A's events would never reach end of
     * file while B lives. */
    char *argv[] = {(char *)helper(), "channel", NULL};
    fl_proc *a = spawn_or_fail(argv, 0, 1, 1), *b = spawn_or_fail(argv, 0, 1, 1);
    fl_stream_close(fl_proc_commands(a));
    fl_stream *ev = fl_proc_events(a);
    char buf[256];
    long n = FL_STREAM_AGAIN;
    double start = fl_monotonic();
    while (n == FL_STREAM_AGAIN && fl_monotonic() - start < 20) {
        fl_wait_item it = {ev, 0, 0};
        fl_wait(&it, 1, 100);
        n = fl_stream_read(ev, buf, sizeof buf);
    }
    FL_ASSERT_EQ_INT(n, 0);
    FL_ASSERT_EQ_INT(fl_process_alive(fl_proc_pid(b)), 1);
    fl_proc_free(a);
    fl_proc_free(b);
}

static long wait_for_number(const char *path)
{
    long v = -1;
    for (int i = 0; i < 300 && (v = plat_read_number(path)) <= 0; i++)
        fl_sleep_ms(50);
    return v;
}

static int wait_until_dead(long pid)
{
    for (int i = 0; i < 100 && fl_process_alive(pid); i++)
        fl_sleep_ms(50);
    return !fl_process_alive(pid);
}

FL_TEST(process, kill_reaches_the_whole_tree)
{
    char *pid_file = plat_path(plat_temp_dir(), "grandchild");
    char *argv[] = {(char *)helper(), "tree", pid_file, NULL};
    fl_proc *p = spawn_or_fail(argv, 1, 0, 1);
    long grandchild = wait_for_number(pid_file);
    FL_ASSERT_GT_INT(grandchild, 0);
    FL_ASSERT_EQ_INT(fl_process_alive(grandchild), 1);
    FL_ASSERT_EQ_INT(fl_proc_try_wait(p, NULL), 0);
    fl_proc_kill(p, 1);
    fl_exit ex;
    FL_ASSERT_EQ_INT(fl_proc_wait(p, &ex), 1);
    FL_ASSERT_EQ_INT(ex.signaled, 1);
    FL_ASSERT_CONTAINS(ex.desc, "KILL");
    FL_ASSERT(wait_until_dead(grandchild));
    fl_proc_free(p);
    free(pid_file);
}

FL_TEST(process, freeing_a_finished_worker_kills_what_it_left)
{
    char *pid_file = plat_path(plat_temp_dir(), "grandchild");
    char *argv[] = {(char *)helper(), "tree", pid_file, NULL};
    fl_proc *p = spawn_or_fail(argv, 0, 0, 1);
    long grandchild = wait_for_number(pid_file);
    FL_ASSERT_GT_INT(grandchild, 0);
    fl_proc_free(p); /* not reaped: killed, reaped, and its group or job with it */
    FL_ASSERT(wait_until_dead(grandchild));
    free(pid_file);
}

FL_TEST(process, polite_kill_ends_a_plain_program)
{
    char *argv[] = {(char *)helper(), "sleep", NULL};
    fl_proc *p = spawn_or_fail(argv, 1, 0, 1);
    fl_sleep_ms(200);
    fl_proc_kill(p, 0);
    fl_exit ex;
    FL_ASSERT_EQ_INT(fl_proc_wait(p, &ex), 1);
    FL_ASSERT_EQ_INT(ex.signaled, 1);
    fl_proc_free(p);
}

FL_TEST(process, utf8_reaches_the_child_environment)
{
    const char *value = "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac";
    char *assignment = fl_xasprintf("FL_PLAT_VALUE=%s", value);
    char *env[] = {assignment, NULL};
    char *argv[] = {(char *)helper(), "env", "FL_PLAT_VALUE", NULL};
    plat_run r;
    plat_run_cmd(&r, argv, env, 60);
    FL_ASSERT_EQ_INT(r.ex.code, 0);
    FL_ASSERT_EQ_STR(plat_last_line(r.out), value);
    plat_run_free(&r);
    free(assignment);
}
