"""The Chinese vocabulary of the rules.

The registry's values (``minzheng.registry.models``) are repeated here as plain ``StrEnum``s so that the
domain stays free of Django; a test checks that the two lists agree. The extra vocabularies (parents'
situations, schooling levels, self-care items, scheme names) exist only in the rules.
"""

from __future__ import annotations

from enum import StrEnum


class UrbanRural(StrEnum):
    URBAN = "urban"  # 城市
    RURAL = "rural"  # 农村


class Sex(StrEnum):
    MALE = "男"
    FEMALE = "女"


class LabourCapacity(StrEnum):
    ABLE = "有劳动能力"
    PARTIAL = "部分丧失劳动能力"
    NONE = "无劳动能力"


class Employment(StrEnum):
    FARMING = "务农"
    MIGRANT_WORK = "务工"
    FLEXIBLE = "灵活就业"
    UNEMPLOYED = "无业"
    STUDENT = "在校学生"
    PRESCHOOL = "学龄前"
    RETIRED = "退休"


class DisabilityCategory(StrEnum):
    VISUAL = "视力"
    HEARING = "听力"
    SPEECH = "言语"
    PHYSICAL = "肢体"
    INTELLECTUAL = "智力"
    MENTAL = "精神"
    MULTIPLE = "多重"


class Relation(StrEnum):
    HEAD = "户主"
    SPOUSE = "配偶"
    CHILD = "子女"
    PARENT = "父母"
    GRANDCHILD = "孙子女"
    GRANDPARENT = "祖父母"
    SIBLING = "兄弟姐妹"
    CHILD_IN_LAW = "儿媳女婿"
    OTHER = "其他"


class ExclusionReason(StrEnum):
    """Why a registered member is not a 共同生活家庭成员 (《最低生活保障审核确认办法》第七条)."""

    CLERGY = "宗教教职人员（脱离家庭3年以上）"
    PRISON = "服刑"
    DRUG_REHAB = "强制隔离戒毒"
    MISSING = "宣告失踪"
    PROVINCIAL = "省级民政认定的其他情形"


class IncomeCategory(StrEnum):
    WAGES = "工资性收入"
    BUSINESS = "经营净收入"
    PROPERTY = "财产净收入"
    TRANSFER = "转移净收入"
    OTHER = "其他收入"
    EXCLUDED = "不计入收入"


class AssetKind(StrEnum):
    VEHICLE = "机动车"
    REAL_ESTATE = "房产"
    DEPOSIT = "存款"
    SECURITIES = "有价证券"
    INSURANCE = "商业保险"
    BUSINESS_SHARE = "企业股份"
    TIMBER = "林木"
    OTHER = "其他"


class RigidKind(StrEnum):
    """Kinds of 刚性支出 (rigid expenditure) that may be deducted from income (S1 art. 13; S10)."""

    MEDICAL = "医疗"
    EDUCATION = "教育"
    REHABILITATION = "残疾康复"
    OTHER = "其他"


class Education(StrEnum):
    """Full-time schooling level (在校就读层次)."""

    COMPULSORY = "义务教育"
    HIGH_SCHOOL = "普通高中"
    VOCATIONAL = "中职"
    HIGHER_VOCATIONAL = "高职"
    BACHELOR = "本科"
    POSTGRADUATE = "研究生"


# S1 art. 7: adult children in full-time education at bachelor level or below live with the family.
EDUCATION_AT_OR_BELOW_BACHELOR = frozenset(
    {
        Education.COMPULSORY,
        Education.HIGH_SCHOOL,
        Education.VOCATIONAL,
        Education.HIGHER_VOCATIONAL,
        Education.BACHELOR,
    }
)


class ParentStatus(StrEnum):
    """A parent's situation, for 孤儿 and 事实无人抚养儿童 (S8; 云民发〔2021〕51号)."""

    NORMAL = "正常"
    DEAD = "死亡"
    MISSING = "失踪"  # 宣告失踪 by a court
    UNTRACEABLE = "查找不到"  # birth parents cannot be found (abandoned child)
    SEVERE_DISABILITY = "重残"
    SERIOUS_ILLNESS = "重病"
    IN_PRISON = "服刑在押"
    DRUG_REHAB = "强制隔离戒毒"
    OTHER_DETENTION = "其他限制人身自由"
    LOST_CONTACT = "失联"
    GUARDIANSHIP_REVOKED = "被撤销监护资格"
    DEPORTED = "被遣送出境"


class SelfCareLevel(StrEnum):
    """生活自理能力 (S2 art. 20–23); the care tier names used in the standards are in ``CARE_TIER``."""

    ABLE = "具备生活自理能力"
    PARTLY_LOST = "部分丧失生活自理能力"
    FULLY_LOST = "完全丧失生活自理能力"


CARE_TIER: dict[SelfCareLevel, str] = {
    SelfCareLevel.ABLE: "全自理",
    SelfCareLevel.PARTLY_LOST: "部分失能",
    SelfCareLevel.FULLY_LOST: "完全失能",
}
"""Self-care level → the 照料护理 tier name of the standards table (the two vocabularies, mapped once)."""


class SupportMode(StrEnum):
    """特困 供养方式 (S9 art. 19): the person chooses."""

    CENTRALISED = "集中供养"
    DISPERSED = "分散供养"


class ChildCare(StrEnum):
    """孤儿 养育方式: 机构养育 (institution) is paid more than 散居 (S8)."""

    INSTITUTIONAL = "机构养育"
    DISPERSED = "散居"


class SupporterStatus(StrEnum):
    NORMAL = "正常"
    NO_CIVIL_CAPACITY = "无民事行为能力"
    MISSING = "宣告失踪"
    IN_PRISON = "服刑在押"


class TemporaryType(StrEnum):
    EMERGENCY = "急难型"
    EXPENDITURE = "支出型"


class TemporaryTier(StrEnum):
    ORDINARY = "一般"
    SERIOUS = "较重"
    SEVERE = "严重"


class PaymentMode(StrEnum):
    GAP = "差额"
    TIERED = "分档"


class DibaoTier(StrEnum):
    """Yunnan rural 分档 (S13, [K] definitions)."""

    A = "A"  # no labour capacity and no income source
    B = "B"  # mainly old, weak, ill or disabled members
    C = "C"  # members with labour capacity


class Scheme(StrEnum):
    DIBAO = "dibao"
    TEKUN = "tekun"
    ORPHAN = "orphan"
    DE_FACTO_ORPHAN = "de_facto_orphan"
    DISABILITY_SUBSIDY = "disability_subsidy"
    TEMPORARY = "temporary"
    ELDERLY_ALLOWANCE = "elderly_allowance"
    VAGRANCY = "vagrancy"


SCHEME_NAMES: dict[Scheme, str] = {
    Scheme.DIBAO: "最低生活保障",
    Scheme.TEKUN: "特困人员救助供养",
    Scheme.ORPHAN: "孤儿基本生活保障",
    Scheme.DE_FACTO_ORPHAN: "事实无人抚养儿童基本生活保障",
    Scheme.DISABILITY_SUBSIDY: "残疾人两项补贴",
    Scheme.TEMPORARY: "临时救助",
    Scheme.ELDERLY_ALLOWANCE: "高龄津贴",
    Scheme.VAGRANCY: "流浪乞讨人员救助",
}


class BenefitKind(StrEnum):
    """Benefits a person already receives (for 补差 and the overlap rules)."""

    DIBAO = "dibao"
    TEKUN = "tekun"
    ORPHAN = "orphan"
    DE_FACTO_ORPHAN = "de_facto_orphan"
    DISABILITY_LIVING = "disability_living"
    DISABILITY_CARE = "disability_care"
    WORK_INJURY_CARE = "work_injury_care"
