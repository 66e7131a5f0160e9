"""The income rule catalog: which income items count, per scheme, with the legal basis.

《最低生活保障审核确认办法》第十三条 (S1) counts wages, business, property and transfer income, and excludes
优待抚恤金, 计划生育奖励与扶助金, 奖学金, 见义勇为等奖励性补助, all social-assistance money, and during
十四五 (2021–2025) the 城乡居民基本养老保险基础养老金. 《特困人员认定办法》第六条 (S2) excludes the
基础养老金, 基本医疗保险等社会保险, 优待抚恤金 and 高龄津贴.

An item is classified by its name (exact alias first, then a keyword), else by its category. An explicit
``counted`` on the input overrides the catalog only where ``PolicyProfile.allow_income_counted_override``
is on.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .facts import IncomeItem
from .params import PolicyProfile
from .vocabulary import IncomeCategory

COUNTED = "counted"
EXCLUDED = "excluded"
BASIC_PENSION_PERIOD = "basic_pension_period"  # excluded only between the profile's two dates
ELDERLY_PROFILE = "elderly_profile"  # the profile decides (dibao)

DIBAO = "dibao"
TEKUN = "tekun"

S1_13 = "《最低生活保障审核确认办法》第十三条"
S2_6 = "《特困人员认定办法》第六条"


@dataclass(frozen=True)
class IncomeRule:
    code: str
    label: str
    exact: tuple[str, ...]
    keywords: tuple[str, ...]
    dibao: str
    tekun: str
    dibao_basis: str
    tekun_basis: str


CATALOG: tuple[IncomeRule, ...] = (
    IncomeRule(
        "income.excluded.preferential_pension",
        "优待抚恤金",
        ("优待抚恤金", "优抚金", "伤残抚恤金", "定期抚恤金", "优抚对象补助"),
        ("优待", "优抚"),
        EXCLUDED,
        EXCLUDED,
        f"{S1_13}：优待抚恤金不计入家庭收入 [C]",
        f"{S2_6}：优待抚恤金不计入 [C]",
    ),
    IncomeRule(
        "income.excluded.family_planning",
        "计划生育奖励与扶助金",
        ("计划生育奖励金", "计划生育扶助金", "独生子女父母奖励", "计划生育特别扶助金"),
        ("计划生育", "独生子女"),
        EXCLUDED,
        EXCLUDED,
        f"{S1_13}：计划生育奖励与扶助金不计入家庭收入 [C]",
        "特困：参照低保不计入（第六条未列明）[K]",
    ),
    IncomeRule(
        "income.excluded.scholarship",
        "奖学金",
        ("奖学金", "助学金", "国家奖学金", "国家助学金"),
        ("奖学金", "助学金"),
        EXCLUDED,
        EXCLUDED,
        f"{S1_13}：奖学金不计入家庭收入 [C]",
        "特困：参照低保不计入（第六条未列明）[K]",
    ),
    IncomeRule(
        "income.excluded.heroism_reward",
        "见义勇为等奖励性补助",
        ("见义勇为奖励", "见义勇为奖金"),
        ("见义勇为",),
        EXCLUDED,
        EXCLUDED,
        f"{S1_13}：见义勇为等奖励性补助不计入家庭收入 [C]",
        "特困：参照低保不计入（第六条未列明）[K]",
    ),
    IncomeRule(
        "income.excluded.social_assistance",
        "社会救助资金和物资",
        (
            "低保金",
            "最低生活保障金",
            "特困供养金",
            "特困人员救助供养金",
            "临时救助金",
            "孤儿基本生活费",
            "事实无人抚养儿童基本生活补贴",
            "医疗救助金",
            "教育救助金",
            "受灾人员救助金",
        ),
        ("救助", "低保金", "供养金", "孤儿基本生活费", "事实无人抚养"),
        EXCLUDED,
        EXCLUDED,
        f"{S1_13}：政府发放的各类社会救助款物不计入家庭收入 [C]",
        "特困：社会救助款物不计入 [K]",
    ),
    IncomeRule(
        "income.excluded.disability_subsidies",
        "残疾人两项补贴",
        ("困难残疾人生活补贴", "重度残疾人护理补贴", "残疾人两项补贴"),
        ("残疾人生活补贴", "残疾人护理补贴"),
        EXCLUDED,
        EXCLUDED,
        "残疾人两项补贴属福利性补贴，不计入家庭收入 [K]",
        "残疾人两项补贴属福利性补贴，不计入 [K]",
    ),
    IncomeRule(
        "income.basic_pension",
        "城乡居民基本养老保险基础养老金",
        ("城乡居民基本养老保险基础养老金", "基础养老金", "城乡居民养老保险基础养老金"),
        ("基础养老金",),
        BASIC_PENSION_PERIOD,
        EXCLUDED,
        f"{S1_13}：“十四五”期间中央确定的城乡居民基本养老保险基础养老金不计入 [C]",
        f"{S2_6}：城乡居民基本养老保险基础养老金不计入 [C]",
    ),
    IncomeRule(
        "income.elderly_allowance",
        "高龄津贴",
        ("高龄津贴", "高龄补贴", "高龄老人生活补贴"),
        ("高龄",),
        ELDERLY_PROFILE,
        EXCLUDED,
        "高龄津贴是否计入低保家庭收入由地方规定 [L/K]",
        f"{S2_6}：高龄津贴不计入 [C]",
    ),
    IncomeRule(
        "income.excluded.medical_insurance",
        "基本医疗保险报销",
        ("医疗保险报销", "基本医疗保险报销", "大病保险报销"),
        ("医保报销", "医疗保险"),
        EXCLUDED,
        EXCLUDED,
        "医疗保险报销款是医疗费用的补偿，不是收入 [K]",
        f"{S2_6}：基本医疗保险等社会保险不计入 [C]",
    ),
)


@dataclass(frozen=True)
class IncomeRuling:
    counted: bool
    rule_code: str
    basis: str
    note: str = ""


def find_rule(item_name: str) -> IncomeRule | None:
    name = item_name.strip()
    for rule in CATALOG:
        if name in rule.exact:
            return rule
    for rule in CATALOG:
        if any(keyword in name for keyword in rule.keywords):
            return rule
    return None


def _catalog_ruling(
    item: IncomeItem, scheme: str, as_of: datetime.date, profile: PolicyProfile
) -> IncomeRuling:
    rule = find_rule(item.item)
    if rule is None:
        if item.category == IncomeCategory.EXCLUDED:
            return IncomeRuling(
                True,
                "income.counted.unlisted_exclusion",
                f"“{item.item}”标为不计入收入，但规则目录中没有不计入的依据，按计入处理",
            )
        law = S1_13 if scheme == DIBAO else S2_6
        return IncomeRuling(True, "income.counted", f"{law}：{item.category}计入收入 [C]")
    treatment = rule.dibao if scheme == DIBAO else rule.tekun
    basis = rule.dibao_basis if scheme == DIBAO else rule.tekun_basis
    if treatment == EXCLUDED:
        return IncomeRuling(False, rule.code, basis)
    if treatment == BASIC_PENSION_PERIOD:
        start, end = profile.basic_pension_excluded_from.value, profile.basic_pension_excluded_until.value
        if start <= as_of <= end:
            return IncomeRuling(False, rule.code, f"{basis}（{start}至{end}）")
        return IncomeRuling(True, rule.code, f"{basis}；评估日 {as_of} 不在 {start}至{end} 内，计入")
    if treatment == ELDERLY_PROFILE:
        counted = profile.elderly_allowance_counted_for_dibao.value
        return IncomeRuling(counted, rule.code, f"{basis}；本地配置：{'计入' if counted else '不计入'}")
    return IncomeRuling(True, rule.code, basis)


def classify_income(
    item: IncomeItem, scheme: str, as_of: datetime.date, profile: PolicyProfile
) -> IncomeRuling:
    """Counted or not for ``scheme`` ("dibao" — also used for 低保边缘 and 临时救助 — or "tekun")."""
    ruling = _catalog_ruling(item, scheme, as_of, profile)
    if item.counted is None or item.counted == ruling.counted:
        return ruling
    wanted = "计入" if item.counted else "不计入"
    if profile.allow_income_counted_override.value:
        return IncomeRuling(
            item.counted, "income.override", f"按录入人员认定{wanted}（本地配置允许覆盖规则目录）"
        )
    return IncomeRuling(
        ruling.counted,
        ruling.rule_code,
        ruling.basis,
        note=f"录入的“{wanted}”未采用：本地配置不允许覆盖规则目录",
    )
