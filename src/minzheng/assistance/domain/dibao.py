"""最低生活保障 (dibao): eligibility, 差额 / 分档 amount, 分类施保, 单人保, 渐退 and 低保边缘.

Rules (docs/policy-rules.md §1): a household is eligible when the counted income of its 共同生活家庭成员,
after the local deductions, is below the standard per person (compared exactly: total < standard × n),
and its property is within the local limits. The amount is the gap (S9 art. 12) with a local floor, or
the sum of the local tier amounts (Yunnan rural A/B/C). Members of special groups get the 分类施保 top-up.
A household that is not eligible may still be paid: during 渐退 after a member found work, or a member
alone (单人保, 成年无业重度残疾人参照单人户).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from minzheng.common.money import yuan

from .decision import ZERO, Decision, MemberAmount
from .facts import HouseholdFacts, MemberFacts, MissingFact
from .income_rules import DIBAO
from .means import (
    IncomeResult,
    asset_test,
    count_members,
    counted_income,
    employment_cost_deduction,
    rigid_deduction,
)
from .params import (
    SUPPLEMENT_AGE_60,
    SUPPLEMENT_AGE_70,
    SUPPLEMENT_MINOR,
    SUPPLEMENT_SERIOUS_ILLNESS,
    SUPPLEMENT_SEVERE_DISABILITY,
    PolicyProfile,
    Standards,
)
from .vocabulary import DibaoTier, Employment, LabourCapacity, PaymentMode, Scheme

PAYER_SIBLING = "兄弟姐妹"
PAYER_ELDERLY_CARER = "60周岁以上照料人"

BENEFIT_PART = "低保金"
SUPPLEMENT_PART = "分类施保"
GRADUAL_EXIT_PART = "渐退期低保金"


@dataclass(frozen=True)
class DibaoMeans:
    members: list[int]
    income: IncomeResult
    assets_ok: bool
    standard: Decimal  # monthly, per person

    @property
    def persons(self) -> int:
        return len(self.members)

    @property
    def per_capita(self) -> Decimal:
        return yuan(self.income.net / self.persons) if self.persons else ZERO

    @property
    def income_below_standard(self) -> bool:
        # Exact comparison (total < standard × n): the displayed per-capita figure is rounded to the cent.
        return self.persons > 0 and self.income.net < self.standard * self.persons

    def below(self, line: Decimal) -> bool:
        return self.persons > 0 and self.income.net < line * self.persons


def dibao_means(
    household: HouseholdFacts,
    standards: Standards,
    profile: PolicyProfile,
    as_of: datetime.date,
    decision: Decision,
    *,
    prefix: str = "dibao",
) -> DibaoMeans:
    """Members, counted income less the deductions, and the property test, with their reasons."""
    standard = decision.use("dibao_standard_monthly", standards.dibao_monthly)
    if standards.dibao_standard_period.value != "month":
        decision.use("dibao_standard", standards.dibao_standard)
    members = count_members(household, as_of, decision, prefix)
    months = decision.use("income_lookback_months", profile.income_lookback_months)
    decision.add(
        f"{prefix}.income_period", None, f"收入按申请前 {months} 个月的月平均计算（第十三条，期限由地方规定）"
    )
    income = counted_income(household, members, as_of, profile, decision, prefix, scheme=DIBAO)
    deductions = employment_cost_deduction(household, members, profile, decision, prefix)
    deductions += rigid_deduction(household, members, profile, decision, prefix)
    income = IncomeResult(income.gross, deductions, income.by_member)
    assets_ok = asset_test(household, members, standard, profile, decision, prefix) if members else False
    return DibaoMeans(members, income, assets_ok, standard)


def assess_dibao(
    household: HouseholdFacts, standards: Standards, profile: PolicyProfile, as_of: datetime.date
) -> Decision:
    decision = Decision(str(Scheme.DIBAO))
    means = dibao_means(household, standards, profile, as_of, decision)
    if not means.members:
        decision.category = "不符合"
        return decision
    standard, n, net = means.standard, means.persons, means.income.net
    edge_line = decision.use("edge_line_monthly", standards.edge_line_monthly(profile))
    decision.use("edge_multiple", profile.edge_multiple)
    income_ok = means.income_below_standard
    decision.add(
        "dibao.income_below_standard",
        income_ok,
        f"家庭月计算收入 {net} 元（计入收入 {means.income.gross} 元 − 扣减 {means.income.deductions} 元），"
        f"共同生活 {n} 人，人均 {means.per_capita} 元，"
        f"{'低于' if income_ok else '不低于'}低保标准 {standard} 元/人·月",
        gross_income=means.income.gross,
        deductions=means.income.deductions,
        net_income=net,
        persons=n,
        per_capita_income=means.per_capita,
        standard=standard,
    )
    decision.details.update(
        {
            "persons": str(n),
            "net_income": str(net),
            "per_capita_income": str(means.per_capita),
            "standard_monthly": str(standard),
            "edge_line_monthly": str(edge_line),
        }
    )
    _procedure_notes(household, means, profile, as_of, decision)
    if income_ok and means.assets_ok:
        decision.eligible = True
        decision.members = unit_amounts(
            household, means.members, means.income, standards, profile, as_of, decision
        )
        decision.category = f"低保（{standards.payment_mode.value}）"
        return decision
    if _gradual_exit(household, means, profile, decision):
        return decision
    edge = means.assets_ok and means.below(edge_line)
    if edge:
        decision.add(
            "dibao.edge_household",
            None,
            f"人均收入 {means.per_capita} 元低于低保边缘线 {edge_line} 元"
            f"（{profile.edge_multiple.value} 倍低保标准）"
            "且财产符合规定：认定为低保边缘家庭，纳入低收入人口动态监测",
            per_capita_income=means.per_capita,
            edge_line=edge_line,
        )
        decision.category = "低保边缘"
    else:
        decision.category = "不符合"
    covered = _single_person_coverage(household, means, standards, profile, as_of, decision, edge=edge)
    if covered:
        decision.eligible = True
        decision.members = covered
        decision.category = "单人保"
    return decision


# --- amounts ------------------------------------------------------------------------------------------------


def split_evenly(total: Decimal, parts: int) -> list[Decimal]:
    """Split an amount into ``parts`` shares that add up exactly; the first shares carry the odd cents."""
    cents = int(total * 100)
    share, remainder = divmod(cents, parts)
    return [yuan(Decimal(share + (1 if i < remainder else 0)).scaleb(-2)) for i in range(parts)]


def unit_amounts(
    household: HouseholdFacts,
    unit: list[int],
    income: IncomeResult,
    standards: Standards,
    profile: PolicyProfile,
    as_of: datetime.date,
    decision: Decision,
) -> list[MemberAmount]:
    """The monthly dibao of a unit (the household, or one person under 单人保): base amount + 分类施保."""
    standard = standards.dibao_monthly.value
    n = len(unit)
    mode = decision.use("payment_mode", standards.payment_mode)
    who = "、".join(household.members[i].name for i in unit)
    if mode == PaymentMode.GAP:
        floor = decision.use("floor_per_person", standards.floor_per_person)
        gap = standard * n - income.net
        base_total = max(floor * n, gap, ZERO)
        decision.add(
            "dibao.amount_gap",
            None,
            f"差额发放（{who}）：低保标准 {standard} × {n} 人 − 月计算收入 {income.net} = {gap} 元；"
            f"保底 {floor} × {n} = {floor * n} 元；取 {base_total} 元",
            standard=standard,
            persons=n,
            net_income=income.net,
            gap=gap,
            floor_total=floor * n,
            amount=base_total,
        )
        bases = split_evenly(base_total, n)
    else:
        tier = household_tier([household.members[i] for i in unit], income.gross, as_of, profile, decision)
        tiers = decision.use("tier_amounts", standards.tier_amounts)
        amount = tiers[tier]
        decision.tier = tier
        decision.add(
            "dibao.amount_tier",
            None,
            f"分档发放（{who}）：{tier} 档 {amount} 元/人·月 × {n} 人 = {amount * n} 元",
            tier=tier,
            tier_amount=amount,
            persons=n,
            amount=amount * n,
        )
        bases = [amount] * n
    amounts = []
    for index, base in zip(unit, bases, strict=True):
        member = household.members[index]
        supplement = classified_supplement(member, as_of, standard, profile, decision)
        amounts.append(MemberAmount(index, member.name, {BENEFIT_PART: base, SUPPLEMENT_PART: supplement}))
    return amounts


def _vulnerable(member: MemberFacts, as_of: datetime.date) -> bool:
    """老弱病残: ≥60, <16, ill, disabled or (partly) without labour capacity."""
    age = member.age_on(as_of)
    return (
        age >= 60
        or age < 16
        or member.serious_illness
        or member.chronic_illness
        or member.has_disability
        or member.labour_capacity != LabourCapacity.ABLE
    )


def household_tier(
    members: list[MemberFacts],
    gross_income: Decimal,
    as_of: datetime.date,
    profile: PolicyProfile,
    decision: Decision,
) -> str:
    """Yunnan rural 分档 (S13; definitions [K]): A 无劳动能力且无收入来源, B 以老弱病残为主, C 其余."""
    no_capacity = all(
        m.labour_capacity == LabourCapacity.NONE or m.age_on(as_of) < 16 or m.age_on(as_of) >= 60
        for m in members
    )
    vulnerable = sum(1 for m in members if _vulnerable(m, as_of))
    share = decision.use("tier_b_min_share", profile.tier_b_min_share)
    if no_capacity and gross_income == 0:
        tier, why = DibaoTier.A, "成员均无劳动能力且无收入来源"
    elif vulnerable >= share * len(members):
        tier, why = DibaoTier.B, f"老弱病残成员 {vulnerable}/{len(members)} 人，不低于 {share} 的比例"
    else:
        tier, why = DibaoTier.C, f"有劳动能力的成员为主（老弱病残 {vulnerable}/{len(members)} 人）"
    decision.add(
        "dibao.tier", None, f"分档认定为 {tier} 档：{why}（分档定义 [K]，待核云南细则）", tier=str(tier)
    )
    return str(tier)


def supplement_categories(member: MemberFacts, as_of: datetime.date) -> list[str]:
    age = member.age_on(as_of)
    categories = []
    if age >= 70:
        categories.append(SUPPLEMENT_AGE_70)
    elif age >= 60:
        categories.append(SUPPLEMENT_AGE_60)
    if age < 18:
        categories.append(SUPPLEMENT_MINOR)
    if member.severe_disability:
        categories.append(SUPPLEMENT_SEVERE_DISABILITY)
    if member.serious_illness:
        categories.append(SUPPLEMENT_SERIOUS_ILLNESS)
    return categories


def classified_supplement(
    member: MemberFacts, as_of: datetime.date, standard: Decimal, profile: PolicyProfile, decision: Decision
) -> Decimal:
    """分类施保 (S1 art. 27): a % of the standard per category; the highest only, or stacked ([L])."""
    categories = supplement_categories(member, as_of)
    if not categories:
        return ZERO
    table = decision.use("classified_supplements", profile.classified_supplements)
    mode = decision.use("classified_supplement_mode", profile.classified_supplement_mode)
    shares = {c: table[c] for c in categories if table.get(c, ZERO) > 0}
    if not shares:
        return ZERO
    if mode == "stack":
        share = sum(shares.values(), Decimal(0))
        how = " + ".join(f"{c} {s}" for c, s in shares.items())
    else:
        best = max(shares, key=lambda c: shares[c])
        share = shares[best]
        how = f"{best} {share}（{'、'.join(shares)} 取最高）" if len(shares) > 1 else f"{best} {share}"
    amount = yuan(standard * share)
    decision.add(
        "dibao.classified_supplement",
        None,
        f"{member.name}分类施保：{how} × 低保标准 {standard} = {amount} 元/月",
        member=member.name,
        categories="、".join(shares),
        share=share,
        amount=amount,
    )
    return amount


# --- 渐退, 单人保 ---------------------------------------------------------------------------------------


def _gradual_exit(
    household: HouseholdFacts, means: DibaoMeans, profile: PolicyProfile, decision: Decision
) -> bool:
    """渐退 (S1 art. 33; S4 ≤ 6 months): keep paying after income rose above the line through work."""
    if not household.currently_receiving_dibao:
        return False
    if not means.assets_ok:
        decision.add("dibao.gradual_exit", False, "家庭财产不符合规定，不适用渐退期，停发低保金")
        return False
    months = decision.use("gradual_exit_months", profile.gradual_exit_months)
    causes = decision.use("gradual_exit_causes", profile.gradual_exit_causes)
    cause = household.income_rise_cause
    if cause not in causes:
        decision.add(
            "dibao.gradual_exit",
            False,
            f"收入增加原因为“{cause or '未注明'}”，不是{'、'.join(causes)}，不给予渐退期，停发低保金",
            cause=cause or "",
        )
        return False
    month = household.months_already_in_gradual_exit + 1
    if month > months:
        decision.add(
            "dibao.gradual_exit",
            False,
            f"已享受渐退期 {household.months_already_in_gradual_exit} 个月，"
            f"渐退期 {months} 个月已满，停发低保金",
            months_done=household.months_already_in_gradual_exit,
            months=months,
        )
        return False
    previous = household.previous_monthly_amount
    if previous is None:
        raise MissingFact(
            "渐退期计算需要原月低保金（household.previous_monthly_amount）",
            field="household.previous_monthly_amount",
        )
    schedule = decision.use("gradual_exit_schedule", profile.gradual_exit_schedule)
    share = schedule[min(month, len(schedule)) - 1]
    amount = yuan(previous * share)
    decision.add(
        "dibao.gradual_exit",
        True,
        f"家庭成员就业后人均收入 {means.per_capita} 元不低于低保标准 {means.standard} 元，给予渐退期："
        f"第 {month} 个月（共 {months} 个月），按原低保金 {previous} 元 × {share} = {amount} 元发放",
        month=month,
        months=months,
        previous_amount=previous,
        share=share,
        amount=amount,
    )
    decision.eligible = True
    decision.category = "渐退"
    decision.details["gradual_exit_month"] = f"{month}/{months}"
    decision.members = [
        MemberAmount(None, "全户", {GRADUAL_EXIT_PART: amount}, note=f"渐退期第{month}个月（共{months}个月）")
    ]
    return True


def _single_person_coverage(
    household: HouseholdFacts,
    means: DibaoMeans,
    standards: Standards,
    profile: PolicyProfile,
    as_of: datetime.date,
    decision: Decision,
    *,
    edge: bool,
) -> list[MemberAmount]:
    """单人保 (S1 art. 8; S4; S5): a seriously disabled or ill member of a 低保边缘 family, or an adult
    unemployed severely disabled person, is covered alone, as a one-person unit."""
    requires_edge = decision.use(
        "adult_severe_disability_requires_edge", profile.adult_severe_disability_requires_edge
    )
    covered: list[MemberAmount] = []
    for index in means.members:
        member = household.members[index]
        if edge and (member.single_coverage_disability or member.serious_illness):
            route = (
                "低保边缘家庭中的"
                + ("重病患者" if member.serious_illness else "重度残疾人")
                + "单独纳入（第八条）"
            )
            exempt: frozenset[str] = frozenset()
        elif (
            member.age_on(as_of) >= 18
            and member.unemployed
            and member.severe_disability
            and means.assets_ok
            and (edge or not requires_edge)
        ):
            route = "成年无业重度残疾人参照单人户（S4）"
            exempt_on = decision.use(
                "exempt_support_from_siblings_or_elderly_carer",
                profile.exempt_support_from_siblings_or_elderly_carer,
            )
            exempt = frozenset({PAYER_SIBLING, PAYER_ELDERLY_CARER}) if exempt_on else frozenset()
        else:
            continue
        own = counted_income(
            household,
            [index],
            as_of,
            profile,
            decision,
            "dibao.single",
            include_household_items=False,
            exempt_payers=exempt,
            report_others=False,
        )
        standard = means.standard
        own_ok = own.net < standard
        decision.add(
            "dibao.single_person",
            own_ok,
            f"{member.name}：{route}；本人月计算收入 {own.net} 元，"
            f"{'低于' if own_ok else '不低于'}低保标准 {standard} 元",
            member=member.name,
            own_income=own.net,
            standard=standard,
        )
        if not own_ok:
            continue
        mode = decision.use("single_person_amount_mode", profile.single_person_amount_mode)
        if mode == "share_of_standard":
            share = decision.use("single_person_share", profile.single_person_share)
            base = yuan(standard * share)
            decision.add(
                "dibao.single_person_amount",
                None,
                f"{member.name}单人保按低保标准 {standard} × {share} = {base} 元发放",
                amount=base,
            )
            supplement = classified_supplement(member, as_of, standard, profile, decision)
            covered.append(
                MemberAmount(index, member.name, {BENEFIT_PART: base, SUPPLEMENT_PART: supplement}, route)
            )
        else:
            for amount in unit_amounts(household, [index], own, standards, profile, as_of, decision):
                covered.append(MemberAmount(amount.member, amount.name, amount.parts, route))
    return covered


def _procedure_notes(
    household: HouseholdFacts,
    means: DibaoMeans,
    profile: PolicyProfile,
    as_of: datetime.date,
    decision: Decision,
) -> None:
    """Review period (S1 art. 31) and whether 民主评议 is a step (Zhaotong, §9): informational."""
    unstable = any(
        household.members[i].labour_capacity == LabourCapacity.ABLE
        and household.members[i].employment in (Employment.MIGRANT_WORK, Employment.FLEXIBLE)
        for i in means.members
    )
    if unstable:
        months = decision.use("review_months_unstable", profile.review_months_unstable)
        why = "收入来源不固定、有劳动能力"
    else:
        months = decision.use("review_months_stable", profile.review_months_stable)
        why = "收入状况短期内变化不大"
    decision.details["review_months"] = str(months)
    decision.add("dibao.review_period", None, f"{why}：每 {months} 个月复核一次（第三十一条）", months=months)
    if decision.use("democratic_appraisal_step", profile.democratic_appraisal_step):
        decision.add(
            "dibao.procedure",
            None,
            "本地审核流程含民主评议环节（昭通救助系统）；全国规则仅在公示有异议时评议",
        )
    else:
        decision.add("dibao.procedure", None, "民主评议仅在公示有异议时进行（第十九条）")
