"""Borrowing and returning books, under each tier's loan policy."""
from django.db import transaction
from django.db.models import F

from catalog.models import Book

from . import fines
from .models import Loan, LoanPolicy


class LoanRefused(Exception):
    pass


def policy_for(member):
    return LoanPolicy.objects.get(tier=member.tier)


@transaction.atomic
def borrow(member, book, today):
    if not member.can_borrow():
        raise LoanRefused("%s is not an active member" % member)
    policy = policy_for(member)
    if member.loans.open().count() >= policy.max_loans:
        raise LoanRefused("%s already has %d loans" % (member, policy.max_loans))
    book = Book.objects.select_for_update().get(pk=book.pk)
    if book.available_copies <= 0:
        raise LoanRefused("no copy of %s is available" % book)
    Book.objects.filter(pk=book.pk).update(copies_out=F("copies_out") + 1)
    return Loan.objects.create(book=book, member=member, borrowed_on=today,
                               due_on=fines.due_date(today, policy.loan_days))


@transaction.atomic
def give_back(loan, today):
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if loan.returned_on is not None:
        raise LoanRefused("loan %d was already returned" % loan.pk)
    policy = policy_for(loan.member)
    loan.returned_on = today
    loan.fine_cents = fines.fine_cents(loan.due_on, today, policy.daily_fine_cents, policy.fine_cap_cents)
    loan.save(update_fields=["returned_on", "fine_cents"])
    Book.objects.filter(pk=loan.book_id).update(copies_out=F("copies_out") - 1)
    transaction.on_commit(lambda: _notify_returned(loan.pk))
    return loan


NOTIFICATIONS = []


def _notify_returned(loan_id):
    NOTIFICATIONS.append(loan_id)
