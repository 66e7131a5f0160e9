"""Turning Excel cell values into text and dates, the way users type them into Excel and WPS."""

from __future__ import annotations

import datetime
import re
import unicodedata

from openpyxl.utils.datetime import from_excel

EXACT_DIGITS = 15
"""Excel keeps 15 significant digits of a number: anything longer typed into a 常规/数值 cell is rounded."""

_DATE_WITH_SEPARATORS = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_LAST_EXCEL_SERIAL = 2_958_465  # 9999-12-31


def cell_text(value: object) -> str:
    """The cell as the user sees it, as text: what is staged and copied into the error workbook."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 10**EXACT_DIGITS:
            return str(int(value))
        return format(value, ".15G")  # how Excel displays it, e.g. 5.30602198005170E+17
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


def folded_text(value: object) -> str:
    """``cell_text`` with full-width characters folded (ＡＢ１２ → AB12) and inner spaces removed."""
    return "".join(unicodedata.normalize("NFKC", cell_text(value)).split())


def is_rounded_number(value: object) -> bool:
    """True for a number cell too long for Excel to hold exactly (an ID number typed without 文本 format)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return abs(value) >= 10**EXACT_DIGITS


def parse_date(value: object) -> datetime.date:
    """A date from an Excel date cell, a serial number, or text such as 2023-06-01, 2023/6/1, 20230601 or
    2023年6月1日. Raises ``ValueError`` with a Chinese message."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 1900_01_01 <= value <= 9999_12_31:
            text = str(int(value))
        elif 1 <= value <= _LAST_EXCEL_SERIAL:
            converted = from_excel(value)
            assert isinstance(converted, datetime.datetime)  # a serial above 1 is a date, not a time
            return converted.date()
        else:
            raise ValueError(f"日期无法识别：{cell_text(value)}，请填写如 2023-06-01 的日期")
    else:
        text = unicodedata.normalize("NFKC", cell_text(value)).split(" ")[0]
    match = _DATE_WITH_SEPARATORS.match(text) or _DATE_COMPACT.match(text)
    if match is None:
        raise ValueError(f"日期无法识别：{cell_text(value)}，请填写如 2023-06-01 的日期")
    year, month, day = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValueError(f"日期不存在：{cell_text(value)}") from None
