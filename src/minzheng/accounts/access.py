"""The access layer: the only door to protected records.

Every view, API handler, export and admin page gets its querysets from ``scope_*`` / ``list_*`` and its
single records from ``access_*_by_id``. A record outside the user's jurisdiction is reported exactly like a
missing one (:class:`NotFoundOrNoAccess`), so that probing IDs reveals nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from minzheng.common.errors import NotFoundOrNoAccess, PermissionDenied

if TYPE_CHECKING:
    from minzheng.accounts.models import User
    from minzheng.registry.models import Household, Person


def _prefix(user: Any) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.jurisdiction_prefix


def region_filter(user: User, field: str) -> Q:
    """``Q`` selecting rows whose region code field lies in the user's jurisdiction (nothing if none)."""
    prefix = _prefix(user)
    if prefix is None:
        return Q(pk__in=[])
    # Django has no ``startswith`` on a foreign key column (``region_id``); ``region__pk`` names the same
    # column without a join, and the lookup becomes ``region_id LIKE '5306%'``.
    if field.endswith("_id"):
        field = f"{field[:-3]}__pk"
    return Q(**{f"{field}__startswith": prefix})


def user_covers_region(user: User, code: str) -> bool:
    prefix = _prefix(user)
    return prefix is not None and code.startswith(prefix)


def require_write(user: User) -> None:
    """Auditors read; they never write."""
    if _prefix(user) is None or user.is_read_only:
        raise PermissionDenied("当前账号为只读账号，不能办理或修改业务数据")


def require_region(user: User, code: str) -> None:
    if not user_covers_region(user, code):
        raise PermissionDenied(f"区划 {code} 不在您的管辖范围内")


# --- registry ---------------------------------------------------------------------------------------------


def scope_households(user: User, queryset: QuerySet[Household] | None = None) -> QuerySet[Household]:
    from minzheng.registry.models import Household

    queryset = Household.objects.all() if queryset is None else queryset
    return queryset.filter(region_filter(user, "region_id"))


def scope_persons(user: User, queryset: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """People whose 户籍 lies in the jurisdiction, or who belong to a household in it."""
    from minzheng.registry.models import Membership, Person

    queryset = Person.objects.all() if queryset is None else queryset
    member_ids = Membership.objects.filter(region_filter(user, "household__region_id")).values("person_id")
    return queryset.filter(region_filter(user, "hukou_region_id") | Q(pk__in=member_ids))


def access_household_by_id(user: User, household_id: int) -> Household:
    household = scope_households(user).select_related("region", "head").filter(pk=household_id).first()
    if household is None:
        raise NotFoundOrNoAccess("未找到该家庭户，或该户不在您的管辖范围内")
    return household


def access_person_by_id(user: User, person_id: int) -> Person:
    person = scope_persons(user).select_related("hukou_region").filter(pk=person_id).first()
    if person is None:
        raise NotFoundOrNoAccess("未找到该人员，或该人员不在您的管辖范围内")
    return person


def scope_users(user: User, queryset: QuerySet[User] | None = None) -> QuerySet[User]:
    from minzheng.accounts.models import User as UserModel

    queryset = UserModel.objects.all() if queryset is None else queryset
    return queryset.filter(region_filter(user, "jurisdiction_id"))


def scope_audit_logs(user: User, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
    """Auditors and admins see the audit rows of their jurisdiction (rows with no region: city-wide ones
    only to city-level users)."""
    from minzheng.audit.models import AuditLog

    queryset = AuditLog.objects.all() if queryset is None else queryset
    if not user.can_read_audit_logs:
        return queryset.none()
    prefix = _prefix(user)
    if prefix is None:
        return queryset.none()
    city_wide = Q(region_code="") if len(prefix) <= 4 else Q(pk__in=[])
    return queryset.filter(Q(region_code__startswith=prefix) | city_wide)
