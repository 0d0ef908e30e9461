"""Fine arithmetic (pure functions, tested by plain unittest tests)."""
import datetime


def days_late(due_on, returned_on):
    return max(0, (returned_on - due_on).days)


def fine_cents(due_on, returned_on, daily_cents, cap_cents, grace_days=0):
    late = days_late(due_on, returned_on) - grace_days
    if late <= 0:
        return 0
    return min(cap_cents, late * daily_cents)


def due_date(borrowed_on, loan_days, closed_weekdays=(6,)):
    """Loan days counted from the borrowing day; a due day on a closed weekday moves on."""
    due = borrowed_on + datetime.timedelta(days=loan_days)
    while due.weekday() in closed_weekdays:
        due += datetime.timedelta(days=1)
    return due


def format_cents(cents):
    return "%d.%02d" % divmod(cents, 100)
