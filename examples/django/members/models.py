"""Library members and their membership tier (which sets their loan policy)."""
from django.db import models


class Member(models.Model):
    class Tier(models.TextChoices):
        BASIC = "basic", "Basic"
        PLUS = "plus", "Plus"
        STAFF = "staff", "Staff"

    name = models.CharField(max_length=120)
    email = models.EmailField(unique=True)
    tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.BASIC)
    joined = models.DateField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def can_borrow(self):
        return self.active
