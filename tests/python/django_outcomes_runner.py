"""The Django test runner behind tests/python/django_outcomes.py (imported by manage.py test).

OutcomeRunner runs the suite like DiscoverRunner and writes one JSON line per test to
$FORKLESS_OUTCOMES_FILE; ListRunner only writes the ids build_suite finds, in order.
Statuses follow forkless: pass, fail, error, skip, xfail, xpass.
"""

import json
import os
import unittest

from django.test.runner import DiscoverRunner

_RANK = {"pass": 0, "skip": 1, "xfail": 2, "xpass": 3, "fail": 4, "error": 5}


def _class_name(cls):
    return "%s.%s" % (cls.__module__, cls.__qualname__)


def flatten(suite):
    subsuites = getattr(suite, "subsuites", None)  # Django's ParallelTestSuite
    for test in (subsuites if subsuites is not None else suite):
        if isinstance(test, unittest.TestSuite) or hasattr(test, "subsuites"):
            yield from flatten(test)
        else:
            yield test


class OutcomeResult(unittest.TextTestResult):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = {}          # test id -> status
        self.fixture_outcomes = {}  # "setUpClass (mod.Class)" -> status

    def _set(self, test, status):
        if isinstance(test, unittest.suite._ErrorHolder):
            self.fixture_outcomes[test.description] = status
            return
        test_id = test.id()
        if _RANK[status] >= _RANK[self.outcomes.get(test_id, "pass")]:
            self.outcomes[test_id] = status

    def startTest(self, test):
        super().startTest(test)
        self.outcomes.setdefault(test.id(), "pass")

    def addError(self, test, err):
        super().addError(test, err)
        self._set(test, "error")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._set(test, "fail")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._set(test, "skip")

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._set(test, "xfail")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._set(test, "xpass")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._set(test, "fail" if issubclass(err[0], test.failureException) else "error")


class OutcomeRunner(DiscoverRunner):
    """A DiscoverRunner that writes the outcomes to $FORKLESS_OUTCOMES_FILE."""

    def get_resultclass(self):
        return OutcomeResult

    def run_suite(self, suite, **kwargs):
        tests = list(flatten(suite))  # unittest empties the suite as it runs it
        result = super().run_suite(suite, **kwargs)
        with open(os.environ["FORKLESS_OUTCOMES_FILE"], "w") as out:
            for test in tests:
                status = result.outcomes.get(test.id())
                if status is None:
                    cls = type(test)
                    status = (result.fixture_outcomes.get("setUpClass (%s)" % _class_name(cls))
                              or result.fixture_outcomes.get("setUpModule (%s)" % cls.__module__)
                              or "not run")
                out.write(json.dumps({"id": test.id(), "group": _class_name(type(test)),
                                      "status": status}) + "\n")
        return result


class ListRunner(DiscoverRunner):
    """A DiscoverRunner that only writes the ids it would run, in order."""

    def run_tests(self, test_labels, extra_tests=None, **kwargs):
        suite = self.build_suite(test_labels)
        with open(os.environ["FORKLESS_OUTCOMES_FILE"], "w") as out:
            for test in flatten(suite):
                out.write(json.dumps({"id": test.id(), "group": _class_name(type(test))}) + "\n")
        return 0
