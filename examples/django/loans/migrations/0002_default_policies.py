"""Data migration: one loan policy per membership tier."""
from django.db import migrations

POLICIES = [
    # tier, max loans, loan days, daily fine (cents), fine cap (cents)
    ("basic", 3, 14, 25, 1000),
    ("plus", 8, 28, 20, 800),
    ("staff", 20, 56, 0, 0),
]


def create_policies(apps, schema_editor):
    LoanPolicy = apps.get_model("loans", "LoanPolicy")
    db = schema_editor.connection.alias
    for tier, max_loans, loan_days, daily, cap in POLICIES:
        LoanPolicy.objects.using(db).update_or_create(
            tier=tier, defaults=dict(max_loans=max_loans, loan_days=loan_days,
                                     daily_fine_cents=daily, fine_cap_cents=cap))


def delete_policies(apps, schema_editor):
    apps.get_model("loans", "LoanPolicy").objects.using(schema_editor.connection.alias).delete()


class Migration(migrations.Migration):
    dependencies = [("loans", "0001_initial")]
    operations = [migrations.RunPython(create_policies, delete_policies)]
