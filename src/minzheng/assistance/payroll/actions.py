"""The monthly payroll as an action: price, adjust, reissue, freeze — once per month.

* Running a month that is already frozen returns it: nothing is paid twice.
* A change that reaches a month already frozen (an entitlement edited after that month's freeze, or a
  standards row entered later with an earlier date) is paid in the next run as an adjustment: 补发 when
  the recomputed amount is higher than what was paid for that month, 扣减 when lower.
* A payment the bank reported failed or returned is paid again (重发) in the next run.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from minzheng.accounts.access import require_write
from minzheng.accounts.models import User
from minzheng.audit.chain import record
from minzheng.audit.models import AuditEvent
from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.compute.bulkload import bulk_insert

from ..models import BankAccount, Entitlement, LineKind, LineStatus, PayrollLine, PayrollRun, PolicyStandard
from .compute import MONEY, price_month, snapshot_entitlements

Progress = Callable[[str, int, int], None]

ADJUSTMENT_LOOKBACK_MONTHS = 12

_LINE_FIELDS = [
    ("entitlement_id", pa.int64()),
    ("person_id", pa.int64()),
    ("household_id", pa.int64()),
    ("scheme", pa.string()),
    ("county_code", pa.string()),
    ("region_code", pa.string()),
    ("kind", pa.string()),
    ("for_month", pa.date32()),
    ("amount", MONEY),
]
_LINE_SCHEMA = pa.schema(_LINE_FIELDS)
_BANKED_SCHEMA = pa.schema([*_LINE_FIELDS, ("bank_name", pa.string()), ("account_number", pa.string())])


def first_of_month(value: datetime.date) -> datetime.date:
    return value.replace(day=1)


def parse_month(text: str) -> datetime.date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return datetime.date(year, month, 1)
    except ValueError:
        raise ValidationFailed(f"月份格式错误：{text!r}，应为 YYYY-MM，例如 2023-06", field="month") from None


def _previous_runs(month: datetime.date) -> list[PayrollRun]:
    earliest = (month - datetime.timedelta(days=31 * ADJUSTMENT_LOOKBACK_MONTHS)).replace(day=1)
    return list(PayrollRun.objects.filter(month__lt=month, month__gte=earliest).order_by("month"))


def _paid_per_month(entitlement_ids: list[int], months: list[datetime.date]) -> pa.Table:
    """What was recorded as due (regular + adjustments, not reissues) per entitlement and month."""
    schema = pa.schema([("entitlement_id", pa.int64()), ("for_month", pa.date32()), ("paid", MONEY)])
    if not entitlement_ids or not months:
        return schema.empty_table()
    rows = (
        PayrollLine.objects.filter(entitlement_id__in=entitlement_ids, for_month__in=months)
        .exclude(kind=LineKind.REISSUE)
        .values("entitlement_id", "for_month")
        .annotate(paid=Sum("amount"))
    )
    return pa.Table.from_pylist(list(rows), schema=schema)


def _adjustments(month: datetime.date, previous: list[PayrollRun]) -> pa.Table:
    """补发 / 扣减 lines for frozen months whose inputs changed after they were frozen."""
    if not previous:
        return _LINE_SCHEMA.empty_table()
    last_frozen = previous[-1].frozen_at
    late_rows = PolicyStandard.objects.filter(created_at__gt=last_frozen, effective_from__lt=month)
    retroactive_from = min((r.effective_from for r in late_rows), default=None)
    changed_ids = set(Entitlement.objects.filter(changed_at__gt=last_frozen).values_list("id", flat=True))
    parts = []
    for run in previous:
        everyone = retroactive_from is not None and run.month >= first_of_month(retroactive_from)
        if not everyone and not changed_ids:
            continue
        # entitlements as they are now, priced for the earlier month (including those ended since)
        current = snapshot_entitlements(run.month)
        ids = current.column("entitlement_id")
        if not everyone:
            mask = pc.is_in(ids, value_set=pa.array(sorted(changed_ids), pa.int64()))
            current = current.filter(mask)
        expected = price_month(run.month, entitlements=current)
        touched = sorted(
            set(current.column("entitlement_id").to_pylist()) | (changed_ids if not everyone else set())
        )
        paid = _paid_per_month(touched, [run.month])
        con = duckdb.connect()
        con.register("expected", expected)
        con.register("paid", paid)
        con.register("ent", current)
        part = con.sql(
            f"""
            SELECT coalesce(x.entitlement_id, p.entitlement_id) AS entitlement_id,
                   x.person_id, x.household_id, x.scheme, x.county_code, x.region_code,
                   CASE WHEN coalesce(x.amount, 0) > coalesce(p.paid, 0) THEN '{LineKind.BACK_PAY}'
                        ELSE '{LineKind.DEDUCTION}' END AS kind,
                   DATE '{run.month.isoformat()}' AS for_month,
                   CAST(coalesce(x.amount, 0) - coalesce(p.paid, 0) AS DECIMAL(12, 2)) AS amount
            FROM expected x FULL JOIN paid p USING (entitlement_id)
            WHERE coalesce(x.amount, 0) <> coalesce(p.paid, 0)
            """
        ).to_arrow_table()
        parts.append(_fill_missing(part))
    return pa.concat_tables(parts).cast(_LINE_SCHEMA) if parts else _LINE_SCHEMA.empty_table()


def _fill_missing(part: pa.Table) -> pa.Table:
    """A deduction for an entitlement no longer in force has no priced row: take its identity from the DB."""
    missing = [
        i
        for i, p in zip(
            part.column("entitlement_id").to_pylist(), part.column("person_id").to_pylist(), strict=True
        )
        if p is None
    ]
    if not missing:
        return part
    known = {
        e["id"]: e
        for e in Entitlement.objects.filter(id__in=missing).values(
            "id", "person_id", "household_id", "scheme", "region_code"
        )
    }
    rows = part.to_pylist()
    for row in rows:
        if row["person_id"] is None:
            e = known[row["entitlement_id"]]
            row.update(
                person_id=e["person_id"],
                household_id=e["household_id"],
                scheme=e["scheme"],
                region_code=e["region_code"],
                county_code=e["region_code"][:6],
            )
    return pa.Table.from_pylist(rows, schema=part.schema)


def _reissues(month: datetime.date) -> tuple[pa.Table, list[int]]:
    failed = list(
        PayrollLine.objects.filter(
            status__in=[LineStatus.FAILED, LineStatus.RETURNED], reissued_in__isnull=True
        ).values(
            "id",
            "entitlement_id",
            "person_id",
            "household_id",
            "scheme",
            "county_code",
            "region_code",
            "for_month",
            "amount",
        )
    )
    rows = [{**{k: v for k, v in line.items() if k != "id"}, "kind": LineKind.REISSUE} for line in failed]
    return pa.Table.from_pylist(rows, schema=_LINE_SCHEMA), [line["id"] for line in failed]


def _with_bank_accounts(lines: pa.Table) -> pa.Table:
    """Bank accounts for adjustment and reissue lines (regular lines carry theirs from the snapshot)."""
    person_ids = sorted(set(lines.column("person_id").to_pylist()))
    accounts = {
        a["person_id"]: (a["bank_name"], a["account_number"])
        for a in BankAccount.objects.filter(person_id__in=person_ids).values(
            "person_id", "bank_name", "account_number"
        )
    }
    found = [accounts.get(p, ("", "")) for p in lines.column("person_id").to_pylist()]
    return lines.append_column("bank_name", pa.array([f[0] for f in found], pa.string())).append_column(
        "account_number", pa.array([f[1] for f in found], pa.string())
    )


def _fingerprint(lines: pa.Table) -> str:
    """A digest of what the month pays, to show later that the frozen inputs did not change."""
    digest = hashlib.sha256()
    sink = pa.BufferOutputStream()
    pa.csv.write_csv(lines.select(["entitlement_id", "kind", "for_month", "amount"]), sink)
    digest.update(sink.getvalue().to_pybytes())
    return digest.hexdigest()


def do_run_payroll(
    month: datetime.date, *, acting_user: User | None, progress: Progress | None = None
) -> PayrollRun:
    """Freeze ``month``'s payroll (see the module docstring). Returns the existing run if already frozen."""
    if acting_user is not None:
        require_write(acting_user)
        # a run covers the whole city's month: the city bureau freezes it (per-county runs are a later step)
        if acting_user.role not in ("city", "admin"):
            raise PermissionDenied("月度发放由市民政局统一冻结生成")
    month = first_of_month(month)
    existing = PayrollRun.objects.filter(month=month).first()
    if existing is not None:
        return existing

    def tick(stage: str, done: int = 1, total: int = 1) -> None:
        if progress is not None:
            progress(stage, done, total)

    tick("核定本月待遇", 0)
    regular = price_month(month)
    regular = regular.append_column("kind", pa.repeat(pa.scalar(LineKind.REGULAR.value), regular.num_rows))
    regular = regular.append_column("for_month", pa.repeat(pa.scalar(month, pa.date32()), regular.num_rows))
    regular = regular.select(_BANKED_SCHEMA.names).cast(_BANKED_SCHEMA)
    tick("核定本月待遇")
    adjustments = _adjustments(month, _previous_runs(month))
    tick("补发与扣减")
    reissues, reissued_ids = _reissues(month)
    tick("失败重发")
    others = _with_bank_accounts(pa.concat_tables([adjustments, reissues]))
    lines = pa.concat_tables([regular, others.cast(_BANKED_SCHEMA)])
    return _freeze(month, lines, reissued_ids, acting_user=acting_user, tick=tick)


@transaction.atomic
def _freeze(
    month: datetime.date,
    lines: pa.Table,
    reissued_ids: list[int],
    *,
    acting_user: User | None,
    tick: Callable[..., None],
) -> PayrollRun:
    total_scalar = pc.sum(lines.column("amount")).as_py()
    total = Decimal(total_scalar if total_scalar is not None else 0).quantize(Decimal("0.01"))
    run = PayrollRun.objects.create(
        month=month,
        frozen_at=timezone.now(),
        frozen_by=acting_user,
        inputs_sha256=_fingerprint(lines),
        line_count=lines.num_rows,
        total_amount=total,
    )
    table = lines.append_column("run_id", pa.repeat(pa.scalar(run.pk, pa.int64()), lines.num_rows))
    table = table.append_column("status", pa.repeat(pa.scalar(LineStatus.PENDING.value), lines.num_rows))
    table = table.append_column("status_note", pa.repeat(pa.scalar(""), lines.num_rows))
    bulk_insert(PayrollLine, table, progress=lambda n: tick("写入发放明细", n, lines.num_rows))
    if reissued_ids:
        PayrollLine.objects.filter(id__in=reissued_ids).update(reissued_in=run)
    record(
        AuditEvent.PAYROLL_FROZEN,
        actor=acting_user,
        subject_type="payroll",
        subject_id=f"{month:%Y-%m}",
        summary=f"{month:%Y年%m月}发放冻结：{lines.num_rows} 条，合计 {total} 元",
        data={
            "month": f"{month:%Y-%m}",
            "lines": lines.num_rows,
            "total": str(total),
            "totals": totals_by_scheme(run),
        },
    )
    return run


def totals_by_scheme(run: PayrollRun) -> dict[str, Any]:
    rows = (
        PayrollLine.objects.filter(run=run)
        .values("scheme", "kind")
        .annotate(n=Count("id"), amount=Sum("amount"))
    )
    return {f"{r['scheme']}/{r['kind']}": {"lines": r["n"], "amount": str(r["amount"])} for r in rows}


def totals_by_county(run: PayrollRun) -> list[dict[str, Any]]:
    return list(
        PayrollLine.objects.filter(run=run)
        .values("county_code", "scheme")
        .annotate(lines=Count("id"), persons=Count("person_id", distinct=True), amount=Sum("amount"))
        .order_by("county_code", "scheme")
    )
