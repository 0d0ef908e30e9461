/*
 * process_posix.c — platform.h on POSIX: posix_spawn with explicit argv/env, pipes that
 * are close-on-exec on our side, a process group per worker (so a kill reaches the whole
 * tree), poll()-based waiting with a self-pipe for signals, and the small helpers
 * (clocks, terminal, self path).  fork() is never used: posix_spawn reports exec failures
 * (ENOENT, EACCES) as its return value on glibc and macOS, so no error pipe is needed.
 */
#include "platform/platform.h"
#include "platform/fs.h"

#include <errno.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__APPLE__)
#include <mach-o/dyld.h>
#endif
#if defined(__linux__)
#include <sys/prctl.h>
#endif

extern char **environ;

struct fl_stream {
    int fd;
};

struct fl_proc {
    pid_t pid;
    int own_group;
    int reaped;
    fl_exit exit;
    fl_stream output;
    fl_stream events;
    fl_stream commands;
};

/* The child sees its channel at these descriptors. */
enum { CHILD_COMMANDS_FD = 3, CHILD_EVENTS_FD = 4 };

static int make_pipe(int fds[2])
{
#if defined(__linux__)
    return pipe2(fds, O_CLOEXEC);
#else
    if (pipe(fds) != 0)
        return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}

static void set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Moves a descriptor above the numbers the child's channel uses, so the dup2 of one end
 * can never overwrite the other. */
static void lift_fd(int *fd)
{
    if (*fd >= 0 && *fd <= CHILD_EVENTS_FD) {
        int moved = fcntl(*fd, F_DUPFD_CLOEXEC, 10);
        if (moved >= 0) {
            close(*fd);
            *fd = moved;
        }
    }
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static const char *signal_label(int signo)
{
    switch (signo) {
    case SIGSEGV: return "SIGSEGV, segmentation fault";
    case SIGABRT: return "SIGABRT, aborted";
    case SIGBUS: return "SIGBUS, bus error";
    case SIGFPE: return "SIGFPE, arithmetic exception";
    case SIGILL: return "SIGILL, illegal instruction";
    case SIGKILL: return "SIGKILL, killed";
    case SIGTERM: return "SIGTERM, terminated";
    case SIGINT: return "SIGINT, interrupted";
    case SIGPIPE: return "SIGPIPE, broken pipe";
    case SIGTRAP: return "SIGTRAP, trap";
    default: return "signal";
    }
}

static void describe_status(int status, fl_exit *ex)
{
    memset(ex, 0, sizeof *ex);
    if (WIFEXITED(status)) {
        ex->exited = 1;
        ex->code = WEXITSTATUS(status);
        snprintf(ex->desc, sizeof ex->desc, "exit code %d", ex->code);
    } else if (WIFSIGNALED(status)) {
        ex->signaled = 1;
        ex->signo = WTERMSIG(status);
        snprintf(ex->desc, sizeof ex->desc, "signal %d (%s)", ex->signo, signal_label(ex->signo));
    } else {
        snprintf(ex->desc, sizeof ex->desc, "status 0x%x", (unsigned)status);
    }
}

/* Builds the child's environment: envp (or ours) plus FORKLESS_CHANNEL when needed. */
static char **child_environment(char *const *envp, int with_channel, char *channel_var)
{
    char *const *base = envp ? envp : environ;
    size_t n = 0;
    while (base[n])
        n++;
    char **env = calloc(n + 2, sizeof *env);
    if (!env)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        if (!with_channel || strncmp(base[i], "FORKLESS_CHANNEL=", 17) != 0)
            env[j++] = base[i];
    if (with_channel) {
        snprintf(channel_var, 64, "FORKLESS_CHANNEL=fd:%d:%d", CHILD_COMMANDS_FD, CHILD_EVENTS_FD);
        env[j++] = channel_var;
    }
    env[j] = NULL;
    return env;
}

/* The PATH lookup posix_spawnp does, done first so that "not found" is reported by name
 * and not confused with a failure inside the program. */
static int command_is_runnable(const char *cmd, char *why, size_t why_size)
{
    if (strchr(cmd, '/')) {
        if (access(cmd, F_OK) != 0) {
            snprintf(why, why_size, "no such file");
            return 0;
        }
        struct stat st;
        if (stat(cmd, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(why, why_size, "is a directory");
            return 0;
        }
        if (access(cmd, X_OK) != 0) {
            snprintf(why, why_size, "not executable");
            return 0;
        }
        return 1;
    }
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    char full[PATH_MAX];
    int seen_not_exec = 0;
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t len = colon ? (size_t)(colon - path) : strlen(path);
        snprintf(full, sizeof full, "%.*s/%s", (int)(len ? len : 1), len ? path : ".", cmd);
        if (access(full, X_OK) == 0) {
            struct stat st;
            if (stat(full, &st) == 0 && !S_ISDIR(st.st_mode))
                return 1;
        } else if (access(full, F_OK) == 0) {
            seen_not_exec = 1;
        }
        path = colon ? colon + 1 : path + len;
    }
    snprintf(why, why_size, "%s", seen_not_exec ? "not executable" : "command not found in PATH");
    return 0;
}

static int spawn_failed(fl_error *err, const char *cmd, const char *why)
{
    return fl_error_set(err, FL_ERR_SPAWN, "cannot start '%s': %s", cmd, why);
}

int fl_spawn(const fl_spawn_opts *o, fl_proc **out, fl_error *err)
{
    *out = NULL;
    if (!o->argv || !o->argv[0] || !o->argv[0][0])
        return fl_error_set(err, FL_ERR_USAGE, "no command to start");
    char why[128];
    if (!command_is_runnable(o->argv[0], why, sizeof why))
        return spawn_failed(err, o->argv[0], why);

    fl_proc *p = calloc(1, sizeof *p);
    if (!p)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory");
    p->output.fd = p->events.fd = p->commands.fd = -1;
    int out_pipe[2] = {-1, -1}, cmd_pipe[2] = {-1, -1}, ev_pipe[2] = {-1, -1};
    int rc = FL_OK;
    char channel_var[64];
    char **env = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int fa_ok = 0, attr_ok = 0;

    if ((o->capture_output && make_pipe(out_pipe) != 0) ||
        (o->with_channel && (make_pipe(cmd_pipe) != 0 || make_pipe(ev_pipe) != 0))) {
        rc = fl_error_set(err, FL_ERR_IO, "cannot create pipes for '%s': %s", o->argv[0],
                          strerror(errno));
        goto done;
    }
    lift_fd(&cmd_pipe[0]);
    lift_fd(&ev_pipe[1]);
    env = child_environment(o->envp, o->with_channel, channel_var);
    if (!env) {
        rc = fl_error_set(err, FL_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (posix_spawn_file_actions_init(&fa) != 0 || posix_spawnattr_init(&attr) != 0) {
        rc = fl_error_set(err, FL_ERR_SPAWN, "cannot prepare to start '%s'", o->argv[0]);
        goto done;
    }
    fa_ok = attr_ok = 1;
    if (o->stdin_null)
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (o->capture_output) {
        posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
        posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 2);
    }
    if (o->with_channel) {
        /* dup2 onto the fixed numbers clears close-on-exec there; the originals stay
         * close-on-exec (lift_fd moved them off the target numbers). */
        posix_spawn_file_actions_adddup2(&fa, cmd_pipe[0], CHILD_COMMANDS_FD);
        posix_spawn_file_actions_adddup2(&fa, ev_pipe[1], CHILD_EVENTS_FD);
    }
    sigset_t none, all_default;
    sigemptyset(&none);
    sigemptyset(&all_default);
    sigaddset(&all_default, SIGINT);
    sigaddset(&all_default, SIGTERM);
    sigaddset(&all_default, SIGPIPE);
    sigaddset(&all_default, SIGCHLD);
    sigaddset(&all_default, SIGQUIT);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (o->new_group) {
        flags |= POSIX_SPAWN_SETPGROUP;
        posix_spawnattr_setpgroup(&attr, 0);
    }
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all_default);
    posix_spawnattr_setflags(&attr, flags);

    int e = posix_spawnp(&p->pid, o->argv[0], &fa, &attr, o->argv, env);
    if (e != 0) {
        rc = spawn_failed(err, o->argv[0], strerror(e));
        goto done;
    }
    p->own_group = o->new_group;
    if (o->capture_output) {
        p->output.fd = out_pipe[0];
        out_pipe[0] = -1;
        set_nonblocking(p->output.fd);
    }
    if (o->with_channel) {
        p->events.fd = ev_pipe[0];
        p->commands.fd = cmd_pipe[1];
        ev_pipe[0] = cmd_pipe[1] = -1;
        set_nonblocking(p->events.fd);
        set_nonblocking(p->commands.fd);
    }
    *out = p;
    p = NULL;
done:
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    if (attr_ok)
        posix_spawnattr_destroy(&attr);
    free(env);
    for (int i = 0; i < 2; i++) {
        close_fd(&out_pipe[i]);
        close_fd(&cmd_pipe[i]);
        close_fd(&ev_pipe[i]);
    }
    free(p);
    return rc;
}

long fl_proc_pid(const fl_proc *p) { return (long)p->pid; }
fl_stream *fl_proc_output(fl_proc *p) { return p->output.fd >= 0 ? &p->output : NULL; }
fl_stream *fl_proc_events(fl_proc *p) { return p->events.fd >= 0 ? &p->events : NULL; }
fl_stream *fl_proc_commands(fl_proc *p) { return p->commands.fd >= 0 ? &p->commands : NULL; }

int fl_proc_kill(fl_proc *p, int force)
{
    if (p->reaped)
        return FL_OK;
    int sig = force ? SIGKILL : SIGTERM;
    /* The group may outlive its leader's exit (grandchildren): signal it while we still
     * hold the leader unreaped, so the pgid cannot have been reused. */
    if (p->own_group && kill(-p->pid, sig) == 0)
        return FL_OK;
    kill(p->pid, sig);
    return FL_OK;
}

int fl_proc_try_wait(fl_proc *p, fl_exit *ex)
{
    if (!p->reaped) {
        int status;
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        if (r == 0)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
        if (r < 0)
            return 0;
        describe_status(status, &p->exit);
        p->reaped = 1;
    }
    if (ex)
        *ex = p->exit;
    return 1;
}

int fl_proc_wait(fl_proc *p, fl_exit *ex)
{
    while (!p->reaped) {
        int status;
        pid_t r = waitpid(p->pid, &status, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        describe_status(status, &p->exit);
        p->reaped = 1;
    }
    if (ex)
        *ex = p->exit;
    return 1;
}

void fl_proc_free(fl_proc *p)
{
    if (!p)
        return;
    close_fd(&p->commands.fd);
    close_fd(&p->events.fd);
    close_fd(&p->output.fd);
    if (!p->reaped) {
        fl_proc_kill(p, 1);
        fl_proc_wait(p, NULL);
    } else if (p->own_group) {
        /* Leftover grandchildren of a finished worker are not ours to keep. */
        kill(-p->pid, SIGKILL);
    }
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

/* ---- streams ------------------------------------------------------------------------ */

long fl_stream_read(fl_stream *s, void *buf, size_t size)
{
    if (s->fd < 0)
        return 0;
    for (;;) {
        ssize_t n = read(s->fd, buf, size);
        if (n >= 0)
            return (long)n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return FL_STREAM_AGAIN;
        return FL_STREAM_ERROR;
    }
}

long fl_stream_write(fl_stream *s, const void *buf, size_t size)
{
    if (s->fd < 0)
        return FL_STREAM_ERROR;
    for (;;) {
        ssize_t n = write(s->fd, buf, size);
        if (n >= 0)
            return (long)n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return FL_STREAM_AGAIN;
        return FL_STREAM_ERROR;
    }
}

void fl_stream_close(fl_stream *s) { close_fd(&s->fd); }
int fl_stream_is_open(const fl_stream *s) { return s && s->fd >= 0; }

/* ---- signals ------------------------------------------------------------------------ */

static int signal_pipe[2] = {-1, -1};
static atomic_int interrupts; /* lock-free: safe in a handler, taken with one exchange */
static struct sigaction old_int, old_term, old_pipe;

static void on_interrupt(int signo)
{
    (void)signo;
    int saved = errno;
    atomic_fetch_add(&interrupts, 1);
    if (signal_pipe[1] >= 0) {
        char c = 1;
        ssize_t ignored = write(signal_pipe[1], &c, 1);
        (void)ignored;
    }
    errno = saved;
}

int fl_signals_install(fl_error *err)
{
    if (signal_pipe[0] < 0) {
        if (make_pipe(signal_pipe) != 0)
            return fl_error_set(err, FL_ERR_IO, "cannot create the signal pipe: %s", strerror(errno));
        set_nonblocking(signal_pipe[0]);
        set_nonblocking(signal_pipe[1]);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old_pipe);
    return FL_OK;
}

void fl_signals_restore(void)
{
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
}

int fl_signals_take(void)
{
    char buf[64];
    while (signal_pipe[0] >= 0 && read(signal_pipe[0], buf, sizeof buf) > 0) {
    }
    return atomic_exchange(&interrupts, 0);
}

int fl_wait(fl_wait_item *items, size_t n, int timeout_ms)
{
    struct pollfd stack[64];
    struct pollfd *pfd = n + 1 <= 64 ? stack : calloc(n + 1, sizeof *pfd);
    if (!pfd)
        return -1;
    for (size_t i = 0; i < n; i++) {
        pfd[i].fd = items[i].stream ? items[i].stream->fd : -1;
        pfd[i].events = items[i].want_write ? POLLOUT : POLLIN;
        pfd[i].revents = 0;
        items[i].ready = 0;
    }
    pfd[n].fd = signal_pipe[0];
    pfd[n].events = POLLIN;
    pfd[n].revents = 0;
    int r = poll(pfd, (nfds_t)(n + 1), timeout_ms);
    int ready = 0;
    if (r > 0) {
        for (size_t i = 0; i < n; i++) {
            if (pfd[i].fd >= 0 && pfd[i].revents) {
                items[i].ready = 1;
                ready++;
            }
        }
    } else if (r < 0 && errno != EINTR) {
        ready = -1;
    }
    if (pfd != stack)
        free(pfd);
    return ready;
}

/* ---- odds and ends ------------------------------------------------------------------ */

double fl_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double fl_wall_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void fl_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int fl_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

long fl_getpid(void) { return (long)getpid(); }

int fl_is_terminal(FILE *f) { return isatty(fileno(f)); }

int fl_terminal_width(FILE *f)
{
    struct winsize ws;
    if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

char *fl_self_exe(void)
{
#if defined(__linux__)
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = 0;
    return strdup(buf);
#elif defined(__APPLE__)
    char buf[PATH_MAX];
    uint32_t size = sizeof buf;
    if (_NSGetExecutablePath(buf, &size) != 0)
        return NULL;
    return realpath(buf, NULL);
#else
    return NULL;
#endif
}

int fl_mkdir_p(const char *path, fl_error *err)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return fl_error_set(err, FL_ERR_USAGE, "path too long: %s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return fl_error_set(err, FL_ERR_IO, "cannot create directory '%s': %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return fl_error_set(err, FL_ERR_IO, "cannot create directory '%s': %s", buf, strerror(errno));
    return FL_OK;
}

long fl_read_line(char **line, size_t *cap, FILE *f)
{
    return (long)getline(line, cap, f);
}

int fl_fnmatch(const char *pattern, const char *text)
{
    return fnmatch(pattern, text, 0) == 0;
}

void *fl_dl_open(const char *name, fl_error *err)
{
    void *lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *why = dlerror();
        fl_error_set(err, FL_ERR_UNSUPPORTED, "cannot load %s: %s", name, why ? why : "unknown reason");
    }
    return lib;
}

void *fl_dl_sym(void *lib, const char *symbol) { return dlsym(lib, symbol); }

void fl_dl_close(void *lib)
{
    if (lib)
        dlclose(lib);
}

#if defined(__linux__)
static pid_t original_parent;

/* The coordinator died (the kernel's parent-death signal): take the whole process group
 * along — this worker and whatever its tests started and left in it — instead of leaving
 * a hung test's children running.  A stray signal while the parent lives is ignored. */
static void on_parent_death(int signo)
{
    (void)signo;
    if (getppid() != original_parent)
        kill(getpgrp() == getpid() ? 0 : getpid(), SIGKILL); /* the group only if it is ours */
}
#endif

int fl_can_die_with_parent(void)
{
#if defined(__linux__)
    return 1;
#else
    return 0;
#endif
}

void fl_die_with_parent(void)
{
#if defined(__linux__)
    /* A real-time signal of our own, not SIGTERM or SIGKILL: its handler can kill the
     * group, and tests that handle SIGTERM themselves are not disturbed. */
    int signo = SIGRTMIN + 1;
    original_parent = getppid();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_parent_death;
    sigemptyset(&sa.sa_mask);
    if (sigaction(signo, &sa, NULL) != 0 || prctl(PR_SET_PDEATHSIG, signo) != 0)
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* at least this process */
    if (getppid() != original_parent) /* it died before the request took effect */
        on_parent_death(signo);
#endif
}

int fl_process_alive(long pid)
{
    if (pid <= 0 || kill((pid_t)pid, 0) != 0)
        return 0;
#if defined(__linux__)
    char path[64], state = 0;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%*d %*s %c", &state) != 1)
            state = 0;
        fclose(f);
        return state != 'Z';
    }
#endif
    return 1;
}

int fl_setenv(const char *name, const char *value)
{
    return setenv(name, value, 1) == 0 ? FL_OK : FL_ERR_NOMEM;
}

int fl_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int is_executable_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *fl_find_program(const char *name)
{
    if (!name || !*name)
        return NULL;
    if (strchr(name, '/'))
        return is_executable_file(name) ? fl_fs_absolute(name) : NULL;
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path;; p++) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        size_t size = (len ? len : 1) + strlen(name) + 2;
        char *candidate = malloc(size);
        if (!candidate)
            return NULL;
        snprintf(candidate, size, "%.*s/%s", (int)(len ? len : 1), len ? p : ".", name);
        if (is_executable_file(candidate)) {
            char *absolute = fl_fs_absolute(candidate);
            free(candidate);
            return absolute;
        }
        free(candidate);
        if (!end)
            return NULL;
        p = end;
    }
}

int fl_random_bytes(void *buf, size_t n)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t got = read(fd, buf, n);
        close(fd);
        if (got == (ssize_t)n)
            return FL_OK;
    }
    /* Fall back to time and pid: unique enough for run ids, never for secrets. */
    uint64_t x = (uint64_t)getpid() ^ (uint64_t)(fl_wall_clock() * 1e9);
    unsigned char *b = buf;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b[i] = (unsigned char)x;
    }
    return FL_OK;
}

char **fl_environ(void) { return environ; }

int fl_channel_open_from_env(FILE **commands, FILE **events, fl_error *err)
{
    const char *spec = getenv("FORKLESS_CHANNEL");
    int in_fd, out_fd;
    if (!spec || sscanf(spec, "fd:%d:%d", &in_fd, &out_fd) != 2)
        return fl_error_set(err, FL_ERR_PROTOCOL,
                            "FORKLESS_CHANNEL is %s%s%s; this program must be started by forkless",
                            spec ? "'" : "not set", spec ? spec : "", spec ? "'" : "");
    fcntl(in_fd, F_SETFD, FD_CLOEXEC);
    fcntl(out_fd, F_SETFD, FD_CLOEXEC);
    *commands = fdopen(in_fd, "r");
    *events = fdopen(out_fd, "w");
    if (!*commands || !*events)
        return fl_error_set(err, FL_ERR_PROTOCOL, "cannot open the channel %s: %s", spec, strerror(errno));
    unsetenv("FORKLESS_CHANNEL");
    return FL_OK;
}

/* ---- per-test output capture ------------------------------------------------------------ */

static int capture_fd = -1, real_stdout = -1, real_stderr = -1;
static char capture_path[64];

const char *fl_capture_open(fl_error *err)
{
    if (capture_fd >= 0)
        return capture_path;
    const char *tmp = getenv("TMPDIR");
    snprintf(capture_path, sizeof capture_path, "%s/forkless-capture-XXXXXX",
             tmp && *tmp && strlen(tmp) < 30 ? tmp : "/tmp");
    capture_fd = mkostemp(capture_path, O_CLOEXEC);
    if (capture_fd < 0) {
        fl_error_set(err, FL_ERR_IO, "cannot create a capture file '%s': %s", capture_path, strerror(errno));
        return NULL;
    }
    real_stdout = fcntl(1, F_DUPFD_CLOEXEC, 10);
    real_stderr = fcntl(2, F_DUPFD_CLOEXEC, 10);
    /* Line-buffered: what a test printed before crashing is not lost in stdio's buffer. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    return capture_path;
}

void fl_capture_close(void)
{
    if (capture_fd < 0)
        return;
    close(capture_fd);
    capture_fd = -1;
    unlink(capture_path);
}

int fl_capture_begin(fl_error *err)
{
    if (capture_fd < 0 && !fl_capture_open(err))
        return FL_ERR_IO;
    fflush(stdout);
    fflush(stderr);
    if (ftruncate(capture_fd, 0) != 0 || lseek(capture_fd, 0, SEEK_SET) != 0)
        return fl_error_set(err, FL_ERR_IO, "cannot reset the capture file: %s", strerror(errno));
    dup2(capture_fd, 1);
    dup2(capture_fd, 2);
    return FL_OK;
}

char *fl_capture_end(size_t *len)
{
    fflush(stdout);
    fflush(stderr);
    dup2(real_stdout, 1);
    dup2(real_stderr, 2);
    off_t size = lseek(capture_fd, 0, SEEK_END);
    if (size < 0)
        size = 0;
    char *out = malloc((size_t)size + 1);
    if (!out) {
        *len = 0;
        return NULL;
    }
    ssize_t got = size > 0 ? pread(capture_fd, out, (size_t)size, 0) : 0;
    if (got < 0)
        got = 0;
    out[got] = 0;
    *len = (size_t)got;
    return out;
}
