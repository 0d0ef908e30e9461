"""Loan policies come from a data migration: TestCases rely on them being there.

They are the canary for the TransactionTestCase problem: a TransactionTestCase flushes
every table when it ends, so a TestCase that runs after it in the same process finds
no policies unless the runner restores the database (Django orders TestCases first;
forkless restores the clone, see docs/python.md).
"""
from django.test import TestCase

from libsite.testing import add_cases
from loans.models import LoanPolicy


class PolicyTests(TestCase):
    def test_three_tiers(self):
        self.assertEqual(sorted(LoanPolicy.objects.values_list("tier", flat=True)), ["basic", "plus", "staff"])

    def test_staff_pay_no_fines(self):
        staff = LoanPolicy.objects.get(tier="staff")
        self.assertEqual((staff.daily_fine_cents, staff.fine_cap_cents), (0, 0))

    def test_str(self):
        self.assertEqual(str(LoanPolicy.objects.get(tier="basic")), "basic: 3 loans, 14 days")

    def check_policy(self, tier, max_loans, loan_days):
        policy = LoanPolicy.objects.get(tier=tier)
        self.assertEqual((policy.max_loans, policy.loan_days), (max_loans, loan_days))


add_cases(PolicyTests, "policy", [("basic", 3, 14), ("plus", 8, 28), ("staff", 20, 56)],
          PolicyTests.check_policy)
