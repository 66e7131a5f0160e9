"""Small SQL fragments shared by the compute plane's builders."""

from __future__ import annotations

import datetime


def age_sql(column: str, as_of: datetime.date) -> str:
    """周岁 at ``as_of`` of the birth date in ``column``: whole years completed (a birthday later in the
    year is not yet reached). ``column`` is an identifier the caller writes, never user text."""
    md = as_of.month * 100 + as_of.day
    return (
        f"({as_of.year} - year({column}) - "
        f"CASE WHEN {md} < month({column}) * 100 + day({column}) THEN 1 ELSE 0 END)"
    )
