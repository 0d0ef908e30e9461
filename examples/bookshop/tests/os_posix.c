/*
 * os_posix.c — os.h on POSIX systems: mkdir, mkdtemp, setenv, and posix_spawn with one
 * pipe for the child's stdout and stderr.
 */
#include "os.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int os_make_dir(const char *path)
{
    return mkdir(path, 0777) == 0 || errno == EEXIST ? 0 : -1;
}

char *os_make_temp_dir(const char *prefix)
{
    const char *base = getenv("TMPDIR");
    size_t size = strlen(base && *base ? base : "/tmp") + strlen(prefix) + 16;
    char *path = malloc(size);
    if (!path)
        return NULL;
    snprintf(path, size, "%s/%s-XXXXXX", base && *base ? base : "/tmp", prefix);
    if (!mkdtemp(path)) {
        free(path);
        return NULL;
    }
    return path;
}

int os_set_env(const char *name, const char *value)
{
    return value ? setenv(name, value, 1) : unsetenv(name);
}

int os_run(const char *const *argv, char *out, size_t size)
{
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(out, size, "pipe: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &actions, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        snprintf(out, size, "cannot start %s: %s", argv[0], strerror(rc));
        return -1;
    }
    size_t len = 0;
    ssize_t got;
    char discard[4096];
    while ((got = read(fds[0], len + 1 < size ? out + len : discard,
                       len + 1 < size ? size - 1 - len : sizeof discard)) > 0)
        if (len + 1 < size)
            len += (size_t)got;
    out[len] = '\0';
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
