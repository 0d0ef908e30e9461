"""Django tests run by test_django_worker.py inside a worker, against examples/django's settings.

They check what only a test can see: which database the connection points at, how a
failure, a subtest and a failing setUpTestData are reported, that prints are captured.
"""
import os

from django.db import connections
from django.test import TestCase

from loans.models import LoanPolicy


class Probe(TestCase):
    def test_fails(self):
        self.assertEqual(LoanPolicy.objects.count(), 4)

    def test_prints(self):
        print("printed by a Django test")

    def test_subtests(self):
        for n in range(4):
            with self.subTest(n=n):
                self.assertNotEqual(n, 2)

    def test_database_is_the_clone(self):
        name = connections["default"].settings_dict["NAME"]
        if os.environ.get("FORKLESS_DB_DEFAULT_METHOD") == "memory":
            self.assertEqual(name, "file:forkless_default?mode=memory&cache=shared")
        else:
            self.assertEqual(name, os.environ["FORKLESS_DB_DEFAULT_NAME"])
        self.assertEqual(connections["replica"].settings_dict["NAME"], name)
        self.assertEqual(LoanPolicy.objects.count(), 3)
        self.assertNotIn("FORKLESS_CHANNEL", os.environ)


class BrokenSetUp(TestCase):
    @classmethod
    def setUpTestData(cls):
        raise RuntimeError("setUpTestData exploded")

    def test_setup_class_failed(self):
        pass
