"""A sample test in a sub-package, to check ids carry the package path."""

import unittest


class Nested(unittest.TestCase):
    def test_in_package(self):
        self.assertTrue(__name__.startswith("pkg."))
