"""Tests of `python -m forkless django` (and django-config/django-setup) on examples/django.

The fake coordinator plays the C side: it builds the template with django-setup, gives
each worker a clone the way `forkless run --django` does (the SQLite image for the
`memory` method, a copied file for `copy`, `CREATE DATABASE ... TEMPLATE` on
PostgreSQL, a table copy on MySQL), and deals groups to workers. The outcomes must
equal those of Django's own runner (tests/python/django_outcomes.py) test by test.

Needs Django: run with /usr/bin/python3 (Debian's python3-django):
    /usr/bin/python3 -m unittest discover -s tests/python -t tests/python -v
Server engines are tested when configured (skipped otherwise; failed instead when
FORKLESS_REQUIRE_SERVERS=1), with the URLs CI exports (tests/servers/start-*.sh print them):
    FORKLESS_TEST_PG_URL=postgresql://postgres@127.0.0.1:54329/postgres
    FORKLESS_TEST_MYSQL_URL=mysql://root:forkless@127.0.0.1:33069/mysql
or as Django settings fields: FORKLESS_TEST_PG="host=127.0.0.1 port=5432 user=postgres".
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from fake_coordinator import FakeCoordinator, WorkerProtocolError, adapter_environment, group_batches

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROJECT = os.path.join(ROOT, "examples", "django")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def have_django():
    return subprocess.run([PYTHON, "-c", "import django"], capture_output=True).returncode == 0


def example_env(engine_env=None):
    """The environment of the example project: its engine variables, the adapter path."""
    env = adapter_environment()
    for key in list(env):
        if key.startswith("FORKLESS_DB_") or key == "DATABASE_URL" or key.startswith("FORKLESS_EXAMPLE_"):
            del env[key]
    env.update(engine_env or {})
    return env


def run_tool(args, env, check=True):
    completed = subprocess.run([PYTHON, "-m", "forkless"] + args, cwd=PROJECT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and completed.returncode != 0:
        raise AssertionError("forkless %s failed (%d):\n%s" % (
            args[0], completed.returncode, completed.stderr.decode(errors="replace")[-4000:]))
    return completed


def django_config(env, *args):
    return json.loads(run_tool(["django-config"] + list(args), env).stdout)


def db_env(entry, url, name, method):
    key = entry["env"]
    env = {key: url, key + "_NAME": name}
    if method:
        env[key + "_METHOD"] = method
    if entry["alias"] == "default":
        env["DATABASE_URL"] = url
    return env


def file_digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def django_outcomes(engine_env=None, extra=()):
    import django_outcomes as outcomes_script
    return outcomes_script.run(PROJECT, list(extra), python=PYTHON, env=example_env(engine_env))


def django_ids(engine_env=None, extra=()):
    import django_outcomes as outcomes_script
    return [o["id"] for o in outcomes_script.run(PROJECT, list(extra), list_only=True, python=PYTHON,
                                                 env=example_env(engine_env))]


class DjangoHarness:
    """Template + clones for one engine, and a way to run the whole suite over N workers."""

    def __init__(self, engine_env=None):
        self.engine_env = engine_env or {}
        self.env = example_env(self.engine_env)
        self.tmp = tempfile.mkdtemp(prefix="forkless-django-test-")
        self.config = django_config(self.env)
        self.entry = self.config["databases"][0]

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    # SQLite ------------------------------------------------------------------------------
    def build_sqlite_template(self):
        self.template = os.path.join(self.tmp, "template.db")
        env = dict(self.env, **db_env(self.entry, "sqlite://" + self.template, self.template, None))
        run_tool(["django-setup", "-v", "0"], env)
        return self.template

    def sqlite_clone_env(self, slot, method):
        if method == "memory":
            return db_env(self.entry, "sqlite+memory://" + self.template, self.template, "memory")
        clone = os.path.join(self.tmp, "clone-%d.db" % slot)
        shutil.copyfile(self.template, clone)
        return db_env(self.entry, "sqlite://" + clone, clone, "copy")

    # running -----------------------------------------------------------------------------------
    def start_worker(self, clone_env, slot=1, slots=1, args=()):
        argv = self.config["worker"] + list(args)
        env = dict(self.env, **clone_env)
        return FakeCoordinator(argv, cwd=PROJECT, env=env, slot=slot, slots=slots, timeout=300)

    def run_suite(self, clone_envs, order="reverse"):
        """List with slot 1, deal groups round-robin in `order`; return (listing, results)."""
        workers = [self.start_worker(env, slot, len(clone_envs)) for slot, env in enumerate(clone_envs, 1)]
        try:
            listing = workers[0].list()
            batches = group_batches(listing)
            if order == "reverse":
                batches.reverse()
            results = {}
            for number, batch in enumerate(batches, 1):
                worker = workers[number % len(workers)]
                results.update(worker.run(batch, number))
            for worker in workers:
                worker.shutdown()
            return listing, results
        finally:
            for worker in workers:
                worker.close()

    @staticmethod
    def assert_same_outcomes(testcase, results, expected_outcomes):
        expected = {o["id"]: o["status"] for o in expected_outcomes}
        got = {test_id: r["status"] for test_id, r in results.items()}
        differences = {k: (got.get(k), expected.get(k)) for k in set(got) | set(expected)
                       if got.get(k) != expected.get(k)}
        details = {k: results[k].get("message") for k in differences if k in results}
        testcase.assertEqual(differences, {}, "(forkless, django) differ; messages: %s" % details)


@unittest.skipUnless(have_django(), "Django is not installed for %s" % PYTHON)
class SQLiteDjangoTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.harness = DjangoHarness()
        cls.harness.build_sqlite_template()
        cls.django = django_outcomes()

    @classmethod
    def tearDownClass(cls):
        cls.harness.cleanup()

    def test_config(self):
        config = self.harness.config
        self.assertEqual(config["settings_module"], "libsite.settings")
        self.assertEqual(config["project_dir"], PROJECT)
        entry = self.harness.entry
        self.assertEqual(len(config["databases"]), 1)  # `replica` is a mirror
        expected_path = os.path.join(PROJECT, ".forkless", "django-default.db")
        self.assertEqual(entry, {"alias": "default", "env": "FORKLESS_DB_DEFAULT", "engine": "sqlite",
                                 "url": "sqlite://" + expected_path, "name": expected_path,
                                 "method": "memory", "aliases": ["default"], "mirrors": ["replica"]})
        self.assertEqual(config["setup"], [PYTHON, "-m", "forkless", "django-setup",
                                           "--settings", "libsite.settings"])
        self.assertEqual(config["worker"][:4], [PYTHON, "-m", "forkless", "django"])
        self.assertIn(os.path.join(PROJECT, "loans", "migrations", "*.py"), config["setup_inputs"])
        self.assertIn(os.path.join(PROJECT, "libsite", "settings.py"), config["setup_inputs"])
        self.assertTrue(any("contenttypes" in g for g in config["setup_inputs"]))

    def test_config_for_simple_tests_needs_no_database(self):
        config = django_config(self.harness.env, "catalog.tests.test_isbn")
        self.assertEqual(config["databases"], [])
        self.assertEqual(config["worker"], [PYTHON, "-m", "forkless", "django", "--settings", "libsite.settings"])

    def test_template_has_the_migrations(self):
        import sqlite3
        connection = sqlite3.connect(self.harness.template)
        try:
            self.assertEqual(connection.execute("SELECT count(*) FROM loans_loanpolicy").fetchone()[0], 3)
            self.assertEqual(connection.execute("PRAGMA journal_mode").fetchone()[0], "delete")
        finally:
            connection.close()

    def test_listing_is_manage_py_tests(self):
        with self.harness.start_worker(self.harness.sqlite_clone_env(1, "memory")) as worker:
            listing = worker.list()
            worker.shutdown()
        self.assertEqual([t["id"] for t in listing], django_ids())
        groups = {t["id"]: t["group"] for t in listing}
        self.assertEqual(groups["loans.tests.test_policy.PolicyTests.test_three_tiers"],
                         "loans.tests.test_policy.PolicyTests")
        phases = {t["id"].split(".")[-2]: t["phase"] for t in listing}
        self.assertEqual((phases["PolicyTests"], phases["OnCommitTests"], phases["Formatting"],
                          phases["FineTests"]), (0, 1, 1, 2))
        kinds = [t["id"].split(".")[-2] for t in listing]
        # Django's order: TestCases first, plain unittest last.
        self.assertLess(kinds.index("PolicyTests"), kinds.index("OnCommitTests"))
        self.assertLess(kinds.index("OnCommitTests"), kinds.index("FineTests"))

    def test_memory_two_workers_reverse_order_equals_django(self):
        template_before = file_digest(self.harness.template)
        envs = [self.harness.sqlite_clone_env(slot, "memory") for slot in (1, 2)]
        listing, results = self.harness.run_suite(envs, order="reverse")
        self.assertEqual(len(results), len(self.django))
        self.harness.assert_same_outcomes(self, results, self.django)
        self.assertEqual(file_digest(self.harness.template), template_before,
                         "a memory worker wrote into the shared image")

    def test_copy_one_worker_reverse_order_equals_django(self):
        envs = [self.harness.sqlite_clone_env(1, "copy")]
        listing, results = self.harness.run_suite(envs, order="reverse")
        self.harness.assert_same_outcomes(self, results, self.django)

    def test_testcase_after_transactiontestcase_sees_migration_data(self):
        batches = [["loans.tests.test_transactions.OnCommitTests.test_notification_after_commit"],
                   ["loans.tests.test_policy.PolicyTests.test_three_tiers"],
                   ["loans.tests.test_transactions.SerializedRollbackTests.test_can_write_and_flush",
                    "loans.tests.test_transactions.SerializedRollbackTests.test_policies_present"],
                   ["loans.tests.test_policy.PolicyTests.test_staff_pay_no_fines"]]
        for method in ("memory", "copy"):
            with self.subTest(method=method):
                with self.harness.start_worker(self.harness.sqlite_clone_env(3, method)) as worker:
                    results = {}
                    for number, batch in enumerate(batches, 1):
                        results.update(worker.run(batch, number))
                    worker.shutdown()
                self.assertEqual({k: r["status"] for k, r in results.items()},
                                 {k: "pass" for k in results}, results)

    def test_labels_select_tests(self):
        env = self.harness.sqlite_clone_env(1, "memory")
        with self.harness.start_worker(env, args=["loans.tests.test_policy"]) as worker:
            listing = worker.list()
            worker.shutdown()
        self.assertEqual([t["id"] for t in listing], django_ids(extra=["loans.tests.test_policy"]))

    def test_name_filter_like_manage_py(self):
        env = self.harness.sqlite_clone_env(1, "memory")
        with self.harness.start_worker(env, args=["-k", "Policy", "--reverse"]) as worker:
            listing = worker.list()
            worker.shutdown()
        self.assertEqual([t["id"] for t in listing], django_ids(extra=["-k", "Policy", "--reverse"]))
        self.assertTrue(listing)

    def test_without_a_clone_the_worker_refuses(self):
        with self.harness.start_worker({}) as worker:
            with self.assertRaises(WorkerProtocolError) as caught:
                worker.list()
        self.assertIn("FORKLESS_DB_DEFAULT", str(caught.exception))

    def test_missing_image_is_an_error(self):
        env = db_env(self.harness.entry, "sqlite+memory:///nonexistent/x.db", "/nonexistent/x.db", "memory")
        with self.harness.start_worker(env) as worker:
            with self.assertRaises(WorkerProtocolError) as caught:
                worker.list()
        self.assertIn("does not exist", str(caught.exception))

    def test_failing_test_reports_traceback_and_output(self):
        env = self.harness.sqlite_clone_env(4, "memory")
        probe = os.path.join(HERE, "django_probe")
        with self.harness.start_worker(env, args=["--pythonpath", probe, "probe_tests"]) as worker:
            listing = worker.list()
            results = worker.run([t["id"] for t in listing])
            worker.shutdown()
        by_name = {k.rsplit(".", 1)[-1]: r for k, r in results.items()}
        self.assertEqual(by_name["test_fails"]["status"], "fail")
        self.assertIn("probe_tests.py", by_name["test_fails"]["details"])
        self.assertEqual(by_name["test_prints"]["output"], "printed by a Django test\n")
        self.assertEqual(by_name["test_subtests"]["status"], "fail")
        self.assertIn("(n=2)", by_name["test_subtests"]["details"])
        self.assertEqual(by_name["test_database_is_the_clone"]["status"], "pass",
                         by_name["test_database_is_the_clone"].get("details"))
        self.assertEqual(by_name["test_setup_class_failed"]["status"], "error")
        self.assertIn("setUpTestData exploded", by_name["test_setup_class_failed"]["message"])


@unittest.skipUnless(have_django(), "Django is not installed for %s" % PYTHON)
class ConfigCacheTests(unittest.TestCase):
    """django-config answers from .forkless/django-config.json until an input changes."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="forkless-config-cache-")
        self.project = os.path.join(self.tmp, "project")
        shutil.copytree(PROJECT, self.project, ignore=shutil.ignore_patterns(".forkless", "__pycache__"))
        self.env = example_env()
        self.cache = os.path.join(self.project, ".forkless", "django-config.json")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def config(self, *args, env=None):
        completed = subprocess.run([PYTHON, "-m", "forkless", "django-config"] + list(args), cwd=self.project,
                                   env=env or self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(completed.returncode, 0, completed.stderr.decode(errors="replace"))
        return json.loads(completed.stdout)

    def plant_marker(self):
        """Make the cached answer recognisable: a hit returns it, a miss recomputes."""
        with open(self.cache) as handle:
            entry = json.load(handle)
        entry["config"]["marker"] = "from the cache"
        with open(self.cache, "w") as handle:
            json.dump(entry, handle)

    def test_hit_then_invalidated_by_inputs(self):
        first = self.config()
        self.assertNotIn("marker", first)
        self.plant_marker()
        self.assertEqual(self.config().get("marker"), "from the cache")
        # Another environment, other arguments: computed again.
        self.assertNotIn("marker", self.config(env=dict(self.env, FORKLESS_EXAMPLE_DB_NAME="other")))
        self.plant_marker()
        self.assertNotIn("marker", self.config("loans"))
        # A new test module (its directory changes) or an edited one: computed again.
        self.config()
        self.plant_marker()
        with open(os.path.join(self.project, "loans", "tests", "test_new.py"), "w") as handle:
            handle.write("from django.test import TestCase\n\n\nclass New(TestCase):\n"
                         "    databases = {'default', 'replica'}\n\n    def test_x(self):\n        pass\n")
        self.assertNotIn("marker", self.config())
        self.plant_marker()
        settings = os.path.join(self.project, "libsite", "settings.py")
        os.utime(settings, ns=(os.stat(settings).st_atime_ns, os.stat(settings).st_mtime_ns + 10 ** 9))
        self.assertNotIn("marker", self.config())
        # A .env beside manage.py appears: computed again.
        self.plant_marker()
        open(os.path.join(self.project, ".env"), "w").close()
        self.assertNotIn("marker", self.config())

    def test_an_answer_computed_while_a_file_changed_is_not_kept(self):
        from forkless import config_cache
        started = 10 ** 18
        before = [started - 5 * 10 ** 9, 100]
        during = [started + 10 ** 6, 100]
        same_tick = [started - 10 ** 6, 100]  # within the margin of a coarse clock
        self.assertTrue(config_cache.settled({"/a": before}, started))
        self.assertFalse(config_cache.settled({"/a": before, "/b": during}, started))
        self.assertFalse(config_cache.settled({"/b": same_tick}, started))
        # the project directory changed by our own .forkless, just before: not a change
        self.assertTrue(config_cache.settled({"/p": same_tick}, started, ours={"/p": same_tick}))
        self.assertFalse(config_cache.settled({"/p": during}, started, ours={"/p": same_tick}))

    def test_a_fresh_project_is_cached_at_its_first_run(self):
        shutil.rmtree(os.path.join(self.project, ".forkless"), ignore_errors=True)
        self.config()
        self.assertTrue(os.path.exists(self.cache))  # creating .forkless did not count as a change

    def test_no_cache(self):
        self.config()
        self.plant_marker()
        self.assertNotIn("marker", self.config("--no-cache"))
        self.assertNotIn("marker", self.config(env=dict(self.env, FORKLESS_DJANGO_CONFIG_CACHE="0")))


@unittest.skipUnless(have_django(), "Django is not installed for %s" % PYTHON)
class MultiDatabaseTests(unittest.TestCase):
    """Mirrors, shared test databases and TEST DEPENDENCIES, as Django's runner treats them."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="forkless-multidb-")
        cls.env = example_env({"PROBE_OTHER_TEST_NAME": os.path.join(cls.tmp, "other-test.db")})
        cls.args = ["--settings", "multidb_settings", "--pythonpath", os.path.join(HERE, "django_probe")]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_config_order_and_methods(self):
        config = django_config(self.env, "--all-databases", *self.args)
        entries = {e["alias"]: e for e in config["databases"]}
        self.assertEqual([e["alias"] for e in config["databases"]], ["default", "third", "other"])
        self.assertEqual(entries["default"]["method"], "memory")
        self.assertEqual(entries["default"]["mirrors"], ["replica"])
        self.assertEqual(entries["third"]["method"], "memory")
        self.assertEqual(entries["third"]["name"], os.path.join(PROJECT, ".forkless", "django-third.db"))
        self.assertEqual(entries["other"]["method"], "copy")
        self.assertEqual(entries["other"]["name"], os.path.join(PROJECT, ".forkless", "django-other.db"))
        self.assertEqual(entries["other"]["aliases"], ["other", "other_alt"])

    def test_config_lists_only_databases_the_tests_use(self):
        config = django_config(self.env, *self.args, "loans.tests.test_policy")
        self.assertEqual([e["alias"] for e in config["databases"]], ["default"])

    def test_workers_use_every_clone(self):
        templates = {alias: os.path.join(self.tmp, "template-%s.db" % alias) for alias in ("default", "third", "other")}
        setup_env = dict(self.env)
        for alias, path in templates.items():
            setup_env.update({"FORKLESS_DB_" + alias.upper(): "sqlite://" + path,
                              "FORKLESS_DB_%s_NAME" % alias.upper(): path})
        run_tool(["django-setup", "-v", "0"] + self.args, setup_env)
        clone = os.path.join(self.tmp, "clone-other.db")
        shutil.copyfile(templates["other"], clone)
        worker_env = dict(self.env)
        for alias in ("default", "third"):
            key = "FORKLESS_DB_" + alias.upper()
            worker_env.update({key: "sqlite+memory://" + templates[alias], key + "_NAME": templates[alias],
                               key + "_METHOD": "memory"})
        worker_env.update({"FORKLESS_DB_OTHER": "sqlite://" + clone, "FORKLESS_DB_OTHER_NAME": clone,
                           "FORKLESS_DB_OTHER_METHOD": "copy"})
        argv = [PYTHON, "-m", "forkless", "django"] + self.args + ["multidb_probe"]
        with FakeCoordinator(argv, cwd=PROJECT, env=worker_env) as worker:
            listing = worker.list()
            results = worker.run([t["id"] for t in listing])
            worker.shutdown()
        self.assertEqual(len(results), 2)
        for test_id, result in results.items():
            self.assertEqual(result["status"], "pass", "%s: %s" % (test_id, result.get("details")))


def server_settings(variables):
    """FORKLESS_EXAMPLE_DB_* variables for a test server, or None when none is configured.

    Takes the URL CI exports (FORKLESS_TEST_PG_URL, FORKLESS_TEST_MYSQL_URL:
    scheme://user[:password]@host:port/db) or "host=... port=... user=... password=...".
    """
    from urllib.parse import unquote, urlsplit
    spec = next((os.environ[v] for v in variables if os.environ.get(v)), None)
    if not spec:
        if os.environ.get("FORKLESS_REQUIRE_SERVERS") == "1":
            raise AssertionError("%s is not set but FORKLESS_REQUIRE_SERVERS=1" % " or ".join(variables))
        return None
    env = {}
    if "://" in spec:
        url = urlsplit(spec)
        fields = {"host": url.hostname, "port": url.port, "user": url.username, "password": url.password}
        for key, value in fields.items():
            if value is not None:
                env["FORKLESS_EXAMPLE_DB_" + key.upper()] = unquote(str(value))
        return env
    for item in spec.split():
        key, _, value = item.partition("=")
        env["FORKLESS_EXAMPLE_DB_" + key.upper()] = value
    return env


class ServerHarness(DjangoHarness):
    """Clones on a server: the template is built by django-setup, clones made here."""

    def connect_maintenance(self):
        raise NotImplementedError

    def build_server_template(self):
        entry = self.entry
        env = dict(self.env, **db_env(entry, entry["url"], entry["name"], None))
        run_tool(["django-setup", "-v", "0"], env)

    def clone_env(self, slot):
        clone = "%s_fl%d" % (self.entry["name"], slot)
        self.make_clone(clone)
        url = self.entry["url"].replace("/" + self.entry["name"], "/" + clone, 1)
        return db_env(self.entry, url, clone, None)


class PostgresHarness(ServerHarness):
    def _connect(self):
        import psycopg2
        e = self.engine_env
        connection = psycopg2.connect(dbname="postgres", host=e.get("FORKLESS_EXAMPLE_DB_HOST") or None,
                                      port=e.get("FORKLESS_EXAMPLE_DB_PORT") or None,
                                      user=e.get("FORKLESS_EXAMPLE_DB_USER") or None,
                                      password=e.get("FORKLESS_EXAMPLE_DB_PASSWORD") or None)
        connection.autocommit = True
        return connection

    def make_clone(self, clone):
        connection = self._connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute('DROP DATABASE IF EXISTS "%s"' % clone)
                cursor.execute('CREATE DATABASE "%s" TEMPLATE "%s"' % (clone, self.entry["name"]))
        finally:
            connection.close()
        self.clones = getattr(self, "clones", []) + [clone]

    def cleanup(self):
        connection = self._connect()
        try:
            with connection.cursor() as cursor:
                for clone in getattr(self, "clones", []) + [self.entry["name"]]:
                    cursor.execute('DROP DATABASE IF EXISTS "%s"' % clone)
        finally:
            connection.close()
        super().cleanup()


class MySQLHarness(ServerHarness):
    def _connect(self, database=None):
        import MySQLdb
        e = self.engine_env
        kwargs = dict(user=e.get("FORKLESS_EXAMPLE_DB_USER") or "root",
                      passwd=e.get("FORKLESS_EXAMPLE_DB_PASSWORD") or "", charset="utf8mb4")
        host = e.get("FORKLESS_EXAMPLE_DB_HOST") or "localhost"
        if host.startswith("/"):
            kwargs["unix_socket"] = host
        else:
            kwargs["host"] = host
            kwargs["port"] = int(e.get("FORKLESS_EXAMPLE_DB_PORT") or 3306)
        if database:
            kwargs["db"] = database
        return MySQLdb.connect(**kwargs)

    def make_clone(self, clone):
        template = self.entry["name"]
        connection = self._connect()
        try:
            cursor = connection.cursor()
            cursor.execute("DROP DATABASE IF EXISTS `%s`" % clone)
            cursor.execute("CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" % clone)
            cursor.execute("SET foreign_key_checks = 0")
            cursor.execute("SHOW FULL TABLES FROM `%s` WHERE Table_type = 'BASE TABLE'" % template)
            for (table, _) in cursor.fetchall():
                cursor.execute("SHOW CREATE TABLE `%s`.`%s`" % (template, table))
                ddl = cursor.fetchone()[1]
                cursor.execute("USE `%s`" % clone)
                cursor.execute(ddl)
                cursor.execute("INSERT INTO `%s`.`%s` SELECT * FROM `%s`.`%s`" % (clone, table, template, table))
            connection.commit()
        finally:
            connection.close()
        self.clones = getattr(self, "clones", []) + [clone]

    def cleanup(self):
        connection = self._connect()
        try:
            cursor = connection.cursor()
            for clone in getattr(self, "clones", []) + [self.entry["name"]]:
                cursor.execute("DROP DATABASE IF EXISTS `%s`" % clone)
        finally:
            connection.close()
        super().cleanup()


class ServerTestsMixin:
    engine = None
    variables = ()
    harness_class = None

    @classmethod
    def setUpClass(cls):
        if not have_django():
            raise unittest.SkipTest("Django is not installed for %s" % PYTHON)
        settings = server_settings(cls.variables)
        if settings is None:
            raise unittest.SkipTest("NO SERVER: set %s to test against a server" % cls.variables[0])
        engine_env = dict(settings, FORKLESS_EXAMPLE_DB=cls.engine,
                          FORKLESS_EXAMPLE_DB_NAME="forkless_pytest_%d" % os.getpid())
        cls.harness = cls.harness_class(engine_env)
        cls.harness.build_server_template()
        # Django's own run while the template exists: their names differ.
        cls.django = django_outcomes(engine_env)

    @classmethod
    def tearDownClass(cls):
        cls.harness.cleanup()

    def test_config_url(self):
        entry = self.harness.entry
        self.assertEqual(entry["engine"], self.engine)
        self.assertTrue(entry["url"].startswith(self.engine + "://"))
        self.assertEqual(entry["name"], "test_forkless_pytest_%d_forkless" % os.getpid())
        self.assertIsNone(entry["method"])

    def test_two_workers_reverse_order_equals_django(self):
        envs = [self.harness.clone_env(slot) for slot in (1, 2)]
        listing, results = self.harness.run_suite(envs, order="reverse")
        self.assertEqual(len(results), len(self.django))
        self.harness.assert_same_outcomes(self, results, self.django)


class PostgresDjangoTests(ServerTestsMixin, unittest.TestCase):
    engine = "postgresql"
    variables = ("FORKLESS_TEST_PG_URL", "FORKLESS_TEST_PG")
    harness_class = PostgresHarness


class MySQLDjangoTests(ServerTestsMixin, unittest.TestCase):
    engine = "mysql"
    variables = ("FORKLESS_TEST_MYSQL_URL", "FORKLESS_TEST_MYSQL")
    harness_class = MySQLHarness


if __name__ == "__main__":
    unittest.main()
