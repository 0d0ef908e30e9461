"""What the Django worker, django-config and django-setup share.

- locating the project: the directory holding manage.py goes on sys.path and its
  DJANGO_SETTINGS_MODULE is used unless --settings or the environment says otherwise;
- the database topology, exactly as Django's own runner computes it
  (django.test.utils.get_unique_databases_and_mirrors): aliases that share one test
  database form a group whose first alias is its *primary*; TEST MIRROR aliases follow
  their target; groups come in TEST DEPENDENCIES order;
- reading a clone from FORKLESS_DB_<ALIAS>, _NAME and _METHOD (docs/protocol.md §6),
  and pointing a group's settings at it before anything connects;
- the SQLite `memory` method: the read-only template image is loaded into a named
  shared-cache in-memory database that Django's sqlite backend then opens like its
  own in-memory test database, kept alive by an "anchor" connection;
- building the test runner the way `manage.py test` does (settings.TEST_RUNNER).
"""

import os
import re
import sqlite3
import sys
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from .protocol import WorkerSetupError

ENV_PREFIX = "FORKLESS_DB_"
SUPPORTED_VENDORS = ("sqlite", "postgresql", "mysql")


class DjangoSetupError(WorkerSetupError):
    """A configuration problem to report in one sentence (no traceback needed)."""


# ---- the project ------------------------------------------------------------------------

_SETTINGS_IN_MANAGE_PY = re.compile(
    r"""DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([A-Za-z_][\w.]*)['"]""")


def settings_from_manage_py(path):
    try:
        with open(path, encoding="utf-8") as handle:
            match = _SETTINGS_IN_MANAGE_PY.search(handle.read())
    except OSError:
        return None
    return match.group(1) if match else None


def locate_project(settings_module=None, pythonpath=(), cwd=None):
    """Put the project on sys.path and choose the settings; return (project_dir, module)."""
    cwd = os.path.abspath(cwd or os.getcwd())
    manage_py = os.path.join(cwd, "manage.py")
    has_manage = os.path.isfile(manage_py)
    for path in [cwd] + [os.path.abspath(p) for p in pythonpath]:
        if path not in sys.path:
            sys.path.insert(0, path)
    module = (settings_module or os.environ.get("DJANGO_SETTINGS_MODULE")
              or (settings_from_manage_py(manage_py) if has_manage else None))
    if not module:
        raise DjangoSetupError(
            "no Django settings: run where manage.py is, pass --settings MODULE or set "
            "DJANGO_SETTINGS_MODULE")
    os.environ["DJANGO_SETTINGS_MODULE"] = module
    return cwd, module


def settings_file(module):
    import importlib.util
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    return spec.origin if spec and spec.origin and os.path.exists(spec.origin) else None


# ---- aliases and environment variables ----------------------------------------------------

def env_key(alias):
    """FORKLESS_DB_<ALIAS>: the alias with ASCII letters upper-cased (as the C side does)."""
    return ENV_PREFIX + "".join(chr(ord(c) - 32) if "a" <= c <= "z" else c for c in alias)


class Clone:
    """One database this worker (or django-setup) must use, from the environment."""

    def __init__(self, alias, url, name, method):
        self.alias, self.url, self.name, self.method = alias, url, name, method
        self.memory = None  # the MemoryDatabase, for the memory method

    @property
    def is_memory(self):
        return self.method == "memory"

    def __repr__(self):
        return "Clone(%r, name=%r, method=%r)" % (self.alias, self.name, self.method)


def name_from_url(url):
    """The file path (sqlite) or database name (servers) a clone URL points at."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if parts.scheme.startswith("sqlite"):
        return path
    return path.lstrip("/")


def clone_from_env(alias, environ=None):
    environ = os.environ if environ is None else environ
    key = env_key(alias)
    url = environ.get(key) or None
    name = environ.get(key + "_NAME") or None
    method = (environ.get(key + "_METHOD") or "").strip().lower() or None
    if url is None and name is None:
        return None
    if method is None and url and url.startswith("sqlite+memory:"):
        method = "memory"
    if name is None:
        name = name_from_url(url)
    return Clone(alias, url, name, method)


# ---- topology (Django's own rules) ----------------------------------------------------------

class Topology:
    """Groups of aliases sharing a test database (primary first) and TEST MIRRORs."""

    def __init__(self, groups, mirrors):
        self.groups = groups        # [[primary, alias, ...], ...] in dependency order
        self.mirrors = mirrors      # {mirror alias: target alias}
        self._primary = {alias: group[0] for group in groups for alias in group}

    @classmethod
    def from_django(cls):
        from django.test.utils import get_unique_databases_and_mirrors
        test_databases, mirrors = get_unique_databases_and_mirrors()
        groups = [list(aliases) for _, aliases in test_databases.values()]
        return cls(groups, dict(mirrors))

    def primary_of(self, alias):
        seen = set()
        while alias in self.mirrors and alias not in seen:
            seen.add(alias)
            alias = self.mirrors[alias]
        return self._primary.get(alias, alias)

    def primaries_for(self, aliases):
        """The primaries (in dependency order) whose test databases `aliases` need."""
        wanted = {self.primary_of(alias) for alias in aliases}
        return [group[0] for group in self.groups if group[0] in wanted]

    def group_of(self, primary):
        for group in self.groups:
            if group[0] == primary:
                return group
        return [primary]


def set_database_name(alias, name):
    """Point one alias at `name` (its settings dict is shared with django.db.connections)."""
    from django.conf import settings
    from django.db import connections
    settings_dict = connections[alias].settings_dict
    settings_dict["NAME"] = name
    settings_dict.setdefault("TEST", {})["NAME"] = name
    if settings.DATABASES.get(alias) is not settings_dict:
        settings.DATABASES[alias]["NAME"] = name
        settings.DATABASES[alias].setdefault("TEST", {})["NAME"] = name


def vendor_of(alias):
    from django.db import connections
    return connections[alias].vendor


# ---- the SQLite `memory` method -----------------------------------------------------------

class MemoryDatabase:
    """A private in-memory copy of a read-only SQLite image, shared with Django.

    The image is copied with the online backup API into the shared-cache in-memory
    database ``file:forkless_<alias>?mode=memory&cache=shared``.  Django's sqlite
    backend recognises that NAME as an in-memory database (`mode=memory`): it keeps its
    connection open for the life of the process and treats the database exactly like
    the in-memory test database it makes itself.  The anchor connection held here
    keeps the database alive whatever Django does with its own connections, and is
    what restore() reloads the image into.
    """

    def __init__(self, alias, image_path):
        self.alias = alias
        self.image_path = os.path.abspath(image_path)
        self.uri = "file:forkless_%s?mode=memory&cache=shared" % quote(alias, safe="")
        if not os.path.isfile(self.image_path):
            raise DjangoSetupError("database %r: the template image %s does not exist"
                                   % (alias, self.image_path))
        self.anchor = sqlite3.connect(self.uri, uri=True, check_same_thread=False)
        self.load()

    def load(self):
        source = sqlite3.connect(Path(self.image_path).as_uri() + "?mode=ro", uri=True)
        try:
            source.backup(self.anchor)
        finally:
            source.close()

    def restore(self):
        """Put the template's content back (after a TransactionTestCase emptied it)."""
        self.load()

    def close(self):
        self.anchor.close()


# ---- wiring a process to its clones -------------------------------------------------------

def wire_clones(topology, environ=None):
    """Point every group that has a clone in the environment at it; return {primary: Clone}.

    Must run before anything connects (before django.setup() ideally).  Memory clones
    are loaded here and returned with a `memory` attribute (MemoryDatabase).
    """
    wired = {}
    for group in topology.groups:
        primary = group[0]
        clone = clone_from_env(primary, environ)
        if clone is None:
            continue
        vendor = vendor_of(primary)
        if vendor == "sqlite":
            if clone.is_memory:
                clone.memory = MemoryDatabase(primary, clone.name)
                name = clone.memory.uri
            else:
                name = os.path.abspath(clone.name)
        elif vendor in ("postgresql", "mysql"):
            if clone.is_memory:
                raise DjangoSetupError("database %r (%s): the memory method is for SQLite only"
                                       % (primary, vendor))
            name = clone.name
        else:
            raise DjangoSetupError(
                "database %r: engine %s is not supported by forkless's Django worker "
                "(supported: %s)" % (primary, vendor, ", ".join(SUPPORTED_VENDORS)))
        for alias in group:
            set_database_name(alias, name)
        wired[primary] = clone
    from django.db import connections
    for mirror, target in topology.mirrors.items():
        if topology.primary_of(target) in wired:
            set_database_name(mirror, connections[target].settings_dict["NAME"])
    return wired


def check_clones_cover(topology, wired, used_aliases):
    """Refuse to run tests against a real database: every used alias needs a clone."""
    missing = [p for p in topology.primaries_for(used_aliases) if p not in wired]
    if missing:
        keys = ", ".join(env_key(p) for p in missing)
        raise DjangoSetupError(
            "the tests use database(s) %s but no clone was given (%s not set); start the "
            "workers with `forkless run --django` so each gets its own test database"
            % (", ".join(repr(p) for p in missing), keys))


# ---- the test runner ------------------------------------------------------------------------

def runner_options(args):
    """DiscoverRunner keyword arguments from the shared command-line options."""
    options = {"verbosity": 0, "interactive": False}
    if getattr(args, "pattern", None):
        options["pattern"] = args.pattern
    if getattr(args, "top_level", None):
        options["top_level"] = args.top_level
    if getattr(args, "tags", None):
        options["tags"] = args.tags
    if getattr(args, "exclude_tags", None):
        options["exclude_tags"] = args.exclude_tags
    if getattr(args, "name_patterns", None):
        options["test_name_patterns"] = args.name_patterns
    if getattr(args, "reverse", False):
        options["reverse"] = True
    if getattr(args, "debug_mode", False):
        options["debug_mode"] = True
    return options


def make_test_runner(args):
    """An instance of settings.TEST_RUNNER (or --testrunner), as `manage.py test` makes."""
    from django.conf import settings
    from django.test.runner import DiscoverRunner
    from django.test.utils import get_runner
    runner_class = get_runner(settings, getattr(args, "testrunner", None))
    if not (isinstance(runner_class, type) and issubclass(runner_class, DiscoverRunner)):
        sys.stderr.write("forkless: test runner %r is not a DiscoverRunner; using DiscoverRunner "
                         "to find the tests\n" % (runner_class,))
        runner_class = DiscoverRunner
    return runner_class(**runner_options(args))


def build_suite(runner, labels):
    """The suite `manage.py test LABELS` runs, in its order (Django's reorder rules)."""
    return runner.build_suite(list(labels) or None)


def used_databases(runner, suite):
    if hasattr(runner, "get_databases"):
        return set(runner.get_databases(suite))
    return set(runner._get_databases(suite))  # pragma: no cover - very old Django


def add_common_arguments(parser):
    """Options shared by `django` and `django-config` (the same as `manage.py test`'s)."""
    parser.add_argument("labels", nargs="*", metavar="LABEL",
                        help="test labels as for `manage.py test` (module, class, method or path)")
    parser.add_argument("--settings", help="settings module (default: DJANGO_SETTINGS_MODULE or manage.py's)")
    parser.add_argument("--pythonpath", action="append", default=[],
                        help="a directory to add to the Python path (repeatable)")
    parser.add_argument("--testrunner", help="test runner class, as `manage.py test --testrunner`")
    parser.add_argument("-p", "--pattern", help="test file pattern (default test*.py)")
    parser.add_argument("-t", "--top-level-directory", dest="top_level", help="top level of the project")
    parser.add_argument("--tag", dest="tags", action="append", help="run only tests with this tag")
    parser.add_argument("--exclude-tag", dest="exclude_tags", action="append", help="skip tests with this tag")
    parser.add_argument("-k", dest="name_patterns", action="append", help="only tests matching the pattern")
    parser.add_argument("-r", "--reverse", action="store_true", help="reverse the order within each kind")
    parser.add_argument("--debug-mode", action="store_true", help="run with settings.DEBUG = True")
