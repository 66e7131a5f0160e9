"""The only door to cases: ``scope_cases`` for lists, ``access_case_by_id`` for one case, and
``authorize_case_action`` before any write. Built on ``minzheng.accounts.access.region_filter``: a case
outside the user's jurisdiction is reported exactly like a missing one (404)."""

from __future__ import annotations

from django.db.models import QuerySet

from minzheng.accounts.access import region_filter, require_write
from minzheng.accounts.models import User
from minzheng.common.errors import NotFoundOrNoAccess

from .choices import VerificationStatus
from .errors import RoleNotAllowed, WrongStep
from .models import Case, CaseAttachment, CloseRelative
from .workflow import CaseAction, CaseState, Refusal, check_action


def scope_cases(user: User, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    queryset = Case.objects.all() if queryset is None else queryset
    return queryset.filter(region_filter(user, "region_id"))


def access_case_by_id(user: User, case_id: int, *, for_update: bool = False) -> Case:
    """The case if it lies in the user's jurisdiction; ``for_update`` locks the row (inside an action) so
    that two clerks cannot move the same case at once."""
    queryset = scope_cases(user).select_related("household", "applicant", "beneficiary", "region")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    case = queryset.filter(pk=case_id).first()
    if case is None:
        raise NotFoundOrNoAccess("未找到该救助申请，或该申请不在您的管辖范围内")
    return case


def access_attachment_by_id(user: User, attachment_id: int) -> CaseAttachment:
    attachment = (
        CaseAttachment.objects.filter(region_filter(user, "case__region_id"), pk=attachment_id)
        .select_related("case")
        .first()
    )
    if attachment is None:
        raise NotFoundOrNoAccess("未找到该附件，或该附件不在您的管辖范围内")
    return attachment


def scope_close_relatives(user: User) -> QuerySet[CloseRelative]:
    return CloseRelative.objects.filter(region_filter(user, "region_id"))


def case_state(case: Case, *, publicity_running: bool | None = None) -> CaseState:
    if publicity_running is None:
        publicity_running = case.publicities.filter(closed_on__isnull=True).exists()
    return CaseState(
        scheme=case.scheme,
        temporary_subtype=case.temporary_subtype,
        status=case.status,
        step=case.step,
        delegated=case.delegated,
        publicity_running=publicity_running,
        verification_pending=case.verification_requests.filter(status=VerificationStatus.PENDING).exists(),
        trail=tuple(case.step_trail),
    )


def authorize_case_action(user: User, case: Case, action: CaseAction) -> None:
    """Read-only accounts and the wrong role: 403; the wrong step or status: 409."""
    require_write(user)
    check = check_action(action, case_state(case), user.role)
    if check.allowed:
        return
    if check.refusal == Refusal.ROLE:
        raise RoleNotAllowed(check.message)
    raise WrongStep(check.message)
