"""Payment files (代发文件) of a frozen payroll run, and the scoped reads the payroll pages and CLIs share.

* One file per bank with the lines that bank pays (amount > 0 and an account on file).
* 「无发放账户」: lines with a positive amount but no bank account — an exception list for the county to
  resolve (they are sent to no bank).
* 「扣减清单」: deductions (negative amounts). Banks are never sent a negative payment; the county finance
  office nets them against the person's next payments.

Every file is masked (ID number and account) unless the user holds the reveal permission and asks for the
full variant; every file produced, masked or full, writes an ``EXPORT_DOWNLOADED`` audit row. The lines are
read with one streamed query per build (``values_list(...).iterator()``), never one query per line.

A county user's files, totals and pages hold only their county's lines; city and admin users see the city.
``acting_user=None`` is the command line acting as the system: it sees everything but never the full
variant (a reveal must be attributable to a person).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from minzheng.accounts.access import region_filter, require_write
from minzheng.accounts.models import Role, User
from minzheng.audit.chain import record
from minzheng.audit.models import AuditEvent
from minzheng.common.errors import NotFoundOrNoAccess, PermissionDenied
from minzheng.common.masking import mask_bank_account, mask_id_number
from minzheng.common.models import Region, RegionLevel

from ..models import (
    Confidence,
    LineKind,
    LineStatus,
    PayrollLine,
    PayrollRun,
    Scheme,
    StandardItem,
    StandardUnit,
)
from ..standards import load_rows, rows_in_force

HEADERS = (
    "流水号",
    "县（市、区）",
    "村（社区）代码",
    "姓名",
    "公民身份号码",
    "开户银行",
    "账号",
    "救助类别",
    "所属月份",
    "类型",
    "金额",
)

NO_ACCOUNT = "no_account"
DEDUCTIONS = "deductions"
BANK_PREFIX = "bank:"
NO_ACCOUNT_LABEL = "无发放账户"
DEDUCTIONS_LABEL = "扣减清单"

PAYROLL_READER_ROLES = frozenset({Role.COUNTY, Role.CITY, Role.ADMIN, Role.AUDITOR})
"""Who may open the payroll pages and download (masked) payment files; township and village staff don't."""
PAYROLL_WRITER_ROLES = frozenset({Role.COUNTY, Role.CITY, Role.ADMIN})
"""Who may run a month and import a bank return file (the same roles ``do_run_payroll`` accepts)."""

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


class FileFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


# --- access --------------------------------------------------------------------------------------------


def require_payroll_reader(user: User | None) -> None:
    """``None`` is the system (command line); a person needs a county-level or higher role."""
    if user is None:
        return
    if not user.is_active or user.jurisdiction_id is None or user.role not in PAYROLL_READER_ROLES:
        raise PermissionDenied("月度发放仅对县级及以上民政部门和审计监督开放")


def require_payroll_writer(user: User | None) -> None:
    if user is None:
        return
    require_write(user)  # auditors read; they never write
    if user.role not in PAYROLL_WRITER_ROLES:
        raise PermissionDenied("只有县级及以上民政部门可以办理月度发放和银行对账")
    require_payroll_reader(user)


def scope_payroll_lines(
    user: User | None, queryset: QuerySet[PayrollLine] | None = None
) -> QuerySet[PayrollLine]:
    """The lines of the user's jurisdiction (by the line's village code); all of them for the system."""
    queryset = PayrollLine.objects.all() if queryset is None else queryset
    if user is None:
        return queryset
    require_payroll_reader(user)
    prefix = user.jurisdiction_prefix or ""
    # The same rows as ``region_filter(user, "region_code")`` (a line's county_code is its village code's
    # first six digits), through the indexed (run, county_code) column for county and city users.
    if len(prefix) == 6:
        return queryset.filter(county_code=prefix)
    if 0 < len(prefix) < 6:
        return queryset.filter(county_code__startswith=prefix)
    return queryset.filter(region_filter(user, "region_code"))


def access_payroll_run(user: User | None, month: datetime.date) -> PayrollRun:
    """A run is city-wide; what a user sees of it is scoped by :func:`scope_payroll_lines`."""
    require_payroll_reader(user)
    run = PayrollRun.objects.filter(month=month.replace(day=1)).select_related("frozen_by").first()
    if run is None:
        raise NotFoundOrNoAccess(f"{month:%Y年%m月} 尚未生成月度发放")
    return run


def audit_region(user: User | None) -> str:
    return "" if user is None else str(user.jurisdiction_id or "")


# --- totals ----------------------------------------------------------------------------------------------


def county_names() -> dict[str, str]:
    return dict(Region.objects.filter(level=RegionLevel.COUNTY).values_list("code", "name"))


def _scheme_label(value: str) -> str:
    return Scheme(value).label if value in Scheme.values else value


def _kind_label(value: str) -> str:
    return LineKind(value).label if value in LineKind.values else value


@dataclass(frozen=True)
class SchemeTotal:
    scheme: str
    scheme_label: str
    kind: str
    kind_label: str
    lines: int
    amount: Decimal


@dataclass(frozen=True)
class CountyTotal:
    county_code: str
    county_name: str
    scheme: str
    scheme_label: str
    lines: int
    persons: int
    amount: Decimal


@dataclass(frozen=True)
class StatusTotal:
    status: str
    status_label: str
    lines: int
    amount: Decimal


@dataclass(frozen=True)
class PayrollTotals:
    lines: int
    persons: int
    amount: Decimal
    by_scheme: list[SchemeTotal]
    by_county: list[CountyTotal]
    by_status: list[StatusTotal]

    def chart(self) -> dict[str, Any]:
        """By county, one stacked series per scheme, for the ECharts bar chart (amounts as numbers)."""
        counties = list(dict.fromkeys(t.county_name for t in self.by_county))
        schemes = list(dict.fromkeys(t.scheme_label for t in self.by_county))
        amounts = {(t.county_name, t.scheme_label): float(t.amount) for t in self.by_county}
        return {
            "counties": counties,
            "series": [
                {"name": scheme, "data": [amounts.get((county, scheme), 0) for county in counties]}
                for scheme in schemes
            ],
        }


def get_payroll_totals(run: PayrollRun, user: User | None) -> PayrollTotals:
    """The run's totals within the user's jurisdiction: by scheme and kind, by county and scheme, by status."""
    lines = scope_payroll_lines(user).filter(run=run)
    overall = lines.aggregate(n=Count("id"), persons=Count("person_id", distinct=True), total=Sum("amount"))
    names = county_names()
    by_scheme = [
        SchemeTotal(
            r["scheme"], _scheme_label(r["scheme"]), r["kind"], _kind_label(r["kind"]), r["n"], r["total"]
        )
        for r in lines.values("scheme", "kind")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("scheme", "kind")
    ]
    by_county = [
        CountyTotal(
            r["county_code"],
            names.get(r["county_code"], r["county_code"]),
            r["scheme"],
            _scheme_label(r["scheme"]),
            r["n"],
            r["persons"],
            r["total"],
        )
        for r in lines.values("county_code", "scheme")
        .annotate(n=Count("id"), persons=Count("person_id", distinct=True), total=Sum("amount"))
        .order_by("county_code", "scheme")
    ]
    by_status = [
        StatusTotal(r["status"], LineStatus(r["status"]).label, r["n"], r["total"])
        for r in lines.values("status").annotate(n=Count("id"), total=Sum("amount")).order_by("status")
    ]
    return PayrollTotals(
        lines=overall["n"],
        persons=overall["persons"],
        amount=overall["total"] or Decimal("0.00"),
        by_scheme=by_scheme,
        by_county=by_county,
        by_status=by_status,
    )


@dataclass(frozen=True)
class RunSummary:
    run: PayrollRun
    lines: int
    persons: int
    amount: Decimal
    pending: int


def list_payroll_runs(user: User | None) -> list[RunSummary]:
    """Every run, newest first, with its totals within the user's jurisdiction (one aggregate query)."""
    totals = {
        r["run_id"]: r
        for r in scope_payroll_lines(user)
        .values("run_id")
        .annotate(
            n=Count("id"),
            persons=Count("person_id", distinct=True),
            total=Sum("amount"),
            pending=Count("id", filter=Q(status=LineStatus.PENDING, amount__gt=0)),
        )
        .order_by()
    }
    summaries = []
    for run in PayrollRun.objects.select_related("frozen_by").order_by("-month"):
        t = totals.get(run.pk, {})
        summaries.append(
            RunSummary(
                run=run,
                lines=t.get("n", 0),
                persons=t.get("persons", 0),
                amount=t.get("total") or Decimal("0.00"),
                pending=t.get("pending", 0),
            )
        )
    return summaries


# --- which file a line goes to ---------------------------------------------------------------------------


def bank_key(bank_name: str) -> str:
    return f"{BANK_PREFIX}{bank_name}"


def file_label(key: str) -> str:
    if key == NO_ACCOUNT:
        return NO_ACCOUNT_LABEL
    if key == DEDUCTIONS:
        return DEDUCTIONS_LABEL
    return key.removeprefix(BANK_PREFIX)


_HAS_ACCOUNT = ~Q(bank_name="") & ~Q(account_number="")


def _file_filter(key: str) -> Q:
    """The lines of one file, as a filter (so that one file is built from only its own lines)."""
    if key == DEDUCTIONS:
        return Q(amount__lt=0)
    if key == NO_ACCOUNT:
        return Q(amount__gt=0) & ~_HAS_ACCOUNT
    if key.startswith(BANK_PREFIX):
        return Q(amount__gt=0, bank_name=key.removeprefix(BANK_PREFIX)) & _HAS_ACCOUNT
    raise NotFoundOrNoAccess("没有该发放文件")


def _file_key(amount: Decimal, bank_name: str, account_number: str) -> str | None:
    if amount < 0:
        return DEDUCTIONS
    if amount == 0:
        return None  # nothing to pay (the payroll writes no such line; a guard, not a case)
    if not bank_name or not account_number:
        return NO_ACCOUNT
    return bank_key(bank_name)


@dataclass(frozen=True)
class PaymentFileSummary:
    key: str
    label: str
    rows: int
    total: Decimal

    @property
    def is_bank(self) -> bool:
        return self.key.startswith(BANK_PREFIX)


def list_payment_files(run: PayrollRun, user: User | None) -> list[PaymentFileSummary]:
    """The files of the run within the user's jurisdiction: banks (by name), then the two lists."""
    lines = scope_payroll_lines(user).filter(run=run)
    banks = (
        lines.filter(_HAS_ACCOUNT, amount__gt=0)
        .values("bank_name")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("bank_name")
    )
    files = [PaymentFileSummary(bank_key(r["bank_name"]), r["bank_name"], r["n"], r["total"]) for r in banks]
    for key in (NO_ACCOUNT, DEDUCTIONS):
        agg = lines.filter(_file_filter(key)).aggregate(n=Count("id"), total=Sum("amount"))
        if agg["n"]:
            files.append(PaymentFileSummary(key, file_label(key), agg["n"], agg["total"]))
    return files


# --- writing ---------------------------------------------------------------------------------------------

_UNSAFE_FILE_NAME = re.compile(r'[\\/:*?"<>|\s]+')
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def payment_file_name(run: PayrollRun, key: str, file_format: FileFormat, *, full: bool) -> str:
    label = _UNSAFE_FILE_NAME.sub("_", file_label(key)).strip("_") or "银行"
    prefix = "代发" if key.startswith(BANK_PREFIX) else "发放"
    return f"{prefix}_{run.month:%Y-%m}_{label}{'_完整' if full else ''}.{file_format}"


def _csv_text(value: str) -> str:
    """A text cell that Excel would read as a formula gets a leading apostrophe (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


class _Writer:
    """One file being written; rows arrive in the order of the one query."""

    def __init__(self, key: str, file_format: FileFormat):
        self.key = key
        self.file_format = file_format
        self.rows = 0
        self.total = Decimal("0.00")
        self._workbook: Workbook | None = None
        self._sheet: WriteOnlyWorksheet | None = None
        self._text: io.StringIO | None = None
        self._csv: Any = None
        if file_format == FileFormat.XLSX:
            self._workbook = Workbook(write_only=True)
            self._sheet = self._workbook.create_sheet(
                "代发明细" if key.startswith(BANK_PREFIX) else file_label(key)
            )
            self._sheet.append(list(HEADERS))
            # One styled cell reused for every amount: write-only rows are serialised as they are
            # appended, and building a styled cell per row costs a quarter of the writing time. (openpyxl
            # writes the values after a cell object through that cell: the amount must stay the last column.)
            self._amount_cell = WriteOnlyCell(self._sheet, value=0)
            self._amount_cell.number_format = "0.00"
        else:
            self._text = io.StringIO(newline="")
            self._csv = csv.writer(self._text)
            self._csv.writerow(HEADERS)

    def add(self, values: list[Any], amount: Decimal) -> None:
        self.rows += 1
        self.total += amount
        if self._sheet is not None:
            self._sheet.append([self._xlsx_cell(v) for v in values])
        else:
            self._csv.writerow(
                [
                    f"{v:.2f}" if isinstance(v, Decimal) else _csv_text(v) if isinstance(v, str) else v
                    for v in values
                ]
            )

    def _xlsx_cell(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            self._amount_cell.value = value
            return self._amount_cell
        if isinstance(value, str) and value.startswith("="):
            # openpyxl writes a string starting with "=" as a formula: keep it text.
            cell = WriteOnlyCell(self._sheet, value=value)
            cell.data_type = "s"
            return cell
        return value

    def finish(self, about: list[tuple[str, Any]]) -> bytes:
        if self._workbook is not None:
            sheet = self._workbook.create_sheet("说明")
            for label, value in [*about, ("笔数", self.rows), ("金额合计（元）", self.total)]:
                sheet.append([label, value])
            buffer = io.BytesIO()
            self._workbook.save(buffer)
            return buffer.getvalue()
        assert self._text is not None
        # UTF-8 with a byte order mark: Excel (and WPS) then read the Chinese headers and names correctly.
        return self._text.getvalue().encode("utf-8-sig")


@dataclass(frozen=True)
class PaymentFile:
    key: str
    label: str
    file_format: FileFormat
    file_name: str
    content: bytes
    rows: int
    total: Decimal
    full: bool

    @property
    def content_type(self) -> str:
        return XLSX_CONTENT_TYPE if self.file_format == FileFormat.XLSX else CSV_CONTENT_TYPE


_LINE_COLUMNS = (
    "id",
    "county_code",
    "region_code",
    "person__name",
    "person__id_number",
    "bank_name",
    "account_number",
    "scheme",
    "for_month",
    "kind",
    "amount",
)


def build_payment_files(
    run: PayrollRun,
    *,
    user: User | None,
    full: bool,
    formats: Sequence[FileFormat] = (FileFormat.XLSX,),
    keys: Iterable[str] | None = None,
) -> list[PaymentFile]:
    """The files (only those with rows), built from one streamed query. No audit row: see
    :func:`do_export_payment_files`, the only caller that hands files to anyone."""
    lines = scope_payroll_lines(user).filter(run=run)
    wanted = None if keys is None else list(keys)
    if wanted is not None:
        condition = Q(pk__in=[])
        for key in wanted:
            condition |= _file_filter(key)
        lines = lines.filter(condition)
    names = county_names()
    writers: dict[tuple[str, FileFormat], _Writer] = {}
    rows = lines.values_list(*_LINE_COLUMNS).order_by("county_code", "region_code", "id")
    for (
        line_id,
        county,
        region,
        name,
        id_number,
        bank,
        account,
        scheme,
        for_month,
        kind,
        amount,
    ) in rows.iterator(chunk_size=5000):
        file_key = _file_key(amount, bank, account)
        if file_key is None or (wanted is not None and file_key not in wanted):
            continue
        values = [
            line_id,
            names.get(county, county),
            region,
            name,
            id_number if full else mask_id_number(id_number),
            bank,
            account if full else mask_bank_account(account),
            _scheme_label(scheme),
            f"{for_month:%Y-%m}",
            _kind_label(kind),
            amount,
        ]
        for file_format in formats:
            writer = writers.get((file_key, file_format))
            if writer is None:
                writer = writers[(file_key, file_format)] = _Writer(file_key, file_format)
            writer.add(values, amount)
    about = [
        ("发放月份", f"{run.month:%Y-%m}"),
        ("导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")),
        ("导出人", "system" if user is None else user.username),
        ("范围", "全市" if user is None else str(user.jurisdiction_id or "")),
        ("身份证号和账号", "完整（已记入审计日志）" if full else "已脱敏"),
    ]
    files = []
    for (key, file_format), writer in sorted(writers.items(), key=lambda item: _file_order(item[0])):
        files.append(
            PaymentFile(
                key=key,
                label=file_label(key),
                file_format=file_format,
                file_name=payment_file_name(run, key, file_format, full=full),
                content=writer.finish([("文件", file_label(key)), *about]),
                rows=writer.rows,
                total=writer.total,
                full=full,
            )
        )
    return files


def _file_order(item: tuple[str, FileFormat]) -> tuple[int, str, str]:
    key, file_format = item
    rank = 0 if key.startswith(BANK_PREFIX) else 1 if key == NO_ACCOUNT else 2
    return (rank, key, file_format.value)


def do_export_payment_files(
    run: PayrollRun,
    *,
    acting_user: User | None,
    full: bool = False,
    formats: Sequence[FileFormat] = (FileFormat.XLSX,),
    keys: Iterable[str] | None = None,
    out_dir: Path | None = None,
) -> list[PaymentFile]:
    """Build the run's payment files for the user and write one audit row per file; with ``out_dir``,
    save them there too (inside the audit transaction: a file that cannot be saved leaves no audit row)."""
    require_payroll_reader(acting_user)
    if full and (acting_user is None or not acting_user.can_reveal_personal_data()):
        raise PermissionDenied(
            "您没有导出完整身份证号和银行账号的权限，请导出脱敏文件或联系管理员授权"
            if acting_user is not None
            else "系统身份不能导出完整身份证号和银行账号：请用 --user 指定有查看权限的账号"
        )
    # Built before the audit transaction, so that the chain head is locked only for the inserts.
    files = build_payment_files(run, user=acting_user, full=full, formats=formats, keys=keys)
    with transaction.atomic():
        for payment_file in files:
            _record_export(run, payment_file, acting_user)
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            for payment_file in files:
                (out_dir / payment_file.file_name).write_bytes(payment_file.content)
    return files


def _record_export(run: PayrollRun, payment_file: PaymentFile, user: User | None) -> None:
    masked = "含完整身份证号和银行账号" if payment_file.full else "已脱敏"
    record(
        AuditEvent.EXPORT_DOWNLOADED,
        actor=user,
        subject_type="payroll",
        subject_id=f"{run.month:%Y-%m}",
        region_code=audit_region(user),
        summary=(
            f"导出{run.month:%Y年%m月}发放文件「{payment_file.label}」{payment_file.rows} 笔，"
            f"合计 {payment_file.total} 元（{masked}）"
        ),
        data={
            "month": f"{run.month:%Y-%m}",
            "bank": payment_file.label,
            "file": payment_file.key,
            "format": payment_file.file_format.value,
            "file_name": payment_file.file_name,
            "rows": payment_file.rows,
            "total": str(payment_file.total),
            "full": payment_file.full,
        },
    )


# --- the standards in force, as the 救助标准 page and ``minzheng standards list`` show them ----------------
# (A read over ``assistance/standards.py``; it lives here only because that module has another owner.)


@dataclass(frozen=True)
class StandardInForce:
    item: str
    item_label: str
    tier: str
    urban_rural: str  # the row's: "" applies to both
    urban_rural_label: str
    amount: Decimal
    unit_label: str
    effective_from: datetime.date
    region_code: str
    source: str
    confidence: str
    confidence_label: str

    @property
    def is_placeholder(self) -> bool:
        return self.confidence == "placeholder"


def list_standards_in_force(region_code: str, as_of: datetime.date) -> list[StandardInForce]:
    """The rows in force at a place and date, for urban and rural units (a row for both shown once)."""
    rows = load_rows(region_code)
    found = {}
    for urban_rural in ("urban", "rural"):
        for row in rows_in_force(rows, region_code, urban_rural, as_of).values():
            found[row.key] = row
    item_order = {item: i for i, item in enumerate(StandardItem.values)}
    ur_labels = {"": "城乡通用", "urban": "城市", "rural": "农村"}
    result = [
        StandardInForce(
            item=row.item,
            item_label=StandardItem(row.item).label if row.item in StandardItem.values else row.item,
            tier=row.tier,
            urban_rural=row.urban_rural,
            urban_rural_label=ur_labels.get(row.urban_rural, row.urban_rural),
            amount=row.amount,
            unit_label=StandardUnit(row.unit).label if row.unit in StandardUnit.values else row.unit,
            effective_from=row.effective_from,
            region_code=row.region_code,
            source=row.source,
            confidence=row.confidence,
            confidence_label=(
                Confidence(row.confidence).label if row.confidence in Confidence.values else row.confidence
            ),
        )
        for row in found.values()
    ]
    ur_order = {"urban": 0, "rural": 1, "": 2}
    result.sort(
        key=lambda s: (item_order.get(s.item, 99), ur_order.get(s.urban_rural, 3), _tier_order(s.tier))
    )
    return result


def _tier_order(tier: str) -> tuple[int, int, str]:
    """Numeric tiers (disability grades, age bands) by number, the others (A/B/C, care levels) by text."""
    return (0, int(tier), "") if tier.isdigit() else (1, 0, tier)
