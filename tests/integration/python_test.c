/*
 * python_test.c — the Python adapter through the real command: the adapter's own test
 * suite run by `forkless run --unittest`, and the example Django project run by
 * `forkless run --django` on SQLite (template built by Django's migrations, one in-memory
 * clone per worker), cold and then with the cached template.
 */
#include <forkless/test.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "platform/platform.h"

FL_TEST(python_adapter, unittest_suite_of_the_adapter_passes)
{
    char state[400], python_flag[300];
    snprintf(state, sizeof state, "--state-dir=%s", temp_dir());
    snprintf(python_flag, sizeof python_flag, "--python=%s", python());
    char *argv[] = {(char *)forkless_bin(), "run", "-j", "2", "--progress=never", state, "--unittest", python_flag,
                    (char *)source_path("tests/python"), NULL};
    cmd_result r;
    run_cmd(&r, argv, NULL, 0);
    expect_exit(&r, 0);
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
    expect_exit(&r, 0);
    FL_ASSERT_CONTAINS(r.out, "template default built");
    FL_ASSERT_CONTAINS(r.out, "template default reused");
    FL_ASSERT_CONTAINS(output_last_line(r.out), ", 0 failed");
    cmd_result_free(&r);
}

/* The server a test may use, from FORKLESS_TEST_<ENGINE>_URL (scheme://user[:pw]@host:port/db);
 * skips loudly without it, and fails instead where CI demands servers. */
typedef struct server {
    char user[64], password[64], host[128], port[16];
} server;

static void need_server(const char *variable, server *s)
{
    const char *url = getenv(variable);
    if (!url || !*url) {
        if (getenv("FORKLESS_REQUIRE_SERVERS") && !strcmp(getenv("FORKLESS_REQUIRE_SERVERS"), "1"))
            FL_FAIL("%s is not set but FORKLESS_REQUIRE_SERVERS=1", variable);
        FL_SKIP("NO SERVER: set %s (tests/servers/ starts one) to run this test", variable);
    }
    memset(s, 0, sizeof *s);
    const char *p = strstr(url, "://");
    FL_ASSERT_NOT_NULL(p);
    p += 3;
    const char *at = strchr(p, '@');
    FL_ASSERT_NOT_NULL(at);
    const char *colon = memchr(p, ':', (size_t)(at - p));
    snprintf(s->user, sizeof s->user, "%.*s", (int)((colon ? colon : at) - p), p);
    if (colon)
        snprintf(s->password, sizeof s->password, "%.*s", (int)(at - colon - 1), colon + 1);
    const char *host = at + 1, *port = strchr(host, ':'), *slash = strchr(host, '/');
    FL_ASSERT(port && slash && port < slash);
    snprintf(s->host, sizeof s->host, "%.*s", (int)(port - host), host);
    snprintf(s->port, sizeof s->port, "%.*s", (int)(slash - port - 1), port + 1);
}

/* Runs the example twice (template built, then reused) and compares the second run's
 * outcomes, test by test, with Django's own `manage.py test` on the same server. */
static void django_example_on(const char *engine, const server *s)
{
    const char *dir = temp_dir();
    char project[1024], script[4096];
    snprintf(project, sizeof project, "%s", source_path("examples/django"));
    snprintf(script, sizeof script,
             "cd '%s' && '%s' run -j 2 --progress=never --django --python='%s' --rebuild && "
             "'%s' run -j 2 --progress=never --django --python='%s' --json '%s/report.jsonl' && "
             "'%s' '%s' --compare '%s/report.jsonl'",
             project, forkless_bin(), python(), forkless_bin(), python(), dir, python(),
             source_path("tests/python/django_outcomes.py"), dir);
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    char v_engine[64], v_user[128], v_password[128], v_host[200], v_port[64], v_name[128];
    snprintf(v_engine, sizeof v_engine, "FORKLESS_EXAMPLE_DB=%s", engine);
    snprintf(v_user, sizeof v_user, "FORKLESS_EXAMPLE_DB_USER=%s", s->user);
    snprintf(v_password, sizeof v_password, "FORKLESS_EXAMPLE_DB_PASSWORD=%s", s->password);
    snprintf(v_host, sizeof v_host, "FORKLESS_EXAMPLE_DB_HOST=%s", s->host);
    snprintf(v_port, sizeof v_port, "FORKLESS_EXAMPLE_DB_PORT=%s", s->port);
    /* Its own database name, so that runs of this test on one server do not meet. */
    snprintf(v_name, sizeof v_name, "FORKLESS_EXAMPLE_DB_NAME=fl_example_%d", fl_test_worker());
    char *env[] = {v_engine, v_user, v_password, v_host, v_port, v_name, NULL};
    cmd_result r;
    run_cmd(&r, argv, env, 0);
    expect_exit(&r, 0);
    FL_ASSERT_CONTAINS(r.out, "template default built");
    FL_ASSERT_CONTAINS(r.out, "template default reused");
    FL_ASSERT_CONTAINS(r.out, ", 0 differences");
    if (s->password[0]) { /* never printed in a URL (CI's password is a word forkless prints) */
        char in_url[100];
        snprintf(in_url, sizeof in_url, ":%s@", s->password);
        FL_ASSERT(strstr(r.out, in_url) == NULL);
    }
    cmd_result_free(&r);
}

FL_TEST(python_adapter, django_example_runs_on_postgresql)
{
    server s;
    need_server("FORKLESS_TEST_PG_URL", &s);
    django_example_on("postgresql", &s);
}

FL_TEST(python_adapter, django_example_runs_on_mariadb)
{
    server s;
    need_server("FORKLESS_TEST_MYSQL_URL", &s);
    django_example_on("mysql", &s);
}

FL_TEST(python_adapter, django_outcomes_equal_manage_py_test)
{
    const char *dir = temp_dir();
    char project[1024], script[3000];
    snprintf(project, sizeof project, "%s", source_path("examples/django"));
    snprintf(script, sizeof script,
             "cd '%s' && '%s' run -j 2 --progress=never --django --python='%s' --json '%s/report.jsonl'; "
             "'%s' '%s' --compare '%s/report.jsonl'",
             project, forkless_bin(), python(), dir, python(), source_path("tests/python/django_outcomes.py"),
             dir);
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    char *env[] = {"FORKLESS_EXAMPLE_DB=sqlite", NULL};
    cmd_result r;
    run_cmd(&r, argv, env, 0);
    expect_exit(&r, 0);
    cmd_result_free(&r);
}

FL_TEST(python_adapter, django_worker_that_dies_or_hangs_does_not_stop_the_run)
{
    char script[2048];
    snprintf(script, sizeof script,
             "cd '%s' && '%s' run -j 2 --progress=never --timeout 5 --kill-grace 1 --django --python='%s'",
             source_path("examples/django"), forkless_bin(), python());
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    char *env[] = {"FORKLESS_EXAMPLE_DB=sqlite", "FORKLESS_EXAMPLE_MISBEHAVE=1", NULL};
    cmd_result r;
    run_cmd(&r, argv, env, 0);
    expect_exit(&r, 1);
    FL_ASSERT_CONTAINS(r.out, "CRASH");
    FL_ASSERT_CONTAINS(r.out, "test_misbehaving.MisbehavingTests.test_worker_dies");
    FL_ASSERT_CONTAINS(r.out, "signal 9 (SIGKILL");
    FL_ASSERT_CONTAINS(r.out, "TIMEOUT");
    FL_ASSERT_CONTAINS(r.out, "test_misbehaving.MisbehavingTests.test_worker_hangs");
    /* Everything else ran: 300 pass + 1 xfail, the skip, and the two. */
    FL_ASSERT_EQ_STR(output_last_line(r.out), "forkless: 301 passed, 2 failed, 1 skipped");
    cmd_result_free(&r);
}

/* The launch cache: an unchanged project gets its django-config answer without Python
 * (counted by a sitecustomize module that logs every interpreter start's arguments); a new
 * test module is seen. */
FL_TEST(python_adapter, django_config_answer_is_reused_until_a_file_changes)
{
    const char *dir = temp_dir();
    char script[4096];
    snprintf(script, sizeof script,
             "set -e; cp -R '%s' '%s/project'; rm -rf '%s/project/.forkless'; cd '%s/project'\n"
             "find . -exec touch -d '1 minute ago' {} +\n" /* as a project is: not edited this instant */
             "mkdir '%s/site'; printf 'import sys\\nwith open(\"%s/calls.log\", \"a\") as log:\\n"
             "    log.write(\" \".join(sys.argv) + \"\\\\n\")\\n' > '%s/site/sitecustomize.py'\n"
             "export PYTHONPATH='%s/site'\n"
             "run() { '%s' run -j 2 --progress=never --state-dir='%s/state' --django --python='%s' catalog "
             "| tail -1; }\n"
             "echo \"first $(run)\"; echo \"second $(run)\"\n"
             "printf 'from django.test import SimpleTestCase\\n\\n\\nclass Added(SimpleTestCase):\\n"
             "    def test_added(self):\\n        pass\\n' > catalog/tests/test_added.py\n"
             "echo \"third $(run)\"\n"
             "echo \"django-config calls: $(grep -c django-config '%s/calls.log')\"\n",
             source_path("examples/django"), dir, dir, dir, dir, dir, dir, dir, forkless_bin(), dir, python(), dir);
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    char *env[] = {"FORKLESS_EXAMPLE_DB=sqlite", NULL};
    cmd_result r;
    run_cmd(&r, argv, env, 0);
    expect_exit(&r, 0);
    /* Runs 1 and 3 asked Python (nothing cached, then a new module); run 2 did not. */
    FL_ASSERT_CONTAINS(r.out, "django-config calls: 2");
    int first = 0, second = 0, third = 0;
    FL_ASSERT_NOT_NULL(strstr(r.out, "first forkless: "));
    FL_ASSERT_NOT_NULL(strstr(r.out, "second forkless: "));
    FL_ASSERT_NOT_NULL(strstr(r.out, "third forkless: "));
    FL_ASSERT_EQ_INT(sscanf(strstr(r.out, "first forkless: "), "first forkless: %d passed", &first), 1);
    FL_ASSERT_EQ_INT(sscanf(strstr(r.out, "second forkless: "), "second forkless: %d passed", &second), 1);
    FL_ASSERT_EQ_INT(sscanf(strstr(r.out, "third forkless: "), "third forkless: %d passed", &third), 1);
    FL_ASSERT(first > 10);
    FL_ASSERT_EQ_INT(second, first);
    FL_ASSERT_EQ_INT(third, first + 1);
    cmd_result_free(&r);
}

/* The launch cache follows the interpreter, not only the command line: --python names a
 * symbolic link, which is then pointed at another interpreter file (update-alternatives,
 * a version manager): the next run asks that interpreter again (the cache's
 * "interpreter" changes) instead of reusing the first one's answer. */
FL_TEST(python_adapter, launch_cache_follows_the_interpreter_behind_a_link)
{
    const char *dir = temp_dir();
    char script[4096];
    snprintf(script, sizeof script,
             "set -e; cp -R '%s' '%s/project'; rm -rf '%s/project/.forkless'; cd '%s/project'\n"
             "real=$(readlink -f '%s'); cp \"$real\" '%s/python-copy'; mkdir '%s/bin'\n"
             "ln -s \"$real\" '%s/bin/python3'\n"
             "run() { '%s' run -j 2 --progress=never --state-dir='%s/state' --django --python='%s/bin/python3' "
             "catalog | tail -1; }\n"
             "interp() { '%s' -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"interpreter\"])' "
             "'%s/state/django-launch.json'; }\n"
             "echo \"first $(run)\"; echo \"interpreter1 $(interp)\"\n"
             "ln -sfn '%s/python-copy' '%s/bin/python3'\n"
             "echo \"second $(run)\"; echo \"interpreter2 $(interp)\"\n",
             source_path("examples/django"), dir, dir, dir, python(), dir, dir, dir, forkless_bin(), dir, dir,
             python(), dir, dir, dir);
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    char *env[] = {"FORKLESS_EXAMPLE_DB=sqlite", NULL};
    cmd_result r;
    run_cmd(&r, argv, env, 0);
    expect_exit(&r, 0);
    FL_ASSERT_CONTAINS(r.out, "first forkless: ");
    FL_ASSERT_CONTAINS(r.out, "second forkless: ");
    char want[1200];
    snprintf(want, sizeof want, "interpreter2 %s/python-copy", dir);
    FL_ASSERT_CONTAINS(r.out, want);
    FL_ASSERT(strstr(r.out, "interpreter1 ") && !strstr(strstr(r.out, "interpreter1 "), "interpreter1 " "\n"));
    cmd_result_free(&r);
}

/* A coordinator killed with SIGKILL while a Python test hangs: the worker and the process
 * the test started go with it (Linux: the parent-death signal; elsewhere the worker ends
 * at its next read or write). */
FL_TEST(python_adapter, killed_coordinator_takes_the_worker_and_its_children)
{
    if (!fl_can_die_with_parent())
        FL_SKIP("no parent-death signal on this platform");
    const char *dir = temp_dir();
    char path[900], when[900];
    snprintf(path, sizeof path, "%s/test_hangs.py", dir);
    FILE *f = fopen(path, "w");
    FL_ASSERT_NOT_NULL(f);
    fprintf(f,
            "import os, subprocess, time, unittest\n\n\n"
            "class Hangs(unittest.TestCase):\n"
            "    def test_starts_a_child_and_hangs(self):\n"
            "        child = subprocess.Popen(['sleep', '60'])\n"
            "        with open(%s'%s/pids.tmp', 'w') as out:\n"
            "            out.write('%%d %%d\\n' %% (os.getpid(), child.pid))\n"
            "        os.rename('%s/pids.tmp', '%s/pids')\n"
            "        time.sleep(60)\n",
            "", dir, dir, dir);
    fclose(f);
    snprintf(when, sizeof when, "%s/pids", dir);
    char python_flag[300];
    snprintf(python_flag, sizeof python_flag, "--python=%s", python());
    char *argv[] = {(char *)forkless_bin(), "run", "-j", "1", "--progress=never", python_flag, "--unittest",
                    (char *)dir, NULL};
    cmd_result r;
    run_cmd_signal_when(&r, argv, NULL, when, SIGKILL);
    cmd_result_free(&r);
    long worker = 0, child = 0;
    snprintf(path, sizeof path, "%s/pids", dir);
    f = fopen(path, "r");
    FL_ASSERT_NOT_NULL(f);
    FL_ASSERT_EQ_INT(fscanf(f, "%ld %ld", &worker, &child), 2);
    fclose(f);
    int worker_gone = process_gone_within(worker, 3000), child_gone = process_gone_within(child, 3000);
    if (!child_gone)
        kill((pid_t)child, SIGKILL);
    if (!worker_gone)
        kill((pid_t)worker, SIGKILL);
    FL_ASSERT(worker_gone);
    FL_ASSERT(child_gone);
}
