/*
 * harness.c — spawning real programs for integration tests (see harness.h).  Uses the
 * library's own platform layer to spawn, so the tests exercise it too.
 */
#include "harness.h"

#include <forkless/test.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include "core/util.h"
#include "platform/platform.h"

#ifndef FL_BUILD_DIR
#define FL_BUILD_DIR "build"
#endif
#ifndef FL_SOURCE_DIR
#define FL_SOURCE_DIR "."
#endif

static char **environment_with(char *const extra[])
{
    fl_strvec v = {0};
    for (char **p = fl_environ(); *p; p++) {
        int overridden = 0;
        for (size_t i = 0; extra && extra[i]; i++) {
            size_t n = strcspn(extra[i], "=");
            if (!strncmp(*p, extra[i], n) && (*p)[n] == '=')
                overridden = 1;
        }
        if (!overridden)
            fl_strvec_push(&v, fl_xstrdup(*p));
    }
    for (size_t i = 0; extra && extra[i]; i++)
        fl_strvec_push(&v, fl_xstrdup(extra[i]));
    return fl_strvec_finish(&v);
}

void run_cmd(cmd_result *r, char *const argv[], char *const env_extra[], int interrupt_after_ms)
{
    run_cmd_signal(r, argv, env_extra, interrupt_after_ms, SIGINT);
}

static void run_cmd_full(cmd_result *r, char *const argv[], char *const env_extra[], int interrupt_after_ms,
                         const char *when, int signo);

void run_cmd_signal(cmd_result *r, char *const argv[], char *const env_extra[], int interrupt_after_ms, int signo)
{
    run_cmd_full(r, argv, env_extra, interrupt_after_ms, NULL, signo);
}

void run_cmd_signal_when(cmd_result *r, char *const argv[], char *const env_extra[], const char *when, int signo)
{
    run_cmd_full(r, argv, env_extra, 0, when, signo);
}

static void run_cmd_full(cmd_result *r, char *const argv[], char *const env_extra[], int interrupt_after_ms,
                         const char *when, int signo)
{
    memset(r, 0, sizeof *r);
    char **env = environment_with(env_extra);
    fl_spawn_opts o = {.argv = argv, .envp = env, .capture_output = 1, .stdin_null = 1};
    fl_proc *p;
    fl_error err = {0};
    if (fl_spawn(&o, &p, &err) != FL_OK) {
        fl_strv_free(env);
        FL_FAIL("cannot run %s: %s", argv[0], err.msg);
    }
    fl_strv_free(env);
    r->pid = fl_proc_pid(p);
    fl_bytes out = {0};
    double start = fl_monotonic();
    int interrupted = 0;
    fl_stream *s = fl_proc_output(p);
    char buf[65536];
    for (;;) {
        fl_wait_item it = {s, 0, 0};
        fl_wait(&it, 1, 50);
        long n;
        while ((n = fl_stream_read(s, buf, sizeof buf)) > 0)
            fl_bytes_append(&out, buf, (size_t)n);
        if (n == 0 || n == FL_STREAM_ERROR)
            break;
        double elapsed = fl_monotonic() - start;
        int due = when ? fl_file_exists(when) : interrupt_after_ms > 0 && elapsed * 1000 >= interrupt_after_ms;
        if (due && !interrupted) {
            kill((pid_t)r->pid, signo);
            interrupted = 1;
        }
        if (elapsed > 120) {
            fl_proc_kill(p, 1);
            fl_proc_free(p);
            FL_FAIL("%s did not finish within 120 s; output so far:\n%s", argv[0], out.data ? out.data : "");
        }
    }
    fl_exit ex;
    fl_proc_wait(p, &ex);
    fl_proc_free(p);
    r->exited = ex.exited;
    r->code = ex.code;
    r->signo = ex.signo;
    r->out = fl_bytes_take(&out);
}

void expect_exit(const cmd_result *r, int code)
{
    if (r->exited && r->code == code)
        return;
    size_t len = strlen(r->out);
    const char *tail = len > 3000 ? r->out + len - 3000 : r->out;
    FL_FAIL("expected exit code %d, got %s %d; the end of its output:\n%s", code,
            r->exited ? "exit code" : "signal", r->exited ? r->code : r->signo, tail);
}

void cmd_result_free(cmd_result *r)
{
    free(r->out);
    r->out = NULL;
}

const char *output_last_line(const char *out)
{
    static char line[1024];
    line[0] = 0;
    const char *end = out + strlen(out);
    while (end > out && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    const char *begin = end;
    while (begin > out && begin[-1] != '\n')
        begin--;
    snprintf(line, sizeof line, "%.*s", (int)(end - begin), begin);
    return line;
}

const char *forkless_bin(void) { return FL_BUILD_DIR "/forkless"; }
const char *fixture_bin(void) { return FL_BUILD_DIR "/tests/forkless-fixture"; }

const char *source_path(const char *rel)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", FL_SOURCE_DIR, rel);
    return path;
}

const char *temp_dir(void)
{
    char dir[] = "/tmp/forkless-test-XXXXXX";
    if (!mkdtemp(dir))
        FL_FAIL("cannot create a temporary directory");
    /* Kept reachable (not leaked) for the life of the worker: a few bytes per test. */
    static char *kept[256];
    static size_t n_kept;
    char *copy = fl_xstrdup(dir);
    free(kept[n_kept % 256]);
    kept[n_kept++ % 256] = copy;
    return copy;
}

int process_alive(long pid)
{
    if (pid <= 0)
        return 0;
    char path[64], state = 0;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return kill((pid_t)pid, 0) == 0;
    if (fscanf(f, "%*d %*s %c", &state) != 1)
        state = 0;
    fclose(f);
    return state && state != 'Z';
}

int process_gone_within(long pid, int ms)
{
    for (int waited = 0; process_alive(pid); waited += 20) {
        if (waited >= ms)
            return 0;
        fl_sleep_ms(20);
    }
    return 1;
}

long read_number(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    long v = -1;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

const char *python(void)
{
    static const char *candidates[] = {"/usr/bin/python3", "/usr/local/bin/python3"};
    for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++)
        if (fl_file_exists(candidates[i]))
            return candidates[i];
    FL_FAIL("python3 is not installed (apt-get install python3)");
}

const char *files_matching(const char *dir, const char *part)
{
    static char names[4096];
    names[0] = 0;
    DIR *d = opendir(dir);
    if (!d)
        return names;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, part) && strlen(names) + strlen(e->d_name) + 2 < sizeof names) {
            strcat(names, e->d_name);
            strcat(names, "\n");
        }
    closedir(d);
    return names;
}
