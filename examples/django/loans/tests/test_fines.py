"""Fine and due-date arithmetic: plain unittest.TestCase (Django runs these last)."""
import datetime
import unittest

from libsite.testing import add_cases
from loans import fines

D = datetime.date


class FineTests(unittest.TestCase):
    def check_fine(self, due, returned, daily, cap, grace, expected):
        self.assertEqual(fines.fine_cents(due, returned, daily, cap, grace), expected)


_FINE_CASES = []
for late in range(0, 30, 2):
    for daily, cap in ((25, 1000), (20, 800), (0, 0)):
        expected = min(cap, late * daily)
        _FINE_CASES.append((D(2025, 3, 1), D(2025, 3, 1) + datetime.timedelta(days=late), daily, cap, 0, expected))
_FINE_CASES += [
    (D(2025, 3, 10), D(2025, 3, 1), 25, 1000, 0, 0),     # returned early
    (D(2025, 3, 1), D(2025, 3, 4), 25, 1000, 3, 0),      # inside the grace period
    (D(2025, 3, 1), D(2025, 3, 5), 25, 1000, 3, 25),
    (D(2024, 12, 31), D(2025, 1, 2), 25, 1000, 0, 50),   # over the new year
    (D(2024, 2, 28), D(2024, 3, 1), 10, 1000, 0, 20),    # leap year
]
add_cases(FineTests, "fine", _FINE_CASES, FineTests.check_fine)


class DueDateTests(unittest.TestCase):
    def check_due(self, borrowed, days, expected):
        due = fines.due_date(borrowed, days)
        self.assertEqual(due, expected)
        self.assertNotEqual(due.weekday(), 6)


_DUE_CASES = []
for offset in range(21):
    borrowed = D(2025, 6, 2) + datetime.timedelta(days=offset)
    due = borrowed + datetime.timedelta(days=14)
    if due.weekday() == 6:
        due += datetime.timedelta(days=1)
    _DUE_CASES.append((borrowed, 14, due))
add_cases(DueDateTests, "due", _DUE_CASES, DueDateTests.check_due)


class FormatTests(unittest.TestCase):
    def test_format_cents(self):
        for cents, text in ((0, "0.00"), (5, "0.05"), (125, "1.25"), (100000, "1000.00")):
            with self.subTest(cents=cents):
                self.assertEqual(fines.format_cents(cents), text)

    def test_days_late_never_negative(self):
        self.assertEqual(fines.days_late(D(2025, 1, 10), D(2025, 1, 1)), 0)
