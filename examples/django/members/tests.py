"""Members: email normalisation, uniqueness, tiers."""
import datetime

from django.db import IntegrityError, transaction
from django.test import TestCase

from libsite.testing import add_cases
from members.models import Member

JOINED = datetime.date(2024, 1, 15)


class MemberTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.ada = Member.objects.create(name="Ada Lovelace", email="ada@example.org", joined=JOINED)
        cls.alan = Member.objects.create(name="Alan Turing", email="alan@example.org", joined=JOINED,
                                         tier=Member.Tier.PLUS)

    def test_default_tier(self):
        self.assertEqual(self.ada.tier, "basic")

    def test_ordering(self):
        self.assertEqual([m.name for m in Member.objects.all()], ["Ada Lovelace", "Alan Turing"])

    def test_email_unique(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            Member.objects.create(name="Copy", email="ADA@example.org ", joined=JOINED)

    def test_inactive_cannot_borrow(self):
        self.ada.active = False
        self.ada.save()
        self.assertFalse(Member.objects.get(pk=self.ada.pk).can_borrow())

    def test_active_can_borrow(self):
        self.assertTrue(self.ada.can_borrow())

    def test_filter_by_tier(self):
        self.assertEqual(list(Member.objects.filter(tier="plus")), [self.alan])

    def test_str(self):
        self.assertEqual(str(self.alan), "Alan Turing")

    def check_email_normalised(self, raw, stored):
        member = Member.objects.create(name="N", email=raw, joined=JOINED)
        self.assertEqual(Member.objects.get(pk=member.pk).email, stored)


add_cases(MemberTests, "email", [
    ("Grace@Example.org", "grace@example.org"),
    ("  hedy@example.org", "hedy@example.org"),
    ("KATHERINE@NASA.GOV ", "katherine@nasa.gov"),
    ("barbara@example.org", "barbara@example.org"),
    ("Margaret.Hamilton@MIT.edu", "margaret.hamilton@mit.edu"),
    ("radia@EXAMPLE.org", "radia@example.org"),
    ("Frances@Example.ORG", "frances@example.org"),
    ("joan@example.org\t", "joan@example.org"),
    ("EDSGER@example.org", "edsger@example.org"),
    ("donald@Example.org", "donald@example.org"),
    ("ken@example.org", "ken@example.org"),
    ("Dennis@bell-labs.com", "dennis@bell-labs.com"),
], MemberTests.check_email_normalised)
