/*
 * coordinator.c — fl_run(): one run from start to summary.
 *
 * It provisions the databases (template once, a clone per slot), spawns one worker per
 * slot, asks slot 1 for the test list, then deals batches to idle workers and follows
 * their events in a single-threaded loop over non-blocking pipes (fl_wait).  Everything a
 * worker can do wrong ends in one place, worker_gone(): the test in flight is recorded
 * (crash, timeout or protocol error), the rest of its batch goes back to the scheduler,
 * the slot's clone is re-made and a new worker takes the slot — unless the slot keeps
 * dying without finishing a test, which stops the run with a clear error instead of
 * looping (or hanging, as Django's runner does).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/protocol.h"
#include "core/scheduler.h"
#include "core/util.h"
#include "platform/platform.h"
#include "report/report.h"

enum { MAX_OUTPUT_PER_TEST = 1024 * 1024, READ_CHUNK = 65536, TICK_MS = 100 };

typedef enum wstate {
    W_OFF,       /* no process */
    W_STARTING,  /* spawned, waiting for hello */
    W_IDLE,
    W_LISTING,
    W_BUSY,
    W_STOPPING,  /* shutdown sent */
    W_ENDING,    /* its channel closed or it was killed: waiting to reap it */
} wstate;

typedef struct worker {
    int slot;
    fl_proc *proc;
    long pid;
    wstate state;
    wstate state_before_end;
    double since;
    fl_lines events;
    fl_bytes commands;
    fl_bytes output;           /* captured output since the last result */
    uint32_t *batch;
    size_t n_batch, pos;
    long long batch_no;
    double test_started_at;
    int test_started;
    fl_status kill_status;   /* TIMEOUT or ERROR when we killed it for a reason */
    char *kill_reason;
    int cancelled;           /* killed because the run stops: tests in flight are not run */
    int kill_stage;          /* 0, 1 (SIGTERM sent), 2 (SIGKILL sent) */
    double kill_deadline;
    double end_deadline;
    int progressed;          /* a test of this process got a status */
    int deaths_in_a_row;     /* processes of this slot that died without progress */
    int ignore_events;
    char *capture_path;      /* the worker's capture file (hello), read if it dies */
} worker;

typedef struct run {
    const fl_options *o;
    fl_plan plan;
    worker *workers;
    int n_workers;
    fl_reporter *reporters[3];
    int n_reporters;
    fl_dbset *db;
    char run_id[16];
    char *durations_path;
    char *command_line;
    int listed;              /* the test list is complete */
    long long listed_count;
    int stop_dispatch;
    int cancel_requested;    /* --fail-fast: stop the batches in flight too */
    int interrupts;
    int fatal;
    fl_error fatal_err;
    long long next_batch_no;
    double started;
    double started_wall;     /* the same moment on the wall clock, for reports of an early failure */
} run;

static void drain_output(struct run *r, worker *w);

/* ---- reporting helpers ------------------------------------------------------------------ */

static void notify_worker(run *r, fl_worker_event_kind kind, const worker *w, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fl_worker_event ev = {kind, w ? w->slot : 0, w ? w->pid : 0, msg};
    for (int i = 0; i < r->n_reporters; i++)
        if (r->reporters[i]->worker_event)
            r->reporters[i]->worker_event(r->reporters[i], &ev);
}

static void stop_with_error(run *r, int code, const char *fmt, ...)
{
    if (r->fatal)
        return;
    r->fatal = 1;
    r->stop_dispatch = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->fatal_err.msg, sizeof r->fatal_err.msg, fmt, ap);
    va_end(ap);
    r->fatal_err.code = code;
}

static void record_result(run *r, worker *w, uint32_t t, fl_status status, double duration, const char *message,
                          const char *details)
{
    fl_test *test = &r->plan.tests[t];
    fl_group *g = &r->plan.groups[test->group];
    test->status = (uint8_t)status;
    test->duration = (float)duration;
    g->measured += duration;
    g->finished++;
    w->progressed = 1;
    w->deaths_in_a_row = 0;
    fl_test_event ev = {
        .id = test->id, .group = g->name, .file = test->file, .line = test->line,
        .status = status, .duration = duration, .message = message, .details = details,
        .output = r->o->no_capture ? NULL : w->output.data, .slot = w->slot, .pid = w->pid,
    };
    for (int i = 0; i < r->n_reporters; i++)
        r->reporters[i]->test_done(r->reporters[i], &ev);
    fl_bytes_reset(&w->output);
    if (fl_status_is_failure(status) && r->o->fail_fast && !r->stop_dispatch) {
        r->stop_dispatch = 1;
        r->cancel_requested = 1; /* the loop stops the workers still in a batch */
        notify_worker(r, FL_RUN_NOTICE, NULL, "--fail-fast: stopping after the first failure (%s)", test->id);
    }
}

/* ---- worker processes ------------------------------------------------------------------- */

typedef struct env_builder {
    fl_strvec owned;
    char **env;
    size_t n, cap;
} env_builder;

static void env_add(env_builder *e, char *owned)
{
    if (e->n + 2 > e->cap) {
        e->cap = e->cap ? e->cap * 2 : 64;
        e->env = fl_xrealloc(e->env, e->cap * sizeof *e->env);
    }
    e->env[e->n++] = owned;
    e->env[e->n] = NULL;
}

static int env_add_db(void *ud, const char *name, const char *value)
{
    env_builder *e = ud;
    char *s = fl_xasprintf("%s=%s", name, value);
    fl_strvec_push(&e->owned, s);
    env_add(e, s);
    return 0;
}

/* 1 for a variable a worker gets from forkless itself (an outer run's value must not leak
 * into this one's workers); other FORKLESS_* variables (test settings) pass through. */
static int set_by_forkless(const char *var, int with_db)
{
    static const char *const ours[] = {"FORKLESS_WORKER=", "FORKLESS_WORKERS=", "FORKLESS_RUN_ID=",
                                       "FORKLESS_CHANNEL=", "FORKLESS_DB_", "FORKLESS_CAPTURE="};
    for (size_t i = 0; i < sizeof ours / sizeof *ours; i++)
        if (!strncmp(var, ours[i], strlen(ours[i])))
            return 1;
    return with_db && !strncmp(var, "DATABASE_URL=", 13);
}

/* Our environment minus what forkless sets, plus the slot's variables. */
static int build_worker_env(run *r, int slot, env_builder *e, fl_error *err)
{
    memset(e, 0, sizeof *e);
    for (char **p = fl_environ(); *p; p++)
        if (!set_by_forkless(*p, r->db != NULL))
            env_add(e, *p);
    char num[32];
    snprintf(num, sizeof num, "%d", slot);
    env_add_db(e, "FORKLESS_WORKER", num);
    snprintf(num, sizeof num, "%d", r->n_workers);
    env_add_db(e, "FORKLESS_WORKERS", num);
    env_add_db(e, "FORKLESS_RUN_ID", r->run_id);
    if (r->o->no_capture) /* workers that capture per test print live instead */
        env_add_db(e, "FORKLESS_CAPTURE", "0");
    if (r->db)
        return fl_dbset_worker_env(r->db, slot, env_add_db, e, err);
    return FL_OK;
}

static void env_free(env_builder *e)
{
    fl_strv_free(fl_strvec_finish(&e->owned));
    free(e->env);
}

static void reset_worker(worker *w)
{
    fl_proc_free(w->proc);
    w->proc = NULL;
    w->pid = 0;
    w->state = W_OFF;
    fl_lines_free(&w->events);
    fl_bytes_free(&w->commands);
    fl_bytes_reset(&w->output);
    free(w->batch);
    w->batch = NULL;
    w->n_batch = w->pos = 0;
    w->test_started = 0;
    w->kill_status = FL_STATUS_NONE;
    free(w->kill_reason);
    w->kill_reason = NULL;
    w->cancelled = w->kill_stage = 0;
    w->progressed = 0;
    w->ignore_events = 0;
    free(w->capture_path);
    w->capture_path = NULL;
}

static int start_worker(run *r, worker *w, fl_error *err)
{
    env_builder env;
    int rc = build_worker_env(r, w->slot, &env, err);
    if (rc == FL_OK) {
        fl_spawn_opts so = {
            .argv = r->o->worker_argv, .envp = env.env, .capture_output = !r->o->no_capture,
            .with_channel = 1, .stdin_null = 1, .new_group = 1,
        };
        rc = fl_spawn(&so, &w->proc, err);
    }
    env_free(&env);
    if (rc != FL_OK)
        return rc;
    w->pid = fl_proc_pid(w->proc);
    w->state = W_STARTING;
    w->since = fl_monotonic();
    notify_worker(r, FL_WORKER_STARTED, w, "%s", "");
    return FL_OK;
}

/* Kills a worker for a reason; what happens to its test is decided when it is reaped. */
static void kill_worker(worker *w, fl_status status, int force, double grace, const char *fmt, ...)
{
    if (w->state == W_OFF || !w->proc)
        return;
    if (!w->kill_reason && fmt) {
        char msg[2048];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        w->kill_reason = fl_xstrdup(msg);
        w->kill_status = status;
    }
    if (force || grace <= 0) {
        fl_proc_kill(w->proc, 1);
        w->kill_stage = 2;
    } else if (w->kill_stage == 0) {
        fl_proc_kill(w->proc, 0);
        w->kill_stage = 1;
        w->kill_deadline = fl_monotonic() + grace;
    }
}

static void protocol_error(run *r, worker *w, const char *what, const char *line, size_t len)
{
    char excerpt[256] = "";
    if (line)
        fl_quote_excerpt(excerpt, sizeof excerpt, line, len, 200);
    notify_worker(r, FL_WORKER_PROTOCOL_ERROR, w, "%s%s%s%s", what, line ? ": '" : "", excerpt, line ? "'" : "");
    w->ignore_events = 1;
    kill_worker(w, FL_STATUS_ERROR, 1, 0, "worker broke the protocol: %s%s%s%s", what, line ? ": '" : "", excerpt,
                line ? "'" : "");
}

/* ---- dispatch ------------------------------------------------------------------------- */

static void give_batch(run *r, worker *w, uint32_t *tests, size_t n)
{
    w->batch = tests;
    w->n_batch = n;
    w->pos = 0;
    w->batch_no = ++r->next_batch_no;
    fl_cmd_run_begin(&w->commands, w->batch_no);
    for (size_t i = 0; i < n; i++)
        fl_cmd_run_add(&w->commands, r->plan.tests[tests[i]].id, i == 0);
    fl_cmd_run_end(&w->commands);
    w->state = W_BUSY;
    w->test_started = 0;
    w->test_started_at = fl_monotonic();
}

static int any_busy(const run *r)
{
    for (int i = 0; i < r->n_workers; i++)
        if (r->workers[i].state == W_BUSY || r->workers[i].state == W_LISTING)
            return 1;
    return 0;
}

static void shutdown_worker(worker *w)
{
    fl_cmd_shutdown(&w->commands);
    w->state = W_STOPPING;
    w->since = fl_monotonic();
}

static void dispatch(run *r)
{
    if (!r->listed)
        return;
    for (int i = 0; i < r->n_workers; i++) {
        worker *w = &r->workers[i];
        if (w->state != W_IDLE)
            continue;
        uint32_t *tests;
        size_t n;
        if (r->stop_dispatch || !fl_plan_next_batch(&r->plan, &tests, &n)) {
            if (!any_busy(r) || r->stop_dispatch)
                shutdown_worker(w);
            continue;
        }
        give_batch(r, w, tests, n);
    }
    if (!any_busy(r)) /* the last batch finished: release idle workers */
        for (int i = 0; i < r->n_workers; i++)
            if (r->workers[i].state == W_IDLE && r->plan.n_requeued == 0 &&
                (r->stop_dispatch || r->plan.next_group >= r->plan.n_groups))
                shutdown_worker(&r->workers[i]);
}

/* ---- events ------------------------------------------------------------------------------ */

static void finish_listing(run *r, worker *w)
{
    fl_plan_finalize(&r->plan, r->durations_path, r->n_workers);
    r->listed = 1;
    w->state = W_IDLE;
    if (r->o->list_only) {
        for (size_t i = 0; i < r->plan.n_tests; i++)
            printf("%s\n", r->plan.tests[i].id);
        fflush(stdout);
        r->stop_dispatch = 1;
        return;
    }
    fl_run_info info = {r->run_id, r->command_line, r->n_workers, r->plan.n_tests, r->plan.n_groups,
                        fl_wall_clock(), 0};
    for (int i = 0; i < r->n_reporters; i++)
        r->reporters[i]->run_start(r->reporters[i], &info);
}

static int expect_current(run *r, worker *w, const fl_event *ev, const char *line, size_t len)
{
    if (w->state != W_BUSY || w->pos >= w->n_batch) {
        protocol_error(r, w, "a test event outside of a run", line, len);
        return 0;
    }
    const char *want = r->plan.tests[w->batch[w->pos]].id;
    if (strcmp(ev->id, want) != 0) {
        char what[400];
        snprintf(what, sizeof what, "an event for \"%.120s\" while \"%.120s\" is running", ev->id, want);
        protocol_error(r, w, what, line, len);
        return 0;
    }
    return 1;
}

/* Only files named like ours are ever read or removed: a worker's word is not enough. */
static int is_capture_file(const char *path)
{
    const char *base = strrchr(path, '/');
    return base && !strncmp(base + 1, "forkless-capture-", 17) && !strstr(path, "..");
}

/* After a worker died in a test: what the test wrote to its capture file (the last 64 KiB),
 * then the file is removed — the worker could not. */
static void collect_capture(worker *w, int in_test)
{
    if (!w->capture_path)
        return;
    FILE *f = in_test ? fopen(w->capture_path, "rb") : NULL;
    if (f) {
        char buf[65536];
        if (fseek(f, 0, SEEK_END) == 0) {
            long size = ftell(f);
            fseek(f, size > (long)sizeof buf ? size - (long)sizeof buf : 0, SEEK_SET);
        }
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        fl_bytes_append(&w->output, buf, n);
    }
    remove(w->capture_path);
}

static void on_hello(run *r, worker *w, const fl_event *ev, const char *line, size_t len)
{
    if (w->state != W_STARTING) {
        protocol_error(r, w, "a second hello", line, len);
        return;
    }
    if (ev->protocol != FORKLESS_PROTOCOL_VERSION) {
        char what[128];
        snprintf(what, sizeof what, "it speaks protocol %lld, forkless speaks %d", ev->protocol,
                 FORKLESS_PROTOCOL_VERSION);
        protocol_error(r, w, what, line, len);
        return;
    }
    if (ev->capture && is_capture_file(ev->capture))
        w->capture_path = fl_xstrdup(ev->capture);
    if (!r->listed && w->slot == 1) {
        fl_cmd_list(&w->commands);
        w->state = W_LISTING;
        w->since = fl_monotonic();
    } else {
        w->state = W_IDLE;
    }
}

static void on_test(run *r, worker *w, const fl_event *ev, const char *line, size_t len)
{
    if (w->state != W_LISTING) {
        protocol_error(r, w, "a test listed without a list command", line, len);
        return;
    }
    fl_error err = {0};
    if (fl_plan_add_test(&r->plan, ev->id, ev->group, ev->file, (int)ev->line, (int)ev->phase, &err) != FL_OK)
        protocol_error(r, w, err.msg, line, len);
    r->listed_count++;
}

static void on_result(run *r, worker *w, const fl_event *ev, const char *line, size_t len)
{
    if (!expect_current(r, w, ev, line, len))
        return;
    /* What the worker printed on its stdout before the result belongs to the test. */
    drain_output(r, w);
    double now = fl_monotonic();
    double duration = ev->duration > 0 ? ev->duration : now - w->test_started_at;
    if (ev->output && *ev->output) {
        fl_bytes_puts(&w->output, ev->output);
        if (w->output.len > MAX_OUTPUT_PER_TEST)
            fl_bytes_keep_tail(&w->output, MAX_OUTPUT_PER_TEST / 2);
    }
    record_result(r, w, w->batch[w->pos], ev->status, duration, ev->message, ev->details);
    w->pos++;
    w->test_started = 0;
    w->test_started_at = now;
}

static void on_done(run *r, worker *w, const char *line, size_t len)
{
    if (w->state != W_BUSY) {
        protocol_error(r, w, "done outside of a run", line, len);
        return;
    }
    if (w->pos < w->n_batch) {
        char what[300];
        snprintf(what, sizeof what, "done before a result for \"%.200s\"", r->plan.tests[w->batch[w->pos]].id);
        protocol_error(r, w, what, line, len);
        return;
    }
    free(w->batch);
    w->batch = NULL;
    w->n_batch = w->pos = 0;
    w->state = W_IDLE;
}

static void handle_line(run *r, worker *w, char *line, size_t len)
{
    fl_event ev;
    fl_error err = {0};
    if (fl_event_parse(line, len, &ev, &err) != FL_OK) {
        protocol_error(r, w, err.msg, line, len);
        fl_event_free(&ev);
        return;
    }
    if (w->state == W_STARTING && ev.type != FL_EV_HELLO && ev.type != FL_EV_ERROR) {
        protocol_error(r, w, "the first message must be hello", line, len);
        fl_event_free(&ev);
        return;
    }
    switch (ev.type) {
    case FL_EV_HELLO: on_hello(r, w, &ev, line, len); break;
    case FL_EV_TEST: on_test(r, w, &ev, line, len); break;
    case FL_EV_LISTED:
        if (w->state != W_LISTING)
            protocol_error(r, w, "listed without a list command", line, len);
        else if (ev.count != r->listed_count)
            protocol_error(r, w, "the listed count differs from the number of tests sent", line, len);
        else
            finish_listing(r, w);
        break;
    case FL_EV_START:
        if (expect_current(r, w, &ev, line, len)) {
            w->test_started = 1;
            w->test_started_at = fl_monotonic();
            for (int i = 0; i < r->n_reporters; i++)
                if (r->reporters[i]->test_start)
                    r->reporters[i]->test_start(r->reporters[i], ev.id, w->slot);
        }
        break;
    case FL_EV_RESULT: on_result(r, w, &ev, line, len); break;
    case FL_EV_DONE: on_done(r, w, line, len); break;
    case FL_EV_ERROR:
        notify_worker(r, FL_WORKER_EXITED, w, "reported an error: %s", ev.message ? ev.message : "(no message)");
        w->ignore_events = 1;
        kill_worker(w, FL_STATUS_ERROR, 0, r->o->kill_grace, "the worker reported an error: %s",
                    ev.message ? ev.message : "(no message)");
        break;
    }
    fl_event_free(&ev);
}

/* ---- reading ------------------------------------------------------------------------------ */

static void drain_output(run *r, worker *w)
{
    fl_stream *s = w->proc ? fl_proc_output(w->proc) : NULL;
    char buf[READ_CHUNK];
    while (s && fl_stream_is_open(s)) {
        long n = fl_stream_read(s, buf, sizeof buf);
        if (n <= 0) {
            if (n == 0 || n == FL_STREAM_ERROR)
                fl_stream_close(s);
            break;
        }
        fl_bytes_append(&w->output, buf, (size_t)n);
        if (w->output.len > MAX_OUTPUT_PER_TEST)
            fl_bytes_keep_tail(&w->output, MAX_OUTPUT_PER_TEST / 2);
    }
    (void)r;
}

static void begin_ending(worker *w)
{
    if (w->state == W_ENDING)
        return;
    w->state_before_end = w->state;
    w->state = W_ENDING;
    /* A clean shutdown may take a moment; a crashed worker is already gone. */
    w->end_deadline = fl_monotonic() + (w->state_before_end == W_STOPPING ? 10.0 : 2.0);
}

static void read_events(run *r, worker *w)
{
    fl_stream *s = fl_proc_events(w->proc);
    char buf[READ_CHUNK];
    for (int rounds = 0; s && fl_stream_is_open(s) && rounds < 16; rounds++) {
        long n = fl_stream_read(s, buf, sizeof buf);
        if (n == FL_STREAM_AGAIN)
            break;
        if (n <= 0) {
            fl_stream_close(s);
            begin_ending(w);
            break;
        }
        if (w->ignore_events)
            continue;
        fl_lines_feed(&w->events, buf, (size_t)n);
        char *line;
        size_t len;
        int got;
        while (!w->ignore_events && (got = fl_lines_next(&w->events, &line, &len)) != 0) {
            if (got < 0) {
                protocol_error(r, w, "a line longer than 1 MiB", w->events.buf.data + w->events.start,
                               fl_lines_pending(&w->events));
                break;
            }
            if (len == 0)
                continue;
            handle_line(r, w, line, len);
        }
    }
}

static void write_commands(worker *w)
{
    fl_stream *s = fl_proc_commands(w->proc);
    while (w->commands.len > 0 && s && fl_stream_is_open(s)) {
        long n = fl_stream_write(s, w->commands.data, w->commands.len);
        if (n == FL_STREAM_AGAIN)
            return;
        if (n < 0) { /* the worker is gone; its exit is handled when it is reaped */
            fl_stream_close(s);
            fl_bytes_reset(&w->commands);
            return;
        }
        fl_bytes_consume(&w->commands, (size_t)n);
    }
}

/* ---- a worker ended ------------------------------------------------------------------------ */

static void account_in_flight(run *r, worker *w, const fl_exit *ex)
{
    if (w->state_before_end != W_BUSY || w->pos >= w->n_batch)
        return;
    uint32_t t = w->batch[w->pos];
    /* A worker that dies before saying `start` died between tests (e.g. in a group's
     * set-up): nothing is blamed, the tests go back; the respawn limit catches a loop.
     * When we killed it (timeout, protocol error), the test in flight gets the reason. */
    if (!w->cancelled && (w->test_started || w->kill_status != FL_STATUS_NONE)) {
        fl_status st = w->kill_status != FL_STATUS_NONE ? w->kill_status : FL_STATUS_CRASH;
        char msg[2300];
        if (w->kill_reason)
            snprintf(msg, sizeof msg, "%s", w->kill_reason);
        else
            snprintf(msg, sizeof msg, "the worker died during the test: %s", ex->desc);
        record_result(r, w, t, st, fl_monotonic() - w->test_started_at, msg, NULL);
        w->pos++;
    }
    if (!w->cancelled && w->pos < w->n_batch)
        fl_plan_requeue(&r->plan, w->batch + w->pos, w->n_batch - w->pos);
}

/* Whether a slot whose worker ended needs a new one: while the list is not in yet (the
 * slot will be needed), or while tests are left to deal or still running (a requeue may
 * come). */
static int work_remains(const run *r)
{
    return !r->stop_dispatch &&
           (!r->listed || r->plan.n_requeued > 0 || r->plan.next_group < r->plan.n_groups || any_busy(r));
}

static void respawn(run *r, worker *w)
{
    fl_error err = {0};
    int rc = FL_OK;
    if (r->db && (rc = fl_dbset_reclone(r->db, w->slot, &err)) != FL_OK) {
        stop_with_error(r, rc, "slot %d: cannot re-make its database clone: %s", w->slot, err.msg);
        return;
    }
    if ((rc = start_worker(r, w, &err)) != FL_OK)
        stop_with_error(r, rc, "slot %d: cannot start a new worker: %s", w->slot, err.msg);
}

static void worker_gone(run *r, worker *w, const fl_exit *ex)
{
    drain_output(r, w);
    wstate was = w->state_before_end;
    int clean = was == W_STOPPING && ex->exited && ex->code == 0 && !w->kill_reason;
    collect_capture(w, !clean && was == W_BUSY && w->test_started);
    if (!clean && !w->cancelled && !r->interrupts) {
        char tail[1200];
        fl_bytes copy = {0};
        if (w->output.len)
            fl_bytes_append(&copy, w->output.data, w->output.len);
        fl_bytes_keep_tail(&copy, 1000);
        snprintf(tail, sizeof tail, "%s", copy.data ? copy.data : "");
        fl_bytes_free(&copy);
        if (was == W_STOPPING && !w->kill_reason)
            notify_worker(r, FL_WORKER_EXITED, w, "did not exit cleanly after shutdown: %s%s%s", ex->desc,
                          tail[0] ? "; its last output:\n" : "", tail);
        else
            notify_worker(r, FL_WORKER_EXITED, w, "%s%s", w->kill_reason ? w->kill_reason : ex->desc,
                          was == W_BUSY ? "" : " (no test was running)");
        if (was == W_LISTING || (was == W_STARTING && w->slot == 1 && !r->listed)) {
            stop_with_error(r, FL_ERR_SPAWN, "slot %d: the worker ended before listing its tests (%s)%s%s",
                            w->slot, w->kill_reason ? w->kill_reason : ex->desc, tail[0] ? "; its output:\n" : "",
                            tail);
        }
        account_in_flight(r, w, ex);
        if (!w->progressed && ++w->deaths_in_a_row >= r->o->max_respawns)
            stop_with_error(r, FL_ERR_SPAWN,
                            "slot %d: %d workers in a row ended without finishing a test (last: %s); "
                            "giving up instead of restarting it forever%s%s",
                            w->slot, w->deaths_in_a_row, w->kill_reason ? w->kill_reason : ex->desc,
                            tail[0] ? "; its output:\n" : "", tail);
    }
    int deaths = w->deaths_in_a_row;
    int should_respawn = !clean && !w->cancelled && !r->interrupts && !r->fatal && work_remains(r);
    reset_worker(w);
    w->deaths_in_a_row = deaths;
    if (should_respawn)
        respawn(r, w);
}

static void reap_if_ended(run *r, worker *w, double now, int periodic)
{
    if (w->state == W_OFF || !w->proc || (w->state != W_ENDING && !periodic))
        return;
    fl_exit ex;
    int rc = fl_proc_try_wait(w->proc, &ex);
    if (rc == 0 && w->state == W_ENDING && now > w->end_deadline) {
        fl_proc_kill(w->proc, 1);
        rc = fl_proc_wait(w->proc, &ex);
    }
    if (rc != 1)
        return;
    if (w->state != W_ENDING) {
        read_events(r, w); /* what it said before dying still counts */
        if (w->state == W_OFF)
            return;
        begin_ending(w);
    }
    worker_gone(r, w, &ex);
}

/* ---- deadlines ---------------------------------------------------------------------------- */

static void check_deadlines(run *r, worker *w, double now)
{
    const fl_options *o = r->o;
    if (w->kill_stage == 1 && now >= w->kill_deadline) {
        fl_proc_kill(w->proc, 1);
        w->kill_stage = 2;
    }
    if (w->state == W_STARTING && now - w->since > o->hello_timeout) {
        char what[96];
        snprintf(what, sizeof what, "no hello within %g s", o->hello_timeout);
        protocol_error(r, w, what, NULL, 0);
    }
    if (w->state == W_BUSY && o->timeout > 0 && w->kill_stage == 0 && w->pos < w->n_batch &&
        now - w->test_started_at > o->timeout) {
        const char *id = r->plan.tests[w->batch[w->pos]].id;
        notify_worker(r, FL_RUN_NOTICE, w, "%s timed out after %g s; killing worker %ld and its children",
                      id, o->timeout, w->pid);
        kill_worker(w, FL_STATUS_TIMEOUT, 0, o->kill_grace, "timed out after %g s (--timeout)", o->timeout);
    }
    if (w->state == W_STOPPING && now - w->since > 10.0 && w->kill_stage == 0)
        kill_worker(w, FL_STATUS_NONE, 0, o->kill_grace, NULL);
}

/* ---- interrupts --------------------------------------------------------------------------- */

static void cancel_all(run *r, int force)
{
    for (int i = 0; i < r->n_workers; i++) {
        worker *w = &r->workers[i];
        if (w->state == W_OFF)
            continue;
        w->cancelled = 1;
        kill_worker(w, FL_STATUS_NONE, force, r->o->kill_grace, NULL);
    }
}

/* --fail-fast: workers still in a batch are stopped; their tests in flight are not run. */
static void cancel_busy(run *r)
{
    for (int i = 0; i < r->n_workers; i++) {
        worker *w = &r->workers[i];
        if (w->state != W_BUSY)
            continue;
        w->cancelled = 1;
        kill_worker(w, FL_STATUS_NONE, 0, r->o->kill_grace, NULL);
    }
}

static void handle_signals(run *r)
{
    int n = fl_signals_take();
    if (n == 0)
        return;
    r->interrupts += n;
    r->stop_dispatch = 1;
    if (r->interrupts == n) /* the first one */
        notify_worker(r, FL_RUN_NOTICE, NULL,
                      "interrupted: stopping workers (press Ctrl-C again to kill them at once)");
    cancel_all(r, r->interrupts > 1);
}

/* ---- the loop ----------------------------------------------------------------------------- */

static int live_workers(const run *r)
{
    int n = 0;
    for (int i = 0; i < r->n_workers; i++)
        n += r->workers[i].state != W_OFF;
    return n;
}

static void loop_once(run *r, int periodic)
{
    fl_wait_item items[3 * 64];
    fl_wait_item *it = r->n_workers <= 64 ? items : fl_xcalloc((size_t)r->n_workers * 3, sizeof *it);
    size_t n = 0;
    int ending = 0;
    for (int i = 0; i < r->n_workers; i++) {
        worker *w = &r->workers[i];
        if (w->state == W_OFF)
            continue;
        ending |= w->state == W_ENDING;
        if (fl_proc_events(w->proc) && fl_stream_is_open(fl_proc_events(w->proc)))
            it[n++] = (fl_wait_item){fl_proc_events(w->proc), 0, 0};
        if (fl_proc_output(w->proc) && fl_stream_is_open(fl_proc_output(w->proc)))
            it[n++] = (fl_wait_item){fl_proc_output(w->proc), 0, 0};
        if (w->commands.len && fl_proc_commands(w->proc) && fl_stream_is_open(fl_proc_commands(w->proc)))
            it[n++] = (fl_wait_item){fl_proc_commands(w->proc), 1, 0};
    }
    fl_wait(it, n, ending ? 5 : TICK_MS);
    if (it != items)
        free(it);
    handle_signals(r);
    double now = fl_monotonic();
    for (int i = 0; i < r->n_workers; i++) {
        worker *w = &r->workers[i];
        if (w->state == W_OFF)
            continue;
        drain_output(r, w);
        if (r->o->no_capture && w->output.len) {
            fwrite(w->output.data, 1, w->output.len, stdout);
            fflush(stdout);
            fl_bytes_reset(&w->output);
        }
        read_events(r, w);
        if (w->state != W_OFF && w->proc)
            write_commands(w);
        if (w->state != W_OFF)
            check_deadlines(r, w, now);
        reap_if_ended(r, w, now, periodic);
    }
    dispatch(r);
    for (int i = 0; i < r->n_workers; i++)
        if (r->workers[i].state != W_OFF && r->workers[i].proc)
            write_commands(&r->workers[i]);
    if (r->fatal)
        cancel_all(r, 0);
    if (r->cancel_requested) {
        r->cancel_requested = 0;
        cancel_busy(r);
    }
}

/* True about ten times a second: refresh the status line, look for exited workers. */
static int tick(run *r, double *last_tick)
{
    double now = fl_monotonic();
    if (now - *last_tick < TICK_MS / 1000.0)
        return 0;
    *last_tick = now;
    for (int i = 0; i < r->n_reporters; i++)
        if (r->reporters[i]->tick)
            r->reporters[i]->tick(r->reporters[i], now - r->started);
    return 1;
}

/* ---- setup and teardown ------------------------------------------------------------------- */

static void make_run_id(char *out, size_t size)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char bytes[8];
    fl_random_bytes(bytes, sizeof bytes);
    size_t n = size - 1 < 8 ? size - 1 : 8;
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[bytes[i] % 36];
    out[n] = 0;
}

/* The worker command for display and reports, each word with any password in it redacted
 * (a worker may be given a database URL as an argument). */
static char *join_command(char *const *argv)
{
    fl_bytes b = {0};
    for (size_t i = 0; argv[i]; i++) {
        char word[2048];
        fl_db_redact_argv(argv, i, word, sizeof word);
        if (i)
            fl_bytes_puts(&b, " ");
        fl_bytes_puts(&b, word);
    }
    return fl_bytes_take(&b);
}

static char *durations_path_for(const fl_options *o, const char *command)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = command; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 1099511628211ULL;
    }
    const char *dir = o->state_dir ? o->state_dir : ".forkless";
    return fl_xasprintf("%s/durations-%016llx.tsv", dir, (unsigned long long)h);
}

static int open_reporters(run *r, fl_error *err)
{
    const fl_options *o = r->o;
    fl_console_options co = {stdout, o->color, o->no_capture ? 0 : o->progress, o->verbose, o->no_capture};
    int rc = fl_console_reporter_new(&co, &r->reporters[r->n_reporters], err);
    if (rc != FL_OK)
        return rc;
    r->n_reporters++;
    if (o->junit_path) {
        if ((rc = fl_junit_reporter_new(o->junit_path, &r->reporters[r->n_reporters], err)) != FL_OK)
            return rc;
        r->n_reporters++;
    }
    if (o->json_path) {
        if ((rc = fl_json_reporter_new(o->json_path, &r->reporters[r->n_reporters], err)) != FL_OK)
            return rc;
        r->n_reporters++;
    }
    return FL_OK;
}

static int prepare_databases(run *r, fl_error *err)
{
    const fl_options *o = r->o;
    if (o->n_dbs == 0 || o->list_only)
        return FL_OK;
    const char *state = o->state_dir ? o->state_dir : ".forkless";
    int rc = fl_dbset_open(o->dbs, o->n_dbs, r->run_id, state, &r->db, err);
    if (rc == FL_OK)
        rc = fl_dbset_prepare_templates(r->db, o->setup_argv, o->setup_inputs, o->n_setup_inputs, o->rebuild,
                                        stdout, err);
    if (rc == FL_OK)
        rc = fl_dbset_clone_all(r->db, r->n_workers, err);
    fflush(stdout);
    return rc;
}

static void summarize(run *r, fl_summary *s)
{
    memset(s, 0, sizeof *s);
    s->total = r->plan.n_tests;
    for (size_t i = 0; i < r->plan.n_tests; i++)
        s->counts[r->plan.tests[i].status]++;
    s->passed = s->counts[FL_STATUS_PASS] + s->counts[FL_STATUS_XFAIL];
    s->skipped = s->counts[FL_STATUS_SKIP];
    for (int st = 0; st < FL_STATUS_COUNT; st++)
        if (fl_status_is_failure((fl_status)st))
            s->failed += s->counts[st];
    s->not_run = s->counts[FL_STATUS_NONE];
    s->wall_seconds = fl_monotonic() - r->started;
    s->interrupted = r->interrupts > 0;
    if (s->interrupted)
        s->exit_code = FL_EXIT_INTERRUPTED;
    else if (r->fatal)
        s->exit_code = fl_exit_code_for(r->fatal_err.code);
    else if (s->failed > 0)
        s->exit_code = FL_EXIT_FAILED;
    else
        s->exit_code = FL_EXIT_PASSED;
}

/* Why the run stopped, for the reporters' run_failed: the error, or an interrupt that
 * came before the tests were listed; NULL for a run that ran (whatever its tests did). */
static const char *failure_message(const run *r, int rc, const fl_error *err)
{
    if (rc != FL_OK)
        return err->msg;
    if (!r->listed && !r->o->list_only)
        return r->interrupts > 0 ? "interrupted before the tests were listed"
                                 : "the run ended before its tests were listed";
    return NULL;
}

/* The summary of a run that stopped before its tests were listed: nothing ran. */
static void summarize_early_failure(const run *r, int rc, fl_summary *s)
{
    memset(s, 0, sizeof *s);
    s->wall_seconds = fl_monotonic() - r->started;
    s->interrupted = rc == FL_ERR_INTERRUPTED || r->interrupts > 0;
    s->exit_code = fl_exit_code_for(rc);
}

/* Tells every reporter how the run ended: run_failed when it stopped on an error (to
 * those that have it), else run_end — which a reporter gets only when the run ran (the
 * console prints no summary for a run that never listed its tests). */
static void finish_reporters(run *r, const fl_summary *s, const char *failure, int ran)
{
    fl_run_info info = {r->run_id, r->command_line, r->n_workers, r->listed ? r->plan.n_tests : 0,
                        r->listed ? r->plan.n_groups : 0, r->started_wall, ran};
    for (int i = 0; i < r->n_reporters; i++) {
        fl_reporter *rep = r->reporters[i];
        if (failure && rep->run_failed)
            rep->run_failed(rep, &info, s, failure);
        else if (ran)
            rep->run_end(rep, s);
    }
}

static void save_durations(run *r)
{
    if (r->o->list_only || !r->listed)
        return;
    fl_error err = {0};
    const char *dir = r->o->state_dir ? r->o->state_dir : ".forkless";
    if (fl_state_dir_make(dir, &err) != FL_OK || fl_plan_save_durations(&r->plan, r->durations_path, &err) != FL_OK)
        fprintf(stderr, "forkless: warning: durations not saved: %s\n", err.msg);
}

static void free_run(run *r)
{
    for (int i = 0; i < r->n_workers; i++) {
        reset_worker(&r->workers[i]);
        fl_bytes_free(&r->workers[i].output);
    }
    free(r->workers);
    for (int i = 0; i < r->n_reporters; i++)
        r->reporters[i]->destroy(r->reporters[i]);
    fl_plan_free(&r->plan);
    free(r->durations_path);
    free(r->command_line);
}

static int start_all(run *r, fl_error *err)
{
    for (int i = 0; i < r->n_workers; i++) {
        int rc = start_worker(r, &r->workers[i], err);
        if (rc != FL_OK)
            return rc;
    }
    return FL_OK;
}

static void run_loop(run *r)
{
    double last_tick = fl_monotonic();
    int periodic = 0;
    while (live_workers(r) > 0) {
        loop_once(r, periodic);
        periodic = tick(r, &last_tick);
    }
}

int fl_run(const fl_options *o, fl_summary *summary, fl_error *err)
{
    memset(summary, 0, sizeof *summary);
    if (!o->worker_argv || !o->worker_argv[0])
        return fl_error_set(err, FL_ERR_USAGE, "no worker command given (forkless run [options] -- COMMAND...)");
    run r;
    memset(&r, 0, sizeof r);
    r.o = o;
    r.started = fl_monotonic();
    r.started_wall = fl_wall_clock();
    r.n_workers = o->list_only ? 1 : (o->jobs > 0 ? o->jobs : fl_cpu_count());
    r.workers = fl_xcalloc((size_t)r.n_workers, sizeof *r.workers);
    for (int i = 0; i < r.n_workers; i++)
        r.workers[i].slot = i + 1;
    make_run_id(r.run_id, sizeof r.run_id);
    r.command_line = join_command(o->worker_argv);
    r.durations_path = durations_path_for(o, r.command_line);
    fl_plan_init(&r.plan, o->filters, o->n_filters);

    int rc = fl_signals_install(err);
    if (rc == FL_OK && !o->list_only)
        rc = open_reporters(&r, err);
    if (rc == FL_OK)
        rc = prepare_databases(&r, err);
    if (rc == FL_OK && fl_signals_take() > 0)
        rc = fl_error_set(err, FL_ERR_INTERRUPTED, "interrupted while preparing databases");
    if (rc == FL_OK)
        rc = start_all(&r, err);
    if (rc == FL_OK || r.workers[0].proc) {
        if (rc != FL_OK)
            cancel_all(&r, 1);
        run_loop(&r);
    }
    if (rc == FL_OK && r.fatal) {
        *err = r.fatal_err;
        rc = r.fatal_err.code;
    }
    if (r.db) {
        fl_error derr = {0};
        if (fl_dbset_teardown(r.db, o->keep, stdout, &derr) != FL_OK)
            fprintf(stderr, "forkless: %s\n", derr.msg);
        fl_dbset_free(r.db);
    }
    const char *failure = failure_message(&r, rc, err);
    if (rc == FL_OK || r.listed) {
        save_durations(&r);
        summarize(&r, summary);
        if (rc != FL_OK)
            summary->exit_code = fl_exit_code_for(rc);
        if (!o->list_only) {
            if (rc != FL_OK)
                fprintf(stdout, "forkless: error: %s\n", err->msg);
            finish_reporters(&r, summary, failure, 1);
        }
        if (rc != FL_OK && !o->list_only)
            rc = FL_OK; /* reported in the summary; the exit code says it */
    } else if (!o->list_only) {
        /* Stopped before the tests were listed: the caller prints the error and returns
         * its exit code; the JUnit and JSON reports say it too (CI finds a report). */
        fl_summary early;
        summarize_early_failure(&r, rc, &early);
        finish_reporters(&r, &early, failure, 0);
    }
    fl_signals_restore();
    free_run(&r);
    return rc;
}
