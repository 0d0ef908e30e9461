/*
 * test_api.c — the runtime of the C test API (include/forkless/test.h).
 *
 * A test binary has three faces, chosen by its first argument:
 *   (none)             the runner: the same options and coordinator as `forkless run`,
 *                      with the worker command being this binary + --forkless-worker;
 *   --forkless-worker  a protocol v1 worker (docs/protocol.md) over FORKLESS_CHANNEL;
 *   --forkless-setup   runs the FL_DB_SETUP function against the template databases.
 * One code path for parallel runs: the runner never runs tests itself.  A runner started
 * inside a worker (FORKLESS_CHANNEL still set) refuses, so a mis-started binary cannot
 * spawn itself forever.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/protocol.h"
#include "core/strmap.h"
#include "core/util.h"
#include "forkless/forkless.h"
#include "forkless/test.h"
#include "platform/platform.h"

static fl_test_def *registered;
static fl_hook_def *hooks;

void fl_test_register(fl_test_def *def)
{
    def->next = registered;
    registered = def;
}

/* Tests gathered by the linker into one array (ELF section "fl_tests"); the registry is
 * built from it only when a worker needs it. */
static fl_test_def *section_begin, *section_end;

void fl_test_register_array(fl_test_def *begin, fl_test_def *end)
{
    section_begin = begin;
    section_end = end;
}

void fl_hook_register(fl_hook_def *def)
{
    def->next = hooks;
    hooks = def;
}

/* ---- failing, skipping -------------------------------------------------------------------- */

typedef enum outcome { OUT_PASS, OUT_FAIL, OUT_SKIP } outcome;

static jmp_buf *current_jump;
static outcome current_outcome;
static char current_message[4096];

FL__NORETURN static void leave(outcome o)
{
    current_outcome = o;
    if (!current_jump) {
        fprintf(stderr, "forkless: %s outside of a test: %s\n", o == OUT_SKIP ? "skip" : "failure", current_message);
        fflush(stderr);
        abort();
    }
    longjmp(*current_jump, 1);
}

void fl__fail(const char *file, int line, const char *fmt, ...)
{
    int n = snprintf(current_message, sizeof current_message, "%s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(current_message + n, sizeof current_message - (size_t)n, fmt, ap);
    va_end(ap);
    leave(OUT_FAIL);
    abort(); /* not reached: leave() jumps */
}

void fl__skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(current_message, sizeof current_message, fmt, ap);
    va_end(ap);
    leave(OUT_SKIP);
    abort(); /* not reached: leave() jumps */
}

/* Appends "s" (or NULL), cut at 400 bytes, to buf at *used. */
static void print_value(char *buf, size_t size, size_t *used, const char *s)
{
    int n;
    if (!s)
        n = snprintf(buf + *used, size - *used, "NULL");
    else
        n = snprintf(buf + *used, size - *used, "\"%.400s\"%s", s, strlen(s) > 400 ? "..." : "");
    if (n > 0)
        *used += (size_t)n < size - *used ? (size_t)n : size - *used - 1;
}

void fl__fail_str(const char *file, int line, const char *a_expr, const char *b_expr, const char *a, const char *b,
                  const char *op)
{
    char msg[2048]; /* on the stack: fl__fail jumps away, nothing may need freeing */
    int n = snprintf(msg, sizeof msg, "expected %.200s %s %.200s, got ", a_expr, op, b_expr);
    size_t used = n > 0 ? (size_t)n : 0;
    print_value(msg, sizeof msg, &used, a);
    used += (size_t)snprintf(msg + used, sizeof msg - used, " and ");
    print_value(msg, sizeof msg, &used, b);
    fl__fail(file, line, "%s", msg);
}

int fl__str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

int fl__contains(const char *haystack, const char *needle)
{
    return haystack && needle && strstr(haystack, needle) != NULL;
}

/* ---- what a test can ask ---------------------------------------------------------------- */

int fl_test_worker(void)
{
    const char *s = getenv("FORKLESS_WORKER");
    return s ? atoi(s) : 0;
}

static const char *db_variable(const char *alias, const char *suffix)
{
    char name[128] = "FORKLESS_DB_";
    size_t n = strlen(name);
    for (const char *p = alias; *p && n < 100; p++)
        name[n++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 32) : *p;
    snprintf(name + n, sizeof name - n, "%s", suffix);
    return getenv(name);
}

const char *fl_test_db_url(const char *alias) { return db_variable(alias, ""); }
const char *fl_test_db_name(const char *alias) { return db_variable(alias, "_NAME"); }

/* ---- the registry in definition order ------------------------------------------------- */

typedef struct registry {
    fl_test_def **tests;
    size_t n;
    fl_strmap by_id;
    char **ids;
} registry;

static int by_file_line(const void *a, const void *b)
{
    const fl_test_def *x = *(fl_test_def *const *)a, *y = *(fl_test_def *const *)b;
    int c = strcmp(x->file, y->file);
    if (c)
        return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

static void registry_build(registry *r)
{
    memset(r, 0, sizeof *r);
    size_t in_section = section_begin && section_end > section_begin ? (size_t)(section_end - section_begin) : 0;
    r->n = in_section;
    for (fl_test_def *d = registered; d; d = d->next)
        r->n++;
    r->tests = fl_xcalloc(r->n ? r->n : 1, sizeof *r->tests);
    r->ids = fl_xcalloc(r->n ? r->n : 1, sizeof *r->ids);
    size_t i = 0;
    for (size_t k = 0; k < in_section; k++)
        r->tests[i++] = &section_begin[k];
    for (fl_test_def *d = registered; d; d = d->next)
        r->tests[i++] = d;
    qsort(r->tests, r->n, sizeof *r->tests, by_file_line);
    for (i = 0; i < r->n; i++) {
        r->ids[i] = fl_xasprintf("%s.%s", r->tests[i]->group, r->tests[i]->name);
        fl_strmap_put(&r->by_id, r->ids[i], (uint32_t)i);
    }
}

static void registry_free(registry *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->ids[i]);
    free(r->ids);
    free(r->tests);
    fl_strmap_free(&r->by_id);
}

static fl_test_fn find_hook(fl_hook_kind kind, const char *group)
{
    for (fl_hook_def *h = hooks; h; h = h->next)
        if (h->kind == kind && (kind == FL_HOOK_DB_SETUP || !strcmp(h->group, group)))
            return h->fn;
    return NULL;
}

/* Runs fn with assertions armed; returns the outcome and leaves the message in
 * current_message. */
static outcome guarded_call(fl_test_fn fn)
{
    jmp_buf jump;
    current_message[0] = 0;
    current_outcome = OUT_PASS;
    current_jump = &jump;
    if (setjmp(jump) == 0)
        fn();
    current_jump = NULL;
    return current_outcome;
}

/* ---- the worker ----------------------------------------------------------------------- */

typedef struct worker_io {
    FILE *events;
    fl_bytes line;
} worker_io;

/* Writes the held lines (see emit_result), if any. */
static void send_held(worker_io *io)
{
    if (!io->line.len)
        return;
    fwrite(io->line.data, 1, io->line.len, io->events);
    fflush(io->events);
    fl_bytes_reset(&io->line);
}

/* Ends the line being built and writes it, with any held before it. */
static void emit(worker_io *io)
{
    fl_bytes_puts(&io->line, "\n");
    send_held(io);
}

static void emit_start(worker_io *io, const char *id)
{
    fl_bytes_puts(&io->line, "{\"type\":\"start\",\"id\":");
    fl_json_quote(&io->line, id);
    fl_bytes_puts(&io->line, "}");
    emit(io);
}

static void emit_result(worker_io *io, const char *id, const char *status, double duration, const char *message,
                        const char *output)
{
    fflush(stdout);
    fflush(stderr);
    fl_bytes_puts(&io->line, "{\"type\":\"result\",\"id\":");
    fl_json_quote(&io->line, id);
    fl_bytes_printf(&io->line, ",\"status\":\"%s\",\"duration\":%.6f", status, duration);
    if (message && *message) {
        fl_bytes_puts(&io->line, ",\"message\":");
        fl_json_quote(&io->line, message);
    }
    if (output && *output) {
        fl_bytes_puts(&io->line, ",\"output\":");
        fl_json_quote(&io->line, output);
    }
    fl_bytes_puts(&io->line, "}\n");
    /* Held: it goes out with the next test's start (or the group's end, or done), one
     * write and one wake-up of the coordinator per test instead of two.  Nothing runs in
     * between that could crash and lose it: group set-up and tear-down send it first. */
}

static void list_tests(worker_io *io, const registry *r)
{
    for (size_t i = 0; i < r->n; i++) {
        fl_bytes_puts(&io->line, "{\"type\":\"test\",\"id\":");
        fl_json_quote(&io->line, r->ids[i]);
        fl_bytes_puts(&io->line, ",\"group\":");
        fl_json_quote(&io->line, r->tests[i]->group);
        fl_bytes_puts(&io->line, ",\"file\":");
        fl_json_quote(&io->line, r->tests[i]->file);
        fl_bytes_printf(&io->line, ",\"line\":%d}\n", r->tests[i]->line);
        if (io->line.len >= 64 * 1024) /* the listing goes out in large writes */
            send_held(io);
    }
    fl_bytes_printf(&io->line, "{\"type\":\"listed\",\"count\":%zu}", r->n);
    emit(io);
}

/* Protocol lines are limited to 1 MiB: send at most the last 256 KiB of a test's output. */
static char *keep_output_tail(char *output, size_t len)
{
    enum { MAX_SENT = 256 * 1024 };
    if (!output || len <= MAX_SENT)
        return output;
    char *cut = fl_xasprintf("[forkless: the first %zu bytes of this test's output were cut]\n%s", len - MAX_SENT,
                             output + len - MAX_SENT);
    free(output);
    return cut;
}

static void run_one(worker_io *io, const fl_test_def *t, const char *id)
{
    emit_start(io, id);
    fl_error err = {0};
    const char *capture = getenv("FORKLESS_CAPTURE"); /* "0" with --no-capture: print live */
    int capturing = !(capture && !strcmp(capture, "0")) && fl_capture_begin(&err) == FL_OK;
    double t0 = fl_monotonic();
    outcome o = guarded_call(t->fn);
    double dt = fl_monotonic() - t0;
    size_t out_len = 0;
    char *output = capturing ? fl_capture_end(&out_len) : NULL;
    output = keep_output_tail(output, out_len);
    const char *status = o == OUT_SKIP ? "skip" : o == OUT_FAIL ? "fail" : "pass";
    if (t->flags & FL_TEST_EXPECT_FAIL) {
        if (o == OUT_FAIL)
            status = "xfail";
        else if (o == OUT_PASS) {
            status = "xpass";
            snprintf(current_message, sizeof current_message, "expected to fail, but passed");
        }
    }
    emit_result(io, id, status, dt, current_message, output);
    free(output);
}

typedef struct group_state {
    const char *group;        /* group whose set-up ran (or failed, or skipped) */
    int setup_failed;         /* OUT_FAIL or OUT_SKIP when the set-up did not pass */
    char setup_message[4096];
} group_state;

static void end_group(worker_io *io, group_state *g)
{
    if (!g->group)
        return;
    send_held(io); /* a crash in the tear-down must not take the last result with it */
    fl_test_fn teardown = g->setup_failed ? NULL : find_hook(FL_HOOK_GROUP_TEARDOWN, g->group);
    if (teardown && guarded_call(teardown) != OUT_PASS) {
        fprintf(stderr, "forkless: tear-down of group %s failed: %s\n", g->group, current_message);
        fflush(stderr);
    }
    g->group = NULL;
}

static void begin_group(worker_io *io, group_state *g, const char *group)
{
    end_group(io, g);
    send_held(io);
    g->group = group;
    g->setup_failed = 0;
    fl_test_fn setup = find_hook(FL_HOOK_GROUP_SETUP, group);
    outcome o = setup ? guarded_call(setup) : OUT_PASS;
    g->setup_failed = o != OUT_PASS ? (int)o : 0;
    if (o == OUT_FAIL)
        snprintf(g->setup_message, sizeof g->setup_message, "set-up of group %.200s failed: %.3800s", group,
                 current_message);
    else if (o == OUT_SKIP) /* FL_SKIP in a group's set-up skips the group */
        snprintf(g->setup_message, sizeof g->setup_message, "%s", current_message);
}

static void run_batch(worker_io *io, const registry *r, json_t *cmd)
{
    json_t *tests = json_object_get(cmd, "tests");
    group_state g = {0};
    size_t i;
    json_t *v;
    json_array_foreach(tests, i, v)
    {
        const char *id = json_string_value(v);
        uint32_t k = id ? fl_strmap_get(&r->by_id, id) : UINT32_MAX;
        if (k == UINT32_MAX) {
            emit_start(io, id ? id : "?");
            emit_result(io, id ? id : "?", "error", 0, "unknown test id", NULL);
            continue;
        }
        const fl_test_def *t = r->tests[k];
        if (!g.group || strcmp(g.group, t->group) != 0)
            begin_group(io, &g, t->group);
        if (g.setup_failed) {
            emit_start(io, id);
            emit_result(io, id, g.setup_failed == OUT_SKIP ? "skip" : "error", 0, g.setup_message, NULL);
            continue;
        }
        run_one(io, t, id);
    }
    end_group(io, &g);
    fl_bytes_printf(&io->line, "{\"type\":\"done\",\"batch\":%lld}",
                  (long long)json_integer_value(json_object_get(cmd, "batch")));
    emit(io);
}

static int worker_main(void)
{
    FILE *commands, *events;
    fl_error err = {0};
    if (fl_channel_open_from_env(&commands, &events, &err) != FL_OK) {
        fprintf(stderr, "forkless worker: %s\n", err.msg);
        return FL_EXIT_USAGE;
    }
    fl_die_with_parent();
    registry r;
    registry_build(&r);
    worker_io io = {events, {0}};
    fl_bytes_printf(&io.line, "{\"type\":\"hello\",\"protocol\":%d,\"worker\":\"forkless-c %s\",\"pid\":%ld",
                    FORKLESS_PROTOCOL_VERSION, FORKLESS_VERSION, fl_getpid());
    const char *capture = fl_capture_open(&err);
    if (capture) {
        fl_bytes_puts(&io.line, ",\"capture\":");
        fl_json_quote(&io.line, capture);
    }
    fl_bytes_puts(&io.line, "}");
    emit(&io);
    char *line = NULL;
    size_t cap = 0;
    long len;
    int code = 0;
    while ((len = fl_read_line(&line, &cap, commands)) > 0) {
        json_t *cmd = json_loadb(line, (size_t)len, 0, NULL);
        const char *type = json_string_value(json_object_get(cmd, "type"));
        if (!type) {
            fprintf(stderr, "forkless worker: cannot read the command: %.200s\n", line);
            code = FL_EXIT_INFRA;
        } else if (!strcmp(type, "list")) {
            list_tests(&io, &r);
        } else if (!strcmp(type, "run")) {
            run_batch(&io, &r, cmd);
        } else if (!strcmp(type, "shutdown")) {
            json_decref(cmd);
            break;
        }
        json_decref(cmd);
        if (code)
            break;
    }
    free(line);
    fl_capture_close();
    fl_bytes_free(&io.line);
    registry_free(&r);
    fclose(commands);
    fclose(events);
    return code;
}

/* ---- template set-up -------------------------------------------------------------------- */

static int setup_main(void)
{
    fl_test_fn fn = find_hook(FL_HOOK_DB_SETUP, NULL);
    if (!fn) {
        fprintf(stderr, "forkless: this binary has no FL_DB_SETUP function\n");
        return FL_EXIT_USAGE;
    }
    outcome o = guarded_call(fn);
    if (o != OUT_PASS) {
        fprintf(stderr, "forkless: database set-up failed: %s\n", current_message);
        return FL_EXIT_FAILED;
    }
    return FL_EXIT_PASSED;
}

/* ---- the runner ------------------------------------------------------------------------- */

static void print_usage(const char *prog)
{
    printf("Usage: %s [options]\n"
           "Runs this binary's tests in parallel: each worker is this binary re-executed with\n"
           "--forkless-worker, speaking the forkless protocol (docs/protocol.md).\n\n"
           "  -l, --list               list the test ids and exit\n"
           "  -h, --help               this help\n"
           "      --version            print the version\n",
           prog);
    fl_options_print_help(stdout);
    printf("\nExit codes: 0 all passed, 1 a test did not pass, 2 usage or configuration error,\n"
           "3 infrastructure error (spawn, database), 130 interrupted.\n");
}

/* Removes the runner-only flags (-l/--list) from argv, noting them. */
static int take_flag(int *argc, char **argv, const char *a, const char *b)
{
    for (int i = 1; i < *argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (!strcmp(argv[i], a) || (b && !strcmp(argv[i], b))) {
            memmove(argv + i, argv + i + 1, (size_t)(*argc - i) * sizeof *argv);
            (*argc)--;
            return 1;
        }
    }
    return 0;
}

static int runner_main(int argc, char **argv)
{
    if (getenv("FORKLESS_CHANNEL")) {
        fprintf(stderr, "%s: refusing to start a run inside a forkless worker (FORKLESS_CHANNEL is set); "
                        "workers are started with --forkless-worker\n", argv[0]);
        return FL_EXIT_USAGE;
    }
    if (take_flag(&argc, argv, "--help", "-h")) {
        print_usage(argv[0]);
        return 0;
    }
    if (take_flag(&argc, argv, "--version", NULL)) {
        printf("forkless %s (protocol %d)\n", FORKLESS_VERSION, FORKLESS_PROTOCOL_VERSION);
        return 0;
    }
    int list = take_flag(&argc, argv, "--list", "-l");
    char *self = fl_self_exe();
    if (!self) {
        fprintf(stderr, "%s: cannot find the path of this executable\n", argv[0]);
        return FL_EXIT_INFRA;
    }
    fl_options o;
    fl_options_init(&o);
    fl_error err = {0};
    int used = 0;
    int rc = fl_options_load(&o, argc - 1, argv + 1, 0, &used, &err);
    if (rc == FL_OK) {
        char *worker[] = {self, "--forkless-worker", NULL};
        rc = fl_options_set_worker(&o, worker, 2, &err);
    }
    if (rc == FL_OK && !o.setup_argv && find_hook(FL_HOOK_DB_SETUP, NULL)) {
        o.setup_argv = fl_xcalloc(3, sizeof *o.setup_argv);
        o.setup_argv[0] = fl_xstrdup(self);
        o.setup_argv[1] = fl_xstrdup("--forkless-setup");
    }
    o.list_only = list;
    fl_summary sum;
    int exit_code;
    if (rc == FL_OK)
        rc = fl_run(&o, &sum, &err);
    if (rc != FL_OK) {
        fprintf(stderr, "%s: %s\n", argv[0], err.msg);
        exit_code = fl_exit_code_for(rc);
    } else {
        exit_code = sum.exit_code;
    }
    fl_options_free(&o);
    free(self);
    return exit_code;
}

int fl__test_main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--forkless-worker"))
        return worker_main();
    if (argc > 1 && !strcmp(argv[1], "--forkless-setup"))
        return setup_main();
    return runner_main(argc, argv);
}
