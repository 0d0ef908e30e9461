"""A sample test module that does not import: unittest lists it as a _FailedTest."""

import unittest

import forkless_module_that_does_not_exist  # noqa: F401


class NeverLoaded(unittest.TestCase):
    def test_nothing(self):
        pass
