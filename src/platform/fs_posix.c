/*
 * fs_posix.c — fs.h on POSIX: paths, whole-file copies that use the fastest means the
 * file system offers (Linux FICLONE reflink, then copy_file_range; macOS clonefile; then
 * a read/write loop), flock(2) locks whose death with their process is what tells a live
 * run from a dead one, directory listings, glob(3), and pthreads.
 *
 * flock locks belong to an open file description, so two opens of one lock file conflict
 * even inside one process: a test can hold a run's lock and probe it from the same binary.
 */
#include "platform/fs.h"
#include "platform/platform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#if defined(__linux__)
#include <linux/fs.h>
#include <sys/ioctl.h>
#endif
#if defined(__APPLE__)
#include <sys/clonefile.h>
#endif

static int io_error(fl_error *err, const char *what, const char *path)
{
    return fl_error_set(err, errno == ENOMEM ? FL_ERR_NOMEM : FL_ERR_IO, "%s '%s': %s", what,
                        path, strerror(errno));
}

/* ---- paths ------------------------------------------------------------------------------ */

/* Folds "//", "/./" and "/../" in an absolute path, in place. */
static void fold_components(char *path)
{
    char *out = path;
    const char *in = path;
    while (*in) {
        while (*in == '/')
            in++;
        const char *end = strchr(in, '/');
        size_t len = end ? (size_t)(end - in) : strlen(in);
        if (len == 0)
            break;
        if (len == 1 && in[0] == '.') {
            /* skip */
        } else if (len == 2 && in[0] == '.' && in[1] == '.') {
            while (out > path && *--out != '/')
                ;
        } else {
            *out++ = '/';
            memmove(out, in, len);
            out += len;
        }
        in += len;
    }
    if (out == path)
        *out++ = '/';
    *out = 0;
}

char *fl_fs_absolute(const char *path)
{
    char *result;
    if (path[0] == '/') {
        result = strdup(path);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            return NULL;
        size_t n = strlen(cwd) + strlen(path) + 2;
        result = malloc(n);
        if (result)
            snprintf(result, n, "%s/%s", cwd, path);
    }
    if (result)
        fold_components(result);
    return result;
}

char *fl_fs_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

char *fl_fs_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return strdup(slash ? slash + 1 : path);
}

int fl_fs_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int fl_fs_stat(const char *path, uint64_t *size, double *mtime, fl_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return io_error(err, "cannot read", path);
    if (size)
        *size = (uint64_t)st.st_size;
    if (mtime) {
#if defined(__APPLE__)
        *mtime = (double)st.st_mtimespec.tv_sec + st.st_mtimespec.tv_nsec / 1e9;
#else
        *mtime = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
#endif
    }
    return FL_OK;
}

char *fl_fs_realpath(const char *path)
{
    return path ? realpath(path, NULL) : NULL;
}

int fl_fs_stamp(const char *path, uint64_t *size, int64_t *mtime_ns)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    *size = (uint64_t)st.st_size;
#if defined(__APPLE__)
    *mtime_ns = (int64_t)st.st_mtimespec.tv_sec * 1000000000 + st.st_mtimespec.tv_nsec;
#else
    *mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
#endif
    return 1;
}

int fl_fs_remove(const char *path, fl_error *err)
{
    if (unlink(path) != 0 && errno != ENOENT)
        return io_error(err, "cannot remove", path);
    return FL_OK;
}

int fl_fs_remove_empty_dir(const char *path)
{
    return rmdir(path) == 0;
}

int fl_fs_rename(const char *from, const char *to, fl_error *err)
{
    if (rename(from, to) != 0) {
        int e = errno;
        fl_error_set(err, FL_ERR_IO, "cannot rename '%s' to '%s': %s", from, to, strerror(e));
        return FL_ERR_IO;
    }
    return FL_OK;
}

/* ---- whole-file copies ---------------------------------------------------------------- */

static int copy_by_read_write(int in, int out)
{
    static const size_t chunk = 1 << 20;
    char *buf = malloc(chunk);
    if (!buf)
        return -1;
    for (;;) {
        ssize_t got = read(in, buf, chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            free(buf);
            return got < 0 ? -1 : 0;
        }
        for (ssize_t done = 0; done < got;) {
            ssize_t put = write(out, buf + done, (size_t)(got - done));
            if (put < 0 && errno == EINTR)
                continue;
            if (put < 0) {
                free(buf);
                return -1;
            }
            done += put;
        }
    }
}

#if defined(__linux__)
/* 1 when done, 0 when the file system cannot do it (fall back), -1 on a real error. */
static int copy_by_kernel(int in, int out, off_t size)
{
    off_t left = size;
    while (left > 0) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            if (left == size && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP ||
                                 errno == EINVAL))
                return 0;
            return -1;
        }
        if (n == 0)
            break; /* the source shrank: copy what there was */
        left -= n;
    }
    return 1;
}
#endif

/* Copies the open descriptors; sets *how.  0 on success, -1 with errno on failure. */
static int copy_descriptors(int in, int out, off_t size, const char **how)
{
#if defined(__linux__)
    if (ioctl(out, FICLONE, in) == 0) {
        *how = "reflink";
        return 0;
    }
    int k = copy_by_kernel(in, out, size);
    if (k == 1) {
        *how = "copy_file_range";
        return 0;
    }
    if (k < 0)
        return -1;
    if (lseek(in, 0, SEEK_SET) < 0 || ftruncate(out, 0) != 0 || lseek(out, 0, SEEK_SET) < 0)
        return -1;
#else
    (void)size;
#endif
    *how = "read/write";
    return copy_by_read_write(in, out);
}

int fl_fs_clone_file(const char *src, const char *dst, const char **how, fl_error *err)
{
    const char *ignored;
    if (!how)
        how = &ignored;
#if defined(__APPLE__)
    if (clonefile(src, dst, 0) == 0) {
        *how = "clonefile";
        return FL_OK;
    }
    if (errno == EEXIST)
        return io_error(err, "cannot create", dst);
#endif
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return io_error(err, "cannot read", src);
    struct stat st;
    if (fstat(in, &st) != 0) {
        int rc = io_error(err, "cannot read", src);
        close(in);
        return rc;
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 0777);
    if (out < 0) {
        int rc = io_error(err, "cannot create", dst);
        close(in);
        return rc;
    }
    int failed = copy_descriptors(in, out, st.st_size, how) != 0;
    int saved = errno;
    if (close(out) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    close(in);
    if (failed) {
        unlink(dst);
        errno = saved;
        return io_error(err, "cannot copy to", dst);
    }
    return FL_OK;
}

int fl_fs_read_file(const char *path, char **data, size_t *size, fl_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return io_error(err, "cannot read", path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int rc = io_error(err, "cannot read", path);
        close(fd);
        return rc;
    }
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory reading '%s'", path);
    }
    for (;;) {
        if (len + 1 >= cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                close(fd);
                return fl_error_set(err, FL_ERR_NOMEM, "out of memory reading '%s'", path);
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + len, cap - len - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int rc = io_error(err, "cannot read", path);
            free(buf);
            close(fd);
            return rc;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    buf[len] = 0;
    *data = buf;
    *size = len;
    return FL_OK;
}

static int write_all(int fd, const void *data, size_t size)
{
    const char *p = data;
    while (size > 0) {
        ssize_t put = write(fd, p, size);
        if (put < 0 && errno == EINTR)
            continue;
        if (put < 0)
            return -1;
        p += put;
        size -= (size_t)put;
    }
    return 0;
}

int fl_fs_write_file(const char *path, const void *data, size_t size, fl_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return io_error(err, "cannot create", path);
    if (write_all(fd, data, size) != 0 || close(fd) != 0) {
        int rc = io_error(err, "cannot write", path);
        close(fd);
        return rc;
    }
    return FL_OK;
}

int fl_fs_patch_file(const char *path, uint64_t offset, const void *data, size_t size,
                     fl_error *err)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return io_error(err, "cannot open", path);
    ssize_t put = pwrite(fd, data, size, (off_t)offset);
    if (put != (ssize_t)size) {
        int rc = io_error(err, "cannot write", path);
        close(fd);
        return rc;
    }
    if (close(fd) != 0)
        return io_error(err, "cannot write", path);
    return FL_OK;
}

int fl_fs_check_writable_dir(const char *dir, fl_error *err)
{
    char probe[PATH_MAX];
    unsigned char r[4];
    fl_random_bytes(r, sizeof r);
    snprintf(probe, sizeof probe, "%s/.forkless-probe-%ld-%02x%02x%02x%02x", dir, fl_getpid(),
             r[0], r[1], r[2], r[3]);
    int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return fl_error_set(err, FL_ERR_IO, "cannot create files in directory '%s': %s", dir,
                            strerror(errno));
    close(fd);
    unlink(probe);
    return FL_OK;
}

/* ---- listings ----------------------------------------------------------------------------- */

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A growable NULL-terminated string vector. */
typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

static int strvec_push(strvec *s, const char *str)
{
    if (s->n + 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        char **bigger = realloc(s->v, cap * sizeof *bigger);
        if (!bigger)
            return -1;
        s->v = bigger;
        s->cap = cap;
    }
    if (!(s->v[s->n] = strdup(str)))
        return -1;
    s->v[++s->n] = NULL;
    return 0;
}

static void strvec_free(strvec *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

/* An empty vector is still a valid NULL-terminated array. */
static int strvec_finish(strvec *s, char ***out, size_t *n)
{
    if (!s->v && !(s->v = calloc(1, sizeof *s->v)))
        return -1;
    qsort(s->v, s->n, sizeof *s->v, compare_strings);
    *out = s->v;
    if (n)
        *n = s->n;
    return 0;
}

int fl_fs_list_dir(const char *dir, char ***names, size_t *n, fl_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return io_error(err, "cannot list directory", dir);
    strvec s = {0};
    struct dirent *e;
    int failed = 0;
    while (!failed && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        failed = strvec_push(&s, e->d_name) != 0;
    }
    closedir(d);
    if (failed || strvec_finish(&s, names, n) != 0) {
        strvec_free(&s);
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory listing '%s'", dir);
    }
    return FL_OK;
}

int fl_fs_glob(const char *pattern, char ***paths, size_t *n, fl_error *err)
{
    glob_t g;
    memset(&g, 0, sizeof g);
    int rc = glob(pattern, GLOB_ERR, NULL, &g);
    if (rc != 0 && rc != GLOB_NOMATCH) {
        globfree(&g);
        return fl_error_set(err, rc == GLOB_NOSPACE ? FL_ERR_NOMEM : FL_ERR_IO,
                            "cannot expand the pattern '%s': %s", pattern,
                            rc == GLOB_NOSPACE ? "out of memory" : "read error");
    }
    strvec s = {0};
    int failed = 0;
    for (size_t i = 0; rc == 0 && !failed && i < g.gl_pathc; i++) {
        struct stat st;
        if (stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode))
            failed = strvec_push(&s, g.gl_pathv[i]) != 0;
    }
    globfree(&g);
    if (failed || strvec_finish(&s, paths, n) != 0) {
        strvec_free(&s);
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory expanding '%s'", pattern);
    }
    return FL_OK;
}

/* ---- locks ---------------------------------------------------------------------------------- */

struct fl_file_lock {
    int fd;
    char *path;
};

static int lock_wrap(int fd, const char *path, fl_file_lock **out, fl_error *err)
{
    fl_file_lock *l = malloc(sizeof *l);
    char *copy = strdup(path);
    if (!l || !copy) {
        free(l);
        free(copy);
        close(fd);
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory locking '%s'", path);
    }
    l->fd = fd;
    l->path = copy;
    *out = l;
    return FL_OK;
}

static int flock_retrying(int fd, int op)
{
    int rc;
    do
        rc = flock(fd, op);
    while (rc != 0 && errno == EINTR);
    return rc;
}

int fl_file_lock_create(const char *path, fl_file_lock **out, fl_error *err)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return fl_error_set(err, FL_ERR_USAGE, "path too long: '%s'", path);
    int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return io_error(err, "cannot create", tmp);
    if (flock_retrying(fd, LOCK_EX | LOCK_NB) != 0 || rename(tmp, path) != 0) {
        int rc = io_error(err, "cannot create lock file", path);
        unlink(tmp);
        close(fd);
        return rc;
    }
    return lock_wrap(fd, path, out, err);
}

int fl_file_lock_acquire(const char *path, fl_file_lock **out, int *created, fl_error *err)
{
    for (;;) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return io_error(err, "cannot create lock file", path);
        if (flock_retrying(fd, LOCK_EX) != 0) {
            int rc = io_error(err, "cannot lock", path);
            close(fd);
            return rc;
        }
        struct stat held, named;
        if (fstat(fd, &held) == 0 && stat(path, &named) == 0 && held.st_dev == named.st_dev &&
            held.st_ino == named.st_ino) {
            if (created)
                *created = held.st_size == 0;
            return lock_wrap(fd, path, out, err);
        }
        close(fd); /* the previous holder removed it: start over on the new file */
    }
}

int fl_file_lock_try(const char *path, int *state, fl_file_lock **out, fl_error *err)
{
    *state = FL_LOCK_GONE;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return FL_OK;
        return io_error(err, "cannot open lock file", path);
    }
    if (flock_retrying(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK) {
            *state = FL_LOCK_BUSY;
            return FL_OK;
        }
        errno = e;
        return io_error(err, "cannot lock", path);
    }
    struct stat held, named;
    if (fstat(fd, &held) != 0 || stat(path, &named) != 0 || held.st_ino != named.st_ino ||
        held.st_dev != named.st_dev) {
        close(fd); /* removed or replaced while we looked: no dead owner here */
        return FL_OK;
    }
    *state = FL_LOCK_TAKEN;
    return lock_wrap(fd, path, out, err);
}

int fl_file_lock_read(fl_file_lock *l, char *buf, size_t size, fl_error *err)
{
    ssize_t got = pread(l->fd, buf, size - 1, 0);
    if (got < 0)
        return io_error(err, "cannot read", l->path);
    buf[got] = 0;
    return FL_OK;
}

int fl_file_lock_write(fl_file_lock *l, const char *text, fl_error *err)
{
    size_t len = strlen(text);
    if (ftruncate(l->fd, 0) != 0 || pwrite(l->fd, text, len, 0) != (ssize_t)len)
        return io_error(err, "cannot write", l->path);
    return FL_OK;
}

const char *fl_file_lock_path(const fl_file_lock *l) { return l->path; }

void fl_file_lock_release(fl_file_lock *l, int unlink_file)
{
    if (!l)
        return;
    if (unlink_file)
        unlink(l->path);
    close(l->fd);
    free(l->path);
    free(l);
}

/* ---- threads ---------------------------------------------------------------------------------- */

struct fl_thread {
    pthread_t id;
    fl_thread_fn fn;
    void *arg;
};

static void *thread_trampoline(void *p)
{
    fl_thread *t = p;
    t->fn(t->arg);
    return NULL;
}

int fl_thread_start(fl_thread **out, fl_thread_fn fn, void *arg, fl_error *err)
{
    fl_thread *t = malloc(sizeof *t);
    if (!t)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory starting a thread");
    t->fn = fn;
    t->arg = arg;
    int rc = pthread_create(&t->id, NULL, thread_trampoline, t);
    if (rc != 0) {
        free(t);
        return fl_error_set(err, FL_ERR_IO, "cannot start a thread: %s", strerror(rc));
    }
    *out = t;
    return FL_OK;
}

void fl_thread_join(fl_thread *t)
{
    if (!t)
        return;
    pthread_join(t->id, NULL);
    free(t);
}
