/*
 * fs.h — the OS interface of forkless for files, advisory locks, fast file copies,
 * directory listings, globs and threads.  The database layer (src/db) calls only this and
 * platform.h; the POSIX implementation is fs_posix.c (Linux reflinks and copy_file_range,
 * macOS clonefile inside it).  Platform #ifdefs appear only in this folder.
 *
 * Every function that can fail returns FL_OK or a negative fl_code and fills err with a
 * message naming the path.  Every descriptor opened here is close-on-exec, so spawned
 * workers never inherit a lock.
 */
#ifndef FL_PLATFORM_FS_H
#define FL_PLATFORM_FS_H

#include <stddef.h>
#include <stdint.h>

#include "forkless/forkless.h"

/* ---- paths and files ----------------------------------------------------------------- */

/* The absolute form of path (relative ones are joined to the current directory; no
 * symlinks are resolved, "." and ".." components are folded).  malloc'd; NULL on failure. */
char *fl_fs_absolute(const char *path);
/* The canonical form of an existing path: absolute, symbolic links resolved (Windows: the
 * absolute form).  malloc'd; NULL on failure. */
char *fl_fs_realpath(const char *path);
/* The directory part ("/a/b" for "/a/b/c.db", "/" for "/c.db") and the last component of
 * an absolute path, malloc'd. */
char *fl_fs_dirname(const char *path);
char *fl_fs_basename(const char *path);
/* 1 when path is an existing directory. */
int fl_fs_is_dir(const char *path);
/* Size in bytes and modification time (seconds since the epoch) of an existing file. */
int fl_fs_stat(const char *path, uint64_t *size, double *mtime, fl_error *err);
/* The stamp Python's os.stat gives a file or directory: size and st_mtime_ns (nanoseconds
 * since the epoch, exact).  1 when the path exists, 0 when it does not or cannot be read. */
int fl_fs_stamp(const char *path, uint64_t *size, int64_t *mtime_ns);
/* Removes a file; a file that is already gone is not an error. */
int fl_fs_remove(const char *path, fl_error *err);
/* Removes a directory if it is empty (1 when removed, 0 when it is not empty or gone). */
int fl_fs_remove_empty_dir(const char *path);
/* Renames, replacing the destination atomically when it exists. */
int fl_fs_rename(const char *from, const char *to, fl_error *err);
/* Creates dst (which must not exist) as a copy of src, as fast as the file system allows:
 * a reflink (Linux FICLONE, macOS clonefile) when possible, else an in-kernel copy
 * (copy_file_range), else a read/write loop.  On failure dst is removed.  *how (may be
 * NULL) gets "reflink", "copy_file_range" or "read/write". */
int fl_fs_clone_file(const char *src, const char *dst, const char **how, fl_error *err);
/* Reads a whole file into a malloc'd buffer (NUL-terminated past *size). */
int fl_fs_read_file(const char *path, char **data, size_t *size, fl_error *err);
/* Creates or truncates path and writes data to it. */
int fl_fs_write_file(const char *path, const void *data, size_t size, fl_error *err);
/* Overwrites byte range [offset, offset+size) of an existing file. */
int fl_fs_patch_file(const char *path, uint64_t offset, const void *data, size_t size,
                     fl_error *err);
/* Checks that files can be created in dir (by creating and removing a probe file):
 * FL_ERR_IO naming dir when not. */
int fl_fs_check_writable_dir(const char *dir, fl_error *err);

/* The names (not paths) of the entries of dir, without "." and "..", sorted; a
 * NULL-terminated array to free with fl_strv_free. */
int fl_fs_list_dir(const char *dir, char ***names, size_t *n, fl_error *err);
/* The regular files matched by a glob(3) pattern (relative patterns against the current
 * directory), sorted; a pattern matching nothing gives an empty list.  NULL-terminated. */
int fl_fs_glob(const char *pattern, char ***paths, size_t *n, fl_error *err);

/* ---- advisory locks (whole-file, released by the OS when the process dies) ----------- */

typedef struct fl_file_lock fl_file_lock;

/* Creates path as a new lock file that is already locked exclusively when it appears
 * under its name: it is created under path + ".tmp", locked, then renamed into place.
 * The lock lives until fl_file_lock_release, or until the process dies (kill -9
 * included), which is how another process tells a live owner from a dead one. */
int fl_file_lock_create(const char *path, fl_file_lock **out, fl_error *err);

/* Opens (creating if needed) path and waits for an exclusive lock on it.  The holder of
 * such a lock may unlink the file; so once locked, the lock is re-checked to still be the
 * file at path, and the wait starts over if it is not.  *created is 1 when the file was
 * empty (a new lock file). */
int fl_file_lock_acquire(const char *path, fl_file_lock **out, int *created, fl_error *err);

enum { FL_LOCK_GONE = 0, FL_LOCK_BUSY = 1, FL_LOCK_TAKEN = 2 };
/* Tries, without waiting, to lock an existing lock file.  *state is FL_LOCK_GONE (no such
 * file), FL_LOCK_BUSY (a live process holds it) or FL_LOCK_TAKEN (we now hold it: its
 * owner is dead; *out is set). */
int fl_file_lock_try(const char *path, int *state, fl_file_lock **out, fl_error *err);

/* Reads/replaces the content of a held lock file (the template cache keeps its key in
 * its build lock). */
int fl_file_lock_read(fl_file_lock *l, char *buf, size_t size, fl_error *err);
int fl_file_lock_write(fl_file_lock *l, const char *text, fl_error *err);
/* The path the lock was taken on. */
const char *fl_file_lock_path(const fl_file_lock *l);
/* Releases the lock; with unlink_file the file is removed first (while still locked, so
 * no other process can take it in between). */
void fl_file_lock_release(fl_file_lock *l, int unlink_file);

/* ---- threads --------------------------------------------------------------------------- */

typedef struct fl_thread fl_thread;
typedef void (*fl_thread_fn)(void *arg);

/* Starts fn(arg) on a new thread. */
int fl_thread_start(fl_thread **out, fl_thread_fn fn, void *arg, fl_error *err);
/* Waits for the thread to finish and frees it. */
void fl_thread_join(fl_thread *t);

#endif
