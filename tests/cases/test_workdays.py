"""Working days: the State Council calendar (with 调休), weekends beyond it, and the bureau's overrides."""

from __future__ import annotations

import datetime

import pytest

from minzheng.common.workdays import add_workdays, is_workday, next_workday, workdays_between

D = datetime.date


def test_three_working_days_after_28_september_2023_skip_the_national_day_holiday():
    # given 受理 on Thursday 2023-09-28; 9-29 … 10-06 were 中秋 + 国庆 holidays, 10-07 (Sat) and 10-08 (Sun)
    # were make-up working days
    # when the investigation deadline (3 working days) is computed
    deadline = add_workdays(D(2023, 9, 28), 3)
    # then it is Monday 10-09: 10-07 and 10-08 count, the holiday does not
    assert deadline == D(2023, 10, 9)
    assert [is_workday(D(2023, 10, day)) for day in (6, 7, 8, 9)] == [False, True, True, True]


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, D(2023, 9, 28)),
        (1, D(2023, 10, 7)),
        (10, D(2023, 10, 18)),
        (15, D(2023, 10, 25)),
        (30, D(2023, 11, 15)),
    ],
)
def test_add_workdays_from_28_september_2023(n, expected):
    assert add_workdays(D(2023, 9, 28), n) == expected


def test_workdays_between_is_the_inverse_of_add_workdays():
    # given 受理 on 2023-09-28, when counting the working days up to 10-09 and back
    assert workdays_between(D(2023, 9, 28), D(2023, 10, 9)) == 3
    assert workdays_between(D(2023, 10, 9), D(2023, 9, 28)) == -3
    assert workdays_between(D(2023, 10, 9), D(2023, 10, 9)) == 0
    for n in (1, 5, 22, 45):
        assert workdays_between(D(2023, 9, 28), add_workdays(D(2023, 9, 28), n)) == n


def test_a_year_the_library_does_not_cover_falls_back_to_monday_to_friday():
    # given 2027, which chinesecalendar 1.11.0 does not cover, and no override
    # when 3 working days are added to Wednesday 2026-12-30
    # then 12-31 (Thu), 2027-01-01 (Fri: a weekday without the notice) and 01-04 (Mon) count
    assert add_workdays(D(2026, 12, 30), 3) == D(2027, 1, 4)


def test_the_bureaus_overrides_enter_next_years_notice():
    # given the bureau entered 2027-01-01 as a holiday and Sunday 2027-01-03 as a make-up working day
    overrides = {D(2027, 1, 1): False, D(2027, 1, 3): True}
    # then the deadline moves accordingly
    assert add_workdays(D(2026, 12, 30), 3, overrides) == D(2027, 1, 4)
    assert add_workdays(D(2026, 12, 30), 2, overrides) == D(2027, 1, 3)
    assert not is_workday(D(2027, 1, 1), overrides)
    assert next_workday(D(2027, 1, 1), overrides) == D(2027, 1, 3)


def test_an_override_wins_over_the_library():
    # given a local holiday on Monday 2023-10-09 (a working day in the State Council calendar)
    overrides = {D(2023, 10, 9): False}
    # then three working days after 09-28 end on 10-10
    assert add_workdays(D(2023, 9, 28), 3, overrides) == D(2023, 10, 10)


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        add_workdays(D(2023, 9, 28), -1)
