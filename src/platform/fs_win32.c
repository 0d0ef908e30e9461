/*
 * fs_win32.c — fs.h on Windows: paths (either separator; drive letters and UNC prefixes
 * kept), CopyFileW copies, LockFileEx locks, directory listings and globs built on
 * FindFirstFileExW, and threads.  Every path is UTF-8 here and UTF-16 only in the call.
 *
 * Files stay deletable.  Every handle opened here shares delete access (so our own open
 * handles never cause "The process cannot access the file because it is being used by
 * another process", Django's WinError 32), is never inheritable (workers inherit only
 * what fl_spawn lists), and is closed before its function returns; removals and renames
 * retry for a moment on the sharing errors that virus scanners and indexers cause.
 *
 * Locks.  Byte-range locks on Windows are mandatory, so the lock is one byte far past the
 * end of the file (2^62): the file's content stays readable and writable by anyone while
 * the lock is held.  Windows releases it when its handle closes, so when its process
 * dies.  A lock file is removed with POSIX delete semantics where Windows has them (the
 * name goes at once), else with the classic delete-on-close; a waiter that wins the lock
 * of a removed file notices (the path is gone, or names another file) and starts over.
 */
#include "platform/fs.h"
#include "platform/platform.h"
#include "platform/win32.h"

#include <process.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

enum { SHARE_ALL = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE };

static int is_sep(char c) { return c == '/' || c == '\\'; }

/* Retries op for about a second while it fails with a sharing error. */
#define RETRY_WHILE_IN_USE(ok_expr)                                                    \
    do {                                                                               \
        for (int fl__try = 0; !(ok_expr) && fl__try < 50; fl__try++) {                 \
            if (!fl_w_error_is_transient(GetLastError()))                              \
                break;                                                                 \
            Sleep(20);                                                                 \
        }                                                                              \
    } while (0)

static HANDLE open_path(const char *path, DWORD access, DWORD disposition, DWORD flags)
{
    wchar_t *w = fl_w_from_utf8(path);
    if (!w) {
        SetLastError(ERROR_INVALID_NAME);
        return INVALID_HANDLE_VALUE;
    }
    HANDLE h = CreateFileW(w, access, SHARE_ALL, NULL, disposition, flags ? flags : FILE_ATTRIBUTE_NORMAL, NULL);
    free(w);
    return h;
}

/* ---- paths ------------------------------------------------------------------------------ */

char *fl_fs_absolute(const char *path)
{
    wchar_t *w = fl_w_from_utf8(path);
    if (!w)
        return NULL;
    DWORD n = GetFullPathNameW(w, 0, NULL, NULL);
    wchar_t *full = n ? malloc((size_t)n * sizeof *full) : NULL;
    char *result = NULL;
    if (full && GetFullPathNameW(w, n, full, NULL) > 0)
        result = fl_w_to_utf8(full, -1);
    free(full);
    free(w);
    return result;
}

/* The length of the part of path that is its root: "C:\", "\\server\share\", "\", or 0. */
static size_t root_length(const char *path)
{
    if (path[0] && path[1] == ':')
        return is_sep(path[2]) ? 3 : 2;
    if (is_sep(path[0]) && is_sep(path[1])) {
        size_t i = 2;
        for (int seps = 0; path[i] && seps < 2; i++)
            if (is_sep(path[i]))
                seps++;
        return i;
    }
    return is_sep(path[0]) ? 1 : 0;
}

char *fl_fs_dirname(const char *path)
{
    size_t root = root_length(path);
    const char *last = NULL;
    for (const char *p = path + root; *p; p++)
        if (is_sep(*p))
            last = p;
    if (!last)
        return root ? _strdup(path) : _strdup(".");
    if (root > 0 && (size_t)(last - path) < root)
        return _strdup(path);
    size_t len = (size_t)(last - path);
    if (len < root)
        len = root;
    char *d = malloc(len + 1);
    if (d) {
        memcpy(d, path, len);
        d[len] = 0;
    }
    if (d && len == 0) { /* "\x.db": the root */
        free(d);
        d = _strdup("\\");
    }
    return d;
}

char *fl_fs_basename(const char *path)
{
    const char *base = path + root_length(path);
    for (const char *p = base; *p; p++)
        if (is_sep(*p))
            base = p + 1;
    return _strdup(base);
}

static DWORD attributes(const char *path)
{
    wchar_t *w = fl_w_from_utf8(path);
    DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    free(w);
    return a;
}

int fl_fs_is_dir(const char *path)
{
    DWORD a = attributes(path);
    return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

static double filetime_to_epoch(FILETIME ft)
{
    ULONGLONG t = ((ULONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    return (double)(t - 116444736000000000ULL) / 1e7;
}

int fl_fs_stat(const char *path, uint64_t *size, double *mtime, fl_error *err)
{
    wchar_t *w = fl_w_from_utf8(path);
    WIN32_FILE_ATTRIBUTE_DATA data;
    if (!w || !GetFileAttributesExW(w, GetFileExInfoStandard, &data)) {
        free(w);
        return fl_w_error(err, FL_ERR_IO, w ? GetLastError() : ERROR_INVALID_NAME, "cannot read", path);
    }
    free(w);
    if (size)
        *size = ((uint64_t)data.nFileSizeHigh << 32) | data.nFileSizeLow;
    if (mtime)
        *mtime = filetime_to_epoch(data.ftLastWriteTime);
    return FL_OK;
}

char *fl_fs_realpath(const char *path)
{
    return path && fl_file_exists(path) ? fl_fs_absolute(path) : NULL;
}

int fl_fs_stamp(const char *path, uint64_t *size, int64_t *mtime_ns)
{
    wchar_t *w = fl_w_from_utf8(path);
    WIN32_FILE_ATTRIBUTE_DATA data;
    int found = w && GetFileAttributesExW(w, GetFileExInfoStandard, &data);
    free(w);
    if (!found)
        return 0;
    /* What CPython's os.stat reports: directories have size 0, times in 100 ns units. */
    int is_dir = (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
    *size = is_dir ? 0 : ((uint64_t)data.nFileSizeHigh << 32) | data.nFileSizeLow;
    ULONGLONG t = ((ULONGLONG)data.ftLastWriteTime.dwHighDateTime << 32) | data.ftLastWriteTime.dwLowDateTime;
    *mtime_ns = ((int64_t)t - 116444736000000000LL) * 100;
    return 1;
}

int fl_fs_remove(const char *path, fl_error *err)
{
    wchar_t *w = fl_w_from_utf8(path);
    if (!w)
        return fl_error_set(err, FL_ERR_IO, "cannot remove '%s': not valid UTF-8", path);
    BOOL ok;
    RETRY_WHILE_IN_USE(ok = DeleteFileW(w));
    DWORD e = GetLastError();
    free(w);
    if (!ok && e != ERROR_FILE_NOT_FOUND && e != ERROR_PATH_NOT_FOUND)
        return fl_w_error(err, FL_ERR_IO, e, "cannot remove", path);
    return FL_OK;
}

int fl_fs_remove_empty_dir(const char *path)
{
    wchar_t *w = fl_w_from_utf8(path);
    if (!w)
        return 0;
    BOOL ok = RemoveDirectoryW(w);
    free(w);
    return ok != 0;
}

int fl_fs_rename(const char *from, const char *to, fl_error *err)
{
    wchar_t *wf = fl_w_from_utf8(from), *wt = fl_w_from_utf8(to);
    BOOL ok = FALSE;
    if (wf && wt)
        RETRY_WHILE_IN_USE(ok = MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING));
    DWORD e = wf && wt ? GetLastError() : ERROR_INVALID_NAME;
    free(wf);
    free(wt);
    if (!ok) {
        char msg[512];
        return fl_error_set(err, FL_ERR_IO, "cannot rename '%s' to '%s': %s", from, to,
                            fl_w_error_text(e, msg, sizeof msg));
    }
    return FL_OK;
}

/* ---- whole files --------------------------------------------------------------------------- */

int fl_fs_clone_file(const char *src, const char *dst, const char **how, fl_error *err)
{
    wchar_t *ws = fl_w_from_utf8(src), *wd = fl_w_from_utf8(dst);
    if (!ws || !wd) {
        free(ws);
        free(wd);
        return fl_error_set(err, FL_ERR_IO, "cannot copy '%s' to '%s': not valid UTF-8", src, dst);
    }
    /* CopyFileW: on Windows 11 24H2 and later it clones blocks itself on ReFS / Dev Drive. */
    BOOL ok = CopyFileW(ws, wd, TRUE);
    DWORD e = GetLastError();
    int rc = FL_OK;
    if (!ok) {
        if (e == ERROR_FILE_EXISTS || e == ERROR_ALREADY_EXISTS) {
            rc = fl_w_error(err, FL_ERR_IO, e, "cannot create", dst);
        } else {
            DeleteFileW(wd);
            DWORD src_attrs = GetFileAttributesW(ws);
            rc = src_attrs == INVALID_FILE_ATTRIBUTES ? fl_w_error(err, FL_ERR_IO, e, "cannot read", src)
                                                      : fl_w_error(err, FL_ERR_IO, e, "cannot copy to", dst);
        }
    } else if (how) {
        *how = "CopyFileW";
    }
    free(ws);
    free(wd);
    return rc;
}

static int read_at(HANDLE h, uint64_t offset, void *buf, DWORD size, DWORD *got)
{
    OVERLAPPED at;
    memset(&at, 0, sizeof at);
    at.Offset = (DWORD)offset;
    at.OffsetHigh = (DWORD)(offset >> 32);
    *got = 0;
    if (ReadFile(h, buf, size, got, &at))
        return 1;
    return GetLastError() == ERROR_HANDLE_EOF;
}

static int write_at(HANDLE h, uint64_t offset, const void *data, size_t size)
{
    const char *p = data;
    while (size > 0) {
        OVERLAPPED at;
        memset(&at, 0, sizeof at);
        at.Offset = (DWORD)offset;
        at.OffsetHigh = (DWORD)(offset >> 32);
        DWORD chunk = size > (1u << 30) ? (1u << 30) : (DWORD)size, put = 0;
        if (!WriteFile(h, p, chunk, &put, &at) || put == 0)
            return 0;
        p += put;
        offset += put;
        size -= put;
    }
    return 1;
}

int fl_fs_read_file(const char *path, char **data, size_t *size, fl_error *err)
{
    HANDLE h = open_path(path, GENERIC_READ, OPEN_EXISTING, 0);
    if (h == INVALID_HANDLE_VALUE)
        return fl_w_error(err, FL_ERR_IO, GetLastError(), "cannot read", path);
    LARGE_INTEGER st;
    if (!GetFileSizeEx(h, &st)) {
        int rc = fl_w_error(err, FL_ERR_IO, GetLastError(), "cannot read", path);
        CloseHandle(h);
        return rc;
    }
    size_t cap = (size_t)st.QuadPart + 1, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        CloseHandle(h);
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory reading '%s'", path);
    }
    for (;;) {
        if (len + 1 >= cap) { /* it grew while we read */
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                CloseHandle(h);
                return fl_error_set(err, FL_ERR_NOMEM, "out of memory reading '%s'", path);
            }
            buf = bigger;
            cap *= 2;
        }
        DWORD want = cap - len - 1 > (1u << 30) ? (1u << 30) : (DWORD)(cap - len - 1), got;
        if (!read_at(h, len, buf + len, want, &got)) {
            int rc = fl_w_error(err, FL_ERR_IO, GetLastError(), "cannot read", path);
            free(buf);
            CloseHandle(h);
            return rc;
        }
        if (got == 0)
            break;
        len += got;
    }
    CloseHandle(h);
    buf[len] = 0;
    *data = buf;
    *size = len;
    return FL_OK;
}

int fl_fs_write_file(const char *path, const void *data, size_t size, fl_error *err)
{
    HANDLE h = open_path(path, GENERIC_WRITE, CREATE_ALWAYS, 0);
    if (h == INVALID_HANDLE_VALUE)
        return fl_w_error(err, FL_ERR_IO, GetLastError(), "cannot create", path);
    int ok = write_at(h, 0, data, size);
    DWORD e = GetLastError();
    if (!CloseHandle(h) && ok) {
        ok = 0;
        e = GetLastError();
    }
    return ok ? FL_OK : fl_w_error(err, FL_ERR_IO, e, "cannot write", path);
}

int fl_fs_patch_file(const char *path, uint64_t offset, const void *data, size_t size, fl_error *err)
{
    HANDLE h = open_path(path, GENERIC_WRITE, OPEN_EXISTING, 0);
    if (h == INVALID_HANDLE_VALUE)
        return fl_w_error(err, FL_ERR_IO, GetLastError(), "cannot open", path);
    int ok = write_at(h, offset, data, size);
    DWORD e = GetLastError();
    CloseHandle(h);
    return ok ? FL_OK : fl_w_error(err, FL_ERR_IO, e, "cannot write", path);
}

int fl_fs_check_writable_dir(const char *dir, fl_error *err)
{
    char probe[1024];
    unsigned char r[4];
    fl_random_bytes(r, sizeof r);
    snprintf(probe, sizeof probe, "%s\\.forkless-probe-%ld-%02x%02x%02x%02x", dir, fl_getpid(), r[0], r[1], r[2],
             r[3]);
    HANDLE h = open_path(probe, GENERIC_WRITE, CREATE_NEW, FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE);
    if (h == INVALID_HANDLE_VALUE) {
        char msg[512];
        return fl_error_set(err, FL_ERR_IO, "cannot create files in directory '%s': %s", dir,
                            fl_w_error_text(GetLastError(), msg, sizeof msg));
    }
    CloseHandle(h);
    return FL_OK;
}

/* ---- listings ------------------------------------------------------------------------------ */

typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

static int strvec_push_owned(strvec *s, char *str)
{
    if (!str)
        return -1;
    if (s->n + 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        char **bigger = realloc(s->v, cap * sizeof *bigger);
        if (!bigger) {
            free(str);
            return -1;
        }
        s->v = bigger;
        s->cap = cap;
    }
    s->v[s->n] = str;
    s->v[++s->n] = NULL;
    return 0;
}

static void strvec_free(strvec *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int compare_strings(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

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

/* Calls fn for each entry of dir (not "." or ".."); 0, or the Win32 error. */
typedef int (*entry_fn)(const char *name, int is_dir, void *ctx);

static DWORD each_entry(const char *dir, entry_fn fn, void *ctx)
{
    size_t n = strlen(dir);
    char *pattern = malloc(n + 3);
    if (!pattern)
        return ERROR_NOT_ENOUGH_MEMORY;
    snprintf(pattern, n + 3, "%s%s*", dir, n && !is_sep(dir[n - 1]) ? "\\" : "");
    wchar_t *w = fl_w_from_utf8(pattern);
    free(pattern);
    if (!w)
        return ERROR_INVALID_NAME;
    WIN32_FIND_DATAW fd;
    HANDLE find = FindFirstFileExW(w, FindExInfoBasic, &fd, FindExSearchNameMatch, NULL, 0);
    free(w);
    if (find == INVALID_HANDLE_VALUE)
        return GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : GetLastError();
    DWORD e = 0;
    do {
        if (!wcscmp(fd.cFileName, L".") || !wcscmp(fd.cFileName, L".."))
            continue;
        char *name = fl_w_to_utf8(fd.cFileName, -1);
        int failed = !name || fn(name, (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0, ctx) != 0;
        free(name);
        if (failed) {
            e = ERROR_NOT_ENOUGH_MEMORY;
            break;
        }
    } while (FindNextFileW(find, &fd));
    if (!e && GetLastError() != ERROR_NO_MORE_FILES)
        e = GetLastError();
    FindClose(find);
    return e;
}

static int push_name(const char *name, int is_dir, void *ctx)
{
    (void)is_dir;
    return strvec_push_owned(ctx, _strdup(name));
}

int fl_fs_list_dir(const char *dir, char ***names, size_t *n, fl_error *err)
{
    strvec s = {0};
    DWORD e = fl_fs_is_dir(dir) ? each_entry(dir, push_name, &s) : ERROR_PATH_NOT_FOUND;
    if (e || strvec_finish(&s, names, n) != 0) {
        strvec_free(&s);
        return fl_w_error(err, FL_ERR_IO, e ? e : ERROR_NOT_ENOUGH_MEMORY, "cannot list directory", dir);
    }
    return FL_OK;
}

/* ---- globs ----------------------------------------------------------------------------------- */

typedef struct glob_state {
    strvec found;
    char sep;
    int failed;
} glob_state;

static int has_wildcard(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] == '*' || s[i] == '?' || s[i] == '[')
            return 1;
    return 0;
}

static char *join(const char *base, size_t base_len, char sep, const char *name, size_t name_len)
{
    int add_sep = base_len > 0 && !is_sep(base[base_len - 1]) && !(base_len == 2 && base[1] == ':');
    char *s = malloc(base_len + name_len + 2);
    if (s)
        snprintf(s, base_len + name_len + 2, "%.*s%s%.*s", (int)base_len, base, add_sep ? (char[]){sep, 0} : "",
                 (int)name_len, name);
    return s;
}

static void glob_expand(glob_state *g, const char *base, const char *rest);

typedef struct match_ctx {
    glob_state *g;
    const char *base;
    char *component; /* the pattern of this level */
    const char *rest;
} match_ctx;

static int on_match_candidate(const char *name, int is_dir, void *p)
{
    match_ctx *m = p;
    if (name[0] == '.' && m->component[0] != '.')
        return 0; /* like glob(3): a wildcard does not match a leading dot */
    if (!fl_fnmatch(m->component, name))
        return 0;
    if (*m->rest && !is_dir)
        return 0;
    char *path = join(m->base, strlen(m->base), m->g->sep, name, strlen(name));
    if (!path)
        return -1;
    glob_expand(m->g, path, m->rest);
    free(path);
    return m->g->failed ? -1 : 0;
}

/* base: a path with no wildcard (may be ""); rest: what is left of the pattern. */
static void glob_expand(glob_state *g, const char *base, const char *rest)
{
    while (is_sep(*rest))
        rest++;
    if (!*rest) {
        DWORD a = attributes(base);
        if (a != INVALID_FILE_ATTRIBUTES && !(a & FILE_ATTRIBUTE_DIRECTORY) && strvec_push_owned(&g->found, _strdup(base)))
            g->failed = 1;
        return;
    }
    size_t len = 0;
    while (rest[len] && !is_sep(rest[len]))
        len++;
    if (!has_wildcard(rest, len)) {
        char *next = join(base, strlen(base), g->sep, rest, len);
        if (!next) {
            g->failed = 1;
            return;
        }
        glob_expand(g, next, rest + len);
        free(next);
        return;
    }
    match_ctx m = {g, base, malloc(len + 1), rest + len};
    if (!m.component) {
        g->failed = 1;
        return;
    }
    memcpy(m.component, rest, len);
    m.component[len] = 0;
    each_entry(*base ? base : ".", on_match_candidate, &m); /* an unreadable directory matches nothing */
    free(m.component);
}

int fl_fs_glob(const char *pattern, char ***paths, size_t *n, fl_error *err)
{
    glob_state g = {{0}, strchr(pattern, '/') ? '/' : '\\', 0};
    size_t root = root_length(pattern);
    char *base = malloc(root + 1);
    if (!base)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory expanding '%s'", pattern);
    memcpy(base, pattern, root);
    base[root] = 0;
    glob_expand(&g, base, pattern + root);
    free(base);
    if (g.failed || strvec_finish(&g.found, paths, n) != 0) {
        strvec_free(&g.found);
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory expanding '%s'", pattern);
    }
    return FL_OK;
}

/* ---- locks ------------------------------------------------------------------------------------ */

struct fl_file_lock {
    HANDLE h;
    char *path;
};

/* The locked byte: far past any end of file, so content I/O never meets it. */
static OVERLAPPED lock_position(void)
{
    OVERLAPPED at;
    memset(&at, 0, sizeof at);
    at.OffsetHigh = 0x40000000u;
    return at;
}

static int lock_handle(HANDLE h, int wait)
{
    OVERLAPPED at = lock_position();
    DWORD flags = LOCKFILE_EXCLUSIVE_LOCK | (wait ? 0 : LOCKFILE_FAIL_IMMEDIATELY);
    return LockFileEx(h, flags, 0, 1, 0, &at) != 0;
}

static HANDLE open_lock_file(const char *path, DWORD disposition)
{
    return open_path(path, GENERIC_READ | GENERIC_WRITE | DELETE, disposition, 0);
}

static int lock_wrap(HANDLE h, const char *path, fl_file_lock **out, fl_error *err)
{
    fl_file_lock *l = malloc(sizeof *l);
    char *copy = _strdup(path);
    if (!l || !copy) {
        free(l);
        free(copy);
        CloseHandle(h);
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory locking '%s'", path);
    }
    l->h = h;
    l->path = copy;
    *out = l;
    return FL_OK;
}

/* 1 when h is the file that path names now (not removed, not replaced). */
static int still_named(HANDLE h, const char *path)
{
    FILE_STANDARD_INFO st;
    if (GetFileInformationByHandleEx(h, FileStandardInfo, &st, sizeof st) && st.DeletePending)
        return 0;
    BY_HANDLE_FILE_INFORMATION held, named;
    HANDLE other = open_path(path, FILE_READ_ATTRIBUTES, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS);
    if (other == INVALID_HANDLE_VALUE)
        return 0;
    int same = GetFileInformationByHandle(h, &held) && GetFileInformationByHandle(other, &named) &&
               held.dwVolumeSerialNumber == named.dwVolumeSerialNumber &&
               held.nFileIndexHigh == named.nFileIndexHigh && held.nFileIndexLow == named.nFileIndexLow;
    CloseHandle(other);
    return same;
}

/* Removes the file behind h (a name that disappears at once where Windows can). */
static int delete_by_handle(HANDLE h)
{
    struct {
        DWORD Flags;
    } ex = {0x1 | 0x2}; /* FILE_DISPOSITION_FLAG_DELETE | FILE_DISPOSITION_FLAG_POSIX_SEMANTICS */
    if (SetFileInformationByHandle(h, (FILE_INFO_BY_HANDLE_CLASS)21 /* FileDispositionInfoEx */, &ex, sizeof ex))
        return 1;
    FILE_DISPOSITION_INFO classic = {TRUE};
    return SetFileInformationByHandle(h, FileDispositionInfo, &classic, sizeof classic) != 0;
}

int fl_file_lock_create(const char *path, fl_file_lock **out, fl_error *err)
{
    char tmp[1024];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return fl_error_set(err, FL_ERR_USAGE, "path too long: '%s'", path);
    HANDLE h = open_lock_file(tmp, CREATE_ALWAYS);
    if (h == INVALID_HANDLE_VALUE)
        return fl_w_error(err, FL_ERR_IO, GetLastError(), "cannot create", tmp);
    wchar_t *wt = fl_w_from_utf8(tmp), *wp = fl_w_from_utf8(path);
    int ok = wt && wp && lock_handle(h, 0) && MoveFileExW(wt, wp, MOVEFILE_REPLACE_EXISTING);
    DWORD e = GetLastError();
    free(wt);
    free(wp);
    if (!ok) {
        delete_by_handle(h);
        CloseHandle(h);
        return fl_w_error(err, FL_ERR_IO, e, "cannot create lock file", path);
    }
    return lock_wrap(h, path, out, err);
}

int fl_file_lock_acquire(const char *path, fl_file_lock **out, int *created, fl_error *err)
{
    for (int attempt = 0;; attempt++) {
        HANDLE h = open_lock_file(path, OPEN_ALWAYS);
        if (h == INVALID_HANDLE_VALUE) {
            DWORD e = GetLastError();
            if (fl_w_error_is_transient(e) && attempt < 500) { /* being removed by its holder */
                Sleep(10);
                continue;
            }
            return fl_w_error(err, FL_ERR_IO, e, "cannot create lock file", path);
        }
        if (!lock_handle(h, 1)) {
            int rc = fl_w_error(err, FL_ERR_IO, GetLastError(), "cannot lock", path);
            CloseHandle(h);
            return rc;
        }
        if (still_named(h, path)) {
            LARGE_INTEGER size;
            if (created)
                *created = GetFileSizeEx(h, &size) && size.QuadPart == 0;
            return lock_wrap(h, path, out, err);
        }
        CloseHandle(h); /* the previous holder removed it: start over on the new file */
    }
}

int fl_file_lock_try(const char *path, int *state, fl_file_lock **out, fl_error *err)
{
    *state = FL_LOCK_GONE;
    HANDLE h = open_lock_file(path, OPEN_EXISTING);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND || e == ERROR_DELETE_PENDING)
            return FL_OK;
        if (e == ERROR_ACCESS_DENIED && attributes(path) == INVALID_FILE_ATTRIBUTES)
            return FL_OK; /* removed while we looked */
        return fl_w_error(err, FL_ERR_IO, e, "cannot open lock file", path);
    }
    if (!lock_handle(h, 0)) {
        DWORD e = GetLastError();
        CloseHandle(h);
        if (e == ERROR_LOCK_VIOLATION || e == ERROR_IO_PENDING) {
            *state = FL_LOCK_BUSY;
            return FL_OK;
        }
        return fl_w_error(err, FL_ERR_IO, e, "cannot lock", path);
    }
    if (!still_named(h, path)) {
        CloseHandle(h); /* removed or replaced while we looked: no dead owner here */
        return FL_OK;
    }
    *state = FL_LOCK_TAKEN;
    return lock_wrap(h, path, out, err);
}

int fl_file_lock_read(fl_file_lock *l, char *buf, size_t size, fl_error *err)
{
    DWORD got = 0;
    if (!read_at(l->h, 0, buf, (DWORD)(size - 1), &got))
        return fl_w_error(err, FL_ERR_IO, GetLastError(), "cannot read", l->path);
    buf[got] = 0;
    return FL_OK;
}

int fl_file_lock_write(fl_file_lock *l, const char *text, fl_error *err)
{
    FILE_END_OF_FILE_INFO eof;
    eof.EndOfFile.QuadPart = 0;
    if (!SetFileInformationByHandle(l->h, FileEndOfFileInfo, &eof, sizeof eof) || !write_at(l->h, 0, text, strlen(text)))
        return fl_w_error(err, FL_ERR_IO, GetLastError(), "cannot write", l->path);
    return FL_OK;
}

const char *fl_file_lock_path(const fl_file_lock *l) { return l->path; }

void fl_file_lock_release(fl_file_lock *l, int unlink_file)
{
    if (!l)
        return;
    if (unlink_file) {
        /* By name first: the file we locked is the one named so (our lock kept it there).
         * Wine forgets a handle's new name after MoveFileEx, so deleting through the handle
         * alone can miss it. */
        wchar_t *w = fl_w_from_utf8(l->path);
        if (!w || !DeleteFileW(w))
            delete_by_handle(l->h);
        free(w);
    }
    OVERLAPPED at = lock_position();
    UnlockFileEx(l->h, 0, 1, 0, &at);
    CloseHandle(l->h);
    free(l->path);
    free(l);
}

/* ---- threads ---------------------------------------------------------------------------------- */

struct fl_thread {
    HANDLE h;
    fl_thread_fn fn;
    void *arg;
};

static unsigned __stdcall thread_trampoline(void *p)
{
    fl_thread *t = p;
    t->fn(t->arg);
    return 0;
}

int fl_thread_start(fl_thread **out, fl_thread_fn fn, void *arg, fl_error *err)
{
    fl_thread *t = malloc(sizeof *t);
    if (!t)
        return fl_error_set(err, FL_ERR_NOMEM, "out of memory starting a thread");
    t->fn = fn;
    t->arg = arg;
    /* _beginthreadex, not CreateThread: the thread uses the C runtime. */
    uintptr_t h = _beginthreadex(NULL, 0, thread_trampoline, t, 0, NULL);
    if (!h) {
        free(t);
        return fl_w_error(err, FL_ERR_IO, GetLastError(), "cannot start", "a thread");
    }
    t->h = (HANDLE)h;
    *out = t;
    return FL_OK;
}

void fl_thread_join(fl_thread *t)
{
    if (!t)
        return;
    WaitForSingleObject(t->h, INFINITE);
    CloseHandle(t->h);
    free(t);
}
