"""The columns of the household import workbook (家庭户导入模板): headers, aliases, choices and help text.

One list drives the template, the reader, the validator and the error workbook, so that a column added
here appears everywhere at once.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from minzheng.registry.models import (
    DisabilityCategory,
    Employment,
    ExclusionReason,
    HukouType,
    IllnessCategory,
    LabourCapacity,
    Relation,
)

SHEET_MEMBERS = "家庭成员"
SHEET_HELP = "填写说明"
SHEET_CHOICES = "选项"
SHEET_ERROR_SUMMARY = "错误汇总"
ERROR_COLUMN = "错误说明"

SAMPLE_PREFIX = "示例"
"""Rows whose 家庭编号 starts with this are the template's example and are never imported."""

HOUSEHOLD_NUMBER = "家庭编号"
VILLAGE_CODE = "所在村（社区）代码"
ADDRESS = "家庭住址"
RELATION = "与户主关系"
NAME = "姓名"
ID_NUMBER = "公民身份号码"
ETHNICITY = "民族"
HUKOU_TYPE = "户口性质"
PHONE = "联系电话"
LABOUR_CAPACITY = "劳动能力"
EMPLOYMENT = "就业状况"
ILLNESS = "患病情况"
COHABITING = "是否共同生活家庭成员"
EXCLUSION_REASON = "不计入原因"
CERTIFICATE_NUMBER = "残疾人证号"
DISABILITY_CATEGORY = "残疾类别"
DISABILITY_GRADE = "残疾等级"
JOINED_ON = "加入日期"

YES, NO = "是", "否"
NO_ILLNESS = "无"
"""患病情况 value meaning "no recorded illness" (stored as an empty category)."""

# The 56 nationalities of GB/T 3304, plus the code-97 catch-all.
ETHNICITIES: tuple[str, ...] = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族",
    "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族", "其他",
)  # fmt: skip

DISABILITY_GRADES: tuple[str, ...] = ("1", "2", "3", "4")

# The 第二代残疾人证 number is the ID number followed by the category digit and the grade digit.
DISABILITY_CATEGORY_DIGITS: dict[str, str] = {
    DisabilityCategory.VISUAL: "1",
    DisabilityCategory.HEARING: "2",
    DisabilityCategory.SPEECH: "3",
    DisabilityCategory.PHYSICAL: "4",
    DisabilityCategory.INTELLECTUAL: "5",
    DisabilityCategory.MENTAL: "6",
    DisabilityCategory.MULTIPLE: "7",
}


@dataclass(frozen=True)
class Column:
    header: str
    required: bool
    """The header must be present and every row must fill it (家庭住址: the 户主 row must)."""
    help: str
    example: str
    width: int = 14
    text: bool = False
    """Formatted as 文本 in the template so that Excel keeps long digit strings exact."""
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column(
        HOUSEHOLD_NUMBER,
        True,
        "同一家庭的成员填写相同的家庭编号，一人一行；系统中已有的家庭编号表示更新该家庭。"
        f"以「{SAMPLE_PREFIX}」开头的行是示例，导入时自动忽略。",
        f"{SAMPLE_PREFIX}-0001",
        width=14,
        text=True,
        aliases=("户编号", "家庭户编号", "户号"),
    ),
    Column(
        VILLAGE_CODE,
        True,
        "家庭所在村（社区）的12位统计用区划代码，必须在您的管辖范围内；同一家庭各行必须一致。",
        "530602001001",
        width=16,
        text=True,
        aliases=(
            "村代码",
            "村（社区）代码",
            "所在村代码",
            "村社区代码",
            "社区代码",
            "区划代码",
            "所在地区划代码",
        ),
    ),
    Column(
        ADDRESS,
        True,
        "户主所在行必须填写；成员行可留空（沿用户主行），填写时必须与户主行一致。",
        "凤凰街道西街社区示例路1号",
        width=28,
        aliases=("住址", "家庭地址", "居住地址"),
    ),
    Column(
        RELATION,
        True,
        "每个家庭必须有且只有一行填写「户主」。",
        Relation.HEAD,
        width=10,
        choices=tuple(Relation.values),
        aliases=("关系", "与户主的关系"),
    ),
    Column(NAME, True, "与身份证一致。", "张示例", width=10, aliases=("成员姓名",)),
    Column(
        ID_NUMBER,
        True,
        "18位居民身份证号码（15位旧号码会自动升位）。本列必须设置为「文本」格式，"
        "否则 Excel 会把号码变成科学计数法并丢失末几位。同一号码在文件中只能出现一次。",
        "",  # filled with a synthetic valid number by the template builder
        width=22,
        text=True,
        aliases=("身份证号", "身份证号码", "身份证", "证件号码", "居民身份证号码"),
    ),
    Column(
        ETHNICITY,
        True,
        "填写民族全称，如「汉族」「彝族」「苗族」「回族」。",
        "汉族",
        width=8,
        choices=ETHNICITIES,
    ),
    Column(
        HUKOU_TYPE,
        True,
        "农业户口、非农业户口或居民户口。",
        HukouType.AGRICULTURAL,
        width=12,
        choices=tuple(HukouType.values),
        aliases=("户籍性质", "户口类型", "户籍类型"),
    ),
    Column(
        PHONE,
        False,
        "11位手机号码或带区号的固定电话（如 0870-1234567）。",
        "13800000000",
        width=15,
        text=True,
        aliases=("电话", "手机", "手机号", "手机号码", "联系方式"),
    ),
    Column(
        LABOUR_CAPACITY,
        False,
        "新登记人员留空按「有劳动能力」登记。",
        LabourCapacity.ABLE,
        width=16,
        choices=tuple(LabourCapacity.values),
    ),
    Column(EMPLOYMENT, False, "", Employment.FARMING, width=10, choices=tuple(Employment.values)),
    Column(
        ILLNESS,
        False,
        f"填写「{NO_ILLNESS}」表示没有登记的疾病。",
        NO_ILLNESS,
        width=12,
        choices=(NO_ILLNESS, *IllnessCategory.values),
        aliases=("患病状况", "健康状况"),
    ),
    Column(
        COHABITING,
        False,
        "新登记成员留空按「是」登记。填「否」时必须填写不计入原因。",
        YES,
        width=12,
        choices=(YES, NO),
        aliases=("是否共同生活", "共同生活家庭成员", "是否计入共同生活家庭成员"),
    ),
    Column(
        EXCLUSION_REASON,
        False,
        "仅当「是否共同生活家庭成员」为「否」时填写（《最低生活保障审核确认办法》第七条）。",
        "",
        width=30,
        choices=tuple(ExclusionReason.values),
        aliases=("不计入共同生活家庭成员的原因", "不计入共同生活原因"),
    ),
    Column(
        CERTIFICATE_NUMBER,
        False,
        "持残疾人证的填写；第二代残疾人证号为身份证号加类别、等级两位数字（共20位）。本列设置为「文本」格式。"
        "残疾人证号、类别、等级三项要么都填，要么都不填。",
        "",
        width=24,
        text=True,
        aliases=("残疾证号", "残疾人证号码", "残疾证号码"),
    ),
    Column(
        DISABILITY_CATEGORY,
        False,
        "视力、听力、言语、肢体、智力、精神、多重。",
        "",
        width=10,
        choices=tuple(DisabilityCategory.values),
        aliases=("残疾类型",),
    ),
    Column(
        DISABILITY_GRADE,
        False,
        "1、2、3、4 级（一级最重）。",
        "",
        width=10,
        choices=DISABILITY_GRADES,
        aliases=("残疾级别",),
    ),
    Column(
        JOINED_ON,
        False,
        "新成员加入本家庭的日期，如 2023-06-01；留空按导入当天登记。已是本家庭成员的，本列不修改原日期。",
        "2023-06-01",
        width=12,
        aliases=("入户日期", "加入家庭日期", "起始日期"),
    ),
)

COLUMNS_BY_HEADER: dict[str, Column] = {column.header: column for column in COLUMNS}
HEADERS: tuple[str, ...] = tuple(column.header for column in COLUMNS)
REQUIRED_HEADERS: tuple[str, ...] = tuple(column.header for column in COLUMNS if column.required)


def normalize_header(text: object) -> str:
    """Fold a header as users type it: full-width forms, spaces, line breaks and required-field stars."""
    folded = unicodedata.normalize("NFKC", str(text))
    return "".join(folded.split()).replace("*", "").replace("＊", "").lower()


HEADER_LOOKUP: dict[str, str] = {
    normalize_header(name): column.header for column in COLUMNS for name in (column.header, *column.aliases)
}


def canonical_header(text: object) -> str | None:
    """The template header that ``text`` stands for, or ``None`` for a column the import does not use."""
    if text is None:
        return None
    return HEADER_LOOKUP.get(normalize_header(text))
