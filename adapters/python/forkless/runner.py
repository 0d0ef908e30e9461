"""Run unittest test cases batch by batch and turn their outcomes into protocol results.

Shared by the plain unittest worker and the Django worker.  A batch is run with
unittest's own suite machinery (the TestSuite fixture helpers behind
setUpModule/setUpClass/tearDownClass/tearDownModule), one test at a time, so that:

- a class's set-up runs before its first test of the batch and its tear-down after its
  last one; a module's set-up runs when the batch enters the module and its tear-down
  when the batch leaves it (or at the end of the batch), exactly as one `unittest` run
  of those tests would;
- every requested test gets `start` then `result`, including the tests a failed
  setUpClass/setUpModule prevented from running (status `error`, or `skip` when the
  set-up raised SkipTest);
- a test's `result` is only sent once its class/module tear-down has run when it is the
  last test of its class, so an error in tearDownClass is reported on that test and
  the tear-down's output is attributed to it.  Likewise the first test of a class
  carries the time and output of its set-up.
- what a test prints (set-up and tear-down included, as above) is captured per test
  (forkless.capture) and sent in the `output` field of its `result`.
"""

import functools
import inspect
import os
import time
import traceback
import unittest

from .capture import NoCapture

# Severity of the statuses a test can end with: the worst outcome wins.
_RANK = {"pass": 0, "skip": 1, "xfail": 2, "xpass": 3, "fail": 4, "error": 5}


def iter_test_cases(suite):
    """Yield the individual tests of a (nested) suite in order."""
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from iter_test_cases(test)
        else:
            yield test


def class_name(cls):
    return "%s.%s" % (cls.__module__, cls.__qualname__)


def group_of(test):
    """The group a test belongs to: its class, as module.Class."""
    return class_name(type(test))


@functools.lru_cache(maxsize=4096)
def shown_path(path):
    """A file path as shown in listings and messages: relative to the cwd when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith(".." + os.sep) else relative


def source_location(test):
    """(file relative to the cwd when inside it, first line) of a test method, or (None, None)."""
    method = getattr(type(test), getattr(test, "_testMethodName", ""), None)
    if method is None:
        return None, None
    try:
        code = inspect.unwrap(method).__code__
    except (AttributeError, ValueError):
        return None, None
    return shown_path(code.co_filename), code.co_firstlineno


def exception_summary(err):
    """One line for `message`: 'file:line: Type: text' with the test code's innermost frame."""
    exc_type, value, tb = err
    lines = [line for line in str(value).strip().splitlines() if line.strip()]
    first = lines[0] if lines else ""
    if issubclass(exc_type, ImportError) and len(lines) > 1:
        # unittest's "Failed to import test module: x" carries the cause on its last line.
        first = "%s (%s)" % (first, lines[-1].strip())
    summary = "%s: %s" % (exc_type.__name__, first) if first else exc_type.__name__
    where = _innermost_user_frame(tb)
    return "%s: %s" % (where, summary) if where else summary


def _innermost_user_frame(tb):
    location = None
    while tb is not None:
        frame = tb.tb_frame
        if "__unittest" not in frame.f_globals:
            location = "%s:%d" % (shown_path(frame.f_code.co_filename), tb.tb_lineno)
        tb = tb.tb_next
    return location


class TestOutcome:
    """Everything that happened to one test between its `start` and its `result`."""

    def __init__(self, test_id):
        self.test_id = test_id
        self.status = "pass"
        self.message = None
        self.details = []
        self.started = time.perf_counter()
        self.subtests_run = 0
        self.subtests_failed = []  # (status, description, summary)

    def record(self, status, message=None, details=None):
        if _RANK[status] > _RANK[self.status]:
            self.status = status
            self.message = message
        elif status == self.status and self.message is None:
            self.message = message
        if details:
            self.details.append(details)

    def finish(self):
        """Return (status, duration, message, details) for the `result` event."""
        if self.subtests_failed:
            worst = max(self.subtests_failed, key=lambda item: _RANK[item[0]])[0]
            description, summary = self.subtests_failed[0][1], self.subtests_failed[0][2]
            message = "%d of %d subtests failed; first %s: %s" % (
                len(self.subtests_failed), self.subtests_run, description, summary)
            if _RANK[worst] > _RANK[self.status]:
                self.status, self.message = worst, message
            elif self.status in ("fail", "error") and self.message is None:
                self.message = message
        details = "\n".join(self.details) if self.details else None
        return self.status, time.perf_counter() - self.started, self.message, details


class BatchResult(unittest.TestResult):
    """A TestResult that records into the current TestOutcome instead of lists.

    Errors reported against unittest's _ErrorHolder (class/module set-up and tear-down)
    go to the current outcome too; set-up ones are also remembered so that the other
    tests of the class/module can be given the same error.
    """

    def __init__(self):
        super().__init__()
        self.outcome = None
        self.class_setup_outcome = None   # (status, message, details) of the failed setUpClass
        self.module_setup_outcome = None  # same for setUpModule
        # State unittest's TestSuite fixture helpers keep on the result.
        self._previousTestClass = None
        self._moduleSetUpFailed = False
        self._testRunEntered = True

    # -- helpers -----------------------------------------------------------------------------
    def _format(self, err, test):
        try:
            return self._exc_info_to_string(err, test)
        except Exception:  # pragma: no cover - a broken traceback must not kill the worker
            return "".join(traceback.format_exception(*err))

    @staticmethod
    def _is_fixture(test):
        return isinstance(test, unittest.suite._ErrorHolder)

    def _record_fixture(self, test, status, message, details):
        description = test.description
        message = "%s: %s" % (description, message)
        if self.outcome is not None:
            self.outcome.record(status, message, details)
        if description.startswith("setUpClass"):
            self.class_setup_outcome = (status, message, details)
        elif description.startswith("setUpModule"):
            self.module_setup_outcome = (status, message, details)

    def _record_problem(self, test, status, err):
        header = "%s: %s" % (status.upper(), test)
        details = "%s\n%s" % (header, self._format(err, test))
        if self._is_fixture(test):
            self._record_fixture(test, status, exception_summary(err), details)
        elif self.outcome is not None:
            self.outcome.record(status, exception_summary(err), details)

    # -- unittest.TestResult interface ---------------------------------------------------------
    def addSuccess(self, test):
        pass

    def addFailure(self, test, err):
        self._record_problem(test, "fail", err)

    def addError(self, test, err):
        self._record_problem(test, "error", err)

    def addSkip(self, test, reason):
        if self._is_fixture(test):
            self._record_fixture(test, "skip", reason, None)
        elif self.outcome is not None:
            self.outcome.record("skip", reason)

    def addExpectedFailure(self, test, err):
        if self.outcome is not None:
            self.outcome.record("xfail", "expected failure: %s" % exception_summary(err))

    def addUnexpectedSuccess(self, test):
        if self.outcome is not None:
            self.outcome.record("xpass", "unexpected success: the test is marked expectedFailure but passed")

    def addSubTest(self, test, subtest, err):
        outcome = self.outcome
        if outcome is None:
            return
        outcome.subtests_run += 1
        if err is None:
            return
        status = "fail" if issubclass(err[0], test.failureException) else "error"
        description = subtest._subDescription() if hasattr(subtest, "_subDescription") else str(subtest)
        outcome.subtests_failed.append((status, description, exception_summary(err)))
        outcome.details.append("%s: %s\n%s" % (status.upper(), subtest, self._format(err, test)))

    def addDuration(self, test, elapsed):  # Python 3.12+; the worker measures its own
        pass


class BatchRunner:
    """Runs batches of test ids against a table of loaded test cases."""

    def __init__(self, tests_by_id, capture=None):
        self.tests_by_id = tests_by_id
        self.capture = capture or NoCapture()
        self.suite = unittest.TestSuite()  # only its fixture helpers are used
        self.result = BatchResult()
        self.pending = None  # the outcome whose `result` waits for the class tear-down

    # Hooks for subclasses (the Django worker) ------------------------------------------------
    def before_class_setup(self, test_class):
        """Called when a batch enters a new class, before its setUpClass."""

    # -----------------------------------------------------------------------------------------
    def run_batch(self, test_ids, channel):
        self.channel = channel
        for test_id in test_ids:
            test = self.tests_by_id.get(test_id)
            if test is None:
                self._leave_class(None)
                self._send_pending()
                channel.start(test_id)
                channel.result(test_id, "error", 0.0, "unknown test id")
                continue
            entering_class = self.result._previousTestClass is not type(test)
            if entering_class:
                self._leave_class(test)
            self._send_pending()
            channel.start(test_id)
            self.capture.begin()
            outcome = TestOutcome(test_id)
            self.result.outcome = outcome
            if entering_class:
                self.result.class_setup_outcome = None
                self.before_class_setup(type(test))
            self._run_one(test, outcome)
            self.pending = outcome
        self._leave_class(None)
        self._leave_module()
        self._send_pending()
        self.capture.end()  # the real stdout/stderr again between batches
        self.result.outcome = None

    def _run_one(self, test, outcome):
        result = self.result
        if self.module_of(result._previousTestClass) != type(test).__module__:
            result.module_setup_outcome = None
        self.suite._handleModuleFixture(test, result)
        self.suite._handleClassSetUp(test, result)
        result._previousTestClass = type(test)
        if result._moduleSetUpFailed and result.module_setup_outcome is not None:
            self._copy_setup_outcome(outcome, result.module_setup_outcome)
        elif getattr(type(test), "_classSetupFailed", False):
            if result.class_setup_outcome is not None:
                self._copy_setup_outcome(outcome, result.class_setup_outcome)
            else:
                outcome.record("error", "the class set-up failed")
        elif result._moduleSetUpFailed:
            outcome.record("error", "the module set-up failed")
        else:
            test(result)

    @staticmethod
    def _copy_setup_outcome(outcome, setup_outcome):
        if outcome.status == "pass" and not outcome.details:
            status, message, details = setup_outcome
            outcome.record(status, message, details)

    @staticmethod
    def module_of(test_class):
        return test_class.__module__ if test_class is not None else None

    def _leave_class(self, next_test):
        """Tear down the previous class, and its module when the next test is elsewhere."""
        result = self.result
        previous = result._previousTestClass
        if previous is None:
            return
        if next_test is not None and type(next_test) is previous:
            return
        result.outcome = self.pending
        self.suite._tearDownPreviousClass(next_test, result)
        next_module = type(next_test).__module__ if next_test is not None else None
        if next_module != previous.__module__:
            self._leave_module()
        else:
            # Same module, new class: keep the module set up; forget the class.
            result._previousTestClass = _ClassLeft.of_module(previous.__module__)

    def _leave_module(self):
        result = self.result
        if result._previousTestClass is None:
            return
        result.outcome = self.pending
        self.suite._handleModuleTearDown(result)
        result._previousTestClass = None
        result._moduleSetUpFailed = False
        result.module_setup_outcome = None

    def _send_pending(self):
        outcome, self.pending = self.pending, None
        if outcome is None:
            return
        output = self.capture.take()
        status, duration, message, details = outcome.finish()
        self.channel.result(outcome.test_id, status, duration, message, details, output)


class _ClassLeft:
    """A stand-in 'previous class' meaning: class torn down, module still set up.

    unittest's helpers look at result._previousTestClass for two things: which class to
    tear down (this one is marked skipped, so nothing is torn down twice) and which
    module is set up (its __module__).
    """

    _cache = {}

    @classmethod
    def of_module(cls, module_name):
        marker = cls._cache.get(module_name)
        if marker is None:
            marker = type("_ForklessClassLeft", (), {"__module__": module_name,
                                                    "__unittest_skip__": True})
            cls._cache[module_name] = marker
        return marker
