/*
 * options_test.c — command-line and forkless.ini options, word splitting, exit codes.
 */
#include <forkless/forkless.h>
#include <forkless/test.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

FL_TEST(options, flags_with_values_in_every_spelling)
{
    fl_options o;
    fl_options_init(&o);
    char *argv[] = {"-j", "4", "--timeout=2.5", "-kdb.*", "--filter", "io.*", "-x", "--db",
                    "other=sqlite:o.db", "--db-method", "other=memory", "--", "worker", "arg"};
    int used = 0;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_options_parse_args(&o, 14, argv, 1, &used, &err), FL_OK);
    FL_ASSERT_EQ_INT(used, 12);
    FL_ASSERT_EQ_INT(o.jobs, 4);
    FL_ASSERT_EQ_DBL(o.timeout, 2.5, 1e-9);
    FL_ASSERT_EQ_INT(o.n_filters, 2);
    FL_ASSERT_EQ_STR(o.filters[0], "db.*");
    FL_ASSERT_EQ_INT(o.fail_fast, 1);
    FL_ASSERT_EQ_INT(o.n_dbs, 1);
    FL_ASSERT_EQ_STR(o.dbs[0].alias, "other");
    FL_ASSERT_EQ_STR(o.dbs[0].url, "sqlite:o.db");
    FL_ASSERT_EQ_STR(o.dbs[0].method, "memory");
    fl_options_free(&o);
}

FL_TEST(options, bad_values_are_usage_errors_naming_the_value)
{
    static const struct {
        const char *a, *b, *reason;
    } cases[] = {
        {"-j", "-3", "bad number of jobs '-3'"},
        {"--timeout", "soon", "bad timeout 'soon'"},
        {"--color", "pink", "bad value 'pink' for --color"},
        {"--db", "nourl", "bad --db value 'nourl'"},
        {"--db", "bad alias=sqlite:x.db", "bad database alias 'bad alias'"},
        {"--setup", "'unbalanced", "unbalanced quotes"},
        {"--wat", "x", "unknown option '--wat'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fl_options o;
        fl_options_init(&o);
        char *argv[] = {(char *)cases[i].a, (char *)cases[i].b};
        fl_error err = {0};
        FL_ASSERT_EQ_INT(fl_options_parse_args(&o, 2, argv, 0, NULL, &err), FL_ERR_USAGE);
        FL_ASSERT_CONTAINS(err.msg, cases[i].reason);
        FL_ASSERT_EQ_INT(fl_exit_code_for(err.code), 2);
        fl_options_free(&o);
    }
}

FL_TEST(options, auto_jobs_and_bare_db_url)
{
    fl_options o;
    fl_options_init(&o);
    char *argv[] = {"--jobs=auto", "--db", "sqlite:test.db"};
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_options_parse_args(&o, 3, argv, 0, NULL, &err), FL_OK);
    FL_ASSERT_EQ_INT(o.jobs, 0);
    FL_ASSERT_EQ_STR(o.dbs[0].alias, "default");
    FL_ASSERT_EQ_STR(o.dbs[0].url, "sqlite:test.db");
    fl_options_free(&o);
}

FL_TEST(options, split_command_like_a_shell)
{
    char **argv;
    size_t argc;
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_split_command("python3 -m 'my mod' \"a \\\"b\\\"\" c\\ d", &argv, &argc, &err), FL_OK);
    FL_ASSERT_EQ_INT(argc, 5);
    FL_ASSERT_EQ_STR(argv[2], "my mod");
    FL_ASSERT_EQ_STR(argv[3], "a \"b\"");
    FL_ASSERT_EQ_STR(argv[4], "c d");
    FL_ASSERT_NULL(argv[5]);
    fl_strv_free(argv);
}

/* Skips the test in a build without configuration-file support (Windows without inih). */
static void need_ini_support(void)
{
    fl_options o;
    fl_options_init(&o);
    fl_error err = {0};
    int rc = fl_options_load_ini(&o, "/nonexistent/forkless.ini", &err);
    fl_options_free(&o);
    if (rc == FL_ERR_UNSUPPORTED)
        FL_SKIP("this build reads no forkless.ini: %s", err.msg);
}

static char *write_ini(const char *text)
{
    need_ini_support();
    char *path = strdup("/tmp/forkless-ini-XXXXXX");
    int fd = mkstemp(path);
    FL_ASSERT(fd >= 0);
    FL_ASSERT_EQ_INT(write(fd, text, strlen(text)), (long long)strlen(text));
    close(fd);
    return path;
}

FL_TEST(options, ini_sections_and_flags_win)
{
    char *path = write_ini("[run]\njobs = 6\ntimeout = 10\nfail_fast = yes\nfilter = a.* b.*\n"
                           "worker = ./tests --forkless-worker\nsetup = ./migrate \"my db\"\n"
                           "setup_inputs = migrations/*.sql schema.sql\n"
                           "[db.default]\nurl = sqlite:t.db\nmethod = copy\n[db.other]\nurl = sqlite:o.db\n");
    fl_options o;
    fl_options_init(&o);
    fl_error err = {0};
    FL_ASSERT_EQ_INT(fl_options_load_ini(&o, path, &err), FL_OK);
    char *argv[] = {"-j", "2"};
    FL_ASSERT_EQ_INT(fl_options_parse_args(&o, 2, argv, 0, NULL, &err), FL_OK);
    FL_ASSERT_EQ_INT(o.jobs, 2);
    FL_ASSERT_EQ_DBL(o.timeout, 10, 1e-9);
    FL_ASSERT_EQ_INT(o.fail_fast, 1);
    FL_ASSERT_EQ_INT(o.n_filters, 2);
    FL_ASSERT_EQ_STR(o.worker_argv[1], "--forkless-worker");
    FL_ASSERT_EQ_STR(o.setup_argv[1], "my db");
    FL_ASSERT_EQ_INT(o.n_setup_inputs, 2);
    FL_ASSERT_EQ_INT(o.n_dbs, 2);
    FL_ASSERT_EQ_STR(o.dbs[0].method, "copy");
    FL_ASSERT_EQ_STR(o.dbs[1].url, "sqlite:o.db");
    fl_options_free(&o);
    unlink(path);
    free(path);
}

FL_TEST(options, ini_errors_name_file_and_key)
{
    static const char *cases[][2] = {
        {"[run]\nfrobs = 1\n", "unknown key 'frobs'"},
        {"[weird]\nx = 1\n", "unknown section [weird]"},
        {"[db.default]\nuri = x\n", "unknown key 'uri' in [db.default]"},
        {"[run]\njobs = many\n", "bad number of jobs 'many'"},
        {"[run]\nfail_fast = perhaps\n", "expected true or false"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *path = write_ini(cases[i][0]);
        fl_options o;
        fl_options_init(&o);
        fl_error err = {0};
        FL_ASSERT_EQ_INT(fl_options_load_ini(&o, path, &err), FL_ERR_USAGE);
        FL_ASSERT_CONTAINS(err.msg, cases[i][1]);
        FL_ASSERT_CONTAINS(err.msg, path);
        fl_options_free(&o);
        unlink(path);
        free(path);
    }
    fl_options o;
    fl_options_init(&o);
    fl_error err = {0};
    need_ini_support();
    FL_ASSERT_EQ_INT(fl_options_load_ini(&o, "/nonexistent/forkless.ini", &err), FL_ERR_USAGE);
    FL_ASSERT_CONTAINS(err.msg, "/nonexistent/forkless.ini");
    fl_options_free(&o);
}

FL_TEST(options, statuses_and_exit_codes)
{
    FL_ASSERT_EQ_INT(fl_status_parse("xpass"), FL_STATUS_XPASS);
    FL_ASSERT_EQ_INT(fl_status_parse("nope"), FL_STATUS_NONE);
    FL_ASSERT_EQ_STR(fl_status_name(FL_STATUS_TIMEOUT), "timeout");
    FL_ASSERT(fl_status_is_failure(FL_STATUS_CRASH));
    FL_ASSERT(!fl_status_is_failure(FL_STATUS_XFAIL));
    FL_ASSERT_EQ_INT(fl_exit_code_for(FL_ERR_DB), 3);
    FL_ASSERT_EQ_INT(fl_exit_code_for(FL_ERR_UNSUPPORTED), 2);
    FL_ASSERT_EQ_INT(fl_exit_code_for(FL_ERR_INTERRUPTED), 130);
}
