"""Sample tests whose setUpModule fails: every test must be reported as an error."""

import unittest


def setUpModule():
    raise OSError("fixture server did not start")


class First(unittest.TestCase):
    def test_x(self):
        pass


class Second(unittest.TestCase):
    def test_y(self):
        pass
