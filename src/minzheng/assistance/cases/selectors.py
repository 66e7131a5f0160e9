"""Reads of the case workflow (every list starts from ``scope_cases``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr

from minzheng.accounts.models import User
from minzheng.common.masking import mask_id_number, mask_name_for_notice
from minzheng.common.models import Region
from minzheng.common.workdays import Overrides
from minzheng.registry.models import Membership

from .access import scope_cases
from .choices import PublicityKind, Step
from .models import Case, CaseEvent, Publicity, WorkdayOverride, overdue_q
from .workflow import step_roles


def get_workday_overrides(
    start: datetime.date | None = None, end: datetime.date | None = None
) -> dict[datetime.date, bool]:
    """The bureau's working-day overrides (a few dozen rows a year), for ``common.workdays``."""
    rows = WorkdayOverride.objects.all()
    if start is not None:
        rows = rows.filter(day__gte=start)
    if end is not None:
        rows = rows.filter(day__lte=end)
    return dict(rows.values_list("day", "is_workday"))


def workday_overrides_from(start: datetime.date) -> Overrides:
    # Deadlines run at most 45 working days (~10 weeks) ahead; a year covers every case.
    return get_workday_overrides(start, start + datetime.timedelta(days=400))


def _todo_filter(role: str) -> Q:
    """Steps a role handles, per the workflow's table (delegated confirmation goes to the township)."""
    condition = Q(pk__in=[])
    for step in Step:
        if role in step_roles(step, delegated=False):
            condition |= Q(step=step, delegated=False) if step == Step.CONFIRMATION else Q(step=step)
        if step == Step.CONFIRMATION and role in step_roles(step, delegated=True):
            condition |= Q(step=step, delegated=True)
    return condition


def list_todo_cases(user: User) -> QuerySet[Case]:
    """待办: cases in my jurisdiction at a step my role handles, soonest deadline first."""
    if user.is_read_only:
        return Case.objects.none()
    return (
        scope_cases(user)
        .filter(_todo_filter(user.role))
        .select_related("household", "applicant", "region")
        .order_by("step_deadline", "pk")
    )


def list_done_cases(user: User) -> QuerySet[Case]:
    """已办: cases in my jurisdiction where I wrote at least one timeline entry."""
    mine = CaseEvent.objects.filter(case=OuterRef("pk"), actor=user)
    return (
        scope_cases(user)
        .filter(Exists(mine))
        .select_related("household", "applicant", "region")
        .order_by("-updated_at", "-pk")
    )


def list_overdue_cases(user: User, today: datetime.date) -> QuerySet[Case]:
    return (
        scope_cases(user)
        .filter(overdue_q(today))
        .select_related("household", "applicant", "region")
        .order_by("step_deadline", "pk")
    )


@dataclass(frozen=True)
class OverdueCount:
    code: str
    name: str
    cases: int


def count_overdue_by_region(user: User, today: datetime.date, *, level: str) -> list[OverdueCount]:
    """Overdue cases per township (``level="township"``: the 9-digit prefix of the village code) or per
    county (6 digits), counted in the database."""
    length = 9 if level == "township" else 6
    rows = (
        list_overdue_cases(user, today)
        .order_by()
        .annotate(unit=Substr("region_id", 1, length))
        .values("unit")
        .annotate(cases=Count("pk"))
        .order_by("unit")
    )
    counts = {row["unit"]: row["cases"] for row in rows}
    names = dict(Region.objects.filter(code__in=list(counts)).values_list("code", "name"))
    return [OverdueCount(code, names.get(code, code), n) for code, n in sorted(counts.items())]


def list_timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").prefetch_related("attachments").order_by("at", "pk")


@dataclass(frozen=True)
class NoticeRow:
    """One line of a public notice: only what the rules allow (no phone, no full name or ID number)."""

    case_id: int
    village: str
    scheme: str
    name: str  # surname only: 张**
    id_number: str  # 530602********1234
    household_size: int
    proposed_amount: Decimal | None
    started_on: datetime.date
    ends_on: datetime.date
    kind: str


def list_running_notices(user: User, *, kind: str = PublicityKind.APPLICATION) -> list[NoticeRow]:
    publicities = (
        Publicity.objects.filter(case__in=scope_cases(user), closed_on__isnull=True, kind=kind)
        .select_related("case__applicant", "case__beneficiary", "case__region")
        .annotate(
            household_size=Count(
                "case__household__memberships",
                filter=Q(
                    case__household__memberships__valid_to__isnull=True,
                    case__household__memberships__is_cohabiting=True,
                ),
            )
        )
        .order_by("case__region_id", "started_on", "pk")
    )
    rows = []
    for publicity in publicities:
        case = publicity.case
        person = case.beneficiary or case.applicant
        rows.append(
            NoticeRow(
                case_id=case.pk,
                village=case.region.name,
                scheme=case.get_scheme_display(),
                name=mask_name_for_notice(person.name),
                id_number=mask_id_number(person.id_number),
                household_size=publicity.household_size,  # type: ignore[attr-defined]  # annotate()
                proposed_amount=publicity.proposed_amount,
                started_on=publicity.started_on,
                ends_on=publicity.ends_on,
                kind=publicity.get_kind_display(),
            )
        )
    return rows


def current_household_size(case: Case) -> int:
    return Membership.objects.filter(
        household_id=case.household_id, valid_to__isnull=True, is_cohabiting=True
    ).count()
