/*
 * process_win32.c — platform.h on Windows: CreateProcessW with an explicit list of
 * inherited handles, a job object per worker, overlapped named pipes waited on with
 * events, Ctrl-C through SetConsoleCtrlHandler, crash codes described like POSIX signals,
 * the worker's channel and per-test output capture (a crash or abort() ends the worker at
 * once with its exception code, after flushing stdio into the capture file, instead of
 * error reporting or a debugger), and the small helpers.
 *
 * Spawning.  The command line is built by fl_win_command_line (cmdline.c, Microsoft's
 * quoting rules) and converted to UTF-16 here, like every path and the environment.  The
 * child's stdio and channel ends are the only handles it inherits: they are made
 * inheritable just for the CreateProcessW call and named in PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
 * so two threads spawning at once never leak one worker's pipe into the other (which
 * would keep a pipe open after its worker died).  FORKLESS_CHANNEL=handle:<in>:<out> gives
 * the child the (inherited, hence identical) handle values of its two channel ends.
 *
 * Process trees.  A process spawned with new_group is created suspended, put in its own
 * job object (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE), then resumed, so everything it starts is
 * in the job too: a forced kill is TerminateJobObject, and when the coordinator exits for
 * any reason (even killed) the job handle closes and Windows kills what is left.  It is
 * also CREATE_NEW_PROCESS_GROUP, so a Ctrl-C in the console reaches only the coordinator,
 * which stops the workers itself (as the own process group does on POSIX).  There is no
 * SIGTERM: the polite kill signals the event "Local\forkless-stop-<pid>" that a C-API
 * worker waits on (fl_channel_open_from_env); the worker then flushes its stdio into its
 * capture file and exits with code 143 (128+SIGTERM).  A process without that event is
 * terminated at once, which is what SIGTERM does to a program that does not catch it.
 *
 * Pipes.  Our ends are overlapped named pipes, each with a manual-reset event; a read end
 * always has one ReadFile in flight into its own buffer, a write end hands its bytes to one
 * overlapped WriteFile and reports them written.  fl_wait waits on those events (and the
 * interrupt event) with WaitForMultipleObjects, so a chatty worker can never block the
 * coordinator nor the other way round.  This was chosen over a reader thread per pipe
 * because it keeps the coordinator single-threaded and makes closing a pipe synchronous
 * (CancelIoEx, then the I/O's end is awaited before its buffer is freed).  Above 63
 * streams the wait goes in 10 ms slices, 63 handles at a time.
 */
#include "platform/platform.h"
#include "platform/fs.h"
#include "platform/cmdline.h"
#include "platform/win32.h"

#include <fcntl.h>
#include <io.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

enum { PIPE_BUFFER = 65536 };
/* Exit codes we give: a forced kill (128+SIGKILL) and an asked stop (128+SIGTERM). */
enum { KILLED_EXIT_CODE = 137, STOPPED_EXIT_CODE = 143 };

/* The part of a stream the kernel writes into: kept apart from the stream so that an I/O
 * that cannot be cancelled in time leaves a leak, never a write into freed memory. */
typedef struct stream_io {
    OVERLAPPED ov;
    char data[PIPE_BUFFER];
} stream_io;

struct fl_stream {
    HANDLE h;             /* our end, overlapped; NULL when closed */
    int writing;
    int pending;          /* an overlapped ReadFile/WriteFile is in flight */
    int eof, failed;
    stream_io *io;
    DWORD avail, off;     /* reading: bytes of io->data not handed out yet, from off */
    DWORD inflight;       /* writing: bytes of the WriteFile in flight */
};

struct fl_proc {
    HANDLE process, job;
    DWORD pid;
    int reaped, asked, killed;
    fl_exit exit;
    fl_stream output, events, commands;
};

/* ---- pipes ---------------------------------------------------------------------------- */

static volatile LONG pipe_serial;

static int stream_init(fl_stream *s, HANDLE h, int writing)
{
    memset(s, 0, sizeof *s);
    s->io = calloc(1, sizeof *s->io);
    if (!s->io)
        return -1;
    s->io->ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!s->io->ov.hEvent) {
        free(s->io);
        s->io = NULL;
        return -1;
    }
    s->h = h;
    s->writing = writing;
    return 0;
}

/* A pipe whose *ours end is overlapped (reading from the child when inbound) and whose
 * *theirs end is synchronous, for the child; neither is inheritable yet. */
static int make_pipe(int inbound, HANDLE *ours, HANDLE *theirs)
{
    wchar_t name[128];
    unsigned char r[8];
    fl_random_bytes(r, sizeof r);
    swprintf(name, sizeof name / sizeof *name, L"\\\\.\\pipe\\forkless-%lu-%ld-%02x%02x%02x%02x%02x%02x%02x%02x",
             (unsigned long)GetCurrentProcessId(), (long)InterlockedIncrement(&pipe_serial), r[0], r[1], r[2],
             r[3], r[4], r[5], r[6], r[7]);
    DWORD mode = (inbound ? PIPE_ACCESS_INBOUND : PIPE_ACCESS_OUTBOUND) | FILE_FLAG_OVERLAPPED |
                 FILE_FLAG_FIRST_PIPE_INSTANCE;
    *ours = CreateNamedPipeW(name, mode, PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT, 1, PIPE_BUFFER,
                             PIPE_BUFFER, 0, NULL);
    if (*ours == INVALID_HANDLE_VALUE) {
        *ours = NULL;
        return -1;
    }
    *theirs = CreateFileW(name, (inbound ? GENERIC_WRITE : GENERIC_READ) | FILE_READ_ATTRIBUTES, 0, NULL,
                          OPEN_EXISTING, 0, NULL);
    if (*theirs == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        CloseHandle(*ours);
        *ours = *theirs = NULL;
        SetLastError(e);
        return -1;
    }
    return 0;
}

static void start_read(fl_stream *s)
{
    if (!ReadFile(s->h, s->io->data, PIPE_BUFFER, NULL, &s->io->ov) && GetLastError() != ERROR_IO_PENDING) {
        if (GetLastError() == ERROR_BROKEN_PIPE || GetLastError() == ERROR_PIPE_NOT_CONNECTED)
            s->eof = 1;
        else
            s->failed = 1;
        return;
    }
    s->pending = 1; /* even when it finished at once: its result is collected the same way */
}

/* Collects the result of the read or write in flight, without waiting. */
static void harvest(fl_stream *s)
{
    if (!s->pending)
        return;
    DWORD n = 0;
    if (GetOverlappedResult(s->h, &s->io->ov, &n, FALSE)) {
        s->pending = 0;
        if (s->writing) {
            if (n < s->inflight) { /* rare: send the rest */
                memmove(s->io->data, s->io->data + n, s->inflight - n);
                s->inflight -= n;
                if (!WriteFile(s->h, s->io->data, s->inflight, NULL, &s->io->ov) && GetLastError() != ERROR_IO_PENDING)
                    s->failed = 1;
                else
                    s->pending = 1;
            } else {
                s->inflight = 0;
            }
        } else {
            s->avail = n;
            s->off = 0;
        }
        return;
    }
    DWORD e = GetLastError();
    if (e == ERROR_IO_INCOMPLETE)
        return;
    s->pending = 0;
    if (!s->writing && (e == ERROR_BROKEN_PIPE || e == ERROR_PIPE_NOT_CONNECTED))
        s->eof = 1;
    else if (e != ERROR_OPERATION_ABORTED)
        s->failed = 1;
}

long fl_stream_read(fl_stream *s, void *buf, size_t size)
{
    if (!s || !s->h || s->writing)
        return s && s->h ? FL_STREAM_ERROR : 0;
    for (int round = 0; round < 4; round++) {
        if (s->avail) {
            DWORD n = size < s->avail ? (DWORD)size : s->avail;
            memcpy(buf, s->io->data + s->off, n);
            s->off += n;
            s->avail -= n;
            return (long)n;
        }
        if (s->eof)
            return 0;
        if (s->failed)
            return FL_STREAM_ERROR;
        if (!s->pending)
            start_read(s);
        harvest(s);
        if (s->pending)
            return FL_STREAM_AGAIN;
        /* a zero-byte read completed: go round and read again */
    }
    return FL_STREAM_AGAIN;
}

long fl_stream_write(fl_stream *s, const void *buf, size_t size)
{
    if (!s || !s->h || !s->writing)
        return FL_STREAM_ERROR;
    harvest(s);
    if (s->failed)
        return FL_STREAM_ERROR;
    if (s->pending)
        return FL_STREAM_AGAIN;
    if (size == 0)
        return 0;
    DWORD n = size < PIPE_BUFFER ? (DWORD)size : PIPE_BUFFER;
    memcpy(s->io->data, buf, n);
    s->inflight = n;
    if (!WriteFile(s->h, s->io->data, n, NULL, &s->io->ov) && GetLastError() != ERROR_IO_PENDING) {
        s->failed = 1;
        return FL_STREAM_ERROR;
    }
    s->pending = 1;
    return (long)n;
}

void fl_stream_close(fl_stream *s)
{
    if (!s || !s->h)
        return;
    int leak = 0;
    if (s->pending) {
        CancelIoEx(s->h, &s->io->ov);
        if (WaitForSingleObject(s->io->ov.hEvent, 2000) != WAIT_OBJECT_0 && !HasOverlappedIoCompleted(&s->io->ov))
            leak = 1; /* the kernel may still write into io: never free it */
        s->pending = 0;
    }
    CloseHandle(s->h);
    s->h = NULL;
    if (!leak) {
        CloseHandle(s->io->ov.hEvent);
        free(s->io);
    }
    s->io = NULL;
}

int fl_stream_is_open(const fl_stream *s) { return s && s->h != NULL; }

/* ---- signals ---------------------------------------------------------------------------- */

static HANDLE interrupt_event;
static volatile LONG interrupts;
static volatile LONG handler_installed;

static HANDLE the_interrupt_event(void)
{
    if (!interrupt_event) {
        HANDLE e = CreateEventW(NULL, TRUE, FALSE, NULL);
        if (e && InterlockedCompareExchangePointer((PVOID *)&interrupt_event, e, NULL) != NULL)
            CloseHandle(e);
    }
    return interrupt_event;
}

/* Runs on a thread Windows creates for the event. */
static BOOL WINAPI on_console_event(DWORD type)
{
    if (type != CTRL_C_EVENT && type != CTRL_BREAK_EVENT && type != CTRL_CLOSE_EVENT)
        return FALSE;
    InterlockedIncrement(&interrupts);
    SetEvent(interrupt_event);
    return TRUE;
}

int fl_signals_install(fl_error *err)
{
    if (!the_interrupt_event())
        return fl_w_error(err, FL_ERR_IO, GetLastError(), "cannot create", "the interrupt event");
    /* A coordinator started in a new process group has Ctrl-C disabled: enable it. */
    SetConsoleCtrlHandler(NULL, FALSE);
    if (!InterlockedExchange(&handler_installed, 1))
        SetConsoleCtrlHandler(on_console_event, TRUE);
    return FL_OK;
}

void fl_signals_restore(void)
{
    if (InterlockedExchange(&handler_installed, 0))
        SetConsoleCtrlHandler(on_console_event, FALSE);
}

int fl_signals_take(void)
{
    if (interrupt_event)
        ResetEvent(interrupt_event); /* first: an event arriving now stays counted and set */
    return (int)InterlockedExchange(&interrupts, 0);
}

/* ---- waiting ---------------------------------------------------------------------------- */

/* 1 when the stream would not answer FL_STREAM_AGAIN; starts a read when none is in flight. */
static int stream_ready(fl_stream *s)
{
    if (!s || !s->h)
        return 0;
    if (s->writing)
        return !s->pending || HasOverlappedIoCompleted(&s->io->ov);
    if (!s->avail && !s->eof && !s->failed && !s->pending)
        start_read(s);
    if (s->avail || s->eof || s->failed)
        return 1;
    return s->pending && HasOverlappedIoCompleted(&s->io->ov);
}

static int mark_ready(fl_wait_item *items, size_t n)
{
    int ready = 0;
    for (size_t i = 0; i < n; i++) {
        items[i].ready = stream_ready(items[i].stream);
        ready += items[i].ready;
    }
    return ready;
}

int fl_wait(fl_wait_item *items, size_t n, int timeout_ms)
{
    HANDLE interrupt = the_interrupt_event();
    int ready = mark_ready(items, n);
    if (ready || interrupts > 0)
        return ready;
    HANDLE stack[MAXIMUM_WAIT_OBJECTS];
    HANDLE *handles = n + 1 <= MAXIMUM_WAIT_OBJECTS ? stack : malloc((n + 1) * sizeof *handles);
    if (!handles)
        return -1;
    size_t nh = 0;
    if (interrupt)
        handles[nh++] = interrupt;
    for (size_t i = 0; i < n; i++)
        if (items[i].stream && items[i].stream->h && items[i].stream->pending)
            handles[nh++] = items[i].stream->io->ov.hEvent;
    if (nh == 0) {
        if (timeout_ms != 0)
            Sleep(timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
    } else if (nh <= MAXIMUM_WAIT_OBJECTS) {
        WaitForMultipleObjects((DWORD)nh, handles, FALSE, timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
    } else {
        ULONGLONG deadline = GetTickCount64() + (ULONGLONG)(timeout_ms < 0 ? 0 : timeout_ms);
        for (int woke = 0; !woke;) {
            for (size_t at = 0; at < nh && !woke; at += MAXIMUM_WAIT_OBJECTS) {
                size_t chunk = nh - at < MAXIMUM_WAIT_OBJECTS ? nh - at : MAXIMUM_WAIT_OBJECTS;
                DWORD r = WaitForMultipleObjects((DWORD)chunk, handles + at, FALSE, at == 0 ? 10 : 0);
                woke = r < WAIT_OBJECT_0 + chunk;
            }
            if (timeout_ms >= 0 && GetTickCount64() >= deadline)
                break;
        }
    }
    if (handles != stack)
        free(handles);
    return mark_ready(items, n);
}

/* ---- exit statuses ----------------------------------------------------------------------- */

typedef struct crash_kind {
    DWORD code;
    int signo; /* the POSIX signal it corresponds to */
    const char *what;
} crash_kind;

static const crash_kind crash_kinds[] = {
    {0xC0000005, 11, "access violation, like SIGSEGV"},
    {0xC00000FD, 11, "stack overflow, like SIGSEGV"},
    {0xC0000006, 7, "in-page error, like SIGBUS"},
    {0x80000002, 7, "misaligned data, like SIGBUS"},
    {0xC000001D, 4, "illegal instruction, like SIGILL"},
    {0xC0000096, 4, "privileged instruction, like SIGILL"},
    {0xC0000094, 8, "integer division by zero, like SIGFPE"},
    {0xC0000095, 8, "integer overflow, like SIGFPE"},
    {0xC000008E, 8, "floating-point division by zero, like SIGFPE"},
    {0xC0000090, 8, "invalid floating-point operation, like SIGFPE"},
    {0xC0000091, 8, "floating-point overflow, like SIGFPE"},
    {0xC0000409, 6, "abort() or fail-fast, like SIGABRT"},
    {0xC0000374, 6, "heap corruption, like SIGABRT"},
    {0xC0000417, 6, "invalid C runtime parameter, like SIGABRT"},
    {0x80000003, 5, "breakpoint, like SIGTRAP"},
    {0xC000013A, 2, "Ctrl-C, like SIGINT"},
    {0xC0000135, 0, "a DLL it needs was not found"},
    {0xC0000139, 0, "an entry point was not found in a DLL"},
    {0xC0000142, 0, "a DLL failed to initialize"},
};

static void describe_exit(fl_proc *p, DWORD code, fl_exit *ex)
{
    memset(ex, 0, sizeof *ex);
    ex->code = (int)code;
    if (p->killed && code == KILLED_EXIT_CODE) {
        ex->signaled = 1;
        ex->signo = 9;
        snprintf(ex->desc, sizeof ex->desc, "killed (TerminateJobObject, like SIGKILL)");
        return;
    }
    if (p->asked && code == STOPPED_EXIT_CODE) {
        ex->signaled = 1;
        ex->signo = 15;
        snprintf(ex->desc, sizeof ex->desc, "stopped on request (like SIGTERM)");
        return;
    }
    for (size_t i = 0; i < sizeof crash_kinds / sizeof *crash_kinds; i++) {
        if (crash_kinds[i].code == code) {
            ex->signaled = crash_kinds[i].signo != 0;
            ex->exited = !ex->signaled;
            ex->signo = crash_kinds[i].signo;
            snprintf(ex->desc, sizeof ex->desc, "exception 0x%08lX (%s)", (unsigned long)code, crash_kinds[i].what);
            return;
        }
    }
    if ((code & 0xF0000000u) == 0xC0000000u) {
        ex->signaled = 1;
        snprintf(ex->desc, sizeof ex->desc, "exception 0x%08lX", (unsigned long)code);
        return;
    }
    ex->exited = 1;
    snprintf(ex->desc, sizeof ex->desc, "exit code %lu", (unsigned long)code);
}

/* ---- spawning ----------------------------------------------------------------------------- */

static int is_separator(char c) { return c == '/' || c == '\\'; }

static int has_directory(const char *cmd)
{
    return strchr(cmd, '/') || strchr(cmd, '\\') || (cmd[0] && cmd[1] == ':');
}

static int has_extension(const char *cmd)
{
    const char *dot = strrchr(cmd, '.');
    return dot && !strpbrk(dot, "/\\");
}

/* 1 regular file, 2 directory, 0 absent. */
static int path_kind(const char *path)
{
    wchar_t *w = fl_w_from_utf8(path);
    DWORD attrs = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    free(w);
    if (attrs == INVALID_FILE_ATTRIBUTES)
        return 0;
    return attrs & FILE_ATTRIBUTE_DIRECTORY ? 2 : 1;
}

/* The program file for a command (malloc'd): as given, or with ".exe" added, or found in
 * PATH.  NULL with a reason in why. */
static char *find_program(const char *cmd, char *why, size_t why_size)
{
    static const char *const exts[] = {"", ".exe", ".com"};
    size_t len = strlen(cmd);
    if (has_directory(cmd)) {
        for (size_t i = 0; i < 3; i++) {
            if (i > 0 && has_extension(cmd))
                break;
            char *candidate = malloc(len + 5);
            if (!candidate)
                break;
            snprintf(candidate, len + 5, "%s%s", cmd, exts[i]);
            int kind = path_kind(candidate);
            if (kind == 1)
                return candidate;
            free(candidate);
            if (kind == 2 && i == 0) {
                snprintf(why, why_size, "is a directory");
                return NULL;
            }
        }
        snprintf(why, why_size, "no such file");
        return NULL;
    }
    const char *path = getenv("PATH");
    for (const char *dir = path ? path : ""; *dir;) {
        const char *end = strchr(dir, ';');
        size_t dlen = end ? (size_t)(end - dir) : strlen(dir);
        for (size_t i = 0; dlen > 0 && i < 3; i++) {
            if (i > 0 && has_extension(cmd))
                break;
            char *candidate = malloc(dlen + len + 6);
            if (!candidate)
                break;
            snprintf(candidate, dlen + len + 6, "%.*s%s%s%s", (int)dlen, dir, is_separator(dir[dlen - 1]) ? "" : "\\",
                     cmd, exts[i]);
            if (path_kind(candidate) == 1)
                return candidate;
            free(candidate);
        }
        dir = end ? end + 1 : dir + dlen;
    }
    snprintf(why, why_size, "command not found in PATH");
    return NULL;
}

static int env_name_compare(const void *a, const void *b)
{
    /* By name (up to the '=' after its first character), case-insensitively, as Windows
     * keeps its environment blocks. */
    const wchar_t *x = *(const wchar_t *const *)a, *y = *(const wchar_t *const *)b;
    for (size_t i = 0;; i++) {
        wint_t cx = i > 0 && x[i] == L'=' ? 0 : towupper(x[i]);
        wint_t cy = i > 0 && y[i] == L'=' ? 0 : towupper(y[i]);
        if (cx != cy)
            return cx < cy ? -1 : 1;
        if (cx == 0)
            return 0;
    }
}

/* The UTF-16 environment block for the child: envp (or ours) with channel_var. */
static wchar_t *environment_block(char *const *envp, const char *channel_var)
{
    char *const *base = envp ? envp : fl_environ();
    size_t n = 0;
    while (base[n])
        n++;
    wchar_t **vars = calloc(n + 2, sizeof *vars);
    if (!vars)
        return NULL;
    size_t k = 0, total = 1;
    int failed = 0;
    for (size_t i = 0; i < n && !failed; i++) {
        if (channel_var && !_strnicmp(base[i], "FORKLESS_CHANNEL=", 17))
            continue;
        if (!(vars[k] = fl_w_from_utf8(base[i])))
            failed = 1;
        else
            total += wcslen(vars[k++]) + 1;
    }
    if (!failed && channel_var) {
        if (!(vars[k] = fl_w_from_utf8(channel_var)))
            failed = 1;
        else
            total += wcslen(vars[k++]) + 1;
    }
    wchar_t *block = failed ? NULL : malloc((total + 1) * sizeof *block);
    if (block) {
        qsort(vars, k, sizeof *vars, env_name_compare);
        wchar_t *at = block;
        for (size_t i = 0; i < k; i++) {
            size_t len = wcslen(vars[i]) + 1;
            memcpy(at, vars[i], len * sizeof *at);
            at += len;
        }
        *at++ = 0;
        if (k == 0)
            *at = 0;
    }
    for (size_t i = 0; i < k; i++)
        free(vars[i]);
    free(vars);
    return block;
}

/* A duplicate of one of our standard handles for the child, or the null device. */
static HANDLE child_std_handle(DWORD which, int use_null)
{
    HANDLE self = GetCurrentProcess(), h = use_null ? NULL : GetStdHandle(which), dup = NULL;
    if (h && h != INVALID_HANDLE_VALUE && DuplicateHandle(self, h, self, &dup, 0, FALSE, DUPLICATE_SAME_ACCESS))
        return dup;
    dup = CreateFileW(L"NUL", which == STD_INPUT_HANDLE ? GENERIC_READ : GENERIC_WRITE,
                      FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
    return dup == INVALID_HANDLE_VALUE ? NULL : dup;
}

static void close_handle(HANDLE *h)
{
    if (*h && *h != INVALID_HANDLE_VALUE)
        CloseHandle(*h);
    *h = NULL;
}

static const char *spawn_reason(DWORD e, char *buf, size_t size)
{
    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND: return "no such file";
    case ERROR_BAD_EXE_FORMAT:
    case ERROR_EXE_MACHINE_TYPE_MISMATCH:
    case ERROR_EXE_MARKED_INVALID: return "not executable";
    case ERROR_ACCESS_DENIED: return "permission denied";
    default: return fl_w_error_text(e, buf, size);
    }
}

static int spawn_failed(fl_error *err, const char *cmd, const char *why)
{
    return fl_error_set(err, FL_ERR_SPAWN, "cannot start '%s': %s", cmd, why);
}

/* The child ends of the pipes and its stdio, closed in the parent after the spawn. */
typedef struct child_ends {
    HANDLE in, out, err, commands, events;
} child_ends;

static void child_ends_close(child_ends *c)
{
    if (c->err == c->out)
        c->err = NULL;
    close_handle(&c->in);
    close_handle(&c->out);
    close_handle(&c->err);
    close_handle(&c->commands);
    close_handle(&c->events);
}

/* Creates the process suspended, inheriting exactly the handles of c. */
static int create_process(const wchar_t *app, wchar_t *cmdline, wchar_t *env, child_ends *c, int new_group,
                          PROCESS_INFORMATION *pi)
{
    HANDLE list[5];
    size_t n = 0;
    HANDLE all[5] = {c->in, c->out, c->err, c->commands, c->events};
    for (size_t i = 0; i < 5; i++) {
        int seen = 0;
        for (size_t j = 0; j < n; j++)
            seen |= list[j] == all[i];
        if (all[i] && !seen)
            list[n++] = all[i];
    }
    SIZE_T size = 0;
    InitializeProcThreadAttributeList(NULL, 1, 0, &size);
    LPPROC_THREAD_ATTRIBUTE_LIST attrs = malloc(size);
    if (!attrs) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return 0;
    }
    int ok = InitializeProcThreadAttributeList(attrs, 1, 0, &size) &&
             UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, list, n * sizeof *list, NULL,
                                       NULL);
    for (size_t i = 0; ok && i < n; i++)
        SetHandleInformation(list[i], HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
    if (ok) {
        STARTUPINFOEXW si;
        memset(&si, 0, sizeof si);
        si.StartupInfo.cb = sizeof si;
        si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
        si.StartupInfo.hStdInput = c->in;
        si.StartupInfo.hStdOutput = c->out;
        si.StartupInfo.hStdError = c->err;
        si.lpAttributeList = attrs;
        DWORD flags = EXTENDED_STARTUPINFO_PRESENT | CREATE_UNICODE_ENVIRONMENT | CREATE_SUSPENDED;
        if (new_group)
            flags |= CREATE_NEW_PROCESS_GROUP;
        ok = CreateProcessW(app, cmdline, NULL, NULL, TRUE, flags, env, NULL, &si.StartupInfo, pi);
    }
    DWORD e = GetLastError();
    for (size_t i = 0; i < n; i++)
        SetHandleInformation(list[i], HANDLE_FLAG_INHERIT, 0);
    DeleteProcThreadAttributeList(attrs);
    free(attrs);
    SetLastError(e);
    return ok;
}

/* A job that kills its processes when its last handle closes; NULL if Windows refuses. */
static HANDLE make_job(void)
{
    HANDLE job = CreateJobObjectW(NULL, NULL);
    if (!job)
        return NULL;
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;
    memset(&li, 0, sizeof li);
    li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION;
    if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &li, sizeof li)) {
        CloseHandle(job);
        return NULL;
    }
    return job;
}

int fl_spawn(const fl_spawn_opts *o, fl_proc **out, fl_error *err)
{
    *out = NULL;
    if (!o->argv || !o->argv[0] || !o->argv[0][0])
        return fl_error_set(err, FL_ERR_USAGE, "no command to start");
    char why[256];
    char *program = find_program(o->argv[0], why, sizeof why);
    if (!program)
        return spawn_failed(err, o->argv[0], why);
    const char *ext = strrchr(program, '.');
    if (ext && (!_stricmp(ext, ".bat") || !_stricmp(ext, ".cmd"))) {
        free(program);
        return spawn_failed(err, o->argv[0], "batch files are not started directly (their arguments cannot be "
                                             "quoted safely); run cmd.exe /c explicitly");
    }
    fl_proc *p = calloc(1, sizeof *p);
    char *cmdline = fl_win_command_line(o->argv);
    wchar_t *app = fl_w_from_utf8(program), *cmdline_w = cmdline ? fl_w_from_utf8(cmdline) : NULL, *env = NULL;
    child_ends c = {0};
    HANDLE out_ours = NULL, cmd_ours = NULL, ev_ours = NULL;
    int rc = FL_OK;
    if (!p || !app || !cmdline_w) {
        rc = !cmdline && o->argv[0] && strchr(o->argv[0], '"')
                 ? spawn_failed(err, o->argv[0], "a program name cannot contain '\"'")
                 : fl_error_set(err, FL_ERR_NOMEM, "out of memory (or invalid UTF-8) starting '%s'", o->argv[0]);
        goto done;
    }
    if ((o->capture_output && make_pipe(1, &out_ours, &c.out) != 0) ||
        (o->with_channel && (make_pipe(0, &cmd_ours, &c.commands) != 0 || make_pipe(1, &ev_ours, &c.events) != 0))) {
        rc = fl_w_error(err, FL_ERR_IO, GetLastError(), "cannot create pipes for", o->argv[0]);
        goto done;
    }
    c.in = child_std_handle(STD_INPUT_HANDLE, o->stdin_null);
    if (o->capture_output)
        c.err = c.out;
    else {
        c.out = child_std_handle(STD_OUTPUT_HANDLE, 0);
        c.err = child_std_handle(STD_ERROR_HANDLE, 0);
    }
    char channel_var[96];
    if (o->with_channel)
        snprintf(channel_var, sizeof channel_var, "FORKLESS_CHANNEL=handle:%llu:%llu",
                 (unsigned long long)(uintptr_t)c.commands, (unsigned long long)(uintptr_t)c.events);
    if ((o->envp || o->with_channel) && !(env = environment_block(o->envp, o->with_channel ? channel_var : NULL))) {
        rc = fl_error_set(err, FL_ERR_NOMEM, "out of memory (or invalid UTF-8) in the environment of '%s'", o->argv[0]);
        goto done;
    }
    if (o->new_group && !(p->job = make_job())) {
        rc = fl_w_error(err, FL_ERR_SPAWN, GetLastError(), "cannot create a job object for", o->argv[0]);
        goto done;
    }
    PROCESS_INFORMATION pi;
    if (!create_process(app, cmdline_w, env, &c, o->new_group, &pi)) {
        rc = spawn_failed(err, o->argv[0], spawn_reason(GetLastError(), why, sizeof why));
        goto done;
    }
    if (p->job && !AssignProcessToJobObject(p->job, pi.hProcess)) {
        /* Windows before 8 refuses nested jobs: the tree then dies with its leader only. */
        close_handle(&p->job);
    }
    ResumeThread(pi.hThread);
    CloseHandle(pi.hThread);
    p->process = pi.hProcess;
    p->pid = pi.dwProcessId;
    if ((out_ours && stream_init(&p->output, out_ours, 0) != 0) ||
        (cmd_ours && stream_init(&p->commands, cmd_ours, 1) != 0) ||
        (ev_ours && stream_init(&p->events, ev_ours, 0) != 0)) {
        rc = fl_error_set(err, FL_ERR_NOMEM, "out of memory starting '%s'", o->argv[0]);
        if (!p->output.h)
            close_handle(&out_ours);
        if (!p->commands.h)
            close_handle(&cmd_ours);
        if (!p->events.h)
            close_handle(&ev_ours);
        out_ours = cmd_ours = ev_ours = NULL;
        fl_proc_free(p);
        p = NULL;
        goto done;
    }
    out_ours = cmd_ours = ev_ours = NULL;
    *out = p;
    p = NULL;
done:
    child_ends_close(&c);
    close_handle(&out_ours);
    close_handle(&cmd_ours);
    close_handle(&ev_ours);
    if (p) {
        close_handle(&p->job);
        free(p);
    }
    free(program);
    free(cmdline);
    free(app);
    free(cmdline_w);
    free(env);
    return rc;
}

long fl_proc_pid(const fl_proc *p) { return (long)p->pid; }
fl_stream *fl_proc_output(fl_proc *p) { return p->output.h ? &p->output : NULL; }
fl_stream *fl_proc_events(fl_proc *p) { return p->events.h ? &p->events : NULL; }
fl_stream *fl_proc_commands(fl_proc *p) { return p->commands.h ? &p->commands : NULL; }

static void stop_event_name(DWORD pid, wchar_t *name, size_t size)
{
    swprintf(name, size, L"Local\\forkless-stop-%lu", (unsigned long)pid);
}

int fl_proc_kill(fl_proc *p, int force)
{
    if (p->reaped)
        return FL_OK;
    if (!force) {
        wchar_t name[64];
        stop_event_name(p->pid, name, sizeof name / sizeof *name);
        HANDLE stop = OpenEventW(EVENT_MODIFY_STATE, FALSE, name);
        if (stop) {
            p->asked = 1;
            SetEvent(stop);
            CloseHandle(stop);
            return FL_OK;
        }
    }
    p->killed = 1;
    if (!(p->job && TerminateJobObject(p->job, KILLED_EXIT_CODE)))
        TerminateProcess(p->process, KILLED_EXIT_CODE);
    return FL_OK;
}

static int reap(fl_proc *p, DWORD timeout)
{
    if (p->reaped)
        return 1;
    DWORD r = WaitForSingleObject(p->process, timeout);
    if (r == WAIT_TIMEOUT)
        return 0;
    DWORD code = 0;
    if (r != WAIT_OBJECT_0 || !GetExitCodeProcess(p->process, &code))
        return -1;
    describe_exit(p, code, &p->exit);
    p->reaped = 1;
    return 1;
}

int fl_proc_try_wait(fl_proc *p, fl_exit *ex)
{
    int r = reap(p, 0);
    if (r == 1 && ex)
        *ex = p->exit;
    return r;
}

int fl_proc_wait(fl_proc *p, fl_exit *ex)
{
    int r = reap(p, INFINITE);
    if (r == 1 && ex)
        *ex = p->exit;
    return r;
}

void fl_proc_free(fl_proc *p)
{
    if (!p)
        return;
    fl_stream_close(&p->commands);
    fl_stream_close(&p->events);
    fl_stream_close(&p->output);
    if (!p->reaped && p->process) {
        fl_proc_kill(p, 1);
        fl_proc_wait(p, NULL);
    }
    /* Leftover grandchildren of a finished worker are not ours to keep: closing the last
     * handle of the job kills them. */
    close_handle(&p->job);
    close_handle(&p->process);
    free(p);
}

int fl_run_command(char *const *argv, char *const *envp, fl_exit *ex, fl_error *err)
{
    fl_spawn_opts o = {.argv = argv, .envp = envp, .stdin_null = 1};
    fl_proc *p;
    int rc = fl_spawn(&o, &p, err);
    if (rc != FL_OK)
        return rc;
    fl_proc_wait(p, ex);
    fl_proc_free(p);
    return FL_OK;
}

/* ---- odds and ends ------------------------------------------------------------------------ */

double fl_monotonic(void)
{
    static LARGE_INTEGER freq;
    LARGE_INTEGER now;
    if (!freq.QuadPart)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    return (double)now.QuadPart / (double)freq.QuadPart;
}

double fl_wall_clock(void)
{
    FILETIME ft;
    GetSystemTimePreciseAsFileTime(&ft);
    ULONGLONG t = ((ULONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    return (double)(t - 116444736000000000ULL) / 1e7; /* 100 ns ticks since 1601 */
}

void fl_sleep_ms(int ms) { Sleep(ms < 0 ? 0 : (DWORD)ms); }

int fl_cpu_count(void)
{
    DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
    return n > 0 ? (int)n : 1;
}

long fl_getpid(void) { return (long)GetCurrentProcessId(); }

static HANDLE handle_of(FILE *f)
{
    int fd = f ? _fileno(f) : -1;
    return fd >= 0 ? (HANDLE)_get_osfhandle(fd) : INVALID_HANDLE_VALUE;
}

int fl_is_terminal(FILE *f)
{
    DWORD mode;
    HANDLE h = handle_of(f);
    return h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode); /* _isatty says yes to NUL too */
}

int fl_terminal_width(FILE *f)
{
    CONSOLE_SCREEN_BUFFER_INFO info;
    HANDLE h = handle_of(f);
    if (h != INVALID_HANDLE_VALUE && GetConsoleScreenBufferInfo(h, &info))
        return info.srWindow.Right - info.srWindow.Left + 1;
    return 80;
}

char *fl_self_exe(void)
{
    DWORD size = 512;
    for (;;) {
        wchar_t *buf = malloc(size * sizeof *buf);
        if (!buf)
            return NULL;
        DWORD n = GetModuleFileNameW(NULL, buf, size);
        if (n == 0) {
            free(buf);
            return NULL;
        }
        if (n < size) {
            char *s = fl_w_to_utf8(buf, (int)n);
            free(buf);
            return s;
        }
        free(buf);
        size *= 2;
    }
}

int fl_mkdir_p(const char *path, fl_error *err)
{
    wchar_t *w = fl_w_from_utf8(path);
    if (!w)
        return fl_error_set(err, FL_ERR_USAGE, "not a valid UTF-8 path: %s", path);
    size_t len = wcslen(w);
    size_t start = 0;
    /* Skip what cannot be created: "C:\", "\\server\share\", a leading "\". */
    if (len >= 2 && w[1] == L':')
        start = 2;
    else if (len >= 2 && (w[0] == L'\\' || w[0] == L'/') && (w[1] == L'\\' || w[1] == L'/')) {
        int seps = 0;
        for (start = 2; start < len && seps < 2; start++)
            if (w[start] == L'\\' || w[start] == L'/')
                seps++;
    }
    while (start < len && (w[start] == L'\\' || w[start] == L'/'))
        start++;
    int rc = FL_OK;
    for (size_t i = start; i <= len && rc == FL_OK; i++) {
        if (i < len && w[i] != L'\\' && w[i] != L'/')
            continue;
        wchar_t saved = w[i];
        w[i] = 0;
        if (i > start && w[i - 1] != L'\\' && w[i - 1] != L'/' && !CreateDirectoryW(w, NULL)) {
            DWORD e = GetLastError();
            DWORD attrs = GetFileAttributesW(w);
            if (e != ERROR_ALREADY_EXISTS || attrs == INVALID_FILE_ATTRIBUTES || !(attrs & FILE_ATTRIBUTE_DIRECTORY)) {
                char *shown = fl_w_to_utf8(w, -1);
                rc = fl_w_error(err, FL_ERR_IO, e, "cannot create directory", shown ? shown : path);
                free(shown);
            }
        }
        w[i] = saved;
    }
    free(w);
    return rc;
}

long fl_read_line(char **line, size_t *cap, FILE *f)
{
    if (!*line || *cap < 2) {
        char *fresh = realloc(*line, 128);
        if (!fresh)
            return -1;
        *line = fresh;
        *cap = 128;
    }
    size_t len = 0;
    for (;;) {
        if (!fgets(*line + len, (int)(*cap - len < INT32_MAX ? *cap - len : INT32_MAX), f))
            break;
        len += strlen(*line + len);
        if (len > 0 && (*line)[len - 1] == '\n')
            break;
        if (len + 1 < *cap)
            continue; /* a NUL byte inside the line: strlen stopped early; keep reading */
        char *bigger = realloc(*line, *cap * 2);
        if (!bigger)
            return -1;
        *line = bigger;
        *cap *= 2;
    }
    return len > 0 ? (long)len : -1;
}

/* fnmatch(3) with no flags: *, ?, [set] with ranges and ! or ^, and \ quoting. */
static int match_set(const char **pp, char c)
{
    const char *p = *pp + 1;
    int negate = *p == '!' || *p == '^';
    if (negate)
        p++;
    int matched = 0;
    int first = 1;
    while (*p && (first || *p != ']')) {
        first = 0;
        char lo = *p == '\\' && p[1] ? *++p : *p;
        char hi = lo;
        if (p[1] == '-' && p[2] && p[2] != ']') {
            hi = p[2] == '\\' && p[3] ? p[3] : p[2];
            p += p[2] == '\\' && p[3] ? 3 : 2;
        }
        if ((unsigned char)c >= (unsigned char)lo && (unsigned char)c <= (unsigned char)hi)
            matched = 1;
        p++;
    }
    if (*p != ']')
        return -1; /* no closing bracket: '[' is an ordinary character */
    *pp = p + 1;
    return matched != negate;
}

int fl_fnmatch(const char *pattern, const char *text)
{
    const char *p = pattern, *t = text, *star_p = NULL, *star_t = NULL;
    while (*t) {
        int advanced = 0;
        if (*p == '*') {
            while (*p == '*')
                p++;
            star_p = p;
            star_t = t;
            continue;
        }
        if (*p == '?') {
            p++;
            t++;
            continue;
        }
        if (*p == '[') {
            const char *q = p;
            int m = match_set(&q, *t);
            if (m == 1) {
                p = q;
                t++;
                continue;
            }
            if (m == 0)
                goto backtrack;
            /* unclosed: fall through, '[' matches itself */
        }
        {
            const char *lit = p;
            if (*lit == '\\' && lit[1])
                lit++;
            if (*lit && *lit == *t) {
                p = lit + 1;
                t++;
                advanced = 1;
            }
        }
        if (advanced)
            continue;
    backtrack:
        if (!star_p)
            return 0;
        p = star_p;
        t = ++star_t;
    }
    while (*p == '*')
        p++;
    return *p == 0;
}

void *fl_dl_open(const char *name, fl_error *err)
{
    wchar_t *w = fl_w_from_utf8(name);
    HMODULE lib = w ? LoadLibraryExW(w, NULL, 0) : NULL;
    DWORD e = GetLastError();
    free(w);
    if (!lib) {
        char why[256];
        fl_error_set(err, FL_ERR_UNSUPPORTED, "cannot load %s: %s", name, fl_w_error_text(e, why, sizeof why));
    }
    return (void *)lib;
}

void *fl_dl_sym(void *lib, const char *symbol)
{
    FARPROC f = GetProcAddress((HMODULE)lib, symbol);
    void *v;
    memcpy(&v, &f, sizeof v);
    return v;
}

void fl_dl_close(void *lib)
{
    if (lib)
        FreeLibrary((HMODULE)lib);
}

/* Nothing to ask for: a worker is in its coordinator's job object (new_group), which
 * Windows kills when the coordinator's last handle to it closes, however it died. */
void fl_die_with_parent(void) {}
int fl_can_die_with_parent(void) { return 0; }

int fl_process_alive(long pid)
{
    HANDLE h = pid > 0 ? OpenProcess(SYNCHRONIZE, FALSE, (DWORD)pid) : NULL;
    if (!h)
        return 0;
    int alive = WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
    CloseHandle(h);
    return alive;
}

int fl_setenv(const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value) + 2;
    char *assignment = malloc(n);
    if (!assignment)
        return FL_ERR_NOMEM;
    snprintf(assignment, n, "%s=%s", name, value);
    wchar_t *w = fl_w_from_utf8(assignment);
    free(assignment);
    /* _wputenv updates the C runtime's copies (getenv) and the process environment. */
    int rc = w && _wputenv(w) == 0 ? FL_OK : FL_ERR_NOMEM;
    free(w);
    return rc;
}

int fl_file_exists(const char *path) { return path_kind(path) != 0; }

char *fl_find_program(const char *name)
{
    char why[96];
    if (!name || !*name)
        return NULL;
    char *found = find_program(name, why, sizeof why);
    if (!found)
        return NULL;
    char *absolute = fl_fs_absolute(found);
    free(found);
    return absolute;
}

/* RtlGenRandom, exported by advapi32 as SystemFunction036. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

int fl_random_bytes(void *buf, size_t n)
{
    if (n <= 0xFFFFFFFFu && SystemFunction036(buf, (ULONG)n))
        return FL_OK;
    ULONGLONG x = (ULONGLONG)GetCurrentProcessId() ^ (ULONGLONG)(fl_wall_clock() * 1e9);
    unsigned char *b = buf;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b[i] = (unsigned char)x;
    }
    return FL_OK;
}

/* The environment in UTF-8.  Rebuilt when the process environment changed; earlier copies
 * are kept (a caller may still be reading one), which costs one copy per change. */
char **fl_environ(void)
{
    static char **current;
    static wchar_t *current_block;
    static size_t current_chars;
    wchar_t *block = GetEnvironmentStringsW();
    if (!block)
        return current;
    size_t chars = 0;
    while (block[chars])
        chars += wcslen(block + chars) + 1;
    chars++;
    if (current && chars == current_chars && !memcmp(block, current_block, chars * sizeof *block)) {
        FreeEnvironmentStringsW(block);
        return current;
    }
    size_t n = 0;
    for (size_t at = 0; block[at]; at += wcslen(block + at) + 1)
        n++;
    char **env = calloc(n + 1, sizeof *env);
    wchar_t *copy = malloc(chars * sizeof *copy);
    if (!env || !copy) {
        free(env);
        free(copy);
        FreeEnvironmentStringsW(block);
        return current;
    }
    memcpy(copy, block, chars * sizeof *copy);
    size_t k = 0;
    for (size_t at = 0; block[at]; at += wcslen(block + at) + 1)
        if ((env[k] = fl_w_to_utf8(block + at, -1)) != NULL)
            k++;
    FreeEnvironmentStringsW(block);
    current = env;
    current_block = copy;
    current_chars = chars;
    return current;
}

/* ---- the worker's side: channel, stop event, per-test capture -------------------------------- */

static HANDLE capture_h = INVALID_HANDLE_VALUE;
static int capture_fd = -1, real_stdout = -1, real_stderr = -1;
static char *capture_path;
static wchar_t capture_path_w[MAX_PATH + 1];

/* What the test printed into stdio's buffers goes to the capture file before we die (the
 * coordinator shows the file's tail when a worker dies in a test). */
static void flush_stdio(void)
{
    fflush(stdout);
    fflush(stderr);
}

static HANDLE stop_event;

static DWORD WINAPI watch_stop_event(LPVOID unused)
{
    (void)unused;
    if (WaitForSingleObject(stop_event, INFINITE) == WAIT_OBJECT_0) {
        flush_stdio();
        TerminateProcess(GetCurrentProcess(), STOPPED_EXIT_CODE);
    }
    return 0;
}

/* A crash: die at once with the exception's code (no error-reporting dialog, no debugger). */
static LONG WINAPI on_unhandled_exception(EXCEPTION_POINTERS *info)
{
    DWORD code = info && info->ExceptionRecord ? info->ExceptionRecord->ExceptionCode : 0xC0000001;
    flush_stdio();
    TerminateProcess(GetCurrentProcess(), code);
    return EXCEPTION_CONTINUE_SEARCH;
}

/* abort(): the same, with the code Windows' own abort gives (fail-fast, 0xC0000409),
 * rather than msvcrt's exit code 3, which exit(3) gives too. */
static void on_abort(int signo)
{
    (void)signo;
    flush_stdio();
    TerminateProcess(GetCurrentProcess(), 0xC0000409);
}

int fl_channel_open_from_env(FILE **commands, FILE **events, fl_error *err)
{
    const char *spec = getenv("FORKLESS_CHANNEL");
    unsigned long long in_value, out_value;
    if (!spec || sscanf(spec, "handle:%llu:%llu", &in_value, &out_value) != 2)
        return fl_error_set(err, FL_ERR_PROTOCOL,
                            "FORKLESS_CHANNEL is %s%s%s; this program must be started by forkless",
                            spec ? "'" : "not set", spec ? spec : "", spec ? "'" : "");
    HANDLE in = (HANDLE)(uintptr_t)in_value, out = (HANDLE)(uintptr_t)out_value;
    /* Not inherited by the worker's own children (close-on-exec). */
    SetHandleInformation(in, HANDLE_FLAG_INHERIT, 0);
    SetHandleInformation(out, HANDLE_FLAG_INHERIT, 0);
    int in_fd = _open_osfhandle((intptr_t)in, _O_RDONLY | _O_BINARY);
    int out_fd = _open_osfhandle((intptr_t)out, _O_WRONLY | _O_BINARY);
    *commands = in_fd >= 0 ? _fdopen(in_fd, "rb") : NULL;
    *events = out_fd >= 0 ? _fdopen(out_fd, "wb") : NULL;
    if (!*commands || !*events)
        return fl_error_set(err, FL_ERR_PROTOCOL, "cannot open the channel %s", spec);
    _wputenv(L"FORKLESS_CHANNEL=");
    /* The polite kill (see fl_proc_kill). */
    if (!stop_event) {
        wchar_t name[64];
        stop_event_name(GetCurrentProcessId(), name, sizeof name / sizeof *name);
        stop_event = CreateEventW(NULL, TRUE, FALSE, name);
        HANDLE t = stop_event ? CreateThread(NULL, 64 * 1024, watch_stop_event, NULL, 0, NULL) : NULL;
        if (t)
            CloseHandle(t);
    }
    return FL_OK;
}

/* The capture file: "<temp dir>/forkless-capture-<pid>-<random>", with forward slashes (the
 * coordinator reads only files named so). */
static int make_capture_file(void)
{
    wchar_t dir[MAX_PATH + 1];
    DWORD n = GetTempPathW(MAX_PATH + 1, dir);
    unsigned char r[6];
    fl_random_bytes(r, sizeof r);
    if (n == 0 || n > MAX_PATH - 48)
        return 0;
    swprintf(capture_path_w, MAX_PATH + 1, L"%lsforkless-capture-%lu-%02x%02x%02x%02x%02x%02x", dir,
             (unsigned long)GetCurrentProcessId(), r[0], r[1], r[2], r[3], r[4], r[5]);
    for (wchar_t *c = capture_path_w; *c; c++)
        if (*c == L'\\')
            *c = L'/';
    /* Shared for reading and deleting: the coordinator reads it, and removes it, after a
     * crash (our handle is closed by then). */
    capture_h = CreateFileW(capture_path_w, GENERIC_READ | GENERIC_WRITE,
                            FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, CREATE_NEW,
                            FILE_ATTRIBUTE_TEMPORARY, NULL);
    if (capture_h == INVALID_HANDLE_VALUE)
        return 0;
    if (!(capture_path = fl_w_to_utf8(capture_path_w, -1))) {
        CloseHandle(capture_h);
        capture_h = INVALID_HANDLE_VALUE;
        DeleteFileW(capture_path_w);
        return 0;
    }
    return 1;
}

const char *fl_capture_open(fl_error *err)
{
    if (capture_fd >= 0)
        return capture_path;
    if (!make_capture_file()) {
        fl_w_error(err, FL_ERR_IO, GetLastError(), "cannot create a capture file in", "the temporary directory");
        return NULL;
    }
    capture_fd = _open_osfhandle((intptr_t)capture_h, _O_RDWR | _O_BINARY);
    real_stdout = _dup(1);
    real_stderr = _dup(2);
    if (capture_fd < 0 || real_stdout < 0 || real_stderr < 0) {
        fl_error_set(err, FL_ERR_IO, "cannot set up output capture (stdout or stderr is closed)");
        return NULL;
    }
    /* The real ones must not leak into the test's own children. */
    SetHandleInformation((HANDLE)_get_osfhandle(real_stdout), HANDLE_FLAG_INHERIT, 0);
    SetHandleInformation((HANDLE)_get_osfhandle(real_stderr), HANDLE_FLAG_INHERIT, 0);
    SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
    SetUnhandledExceptionFilter(on_unhandled_exception);
    signal(SIGABRT, on_abort);
    return capture_path;
}

void fl_capture_close(void)
{
    if (capture_fd < 0)
        return;
    _close(capture_fd);
    capture_fd = -1;
    capture_h = INVALID_HANDLE_VALUE;
    DeleteFileW(capture_path_w);
}

static void point_std_handles_at_fds(void)
{
    SetStdHandle(STD_OUTPUT_HANDLE, (HANDLE)_get_osfhandle(1));
    SetStdHandle(STD_ERROR_HANDLE, (HANDLE)_get_osfhandle(2));
}

int fl_capture_begin(fl_error *err)
{
    if (capture_fd < 0 && !fl_capture_open(err))
        return FL_ERR_IO;
    flush_stdio();
    LARGE_INTEGER zero = {0};
    if (!SetFilePointerEx(capture_h, zero, NULL, FILE_BEGIN) || !SetEndOfFile(capture_h))
        return fl_w_error(err, FL_ERR_IO, GetLastError(), "cannot reset", "the capture file");
    _dup2(capture_fd, 1);
    _dup2(capture_fd, 2);
    point_std_handles_at_fds();
    return FL_OK;
}

char *fl_capture_end(size_t *len)
{
    flush_stdio();
    _dup2(real_stdout, 1);
    _dup2(real_stderr, 2);
    point_std_handles_at_fds();
    *len = 0;
    LARGE_INTEGER size;
    if (!GetFileSizeEx(capture_h, &size))
        size.QuadPart = 0;
    char *out = malloc((size_t)size.QuadPart + 1);
    if (!out)
        return NULL;
    size_t got = 0;
    while (got < (size_t)size.QuadPart) {
        OVERLAPPED at;
        memset(&at, 0, sizeof at);
        at.Offset = (DWORD)got;
        at.OffsetHigh = (DWORD)((ULONGLONG)got >> 32);
        DWORD n = 0;
        DWORD want = (size_t)size.QuadPart - got > (1u << 30) ? (1u << 30) : (DWORD)((size_t)size.QuadPart - got);
        if (!ReadFile(capture_h, out + got, want, &n, &at) || n == 0)
            break;
        got += n;
    }
    out[got] = 0;
    *len = got;
    return out;
}
