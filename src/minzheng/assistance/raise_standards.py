"""提标: entering new standards from a date, previewed as a diff before it is confirmed.

The preview prices the month twice with the same SQL as the payroll — with the table as it is and with the
proposed rows added — and compares entitlement by entitlement, so the diff's totals are by construction the
difference of the two payrolls.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pyarrow as pa
from django.db import transaction

from minzheng.accounts.access import require_write
from minzheng.accounts.models import User
from minzheng.audit.chain import record
from minzheng.audit.models import AuditEvent
from minzheng.common.errors import PermissionDenied, ValidationFailed

from .models import Confidence, PolicyStandard, StandardItem, StandardUnit
from .payroll.compute import price_month, snapshot_entitlements
from .standards import StandardRow


@dataclass(frozen=True)
class CountyCost:
    county_code: str
    scheme: str
    persons_changed: int
    monthly_before: Decimal
    monthly_after: Decimal

    @property
    def monthly_change(self) -> Decimal:
        return self.monthly_after - self.monthly_before

    @property
    def annual_change(self) -> Decimal:
        return self.monthly_change * 12


@dataclass(frozen=True)
class StandardChangeDiff:
    month: datetime.date
    rows: tuple[StandardRow, ...]
    changes: pa.Table  # entitlement_id, person_id, household_id, scheme, county_code, before, after, change
    by_county: tuple[CountyCost, ...]

    @property
    def persons_changed(self) -> int:
        return self.changes.num_rows

    @property
    def monthly_before(self) -> Decimal:
        return sum((c.monthly_before for c in self.by_county), Decimal("0.00"))

    @property
    def monthly_after(self) -> Decimal:
        return sum((c.monthly_after for c in self.by_county), Decimal("0.00"))

    @property
    def monthly_change(self) -> Decimal:
        return self.monthly_after - self.monthly_before

    @property
    def annual_change(self) -> Decimal:
        return self.monthly_change * 12


def validate_rows(rows: Sequence[StandardRow]) -> None:
    if not rows:
        raise ValidationFailed("没有要录入的标准", field="rows")
    for i, row in enumerate(rows, start=1):
        where = f"第 {i} 条"
        if row.item not in StandardItem.values:
            raise ValidationFailed(f"{where}：标准项目无效：{row.item}", field="item")
        if row.unit not in StandardUnit.values:
            raise ValidationFailed(f"{where}：单位无效：{row.unit}", field="unit")
        if row.confidence not in Confidence.values:
            raise ValidationFailed(f"{where}：可信度无效：{row.confidence}", field="confidence")
        if row.amount < 0:
            raise ValidationFailed(f"{where}：金额不能为负数", field="amount")
        if not row.source.strip():
            raise ValidationFailed(f"{where}：必须填写依据（文件名称、文号）", field="source")
        if PolicyStandard.objects.filter(
            region_code=row.region_code,
            item=row.item,
            urban_rural=row.urban_rural,
            tier=row.tier,
            effective_from=row.effective_from,
        ).exists():
            raise ValidationFailed(
                f"{where}：该区划、项目、档次在 {row.effective_from} 已有标准；提标请用新的执行日期",
                field="effective_from",
            )


def preview_standard_change(rows: Sequence[StandardRow], month: datetime.date) -> StandardChangeDiff:
    """Who changes in ``month`` and by how much, and the monthly and annual cost by county and scheme."""
    validate_rows(rows)
    month = month.replace(day=1)
    entitlements = snapshot_entitlements(month)
    before = price_month(month, entitlements=entitlements)
    after = price_month(month, entitlements=entitlements, proposed=rows)
    con = duckdb.connect()
    con.register("before_", before)
    con.register("after_", after)
    con.execute(
        """
        CREATE TEMP VIEW joined AS
        SELECT coalesce(a.entitlement_id, b.entitlement_id) AS entitlement_id,
               coalesce(a.person_id, b.person_id) AS person_id,
               coalesce(a.household_id, b.household_id) AS household_id,
               coalesce(a.scheme, b.scheme) AS scheme,
               coalesce(a.county_code, b.county_code) AS county_code,
               CAST(coalesce(b.amount, 0) AS DECIMAL(12, 2)) AS before,
               CAST(coalesce(a.amount, 0) AS DECIMAL(12, 2)) AS after
        FROM after_ a FULL JOIN before_ b USING (entitlement_id)
        """
    )
    changes = con.sql(
        "SELECT *, CAST(after - before AS DECIMAL(12, 2)) AS change FROM joined WHERE after <> before ORDER BY entitlement_id"
    ).to_arrow_table()
    by_county = con.sql(
        """
        SELECT county_code, scheme, count(*) FILTER (WHERE after <> before) AS persons_changed,
               sum(before) AS monthly_before, sum(after) AS monthly_after
        FROM joined GROUP BY county_code, scheme ORDER BY county_code, scheme
        """
    ).fetchall()
    costs = tuple(CountyCost(c, s, int(n), Decimal(str(b)), Decimal(str(a))) for c, s, n, b, a in by_county)
    return StandardChangeDiff(month=month, rows=tuple(rows), changes=changes, by_county=costs)


@transaction.atomic
def do_confirm_standard_change(
    rows: Sequence[StandardRow], *, diff: StandardChangeDiff | None = None, acting_user: User
) -> list[PolicyStandard]:
    """Save the new rows (提标 is new rows from a date; old rows stay for earlier months)."""
    require_write(acting_user)
    if acting_user.role not in ("city", "admin"):
        raise PermissionDenied("救助标准由市民政局录入和确认")
    validate_rows(rows)
    created = PolicyStandard.objects.bulk_create(
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
                created_by=acting_user,
            )
            for r in rows
        ]
    )
    summary = "；".join(
        f"{r.region_code} {StandardItem(r.item).label}{r.tier} {r.amount}（{r.effective_from}起）"
        for r in rows
    )
    record(
        AuditEvent.STANDARD_CHANGE_CONFIRMED,
        actor=acting_user,
        subject_type="standards",
        subject_id=rows[0].effective_from.isoformat(),
        region_code=rows[0].region_code if len(rows[0].region_code) > 6 else "",
        summary=f"确认提标：{summary}"[:500],
        data={
            "rows": [
                {**r.__dict__, "amount": str(r.amount), "effective_from": r.effective_from.isoformat()}
                for r in rows
            ],
            "preview": None
            if diff is None
            else {
                "month": f"{diff.month:%Y-%m}",
                "persons_changed": diff.persons_changed,
                "monthly_change": str(diff.monthly_change),
                "annual_change": str(diff.annual_change),
            },
        },
    )
    return created
