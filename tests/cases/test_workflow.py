"""The state machine's pure rules: routes, transitions, who may act when, deadlines, spot-check draws,
months. No database."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from minzheng.assistance.cases.choices import CaseStatus, RecheckBasis, Scheme, Step
from minzheng.assistance.cases.workflow import (
    NATIONAL_MINIMUM,
    ZHAOTONG,
    CaseAction,
    CaseState,
    DeadlineInputs,
    Deadlines,
    Refusal,
    TransitionError,
    WorkflowProfile,
    add_months,
    allowed_actions,
    check_action,
    compute_deadlines,
    first_day_of_next_month,
    payment_start,
    plan_recheck,
    publicity_end,
    route,
    select_spot_checks,
    send_back_target,
    spot_check_count,
    step_after_democratic_review,
    step_after_preliminary_review,
    step_after_publicity,
)

D = datetime.date


def test_zhaotong_dibao_route_has_democratic_review_always_and_the_national_one_does_not():
    assert route(Scheme.DIBAO, ZHAOTONG, is_related_party=False) == (
        Step.INTAKE,
        Step.INVESTIGATION,
        Step.PRELIMINARY_REVIEW,
        Step.PUBLICITY,
        Step.DEMOCRATIC_REVIEW,
        Step.COUNTY_REVIEW,
        Step.CONFIRMATION,
    )
    assert Step.DEMOCRATIC_REVIEW not in route(Scheme.DIBAO, NATIONAL_MINIMUM, is_related_party=False)


def test_de_facto_orphan_route_has_no_publicity_and_a_related_party_adds_the_county_visit():
    assert route(Scheme.DE_FACTO_ORPHAN, ZHAOTONG, is_related_party=True) == (
        Step.INTAKE,
        Step.INVESTIGATION,
        Step.PRELIMINARY_REVIEW,
        Step.COUNTY_HOME_VISIT,
        Step.COUNTY_REVIEW,
        Step.CONFIRMATION,
    )


def test_after_preliminary_review():
    common = {"is_related_party": False, "county_visit_done": False}
    assert step_after_preliminary_review(Scheme.DIBAO, "eligible", **common) == Step.PUBLICITY
    assert step_after_preliminary_review(Scheme.DIBAO, "ineligible", **common) == Step.COUNTY_REVIEW
    assert step_after_preliminary_review(Scheme.DE_FACTO_ORPHAN, "eligible", **common) == Step.COUNTY_REVIEW
    assert (
        step_after_preliminary_review(
            Scheme.ORPHAN, "eligible", is_related_party=True, county_visit_done=False
        )
        == Step.COUNTY_HOME_VISIT
    )


@pytest.mark.parametrize(
    ("rule", "resolution", "expected"),
    [
        ("always", None, Step.DEMOCRATIC_REVIEW),
        ("on_objection", None, Step.COUNTY_REVIEW),
        ("never", None, Step.COUNTY_REVIEW),
        ("always", "reinvestigate", Step.INVESTIGATION),
        ("on_objection", "democratic_review", Step.DEMOCRATIC_REVIEW),
    ],
)
def test_after_publicity_by_democratic_review_rule(rule, resolution, expected):
    profile = WorkflowProfile(democratic_review_step=rule)
    assert (
        step_after_publicity(resolution, profile, is_related_party=False, county_visit_done=False) == expected
    )


def test_democratic_review_on_an_objection_is_refused_where_the_profile_has_none():
    with pytest.raises(TransitionError) as error:
        step_after_publicity(
            "democratic_review",
            WorkflowProfile(democratic_review_step="never"),
            is_related_party=False,
            county_visit_done=False,
        )
    assert error.value.message == "本地流程未设民主评议环节，公示异议请转重新调查"


def test_after_democratic_review():
    assert (
        step_after_democratic_review(objection_pending=True, is_related_party=True, county_visit_done=False)
        == Step.PRELIMINARY_REVIEW
    )
    assert (
        step_after_democratic_review(objection_pending=False, is_related_party=True, county_visit_done=False)
        == Step.COUNTY_HOME_VISIT
    )


def test_send_back_goes_to_the_step_before_the_current_one():
    assert send_back_target(["intake", "investigation", "publicity"]) == Step.INVESTIGATION
    assert send_back_target(["intake"]) is None


def _state(step, status=CaseStatus.IN_PROGRESS, scheme=Scheme.DIBAO, **kwargs):
    return CaseState(
        scheme=scheme, temporary_subtype=kwargs.pop("subtype", ""), status=status, step=step, **kwargs
    )


def test_who_may_act_at_the_confirmation_step():
    state = _state(Step.CONFIRMATION, trail=("intake", "investigation", "county_review", "confirmation"))
    assert allowed_actions(state, "county") == [
        CaseAction.CONFIRM,
        CaseAction.REJECT,
        CaseAction.SEND_BACK,
    ]
    assert allowed_actions(state, "township") == []
    assert allowed_actions(state, "auditor") == []
    refused = check_action(CaseAction.CONFIRM, state, "township")
    assert (refused.allowed, refused.refusal, refused.message) == (
        False,
        Refusal.ROLE,
        "您的角色不能审核确认",
    )


def test_a_delegated_case_is_confirmed_by_the_township():
    state = _state(Step.CONFIRMATION, delegated=True)
    assert check_action(CaseAction.CONFIRM, state, "township").allowed
    assert not check_action(CaseAction.CONFIRM, state, "county").allowed


def test_the_wrong_step_is_a_state_refusal_with_the_step_named():
    refused = check_action(CaseAction.CONFIRM, _state(Step.PUBLICITY, publicity_running=True), "county")
    assert (refused.refusal, refused.message) == (Refusal.STATE, "本案当前环节为「公示」，不能审核确认")


def test_an_emergency_temporary_case_may_be_confirmed_before_the_paperwork():
    early = _state(Step.INVESTIGATION, scheme=Scheme.TEMPORARY, subtype="emergency")
    assert check_action(CaseAction.CONFIRM, early, "township").allowed
    expenditure = _state(Step.INVESTIGATION, scheme=Scheme.TEMPORARY, subtype="expenditure")
    assert not check_action(CaseAction.CONFIRM, expenditure, "county").allowed


def test_tekun_termination_needs_the_publicity_first():
    refused = check_action(CaseAction.TERMINATE, _state(Step.DONE, CaseStatus.ACTIVE, Scheme.TEKUN), "county")
    assert (refused.refusal, refused.message) == (Refusal.STATE, "特困人员终止救助供养前须公示7天且无异议")
    assert check_action(CaseAction.TERMINATE, _state(Step.DONE, CaseStatus.ACTIVE), "county").allowed


def test_dibao_deadlines_over_the_2023_national_day_holiday():
    # given a 低保 case accepted on 2023-09-28
    inputs = DeadlineInputs(scheme=Scheme.DIBAO, step=Step.INVESTIGATION, accepted_on=D(2023, 9, 28))
    # then the investigation must start by 10-09 and the whole procedure end by 11-15 (30 wd)
    assert compute_deadlines(inputs).step == D(2023, 10, 9)
    assert compute_deadlines(inputs).total == D(2023, 11, 15)
    # once started, the investigation runs under the total deadline
    started = DeadlineInputs(
        scheme=Scheme.DIBAO, step=Step.INVESTIGATION, accepted_on=D(2023, 9, 28), investigation_started=True
    )
    assert compute_deadlines(started).step == D(2023, 11, 15)
    # delegated: 20 wd; special: 45 wd
    delegated = DeadlineInputs(
        scheme=Scheme.DIBAO, step=Step.PRELIMINARY_REVIEW, accepted_on=D(2023, 9, 28), delegated=True
    )
    assert compute_deadlines(delegated).step == D(2023, 11, 1)
    special = DeadlineInputs(
        scheme=Scheme.DIBAO, step=Step.PRELIMINARY_REVIEW, accepted_on=D(2023, 9, 28), special_case=True
    )
    assert compute_deadlines(special).step == D(2023, 12, 6)


def test_the_county_has_10_working_days_for_dibao_capped_by_the_total():
    # given a file received by the county on 2023-11-08 for a case accepted on 09-28 (total 11-15)
    inputs = DeadlineInputs(
        scheme=Scheme.DIBAO,
        step=Step.COUNTY_REVIEW,
        accepted_on=D(2023, 9, 28),
        county_received_on=D(2023, 11, 8),
    )
    # then the county's own limit (11-22) is cut to the total deadline
    assert compute_deadlines(inputs).step == D(2023, 11, 15)


def test_tekun_and_de_facto_orphan_have_15_working_days_per_level():
    tekun = DeadlineInputs(scheme=Scheme.TEKUN, step=Step.PRELIMINARY_REVIEW, accepted_on=D(2023, 9, 28))
    assert compute_deadlines(tekun) == Deadlines(step=D(2023, 10, 25), total=None)
    county = DeadlineInputs(
        scheme=Scheme.DE_FACTO_ORPHAN,
        step=Step.CONFIRMATION,
        accepted_on=D(2023, 9, 28),
        county_received_on=D(2023, 10, 9),
    )
    assert compute_deadlines(county).step == D(2023, 10, 30)


def test_publicity_runs_seven_calendar_days_and_is_closed_the_next_working_day():
    # a notice posted on Friday 2023-10-13 stays up to Thursday 10-19 and is taken down by Friday 10-20
    assert publicity_end(D(2023, 10, 13), ZHAOTONG) == D(2023, 10, 19)
    inputs = DeadlineInputs(
        scheme=Scheme.DIBAO,
        step=Step.PUBLICITY,
        accepted_on=D(2023, 9, 28),
        publicity_ends_on=D(2023, 10, 19),
    )
    assert compute_deadlines(inputs).step == D(2023, 10, 20)


def test_the_rejection_notice_is_due_three_working_days_after_the_decision():
    inputs = DeadlineInputs(
        scheme=Scheme.TEMPORARY, step=Step.REJECTION_NOTICE, accepted_on=None, decided_on=D(2023, 9, 28)
    )
    assert compute_deadlines(inputs).step == D(2023, 10, 9)


def test_spot_checks_take_at_least_30_percent_rounded_up():
    assert [spot_check_count(n, Decimal("0.30")) for n in (0, 1, 3, 10, 11, 100)] == [0, 1, 1, 3, 4, 30]


def test_the_spot_check_draw_is_deterministic_and_independent_of_order():
    # given ten case ids and the seed "2023-10"
    ids = list(range(101, 111))
    # when drawn twice, in two orders
    first = select_spot_checks(ids, Decimal("0.30"), "2023-10")
    second = select_spot_checks(reversed(ids), Decimal("0.30"), "2023-10")
    # then the same three cases are selected; another seed selects others
    assert first == second == [102, 105, 110]  # pinned: a change of algorithm would redo past draws
    assert select_spot_checks(ids, Decimal("0.30"), "2023-11") != first
    assert select_spot_checks(ids, Decimal("1"), "x") == ids


def test_months():
    assert first_day_of_next_month(D(2023, 12, 15)) == D(2024, 1, 1)
    assert add_months(D(2023, 8, 31), 6) == D(2024, 2, 29)
    assert payment_start(Scheme.DIBAO, D(2023, 10, 23)) == D(2023, 11, 1)
    assert payment_start(Scheme.TEMPORARY, D(2023, 10, 23)) == D(2023, 10, 1)


def test_recheck_plan_by_household_type():
    stable = plan_recheck(
        Scheme.DIBAO, income_unstable=False, last_checked_on=D(2023, 10, 23), profile=ZHAOTONG
    )
    unstable = plan_recheck(
        Scheme.DIBAO, income_unstable=True, last_checked_on=D(2023, 10, 23), profile=ZHAOTONG
    )
    assert stable is not None and (stable.due_on, stable.basis) == (D(2024, 10, 23), RecheckBasis.ANNUAL)
    assert unstable is not None and (unstable.due_on, unstable.basis) == (
        D(2024, 4, 23),
        RecheckBasis.HALF_YEARLY,
    )
    assert (
        plan_recheck(
            Scheme.TEMPORARY, income_unstable=True, last_checked_on=D(2023, 10, 23), profile=ZHAOTONG
        )
        is None
    )
