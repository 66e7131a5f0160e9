"""临时救助 (S9 art. 47–50; S7 2018; S6 item 15): 急难型 and 支出型, amount and approval level.

* 急难型: an accident, sudden serious illness or other emergency; help first (先行救助), paperwork after.
* 支出型: per-capita income below the previous-year per-capita disposable income, property within the
  limits, and rigid spending above a local share of household income.
* Amount = k × the monthly dibao standard × persons (or per household), k by type and tier, capped. Approval:
  up to the township ceiling → 乡镇; up to the cap → 县级; a need above the cap → 一事一议. All values [L].
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from minzheng.common.money import yuan

from .decision import ZERO, Decision, MemberAmount
from .facts import HouseholdFacts, TemporaryApplication
from .means import asset_test, count_members, counted_income
from .params import PolicyProfile, Standards
from .vocabulary import Scheme, TemporaryType

AMOUNT_PART = "临时救助金"


def approval_level(months: Decimal, township_months: Decimal, cap_months: Decimal) -> str:
    """By the amount in months of the standard per person (the ceilings are set the same way)."""
    if months > cap_months:
        return "一事一议"
    if months <= township_months:
        return "乡镇"
    return "县级"


def _expenditure_test(
    household: HouseholdFacts,
    application: TemporaryApplication,
    members: list[int],
    standards: Standards,
    profile: PolicyProfile,
    as_of: datetime.date,
    d: Decision,
) -> bool:
    standard = d.use("dibao_standard_monthly", standards.dibao_monthly)
    income = counted_income(household, members, as_of, profile, d, "temporary")
    n = len(members)
    annual_per_capita = yuan(income.net * 12 / n)
    threshold = d.use("disposable_income_prev_year", standards.disposable_income_prev_year)
    income_ok = income.net * 12 < threshold * n
    d.add(
        "temporary.income_below_disposable",
        income_ok,
        f"家庭月收入 {income.net} 元，人均年收入 {annual_per_capita} 元，"
        f"{'低于' if income_ok else '不低于'}上年度人均可支配收入 {threshold} 元",
        annual_per_capita=annual_per_capita,
        threshold=threshold,
    )
    assets_ok = asset_test(household, members, standard, profile, d, "temporary")
    if application.expenditure_total is not None:
        spending = application.expenditure_total
        how = "申请前12个月刚性支出"
    else:
        spending = sum((e.monthly_amount for e in household.rigid_expenditures), ZERO) * 12
        how = "月刚性支出 × 12"
    annual_income = income.net * 12
    ratio_limit = d.use("temporary_rigid_ratio", profile.temporary_rigid_ratio)
    ratio_ok = spending > ratio_limit * annual_income and spending > 0
    ratio_text = str(yuan(spending / annual_income)) if annual_income > 0 else "无收入"
    d.add(
        "temporary.rigid_ratio",
        ratio_ok,
        f"{how} {spending} 元，家庭年收入 {annual_income} 元，支出收入比 {ratio_text}，"
        f"{'超过' if ratio_ok else '未超过'}本地比例 {ratio_limit}",
        spending=spending,
        annual_income=annual_income,
        ratio=ratio_text,
        limit=ratio_limit,
    )
    return income_ok and assets_ok and ratio_ok


def assess_temporary(
    household: HouseholdFacts,
    application: TemporaryApplication,
    standards: Standards,
    profile: PolicyProfile,
    as_of: datetime.date,
) -> Decision:
    d = Decision(str(Scheme.TEMPORARY), period="one_off")
    d.category = application.type
    d.tier = application.tier
    members = count_members(household, as_of, d, "temporary")
    if not members:
        return d
    standard = d.use("dibao_standard_monthly", standards.dibao_monthly)
    if application.type == TemporaryType.EMERGENCY:
        d.add(
            "temporary.emergency",
            True,
            f"急难型：{application.cause}。可先行救助，家庭经济状况核对、民主评议和公示可简化，事后补齐手续（民发〔2018〕23号）",
            cause=application.cause,
        )
        d.details["help_first"] = "是"
        eligible = True
    else:
        d.details["help_first"] = "否"
        eligible = _expenditure_test(household, application, members, standards, profile, as_of, d)
    d.eligible = eligible
    if not eligible:
        return d
    months = d.use("temporary_months", profile.temporary_months)[f"{application.type}/{application.tier}"]
    per_person = d.use("temporary_per_person", profile.temporary_per_person)
    cap_months = d.use("temporary_cap_months", profile.temporary_cap_months)
    township_months = d.use("temporary_township_ceiling_months", profile.temporary_township_ceiling_months)
    persons = len(members) if per_person else 1
    uncapped = yuan(months * standard * persons)
    cap = yuan(cap_months * standard * persons)
    township = yuan(township_months * standard * persons)
    amount = min(uncapped, cap)
    level = approval_level(months, township_months, cap_months)
    unit = f"× {persons} 人" if per_person else "（按户）"
    d.add(
        "temporary.amount",
        None,
        f"{application.type}{application.tier}：{months} 个月 × 低保月标准 {standard} 元 {unit}"
        f" = {uncapped} 元"
        + (f"，超过上限 {cap} 元，按上限计发，超出部分一事一议" if uncapped > cap else f"（上限 {cap} 元）"),
        months=months,
        standard=standard,
        persons=persons,
        uncapped=uncapped,
        cap=cap,
        amount=amount,
    )
    d.add(
        "temporary.approval_level",
        None,
        f"审批层级：{level}（乡镇审批额度 {township} 元，县级上限 {cap} 元）",
        level=level,
        township_ceiling=township,
        cap=cap,
    )
    d.details["approval_level"] = level
    d.members = [MemberAmount(None, "全户", {AMOUNT_PART: amount}, f"一次性，{level}审批")]
    return d
