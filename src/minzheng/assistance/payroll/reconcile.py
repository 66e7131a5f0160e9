"""Importing a bank's return file (银行回盘): which payments arrived, failed or came back.

The file (.xlsx or .csv) has the columns 流水号 (the line id of the payment file), 状态 (成功 / 已到账 →
paid; 失败 → failed; 退回 → returned) and optionally 原因. Every row is checked before anything is written;
one bad row rejects the whole file with a Chinese error per row and field (all-or-nothing). Statuses are
then updated set-based, in chunks, in one transaction with the ``PAYROLL_RECONCILED`` audit row. Importing
the same file again changes nothing (and writes nothing). When no payment of the run is pending any more,
the run is marked reconciled.

Failed and returned payments are paid again (重发) by the next month's ``do_run_payroll``.
Deductions are never sent to a bank (the county finance office nets them), so they have no bank status:
they do not hold the run back from being reconciled, and a return file that names one is rejected.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from minzheng.accounts.access import user_covers_region
from minzheng.accounts.models import User
from minzheng.audit.chain import record
from minzheng.audit.models import AuditEvent
from minzheng.common.errors import ValidationFailed

from ..models import LineStatus, PayrollLine, PayrollRun, PayrollStatus
from .files import audit_region, require_payroll_writer

LINE_ID = "流水号"
STATUS = "状态"
REASON = "原因"
REQUIRED_HEADERS = (LINE_ID, STATUS)
HEADER_SEARCH_ROWS = 10
NOTE_MAX_LENGTH = 200
CHUNK = 2000

STATUS_WORDS: dict[str, LineStatus] = {
    "成功": LineStatus.PAID,
    "已到账": LineStatus.PAID,
    "失败": LineStatus.FAILED,
    "发放失败": LineStatus.FAILED,
    "退回": LineStatus.RETURNED,
    "资金退回": LineStatus.RETURNED,
}
# A bank may report money as arrived and later return it (e.g. an account closed after crediting).
_ALLOWED_LATER = {(LineStatus.PAID, LineStatus.RETURNED)}


@dataclass(frozen=True)
class RowError:
    row_number: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row_number} 行「{self.field}」：{self.message}"


@dataclass(frozen=True)
class ReconcileResult:
    run: PayrollRun
    rows: int
    errors: tuple[RowError, ...] = ()
    updated: dict[str, int] = field(default_factory=dict)  # new status → lines changed to it
    unchanged: int = 0
    run_reconciled: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> int:
        return sum(self.updated.values())


@dataclass(frozen=True)
class ReturnRow:
    row_number: int
    line_id: str
    status: str
    reason: str


# --- reading ---------------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores a typed-in 流水号 as a number
    return str(value).strip()


def _unreadable() -> ValidationFailed:
    return ValidationFailed(
        "无法读取银行回盘文件：请上传 .xlsx 或 .csv 文件（CSV 请用 UTF-8 或 GBK 编码）",
        code="unreadable_file",
        field="file",
    )


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    # openpyxl raises many kinds of error for a damaged or foreign file (zip, XML, key and value errors).
    except Exception as error:
        raise _unreadable() from error
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong <dimension>
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(cells)
    except ValidationFailed:
        raise
    except Exception as error:  # damage inside the sheet's XML shows up only while reading rows
        raise _unreadable() from error
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    for encoding in ("utf-8-sig", "gb18030"):  # banks' systems write either
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _unreadable()
    for number, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        yield number, list(cells)


def _take(texts: list[str], positions: dict[str, int], header: str) -> str:
    index = positions.get(header)
    return texts[index] if index is not None and index < len(texts) else ""


def read_return_file(data: bytes, file_name: str = "") -> list[ReturnRow]:
    """The data rows of a return file (blank rows skipped). Raises for a file without the columns."""
    is_xlsx = data[:4] == b"PK\x03\x04" or file_name.lower().endswith(".xlsx")
    rows = _xlsx_rows(data) if is_xlsx else _csv_rows(data)
    positions: dict[str, int] = {}
    result: list[ReturnRow] = []
    for number, cells in rows:
        texts = [_cell_text(c) for c in cells]
        if not positions:
            found = {text: i for i, text in reversed(list(enumerate(texts))) if text}
            if all(h in found for h in REQUIRED_HEADERS):
                positions = {h: found[h] for h in (*REQUIRED_HEADERS, REASON) if h in found}
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        if not any(texts):
            continue
        result.append(
            ReturnRow(
                number,
                _take(texts, positions, LINE_ID),
                _take(texts, positions, STATUS),
                _take(texts, positions, REASON),
            )
        )
    if not positions:
        raise ValidationFailed(
            f"银行回盘文件缺少必需的列：{'、'.join(REQUIRED_HEADERS)}（表头须在前 {HEADER_SEARCH_ROWS} 行内）",
            code="missing_headers",
            field="file",
        )
    if not result:
        raise ValidationFailed("银行回盘文件没有数据行", code="empty_file", field="file")
    return result


# --- checking ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Known:
    run_id: int
    run_month: str
    region_code: str
    amount_negative: bool
    status: str
    note: str
    reissued_in_month: str | None


def _chunks(values: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _known_lines(ids: list[int]) -> dict[int, _Known]:
    """The lines the file names, read in chunks of ids (a few queries per file, never one per line)."""
    known: dict[int, _Known] = {}
    for chunk in _chunks(ids):
        rows = PayrollLine.objects.filter(id__in=chunk).values_list(
            "id",
            "run_id",
            "run__month",
            "region_code",
            "amount",
            "status",
            "status_note",
            "reissued_in__month",
        )
        for line_id, run_id, month, region, amount, status, note, reissued in rows:
            known[line_id] = _Known(
                run_id,
                f"{month:%Y年%m月}",
                region,
                amount < 0,
                status,
                note,
                None if reissued is None else f"{reissued:%Y年%m月}",
            )
    return known


@dataclass(frozen=True)
class _Change:
    line_id: int
    status: str
    note: str


def _check(
    run: PayrollRun, rows: list[ReturnRow], user: User | None
) -> tuple[list[RowError], list[_Change], int]:
    errors: list[RowError] = []
    parsed: list[tuple[ReturnRow, int, LineStatus]] = []
    first_row: dict[int, int] = {}
    for row in rows:
        row_errors = len(errors)
        line_id = None
        if not row.line_id:
            errors.append(RowError(row.row_number, LINE_ID, "不能为空"))
        elif not row.line_id.isdigit():
            errors.append(RowError(row.row_number, LINE_ID, f"「{row.line_id}」不是有效的流水号（应为数字）"))
        else:
            line_id = int(row.line_id)
            if line_id in first_row:
                errors.append(
                    RowError(row.row_number, LINE_ID, f"流水号 {line_id} 与第 {first_row[line_id]} 行重复")
                )
            else:
                first_row[line_id] = row.row_number
        status = STATUS_WORDS.get(row.status)
        if status is None:
            shown = f"「{row.status}」" if row.status else "空白"
            errors.append(
                RowError(row.row_number, STATUS, f"状态{shown}无法识别，应为 成功、已到账、失败 或 退回")
            )
        if len(row.reason) > NOTE_MAX_LENGTH:
            errors.append(RowError(row.row_number, REASON, f"原因不能超过 {NOTE_MAX_LENGTH} 个字"))
        if len(errors) == row_errors and line_id is not None and status is not None:
            parsed.append((row, line_id, status))

    known = _known_lines([line_id for _, line_id, _ in parsed])
    changes: list[_Change] = []
    unchanged = 0
    for row, line_id, status in parsed:
        line = known.get(line_id)
        if line is None or (user is not None and not user_covers_region(user, line.region_code)):
            # A line outside the jurisdiction is reported exactly like a missing one.
            errors.append(RowError(row.row_number, LINE_ID, f"流水号 {line_id} 不存在或不在您的管辖范围内"))
            continue
        if line.run_id != run.pk:
            errors.append(
                RowError(
                    row.row_number,
                    LINE_ID,
                    f"流水号 {line_id} 属于{line.run_month}的发放，不是本次（{run.month:%Y年%m月}）的发放",
                )
            )
            continue
        if line.amount_negative:
            errors.append(
                RowError(row.row_number, LINE_ID, f"流水号 {line_id} 是扣减，不发送银行，不能在回盘中对账")
            )
            continue
        note = row.reason
        if (line.status, line.note) == (status, note):
            unchanged += 1
            continue
        if line.status != status and line.reissued_in_month is not None:
            errors.append(
                RowError(
                    row.row_number,
                    STATUS,
                    f"流水号 {line_id} 已在{line.reissued_in_month}重发，不能再更改状态",
                )
            )
            continue
        allowed = line.status in (LineStatus.PENDING, status) or (line.status, status) in _ALLOWED_LATER
        if not allowed:
            errors.append(
                RowError(
                    row.row_number,
                    STATUS,
                    f"流水号 {line_id} 已对账为「{LineStatus(line.status).label}」，"
                    f"不能改为「{status.label}」",
                )
            )
            continue
        changes.append(_Change(line_id, status.value, note))
    errors.sort(key=lambda e: e.row_number)
    return errors, changes, unchanged


# --- the action --------------------------------------------------------------------------------------------


def do_reconcile_payroll(
    run: PayrollRun, data: bytes, *, file_name: str = "", acting_user: User | None
) -> ReconcileResult:
    """Check the whole return file, then apply it (or, with any bad row, apply nothing and return the
    errors). File-level problems (unreadable, missing columns) raise :class:`ValidationFailed`."""
    require_payroll_writer(acting_user)
    rows = read_return_file(data, file_name)
    with transaction.atomic():
        # One reconciliation of a run at a time (PostgreSQL; SQLite's write lock already serialises).
        run = PayrollRun.objects.select_for_update().get(pk=run.pk)
        errors, changes, unchanged = _check(run, rows, acting_user)
        if errors:
            return ReconcileResult(run=run, rows=len(rows), errors=tuple(errors), unchanged=unchanged)
        if not changes:
            return ReconcileResult(
                run=run,
                rows=len(rows),
                unchanged=unchanged,
                run_reconciled=run.status == PayrollStatus.RECONCILED,
            )
        return _apply(
            run, changes, rows=len(rows), unchanged=unchanged, file_name=file_name, user=acting_user
        )


def _apply(
    run: PayrollRun,
    changes: list[_Change],
    *,
    rows: int,
    unchanged: int,
    file_name: str,
    user: User | None,
) -> ReconcileResult:
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for change in changes:
        groups[(change.status, change.note)].append(change.line_id)
    updated: dict[str, int] = defaultdict(int)
    for (status, note), ids in groups.items():
        for chunk in _chunks(ids):
            updated[status] += PayrollLine.objects.filter(run=run, id__in=chunk).update(
                status=status, status_note=note
            )
    # Deductions have no bank status (see the module docstring): only payments can be pending.
    still_pending = PayrollLine.objects.filter(run=run, status=LineStatus.PENDING, amount__gt=0).exists()
    newly_reconciled = not still_pending and run.status != PayrollStatus.RECONCILED
    if newly_reconciled:
        run.status = PayrollStatus.RECONCILED
        run.save(update_fields=["status"])
    counts = {LineStatus(status).label: n for status, n in sorted(updated.items())}
    record(
        AuditEvent.PAYROLL_RECONCILED,
        actor=user,
        subject_type="payroll",
        subject_id=f"{run.month:%Y-%m}",
        region_code=audit_region(user),
        summary=(
            f"导入{run.month:%Y年%m月}银行回盘 {rows} 行："
            + "，".join(f"{label} {n} 笔" for label, n in counts.items())
            + (f"，未变化 {unchanged} 笔" if unchanged else "")
            + ("；本月发放已全部对账" if newly_reconciled else "")
        ),
        data={
            "month": f"{run.month:%Y-%m}",
            "file_name": file_name,
            "rows": rows,
            "updated": dict(updated),
            "unchanged": unchanged,
            "run_reconciled": run.status == PayrollStatus.RECONCILED,
        },
    )
    return ReconcileResult(
        run=run,
        rows=rows,
        updated=dict(updated),
        unchanged=unchanged,
        run_reconciled=run.status == PayrollStatus.RECONCILED,
    )
