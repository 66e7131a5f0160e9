"""One month's payroll at scale 1 (all schemes, ~0.6M people): set-based SQL on DuckDB vs a per-row ORM
implementation of the same computation on a sample, with the ratio.

Goal (issue: social assistance): under 30 s wall for the month on this machine.
"""

from __future__ import annotations

import datetime
import os
import random
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

TITLE = "payroll: one month, all schemes (SQLite record plane, DuckDB compute)"
ROOT = Path(__file__).resolve().parent.parent
MONTH = datetime.date(2023, 6, 1)
SAMPLE = 2000


def run(scale: float = 1.0) -> list[str]:
    var = Path(tempfile.mkdtemp(prefix="mz-bench-payroll-"))
    env = {**os.environ, "MINZHENG_VAR": str(var), "DJANGO_SETTINGS_MODULE": "minzheng.settings.base"}
    minzheng = str(ROOT / ".venv" / "bin" / "minzheng")
    subprocess.run([minzheng, "migrate", "--noinput", "-v", "0"], env=env, check=True)
    subprocess.run(
        [minzheng, "synth", "--scale", str(scale), "--load", "--payroll-months", "0"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from minzheng.assistance.models import Entitlement
    from minzheng.assistance.payroll.actions import do_run_payroll
    from minzheng.assistance.payroll.compute import price_month

    started = time.perf_counter()
    run_ = do_run_payroll(MONTH, acting_user=None)
    wall = time.perf_counter() - started
    persons = run_.lines.values("person_id").distinct().count()
    priced = price_month(MONTH)
    by_id = dict(
        zip(priced.column("entitlement_id").to_pylist(), priced.column("amount").to_pylist(), strict=True)
    )

    ids = list(by_id)
    random.Random(1).shuffle(ids)
    sample = ids[:SAMPLE]
    started = time.perf_counter()
    orm = {entitlement_id: orm_price(entitlement_id) for entitlement_id in sample}
    per_row = (time.perf_counter() - started) / len(sample)
    mismatches = sum(1 for i in sample if orm[i] != by_id[i])
    extrapolated = per_row * len(by_id)
    return [
        f"scale {scale}: {Entitlement.objects.count():,} entitlements, {run_.line_count:,} payroll lines for "
        f"{persons:,} people, total {run_.total_amount:,} 元",
        f"set-based payroll (price + bank accounts + freeze + bulk insert): {wall:.1f} s wall (goal < 30 s)",
        f"per-row ORM implementation on a sample of {len(sample):,}: {per_row * 1000:.2f} ms per entitlement, "
        f"{mismatches} amount mismatches against the SQL; extrapolated to the month: {extrapolated:.0f} s",
        f"ratio per-row ORM / set-based: {extrapolated / wall:.0f}×",
    ]


def orm_price(entitlement_id: int) -> Decimal:
    """What a naive implementation does: one entitlement at a time, through the ORM and the rules' params."""
    from minzheng.assistance.models import Entitlement
    from minzheng.assistance.payroll.compute import month_end
    from minzheng.assistance.standards import resolve_profile, resolve_standards
    from minzheng.common.ids import age_in_full_years
    from minzheng.common.money import yuan

    e = Entitlement.objects.select_related("person").get(pk=entitlement_id)
    as_of = month_end(MONTH)
    s = resolve_standards(e.region_code, e.urban_rural, as_of)
    p = resolve_profile(e.region_code, as_of)
    age = age_in_full_years(e.person.birth_date, as_of)
    if e.scheme == "dibao":
        if e.fixed_amount is not None:
            return e.fixed_amount
        std = s.dibao_monthly.value
        if s.payment_mode.value == "差额":
            total = max(
                s.floor_per_person.value * e.unit_size, std * e.unit_size - e.unit_net_income, Decimal(0)
            )
            cents = int(total * 100)
            base = Decimal(cents // e.unit_size + (1 if e.unit_rank < cents % e.unit_size else 0)) / 100
        else:
            base = s.tier_amounts.value[e.tier or "C"]
        shares = p.classified_supplements.value
        candidates = [
            shares["70周岁以上老年人"]
            if age >= 70
            else shares["60至69周岁老年人"]
            if age >= 60
            else Decimal(0),
            shares["未成年人"] if age < 18 else Decimal(0),
            shares["一二级重度残疾人"] if e.severe_disability else Decimal(0),
            shares["重特大疾病患者"] if e.serious_illness else Decimal(0),
        ]
        share = sum(candidates) if p.classified_supplement_mode.value == "stack" else max(candidates)
        return yuan(base + yuan(std * share))
    if e.scheme == "tekun":
        return s.tekun_basic_monthly(p).value + s.tekun_care.value[e.tier or "全自理"]
    if e.scheme == "disability_living":
        return s.disability_living.value
    if e.scheme == "disability_care":
        return s.disability_care.value[e.tier]
    if e.scheme == "elderly_allowance":
        bands = sorted(((int(k), v) for k, v in s.elderly_allowance.value.items()), reverse=True)
        return next((v for k, v in bands if age >= k), Decimal(0))
    if e.scheme == "temporary":
        return e.fixed_amount if e.start_month == MONTH and e.fixed_amount is not None else Decimal(0)
    rate = (
        s.orphan_institutional.value
        if e.scheme == "orphan" and e.placement == "集中"
        else s.orphan_dispersed.value
    )
    if e.scheme == "de_facto_orphan" or p.child_top_up_applies_to_orphans.value:
        others = sum(
            (
                orm_price(o.pk)
                for o in Entitlement.objects.filter(
                    person_id=e.person_id, scheme__in=["dibao", "tekun", "disability_living"], status="active"
                )
            ),
            Decimal(0),
        )
        return max(rate - others, Decimal(0))
    return rate
