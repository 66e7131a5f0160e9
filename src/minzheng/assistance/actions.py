"""Actions on entitlements (the benefits the payroll pays)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import transaction

from minzheng.accounts.access import access_household_by_id, require_write
from minzheng.accounts.models import User
from minzheng.audit.chain import record
from minzheng.audit.models import AuditEvent
from minzheng.common.errors import ValidationFailed

from .bridge import EntitlementBasis
from .models import Entitlement, EntitlementStatus

LIVE = (EntitlementStatus.ACTIVE, EntitlementStatus.SUSPENDED)


@transaction.atomic
def do_start_entitlements(
    household_id: int,
    bases: Sequence[EntitlementBasis],
    *,
    start_month: datetime.date,
    case_id: int | None = None,
    acting_user: User,
) -> list[Entitlement]:
    """Start (or restate) the entitlements of a decision from ``start_month``.

    A person already receiving the same scheme has that entitlement ended the month before: one live
    entitlement per person and scheme, and the history stays.
    """
    require_write(acting_user)
    household = access_household_by_id(acting_user, household_id)
    if start_month.day != 1:
        raise ValidationFailed("起始月份必须是某月1日", field="start_month")
    previous_month_end = start_month - datetime.timedelta(days=1)
    created = []
    for basis in bases:
        for old in Entitlement.objects.select_for_update().filter(
            person_id=basis.person_id, scheme=basis.scheme, status__in=LIVE
        ):
            old.status = EntitlementStatus.ENDED
            old.end_month = max(previous_month_end.replace(day=1), old.start_month)
            old.save(update_fields=["status", "end_month", "changed_at"])
        created.append(
            Entitlement.objects.create(
                scheme=basis.scheme,
                person_id=basis.person_id,
                household=household,
                region_code=household.region_id,
                urban_rural=household.urban_rural,
                case_id=case_id,
                start_month=start_month,
                unit_key=basis.unit_key,
                unit_size=basis.unit_size,
                unit_rank=basis.unit_rank,
                unit_net_income=basis.unit_net_income,
                tier=basis.tier,
                placement=basis.placement,
                severe_disability=basis.severe_disability,
                serious_illness=basis.serious_illness,
                fixed_amount=basis.fixed_amount,
            )
        )
    if created:
        record(
            AuditEvent.ENTITLEMENT_STARTED,
            actor=acting_user,
            subject_type="household",
            subject_id=household.pk,
            region_code=household.region_id,
            summary=f"自 {start_month:%Y-%m} 起享受 {created[0].get_scheme_display()}：{len(created)} 人",
            data={
                "entitlements": [e.pk for e in created],
                "case_id": case_id,
                "start_month": f"{start_month:%Y-%m}",
            },
        )
    return created


@transaction.atomic
def do_end_entitlement(
    entitlement_id: int, *, end_month: datetime.date, reason: str, acting_user: User
) -> Entitlement:
    require_write(acting_user)
    entitlement = Entitlement.objects.select_for_update().filter(pk=entitlement_id).first()
    if entitlement is None:
        raise ValidationFailed("救助待遇不存在", field="entitlement")
    access_household_by_id(acting_user, entitlement.household_id)
    if entitlement.status == EntitlementStatus.ENDED:
        return entitlement
    entitlement.status = EntitlementStatus.ENDED
    entitlement.end_month = end_month.replace(day=1)
    entitlement.save(update_fields=["status", "end_month", "changed_at"])
    record(
        AuditEvent.ENTITLEMENT_CHANGED,
        actor=acting_user,
        subject_type="household",
        subject_id=entitlement.household_id,
        region_code=entitlement.region_code,
        summary=f"{entitlement.get_scheme_display()}自 {end_month:%Y-%m} 后停发：{reason}",
        data={"entitlement_id": entitlement.pk, "end_month": f"{end_month:%Y-%m}", "reason": reason},
    )
    return entitlement
