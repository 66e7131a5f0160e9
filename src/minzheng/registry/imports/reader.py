"""Reading an uploaded workbook (openpyxl, read-only) into rows keyed by the template headers.

The reader only finds the sheet, the header row and the data rows; it judges no value. A file that is not
a readable .xlsx, or that lacks required headers, raises :class:`ValidationFailed` with one Chinese message.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from minzheng.common.errors import ValidationFailed

from .columns import HOUSEHOLD_NUMBER, REQUIRED_HEADERS, SAMPLE_PREFIX, SHEET_MEMBERS, canonical_header

HEADER_SEARCH_ROWS = 10
"""Government sheets often carry a title line or two above the headers."""

MAX_DATA_ROWS = 200_000

CellValue = str | int | float | bool | datetime.datetime | datetime.date | datetime.time | None


@dataclass(frozen=True)
class SheetRow:
    row_number: int
    """The row number the user sees in Excel (1-based, counting the header and any title lines)."""
    values: dict[str, CellValue]
    """Template header → the cell's value as openpyxl read it (absent when the column is missing)."""


@dataclass(frozen=True)
class ParsedSheet:
    sheet_name: str
    header_row: int
    headers: tuple[str, ...]
    """Template headers present in the file, in the file's column order."""
    rows: list[SheetRow]


ProgressCallback = Callable[[str, int, int], None]


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_map(cells: tuple[Any, ...]) -> tuple[dict[int, str], dict[str, list[int]]]:
    mapping: dict[int, str] = {}
    positions: dict[str, list[int]] = {}
    for index, value in enumerate(cells):
        header = canonical_header(value)
        if header is not None:
            mapping[index] = header
            positions.setdefault(header, []).append(index)
    return mapping, positions


def _letters(indexes: list[int]) -> str:
    return "、".join(f"第{get_column_letter(i + 1)}列" for i in indexes)


def open_workbook(data: bytes) -> Any:
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    # openpyxl raises many kinds of error for a damaged or foreign file (zip, XML, key and value errors).
    except Exception as error:
        raise _unreadable() from error


def _unreadable() -> ValidationFailed:
    return ValidationFailed(
        "无法读取该文件：请上传 Excel 2007 及以上版本的 .xlsx 文件"
        "（.xls 或 WPS 的 .et 文件请先「另存为」.xlsx）",
        code="unreadable_file",
        field="file",
    )


def read_household_sheet(data: bytes, *, progress: ProgressCallback | None = None) -> ParsedSheet:
    """Rows of the 「家庭成员」 sheet (or the first sheet), skipping blank rows and the template's example."""
    workbook = open_workbook(data)
    try:
        sheet = workbook[SHEET_MEMBERS] if SHEET_MEMBERS in workbook.sheetnames else workbook.worksheets[0]
        estimated_rows = sheet.max_row or 0
        # Some writers store a wrong <dimension>; read-only mode would then stop early.
        sheet.reset_dimensions()
        return _read_rows(sheet, estimated_rows, progress)
    except ValidationFailed:
        raise
    # A sheet's XML is parsed lazily: damage inside it shows up only while reading rows.
    except Exception as error:
        raise _unreadable() from error
    finally:
        workbook.close()


def _read_rows(sheet: Any, estimated_rows: int, progress: ProgressCallback | None) -> ParsedSheet:
    rows_iter = sheet.iter_rows(values_only=True)
    header_row = 0
    best: tuple[dict[int, str], dict[str, list[int]]] = ({}, {})
    for row_number, cells in enumerate(rows_iter, start=1):
        mapping, positions = _header_map(tuple(cells))
        if len(mapping) > len(best[0]):
            best, header_row = (mapping, positions), row_number
        if len(positions) >= len(REQUIRED_HEADERS) or row_number >= HEADER_SEARCH_ROWS:
            break
    mapping, positions = best
    missing = [header for header in REQUIRED_HEADERS if header not in positions]
    if missing:
        raise ValidationFailed(
            f"文件缺少必需的列：{'、'.join(missing)}。请使用「家庭户导入模板」，并保持表头文字与模板一致。",
            code="missing_headers",
            field="file",
            missing=missing,
        )
    duplicated = {header: indexes for header, indexes in positions.items() if len(indexes) > 1}
    if duplicated:
        detail = "；".join(f"「{header}」在{_letters(indexes)}" for header, indexes in duplicated.items())
        raise ValidationFailed(
            f"表头重复，无法确定使用哪一列：{detail}。请删除多余的列后重新上传。",
            code="duplicate_headers",
            field="file",
        )

    # The search above may have read past the header row: start again from the row after it.
    rows: list[SheetRow] = []
    row_number = header_row
    for row_number, cells in enumerate(
        sheet.iter_rows(min_row=header_row + 1, values_only=True), header_row + 1
    ):
        values = {header: cells[index] for index, header in mapping.items() if index < len(cells)}
        if all(_is_blank(value) for value in values.values()):
            continue
        household = values.get(HOUSEHOLD_NUMBER)
        if isinstance(household, str) and household.strip().startswith(SAMPLE_PREFIX):
            continue
        rows.append(SheetRow(row_number, values))
        if len(rows) > MAX_DATA_ROWS:
            raise ValidationFailed(
                f"文件超过 {MAX_DATA_ROWS} 行，请拆分为多个文件分别导入", code="too_many_rows", field="file"
            )
        if progress is not None and row_number % 1000 == 0:
            progress("读取", row_number, max(estimated_rows, row_number))
    if progress is not None and row_number >= 1000:
        progress("读取", row_number, row_number)
    if not rows:
        raise ValidationFailed(
            "文件中没有可导入的数据行（表头下方为空，或只有示例行）", code="empty_file", field="file"
        )
    headers = tuple(header for _, header in sorted(mapping.items()))
    return ParsedSheet(sheet_name=sheet.title, header_row=header_row, headers=headers, rows=rows)
