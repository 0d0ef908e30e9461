/*
 * report_test_util.c — the helpers shared by the reporter tests (see the header): the
 * sample run, reading output back, scratch paths, and XML checks that spawn a real parser.
 */
#include "report_test_util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forkless/test.h"
#include "platform/platform.h"

fl_test_event sample_event(const char *id, const char *group, fl_status status)
{
    fl_test_event ev = {0};
    ev.id = id;
    ev.group = group;
    ev.status = status;
    ev.file = "t_alpha.c";
    ev.line = 7;
    ev.duration = 0.012;
    ev.slot = 1;
    ev.pid = 4242;
    return ev;
}

void sample_summary(fl_summary *s)
{
    memset(s, 0, sizeof *s);
    s->total = 6;
    s->counts[FL_STATUS_PASS] = 3;
    s->counts[FL_STATUS_FAIL] = 1;
    s->counts[FL_STATUS_CRASH] = 1;
    s->counts[FL_STATUS_SKIP] = 1;
    s->passed = 3;
    s->failed = 2;
    s->skipped = 1;
    s->wall_seconds = 1.5;
    s->exit_code = FL_EXIT_FAILED;
}

static void run_test(fl_reporter *r, fl_test_event ev)
{
    r->test_start(r, ev.id, ev.slot);
    r->tick(r, 0.1);
    r->test_done(r, &ev);
}

void sample_run(fl_reporter *r)
{
    fl_run_info info = {"run-1", "./tests --forkless-worker", 2, 6, 2, 1700000000.0, 0};
    r->run_start(r, &info);
    fl_worker_event started = {FL_WORKER_STARTED, 1, 4242, NULL};
    r->worker_event(r, &started);

    run_test(r, sample_event("alpha.one", "alpha", FL_STATUS_PASS));
    fl_test_event fail = sample_event("alpha.two", "alpha", FL_STATUS_FAIL);
    fail.message = SAMPLE_FAIL_MESSAGE;
    fail.details = SAMPLE_FAIL_DETAILS;
    fail.output = SAMPLE_FAIL_OUTPUT;
    run_test(r, fail);
    fl_test_event beta1 = sample_event("beta.one", "beta", FL_STATUS_PASS);
    beta1.slot = 2;
    beta1.pid = 4343;
    run_test(r, beta1);
    fl_test_event crash = sample_event("beta.two", "beta", FL_STATUS_CRASH);
    crash.slot = 2;
    crash.pid = 4343;
    crash.message = SAMPLE_CRASH_MESSAGE;
    crash.output = "about to dereference\n";
    run_test(r, crash);
    fl_worker_event died = {FL_WORKER_EXITED, 2, 4343, "signal 11 (SIGSEGV, segmentation fault)"};
    r->worker_event(r, &died);
    fl_test_event skip = sample_event("alpha.three", "alpha", FL_STATUS_SKIP);
    skip.message = "needs a network";
    run_test(r, skip);
    fl_test_event beta3 = sample_event("beta.three", "beta", FL_STATUS_PASS);
    beta3.slot = 2;
    beta3.pid = 4444;
    run_test(r, beta3);

    fl_summary s;
    sample_summary(&s);
    r->run_end(r, &s);
}

char *read_stream(FILE *f, size_t *len)
{
    FL_ASSERT_EQ_INT(fflush(f), 0);
    rewind(f);
    size_t cap = 4096, n = 0;
    char *data = malloc(cap);
    FL_ASSERT_NOT_NULL(data);
    size_t got;
    while ((got = fread(data + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            cap *= 2;
            data = realloc(data, cap);
            FL_ASSERT_NOT_NULL(data);
        }
    }
    data[n] = 0;
    if (len)
        *len = n;
    return data;
}

char *read_path(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        FL_FAIL("cannot open %s", path);
    char *data = read_stream(f, len);
    fclose(f);
    return data;
}

const char *last_line(const char *text)
{
    static char line[4096];
    size_t n = strlen(text);
    if (n > 0 && text[n - 1] == '\n')
        n--;
    size_t start = n;
    while (start > 0 && text[start - 1] != '\n')
        start--;
    size_t len = n - start < sizeof line - 1 ? n - start : sizeof line - 1;
    memcpy(line, text + start, len);
    line[len] = 0;
    return line;
}

size_t count_occurrences(const char *haystack, const char *needle)
{
    size_t count = 0, n = strlen(needle);
    for (const char *p = strstr(haystack, needle); p; p = strstr(p + n, needle))
        count++;
    return count;
}

const char *scratch_path(const char *name)
{
    static char path[1024];
    char dir[900];
    fl_error err;
    snprintf(dir, sizeof dir, "%s/tests/report-tmp", FL_BUILD_DIR);
    if (fl_mkdir_p(dir, &err) != FL_OK)
        FL_FAIL("%s", err.msg);
    snprintf(path, sizeof path, "%s/%ld-%s", dir, fl_getpid(), name);
    remove(path);
    return path;
}

int path_exists(const char *path) { return access(path, F_OK) == 0; }

static int run_quietly(char *const *argv)
{
    fl_exit ex;
    fl_error err;
    if (fl_run_command(argv, NULL, &ex, &err) != FL_OK)
        FL_FAIL("%s", err.msg);
    return ex.exited ? ex.code : 128 + ex.signo;
}

int xml_is_well_formed(const char *path)
{
    if (access("/usr/bin/xmllint", X_OK) == 0) {
        char *argv[] = {"/usr/bin/xmllint", "--noout", (char *)path, NULL};
        return run_quietly(argv) == 0;
    }
    if (access("/usr/bin/python3", X_OK) == 0) {
        char *argv[] = {"/usr/bin/python3", "-c",
                        "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])",
                        (char *)path, NULL};
        return run_quietly(argv) == 0;
    }
    FL_SKIP("neither xmllint (apt-get install libxml2-utils) nor /usr/bin/python3 is installed");
}

int xml_xpath_matches(const char *path, const char *xpath)
{
    if (access("/usr/bin/xmllint", X_OK) != 0)
        return -1;
    char *argv[] = {"/usr/bin/xmllint", "--noout", "--xpath", (char *)xpath, (char *)path, NULL};
    return run_quietly(argv) == 0;
}
