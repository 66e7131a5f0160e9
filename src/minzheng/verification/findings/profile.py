"""The thresholds of the finding rules, each with its source and confidence (policy-rules tags).

``[C]`` confirmed in the policy text, ``[K]`` best knowledge to verify, ``[L]`` a local parameter the
bureau sets (the value here is a labelled placeholder until it does). ``FindingsProfile.from_policy``
takes the values the assistance profile already holds (vehicle limit, houses, deposit months, 低保边缘
multiple, 特困 age) so that one edit of the bureau's profile moves both the means test and the data check.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import Any

from minzheng.assistance.domain.params import Confidence, Param, PolicyProfile

C = Confidence.CONFIRMED
K = Confidence.K
PH = Confidence.PLACEHOLDER


def _param(value: Any, confidence: Confidence, source: str, unit: str = "", *, local: bool = True) -> Any:
    return Param(value, source, confidence, unit, local)


@dataclass(frozen=True)
class FindingsProfile:
    """Every threshold of ``rules.py``. Build with ``FindingsProfile()`` (the defaults below) or
    ``FindingsProfile.from_policy(resolve_profile(...))``; override values with ``with_values``."""

    # --- linkage --------------------------------------------------------------------------------------------
    min_match_probability: Param[Decimal] = field(
        default_factory=lambda: _param(
            Decimal("0.90"),
            PH,
            "模糊匹配（姓名+出生日期+区划）的最低匹配概率：低于此值的链接不产生比对发现，占位 [L]",
        )
    )
    # --- recipient side -------------------------------------------------------------------------------------
    vehicle_value_limit: Param[Decimal] = field(
        default_factory=lambda: _param(
            Decimal("20000"), PH, "非豁免机动车价值超过此限额的不符合条件，占位 [L]", "元"
        )
    )
    vehicle_exempt_types: Param[tuple[str, ...]] = field(
        default_factory=lambda: _param(
            ("残疾人机动轮椅车",), K, "残疾人机动轮椅车等维持生活必需的车辆豁免 [K]"
        )
    )
    max_houses: Param[int] = field(
        default_factory=lambda: _param(1, K, "拥有2套及以上房产的不符合条件 [K]", "套")
    )
    business_roles: Param[tuple[str, ...]] = field(
        default_factory=lambda: _param(
            ("法定代表人", "股东"), K, "担任存续企业法定代表人或持有其股份的不符合条件 [K]"
        )
    )
    business_live_statuses: Param[tuple[str, ...]] = field(
        default_factory=lambda: _param(("存续",), K, "只看存续的市场主体：注销、吊销的不产生比对发现 [K]")
    )
    counted_pension_kinds: Param[tuple[str, ...]] = field(
        default_factory=lambda: _param(
            ("城镇职工基本养老金", "机关事业单位养老金"),
            C,
            "审核确认办法第十三条：养老金计入转移净收入；“十四五”期间城乡居民基础养老金不计入",
            local=False,
        )
    )
    wage_kinds: Param[tuple[str, ...]] = field(
        default_factory=lambda: _param(("工资（社保缴费基数）",), K, "社保缴费基数视为工资性收入的下限 [K]")
    )
    income_multiple: Param[Decimal] = field(
        default_factory=lambda: _param(
            Decimal("1"),
            K,
            "个人月收入（养老金、工资、个税年收入÷12）超过家庭低保标准（元/人·月）的此倍数时提示核实 [K]",
            "倍",
        )
    )
    tax_recent_years: Param[int] = field(
        default_factory=lambda: _param(2, PH, "个税：只看最近 N 个纳税年度（含当年），占位 N=2 [L]", "年")
    )
    housing_fund_min_deposit: Param[Decimal] = field(
        default_factory=lambda: _param(
            Decimal("0"), K, "公积金：有缴存（月缴存额大于此值）即提示核实正规就业收入 [K]", "元/月"
        )
    )
    deposit_months: Param[int] = field(
        default_factory=lambda: _param(
            24, PH, "存款人均不超过 N 个月低保标准：家庭存款 > N × 标准 × 人数时提示，占位 N=24 [L]", "月"
        )
    )
    # --- coverage side --------------------------------------------------------------------------------------
    edge_multiple: Param[Decimal] = field(
        default_factory=lambda: _param(
            Decimal("1.5"),
            C,
            "低收入人口意见：低保边缘 = 人均收入低于低保标准1.5倍；未纳入对象以此线筛选",
            "倍",
            local=False,
        )
    )
    severe_disability_max_grade: Param[int] = field(
        default_factory=lambda: _param(2, C, "一、二级为重度残疾（残疾人证等级）", "级", local=False)
    )
    medical_out_of_pocket: Param[Decimal] = field(
        default_factory=lambda: _param(
            Decimal("5000"), PH, "医保个人自付累计超过此金额视为大额医疗支出，占位 [L]", "元"
        )
    )
    medical_lookback_months: Param[int] = field(
        default_factory=lambda: _param(
            12, C, "刚性支出困难家庭认定办法：按申请前12个月计算", "月", local=False
        )
    )
    student_difficulties: Param[tuple[str, ...]] = field(
        default_factory=lambda: _param(
            ("特别困难", "困难", "一般困难"), K, "教育部门认定的家庭经济困难学生（全部档次）[K]"
        )
    )
    elderly_age: Param[int] = field(
        default_factory=lambda: _param(60, C, "特困人员认定办法第五条：年满60周岁", "周岁", local=False)
    )
    elderly_max_monthly_income: Param[Decimal] = field(
        default_factory=lambda: _param(
            Decimal("0"), K, "独居老人家庭月收入不超过此值视为无收入来源 [K]", "元/月"
        )
    )
    # --- field visits ---------------------------------------------------------------------------------------
    visit_deadline_workdays: Param[int] = field(
        default_factory=lambda: _param(
            10, PH, "线下走访排查时限：比对发现生成后 N 个工作日内入户核实，占位 N=10 [L]", "个工作日"
        )
    )

    @classmethod
    def from_policy(cls, policy: PolicyProfile) -> FindingsProfile:
        """The defaults, with the values the assistance profile already holds taken from it."""
        return cls(
            vehicle_value_limit=policy.vehicle_value_limit,
            max_houses=policy.max_houses,
            deposit_months=policy.financial_assets_months_per_capita,
            edge_multiple=policy.edge_multiple,
            elderly_age=policy.tekun_old_age,
        )

    def with_values(self, **values: Any) -> FindingsProfile:
        """A copy with some values replaced; each replaced value says it came from the caller."""
        changes = {
            name: Param(value, "调用方覆盖值（未注明来源）", Confidence.PLACEHOLDER, getattr(self, name).unit)
            for name, value in values.items()
        }
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name).to_dict() for f in fields(self)}
