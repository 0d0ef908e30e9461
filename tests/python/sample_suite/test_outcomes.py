"""Sample tests with every outcome the unittest worker must report (tests/python/test_unittest_worker.py)."""

import sys
import unittest


class Outcomes(unittest.TestCase):
    def test_pass(self):
        self.assertEqual(1 + 1, 2)

    def test_fail(self):
        self.assertEqual(1 + 1, 3)

    def test_error(self):
        raise ValueError("boom in test_error")

    @unittest.skip("not today")
    def test_skip(self):
        raise AssertionError("never runs")

    def test_skip_inside(self):
        self.skipTest("decided at run time")

    @unittest.expectedFailure
    def test_xfail(self):
        self.assertTrue(False)

    @unittest.expectedFailure
    def test_xpass(self):
        self.assertTrue(True)

    def test_subtests_fail(self):
        for i in range(4):
            with self.subTest(i=i):
                self.assertEqual(i % 2, 0)

    def test_subtests_pass(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertLess(i, 3)

    def test_subtest_error(self):
        for name in ("ok", "bad"):
            with self.subTest(name=name):
                if name == "bad":
                    raise KeyError(name)

    def test_prints(self):
        print("out from test_prints")
        sys.stderr.write("err from test_prints\n")

    def test_cleanup_error(self):
        self.addCleanup(lambda: 1 / 0)

    def test_long_details(self):
        raise AssertionError("a very long message " + "x" * 2000000)


class SkippedClass(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise AssertionError("setUpClass of a skipped class must not run")

    def test_one(self):
        pass


SkippedClass = unittest.skip("whole class skipped")(SkippedClass)
