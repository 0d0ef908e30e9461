/*
 * errors_test.c — bad input gets the right code (exit 2 for usage, 3 for infrastructure)
 * and a message naming the culprit, never a password, and leaves nothing behind: a
 * missing template, an unwritable directory, a file that is not a database, bad URLs,
 * unknown methods and engines not built in.
 */
#include <forkless/forkless.h>
#include <forkless/test.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../integration/harness.h"
#include "core/util.h"
#include "db_test_util.h"
#include "platform/platform.h"

/* Opens and prepares a one-alias set; returns the first failing code. */
static int open_and_prepare(const char *url, const char *method, fl_error *err)
{
    fl_db_spec spec = {"default", (char *)url, (char *)method};
    fl_dbset *set;
    int rc = fl_dbset_open(&spec, 1, "err1", NULL, &set, err);
    if (rc != FL_OK)
        return rc;
    rc = fl_dbset_prepare_templates(set, NULL, NULL, 0, 0, NULL, err);
    if (rc == FL_OK)
        rc = fl_dbset_clone_all(set, 2, err);
    fl_dbset_free(set);
    return rc;
}

FL_TEST(db_errors, missing_template)
{
    char *dir = dbt_temp_dir();
    char *url = dbt_url(dir, "t.db");
    fl_error err = {0};
    FL_ASSERT_EQ_INT(open_and_prepare(url, NULL, &err), FL_ERR_DB);
    char *want = fl_xasprintf("template database '%s/t.db' does not exist", dir);
    FL_ASSERT_EQ_STR(err.msg, want);
    FL_ASSERT_EQ_INT(fl_exit_code_for(err.code), 3);
    char *listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, "");
    free(listing);
    free(want);
    /* Its directory missing too. */
    char *deeper = dbt_url(dir, "no/such/dir/t.db");
    FL_ASSERT_EQ_INT(open_and_prepare(deeper, NULL, &err), FL_ERR_DB);
    FL_ASSERT_CONTAINS(err.msg, "no/such/dir/t.db' does not exist");
    free(deeper);
    free(url);
    dbt_cleanup(dir);
}

/* The unwritable-directory check for a root test run: the holder process runs as
 * nobody (setpriv), for whom a root-owned 0755 directory is not writable. */
static void check_as_nobody(const char *dir, const char *url)
{
    if (!fl_file_exists("/usr/bin/setpriv"))
        FL_SKIP("running as root and /usr/bin/setpriv is absent: cannot make a directory "
                "unwritable");
    chmod(dir, 0755);
    char holder[1024];
    snprintf(holder, sizeof holder, "%s/tests/db/forkless-db-holder", FL_BUILD_DIR);
    char *argv[] = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    holder, (char *)url, "err1", "2", "copy", NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    if (r.out && strstr(r.out, "Permission denied") && strstr(r.out, holder))
        FL_SKIP("nobody cannot run the holder here: %s", r.out);
    FL_ASSERT_EQ_INT(r.code, 3);
    char *want = fl_xasprintf("error: cannot create files in directory '%s': Permission denied", dir);
    FL_ASSERT_CONTAINS(r.out, want);
    char *listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, "t.db\n");
    free(listing);
    free(want);
    cmd_result_free(&r);
}

FL_TEST(db_errors, unwritable_directory)
{
    char *dir = dbt_temp_dir();
    char *path = dbt_path(dir, "t.db"), *url = dbt_url(dir, "t.db");
    dbt_exec_file(path, "CREATE TABLE t(x)");
    chmod(dir, 0555);
    char *probe = dbt_path(dir, "probe");
    FILE *f = fopen(probe, "w");
    if (f) {
        fclose(f);
        remove(probe);
        /* Root writes anyway: try as nobody through setpriv, in the holder process. */
        check_as_nobody(dir, url);
        free(probe);
        free(path);
        free(url);
        dbt_cleanup(dir);
        return;
    }
    fl_error err = {0};
    FL_ASSERT_EQ_INT(open_and_prepare(url, NULL, &err), FL_ERR_IO);
    char *want = fl_xasprintf("cannot create files in directory '%s'", dir);
    FL_ASSERT_CONTAINS(err.msg, want);
    FL_ASSERT_EQ_INT(fl_exit_code_for(err.code), 3);
    chmod(dir, 0755);
    char *listing = dbt_listing(dir);
    FL_ASSERT_EQ_STR(listing, "t.db\n");
    free(listing);
    free(want);
    free(probe);
    free(path);
    free(url);
    dbt_cleanup(dir);
}

FL_TEST(db_errors, file_that_is_not_a_database)
{
    char *dir = dbt_temp_dir();
    char *path = dbt_path(dir, "t.db"), *url = dbt_url(dir, "t.db");
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 200; i++)
        fputs("this is not an SQLite database, just text\n", f);
    fclose(f);
    static const char *const methods[] = {"copy", "backup", "memory", "dump"};
    for (size_t m = 0; m < 4; m++) {
        fl_error err = {0};
        FL_ASSERT_EQ_INT(open_and_prepare(url, methods[m], &err), FL_ERR_DB);
        FL_ASSERT_CONTAINS(err.msg, path);
        FL_ASSERT_CONTAINS(err.msg, "not a database");
        char *listing = dbt_listing(dir);
        FL_ASSERT_EQ_STR(listing, "t.db\n");
        free(listing);
    }
    free(path);
    free(url);
    dbt_cleanup(dir);
}

FL_TEST(db_errors, bad_urls_are_usage_errors_that_say_what_is_wrong)
{
    static const struct {
        const char *url, *says;
    } cases[] = {
        {"test.db", "is not a database URL"},
        {"", "is not a database URL"},
        {"sqlite:", "names no file"},
        {"sqlite://", "names no file"},
        {"sqlite::memory:", "in-memory database"},
        {"sqlite://dbhost/x.db", "names a host"},
        {"sqlite:///tmp/x.db?mode=ro", "query or fragment"},
        {"sqlite:///tmp/dir/", "names a directory"},
        {"sqlite:///tmp/a%zz.db", "bad %-escape"},
        {"ftp://user:hunter2@host/x", "unknown database scheme 'ftp'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fl_error err = {0};
        FL_ASSERT_EQ_INT(open_and_prepare(cases[i].url, NULL, &err), FL_ERR_USAGE);
        FL_ASSERT_CONTAINS(err.msg, cases[i].says);
        FL_ASSERT(strstr(err.msg, "hunter2") == NULL);
        FL_ASSERT_EQ_INT(fl_exit_code_for(err.code), 2);
    }
    fl_error err = {0};
    FL_ASSERT_EQ_INT(open_and_prepare("sqlite:t.db", "rsync", &err), FL_ERR_USAGE);
    FL_ASSERT_CONTAINS(err.msg, "unknown clone method 'rsync'");
    FL_ASSERT_CONTAINS(err.msg, "(known: copy, backup, memory, dump)");
    fl_db_spec spec = {"default", "sqlite:t.db", NULL};
    fl_dbset *set;
    FL_ASSERT_EQ_INT(fl_dbset_open(&spec, 1, "Not-a-token", NULL, &set, &err), FL_ERR_USAGE);
    FL_ASSERT_CONTAINS(err.msg, "run id 'Not-a-token'");
}

static int engine_built_in(const char *name)
{
    for (const char *const *e = fl_db_engines(); *e; e++)
        if (!strcmp(*e, name))
            return 1;
    return 0;
}

FL_TEST(db_errors, engines_not_built_in_are_unsupported_and_passwords_stay_hidden)
{
    static const struct {
        const char *engine, *url, *says;
    } cases[] = {
        {"postgresql", "postgresql://app:s3cr%40t@db.example:5432/test", "PostgreSQL support"},
        {"postgresql", "postgres://app:s3cr%40t@db.example/test", "PostgreSQL support"},
        {"mysql", "mysql://root:s3cr%40t@db.example/test?password=s3cr%40t", "MySQL/MariaDB support"},
        {"mysql", "mariadb://root:s3cr%40t@db.example/test", "MySQL/MariaDB support"},
        {"oracle", "oracle://system:s3cr%40t@db.example:1521/FREEPDB1", "Oracle support"},
    };
    int checked = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        if (engine_built_in(cases[i].engine))
            continue;
        fl_error err = {0};
        FL_ASSERT_EQ_INT(open_and_prepare(cases[i].url, NULL, &err), FL_ERR_UNSUPPORTED);
        FL_ASSERT_CONTAINS(err.msg, "forkless was built without ");
        FL_ASSERT_CONTAINS(err.msg, cases[i].says);
        FL_ASSERT_CONTAINS(err.msg, ":***@db.example");
        FL_ASSERT(strstr(err.msg, "s3cr") == NULL);
        FL_ASSERT_EQ_INT(fl_exit_code_for(err.code), 2);
        checked++;
    }
    if (!checked)
        FL_SKIP("every server engine is built in");
}

FL_TEST(db_errors, redaction)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"postgresql://user:s3cret@host:5432/db", "postgresql://user:***@host:5432/db"},
        {"postgresql://user@host/db", "postgresql://user@host/db"},
        {"mysql://root:p@ss:w/rd@host/x", "mysql://root:***@host/x"},
        {"postgresql://h/db?user=u&password=s3cret&sslmode=require",
         "postgresql://h/db?user=u&password=***&sslmode=require"},
        {"postgresql://u:a@h/db?PASSWORD=b", "postgresql://u:***@h/db?PASSWORD=***"},
        {"host=h password='a b c' dbname=x", "host=h password=*** dbname=x"},
        {"Server=h;Uid=u;Pwd=s3cret;", "Server=h;Uid=u;Pwd=***"},
        {"sqlite:///tmp/a:b@c.db", "sqlite:///tmp/a:b@c.db"},
        {"sqlite:relative/path.db", "sqlite:relative/path.db"},
        {"oracle://system:pw@db:1521/FREEPDB1", "oracle://system:***@db:1521/FREEPDB1"},
        {"postgresql://u:wr0ng?pw#x@h:5432/x", "postgresql://u:***@h:5432/x"},
        {"postgresql://h/db?sslpassword=k3y&sslmode=verify-full", "postgresql://h/db?sslpassword=***&sslmode=verify-full"},
        {"a=postgresql://h/a;b=postgresql://app:PW@db/b", "a=postgresql://h/a;b=postgresql://app:***@db/b"},
        {"from postgresql://a:one@h/x to mysql://b:two@h/y", "from postgresql://a:***@h/x to mysql://b:***@h/y"},
        {"postgresql://h/db?passwordless=1&mypwd=2&pwd=3", "postgresql://h/db?passwordless=1&mypwd=2&pwd=***"},
        {"mysql --password=hunter2 -h db", "mysql --password=*** -h db"},
        {"host=h password = secret dbname=x", "host=h password = *** dbname=x"},
        {"password='a\\'b c' dbname=x", "password=*** dbname=x"},
        {"host=h password=a;b&c#d dbname=x", "host=h password=*** dbname=x"},
        {"host=h\npassword=secret", "host=h\npassword=***"},
        {"postgresql://u@h:1/db?password=ab#cd&x=1", "postgresql://u@h:1/db?password=***&x=1"},
        {"sh -c 'mysql -h db -pS3cret x'", "sh -c 'mysql -h db -p*** x'"},
        {"/usr/bin/mariadb-dump -uroot -pS3cret db", "/usr/bin/mariadb-dump -uroot -p*** db"},
        {"mkdir -pv /tmp/x", "mkdir -pv /tmp/x"},
        {"mysql -p db", "mysql -p db"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char buf[256];
        fl_db_redact_url(cases[i].in, buf, sizeof buf);
        FL_ASSERT_EQ_STR(buf, cases[i].out);
    }
    char *const command[] = {"mysql", "-h", "db", "-pS3cret", "-pv", NULL};
    char *const other[] = {"mkdir", "-pv", NULL};
    char word[64];
    fl_db_redact_argv(command, 3, word, sizeof word);
    FL_ASSERT_EQ_STR(word, "-p***");
    fl_db_redact_argv(command, 1, word, sizeof word);
    FL_ASSERT_EQ_STR(word, "-h");
    fl_db_redact_argv(other, 1, word, sizeof word);
    FL_ASSERT_EQ_STR(word, "-pv");
    char tiny[12];
    fl_db_redact_url("postgresql://user:s3cret@host/db", tiny, sizeof tiny);
    FL_ASSERT_EQ_STR(tiny, "postgresql:");
    fl_db_redact_url("postgresql://u:s3cret@host/db", tiny, 1);
    FL_ASSERT_EQ_STR(tiny, "");
}
