"""TransactionTestCase: behaviour that needs real commits, serialized rollback, a mirror.

The plain TransactionTestCases set available_apps, so their flush leaves the
contenttypes/auth tables alone (and skips post_migrate): otherwise the content types
re-created by post_migrate get new ids and a later serialized_rollback test cannot
reload the serialized ones (a known Django pitfall, whatever the runner).
"""
import datetime

from django.db import connections
from django.test import TransactionTestCase

from catalog.models import Genre
from catalog.tests.factories import make_book
from loans import services
from loans.models import LoanPolicy
from members.models import Member

TODAY = datetime.date(2025, 6, 2)


def ensure_policies():
    """A TransactionTestCase cannot rely on migration data: an earlier one flushed it."""
    for tier, max_loans, days, daily, cap in (("basic", 3, 14, 25, 1000), ("plus", 8, 28, 20, 800)):
        LoanPolicy.objects.get_or_create(tier=tier, defaults=dict(
            max_loans=max_loans, loan_days=days, daily_fine_cents=daily, fine_cap_cents=cap))


APPS = ["catalog", "members", "loans"]


class OnCommitTests(TransactionTestCase):
    available_apps = APPS

    def setUp(self):
        ensure_policies()
        services.NOTIFICATIONS.clear()
        self.member = Member.objects.create(name="Tess", email="tess@example.org", joined=TODAY)

    def test_notification_after_commit(self):
        loan = services.borrow(self.member, make_book("Committed"), TODAY)
        services.give_back(loan, TODAY)
        self.assertEqual(services.NOTIFICATIONS, [loan.pk])

    def test_failed_borrow_rolls_back(self):
        book = make_book("Single", copies=1)
        services.borrow(self.member, book, TODAY)
        other = Member.objects.create(name="Otto", email="otto@example.org", joined=TODAY)
        with self.assertRaises(services.LoanRefused):
            services.borrow(other, book, TODAY)
        book.refresh_from_db()
        self.assertEqual(book.copies_out, 1)

    def test_tables_start_empty_of_test_rows(self):
        self.assertEqual(Member.objects.count(), 1)


class SerializedRollbackTests(TransactionTestCase):
    """serialized_rollback=True: the migration data is put back before each test."""
    serialized_rollback = True

    def test_policies_present(self):
        self.assertEqual(LoanPolicy.objects.count(), 3)

    def test_genres_present(self):
        self.assertEqual(Genre.objects.filter(name="Poetry").count(), 1)

    def test_can_write_and_flush(self):
        LoanPolicy.objects.filter(tier="staff").delete()
        self.assertEqual(LoanPolicy.objects.count(), 2)


class MirrorTests(TransactionTestCase):
    """The `replica` alias is a TEST MIRROR: it reads the same test database."""
    databases = {"default", "replica"}
    available_apps = APPS

    def test_replica_sees_committed_rows(self):
        Member.objects.create(name="Mira", email="mira@example.org", joined=TODAY)
        self.assertEqual(list(Member.objects.using("replica").values_list("name", flat=True)), ["Mira"])

    def test_replica_points_at_the_test_database(self):
        self.assertEqual(connections["replica"].settings_dict["NAME"],
                         connections["default"].settings_dict["NAME"])
