"""残疾人两项补贴 (国发〔2015〕52号; Yunnan 云政发〔2016〕5号): the living subsidy and the care subsidy.

* 困难残疾人生活补贴: certificate holders in a dibao family (profile switch: also 低保边缘).
* 重度残疾人护理补贴: grade 1–2 holders needing long-term care (profile switch: also grade 3–4
  intellectual/mental).
* Overlaps ([K] unless noted, each a profile switch): no living subsidy with the orphan allowance, for 特困
  people, or with the full 事实无人抚养 allowance ([C] S8); no care subsidy with the work-injury care
  allowance.
"""

from __future__ import annotations

import datetime

from .decision import ZERO, Decision, MemberAmount
from .dibao import assess_dibao
from .facts import MENTAL_OR_INTELLECTUAL, HouseholdFacts, MemberFacts, MemberSelection
from .params import PolicyProfile, Standards
from .vocabulary import BenefitKind, Scheme

LIVING_PART = "困难残疾人生活补贴"
CARE_PART = "重度残疾人护理补贴"


def household_low_income_status(
    household: HouseholdFacts, standards: Standards, profile: PolicyProfile, as_of: datetime.date, d: Decision
) -> str:
    """ "低保" (receiving), "测算符合低保" (eligible but not on it), "低保边缘" or "其他". The dibao test's
    parameters are reported in ``d``."""
    if household.currently_receiving_dibao:
        return "低保"
    dibao = assess_dibao(household, standards, profile, as_of)
    d.params_used.update(dibao.params_used)
    if dibao.eligible and dibao.category not in ("单人保", "渐退"):
        return "测算符合低保"
    if dibao.has_reason("dibao.edge_household"):
        return "低保边缘"
    return "其他"


def _living_subsidy(
    member: MemberFacts, status: str, standards: Standards, profile: PolicyProfile, d: Decision
) -> bool:
    code = "disability.living"
    name = member.name
    on_dibao = status == "低保" or member.benefit(BenefitKind.DIBAO) is not None
    if on_dibao:
        d.add(code, True, f"{name}持残疾人证，为低保家庭成员（云政发〔2016〕5号）", member=name)
    elif status == "低保边缘" and d.use(
        "living_subsidy_extends_to_edge", profile.living_subsidy_extends_to_edge
    ):
        d.add(code, True, f"{name}持残疾人证，为低保边缘家庭成员（本地扩面 [L]）", member=name)
    else:
        hint = "；家庭经济状况测算符合低保条件，请先申请低保" if status == "测算符合低保" else ""
        d.add(code, False, f"{name}所在家庭不是低保家庭（{status}）{hint}", member=name, status=status)
        return False
    if member.benefit(BenefitKind.ORPHAN) is not None and d.use(
        "no_living_subsidy_for_orphans", profile.no_living_subsidy_for_orphans
    ):
        return bool(
            d.add("disability.overlap", False, f"{name}享受孤儿基本生活费，不享受困难残疾人生活补贴 [K]")
        )
    if member.benefit(BenefitKind.TEKUN) is not None and d.use(
        "no_living_subsidy_for_tekun", profile.no_living_subsidy_for_tekun
    ):
        return bool(d.add("disability.overlap", False, f"{name}为特困人员，不享受困难残疾人生活补贴 [K]"))
    de_facto = member.benefit(BenefitKind.DE_FACTO_ORPHAN)
    full_rate = standards.de_facto_orphan_dispersed.value
    if (
        de_facto is not None
        and de_facto >= full_rate
        and d.use("no_living_subsidy_with_full_de_facto", profile.no_living_subsidy_with_full_de_facto)
    ):
        return bool(
            d.add(
                "disability.overlap",
                False,
                f"{name}全额领取事实无人抚养儿童基本生活补贴（{de_facto} 元），"
                "不再享受困难残疾人生活补贴（民发〔2019〕62号）",
            )
        )
    return True


def _care_subsidy(member: MemberFacts, profile: PolicyProfile, d: Decision) -> bool:
    code = "disability.care"
    name, grade = member.name, member.disability_grade
    extended = grade in (3, 4) and member.disability_category in MENTAL_OR_INTELLECTUAL
    if member.severe_disability:
        needs = member.needs_long_term_care
        if needs is None:
            needs = bool(d.use("care_assumed_when_unknown", profile.care_assumed_when_unknown))
            how = "未注明是否需要长期照护，按需要处理 [K]" if needs else "未注明是否需要长期照护"
        else:
            how = "需要长期照护" if needs else "不需要长期照护"
        if not needs:
            return bool(d.add(code, False, f"{name}残疾{grade}级，{how}", member=name))
        d.add(code, True, f"{name}残疾{grade}级（重度），{how}", member=name, grade=grade)
    elif extended and d.use(
        "care_subsidy_extends_to_non_severe_mental", profile.care_subsidy_extends_to_non_severe_mental
    ):
        d.add(
            code, True, f"{name}{member.disability_category}残疾{grade}级，本地护理补贴扩面 [K]", member=name
        )
    else:
        return bool(
            d.add(code, False, f"{name}残疾{grade}级，不属于一、二级重度残疾", member=name, grade=grade or "")
        )
    if member.receiving_work_injury_care and d.use(
        "no_care_subsidy_with_work_injury_care", profile.no_care_subsidy_with_work_injury_care
    ):
        return bool(d.add("disability.overlap", False, f"{name}享受工伤保险生活护理费，不享受护理补贴 [K]"))
    return True


def assess_disability_subsidies(
    household: HouseholdFacts,
    selection: MemberSelection,
    standards: Standards,
    profile: PolicyProfile,
    as_of: datetime.date,
) -> Decision:
    d = Decision(str(Scheme.DISABILITY_SUBSIDY))
    indexes = [selection.member] if selection.member is not None else list(range(len(household.members)))
    holders = [i for i in indexes if household.members[i].has_disability]
    if not holders:
        d.add("disability.certificate", False, "没有持残疾人证的成员")
        return d
    status = household_low_income_status(household, standards, profile, as_of, d)
    d.details["household_status"] = status
    d.add("disability.household_status", None, f"家庭经济状况：{status}", status=status)
    living_rate = d.use("disability_living", standards.disability_living)
    care_rates = d.use("disability_care", standards.disability_care)
    for index in holders:
        member = household.members[index]
        living = living_rate if _living_subsidy(member, status, standards, profile, d) else ZERO
        care = care_rates[str(member.disability_grade)] if _care_subsidy(member, profile, d) else ZERO
        if living or care:
            d.members.append(
                MemberAmount(
                    index,
                    member.name,
                    {LIVING_PART: living, CARE_PART: care},
                    f"{member.disability_category}残疾{member.disability_grade}级",
                )
            )
    d.eligible = bool(d.members)
    d.category = (
        "、".join(part for part in (LIVING_PART, CARE_PART) if any(m.parts[part] > 0 for m in d.members))
        or None
    )
    return d
