"""Between the record plane and the rules: a registry household as the rules' ``HouseholdFacts``, and a
decision as the entitlements the payroll prices every month."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from minzheng.registry.models import Household, IllnessCategory
from minzheng.registry.selectors import get_household_as_of

from .domain.decision import Decision
from .domain.facts import AssetItem, HouseholdFacts, IncomeItem, MemberFacts
from .models import Scheme


def household_facts(
    household: Household,
    as_of: datetime.date,
    *,
    currently_receiving_dibao: bool = False,
    previous_monthly_amount: Decimal | None = None,
    income_rise_cause: str | None = None,
    months_already_in_gradual_exit: int = 0,
) -> tuple[HouseholdFacts, list[int]]:
    """The household on ``as_of`` as the rules see it, and the person ids in member order."""
    view = get_household_as_of(household, as_of)
    members, person_ids, index_of = [], [], {}
    for i, m in enumerate(view.members):
        disability = min(m.disabilities, key=lambda d: d.grade, default=None)
        members.append(
            MemberFacts(
                name=m.person.name,
                birth_date=m.person.birth_date,
                sex=m.person.sex,
                id_number=m.person.id_number,
                relation=m.relation,
                is_cohabiting=m.is_cohabiting,
                exclusion_reason=m.exclusion_reason or None,
                labour_capacity=m.person.labour_capacity,
                employment=m.person.employment or None,
                disability_category=disability.category if disability else None,
                disability_grade=disability.grade if disability else None,
                serious_illness=m.person.illness_category == IllnessCategory.SERIOUS,
                chronic_illness=m.person.illness_category == IllnessCategory.CHRONIC,
            )
        )
        person_ids.append(m.person.pk)
        index_of[m.person.pk] = i
    incomes = tuple(
        IncomeItem(
            category=i.category,
            item=i.item,
            monthly_amount=i.monthly_amount,
            member=index_of.get(i.person_id) if i.person_id else None,
        )
        for i in view.incomes
        if i.person_id is None or i.person_id in index_of
    )
    assets = tuple(
        AssetItem(
            kind=a.kind,
            value=a.value,
            member=index_of.get(a.person_id) if a.person_id else None,
            exempt=a.is_exempt,
            description=a.description,
        )
        for a in view.assets
    )
    facts = HouseholdFacts(
        urban_rural=household.urban_rural,
        region_code=household.region_id,
        members=tuple(members),
        incomes=incomes,
        assets=assets,
        currently_receiving_dibao=currently_receiving_dibao,
        previous_monthly_amount=previous_monthly_amount,
        income_rise_cause=income_rise_cause,
        months_already_in_gradual_exit=months_already_in_gradual_exit,
    )
    return facts, person_ids


@dataclass(frozen=True)
class EntitlementBasis:
    """What an Entitlement row stores for one member (the payroll prices it every month)."""

    person_id: int
    scheme: str
    unit_key: str
    unit_size: int
    unit_rank: int
    unit_net_income: Decimal
    tier: str = ""
    placement: str = ""
    severe_disability: bool = False
    serious_illness: bool = False
    fixed_amount: Decimal | None = None


def _own_income(decision: Decision, name: str) -> Decimal | None:
    for reason in decision.reasons:
        if reason.code == "dibao.single_person" and reason.figures.get("member") == name:
            return Decimal(reason.figures["own_income"])
    return None


def dibao_bases(
    decision: Decision, facts: HouseholdFacts, person_ids: list[int], household_id: int
) -> list[EntitlementBasis]:
    """One basis per covered member. Under 单人保 each member is a unit of one with their own income; under
    渐退 the previous amounts are kept as fixed amounts."""
    if not decision.eligible:
        return []
    gradual = "gradual_exit_month" in decision.details
    single = decision.category == "单人保"
    bases = []
    covered = [m for m in decision.members if m.member is not None]
    for rank, amount in enumerate(covered):
        assert amount.member is not None
        member = facts.members[amount.member]
        person_id = person_ids[amount.member]
        if single:
            own = _own_income(decision, member.name)
            unit_key, size, position, net = f"p{person_id}", 1, 0, own if own is not None else Decimal(0)
        else:
            unit_key, size, position = f"h{household_id}", len(covered), rank
            net = Decimal(decision.details.get("net_income", "0"))
        bases.append(
            EntitlementBasis(
                person_id=person_id,
                scheme=Scheme.DIBAO,
                unit_key=unit_key,
                unit_size=size,
                unit_rank=position,
                unit_net_income=net,
                tier=decision.tier or "",
                severe_disability=member.severe_disability,
                serious_illness=member.serious_illness,
                fixed_amount=amount.total if gradual else None,
            )
        )
    return bases


def person_basis(
    person_id: int,
    scheme: str,
    *,
    tier: str = "",
    placement: str = "",
    fixed_amount: Decimal | None = None,
    unit_key: str | None = None,
) -> EntitlementBasis:
    """特困, children, the disability subsidies and one-off grants: a unit of one person priced by its tier
    (or a fixed amount)."""
    return EntitlementBasis(
        person_id=person_id,
        scheme=scheme,
        unit_key=unit_key or f"p{person_id}",
        unit_size=1,
        unit_rank=0,
        unit_net_income=Decimal(0),
        tier=tier,
        placement=placement,
        fixed_amount=fixed_amount,
    )
