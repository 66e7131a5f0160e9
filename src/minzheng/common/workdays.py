"""Working days (工作日) for statutory deadlines: weekends, public holidays and the 调休 make-up workdays.

The State Council publishes each December the next year's holiday arrangement (国务院办公厅关于…部分节假日
安排的通知). The ``chinesecalendar`` package carries those notices for 2004–2026; for a year it does not
cover, it raises ``NotImplementedError`` and we fall back to "Monday to Friday", corrected by the bureau's
overrides (``cases.WorkdayOverride``): each year an administrator enters the notice's holidays
(``is_workday=False``) and make-up workdays (``is_workday=True``). An override wins over the library too, so
that a local arrangement (a 云南 or 昭通 holiday) can be entered.

Everything here is pure: the overrides come in as a mapping ``{date: is_workday}``, so the functions are
tested without a database (``minzheng.assistance.cases.selectors.get_workday_overrides`` reads the table).

Counting convention (the one the regulations use, 《民法典》第二百零一条): a period "within N working days of
受理" starts the next day; the day of 受理 itself is not counted.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

import chinese_calendar

Overrides = Mapping[datetime.date, bool]

_ONE_DAY = datetime.timedelta(days=1)


def is_workday(day: datetime.date, overrides: Overrides | None = None) -> bool:
    """Whether ``day`` is a working day: the bureau's override if any, else the State Council calendar,
    else (a year the library does not cover) Monday to Friday."""
    if overrides and day in overrides:
        return overrides[day]
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def add_workdays(start: datetime.date, n: int, overrides: Overrides | None = None) -> datetime.date:
    """The date that is ``n`` working days after ``start`` (``start`` not counted): the last day of a
    period "within n working days". ``n == 0`` gives ``start``.

    >>> add_workdays(datetime.date(2023, 9, 28), 3)  # 国庆 + 中秋 off 9-29…10-06; 10-07 and 10-08 worked
    datetime.date(2023, 10, 9)
    """
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    remaining = n
    while remaining:
        day += _ONE_DAY
        if is_workday(day, overrides):
            remaining -= 1
    return day


def workdays_between(a: datetime.date, b: datetime.date, overrides: Overrides | None = None) -> int:
    """Working days after ``a`` up to and including ``b`` (negative when ``b`` is before ``a``), so that
    ``workdays_between(a, add_workdays(a, n)) == n``."""
    if b < a:
        return -workdays_between(b, a, overrides)
    count = 0
    day = a
    while day < b:
        day += _ONE_DAY
        if is_workday(day, overrides):
            count += 1
    return count


def next_workday(day: datetime.date, overrides: Overrides | None = None) -> datetime.date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not is_workday(day, overrides):
        day += _ONE_DAY
    return day
