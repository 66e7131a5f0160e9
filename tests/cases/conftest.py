from __future__ import annotations

import datetime

import pytest

from minzheng.assistance.cases import clock as case_clock
from tests.factories import make_case_staff, make_named_household


class Clock:
    """The workflow's business date, moved by the test (``clock.set("2023-09-28")``)."""

    def __init__(self) -> None:
        self.day = datetime.date(2023, 9, 28)

    def set(self, day: str | datetime.date) -> datetime.date:
        self.day = datetime.date.fromisoformat(day) if isinstance(day, str) else day
        return self.day


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(case_clock, "today", lambda: fake.day)
    return fake


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def staff(regions):
    return make_case_staff(regions)


@pytest.fixture
def household(regions):
    """张家 in 西街社区 (凤凰街道, 昭阳区): 张三丰 (head), 张小明, 张小红."""
    return make_named_household(regions["530602001001"], "HH-ZHANG", ["张三丰", "张小明", "张小红"])
