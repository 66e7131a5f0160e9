"""The error workbook (错误报告): the uploaded rows with every bad cell filled red and commented.

Sheets:
- 「错误汇总」: one line per bad cell — 行号, 列名, 错误说明;
- 「家庭成员」: the staged rows at their original row numbers, the template's columns plus 「错误说明」
  (the row's messages; in 只导入正确的行 mode also rows skipped because another row of their household
  is bad). Users fix the cells here and upload this same file again.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from minzheng.common.masking import mask_id_number, mask_phone, mask_text
from minzheng.registry.models import ImportBatch, ImportMode, ImportRow

from . import columns as c
from .selectors import ordered_errors

ERROR_FILL_COLOR = "FFFFC7CE"
"""Excel's own 「差」 red, which users recognise."""
ERROR_FILL = PatternFill("solid", fgColor=ERROR_FILL_COLOR)
ERROR_FONT = Font(color="FF9C0006")
HEADER_FILL = PatternFill("solid", fgColor="FFD9E1F2")
HEADER_FONT = Font(bold=True)
COMMENT_AUTHOR = "智慧民政"
SKIPPED_NOTE = "本行无错误，但同一家庭的其他行有错误，整户未导入"

_TEXT_HEADERS = frozenset(column.header for column in c.COLUMNS if column.text)
_MASKERS: dict[str, Callable[[str | None], str]] = {
    c.ID_NUMBER: mask_id_number,
    c.CERTIFICATE_NUMBER: mask_id_number,
    c.PHONE: mask_phone,
}


def _header_cells(sheet: Worksheet, headers: list[str]) -> list[WriteOnlyCell]:
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cells.append(cell)
    return cells


def _set_widths(sheet: Worksheet, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def build_error_workbook(batch: ImportBatch, *, mask_personal_data: bool = False) -> bytes:
    """The error workbook of ``batch`` as .xlsx bytes. With ``mask_personal_data`` (for anyone but the
    uploader) ID, card and phone numbers are masked; the uploader gets their own input as entered."""
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(c.SHEET_ERROR_SUMMARY)
    members = workbook.create_sheet(c.SHEET_MEMBERS)
    _set_widths(summary, [8, 22, 80])
    _set_widths(members, [column.width for column in c.COLUMNS] + [80])
    summary.freeze_panes = "A2"
    summary.append(_header_cells(summary, ["行号", "列名", c.ERROR_COLUMN]))

    def shown(text: str) -> str:
        return mask_text(text) if mask_personal_data else text

    rows = ImportRow.objects.filter(batch=batch).order_by("row_number")
    bad_households = {
        data.get(c.HOUSEHOLD_NUMBER, "")
        for data in rows.exclude(errors={}).values_list("data", flat=True).iterator(chunk_size=2000)
    }
    report_skipped = batch.mode == ImportMode.GOOD_ROWS

    first_row = rows.values_list("row_number", flat=True).first() or 2
    header_row = max(first_row - 1, 1)
    members.freeze_panes = f"A{header_row + 1}"
    for _ in range(header_row - 1):
        members.append([])  # the user's title lines above the header stay where they were
    members.append(_header_cells(members, [*c.HEADERS, c.ERROR_COLUMN]))
    next_row = header_row + 1

    for row_number, data, errors in rows.values_list("row_number", "data", "errors").iterator(
        chunk_size=2000
    ):
        while next_row < row_number:
            members.append([])  # blank lines of the upload keep the row numbers the messages cite
            next_row += 1
        cells: list[object] = []
        for header in c.HEADERS:
            value = data.get(header, "")
            if mask_personal_data and header in _MASKERS and value:
                value = _MASKERS[header](value)
            if header not in errors and header not in _TEXT_HEADERS:
                cells.append(value or None)  # a plain value: styled cells cost ten times more to write
                continue
            cell = WriteOnlyCell(members, value or None)
            if header in _TEXT_HEADERS:
                cell.number_format = "@"  # 文本: an ID number retyped here stays exact
            if header in errors:
                cell.fill, cell.font = ERROR_FILL, ERROR_FONT
                cell.comment = Comment(shown(errors[header]), COMMENT_AUTHOR, width=320, height=120)
            cells.append(cell)
        if errors:
            messages = [f"{header}：{shown(message)}" for header, message in ordered_errors(errors)]
            explanation = f"第{row_number}行：" + "；".join(messages)
            for header, message in ordered_errors(errors):
                summary.append([row_number, header, shown(message)])
        elif report_skipped and data.get(c.HOUSEHOLD_NUMBER, "") in bad_households:
            explanation = f"第{row_number}行：{SKIPPED_NOTE}"
        else:
            explanation = ""
        note = WriteOnlyCell(members, explanation)
        if errors:
            note.font = ERROR_FONT
        cells.append(note)
        members.append(cells)
        next_row += 1

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
