"""`python -m forkless SUBCOMMAND ...`: dispatch to the unittest/Django workers and tools.

Imports are deferred so that `unittest` never imports Django.
"""

import sys

USAGE = """usage: python -m forkless SUBCOMMAND [ARGS...]

subcommands:
  unittest [START_DIR] [-p PATTERN] [-t TOP_DIR]   a worker for unittest discovery
  django [--settings MODULE] [LABELS...]           a worker for a Django project's tests
  django-config [--settings MODULE] [LABELS...]    print the databases to provision, as JSON
  django-setup [--settings MODULE]                 build the template databases (migrate)

Each subcommand takes --help.  Workers are started by `forkless run`; see docs/python.md.
"""


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command in ("unittest", "django", "django-config"):
        from .protocol import fast_exit
        fast_exit(_dispatch(command, rest))
    return _dispatch(command, rest)


def _dispatch(command, rest):
    if command == "unittest":
        from .unittest_worker import main as run
    elif command == "django":
        from .django_worker import main as run
    elif command == "django-config":
        from .django_config import config_main as run
    elif command == "django-setup":
        from .django_config import setup_main as run
    else:
        sys.stderr.write("forkless: unknown subcommand %r\n\n%s" % (command, USAGE))
        return 2
    return run(rest)


if __name__ == "__main__":
    sys.exit(main())
