"""A cache for `django-config`, so that a run does not pay one more Django start-up.

`django-config` imports Django, sets the project up and discovers the tests: about a
third of a second for the example project, on the critical path of every `forkless
run --django` (the workers cannot start before the databases are known). Its answer
only changes when its inputs do, and the inputs are known precisely:

- the command line, the working directory, the interpreter, and the environment
  (settings often read it: FORKLESS_EXAMPLE_DB, DATABASE_URL...), less a few variables
  that change between shells without meaning anything (SHLVL, OLDPWD, ...);
- every module file the computation imported (Django, the settings, the apps, the test
  modules), by path, size and modification time;
- every directory of the project, by modification time (a new test module or package
  changes its directory's), and every file directly in the project directory and in the
  settings module's directory (`.env` files that settings read live there).

The cache is `.forkless/django-config.json` under the project: the key of the first
group, the stamps of the second and third, and the answer. A run whose key matches and
whose stamps are all unchanged gets the stored answer without importing Django
(a few milliseconds of stat calls). FORKLESS_DJANGO_CONFIG_CACHE=0 turns it off.
What it cannot see: files that the settings read from elsewhere (say /etc/app.json).

Stamps are taken after the answer is computed, so a file saved while it was being
computed would be stamped with its new time next to an answer built from its old content.
An answer is therefore kept only when no stamp is newer than the moment the computation
began (less RACY_MARGIN_NS, for file systems whose clock ticks coarsely: Linux's is a few
milliseconds; FAT's two seconds and HFS+'s one are not covered); the next run computes
it again.

`forkless run` keeps a second copy, so that an unchanged project does not even pay this
interpreter's start: it passes FORKLESS_LAUNCH_CACHE (a path) and FORKLESS_LAUNCH_KEY (its
own key over the command, directory and environment it runs this with), and the answer
is written there with the same stamps (store_for_launcher); the coordinator checks the
key and the stamps itself (src/core/adapters.c).
"""

import hashlib
import json
import os
import sys
import time

from . import __version__

CACHE_NAME = "django-config.json"
VOLATILE_VARIABLES = {"_", "OLDPWD", "SHLVL", "PWD", "COLUMNS", "LINES", "TERM_SESSION_ID", "WINDOWID",
                      "SSH_AUTH_SOCK", "SSH_AGENT_PID", "SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY",
                      "FORKLESS_RUN_ID", "FORKLESS_WORKER", "FORKLESS_WORKERS",
                      "FORKLESS_LAUNCH_CACHE", "FORKLESS_LAUNCH_KEY"}
LAUNCH_CACHE_VARIABLE = "FORKLESS_LAUNCH_CACHE"
LAUNCH_KEY_VARIABLE = "FORKLESS_LAUNCH_KEY"
SKIPPED_DIRECTORIES = {"__pycache__", "node_modules"}


RACY_MARGIN_NS = 20 * 1000 * 1000


def now_ns():
    return time.time_ns()


def make_state_directory(project_dir, name):
    """Create the project's state directory before the computation starts, and return the
    stamp this gave the project directory ({path: stamp}), which settled() then knows is
    ours and not a sign of a concurrent change."""
    path = os.path.join(project_dir, name)
    if os.path.isdir(path):
        return {}
    os.makedirs(path, exist_ok=True)
    try:  # as forkless itself does (src/core/util.c): nothing in it is source
        with open(os.path.join(path, ".gitignore"), "x") as ignore:
            ignore.write("# Created by forkless: its state (durations, templates, caches) is not source.\n*\n")
    except OSError:
        pass
    return {project_dir: _stamp(project_dir)}


def settled(stamps, started_ns, ours=None):
    """True when no stamped file changed since the computation began (see the module doc)."""
    ours = ours or {}
    for path, stamp in stamps.items():
        if ours.get(path) == stamp:
            continue
        if stamp[0] >= started_ns - RACY_MARGIN_NS:
            return False
    return True


def cache_enabled(environ=None):
    environ = os.environ if environ is None else environ
    return environ.get("FORKLESS_DJANGO_CONFIG_CACHE", "1").strip().lower() not in ("0", "no", "false", "off")


def request_key(argv, cwd, environ=None):
    """What identifies a request, besides the files: command, place, interpreter, environment."""
    environ = os.environ if environ is None else environ
    digest = hashlib.sha256()
    for part in (__version__, sys.executable, sys.version, cwd, json.dumps(list(argv))):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    for name in sorted(environ):
        if name not in VOLATILE_VARIABLES:
            digest.update(("%s=%s" % (name, environ[name])).encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()


def _stamp(path):
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_mtime_ns, info.st_size]


def project_directories(project_dir):
    """The project's directories, hidden ones, caches and virtual environments left out."""
    for root, dirs, files in os.walk(project_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRECTORIES
                   and not os.path.exists(os.path.join(root, d, "pyvenv.cfg"))]
        yield root


def collect_stamps(project_dir, settings_directory):
    """Stamps of everything the answer may depend on (called after computing it)."""
    paths = {os.path.realpath(sys.executable)} if sys.executable else set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if path:
            paths.add(os.path.abspath(path))
    paths.update(project_directories(project_dir))
    for directory in filter(None, {project_dir, settings_directory}):
        try:
            for entry in os.scandir(directory):
                if entry.is_file():
                    paths.add(entry.path)
        except OSError:
            pass
    stamps = {}
    for path in sorted(paths):
        stamp = _stamp(path)
        if stamp is not None:
            stamps[path] = stamp
    return stamps


def cache_path(project_dir):
    return os.path.join(project_dir, ".forkless", CACHE_NAME)


def load(project_dir, key):
    """The stored answer if the key matches and no stamped file changed, else None."""
    entry = load_entry(project_dir, key)
    return entry["config"] if entry else None


def load_entry(project_dir, key):
    """The stored entry ({key, stamps, config}) if it is still valid, else None."""
    try:
        with open(cache_path(project_dir), encoding="utf-8") as handle:
            entry = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    stamps = entry.get("stamps")
    if not isinstance(stamps, dict) or not stamps:
        return None
    for path, stamp in stamps.items():
        if _stamp(path) != stamp:
            return None
    return entry if isinstance(entry.get("config"), dict) else None


def store(project_dir, key, stamps, config):
    """Write the cache entry atomically; a failure to write is not an error."""
    _write_entry(cache_path(project_dir), key, stamps, config)


def store_for_launcher(stamps, config, environ=None):
    """Leave the answer where `forkless run` asked for it (see the module doc), if it did."""
    environ = os.environ if environ is None else environ
    path, key = environ.get(LAUNCH_CACHE_VARIABLE), environ.get(LAUNCH_KEY_VARIABLE)
    if path and key and stamps:
        # The coordinator also checks that its --python still finds this interpreter.
        _write_entry(path, key, stamps, config, interpreter=os.path.realpath(sys.executable))


def _write_entry(path, key, stamps, config, **extra):
    partial = "%s.%d.partial" % (path, os.getpid())
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(partial, "w", encoding="utf-8") as handle:
            json.dump(dict({"key": key, "stamps": stamps, "config": config}, **extra), handle)
        os.replace(partial, path)
    except OSError:
        try:
            os.remove(partial)
        except OSError:
            pass
