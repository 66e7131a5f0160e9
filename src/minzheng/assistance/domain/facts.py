"""The input of the rules: a household as the case-worker found it, and what is applied for.

Amounts are ``Decimal`` yuan per month (2 dp). Members are referred to by their index in
``HouseholdFacts.members``. Strings hold the Chinese values of :mod:`.vocabulary` (the registry's).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields
from decimal import Decimal

from minzheng.common.errors import ValidationFailed
from minzheng.common.ids import age_in_full_years

from .vocabulary import (
    BenefitKind,
    ChildCare,
    DisabilityCategory,
    Employment,
    LabourCapacity,
    ParentStatus,
    Relation,
    SupporterStatus,
    SupportMode,
    UrbanRural,
)

MENTAL_OR_INTELLECTUAL = frozenset({DisabilityCategory.INTELLECTUAL, DisabilityCategory.MENTAL})


class MissingFact(ValidationFailed):
    """A rule needs a fact the input did not give; ``field`` is its JSON path in the assess input."""

    code = "missing_field"


@dataclass(frozen=True)
class SelfCare:
    """特困 生活自理能力评估: each item True when the person achieves it alone (S2 art. 21)."""

    eating: bool = True  # 自主吃饭
    dressing: bool = True  # 自主穿衣
    bed_transfer: bool = True  # 自主上下床
    toileting: bool = True  # 自主如厕
    indoor_walking: bool = True  # 室内自主行走
    bathing: bool = True  # 自主洗澡

    @property
    def failed_items(self) -> list[str]:
        return [SELF_CARE_ITEMS[f.name] for f in fields(self) if not getattr(self, f.name)]


SELF_CARE_ITEMS = {
    "eating": "自主吃饭",
    "dressing": "自主穿衣",
    "bed_transfer": "自主上下床",
    "toileting": "自主如厕",
    "indoor_walking": "室内自主行走",
    "bathing": "自主洗澡",
}


@dataclass(frozen=True)
class ParentSituation:
    """A parent's situation for 孤儿 / 事实无人抚养 (S8). ``months``: since 失联, or the custody term."""

    status: str = ParentStatus.NORMAL
    months: int | None = None
    disability_category: str | None = None
    disability_grade: int | None = None


@dataclass(frozen=True)
class ReceivedBenefit:
    """A benefit the person already receives, per month (for 补差 and the overlap rules)."""

    kind: str  # BenefitKind
    monthly_amount: Decimal


@dataclass(frozen=True)
class Supporter:
    """A legal supporter (法定赡养、抚养、扶养义务人) who does not live in the household (特困 art. 8)."""

    name: str
    age: int
    monthly_income: Decimal = Decimal("0.00")
    relation: str = Relation.CHILD
    status: str = SupporterStatus.NORMAL
    disability_category: str | None = None
    disability_grade: int | None = None
    is_tekun: bool = False
    is_dibao: bool = False
    property_within_limits: bool = True


@dataclass(frozen=True)
class MemberFacts:
    name: str
    birth_date: datetime.date
    sex: str | None = None
    id_number: str | None = None
    relation: str = Relation.HEAD
    is_cohabiting: bool = True
    exclusion_reason: str | None = None
    labour_capacity: str = LabourCapacity.ABLE
    employment: str | None = None
    disability_category: str | None = None
    disability_grade: int | None = None
    serious_illness: bool = False  # 重特大疾病 recognised by the local authorities
    chronic_illness: bool = False
    education: str | None = None  # full-time schooling level, None when not in school
    self_care: SelfCare | None = None
    needs_long_term_care: bool | None = None
    father: ParentSituation | None = None
    mother: ParentSituation | None = None
    hiv_affected: bool = False
    receiving_work_injury_care: bool = False
    received_benefits: tuple[ReceivedBenefit, ...] = ()
    supporters: tuple[Supporter, ...] = ()

    def age_on(self, as_of: datetime.date) -> int:
        """周岁 on ``as_of``."""
        return age_in_full_years(self.birth_date, as_of)

    @property
    def is_counted(self) -> bool:
        """共同生活家庭成员 (S1 art. 7): lives with the family and has no exclusion reason."""
        return self.is_cohabiting and not self.exclusion_reason

    @property
    def has_disability(self) -> bool:
        return self.disability_grade is not None

    @property
    def severe_disability(self) -> bool:
        """重度残疾: a certificate of grade 1 or 2."""
        return self.disability_grade in (1, 2)

    @property
    def single_coverage_disability(self) -> bool:
        """单人保 disability (S1 art. 8): grade 1–2, or grade 3 intellectual or mental."""
        return self.severe_disability or (
            self.disability_grade == 3 and self.disability_category in MENTAL_OR_INTELLECTUAL
        )

    @property
    def unemployed(self) -> bool:
        return self.employment in (None, Employment.UNEMPLOYED)

    def benefit(self, kind: BenefitKind) -> Decimal | None:
        """The monthly amount of a benefit already received, or None."""
        amounts = [b.monthly_amount for b in self.received_benefits if b.kind == kind]
        return sum(amounts, Decimal("0.00")) if amounts else None


@dataclass(frozen=True)
class IncomeItem:
    """A monthly income item. ``counted`` given explicitly overrides the rule catalog only where the profile
    allows it; ``payer`` names who pays a support payment (兄弟姐妹, 60周岁以上照料人), for the S4
    exemption."""

    category: str
    item: str
    monthly_amount: Decimal
    member: int | None = None
    counted: bool | None = None
    payer: str | None = None


@dataclass(frozen=True)
class AssetItem:
    kind: str
    value: Decimal
    member: int | None = None
    exempt: bool = False
    exempt_reason: str | None = None  # e.g. 残疾人功能性补偿代步机动车辆; 维持家庭生产生活的必需财产
    description: str = ""
    is_legal_representative: bool = False  # the member is the legal representative of a business


@dataclass(frozen=True)
class RigidExpenditure:
    """A monthly rigid expenditure (医疗 after insurance, 教育, 残疾康复 after subsidies, 其他)."""

    kind: str
    monthly_amount: Decimal
    member: int | None = None
    description: str = ""


@dataclass(frozen=True)
class HouseholdFacts:
    urban_rural: str
    region_code: str
    members: tuple[MemberFacts, ...]
    incomes: tuple[IncomeItem, ...] = ()
    assets: tuple[AssetItem, ...] = ()
    rigid_expenditures: tuple[RigidExpenditure, ...] = ()
    # current benefit state, for 渐退
    currently_receiving_dibao: bool = False
    previous_monthly_amount: Decimal | None = None
    income_rise_cause: str | None = None  # "就业" | "其他" | None
    months_already_in_gradual_exit: int = 0

    @property
    def is_urban(self) -> bool:
        return self.urban_rural == UrbanRural.URBAN

    @property
    def counted_indexes(self) -> list[int]:
        return [i for i, member in enumerate(self.members) if member.is_counted]


# --- what is applied for (scheme-specific) ------------------------------------------------------------------


@dataclass(frozen=True)
class TekunApplication:
    member: int = 0
    support_mode: str = SupportMode.DISPERSED
    chooses_child_scheme: bool = (
        False  # a minor who also qualifies as 孤儿/事实无人抚养 and chooses that scheme
    )


@dataclass(frozen=True)
class ChildApplication:
    member: int = 0
    care: str = ChildCare.DISPERSED


@dataclass(frozen=True)
class MemberSelection:
    """For the disability subsidies and the old-age allowance: one member, or every member (None)."""

    member: int | None = None


@dataclass(frozen=True)
class TemporaryApplication:
    type: str
    tier: str
    cause: str = ""
    expenditure_total: Decimal | None = (
        None  # 支出型: rigid spending in the last 12 months (else 12 × monthly)
    )


@dataclass(frozen=True)
class VagrancyApplication:
    start_date: datetime.date
    member: int = 0
    end_date: datetime.date | None = None  # None: still at the station on the as-of date
    has_means: bool = False  # can pay for food and lodging
    has_relatives_to_rely_on: bool = False
    is_begging_in_city: bool = True
