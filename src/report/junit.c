/*
 * junit.c — the JUnit XML reporter, in the dialect Jenkins, GitLab and GitHub's JUnit
 * actions all read: <testsuites> holding one <testsuite> per group, one <testcase> per
 * test with <failure> (fail, xpass), <error> (error, crash, timeout) or <skipped>, and the
 * captured output of every test that did not simply pass in <system-out>.
 *
 * It streams: each test's <testcase> element is written, as soon as the test ends, to a
 * scratch file (PATH.parts: next to the report, not tmpfile(), which on Windows creates
 * its file in the root of the drive, unwritable for most users, under names other
 * processes may pick too), and the reporter remembers only where each group's pieces lie
 * in it (groups run interleaved across workers).  At the end the document is assembled
 * group by group into PATH.tmp, which is then renamed to PATH, so a crash never leaves a
 * half-written report behind.  All text from tests is cleaned to legal XML 1.0 (invalid
 * UTF-8 becomes U+FFFD, control characters are dropped) and escaped.
 *
 * A run that stops on an error (run_failed) — even before a single test was listed —
 * still gets its report: one more <testsuite name="forkless"> whose <testcase
 * classname="forkless" name="run"> holds the error, so a CI server shows why instead of
 * "no test report found".
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform/fs.h"
#include "report/report.h"
#include "report/report_util.h"

enum {
    OUTPUT_MAX_BYTES = 1024 * 1024, /* of one test's <system-out>: the tail is kept */
    OUTPUT_MAX_LINES = 20000,
};

typedef struct piece {
    fpos_t start;             /* where it begins in the fragments file (fsetpos: standard C,
                                 large files) */
    long long offset, length; /* the same place as a byte offset, to merge neighbours */
} piece;

typedef struct junit_group {
    char *name;
    size_t tests, failures, errors, skipped;
    double time;
    piece *pieces;
    size_t n_pieces, cap_pieces;
} junit_group;

typedef struct junit_reporter {
    fl_reporter base; /* first: the coordinator sees only this */
    char *path, *tmp_path;
    FILE *out;        /* PATH.tmp, opened at creation so that a bad path fails early */
    FILE *fragments;  /* PATH.parts: the <testcase> elements as they came */
    char *parts_path; /* its name while it still has one (POSIX unlinks it at once) */
    long long fragments_size;
    junit_group *groups;
    size_t n_groups, cap_groups;
    size_t *table;    /* open addressing: group index + 1, 0 = empty */
    size_t table_size;
    double started_at;
    int failed;       /* a write failed: reported once, no report is produced */
    int finished;
    const char *error;     /* during run_failed only: why the run stopped */
    int error_exit_code;
    fl_bytes xml, text;
} junit_reporter;

/* ---- reporting our own failures --------------------------------------------------------- */

/* The callbacks cannot return errors (report.h), so a failure to write the report is said
 * on stderr, once, and the half-made file is removed at the end. */
static void io_failure(junit_reporter *j, const char *what)
{
    if (!j->failed)
        fprintf(stderr, "forkless: JUnit report %s: %s: %s\n", j->path, what, strerror(errno));
    j->failed = 1;
}

/* ---- escaping ------------------------------------------------------------------------- */

/* Appends text cleaned to XML 1.0 and escaped for an attribute value (attr) or content. */
static void put_escaped(junit_reporter *j, fl_bytes *b, const char *s, size_t n, int attr)
{
    fl_bytes_reset(&j->text);
    fl_text_clean(&j->text, s, n, FL_TEXT_XML);
    const char *t = fl_report_text(&j->text);
    size_t run = 0, len = j->text.len;
    for (size_t i = 0; i < len; i++) {
        const char *rep = NULL;
        switch (t[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '\r': rep = "&#13;"; break;
        case '"': rep = attr ? "&quot;" : NULL; break;
        case '\'': rep = attr ? "&apos;" : NULL; break;
        case '\n': rep = attr ? "&#10;" : NULL; break;
        case '\t': rep = attr ? "&#9;" : NULL; break;
        }
        if (rep) {
            fl_bytes_append(b, t + run, i - run);
            fl_bytes_puts(b, rep);
            run = i + 1;
        }
    }
    fl_bytes_append(b, t + run, len - run);
}

static void put_attr(junit_reporter *j, fl_bytes *b, const char *name, const char *value)
{
    fl_bytes_printf(b, " %s=\"", name);
    put_escaped(j, b, value, strlen(value), 1);
    fl_report_putc(b, '"');
}

/* ---- groups ---------------------------------------------------------------------------- */

static size_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

static int table_grow(junit_reporter *j)
{
    size_t size = j->table_size ? j->table_size * 2 : 64;
    size_t *table = calloc(size, sizeof *table);
    if (!table)
        return 0;
    for (size_t g = 0; g < j->n_groups; g++) {
        size_t k = hash_name(j->groups[g].name) & (size - 1);
        while (table[k])
            k = (k + 1) & (size - 1);
        table[k] = g + 1;
    }
    free(j->table);
    j->table = table;
    j->table_size = size;
    return 1;
}

/* The group of this name, created at its first test; NULL when memory runs out. */
static junit_group *group_named(junit_reporter *j, const char *name)
{
    if (j->table_size) {
        size_t k = hash_name(name) & (j->table_size - 1);
        for (; j->table[k]; k = (k + 1) & (j->table_size - 1))
            if (strcmp(j->groups[j->table[k] - 1].name, name) == 0)
                return &j->groups[j->table[k] - 1];
    }
    if ((j->n_groups + 1) * 2 > j->table_size && !table_grow(j))
        return NULL;
    if (j->n_groups == j->cap_groups) {
        size_t cap = j->cap_groups ? j->cap_groups * 2 : 16;
        junit_group *grown = realloc(j->groups, cap * sizeof *grown);
        if (!grown)
            return NULL;
        j->groups = grown;
        j->cap_groups = cap;
    }
    junit_group *g = &j->groups[j->n_groups];
    memset(g, 0, sizeof *g);
    g->name = strdup(name);
    if (!g->name)
        return NULL;
    size_t k = hash_name(name) & (j->table_size - 1);
    while (j->table[k])
        k = (k + 1) & (j->table_size - 1);
    j->table[k] = ++j->n_groups;
    return g;
}

/* Records that bytes [offset, offset+length) of the fragments file belong to g; pieces
 * that follow each other merge. */
static int group_add_piece(junit_group *g, const fpos_t *start, long long offset, long long length)
{
    if (g->n_pieces > 0) {
        piece *last = &g->pieces[g->n_pieces - 1];
        if (last->offset + last->length == offset) {
            last->length += length;
            return 1;
        }
    }
    if (g->n_pieces == g->cap_pieces) {
        size_t cap = g->cap_pieces ? g->cap_pieces * 2 : 4;
        piece *grown = realloc(g->pieces, cap * sizeof *grown);
        if (!grown)
            return 0;
        g->pieces = grown;
        g->cap_pieces = cap;
    }
    g->pieces[g->n_pieces++] = (piece){*start, offset, length};
    return 1;
}

/* ---- one test case ---------------------------------------------------------------------- */

/* The test's name inside its group: the id without its "group." prefix. */
static const char *case_name(const fl_test_event *ev)
{
    size_t n = strlen(ev->group);
    if (n > 0 && strncmp(ev->id, ev->group, n) == 0 && ev->id[n] == '.' && ev->id[n + 1])
        return ev->id + n + 1;
    return ev->id;
}

static void put_output(junit_reporter *j, fl_bytes *b, const char *output)
{
    size_t len = strlen(output), cut_lines, cut_bytes;
    const char *tail =
        fl_text_tail(output, len, OUTPUT_MAX_LINES, OUTPUT_MAX_BYTES, &cut_lines, &cut_bytes);
    if (cut_bytes > 0) {
        char size[32];
        fl_format_size(size, sizeof size, cut_bytes);
        fl_bytes_printf(b, "[forkless: the first %zu lines (%s) of the output were cut]\n",
                      cut_lines, size);
    }
    put_escaped(j, b, tail, len - (size_t)(tail - output), 0);
}

/* <failure>, <error> or <skipped>, with its message attribute and details as content. */
static void put_outcome(junit_reporter *j, fl_bytes *b, const fl_test_event *ev)
{
    const char *element, *message = ev->message;
    switch (ev->status) {
    case FL_STATUS_FAIL:
    case FL_STATUS_XPASS:
        element = "failure";
        if (!message && ev->status == FL_STATUS_XPASS)
            message = "passed unexpectedly (expected to fail)";
        break;
    case FL_STATUS_ERROR:
    case FL_STATUS_CRASH:
    case FL_STATUS_TIMEOUT:
        element = "error";
        break;
    case FL_STATUS_SKIP:
    case FL_STATUS_NONE:
        element = "skipped";
        if (!message && ev->status == FL_STATUS_NONE)
            message = "not run";
        break;
    default:
        return;
    }
    fl_bytes_printf(b, "      <%s", element);
    if (message)
        put_attr(j, b, "message", message);
    if (ev->status != FL_STATUS_SKIP && ev->status != FL_STATUS_NONE)
        put_attr(j, b, "type", fl_status_name(ev->status));
    const char *body = ev->details && *ev->details ? ev->details : ev->message;
    if (ev->status == FL_STATUS_SKIP || ev->status == FL_STATUS_NONE || !body || !*body) {
        fl_bytes_puts(b, "/>\n");
        return;
    }
    fl_report_putc(b, '>');
    put_escaped(j, b, body, strlen(body), 0);
    fl_bytes_printf(b, "</%s>\n", element);
}

static void build_testcase(junit_reporter *j, fl_bytes *b, const fl_test_event *ev)
{
    fl_bytes_puts(b, "    <testcase");
    put_attr(j, b, "classname", ev->group);
    put_attr(j, b, "name", case_name(ev));
    fl_bytes_printf(b, " time=\"%.3f\"", ev->duration > 0 ? ev->duration : 0.0);
    if (ev->file) {
        put_attr(j, b, "file", ev->file);
        if (ev->line > 0)
            fl_bytes_printf(b, " line=\"%d\"", ev->line);
    }
    int has_output = ev->output && *ev->output;
    int xfail = ev->status == FL_STATUS_XFAIL;
    if (ev->status == FL_STATUS_PASS || (xfail && !has_output && !ev->message)) {
        fl_bytes_puts(b, "/>\n");
        return;
    }
    fl_bytes_puts(b, ">\n");
    put_outcome(j, b, ev);
    if (has_output || xfail) {
        fl_bytes_puts(b, "      <system-out>");
        if (xfail) {
            fl_bytes_puts(b, "[forkless: expected failure (xfail)");
            if (ev->message) {
                fl_bytes_puts(b, ": ");
                put_escaped(j, b, ev->message, strlen(ev->message), 0);
            }
            fl_bytes_puts(b, "]\n");
        }
        if (has_output)
            put_output(j, b, ev->output);
        fl_bytes_puts(b, "</system-out>\n");
    }
    fl_bytes_puts(b, "    </testcase>\n");
}

static void count_in_group(junit_group *g, const fl_test_event *ev)
{
    g->tests++;
    g->time += ev->duration > 0 ? ev->duration : 0;
    switch (ev->status) {
    case FL_STATUS_FAIL:
    case FL_STATUS_XPASS: g->failures++; break;
    case FL_STATUS_ERROR:
    case FL_STATUS_CRASH:
    case FL_STATUS_TIMEOUT: g->errors++; break;
    case FL_STATUS_SKIP:
    case FL_STATUS_NONE: g->skipped++; break;
    default: break;
    }
}

/* ---- the callbacks ------------------------------------------------------------------- */

static void junit_run_start(fl_reporter *r, const fl_run_info *info)
{
    junit_reporter *j = (junit_reporter *)r;
    j->started_at = info->started_at;
}

static void junit_test_start(fl_reporter *r, const char *id, int slot) { (void)r, (void)id, (void)slot; }

static void junit_test_done(fl_reporter *r, const fl_test_event *ev)
{
    junit_reporter *j = (junit_reporter *)r;
    if (j->failed || j->finished)
        return;
    junit_group *g = group_named(j, ev->group ? ev->group : "");
    if (!g) {
        errno = ENOMEM;
        io_failure(j, "keeping the groups");
        return;
    }
    fl_bytes_reset(&j->xml);
    fl_test_event copy = *ev;
    if (!copy.group)
        copy.group = "";
    build_testcase(j, &j->xml, &copy);
    fpos_t start;
    if (fgetpos(j->fragments, &start) != 0 ||
        fwrite(fl_report_text(&j->xml), 1, j->xml.len, j->fragments) != j->xml.len) {
        io_failure(j, "writing to a temporary file");
        return;
    }
    if (!group_add_piece(g, &start, j->fragments_size, (long long)j->xml.len)) {
        errno = ENOMEM;
        io_failure(j, "keeping the groups");
        return;
    }
    j->fragments_size += (long long)j->xml.len;
    count_in_group(g, ev);
}

static void junit_worker_event(fl_reporter *r, const fl_worker_event *ev) { (void)r, (void)ev; }
static void junit_tick(fl_reporter *r, double elapsed) { (void)r, (void)elapsed; }

static void put_timestamp(fl_bytes *b, double epoch)
{
    time_t t = (time_t)epoch;
    struct tm *tm = epoch > 0 ? gmtime(&t) : NULL;
    char stamp[32];
    if (tm && strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", tm) > 0)
        fl_bytes_printf(b, " timestamp=\"%s\"", stamp);
}

/* Copies the pieces of g from the fragments file to the report. */
static int copy_pieces(junit_reporter *j, const junit_group *g)
{
    char chunk[64 * 1024];
    for (size_t i = 0; i < g->n_pieces; i++) {
        if (fsetpos(j->fragments, &g->pieces[i].start) != 0)
            return 0;
        long long left = g->pieces[i].length;
        while (left > 0) {
            size_t want = left < (long long)sizeof chunk ? (size_t)left : sizeof chunk;
            if (fread(chunk, 1, want, j->fragments) != want || fwrite(chunk, 1, want, j->out) != want)
                return 0;
            left -= (long long)want;
        }
    }
    return 1;
}

/* The kind of error, from the exit code it gives (forkless.h: 2, 3, 130). */
static const char *error_type(int exit_code)
{
    switch (exit_code) {
    case FL_EXIT_USAGE: return "usage";
    case FL_EXIT_INFRA: return "infrastructure";
    case FL_EXIT_INTERRUPTED: return "interrupted";
    default: return "error";
    }
}

/* <testsuite name="forkless"> with one <testcase classname="forkless" name="run"> whose
 * <error> says why the run stopped: the first line as the message, the whole text as
 * the content. */
static void put_error_suite(junit_reporter *j, fl_bytes *b, double wall)
{
    double time = wall > 0 ? wall : 0.0;
    fl_bytes_printf(b, "  <testsuite name=\"forkless\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" "
                       "time=\"%.3f\"", time);
    put_timestamp(b, j->started_at);
    fl_bytes_printf(b, ">\n    <testcase classname=\"forkless\" name=\"run\" time=\"%.3f\">\n      <error",
                    time);
    const char *text = *j->error ? j->error : "(no message)";
    fl_bytes_puts(b, " message=\"");
    put_escaped(j, b, text, strcspn(text, "\n"), 1);
    fl_report_putc(b, '"');
    put_attr(j, b, "type", error_type(j->error_exit_code));
    fl_report_putc(b, '>');
    put_escaped(j, b, text, strlen(text), 0);
    fl_bytes_puts(b, "</error>\n    </testcase>\n  </testsuite>\n");
}

static int write_document(junit_reporter *j, const fl_summary *s)
{
    size_t tests = 0, failures = 0, errors = 0, skipped = 0;
    for (size_t i = 0; i < j->n_groups; i++) {
        tests += j->groups[i].tests;
        failures += j->groups[i].failures;
        errors += j->groups[i].errors;
        skipped += j->groups[i].skipped;
    }
    if (j->error) { /* the run's own error counts as one more test in error */
        tests++;
        errors++;
    }
    fl_bytes *b = &j->xml;
    fl_bytes_reset(b);
    fl_bytes_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fl_bytes_printf(b, "<testsuites name=\"forkless\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
                     "skipped=\"%zu\" time=\"%.3f\"",
                  tests, failures, errors, skipped, s->wall_seconds);
    put_timestamp(b, j->started_at);
    fl_bytes_puts(b, ">\n");
    if (fwrite(fl_report_text(b), 1, b->len, j->out) != b->len)
        return 0;
    for (size_t i = 0; i < j->n_groups; i++) {
        const junit_group *g = &j->groups[i];
        fl_bytes_reset(b);
        fl_bytes_puts(b, "  <testsuite");
        put_attr(j, b, "name", g->name);
        fl_bytes_printf(b, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\"",
                      g->tests, g->failures, g->errors, g->skipped, g->time);
        put_timestamp(b, j->started_at);
        fl_bytes_puts(b, ">\n");
        if (fwrite(fl_report_text(b), 1, b->len, j->out) != b->len || !copy_pieces(j, g) ||
            fputs("  </testsuite>\n", j->out) == EOF)
            return 0;
    }
    if (j->error) {
        fl_bytes_reset(b);
        put_error_suite(j, b, s->wall_seconds);
        if (fwrite(fl_report_text(b), 1, b->len, j->out) != b->len)
            return 0;
    }
    return fputs("</testsuites>\n", j->out) != EOF && fflush(j->out) == 0 && !ferror(j->out);
}

static void junit_run_end(fl_reporter *r, const fl_summary *s)
{
    junit_reporter *j = (junit_reporter *)r;
    if (j->finished)
        return;
    j->finished = 1;
    if (!j->failed && !write_document(j, s))
        io_failure(j, "writing");
    int closed = fclose(j->out) == 0;
    j->out = NULL;
    if (!j->failed && !closed)
        io_failure(j, "closing");
    if (!j->failed && fl_fs_rename(j->tmp_path, j->path, NULL) != FL_OK)
        io_failure(j, "renaming the finished file into place");
    if (j->failed)
        remove(j->tmp_path);
}

/* The run stopped on an error: the report of the tests that ended (none when it stopped
 * before they were listed) plus the forkless suite holding the error. */
static void junit_run_failed(fl_reporter *r, const fl_run_info *info, const fl_summary *s, const char *message)
{
    junit_reporter *j = (junit_reporter *)r;
    if (j->started_at <= 0 && info)
        j->started_at = info->started_at;
    j->error = message ? message : "";
    j->error_exit_code = s->exit_code;
    junit_run_end(r, s);
    j->error = NULL;
}

static void junit_destroy(fl_reporter *r)
{
    junit_reporter *j = (junit_reporter *)r;
    if (!j)
        return;
    if (j->out) { /* the run never ended: leave no half-written report */
        fclose(j->out);
        remove(j->tmp_path);
    }
    if (j->fragments)
        fclose(j->fragments);
    if (j->parts_path) /* Windows: an open file cannot be removed, so it goes now */
        remove(j->parts_path);
    free(j->parts_path);
    for (size_t i = 0; i < j->n_groups; i++) {
        free(j->groups[i].name);
        free(j->groups[i].pieces);
    }
    free(j->groups);
    free(j->table);
    fl_bytes_free(&j->xml);
    fl_bytes_free(&j->text);
    free(j->path);
    free(j->tmp_path);
    free(j);
}

int fl_junit_reporter_new(const char *path, fl_reporter **out, fl_error *err)
{
    junit_reporter *j = calloc(1, sizeof *j);
    if (!j)
        return fl_error_set(err, FL_ERR_NOMEM, "JUnit report %s: out of memory", path);
    j->base = (fl_reporter){junit_run_start, junit_test_start, junit_test_done, junit_worker_event,
                            junit_tick, junit_run_end, junit_destroy, junit_run_failed};
    j->path = strdup(path);
    j->tmp_path = malloc(strlen(path) + sizeof ".tmp");
    if (!j->path || !j->tmp_path) {
        junit_destroy(&j->base);
        return fl_error_set(err, FL_ERR_NOMEM, "JUnit report %s: out of memory", path);
    }
    sprintf(j->tmp_path, "%s.tmp", path);
    j->out = fopen(j->tmp_path, "wb"); /* "b": the same bytes (LF) on every OS */
    if (!j->out) {
        int e = errno;
        junit_destroy(&j->base);
        return fl_error_set(err, FL_ERR_IO, "JUnit report %s: cannot create %s.tmp: %s", path,
                            path, strerror(e));
    }
    j->parts_path = malloc(strlen(path) + sizeof ".parts");
    if (!j->parts_path) {
        junit_destroy(&j->base);
        return fl_error_set(err, FL_ERR_NOMEM, "JUnit report %s: out of memory", path);
    }
    sprintf(j->parts_path, "%s.parts", path);
    j->fragments = fopen(j->parts_path, "w+b");
    if (!j->fragments) {
        int e = errno;
        free(j->parts_path);
        j->parts_path = NULL;
        junit_destroy(&j->base);
        return fl_error_set(err, FL_ERR_IO, "JUnit report %s: cannot create %s.parts: %s", path, path,
                            strerror(e));
    }
    if (remove(j->parts_path) == 0) { /* POSIX: nameless from now on, gone even after a crash */
        free(j->parts_path);
        j->parts_path = NULL;
    }
    *out = &j->base;
    return FL_OK;
}
