"""Seed the standards table and Zhaotong's profile with the labelled defaults of policy-rules §6.

Zhaotong's 2023 amounts are placeholders (confidence "placeholder") until the bureau enters its own
notices as new rows; the Yunnan 2020 guide minimums and the 2026 disability rates are C2.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from minzheng.assistance.standards import seed_policy

    seed_policy(
        apps.get_model("assistance", "PolicyStandard"), apps.get_model("assistance", "PolicyProfileVersion")
    )


def unseed(apps, schema_editor):
    apps.get_model("assistance", "PolicyStandard").objects.filter(created_by__isnull=True).delete()
    apps.get_model("assistance", "PolicyProfileVersion").objects.filter(created_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("assistance", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
