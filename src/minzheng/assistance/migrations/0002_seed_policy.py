"""Seed the standards table and Zhaotong's profile with the labelled defaults of policy-rules §6.

Zhaotong's 2023 amounts are placeholders (confidence "placeholder") until the bureau enters its own
notices as new rows; the Yunnan 2020 guide minimums and the 2026 disability rates are C2.
"""

import datetime

from django.db import migrations


def seed(apps, schema_editor):
    from minzheng.assistance.standards import (
        SEED_EFFECTIVE_FROM,
        ZHAOTONG,
        seed_payment_modes,
        seed_profile_values,
        seed_rows,
    )

    PolicyStandard = apps.get_model("assistance", "PolicyStandard")
    PolicyProfileVersion = apps.get_model("assistance", "PolicyProfileVersion")
    PolicyStandard.objects.bulk_create(
        [
            PolicyStandard(
                region_code=r.region_code,
                item=r.item,
                urban_rural=r.urban_rural,
                tier=r.tier,
                effective_from=r.effective_from,
                amount=r.amount,
                unit=r.unit,
                source=r.source,
                confidence=r.confidence,
            )
            for r in seed_rows()
        ]
    )
    PolicyProfileVersion.objects.create(
        region_code=ZHAOTONG,
        effective_from=SEED_EFFECTIVE_FROM,
        values=seed_profile_values(),
        payment_modes=seed_payment_modes(),
        note="初始参数：policy-rules 的标注默认值，待民政局按正式文件修订",
    )


def unseed(apps, schema_editor):
    apps.get_model("assistance", "PolicyStandard").objects.filter(created_by__isnull=True).delete()
    apps.get_model("assistance", "PolicyProfileVersion").objects.filter(
        effective_from=datetime.date(2023, 1, 1)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("assistance", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
