/*
 * fs_test.c — fs.h where paths have spaces and non-ASCII letters: whole-file copies (the
 * SQLite copy method), files deletable right after (our handles are released: Django's
 * WinError 32), renames over an existing file, listings and globs, and the advisory locks
 * the database layer builds on (busy, content readable while locked, gone after release).
 */
#include <forkless/test.h>
#include <stdlib.h>
#include <string.h>

#include "plat_util.h"
#include "platform/fs.h"

static char *read_all(const char *path)
{
    char *data;
    size_t size;
    fl_error err = {0};
    if (fl_fs_read_file(path, &data, &size, &err) != FL_OK)
        FL_FAIL("%s", err.msg);
    return data;
}

FL_TEST(fs, clone_then_remove_at_once)
{
    const char *dir = plat_temp_dir();
    char *src = plat_path(dir, "template \xc3\xa9t\xc3\xa9.db"), *dst = plat_path(dir, "clone 1 \xe2\x9c\x93.db");
    size_t size = 3 << 20;
    char *content = malloc(size + 1);
    for (size_t i = 0; i < size; i++)
        content[i] = (char)('a' + i % 26);
    content[size] = 0;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_fs_write_file(src, content, size, &err), FL_OK);
    const char *how = NULL;
    FL_ASSERT_EQ_INT(fl_fs_clone_file(src, dst, &how, &err), FL_OK);
    FL_ASSERT_NOT_NULL(how);
    uint64_t got_size = 0;
    FL_ASSERT_EQ_INT(fl_fs_stat(dst, &got_size, NULL, &err), FL_OK);
    FL_ASSERT_EQ_INT(got_size, size);
    char *copy = read_all(dst);
    FL_ASSERT(memcmp(copy, content, size) == 0);
    free(copy);
    /* The destination must not exist: a second copy fails and leaves the first alone. */
    FL_ASSERT_EQ_INT(fl_fs_clone_file(src, dst, NULL, &err), FL_ERR_IO);
    FL_ASSERT_CONTAINS(err.msg, "clone 1");
    FL_ASSERT_EQ_INT(fl_file_exists(dst), 1);
    /* Nothing of ours holds either file now. */
    FL_ASSERT_EQ_INT(fl_fs_remove(dst, &err), FL_OK);
    FL_ASSERT_EQ_INT(fl_fs_remove(src, &err), FL_OK);
    FL_ASSERT_EQ_INT(fl_file_exists(dst), 0);
    FL_ASSERT_EQ_INT(fl_fs_remove(dst, &err), FL_OK); /* already gone is fine */
    free(content);
    free(src);
    free(dst);
}

FL_TEST(fs, rename_replaces_the_destination)
{
    const char *dir = plat_temp_dir();
    char *a = plat_path(dir, "a \xc3\xbc.tmp"), *b = plat_path(dir, "b \xc3\xbc.tsv");
    plat_write(a, "new");
    plat_write(b, "old");
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_fs_rename(a, b, &err), FL_OK);
    char *text = read_all(b);
    FL_ASSERT_EQ_STR(text, "new");
    free(text);
    FL_ASSERT_EQ_INT(fl_file_exists(a), 0);
    free(a);
    free(b);
}

FL_TEST(fs, listing_and_globs_see_unicode_names)
{
    const char *dir = plat_temp_dir();
    const char *names[] = {"b \xc3\xa9.db", "a.db", "c.txt"};
    for (size_t i = 0; i < 3; i++) {
        char *p = plat_path(dir, names[i]);
        plat_write(p, "x");
        free(p);
    }
    char *sub = plat_path(dir, "sub dir");
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_mkdir_p(sub, &err), FL_OK);
    FL_ASSERT_EQ_INT(fl_fs_is_dir(sub), 1);
    char **list;
    size_t n;
    FL_ASSERT_EQ_INT(fl_fs_list_dir(dir, &list, &n, &err), FL_OK);
    FL_ASSERT_EQ_INT(n, 4);
    FL_ASSERT_EQ_STR(list[0], "a.db");
    FL_ASSERT_EQ_STR(list[1], "b \xc3\xa9.db");
    FL_ASSERT_EQ_STR(list[2], "c.txt");
    FL_ASSERT_EQ_STR(list[3], "sub dir");
    fl_strv_free(list);
    char *pattern = plat_path(dir, "*.db");
    FL_ASSERT_EQ_INT(fl_fs_glob(pattern, &list, &n, &err), FL_OK);
    FL_ASSERT_EQ_INT(n, 2);
    FL_ASSERT_CONTAINS(list[0], "a.db");
    FL_ASSERT_CONTAINS(list[1], "b \xc3\xa9.db");
    char *base = fl_fs_basename(list[1]), *parent = fl_fs_dirname(list[1]);
    FL_ASSERT_EQ_STR(base, "b \xc3\xa9.db");
    FL_ASSERT_EQ_INT(fl_fs_is_dir(parent), 1);
    free(base);
    free(parent);
    fl_strv_free(list);
    free(pattern);
    free(sub);
}

FL_TEST(fs, locks_are_exclusive_and_leave_content_readable)
{
    const char *dir = plat_temp_dir();
    char *path = plat_path(dir, "run \xc3\xbc.lock");
    fl_file_lock *held = NULL, *other = NULL;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_file_lock_create(path, &held, &err), FL_OK);
    int state = -1;
    FL_ASSERT_EQ_INT(fl_file_lock_try(path, &state, &other, &err), FL_OK);
    FL_ASSERT_EQ_INT(state, FL_LOCK_BUSY);
    /* The content stays readable by anyone while the lock is held. */
    FL_ASSERT_EQ_INT(fl_file_lock_write(held, "key-123", &err), FL_OK);
    char *text = read_all(path);
    FL_ASSERT_EQ_STR(text, "key-123");
    free(text);
    char buf[64];
    FL_ASSERT_EQ_INT(fl_file_lock_read(held, buf, sizeof buf, &err), FL_OK);
    FL_ASSERT_EQ_STR(buf, "key-123");
    fl_file_lock_release(held, 1);
    FL_ASSERT_EQ_INT(fl_file_exists(path), 0);
    FL_ASSERT_EQ_INT(fl_file_lock_try(path, &state, &other, &err), FL_OK);
    FL_ASSERT_EQ_INT(state, FL_LOCK_GONE);
    /* A lock file whose owner let go (or died) is taken. */
    int created = 0;
    FL_ASSERT_EQ_INT(fl_file_lock_acquire(path, &held, &created, &err), FL_OK);
    FL_ASSERT_EQ_INT(created, 1);
    fl_file_lock_release(held, 0);
    FL_ASSERT_EQ_INT(fl_file_lock_try(path, &state, &other, &err), FL_OK);
    FL_ASSERT_EQ_INT(state, FL_LOCK_TAKEN);
    FL_ASSERT_EQ_STR(fl_file_lock_path(other), path);
    fl_file_lock_release(other, 1);
    FL_ASSERT_EQ_INT(fl_file_exists(path), 0);
    free(path);
}
