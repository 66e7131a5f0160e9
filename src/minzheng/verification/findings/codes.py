"""The finding codes of 线上数据比对, each with its Chinese label and the side of the line it looks from.

They live apart from the models so that the SQL builders (pure, no ORM) can use them: ``TextChoices`` are
plain enums.

Two sides (policy-rules §1.7 信息核对 and §4.2 "大数据比对"):

* **recipient side** (在保对象疑似不再符合条件): people who hold a live dibao/特困 entitlement (or live in a
  dibao household) while a department reports a death, assets or income over the limits;
* **coverage side** (未纳入对象疑似符合条件): people who hold none, while a department reports a hardship
  that may make them eligible (应保尽保).
"""

from __future__ import annotations

from django.db import models


class FindingCode(models.TextChoices):
    # recipient side
    DEATH = (
        "death",
        "在保对象死亡",
    )  # 公安/卫健/殡葬 report the death of a recipient (S4: re-check ≤ 3 months)
    VEHICLE = "vehicle", "名下车辆超过限额"  # a non-exempt vehicle worth more than the limit
    REAL_ESTATE = "real_estate", "房产超过规定套数"  # the household owns more houses than allowed
    BUSINESS = "business", "经营存续市场主体"  # legal representative or shareholder of a live entity
    PENSION_INCOME = "pension_income", "养老金收入超过低保标准"  # counted pensions above the standard
    WAGE_INCOME = "wage_income", "工资收入超过低保标准"  # social-insurance contribution base above it
    TAX_INCOME = "tax_income", "个税申报收入超过低保标准"  # annual declared income / 12 above it
    HOUSING_FUND = "housing_fund", "缴存住房公积金"  # formal employment: deposits in the period
    DEPOSITS = "deposits", "存款超过限额"  # household deposits above N months' standard × persons
    MEMBER_COVERED_ELSEWHERE = (
        "member_covered_elsewhere",
        "成员在其他家庭户在保",
    )  # an entitlement under a household the person no longer belongs to
    # coverage side
    SEVERE_DISABILITY_UNCOVERED = (
        "severe_disability_uncovered",
        "重度残疾人未纳入救助",
    )  # grade 1–2, household below the 低保边缘 line, not on dibao/特困
    MEDICAL_COSTS = "medical_costs", "大额医疗自付未纳入救助"  # out-of-pocket over the threshold
    UNEMPLOYED = "unemployed", "登记失业人员家庭困难"  # registered unemployed in a household below the line
    POOR_STUDENT = "poor_student", "家庭经济困难学生未纳入救助"  # 教育 recognised the student as poor
    FANPIN_UNCOVERED = "fanpin_uncovered", "防返贫监测对象未纳入救助"  # 乡村振兴 monitors the household
    ELDERLY_ALONE_NO_INCOME = (
        "elderly_alone_no_income",
        "独居老人无收入来源",
    )  # 60+, lives alone, no income: a 特困 candidate


RECIPIENT_CODES: tuple[FindingCode, ...] = (
    FindingCode.DEATH,
    FindingCode.VEHICLE,
    FindingCode.REAL_ESTATE,
    FindingCode.BUSINESS,
    FindingCode.PENSION_INCOME,
    FindingCode.WAGE_INCOME,
    FindingCode.TAX_INCOME,
    FindingCode.HOUSING_FUND,
    FindingCode.DEPOSITS,
    FindingCode.MEMBER_COVERED_ELSEWHERE,
)
COVERAGE_CODES: tuple[FindingCode, ...] = (
    FindingCode.SEVERE_DISABILITY_UNCOVERED,
    FindingCode.MEDICAL_COSTS,
    FindingCode.UNEMPLOYED,
    FindingCode.POOR_STUDENT,
    FindingCode.FANPIN_UNCOVERED,
    FindingCode.ELDERLY_ALONE_NO_INCOME,
)


class Side(models.TextChoices):
    RECIPIENT = "recipient", "在保对象疑似不再符合条件"  # route: 核实, then 复核/暂停/终止
    COVERAGE = "coverage", "未纳入对象疑似符合条件"  # route: 核实, then 发起救助申请


def side_of(code: str) -> Side:
    return Side.RECIPIENT if code in RECIPIENT_CODES else Side.COVERAGE


# The source table each finding reads ("registry": the registry snapshot alone, no departmental source).
SOURCE_OF: dict[FindingCode, str] = {
    FindingCode.DEATH: "deaths",
    FindingCode.VEHICLE: "vehicles",
    FindingCode.REAL_ESTATE: "real_estate",
    FindingCode.BUSINESS: "businesses",
    FindingCode.PENSION_INCOME: "pensions",
    FindingCode.WAGE_INCOME: "pensions",
    FindingCode.TAX_INCOME: "tax",
    FindingCode.HOUSING_FUND: "housing_fund",
    FindingCode.DEPOSITS: "deposits",
    FindingCode.MEMBER_COVERED_ELSEWHERE: "registry",
    FindingCode.SEVERE_DISABILITY_UNCOVERED: "disability",
    FindingCode.MEDICAL_COSTS: "medical",
    FindingCode.UNEMPLOYED: "unemployment",
    FindingCode.POOR_STUDENT: "students",
    FindingCode.FANPIN_UNCOVERED: "fanpin",
    FindingCode.ELDERLY_ALONE_NO_INCOME: "registry",
}

SOURCE_LABELS: dict[str, str] = {
    "deaths": "死亡（公安/卫健/殡葬）",
    "vehicles": "车管",
    "real_estate": "不动产",
    "businesses": "市场监管",
    "pensions": "人社",
    "tax": "税务",
    "housing_fund": "公积金",
    "deposits": "银行",
    "disability": "残联",
    "medical": "医保",
    "unemployment": "人社（失业登记）",
    "students": "教育",
    "fanpin": "乡村振兴",
    "registry": "民政（救助对象库）",
}
