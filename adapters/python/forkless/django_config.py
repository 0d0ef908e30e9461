"""`django-config` and `django-setup`: the databases of a Django project, for the coordinator.

`python -m forkless django-config [--settings M] [LABELS...]` prints one JSON object on
stdout (and nothing else: anything the project prints goes to stderr) describing what
`forkless run --django` must provision:

    {"settings_module": "libsite.settings", "project_dir": "/abs/project",
     "python": "/usr/bin/python3", "pythonpath": "/abs/adapters/python",
     "databases": [{"alias": "default", "env": "FORKLESS_DB_DEFAULT", "engine": "sqlite",
                    "url": "sqlite:///abs/project/.forkless/django-default.db",
                    "name": "/abs/project/.forkless/django-default.db", "method": "memory",
                    "aliases": ["default"], "mirrors": ["replica"]}, ...],
     "setup": ["/usr/bin/python3", "-m", "forkless", "django-setup", "--settings", "libsite.settings"],
     "worker": ["/usr/bin/python3", "-m", "forkless", "django", "--settings", "libsite.settings"],
     (the coordinator appends the labels and options it gave django-config)
     "setup_inputs": ["/abs/project/catalog/migrations/*.py", ..., "/abs/project/libsite/settings.py"]}

One entry per test database the selected tests need (Django's rules: aliases sharing a
database and TEST MIRRORs are not listed, they follow their primary; entries come in
TEST DEPENDENCIES order). The template is named after Django's test database but never
is it, so that `manage.py test` and forkless can be used side by side: on a server,
TEST NAME (or `test_` + NAME) + `_forkless`; for SQLite a file
`.forkless/django-<alias>.db` under the project, with method `memory` when Django's
test database would be in memory (workers keep in-memory speed) and `copy` when TEST
NAME is a file. Server URLs carry USER, PASSWORD, HOST and PORT from the settings,
percent-quoted.

`python -m forkless django-setup [--settings M] [--keepdb]` builds the templates the
environment names (FORKLESS_DB_<ALIAS>, _NAME): Django's own create_test_db with the
template as TEST NAME — the database is created (dropped first if it exists, unless
--keepdb), migrated with run_syncdb, and gets its cache tables. SQLite templates are
built in memory like Django's test database and written out with VACUUM INTO
(rollback-journal mode, no free pages).
"""

import argparse
import glob
import importlib.util
import inspect
import json
import os
import sqlite3
import sys
from urllib.parse import quote

from . import config_cache
from .django_support import (DjangoSetupError, Topology, add_common_arguments, build_suite, clone_from_env,
                             env_key, locate_project, make_test_runner, settings_file, used_databases)

FORKLESS_DIR = ".forkless"
TEMPLATE_SUFFIX = "_forkless"


# ---- django-config ----------------------------------------------------------------------------

def is_memory_name(name):
    """Whether an SQLite TEST NAME means Django's in-memory test database."""
    text = "" if name is None else str(name)
    return text in ("", ":memory:") or "mode=memory" in text


# Django OPTIONS that are connection parameters the C side understands, by engine.
_MYSQL_OPTIONS = {"charset": "charset", "unix_socket": "socket", "read_default_file": "read_default_file",
                  "read_default_group": "read_default_group", "connect_timeout": "connect_timeout"}
_POSTGRES_NOT_LIBPQ = {"isolation_level", "server_side_binding", "pool", "assume_role", "cursor_factory",
                       "client_encoding"}


def url_parameters(vendor, options):
    """Django OPTIONS that carry over to the URL's query, as (key, value) pairs."""
    pairs = []
    for key, value in sorted((options or {}).items()):
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            continue
        if vendor == "mysql" and key in _MYSQL_OPTIONS:
            pairs.append((_MYSQL_OPTIONS[key], str(value)))
        elif vendor == "postgresql" and key not in _POSTGRES_NOT_LIBPQ:
            pairs.append((key, str(value)))  # libpq connection parameters (sslmode, ...)
    return pairs


def server_url(vendor, settings_dict, database):
    """postgresql://user:password@host:port/name?params or mysql://..., percent-quoted."""
    scheme, socket_parameter = {"postgresql": ("postgresql", "host"), "mysql": ("mysql", "socket")}[vendor]
    user = quote(str(settings_dict.get("USER") or ""), safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    host = str(settings_dict.get("HOST") or "")
    port = str(settings_dict.get("PORT") or "")
    credentials = user + (":" + password if password else "")
    parameters = url_parameters(vendor, settings_dict.get("OPTIONS"))
    if host.startswith("/"):  # a Unix socket directory (PostgreSQL) or file (MySQL)
        parameters.insert(0, (socket_parameter, host))
        host = ""
    elif ":" in host and not host.startswith("["):
        host = "[%s]" % host  # IPv6 literal
    netloc = (credentials + "@" if credentials else "") + host + (":" + port if port else "")
    query = "&".join("%s=%s" % (quote(k, safe=""), quote(v, safe="")) for k, v in parameters)
    return "%s://%s/%s%s" % (scheme, netloc, quote(database, safe=""), "?" + query if query else "")


def describe_database(primary, topology, project_dir):
    """The JSON entry of one test database (raises DjangoSetupError for other engines)."""
    from django.db import connections
    connection = connections[primary]
    settings_dict = connection.settings_dict
    vendor = connection.vendor
    test_name = settings_dict.get("TEST", {}).get("NAME")
    if vendor == "sqlite":
        # Not Django's own test file: `manage.py test` deletes that one when it ends.
        path = os.path.join(project_dir, FORKLESS_DIR, "django-%s.db" % primary)
        method = "memory" if is_memory_name(test_name) else "copy"
        url = "sqlite://" + quote(path, safe="/")
        name = path
    elif vendor in ("postgresql", "mysql"):
        # Django's test database name plus a suffix: `manage.py test` drops and re-creates
        # its own test database, and could not drop a database marked as a template.
        name = (test_name or "test_" + str(settings_dict["NAME"])) + TEMPLATE_SUFFIX
        url = server_url(vendor, settings_dict, name)
        method = None
    group = topology.group_of(primary)
    mirrors = sorted(m for m in topology.mirrors if topology.primary_of(m) == primary)
    return {"alias": primary, "env": env_key(primary), "engine": vendor, "url": url, "name": name,
            "method": method, "aliases": group, "mirrors": mirrors}


def module_directory(module_name):
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def setup_inputs(settings_module):
    """Globs of every file whose change must rebuild the templates."""
    import django
    from django.apps import apps
    from django.conf import settings
    from django.db.migrations.loader import MigrationLoader
    migrate_off = any(d.get("TEST", {}).get("MIGRATE") is False for d in settings.DATABASES.values())
    inputs = []
    for app_config in apps.get_app_configs():
        module_name, _ = MigrationLoader.migrations_module(app_config.label)
        directory = module_directory(module_name) if module_name else None
        if directory:
            inputs.append(os.path.join(directory, "*.py"))
        if directory is None or migrate_off:
            # Tables made by run_syncdb straight from the models.
            inputs.append(os.path.join(app_config.path, "models.py"))
            inputs.append(os.path.join(app_config.path, "models", "*.py"))
    module_file = settings_file(settings_module)
    if module_file:
        inputs.append(os.path.abspath(module_file))
    inputs.append(os.path.abspath(django.__file__))  # another Django, other migrations
    return [path for path in inputs if glob.glob(path)]


def adapter_pythonpath():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def collect_config(args):
    project_dir, module = locate_project(args.settings, args.pythonpath)
    import django
    from django.conf import settings
    settings.DATABASES  # noqa: B018 - import errors in the settings surface here
    django.setup()
    topology = Topology.from_django()
    if args.all_databases:
        used = {alias for group in topology.groups for alias in group}
    else:
        runner = make_test_runner(args)
        used = used_databases(runner, build_suite(runner, args.labels))
    primaries = topology.primaries_for(used)
    databases = [describe_database(p, topology, project_dir) for p in primaries]
    setup_arguments = ["--settings", module]
    for path in args.pythonpath:
        setup_arguments += ["--pythonpath", os.path.abspath(path)]
    return {
        "settings_module": module,
        "project_dir": project_dir,
        "python": sys.executable,
        "pythonpath": adapter_pythonpath(),
        "django_version": django.get_version(),
        "databases": databases,
        "setup": [sys.executable, "-m", "forkless", "django-setup"] + setup_arguments,
        # The coordinator appends the arguments it gave django-config (labels, options).
        "worker": [sys.executable, "-m", "forkless", "django"] + setup_arguments,
        "setup_inputs": setup_inputs(module),
    }


def config_main(argv):
    parser = argparse.ArgumentParser(
        prog="python -m forkless django-config",
        description="Print, as one JSON object, the test databases a Django project needs.")
    add_common_arguments(parser)
    parser.add_argument("--all-databases", action="store_true",
                        help="every database in the settings, not only those the tests use "
                             "(skips test discovery)")
    parser.add_argument("--no-cache", action="store_true",
                        help="compute the answer even if .forkless/django-config.json has it")
    args = parser.parse_args(argv)
    # Only the JSON goes to stdout: whatever the project prints goes to stderr.
    sys.stdout.flush()
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    project_dir = os.path.abspath(os.getcwd())
    use_cache = config_cache.cache_enabled() and not args.no_cache
    key = config_cache.request_key(argv, project_dir) if use_cache else None
    entry = config_cache.load_entry(project_dir, key) if use_cache else None
    if entry is not None:
        config, stamps = entry["config"], entry["stamps"]
    else:
        ours = config_cache.make_state_directory(project_dir, FORKLESS_DIR) if use_cache else {}
        started_ns = config_cache.now_ns()
        try:
            config = collect_config(args)
        except DjangoSetupError as exc:
            sys.stderr.write("forkless django-config: %s\n" % exc)
            return 2
        stamps = None
        if use_cache:
            module_file = settings_file(config["settings_module"])
            stamps = config_cache.collect_stamps(project_dir, os.path.dirname(module_file) if module_file else None)
            if config_cache.settled(stamps, started_ns, ours):
                config_cache.store(project_dir, key, stamps, config)
            else:  # a file changed while the answer was computed: neither cache keeps it
                stamps = None
    if use_cache:
        config_cache.store_for_launcher(stamps, config)
    json.dump(config, out, indent=None)
    out.write("\n")
    out.close()
    return 0


# ---- django-setup -----------------------------------------------------------------------------

def templates_from_env(topology):
    """{primary: Clone} for every primary whose template the environment names."""
    templates = {}
    for group in topology.groups:
        clone = clone_from_env(group[0])
        if clone is not None:
            templates[group[0]] = clone
    return templates


def point_test_names_at_templates(templates, keepdb):
    """Make Django's test database name (TEST NAME) the template's; don't serialize.

    An SQLite template is built in memory (Django's own in-memory test database: no
    fsync per migration) and written to its file at the end; with --keepdb an existing
    file is migrated in place.
    """
    from django.db import connections
    from .django_support import vendor_of
    in_memory = set()
    for primary, clone in templates.items():
        settings_dict = connections[primary].settings_dict
        test = settings_dict.setdefault("TEST", {})
        if vendor_of(primary) == "sqlite":
            path = os.path.abspath(clone.name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if keepdb and os.path.exists(path):
                test["NAME"] = path
            else:
                test["NAME"] = None
                in_memory.add(primary)
        else:
            test["NAME"] = clone.name
        test["SERIALIZE"] = False
    return in_memory


def write_sqlite_image(connection, path):
    """Write an in-memory database to `path`, compacted, replacing the file atomically."""
    connection.ensure_connection()
    raw = connection.connection
    partial = "%s.partial-%d" % (path, os.getpid())
    if os.path.exists(partial):
        os.remove(partial)
    try:
        raw.execute("VACUUM INTO ?", (partial,))
    except sqlite3.OperationalError:  # SQLite < 3.27
        target = sqlite3.connect(partial)
        try:
            raw.backup(target)
        finally:
            target.close()
    os.replace(partial, path)


def finish_sqlite_image(path, vacuum):
    """Rollback-journal mode (loads everywhere, protocol §6) and no free pages."""
    connection = sqlite3.connect(path)
    try:
        if connection.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
            connection.execute("PRAGMA journal_mode=DELETE")
        if vacuum:
            connection.execute("VACUUM")
    finally:
        connection.close()


def drop_empty_server_templates(templates):
    """Drop the empty databases forkless created for the build, so that Django creates them
    itself (honouring TEST CHARSET, COLLATION, TEMPLATE) without first printing "Got an
    error creating the test database: ... already exists" and destroying them."""
    from django.db import connections
    from .django_support import vendor_of
    for primary, clone in templates.items():
        if vendor_of(primary) == "sqlite":
            continue
        try:
            connections[primary].creation._destroy_test_db(clone.name, verbosity=0)
        except Exception:  # noqa: BLE001 - absent already: Django creates it below either way
            pass


def build_templates(args):
    locate_project(args.settings, args.pythonpath)
    import django
    from django.conf import settings
    settings.DATABASES  # noqa: B018
    topology = Topology.from_django()
    templates = templates_from_env(topology)
    if not templates:
        raise DjangoSetupError("no template to build: no FORKLESS_DB_<ALIAS> variable names one "
                               "of the databases %s" % ", ".join(g[0] for g in topology.groups))
    in_memory = point_test_names_at_templates(templates, args.keepdb)
    django.setup()
    from django.db import connections
    from django.test.utils import setup_databases
    if not args.keepdb:
        drop_empty_server_templates(templates)
    options = dict(time_keeper=None, keepdb=args.keepdb, debug_sql=False, parallel=0,
                   aliases=set(templates))
    if "serialized_aliases" in inspect.signature(setup_databases).parameters:
        options["serialized_aliases"] = set()
    setup_databases(args.verbosity, False, **options)
    for primary in in_memory:
        write_sqlite_image(connections[primary], os.path.abspath(templates[primary].name))
    for connection in connections.all():
        connection.close()
    from .django_support import vendor_of
    for primary, clone in templates.items():
        if vendor_of(primary) == "sqlite":
            finish_sqlite_image(os.path.abspath(clone.name), vacuum=primary not in in_memory)
    return templates


def setup_main(argv):
    parser = argparse.ArgumentParser(
        prog="python -m forkless django-setup",
        description="Build the template test databases named by FORKLESS_DB_<ALIAS>/_NAME: "
                    "create them and run the migrations.")
    parser.add_argument("--settings", help="settings module (default: DJANGO_SETTINGS_MODULE or manage.py's)")
    parser.add_argument("--pythonpath", action="append", default=[], help="a directory to add to the Python path")
    parser.add_argument("--keepdb", action="store_true",
                        help="migrate an existing template instead of re-creating it")
    parser.add_argument("-v", "--verbosity", type=int, default=1, choices=[0, 1, 2, 3])
    args = parser.parse_args(argv)
    try:
        templates = build_templates(args)
    except DjangoSetupError as exc:
        sys.stderr.write("forkless django-setup: %s\n" % exc)
        return 2
    if args.verbosity:
        for primary, clone in templates.items():
            sys.stderr.write("forkless django-setup: template for %r ready: %s\n" % (primary, clone.name))
    return 0
