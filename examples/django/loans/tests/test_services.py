"""Borrowing and returning: TestCase with setUpTestData over all three apps."""
import datetime

from django.test import TestCase

from catalog.tests.factories import make_book
from libsite.testing import add_cases
from loans import services
from loans.models import Loan
from members.models import Member

TODAY = datetime.date(2025, 6, 2)  # a Monday


class LoanServiceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.basic = Member.objects.create(name="Basil", email="basil@example.org", joined=TODAY)
        cls.plus = Member.objects.create(name="Priya", email="priya@example.org", joined=TODAY, tier="plus")
        cls.staff = Member.objects.create(name="Sam", email="sam@example.org", joined=TODAY, tier="staff")
        cls.gone = Member.objects.create(name="Gina", email="gina@example.org", joined=TODAY, active=False)
        cls.books = [make_book("Book %02d" % i, ["Writer %d" % (i % 4)], copies=2) for i in range(12)]

    def borrow(self, member, book, day=TODAY):
        return services.borrow(member, book, day)

    def test_borrow_creates_loan(self):
        loan = self.borrow(self.basic, self.books[0])
        self.assertEqual(loan.due_on, datetime.date(2025, 6, 16))
        self.assertEqual(Loan.objects.open().count(), 1)

    def test_borrow_takes_a_copy(self):
        self.borrow(self.basic, self.books[0])
        self.books[0].refresh_from_db()
        self.assertEqual(self.books[0].copies_out, 1)

    def test_no_copy_left(self):
        self.borrow(self.basic, self.books[1])
        self.borrow(self.plus, self.books[1])
        with self.assertRaises(services.LoanRefused):
            self.borrow(self.staff, self.books[1])

    def test_inactive_member_refused(self):
        with self.assertRaisesMessage(services.LoanRefused, "not an active member"):
            self.borrow(self.gone, self.books[0])

    def test_basic_limit(self):
        for book in self.books[:3]:
            self.borrow(self.basic, book)
        with self.assertRaisesMessage(services.LoanRefused, "already has 3 loans"):
            self.borrow(self.basic, self.books[3])

    def test_plus_limit_is_higher(self):
        for book in self.books[:8]:
            self.borrow(self.plus, book)
        with self.assertRaises(services.LoanRefused):
            self.borrow(self.plus, self.books[8])

    def test_staff_borrow_many(self):
        for book in self.books:
            self.borrow(self.staff, book)
        self.assertEqual(self.staff.loans.open().count(), 12)

    def test_return_on_time_no_fine(self):
        loan = self.borrow(self.basic, self.books[2])
        loan = services.give_back(loan, loan.due_on)
        self.assertEqual(loan.fine_cents, 0)
        self.books[2].refresh_from_db()
        self.assertEqual(self.books[2].copies_out, 0)

    def test_return_twice_refused(self):
        loan = self.borrow(self.basic, self.books[2])
        services.give_back(loan, TODAY)
        with self.assertRaises(services.LoanRefused):
            services.give_back(loan, TODAY)

    def test_overdue(self):
        self.borrow(self.basic, self.books[4])
        self.borrow(self.plus, self.books[5])
        self.assertEqual(Loan.objects.overdue(TODAY + datetime.timedelta(days=20)).count(), 1)
        self.assertEqual(Loan.objects.overdue(TODAY + datetime.timedelta(days=40)).count(), 2)

    def test_on_commit_not_run_inside_testcase(self):
        services.NOTIFICATIONS.clear()
        loan = self.borrow(self.basic, self.books[6])
        services.give_back(loan, TODAY)
        self.assertEqual(services.NOTIFICATIONS, [])  # the TestCase transaction never commits

    def check_late_fine(self, tier, days_late, expected):
        member = {"basic": self.basic, "plus": self.plus, "staff": self.staff}[tier]
        loan = self.borrow(member, self.books[7])
        returned = services.give_back(loan, loan.due_on + datetime.timedelta(days=days_late))
        self.assertEqual(returned.fine_cents, expected)


add_cases(LoanServiceTests, "late_fine", [
    ("basic", 0, 0), ("basic", 1, 25), ("basic", 10, 250), ("basic", 40, 1000), ("basic", 400, 1000),
    ("plus", 1, 20), ("plus", 10, 200), ("plus", 39, 780), ("plus", 41, 800),
    ("staff", 1, 0), ("staff", 100, 0),
], LoanServiceTests.check_late_fine)


class LoanViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.member = Member.objects.create(name="Vera", email="vera@example.org", joined=TODAY)
        services.borrow(cls.member, make_book("Viewed", ["V. Author"]), TODAY)

    def test_member_loans(self):
        data = self.client.get("/loans/member/%d" % self.member.pk).json()
        self.assertEqual(data, {"member": "Vera", "loans": [{"book": "Viewed", "due_on": "2025-06-16"}]})

    def test_unknown_member(self):
        self.assertEqual(self.client.get("/loans/member/999999").status_code, 404)
