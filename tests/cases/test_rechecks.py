"""Recipients: periodic re-checks by household type, amount changes from a month, a member's death,
suspension and resumption."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minzheng.assistance.cases import actions
from minzheng.assistance.cases.errors import RoleNotAllowed
from minzheng.assistance.cases.models import Case, CaseEvent, Recheck
from minzheng.audit.models import AuditLog
from minzheng.common.errors import ValidationFailed
from minzheng.registry.models import Person
from tests.factories import make_named_household

from .flow import confirm, county_review, d, dibao_at_county, writes_nothing, writes_one_event

pytestmark = pytest.mark.django_db


def _active(household, staff, clock) -> Case:
    """On 低保 from 2023-10-23 at 450 元 (first re-check due 2024-10-23)."""
    case = dibao_at_county(household, staff, clock)
    county_review(case, staff, clock, "2023-10-20")
    confirm(case, staff, clock, "2023-10-23")
    case.refresh_from_db()
    return case


def _make_migrant_worker(household, name: str) -> None:
    Person.objects.filter(memberships__household=household, name=name).update(employment="务工")


def test_a_recheck_without_material_change_keeps_the_amount(household, staff, clock):
    case = _active(household, staff, clock)
    clock.set("2024-10-21")
    with writes_one_event("recheck_recorded"):
        recheck = actions.do_record_recheck(case.pk, changed=False, acting_user=staff["township"])
    case.refresh_from_db()
    assert (recheck.status, recheck.done_on, recheck.old_amount, recheck.new_amount) == (
        "done",
        d("2024-10-21"),
        Decimal("450.00"),
        Decimal("450.00"),
    )
    assert case.monthly_amount == Decimal("450.00")
    assert list(Recheck.objects.filter(case=case, status="scheduled").values_list("due_on", "basis")) == [
        (d("2025-10-21"), "annual")
    ]


def test_a_change_takes_a_new_amount_from_next_month_decided_by_the_county(household, staff, clock):
    case = _active(household, staff, clock)
    # given the son now works away from home (务工, able to work): income unstable
    _make_migrant_worker(household, "张小明")
    clock.set("2024-10-21")
    # a township clerk cannot change the amount
    with writes_nothing(case), pytest.raises(RoleNotAllowed) as error:
        actions.do_record_recheck(
            case.pk, changed=True, new_monthly_amount="300", note="子女务工", acting_user=staff["township"]
        )
    assert error.value.message == "调整救助金额须由县级民政审核确认"
    # when the county records the change
    recheck = actions.do_record_recheck(
        case.pk,
        changed=True,
        new_monthly_amount="300",
        note="子女外出务工，收入增加",
        acting_user=staff["county"],
    )
    case.refresh_from_db()
    # then 300.00 from November 2024, and the household is now re-checked every 6 months
    assert (case.monthly_amount, case.amount_effective_month, case.income_unstable) == (
        Decimal("300.00"),
        d("2024-11-01"),
        True,
    )
    assert (recheck.old_amount, recheck.new_amount, recheck.effective_month) == (
        Decimal("450.00"),
        Decimal("300.00"),
        d("2024-11-01"),
    )
    assert list(Recheck.objects.filter(case=case, status="scheduled").values_list("due_on", "basis")) == [
        (d("2025-04-21"), "half_yearly")
    ]


def test_schedule_rechecks_by_household_type_set_based(household, regions, staff, clock):
    # given two recipients confirmed on 2023-10-23 whose re-checks are missing (e.g. migrated records),
    # the second with a member working away (unstable income, able to work)
    first = _active(household, staff, clock)
    other = make_named_household(regions["530602001001"], "HH-WANG", ["王大山", "王小山"])
    second = _active(other, staff, clock)
    _make_migrant_worker(other, "王小山")
    Recheck.objects.filter(case__in=[first, second]).update(status="cancelled")
    events, audit = CaseEvent.objects.count(), AuditLog.objects.count()
    # when the county schedules re-checks
    clock.set("2023-11-01")
    with pytest.raises(RoleNotAllowed):
        actions.do_schedule_rechecks(acting_user=staff["township"])
    assert actions.do_schedule_rechecks(acting_user=staff["county"]) == 2
    # then yearly for the first, half-yearly for the second; one timeline entry each, one audit row
    scheduled = Recheck.objects.filter(status="scheduled").order_by("case_id")
    assert list(scheduled.values_list("case_id", "due_on", "basis")) == [
        (first.pk, d("2024-10-23"), "annual"),
        (second.pk, d("2024-04-23"), "half_yearly"),
    ]
    assert (CaseEvent.objects.count() - events, AuditLog.objects.count() - audit) == (2, 1)
    assert AuditLog.objects.order_by("-id").values_list("subject_type", flat=True)[0] == "case_batch"
    assert Case.objects.get(pk=second.pk).income_unstable is True
    # and running it again changes nothing
    with writes_nothing():
        assert actions.do_schedule_rechecks(acting_user=staff["county"]) == 0


def test_a_members_death_brings_the_recheck_forward_to_within_three_months(household, staff, clock):
    case = _active(household, staff, clock)
    son = household.memberships.get(person__name="张小明").person
    clock.set("2023-12-12")
    with writes_one_event("member_death_reported"):
        recheck = actions.do_report_member_death(
            case.pk, person_id=son.pk, died_on=d("2023-12-10"), acting_user=staff["village"]
        )
    assert (recheck.due_on, recheck.basis) == (d("2024-03-10"), "member_death")
    assert Recheck.objects.filter(case=case, status="scheduled").count() == 1
    with writes_nothing(case):  # reported twice: nothing changes
        actions.do_report_member_death(
            case.pk, person_id=son.pk, died_on=d("2023-12-10"), acting_user=staff["township"]
        )
    stranger = make_named_household(household.region, "HH-OTHER", ["赵外人"]).head
    with writes_nothing(case), pytest.raises(ValidationFailed):
        actions.do_report_member_death(
            case.pk, person_id=stranger.pk, died_on=d("2023-12-10"), acting_user=staff["township"]
        )


def test_suspend_and_resume(household, staff, clock):
    case = _active(household, staff, clock)
    clock.set("2023-11-15")
    with writes_nothing(case), pytest.raises(RoleNotAllowed):
        actions.do_suspend_case(case.pk, reason="不配合复核", acting_user=staff["township"])
    with writes_one_event("suspended"):
        actions.do_suspend_case(case.pk, reason="无正当理由不配合复核", acting_user=staff["county"])
    case.refresh_from_db()
    assert (case.status, case.suspended_from) == ("suspended", d("2023-12-01"))
    with writes_nothing(case):
        actions.do_suspend_case(case.pk, reason="再次暂停", acting_user=staff["county"])
    clock.set("2024-01-05")
    with writes_one_event("resumed"):
        actions.do_resume_case(case.pk, note="已配合复核", acting_user=staff["county"])
    case.refresh_from_db()
    assert (case.status, case.suspended_from) == ("active", None)
    assert case.events.last().data["resumed_from"] == "2024-02-01"
    # a dibao recipient may be terminated without 公示 (only 特困 needs one)
    actions.do_terminate_case(case.pk, reason="voluntary_exit", acting_user=staff["county"])
    case.refresh_from_db()
    assert (case.status, case.terminated_from) == ("terminated", d("2024-02-01"))
