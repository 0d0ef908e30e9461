"""Loans of books to members, and the per-tier loan policies (created by a data migration)."""
from django.db import models


class LoanPolicy(models.Model):
    tier = models.CharField(max_length=10, unique=True)
    max_loans = models.PositiveSmallIntegerField()
    loan_days = models.PositiveSmallIntegerField()
    daily_fine_cents = models.PositiveIntegerField()
    fine_cap_cents = models.PositiveIntegerField()

    def __str__(self):
        return "%s: %d loans, %d days" % (self.tier, self.max_loans, self.loan_days)


class LoanQuerySet(models.QuerySet):
    def open(self):
        return self.filter(returned_on__isnull=True)

    def overdue(self, today):
        return self.open().filter(due_on__lt=today)


class Loan(models.Model):
    book = models.ForeignKey("catalog.Book", on_delete=models.PROTECT, related_name="loans")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="loans")
    borrowed_on = models.DateField()
    due_on = models.DateField()
    returned_on = models.DateField(null=True, blank=True)
    fine_cents = models.PositiveIntegerField(default=0)

    objects = LoanQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["book", "member", "borrowed_on"], name="loans_loan_once_a_day"),
        ]

    def __str__(self):
        return "%s -> %s" % (self.book, self.member)
