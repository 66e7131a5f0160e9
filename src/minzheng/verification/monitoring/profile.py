"""The parameters of 低收入人口动态监测, each with its source and confidence (policy-rules §4)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from minzheng.assistance.domain.defaults import PLACEHOLDER_EFFECTIVE_FROM, default_standards
from minzheng.assistance.domain.params import Confidence, Param, PolicyProfile
from minzheng.assistance.domain.vocabulary import UrbanRural

C = Confidence.CONFIRMED
K = Confidence.K
PH = Confidence.PLACEHOLDER
ZHAOTONG = "530600"  # the placeholder standards are the same in every Zhaotong region


def _param(value: Any, confidence: Confidence, source: str, unit: str = "", *, local: bool = True) -> Any:
    return Param(value, source, confidence, unit, local)


def _disposable_income_line() -> Param[dict[str, Decimal]]:
    """The 刚性支出 income line, urban and rural: the standards table's placeholder (one figure to replace,
    not two), until the snapshot carries each household's own cell as it carries the dibao standard."""
    values = {
        str(side): default_standards(
            ZHAOTONG, str(side), PLACEHOLDER_EFFECTIVE_FROM
        ).disposable_income_prev_year.value
        for side in UrbanRural
    }
    shown = " / ".join(
        f"{label} {values[str(side)]:,.0f}"
        for side, label in ((UrbanRural.URBAN, "城镇"), (UrbanRural.RURAL, "农村"))
    )
    return _param(
        values,
        PH,
        "刚性支出困难：家庭人均年收入低于当地上年度居民人均可支配收入（S5；按城镇/农村），"
        f"占位 {shown} 元/人·年（与救助标准表“上年度居民人均可支配收入”的占位值相同），须按统计公报填写 [L]",
        "元/人·年",
    )


@dataclass(frozen=True)
class MonitoringProfile:
    min_match_probability: Param[Decimal] = field(
        default_factory=lambda: _param(
            Decimal("0.90"), PH, "模糊匹配的最低匹配概率（与比对规则相同），占位 [L]"
        )
    )
    edge_multiple: Param[Decimal] = field(
        default_factory=lambda: _param(
            Decimal("1.5"), C, "低保边缘家庭：人均收入低于当地低保标准1.5倍（S5）", "倍", local=False
        )
    )
    rigid_ratio: Param[Decimal] = field(
        default_factory=lambda: _param(
            Decimal("0.5"),
            PH,
            "刚性支出困难：近12个月医疗自付与教育支出之和占家庭年收入的比例超过此值，占位 [L]（S10 由地方确定）",
        )
    )
    disposable_income_line: Param[dict[str, Decimal]] = field(
        default_factory=lambda: _disposable_income_line()
    )
    education_stage_of_level: Param[dict[str, str]] = field(
        default_factory=lambda: _param(
            {
                "学前": "学前",
                "小学": "义务教育",
                "初中": "义务教育",
                "高中": "高中/中职",
                "中职": "高中/中职",
                "高职": "大学/高职",
                "本科": "大学/高职",
            },
            K,
            "教育部门学段（学前/小学/初中/高中/中职/高职/本科）归入教育支出的学段 [K]",
            local=False,
        )
    )
    education_costs: Param[dict[str, Decimal]] = field(
        default_factory=lambda: _param(
            {
                "学前": Decimal("2400"),
                "义务教育": Decimal("0"),
                "高中/中职": Decimal("1500"),
                "大学/高职": Decimal("5000"),
            },
            PH,
            "刚性支出困难：每名在读学生每年的教育支出（S10：学前至本科，按公办学校收费标准），占位 [L]："
            "学前 2,400 元；义务教育免除学杂费、免费提供教科书，计 0 元（地方认定的必要费用可在此填写）；"
            "高中/中职 1,500 元（中职多已免学费，按地方规定调整）；大学/高职 5,000 元",
            "元/人·年",
        )
    )
    lookback_months: Param[int] = field(
        default_factory=lambda: _param(12, C, "刚性支出困难家庭认定办法：按前12个月计算", "月", local=False)
    )
    other_income_multiple: Param[Decimal] = field(
        default_factory=lambda: _param(
            Decimal("2"),
            PH,
            "其他困难人员：有重病、重残、就学、失业等困难情形，且人均收入低于低保标准的此倍数，占位 [L]",
            "倍",
        )
    )
    severe_disability_max_grade: Param[int] = field(
        default_factory=lambda: _param(2, C, "一、二级为重度残疾", "级", local=False)
    )
    new_disability_months: Param[int] = field(
        default_factory=lambda: _param(12, PH, "“新增”重度残疾：近 N 个月内发证，占位 N=12 [L]", "月")
    )
    illness_lines: Param[tuple[Decimal, Decimal, Decimal]] = field(
        default_factory=lambda: _param(
            (Decimal("2000"), Decimal("5000"), Decimal("20000")),
            PH,
            "重病预警：近12个月医疗自付达到 一般 / 较重 / 严重 的金额线，占位 [L]",
            "元",
        )
    )
    income_drop_lookback_months: Param[int] = field(
        default_factory=lambda: _param(
            1,
            PH,
            "收入下降预警：与 N 个月前同一部门数据（养老金、社保缴费基数、公积金缴存基数、个税）比较，占位 N=1（上月）[L]",
            "月",
        )
    )
    income_drop_share: Param[Decimal] = field(
        default_factory=lambda: _param(
            Decimal("0.30"),
            PH,
            "收入下降预警：部门数据月收入较前期下降的比例达到此值（且下降金额达到下一项）时预警，占位 30% [L]",
        )
    )
    income_drop_amount: Param[Decimal] = field(
        default_factory=lambda: _param(
            Decimal("300"),
            PH,
            "收入下降预警：部门数据月收入较前期下降的金额达到此值（且下降比例达到上一项）时预警，占位 300 元/月 [L]",
            "元/月",
        )
    )

    @classmethod
    def from_policy(cls, policy: PolicyProfile) -> MonitoringProfile:
        return cls(edge_multiple=policy.edge_multiple)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name).to_dict() for f in fields(self)}
