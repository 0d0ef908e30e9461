/*
 * python_test.c — the Python adapter through the real command: the adapter's own test
 * suite run by `forkless run --unittest`, and the example Django project run by
 * `forkless run --django` on SQLite (template built by Django's migrations, one in-memory
 * clone per worker), cold and then with the cached template.
 */
#include <forkless/test.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

FL_TEST(python_adapter, unittest_suite_of_the_adapter_passes)
{
    char state[400], python_flag[300];
    snprintf(state, sizeof state, "--state-dir=%s", temp_dir());
    snprintf(python_flag, sizeof python_flag, "--python=%s", python());
    char *argv[] = {(char *)forkless_bin(), "run", "-j", "2", "--progress=never", state, "--unittest", python_flag,
                    (char *)source_path("tests/python"), NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    FL_ASSERT_EQ_INT(r.code, 0);
    FL_ASSERT_CONTAINS(output_last_line(r.out), ", 0 failed");
    cmd_result_free(&r);
}

FL_TEST(python_adapter, django_example_runs_twice_on_sqlite)
{
    char script[2048];
    snprintf(script, sizeof script,
             "cd '%s' && '%s' run -j 2 --progress=never --django --python='%s' --rebuild && "
             "'%s' run -j 2 --progress=never --django --python='%s'",
             source_path("examples/django"), forkless_bin(), python(), forkless_bin(), python());
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    char *env[] = {"FORKLESS_EXAMPLE_DB=sqlite", NULL};
    cmd_result r;
    run_cmd(&r, argv, env, 0);
    FL_ASSERT_EQ_INT(r.code, 0);
    FL_ASSERT_CONTAINS(r.out, "template default built");
    FL_ASSERT_CONTAINS(r.out, "template default reused");
    FL_ASSERT_CONTAINS(output_last_line(r.out), ", 0 failed");
    cmd_result_free(&r);
}
