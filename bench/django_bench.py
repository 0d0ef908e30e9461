#!/usr/bin/env python3
"""Time a Django suite under Django's own runner and under `forkless run --django`.

    /usr/bin/python3 bench/django_bench.py [--suite generated|example] [--copies 8]
        [--workers 1,2] [--repeat 3] [--migrations 0] [--forkless build-x/forkless]
        [--engine sqlite|postgresql|mysql]

--suite generated (the default) writes a scratch project whose suite is the one issue 6
names: 50 TestCase classes x 40 database tests (setUpTestData, then each test writes and
queries) plus 50 SimpleTestCase classes x 40 no-op tests, 4,000 tests. --suite example
times examples/django instead (302 tests, real database work: TestCase with
setUpTestData, TransactionTestCase, the test client); --copies K duplicates its test
modules K times so that per-test work and not start-up dominates. --migrations M adds an
app whose model got its shape through M migrations (real projects replay long
histories). For each worker count it times, wall clock, median of --repeat:

  django serial       manage.py test                      (creates + migrates its test DB)
  django --parallel N manage.py test --parallel N         (fork; clones N test DBs)
  forkless cold       forkless run -j N --django --rebuild (template built by migrate)
  forkless warm       forkless run -j N --django           (template reused from the cache)

and prints one table. Every run must pass (exit status 0), or the bench stops. For
server engines, pass the example's variables (FORKLESS_EXAMPLE_DB_HOST, ...) in the
environment. Figures go to docs/python.md with the command that produced them.
"""

import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "django")
PYTHON = "/usr/bin/python3"


def find_forkless(explicit):
    if explicit:
        return os.path.abspath(explicit)
    candidates = [p for p in glob.glob(os.path.join(ROOT, "build*", "forkless")) if os.access(p, os.X_OK)]
    if candidates:
        return max(candidates, key=os.path.getmtime)
    return shutil.which("forkless")


MIGRATION = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ledger", "%(previous)s")]
    operations = [migrations.AddField("entry", "field_%(number)d", models.IntegerField(default=%(number)d))]
"""


def add_migration_history(project, count):
    """An app `ledger` whose model reached its shape through `count` migrations.

    Real projects carry long migration histories that Django's runner replays on every
    run (without --keepdb); the example's own history is a handful of migrations.
    """
    app = os.path.join(project, "ledger")
    os.makedirs(os.path.join(app, "migrations"))
    open(os.path.join(app, "__init__.py"), "w").close()
    open(os.path.join(app, "migrations", "__init__.py"), "w").close()
    with open(os.path.join(app, "models.py"), "w") as models_py:
        models_py.write("from django.db import models\n\n\nclass Entry(models.Model):\n"
                        "    label = models.CharField(max_length=20)\n")
        for number in range(1, count + 1):
            models_py.write("    field_%d = models.IntegerField(default=%d)\n" % (number, number))
    with open(os.path.join(app, "migrations", "0001_initial.py"), "w") as first:
        first.write("from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
                    "    initial = True\n    dependencies = []\n    operations = [migrations.CreateModel("
                    "'Entry', [('id', models.BigAutoField(auto_created=True, primary_key=True)), "
                    "('label', models.CharField(max_length=20))])]\n")
    previous = "0001_initial"
    for number in range(1, count + 1):
        name = "%04d_field_%d" % (number + 1, number)
        with open(os.path.join(app, "migrations", name + ".py"), "w") as migration:
            migration.write(MIGRATION % {"previous": previous, "number": number})
        previous = name
    settings = glob.glob(os.path.join(project, "*", "settings.py"))[0]
    with open(settings) as handle:
        text = handle.read()
    with open(settings, "w") as handle:  # examples/django's list, or the generated one
        handle.write(text.replace('    "loans",\n]', '    "loans",\n    "ledger",\n]')
                     .replace('"shelf"]', '"shelf", "ledger"]'))


GENERATED_SETTINGS = """import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "forkless-bench-not-secret"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "shelf"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ENGINE = os.environ.get("FORKLESS_EXAMPLE_DB", "sqlite").lower()
SERVER = {key: os.environ.get("FORKLESS_EXAMPLE_DB_" + key, "") for key in ("USER", "PASSWORD", "HOST", "PORT")}
if ENGINE == "sqlite":
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
elif ENGINE in ("postgresql", "postgres", "pg"):
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "forkless_bench", **SERVER}}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.mysql", "NAME": "forkless_bench", **SERVER,
                             "OPTIONS": {"charset": "utf8mb4"}, "TEST": {"CHARSET": "utf8mb4"}}}
"""

GENERATED_MODELS = """from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)


class Book(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    title = models.CharField(max_length=200)
    pages = models.IntegerField(default=100)
"""

GENERATED_MIGRATION = """from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel("Author", [
            ("id", models.BigAutoField(auto_created=True, primary_key=True)),
            ("name", models.CharField(max_length=100))]),
        migrations.CreateModel("Book", [
            ("id", models.BigAutoField(auto_created=True, primary_key=True)),
            ("title", models.CharField(max_length=200)),
            ("pages", models.IntegerField(default=100)),
            ("author", models.ForeignKey(on_delete=models.CASCADE, related_name="books", to="shelf.author"))]),
    ]
"""

GENERATED_DB_CLASS = """from django.test import TestCase

from shelf.models import Author, Book


class DatabaseTests%(number)02d(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.author = Author.objects.create(name="author %(number)d")
        Book.objects.bulk_create([Book(author=cls.author, title="book %%d" %% i, pages=i) for i in range(5)])
%(tests)s"""

GENERATED_DB_TEST = """
    def test_%(number)02d(self):
        Book.objects.create(author=self.author, title="new %(number)d", pages=%(number)d)
        self.assertEqual(self.author.books.count(), 6)
        self.assertEqual(Book.objects.filter(pages__gte=%(number)d).count(), 1 + max(0, 5 - %(number)d))
"""

GENERATED_SIMPLE_CLASS = """from django.test import SimpleTestCase


class SimpleTests%(number)02d(SimpleTestCase):
%(tests)s"""

GENERATED_SIMPLE_TEST = """
    def test_%(number)02d(self):
        pass
"""


def generated_project(into, classes=50, tests=40):
    """The suite issue 6 names: `classes` TestCase classes of `tests` database tests each
    and as many SimpleTestCase classes of no-op tests, in a fresh project."""
    project = os.path.join(into, "project")
    files = {
        "manage.py": "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'benchsite.settings')\n"
                     "from django.core.management import execute_from_command_line\n"
                     "execute_from_command_line(sys.argv)\n",
        "benchsite/__init__.py": "",
        "benchsite/settings.py": GENERATED_SETTINGS,
        "shelf/__init__.py": "",
        "shelf/models.py": GENERATED_MODELS,
        "shelf/migrations/__init__.py": "",
        "shelf/migrations/0001_initial.py": GENERATED_MIGRATION,
        "shelf/tests/__init__.py": "",
    }
    for number in range(classes):
        files["shelf/tests/test_db_%02d.py" % number] = GENERATED_DB_CLASS % {
            "number": number, "tests": "".join(GENERATED_DB_TEST % {"number": n} for n in range(tests))}
        files["shelf/tests/test_simple_%02d.py" % number] = GENERATED_SIMPLE_CLASS % {
            "number": number, "tests": "".join(GENERATED_SIMPLE_TEST % {"number": n} for n in range(tests))}
    for name, text in files.items():
        path = os.path.join(project, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write(text)
    return project


def scaled_project(copies, into, migrations=0):
    """A copy of examples/django whose test modules appear `copies` times."""
    project = os.path.join(into, "project")
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".forkless", "__pycache__", "*.sqlite3"))
    if migrations:
        add_migration_history(project, migrations)
    modules = glob.glob(os.path.join(project, "*", "tests", "test_*.py")) + \
        glob.glob(os.path.join(project, "*", "tests.py"))
    for module in modules:
        directory, name = os.path.split(module)
        stem = name[:-3] if name.startswith("test_") else "test_" + name[:-3]
        for number in range(1, copies):
            shutil.copyfile(module, os.path.join(directory, "%s_copy%d.py" % (stem, number)))
    return project


def timed(argv, cwd, env):
    started = time.monotonic()
    completed = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    elapsed = time.monotonic() - started
    if completed.returncode != 0:
        sys.stderr.write("bench: %s failed (%d):\n%s\n" % (
            " ".join(argv), completed.returncode, completed.stdout.decode(errors="replace")[-3000:]))
        sys.exit(1)
    return elapsed, completed.stdout.decode(errors="replace")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", choices=("generated", "example"), default="generated",
                        help="the generated 4,000-test suite (default) or examples/django")
    parser.add_argument("--copies", type=int, default=8,
                        help="--suite example: times each test module appears (default 8)")
    parser.add_argument("--workers", default="1,2", help="worker counts, comma-separated (default 1,2)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the median is shown")
    parser.add_argument("--forkless", help="the forkless binary (default: the newest build*/forkless)")
    parser.add_argument("--engine", default=os.environ.get("FORKLESS_EXAMPLE_DB", "sqlite"))
    parser.add_argument("--migrations", type=int, default=0,
                        help="add an app with this many migrations (a long migration history)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch project")
    args = parser.parse_args()
    forkless = find_forkless(args.forkless)
    if not forkless:
        sys.exit("bench: no forkless binary (build one, or pass --forkless)")
    workers = [int(n) for n in args.workers.split(",")]
    scratch = tempfile.mkdtemp(prefix="forkless-django-bench-")
    env = dict(os.environ, FORKLESS_EXAMPLE_DB=args.engine,
               PYTHONPATH=os.path.join(ROOT, "adapters", "python"))
    env.pop("FORKLESS_CHANNEL", None)
    try:
        if args.suite == "generated":
            project = generated_project(scratch)
            if args.migrations:
                add_migration_history(project, args.migrations)
        else:
            project = scaled_project(args.copies, scratch, args.migrations)
        state = os.path.join(scratch, "state")
        fl_common = [forkless, "run", "--progress=never", "--state-dir=" + state, "--django",
                     "--python=" + PYTHON]
        configs = [("django serial", 1, [PYTHON, "manage.py", "test", "--noinput"])]
        for n in workers:
            if n > 1:
                configs.append(("django --parallel", n,
                                [PYTHON, "manage.py", "test", "--noinput", "--parallel", str(n)]))
            configs.append(("forkless cold", n, fl_common[:2] + ["-j", str(n)] + fl_common[2:] + ["--rebuild"]))
            configs.append(("forkless warm", n, fl_common[:2] + ["-j", str(n)] + fl_common[2:]))

        total = None
        _, out = timed([PYTHON, "manage.py", "test", "--noinput"], project, env)
        for line in out.splitlines():
            if line.startswith("Ran "):
                total = int(line.split()[1])
        suite = "generated suite" if args.suite == "generated" else \
            "%d copies of examples/django's modules" % args.copies
        print("bench: %d tests (%s), %d extra migrations, engine %s, forkless %s"
              % (total or -1, suite, args.migrations, args.engine, forkless), file=sys.stderr)
        timed(fl_common, project, env)  # builds the template once, so "warm" is warm
        # Rounds interleave the configurations, so a change of machine load hits all alike.
        times = {index: [] for index in range(len(configs))}
        for round_number in range(args.repeat):
            for index, (label, n, argv) in enumerate(configs):
                elapsed, _ = timed(argv, project, env)
                times[index].append(elapsed)
                print("  round %d  %-18s -j %-2d %6.2f s" % (round_number + 1, label, n, elapsed), file=sys.stderr)
        rows = [(label, n, statistics.median(times[i]), min(times[i]))
                for i, (label, n, _) in enumerate(configs)]
        cpu = os.cpu_count()
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print("\n%d tests, %d extra migrations, engine %s, %d CPUs (load average %.1f at the end), "
              "median of %d runs (wall clock, seconds)\n"
              % (total or -1, args.migrations, args.engine, cpu, load, args.repeat))
        # The yardstick: each median over Django's --parallel median at the same N.
        reference = {n: median for label, n, median, _ in rows if label == "django --parallel"}
        print("| runner | workers | median | min | median / django --parallel |")
        print("|---|---|---|---|---|")
        for label, n, median, minimum in rows:
            ratio = "%.2fx" % (median / reference[n]) if n in reference and label.startswith("forkless") else ""
            print("| %s | %d | %.2f | %.2f | %s |" % (label, n, median, minimum, ratio))
    finally:
        if args.keep:
            print("bench: scratch project kept in %s" % scratch, file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
