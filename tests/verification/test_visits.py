"""线下走访排查: recording a visit, and how a confirmed finding goes on into the case workflow (a death
starts the termination or the re-check, an asset finding waits for the county's suspension, a coverage
finding opens an application); refused actions write nothing."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.assistance.cases.models import Case, CaseEvent, Publicity, Recheck
from minzheng.assistance.models import Entitlement
from minzheng.audit.models import AuditLog
from minzheng.common.errors import NotFoundOrNoAccess, PermissionDenied, ValidationFailed
from minzheng.verification.actions import (
    FindingNotPending,
    TaskClosed,
    do_act_on_finding,
    do_assign_task,
    do_record_visit,
)
from minzheng.verification.findings import FindingCode
from minzheng.verification.models import Finding, Visit, VisitPhoto, VisitTask

from .conftest import finding_row, load, standard_rows

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _task(code: str) -> VisitTask:
    return VisitTask.objects.select_related("finding").get(finding__code=code)


def _visit(task: VisitTask, staff, *, by: str = "township", outcome: str = "confirmed", **kwargs) -> Visit:
    kwargs.setdefault("visitor_ids", [staff["village"].pk, staff["township"].pk])
    kwargs.setdefault("notes", "入户核实，情况属实" if outcome == "confirmed" else "入户核实，与比对情况不符")
    return do_record_visit(
        task.pk,
        visited_on=datetime.date(2023, 7, 5),
        outcome=outcome,
        acting_user=staff[by],
        **kwargs,
    )


def _counts() -> dict[str, int]:
    models = (Visit, VisitPhoto, Case, CaseEvent, Recheck, Publicity, AuditLog)
    return {m.__name__: m.objects.count() for m in models}


@pytest.fixture
def loaded(world, clock):
    load(standard_rows(world))
    clock.set("2023-07-05")
    return world


def test_a_confirmed_death_of_a_tekun_recipient_starts_the_termination_publicity(loaded, staff):
    # given
    task = _task("death")
    audit_before = AuditLog.objects.count()
    # when the township confirms it (no case action chosen: the default for a 特困 death)
    visit = _visit(task, staff)
    # then the 特困 case is in its 7-day 终止前公示 for the reason "death"
    case = Case.objects.get(pk=loaded.tekun_case.pk)
    assert (case.step, case.termination_reason, case.status) == ("termination_publicity", "death", "active")
    assert Publicity.objects.get(case=case).kind == "termination"
    assert (visit.case, visit.case_action, visit.outcome) == (case, "terminate", "confirmed")
    task.refresh_from_db()
    assert (task.status, task.finding.status) == ("done", "handled")
    assert task.closed_at is not None
    # one audit row for the visit, one for the case's timeline entry
    rows = list(AuditLog.objects.filter(id__gt=audit_before).order_by("id"))
    assert [r.event_type for r in rows] == ["case.event", "verification.visit_recorded"]
    assert rows[-1].summary == f"走访任务 第{task.pk}号：属实，终止救助（特困先公示）"
    assert rows[-1].data["case_id"] == case.pk


def test_a_confirmed_death_in_a_dibao_household_schedules_the_recheck_within_3_months(loaded, staff):
    # given 张小红 of the 低保 household died (a new finding)
    xiaohong = loaded.person("张小红")
    load(
        [
            finding_row(
                FindingCode.DEATH,
                xiaohong,
                loaded.zhang,
                "D9",
                "死亡：卫健报告于 2023-06-10 死亡，仍为低保家庭成员",
            )
        ]
    )
    # when the village assistant confirms it, giving the date of death
    task = VisitTask.objects.get(finding__record_id="D9")
    visit = _visit(task, staff, by="village", died_on=datetime.date(2023, 6, 10))
    # then the 低保 case has its re-check due 3 months after the death
    recheck = Recheck.objects.get(case=loaded.dibao_case)
    assert (recheck.due_on, recheck.basis, recheck.status) == (
        datetime.date(2023, 9, 10),
        "member_death",
        "scheduled",
    )
    assert (visit.case_id, visit.case_action) == (loaded.dibao_case.pk, "recheck")
    assert CaseEvent.objects.filter(case=loaded.dibao_case, event_type="member_death_reported").count() == 1


def test_a_confirmed_vehicle_waits_for_the_county_which_suspends_the_case(loaded, staff):
    task = _task("vehicle")
    # when the township confirms the car
    visit = _visit(task, staff)
    # then the finding waits for the county; the case is untouched
    finding = Finding.objects.get(pk=task.finding_id)
    assert (finding.status, visit.case_action, visit.case) == ("confirmed", "none", None)
    assert Case.objects.get(pk=loaded.dibao_case.pk).status == "active"
    # when the county suspends the payment
    do_act_on_finding(
        finding.pk,
        case_action="suspend",
        note="名下车辆超过限额，暂停发放待复核",
        acting_user=staff["county"],
    )
    # then the case and its entitlements are suspended, and the visit says so
    case = Case.objects.get(pk=loaded.dibao_case.pk)
    assert (case.status, case.suspended_from) == ("suspended", datetime.date(2023, 8, 1))
    assert set(Entitlement.objects.filter(case_id=case.pk).values_list("status", flat=True)) == {"suspended"}
    visit.refresh_from_db()
    finding.refresh_from_db()
    assert (visit.case, visit.case_action, finding.status) == (case, "suspend", "handled")
    assert AuditLog.objects.order_by("-id").first().event_type == "verification.finding_acted"
    # and a second decision is refused
    with pytest.raises(FindingNotPending):
        do_act_on_finding(finding.pk, case_action="terminate", acting_user=staff["county"])


def test_a_township_clerk_cannot_suspend_and_the_refused_visit_writes_nothing(loaded, staff):
    task = _task("vehicle")
    before = _counts()
    with pytest.raises(PermissionDenied, match="您的角色不能暂停发放"):
        _visit(task, staff, case_action="suspend")
    assert _counts() == before
    task.refresh_from_db()
    assert (task.status, task.finding.status) == ("open", "open")


def test_a_confirmed_coverage_finding_opens_a_dibao_application(loaded, staff):
    task = _task("severe_disability_uncovered")
    visit = _visit(task, staff)
    case = Case.objects.get(household=loaded.wang)
    assert (case.scheme, case.status, case.step, case.applicant) == (
        "dibao",
        "in_progress",
        "investigation",
        loaded.person("王二"),
    )
    assert (visit.case, visit.case_action) == (case, "apply")
    assert "线下走访核实属实（重度残疾人未纳入救助）" in case.events.get(event_type="accepted").note


def test_an_old_person_alone_gets_a_tekun_application_and_a_village_assistant_files_it(loaded, staff):
    visit = _visit(_task("elderly_alone_no_income"), staff, by="village", visitor_ids=[staff["village"].pk])
    case = visit.case
    assert (case.scheme, case.status, case.beneficiary) == ("tekun", "submitted", loaded.zhao.head)


def test_a_coverage_finding_links_an_application_already_open(loaded, staff):
    first = _visit(_task("severe_disability_uncovered"), staff)
    load(
        [
            finding_row(
                FindingCode.UNEMPLOYED, loaded.wang.head, loaded.wang, "U1", "人社：2023-03-15 登记失业"
            )
        ],
        period="2023-07",
    )
    second = _visit(VisitTask.objects.get(finding__record_id="U1"), staff)
    assert second.case == first.case
    assert Case.objects.filter(household=loaded.wang).count() == 1


@pytest.mark.parametrize(("outcome", "status"), [("not_confirmed", "not_confirmed"), ("refused", "refused")])
def test_a_finding_not_confirmed_or_refused_is_closed_with_the_reason(loaded, staff, outcome, status):
    task = _task("vehicle")
    cases_before = list(Case.objects.values_list("pk", "status", "step"))
    visit = _visit(task, staff, outcome=outcome, notes="车辆已于2023年3月过户他人")
    task.refresh_from_db()
    assert (task.status, task.finding.status, visit.case, visit.case_action) == ("done", status, None, "none")
    assert visit.notes == "车辆已于2023年3月过户他人"
    assert list(Case.objects.values_list("pk", "status", "step")) == cases_before


def test_no_case_action_when_not_confirmed(loaded, staff):
    with pytest.raises(ValidationFailed, match="不办理救助业务"):
        _visit(_task("vehicle"), staff, outcome="not_confirmed", case_action="suspend")


def test_a_recheck_is_only_for_a_death(loaded, staff):
    with pytest.raises(ValidationFailed, match="复核只用于成员死亡"):
        _visit(_task("vehicle"), staff, case_action="recheck")


def test_a_coverage_finding_cannot_suspend(loaded, staff):
    with pytest.raises(ValidationFailed, match="不能选择“暂停发放”"):
        _visit(_task("severe_disability_uncovered"), staff, case_action="suspend")


def test_a_task_takes_one_visit(loaded, staff):
    task = _task("vehicle")
    _visit(task, staff, outcome="not_confirmed")
    before = _counts()
    with pytest.raises(TaskClosed):
        _visit(task, staff)
    assert _counts() == before


def test_visitors_must_cover_the_village_and_notes_are_required(loaded, staff):
    task = _task("vehicle")
    before = _counts()
    with pytest.raises(ValidationFailed, match="走访人员须为"):
        _visit(task, staff, visitor_ids=[staff["other_township"].pk])
    with pytest.raises(ValidationFailed, match="请选择走访人员"):
        _visit(task, staff, visitor_ids=[])
    with pytest.raises(ValidationFailed, match="请填写走访情况"):
        _visit(task, staff, notes="  ")
    with pytest.raises(ValidationFailed, match="走访日期不能晚于今天"):
        do_record_visit(
            task.pk,
            visited_on=datetime.date(2023, 7, 6),
            visitor_ids=[staff["township"].pk],
            outcome="refused",
            notes="拒绝入户",
            acting_user=staff["township"],
        )
    assert _counts() == before


def test_photos_are_stored_under_a_random_name_and_only_images_are_accepted(loaded, staff, media):
    task = _task("vehicle")
    with pytest.raises(ValidationFailed, match="不是 JPG 或 PNG 图片"):
        _visit(task, staff, photos=[SimpleUploadedFile("车辆.txt", b"not an image")])
    visit = _visit(task, staff, photos=[SimpleUploadedFile("张家车辆.png", PNG, content_type="image/png")])
    photo = visit.photos.get()
    assert photo.original_name == "张家车辆.png" and photo.content_type == "image/png"
    # the folder is the upload's real month (Django's upload_to), the name random
    assert re.fullmatch(r"visits/[0-9]{4}/[0-9]{2}/[0-9a-f]{32}\.png", photo.file.name)
    assert (media / photo.file.name).read_bytes() == PNG


def test_an_auditor_and_another_township_cannot_record_a_visit(loaded, staff):
    task = _task("vehicle")
    with pytest.raises(PermissionDenied, match="只读账号"):
        _visit(task, staff, by="auditor")
    with pytest.raises(NotFoundOrNoAccess):
        _visit(task, staff, by="other_township")
    assert Visit.objects.count() == 0


def test_the_township_assigns_a_task_to_a_village_assistant(loaded, staff):
    task = _task("vehicle")
    do_assign_task(task.pk, assignee_id=staff["village"].pk, acting_user=staff["township"])
    task.refresh_from_db()
    assert task.assigned_to == staff["village"]
    audit = AuditLog.objects.order_by("-id").first()
    assert (audit.event_type, audit.region_code) == ("verification.task_assigned", "530602001001")
    # the same assignment again writes nothing; someone of another township cannot be assigned
    count = AuditLog.objects.count()
    do_assign_task(task.pk, assignee_id=staff["village"].pk, acting_user=staff["township"])
    assert AuditLog.objects.count() == count
    with pytest.raises(ValidationFailed, match="走访责任人"):
        do_assign_task(task.pk, assignee_id=staff["other_township"].pk, acting_user=staff["township"])
    with pytest.raises(PermissionDenied):
        do_assign_task(task.pk, assignee_id=staff["township2"].pk, acting_user=staff["village"])
