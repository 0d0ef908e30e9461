"""examples/django's settings with several databases, to test topology handling.

- default: SQLite, in-memory test database (method memory), with `replica` as TEST MIRROR;
- third:   SQLite, in-memory test database; depends on default (Django's implicit rule);
- other:   SQLite with a file TEST NAME (method copy) and TEST DEPENDENCIES ['third'];
- other_alt: the same NAME and TEST NAME as other, so it shares other's test database.
"""
import os

from libsite.settings import *  # noqa: F401,F403
from libsite.settings import BASE_DIR

_SQLITE = "django.db.backends.sqlite3"
_OTHER_TEST = os.environ.get("PROBE_OTHER_TEST_NAME", "/tmp/forkless-probe-other.db")

DATABASES = {
    "default": {"ENGINE": _SQLITE, "NAME": BASE_DIR / "db.sqlite3"},
    "replica": {"ENGINE": _SQLITE, "NAME": BASE_DIR / "db.sqlite3", "TEST": {"MIRROR": "default"}},
    "other": {"ENGINE": _SQLITE, "NAME": str(BASE_DIR / "other.sqlite3"),
              "TEST": {"NAME": _OTHER_TEST, "DEPENDENCIES": ["third"]}},
    "other_alt": {"ENGINE": _SQLITE, "NAME": str(BASE_DIR / "other.sqlite3"), "TEST": {"NAME": _OTHER_TEST}},
    "third": {"ENGINE": _SQLITE, "NAME": BASE_DIR / "third.sqlite3"},
}
