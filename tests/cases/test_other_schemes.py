"""特困 (spot check, termination after 公示), 事实无人抚养 (no 公示), 急难型临时救助 (先行救助), and a
rejection with its written notice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minzheng.assistance.cases import actions
from minzheng.assistance.cases.errors import MakerCheckerViolation, StepIncomplete, WrongStep
from minzheng.assistance.cases.models import Case, CaseEvent, Publicity, Recheck
from minzheng.assistance.cases.workflow import select_spot_checks
from minzheng.audit.chain import verify_chain
from minzheng.audit.models import AuditLog
from minzheng.common.errors import ValidationFailed
from tests.factories import make_named_household

from .flow import (
    confirm,
    county_review,
    d,
    democratic_review,
    investigate,
    open_dibao,
    preliminary,
    publicise,
    writes_nothing,
    writes_one_event,
)

pytestmark = pytest.mark.django_db


def _open(household, staff, clock, day: str, scheme: str, *, beneficiary=None, subtype: str = "") -> Case:
    clock.set(day)
    return actions.do_open_case(
        household_id=household.pk,
        applicant_id=household.head_id,
        beneficiary_id=beneficiary.pk if beneficiary else None,
        scheme=scheme,
        temporary_subtype=subtype,
        acting_user=staff["township"],
    )


def _tekun_at_county(household, staff, clock, case: Case | None = None) -> Case:
    case = case or _open(household, staff, clock, "2023-03-01", "tekun")
    investigate(case, staff, clock, "2023-03-06")
    preliminary(case, staff, clock, "2023-03-08", amount="1170.00")
    publicise(case, staff, clock, "2023-03-08", "2023-03-15")
    democratic_review(case, staff, clock, "2023-03-16")
    case.refresh_from_db()
    return case


def test_tekun_with_a_spot_check_draw_then_termination_after_publicity(household, regions, staff, clock):
    # given a 特困 application accepted on 2023-03-01: 初审 due within 15 wd (03-22)
    case = _open(household, staff, clock, "2023-03-01", "tekun")
    assert (case.beneficiary_id, case.step_deadline, case.total_deadline) == (
        household.head_id,
        d("2023-03-22"),
        None,
    )
    case = _tekun_at_county(household, staff, clock, case)
    # then the county received it on 03-16 and has 15 wd (04-07)
    assert (case.step, case.county_received_on, case.step_deadline) == (
        "county_review",
        d("2023-03-16"),
        d("2023-04-07"),
    )
    others = [
        _tekun_at_county(
            make_named_household(regions["530602001001"], f"HH-TK-{i}", [f"李{i}"]), staff, clock
        )
        for i in (1, 2)
    ]

    # when the county reviews before any draw: refused
    clock.set("2023-03-17")
    with writes_nothing(case), pytest.raises(StepIncomplete) as error:
        actions.do_county_review(case.pk, opinion="agree", acting_user=staff["county"])
    assert error.value.message == "特困人员申请须先参加县级抽查抽取（抽查比例不低于30%）"
    with writes_nothing(), pytest.raises(ValidationFailed) as low:
        actions.do_draw_spot_checks(seed="2023-03", ratio=Decimal("0.20"), acting_user=staff["county"])
    assert low.value.message == "抽查比例须在 30% 至 100% 之间"

    # when the county draws its spot checks (30% of 3 → 1)
    ids = sorted([case.pk, *(o.pk for o in others)])
    before_events, before_audit = CaseEvent.objects.count(), AuditLog.objects.count()
    draw = actions.do_draw_spot_checks(seed="2023-03", acting_user=staff["county"])
    # then one case is selected, as the pure draw says; three timeline entries, one audit row
    assert (draw.case_ids, draw.selected_ids) == (ids, select_spot_checks(ids, Decimal("0.30"), "2023-03"))
    assert len(draw.selected_ids) == 1
    assert (CaseEvent.objects.count() - before_events, AuditLog.objects.count() - before_audit) == (3, 1)
    assert (
        actions.do_draw_spot_checks(seed="again", acting_user=staff["county"]).case_ids == []
    )  # nothing left

    # and the selected case needs the spot check's findings, the others do not
    selected = Case.objects.get(pk=draw.selected_ids[0])
    with writes_nothing(selected), pytest.raises(ValidationFailed):
        actions.do_county_review(selected.pk, opinion="agree", acting_user=staff["county"])
    for pending in Case.objects.filter(pk__in=ids):
        actions.do_county_review(
            pending.pk,
            opinion="agree",
            spot_check_findings="入户抽查，情况属实" if pending.pk == selected.pk else "",
            acting_user=staff["county"],
        )
    assert Case.objects.get(pk=selected.pk).spot_check_findings == "入户抽查，情况属实"

    # when the county confirms 张三丰 on 03-20
    confirm(case, staff, clock, "2023-03-20", amount="1170.00")
    case.refresh_from_db()
    assert (case.status, case.payment_start_month, case.income_unstable) == ("active", d("2023-04-01"), False)

    # then terminating him needs a 7-day 公示 first
    clock.set("2023-06-01")
    with writes_nothing(case), pytest.raises(WrongStep) as early:
        actions.do_terminate_case(case.pk, reason="supporter_able", acting_user=staff["county"])
    assert early.value.message == "特困人员终止救助供养前须公示7天且无异议"
    with writes_one_event("publicity_started"):
        publicity = actions.do_start_termination_publicity(
            case.pk, reason="supporter_able", acting_user=staff["township"]
        )
    case.refresh_from_db()
    assert (publicity.kind, publicity.ends_on, case.step, case.step_deadline) == (
        "termination",
        d("2023-06-07"),
        "termination_publicity",
        d("2023-06-08"),
    )
    clock.set("2023-06-07")
    with writes_nothing(case), pytest.raises(StepIncomplete):
        actions.do_close_publicity(case.pk, acting_user=staff["township"])
    clock.set("2023-06-08")
    actions.do_close_publicity(case.pk, acting_user=staff["township"])
    case.refresh_from_db()
    assert case.step == "termination_decision"
    with writes_nothing(case), pytest.raises(ValidationFailed):
        actions.do_terminate_case(case.pk, reason="death", acting_user=staff["county"])
    with writes_one_event("terminated"):
        actions.do_terminate_case(case.pk, reason="supporter_able", acting_user=staff["county"])
    case.refresh_from_db()
    # then he leaves 特困 from July; his scheduled re-check is cancelled
    assert (case.status, case.step, case.terminated_from, case.termination_reason) == (
        "terminated",
        "done",
        d("2023-07-01"),
        "supporter_able",
    )
    assert list(Recheck.objects.filter(case=case).values_list("status", flat=True)) == ["cancelled"]
    assert verify_chain().ok


def test_an_objection_to_a_termination_publicity_keeps_the_person_a_recipient(household, staff, clock):
    case = _tekun_at_county(household, staff, clock)
    actions.do_draw_spot_checks(seed="s", ratio=Decimal("1"), acting_user=staff["county"])
    county_review(case, staff, clock, "2023-03-17", spot_check_findings="属实")
    confirm(case, staff, clock, "2023-03-20", amount="1170.00")
    clock.set("2023-06-01")
    actions.do_start_termination_publicity(
        case.pk, reason="income_above_standard", acting_user=staff["township"]
    )
    clock.set("2023-06-02")
    actions.do_record_objection(case.pk, content="其收入并未增加", acting_user=staff["township"])
    actions.do_close_publicity(case.pk, acting_user=staff["township"])
    case.refresh_from_db()
    assert (case.status, case.step) == ("active", "done")
    assert case.objections.get().status == "investigating"
    with pytest.raises(WrongStep):
        actions.do_terminate_case(case.pk, reason="income_above_standard", acting_user=staff["county"])


def test_de_facto_orphan_is_checked_by_data_matching_and_never_publicised(household, staff, clock):
    # given 张小红, whose guardian 张三丰 applies on 2023-06-01
    child = household.memberships.get(person__name="张小红").person
    case = _open(household, staff, clock, "2023-06-01", "de_facto_orphan", beneficiary=child)
    # then the township's 查验 is due within 15 wd: Sunday 06-25, a 端午 make-up working day
    assert (case.beneficiary_id, case.step_deadline) == (child.pk, d("2023-06-25"))
    # when the township checks by data matching only and gives its opinion on 06-05
    clock.set("2023-06-02")
    actions.do_request_verification(case.pk, acting_user=staff["township"])
    preliminary(case, staff, clock, "2023-06-05", amount="1340.00")
    case.refresh_from_db()
    # then there is no 公示: the file is at the county, which has 15 wd (06-27)
    assert (case.step, case.county_received_on, case.step_deadline) == (
        "county_review",
        d("2023-06-05"),
        d("2023-06-27"),
    )
    with writes_nothing(case), pytest.raises(WrongStep):
        actions.do_start_publicity(case.pk, acting_user=staff["township"])
    county_review(case, staff, clock, "2023-06-19")
    confirm(case, staff, clock, "2023-06-20", amount="1340.00")
    case.refresh_from_db()
    assert (case.status, case.payment_start_month, case.monthly_amount) == (
        "active",
        d("2023-07-01"),
        Decimal("1340.00"),
    )
    assert Publicity.objects.filter(case=case).count() == 0
    assert "publicity_started" not in set(case.events.values_list("event_type", flat=True))


def test_emergency_temporary_assistance_is_paid_first_and_the_paperwork_completed_after(
    household, staff, clock
):
    # given a fire on 2023-06-01: the township accepts an 急难型 application
    case = _open(household, staff, clock, "2023-06-01", "temporary", subtype="emergency")
    # the clerk who accepted it cannot also grant it
    with writes_nothing(case), pytest.raises(MakerCheckerViolation):
        confirm(case, staff, clock, "2023-06-01", amount="3000.00", by="township")
    # when another clerk grants 3000 元 at once (先行救助)
    with writes_one_event("advance_granted"):
        confirm(case, staff, clock, "2023-06-01", amount="3000.00", by="township2")
    case.refresh_from_db()
    # then it is paid this month, before any investigation, and flagged
    assert (
        case.status,
        case.step,
        case.advance_assistance,
        case.paperwork_pending,
        case.payment_start_month,
    ) == (
        "paid_in_advance",
        "investigation",
        True,
        True,
        d("2023-06-01"),
    )
    # when the paperwork follows: investigation, 初审, 公示, 民主评议, county review and confirmation
    investigate(case, staff, clock, "2023-06-02")
    preliminary(case, staff, clock, "2023-06-05", amount="3000.00")
    publicise(case, staff, clock, "2023-06-05", "2023-06-12")
    democratic_review(case, staff, clock, "2023-06-13")
    county_review(case, staff, clock, "2023-06-14")
    with writes_one_event("confirmed"):
        confirm(case, staff, clock, "2023-06-15", amount="3000.00")
    case.refresh_from_db()
    # then the grant is complete, still paid in June, without periodic re-checks
    assert (case.status, case.step, case.paperwork_pending, case.payment_start_month, case.decided_on) == (
        "completed",
        "done",
        False,
        d("2023-06-01"),
        d("2023-06-15"),
    )
    assert Recheck.objects.filter(case=case).count() == 0
    final = case.events.last()
    assert final is not None and final.data["advance_amount"] == "3000.00"


def test_an_ineligible_initial_review_goes_to_the_county_which_rejects_and_the_township_notifies(
    household, staff, clock
):
    case = open_dibao(household, staff, clock)
    investigate(case, staff, clock, "2023-10-09")
    clock.set("2023-10-11")
    actions.do_submit_preliminary_review(
        case.pk,
        recommendation="ineligible",
        opinion="家庭人均收入高于低保标准",
        acting_user=staff["township"],
    )
    case.refresh_from_db()
    assert (case.step, case.proposed_amount, case.step_deadline) == ("county_review", None, d("2023-10-25"))
    county_review(case, staff, clock, "2023-10-11")
    clock.set("2023-10-12")
    with writes_one_event("rejected"):
        actions.do_reject_case(
            case.pk, reasons="家庭人均收入 820 元，高于当地低保标准", acting_user=staff["county"]
        )
    case.refresh_from_db()
    # the written notice is due within 3 wd of the decision
    assert (case.status, case.step, case.step_deadline) == ("rejected", "rejection_notice", d("2023-10-17"))
    clock.set("2023-10-13")
    with writes_one_event("rejection_notice_sent"):
        actions.do_record_rejection_notice(case.pk, acting_user=staff["township"])
    case.refresh_from_db()
    assert (case.step, case.rejection_notice_sent_on, case.step_deadline) == ("done", d("2023-10-13"), None)
    # and the household may apply again
    assert open_dibao(household, staff, clock, "2023-10-16").pk != case.pk
