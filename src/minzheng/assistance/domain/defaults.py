"""Zhaotong 2023 default parameters: PLACEHOLDERS, labelled as such, until the bureau supplies its notices.

No official Yunnan or Zhaotong 2023 standards notice was found (docs/policy-rules.md §6). Every value below
carries its source and confidence; ``placeholder`` means "replace with the bureau's figure". The values the
rules derive (特困 basic, 低保边缘 line, monthly rural standard, 事实无人抚养 rate) are not here: see
``Standards``' methods.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TypeVar

from .params import Confidence, Param, PolicyProfile, Standards
from .vocabulary import PaymentMode, UrbanRural

T = TypeVar("T")

C = Confidence.CONFIRMED
C2 = Confidence.C2
K = Confidence.K
PH = Confidence.PLACEHOLDER

PER_MONTH = "元/人·月"
PER_YEAR = "元/人·年"

ZHAOTONG_2023 = "昭通2023年标准未找到（policy-rules §6），占位值"
PLACEHOLDER_EFFECTIVE_FROM = datetime.date(2023, 1, 1)
YUNNAN_DISABILITY_2026 = datetime.date(2026, 1, 1)


def _p(value: T, confidence: Confidence, source: str, unit: str = "", *, local: bool = True) -> Param[T]:
    return Param(value, source, confidence, unit, local)


def _m(amount: str | int) -> Decimal:
    return Decimal(amount).quantize(Decimal("0.01"))


def default_standards(region_code: str, urban_rural: str, as_of: datetime.date) -> Standards:
    """The placeholder standards cell for a Zhaotong region on ``as_of`` (urban or rural)."""
    urban = UrbanRural(urban_rural) == UrbanRural.URBAN
    if as_of >= YUNNAN_DISABILITY_2026:
        living = _p(_m(100), C2, "云民发〔2026〕2号：省级指导标准自2026-01-01起（S15）", PER_MONTH)
        care = _p(
            {"1": _m(110), "2": _m(100), "3": _m(50), "4": _m(50)},
            C2,
            "云民发〔2026〕2号：一级110、二级100（S15）；三、四级为扩面时的占位值",
            PER_MONTH,
        )
    else:
        living = _p(_m(90), C2, "云南两项补贴 2026 年前标准 90 元（S15）；2023 年是否适用未核实", PER_MONTH)
        care = _p(
            {"1": _m(100), "2": _m(90), "3": _m(50), "4": _m(50)},
            C2,
            "云南护理补贴 2026 年前标准一级100、二级90（S15），2023 年是否适用未核实；"
            "三、四级为扩面时的占位值",
            PER_MONTH,
        )
    return Standards(
        region_code=region_code,
        urban_rural=str(UrbanRural(urban_rural)),
        effective_from=PLACEHOLDER_EFFECTIVE_FROM,
        dibao_standard=(
            _p(
                _m(720),
                PH,
                f"{ZHAOTONG_2023}：城市低保 720 元/人·月（介于云南2020年指导640与2024年某县735之间）",
                PER_MONTH,
            )
            if urban
            else _p(_m(5700), PH, f"{ZHAOTONG_2023}：农村低保 5700 元/人·年（= 475 元/月）", PER_YEAR)
        ),
        dibao_standard_period=_p(
            "month" if urban else "year", C2, "云南城市低保按月、农村按年公布（S12、S13）"
        ),
        urban_dibao_monthly=(
            _p(None, C, "城市单元取本单元低保标准")
            if urban
            else _p(_m(720), PH, f"{ZHAOTONG_2023}：当地城市低保 720 元/人·月", PER_MONTH)
        ),
        payment_mode=(
            _p(str(PaymentMode.GAP), K, "城市低保按差额发放（社会救助暂行办法第12条；云南城市未见分档资料）")
            if urban
            else _p(str(PaymentMode.TIERED), C2, "云南农村低保分 A/B/C 档发放（S13，某县2024年资料）")
        ),
        floor_per_person=_p(_m(50), PH, "差额发放保底金额：无全国规定，占位值 [L]", PER_MONTH),
        tier_amounts=_p(
            {"A": _m(534), "B": _m(310), "C": _m(220)},
            PH,
            "云南某县2024年农村低保分档 A534/B310/C220（S13，C2）；昭通2023年占位",
            PER_MONTH,
        ),
        tekun_basic_configured=_p(
            _m(832),
            C2,
            "云南2020-06-01起特困基本生活省级指导标准 832 元（S12）；规则取 max(本值, 1.3×城市低保)",
            PER_MONTH,
        ),
        tekun_care=_p(
            {"全自理": _m(60), "部分失能": _m(300), "完全失能": _m(800)},
            PH,
            "云南特困照料护理补贴指导标准未找到，占位值 [L]",
            PER_MONTH,
        ),
        disposable_income_prev_year=_p(
            _m(25000) if urban else _m(14000),
            PH,
            "上年度当地" + ("城镇" if urban else "农村") + "居民人均可支配收入：占位值，取统计公报数",
            PER_YEAR,
        ),
        orphan_institutional=_p(
            _m(1990), PH, "保山市2022年机构养育孤儿 1990 元（保民政发〔2022〕10号，C2）；昭通占位", PER_MONTH
        ),
        orphan_dispersed=_p(
            _m(1290), PH, "保山市2022年散居孤儿 1290 元（保民政发〔2022〕10号，C2）；昭通占位", PER_MONTH
        ),
        disability_living=living,
        disability_care=care,
        elderly_allowance=_p(
            {"80": _m(50), "90": _m(100), "100": _m(300)},
            PH,
            "云南/昭通高龄津贴标准未找到；80–89/90–99/100+ 分段为通行做法 [K]，金额占位 [L]",
            PER_MONTH,
        ),
    )


def default_profile() -> PolicyProfile:
    """The placeholder rule profile for Zhaotong (every switch labelled with its source)."""
    return PolicyProfile(
        income_lookback_months=_p(6, PH, "收入计算期限由地方规定，常见为申请前6或12个月 [L]", "月"),
        allow_income_counted_override=_p(
            False, PH, "平台默认：收入是否计入以规则目录为准，不接受人工覆盖 [L]"
        ),
        elderly_allowance_counted_for_dibao=_p(
            False, K, "高龄津贴计入低保收入与否由地方规定，通常作为福利性补贴不计入 [K]"
        ),
        basic_pension_excluded_from=_p(
            datetime.date(2021, 1, 1), C, "审核确认办法第十三条：“十四五”期间基础养老金不计入", local=False
        ),
        basic_pension_excluded_until=_p(
            datetime.date(2025, 12, 31), C, "审核确认办法第十三条：“十四五”期间（2021–2025）", local=False
        ),
        employment_cost_deduction=_p(
            _m(0), PH, "必要就业成本扣减（审核确认办法第十三条）：金额由地方规定，占位为0", PER_MONTH
        ),
        rigid_deduction_enabled=_p(
            True, K, "审核确认办法第十三条：因残疾、患重病等增加的刚性支出可按规定适当扣减"
        ),
        rigid_deduction_kinds=_p(("医疗", "残疾康复"), PH, "可扣减的刚性支出类别 [L]，占位：医疗、残疾康复"),
        rigid_deduction_requires_condition=_p(
            True, K, "只扣减因残疾、患重病增加的支出：医疗支出须本人患病，康复支出须本人持残疾证"
        ),
        rigid_deduction_cap_per_person=_p(_m(300), PH, "刚性支出扣减每人每月上限，占位 [L]", PER_MONTH),
        rigid_deduction_cap_household=_p(_m(600), PH, "刚性支出扣减每户每月上限，占位 [L]", "元/户·月"),
        financial_assets_months_per_capita=_p(
            24, PH, "存款、有价证券、商业保险人均不超过 N 个月低保标准，占位 N=24 [L]", "月"
        ),
        vehicle_value_limit=_p(_m(20000), PH, "非豁免机动车价值低于此限额的不影响资格，占位 [L]", "元"),
        max_houses=_p(1, K, "拥有2套及以上房产的不符合条件 [K]", "套"),
        business_share_disqualifies=_p(True, K, "持有企业股份（市场主体）的不符合条件 [K]"),
        legal_representative_disqualifies=_p(True, K, "担任企业法定代表人的不符合条件 [K]"),
        tier_b_min_share=_p(Decimal("0.5"), K, "B档：老弱病残成员占共同生活成员的比例不低于此值 [K]"),
        classified_supplements=_p(
            {
                "60至69周岁老年人": Decimal("0.10"),
                "70周岁以上老年人": Decimal("0.15"),
                "未成年人": Decimal("0.10"),
                "一二级重度残疾人": Decimal("0.20"),
                "重特大疾病患者": Decimal("0.15"),
            },
            PH,
            "分类施保：按低保标准的百分比增发，类别与比例由县级以上规定（审核确认办法第二十七条），占位 [L]",
            "低保月标准的比例",
        ),
        classified_supplement_mode=_p(
            "highest", PH, "分类施保多类别时只取最高一项（highest）或叠加（stack）[L]"
        ),
        edge_multiple=_p(
            Decimal("1.5"), C, "审核确认办法第八条：低保边缘 = 人均收入低于低保标准1.5倍", "倍", local=False
        ),
        single_person_amount_mode=_p(
            "one_person_unit",
            PH,
            "单人保金额：按一人户计算（one_person_unit）或按标准的固定比例（share_of_standard）[L]",
        ),
        single_person_share=_p(
            Decimal("1"), PH, "单人保按标准比例发放时的比例，占位 [L]", "低保月标准的比例"
        ),
        adult_severe_disability_requires_edge=_p(
            False, K, "S4：成年无业重度残疾人可参照单人户申请；是否以低保边缘家庭为前提未见明文 [K]"
        ),
        exempt_support_from_siblings_or_elderly_carer=_p(
            True, C, "S4：由兄弟姐妹或60周岁以上老人抚养的，其赡养（抚养、扶养）费可以视情适当豁免"
        ),
        gradual_exit_months=_p(6, C, "S4：渐退期原则上不超过6个月（昭通取上限，占位）", "月"),
        gradual_exit_schedule=_p(
            (Decimal(1),) * 6, PH, "渐退期内每月按原低保金的比例发放，占位为全额 [L]", "原低保金的比例"
        ),
        gradual_exit_causes=_p(("就业",), C, "审核确认办法第三十三条：因家庭成员就业收入超标的给予渐退期"),
        review_months_stable=_p(
            12, C, "审核确认办法第三十一条：收入短期内变化不大的每年复核", "月", local=False
        ),
        review_months_unstable=_p(
            6, C, "审核确认办法第三十一条：收入来源不固定、有劳动能力的每半年复核", "月", local=False
        ),
        democratic_appraisal_step=_p(True, C2, "昭通救助APP流程含“民主评议”环节（policy-rules §9，S17）"),
        tekun_basic_multiple=_p(
            Decimal("1.3"), C2, "云南2020年通知：特困基本生活标准不低于当地城市低保标准的1.3倍", "倍"
        ),
        tekun_old_age=_p(60, C, "特困人员认定办法第五条：年满60周岁", "周岁", local=False),
        tekun_minor_age=_p(16, C, "特困人员认定办法第五条：未满16周岁", "周岁", local=False),
        tekun_support_until_age=_p(
            18, C, "改革完善社会救助制度的意见：未成年人特困供养延至18周岁", "周岁", local=False
        ),
        tekun_continuing_education=_p(
            ("义务教育", "普通高中", "中职"),
            C,
            "特困人员认定办法第二十四条：年满18周岁仍在接受义务教育或普通高中、中职教育的继续供养",
            local=False,
        ),
        tekun_accept_assessed_no_labour_capacity=_p(
            False, PH, "特困人员认定办法第五条“省级民政部门规定的其他情形”：是否接受评定为无劳动能力者 [L]"
        ),
        tekun_supporter_old_age=_p(
            70, C, "特困人员认定办法第八条：赡养人年满70周岁且收入、财产符合条件", "周岁", local=False
        ),
        tekun_supporter_dibao_age=_p(
            60, C, "特困人员认定办法第八条：赡养人为60周岁以上低保对象", "周岁", local=False
        ),
        self_care_partly_lost_from=_p(
            1, C, "特困人员认定办法第二十一条：1–3项达不到为部分丧失", "项", local=False
        ),
        self_care_fully_lost_from=_p(
            4, C, "特困人员认定办法第二十一条：4项以上达不到为完全丧失", "项", local=False
        ),
        child_age_limit=_p(18, C, "孤儿、事实无人抚养儿童：未满18周岁", "周岁", local=False),
        lost_contact_months=_p(
            6, C, "民发〔2019〕62号：失联指失去联系且未履行监护抚养责任6个月以上", "月", local=False
        ),
        custody_months=_p(
            6, C, "民发〔2019〕62号：服刑在押、强制隔离戒毒等限制人身自由6个月以上", "月", local=False
        ),
        yunnan_extra_situations=_p(
            True, C2, "云民发〔2021〕51号：增加被撤销监护资格、被遣送（驱逐）出境（S14）"
        ),
        child_top_up_applies_to_orphans=_p(
            True, K, "民发〔2019〕62号的补差规则写明适用于事实无人抚养儿童；孤儿是否同样补差 [K]"
        ),
        living_subsidy_extends_to_edge=_p(
            False, PH, "困难残疾人生活补贴扩大到低保边缘家庭（S5、S6 鼓励）[L]"
        ),
        care_subsidy_extends_to_non_severe_mental=_p(False, K, "护理补贴扩大到三、四级智力、精神残疾人 [K]"),
        care_assumed_when_unknown=_p(True, K, "未注明是否需长期照护的一、二级残疾人按需要长期照护处理 [K]"),
        no_living_subsidy_for_orphans=_p(
            True, K, "享受孤儿基本生活费的不享受困难残疾人生活补贴 [K，待核民发〔2021〕70号]"
        ),
        no_living_subsidy_for_tekun=_p(True, K, "特困人员不享受困难残疾人生活补贴 [K，待核民发〔2021〕70号]"),
        no_care_subsidy_with_work_injury_care=_p(True, K, "享受工伤保险生活护理费的不享受护理补贴 [K]"),
        no_living_subsidy_with_full_de_facto=_p(
            True,
            C,
            "民发〔2019〕62号：全额领取事实无人抚养儿童基本生活补贴的不再享受困难残疾人生活补贴",
            local=False,
        ),
        temporary_months=_p(
            {
                "急难型/一般": Decimal(2),
                "急难型/较重": Decimal(4),
                "急难型/严重": Decimal(6),
                "支出型/一般": Decimal(3),
                "支出型/较重": Decimal(6),
                "支出型/严重": Decimal(12),
            },
            PH,
            "临时救助按类型、程度分档，与低保标准挂钩（民发〔2018〕23号）；倍数占位 [L]",
            "月低保标准",
        ),
        temporary_per_person=_p(True, PH, "救助金额按家庭人口计算（深圳龙华做法，S20）；占位 [L]"),
        temporary_cap_months=_p(
            Decimal(12),
            PH,
            "县级审批上限：人均12个月低保标准（S20 的做法），超过的一事一议；占位 [L]",
            "月低保标准",
        ),
        temporary_township_ceiling_months=_p(
            Decimal(2), PH, "乡镇审批额度：人均不超过2个月低保标准（S20 的做法）；占位 [L]", "月低保标准"
        ),
        temporary_rigid_ratio=_p(Decimal("0.5"), PH, "支出型：刚性支出占家庭总收入比例超过此值，占位 [L]"),
        vagrancy_max_days=_p(10, K, "流浪乞讨人员救助管理办法实施细则：救助期限一般不超过10天 [K]", "天"),
    )
