"""From a confirmed case to the entitlements the payroll pays.

低保: the rules run again on the household as it stands at confirmation (``bridge.household_facts``), and
each covered member becomes an entitlement with the basis the payroll prices every month. The per-person
schemes take the tier the county confirmed (特困 care tier, 集中/散居, the disability grade). 临时救助 is a
one-off entitlement of the confirmed amount in the payment month. No audit row of its own: the case's
confirmation event, written in the same transaction, records the decision.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from minzheng.registry.models import Disability
from minzheng.registry.selectors import valid_on

from .bridge import EntitlementBasis, dibao_bases, household_facts, person_basis
from .domain import assess_dibao
from .models import Entitlement, EntitlementStatus, Placement, Scheme
from .standards import resolve_profile, resolve_standards

CARE_TIERS = ("全自理", "部分失能", "完全失能")


def bases_for_case(case: Any, as_of: datetime.date) -> list[EntitlementBasis]:
    household = case.household
    person_id = (case.beneficiary_id or case.applicant_id) if case.scheme != "dibao" else None
    category = case.category or ""
    placement = Placement.CENTRALISED if "集中" in category else Placement.DISPERSED
    if case.scheme == "dibao":
        facts, person_ids = household_facts(household, as_of)
        standards = resolve_standards(household.region_id, household.urban_rural, as_of)
        profile = resolve_profile(household.region_id, as_of)
        decision = assess_dibao(facts, standards, profile, as_of)
        return dibao_bases(decision, facts, person_ids, household.pk)
    assert person_id is not None
    if case.scheme == "tekun":
        tier = next((t for t in CARE_TIERS if t in category), "全自理")
        return [person_basis(person_id, Scheme.TEKUN, tier=tier, placement=placement)]
    if case.scheme in ("orphan", "de_facto_orphan"):
        return [person_basis(person_id, case.scheme, placement=placement)]
    if case.scheme == "disability_subsidy":
        disability = Disability.objects.filter(valid_on(as_of), person_id=person_id).order_by("grade").first()
        bases = [person_basis(person_id, Scheme.DISABILITY_LIVING)]
        if disability is not None and disability.grade <= 2:
            bases.append(person_basis(person_id, Scheme.DISABILITY_CARE, tier=str(disability.grade)))
        return bases
    return []


def start_entitlements_for_case(case: Any, as_of: datetime.date) -> list[Entitlement]:
    """Create the case's entitlements from its payment start month (ending any earlier live one of the same
    person and scheme the month before)."""
    start = case.payment_start_month
    if case.scheme == "temporary":
        bases: Sequence[EntitlementBasis] = [
            person_basis(
                case.applicant_id,
                Scheme.TEMPORARY,
                fixed_amount=case.monthly_amount,
                unit_key=f"h{case.household_id}",
            )
        ]
    else:
        bases = bases_for_case(case, as_of)
    created = []
    for basis in bases:
        Entitlement.objects.filter(
            person_id=basis.person_id, scheme=basis.scheme, status=EntitlementStatus.ACTIVE
        ).update(status=EntitlementStatus.ENDED, end_month=_month_before(start))
        created.append(
            Entitlement.objects.create(
                scheme=basis.scheme,
                person_id=basis.person_id,
                household_id=case.household_id,
                region_code=case.household.region_id,
                urban_rural=case.household.urban_rural,
                case_id=case.pk,
                start_month=start,
                end_month=start if case.scheme == "temporary" else None,
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
    return created


def end_entitlements_for_case(case_id: int, *, last_month: datetime.date) -> int:
    """Stop paying a terminated case after ``last_month``."""
    return Entitlement.objects.filter(case_id=case_id, status=EntitlementStatus.ACTIVE).update(
        status=EntitlementStatus.ENDED, end_month=last_month.replace(day=1)
    )


def suspend_entitlements_for_case(case_id: int, *, suspended: bool) -> int:
    before, after = (
        (EntitlementStatus.ACTIVE, EntitlementStatus.SUSPENDED)
        if suspended
        else (EntitlementStatus.SUSPENDED, EntitlementStatus.ACTIVE)
    )
    return Entitlement.objects.filter(case_id=case_id, status=before).update(status=after)


def _month_before(month: datetime.date) -> datetime.date:
    return (month - datetime.timedelta(days=1)).replace(day=1)
