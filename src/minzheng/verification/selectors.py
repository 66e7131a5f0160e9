"""Reads of 线上比对 + 线下走访 and of monitoring. Every list starts from a ``scope_*`` built on
``region_filter``; single records come through ``access_*_by_id`` (a record outside the jurisdiction is
reported exactly like a missing one: 404)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from minzheng.accounts.access import region_filter, user_covers_region
from minzheng.accounts.models import Role, User
from minzheng.assistance.cases.models import Case, CaseEvent
from minzheng.assistance.models import Entitlement, PayrollLine
from minzheng.common.errors import NotFoundOrNoAccess
from minzheng.common.models import Region

from .findings.codes import FindingCode
from .models import (
    Finding,
    FindingStatus,
    LowIncomeCount,
    TaskStatus,
    VerificationRun,
    Visit,
    VisitPhoto,
    VisitTask,
    Warning,
    WarningStatus,
    overdue_tasks_q,
)
from .monitoring.choices import Category

VISIT_ROLES = (Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY)


# --- findings and tasks ---------------------------------------------------------------------------------


def scope_findings(user: User, queryset: QuerySet[Finding] | None = None) -> QuerySet[Finding]:
    queryset = Finding.objects.all() if queryset is None else queryset
    return queryset.filter(region_filter(user, "region_code"))


def access_finding_by_id(user: User, finding_id: int, *, for_update: bool = False) -> Finding:
    queryset = scope_findings(user).select_related("person", "household")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    finding = queryset.filter(pk=finding_id).first()
    if finding is None:
        raise NotFoundOrNoAccess("未找到该比对发现，或其不在您的管辖范围内")
    return finding


def list_findings(user: User, *, code: str = "", status: str = "") -> QuerySet[Finding]:
    queryset = scope_findings(user).select_related("person", "household", "task", "last_seen_run")
    if code:
        queryset = queryset.filter(code=code)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-pk")


def scope_tasks(user: User, queryset: QuerySet[VisitTask] | None = None) -> QuerySet[VisitTask]:
    """Tasks of villages in the jurisdiction: a township clerk sees the township's, a village assistant
    the village's, the county all of its townships'."""
    queryset = VisitTask.objects.all() if queryset is None else queryset
    return queryset.filter(region_filter(user, "village_code"))


def access_task_by_id(user: User, task_id: int, *, for_update: bool = False) -> VisitTask:
    queryset = scope_tasks(user).select_related(
        "finding", "finding__person", "finding__household", "assigned_to"
    )
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    task = queryset.filter(pk=task_id).first()
    if task is None:
        raise NotFoundOrNoAccess("未找到该走访任务，或其不在您的管辖范围内")
    return task


def list_tasks(
    user: User, *, mine: bool = False, overdue_on: datetime.date | None = None
) -> QuerySet[VisitTask]:
    """走访任务: open first, soonest deadline first. ``mine``: assigned to me, or not assigned yet."""
    queryset = scope_tasks(user).select_related(
        "finding", "finding__person", "finding__household", "assigned_to"
    )
    if mine:
        queryset = queryset.filter(Q(assigned_to=user) | Q(assigned_to__isnull=True), status=TaskStatus.OPEN)
    if overdue_on is not None:
        queryset = queryset.filter(overdue_tasks_q(overdue_on))
    return queryset.order_by("-status", "deadline", "pk")  # "open" > "done": descending puts open first


def count_overdue_tasks(user: User, today: datetime.date) -> int:
    return scope_tasks(user).filter(overdue_tasks_q(today)).count()


def access_visit_photo_by_id(user: User, photo_id: int) -> VisitPhoto:
    photo = (
        VisitPhoto.objects.filter(region_filter(user, "visit__task__village_code"), pk=photo_id)
        .select_related("visit")
        .first()
    )
    if photo is None:
        raise NotFoundOrNoAccess("未找到该照片，或其不在您的管辖范围内")
    return photo


def visit_staff(village_code: str) -> QuerySet[User]:
    """Who may be named as visitors of a task in this village: active village, township and county staff
    whose jurisdiction covers it."""
    covering = {village_code, village_code[:9], village_code[:6]}
    return User.objects.filter(is_active=True, role__in=VISIT_ROLES, jurisdiction_id__in=covering).order_by(
        "role", "username"
    )


def assignable_staff(village_code: str) -> list[User]:
    """Who may be made responsible for a task: the village's assistants and the township's clerks."""
    staff = visit_staff(village_code).filter(role__in=(Role.VILLAGE, Role.TOWNSHIP))
    return [u for u in staff if user_covers_region(u, village_code)]


def latest_run() -> VerificationRun | None:
    return VerificationRun.objects.filter(finished_at__isnull=False).order_by("-finished_at", "-pk").first()


# --- monitoring -----------------------------------------------------------------------------------------


def scope_warnings(user: User, queryset: QuerySet[Warning] | None = None) -> QuerySet[Warning]:
    queryset = Warning.objects.all() if queryset is None else queryset
    return queryset.filter(region_filter(user, "region_code"))


def access_warning_by_id(user: User, warning_id: int, *, for_update: bool = False) -> Warning:
    queryset = scope_warnings(user).select_related("person", "household")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    warning = queryset.filter(pk=warning_id).first()
    if warning is None:
        raise NotFoundOrNoAccess("未找到该预警，或其不在您的管辖范围内")
    return warning


def list_warnings(user: User, *, period: str = "", status: str = "") -> QuerySet[Warning]:
    queryset = scope_warnings(user).select_related("person", "household", "handled_by")
    if period:
        queryset = queryset.filter(period=period)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("status", "-period", "level", "pk")


def list_periods(user: User) -> list[str]:
    rows = (
        LowIncomeCount.objects.filter(region_filter(user, "region_code"))
        .values_list("period", flat=True)
        .distinct()
        .order_by("-period")
    )
    return list(rows)


@dataclass(frozen=True)
class CategoryCount:
    """People of a category in a county in a month (the indicators of the low-income population)."""

    period: str
    county_code: str
    county_name: str
    category: str
    category_label: str
    persons: int


def count_low_income(user: User, *, period: str = "") -> list[CategoryCount]:
    """Persons per (period, county, category): sums of the villages' counts written with the categories."""
    queryset = LowIncomeCount.objects.filter(region_filter(user, "region_code"))
    if period:
        queryset = queryset.filter(period=period)
    rows = (
        queryset.annotate(county=Substr("region_code", 1, 6))
        .values("period", "county", "category")
        .annotate(persons=Sum("persons"))
        .order_by("-period", "county", "category")
    )
    names = dict(Region.objects.filter(code__in={r["county"] for r in rows}).values_list("code", "name"))
    order = {str(c): i for i, c in enumerate(Category)}
    result = [
        CategoryCount(
            r["period"],
            r["county"],
            names.get(r["county"], r["county"]),
            r["category"],
            str(Category(r["category"]).label),
            r["persons"],
        )
        for r in rows
    ]
    return sorted(result, key=lambda c: (c.period, c.county_code, order.get(c.category, 99)), reverse=False)


# --- 一户一条救助链 ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainEvent:
    """One entry of a household's assistance chain."""

    at: datetime.datetime
    kind: str  # entitlement / payroll / case / finding / visit / warning
    kind_label: str
    title: str
    detail: str = ""
    case_id: int | None = None
    task_id: int | None = None


KIND_LABELS = {
    "entitlement": "救助待遇",
    "payroll": "资金发放",
    "case": "救助办理",
    "finding": "数据比对",
    "visit": "走访核实",
    "warning": "监测预警",
}
_KIND_ORDER = {kind: i for i, kind in enumerate(KIND_LABELS)}


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _event(at: datetime.datetime, kind: str, title: str, detail: str = "", **ids: int | None) -> ChainEvent:
    return ChainEvent(at, kind, KIND_LABELS[kind], title, detail, **ids)


def household_assistance_chain(household_id: int) -> list[ChainEvent]:
    """一户一条救助链 (S5): every entitlement start and end, the monthly payment totals, every case and its
    timeline, the data-matching findings, the field visits and the monitoring warnings of one household,
    in date order. The caller has checked access to the household (``access_household_by_id``)."""
    events: list[ChainEvent] = []
    for e in Entitlement.objects.filter(household_id=household_id).select_related("person"):
        scheme = e.get_scheme_display()
        events.append(_event(_at(e.start_month), "entitlement", f"开始享受{scheme}", e.person.name))
        if e.end_month is not None:
            events.append(
                _event(
                    _at(e.end_month),
                    "entitlement",
                    f"停发{scheme}",
                    f"{e.person.name}，末次发放月份 {e.end_month:%Y-%m}",
                )
            )
    payroll = (
        PayrollLine.objects.filter(household_id=household_id)
        .values("run__month")
        .annotate(total=Sum("amount"), lines=Count("pk"))
        .order_by("run__month")
    )
    for row in payroll:
        total: Decimal = row["total"] or Decimal(0)
        month: datetime.date = row["run__month"]
        events.append(
            _event(_at(month), "payroll", f"{month:%Y年%m月}发放合计 {total:,.2f} 元", f"{row['lines']} 笔")
        )
    for case in Case.objects.filter(household_id=household_id).select_related("applicant"):
        events.append(
            _event(
                case.opened_at,
                "case",
                f"{case.get_scheme_display()} 第{case.pk}号：登记申请",
                f"申请人 {case.applicant.name}，当前状态 {case.get_status_display()}",
                case_id=case.pk,
            )
        )
    case_events = CaseEvent.objects.filter(case__household_id=household_id).select_related("case")
    for ce in case_events:
        events.append(
            _event(
                ce.at,
                "case",
                f"{ce.case.get_scheme_display()} 第{ce.case_id}号：{ce.get_event_type_display()}",
                ce.note,
                case_id=ce.case_id,
            )
        )
    findings = Finding.objects.filter(household_id=household_id).select_related("person", "task")
    for f in findings:
        task = getattr(f, "task", None)
        deadline = f"；走访时限 {task.deadline}" if task is not None else ""
        events.append(
            _event(
                f.created_at,
                "finding",
                f"比对发现：{FindingCode(f.code).label}（{f.person.name}）",
                f"{f.evidence}{deadline}；状态：{f.get_status_display()}",
                task_id=task.pk if task is not None else None,
            )
        )
    visits = Visit.objects.filter(task__finding__household_id=household_id).select_related("task__finding")
    for v in visits:
        action = "" if v.case_action == "none" else f"；{v.get_case_action_display()}"
        events.append(
            _event(
                _at(v.visited_on),
                "visit",
                f"走访核实：{v.get_outcome_display()}（{FindingCode(v.task.finding.code).label}）",
                f"{v.notes}{action}",
                case_id=v.case_id,
                task_id=v.task_id,
            )
        )
    for w in Warning.objects.filter(household_id=household_id).select_related("person"):
        handled = f"；已处置：{w.handling_note}" if w.status == WarningStatus.HANDLED else ""
        events.append(
            _event(
                w.created_at,
                "warning",
                f"监测预警：{w.get_signal_display()}（{w.get_level_display()}，{w.person.name}）",
                f"{w.detail}；{w.get_route_display()}{handled}",
            )
        )
    return sorted(events, key=lambda e: (e.at, _KIND_ORDER[e.kind], e.title))


def finding_counts(user: User) -> dict[str, int]:
    """Open / confirmed findings of the jurisdiction (for the findings page header)."""
    rows = scope_findings(user).values("status").annotate(n=Count("pk"))
    counts = {str(s): 0 for s in FindingStatus}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts
