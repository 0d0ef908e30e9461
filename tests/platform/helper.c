/*
 * helper.c — forkless-plat-helper, the child process of the platform tests.  One mode per
 * first argument:
 *   args A B ...   prints each argument as it arrived (after the OS and C runtime parsed
 *                  the command line), one per line, in hex, so that spaces, quotes,
 *                  backslashes and UTF-8 are compared exactly
 *   exit N         exits with code N
 *   chatty KIB     writes KIB KiB to stdout and to stderr, interleaved
 *   env NAME       prints the value of NAME, or "(unset)"
 *   sleep          sleeps until killed
 *   tree FILE      starts "helper sleep" (a grandchild), writes its pid to FILE, sleeps
 *   channel        a minimal protocol peer: echoes each line of its command stream to
 *                  its event stream, until end of file
 * Portable C over platform.h only: the same helper runs on Linux and on Windows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/fs.h"
#include "platform/platform.h"

static void sleep_forever(void)
{
    for (;;)
        fl_sleep_ms(1000);
}

static int print_args(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        for (const unsigned char *p = (const unsigned char *)argv[i]; *p; p++)
            printf("%02x", *p);
        printf("\n");
    }
    printf("end\n");
    return 0;
}

static int chatty(long kib)
{
    char line[1024];
    memset(line, 'o', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    for (long i = 0; i < kib; i++) {
        fwrite(line, 1, sizeof line, stdout);
        fwrite(line, 1, sizeof line, stderr);
    }
    fflush(stdout);
    return 0;
}

static int tree(const char *self, const char *pid_file)
{
    char *argv[] = {(char *)self, "sleep", NULL};
    fl_spawn_opts o = {.argv = argv, .stdin_null = 1};
    fl_proc *child;
    fl_error err = {0};
    if (fl_spawn(&o, &child, &err) != FL_OK) {
        fprintf(stderr, "helper: %s\n", err.msg);
        return 3;
    }
    char text[32];
    snprintf(text, sizeof text, "%ld\n", fl_proc_pid(child));
    if (fl_fs_write_file(pid_file, text, strlen(text), &err) != FL_OK) {
        fprintf(stderr, "helper: %s\n", err.msg);
        return 3;
    }
    sleep_forever();
    return 0;
}

static int channel(void)
{
    FILE *commands, *events;
    fl_error err = {0};
    if (fl_channel_open_from_env(&commands, &events, &err) != FL_OK) {
        fprintf(stderr, "helper: %s\n", err.msg);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    long len;
    while ((len = fl_read_line(&line, &cap, commands)) > 0) {
        fwrite(line, 1, (size_t)len, events);
        fflush(events);
    }
    free(line);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "args"))
        return print_args(argc, argv);
    if (!strcmp(mode, "exit") && argc > 2)
        return atoi(argv[2]);
    if (!strcmp(mode, "chatty") && argc > 2)
        return chatty(atol(argv[2]));
    if (!strcmp(mode, "env") && argc > 2) {
        const char *v = getenv(argv[2]);
        printf("%s\n", v ? v : "(unset)");
        return 0;
    }
    if (!strcmp(mode, "sleep"))
        sleep_forever();
    if (!strcmp(mode, "tree") && argc > 2) {
        char *self = fl_self_exe();
        return self ? tree(self, argv[2]) : 3;
    }
    if (!strcmp(mode, "channel"))
        return channel();
    fprintf(stderr, "usage: %s args|exit N|chatty KIB|env NAME|sleep|tree FILE|channel\n", argv[0]);
    return 2;
}
