"""Sample tests for class and module fixtures in the unittest worker."""

import unittest


def setUpModule():
    print("SETUP-MODULE test_fixtures")


def tearDownModule():
    print("TEARDOWN-MODULE test_fixtures")


class Counted(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        print("SETUP-CLASS Counted")

    @classmethod
    def tearDownClass(cls):
        print("TEARDOWN-CLASS Counted")

    def test_a(self):
        print("RUN Counted.test_a")

    def test_b(self):
        print("RUN Counted.test_b")

    def test_c(self):
        print("RUN Counted.test_c")


class SetupFails(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise RuntimeError("database unreachable in setUpClass")

    def test_one(self):
        pass

    def test_two(self):
        pass


class SetupSkips(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise unittest.SkipTest("no GPU here")

    def test_one(self):
        pass

    def test_two(self):
        pass


class TeardownFails(unittest.TestCase):
    @classmethod
    def tearDownClass(cls):
        raise RuntimeError("could not clean up in tearDownClass")

    def test_first(self):
        pass

    def test_last(self):
        pass
