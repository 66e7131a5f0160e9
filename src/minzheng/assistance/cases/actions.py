"""Writes of the case workflow: ``do_<verb>_<noun>(..., *, acting_user)``.

Each action is atomic; it finds the case through ``access_case_by_id`` (404 outside the jurisdiction),
checks the role and the step (``authorize_case_action``: 403 / 409), validates its input, changes the case,
and writes exactly one timeline entry with its audit row (``events.py``). A refused action writes nothing.
Batch actions (``do_draw_spot_checks``, ``do_schedule_rechecks``) write one timeline entry per case and one
audit row for the batch.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery

from minzheng.accounts.access import (
    access_household_by_id,
    access_person_by_id,
    require_region,
    require_write,
    user_covers_region,
)
from minzheng.accounts.models import Role, User
from minzheng.assistance.case_entitlements import (
    end_entitlements_for_case,
    start_entitlements_for_case,
    suspend_entitlements_for_case,
)
from minzheng.assistance.models import Entitlement
from minzheng.audit.chain import record
from minzheng.audit.models import AuditEvent
from minzheng.common.errors import MinzhengError, NotFoundOrNoAccess, ValidationFailed
from minzheng.common.ids import normalize_id_number
from minzheng.common.masking import mask_id_number
from minzheng.common.models import Region
from minzheng.common.money import yuan
from minzheng.common.workdays import add_workdays
from minzheng.registry.models import LabourCapacity, Membership, Person

from . import clock, events
from .access import access_case_by_id, authorize_case_action, scope_cases
from .choices import (
    ONE_OFF_SCHEMES,
    OPEN_STATUSES,
    PERSON_SCHEMES,
    CaseEventType,
    CaseStatus,
    CountyOpinion,
    DemocraticReviewOutcome,
    InvestigationKind,
    ObjectionResolution,
    ObjectionStatus,
    PublicityKind,
    PublicityOutcome,
    RecheckBasis,
    RecheckStatus,
    Recommendation,
    Relative,
    Scheme,
    StaffPosition,
    Step,
    TemporarySubtype,
    TerminationReason,
    VerificationStatus,
)
from .errors import DuplicateOpenCase, MakerCheckerViolation, RoleNotAllowed, StepIncomplete
from .models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CloseRelative,
    Investigation,
    Objection,
    Publicity,
    Recheck,
    VerificationRequest,
    WorkdayOverride,
)
from .profile import get_profile
from .selectors import workday_overrides_from
from .workflow import (
    CaseAction,
    DeadlineInputs,
    TransitionError,
    add_months,
    allows_advance,
    compute_deadlines,
    first_day_of_month,
    first_day_of_next_month,
    payment_start,
    plan_recheck,
    publicity_end,
    select_spot_checks,
    send_back_target,
    step_after_county_home_visit,
    step_after_democratic_review,
    step_after_preliminary_review,
    step_after_publicity,
)

_COUNTY_STEPS = frozenset({Step.COUNTY_HOME_VISIT, Step.COUNTY_REVIEW, Step.CONFIRMATION})
_WORKING = (CaseStatus.IN_PROGRESS, CaseStatus.PAID_IN_ADVANCE)

# 信息核对 items (S1 art. 17); the verification module answers per item.
VERIFICATION_ITEMS = (
    "户籍",
    "纳税记录",
    "社会保险缴纳",
    "不动产登记",
    "市场主体登记",
    "住房公积金缴纳",
    "车船登记",
    "银行存款",
    "商业保险",
    "证券",
    "互联网金融资产",
)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Photos of the 入户调查 and 民主评议, and scans of signed forms: recognised by their first bytes, not by
# the name or the browser's content type.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)


# --- helpers ------------------------------------------------------------------------------------------------


def _load(case_id: int, acting_user: User, action: CaseAction) -> Case:
    case = access_case_by_id(acting_user, case_id, for_update=True)
    authorize_case_action(acting_user, case, action)
    return case


def _require_roles(user: User, roles: Sequence[str], what: str) -> None:
    require_write(user)
    if user.role not in roles:
        raise RoleNotAllowed(f"您的角色不能{what}")


def _text(value: str, field: str, label: str, *, required: bool = True, max_length: int = 5000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(f"请填写{label}", field=field)
    if len(value) > max_length:
        raise ValidationFailed(f"{label}不能超过 {max_length} 字", field=field)
    return value


def _amount(value: object, field: str, *, positive: bool = True) -> Decimal:
    try:
        amount = yuan(value)
    except ValueError as error:
        raise ValidationFailed(str(error), field=field) from None
    if amount < 0 or (positive and amount == 0):
        raise ValidationFailed("金额必须大于0" if positive else "金额不能为负数", field=field)
    if amount >= Decimal("10000000000"):
        raise ValidationFailed("金额过大", field=field)
    return amount


def _past_date(
    value: datetime.date, field: str, label: str, *, not_before: datetime.date | None
) -> datetime.date:
    if value > clock.today():
        raise ValidationFailed(f"{label}不能晚于今天", field=field)
    if not_before is not None and value < not_before:
        raise ValidationFailed(f"{label}不能早于 {not_before}", field=field)
    return value


def _move(case: Case, step: Step, today: datetime.date) -> None:
    """Enter ``step``; arriving at the county starts its decision period."""
    if step in _COUNTY_STEPS and case.step not in _COUNTY_STEPS:
        case.county_received_on = today
    elif step not in _COUNTY_STEPS:
        case.county_received_on = None
    case.step = step
    case.step_trail = [*case.step_trail, str(step)]
    case.step_started_on = today


def _running_publicity(case: Case) -> Publicity | None:
    if case.pk is None:
        return None
    return case.publicities.filter(closed_on__isnull=True).first()


def _refresh_deadlines(case: Case, today: datetime.date) -> None:
    if case.step == Step.DONE:
        case.step_deadline = None
        return
    running = _running_publicity(case)
    inputs = DeadlineInputs(
        scheme=case.scheme,
        step=case.step,
        accepted_on=case.accepted_on,
        round_started_on=case.round_started_on,
        investigation_started=case.investigation_started_on is not None,
        publicity_ends_on=running.ends_on if running else None,
        county_received_on=case.county_received_on,
        decided_on=case.decided_on,
        delegated=case.delegated,
        special_case=case.special_case,
    )
    deadlines = compute_deadlines(inputs, workday_overrides_from(case.accepted_on or today))
    case.step_deadline, case.total_deadline = deadlines.step, deadlines.total


def _save(case: Case, today: datetime.date) -> None:
    _refresh_deadlines(case, today)
    case.save()


def _check_uploads(files: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str, str]]:
    """Validate every file before anything is written: size, and a JPEG/PNG/PDF signature."""
    checked = []
    for upload in files:
        if upload.size is None or upload.size > MAX_ATTACHMENT_BYTES:
            raise ValidationFailed(f"附件「{upload.name}」超过 10 MB", field="attachments")
        head = upload.read(16)
        upload.seek(0)
        match = next(((ctype, ext) for sig, ctype, ext in _SIGNATURES if head.startswith(sig)), None)
        if match is None:
            raise ValidationFailed(f"附件「{upload.name}」不是 JPG、PNG 或 PDF 文件", field="attachments")
        checked.append((upload, match[0], match[1]))
    if checked and not settings.MEDIA_ROOT:
        raise MinzhengError("附件存储目录（MEDIA_ROOT）未配置，请联系系统管理员", code="media_not_configured")
    return checked


def _store_uploads(
    case: Case, event: CaseEvent, checked: list[tuple[UploadedFile, str, str]], user: User
) -> int:
    for upload, content_type, extension in checked:
        original = PurePath(upload.name or "附件").name[:255]
        # Stored under a random name: the family's name never appears in a path on disk.
        upload.name = f"{uuid.uuid4().hex}{extension}"
        CaseAttachment.objects.create(
            case=case,
            event=event,
            file=upload,
            original_name=original,
            size=upload.size or 0,
            content_type=content_type,
            uploaded_by=user,
            uploaded_at=clock.now(),
        )
    return len(checked)


def _member_ids(case_household_id: int) -> list[str]:
    return list(
        Membership.objects.filter(household_id=case_household_id, valid_to__isnull=True).values_list(
            "person__id_number", flat=True
        )
    )


def _is_related_party(household_id: int, applicant: Person) -> bool:
    """Whether the household (or the applicant) includes a registered 近亲属 of staff (S1 art. 11)."""
    ids = {*_member_ids(household_id), applicant.id_number}
    return CloseRelative.objects.filter(is_active=True, relative_id_number__in=ids).exists()


def _household_income_unstable(household_id: int, employments: Sequence[str]) -> bool:
    """收入不稳定且有劳动能力: a cohabiting member able to work whose work is irregular [K]."""
    return Membership.objects.filter(
        household_id=household_id,
        valid_to__isnull=True,
        is_cohabiting=True,
        person__labour_capacity=LabourCapacity.ABLE,
        person__employment__in=list(employments),
    ).exists()


def _check_maker_checker(case: Case, user: User) -> None:
    if case.accepted_by_id == user.pk:
        raise MakerCheckerViolation("受理本申请的人员不能对同一申请作出审核确认决定，请由其他人员办理")
    reviewed = case.events.filter(event_type=CaseEventType.PRELIMINARY_REVIEWED, actor=user).exists()
    if reviewed:
        raise MakerCheckerViolation("作出初审意见的人员不能对同一申请作出审核确认决定，请由其他人员办理")


def _investigators(case: Case, ids: Sequence[int], *, county: bool) -> list[User]:
    unique = sorted(set(ids))
    if len(unique) < 2:
        raise ValidationFailed("入户调查须由2名以上工作人员进行", field="investigator_ids")
    users = list(User.objects.filter(pk__in=unique, is_active=True).select_related("jurisdiction"))
    allowed_roles = {Role.COUNTY} if county else {Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY}
    valid = [u for u in users if u.role in allowed_roles and user_covers_region(u, case.region_id)]
    if len(valid) != len(unique):
        who = "县级民政工作人员" if county else "本辖区的村、乡镇或县级工作人员"
        raise ValidationFailed(f"调查人员必须是{who}", field="investigator_ids")
    return valid


# --- 受理 ---------------------------------------------------------------------------------------------------


def _accept(case: Case, user: User, today: datetime.date) -> None:
    case.status = CaseStatus.IN_PROGRESS
    case.accepted_on = today
    case.accepted_by = user
    case.round_started_on = today
    case.is_related_party = _is_related_party(case.household_id, case.applicant)
    _move(case, Step.INVESTIGATION, today)


@transaction.atomic
def do_open_case(
    *,
    household_id: int,
    applicant_id: int,
    scheme: str,
    acting_user: User,
    temporary_subtype: str = "",
    beneficiary_id: int | None = None,
    delegated: bool = False,
    special_case: bool = False,
    note: str = "",
) -> Case:
    """一门受理: a township clerk accepts (受理) an application; a village assistant files it on the
    family's behalf (代办) and the township accepts it later (``do_accept_case``)."""
    _require_roles(acting_user, (Role.VILLAGE, Role.TOWNSHIP), "登记救助申请")
    household = access_household_by_id(acting_user, household_id)
    if scheme not in Scheme.values:
        raise ValidationFailed("救助类别不正确", field="scheme")
    if (scheme == Scheme.TEMPORARY) != bool(temporary_subtype):
        raise ValidationFailed("临时救助须选择急难型或支出型，其他类别不选", field="temporary_subtype")
    if temporary_subtype and temporary_subtype not in TemporarySubtype.values:
        raise ValidationFailed("临时救助类型不正确", field="temporary_subtype")
    applicant = access_person_by_id(acting_user, applicant_id)
    members = set(
        Membership.objects.filter(household=household, valid_to__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    beneficiary: Person | None = None
    if scheme in PERSON_SCHEMES:
        beneficiary = (
            applicant if beneficiary_id is None else access_person_by_id(acting_user, beneficiary_id)
        )
        if beneficiary.pk not in members:
            raise ValidationFailed("救助对象必须是该家庭户的现有成员", field="beneficiary_id")
    elif applicant.pk not in members:
        raise ValidationFailed("申请人必须是该家庭户的现有成员", field="applicant_id")
    open_cases = Case.objects.filter(scheme=scheme, status__in=OPEN_STATUSES)
    duplicate = (
        open_cases.filter(beneficiary=beneficiary) if beneficiary else open_cases.filter(household=household)
    )
    if duplicate.exists():
        raise DuplicateOpenCase(
            f"该{'对象' if beneficiary else '家庭'}已有一件办理中或在保的{Scheme(scheme).label}申请"
        )

    today = clock.today()
    case = Case(
        scheme=scheme,
        temporary_subtype=temporary_subtype,
        household=household,
        applicant=applicant,
        beneficiary=beneficiary,
        region=household.region,
        status=CaseStatus.SUBMITTED,
        step=Step.INTAKE,
        step_trail=[str(Step.INTAKE)],
        step_started_on=today,
        opened_at=clock.now(),
        opened_by=acting_user,
        delegated=delegated,
        special_case=special_case,
    )
    note = _text(note, "note", "说明", required=False)
    if acting_user.role == Role.VILLAGE:
        _save(case, today)
        events.case_submitted_event(case, actor=acting_user, note=note)
        return case
    _accept(case, acting_user, today)
    _save(case, today)
    events.case_accepted_event(case, actor=acting_user, from_step=Step.INTAKE, note=note)
    return case


@transaction.atomic
def do_accept_case(case_id: int, *, acting_user: User, note: str = "") -> Case:
    """The township accepts (受理) an application the village filed for the family."""
    case = _load(case_id, acting_user, CaseAction.ACCEPT)
    today = clock.today()
    _accept(case, acting_user, today)
    _save(case, today)
    events.case_accepted_event(
        case, actor=acting_user, from_step=Step.INTAKE, note=_text(note, "note", "说明", required=False)
    )
    return case


# --- 家庭经济状况调查 -------------------------------------------------------------------------------------


def _record_visit(
    case: Case,
    *,
    county: bool,
    visited_on: datetime.date,
    investigator_ids: Sequence[int],
    findings: str,
    family_signatories: str,
    is_remote: bool,
    attachments: Sequence[UploadedFile],
    acting_user: User,
) -> Investigation:
    team = _investigators(case, investigator_ids, county=county)
    visited_on = _past_date(visited_on, "visited_on", "调查日期", not_before=case.accepted_on)
    findings = _text(findings, "findings", "调查情况")
    family_signatories = _text(family_signatories, "family_signatories", "签字的在场家庭成员", max_length=200)
    uploads = _check_uploads(attachments)
    today = clock.today()
    from_step = case.step
    if county:
        _move(case, step_after_county_home_visit(delegated=case.delegated), today)
    elif case.investigation_started_on is None:
        case.investigation_started_on = visited_on
    _save(case, today)
    event = events.investigation_recorded_event(
        case,
        actor=acting_user,
        from_step=from_step,
        county=county,
        visited_on=visited_on,
        investigator_ids=[u.pk for u in team],
        is_remote=is_remote,
        findings=findings,
        attachments=len(uploads),
    )
    investigation = Investigation.objects.create(
        case=case,
        kind=InvestigationKind.COUNTY_HOME_VISIT if county else InvestigationKind.TOWNSHIP,
        round=case.round,
        visited_on=visited_on,
        findings=findings,
        family_signatories=family_signatories,
        is_remote=is_remote,
        recorded_by=acting_user,
        event=event,
    )
    investigation.investigators.set(team)
    _store_uploads(case, event, uploads, acting_user)
    return investigation


@transaction.atomic
def do_record_investigation(
    case_id: int,
    *,
    visited_on: datetime.date,
    investigator_ids: Sequence[int],
    findings: str,
    family_signatories: str,
    acting_user: User,
    is_remote: bool = False,
    attachments: Sequence[UploadedFile] = (),
) -> Investigation:
    """入户调查: ≥2 staff, the findings, signed by the family members present; photos allowed."""
    case = _load(case_id, acting_user, CaseAction.RECORD_INVESTIGATION)
    return _record_visit(
        case,
        county=False,
        visited_on=visited_on,
        investigator_ids=investigator_ids,
        findings=findings,
        family_signatories=family_signatories,
        is_remote=is_remote,
        attachments=attachments,
        acting_user=acting_user,
    )


@transaction.atomic
def do_record_county_home_visit(
    case_id: int,
    *,
    visited_on: datetime.date,
    investigator_ids: Sequence[int],
    findings: str,
    family_signatories: str,
    acting_user: User,
    is_remote: bool = False,
    attachments: Sequence[UploadedFile] = (),
) -> Investigation:
    """县级入户核查 of a 单独登记备案 case (S1 art. 20): ≥2 county staff; then the county reviews."""
    case = _load(case_id, acting_user, CaseAction.RECORD_COUNTY_HOME_VISIT)
    return _record_visit(
        case,
        county=True,
        visited_on=visited_on,
        investigator_ids=investigator_ids,
        findings=findings,
        family_signatories=family_signatories,
        is_remote=is_remote,
        attachments=attachments,
        acting_user=acting_user,
    )


@transaction.atomic
def do_request_verification(
    case_id: int, *, acting_user: User, items: Sequence[str] = VERIFICATION_ITEMS
) -> VerificationRequest:
    """Ask the county for 家庭经济状况信息核对 (it starts within 3 wd). A pending request of this round is
    returned as it is."""
    case = _load(case_id, acting_user, CaseAction.REQUEST_VERIFICATION)
    pending = case.verification_requests.filter(round=case.round, status=VerificationStatus.PENDING).first()
    if pending is not None:
        return pending
    unknown = sorted(set(items) - set(VERIFICATION_ITEMS))
    if not items or unknown:
        raise ValidationFailed("核对事项不正确：" + "、".join(unknown), field="items")
    today = clock.today()
    request = VerificationRequest.objects.create(
        case=case,
        round=case.round,
        requested_on=today,
        start_due_on=add_workdays(today, 3, workday_overrides_from(today)),
        items=list(items),
        requested_by=acting_user,
    )
    if case.investigation_started_on is None:
        case.investigation_started_on = today
    _save(case, today)
    events.verification_requested_event(
        case, actor=acting_user, request_id=request.pk, items=list(items), start_due_on=request.start_due_on
    )
    return request


@transaction.atomic
def do_record_verification_result(
    case_id: int, *, request_id: int, result: Mapping[str, Any], acting_user: User
) -> VerificationRequest:
    """The 核对报告 comes back (entered by the county, later fed by the verification module)."""
    case = access_case_by_id(acting_user, case_id, for_update=True)
    request = case.verification_requests.filter(pk=request_id).first()
    if request is None:
        raise NotFoundOrNoAccess("未找到该信息核对申请")
    if request.status == VerificationStatus.ANSWERED and request.result == dict(result):
        _require_roles(acting_user, (Role.COUNTY,), "登记信息核对结果")
        return request  # the same answer again (a re-sent feed): nothing changes
    authorize_case_action(acting_user, case, CaseAction.RECORD_VERIFICATION_RESULT)
    today = clock.today()
    request.status = VerificationStatus.ANSWERED
    request.answered_on = today
    request.result = dict(result)
    request.save(update_fields=["status", "answered_on", "result"])
    events.verification_answered_event(case, actor=acting_user, request_id=request.pk, result=dict(result))
    return request


# --- 初审 ---------------------------------------------------------------------------------------------------


def _investigation_done(case: Case) -> bool:
    """A 初审 needs the family's situation investigated: a home visit (≥2 staff), or for the person-level
    schemes checked "mainly by data matching" (S8) a 信息核对 request. After an objection sent to
    重新调查, only this round's investigation counts; after one sent to 民主评议, the earlier one stands."""
    reinvestigating = case.objections.filter(
        status=ObjectionStatus.ROUTED, resolution=ObjectionResolution.REINVESTIGATE
    ).exists()
    visits = case.investigations.filter(kind=InvestigationKind.TOWNSHIP)
    requests = case.verification_requests.all()
    if reinvestigating:
        visits, requests = visits.filter(round=case.round), requests.filter(round=case.round)
    if visits.exists():
        return True
    return case.scheme in PERSON_SCHEMES - {Scheme.TEKUN} and requests.exists()


@transaction.atomic
def do_submit_preliminary_review(
    case_id: int,
    *,
    recommendation: str,
    opinion: str,
    acting_user: User,
    proposed_amount: Decimal | str | None = None,
) -> Case:
    """乡镇初审意见 (符合 / 不符合). 符合 goes to 公示 (or to the county for schemes without one);
    不符合 goes to the county, which decides and notifies the reasons."""
    case = _load(case_id, acting_user, CaseAction.SUBMIT_PRELIMINARY_REVIEW)
    if recommendation not in Recommendation.values:
        raise ValidationFailed("初审意见只能是符合或不符合", field="recommendation")
    opinion = _text(opinion, "opinion", "初审意见")
    if not _investigation_done(case):
        raise StepIncomplete("本轮尚未完成家庭经济状况调查（入户调查须2名以上工作人员），不能提交初审")
    amount: Decimal | None = None
    if recommendation == Recommendation.ELIGIBLE:
        if proposed_amount in (None, ""):
            raise ValidationFailed("初审意见为符合时须填写拟救助金额", field="proposed_amount")
        amount = _amount(proposed_amount, "proposed_amount")
    today = clock.today()
    from_step = case.step
    case.preliminary_recommendation = recommendation
    case.proposed_amount = amount
    handled = case.objections.filter(status=ObjectionStatus.ROUTED).update(status=ObjectionStatus.HANDLED)
    county_visit_done = case.investigations.filter(kind=InvestigationKind.COUNTY_HOME_VISIT).exists()
    _move(
        case,
        step_after_preliminary_review(
            case.scheme,
            recommendation,
            is_related_party=case.is_related_party,
            county_visit_done=county_visit_done,
            delegated=case.delegated,
        ),
        today,
    )
    _save(case, today)
    events.preliminary_reviewed_event(
        case, actor=acting_user, from_step=from_step, opinion=opinion, objections_handled=handled
    )
    return case


# --- 公示 ---------------------------------------------------------------------------------------------------


@transaction.atomic
def do_start_publicity(case_id: int, *, acting_user: User) -> Publicity:
    """Post the 公示 in the village today, for 7 calendar days (masked name and ID, household size,
    proposed amount)."""
    case = _load(case_id, acting_user, CaseAction.START_PUBLICITY)
    today = clock.today()
    publicity = Publicity.objects.create(
        case=case,
        kind=PublicityKind.APPLICATION,
        round=case.round,
        started_on=today,
        ends_on=publicity_end(today, get_profile()),
        proposed_amount=case.proposed_amount,
        started_by=acting_user,
    )
    _save(case, today)
    events.publicity_started_event(
        case,
        actor=acting_user,
        from_step=case.step,
        publicity_id=publicity.pk,
        kind=publicity.kind,
        started_on=publicity.started_on,
        ends_on=publicity.ends_on,
    )
    return publicity


@transaction.atomic
def do_record_objection(case_id: int, *, content: str, acting_user: User, objector: str = "") -> Objection:
    """An objection to a running 公示 (the objector may stay anonymous)."""
    case = _load(case_id, acting_user, CaseAction.RECORD_OBJECTION)
    publicity = _running_publicity(case)
    assert publicity is not None  # check_action allows this only while a 公示 runs
    objection = Objection.objects.create(
        case=case,
        publicity=publicity,
        received_on=clock.today(),
        objector=_text(objector, "objector", "异议人", required=False, max_length=64),
        content=_text(content, "content", "异议内容"),
        recorded_by=acting_user,
    )
    events.objection_recorded_event(
        case, actor=acting_user, objection_id=objection.pk, content=objection.content
    )
    return objection


@transaction.atomic
def do_close_publicity(case_id: int, *, acting_user: User, resolution: str | None = None) -> Case:
    """Take the notice down. Without objection: only after its 7 days; the case goes on (民主评议 or the
    county; 特困 termination: to 终止确认). With objections: at once, with how they are handled
    (重新调查 or 民主评议, then a new 初审 and a new 公示; the case becomes a special case, S4)."""
    case = _load(case_id, acting_user, CaseAction.CLOSE_PUBLICITY)
    publicity = _running_publicity(case)
    assert publicity is not None  # check_action allows this only while a 公示 runs
    pending = list(case.objections.filter(publicity=publicity, status=ObjectionStatus.PENDING))
    today = clock.today()
    from_step = case.step
    profile = get_profile()
    county_visit_done = case.investigations.filter(kind=InvestigationKind.COUNTY_HOME_VISIT).exists()
    if not pending:
        if today <= publicity.ends_on:
            raise StepIncomplete(
                f"公示期未满（{publicity.started_on} 至 {publicity.ends_on}），期满后方可结束"
            )
        resolution = None
        publicity.outcome = PublicityOutcome.NO_OBJECTION
        if publicity.kind == PublicityKind.TERMINATION:
            _move(case, Step.TERMINATION_DECISION, today)
        else:
            next_step = step_after_publicity(
                None,
                profile,
                is_related_party=case.is_related_party,
                county_visit_done=county_visit_done,
                delegated=case.delegated,
            )
            _move(case, next_step, today)
    elif publicity.kind == PublicityKind.TERMINATION:
        # S2 art. 25: investigate, decide within 15 wd, and 公示 again; the person stays a recipient.
        resolution = ObjectionResolution.REINVESTIGATE
        publicity.outcome = PublicityOutcome.OBJECTION
        for objection in pending:
            objection.status, objection.resolution = ObjectionStatus.INVESTIGATING, resolution
        _move(case, Step.DONE, today)
    else:
        if resolution not in ObjectionResolution.values:
            raise ValidationFailed("公示有异议，请选择处理方式：重新调查或民主评议", field="resolution")
        try:
            next_step = step_after_publicity(
                resolution,
                profile,
                is_related_party=case.is_related_party,
                county_visit_done=county_visit_done,
                delegated=case.delegated,
            )
        except TransitionError as error:
            raise ValidationFailed(error.message, field="resolution") from None
        publicity.outcome = PublicityOutcome.OBJECTION
        for objection in pending:
            objection.status, objection.resolution = ObjectionStatus.ROUTED, resolution
        case.round += 1
        case.round_started_on = today
        case.special_case = True
        _move(case, next_step, today)
    Objection.objects.bulk_update(pending, ["status", "resolution"])
    publicity.closed_on = today
    publicity.save(update_fields=["closed_on", "outcome"])
    _save(case, today)
    events.publicity_closed_event(
        case,
        actor=acting_user,
        from_step=from_step,
        publicity_id=publicity.pk,
        outcome=publicity.outcome,
        resolution=resolution,
        objections=len(pending),
    )
    return case


# --- 民主评议 -----------------------------------------------------------------------------------------------


@transaction.atomic
def do_record_democratic_review(
    case_id: int,
    *,
    held_on: datetime.date,
    participants: int,
    votes_for: int,
    votes_against: int,
    minutes: str,
    acting_user: User,
    attachments: Sequence[UploadedFile] = (),
) -> Case:
    """民主评议 by the village representatives; passed when more than half of those present agree. Held on
    an objection, it leads to a new 初审; held as the routine Zhaotong step, to the county."""
    case = _load(case_id, acting_user, CaseAction.RECORD_DEMOCRATIC_REVIEW)
    held_on = _past_date(held_on, "held_on", "评议日期", not_before=case.accepted_on)
    if participants < 1 or votes_for < 0 or votes_against < 0 or votes_for + votes_against > participants:
        raise ValidationFailed(
            "参加人数和票数不正确（同意票与不同意票之和不能超过参加人数）", field="votes_for"
        )
    minutes = _text(minutes, "minutes", "评议情况")
    uploads = _check_uploads(attachments)
    outcome = (
        DemocraticReviewOutcome.AGREE if 2 * votes_for > participants else DemocraticReviewOutcome.DISAGREE
    )
    today = clock.today()
    from_step = case.step
    objection_pending = case.objections.filter(status=ObjectionStatus.ROUTED).exists()
    county_visit_done = case.investigations.filter(kind=InvestigationKind.COUNTY_HOME_VISIT).exists()
    _move(
        case,
        step_after_democratic_review(
            objection_pending=objection_pending,
            is_related_party=case.is_related_party,
            county_visit_done=county_visit_done,
            delegated=case.delegated,
        ),
        today,
    )
    _save(case, today)
    event = events.democratic_reviewed_event(
        case,
        actor=acting_user,
        from_step=from_step,
        held_on=held_on,
        participants=participants,
        votes_for=votes_for,
        votes_against=votes_against,
        outcome=outcome,
        minutes=minutes,
        attachments=len(uploads),
    )
    _store_uploads(case, event, uploads, acting_user)
    return case


# --- county: spot checks, review, confirmation ---------------------------------------------------------------


@dataclass(frozen=True)
class SpotCheckDraw:
    case_ids: list[int]
    selected_ids: list[int]


@transaction.atomic
def do_draw_spot_checks(*, seed: str, acting_user: User, ratio: Decimal | None = None) -> SpotCheckDraw:
    """Draw the county's 特困 spot checks (≥30%, S2 art. 16) among the 特困 applications waiting for the
    county's review that were not in a draw yet. Deterministic for a given seed (an auditor can redo it)."""
    _require_roles(acting_user, (Role.COUNTY,), "抽取审核抽查对象")
    profile = get_profile()
    ratio = profile.tekun_spot_check_ratio if ratio is None else Decimal(str(ratio))
    if not profile.tekun_spot_check_ratio <= ratio <= 1:
        raise ValidationFailed(
            f"抽查比例须在 {profile.tekun_spot_check_ratio:.0%} 至 100% 之间", field="ratio"
        )
    seed = _text(seed, "seed", "随机种子", max_length=64)
    waiting = (
        scope_cases(acting_user)
        .filter(scheme=Scheme.TEKUN, step=Step.COUNTY_REVIEW, status__in=_WORKING, spot_check_drawn=False)
        .select_for_update()
        .order_by("pk")
    )
    cases = list(waiting)
    if not cases:
        return SpotCheckDraw([], [])
    ids = [case.pk for case in cases]
    selected = select_spot_checks(ids, ratio, seed)
    Case.objects.filter(pk__in=ids).update(spot_check_drawn=True)
    Case.objects.filter(pk__in=selected).update(spot_check_selected=True)
    events.spot_check_drawn_events(
        cases,
        actor=acting_user,
        selected_ids=selected,
        ratio=ratio,
        seed=seed,
        region_code=str(acting_user.jurisdiction_id or ""),
    )
    return SpotCheckDraw(ids, selected)


@transaction.atomic
def do_county_review(
    case_id: int, *, opinion: str, acting_user: User, note: str = "", spot_check_findings: str = ""
) -> Case:
    """区县审查意见. 特困: the case must have been in a spot-check draw; if it was selected, the spot
    check's findings are required."""
    case = _load(case_id, acting_user, CaseAction.COUNTY_REVIEW)
    if opinion not in CountyOpinion.values:
        raise ValidationFailed("审查意见只能是同意或不同意", field="opinion")
    note = _text(note, "note", "审查说明", required=opinion == CountyOpinion.DISAGREE)
    if case.scheme == Scheme.TEKUN and not case.spot_check_drawn:
        raise StepIncomplete("特困人员申请须先参加县级抽查抽取（抽查比例不低于30%）")
    findings = _text(
        spot_check_findings, "spot_check_findings", "抽查情况", required=case.spot_check_selected
    )
    if (
        case.is_related_party
        and not case.investigations.filter(kind=InvestigationKind.COUNTY_HOME_VISIT).exists()
    ):
        raise StepIncomplete("近亲属备案的申请须先由县级民政入户核查")
    today = clock.today()
    from_step = case.step
    case.county_opinion = opinion
    case.spot_check_findings = findings
    _move(case, Step.CONFIRMATION, today)
    _save(case, today)
    events.county_reviewed_event(case, actor=acting_user, from_step=from_step, note=note)
    return case


def _schedule_first_recheck(case: Case, today: datetime.date) -> Recheck | None:
    plan = plan_recheck(
        case.scheme, income_unstable=case.income_unstable, last_checked_on=today, profile=get_profile()
    )
    if plan is None:
        return None
    return Recheck.objects.create(case=case, due_on=plan.due_on, basis=plan.basis)


@transaction.atomic
def do_confirm_case(
    case_id: int,
    *,
    monthly_amount: Decimal | str,
    category: str,
    decision_json: Mapping[str, Any],
    acting_user: User,
    income_unstable: bool | None = None,
) -> Case:
    """审核确认 (approve). The amount and category come from the assessment (``decision_json``); payment
    starts the month after the decision (a one-off 临时救助: this month). The first periodic re-check is
    scheduled. 急难型临时救助 before 审核确认: 先行救助 — paid now, the paperwork continues (flagged).
    Maker-checker: whoever did 受理 or 初审 of the case cannot confirm it."""
    case = _load(case_id, acting_user, CaseAction.CONFIRM)
    _check_maker_checker(case, acting_user)
    amount = _amount(monthly_amount, "monthly_amount")
    category = _text(category, "category", "类别／档次", required=False, max_length=64)
    decision = dict(decision_json or {})
    if decision.get("eligible") is False:
        raise ValidationFailed(
            "测算结果为不符合条件，不能批准；请作出不予确认决定或回退", field="decision_json"
        )
    today = clock.today()
    from_step = case.step
    advance = case.step != Step.CONFIRMATION
    previous_amount: Decimal | None = None
    if advance:
        # check_action allows confirming before 审核确认 only for 急难型临时救助 (先行救助).
        assert allows_advance(case.scheme, case.temporary_subtype)
        case.status = CaseStatus.PAID_IN_ADVANCE
        case.advance_assistance = True
        case.paperwork_pending = True
        case.payment_start_month = payment_start(case.scheme, today)
        case.amount_effective_month = case.payment_start_month
    else:
        if (
            case.is_related_party
            and not case.investigations.filter(kind=InvestigationKind.COUNTY_HOME_VISIT).exists()
        ):
            raise StepIncomplete("近亲属备案的申请须先由县级民政入户核查，方可审核确认")
        if case.advance_assistance:
            # The paperwork of a 先行救助 is complete; the payment month stays the advance's.
            previous_amount = case.monthly_amount
        else:
            case.payment_start_month = payment_start(case.scheme, today)
            case.amount_effective_month = case.payment_start_month
        case.status = CaseStatus.COMPLETED if case.scheme in ONE_OFF_SCHEMES else CaseStatus.ACTIVE
        case.paperwork_pending = False
        _move(case, Step.DONE, today)
    case.decided_on = today
    case.decided_by = acting_user
    case.monthly_amount = amount
    case.category = category
    case.decision_json = decision
    if income_unstable is None:
        income_unstable = _household_income_unstable(case.household_id, get_profile().unstable_employments)
    case.income_unstable = case.scheme == Scheme.DIBAO and income_unstable
    _save(case, today)
    if not Entitlement.objects.filter(case_id=case.pk).exists():
        # the payroll pays from the payment start month (a 先行救助 already has its entitlement)
        start_entitlements_for_case(case, today)
    if advance:
        events.advance_granted_event(case, actor=acting_user, from_step=from_step)
        return case
    if case.status == CaseStatus.ACTIVE:
        _schedule_first_recheck(case, today)
    events.case_confirmed_event(case, actor=acting_user, from_step=from_step, previous_amount=previous_amount)
    return case


@transaction.atomic
def do_reject_case(case_id: int, *, reasons: str, acting_user: User) -> Case:
    """审核确认 (refuse) with written reasons; the township delivers the notice within 3 working days."""
    case = _load(case_id, acting_user, CaseAction.REJECT)
    _check_maker_checker(case, acting_user)
    reasons = _text(reasons, "reasons", "不予确认理由")
    today = clock.today()
    from_step = case.step
    case.status = CaseStatus.REJECTED
    case.rejection_reasons = reasons
    case.decided_on = today
    case.decided_by = acting_user
    case.paperwork_pending = False
    _move(case, Step.REJECTION_NOTICE, today)
    _save(case, today)
    events.case_rejected_event(case, actor=acting_user, from_step=from_step, notice_due_on=case.step_deadline)
    return case


@transaction.atomic
def do_record_rejection_notice(
    case_id: int, *, acting_user: User, delivered_on: datetime.date | None = None
) -> Case:
    case = _load(case_id, acting_user, CaseAction.RECORD_REJECTION_NOTICE)
    today = clock.today()
    delivered_on = _past_date(delivered_on or today, "delivered_on", "送达日期", not_before=case.decided_on)
    from_step = case.step
    case.rejection_notice_sent_on = delivered_on
    _move(case, Step.DONE, today)
    _save(case, today)
    events.rejection_notice_sent_event(case, actor=acting_user, from_step=from_step)
    return case


@transaction.atomic
def do_send_back(case_id: int, *, reason: str, acting_user: User) -> Case:
    """任务回退: return the case to the step it came from, with a reason. A running 公示 is withdrawn."""
    case = _load(case_id, acting_user, CaseAction.SEND_BACK)
    reason = _text(reason, "reason", "回退理由")
    target = send_back_target(case.step_trail)
    assert target is not None  # check_action refuses a case with nowhere to go back to
    today = clock.today()
    from_step = case.step
    running = _running_publicity(case)
    if running is not None:
        running.closed_on, running.outcome = today, PublicityOutcome.CANCELLED
        running.save(update_fields=["closed_on", "outcome"])
    trail = list(case.step_trail[:-2])
    case.step_trail = trail
    _move(case, target, today)
    if target in _COUNTY_STEPS and from_step in _COUNTY_STEPS:
        # Back within the county: its decision period keeps running from the original receipt.
        case.county_received_on = case.county_received_on or today
    _save(case, today)
    events.case_sent_back_event(case, actor=acting_user, from_step=from_step, reason=reason)
    return case


# --- recipients: re-checks, changes, suspension, termination ------------------------------------------------


@transaction.atomic
def do_schedule_rechecks(*, acting_user: User) -> int:
    """Set the next periodic re-check of every recipient in the county that has none scheduled: every 6
    months for dibao households with unstable income and members able to work (read from the registry now),
    yearly otherwise (S1 art. 31). Set-based: one query for the cases, one bulk insert."""
    _require_roles(acting_user, (Role.COUNTY,), "安排定期复核")
    profile = get_profile()
    today = clock.today()
    scheduled = Recheck.objects.filter(case=OuterRef("pk"), status=RecheckStatus.SCHEDULED)
    last_done = Recheck.objects.filter(case=OuterRef("pk"), status=RecheckStatus.DONE).order_by("-done_on")
    unstable = Membership.objects.filter(
        household=OuterRef("household"),
        valid_to__isnull=True,
        is_cohabiting=True,
        person__labour_capacity=LabourCapacity.ABLE,
        person__employment__in=list(profile.unstable_employments),
    )
    candidates = (
        scope_cases(acting_user)
        .filter(status__in=[CaseStatus.ACTIVE, CaseStatus.SUSPENDED])
        .exclude(scheme__in=sorted(ONE_OFF_SCHEMES))
        .exclude(Exists(scheduled))
        .select_for_update(of=("self",))
        .annotate(
            unstable_now=Exists(unstable),
            # A subquery, not Max(): PostgreSQL refuses FOR UPDATE with GROUP BY.
            last_done=Subquery(last_done.values("done_on")[:1]),
        )
        .order_by("pk")
    )
    cases = list(candidates)
    rows: list[Recheck] = []
    due: dict[int, tuple[datetime.date, str]] = {}
    for case in cases:
        case.income_unstable = case.scheme == Scheme.DIBAO and case.unstable_now  # type: ignore[attr-defined]
        base = case.last_done or case.decided_on or today  # type: ignore[attr-defined]
        plan = plan_recheck(
            case.scheme, income_unstable=case.income_unstable, last_checked_on=base, profile=profile
        )
        if plan is None:
            continue
        rows.append(Recheck(case=case, due_on=plan.due_on, basis=plan.basis))
        due[case.pk] = (plan.due_on, str(plan.basis))
    if not rows:
        return 0
    Case.objects.bulk_update(cases, ["income_unstable"], batch_size=2000)
    Recheck.objects.bulk_create(rows, batch_size=2000)
    events.recheck_scheduled_events(
        [case for case in cases if case.pk in due],
        actor=acting_user,
        due=due,
        region_code=str(acting_user.jurisdiction_id or ""),
    )
    return len(rows)


@transaction.atomic
def do_record_recheck(
    case_id: int,
    *,
    changed: bool,
    acting_user: User,
    note: str = "",
    new_monthly_amount: Decimal | str | None = None,
    effective_month: datetime.date | None = None,
    decision_json: Mapping[str, Any] | None = None,
) -> Recheck:
    """复核. No material change: the amount stays (S1 art. 31). A change: the new amount from
    ``effective_month`` (default: next month), decided by the county. The next re-check is scheduled."""
    case = _load(case_id, acting_user, CaseAction.RECORD_RECHECK)
    today = clock.today()
    old_amount = case.monthly_amount
    new_amount: Decimal | None = None
    if changed:
        if acting_user.role != Role.COUNTY and not case.delegated:
            raise RoleNotAllowed("调整救助金额须由县级民政审核确认")
        if new_monthly_amount in (None, ""):
            raise ValidationFailed("有重大变化时须填写调整后的金额", field="new_monthly_amount")
        new_amount = _amount(new_monthly_amount, "new_monthly_amount", positive=False)
        effective_month = effective_month or first_day_of_next_month(today)
        if effective_month.day != 1 or effective_month < first_day_of_month(today):
            raise ValidationFailed("起始月份须为本月或以后月份的1日", field="effective_month")
    note = _text(note, "note", "复核情况", required=changed)
    recheck = case.rechecks.filter(status=RecheckStatus.SCHEDULED).select_for_update().first()
    if recheck is None:
        recheck = Recheck(case=case, due_on=today, basis=RecheckBasis.ANNUAL)
    recheck.status = RecheckStatus.DONE
    recheck.done_on = today
    recheck.changed = changed
    recheck.old_amount = old_amount
    recheck.new_amount = new_amount if changed else old_amount
    recheck.effective_month = effective_month if changed else None
    recheck.note = note
    recheck.recorded_by = acting_user
    recheck.save()
    if changed:
        case.monthly_amount = new_amount
        case.amount_effective_month = effective_month
        if decision_json is not None:
            case.decision_json = dict(decision_json)
    profile = get_profile()
    # The household type may have changed since the last check: the next interval follows today's registry.
    unstable = _household_income_unstable(case.household_id, profile.unstable_employments)
    case.income_unstable = case.scheme == Scheme.DIBAO and unstable
    _save(case, today)
    plan = plan_recheck(
        case.scheme, income_unstable=case.income_unstable, last_checked_on=today, profile=profile
    )
    if plan is not None:
        Recheck.objects.create(case=case, due_on=plan.due_on, basis=plan.basis)
    events.recheck_recorded_event(
        case,
        actor=acting_user,
        recheck_id=recheck.pk,
        changed=changed,
        old_amount=old_amount,
        new_amount=new_amount,
        effective_month=effective_month if changed else None,
        next_due_on=plan.due_on if plan else None,
        note=note,
    )
    return recheck


@transaction.atomic
def do_report_member_death(
    case_id: int, *, person_id: int, died_on: datetime.date, acting_user: User
) -> Recheck:
    """A member of a recipient household died: the re-check (增发、减发、停发) is due within 3 months
    (S4). An earlier scheduled re-check stays; a later one is brought forward."""
    case = _load(case_id, acting_user, CaseAction.REPORT_MEMBER_DEATH)
    if not Membership.objects.filter(household_id=case.household_id, person_id=person_id).exists():
        raise ValidationFailed("该人员不是本户家庭成员", field="person_id")
    died_on = _past_date(died_on, "died_on", "死亡日期", not_before=None)
    due_on = add_months(died_on, get_profile().death_recheck_months)
    recheck = case.rechecks.filter(status=RecheckStatus.SCHEDULED).select_for_update().first()
    if recheck is not None and recheck.due_on <= due_on and recheck.basis == RecheckBasis.MEMBER_DEATH:
        return recheck  # already reported: nothing changes
    if recheck is None:
        recheck = Recheck.objects.create(case=case, due_on=due_on, basis=RecheckBasis.MEMBER_DEATH)
    elif recheck.due_on > due_on:
        recheck.due_on, recheck.basis = due_on, RecheckBasis.MEMBER_DEATH
        recheck.save(update_fields=["due_on", "basis"])
    events.member_death_reported_event(
        case, actor=acting_user, person_id=person_id, died_on=died_on, recheck_due_on=recheck.due_on
    )
    return recheck


@transaction.atomic
def do_suspend_case(case_id: int, *, reason: str, acting_user: User) -> Case:
    """暂停发放 from next month (e.g. pending a re-check the family does not cooperate with)."""
    case = access_case_by_id(acting_user, case_id, for_update=True)
    if case.status == CaseStatus.SUSPENDED:
        _require_roles(acting_user, (Role.COUNTY,), "暂停发放")
        return case
    authorize_case_action(acting_user, case, CaseAction.SUSPEND)
    reason = _text(reason, "reason", "暂停理由")
    today = clock.today()
    case.status = CaseStatus.SUSPENDED
    case.suspended_from = first_day_of_next_month(today)
    _save(case, today)
    suspend_entitlements_for_case(case.pk, suspended=True)
    events.case_suspended_event(case, actor=acting_user, reason=reason)
    return case


@transaction.atomic
def do_resume_case(case_id: int, *, acting_user: User, note: str = "") -> Case:
    case = access_case_by_id(acting_user, case_id, for_update=True)
    if case.status == CaseStatus.ACTIVE:
        _require_roles(acting_user, (Role.COUNTY,), "恢复发放")
        return case
    authorize_case_action(acting_user, case, CaseAction.RESUME)
    today = clock.today()
    resumed_from = first_day_of_next_month(today)
    case.status = CaseStatus.ACTIVE
    case.suspended_from = None
    _save(case, today)
    suspend_entitlements_for_case(case.pk, suspended=False)
    events.case_resumed_event(
        case, actor=acting_user, note=_text(note, "note", "说明", required=False), resumed_from=resumed_from
    )
    return case


@transaction.atomic
def do_start_termination_publicity(
    case_id: int, *, reason: str, acting_user: User, note: str = ""
) -> Publicity:
    """特困: 终止前公示, 7 days (S2 art. 25). Without objection the county then terminates."""
    case = _load(case_id, acting_user, CaseAction.START_TERMINATION_PUBLICITY)
    if reason not in TerminationReason.values:
        raise ValidationFailed("请选择终止原因", field="reason")
    today = clock.today()
    from_step = case.step
    case.termination_reason = reason
    _move(case, Step.TERMINATION_PUBLICITY, today)
    publicity = Publicity.objects.create(
        case=case,
        kind=PublicityKind.TERMINATION,
        round=case.round,
        started_on=today,
        ends_on=publicity_end(today, get_profile()),
        proposed_amount=None,
        started_by=acting_user,
    )
    _save(case, today)
    events.publicity_started_event(
        case,
        actor=acting_user,
        from_step=from_step,
        publicity_id=publicity.pk,
        kind=publicity.kind,
        started_on=publicity.started_on,
        ends_on=publicity.ends_on,
        note=_text(note, "note", "说明", required=False) or TerminationReason(reason).label,
    )
    return publicity


@transaction.atomic
def do_terminate_case(case_id: int, *, reason: str, acting_user: User, note: str = "") -> Case:
    """终止救助 from next month. 特困: only after a 终止前公示 that drew no objection (the reason must be
    the one publicised)."""
    case = _load(case_id, acting_user, CaseAction.TERMINATE)
    if reason not in TerminationReason.values:
        raise ValidationFailed("请选择终止原因", field="reason")
    publicity_id: int | None = None
    if case.scheme == Scheme.TEKUN:
        publicity = case.publicities.filter(kind=PublicityKind.TERMINATION).order_by("-pk").first()
        if publicity is None or publicity.outcome != PublicityOutcome.NO_OBJECTION:
            raise StepIncomplete("特困人员终止救助供养前须公示7天且无异议")
        if reason != case.termination_reason:
            raise ValidationFailed("终止原因须与终止前公示的原因一致", field="reason")
        publicity_id = publicity.pk
    note = _text(note, "note", "说明", required=reason == TerminationReason.OTHER)
    today = clock.today()
    from_step = case.step
    case.status = CaseStatus.TERMINATED
    case.termination_reason = reason
    case.terminated_from = first_day_of_next_month(today)
    if case.step != Step.DONE:
        _move(case, Step.DONE, today)
    case.rechecks.filter(status=RecheckStatus.SCHEDULED).update(status=RecheckStatus.CANCELLED)
    _save(case, today)
    end_entitlements_for_case(case.pk, last_month=today)  # paid up to this month, stopped from the next
    events.case_terminated_event(
        case, actor=acting_user, from_step=from_step, note=note, publicity_id=publicity_id
    )
    return case


# --- registers ----------------------------------------------------------------------------------------------


@transaction.atomic
def do_register_close_relative(
    *,
    staff_name: str,
    staff_position: str,
    region_code: str,
    relative_id_number: str,
    relative_name: str,
    relation: str,
    acting_user: User,
    staff_user_id: int | None = None,
) -> CloseRelative:
    """近亲属备案: register a close relative of a case worker or a village-committee member, so that the
    relative's applications are registered separately and visited by the county (S1 art. 11, 20)."""
    _require_roles(
        acting_user, (Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY, Role.CITY, Role.ADMIN), "登记近亲属备案"
    )
    require_region(acting_user, region_code)
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise ValidationFailed("区划代码不存在", field="region_code")
    if staff_position not in StaffPosition.values:
        raise ValidationFailed("请选择职务类别", field="staff_position")
    if relation not in Relative.values:
        raise ValidationFailed(
            "关系须为配偶、父母、子女、兄弟姐妹、祖父母、外祖父母、孙子女或外孙子女", field="relation"
        )
    number = normalize_id_number(relative_id_number)
    staff: User | None = None
    if staff_user_id is not None:
        staff = User.objects.filter(pk=staff_user_id).first()
        if staff is None or not user_covers_region(acting_user, str(staff.jurisdiction_id or "")):
            raise NotFoundOrNoAccess("未找到该工作人员账号，或其不在您的管辖范围内")
    staff_name = _text(staff_name, "staff_name", "工作人员姓名", max_length=64)
    existing = CloseRelative.objects.filter(
        is_active=True, staff_name=staff_name, region=region, relative_id_number=number
    ).first()
    if existing is not None and existing.relation == relation:
        return existing
    if existing is not None:
        existing.is_active = False
        existing.save(update_fields=["is_active"])
    entry = CloseRelative.objects.create(
        staff=staff,
        staff_name=staff_name,
        staff_position=staff_position,
        region=region,
        relative_id_number=number,
        relative_name=_text(relative_name, "relative_name", "近亲属姓名", max_length=64),
        relation=relation,
        registered_by=acting_user,
        registered_at=clock.now(),
    )
    record(
        AuditEvent.CASE_EVENT,
        actor=acting_user,
        subject_type="close_relative",
        subject_id=entry.pk,
        region_code=region.code,
        summary=f"近亲属备案：{staff_name}（{entry.get_staff_position_display()}）的{entry.get_relation_display()}",
        data={
            "relative_id_number": mask_id_number(number),
            "relation": relation,
            "replaced": existing is not None,
        },
    )
    return entry


@transaction.atomic
def do_set_workday_override(
    *, day: datetime.date, is_workday: bool, note: str, acting_user: User
) -> WorkdayOverride:
    """Enter one day of the State Council's holiday notice (or a local arrangement): a holiday
    (``is_workday=False``) or a make-up working day (``is_workday=True``)."""
    _require_roles(acting_user, (Role.CITY, Role.ADMIN), "维护节假日安排")
    note = _text(note, "note", "依据", max_length=200)
    override = WorkdayOverride.objects.filter(day=day).first()
    if override is not None and override.is_workday == is_workday and override.note == note:
        return override
    old = None if override is None else {"is_workday": override.is_workday, "note": override.note}
    if override is None:
        override = WorkdayOverride(day=day, created_by=acting_user)
    override.is_workday, override.note = is_workday, note
    override.save()
    record(
        AuditEvent.CASE_EVENT,
        actor=acting_user,
        subject_type="workday_override",
        subject_id=day.isoformat(),
        summary=f"节假日安排：{day} {'上班' if is_workday else '休息'}（{note}）",
        data={"old": old, "new": {"is_workday": is_workday, "note": note}},
    )
    return override
