/*
 * console.c — the console reporter.  On a terminal it keeps one live status line at the
 * bottom (done/total, failures, elapsed time, the tests running now), redrawn in place and
 * cut to the terminal's width; every failure is printed above it as it happens, with its
 * message, details and the tail of its captured output.  Off a terminal (CI logs) it
 * writes plain lines only, without a single control code.  At the end it lists the
 * failures once more, one line each, then a breakdown by status and, as the very last
 * line, "forkless: N passed, N failed, N skipped", which CI scripts parse.
 *
 * Memory stays flat whatever the number of tests: nothing is kept for a passing test;
 * for a failure only what its summary line needs, and only for the first
 * MAX_LISTED_FAILURES of them.
 */
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"
#include "report/report.h"
#include "report/report_util.h"

enum {
    MAX_LISTED_FAILURES = 1000,     /* failures remembered for the final list */
    SUMMARY_MESSAGE_BYTES = 160,    /* of a failure's message in the final list */
    OUTPUT_TAIL_LINES = 200,        /* of a failing test's captured output */
    OUTPUT_TAIL_BYTES = 64 * 1024,
};
#define REDRAW_INTERVAL 0.05  /* seconds between two redraws caused by test events */
#define SLOW_TEST_SECONDS 2.0 /* a running test this old shows its time on the status line */

#define SGR_RESET "\x1b[0m"
#define SGR_RED "\x1b[31m"
#define SGR_GREEN "\x1b[32m"
#define SGR_YELLOW "\x1b[33m"
#define SGR_BOLD "\x1b[1m"
#define CLEAR_LINE "\r\x1b[K"

typedef struct running_test {
    char *id;        /* NULL: the slot is idle */
    double started;  /* fl_monotonic() */
} running_test;

typedef struct listed_failure {
    fl_status status;
    char *id;
    char *message;   /* first line, cleaned and shortened; may be NULL */
} listed_failure;

typedef struct console_reporter {
    fl_reporter base; /* first: the coordinator sees only this */
    FILE *out;
    int color;        /* write SGR colour sequences */
    int live;         /* keep a status line redrawn in place */
    int verbose;
    fl_text_mode text_mode;

    int workers;
    size_t total, done, failed;
    double started;   /* fl_monotonic() at run_start */

    running_test *slots;
    size_t n_slots;

    int after_blank;  /* the last line printed was empty */
    int line_shown;   /* the status line is on screen and must be cleared before a print */
    double last_draw;
    fl_bytes line, text;

    listed_failure *failures;
    size_t n_failures, n_failures_total;
} console_reporter;

/* ---- deciding what the terminal gets ------------------------------------------------- */

static int env_set(const char *name) { return getenv(name) != NULL; }

static int env_true(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

/* ninja's rule: a terminal, and TERM says it understands escape sequences. */
static int is_smart_terminal(FILE *out)
{
    const char *term = getenv("TERM");
    return fl_is_terminal(out) && term && *term && strcmp(term, "dumb") != 0;
}

static int decide_color(int option, FILE *out)
{
    if (option == 0 || option == 1)
        return option;
    if (env_set("NO_COLOR"))
        return 0;
    if (env_true("CLICOLOR_FORCE"))
        return 1;
    return is_smart_terminal(out);
}

static int decide_live(int option, int no_capture, FILE *out)
{
    if (option == 0 || option == 1)
        return option;
    /* streamed worker output would be torn apart by a line redrawn in place */
    return !no_capture && is_smart_terminal(out);
}

/* ---- words and colours ------------------------------------------------------------------- */

static const char *status_word(fl_status s)
{
    switch (s) {
    case FL_STATUS_PASS: return "PASS";
    case FL_STATUS_FAIL: return "FAIL";
    case FL_STATUS_ERROR: return "ERROR";
    case FL_STATUS_SKIP: return "SKIP";
    case FL_STATUS_XFAIL: return "XFAIL";
    case FL_STATUS_XPASS: return "XPASS";
    case FL_STATUS_CRASH: return "CRASH";
    case FL_STATUS_TIMEOUT: return "TIMEOUT";
    default: return "NOTRUN";
    }
}

static const char *status_color(fl_status s)
{
    if (s == FL_STATUS_PASS || s == FL_STATUS_XFAIL)
        return SGR_GREEN;
    if (fl_status_is_failure(s))
        return SGR_RED;
    return SGR_YELLOW;
}

/* Appends the status word, coloured, padded to the widest word ("TIMEOUT"). */
static void put_status_word(console_reporter *c, fl_bytes *b, fl_status s);

/* Appends s to b, wrapped in the colour sgr when colours are on. */
static void put_colored(console_reporter *c, fl_bytes *b, const char *sgr, const char *s)
{
    if (c->color)
        fl_bytes_printf(b, "%s%s%s", sgr, s, SGR_RESET);
    else
        fl_bytes_puts(b, s);
}

static void put_status_word(console_reporter *c, fl_bytes *b, fl_status s)
{
    const char *word = status_word(s);
    put_colored(c, b, status_color(s), word);
    fl_bytes_printf(b, "%*s", 7 - (int)strlen(word), "");
}

static void format_elapsed(char *out, size_t size, double seconds)
{
    if (seconds < 60)
        snprintf(out, size, "%.1fs", seconds);
    else if (seconds < 3600)
        snprintf(out, size, "%dm%02ds", (int)(seconds / 60), (int)seconds % 60);
    else
        snprintf(out, size, "%dh%02dm", (int)(seconds / 3600), (int)(seconds / 60) % 60);
}

/* ---- the status line ---------------------------------------------------------------- */

static void clear_status(console_reporter *c)
{
    if (c->line_shown) {
        fputs(CLEAR_LINE, c->out);
        c->line_shown = 0;
    }
}

/* Appends "running: a (12s), b" with the longest-running tests first; a test running for
 * SLOW_TEST_SECONDS or more shows for how long, so that a hang is seen. */
static void append_running(console_reporter *c, fl_bytes *b)
{
    double now = fl_monotonic();
    size_t order[256], n = 0;
    for (size_t i = 0; i < c->n_slots && n < sizeof order / sizeof order[0]; i++) {
        if (!c->slots[i].id)
            continue;
        size_t j = n++;
        while (j > 0 && c->slots[order[j - 1]].started > c->slots[i].started) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    if (n == 0)
        return;
    fl_bytes_puts(b, " \xC2\xB7 running: ");
    for (size_t k = 0; k < n; k++) {
        if (k > 0)
            fl_bytes_puts(b, ", ");
        const running_test *t = &c->slots[order[k]];
        fl_text_clean(b, t->id, strlen(t->id), FL_TEXT_PLAIN);
        if (now - t->started >= SLOW_TEST_SECONDS) {
            char took[32];
            format_elapsed(took, sizeof took, now - t->started);
            fl_bytes_printf(b, " (%s)", took);
        }
    }
}

static void build_status(console_reporter *c, fl_bytes *b)
{
    char total[32], elapsed[32];
    int digits = snprintf(total, sizeof total, "%zu", c->total);
    fl_bytes_printf(b, "[%*zu/%s] ", digits, c->done, total);
    if (c->failed > 0) {
        char failed[48];
        snprintf(failed, sizeof failed, "%zu failed", c->failed);
        put_colored(c, b, SGR_RED, failed);
        fl_bytes_puts(b, " \xC2\xB7 ");
    }
    format_elapsed(elapsed, sizeof elapsed, fl_monotonic() - c->started);
    fl_bytes_puts(b, elapsed);
    append_running(c, b);
}

/* Redraws the status line; throttled unless force. */
static void draw_status(console_reporter *c, int force)
{
    if (!c->live)
        return;
    double now = fl_monotonic();
    if (!force && c->line_shown && now - c->last_draw < REDRAW_INTERVAL)
        return;
    c->last_draw = now;
    fl_bytes_reset(&c->line);
    build_status(c, &c->line);
    /* one column short of the width: writing the last column makes some terminals wrap */
    int width = fl_terminal_width(c->out);
    size_t cols = width > 2 ? (size_t)width - 1 : 1;
    const char *s = fl_report_text(&c->line);
    size_t len = c->line.len;
    fputs(CLEAR_LINE, c->out);
    if (fl_text_columns(s, len) > cols) {
        fwrite(s, 1, fl_text_fit(s, len, cols - 1), c->out);
        fputs("\xE2\x80\xA6", c->out); /* … */
    } else {
        fwrite(s, 1, len, c->out);
    }
    if (c->color && memchr(s, 0x1B, len))
        fputs(SGR_RESET, c->out);
    fflush(c->out);
    c->line_shown = 1;
}

/* ---- printing lines above the status line --------------------------------------------- */

/* Writes text with every line indented; cleaned of control codes first. */
static void put_indented(console_reporter *c, fl_bytes *b, const char *text, size_t len,
                         const char *indent)
{
    fl_bytes_reset(&c->text);
    fl_text_clean(&c->text, text, len, c->text_mode);
    const char *s = fl_report_text(&c->text), *end = s + c->text.len;
    if (end > s && end[-1] == '\n')
        end--;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *stop = nl ? nl : end;
        fl_bytes_puts(b, indent);
        fl_bytes_append(b, s, (size_t)(stop - s));
        fl_report_putc(b, '\n');
        s = nl ? nl + 1 : end;
    }
    if (c->color && memchr(fl_report_text(&c->text), 0x1B, c->text.len))
        fl_bytes_puts(b, SGR_RESET); /* the test's own colours end here */
}

static void append_output(console_reporter *c, fl_bytes *b, const char *output)
{
    size_t len = strlen(output), cut_lines, cut_bytes;
    const char *tail = fl_text_tail(output, len, OUTPUT_TAIL_LINES, OUTPUT_TAIL_BYTES,
                                    &cut_lines, &cut_bytes);
    if (cut_bytes > 0) {
        char size[32];
        fl_format_size(size, sizeof size, cut_bytes);
        fl_bytes_printf(b, "    ---- output: the first %zu line%s (%s) cut, the last part follows ----\n",
                      cut_lines, cut_lines == 1 ? "" : "s", size);
    } else {
        fl_bytes_puts(b, "    ---- output ----\n");
    }
    put_indented(c, b, tail, len - (size_t)(tail - output), "    ");
    fl_bytes_puts(b, "    ---- end of output ----\n");
}

/* "STATUS  [  0.012s] id" */
static void append_test_line(console_reporter *c, fl_bytes *b, const fl_test_event *ev)
{
    put_status_word(c, b, ev->status);
    fl_bytes_printf(b, " [%8.3fs] ", ev->duration);
    fl_text_clean(b, ev->id, strlen(ev->id), FL_TEXT_PLAIN);
}

static int same_text(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    while (la > 0 && (a[la - 1] == '\n' || a[la - 1] == ' '))
        la--;
    while (lb > 0 && (b[lb - 1] == '\n' || b[lb - 1] == ' '))
        lb--;
    return la == lb && memcmp(a, b, la) == 0;
}

/* The full block of a failure: its line, where it ran, message, details, output. */
static void append_failure_block(console_reporter *c, fl_bytes *b, const fl_test_event *ev)
{
    append_test_line(c, b, ev);
    fl_bytes_puts(b, " (");
    if (ev->file) {
        fl_text_clean(b, ev->file, strlen(ev->file), FL_TEXT_PLAIN);
        if (ev->line > 0)
            fl_bytes_printf(b, ":%d", ev->line);
        fl_bytes_puts(b, ", ");
    }
    fl_bytes_printf(b, "slot %d", ev->slot);
    if (ev->pid > 0)
        fl_bytes_printf(b, ", pid %ld", ev->pid);
    fl_bytes_puts(b, ")\n");
    if (ev->message && *ev->message)
        put_indented(c, b, ev->message, strlen(ev->message), "    ");
    else if (ev->status == FL_STATUS_XPASS)
        fl_bytes_puts(b, "    passed, but it is marked as expected to fail\n");
    if (ev->details && *ev->details && !(ev->message && same_text(ev->message, ev->details)))
        put_indented(c, b, ev->details, strlen(ev->details), "    ");
    if (ev->output && *ev->output)
        append_output(c, b, ev->output);
    fl_report_putc(b, '\n');
}

/* Prints b above the status line and redraws the line under it. */
static void print_above_status(console_reporter *c, const fl_bytes *b)
{
    clear_status(c);
    fwrite(fl_report_text(b), 1, b->len, c->out);
    c->after_blank = b->len >= 2 && memcmp(fl_report_text(b) + b->len - 2, "\n\n", 2) == 0;
    if (c->live)
        draw_status(c, 1);
    else
        fflush(c->out);
}

/* ---- remembering failures for the final list ------------------------------------------ */

static char *first_line_short(const char *message)
{
    if (!message || !*message)
        return NULL;
    fl_bytes b = {0};
    const char *nl = strchr(message, '\n');
    size_t len = nl ? (size_t)(nl - message) : strlen(message);
    fl_text_clean(&b, message, len, FL_TEXT_PLAIN);
    if (b.len > SUMMARY_MESSAGE_BYTES) {
        size_t keep = fl_text_fit(b.data, b.len, SUMMARY_MESSAGE_BYTES - 3);
        b.len = keep;
        b.data[keep] = 0;
        fl_bytes_puts(&b, "...");
    }
    return fl_bytes_take(&b);
}

static void remember_failure(console_reporter *c, const fl_test_event *ev)
{
    c->n_failures_total++;
    if (c->n_failures >= MAX_LISTED_FAILURES)
        return;
    if (!c->failures) {
        c->failures = calloc(MAX_LISTED_FAILURES, sizeof *c->failures);
        if (!c->failures)
            return;
    }
    listed_failure *f = &c->failures[c->n_failures];
    f->id = fl_text_clean_dup(ev->id, FL_TEXT_PLAIN);
    if (!f->id)
        return;
    f->status = ev->status;
    f->message = first_line_short(ev->message);
    c->n_failures++;
}

/* ---- slots ---------------------------------------------------------------------------- */

static running_test *slot_at(console_reporter *c, int slot)
{
    if (slot < 0)
        return NULL;
    if ((size_t)slot >= c->n_slots) {
        size_t n = (size_t)slot + 8;
        running_test *grown = realloc(c->slots, n * sizeof *grown);
        if (!grown)
            return NULL;
        memset(grown + c->n_slots, 0, (n - c->n_slots) * sizeof *grown);
        c->slots = grown;
        c->n_slots = n;
    }
    return &c->slots[slot];
}

/* ---- the callbacks ------------------------------------------------------------------- */

static void console_run_start(fl_reporter *r, const fl_run_info *info)
{
    console_reporter *c = (console_reporter *)r;
    c->workers = info->workers;
    c->total = info->total_tests;
    c->started = fl_monotonic();
    slot_at(c, info->workers);
    draw_status(c, 1);
}

static void console_test_start(fl_reporter *r, const char *id, int slot)
{
    console_reporter *c = (console_reporter *)r;
    running_test *t = slot_at(c, slot);
    if (t) {
        free(t->id);
        t->id = strdup(id);
        t->started = fl_monotonic();
    }
    draw_status(c, 0);
}

static void console_test_done(fl_reporter *r, const fl_test_event *ev)
{
    console_reporter *c = (console_reporter *)r;
    running_test *t = slot_at(c, ev->slot);
    if (t && t->id && strcmp(t->id, ev->id) == 0) {
        free(t->id);
        t->id = NULL;
    }
    c->done++;
    int failure = fl_status_is_failure(ev->status);
    if (failure) {
        c->failed++;
        remember_failure(c, ev);
    }
    if (failure || c->verbose) {
        fl_bytes b = {0};
        if (failure) {
            append_failure_block(c, &b, ev);
        } else {
            append_test_line(c, &b, ev);
            if ((ev->status == FL_STATUS_SKIP || ev->status == FL_STATUS_XFAIL) && ev->message && *ev->message) {
                /* Why it was skipped (or expected to fail): the first line of the reason. */
                size_t first = strcspn(ev->message, "\n");
                fl_bytes_puts(&b, ": ");
                fl_text_clean(&b, ev->message, first, FL_TEXT_PLAIN);
            }
            fl_report_putc(&b, '\n');
        }
        print_above_status(c, &b);
        fl_bytes_free(&b);
    } else {
        draw_status(c, 0);
    }
}

static void console_worker_event(fl_reporter *r, const fl_worker_event *ev)
{
    console_reporter *c = (console_reporter *)r;
    if (ev->kind == FL_WORKER_STARTED && !c->verbose)
        return;
    fl_bytes b = {0};
    fl_bytes_puts(&b, "forkless: ");
    if (ev->slot > 0)
        fl_bytes_printf(&b, "slot %d: ", ev->slot);
    switch (ev->kind) {
    case FL_WORKER_STARTED:
        fl_bytes_printf(&b, "worker %ld started", ev->pid);
        break;
    case FL_WORKER_EXITED:
        fl_bytes_printf(&b, "worker %ld ", ev->pid);
        put_colored(c, &b, SGR_RED, "died");
        break;
    case FL_WORKER_PROTOCOL_ERROR:
        fl_bytes_printf(&b, "worker %ld: ", ev->pid);
        put_colored(c, &b, SGR_RED, "protocol error");
        break;
    case FL_RUN_NOTICE:
        break;
    }
    if (ev->message && *ev->message) {
        if (ev->kind != FL_RUN_NOTICE)
            fl_bytes_puts(&b, ": ");
        const char *nl = strchr(ev->message, '\n');
        size_t first = nl ? (size_t)(nl - ev->message) : strlen(ev->message);
        fl_text_clean(&b, ev->message, first, FL_TEXT_PLAIN);
        fl_report_putc(&b, '\n');
        if (nl && nl[1])
            put_indented(c, &b, nl + 1, strlen(nl + 1), "    ");
    } else {
        fl_report_putc(&b, '\n');
    }
    print_above_status(c, &b);
    fl_bytes_free(&b);
}

static void console_tick(fl_reporter *r, double elapsed)
{
    (void)elapsed; /* the reporter keeps its own clock, also used between ticks */
    draw_status((console_reporter *)r, 1);
}

static void append_failure_list(console_reporter *c, fl_bytes *b)
{
    if (!c->after_blank)
        fl_report_putc(b, '\n');
    fl_bytes_printf(b, "failures (%zu):\n", c->n_failures_total);
    for (size_t i = 0; i < c->n_failures; i++) {
        listed_failure *f = &c->failures[i];
        fl_bytes_puts(b, "  ");
        put_status_word(c, b, f->status);
        fl_bytes_printf(b, " %s%s%s\n", f->id, f->message ? ": " : "", f->message ? f->message : "");
    }
    if (c->n_failures_total > c->n_failures)
        fl_bytes_printf(b, "  ... and %zu more, printed above\n", c->n_failures_total - c->n_failures);
    fl_report_putc(b, '\n');
}

/* "forkless: 400 tests in 3.21s on 4 workers: 390 pass, 3 fail, 12 not run; interrupted" */
static void append_breakdown(console_reporter *c, fl_bytes *b, const fl_summary *s)
{
    static const fl_status order[] = {FL_STATUS_PASS,  FL_STATUS_XFAIL, FL_STATUS_FAIL,
                                      FL_STATUS_XPASS, FL_STATUS_ERROR, FL_STATUS_CRASH,
                                      FL_STATUS_TIMEOUT, FL_STATUS_SKIP};
    fl_bytes_printf(b, "forkless: %zu test%s in %.2fs", s->total, s->total == 1 ? "" : "s",
                  s->wall_seconds);
    if (c->workers > 0)
        fl_bytes_printf(b, " on %d worker%s", c->workers, c->workers == 1 ? "" : "s");
    const char *sep = ": ";
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        size_t n = s->counts[order[i]];
        if (n == 0)
            continue;
        char part[64];
        snprintf(part, sizeof part, "%zu %s", n, fl_status_name(order[i]));
        fl_bytes_puts(b, sep);
        put_colored(c, b, status_color(order[i]), part);
        sep = ", ";
    }
    if (s->not_run > 0) {
        fl_bytes_printf(b, "%s%zu not run", sep, s->not_run);
        sep = ", ";
    }
    if (s->interrupted) {
        fl_bytes_puts(b, "; ");
        put_colored(c, b, SGR_YELLOW, "interrupted");
    }
    fl_report_putc(b, '\n');
}

static void console_run_end(fl_reporter *r, const fl_summary *s)
{
    console_reporter *c = (console_reporter *)r;
    clear_status(c);
    c->live = 0; /* nothing is redrawn after the end */
    fl_bytes b = {0};
    if (c->n_failures_total > 0)
        append_failure_list(c, &b);
    append_breakdown(c, &b, s);
    /* the last line, parsed by CI: plain, never coloured, nothing after it */
    fl_bytes_printf(&b, "forkless: %zu passed, %zu failed, %zu skipped\n", s->passed, s->failed,
                  s->skipped);
    fwrite(fl_report_text(&b), 1, b.len, c->out);
    fflush(c->out);
    fl_bytes_free(&b);
}

/* The run stopped on an error.  When it reached its test loop the summary is printed as
 * at any end; before that the caller prints the error, and only a status line still on
 * screen (a live line drawn while workers started) must go, so that the message starts a
 * clean line. */
static void console_run_failed(fl_reporter *r, const fl_run_info *info, const fl_summary *s, const char *message)
{
    (void)message;
    if (info && info->ran)
        console_run_end(r, s);
    else
        clear_status((console_reporter *)r);
}

static void console_destroy(fl_reporter *r)
{
    console_reporter *c = (console_reporter *)r;
    if (!c)
        return;
    for (size_t i = 0; i < c->n_slots; i++)
        free(c->slots[i].id);
    free(c->slots);
    for (size_t i = 0; i < c->n_failures; i++) {
        free(c->failures[i].id);
        free(c->failures[i].message);
    }
    free(c->failures);
    fl_bytes_free(&c->line);
    fl_bytes_free(&c->text);
    free(c);
}

int fl_console_reporter_new(const fl_console_options *o, fl_reporter **out, fl_error *err)
{
    fl_console_options defaults = {.out = stdout, .color = -1, .progress = -1};
    if (!o)
        o = &defaults;
    console_reporter *c = calloc(1, sizeof *c);
    if (!c)
        return fl_error_set(err, FL_ERR_NOMEM, "console reporter: out of memory");
    c->base.run_start = console_run_start;
    c->base.test_start = console_test_start;
    c->base.test_done = console_test_done;
    c->base.worker_event = console_worker_event;
    c->base.tick = console_tick;
    c->base.run_end = console_run_end;
    c->base.destroy = console_destroy;
    c->base.run_failed = console_run_failed;
    c->out = o->out ? o->out : stdout;
    c->color = decide_color(o->color, c->out);
    c->live = decide_live(o->progress, o->no_capture, c->out);
    c->verbose = o->verbose;
    c->text_mode = c->color ? FL_TEXT_COLOR : FL_TEXT_PLAIN;
    c->started = fl_monotonic();
    *out = &c->base;
    return FL_OK;
}
