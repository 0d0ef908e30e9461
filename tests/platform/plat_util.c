/*
 * plat_util.c — helpers for the platform tests (see plat_util.h): the platform layer
 * drives the processes it tests, so a failure here is a failure of that layer too.
 */
#include "plat_util.h"

#include <forkless/test.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "platform/fs.h"

#ifndef FL_BUILD_DIR
#define FL_BUILD_DIR "build"
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

void plat_run_cmd(plat_run *r, char *const argv[], char *const env_extra[], int timeout_s)
{
    memset(r, 0, sizeof *r);
    char **env = environment_with(env_extra);
    fl_spawn_opts o = {.argv = argv, .envp = env, .capture_output = 1, .stdin_null = 1};
    fl_proc *p;
    fl_error err = {0};
    int rc = fl_spawn(&o, &p, &err);
    fl_strv_free(env);
    if (rc != FL_OK)
        FL_FAIL("cannot run %s: %s", argv[0], err.msg);
    r->pid = fl_proc_pid(p);
    fl_bytes out = {0};
    double start = fl_monotonic();
    char buf[65536];
    fl_stream *s = fl_proc_output(p);
    for (;;) {
        fl_wait_item it = {s, 0, 0};
        fl_wait(&it, 1, 100);
        long n;
        while ((n = fl_stream_read(s, buf, sizeof buf)) > 0)
            fl_bytes_append(&out, buf, (size_t)n);
        if (n == 0 || n == FL_STREAM_ERROR)
            break;
        if (fl_monotonic() - start > timeout_s) {
            fl_proc_free(p);
            FL_FAIL("%s did not finish within %d s; output so far:\n%s", argv[0], timeout_s,
                    out.data ? out.data : "");
        }
    }
    fl_proc_wait(p, &r->ex);
    fl_proc_free(p);
    r->out = out.data ? fl_bytes_take(&out) : fl_xstrdup("");
}

void plat_run_free(plat_run *r)
{
    free(r->out);
    r->out = NULL;
}

const char *plat_last_line(const char *out)
{
    static char line[1024];
    const char *end = out + strlen(out);
    while (end > out && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    const char *begin = end;
    while (begin > out && begin[-1] != '\n')
        begin--;
    snprintf(line, sizeof line, "%.*s", (int)(end - begin), begin);
    return line;
}

const char *plat_built(const char *rel)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", FL_BUILD_DIR, rel);
    return path;
}

const char *plat_temp_dir(void)
{
    static char *kept[64];
    static unsigned n_kept;
    const char *base = getenv("TEMP");
    if (!base || !*base)
        base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    unsigned char r[4];
    fl_random_bytes(r, sizeof r);
    char *dir = fl_xasprintf("%s/forkless plat \xc3\xbc-%ld-%u-%02x%02x%02x%02x", base, fl_getpid(), n_kept, r[0], r[1],
                             r[2], r[3]);
    fl_error err = {0};
    if (fl_mkdir_p(dir, &err) != FL_OK)
        FL_FAIL("cannot create a temporary directory: %s", err.msg);
    free(kept[n_kept % 64]);
    kept[n_kept++ % 64] = dir;
    return dir;
}

char *plat_path(const char *dir, const char *name) { return fl_xasprintf("%s/%s", dir, name); }

void plat_write(const char *path, const char *text)
{
    fl_error err = {0};
    if (fl_fs_write_file(path, text, strlen(text), &err) != FL_OK)
        FL_FAIL("%s", err.msg);
}

long plat_read_number(const char *path)
{
    char *data;
    size_t size;
    if (fl_fs_read_file(path, &data, &size, NULL) != FL_OK)
        return -1;
    long v = size ? strtol(data, NULL, 10) : -1;
    free(data);
    return v;
}
