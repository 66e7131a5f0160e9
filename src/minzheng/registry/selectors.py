"""Reads of the registry. Permission-aware reads live in ``minzheng.accounts.access``; these take records
the caller already has access to."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet

from minzheng.common.ids import age_in_full_years
from minzheng.registry.models import Asset, Disability, Household, Income, Membership, Person


def valid_on(date: datetime.date) -> Q:
    """Rows in force on ``date``: started on or before it and not ended before it."""
    return Q(valid_from__lte=date) & (Q(valid_to__isnull=True) | Q(valid_to__gte=date))


@dataclass(frozen=True)
class MemberView:
    person: Person
    relation: str
    is_cohabiting: bool
    exclusion_reason: str
    age: int
    disabilities: list[Disability]


@dataclass(frozen=True)
class HouseholdAsOf:
    """A household as it was on one date: who lived in it, what they earned and owned."""

    household: Household
    as_of: datetime.date
    members: list[MemberView]
    incomes: list[Income]
    assets: list[Asset]
    counted_monthly_income: Decimal = field(default=Decimal("0.00"))

    @property
    def cohabiting_members(self) -> list[MemberView]:
        return [m for m in self.members if m.is_cohabiting]

    @property
    def per_capita_monthly_income(self) -> Decimal:
        size = len(self.cohabiting_members)
        if size == 0:
            return Decimal("0.00")
        return (self.counted_monthly_income / size).quantize(Decimal("0.01"))


def get_household_as_of(household: Household, as_of: datetime.date) -> HouseholdAsOf:
    memberships = sorted(
        Membership.objects.filter(valid_on(as_of), household=household).select_related("person"),
        # The head first, then by age, oldest first (the order of a 户口簿).
        key=lambda m: (m.relation != "户主", m.person.birth_date, m.pk),
    )
    person_ids = [m.person_id for m in memberships]
    disabilities: dict[int, list[Disability]] = {}
    for disability in Disability.objects.filter(valid_on(as_of), person_id__in=person_ids):
        disabilities.setdefault(disability.person_id, []).append(disability)
    members = [
        MemberView(
            person=m.person,
            relation=m.relation,
            is_cohabiting=m.is_cohabiting,
            exclusion_reason=m.exclusion_reason,
            age=age_in_full_years(m.person.birth_date, as_of),
            disabilities=disabilities.get(m.person_id, []),
        )
        for m in memberships
    ]
    cohabiting_ids = {m.person.pk for m in members if m.is_cohabiting}
    incomes = list(Income.objects.filter(valid_on(as_of), household=household).select_related("person"))
    counted = sum(
        (
            i.monthly_amount
            for i in incomes
            if i.counted and (i.person_id is None or i.person_id in cohabiting_ids)
        ),
        Decimal("0.00"),
    )
    assets = list(Asset.objects.filter(valid_on(as_of), household=household))
    return HouseholdAsOf(
        household=household,
        as_of=as_of,
        members=members,
        incomes=incomes,
        assets=assets,
        counted_monthly_income=counted,
    )


def list_current_members(household: Household) -> QuerySet[Membership]:
    return household.memberships.filter(valid_to__isnull=True).select_related("person").order_by("id")
