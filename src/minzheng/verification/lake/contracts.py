"""Schema contracts of the departmental sources (部门数据) that the lake receives.

One :class:`SourceContract` per source says what a file from that department must hold: the columns
(name, Arrow type, whether required, the Chinese headers departments actually use, the meaning), the key,
what one row is, and how often it arrives. The ingest (`lake.ingest`) maps a file's headers onto these
columns, casts and checks the values, and writes the lake layout; the synthetic city writes the same
layout (`synth.departments`); the data-contract pages under ``docs/data-contracts/`` are rendered from
here (`lake.docs`), so code, files and documents cannot drift apart.

Every source except 户籍 carries ``birth_date`` and ``region_code`` (nullable): when an ID number fails
validation the matcher falls back on name + birth date + region.

Column names are part of the platform's interface: the matcher, the monitoring rules and the synthetic
data refer to them. Change them only together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from minzheng.verification.lake.errors import LakeError

CONTRACT_VERSION = 1
"""Bumped whenever a column is added, removed or retyped; written into every lake file's metadata."""

MONEY = pa.decimal128(14, 2)
"""元, two decimals: amounts are never floats."""
AREA = pa.decimal128(10, 2)

ID_STATUS_COLUMN = "id_status"
LAKE_EXTRA_COLUMNS: tuple[tuple[str, pa.DataType, str], ...] = (
    ("id_raw", pa.string(), "身份证号码原文（接收时的样子，未经规范化）"),
    (
        "id_status",
        pa.string(),
        "身份证号码校验结果：valid 有效 / converted_15 由15位转换 / bad_checksum 校验位错误 / "
        "bad_date 出生日期错误 / bad_length 长度或格式错误 / missing 缺失",
    ),
    ("id_key", pa.int64(), "前17位数字的 int64，仅在号码可用（valid、converted_15）时有值：计算平面的连接键"),
    ("row_number", pa.int64(), "该行在来文中的数据行序号（不含表头，从1起；Excel 中为第 row_number+1 行）"),
)
"""Columns the lake adds to every source after its contract columns (ingest and synthetic data alike)."""

ID_NUMBER_ALIASES = (
    "身份证号",
    "身份证号码",
    "公民身份号码",
    "公民身份证号码",
    "居民身份证号码",
    "身份证件号码",
    "证件号码",
    "证件号",
    "身份证",
    "证件号码（身份证）",
)
NAME_ALIASES = ("姓名", "人员姓名", "名字")
BIRTH_DATE_ALIASES = ("出生日期", "出生年月日", "生日")
REGION_CODE_ALIASES = (
    "行政区划代码",
    "区划代码",
    "行政区划编码",
    "地区编码",
    "所在地区划代码",
    "户籍地区划代码",
)
RECORD_ID_ALIASES = ("记录编号", "记录号", "业务编号", "业务流水号", "流水号", "记录ID")

REGION_CODE_PATTERN = r"[0-9]{6}([0-9]{3}){0,2}"
"""A county (6), township (9) or village (12 digits) code: departments know the place at different levels."""


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a source: its lake name and type, whether a file must provide it, its Chinese headers."""

    name: str
    type: pa.DataType
    title: str
    """The Chinese header used in documents and messages (身份证号码, 车辆类型 …)."""
    meaning: str
    required: bool = False
    """The file must have the column and, except for the ID number, every row a value (else rejected)."""
    aliases: tuple[str, ...] = ()
    """Other headers departments use for it; the title and the lake name are always accepted too."""
    choices: tuple[Any, ...] = ()
    """Allowed values when the set is closed; anything else is rejected."""
    pattern: str | None = None
    """A regular expression the whole (string) value must match."""

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header that maps to this column: the lake name, the title, then the aliases."""
        return tuple(dict.fromkeys((self.name, self.title, *self.aliases)))


@dataclass(frozen=True)
class SourceContract:
    """What a departmental source delivers (see the module docstring)."""

    name: str
    """The source code: the folder in the lake and the first argument of ``minzheng lake ingest``."""
    title: str
    department: str
    row_meaning: str
    frequency: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...] = ("record_id",)
    notes: str = ""
    """Extra paragraphs for the data-contract page (Markdown)."""
    version: int = CONTRACT_VERSION

    def column(self, name: str) -> ColumnSpec:
        for spec in self.columns:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.columns if spec.required)


def lake_schema(contract: SourceContract) -> pa.Schema:
    """The Arrow schema of ``<source>/<period>/data.parquet``: the contract columns, then the added ones.

    ``id_number`` holds the normalised 18-character number (null when unusable); ``id_raw`` what arrived.
    """
    fields = [pa.field(spec.name, spec.type) for spec in contract.columns]
    fields += [pa.field(name, type_) for name, type_, _ in LAKE_EXTRA_COLUMNS]
    metadata = {
        "minzheng.source": contract.name,
        "minzheng.contract_version": str(contract.version),
    }
    return pa.schema(fields, metadata=metadata)


REJECTED_SCHEMA_HEAD = pa.schema([("row_number", pa.int64()), ("reason", pa.string())])
"""``rejected.parquet`` starts with these, followed by the received values of the mapped columns as text."""


# --- the columns every person-level source shares ----------------------------------------------------


def _record_id(*aliases: str) -> ColumnSpec:
    return ColumnSpec(
        "record_id",
        pa.string(),
        "记录编号",
        "the department's own identifier of the record, unique within the source",
        required=True,
        aliases=RECORD_ID_ALIASES + aliases,
    )


def _id_number(*aliases: str) -> ColumnSpec:
    return ColumnSpec(
        "id_number",
        pa.string(),
        "身份证号码",
        "公民身份号码 of the person, normalised to 18 characters (null when unusable; see id_status)",
        required=True,
        aliases=ID_NUMBER_ALIASES + aliases,
    )


def _name(*aliases: str) -> ColumnSpec:
    return ColumnSpec(
        "name", pa.string(), "姓名", "the person's name", required=True, aliases=NAME_ALIASES + aliases
    )


def _birth_date() -> ColumnSpec:
    return ColumnSpec(
        "birth_date",
        pa.date32(),
        "出生日期",
        "date of birth when the department holds it; with name and region, the fallback key of a bad ID",
        aliases=BIRTH_DATE_ALIASES,
    )


def _region_code(*aliases: str) -> ColumnSpec:
    return ColumnSpec(
        "region_code",
        pa.string(),
        "行政区划代码",
        "where the person lives or is registered: 12-digit village code where known, else 9 or 6 digits",
        aliases=REGION_CODE_ALIASES + aliases,
        pattern=REGION_CODE_PATTERN,
    )


def _person_source(
    name: str,
    title: str,
    department: str,
    row_meaning: str,
    frequency: str,
    specific: tuple[ColumnSpec, ...],
    *,
    name_aliases: tuple[str, ...] = (),
    id_aliases: tuple[str, ...] = (),
    record_aliases: tuple[str, ...] = (),
    region_aliases: tuple[str, ...] = (),
    notes: str = "",
) -> SourceContract:
    """A source about people: record_id, id_number, name, the specific columns, birth_date, region_code."""
    columns = (_record_id(*record_aliases), _id_number(*id_aliases), _name(*name_aliases), *specific)
    names = {spec.name for spec in columns}
    if "birth_date" not in names:
        columns += (_birth_date(),)
    if "region_code" not in names:
        columns += (_region_code(*region_aliases),)
    return SourceContract(name, title, department, row_meaning, frequency, columns, notes=notes)


def _date(name: str, title: str, meaning: str, *aliases: str, required: bool = False) -> ColumnSpec:
    return ColumnSpec(name, pa.date32(), title, meaning, required=required, aliases=aliases)


def _money(name: str, title: str, meaning: str, *aliases: str, required: bool = False) -> ColumnSpec:
    return ColumnSpec(name, MONEY, title, meaning, required=required, aliases=aliases)


def _text(
    name: str,
    title: str,
    meaning: str,
    *aliases: str,
    required: bool = False,
    choices: tuple[str, ...] = (),
    pattern: str | None = None,
) -> ColumnSpec:
    return ColumnSpec(
        name,
        pa.string(),
        title,
        meaning,
        required=required,
        aliases=aliases,
        choices=choices,
        pattern=pattern,
    )


# --- the sources -------------------------------------------------------------------------------------

DEATH_DEPARTMENTS = ("公安", "卫健", "殡葬")
VEHICLE_TYPES = ("小型汽车", "摩托车", "三轮汽车", "货车", "残疾人机动轮椅车")
DISABILITY_VEHICLE_TYPE = "残疾人机动轮椅车"
BUSINESS_ROLES = ("法定代表人", "股东")
BUSINESS_STATUSES = ("存续", "注销", "吊销")
PENSION_KINDS = ("城镇职工基本养老金", "机关事业单位养老金", "城乡居民基础养老金", "工资（社保缴费基数）")
UNEMPLOYMENT_STATUSES = ("失业", "已就业")
DISABILITY_CATEGORIES = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
MEDICAL_KINDS = ("住院", "门诊慢特病")
SCHOOL_LEVELS = ("学前", "小学", "初中", "高中", "中职", "高职", "本科")
STUDENT_DIFFICULTIES = ("特别困难", "困难", "一般困难")
FANPIN_CATEGORIES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
HUKOU_TYPES = ("农业户口", "非农业户口", "居民户口")

USCC_PATTERN = r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}"
"""统一社会信用代码 (GB 32100): 登记管理部门 + 机构类别, 6-digit 区划, 9-character 主体标识, check character."""

HUKOU = SourceContract(
    name="hukou",
    title="户籍",
    department="公安",
    row_meaning="one registered person (户籍人口) on the last day of the period",
    frequency="monthly",
    key=("id_number",),
    columns=(
        ColumnSpec(
            "id_number",
            pa.string(),
            "公民身份号码",
            "valid per GB 11643 (check character, birth date, address code in force in the birth year)",
            required=True,
            aliases=tuple(alias for alias in ID_NUMBER_ALIASES if alias != "公民身份号码"),
        ),
        _name(),
        _text(
            "sex",
            "性别",
            "男 / 女 (agrees with the parity of the 17th digit)",
            required=True,
            choices=("男", "女"),
        ),
        _date(
            "birth_date",
            "出生日期",
            "agrees with digits 7–14 of the ID",
            *BIRTH_DATE_ALIASES[1:],
            required=True,
        ),
        _text("ethnicity", "民族", "民族, e.g. 汉族, 彝族, 苗族, 回族"),
        _text(
            "hukou_type",
            "户口性质",
            "农业户口 / 非农业户口 / 居民户口",
            "户口类别",
            "户别",
            choices=HUKOU_TYPES,
        ),
        _text(
            "hukou_region_code",
            "户籍地区划代码",
            "12-digit village (村/社区) code of the 户籍",
            "行政区划代码",
            "区划代码",
            "户籍地址编码",
            required=True,
            pattern=REGION_CODE_PATTERN,
        ),
        _text(
            "hukou_household_number", "户号", "户号 of the registration household", "户籍户号", required=True
        ),
        _text(
            "relation_to_head", "与户主关系", "户主 / 配偶 / 子女 / 父母 / 孙子女 / 兄弟姐妹 / 其他", "关系"
        ),
        ColumnSpec(
            "is_deceased",
            pa.bool_(),
            "是否死亡",
            "已死亡 (the registration is being cancelled)",
            aliases=("死亡标识", "死亡标志"),
        ),
    ),
    notes=(
        "Address codes in ID numbers follow the era of the birth: people born before 2001 carry the old 昭通地区\n"
        "codes (5321xx), those born 2001–2017 carry 5306xx with 530630 for 水富县, those born from 2018 530681 for\n"
        "水富市. The platform accepts every code GB/T 2260 has known at any time (`common/ids.py`)."
    ),
)

DEATHS = _person_source(
    "deaths",
    "死亡",
    "公安 / 卫健 / 殡葬",
    "one death as reported by one department: a death reported by the police, the hospital and the "
    "funeral home appears up to three times",
    "monthly",
    (
        _date("death_date", "死亡日期", "date of death", "死亡时间", required=True),
        _text(
            "source_department",
            "来源部门",
            "公安 (户籍注销) / 卫健 (死亡医学证明) / 殡葬 (火化、安葬)",
            "数据来源",
            "报送部门",
            required=True,
            choices=DEATH_DEPARTMENTS,
        ),
        _region_code("死亡地区划代码"),
    ),
    name_aliases=("死者姓名", "逝者姓名"),
)

VEHICLES = _person_source(
    "vehicles",
    "机动车登记",
    "公安 车管",
    "one motor vehicle registered to the person",
    "monthly",
    (
        _text(
            "plate_number",
            "号牌号码",
            "licence plate (云C… in Zhaotong)",
            "车牌号",
            "车牌号码",
            "号牌",
            required=True,
        ),
        _text(
            "vehicle_type",
            "车辆类型",
            "小型汽车 / 摩托车 / 三轮汽车 / 货车 / 残疾人机动轮椅车 (exempt from the vehicle rule)",
            "车型",
            required=True,
            choices=VEHICLE_TYPES,
        ),
        _date("registered_on", "初次登记日期", "first registration", "登记日期", "注册日期"),
        _money(
            "value_estimate", "车辆估值", "estimated current value, 元", "估值", "评估价值", required=True
        ),
        ColumnSpec(
            "is_disability_vehicle",
            pa.bool_(),
            "是否残疾人专用车",
            "a vehicle adapted for a disabled driver (exempt)",
            aliases=("残疾人专用车", "残疾人车辆"),
        ),
    ),
    name_aliases=("机动车所有人", "所有人", "车主姓名"),
)

REAL_ESTATE = _person_source(
    "real_estate",
    "不动产登记",
    "自然资源 不动产登记中心",
    "one registered property right (house or flat) held by the person",
    "monthly",
    (
        _text(
            "certificate_number",
            "不动产权证号",
            "不动产权证书号, e.g. 云(2019)昭阳区不动产权第0012345号",
            "不动产权证书号",
            "产权证号",
            "证书号",
            required=True,
        ),
        _text("address", "坐落", "where the property is", "房屋坐落", "地址", "不动产坐落"),
        ColumnSpec(
            "area_m2",
            AREA,
            "建筑面积",
            "floor area, m²",
            required=True,
            aliases=("面积", "建筑面积（平方米）", "建筑面积（㎡）", "房屋面积"),
        ),
        _date("registered_on", "登记日期", "date the right was registered", "登簿日期"),
        _money("value_estimate", "评估价值", "estimated value, 元", "估值", "房产估值"),
    ),
    name_aliases=("权利人", "权利人姓名"),
    id_aliases=("权利人证件号",),
)

BUSINESSES = _person_source(
    "businesses",
    "市场主体登记",
    "市场监管",
    "one role (legal representative or shareholder) of the person in one market entity",
    "monthly",
    (
        _text(
            "uscc",
            "统一社会信用代码",
            "统一社会信用代码, 18 characters (GB 32100)",
            "信用代码",
            "社会信用代码",
            required=True,
            pattern=USCC_PATTERN,
        ),
        _text("enterprise_name", "企业名称", "name of the entity", "市场主体名称", "主体名称", required=True),
        _text(
            "role", "人员身份", "法定代表人 / 股东", "身份", "人员类型", required=True, choices=BUSINESS_ROLES
        ),
        _money("share_amount", "认缴出资额", "subscribed capital of a shareholder, 元", "出资额", "认缴出资"),
        _text(
            "status",
            "登记状态",
            "存续 (live) / 注销 / 吊销",
            "经营状态",
            "企业状态",
            required=True,
            choices=BUSINESS_STATUSES,
        ),
    ),
    name_aliases=("人员名称", "自然人姓名"),
)

PENSIONS = _person_source(
    "pensions",
    "养老金与社保缴费",
    "人社",
    "one monthly pension, or one employee's social-insurance contribution base (工资)",
    "monthly",
    (
        _text(
            "kind",
            "待遇类型",
            "城镇职工基本养老金 / 机关事业单位养老金 / 城乡居民基础养老金 (not counted as income, art. 13) "
            "/ 工资（社保缴费基数）",
            "类型",
            "险种",
            "养老金类型",
            required=True,
            choices=PENSION_KINDS,
        ),
        _money(
            "monthly_amount",
            "月金额",
            "元 per month: the pension paid, or the contribution base for 工资",
            "月领取金额",
            "月待遇",
            "缴费基数",
            "金额",
            required=True,
        ),
    ),
)

UNEMPLOYMENT = _person_source(
    "unemployment",
    "登记失业",
    "人社",
    "one registration of unemployment",
    "monthly",
    (
        _date("registered_on", "失业登记日期", "date of registration", "登记日期", required=True),
        _text(
            "status",
            "就业状态",
            "失业 / 已就业 (registration closed)",
            "状态",
            "人员状态",
            required=True,
            choices=UNEMPLOYMENT_STATUSES,
        ),
    ),
)

HOUSING_FUND = _person_source(
    "housing_fund",
    "住房公积金缴存",
    "住房公积金管理中心",
    "one housing-fund account with deposits in the period (formal employment)",
    "monthly",
    (
        _text("employer", "缴存单位", "employer paying in", "单位名称", "工作单位", required=True),
        _money(
            "monthly_deposit",
            "月缴存额",
            "元 per month, employer and employee together",
            "月缴额",
            "缴存额",
            required=True,
        ),
        _money(
            "wage_base", "缴存基数", "monthly wage the deposit is computed from, 元", "工资基数", "月缴存基数"
        ),
    ),
)

TAX = _person_source(
    "tax",
    "个人所得税",
    "税务",
    "one person's annual income as declared for individual income tax",
    "yearly (after the annual reconciliation), refreshed monthly",
    (
        _money(
            "annual_income",
            "年度收入额",
            "income of the tax year, 元",
            "收入额",
            "年收入",
            "收入总额",
            required=True,
        ),
        _money("tax_paid", "已缴税额", "tax paid, 元", "应纳税额", "税额", "已缴税款"),
        ColumnSpec(
            "tax_year",
            pa.int16(),
            "纳税年度",
            "the tax year",
            required=True,
            aliases=("所属年度", "年度"),
        ),
    ),
    name_aliases=("纳税人姓名",),
    id_aliases=("纳税人识别号",),
)

DEPOSITS = _person_source(
    "deposits",
    "银行存款",
    "人民银行 / 商业银行（经授权查询）",
    "one deposit account's balance at the end of the period (only where the person authorised the query)",
    "monthly (on request)",
    (
        _text("bank", "开户银行", "bank", "银行", "银行名称", "开户行", "金融机构", required=True),
        _money("balance", "存款余额", "balance, 元", "余额", "账户余额", required=True),
    ),
    name_aliases=("户名", "账户名称", "客户姓名"),
)

DISABILITY = _person_source(
    "disability",
    "残疾人证",
    "残联",
    "one 残疾人证 (第二代): category and grade",
    "monthly",
    (
        _text(
            "certificate_number",
            "残疾人证号",
            "残疾人证号: the ID number + category digit + grade digit",
            "残疾证号",
            "证号",
            required=True,
        ),
        _text(
            "category",
            "残疾类别",
            "视力 / 听力 / 言语 / 肢体 / 智力 / 精神 / 多重",
            "类别",
            required=True,
            choices=DISABILITY_CATEGORIES,
        ),
        ColumnSpec(
            "grade",
            pa.int8(),
            "残疾等级",
            "1 (most severe) to 4; grades 1–2 are 重度残疾",
            required=True,
            aliases=("等级",),
            choices=(1, 2, 3, 4),
        ),
        _date("issued_on", "发证日期", "date the certificate was issued", "办证日期"),
    ),
)

MEDICAL = _person_source(
    "medical",
    "医保个人自付",
    "医保",
    "one settlement (inpatient stay or chronic/serious outpatient treatment) with what the person paid "
    "after all insurance",
    "monthly",
    (
        _text(
            "kind",
            "就诊类型",
            "住院 / 门诊慢特病",
            "医疗类别",
            "结算类型",
            required=True,
            choices=MEDICAL_KINDS,
        ),
        _money(
            "out_of_pocket",
            "个人自付金额",
            "paid by the person after basic insurance, 大病保险 and assistance, 元",
            "个人自付",
            "自付金额",
            "个人负担",
            required=True,
        ),
        _date("settled_on", "结算日期", "settlement date", "结算时间", required=True),
    ),
)

STUDENTS = _person_source(
    "students",
    "家庭经济困难学生",
    "教育",
    "one student recognised as from a family in economic difficulty (家庭经济困难学生认定)",
    "each term",
    (
        _text("school", "就读学校", "school", "学校", "学校名称", required=True),
        _text(
            "level",
            "学段",
            "学前 / 小学 / 初中 / 高中 / 中职 / 高职 / 本科",
            "就读学段",
            "教育阶段",
            required=True,
            choices=SCHOOL_LEVELS,
        ),
        _text(
            "difficulty",
            "困难程度",
            "特别困难 / 困难 / 一般困难",
            "困难等级",
            "认定档次",
            required=True,
            choices=STUDENT_DIFFICULTIES,
        ),
    ),
    name_aliases=("学生姓名",),
)

FANPIN = _person_source(
    "fanpin",
    "防返贫监测对象",
    "乡村振兴（农业农村）",
    "one member of a household under 防止返贫 monitoring",
    "quarterly",
    (
        _text("household_number", "户编号", "the monitored household (its 户籍 户号)", "户号", "家庭户号"),
        _text(
            "category",
            "监测对象类别",
            "脱贫不稳定户 / 边缘易致贫户 / 突发严重困难户",
            "监测类型",
            "识别类型",
            "类别",
            required=True,
            choices=FANPIN_CATEGORIES,
        ),
        ColumnSpec(
            "is_relocated",
            pa.bool_(),
            "是否易地扶贫搬迁",
            "the household was relocated under 易地扶贫搬迁 (易迁户)",
            aliases=("易迁户", "是否易迁户"),
        ),
        _region_code("所在村区划代码"),
    ),
    name_aliases=("成员姓名",),
)

CONTRACTS: dict[str, SourceContract] = {
    contract.name: contract
    for contract in (
        HUKOU,
        DEATHS,
        VEHICLES,
        REAL_ESTATE,
        BUSINESSES,
        PENSIONS,
        UNEMPLOYMENT,
        HOUSING_FUND,
        TAX,
        DEPOSITS,
        DISABILITY,
        MEDICAL,
        STUDENTS,
        FANPIN,
    )
}
"""Every source the lake accepts, by code."""

DEPARTMENT_SOURCES = tuple(name for name in CONTRACTS if name != "hukou")
"""The sources the synthetic city generates (户籍 comes from the city itself)."""


def get_contract(name: str) -> SourceContract:
    """The contract of a source, or :class:`LakeError` in Chinese naming the known ones."""
    try:
        return CONTRACTS[name]
    except KeyError:
        known = "、".join(f"{code}（{contract.title}）" for code, contract in CONTRACTS.items())
        raise LakeError(f"未知的数据源：{name}。可用的数据源：{known}", code="unknown_source") from None
