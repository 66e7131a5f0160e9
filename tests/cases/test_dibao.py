"""低保 from 受理 to 审核确认 (Zhaotong: 民主评议 always), with exact dates over the 2023 National Day
holiday; objections and re-publicity; maker-checker; the related-party home visit; send back; overdue."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minzheng.assistance.cases import actions
from minzheng.assistance.cases.errors import MakerCheckerViolation, RoleNotAllowed, StepIncomplete, WrongStep
from minzheng.assistance.cases.models import Case, CaseEvent, CloseRelative, Objection, Publicity, Recheck
from minzheng.assistance.cases.selectors import count_overdue_by_region, list_overdue_cases, list_todo_cases
from minzheng.audit.chain import verify_chain
from minzheng.audit.models import AuditLog
from minzheng.common.errors import ValidationFailed

from .flow import (
    confirm,
    county_review,
    d,
    democratic_review,
    dibao_at_county,
    investigate,
    open_dibao,
    preliminary,
    publicise,
    writes_nothing,
    writes_one_event,
)

pytestmark = pytest.mark.django_db


def test_dibao_happy_path_with_democratic_review_every_action_one_event_one_audit_row(
    household, staff, clock
):
    # given the 张 household in 西街社区; when the township accepts a 低保 application on 2023-09-28
    with writes_one_event("accepted"):
        case = open_dibao(household, staff, clock)
    # then the investigation must start by 10-09 (3 wd over the National Day holiday), all by 11-15 (30 wd)
    assert (case.status, case.step, case.region_id) == ("in_progress", "investigation", "530602001001")
    assert (case.accepted_on, case.step_deadline, case.total_deadline) == (
        d("2023-09-28"),
        d("2023-10-09"),
        d("2023-11-15"),
    )
    assert case.accepted_by == staff["township"] and case.is_related_party is False

    # when the village assistant and the township clerk visit on 10-09
    with writes_one_event("investigation_recorded"):
        visit = investigate(case, staff, clock, "2023-10-09")
    case.refresh_from_db()
    assert sorted(u.username for u in visit.investigators.all()) == ["case-township", "case-village"]
    assert (case.investigation_started_on, case.step_deadline) == (d("2023-10-09"), d("2023-11-15"))

    # and the township asks the county for 信息核对 (the county starts by 10-12), answered on 10-10
    with writes_one_event("verification_requested"):
        request = actions.do_request_verification(case.pk, acting_user=staff["township"])
    assert (request.status, request.start_due_on, len(request.items)) == ("pending", d("2023-10-12"), 11)
    with writes_nothing(case):  # asking again while pending changes nothing
        assert actions.do_request_verification(case.pk, acting_user=staff["township"]) == request
    clock.set("2023-10-10")
    with writes_one_event("verification_answered"):
        actions.do_record_verification_result(
            case.pk, request_id=request.pk, result={"银行存款": "0.00"}, acting_user=staff["county"]
        )
    request.refresh_from_db()
    assert (request.status, request.answered_on) == ("answered", d("2023-10-10"))

    # when the township gives its 初审 (符合, 450 元) on 10-11 and posts the 公示 the same day
    with writes_one_event("preliminary_reviewed"):
        preliminary(case, staff, clock, "2023-10-11")
    with writes_one_event("publicity_started"):
        publicity = actions.do_start_publicity(case.pk, acting_user=staff["township"])
    case.refresh_from_db()
    # then it runs 10-11 … 10-17 and is to be closed by 10-18
    assert (publicity.started_on, publicity.ends_on, publicity.proposed_amount) == (
        d("2023-10-11"),
        d("2023-10-17"),
        Decimal("450.00"),
    )
    assert (case.step, case.step_deadline) == ("publicity", d("2023-10-18"))

    # when the township tries to close it on its last day: refused, nothing written
    clock.set("2023-10-17")
    with writes_nothing(case), pytest.raises(StepIncomplete) as error:
        actions.do_close_publicity(case.pk, acting_user=staff["township"])
    assert error.value.message == "公示期未满（2023-10-11 至 2023-10-17），期满后方可结束"

    # when it closes on 10-18 without objection: 民主评议 (Zhaotong), held on 10-19
    clock.set("2023-10-18")
    with writes_one_event("publicity_closed"):
        actions.do_close_publicity(case.pk, acting_user=staff["township"])
    case.refresh_from_db()
    assert case.step == "democratic_review"
    with writes_one_event("democratic_reviewed"):
        democratic_review(case, staff, clock, "2023-10-19")
    case.refresh_from_db()
    # then the county received the file on 10-19 and has 10 wd: 11-02
    assert (case.step, case.county_received_on, case.step_deadline) == (
        "county_review",
        d("2023-10-19"),
        d("2023-11-02"),
    )

    # when the county reviews on 10-20 and another county officer confirms on 10-23
    with writes_one_event("county_reviewed"):
        county_review(case, staff, clock, "2023-10-20")
    with writes_one_event("confirmed"):
        confirm(case, staff, clock, "2023-10-23")
    case.refresh_from_db()

    # then the household is on 低保 at 450.00 from November 2023, with its yearly re-check scheduled
    assert (case.status, case.step, case.step_deadline) == ("active", "done", None)
    assert (case.monthly_amount, case.category, case.payment_start_month) == (
        Decimal("450.00"),
        "B档",
        d("2023-11-01"),
    )
    assert (case.decided_on, case.decided_by, case.decision_json["tier"]) == (
        d("2023-10-23"),
        staff["county2"],
        "B",
    )
    assert list(Recheck.objects.filter(case=case).values_list("due_on", "basis", "status")) == [
        (d("2024-10-23"), "annual", "scheduled")
    ]
    assert list(case.events.values_list("event_type", flat=True)) == [
        "accepted",
        "investigation_recorded",
        "verification_requested",
        "verification_answered",
        "preliminary_reviewed",
        "publicity_started",
        "publicity_closed",
        "democratic_reviewed",
        "county_reviewed",
        "confirmed",
    ]
    assert AuditLog.objects.filter(subject_type="case", subject_id=str(case.pk)).count() == 10
    assert verify_chain().ok


def test_the_national_profile_skips_democratic_review_without_objection(household, staff, clock, settings):
    # given the S1 rule (民主评议 only on objection)
    settings.MINZHENG = {**settings.MINZHENG, "CASES": {"democratic_review_step": "on_objection"}}
    case = open_dibao(household, staff, clock)
    investigate(case, staff, clock, "2023-10-09")
    preliminary(case, staff, clock, "2023-10-11")
    # when the 公示 closes without objection
    publicise(case, staff, clock, "2023-10-11", "2023-10-18")
    case.refresh_from_db()
    # then the file goes straight to the county
    assert (case.step, case.county_received_on) == ("county_review", d("2023-10-18"))


def test_an_objection_leads_to_reinvestigation_a_new_initial_review_and_a_second_publicity(
    household, staff, clock
):
    # given a case in 公示 from 10-11
    case = open_dibao(household, staff, clock)
    investigate(case, staff, clock, "2023-10-09")
    preliminary(case, staff, clock, "2023-10-11")
    actions.do_start_publicity(case.pk, acting_user=staff["township"])
    # when a neighbour objects on 10-12
    clock.set("2023-10-12")
    with writes_one_event("objection_recorded"):
        objection = actions.do_record_objection(
            case.pk, content="其子女在外务工，收入较高", objector="", acting_user=staff["township"]
        )
    # then closing needs a resolution (nothing written without one)
    with writes_nothing(case), pytest.raises(ValidationFailed) as error:
        actions.do_close_publicity(case.pk, acting_user=staff["township"])
    assert error.value.message == "公示有异议，请选择处理方式：重新调查或民主评议"
    # when the township closes it early to re-investigate
    with writes_one_event("publicity_closed"):
        actions.do_close_publicity(case.pk, resolution="reinvestigate", acting_user=staff["township"])
    case.refresh_from_db()
    objection.refresh_from_db()
    # then the case is back at the investigation, round 2, a special case (公示有异议: 45 wd → 12-06)
    assert (case.step, case.round, case.round_started_on, case.special_case) == (
        "investigation",
        2,
        d("2023-10-12"),
        True,
    )
    assert (case.total_deadline, case.step_deadline) == (d("2023-12-06"), d("2023-12-06"))
    assert (objection.status, objection.resolution) == ("routed", "reinvestigate")

    # and a new 初审 needs a new investigation of round 2
    clock.set("2023-10-13")
    with writes_nothing(case), pytest.raises(StepIncomplete):
        actions.do_submit_preliminary_review(
            case.pk,
            recommendation="eligible",
            opinion="维持",
            proposed_amount="450",
            acting_user=staff["township"],
        )
    investigate(case, staff, clock, "2023-10-16", by="township", team=("township", "township2"))
    preliminary(case, staff, clock, "2023-10-17", amount="380.00")
    objection.refresh_from_db()
    assert objection.status == "handled"
    publicise(case, staff, clock, "2023-10-17", "2023-10-24")
    case.refresh_from_db()
    # then the second 公示 ran clean and the case goes on to 民主评议
    assert case.step == "democratic_review"
    assert list(
        Publicity.objects.filter(case=case).order_by("pk").values_list("round", "outcome", "proposed_amount")
    ) == [
        (1, "objection", Decimal("450.00")),
        (2, "no_objection", Decimal("380.00")),
    ]


def test_an_objection_sent_to_democratic_review_comes_back_to_a_new_initial_review(household, staff, clock):
    case = open_dibao(household, staff, clock)
    investigate(case, staff, clock, "2023-10-09")
    preliminary(case, staff, clock, "2023-10-11")
    actions.do_start_publicity(case.pk, acting_user=staff["township"])
    clock.set("2023-10-12")
    actions.do_record_objection(
        case.pk, content="家中有车辆", objector="村民李某", acting_user=staff["township"]
    )
    actions.do_close_publicity(case.pk, resolution="democratic_review", acting_user=staff["township"])
    # when the village deliberates on the objection
    democratic_review(case, staff, clock, "2023-10-13")
    case.refresh_from_db()
    # then a new 初审 follows, on the strength of the deliberation and the first home visit
    assert (case.step, case.round) == ("preliminary_review", 2)
    preliminary(case, staff, clock, "2023-10-16")
    case.refresh_from_db()
    assert case.step == "publicity"
    assert Objection.objects.get(case=case).status == "handled"


def _delegated_case_at_confirmation(household, staff, clock) -> Case:
    case = open_dibao(household, staff, clock, delegated=True)  # 受理: township
    investigate(case, staff, clock, "2023-10-09")
    preliminary(case, staff, clock, "2023-10-11", by="township2")  # 初审: township2
    publicise(case, staff, clock, "2023-10-11", "2023-10-18")
    democratic_review(case, staff, clock, "2023-10-19")
    case.refresh_from_db()
    return case


def test_maker_checker_whoever_accepted_or_reviewed_cannot_confirm(household, staff, clock):
    # given a case whose 审核确认 is delegated to the township (20 wd: 11-01), 受理 by one clerk, 初审 by another
    case = _delegated_case_at_confirmation(household, staff, clock)
    assert (case.step, case.total_deadline) == ("confirmation", d("2023-11-01"))
    clock.set("2023-10-20")
    # when the clerk who accepted it tries to confirm: refused, nothing written
    with writes_nothing(case), pytest.raises(MakerCheckerViolation) as accepted:
        confirm(case, staff, clock, "2023-10-20", by="township")
    assert accepted.value.message == "受理本申请的人员不能对同一申请作出审核确认决定，请由其他人员办理"
    assert accepted.value.http_status == 403
    # nor the one who gave the 初审, nor may they reject it
    with writes_nothing(case), pytest.raises(MakerCheckerViolation) as reviewed:
        confirm(case, staff, clock, "2023-10-20", by="township2")
    assert reviewed.value.message == "作出初审意见的人员不能对同一申请作出审核确认决定，请由其他人员办理"
    with writes_nothing(case), pytest.raises(MakerCheckerViolation):
        actions.do_reject_case(case.pk, reasons="不符合", acting_user=staff["township2"])
    # and the county does not confirm a delegated case
    with writes_nothing(case), pytest.raises(RoleNotAllowed):
        confirm(case, staff, clock, "2023-10-20", by="county")
    # then a third clerk confirms it
    confirm(case, staff, clock, "2023-10-20", by="township3")
    case.refresh_from_db()
    assert (case.status, case.decided_by) == ("active", staff["township3"])


def test_a_close_relative_of_staff_needs_the_county_home_visit_before_confirmation(household, staff, clock):
    # given 张小明 registered as the brother of the township clerk
    brother = household.memberships.get(person__name="张小明").person
    entry = actions.do_register_close_relative(
        staff_name="王经办",
        staff_user_id=staff["township2"].pk,
        staff_position="case_worker",
        region_code="530602001",
        relative_id_number=brother.id_number,
        relative_name=brother.name,
        relation="sibling",
        acting_user=staff["township"],
    )
    assert CloseRelative.objects.filter(pk=entry.pk, is_active=True).count() == 1
    audit = AuditLog.objects.order_by("-id").first()
    assert audit is not None and audit.subject_type == "close_relative"
    assert brother.id_number not in str(audit.data)  # masked
    # when the household applies
    case = dibao_at_county(household, staff, clock)
    # then it was registered separately and waits for the county's home visit, not its review
    assert (case.is_related_party, case.step) == (True, "county_home_visit")
    clock.set("2023-10-20")
    with writes_nothing(case), pytest.raises(WrongStep):
        actions.do_county_review(case.pk, opinion="agree", acting_user=staff["county"])
    with writes_nothing(case), pytest.raises(WrongStep):
        confirm(case, staff, clock, "2023-10-20")
    # a township clerk in the team is refused: the visit is the county's own
    with writes_nothing(case), pytest.raises(ValidationFailed) as error:
        actions.do_record_county_home_visit(
            case.pk,
            visited_on=clock.day,
            investigator_ids=[staff["county"].pk, staff["township"].pk],
            findings="核实",
            family_signatories="张三丰",
            acting_user=staff["county"],
        )
    assert error.value.message == "调查人员必须是县级民政工作人员"
    with writes_one_event("county_home_visited"):
        actions.do_record_county_home_visit(
            case.pk,
            visited_on=clock.day,
            investigator_ids=[staff["county"].pk, staff["county2"].pk],
            findings="县级入户核查属实",
            family_signatories="张三丰、张小明",
            acting_user=staff["county"],
        )
    case.refresh_from_db()
    assert case.step == "county_review"
    county_review(case, staff, clock, "2023-10-23")
    confirm(case, staff, clock, "2023-10-24")
    case.refresh_from_db()
    assert case.status == "active"


def test_send_back_returns_to_the_previous_step_with_a_reason(household, staff, clock):
    # given a case at the county's review
    case = dibao_at_county(household, staff, clock)
    clock.set("2023-10-20")
    # the township cannot send back the county's step; an empty reason is refused
    with writes_nothing(case), pytest.raises(RoleNotAllowed):
        actions.do_send_back(case.pk, reason="补充材料", acting_user=staff["township"])
    with writes_nothing(case), pytest.raises(ValidationFailed):
        actions.do_send_back(case.pk, reason="  ", acting_user=staff["county"])
    # when the county sends it back
    with writes_one_event("sent_back"):
        actions.do_send_back(case.pk, reason="民主评议记录不全，请补充", acting_user=staff["county"])
    case.refresh_from_db()
    # then it is at 民主评议 again, off the county's clock
    assert (case.step, case.county_received_on, case.step_trail[-2:]) == (
        "democratic_review",
        None,
        ["publicity", "democratic_review"],
    )
    event = CaseEvent.objects.filter(case=case).last()
    assert event is not None
    assert (event.step, event.data["to_step"], event.note) == (
        "county_review",
        "democratic_review",
        "民主评议记录不全，请补充",
    )
    # and after a new review the county's 10 wd start again from 10-23
    democratic_review(case, staff, clock, "2023-10-23")
    case.refresh_from_db()
    assert (case.step, case.county_received_on) == ("county_review", d("2023-10-23"))


def test_send_back_during_publicity_withdraws_the_notice(household, staff, clock):
    case = open_dibao(household, staff, clock)
    investigate(case, staff, clock, "2023-10-09")
    preliminary(case, staff, clock, "2023-10-11")
    actions.do_start_publicity(case.pk, acting_user=staff["township"])
    actions.do_send_back(case.pk, reason="金额计算有误", acting_user=staff["township"])
    case.refresh_from_db()
    assert case.step == "investigation"
    assert list(Publicity.objects.filter(case=case).values_list("closed_on", "outcome")) == [
        (d("2023-10-11"), "cancelled")
    ]


def test_overdue_when_the_investigation_did_not_start_within_three_working_days(household, staff, clock):
    # given a case accepted on 2023-09-28 (investigation due to start by 10-09)
    case = open_dibao(household, staff, clock)
    # then it is not overdue on 10-09, it is on 10-10
    assert list_overdue_cases(staff["township"], d("2023-10-09")).count() == 0
    assert list(list_overdue_cases(staff["township"], d("2023-10-10"))) == [case]
    counts = count_overdue_by_region(staff["county"], d("2023-10-10"), level="township")
    assert [(c.code, c.name, c.cases) for c in counts] == [("530602001", "凤凰街道", 1)]
    assert [
        (c.code, c.cases) for c in count_overdue_by_region(staff["city"], d("2023-10-10"), level="county")
    ] == [("530602", 1)]
    assert list_overdue_cases(staff["other_township"], d("2023-10-10")).count() == 0
    assert Case.objects.get(pk=case.pk).is_overdue_on(d("2023-10-10"))
    # when the visit happens late, on 10-10, the step falls under the 30-wd total (11-15) again
    investigate(case, staff, clock, "2023-10-10")
    case.refresh_from_db()
    assert (case.step_deadline, case.is_overdue_on(d("2023-10-10"))) == (d("2023-11-15"), False)


def test_todo_lists_follow_the_step_and_the_role(household, staff, clock):
    case = dibao_at_county(household, staff, clock)
    assert list(list_todo_cases(staff["county"])) == [case]
    assert list(list_todo_cases(staff["township"])) == []
    assert list(list_todo_cases(staff["other_county"])) == []
    assert list(list_todo_cases(staff["auditor"])) == []


def test_one_open_case_per_household_and_scheme(household, staff, clock):
    open_dibao(household, staff, clock)
    with writes_nothing(), pytest.raises(ValidationFailed) as error:
        open_dibao(household, staff, clock)
    assert error.value.code == "duplicate_open_case"
    assert error.value.message == "该家庭已有一件办理中或在保的最低生活保障申请"
