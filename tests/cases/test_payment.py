"""A confirmed case is paid by the payroll from the month after the decision; suspension and termination
stop the payments."""

from __future__ import annotations

import datetime

import pytest

from minzheng.assistance.cases import actions
from minzheng.assistance.models import Entitlement
from minzheng.assistance.payroll.compute import price_month

from .flow import confirm, county_review, dibao_at_county

pytestmark = pytest.mark.django_db

NOVEMBER, DECEMBER = datetime.date(2023, 11, 1), datetime.date(2023, 12, 1)


def test_a_confirmed_dibao_case_is_paid_from_the_next_month_as_the_rules_price_it(household, staff, clock):
    # given a 低保 case at the county, confirmed on 2023-11-06
    case = dibao_at_county(household, staff, clock)
    county_review(case, staff, clock, "2023-11-02")
    case = confirm(case, staff, clock, "2023-11-06")
    # then every cohabiting member has a dibao entitlement from December, none for November
    entitlements = Entitlement.objects.filter(case_id=case.pk)
    members = household.memberships.filter(valid_to__isnull=True, is_cohabiting=True).count()
    assert entitlements.count() == members
    assert {e.start_month for e in entitlements} == {DECEMBER}
    assert price_month(NOVEMBER).num_rows == 0
    december = price_month(DECEMBER)
    assert december.num_rows == members
    assert all(amount > 0 for amount in december.column("amount").to_pylist())


def test_suspension_and_termination_stop_the_payments(household, staff, clock):
    case = dibao_at_county(household, staff, clock)
    county_review(case, staff, clock, "2023-11-02")
    case = confirm(case, staff, clock, "2023-11-06")
    clock.set("2023-12-05")
    actions.do_suspend_case(case.pk, reason="不配合复核", acting_user=staff["county"])
    assert price_month(DECEMBER).num_rows == 0
    actions.do_resume_case(case.pk, acting_user=staff["county"])
    assert price_month(DECEMBER).num_rows > 0
    actions.do_terminate_case(case.pk, reason="income_above_standard", acting_user=staff["county"])
    # paid up to December, nothing from January
    assert price_month(DECEMBER).num_rows > 0
    assert price_month(datetime.date(2024, 1, 1)).num_rows == 0
