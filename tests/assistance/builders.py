"""Small builders for the rule tests: members, households and parameters with the Zhaotong defaults."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

from stdnum.cn import ric

from minzheng.assistance.domain.defaults import default_profile, default_standards
from minzheng.assistance.domain.facts import HouseholdFacts, IncomeItem, MemberFacts
from minzheng.assistance.domain.params import PolicyProfile, Standards

AS_OF = datetime.date(2023, 6, 30)
URBAN_STANDARD = Decimal("720.00")
RURAL_STANDARD = Decimal("475.00")  # 5,700 元/年 ÷ 12

_sequence = itertools.count(1)


def synthetic_id(
    address_code: str = "530602", birth: datetime.date = datetime.date(1980, 5, 17), male=True
) -> str:
    """A valid synthetic ID number (Zhaotong county code, GB 11643 check character), unique per call."""
    n = next(_sequence) % 499
    body = f"{address_code}{birth:%Y%m%d}{2 * n + (1 if male else 2):03d}"
    return body + ric.calc_check_digit(body + "0")


def born_aged(age: int, as_of: datetime.date = AS_OF) -> datetime.date:
    """A birth date giving exactly ``age`` 周岁 on ``as_of`` (born on 1 January; the tests' as-of is 30 June)."""
    return datetime.date(as_of.year - age, 1, 1)


def person(name: str = "成员", age: int = 40, **fields: Any) -> MemberFacts:
    return MemberFacts(name=name, birth_date=fields.pop("birth_date", born_aged(age)), **fields)


def wage(amount: str | int, member: int | None = 0, item: str = "务工工资", **fields: Any) -> IncomeItem:
    return IncomeItem(
        category=fields.pop("category", "工资性收入"),
        item=item,
        monthly_amount=Decimal(amount),
        member=member,
        **fields,
    )


def household(*members: MemberFacts, urban: bool = True, **fields: Any) -> HouseholdFacts:
    return HouseholdFacts(
        urban_rural="urban" if urban else "rural",
        region_code="530602" if urban else "530621",
        members=members or (person(),),
        **fields,
    )


def standards(urban: bool = True, as_of: datetime.date = AS_OF, **overrides: Any) -> Standards:
    base = default_standards("530602" if urban else "530621", "urban" if urban else "rural", as_of)
    return Standards.from_dict(overrides, base=base) if overrides else base


def profile(**overrides: Any) -> PolicyProfile:
    base = default_profile()
    return PolicyProfile.from_dict(overrides, base=base) if overrides else base


def money(value: str | int) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))
