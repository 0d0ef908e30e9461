"""`python -m forkless unittest`: a protocol worker for plain unittest discovery.

Discovers tests like `python -m unittest discover START_DIR -p PATTERN -t TOP_DIR`
(default ".", "test*.py"), lists them in discovery order with unittest's ids
(pkg.test_mod.TestClass.test_x) grouped by class, and runs batches with
forkless.runner.  A module that fails to import is listed as unittest lists it (a
unittest.loader._FailedTest test) and reported with status `error`.
"""

import argparse
import os
import platform
import sys
import unittest

from . import __version__
from .capture import make_capture
from .protocol import Worker, serve
from .runner import BatchRunner, group_of, iter_test_cases, source_location


def unique_tests(tests):
    """Drop repeated ids (the first one wins): ids must be unique in the protocol."""
    seen = set()
    for test in tests:
        test_id = test.id()
        if test_id in seen:
            continue
        seen.add(test_id)
        yield test_id, test


class SuiteWorker(Worker):
    """A worker over an ordered list of unittest test cases; subclasses load them."""

    flavour = "unittest"

    def __init__(self):
        self.name = "forkless-python %s %s (Python %s)" % (
            __version__, self.flavour, platform.python_version())
        self.ordered = []      # [(id, test)] in listing order
        self.runner = None
        self.capture = None

    def load_suite(self):
        raise NotImplementedError

    def make_runner(self, tests_by_id):
        return BatchRunner(tests_by_id, self.capture)

    def prepare(self):
        # The capture first: it installs faulthandler on the real stderr (Django's runner
        # would otherwise install it on fd 2, which points at the capture during a test).
        self.capture = make_capture()
        self.ordered = list(unique_tests(iter_test_cases(self.load_suite())))
        self.runner = self.make_runner(dict(self.ordered))

    def close(self):
        if self.capture is not None:
            self.capture.close()

    def list_tests(self):
        for test_id, test in self.ordered:
            file, line = source_location(test)
            yield test_id, group_of(test), file, line

    def run_batch(self, test_ids, channel):
        self.runner.run_batch(test_ids, channel)


class UnittestWorker(SuiteWorker):
    def __init__(self, start_dir, pattern, top_level_dir, name_patterns):
        super().__init__()
        self.start_dir = start_dir
        self.pattern = pattern
        self.top_level_dir = top_level_dir
        self.name_patterns = name_patterns

    def load_suite(self):
        loader = unittest.TestLoader()
        if self.name_patterns:
            loader.testNamePatterns = [
                pattern if "*" in pattern else "*%s*" % pattern for pattern in self.name_patterns]
        start = self.start_dir
        if os.path.isdir(start) or os.sep in start or start in (".", ".."):
            return loader.discover(start, pattern=self.pattern, top_level_dir=self.top_level_dir)
        # A dotted name (package, module, class or method), as `python -m unittest NAME`.
        if self.top_level_dir:
            sys.path.insert(0, os.path.abspath(self.top_level_dir))
        return loader.loadTestsFromName(start)


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        prog="python -m forkless unittest",
        description="A forkless protocol worker running unittest discovery.")
    parser.add_argument("start_dir", nargs="?", default=".",
                        help="directory to start discovery (default .), or a dotted test name")
    parser.add_argument("-p", "--pattern", default="test*.py",
                        help="pattern of test files (default test*.py)")
    parser.add_argument("-t", "--top-level-directory", dest="top_level_dir", default=None,
                        help="top level directory of the project (default: the start directory)")
    parser.add_argument("-k", dest="name_patterns", action="append", default=[],
                        help="only tests whose name matches the pattern or substring (repeatable)")
    return parser.parse_args(argv)


def main(argv):
    args = parse_arguments(argv)
    # `python -m unittest` puts the current directory first on sys.path; so do we.
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    worker = UnittestWorker(args.start_dir, args.pattern, args.top_level_dir, args.name_patterns)
    return serve(worker)
