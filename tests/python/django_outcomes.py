"""Run a Django project's tests with Django's own runner and report every test's outcome.

    /usr/bin/python3 tests/python/django_outcomes.py [--project examples/django]
        [--output FILE] [--list] [-- EXTRA manage.py test ARGUMENTS (e.g. --parallel 2, labels)]

prints (or writes to FILE) one JSON object per test, in the order Django ran them:

    {"id": "catalog.tests.test_models.BookModelTests.test_count", "group": "...BookModelTests",
     "status": "pass"}

with the statuses forkless uses (pass, fail, error, skip, xfail, xpass). A test with a
failing subtest is `fail` (`error` if a subtest raised), and the tests of a class whose
setUpClass failed are `error` (`skip` if it raised SkipTest), as forkless reports
them, so the two runs can be compared test by test. With --list it prints the ids
`manage.py test` would run (DiscoverRunner.build_suite), in order, without running them.

With --compare FILE (a `forkless run --json FILE` report) it runs Django's runner and
compares: the same test ids, the same status for each (forkless `test` events); it
prints the differences and exits 1 if there are any, 0 otherwise.

It works by running `manage.py test --testrunner django_outcomes_runner.OutcomeRunner`
(tests/python/django_outcomes_runner.py); this file does not import Django itself.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_PROJECT = os.path.join(ROOT, "examples", "django")


def run(project=DEFAULT_PROJECT, extra=(), list_only=False, python=None, env=None):
    """Run `manage.py test` in `project`; return the list of outcome dicts."""
    python = python or ("/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable)
    with tempfile.TemporaryDirectory(prefix="forkless-outcomes-") as tmp:
        outcomes_file = os.path.join(tmp, "outcomes.jsonl")
        environment = dict(os.environ if env is None else env)
        environment["PYTHONPATH"] = os.pathsep.join(
            [HERE] + ([environment["PYTHONPATH"]] if environment.get("PYTHONPATH") else []))
        environment["FORKLESS_OUTCOMES_FILE"] = outcomes_file
        environment.pop("FORKLESS_CHANNEL", None)
        runner = "django_outcomes_runner.ListRunner" if list_only else "django_outcomes_runner.OutcomeRunner"
        completed = subprocess.run(
            [python, "manage.py", "test", "--noinput", "--testrunner", runner] + list(extra),
            cwd=project, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if not os.path.exists(outcomes_file):
            raise RuntimeError("manage.py test wrote no outcomes (exit %d):\n%s"
                               % (completed.returncode, completed.stdout.decode(errors="replace")[-4000:]))
        with open(outcomes_file) as handle:
            return [json.loads(line) for line in handle if line.strip()]


def compare(django_outcomes, forkless_json_path):
    """Differences between Django's outcomes and a forkless JSON Lines report."""
    expected = {o["id"]: o["status"] for o in django_outcomes}
    got = {}
    with open(forkless_json_path) as handle:
        for line in handle:
            if line.strip():
                event = json.loads(line)
                if event.get("event") == "test":
                    got[event["id"]] = event["status"]
    return {test_id: {"forkless": got.get(test_id), "django": expected.get(test_id)}
            for test_id in sorted(set(expected) | set(got)) if got.get(test_id) != expected.get(test_id)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", default=DEFAULT_PROJECT, help="directory of manage.py")
    parser.add_argument("--output", help="write the JSON lines here instead of stdout")
    parser.add_argument("--list", action="store_true", help="only list the test ids, in order")
    parser.add_argument("--python", help="the Python to run manage.py with (default /usr/bin/python3)")
    parser.add_argument("--compare", metavar="FORKLESS_JSON",
                        help="compare with a `forkless run --json` report; exit 1 on any difference")
    parser.add_argument("extra", nargs=argparse.REMAINDER,
                        help="after --: more `manage.py test` arguments")
    args = parser.parse_args(argv)
    extra = args.extra[1:] if args.extra[:1] == ["--"] else args.extra
    outcomes = run(args.project, extra, args.list, args.python)
    if args.compare:
        differences = compare(outcomes, args.compare)
        for test_id, statuses in differences.items():
            print("%s: forkless %s, django %s" % (test_id, statuses["forkless"], statuses["django"]))
        print("%d tests, %d differences" % (len(outcomes), len(differences)))
        return 1 if differences else 0
    out = open(args.output, "w") if args.output else sys.stdout
    for outcome in outcomes:
        out.write(json.dumps(outcome) + "\n")
    if args.output:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
