"""孤儿, 事实无人抚养儿童 and 艾滋病病毒感染儿童: who qualifies, the rate, and 补差 (S8; 云民发〔2021〕51号).

* 孤儿: under 18, both parents dead (宣告死亡), declared missing (宣告失踪) or untraceable (查找不到生父母).
* 事实无人抚养儿童: under 18, not an orphan, and either both parents are in one of the listed situations,
  or one parent is dead/missing and the other is in one of them. Situations: 重残 (grade 1–2 of any kind,
  or grade 3–4 intellectual/mental), 重病 (locally defined), 服刑在押 / 强制隔离戒毒 / 其他限制人身自由
  (≥ 6 months), 失联 (≥ 6 months); Yunnan adds 被撤销监护资格 and 被遣送（驱逐）出境.
* The rate follows the local orphan standard: 机构养育 (higher) or 散居. A child who already receives
  dibao, 特困 or the disability living subsidy below the rate is paid the difference (补差).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from .decision import ZERO, Decision, MemberAmount
from .facts import MENTAL_OR_INTELLECTUAL, ChildApplication, HouseholdFacts, MemberFacts, ParentSituation
from .params import Param, PolicyProfile, Standards
from .vocabulary import BenefitKind, ChildCare, ParentStatus, Scheme

ORPHAN = "孤儿"
DE_FACTO = "事实无人抚养儿童"
HIV_AFFECTED = "艾滋病病毒感染儿童"

GONE = frozenset({ParentStatus.DEAD, ParentStatus.MISSING, ParentStatus.UNTRACEABLE})
CUSTODY = frozenset({ParentStatus.IN_PRISON, ParentStatus.DRUG_REHAB, ParentStatus.OTHER_DETENTION})
YUNNAN_EXTRA = frozenset({ParentStatus.GUARDIANSHIP_REVOKED, ParentStatus.DEPORTED})
TOP_UP_BENEFITS = {
    BenefitKind.DIBAO: "低保金",
    BenefitKind.TEKUN: "特困供养金",
    BenefitKind.DISABILITY_LIVING: "困难残疾人生活补贴",
}

BENEFIT_PART = "基本生活费"


def _parent(member: MemberFacts, which: str) -> ParentSituation:
    parent = member.father if which == "父亲" else member.mother
    return parent if parent is not None else ParentSituation()


def _situation_qualifies(parent: ParentSituation, who: str, profile: PolicyProfile, d: Decision) -> bool:
    """Whether a parent's situation is one of the 事实无人抚养 situations (with its reason)."""
    status = parent.status
    code = "children.parent_situation"
    if status == ParentStatus.SEVERE_DISABILITY:
        grade, category = parent.disability_grade, parent.disability_category
        ok = grade in (1, 2) or (grade in (3, 4) and category in MENTAL_OR_INTELLECTUAL)
        return bool(
            d.add(
                code,
                ok,
                f"{who}重残：{category or '类别未注明'}残疾{grade or '?'}级"
                + ("，属于重残（一二级或三四级智力、精神残疾）" if ok else "，不属于重残"),
                parent=who,
                status=status,
            )
        )
    if status == ParentStatus.SERIOUS_ILLNESS:
        return bool(d.add(code, True, f"{who}重病（按当地重病认定）", parent=who, status=status))
    if status in CUSTODY:
        months = d.use("custody_months", profile.custody_months)
        ok = (parent.months or 0) >= months
        return bool(
            d.add(
                code,
                ok,
                f"{who}{status}，期限 {parent.months if parent.months is not None else '未注明'} 个月，"
                f"{'达到' if ok else '未达到'} {months} 个月",
                parent=who,
                status=status,
                months=parent.months if parent.months is not None else "",
            )
        )
    if status == ParentStatus.LOST_CONTACT:
        months = d.use("lost_contact_months", profile.lost_contact_months)
        ok = (parent.months or 0) >= months
        return bool(
            d.add(
                code,
                ok,
                f"{who}失联 {parent.months if parent.months is not None else '未注明'} 个月，"
                f"{'达到' if ok else '未达到'} {months} 个月",
                parent=who,
                status=status,
                months=parent.months if parent.months is not None else "",
            )
        )
    if status in YUNNAN_EXTRA:
        ok = bool(d.use("yunnan_extra_situations", profile.yunnan_extra_situations))
        return bool(
            d.add(
                code,
                ok,
                f"{who}{status}" + ("（云民发〔2021〕51号）" if ok else "（本地未列入）"),
                parent=who,
                status=status,
            )
        )
    return bool(d.add(code, False, f"{who}：{status}", parent=who, status=status))


def classify_child(
    member: MemberFacts, as_of: datetime.date, profile: PolicyProfile, d: Decision
) -> str | None:
    """孤儿, 事实无人抚养儿童, 艾滋病病毒感染儿童 or None (reasons in ``d``); checks the age limit too."""
    limit = d.use("child_age_limit", profile.child_age_limit)
    age = member.age_on(as_of)
    if age >= limit:
        d.add("children.age", False, f"{member.name} {age} 周岁，已满 {limit} 周岁", age=age)
        return None
    d.add("children.age", True, f"{member.name} {age} 周岁，未满 {limit} 周岁", age=age)
    father, mother = _parent(member, "父亲"), _parent(member, "母亲")
    if father.status in GONE and mother.status in GONE:
        d.add(
            "children.orphan", True, f"父亲{father.status}、母亲{mother.status}：孤儿（国办发〔2010〕54号）"
        )
        return ORPHAN
    father_ok = father.status in GONE or _situation_qualifies(father, "父亲", profile, d)
    mother_ok = mother.status in GONE or _situation_qualifies(mother, "母亲", profile, d)
    if father_ok and mother_ok:
        d.add(
            "children.de_facto",
            True,
            f"父亲{father.status}、母亲{mother.status}：事实无人抚养儿童（民发〔2019〕62号）",
        )
        return DE_FACTO
    d.add(
        "children.de_facto", False, f"父亲{father.status}、母亲{mother.status}：不属于孤儿或事实无人抚养儿童"
    )
    if member.hiv_affected:
        d.add("children.hiv", True, f"{member.name}为艾滋病病毒感染儿童，参照散居孤儿标准保障 [C2 保山]")
        return HIV_AFFECTED
    return None


def child_rate(category: str, care: str, standards: Standards, d: Decision) -> Param[Decimal]:
    if care == ChildCare.INSTITUTIONAL:
        return standards.orphan_institutional
    if category == DE_FACTO:
        d.use("orphan_dispersed", standards.orphan_dispersed)
        return standards.de_facto_orphan_dispersed
    return standards.orphan_dispersed


def assess_child(
    scheme: Scheme,
    household: HouseholdFacts,
    application: ChildApplication,
    standards: Standards,
    profile: PolicyProfile,
    as_of: datetime.date,
) -> Decision:
    """Scheme ``orphan`` (孤儿 and 艾滋病病毒感染儿童) or ``de_facto_orphan`` (事实无人抚养儿童)."""
    d = Decision(str(scheme))
    index = application.member
    child = household.members[index]
    category = classify_child(child, as_of, profile, d)
    accepted = {ORPHAN, HIV_AFFECTED} if scheme == Scheme.ORPHAN else {DE_FACTO}
    if category not in accepted:
        if category is not None:
            other = "de_facto_orphan（事实无人抚养儿童）" if category == DE_FACTO else "orphan（孤儿）"
            d.add(
                "children.scheme", False, f"{child.name}属于{category}，应按 {other} 申请", category=category
            )
        d.category = category
        return d
    d.eligible = True
    d.category = category
    d.details["care"] = str(application.care)
    rate_param = child_rate(category, application.care, standards, d)
    rate = d.use("child_rate", rate_param)
    d.add("children.rate", None, f"{category}（{application.care}）基本生活费标准 {rate} 元/月", rate=rate)

    received = {k: child.benefit(k) for k in TOP_UP_BENEFITS}
    received_total = sum((v for v in received.values() if v is not None), ZERO)
    applies = category == DE_FACTO or d.use(
        "child_top_up_applies_to_orphans", profile.child_top_up_applies_to_orphans
    )
    amount = rate
    if received_total > 0 and applies:
        amount = max(ZERO, rate - received_total)
        listed = "、".join(f"{TOP_UP_BENEFITS[k]} {v} 元" for k, v in received.items() if v is not None)
        d.add(
            "children.top_up",
            None,
            f"已领取 {listed}，合计 {received_total} 元/月"
            + (
                f"，低于标准 {rate} 元：补差 {rate} − {received_total} = {amount} 元"
                if amount > 0
                else f"，不低于标准 {rate} 元：不再补差"
            ),
            received=received_total,
            rate=rate,
            amount=amount,
        )
    elif received_total > 0:
        d.add(
            "children.top_up",
            None,
            f"已领取其他救助 {received_total} 元/月；本地配置孤儿不补差，全额发放",
            received=received_total,
        )
    else:
        d.add("children.full", None, f"未领取低保、特困或困难残疾人生活补贴：全额发放 {rate} 元", rate=rate)
    d.members = [MemberAmount(index, child.name, {BENEFIT_PART: amount}, category)]
    return d
