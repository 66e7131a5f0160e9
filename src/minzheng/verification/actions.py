"""Writes of 线上比对 + 线下走访 and of monitoring: ``do_<verb>_<noun>(..., *, acting_user)``.

Each action is atomic and writes one audit row. The loads are set-based: the compute plane's Arrow tables
are bulk-inserted (``compute.bulkload``) and merged with a few statements, never a loop over rows.
A confirmed field visit goes on to the case workflow through its own actions (``assistance.cases``),
which keep their timeline and audit rows; a refused action writes nothing.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Count

from minzheng.accounts.access import require_write, user_covers_region
from minzheng.accounts.models import Role, User
from minzheng.assistance.cases import actions as case_actions
from minzheng.assistance.cases import clock
from minzheng.assistance.cases.choices import OPEN_STATUSES, CaseStatus, Scheme, TerminationReason
from minzheng.assistance.cases.models import Case
from minzheng.assistance.cases.selectors import workday_overrides_from
from minzheng.audit.chain import record
from minzheng.audit.models import AuditEvent
from minzheng.common.errors import MinzhengError, PermissionDenied, ValidationFailed
from minzheng.common.workdays import add_workdays
from minzheng.compute.bulkload import bulk_delete, bulk_insert
from minzheng.compute.snapshot import query_arrow

from .findings.codes import FindingCode, Side, side_of
from .findings.pipeline import FINDINGS_SCHEMA, compute_findings
from .findings.profile import FindingsProfile
from .models import (
    Engine,
    Finding,
    FindingStage,
    FindingStatus,
    LowIncomeCount,
    PersonCategory,
    TaskStatus,
    VerificationRun,
    Visit,
    VisitCaseAction,
    VisitOutcome,
    VisitPhoto,
    VisitTask,
    Warning,
    WarningStatus,
)
from .monitoring.choices import Category, Route, Signal, WarningLevel
from .monitoring.pipeline import CATEGORIES_SCHEMA, WARNINGS_SCHEMA, compute_monitoring
from .monitoring.profile import MonitoringProfile
from .selectors import VISIT_ROLES, access_finding_by_id, access_task_by_id, access_warning_by_id

LOADER_ROLES = (Role.COUNTY, Role.CITY, Role.ADMIN)
ASSIGNER_ROLES = (Role.TOWNSHIP, Role.COUNTY)
WARNING_HANDLER_ROLES = (Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY)
_PERIOD = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
_RECIPIENT_STATUSES = (CaseStatus.ACTIVE, CaseStatus.SUSPENDED)
_PERSON_SCHEMES = (Scheme.TEKUN, Scheme.ORPHAN, Scheme.DE_FACTO_ORPHAN, Scheme.DISABILITY_SUBSIDY)

MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Photos are recognised by their first bytes, not by the name or the browser's content type.
_PHOTO_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


# --- typed errors ----------------------------------------------------------------------------------------


class TaskClosed(MinzhengError):
    """The task already has its visit (someone recorded it first, or the page was stale)."""

    code = "task_closed"
    http_status = 409


class FindingNotPending(MinzhengError):
    """Only a finding confirmed on foot and waiting for the county can be handed to the case workflow."""

    code = "finding_not_pending"
    http_status = 409


class WarningAlreadyHandled(MinzhengError):
    code = "warning_handled"
    http_status = 409


class RoleNotAllowed(PermissionDenied):
    code = "role_not_allowed"


# --- helpers ------------------------------------------------------------------------------------------------


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


def check_period(period: str) -> str:
    if not _PERIOD.match(period or ""):
        raise ValidationFailed("期间格式应为 YYYY-MM，例如 2023-06", field="period")
    return period


def _db_value(value: Any) -> Any:
    """A date or datetime as the backend stores it (raw SQL bypasses the fields' conversion)."""
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _table(model: type[Any]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _now_column(rows: int) -> pa.Array:
    return pa.repeat(pa.scalar(clock.now(), pa.timestamp("us", tz="UTC")), rows)


# --- 线上比对: loading a run's findings ---------------------------------------------------------------------


def open_run(*, period: str, engine: str = Engine.DUCKDB, acting_user: User | None = None) -> VerificationRun:
    """A new run of the finding rules (its audit row is the load's: ``do_load_findings``)."""
    if acting_user is not None:
        _require_roles(acting_user, LOADER_ROLES, "发起数据比对")
    if engine not in Engine.values:
        raise ValidationFailed("计算引擎不正确", field="engine")
    return VerificationRun.objects.create(
        period=check_period(period), engine=engine, started_at=clock.now(), created_by=acting_user
    )


@dataclass(frozen=True)
class LoadResult:
    new_findings: int
    seen_again: int
    tasks_created: int
    unmatched: int  # rows whose person or household is not in the registry (a stale snapshot)
    by_code: dict[str, int]


def _stage_rows(run: VerificationRun, findings: pa.Table) -> pa.Table:
    """The incoming rows as staging rows: validated, one per fingerprint (the strongest link wins)."""
    missing = [name for name in FINDINGS_SCHEMA.names if name not in findings.column_names]
    if missing:
        raise ValidationFailed(f"比对结果缺少列：{'、'.join(missing)}", field="findings")
    findings = findings.select(FINDINGS_SCHEMA.names).cast(FINDINGS_SCHEMA)
    unknown = pc.unique(
        pc.filter(
            findings["finding_code"],
            pc.invert(pc.is_in(findings["finding_code"], pa.array(FindingCode.values))),
        )
    ).to_pylist()
    if unknown:
        raise ValidationFailed(f"未知的比对类别：{'、'.join(map(str, unknown))}", field="finding_code")
    con = duckdb.connect()
    try:
        con.register("incoming", findings)
        staged = con.sql(
            """
            SELECT CAST($run AS BIGINT) AS run_id, finding_code AS code, person_id, household_id, source, period,
                   left(record_id, 128) AS record_id, left(coalesce(match_method, ''), 8) AS method,
                   match_weight AS weight, evidence, fingerprint
            FROM (
                SELECT *, row_number() OVER (
                    PARTITION BY fingerprint ORDER BY match_weight DESC NULLS LAST, record_id
                ) AS rank
                FROM incoming
                WHERE fingerprint IS NOT NULL AND person_id IS NOT NULL AND household_id IS NOT NULL
            ) ranked
            WHERE rank = 1
            ORDER BY fingerprint
            """,
            params={"run": run.pk},
        ).to_arrow_table()
    finally:
        con.close()
    return staged


@transaction.atomic
def do_load_findings(
    run: VerificationRun,
    findings: pa.Table,
    *,
    acting_user: User | None = None,
    profile: FindingsProfile | None = None,
) -> LoadResult:
    """Write back a run's findings, set-based: a finding whose fingerprint is new is inserted with one
    线下走访 task for its township (deadline: N working days); a finding seen before only has its
    ``last_seen_run`` moved (one UPDATE), so the same evidence never opens a second task. One audit row."""
    if acting_user is not None:
        _require_roles(acting_user, LOADER_ROLES, "载入比对发现")
    run = VerificationRun.objects.select_for_update().get(pk=run.pk)
    staged = _stage_rows(run, findings)
    FindingStage.objects.filter(run=run).delete()
    bulk_insert(FindingStage, staged)

    now, today = clock.now(), clock.today()
    profile = profile or FindingsProfile()
    deadline = add_workdays(today, profile.visit_deadline_workdays.value, workday_overrides_from(today))
    finding, stage, task = _table(Finding), _table(FindingStage), _table(VisitTask)
    household = connection.ops.quote_name("registry_household")
    person = connection.ops.quote_name("registry_person")
    with connection.cursor() as cursor:
        # Seen before (by this or an earlier run): only the last run that saw it moves.
        cursor.execute(
            f"UPDATE {finding} SET last_seen_run_id = %s "
            f"WHERE fingerprint IN (SELECT fingerprint FROM {stage} WHERE run_id = %s)",
            [run.pk, run.pk],
        )
        seen_again = cursor.rowcount
        # New: inserted with the household's village as it stands (the scope of the finding and its task).
        cursor.execute(
            f"""
            INSERT INTO {finding} (code, person_id, household_id, region_code, source, period, record_id,
                                   method, weight, evidence, fingerprint, first_seen_run_id, last_seen_run_id,
                                   status, created_at)
            SELECT s.code, s.person_id, s.household_id, h.region_id, s.source, s.period, s.record_id, s.method,
                   s.weight, s.evidence, s.fingerprint, %s, %s, %s, %s
            FROM {stage} s
            JOIN {household} h ON h.id = s.household_id
            JOIN {person} p ON p.id = s.person_id
            WHERE s.run_id = %s
              AND NOT EXISTS (SELECT 1 FROM {finding} f WHERE f.fingerprint = s.fingerprint)
            """,
            [run.pk, run.pk, FindingStatus.OPEN.value, _db_value(now), run.pk],
        )
        new_findings = cursor.rowcount
        # One task per new finding, for the township of its village.
        cursor.execute(
            f"""
            INSERT INTO {task} (finding_id, township_code, village_code, deadline, status, created_at)
            SELECT f.id, substr(f.region_code, 1, 9), f.region_code, %s, %s, %s
            FROM {finding} f
            WHERE f.first_seen_run_id = %s
              AND NOT EXISTS (SELECT 1 FROM {task} t WHERE t.finding_id = f.id)
            """,
            [_db_value(deadline), TaskStatus.OPEN.value, _db_value(now), run.pk],
        )
        tasks_created = cursor.rowcount
    FindingStage.objects.filter(run=run).delete()

    by_code = dict(
        Finding.objects.filter(first_seen_run=run)
        .values("code")
        .annotate(n=Count("pk"))
        .values_list("code", "n")
        .order_by("code")
    )
    unmatched = staged.num_rows - new_findings - seen_again
    result = LoadResult(new_findings, seen_again, tasks_created, max(unmatched, 0), by_code)
    run.counts = {
        "rows": staged.num_rows,
        "new": new_findings,
        "seen_again": seen_again,
        "tasks": tasks_created,
        "unmatched": result.unmatched,
        "by_code": by_code,
    }
    run.finished_at = now
    run.save(update_fields=["counts", "finished_at"])
    record(
        AuditEvent.FINDINGS_LOADED,
        actor=acting_user,
        subject_type="verification_run",
        subject_id=run.pk,
        summary=f"{run.period} 数据比对：新发现 {new_findings} 条（生成走访任务 {tasks_created} 个），"
        f"再次发现 {seen_again} 条",
        data={**run.counts, "deadline": deadline.isoformat()},
    )
    return result


@transaction.atomic
def run_findings(
    tables: Mapping[str, pa.Table],
    *,
    period: str,
    as_of: datetime.date,
    acting_user: User | None = None,
    profile: FindingsProfile | None = None,
) -> tuple[VerificationRun, LoadResult]:
    """One whole run on DuckDB: open it, compute the findings over the snapshot and lake tables, load them
    (the command line and the monthly job call this; a failure leaves no half run)."""
    run = open_run(period=period, engine=Engine.DUCKDB, acting_user=acting_user)
    findings = compute_findings(tables, period=period, as_of=as_of, profile=profile)
    return run, do_load_findings(run, findings, acting_user=acting_user, profile=profile)


# --- 线下走访 ----------------------------------------------------------------------------------------------


@transaction.atomic
def do_assign_task(task_id: int, *, assignee_id: int, acting_user: User) -> VisitTask:
    """Make a village assistant or a township clerk of the task's village responsible for the visit."""
    _require_roles(acting_user, ASSIGNER_ROLES, "分派走访任务")
    task = access_task_by_id(acting_user, task_id, for_update=True)
    if task.status != TaskStatus.OPEN:
        raise TaskClosed("该走访任务已登记结果，不能再分派")
    assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
    if (
        assignee is None
        or assignee.role not in (Role.VILLAGE, Role.TOWNSHIP)
        or not user_covers_region(assignee, task.village_code)
    ):
        raise ValidationFailed(
            "走访责任人须为该村（社区）的协理员或所在乡镇（街道）的经办人", field="assignee_id"
        )
    if task.assigned_to_id == assignee.pk:
        return task
    previous = task.assigned_to.username if task.assigned_to else ""
    task.assigned_to = assignee
    task.save(update_fields=["assigned_to"])
    record(
        AuditEvent.TASK_ASSIGNED,
        actor=acting_user,
        subject_type="visit_task",
        subject_id=task.pk,
        region_code=task.village_code,
        summary=f"走访任务 第{task.pk}号 分派给 {assignee.get_full_name() or assignee.username}",
        data={"from": previous, "to": assignee.username},
    )
    return task


def _check_photos(files: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str, str]]:
    checked = []
    for upload in files:
        if upload.size is None or upload.size > MAX_PHOTO_BYTES:
            raise ValidationFailed(f"照片「{upload.name}」超过 10 MB", field="photos")
        head = upload.read(16)
        upload.seek(0)
        match = next(((ctype, ext) for sig, ctype, ext in _PHOTO_SIGNATURES if head.startswith(sig)), None)
        if match is None:
            raise ValidationFailed(f"照片「{upload.name}」不是 JPG 或 PNG 图片", field="photos")
        checked.append((upload, match[0], match[1]))
    if checked and not settings.MEDIA_ROOT:
        raise MinzhengError("附件存储目录（MEDIA_ROOT）未配置，请联系系统管理员", code="media_not_configured")
    return checked


def _visitors(task: VisitTask, ids: Sequence[int]) -> list[User]:
    unique = sorted(set(ids))
    if not unique:
        raise ValidationFailed("请选择走访人员（至少1人）", field="visitor_ids")
    users = list(User.objects.filter(pk__in=unique, is_active=True).select_related("jurisdiction"))
    valid = [u for u in users if u.role in VISIT_ROLES and user_covers_region(u, task.village_code)]
    if len(valid) != len(unique):
        raise ValidationFailed(
            "走访人员须为该村（社区）所在辖区的村、乡镇或县级工作人员", field="visitor_ids"
        )
    return valid


@dataclass(frozen=True)
class LiveCases:
    """The household's case a finding is about: the person's own (特困 …) and the household's 低保."""

    person_case: Case | None
    household_case: Case | None

    @property
    def target(self) -> Case | None:
        return self.person_case or self.household_case


def live_cases(finding: Finding) -> LiveCases:
    person_case = (
        Case.objects.filter(
            beneficiary_id=finding.person_id, scheme__in=_PERSON_SCHEMES, status__in=_RECIPIENT_STATUSES
        )
        .order_by("-scheme")  # tekun before the others
        .first()
    )
    household_case = Case.objects.filter(
        household_id=finding.household_id, scheme=Scheme.DIBAO, status__in=_RECIPIENT_STATUSES
    ).first()
    return LiveCases(person_case, household_case)


def default_case_action(finding: Finding, cases: LiveCases) -> VisitCaseAction:
    """What a confirmed finding leads to when the visitor does not choose: coverage side → a new
    application; a death → 特困: the termination 公示, 低保: the re-check within 3 months; other recipient
    findings stay with the county (暂停 and 终止 are county decisions)."""
    if side_of(finding.code) == Side.COVERAGE:
        return VisitCaseAction.APPLY
    if finding.code == FindingCode.DEATH:
        if cases.person_case is not None and cases.person_case.scheme == Scheme.TEKUN:
            return VisitCaseAction.TERMINATE
        if cases.target is not None:
            return VisitCaseAction.RECHECK
    return VisitCaseAction.NONE


_ALLOWED_ACTIONS = {
    Side.RECIPIENT: {
        VisitCaseAction.NONE,
        VisitCaseAction.RECHECK,
        VisitCaseAction.SUSPEND,
        VisitCaseAction.TERMINATE,
    },
    Side.COVERAGE: {VisitCaseAction.NONE, VisitCaseAction.APPLY},
}


def _termination_reason(code: str) -> str:
    if code == FindingCode.DEATH:
        return TerminationReason.DEATH
    if code == FindingCode.MEMBER_COVERED_ELSEWHERE:
        return TerminationReason.OTHER
    return TerminationReason.INCOME_ABOVE_STANDARD


def _apply_case_action(
    action: str,
    finding: Finding,
    cases: LiveCases,
    *,
    reason: str,
    died_on: datetime.date,
    acting_user: User,
) -> Case | None:
    """Carry a confirmed finding into the case workflow, through the workflow's own actions (which check the
    role and the step: 403 / 409, and write the case timeline)."""
    if action == VisitCaseAction.NONE:
        return None
    if action == VisitCaseAction.APPLY:
        scheme = Scheme.TEKUN if finding.code == FindingCode.ELDERLY_ALONE_NO_INCOME else Scheme.DIBAO
        open_cases = Case.objects.filter(scheme=scheme, status__in=OPEN_STATUSES)
        existing = (
            open_cases.filter(beneficiary_id=finding.person_id)
            if scheme == Scheme.TEKUN
            else open_cases.filter(household_id=finding.household_id)
        ).first()
        if existing is not None:
            return existing  # already applying or covered: link it, open nothing
        return case_actions.do_open_case(
            household_id=finding.household_id,
            applicant_id=finding.person_id,
            scheme=scheme,
            beneficiary_id=finding.person_id if scheme == Scheme.TEKUN else None,
            acting_user=acting_user,
            note=reason,
        )
    target = cases.target
    if target is None:
        raise ValidationFailed("该户没有在保的救助申请，只能选择“仅登记”", field="case_action")
    if action == VisitCaseAction.RECHECK:
        if finding.code != FindingCode.DEATH:
            raise ValidationFailed(
                "复核只用于成员死亡；其他情况请选择暂停或终止，或仅登记后由县级民政处置", field="case_action"
            )
        case_actions.do_report_member_death(
            target.pk, person_id=finding.person_id, died_on=died_on, acting_user=acting_user
        )
        return target
    if action == VisitCaseAction.SUSPEND:
        case_actions.do_suspend_case(target.pk, reason=reason, acting_user=acting_user)
        return target
    # TERMINATE: 特困 goes through the 7-day 终止前公示 first (S2 art. 25)
    termination = _termination_reason(finding.code)
    if target.scheme == Scheme.TEKUN:
        case_actions.do_start_termination_publicity(
            target.pk, reason=termination, acting_user=acting_user, note=reason
        )
    else:
        case_actions.do_terminate_case(target.pk, reason=termination, acting_user=acting_user, note=reason)
    return target


def _case_reason(finding: Finding, notes: str) -> str:
    return f"线下走访核实属实（{FindingCode(finding.code).label}）：{finding.evidence}。{notes}"[:1000]


@transaction.atomic
def do_record_visit(
    task_id: int,
    *,
    visited_on: datetime.date,
    visitor_ids: Sequence[int],
    outcome: str,
    notes: str,
    acting_user: User,
    photos: Sequence[UploadedFile] = (),
    case_action: str = "",
    died_on: datetime.date | None = None,
) -> Visit:
    """线下走访排查: record what the visit found. 属实 → the case workflow (a new application for the
    coverage side; for the recipient side 复核 / 暂停 / 终止 of the household's live case, or nothing and the
    county decides); 不属实 / 拒绝配合 → the task and the finding are closed with the reason."""
    _require_roles(acting_user, VISIT_ROLES, "登记走访结果")
    task = access_task_by_id(acting_user, task_id, for_update=True)
    if task.status != TaskStatus.OPEN:
        raise TaskClosed("该走访任务已登记结果")
    finding = task.finding
    if outcome not in VisitOutcome.values:
        raise ValidationFailed("请选择核实结果", field="outcome")
    notes = _text(notes, "notes", "走访情况")
    today = clock.today()
    if visited_on > today:
        raise ValidationFailed("走访日期不能晚于今天", field="visited_on")
    if visited_on < finding.created_at.date() - datetime.timedelta(days=1):
        raise ValidationFailed("走访日期不能早于比对发现生成日期", field="visited_on")
    visitors = _visitors(task, visitor_ids)
    checked = _check_photos(photos)

    case: Case | None = None
    action = VisitCaseAction.NONE
    if outcome == VisitOutcome.CONFIRMED:
        cases = live_cases(finding)
        action = VisitCaseAction(case_action) if case_action else default_case_action(finding, cases)
        if action not in _ALLOWED_ACTIONS[side_of(finding.code)]:
            raise ValidationFailed(f"该类比对发现不能选择“{action.label}”", field="case_action")
        case = _apply_case_action(
            action,
            finding,
            cases,
            reason=_case_reason(finding, notes),
            died_on=died_on or visited_on,
            acting_user=acting_user,
        )
    elif case_action not in ("", VisitCaseAction.NONE):
        raise ValidationFailed("核实不属实或拒绝配合时不办理救助业务", field="case_action")

    now = clock.now()
    visit = Visit.objects.create(
        task=task,
        visited_on=visited_on,
        outcome=outcome,
        notes=notes,
        case=case,
        case_action=action,
        recorded_by=acting_user,
        recorded_at=now,
    )
    visit.visitors.set(visitors)
    for upload, content_type, extension in checked:
        original = PurePath(upload.name or "照片").name[:255]
        upload.name = f"{uuid.uuid4().hex}{extension}"  # the family's name never appears on disk
        VisitPhoto.objects.create(
            visit=visit,
            file=upload,
            original_name=original,
            size=upload.size or 0,
            content_type=content_type,
            uploaded_by=acting_user,
            uploaded_at=now,
        )
    task.status, task.closed_at = TaskStatus.DONE, now
    task.save(update_fields=["status", "closed_at"])
    finding.status = {
        VisitOutcome.CONFIRMED: FindingStatus.HANDLED
        if action != VisitCaseAction.NONE
        else FindingStatus.CONFIRMED,
        VisitOutcome.NOT_CONFIRMED: FindingStatus.NOT_CONFIRMED,
        VisitOutcome.REFUSED: FindingStatus.REFUSED,
    }[VisitOutcome(outcome)]
    finding.save(update_fields=["status"])
    record(
        AuditEvent.VISIT_RECORDED,
        actor=acting_user,
        subject_type="visit_task",
        subject_id=task.pk,
        region_code=task.village_code,
        summary=f"走访任务 第{task.pk}号：{VisitOutcome(outcome).label}"
        + (f"，{action.label}" if action != VisitCaseAction.NONE else ""),
        data={
            "finding_id": finding.pk,
            "finding_code": finding.code,
            "visit_id": visit.pk,
            "outcome": outcome,
            "case_action": str(action),
            "case_id": case.pk if case else None,
            "visitors": [u.username for u in visitors],
            "photos": len(checked),
        },
    )
    return visit


@transaction.atomic
def do_act_on_finding(finding_id: int, *, case_action: str, acting_user: User, note: str = "") -> Finding:
    """The county's decision on a finding the township confirmed without a case action (暂停 / 终止 are
    county decisions): it goes through the case workflow and the finding is handled."""
    require_write(acting_user)
    finding = access_finding_by_id(acting_user, finding_id, for_update=True)
    if finding.status != FindingStatus.CONFIRMED:
        raise FindingNotPending("该比对发现不在“核实属实，待县级处置”状态")
    if case_action not in VisitCaseAction.values or case_action == VisitCaseAction.NONE:
        raise ValidationFailed("请选择救助业务处理方式", field="case_action")
    action = VisitCaseAction(case_action)
    if action not in _ALLOWED_ACTIONS[side_of(finding.code)]:
        raise ValidationFailed(f"该类比对发现不能选择“{action.label}”", field="case_action")
    visit = Visit.objects.select_for_update().get(task__finding=finding)
    note = _text(note, "note", "处置说明", required=False)
    case = _apply_case_action(
        action,
        finding,
        live_cases(finding),
        reason=_case_reason(finding, note),
        died_on=visit.visited_on,
        acting_user=acting_user,
    )
    visit.case, visit.case_action = case, action
    visit.save(update_fields=["case", "case_action"])
    finding.status = FindingStatus.HANDLED
    finding.save(update_fields=["status"])
    record(
        AuditEvent.FINDING_ACTED,
        actor=acting_user,
        subject_type="finding",
        subject_id=finding.pk,
        region_code=finding.region_code,
        summary=f"比对发现 第{finding.pk}号：{action.label}",
        data={"case_action": str(action), "case_id": case.pk if case else None, "note": note},
    )
    return finding


# --- 低收入人口动态监测 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitoringLoad:
    categories: int
    new_warnings: int
    known_warnings: int
    categories_written: int = 0
    """Category rows inserted: the people whose category, layer or basis is new in the period."""
    categories_removed: int = 0
    """Category rows of the period deleted: changed (replaced by a written row) or no longer categorised."""


CATEGORY_COLUMNS = ("person_id", "household_id", "region_code", "category", "layer", "basis")
"""What a category row says; a row whose every column is unchanged is neither deleted nor written again."""


@transaction.atomic
def do_load_monitoring(
    period: str,
    categories: pa.Table,
    warnings: pa.Table,
    *,
    acting_user: User | None = None,
) -> MonitoringLoad:
    """Write back a period's monitoring. The categories replace the period's previous ones, writing only
    the difference: rows no longer true are deleted, new ones inserted, unchanged ones left alone (the
    same month run again writes no category). The period's counts per village and category are
    rewritten. A warning is inserted only if the period has none for that person and signal yet (the
    handling of a warning is never lost by running the period again). One audit row."""
    if acting_user is not None:
        _require_roles(acting_user, LOADER_ROLES, "载入监测结果")
    check_period(period)
    categories = categories.select(CATEGORIES_SCHEMA.names).cast(CATEGORIES_SCHEMA)
    warnings = warnings.select(WARNINGS_SCHEMA.names).cast(WARNINGS_SCHEMA)
    for name, table in (("categories", categories), ("warnings", warnings)):
        periods = set(pc.unique(table["period"]).to_pylist()) - {period}
        if periods:
            raise ValidationFailed(f"监测结果的期间与 {period} 不一致", field=name)
    _check_values(categories["category"], Category.values, "category")
    for column, values in (
        ("signal", Signal.values),
        ("level", WarningLevel.values),
        ("route", Route.values),
    ):
        _check_values(warnings[column], values, column)

    removed, written = _replace_categories(period, categories)
    known = query_arrow(
        f"SELECT person_id, signal FROM {_table(Warning)} WHERE period = %s",
        [period],
        pa.schema([("person_id", pa.int64()), ("signal", pa.string())]),
    )
    con = duckdb.connect()
    try:
        con.register("incoming", warnings)
        con.register("known", known)
        new = con.sql(
            """
            SELECT i.* FROM incoming i
            WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.person_id = i.person_id AND k.signal = i.signal)
            ORDER BY i.person_id, i.signal
            """
        ).to_arrow_table()
    finally:
        con.close()
    new = new.append_column("status", pa.repeat(pa.scalar(WarningStatus.OPEN.value), new.num_rows))
    new = new.append_column("created_at", _now_column(new.num_rows))
    new = new.append_column("handling_note", pa.repeat(pa.scalar(""), new.num_rows))
    bulk_insert(Warning, new)
    result = MonitoringLoad(
        categories.num_rows,
        new.num_rows,
        warnings.num_rows - new.num_rows,
        categories_written=written,
        categories_removed=removed,
    )
    counted = pc.value_counts(categories["category"])
    by_category = dict(
        zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True)
    )
    record(
        AuditEvent.MONITORING_LOADED,
        actor=acting_user,
        subject_type="monitoring_period",
        subject_id=period,
        summary=f"{period} 低收入人口监测：{result.categories} 人，新预警 {result.new_warnings} 条",
        data={
            "categories": result.categories,
            "by_category": {str(k): int(v) for k, v in by_category.items()},
            "new_warnings": result.new_warnings,
            "known_warnings": result.known_warnings,
            "categories_written": written,
            "categories_removed": removed,
        },
    )
    return result


def _replace_categories(period: str, categories: pa.Table) -> tuple[int, int]:
    """Make the period's PersonCategory rows equal `categories`, and rewrite its LowIncomeCount rows.

    Returns (rows deleted, rows inserted). The period's rows are read back once and compared in DuckDB;
    when nothing of them survives, one DELETE of the period replaces the deletes by id.
    """
    columns = ", ".join(CATEGORY_COLUMNS)
    existing = query_arrow(
        f"SELECT id, {columns} FROM {_table(PersonCategory)} WHERE period = %s",
        [period],
        pa.schema([pa.field("id", pa.int64()), *(CATEGORIES_SCHEMA.field(c) for c in CATEGORY_COLUMNS)]),
    )
    same = " AND ".join(f"e.{column} IS NOT DISTINCT FROM i.{column}" for column in CATEGORY_COLUMNS)
    con = duckdb.connect()
    try:
        con.register("incoming", categories)
        con.register("existing", existing)
        stale = con.sql(
            f"SELECT e.id FROM existing e WHERE NOT EXISTS (SELECT 1 FROM incoming i WHERE {same}) ORDER BY e.id"
        ).to_arrow_table()["id"]
        fresh = con.sql(
            f"SELECT i.* FROM incoming i WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE {same}) "
            "ORDER BY i.person_id"
        ).to_arrow_table()
        counts = con.sql(
            """
            SELECT period, region_code, category, CAST(count(*) AS BIGINT) AS persons
            FROM incoming GROUP BY period, region_code, category ORDER BY region_code, category
            """
        ).to_arrow_table()
    finally:
        con.close()
    if existing.num_rows and len(stale) == existing.num_rows:
        PersonCategory.objects.filter(period=period).delete()
    else:
        bulk_delete(PersonCategory, stale)
    bulk_insert(PersonCategory, fresh)
    LowIncomeCount.objects.filter(period=period).delete()
    bulk_insert(LowIncomeCount, counts)
    return len(stale), fresh.num_rows


@transaction.atomic
def run_monitoring(
    tables: Mapping[str, pa.Table],
    *,
    period: str,
    as_of: datetime.date,
    acting_user: User | None = None,
    profile: MonitoringProfile | None = None,
) -> MonitoringLoad:
    """Compute a period's monitoring on DuckDB and load it."""
    check_period(period)
    result = compute_monitoring(tables, period=period, as_of=as_of, profile=profile)
    return do_load_monitoring(period, result.categories, result.warnings, acting_user=acting_user)


def _check_values(column: pa.ChunkedArray, allowed: Sequence[Any], field: str) -> None:
    unknown = pc.unique(pc.filter(column, pc.invert(pc.is_in(column, pa.array(list(allowed)))))).to_pylist()
    if unknown:
        raise ValidationFailed(f"监测结果含未知取值：{'、'.join(map(str, unknown))}", field=field)


@transaction.atomic
def do_handle_warning(warning_id: int, *, note: str, acting_user: User) -> Warning:
    """分类处置: record how a warning was handled (落实、推送、一事一议 or 核实)."""
    _require_roles(acting_user, WARNING_HANDLER_ROLES, "处置监测预警")
    warning = access_warning_by_id(acting_user, warning_id, for_update=True)
    if warning.status == WarningStatus.HANDLED:
        raise WarningAlreadyHandled("该预警已处置")
    note = _text(note, "note", "处置情况", max_length=2000)
    warning.status = WarningStatus.HANDLED
    warning.handled_by = acting_user
    warning.handled_at = clock.now()
    warning.handling_note = note
    warning.save(update_fields=["status", "handled_by", "handled_at", "handling_note"])
    record(
        AuditEvent.WARNING_HANDLED,
        actor=acting_user,
        subject_type="warning",
        subject_id=warning.pk,
        region_code=warning.region_code,
        summary=f"监测预警 第{warning.pk}号（{warning.get_signal_display()}）已处置：{warning.get_route_display()}",
        data={"route": warning.route, "note": note},
    )
    return warning


# --- 家庭经济状况信息核对: the answers of ``minzheng verify`` -------------------------------------------------

_ID_NUMBER_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


@dataclass(frozen=True)
class VerificationAnswers:
    answered: int
    """Pending requests answered by this call."""
    already_answered: int = 0
    """Requests in the answers that were answered before (left alone: a month run again changes nothing)."""
    request_ids: tuple[int, ...] = ()


@transaction.atomic
def do_answer_verification_requests(
    period: str, answers: Mapping[int, Mapping[str, Any]], *, acting_user: User | None = None
) -> VerificationAnswers:
    """Write the 信息核对 answers of a month's run (``verification.feed``): each pending request becomes
    answered today with its result and its case's timeline event (no actor when the system feeds it), and
    the batch writes one audit row. An answered request is left alone. Every answer is checked before
    anything is written: it must hold exactly the request's items, be JSON and carry no ID number."""
    import json  # imported here: this section is appended apart from the module's head

    from minzheng.assistance.cases import events as case_events
    from minzheng.assistance.cases.choices import VerificationStatus
    from minzheng.assistance.cases.models import VerificationRequest

    if acting_user is not None:
        _require_roles(acting_user, LOADER_ROLES, "反馈信息核对结果")
    check_period(period)
    requests = list(
        VerificationRequest.objects.select_for_update()
        .select_related("case")
        .filter(pk__in=list(answers))
        .order_by("pk")
    )
    missing = sorted(set(answers) - {request.pk for request in requests})
    if missing:
        raise ValidationFailed("未找到信息核对申请：" + "、".join(map(str, missing)), field="answers")
    pending = [request for request in requests if request.status == VerificationStatus.PENDING]
    if acting_user is not None:
        outside = [
            request.pk for request in pending if not user_covers_region(acting_user, request.case.region_id)
        ]
        if outside:
            raise PermissionDenied(
                "信息核对申请不在您的管辖范围内：" + "、".join(f"第{pk}号" for pk in outside)
            )
    results: dict[int, dict[str, Any]] = {}
    for request in pending:
        answer = answers[request.pk]
        if set(answer) != set(request.items):
            raise ValidationFailed(f"第{request.pk}号信息核对申请的反馈事项与申请事项不一致", field="answers")
        try:
            text = json.dumps(answer, ensure_ascii=False)
        except (TypeError, ValueError):
            raise ValidationFailed(
                f"第{request.pk}号信息核对申请的反馈结果无法保存", field="answers"
            ) from None
        if _ID_NUMBER_IN_TEXT.search(text):
            raise ValidationFailed(f"第{request.pk}号信息核对申请的反馈结果含身份证号码", field="answers")
        results[request.pk] = json.loads(text)
    if not pending:
        return VerificationAnswers(0, len(requests))
    today = clock.today()
    for request in pending:
        request.status = VerificationStatus.ANSWERED
        request.answered_on = today
        request.result = results[request.pk]
        request.save(update_fields=["status", "answered_on", "result"])
        case_events.verification_answered_event(
            request.case, actor=acting_user, request_id=request.pk, result=request.result
        )
    outcome = VerificationAnswers(len(pending), len(requests) - len(pending), tuple(results))
    record(
        AuditEvent.VERIFICATION_ANSWERED,
        actor=acting_user,
        subject_type="verification_period",
        subject_id=period,
        summary=f"{period} 数据比对反馈信息核对结果：{outcome.answered} 件",
        data={
            "answered": outcome.answered,
            "already_answered": outcome.already_answered,
            "request_ids": list(outcome.request_ids),
        },
    )
    return outcome
