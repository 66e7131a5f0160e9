"""特困人员救助供养: the three conditions, the self-care assessment and the amount (S2, 2021).

A person is 特困 when (1) without labour capacity, (2) without means of living and (3) without a supporter
able to support them (art. 4–8). The amount is the basic-living standard — derived: max(configured, 1.3 ×
local urban dibao) — plus the 照料护理 standard of the person's self-care tier (art. 20–23).
"""

from __future__ import annotations

import datetime

from .children import classify_child
from .decision import ZERO, Decision, MemberAmount
from .facts import MENTAL_OR_INTELLECTUAL, HouseholdFacts, MemberFacts, SelfCare, Supporter, TekunApplication
from .income_rules import TEKUN
from .means import asset_test, counted_income
from .params import PolicyProfile, Standards
from .vocabulary import (
    CARE_TIER,
    BenefitKind,
    DisabilityCategory,
    LabourCapacity,
    Scheme,
    SelfCareLevel,
    SupporterStatus,
)

BASIC_PART = "基本生活"
CARE_PART = "照料护理"


def self_care_level(self_care: SelfCare, profile: PolicyProfile) -> SelfCareLevel:
    """0 items failed → able; 1–3 → partly lost; ≥ 4 → fully lost (S2 art. 21; thresholds in the profile)."""
    failed = len(self_care.failed_items)
    if failed >= profile.self_care_fully_lost_from.value:
        return SelfCareLevel.FULLY_LOST
    if failed >= profile.self_care_partly_lost_from.value:
        return SelfCareLevel.PARTLY_LOST
    return SelfCareLevel.ABLE


def _disability_means_no_capacity(member: MemberFacts) -> bool:
    """S2 art. 5: grade 1–3 intellectual or mental, grade 1–2 physical, grade 1 visual."""
    grade, category = member.disability_grade, member.disability_category
    if grade is None:
        return False
    if category in MENTAL_OR_INTELLECTUAL:
        return grade <= 3
    if category == DisabilityCategory.PHYSICAL:
        return grade <= 2
    if category == DisabilityCategory.VISUAL:
        return grade == 1
    return False


def _no_labour_capacity(
    member: MemberFacts, as_of: datetime.date, profile: PolicyProfile, d: Decision
) -> bool:
    age = member.age_on(as_of)
    old = d.use("tekun_old_age", profile.tekun_old_age)
    minor = d.use("tekun_minor_age", profile.tekun_minor_age)
    until = d.use("tekun_support_until_age", profile.tekun_support_until_age)
    code = "tekun.no_labour_capacity"
    if age >= old:
        return bool(d.add(code, True, f"{member.name} {age} 周岁，年满 {old} 周岁（第五条）", age=age))
    if age < minor:
        return bool(d.add(code, True, f"{member.name} {age} 周岁，未满 {minor} 周岁（第五条）", age=age))
    if age < until:
        return bool(
            d.add(
                code,
                True,
                f"{member.name} {age} 周岁，未成年人供养延至 {until} 周岁（改革完善社会救助制度的意见）",
                age=age,
            )
        )
    if _disability_means_no_capacity(member):
        return bool(
            d.add(
                code,
                True,
                f"{member.name}持{member.disability_category}残疾{member.disability_grade}级残疾人证（第五条）",
                category=member.disability_category or "",
                grade=member.disability_grade or "",
            )
        )
    levels = d.use("tekun_continuing_education", profile.tekun_continuing_education)
    if member.benefit(BenefitKind.TEKUN) is not None and member.education in levels:
        return bool(
            d.add(
                code,
                True,
                f"{member.name}年满 {until} 周岁，仍在接受{member.education}，继续供养（第二十四条）",
                age=age,
            )
        )
    if member.labour_capacity == LabourCapacity.NONE and d.use(
        "tekun_accept_assessed_no_labour_capacity", profile.tekun_accept_assessed_no_labour_capacity
    ):
        return bool(d.add(code, True, f"{member.name}经评定无劳动能力（省级规定的其他情形 [L]）"))
    return bool(
        d.add(
            code,
            False,
            f"{member.name} {age} 周岁，不属于无劳动能力的情形（60周岁以上、未满16周岁、第五条所列残疾等级）",
            age=age,
        )
    )


def _supporter_unable(
    supporter: Supporter, standards: Standards, profile: PolicyProfile, d: Decision
) -> tuple[bool, str]:
    """S2 art. 8: when a legal supporter counts as unable to support."""
    threshold = d.use("disposable_income_prev_year", standards.disposable_income_prev_year)
    annual = supporter.monthly_income * 12
    poor = annual < threshold and supporter.property_within_limits
    means = (
        f"年收入 {annual} 元{'低于' if annual < threshold else '不低于'}上年度人均可支配收入 {threshold} 元"
        + ("" if supporter.property_within_limits else "，财产不符合低收入家庭财产规定")
    )
    if supporter.is_tekun:
        return True, "本人为特困人员"
    dibao_age = d.use("tekun_supporter_dibao_age", profile.tekun_supporter_dibao_age)
    if supporter.is_dibao and supporter.age >= dibao_age:
        return True, f"{dibao_age}周岁以上的低保对象"
    old = d.use("tekun_supporter_old_age", profile.tekun_supporter_old_age)
    if supporter.age >= old:
        return poor, f"年满{old}周岁，{means}"
    severe = supporter.disability_grade in (1, 2) or (
        supporter.disability_grade == 3 and supporter.disability_category in MENTAL_OR_INTELLECTUAL
    )
    if severe:
        return poor, f"重度残疾或三级智力、精神残疾，{means}"
    if supporter.status in (
        SupporterStatus.NO_CIVIL_CAPACITY,
        SupporterStatus.MISSING,
        SupporterStatus.IN_PRISON,
    ):
        ok = supporter.property_within_limits
        return ok, f"{supporter.status}" + ("" if ok else "，但财产不符合规定")
    return False, f"{supporter.age}周岁，{supporter.status}，具有赡养（抚养、扶养）能力"


def assess_tekun(
    household: HouseholdFacts,
    application: TekunApplication,
    standards: Standards,
    profile: PolicyProfile,
    as_of: datetime.date,
) -> Decision:
    d = Decision(str(Scheme.TEKUN))
    index = application.member
    person = household.members[index]
    age = person.age_on(as_of)
    standard = d.use("dibao_standard_monthly", standards.dibao_monthly)

    # (1) 无劳动能力
    capacity_ok = _no_labour_capacity(person, as_of, profile, d)

    # the minor who chooses the orphan / 事实无人抚养 scheme is not 特困 (art. 9)
    chose_child_scheme = False
    if application.chooses_child_scheme and age < d.use("child_age_limit", profile.child_age_limit):
        category = classify_child(person, as_of, profile, Decision("children"))
        if category is not None:
            chose_child_scheme = True
            d.add(
                "tekun.minor_chose_child_scheme",
                False,
                f"{person.name}同时符合{category}条件并选择该保障，不认定为特困人员（第九条）",
                category=category,
            )
        else:
            d.add(
                "tekun.minor_chose_child_scheme",
                None,
                f"{person.name}不符合孤儿或事实无人抚养儿童条件，按特困认定",
            )

    # (2) 无生活来源: own income under the 特困 exclusions, below the dibao standard; property
    alone = household.counted_indexes == [index]
    income = counted_income(
        household,
        [index],
        as_of,
        profile,
        d,
        "tekun",
        scheme=TEKUN,
        include_household_items=alone,
        report_others=False,
    )
    income_ok = income.net < standard
    d.add(
        "tekun.income_below_standard",
        income_ok,
        f"{person.name}月计算收入 {income.net} 元（不计入基础养老金、高龄津贴、优待抚恤金等），"
        f"{'低于' if income_ok else '不低于'}当地低保标准 {standard} 元（第六条）",
        income=income.net,
        standard=standard,
    )
    assets_ok = asset_test(household, [index], standard, profile, d, "tekun", include_household_items=alone)

    # (3) 无赡养、抚养、扶养义务人，或其无能力
    unable_all = True
    for supporter in person.supporters:
        unable, why = _supporter_unable(supporter, standards, profile, d)
        d.add(
            "tekun.supporter",
            unable,
            f"义务人{supporter.name}（{supporter.relation}）：{why}，"
            + ("视为无履行义务能力" if unable else "有履行义务能力"),
            supporter=supporter.name,
            age=supporter.age,
            monthly_income=supporter.monthly_income,
        )
        unable_all &= unable
    if not person.supporters:
        d.add("tekun.supporters", True, f"{person.name}无法定赡养、抚养、扶养义务人（第八条）")
    else:
        d.add(
            "tekun.supporters",
            unable_all,
            "法定义务人均无履行义务能力（第八条）"
            if unable_all
            else "有法定义务人具有履行义务能力（第八条）",
        )

    d.eligible = capacity_ok and income_ok and assets_ok and unable_all and not chose_child_scheme
    d.category = str(application.support_mode)
    d.details["support_mode"] = str(application.support_mode)

    # self-care assessment → care tier
    basic = d.use("tekun_basic_monthly", standards.tekun_basic_monthly(profile))
    d.use("tekun_basic_configured", standards.tekun_basic_configured)
    d.use("tekun_basic_multiple", profile.tekun_basic_multiple)
    care_table = d.use("tekun_care", standards.tekun_care)
    if person.self_care is None:
        tier = None
        d.add(
            "tekun.self_care", None, f"{person.name}尚未进行生活自理能力评估，暂不计发照料护理费（第二十条）"
        )
        d.details["self_care_level"] = "未评估"
    else:
        d.use("self_care_partly_lost_from", profile.self_care_partly_lost_from)
        d.use("self_care_fully_lost_from", profile.self_care_fully_lost_from)
        level = self_care_level(person.self_care, profile)
        tier = CARE_TIER[level]
        failed = person.self_care.failed_items
        d.add(
            "tekun.self_care",
            None,
            f"生活自理能力评估：6 项中 {len(failed)} 项达不到"
            + (f"（{'、'.join(failed)}）" if failed else "")
            + f"，{level}（{tier}）",
            failed_items=len(failed),
            level=str(level),
            care_tier=tier,
        )
        d.details["self_care_level"] = str(level)
        d.details["care_tier"] = tier
    d.tier = tier
    if d.eligible:
        care = care_table[tier] if tier is not None else ZERO
        d.members = [
            MemberAmount(
                index, person.name, {BASIC_PART: basic, CARE_PART: care}, str(application.support_mode)
            )
        ]
        d.add(
            "tekun.amount",
            None,
            f"基本生活标准 {basic} 元（{standards.tekun_basic_monthly(profile).source}）+ 照料护理 {care} 元"
            f" = {basic + care} 元/月",
            basic=basic,
            care=care,
            total=basic + care,
        )
    return d
