"""Settings of the example lending library (examples/django).

The database engine comes from the environment so that CI runs the same suite against
SQLite (the default; Django's default in-memory test database), PostgreSQL and
MariaDB/MySQL:

    FORKLESS_EXAMPLE_DB        sqlite (default) | postgresql | mysql
    FORKLESS_EXAMPLE_DB_NAME   database name (default forkless_example; tests use test_<name>)
    FORKLESS_EXAMPLE_DB_HOST / _PORT / _USER / _PASSWORD   server connection

The `replica` alias is a TEST MIRROR of `default`, as a read replica would be.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "forkless-example-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "catalog",
    "members",
    "loans",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "libsite.urls"
TEMPLATES = []
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _database():
    engine = os.environ.get("FORKLESS_EXAMPLE_DB", "sqlite").lower()
    name = os.environ.get("FORKLESS_EXAMPLE_DB_NAME", "forkless_example")
    server = {
        "NAME": name,
        "USER": os.environ.get("FORKLESS_EXAMPLE_DB_USER", ""),
        "PASSWORD": os.environ.get("FORKLESS_EXAMPLE_DB_PASSWORD", ""),
        "HOST": os.environ.get("FORKLESS_EXAMPLE_DB_HOST", ""),
        "PORT": os.environ.get("FORKLESS_EXAMPLE_DB_PORT", ""),
    }
    if engine == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
    if engine in ("postgresql", "postgres", "pg"):
        return {"ENGINE": "django.db.backends.postgresql", **server}
    if engine in ("mysql", "mariadb"):
        return {"ENGINE": "django.db.backends.mysql", **server,
                "OPTIONS": {"charset": "utf8mb4"},
                "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}}
    raise ValueError("FORKLESS_EXAMPLE_DB=%r: expected sqlite, postgresql or mysql" % engine)


_default = _database()
DATABASES = {
    "default": _default,
    "replica": {**_default, "TEST": {"MIRROR": "default"}},
}
