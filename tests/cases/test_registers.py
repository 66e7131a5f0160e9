"""The bureau's registers: working-day overrides (next year's holiday notice) and the close-relative
register."""

from __future__ import annotations

import datetime

import pytest

from minzheng.assistance.cases import actions
from minzheng.assistance.cases.errors import RoleNotAllowed
from minzheng.assistance.cases.models import CloseRelative, WorkdayOverride
from minzheng.assistance.cases.selectors import get_workday_overrides
from minzheng.audit.models import AuditLog
from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.common.ids import InvalidIdNumber

from .flow import d, open_dibao, writes_nothing

pytestmark = pytest.mark.django_db


def test_the_bureau_enters_a_holiday_the_library_does_not_know_and_deadlines_follow(household, staff, clock):
    # given 2027 is beyond chinesecalendar 1.11.0; the city bureau enters New Year's Day as a holiday
    with pytest.raises(RoleNotAllowed):
        actions.do_set_workday_override(
            day=d("2027-01-01"), is_workday=False, note="元旦", acting_user=staff["township"]
        )
    override = actions.do_set_workday_override(
        day=d("2027-01-01"), is_workday=False, note="国办发明电 2027 年元旦放假", acting_user=staff["city"]
    )
    audit = AuditLog.objects.order_by("-id").first()
    assert audit is not None and (audit.subject_type, audit.subject_id) == ("workday_override", "2027-01-01")
    with writes_nothing():  # the same entry again changes nothing
        assert (
            actions.do_set_workday_override(
                day=d("2027-01-01"),
                is_workday=False,
                note="国办发明电 2027 年元旦放假",
                acting_user=staff["city"],
            )
            == override
        )
    assert get_workday_overrides() == {datetime.date(2027, 1, 1): False}
    # when a 低保 case is accepted on Wednesday 2026-12-30
    case = open_dibao(household, staff, clock, "2026-12-30")
    # then 12-31, 01-04, 01-05 are the three working days (01-01 off, 01-02/03 weekend)
    assert case.step_deadline == d("2027-01-05")
    assert WorkdayOverride.objects.count() == 1


def test_the_close_relative_register_validates_and_replaces(household, staff):
    son = household.memberships.get(person__name="张小明").person
    common = {
        "staff_name": "李委员",
        "staff_position": "village_committee",
        "region_code": "530602001001",
        "relative_id_number": son.id_number,
        "relative_name": son.name,
    }
    with writes_nothing(), pytest.raises(ValidationFailed):
        actions.do_register_close_relative(**common, relation="cousin", acting_user=staff["township"])
    with writes_nothing(), pytest.raises(InvalidIdNumber):
        actions.do_register_close_relative(
            **{**common, "relative_id_number": "530602198001010000"},
            relation="child",
            acting_user=staff["township"],
        )
    with writes_nothing(), pytest.raises(PermissionDenied):  # 守望乡 does not cover 西街社区
        actions.do_register_close_relative(**common, relation="child", acting_user=staff["other_township"])
    first = actions.do_register_close_relative(**common, relation="child", acting_user=staff["township"])
    assert (
        actions.do_register_close_relative(**common, relation="child", acting_user=staff["village"]) == first
    )
    second = actions.do_register_close_relative(
        **common, relation="grandchild", acting_user=staff["township"]
    )
    assert list(CloseRelative.objects.order_by("pk").values_list("relation", "is_active")) == [
        ("child", False),
        ("grandchild", True),
    ]
    assert second.pk != first.pk
