"""高龄津贴 (old-age allowance): by age band in 周岁 on the as-of date (bands and amounts are [L]).

The band table maps a lower bound in 周岁 to a monthly amount ({"80": 50, "90": 100, "100": 300}); a person
is in the highest band whose lower bound they have reached — on their birthday, not the day after.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from .decision import Decision, MemberAmount
from .facts import HouseholdFacts, MemberSelection
from .params import PolicyProfile, Standards
from .vocabulary import Scheme

ALLOWANCE_PART = "高龄津贴"


def band_for_age(age: int, bands: dict[str, Decimal]) -> tuple[int, Decimal] | None:
    """The (lower bound, amount) of the highest band reached at ``age``, or None below the lowest."""
    reached = [(int(bound), amount) for bound, amount in bands.items() if age >= int(bound)]
    return max(reached) if reached else None


def assess_elderly_allowance(
    household: HouseholdFacts,
    selection: MemberSelection,
    standards: Standards,
    profile: PolicyProfile,
    as_of: datetime.date,
) -> Decision:
    d = Decision(str(Scheme.ELDERLY_ALLOWANCE))
    bands = d.use("elderly_allowance", standards.elderly_allowance)
    lowest = min(int(bound) for bound in bands) if bands else 0
    indexes = [selection.member] if selection.member is not None else list(range(len(household.members)))
    for index in indexes:
        member = household.members[index]
        age = member.age_on(as_of)
        band = band_for_age(age, bands)
        if band is None:
            if selection.member is not None:
                d.add(
                    "elderly.band",
                    False,
                    f"{member.name} {age} 周岁，未满 {lowest} 周岁",
                    member=member.name,
                    age=age,
                )
            continue
        bound, amount = band
        upper = [int(b) for b in bands if int(b) > bound]
        label = f"{bound}周岁以上" if not upper else f"{bound}–{min(upper) - 1}周岁"
        d.add(
            "elderly.band",
            True,
            f"{member.name}（{member.birth_date} 出生）{as_of} 时 {age} 周岁，属 {label} 段：{amount} 元/月",
            member=member.name,
            age=age,
            band=label,
            amount=amount,
        )
        d.members.append(MemberAmount(index, member.name, {ALLOWANCE_PART: amount}, label))
    if not d.members and selection.member is None:
        d.add("elderly.band", False, f"家庭中没有年满 {lowest} 周岁的成员")
    d.eligible = bool(d.members)
    d.category = ALLOWANCE_PART if d.eligible else None
    d.add(
        "elderly.income_rule",
        None,
        "高龄津贴不计入特困人员收入（特困人员认定办法第六条）；低保是否计入按本地配置",
    )
    return d
