"""Run under multidb_settings: every alias points at this worker's clone of its database."""
import os

from django.db import connections
from django.test import TransactionTestCase

from members.models import Member


class MultiDb(TransactionTestCase):
    databases = "__all__"

    def test_names(self):
        names = {alias: connections[alias].settings_dict["NAME"] for alias in connections}
        self.assertEqual(names["default"], "file:forkless_default?mode=memory&cache=shared")
        self.assertEqual(names["third"], "file:forkless_third?mode=memory&cache=shared")
        self.assertEqual(names["replica"], names["default"])
        self.assertEqual(names["other"], os.environ["FORKLESS_DB_OTHER_NAME"])
        self.assertEqual(names["other_alt"], names["other"])

    def test_databases_are_separate(self):
        Member.objects.using("default").create(name="D", email="d@example.org", joined="2025-01-01")
        self.assertEqual(Member.objects.using("replica").count(), 1)
        self.assertEqual(Member.objects.using("third").count(), 0)
        self.assertEqual(Member.objects.using("other").count(), 0)
        Member.objects.using("other").create(name="O", email="o@example.org", joined="2025-01-01")
        self.assertEqual(Member.objects.using("other_alt").count(), 1)
