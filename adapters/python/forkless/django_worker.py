"""`python -m forkless django`: a protocol worker running a Django project's tests.

What Django's parallel runner does in each of its workers, done by a process the
coordinator spawned with its own database clones:

1. before Django connects anything, point every alias at this worker's clone
   (FORKLESS_DB_<ALIAS>, _NAME, _METHOD): aliases sharing a test database and TEST
   MIRRORs follow their primary, as in django.test.utils.setup_databases; an SQLite
   `memory` clone is loaded from its image into a shared-cache in-memory database;
2. django.setup() and the runner's setup_test_environment();
3. find the tests exactly as `manage.py test LABELS` does (settings.TEST_RUNNER's
   build_suite: same ids, same order — TestCase, then TransactionTestCase and
   SimpleTestCase, then plain unittest); a group is a test class;
4. on `list` (only slot 1 is asked), run the system checks like `manage.py test` (a
   failing check stops the run), then stream the tests;
5. run batches with forkless.runner, with two things Django's runner gets from its
   process layout and this worker must do itself:
   - TransactionTestCase.serialized_rollback: the clone's content is serialized before
     the first TransactionTestCase this worker runs (the database is still pristine
     then) into connection._test_serialized_contents, as create_test_db does;
   - a TestCase run after a TransactionTestCase (which flushes every table when it
     ends) would not find the data of data migrations. Django avoids this by running
     all TestCases first; forkless deals groups longest-first, so before a TestCase
     class that follows a TransactionTestCase the worker restores the clone: the
     memory method reloads the image, other methods empty the tables that have rows
     and load the serialized copy. Each listed test carries its `phase` in Django's
     order, so that a scheduler can deal TestCases first and spare most restores.
"""

import argparse

from .django_support import (Topology, add_common_arguments, build_suite, check_clones_cover,
                             locate_project, make_test_runner, used_databases, wire_clones)
from .protocol import serve
from .runner import BatchRunner
from .unittest_worker import SuiteWorker


def empty_tables(connection):
    """Empty the project's tables that have rows: what `flush` does, minus the tables a
    TransactionTestCase has already emptied (TRUNCATE costs per table on PostgreSQL)."""
    from django.core.management.color import no_style
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        filled = []
        for table in tables:
            cursor.execute("SELECT 1 FROM %s LIMIT 1" % quote(table))
            if cursor.fetchone() is not None:
                filled.append(table)
    if filled:
        statements = connection.ops.sql_flush(no_style(), filled, reset_sequences=False, allow_cascade=True)
        connection.ops.execute_sql_flush(statements)


class DjangoBatchRunner(BatchRunner):
    """BatchRunner that keeps the clones pristine for TestCases (see the module doc)."""

    def __init__(self, tests_by_id, capture, worker):
        super().__init__(tests_by_id, capture)
        self.worker = worker
        self.dirty = False            # a TransactionTestCase has emptied the tables
        self.snapshot = None          # {primary alias: serialized content}, once taken

    def before_class_setup(self, test_class):
        from django.test import TestCase, TransactionTestCase
        if issubclass(test_class, TestCase):
            if self.dirty:
                self.worker.restore_databases(self.snapshot or {})
                self.dirty = False
        elif issubclass(test_class, TransactionTestCase):
            if self.snapshot is None:
                self.snapshot = self.worker.serialize_databases()
            self.dirty = True


class DjangoWorker(SuiteWorker):
    flavour = "django"

    def __init__(self, args):
        super().__init__()
        self.args = args
        self.topology = None
        self.wired = {}
        self.used = set()
        self.test_runner = None
        self.has_test_cases = False
        self.has_serialized_rollback = False

    # -- set-up ---------------------------------------------------------------------------------
    def configure(self):
        """Everything before discovery; called from prepare() (errors become `error`)."""
        import django
        locate_project(self.args.settings, self.args.pythonpath)
        from django.conf import settings
        settings.DATABASES  # noqa: B018 - load the settings now, so errors surface here
        self.topology = Topology.from_django()
        self.wired = wire_clones(self.topology)
        django.setup()
        self.test_runner = make_test_runner(self.args)
        self.test_runner.setup_test_environment()

    def load_suite(self):
        self.configure()
        suite = build_suite(self.test_runner, self.args.labels)
        self.used = used_databases(self.test_runner, suite)
        check_clones_cover(self.topology, self.wired, self.used)
        return suite

    def prepare(self):
        super().prepare()
        from django.test import TestCase, TransactionTestCase
        for _, test in self.ordered:
            cls = type(test)
            if issubclass(cls, TestCase):
                self.has_test_cases = True
            elif issubclass(cls, TransactionTestCase) and getattr(cls, "serialized_rollback", False):
                self.has_serialized_rollback = True

    def make_runner(self, tests_by_id):
        return DjangoBatchRunner(tests_by_id, self.capture, self)

    def list_tests(self):
        if not self.args.no_checks:
            self.run_checks()
        reorder_by = tuple(getattr(self.test_runner, "reorder_by", ()))
        for test_id, group, file, line in super().list_tests():
            # Django's run order: 0 TestCase, 1 TransactionTestCase and SimpleTestCase,
            # 2 plain unittest. A scheduler that deals phase 0 first spares restores.
            cls = type(self.runner.tests_by_id[test_id])
            phase = next((i for i, kind in enumerate(reorder_by) if issubclass(cls, kind)), len(reorder_by))
            yield test_id, group, file, line, {"phase": phase}

    def run_checks(self):
        from django.core.management import call_command
        databases = sorted(self.used)
        try:
            call_command("check", verbosity=0, databases=databases)
        except TypeError:  # pragma: no cover - Django < 3.1 has no `databases`
            call_command("check", verbosity=0)

    # -- keeping the clones pristine -------------------------------------------------------------
    def _wired_used_primaries(self):
        return [p for p in self.topology.primaries_for(self.used) if p in self.wired]

    def serialize_databases(self):
        """Serialize the pristine clones (only what will be needed)."""
        from django.db import connections
        snapshot = {}
        for primary in self._wired_used_primaries():
            clone = self.wired[primary]
            needed_for_restore = self.has_test_cases and not clone.is_memory
            if not (needed_for_restore or self.has_serialized_rollback):
                continue
            connection = connections[primary]
            content = connection.creation.serialize_db_to_string()
            snapshot[primary] = content
            # What create_test_db(serialize=TEST SERIALIZE) leaves for serialized_rollback.
            if connection.settings_dict.get("TEST", {}).get("SERIALIZE", True) is not False:
                connection._test_serialized_contents = content
        return snapshot

    def restore_databases(self, snapshot):
        from django.db import connections
        for primary in self._wired_used_primaries():
            clone = self.wired[primary]
            if clone.memory is not None:
                clone.memory.restore()
            elif primary in snapshot:
                connection = connections[primary]
                empty_tables(connection)
                connection.creation.deserialize_db_from_string(snapshot[primary])

    def close(self):
        super().close()
        try:
            from django.db import connections
            for connection in connections.all():
                connection.close()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        prog="python -m forkless django",
        description="A forkless protocol worker running a Django project's tests "
                    "(started by `forkless run --django`).")
    add_common_arguments(parser)
    parser.add_argument("--no-checks", action="store_true",
                        help="do not run the system checks before listing the tests")
    return parser.parse_args(argv)


def main(argv):
    args = parse_arguments(argv)
    return serve(DjangoWorker(args))

