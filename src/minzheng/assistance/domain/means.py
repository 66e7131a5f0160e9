"""The means test shared by dibao, 低保边缘, 特困 and 支出型临时救助: who counts, what income counts, the
刚性支出 and employment-cost deductions, and the property tests. Each step writes its reasons into the
decision it is given (codes prefixed by the scheme: ``dibao.members``, ``tekun.assets.vehicle`` …)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from minzheng.common.money import yuan

from .decision import ZERO, Decision
from .facts import AssetItem, HouseholdFacts, IncomeItem
from .income_rules import DIBAO, classify_income
from .params import PolicyProfile
from .vocabulary import (
    EDUCATION_AT_OR_BELOW_BACHELOR,
    AssetKind,
    IncomeCategory,
    Relation,
    RigidKind,
)

FINANCIAL_KINDS = frozenset({AssetKind.DEPOSIT, AssetKind.SECURITIES, AssetKind.INSURANCE})


def member_label(household: HouseholdFacts, index: int | None) -> str:
    if index is None:
        return "家庭"
    return household.members[index].name


def count_members(
    household: HouseholdFacts, as_of: datetime.date, decision: Decision, prefix: str
) -> list[int]:
    """共同生活家庭成员 (S1 art. 7). Excluded members (with their reason) neither count nor bring income."""
    counted = household.counted_indexes
    for member in household.members:
        if not member.is_counted:
            decision.add(
                f"{prefix}.member_excluded",
                None,
                f"{member.name}不计入共同生活家庭成员：{member.exclusion_reason or '未共同生活'}"
                "（《最低生活保障审核确认办法》第七条），其收入、财产不计入",
                member=member.name,
                reason=member.exclusion_reason or "",
            )
        elif (
            member.relation == Relation.CHILD
            and member.age_on(as_of) >= 18
            and member.education in EDUCATION_AT_OR_BELOW_BACHELOR
        ):
            decision.add(
                f"{prefix}.member_in_education",
                None,
                f"{member.name}为在校接受{member.education}全日制教育的成年子女，计入共同生活家庭成员（第七条）",
                member=member.name,
            )
    names = "、".join(household.members[i].name for i in counted)
    decision.add(
        f"{prefix}.members",
        bool(counted),
        f"共同生活家庭成员 {len(counted)} 人：{names}" if counted else "没有共同生活家庭成员",
        persons=len(counted),
    )
    return counted


@dataclass(frozen=True)
class IncomeResult:
    gross: Decimal  # counted income before deductions
    deductions: Decimal
    by_member: dict[int | None, Decimal]  # counted income per member (None: the household's own items)

    @property
    def net(self) -> Decimal:
        return max(ZERO, self.gross - self.deductions)


def counted_income(
    household: HouseholdFacts,
    members: Iterable[int],
    as_of: datetime.date,
    profile: PolicyProfile,
    decision: Decision,
    prefix: str,
    *,
    scheme: str = DIBAO,
    include_household_items: bool = True,
    exempt_payers: frozenset[str] = frozenset(),
    quiet: bool = False,
    report_others: bool = True,
) -> IncomeResult:
    """Sum the counted monthly income of ``members`` under ``scheme``'s rules (one reason per item)."""
    member_set = set(members)
    by_member: dict[int | None, Decimal] = {}
    decision.use("income_lookback_months", profile.income_lookback_months)
    for item in household.incomes:
        who = member_label(household, item.member)
        amount = item.monthly_amount
        if item.member is not None and item.member not in member_set:
            if not quiet and report_others:
                decision.add(
                    f"{prefix}.income.member_not_counted",
                    None,
                    f"{who}的{item.item} {amount} 元/月不计入：该成员不在计算范围内",
                    member=who,
                    item=item.item,
                    amount=amount,
                )
            continue
        if item.member is None and not include_household_items:
            continue
        if item.payer and item.payer in exempt_payers:
            if not quiet:
                decision.add(
                    f"{prefix}.income.support_exempted",
                    None,
                    f"{who}的{item.item} {amount} 元/月由{item.payer}支付，按 S4 豁免不计入",
                    member=who,
                    item=item.item,
                    amount=amount,
                )
            decision.use(
                "exempt_support_from_siblings_or_elderly_carer",
                profile.exempt_support_from_siblings_or_elderly_carer,
            )
            continue
        ruling = classify_income(item, scheme, as_of, profile)
        if ruling.rule_code == "income.override":
            decision.use("allow_income_counted_override", profile.allow_income_counted_override)
        if ruling.counted:
            by_member[item.member] = by_member.get(item.member, ZERO) + amount
        if not quiet:
            decision.add(
                f"{prefix}.{ruling.rule_code}",
                None,
                f"{who}的{item.item}（{item.category}）{amount} 元/月："
                f"{'计入' if ruling.counted else '不计入'}。"
                f"{ruling.basis}" + (f"；{ruling.note}" if ruling.note else ""),
                member=who,
                item=item.item,
                amount=amount,
                counted=ruling.counted,
            )
    gross = sum(by_member.values(), ZERO)
    return IncomeResult(gross=gross, deductions=ZERO, by_member=by_member)


def employment_cost_deduction(
    household: HouseholdFacts, members: Iterable[int], profile: PolicyProfile, decision: Decision, prefix: str
) -> Decimal:
    """必要就业成本 (S1 art. 13): a fixed monthly amount per member with counted wages, up to those wages."""
    per_worker = decision.use("employment_cost_deduction", profile.employment_cost_deduction)
    if per_worker <= 0:
        return ZERO
    member_set = set(members)
    wages: dict[int, Decimal] = {}
    for item in household.incomes:
        if item.member in member_set and item.category == IncomeCategory.WAGES and item.member is not None:
            wages[item.member] = wages.get(item.member, ZERO) + item.monthly_amount
    total = ZERO
    for index, amount in wages.items():
        deducted = min(per_worker, amount)
        total += deducted
        decision.add(
            f"{prefix}.employment_cost_deduction",
            None,
            f"{household.members[index].name}有工资性收入，扣减必要就业成本 {deducted} 元/月",
            member=household.members[index].name,
            deducted=deducted,
        )
    return total


def rigid_deduction(
    household: HouseholdFacts, members: Iterable[int], profile: PolicyProfile, decision: Decision, prefix: str
) -> Decimal:
    """刚性支出扣减 (S1 art. 13 last paragraph): the kinds, conditions and caps are local ([L])."""
    if not household.rigid_expenditures:
        return ZERO
    if not decision.use("rigid_deduction_enabled", profile.rigid_deduction_enabled):
        decision.add(f"{prefix}.rigid_deduction", None, "本地未启用刚性支出扣减")
        return ZERO
    kinds = decision.use("rigid_deduction_kinds", profile.rigid_deduction_kinds)
    needs_condition = decision.use(
        "rigid_deduction_requires_condition", profile.rigid_deduction_requires_condition
    )
    cap_person = decision.use("rigid_deduction_cap_per_person", profile.rigid_deduction_cap_per_person)
    cap_household = decision.use("rigid_deduction_cap_household", profile.rigid_deduction_cap_household)
    member_set = set(members)
    per_member: dict[int | None, Decimal] = {}
    for expense in household.rigid_expenditures:
        who = member_label(household, expense.member)
        amount = expense.monthly_amount
        if expense.member is not None and expense.member not in member_set:
            decision.add(
                f"{prefix}.rigid_not_deducted",
                None,
                f"{who}的{expense.kind}支出 {amount} 元/月不扣减：该成员不在计算范围内",
                member=who,
                amount=amount,
            )
            continue
        if expense.kind not in kinds:
            decision.add(
                f"{prefix}.rigid_not_deducted",
                None,
                f"{who}的{expense.kind}支出 {amount} 元/月不扣减：本地可扣减类别为 {'、'.join(kinds)}",
                member=who,
                amount=amount,
            )
            continue
        if needs_condition and expense.kind in (RigidKind.MEDICAL, RigidKind.REHABILITATION):
            member = household.members[expense.member] if expense.member is not None else None
            if expense.kind == RigidKind.MEDICAL:
                ok = member is not None and (member.serious_illness or member.chronic_illness)
                condition = "本人患重特大疾病或慢性病"
            else:
                ok = member is not None and member.has_disability
                condition = "本人持有残疾人证"
            if not ok:
                decision.add(
                    f"{prefix}.rigid_not_deducted",
                    None,
                    f"{who}的{expense.kind}支出 {amount} 元/月不扣减："
                    f"须{condition}（因残疾、患重病增加的刚性支出）",
                    member=who,
                    amount=amount,
                )
                continue
        per_member[expense.member] = per_member.get(expense.member, ZERO) + amount
    total = ZERO
    for index, amount in per_member.items():
        allowed = amount if index is None else min(amount, cap_person)
        total += allowed
        decision.add(
            f"{prefix}.rigid_deduction_member",
            None,
            f"{member_label(household, index)}可扣减刚性支出 {amount} 元/月"
            + (
                f"，每人每月上限 {cap_person} 元，扣减 {allowed} 元"
                if index is not None
                else f"，扣减 {allowed} 元"
            ),
            member=member_label(household, index),
            expenditure=amount,
            deducted=allowed,
            cap_per_person=cap_person,
        )
    deducted = min(total, cap_household)
    if per_member:
        decision.add(
            f"{prefix}.rigid_deduction",
            None,
            f"刚性支出扣减合计 {deducted} 元/月（每户每月上限 {cap_household} 元）",
            total=total,
            deducted=deducted,
            cap_household=cap_household,
        )
    return deducted


def _described(asset: AssetItem) -> str:
    return f"（{asset.description}）" if asset.description else ""


def _asset_owned(asset: AssetItem, members: set[int], include_household_items: bool) -> bool:
    return asset.member in members if asset.member is not None else include_household_items


def asset_test(
    household: HouseholdFacts,
    members: Iterable[int],
    standard_monthly: Decimal,
    profile: PolicyProfile,
    decision: Decision,
    prefix: str,
    *,
    include_household_items: bool = True,
    quiet: bool = False,
) -> bool:
    """Property within the local limits (S1 art. 14; S9 art. 10): all limits are [L]/[K] profile values."""

    def add(code: str, passed: bool | None, message: str, **figures: object) -> None:
        if not quiet:
            decision.add(f"{prefix}.assets.{code}", passed, message, **figures)

    member_set = set(members)
    persons = max(len(member_set), 1)
    owned = [a for a in household.assets if _asset_owned(a, member_set, include_household_items)]
    ok = True
    for asset in owned:
        if asset.exempt:
            add(
                "exempt",
                None,
                f"{asset.kind}{_described(asset)} {asset.value} 元豁免：{asset.exempt_reason}",
                kind=asset.kind,
                value=asset.value,
            )
    counted = [a for a in owned if not a.exempt]

    months = decision.use("financial_assets_months_per_capita", profile.financial_assets_months_per_capita)
    financial = sum((a.value for a in counted if a.kind in FINANCIAL_KINDS), ZERO)
    limit = standard_monthly * months * persons
    financial_ok = financial <= limit
    add(
        "financial",
        financial_ok,
        f"存款、有价证券、商业保险合计 {financial} 元，人均 {yuan(financial / persons)} 元，"
        f"{'未超过' if financial_ok else '超过'}人均 {months} 个月低保标准（{standard_monthly * months} 元）",
        total=financial,
        persons=persons,
        limit_per_capita=standard_monthly * months,
        limit_total=limit,
    )
    ok &= financial_ok

    vehicle_limit = decision.use("vehicle_value_limit", profile.vehicle_value_limit)
    for asset in counted:
        if asset.kind == AssetKind.VEHICLE:
            vehicle_ok = asset.value < vehicle_limit
            add(
                "vehicle",
                vehicle_ok,
                f"非豁免机动车{_described(asset)}价值 {asset.value} 元，"
                f"{'低于' if vehicle_ok else '不低于'}限额 {vehicle_limit} 元",
                value=asset.value,
                limit=vehicle_limit,
            )
            ok &= vehicle_ok

    max_houses = decision.use("max_houses", profile.max_houses)
    houses = sum(1 for a in counted if a.kind == AssetKind.REAL_ESTATE)
    if houses:
        houses_ok = houses <= max_houses
        add(
            "real_estate",
            houses_ok,
            f"非豁免房产 {houses} 套，{'未超过' if houses_ok else '超过'} {max_houses} 套",
            houses=houses,
            limit=max_houses,
        )
        ok &= houses_ok

    if decision.use("business_share_disqualifies", profile.business_share_disqualifies):
        shares = [a for a in counted if a.kind == AssetKind.BUSINESS_SHARE]
        if shares:
            add(
                "business_share",
                False,
                f"持有企业股份（市场主体）{len(shares)} 项，不符合财产条件 [K]",
                items=len(shares),
            )
            ok = False
    if decision.use("legal_representative_disqualifies", profile.legal_representative_disqualifies):
        representatives = [a for a in owned if a.is_legal_representative]
        if representatives:
            add("legal_representative", False, "家庭成员担任企业法定代表人，不符合财产条件 [K]")
            ok = False
    others = [a for a in counted if a.kind in (AssetKind.TIMBER, AssetKind.OTHER)]
    for asset in others:
        add(
            "other",
            None,
            f"{asset.kind} {asset.value} 元：本地未设定限额，仅作记录",
            kind=asset.kind,
            value=asset.value,
        )
    add("result", ok, "家庭财产符合当地规定" if ok else "家庭财产不符合当地规定")
    return ok


def own_income_items(household: HouseholdFacts, index: int) -> list[IncomeItem]:
    return [item for item in household.incomes if item.member == index]
