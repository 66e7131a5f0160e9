"""The departmental datasets (部门数据) of the synthetic city, with planted findings and their truth.

For every source of `verification.lake.contracts` except 户籍 (which is the city's own population), this
module makes one Arrow table over the WHOLE registered population, at realistic volumes (about 30M rows at
scale 1, the bank deposits the biggest), in exactly the layout `minzheng lake ingest` writes: the
contract's columns, then ``id_raw``, ``id_status``, ``id_key``, ``row_number``. The matcher cannot tell
synthetic files from ingested ones.

Most records are *background*: about people who are NOT in the low-income registry, so they are never
findings. On registry members there are only

- **planted findings**, one truth row per record, with the finding code the matcher and the rules should
  raise (``death``, ``vehicle`` … see ``FINDING_CODES``), and
- **planted negatives** (``negative_*``): records about registry members that must NOT raise a finding —
  a 残疾人机动轮椅车 above the vehicle limit (exempt), a motorbike below it, a single home, a deregistered
  business, the 城乡居民基础养老金 (not counted as income), small deposits, small outpatient costs, a
  残联 certificate of a recipient or of grade 3–4, a 防返贫 household with a recipient.

Findings follow the two sides of ``verification.findings`` (policy-rules §1.7 and §4.2). Recipient-side
findings are planted on recipients — cohabiting members of households on dibao, or people on 特困, as
``synth.caseload`` assigns them when the registry is loaded. Coverage-side findings
are planted on members of registry households with no recipient whose income is clearly below the 低保边缘
line (1.5 × standard): the "low-income but not covered". Who is a recipient is the caseload the registry
load creates (`caseload_sides`).

=============================  =========================================================================
death                          a death record (any department) of a recipient
vehicle                        a vehicle other than 残疾人机动轮椅车 worth more than 20,000 元
real_estate                    two properties registered to one recipient (both records listed)
business                       法定代表人 or 股东 of an entity whose status is 存续
pension_income                 城镇职工 or 机关事业单位 pension above the dibao standard (720 / 475 元)
wage_income                    工资（社保缴费基数） above the dibao standard
tax_income                     last year's declared income, always above 12 × the standard
housing_fund                   any housing-fund deposit (formal employment)
deposits                       a balance above 24 months of the standard × the household's size
severe_disability_uncovered    a grade 1–2 残疾人证 (coverage side)
medical_costs                  out-of-pocket costs above 5,000 元 settled in the period (coverage side)
unemployed                     registered unemployed, status 失业 (coverage side)
poor_student                   recognised as a 家庭经济困难学生 (coverage side)
fanpin_uncovered               every member of a monitored registry household with no recipient
=============================  =========================================================================

Noise, on about 4% of planted and background records alike: a one-digit typo in the sequence digits of
the ID (→ bad checksum), the 15-digit form (people born 1900–1999), a wrong check character, a missing
ID, a name variant (a homophone or the traditional form of one character). Noisy records always carry
the birth date and the region code, so fuzzy matching can still find them.

The income sources (pensions, housing_fund, tax) are also written for the month before, for 收入下降:
this month's tables reused, the same except for planted changes on monitored registry members with
usable IDs (``INCOME_CHANGES`` …): ``income_drop`` (a wage or pension last month twice this month's, or a
wage last month and none now in a household with no other counted income), and negatives (a rise, a 20%
drop, a full drop of less than 300 元, a higher 城乡居民基础养老金, which is not counted). Their truth is a
file of its own (``INCOME_TRUTH_SCHEMA``, ``income_truth_path``), so the findings' evaluation is unchanged.

Everything is vectorised (numpy/Arrow); the loops are over sources, record groups and name-variant
tables, never over people. Deterministic for a (city, seed, period).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minzheng.synth import idnumbers
from minzheng.synth.city import SynthCity
from minzheng.verification.lake import storage
from minzheng.verification.lake.contracts import (
    BUSINESS_ROLES,
    CONTRACTS,
    DEPARTMENT_SOURCES,
    DISABILITY_CATEGORIES,
    DISABILITY_VEHICLE_TYPE,
    FANPIN_CATEGORIES,
    MONEY,
    PENSION_KINDS,
    SCHOOL_LEVELS,
    STUDENT_DIFFICULTIES,
    VEHICLE_TYPES,
    SourceContract,
    lake_schema,
)
from minzheng.verification.lake.ids import normalize_ids_with_keys

# --- volumes, rates, standards -------------------------------------------------------------------------

VOLUMES: dict[str, int] = {
    "deaths": 40_000,
    "vehicles": 1_000_000,
    "real_estate": 2_000_000,
    "businesses": 500_000,
    "pensions": 1_500_000,
    "unemployment": 100_000,
    "housing_fund": 400_000,
    "tax": 2_000_000,
    "deposits": 20_000_000,
    "disability": 300_000,
    "medical": 1_000_000,
    "students": 300_000,
    "fanpin": 300_000,
}
"""Rows per source at scale 1 (planted and background together); about 29.4M in all."""

FINDING_CODES = (
    "death",
    "vehicle",
    "real_estate",
    "business",
    "pension_income",
    "wage_income",
    "tax_income",
    "housing_fund",
    "deposits",
    "severe_disability_uncovered",
    "medical_costs",
    "unemployed",
    "poor_student",
    "fanpin_uncovered",
)
NEGATIVE_CODES = (
    "negative_vehicle_exempt",
    "negative_vehicle_below_limit",
    "negative_real_estate_single_home",
    "negative_business_closed",
    "negative_basic_pension",
    "negative_deposits_below_limit",
    "negative_disability_recorded",
    "negative_medical_small",
    "negative_fanpin_covered",
)

PLANTED: dict[str, tuple[float, str]] = {
    # recipient side: about people on dibao or 特困
    "death": (0.004, "recipients"),
    "vehicle": (0.008, "recipient_households"),
    "negative_vehicle_exempt": (0.002, "recipients"),
    "negative_vehicle_below_limit": (0.01, "recipient_households"),
    "real_estate": (0.006, "recipient_households"),
    "negative_real_estate_single_home": (0.03, "recipient_households"),
    "business": (0.004, "recipient_households"),
    "negative_business_closed": (0.004, "recipient_households"),
    "pension_income": (0.004, "recipients"),
    "wage_income": (0.004, "recipients"),
    "tax_income": (0.003, "recipients"),
    "housing_fund": (0.003, "recipients"),
    "deposits": (0.006, "recipient_households"),
    "negative_deposits_below_limit": (0.05, "recipient_households"),
    # coverage side: about people in low-income households that are on neither
    "severe_disability_uncovered": (0.05, "coverage"),
    "medical_costs": (0.08, "coverage"),
    "negative_medical_small": (0.02, "registry"),
    "unemployed": (0.05, "coverage"),
    "poor_student": (0.2, "coverage_children"),
    "fanpin_uncovered": (0.15, "coverage_households"),
    "negative_fanpin_covered": (0.4, "fanpin_volume"),
}
"""How many to plant: (share, base). The base counts recipients, their households, coverage-side persons,
their households or school-age children, all registry persons, or the 防返贫 volume. At least one of each
is planted whatever the scale. negative_basic_pension and negative_disability_recorded are not drawn: every
registry member they apply to gets the record, as the departments hold them."""

NOISE_SHARES: dict[str, float] = {
    "typo": 0.010,
    "id15": 0.008,
    "bad_check": 0.007,
    "missing_id": 0.005,
    "name_variant": 0.010,
}
"""Share of records with each kind of noise: 4% in all, planted and background alike."""
NOISE_KINDS = ("none", *NOISE_SHARES)

URBAN_STANDARD_FEN = 72_000
RURAL_STANDARD_FEN = 47_500
"""Dibao standards the findings are planted against, 元/人·月 in fen (720 urban, 475 rural)."""
VEHICLE_LIMIT_FEN = 2_000_000
DEPOSIT_MONTHS = 24
MEDICAL_THRESHOLD_FEN = 500_000

BIRTH_DATE_SHARES: dict[str, float] = {
    "deaths": 0.9,
    "vehicles": 0.6,
    "real_estate": 0.5,
    "businesses": 0.4,
    "pensions": 0.9,
    "unemployment": 0.9,
    "housing_fund": 0.7,
    "tax": 0.5,
    "deposits": 0.3,
    "disability": 0.95,
    "medical": 0.9,
    "students": 0.95,
    "fanpin": 0.95,
}
"""Share of records with a birth date (noisy records always have one)."""
REGION_CODE_SHARES: dict[str, float] = {
    "deaths": 1.0,
    "vehicles": 0.7,
    "real_estate": 0.8,
    "businesses": 0.6,
    "pensions": 0.9,
    "unemployment": 0.9,
    "housing_fund": 0.6,
    "tax": 0.6,
    "deposits": 0.5,
    "disability": 0.95,
    "medical": 0.8,
    "students": 0.9,
    "fanpin": 1.0,
}
"""Share of records with a region code (noisy records always have one)."""

RECORD_PREFIXES: dict[str, str] = {
    "deaths": "DTH",
    "vehicles": "VEH",
    "real_estate": "EST",
    "businesses": "BIZ",
    "pensions": "PEN",
    "unemployment": "UNE",
    "housing_fund": "HSF",
    "tax": "TAX",
    "deposits": "DEP",
    "disability": "DIS",
    "medical": "MED",
    "students": "STU",
    "fanpin": "FPM",
}
RECORD_ID_DIGITS = 9

TRUTH_SCHEMA = pa.schema(
    [
        ("finding_code", pa.string()),
        ("id_number", pa.string()),
        ("source", pa.string()),
        ("record_id", pa.string()),
        ("noise", pa.string()),
        ("household_id", pa.int64()),
    ]
)
"""One row per planted record: the code (a finding or ``negative_*``), the true ID of the person, where the
record is, its noise, and the person's registry household (null for fanpin_uncovered)."""

INCOME_SOURCES = ("pensions", "housing_fund", "tax")
"""The sources written for the previous month too: what 收入下降 compares (``monitoring.rules``)."""
INCOME_CODES = (
    "income_drop",
    "negative_income_rise",
    "negative_income_small_share",
    "negative_income_small_amount",
    "negative_income_basic_pension",
)
INCOME_CHANGES: dict[str, float] = {
    "income_drop": 0.4,
    "negative_income_rise": 0.15,
    "negative_income_small_share": 0.15,
}
"""Shares of the registry members with exactly one counted income record (a pension, wage base, deposit
base or tax record, noise-free, cohabiting) whose previous month differs: doubled (a 50% drop), halved
(a rise), or × 1.25 (a 20% drop of at least 300 元: above the amount, below the 30% share). The others are
the same in both months."""
INCOME_GONE = 0.01
"""Share of monitored households (a recipient, or 低保边缘 on the coverage side) with no counted income
this month in which one member had a wage last month (人社 contribution base or 公积金 deposit base,
1,900–4,000 元): a drop to nothing, the household left with no income (较重)."""
INCOME_SMALL = 0.003
"""Share of such households in which one member had last month a tax record of 2,400–3,480 元 a year
(200–290 元/月, gone this month): a full drop, but below the 300 元 amount."""
BASIC_PENSION_CHANGE = 0.01
"""Share of the 城乡居民基础养老金 records 400 元 higher last month: not counted as income, no warning."""

INCOME_TRUTH_SCHEMA = pa.schema(
    [
        ("code", pa.string()),
        ("id_number", pa.string()),
        ("household_id", pa.int64()),
        ("source", pa.string()),
        ("record_id", pa.string()),
        ("previous_monthly", MONEY),
        ("current_monthly", MONEY),
        ("household_without_income", pa.bool_()),
    ]
)
"""One row per planted change between the previous month and this one: ``income_drop`` (a 收入下降 warning
is due) or a ``negative_income_*`` (none is), the true ID and registry household of the person, the changed
record, the person's monthly income as the monitoring counts it in both months (元/月: the counted
pension, the wage base, or the tax year's income ÷ 12 in whole fen), and whether the household is left
with no counted income this month (the warning is then 较重)."""

BANKS = (
    ("中国农业银行", 0.26),
    ("中国邮政储蓄银行", 0.20),
    ("昭通农商银行", 0.22),
    ("中国建设银行", 0.10),
    ("中国工商银行", 0.08),
    ("中国银行", 0.05),
    ("富滇银行", 0.05),
    ("云南红塔银行", 0.04),
)
EMPLOYER_SUFFIXES = (
    "人民医院", "中医医院", "第一中学", "第二中学", "人民政府", "教育体育局", "财政局", "农业农村局",
    "公安局", "自然资源局", "市场监督管理局", "供销合作社", "自来水公司", "农村信用合作联社", "卫生健康局",
)  # fmt: skip
CITY_EMPLOYERS = (
    "昭通供电局", "云南烟草昭通分公司", "昭通学院", "中国移动昭通分公司", "昭通市第一人民医院",
    "昭通市交通运输局", "云南昭通中级人民法院", "昭通市城市建设投资有限公司",
)  # fmt: skip
BUSINESS_STEMS = (
    "鑫源", "宏达", "恒通", "金沙", "乌蒙", "云岭", "盛源", "兴旺", "华宇", "天成", "顺发", "利民",
    "昭阳", "龙腾", "永盛", "嘉禾", "佳园", "森茂", "高原", "苹果",
)  # fmt: skip
BUSINESS_TRADES = ("商贸", "建材", "农业开发", "养殖", "餐饮", "运输", "五金", "食品", "建筑工程", "电子科技")
SCHOOLS_BY_LEVEL: dict[str, tuple[tuple[str, ...], bool]] = {
    "学前": (("中心幼儿园", "第一幼儿园", "实验幼儿园"), True),
    "小学": (("实验小学", "第一小学", "中心小学", "民族小学"), True),
    "初中": (("第一中学", "第二中学", "民族中学", "实验中学"), True),
    "高中": (("第一中学", "第二中学", "民族中学"), True),
    "中职": (("职业技术学校", "职业高级中学"), True),
    "高职": (("昭通卫生职业学院", "云南工贸职业技术学院", "云南农业职业技术学院"), False),
    "本科": (("昭通学院", "云南大学", "云南师范大学", "昆明理工大学", "曲靖师范学院"), False),
}
"""School names per level; True means "prefixed with the county's name" (昭阳区第一中学)."""

HOMOPHONES: tuple[tuple[str, str], ...] = (
    ("伟", "玮"), ("丽", "莉"), ("娟", "鹃"), ("静", "婧"), ("艳", "燕"), ("军", "君"), ("明", "铭"),
    ("华", "花"), ("英", "瑛"), ("芳", "方"), ("红", "宏"), ("玲", "铃"), ("梅", "玫"), ("霞", "侠"),
    ("杰", "洁"), ("涛", "韬"), ("斌", "彬"), ("超", "朝"), ("磊", "蕾"), ("鹏", "朋"), ("平", "萍"),
    ("刚", "钢"), ("林", "琳"), ("波", "博"), ("辉", "晖"), ("俊", "骏"), ("峰", "锋"), ("东", "冬"),
    ("云", "芸"), ("兵", "冰"), ("飞", "菲"), ("永", "勇"), ("贵", "桂"), ("建", "健"), ("志", "智"),
    ("文", "雯"), ("德", "得"), ("学", "雪"), ("正", "政"), ("荣", "蓉"), ("福", "富"), ("全", "泉"),
    ("光", "广"), ("春", "纯"), ("兴", "星"), ("成", "诚"), ("秀", "琇"), ("兰", "岚"), ("珍", "贞"),
    ("凤", "风"), ("玉", "钰"), ("莲", "连"), ("翠", "萃"), ("仙", "先"), ("琴", "勤"), ("香", "湘"),
    ("宇", "雨"), ("浩", "皓"), ("轩", "宣"), ("梓", "子"), ("睿", "锐"), ("泽", "则"), ("涵", "晗"),
    ("辰", "晨"), ("天", "添"), ("鑫", "欣"), ("怡", "宜"), ("诗", "思"), ("佳", "嘉"), ("萱", "璇"),
    ("琪", "琦"), ("悦", "月"), ("雅", "亚"), ("婷", "庭"), ("彤", "桐"), ("瑶", "遥"), ("妍", "研"),
    ("梦", "孟"), ("国", "果"), ("海", "凯"), ("强", "墙"), ("敏", "民"), ("燕", "艳"), ("晓", "小"),
)  # fmt: skip
"""Characters often written for one another in records (same or near pinyin), simplified → variant."""
TRADITIONAL: tuple[tuple[str, str], ...] = (
    ("张", "張"), ("刘", "劉"), ("陈", "陳"), ("杨", "楊"), ("赵", "趙"), ("黄", "黃"), ("吴", "吳"),
    ("马", "馬"), ("罗", "羅"), ("邓", "鄧"), ("冯", "馮"), ("韩", "韓"), ("郑", "鄭"), ("谢", "謝"),
    ("许", "許"), ("苏", "蘇"), ("卢", "盧"), ("蒋", "蔣"), ("叶", "葉"), ("钟", "鍾"), ("汤", "湯"),
    ("龙", "龍"), ("陆", "陸"), ("孙", "孫"), ("国", "國"), ("华", "華"), ("伟", "偉"), ("丽", "麗"),
    ("军", "軍"), ("刚", "剛"), ("红", "紅"), ("兰", "蘭"), ("凤", "鳳"), ("东", "東"), ("云", "雲"),
    ("贵", "貴"), ("荣", "榮"), ("兴", "興"), ("发", "發"), ("学", "學"), ("飞", "飛"), ("鹏", "鵬"),
    ("涛", "濤"), ("辉", "輝"), ("艳", "艷"), ("宝", "寶"), ("进", "進"), ("庆", "慶"), ("义", "義"),
)  # fmt: skip
"""Simplified → traditional form, as names written by hand or carried over from old records appear."""

_ID15_FIRST_YEAR, _ID15_LAST_YEAR = 1900, 1999
_CENTENARIAN_SEQUENCE = 996


@dataclass(frozen=True)
class Departments:
    """One Arrow table per departmental source (the lake layout) and the truth of what was planted."""

    period: str
    reference_date: datetime.date
    deaths: pa.Table
    vehicles: pa.Table
    real_estate: pa.Table
    businesses: pa.Table
    pensions: pa.Table
    unemployment: pa.Table
    housing_fund: pa.Table
    tax: pa.Table
    deposits: pa.Table
    disability: pa.Table
    medical: pa.Table
    students: pa.Table
    fanpin: pa.Table
    truth: pa.Table
    """TRUTH_SCHEMA rows, sorted by source, finding code and record."""
    previous_period: str
    """The month before ``period``: the income sources are written for it too (收入下降 compares with it)."""
    previous: dict[str, pa.Table]
    """pensions, housing_fund and tax of ``previous_period``: this month's tables but for the planted changes."""
    income_truth: pa.Table
    """INCOME_TRUTH_SCHEMA rows: the planted income changes between the two months, sorted by code and record."""

    def tables(self) -> dict[str, pa.Table]:
        """The departmental tables by source code, in contract order."""
        return {name: getattr(self, name) for name in DEPARTMENT_SOURCES}

    @property
    def row_count(self) -> int:
        return sum(table.num_rows for table in self.tables().values())


# --- the people the records are about ------------------------------------------------------------------


@dataclass(frozen=True)
class _People:
    """Per-person arrays over the whole 户籍 population, and what the registry says about each person."""

    id_numbers: pa.StringArray
    keys: np.ndarray
    """id_key of each person (the first 17 digits)."""
    names: pa.StringArray
    birth_dates: np.ndarray
    age: np.ndarray
    birth_year: np.ndarray
    region_codes: pa.StringArray
    household_numbers: pa.StringArray
    household: np.ndarray
    """Index of the registration household (rows are grouped by household)."""
    is_head: np.ndarray
    is_male: np.ndarray
    is_urban: np.ndarray
    county: np.ndarray
    """Index into ``county_names``."""
    county_names: pa.StringArray
    village_names: pa.StringArray
    registry_household: np.ndarray
    """Registry household_id, 0 for people outside the registry."""
    registry_size: np.ndarray
    standard_fen: np.ndarray
    """The dibao standard of the person's registry household (0 outside the registry)."""
    registry_disability_grade: np.ndarray
    """Grade the registry records (0: none)."""
    registry_retired: np.ndarray
    disability_category: pa.StringArray
    registry_identities: pa.StringArray
    registry_keys: np.ndarray
    """id_key of every registry member, sorted."""
    """name|birth date|region of every registry member: what a fuzzy match of a bad ID would look at."""
    recipient: np.ndarray
    """On dibao (a cohabiting member of an eligible household) or 特困, by the caseload's own rules."""
    coverage: np.ndarray
    """In a registry household with no recipient whose income is clearly below the 低保边缘 line."""

    @property
    def count(self) -> int:
        return len(self.age)

    @property
    def in_registry(self) -> np.ndarray:
        return self.registry_household > 0


def _ages(birth_dates: np.ndarray, on: datetime.date) -> np.ndarray:
    year, month, day = idnumbers.civil_from_days(birth_dates)
    before_birthday = month * 100 + day > on.month * 100 + on.day
    return on.year - year - before_birthday.astype(np.int64)


def _people(city: SynthCity) -> _People:
    population = city.population
    count = population.num_rows
    keys = np.asarray(population.column("id_key"))
    birth_dates = np.asarray(population.column("birth_date").combine_chunks()).astype("datetime64[D]")
    household_numbers = population.column("hukou_household_number").combine_chunks()
    starts = np.ones(count, dtype=bool)
    if count > 1:
        starts[1:] = np.asarray(pc.not_equal(household_numbers[1:], household_numbers[:-1]))
    regions = city.regions
    villages = regions.filter(pc.equal(regions.column("level"), "village"))
    counties = regions.filter(pc.equal(regions.column("level"), "county"))
    region_codes = population.column("hukou_region_code").combine_chunks()
    village = np.asarray(pc.index_in(region_codes, villages.column("code")))
    county = np.asarray(pc.index_in(pc.utf8_slice_codeunits(region_codes, 0, 6), counties.column("code")))

    persons = city.persons
    person_keys = idnumbers.id_keys_from_numbers(persons.column("id_number"))
    order = np.argsort(person_keys)
    position = np.searchsorted(person_keys[order], keys)
    position = np.minimum(position, max(len(order) - 1, 0))
    found = (person_keys[order][position] == keys) if len(order) else np.zeros(count, dtype=bool)
    person_row = np.where(found, order[position], -1)

    memberships = city.memberships
    member_keys = idnumbers.id_keys_from_numbers(memberships.column("id_number"))
    member_household = np.asarray(memberships.column("household_id"))
    member_order = np.argsort(member_keys)
    member_position = np.minimum(
        np.searchsorted(member_keys[member_order], keys), max(len(member_order) - 1, 0)
    )
    is_member = found & (member_keys[member_order][member_position] == keys)
    registry_household = np.where(is_member, member_household[member_order][member_position], 0)
    household_ids = np.asarray(city.households.column("household_id"))
    urban_households = np.asarray(pc.equal(city.households.column("urban_rural"), "urban"))
    household_size = np.bincount(member_household, minlength=int(household_ids.max(initial=0)) + 1)
    is_urban_household = np.zeros(len(household_size), dtype=bool)
    is_urban_household[household_ids] = urban_households
    standard = np.where(is_urban_household[registry_household], URBAN_STANDARD_FEN, RURAL_STANDARD_FEN)

    recipient, coverage = caseload_sides(city)
    safe_row = pa.array(np.maximum(person_row, 0))
    grades = np.asarray(pc.fill_null(persons.column("disability_grade").take(safe_row), 0)).astype(np.int64)
    retired = np.asarray(pc.equal(persons.column("employment").take(safe_row), "退休"))
    village_urban = np.asarray(pc.equal(villages.column("urban_rural"), "urban"))
    year, _, _ = idnumbers.civil_from_days(birth_dates)
    return _People(
        id_numbers=population.column("id_number").combine_chunks(),
        keys=keys,
        names=population.column("name").combine_chunks(),
        birth_dates=birth_dates,
        age=_ages(birth_dates, city.reference_date),
        birth_year=year,
        region_codes=region_codes,
        household_numbers=household_numbers,
        household=np.cumsum(starts) - 1,
        is_head=np.asarray(pc.equal(population.column("relation_to_head"), "户主")),
        is_male=np.asarray(pc.equal(population.column("sex"), "男")),
        is_urban=village_urban[village],
        county=county,
        county_names=counties.column("name").combine_chunks(),
        village_names=villages.column("name").combine_chunks().take(pa.array(village)),
        registry_household=registry_household.astype(np.int64),
        registry_size=np.where(is_member, household_size[registry_household], 0),
        standard_fen=np.where(is_member, standard, 0).astype(np.int64),
        registry_disability_grade=np.where(found, grades, 0),
        registry_retired=found & retired,
        disability_category=persons.column("disability_category").combine_chunks().take(safe_row),
        registry_identities=_identities(
            persons.column("name"), persons.column("birth_date"), persons.column("hukou_region_code")
        ),
        registry_keys=np.sort(person_keys),
        recipient=found & recipient[np.maximum(person_row, 0)],
        coverage=found & coverage[np.maximum(person_row, 0)],
    )


EDGE_MARGIN = "1.3"
"""Coverage-side findings are planted only where the household's income is below 1.3 × standard × persons,
safely under the 1.5 × 低保边缘 line whatever small differences the record plane's means make."""


def caseload_sides(city: SynthCity) -> tuple[np.ndarray, np.ndarray]:
    """(recipient, coverage) per row of ``city.persons``: the caseload the registry load will create.

    The load (`synth.load`, into an empty registry) runs `synth.caseload` with database ids that start at
    1 in id-number order; run here the same way, it gives the same entitlements, including the ~3% kept
    on dibao and the ~3% ended in 2023. Recipient, as `verification.findings` decides it: a cohabiting
    member of a household with a dibao entitlement in force at the reference date, or a person on 特困.
    Coverage: a member of a household with neither whose counted income is below ``EDGE_MARGIN`` ×
    standard × persons. Loaded into a registry that already held households, the ids (and so the draws)
    differ: a few percent of plants then sit on the other side.
    """
    from minzheng.assistance.domain.defaults import default_profile, default_standards
    from minzheng.synth import caseload

    as_of = city.reference_date
    profile = default_profile()
    params = caseload.LineParams(
        urban_standard=str(default_standards("530602001001", "urban", as_of).dibao_monthly.value),
        rural_standard=str(default_standards("530602001001", "rural", as_of).dibao_monthly.value),
        financial_months=profile.financial_assets_months_per_capita.value,
        vehicle_limit=str(profile.vehicle_value_limit.value),
        max_houses=profile.max_houses.value,
    )
    con = duckdb.connect()
    try:
        for name in ("persons", "memberships", "incomes", "assets", "households"):
            con.register(f"{name}_in", getattr(city, name))
        con.execute(
            "CREATE TEMP TABLE person_ids AS SELECT id_number, row_number() OVER (ORDER BY id_number) AS id "
            "FROM persons_in"
        )
        caseload.build_views(con, params, as_of, 0)
        con.register("entitlements_in", caseload.entitlements(con, as_of))
        flags = con.sql(
            f"""
            WITH in_force AS (
                SELECT * FROM entitlements_in
                WHERE end_month IS NULL OR end_month >= DATE '{as_of.replace(day=1).isoformat()}'
            ),
            dibao_households AS (SELECT DISTINCT household_id FROM in_force WHERE scheme = 'dibao'),
            tekun_people AS (SELECT DISTINCT person_id, household_id FROM in_force WHERE scheme = 'tekun'),
            side AS (
                SELECT h.household_id,
                       d.household_id IS NOT NULL OR t.household_id IS NOT NULL AS covered,
                       h.net_income < CAST({EDGE_MARGIN} AS DECIMAL(4, 2)) * h.standard * h.persons AS below_edge
                FROM household_means h
                LEFT JOIN dibao_households d USING (household_id)
                LEFT JOIN (SELECT DISTINCT household_id FROM tekun_people) t USING (household_id)
            )
            SELECT p.id_number,
                   (d.household_id IS NOT NULL AND coalesce(m.is_cohabiting, FALSE)) OR t.person_id IS NOT NULL
                       AS recipient,
                   coalesce(NOT s.covered AND s.below_edge, FALSE) AS coverage
            FROM persons_in p
            JOIN person_ids i USING (id_number)
            LEFT JOIN member m ON m.person_id = i.id
            LEFT JOIN side s ON s.household_id = m.household_id
            LEFT JOIN dibao_households d ON d.household_id = m.household_id
            LEFT JOIN tekun_people t ON t.person_id = i.id
            ORDER BY p.id_number
            """
        ).to_arrow_table()
    finally:
        con.close()
    # flags are sorted by id_number; bring them back to the order of city.persons
    order = np.argsort(
        np.asarray(city.persons.column("id_number").to_numpy(zero_copy_only=False)), kind="stable"
    )
    recipient = np.zeros(city.persons.num_rows, dtype=bool)
    coverage = np.zeros(city.persons.num_rows, dtype=bool)
    recipient[order] = np.asarray(flags.column("recipient"))
    coverage[order] = np.asarray(flags.column("coverage"))
    return recipient, coverage & ~recipient


def _identities(names: Any, birth_dates: Any, region_codes: Any) -> pa.Array:
    """name|YYYY-MM-DD|region, the exact identity a fuzzy matcher would certainly link."""
    return _join(names, "|", pc.cast(birth_dates, pa.string()), "|", region_codes)


# --- small vectorised helpers --------------------------------------------------------------------------


def _decimal(cents: np.ndarray, type_: pa.DataType) -> pa.Array:
    """decimal128(p, 2) from integer hundredths, exactly (no float on the way to the decimal)."""
    cents = np.asarray(cents, dtype=np.int64)
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)  # two's-complement high word
    return pa.Array.from_buffers(type_, len(cents), [None, pa.py_buffer(words)])


def _lognormal_fen(
    rng: np.random.Generator, count: int, median: float, sigma: float, low: float, high: float
) -> np.ndarray:
    """Whole-yuan amounts in fen, log-normal around ``median`` yuan, clipped to [low, high]."""
    values = np.clip(median * np.exp(rng.normal(0.0, sigma, count)), low, high)
    return np.rint(values).astype(np.int64) * 100


def _uniform_fen(rng: np.random.Generator, count: int, low: int, high: int) -> np.ndarray:
    return rng.integers(low, high + 1, count).astype(np.int64) * 100


def _dates(rng: np.random.Generator, count: int, start: datetime.date, end: datetime.date) -> np.ndarray:
    span = max((end - start).days, 0) + 1
    return np.datetime64(start, "D") + rng.integers(0, span, count).astype("timedelta64[D]")


def _labels(values: tuple[str, ...] | list[str], codes: np.ndarray) -> pa.Array:
    return pa.array(list(values), pa.string()).take(pa.array(np.asarray(codes, dtype=np.int64)))


def _choose(rng: np.random.Generator, shares: tuple[float, ...], count: int) -> np.ndarray:
    weights = np.asarray(shares, dtype=np.float64)
    return rng.choice(len(weights), size=count, p=weights / weights.sum())


def _text_numbers(numbers: np.ndarray, width: int) -> pa.Array:
    """Zero-padded decimal text of integers."""
    return pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0")


def _join(*parts: Any) -> pa.Array:
    """Element-wise concatenation of string arrays and scalars."""
    return pc.binary_join_element_wise(*parts, "")


def _fixed_width(matrix: np.ndarray) -> pa.StringArray:
    """An Arrow string array from an (n, width) matrix of ASCII bytes, without Python strings."""
    count, width = matrix.shape
    offsets = np.arange(0, width * count + 1, width, dtype=np.int32)
    data = np.ascontiguousarray(matrix, dtype=np.uint8)
    return pa.Array.from_buffers(pa.string(), count, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _ascii_matrix(strings: pa.Array, width: int) -> np.ndarray:
    """(n, width) bytes of strings that all have exactly ``width`` ASCII characters."""
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int32)[
        strings.offset : strings.offset + len(strings) + 1
    ]
    data = np.frombuffer(strings.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.reshape(len(strings), width).copy()


def _weighted_sample(rng: np.random.Generator, weights: np.ndarray, count: int) -> np.ndarray:
    """``count`` distinct indices, drawn with probability ∝ weight (Efraimidis–Spirakis keys, one partition)."""
    candidates = np.flatnonzero(weights > 0)
    count = min(count, len(candidates))
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    keys = np.log(rng.random(len(candidates))) / weights[candidates]
    chosen = np.argpartition(-keys, count - 1)[:count]
    return np.sort(candidates[chosen])


def _draw(rng: np.random.Generator, weights: np.ndarray, count: int) -> np.ndarray:
    """``count`` indices drawn WITH replacement (several accounts, several stays), probability ∝ weight."""
    total = weights.sum()
    if count <= 0 or total <= 0:
        return np.zeros(0, dtype=np.int64)
    # Counts per person in one multinomial draw: sorted output, no binary search per record.
    counts = rng.multinomial(count, weights / total)
    return np.repeat(np.arange(len(weights), dtype=np.int64), counts)


def _record_ids(prefix: str, count: int, start: int = 0) -> pa.StringArray:
    """PREFIX000000001, PREFIX000000002 … (from ``start`` + 1) as fixed-width text built from bytes."""
    matrix = np.empty((count, len(prefix) + RECORD_ID_DIGITS), dtype=np.uint8)
    matrix[:, : len(prefix)] = np.frombuffer(prefix.encode(), dtype=np.uint8)
    remaining = np.arange(start + 1, start + count + 1, dtype=np.int64)
    for column in range(len(prefix) + RECORD_ID_DIGITS - 1, len(prefix) - 1, -1):
        remaining, digit = np.divmod(remaining, 10)
        matrix[:, column] = digit + ord("0")
    return _fixed_width(matrix)


def _planted_count(share: float, base: int) -> int:
    return max(1, round(share * base))


class _RegistryPicker:
    """Picks living registry members for planting. Within a source a household is used by one group only,
    so findings and negatives never share a household (the rules sum houses and deposits per household);
    ``per_household`` also limits a group to one member per household."""

    def __init__(self, people: _People, rng: np.random.Generator, alive: np.ndarray) -> None:
        self.people = people
        self.rng = rng
        self.alive = alive
        self.used = np.zeros(int(people.registry_household.max(initial=0)) + 1, dtype=bool)

    def pick(self, eligible: np.ndarray, count: int, *, per_household: bool = True) -> np.ndarray:
        people = self.people
        mask = eligible & people.in_registry & self.alive & ~self.used[people.registry_household]
        candidates = self.rng.permutation(np.flatnonzero(mask))
        if per_household:
            _, first = np.unique(people.registry_household[candidates], return_index=True)
            candidates = candidates[np.sort(first)]
        chosen = np.sort(candidates[:count])
        self.used[people.registry_household[chosen]] = True
        return chosen


# --- records of one source, then the lake table --------------------------------------------------------


@dataclass
class _Part:
    people: np.ndarray
    code: str | None
    columns: dict[str, Any]


@dataclass
class _Records:
    """Record groups of one source; each group is about ``people`` and is background (code None) or planted."""

    parts: list[_Part] = field(default_factory=list)

    def add(self, people: np.ndarray, code: str | None, **columns: Any) -> None:
        people = np.asarray(people, dtype=np.int64)
        if len(people):
            self.parts.append(_Part(people, code, columns))


def _column_array(value: Any, type_: pa.DataType, count: int) -> pa.Array:
    """A column piece as Arrow: None → nulls; numpy money in fen → decimal; dates; scalars repeated."""
    if value is None:
        return pa.nulls(count, type_)
    if isinstance(value, pa.ChunkedArray):
        value = value.combine_chunks()
    if isinstance(value, pa.Array):
        return value if value.type == type_ else pc.cast(value, type_)
    if isinstance(value, str | bool | int):
        return pa.array([value], type_).take(pa.array(np.zeros(count, dtype=np.int64)))
    array = np.asarray(value)
    if pa.types.is_decimal(type_):
        return _decimal(array, type_)
    if pa.types.is_date(type_):
        return pa.array(array.astype("datetime64[D]"), pa.date32(), mask=np.isnat(array))
    return pa.array(array, type_)


_COMMON_COLUMNS = ("record_id", "id_number", "name", "birth_date", "region_code")


def _noise_kinds(
    rng: np.random.Generator, people: _People, persons: np.ndarray, names: pa.Array, background: np.ndarray
) -> np.ndarray:
    """Noise kind per record (index into NOISE_KINDS); impossible kinds fall back to a typo.

    A background record whose ID is made unusable while its name, birth date and region are exactly those
    of a registry member keeps its ID instead: the fuzzy fallback would rightly link it to that member,
    and a background record must never become a finding.
    """
    thresholds = np.cumsum(list(NOISE_SHARES.values()))
    kinds = np.searchsorted(thresholds, rng.random(len(persons)), side="right") + 1
    kinds[kinds > len(NOISE_SHARES)] = 0
    typo, id15, name_variant = (NOISE_KINDS.index(kind) for kind in ("typo", "id15", "name_variant"))
    year = people.birth_year[persons]
    sequence = people.keys[persons] % 1_000
    id15_possible = (
        (year >= _ID15_FIRST_YEAR) & (year <= _ID15_LAST_YEAR) & (sequence < _CENTENARIAN_SEQUENCE)
    )
    kinds[(kinds == id15) & ~id15_possible] = typo
    wants_variant = np.flatnonzero(kinds == name_variant)
    if len(wants_variant):
        variable = np.asarray(pc.match_substring_regex(names.take(pa.array(wants_variant)), _VARIANT_CLASS))
        kinds[wants_variant[~variable]] = typo
    unusable = np.isin(kinds, [NOISE_KINDS.index(kind) for kind in ("typo", "bad_check", "missing_id")])
    suspect = np.flatnonzero(unusable & background)
    if len(suspect):
        who = pa.array(persons[suspect])
        identities = _identities(
            names.take(pa.array(suspect)),
            pa.array(people.birth_dates[persons[suspect]], pa.date32()),
            people.region_codes.take(who),
        )
        kinds[suspect[np.asarray(pc.is_in(identities, value_set=people.registry_identities))]] = 0
    return kinds


_VARIANT_CLASS = "[" + "".join(dict.fromkeys(a for a, _ in HOMOPHONES + TRADITIONAL)) + "]"


def _name_variants(names: pa.Array, rng: np.random.Generator) -> pa.Array:
    """One character of each name replaced by a homophone or its traditional form (half each, falling back
    to the other table when the first has nothing for the name)."""
    result = names
    changed = np.zeros(len(names), dtype=bool)
    homophone_first = rng.random(len(names)) < 0.5
    for rows, table in (
        (homophone_first, HOMOPHONES),
        (~homophone_first, TRADITIONAL),
        (np.ones(len(names), dtype=bool), HOMOPHONES + TRADITIONAL),
    ):
        for original, variant in table:
            todo = rows & ~changed
            if not todo.any():
                break
            hits = todo & np.asarray(pc.match_substring(result, original))
            if hits.any():
                replaced = pc.replace_substring(
                    result.filter(pa.array(hits)), original, variant, max_replacements=1
                )
                result = pc.replace_with_mask(result, pa.array(hits), replaced)
                changed |= hits
    return result


def _noisy_ids(
    rng: np.random.Generator,
    true_ids: pa.Array,
    kinds: np.ndarray,
    background: np.ndarray,
    registry_keys: np.ndarray,
) -> tuple[pa.Array, np.ndarray]:
    """The IDs as the department sent them — typos, 15-digit forms, wrong check characters, missing —
    and the noise kinds, less the typos given up (see below)."""
    matrix = _ascii_matrix(true_ids, 18)
    typo = np.flatnonzero(kinds == NOISE_KINDS.index("typo"))
    # One sequence digit (positions 15–17) off: a single substitution always breaks MOD 11-2, and the
    # birth date and address code stay readable.
    position = rng.integers(14, 17, len(typo))
    digit = matrix[typo, position].astype(np.int64) - ord("0")
    original = matrix[typo, position].copy()
    matrix[typo, position] = ((digit + rng.integers(1, 10, len(typo))) % 10 + ord("0")).astype(np.uint8)
    # With ~50 people per county and birth day, a typo in a background record's sequence can spell the
    # first 17 digits of a registry member: that record would rightly be linked to them. Keep its ID.
    body = np.zeros(len(typo), dtype=np.int64)
    for column in range(17):
        body = body * 10 + (matrix[typo, column].astype(np.int64) - ord("0"))
    clash = background[typo] & np.isin(body, registry_keys)
    matrix[typo[clash], position[clash]] = original[clash]
    kinds = kinds.copy()
    kinds[typo[clash]] = 0
    bad_check = np.flatnonzero(kinds == NOISE_KINDS.index("bad_check"))
    characters = np.frombuffer(b"0123456789X", dtype=np.uint8)
    current = np.searchsorted(characters, matrix[bad_check, 17])  # the 11 characters are in byte order
    matrix[bad_check, 17] = characters[(current + rng.integers(1, 11, len(bad_check))) % 11]
    ids = _fixed_width(matrix)
    id15 = kinds == NOISE_KINDS.index("id15")
    if id15.any():
        rows = np.flatnonzero(id15)
        short = np.concatenate([matrix[rows, :6], matrix[rows, 8:17]], axis=1)
        ids = pc.replace_with_mask(ids, pa.array(id15), _fixed_width(short))
    missing = kinds == NOISE_KINDS.index("missing_id")
    return pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), ids), kinds


def _assemble(
    source: str,
    records: _Records,
    people: _People,
    rng: np.random.Generator,
    reference_date: datetime.date,
) -> tuple[pa.Table, pa.Table]:
    """The lake table of a source (shuffled, numbered, noised, IDs normalised) and its truth rows."""
    contract: SourceContract = CONTRACTS[source]
    persons = (
        np.concatenate([part.people for part in records.parts]) if records.parts else np.zeros(0, np.int64)
    )
    codes = [part.code for part in records.parts]
    code_index = (
        np.concatenate(
            [np.full(len(part.people), index, dtype=np.int64) for index, part in enumerate(records.parts)]
        )
        if records.parts
        else np.zeros(0, np.int64)
    )
    supplied = {name for part in records.parts for name in part.columns}
    columns: dict[str, pa.Array] = {}
    for spec in contract.columns:
        if spec.name in _COMMON_COLUMNS and spec.name not in supplied:
            continue  # filled below from the person (region_code may come with the record: deaths, 防返贫)
        pieces = [
            _column_array(part.columns.get(spec.name), spec.type, len(part.people)) for part in records.parts
        ]
        columns[spec.name] = pa.concat_arrays(pieces) if pieces else pa.array([], spec.type)
    for part in records.parts:
        part.columns = {}  # concatenated: let the pieces go (the deposits are gigabytes at scale 1)

    count = len(persons)
    # Records in 户籍 order (county, village, household), as files sorted by region arrive; planted and
    # background records interleave, and the takes from the population read memory in order.
    order = np.argsort(persons, kind="stable")
    if (order != np.arange(count)).any():
        persons, code_index = persons[order], code_index[order]
        take = pa.array(order)
        columns = {name: array.take(take) for name, array in columns.items()}

    true_ids = people.id_numbers.take(pa.array(persons))
    names = people.names.take(pa.array(persons))
    is_planted = np.array([code is not None for code in codes], dtype=bool)
    background = ~is_planted[code_index] if count else np.zeros(0, dtype=bool)
    kinds = _noise_kinds(rng, people, persons, names, background)
    variant = kinds == NOISE_KINDS.index("name_variant")
    if variant.any():
        names = pc.replace_with_mask(
            names, pa.array(variant), _name_variants(names.filter(pa.array(variant)), rng)
        )
    id_raw, kinds = _noisy_ids(rng, true_ids, kinds, background, people.registry_keys)
    noisy = kinds > 0
    planted = np.flatnonzero(~background)
    planted_ids = true_ids.take(pa.array(planted))
    del true_ids
    normalized, status, keys = normalize_ids_with_keys(id_raw, today=reference_date)

    birth_dates = people.birth_dates[persons]
    has_birth = noisy | (rng.random(count) < BIRTH_DATE_SHARES[source])
    has_region = noisy | (rng.random(count) < REGION_CODE_SHARES[source])
    prefix = RECORD_PREFIXES[source]
    record_ids = _record_ids(prefix, count)
    columns["record_id"] = record_ids
    columns["id_number"] = normalized
    columns["name"] = names
    columns["birth_date"] = pa.array(birth_dates, pa.date32(), mask=~has_birth)
    if "region_code" not in columns:
        columns["region_code"] = pc.if_else(
            pa.array(has_region), people.region_codes.take(pa.array(persons)), pa.scalar(None, pa.string())
        )
    columns["id_raw"] = id_raw
    columns["id_status"] = status
    columns["id_key"] = keys
    columns["row_number"] = pa.array(np.arange(1, count + 1, dtype=np.int64))
    schema = lake_schema(contract)
    table = pa.table([columns[f.name] for f in schema], schema=schema)

    code_labels = pa.array([code or "" for code in codes], pa.string())
    household = people.registry_household[persons[planted]]
    truth = pa.table(
        {
            "finding_code": code_labels.take(pa.array(code_index[planted])),
            "id_number": planted_ids,
            "source": pa.array([source] * len(planted), pa.string()),
            "record_id": record_ids.take(pa.array(planted)),
            "noise": _labels(NOISE_KINDS, kinds[planted]),
            "household_id": pa.array(household, pa.int64(), mask=household == 0),
        },
        schema=TRUTH_SCHEMA,
    )
    return table, truth


# --- the sources ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    people: _People
    scale_rows: Callable[[str], int]
    bases: dict[str, int]
    period_start: datetime.date
    period_end: datetime.date
    reference_date: datetime.date
    alive: np.ndarray

    def planted(self, code: str) -> int:
        share, base = PLANTED[code]
        return _planted_count(share, self.bases[base])

    def background(self, source: str, records: _Records) -> int:
        """How many background rows fill the source up to its volume."""
        return max(self.scale_rows(source) - sum(len(part.people) for part in records.parts), 0)

    @property
    def outside(self) -> np.ndarray:
        """Living people outside the registry: the only ones background records may be about."""
        return self.alive & ~self.people.in_registry


def _mortality_weight(age: np.ndarray) -> np.ndarray:
    """Relative risk of dying this year: Gompertz from middle age, a little for infants."""
    return np.exp(0.085 * (age - 80.0)) + np.where(age < 1, 0.02, 0.0) + 0.0005


def _deaths(ctx: _Context, rng: np.random.Generator) -> tuple[_Records, np.ndarray]:
    """A rolling 12-month extract of deaths, each reported by 公安 and often 卫健 or 殡葬 too."""
    people = ctx.people
    weight = _mortality_weight(people.age.astype(np.float64))
    planted = _weighted_sample(rng, np.where(people.recipient, weight, 0.0), ctx.planted("death"))
    reports_per_death = 1.0 + 0.45 + 0.15
    deaths = max(round(ctx.scale_rows("deaths") / reports_per_death) - len(planted), 0)
    background = _weighted_sample(rng, np.where(people.in_registry, 0.0, weight), deaths)
    records = _Records()
    start = ctx.period_end - datetime.timedelta(days=364)
    for who, code in ((planted, "death"), (background, None)):
        died = _dates(rng, len(who), start, ctx.period_end)
        for department, share in (("公安", 1.0), ("卫健", 0.45), ("殡葬", 0.15)):
            reported = rng.random(len(who)) < share
            records.add(
                who[reported],
                code,
                death_date=died[reported],
                source_department=department,
                region_code=people.region_codes.take(pa.array(who[reported])),
            )
    dead = np.zeros(people.count, dtype=bool)
    dead[planted] = True
    dead[background] = True
    return records, dead


def _adult(people: _People, low: int = 18, high: int = 200) -> np.ndarray:
    return (people.age >= low) & (people.age <= high)


VEHICLE_BACKGROUND_SHARES = (0.55, 0.30, 0.05, 0.08, 0.02)
"""小型汽车, 摩托车, 三轮汽车, 货车, 残疾人机动轮椅车 (contract order)."""


def _vehicle_values(rng: np.random.Generator, kinds: np.ndarray) -> np.ndarray:
    count = len(kinds)
    return np.select(
        [kinds == 0, kinds == 1, kinds == 2, kinds == 3],
        [
            _lognormal_fen(rng, count, 80_000, 0.6, 15_000, 600_000),
            _lognormal_fen(rng, count, 4_000, 0.5, 800, 15_000),
            _lognormal_fen(rng, count, 9_000, 0.4, 3_000, 25_000),
            _lognormal_fen(rng, count, 90_000, 0.6, 30_000, 500_000),
        ],
        _uniform_fen(rng, count, 8_000, 45_000),
    )


def _plates(rng: np.random.Generator, count: int) -> pa.Array:
    """云C (Zhaotong) + a letter + four digits or letters."""
    letters = np.frombuffer(b"ABCDEFGHJKLMNPQRSTUVWXYZ", dtype=np.uint8)
    symbols = np.frombuffer(
        b"0123456789012345678901234567890123456789ABCDEFGHJKLMNPQRSTUVWXYZ", dtype=np.uint8
    )
    matrix = np.empty((count, 5), dtype=np.uint8)
    matrix[:, 0] = letters[rng.integers(0, len(letters), count)]
    matrix[:, 1:] = symbols[rng.integers(0, len(symbols), (count, 4))]
    return _join("云C", _fixed_width(matrix))


def _vehicles(ctx: _Context, rng: np.random.Generator) -> _Records:
    people = ctx.people
    picker = _RegistryPicker(people, rng, ctx.alive)
    records = _Records()

    def add(who: np.ndarray, code: str | None, kinds: np.ndarray, values: np.ndarray) -> None:
        records.add(
            who,
            code,
            plate_number=_plates(rng, len(who)),
            vehicle_type=_labels(VEHICLE_TYPES, kinds),
            registered_on=_dates(rng, len(who), datetime.date(2005, 1, 1), ctx.period_end),
            value_estimate=values,
            is_disability_vehicle=pa.array(kinds == VEHICLE_TYPES.index(DISABILITY_VEHICLE_TYPE)),
        )

    recipients = people.recipient
    found = picker.pick(recipients & _adult(people, 20, 65), ctx.planted("vehicle"))
    kinds = rng.choice([0, 3, 2], size=len(found), p=[0.75, 0.2, 0.05])
    above = np.maximum(
        _vehicle_values(rng, kinds), VEHICLE_LIMIT_FEN + _uniform_fen(rng, len(found), 500, 30_000)
    )
    add(found, "vehicle", kinds, above)
    exempt = picker.pick(
        _adult(people, 18, 75) & (people.registry_disability_grade > 0),
        ctx.planted("negative_vehicle_exempt"),
    )
    wheelchair = np.full(len(exempt), VEHICLE_TYPES.index(DISABILITY_VEHICLE_TYPE))
    # Half of them above the limit: the exemption, not the value, must keep them from being findings.
    add(exempt, "negative_vehicle_exempt", wheelchair, _uniform_fen(rng, len(exempt), 12_000, 45_000))
    small = picker.pick(recipients & _adult(people, 18, 70), ctx.planted("negative_vehicle_below_limit"))
    add(
        small,
        "negative_vehicle_below_limit",
        np.full(len(small), 1),
        _uniform_fen(rng, len(small), 800, 9_000),
    )

    weight = (
        ctx.outside
        * _adult(people, 18, 75)
        * np.where(people.is_urban, 2.0, 1.0)
        * np.where(people.is_male, 1.6, 1.0)
    )
    weight = weight * np.where((people.age >= 25) & (people.age <= 55), 1.5, 1.0)
    background = np.sort(_draw(rng, weight.astype(np.float64), ctx.background("vehicles", records)))
    kinds = _choose(rng, VEHICLE_BACKGROUND_SHARES, len(background))
    add(background, None, kinds, _vehicle_values(rng, kinds))
    return records


def _certificates(
    rng: np.random.Generator, people: _People, who: np.ndarray, registered: np.ndarray
) -> pa.Array:
    year, _, _ = idnumbers.civil_from_days(registered)
    county = people.county_names.take(pa.array(people.county[who]))
    serial = _text_numbers(rng.integers(1, 10_000_000, len(who)), 7)
    return _join("云(", pc.cast(pa.array(year), pa.string()), ")", county, "不动产权第", serial, "号")


def _addresses(rng: np.random.Generator, people: _People, who: np.ndarray, in_town: np.ndarray) -> pa.Array:
    county = people.county_names.take(pa.array(people.county[who]))
    village = people.village_names.take(pa.array(who))
    group = pc.cast(pa.array(rng.integers(1, 13, len(who))), pa.string())
    house = pc.cast(pa.array(rng.integers(1, 200, len(who))), pa.string())
    building = pc.cast(pa.array(rng.integers(1, 30, len(who))), pa.string())
    unit = pc.cast(pa.array(rng.integers(1, 6, len(who))), pa.string())
    room = pc.cast(pa.array(rng.integers(1, 33, len(who)) * 100 + rng.integers(1, 5, len(who))), pa.string())
    rural = _join(county, village, group, "组", house, "号")
    flat = _join(county, village, building, "栋", unit, "单元", room, "号")
    return pc.if_else(pa.array(in_town), flat, rural)


def _real_estate(ctx: _Context, rng: np.random.Generator) -> _Records:
    people = ctx.people
    picker = _RegistryPicker(people, rng, ctx.alive)
    records = _Records()

    def add(who: np.ndarray, code: str | None, in_town: np.ndarray) -> None:
        registered = _dates(rng, len(who), datetime.date(1998, 1, 1), ctx.period_end)
        area = np.where(in_town, rng.integers(5_500, 14_000, len(who)), rng.integers(6_000, 25_000, len(who)))
        price = np.where(in_town, rng.integers(3_500, 6_500, len(who)), rng.integers(600, 1_500, len(who)))
        records.add(
            who,
            code,
            certificate_number=_certificates(rng, people, who, registered),
            address=_addresses(rng, people, who, in_town),
            area_m2=area,
            registered_on=registered,
            value_estimate=area * price,  # area in hundredths of m² × 元/m² = value in fen
        )

    owners = picker.pick(people.recipient & _adult(people, 22), ctx.planted("real_estate"))
    add(owners, "real_estate", people.is_urban[owners])
    add(owners, "real_estate", np.ones(len(owners), dtype=bool))  # the second one: a flat in town
    single = picker.pick(
        people.recipient & _adult(people, 22), ctx.planted("negative_real_estate_single_home")
    )
    add(single, "negative_real_estate_single_home", people.is_urban[single])

    weight = ctx.outside * _adult(people, 22) * np.select([people.is_head, people.age >= 30], [4.0, 1.2], 0.3)
    background = np.sort(_draw(rng, weight.astype(np.float64), ctx.background("real_estate", records)))
    add(background, None, people.is_urban[background] | (rng.random(len(background)) < 0.1))
    return records


USCC_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)


def _usccs(rng: np.random.Generator, people: _People, who: np.ndarray, individual: np.ndarray) -> pa.Array:
    """统一社会信用代码: 9 (市场监管) + 1 企业 / 2 个体工商户, the county code, 9 digits, GB 32100 check."""
    count = len(who)
    digits = np.zeros((count, 17), dtype=np.int64)
    digits[:, 0] = 9
    digits[:, 1] = np.where(individual, 2, 1)
    county = np.asarray(
        pc.cast(pc.utf8_slice_codeunits(people.region_codes.take(pa.array(who)), 0, 6), pa.int64())
    )
    for column in range(7, 1, -1):
        county, digits[:, column] = np.divmod(county, 10)
    digits[:, 8:] = rng.integers(0, 10, (count, 9))
    check = (31 - (digits @ USCC_WEIGHTS) % 31) % 31
    alphabet = np.frombuffer(USCC_CHARACTERS.encode(), dtype=np.uint8)
    matrix = np.empty((count, 18), dtype=np.uint8)
    matrix[:, :17] = digits + ord("0")
    matrix[:, 17] = alphabet[check]
    return _fixed_width(matrix)


def _businesses(ctx: _Context, rng: np.random.Generator) -> _Records:
    people = ctx.people
    picker = _RegistryPicker(people, rng, ctx.alive)
    records = _Records()

    def add(who: np.ndarray, code: str | None, statuses: np.ndarray) -> None:
        count = len(who)
        individual = rng.random(count) < 0.45
        role = np.where(individual, 0, rng.choice(2, size=count, p=[0.55, 0.45]))
        stem = _labels(BUSINESS_STEMS, rng.integers(0, len(BUSINESS_STEMS), count))
        trade = _labels(BUSINESS_TRADES, rng.integers(0, len(BUSINESS_TRADES), count))
        county = people.county_names.take(pa.array(people.county[who]))
        suffix = pc.if_else(pa.array(individual), "经营部", "有限公司")
        share = np.where(role == 1, _lognormal_fen(rng, count, 100_000, 1.0, 5_000, 5_000_000), 0)
        records.add(
            who,
            code,
            uscc=_usccs(rng, people, who, individual),
            enterprise_name=_join(county, stem, trade, suffix),
            role=_labels(BUSINESS_ROLES, role),
            share_amount=pc.if_else(pa.array(role == 1), _decimal(share, MONEY), pa.scalar(None, MONEY)),
            status=_labels(("存续", "注销", "吊销"), statuses),
        )

    live = picker.pick(people.recipient & _adult(people, 20, 65), ctx.planted("business"))
    add(live, "business", np.zeros(len(live), dtype=np.int64))
    closed = picker.pick(people.recipient & _adult(people, 20, 70), ctx.planted("negative_business_closed"))
    add(closed, "negative_business_closed", rng.choice([1, 2], size=len(closed), p=[0.75, 0.25]))

    weight = (
        ctx.outside
        * _adult(people, 20, 65)
        * np.where(people.is_male, 1.5, 1.0)
        * np.where(people.is_urban, 2.0, 1.0)
    )
    background = np.sort(_draw(rng, weight.astype(np.float64), ctx.background("businesses", records)))
    add(background, None, _choose(rng, (0.80, 0.15, 0.05), len(background)))
    return records


def _basic_pension_fen(age: np.ndarray) -> np.ndarray:
    """城乡居民基础养老金 as the registry records it: 123 元, 133 元 from 75."""
    return np.where(age >= 75, 13_300, 12_300)


def _pensions(ctx: _Context, rng: np.random.Generator) -> _Records:
    people = ctx.people
    picker = _RegistryPicker(people, rng, ctx.alive)
    records = _Records()

    def add(who: np.ndarray, code: str | None, kinds: np.ndarray, amounts: np.ndarray) -> None:
        records.add(who, code, kind=_labels(PENSION_KINDS, kinds), monthly_amount=amounts)

    pensioners = picker.pick(
        people.recipient & _adult(people, 50), ctx.planted("pension_income"), per_household=False
    )
    kinds = rng.choice(2, size=len(pensioners), p=[0.8, 0.2])
    add(pensioners, "pension_income", kinds, _uniform_fen(rng, len(pensioners), 1_200, 5_000))
    workers = picker.pick(
        people.recipient & _adult(people, 18, 59), ctx.planted("wage_income"), per_household=False
    )
    add(workers, "wage_income", np.full(len(workers), 3), _uniform_fen(rng, len(workers), 1_900, 8_000))
    # Every registry member of 60 or more who is not retired draws the basic pension (as the registry says).
    basic = people.in_registry & ctx.alive & (people.age >= 60) & ~people.registry_retired
    basic[pensioners] = False
    basic = np.flatnonzero(basic)
    add(basic, "negative_basic_pension", np.full(len(basic), 2), _basic_pension_fen(people.age[basic]))

    elderly = np.flatnonzero(ctx.outside & (people.age >= 60))
    urban = people.is_urban[elderly]
    draw = rng.random(len(elderly))
    kinds = np.select([draw < np.where(urban, 0.35, 0.06), draw < np.where(urban, 0.43, 0.08)], [0, 1], 2)
    amounts = np.select(
        [kinds == 0, kinds == 1],
        [
            _lognormal_fen(rng, len(elderly), 3_000, 0.3, 1_200, 9_000),
            _lognormal_fen(rng, len(elderly), 5_000, 0.25, 2_500, 12_000),
        ],
        _basic_pension_fen(people.age[elderly]),
    )
    add(elderly, None, kinds, amounts)
    weight = ctx.outside * _adult(people, 18, 59) * np.where(people.is_urban, 3.0, 1.0)
    wage_earners = _weighted_sample(rng, weight.astype(np.float64), ctx.background("pensions", records))
    add(
        wage_earners,
        None,
        np.full(len(wage_earners), 3),
        _lognormal_fen(rng, len(wage_earners), 3_500, 0.4, 1_900, 30_000),
    )
    return records


def _unemployment(ctx: _Context, rng: np.random.Generator) -> _Records:
    people = ctx.people
    picker = _RegistryPicker(people, rng, ctx.alive)
    records = _Records()
    start = ctx.period_end - datetime.timedelta(days=730)

    def add(who: np.ndarray, code: str | None, statuses: np.ndarray) -> None:
        records.add(
            who,
            code,
            registered_on=_dates(rng, len(who), start, ctx.period_end),
            status=_labels(("失业", "已就业"), statuses),
        )

    unemployed = picker.pick(
        people.coverage & _adult(people, 18, 59), ctx.planted("unemployed"), per_household=False
    )
    add(unemployed, "unemployed", np.zeros(len(unemployed), dtype=np.int64))
    weight = ctx.outside * _adult(people, 18, 59) * np.where(people.is_urban, 3.0, 1.0)
    background = _weighted_sample(rng, weight.astype(np.float64), ctx.background("unemployment", records))
    add(background, None, _choose(rng, (0.75, 0.25), len(background)))
    return records


def _employers(rng: np.random.Generator, people: _People, who: np.ndarray) -> pa.Array:
    count = len(who)
    county = people.county_names.take(pa.array(people.county[who]))
    local = _join(county, _labels(EMPLOYER_SUFFIXES, rng.integers(0, len(EMPLOYER_SUFFIXES), count)))
    city = _labels(CITY_EMPLOYERS, rng.integers(0, len(CITY_EMPLOYERS), count))
    return pc.if_else(pa.array(rng.random(count) < 0.7), local, city)


def _housing_fund(ctx: _Context, rng: np.random.Generator) -> _Records:
    people = ctx.people
    picker = _RegistryPicker(people, rng, ctx.alive)
    records = _Records()

    def add(who: np.ndarray, code: str | None, wage_base: np.ndarray) -> None:
        # Employer and employee pay 12% each of the base.
        deposit = np.rint(wage_base * 0.24 / 100).astype(np.int64) * 100
        records.add(
            who, code, employer=_employers(rng, people, who), monthly_deposit=deposit, wage_base=wage_base
        )

    members = picker.pick(
        people.recipient & _adult(people, 22, 59), ctx.planted("housing_fund"), per_household=False
    )
    add(members, "housing_fund", _uniform_fen(rng, len(members), 1_900, 6_000))
    weight = ctx.outside * _adult(people, 22, 59) * np.where(people.is_urban, 5.0, 1.0)
    background = _weighted_sample(rng, weight.astype(np.float64), ctx.background("housing_fund", records))
    add(background, None, _lognormal_fen(rng, len(background), 5_000, 0.4, 1_900, 40_000))
    return records


def _tax(ctx: _Context, rng: np.random.Generator) -> _Records:
    people = ctx.people
    picker = _RegistryPicker(people, rng, ctx.alive)
    records = _Records()
    tax_year = ctx.period_end.year - 1

    def add(who: np.ndarray, code: str | None, income: np.ndarray) -> None:
        # A rough progressive tax above the 60,000 元 yearly allowance.
        taxable = np.maximum(income - 6_000_000, 0)
        tax = (
            np.rint(np.where(taxable > 3_600_000, taxable * 0.10 - 252_000, taxable * 0.03) / 100).astype(
                np.int64
            )
            * 100
        )
        records.add(
            who,
            code,
            annual_income=income,
            tax_paid=np.maximum(tax, 0),
            tax_year=np.full(len(who), tax_year, dtype=np.int16),
        )

    earners = picker.pick(
        people.recipient & _adult(people, 18, 65), ctx.planted("tax_income"), per_household=False
    )
    add(earners, "tax_income", _uniform_fen(rng, len(earners), 30_000, 200_000))
    weight = ctx.outside * _adult(people, 18, 65) * np.where(people.is_urban, 2.0, 1.0)
    background = _weighted_sample(rng, weight.astype(np.float64), ctx.background("tax", records))
    add(background, None, _lognormal_fen(rng, len(background), 60_000, 0.6, 5_000, 3_000_000))
    return records


def _deposits(ctx: _Context, rng: np.random.Generator) -> _Records:
    people = ctx.people
    picker = _RegistryPicker(people, rng, ctx.alive)
    records = _Records()

    def add(who: np.ndarray, code: str | None, balance: np.ndarray) -> None:
        shares = tuple(share for _, share in BANKS)
        records.add(
            who,
            code,
            bank=_labels([name for name, _ in BANKS], _choose(rng, shares, len(who))),
            balance=balance,
        )

    rich = picker.pick(people.recipient & _adult(people, 18), ctx.planted("deposits"))
    limit = DEPOSIT_MONTHS * people.standard_fen[rich] * people.registry_size[rich]
    add(rich, "deposits", (limit * rng.uniform(1.2, 5.0, len(rich))).astype(np.int64))
    # Below even a one-person rural household's limit (24 × 475 = 11,400 元): never a finding.
    small = picker.pick(people.recipient & _adult(people, 16), ctx.planted("negative_deposits_below_limit"))
    add(small, "negative_deposits_below_limit", _uniform_fen(rng, len(small), 10, 4_000))

    weight = ctx.outside * _adult(people, 16) * np.where(people.is_urban, 1.5, 1.0)
    background = _draw(rng, weight.astype(np.float64), ctx.background("deposits", records))
    add(
        background,
        None,
        _lognormal_fen(rng, len(background), 6_000, 1.8, 1, 5_000_000)
        + rng.integers(0, 100, len(background)),
    )
    return records


DISABILITY_CATEGORY_SHARES = (0.12, 0.17, 0.01, 0.49, 0.08, 0.08, 0.05)
DISABILITY_GRADE_SHARES = (0.10, 0.17, 0.30, 0.43)


def _disability(ctx: _Context, rng: np.random.Generator) -> _Records:
    people = ctx.people
    picker = _RegistryPicker(people, rng, ctx.alive)
    records = _Records()
    digits = pa.array([str(digit) for digit in range(10)], pa.string())

    def add(who: np.ndarray, code: str | None, category: np.ndarray, grade: np.ndarray) -> None:
        certificate = _join(
            people.id_numbers.take(pa.array(who)),
            digits.take(pa.array(category + 1)),
            digits.take(pa.array(grade)),
        )
        records.add(
            who,
            code,
            certificate_number=certificate,
            category=_labels(DISABILITY_CATEGORIES, category),
            grade=grade.astype(np.int8),
            issued_on=_dates(rng, len(who), datetime.date(2008, 1, 1), ctx.period_end),
        )

    unrecorded = people.coverage & (people.registry_disability_grade == 0)
    uncovered = picker.pick(unrecorded, ctx.planted("severe_disability_uncovered"), per_household=False)
    add(
        uncovered,
        "severe_disability_uncovered",
        _choose(rng, DISABILITY_CATEGORY_SHARES, len(uncovered)),
        rng.choice([1, 2], size=len(uncovered), p=[0.4, 0.6]),
    )
    # The 残联 also holds the certificates the registry records: not findings for a recipient or for grades
    # 3–4; a grade 1–2 in a coverage-side household is a finding as it stands. Grades 1–2 of people on
    # neither side (income above the 低保边缘 line) are left out.
    grade = people.registry_disability_grade
    recorded = people.in_registry & ctx.alive & (grade > 0)
    for mask, code in (
        (recorded & (people.recipient | (grade > 2)), "negative_disability_recorded"),
        (recorded & (grade <= 2) & people.coverage & ~people.recipient, "severe_disability_uncovered"),
    ):
        holders = np.flatnonzero(mask)
        category = np.asarray(
            pc.index_in(people.disability_category.take(pa.array(holders)), pa.array(DISABILITY_CATEGORIES))
        )
        add(holders, code, category, grade[holders])

    age = people.age
    weight = ctx.outside * np.select(
        [age < 18, age < 45, age < 60, age < 80], [0.015, 0.03, 0.06, 0.12], 0.22
    )
    background = _weighted_sample(rng, weight.astype(np.float64), ctx.background("disability", records))
    grade = _choose(rng, DISABILITY_GRADE_SHARES, len(background)) + 1
    add(background, None, _choose(rng, DISABILITY_CATEGORY_SHARES, len(background)), grade)
    return records


def _medical(ctx: _Context, rng: np.random.Generator) -> _Records:
    people = ctx.people
    picker = _RegistryPicker(people, rng, ctx.alive)
    records = _Records()

    def add(who: np.ndarray, code: str | None, kinds: np.ndarray, amounts: np.ndarray) -> None:
        records.add(
            who,
            code,
            kind=_labels(("住院", "门诊慢特病"), kinds),
            out_of_pocket=amounts,
            settled_on=_dates(rng, len(who), ctx.period_start, ctx.period_end),
        )

    patients = picker.pick(people.coverage, ctx.planted("medical_costs"))
    add(
        patients,
        "medical_costs",
        np.zeros(len(patients), dtype=np.int64),
        _lognormal_fen(rng, len(patients), 12_000, 0.7, MEDICAL_THRESHOLD_FEN // 100 + 100, 300_000),
    )
    small = picker.pick(np.ones(people.count, dtype=bool), ctx.planted("negative_medical_small"))
    add(
        small,
        "negative_medical_small",
        np.ones(len(small), dtype=np.int64),
        _uniform_fen(rng, len(small), 50, 1_500),
    )

    age = people.age.astype(np.float64)
    weight = ctx.outside * (0.2 + np.exp((age - 50.0) / 15.0))
    background = _draw(rng, weight, ctx.background("medical", records))
    kinds = _choose(rng, (0.4, 0.6), len(background))
    amounts = np.where(
        kinds == 0,
        _lognormal_fen(rng, len(background), 2_500, 1.0, 50, 400_000),
        _lognormal_fen(rng, len(background), 300, 0.8, 10, 20_000),
    )
    add(background, None, kinds, amounts)
    return records


def _school_levels(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """Index into SCHOOL_LEVELS from the age (16–17: 高中 or 中职; 18–22: 高职 or 本科)."""
    draw = rng.random(len(age))
    return np.select(
        [age <= 5, age <= 11, age <= 14, age <= 17],
        [0, 1, 2, np.where(draw < 0.7, 3, 4)],
        np.where(draw < 0.4, 5, 6),
    )


def _schools(rng: np.random.Generator, people: _People, who: np.ndarray, level: np.ndarray) -> pa.Array:
    names = pa.array([""] * len(who), pa.string())
    county = people.county_names.take(pa.array(people.county[who]))
    for index, level_name in enumerate(SCHOOL_LEVELS):
        rows = level == index
        if not rows.any():
            continue
        options, local = SCHOOLS_BY_LEVEL[level_name]
        picked = _labels(options, rng.integers(0, len(options), len(who)))
        named = _join(county, picked) if local else picked
        names = pc.if_else(pa.array(rows), named, names)
    return names


def _students(ctx: _Context, rng: np.random.Generator) -> _Records:
    people = ctx.people
    picker = _RegistryPicker(people, rng, ctx.alive)
    records = _Records()

    def add(who: np.ndarray, code: str | None) -> None:
        level = _school_levels(rng, people.age[who])
        records.add(
            who,
            code,
            school=_schools(rng, people, who, level),
            level=_labels(SCHOOL_LEVELS, level),
            difficulty=_labels(STUDENT_DIFFICULTIES, _choose(rng, (0.25, 0.45, 0.30), len(who))),
        )

    school_age = (people.age >= 3) & (people.age <= 22)
    students = picker.pick(people.coverage & school_age, ctx.planted("poor_student"), per_household=False)
    add(students, "poor_student")
    weight = ctx.outside * school_age * np.where(people.is_urban, 1.0, 2.0)
    background = _weighted_sample(rng, weight.astype(np.float64), ctx.background("students", records))
    add(background, None)
    return records


def _household_members(people: _People, households: np.ndarray) -> np.ndarray:
    """Every person of the given registration households."""
    return np.flatnonzero(np.isin(people.household, households))


def _fanpin(ctx: _Context, rng: np.random.Generator) -> _Records:
    """Whole monitored households: registry households with a recipient (negatives), registry households
    with none (findings), and households outside the registry (background: nothing to link them to)."""
    people = ctx.people
    records = _Records()

    def add(who: np.ndarray, code: str | None) -> None:
        household_category = _choose(rng, (0.35, 0.50, 0.15), int(people.household.max(initial=0)) + 1)
        relocated = rng.random(int(people.household.max(initial=0)) + 1) < 0.12
        household = people.household[who]
        records.add(
            who,
            code,
            household_number=people.household_numbers.take(pa.array(who)),
            category=_labels(FANPIN_CATEGORIES, household_category[household]),
            is_relocated=pa.array(relocated[household]),
            region_code=people.region_codes.take(pa.array(who)),
        )

    rural = ~people.is_urban

    def households_of(mask: np.ndarray, count: int, *, members: int | None = None) -> np.ndarray:
        """Living members of ``count`` random households among those of the people in ``mask`` (or of as
        many households as it takes to reach ``members`` people)."""
        households = rng.permutation(np.unique(people.household[mask]))
        if members is not None:
            sizes = np.bincount(people.household[mask & ctx.alive], minlength=people.count)[households]
            count = int(np.searchsorted(np.cumsum(sizes), members)) + 1
        chosen = _household_members(people, np.sort(households[:count]))
        return chosen[ctx.alive[chosen]]

    # Findings: registry households with no one on dibao or 特困 (the load decides nothing else for them).
    uncovered = households_of(people.coverage & rural, ctx.planted("fanpin_uncovered"))
    add(uncovered, "fanpin_uncovered")
    # Negatives: a household is covered only through a living recipient among the members it lists (the
    # dead are not listed: a household whose only recipient is planted dead is uncovered, not a negative)
    covered = households_of(
        people.recipient & ctx.alive & rural, 0, members=ctx.planted("negative_fanpin_covered")
    )
    add(covered, "negative_fanpin_covered")
    remaining = max(ctx.scale_rows("fanpin") - len(uncovered) - len(covered), 0)
    if remaining:
        add(households_of(ctx.outside & rural, 0, members=remaining), None)
    return records


_BUILDERS: dict[str, Callable[[_Context, np.random.Generator], _Records]] = {
    "vehicles": _vehicles,
    "real_estate": _real_estate,
    "businesses": _businesses,
    "pensions": _pensions,
    "unemployment": _unemployment,
    "housing_fund": _housing_fund,
    "tax": _tax,
    "deposits": _deposits,
    "disability": _disability,
    "medical": _medical,
    "students": _students,
    "fanpin": _fanpin,
}


# --- the previous month of the income sources (收入下降) -------------------------------------------------

_COUNTED_INCOME_CODES = ("pension_income", "wage_income", "housing_fund", "tax_income")
"""The planted records that carry counted income: the only counted income registry members have in the
departmental data (background records are never about them; 城乡居民基础养老金 is not counted)."""
_INCOME_SOURCE_OF = {
    "pension_income": "pensions",
    "wage_income": "pensions",
    "housing_fund": "housing_fund",
    "tax_income": "tax",
}
_AMOUNT_COLUMN = {"pensions": "monthly_amount", "housing_fund": "wage_base", "tax": "annual_income"}
_CHANGE_FACTORS = {
    "income_drop": (2, 1),
    "negative_income_rise": (1, 2),
    "negative_income_small_share": (5, 4),
}
"""Previous month = this month × a / b (in whole fen, rounded down)."""
_WAGE_KIND = PENSION_KINDS.index("工资（社保缴费基数）")


def _fen(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Decimal amounts (2 places) as integer fen, exactly."""
    return np.array([int(value * 100) for value in values.to_pylist()], dtype=np.int64)


def _counted_monthly_fen(source: str, amount_fen: np.ndarray) -> np.ndarray:
    """The monthly income the monitoring counts from a record's amount (a tax year's ÷ 12 in whole fen)."""
    return amount_fen // 12 if source == "tax" else amount_fen


def _housing_deposit_fen(wage_base_fen: np.ndarray) -> np.ndarray:
    """Employer and employee pay 12% each of the base, as ``_housing_fund`` writes it."""
    return np.rint(wage_base_fen * 0.24 / 100).astype(np.int64) * 100


class _PreviousMonth:
    """The income sources of the previous month as changes to this month's tables: amounts replaced in
    some rows, rows added (clean IDs, numbered on from this month's records), and the truth of each."""

    def __init__(self, tables: dict[str, pa.Table], people: _People, tax_year: int) -> None:
        self.current = {source: tables[source] for source in INCOME_SOURCES}
        self.people = people
        self.tax_year = tax_year
        self.rows: dict[str, list[np.ndarray]] = {source: [] for source in INCOME_SOURCES}
        self.amounts: dict[str, list[np.ndarray]] = {source: [] for source in INCOME_SOURCES}
        self.added: dict[str, list[pa.Table]] = {source: [] for source in INCOME_SOURCES}
        self.truth: list[dict[str, Any]] = []

    def rows_of(self, source: str, record_ids: list[str]) -> np.ndarray:
        """Rows of this month's records: ``_assemble`` numbers the records in row order (PEN000000001 is the
        first row), so no lookup over millions of ids is needed."""
        prefix = len(RECORD_PREFIXES[source])
        rows = np.array([int(record_id[prefix:]) - 1 for record_id in record_ids], dtype=np.int64)
        found = self.current[source].column("record_id").take(pa.array(rows)).to_pylist()
        if found != record_ids:
            raise RuntimeError(f"{source}: record ids are not in row order")
        return rows

    def amount_fen(self, source: str, rows: np.ndarray) -> np.ndarray:
        return _fen(self.current[source].column(_AMOUNT_COLUMN[source]).take(pa.array(rows)))

    def replace(self, source: str, rows: np.ndarray, amount_fen: np.ndarray) -> None:
        self.rows[source].append(rows)
        self.amounts[source].append(amount_fen)

    def add(self, source: str, who: np.ndarray, amount_fen: np.ndarray) -> pa.StringArray:
        """Records of ``who`` found only in the previous month; returns their record ids."""
        people, count = self.people, len(who)
        start = self.current[source].num_rows + sum(table.num_rows for table in self.added[source])
        take = pa.array(who)
        ids = people.id_numbers.take(take)
        record_ids = _record_ids(RECORD_PREFIXES[source], count, start=start)
        columns: dict[str, Any] = {
            "record_id": record_ids,
            "id_number": ids,
            "name": people.names.take(take),
            "birth_date": people.birth_dates[who],
            "region_code": people.region_codes.take(take),
            "id_raw": ids,
            "id_status": "valid",
            "id_key": people.keys[who],
            "row_number": np.arange(start + 1, start + count + 1, dtype=np.int64),
        }
        if source == "pensions":
            columns |= {
                "kind": _labels(PENSION_KINDS, np.full(count, _WAGE_KIND)),
                "monthly_amount": amount_fen,
            }
        elif source == "housing_fund":
            columns |= {
                "employer": CITY_EMPLOYERS[0],
                "monthly_deposit": _housing_deposit_fen(amount_fen),
                "wage_base": amount_fen,
            }
        else:
            columns |= {
                "annual_income": amount_fen,
                "tax_paid": np.zeros(count, dtype=np.int64),
                "tax_year": np.full(count, self.tax_year, dtype=np.int16),
            }
        schema = lake_schema(CONTRACTS[source])
        self.added[source].append(
            pa.table([_column_array(columns[f.name], f.type, count) for f in schema], schema=schema)
        )
        return record_ids

    def note(
        self,
        code: str,
        source: str,
        id_numbers: list[str],
        households: list[int],
        record_ids: list[str],
        before_fen: np.ndarray,
        after_fen: np.ndarray,
        without_income: bool | None,
    ) -> None:
        for id_number, household, record_id, before, after in zip(
            id_numbers, households, record_ids, before_fen, after_fen, strict=True
        ):
            self.truth.append(
                {
                    "code": code,
                    "id_number": id_number,
                    "household_id": household,
                    "source": source,
                    "record_id": record_id,
                    "previous_monthly": Decimal(int(before)) / 100,
                    "current_monthly": Decimal(int(after)) / 100,
                    "household_without_income": without_income,
                }
            )

    def tables(self) -> dict[str, pa.Table]:
        result = {}
        for source, table in self.current.items():
            if self.rows[source]:
                rows = np.concatenate(self.rows[source])
                amounts = np.concatenate(self.amounts[source])
                order = np.argsort(rows)  # replace_with_mask takes the replacements in row order
                flags = np.zeros(table.num_rows, dtype=bool)
                flags[rows] = True
                mask = pa.array(flags)
                replaced = {_AMOUNT_COLUMN[source]: amounts[order]}
                if source == "housing_fund":
                    replaced["monthly_deposit"] = _housing_deposit_fen(amounts[order])
                for name, fen in replaced.items():
                    column = pc.replace_with_mask(
                        table.column(name).combine_chunks(), mask, _decimal(fen, MONEY)
                    )
                    table = table.set_column(
                        table.schema.get_field_index(name), table.schema.field(name), column
                    )
            if self.added[source]:
                table = pa.concat_tables([table, *self.added[source]])
            result[source] = table
        return result

    def truth_table(self) -> pa.Table:
        table = pa.Table.from_pylist(self.truth, schema=INCOME_TRUTH_SCHEMA)
        order = pc.sort_indices(table, sort_keys=[("code", "ascending"), ("record_id", "ascending")])
        return table.take(order)


def _previous_income(
    ctx: _Context, city: SynthCity, tables: dict[str, pa.Table], truth: pa.Table, seed: int
) -> tuple[dict[str, pa.Table], pa.Table]:
    """The income sources of the previous month and the truth of what changed (``INCOME_*`` above).

    This month's tables are reused — a few amounts replaced, a few rows added — so the previous month
    costs a copy of two columns, not a second city. The changes are on monitored people with usable IDs
    (the monitoring reads the previous month on the exact ID key only)."""
    people = ctx.people
    rng = np.random.default_rng(np.random.SeedSequence([seed, 4]))
    previous = _PreviousMonth(tables, people, tax_year=ctx.period_end.year - 1)
    counted = truth.filter(pc.is_in(truth.column("finding_code"), value_set=pa.array(_COUNTED_INCOME_CODES)))
    cohabiting = city.memberships.filter(city.memberships.column("is_cohabiting")).column("id_number")

    # (a) one counted record, noise-free, a cohabiting member: its amount differs last month
    records = counted.to_pylist()
    counts: dict[str, int] = {}
    for record in records:
        counts[record["id_number"]] = counts.get(record["id_number"], 0) + 1
    living_together = set(
        pc.filter(cohabiting, pc.is_in(cohabiting, value_set=counted.column("id_number"))).to_pylist()
    )
    single = sorted(
        (
            record
            for record in records
            if counts[record["id_number"]] == 1
            and record["noise"] == "none"
            and record["id_number"] in living_together
        ),
        key=lambda record: str(record["record_id"]),
    )
    shuffled = [single[i] for i in rng.permutation(len(single))]
    taken = 0
    for code, share in INCOME_CHANGES.items():
        size = min(max(1, round(share * len(single))), len(shuffled) - taken)
        group, taken = shuffled[taken : taken + size], taken + size
        times, over = _CHANGE_FACTORS[code]
        for source in INCOME_SOURCES:
            chosen = [record for record in group if _INCOME_SOURCE_OF[record["finding_code"]] == source]
            if not chosen:
                continue
            record_ids = [record["record_id"] for record in chosen]
            rows = previous.rows_of(source, record_ids)
            current = previous.amount_fen(source, rows)
            before = current * times // over
            previous.replace(source, rows, before)
            previous.note(
                code,
                source,
                [record["id_number"] for record in chosen],
                [record["household_id"] for record in chosen],
                record_ids,
                _counted_monthly_fen(source, before),
                _counted_monthly_fen(source, current),
                False if code == "income_drop" else None,
            )

    # (b) monitored households with no counted income this month: one member had some last month
    with_income = np.zeros(int(people.registry_household.max(initial=0)) + 1, dtype=bool)
    with_income[np.asarray(counted.column("household_id").drop_null(), dtype=np.int64)] = True
    monitored = people.recipient | people.coverage
    eligible = monitored & ctx.alive & _adult(people, 18, 59) & ~with_income[people.registry_household]
    candidates = rng.permutation(np.flatnonzero(eligible))
    _, first = np.unique(people.registry_household[candidates], return_index=True)
    candidates = candidates[np.sort(first)]  # one member per household
    households = len(np.unique(people.registry_household[monitored]))
    gone = min(max(1, round(INCOME_GONE * households)), len(candidates))
    small = min(max(1, round(INCOME_SMALL * households)), len(candidates) - gone)
    wage_earners = np.sort(candidates[:gone])
    in_fund = rng.random(len(wage_earners)) < 1 / 3
    plants = (
        ("income_drop", "pensions", wage_earners[~in_fund], 1_900, 4_000),
        ("income_drop", "housing_fund", wage_earners[in_fund], 1_900, 4_000),
        ("negative_income_small_amount", "tax", np.sort(candidates[gone : gone + small]), 2_400, 3_480),
    )
    for code, source, who, low, high in plants:
        if not len(who):
            continue
        amounts = _uniform_fen(rng, len(who), low, high)
        record_ids = previous.add(source, who, amounts)
        previous.note(
            code,
            source,
            people.id_numbers.take(pa.array(who)).to_pylist(),
            people.registry_household[who].tolist(),
            record_ids.to_pylist(),
            _counted_monthly_fen(source, amounts),
            np.zeros(len(who), dtype=np.int64),
            True if code == "income_drop" else None,
        )

    # (c) the 城乡居民基础养老金 (not counted as income) 400 元 higher last month
    basic = truth.filter(
        pc.and_(
            pc.equal(truth.column("finding_code"), "negative_basic_pension"),
            pc.equal(truth.column("noise"), "none"),
        )
    )
    if basic.num_rows:
        count = max(1, round(BASIC_PENSION_CHANGE * basic.num_rows))
        picked = basic.take(pa.array(np.sort(rng.permutation(basic.num_rows)[:count])))
        record_ids = picked.column("record_id").to_pylist()
        rows = previous.rows_of("pensions", record_ids)
        previous.replace("pensions", rows, previous.amount_fen("pensions", rows) + 40_000)
        zero = np.zeros(len(rows), dtype=np.int64)
        previous.note(
            "negative_income_basic_pension",
            "pensions",
            picked.column("id_number").to_pylist(),
            picked.column("household_id").to_pylist(),
            record_ids,
            zero,
            zero,
            None,
        )
    return previous.tables(), previous.truth_table()


def previous_period(period: str) -> str:
    """The month before ``period`` (``2023-06`` → ``2023-05``)."""
    start, _ = _period_bounds(period)
    last = start - datetime.timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


def _period_bounds(period: str) -> tuple[datetime.date, datetime.date]:
    year, month = (int(part) for part in storage.check_period(period).split("-"))
    start = datetime.date(year, month, 1)
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return start, following - datetime.timedelta(days=1)


def _city_scale(city: SynthCity) -> float:
    from minzheng.synth.population import REGISTERED_POPULATION

    return city.population.num_rows / REGISTERED_POPULATION


def generate_departments(
    city: SynthCity,
    *,
    seed: int,
    period: str = "2023-06",
    on_source: Callable[[str], None] | None = None,
) -> Departments:
    """Every departmental source of the city for ``period``, with the truth of what was planted.

    Volumes follow the city's scale (its population over 6.3M). ``on_source(name)`` is called after each
    source, for a progress bar.
    """
    period_start, period_end = _period_bounds(period)
    people = _people(city)
    scale = _city_scale(city)
    school_age = (people.age >= 3) & (people.age <= 22)
    bases = {
        "registry": int(people.in_registry.sum()),
        "recipients": int(people.recipient.sum()),
        "recipient_households": len(np.unique(people.registry_household[people.recipient])),
        "coverage": int(people.coverage.sum()),
        "coverage_households": len(np.unique(people.registry_household[people.coverage])),
        "coverage_children": int((people.coverage & school_age).sum()),
        "fanpin_volume": round(VOLUMES["fanpin"] * scale),
    }

    def scale_rows(source: str) -> int:
        return round(VOLUMES[source] * scale)

    def rng_for(source: str) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([seed, 3, DEPARTMENT_SOURCES.index(source)]))

    context = _Context(
        people=people,
        scale_rows=scale_rows,
        bases=bases,
        period_start=period_start,
        period_end=period_end,
        reference_date=city.reference_date,
        alive=np.ones(people.count, dtype=bool),
    )
    rng = rng_for("deaths")
    death_records, dead = _deaths(context, rng)
    tables: dict[str, pa.Table] = {}
    truths: list[pa.Table] = []
    today = max(city.reference_date, period_end)
    tables["deaths"], truth = _assemble("deaths", death_records, people, rng, today)
    truths.append(truth)
    if on_source is not None:
        on_source("deaths")
    context = dataclasses.replace(context, alive=~dead)
    for source, build in _BUILDERS.items():
        rng = rng_for(source)
        tables[source], truth = _assemble(source, build(context, rng), people, rng, today)
        truths.append(truth)
        if on_source is not None:
            on_source(source)
    truth_table = pa.concat_tables(truths)
    order = pc.sort_indices(
        truth_table,
        sort_keys=[("source", "ascending"), ("finding_code", "ascending"), ("record_id", "ascending")],
    )
    truth_table = truth_table.take(order)
    previous, income_truth = _previous_income(context, city, tables, truth_table, seed)
    return Departments(
        period=period,
        reference_date=city.reference_date,
        truth=truth_table,
        previous_period=previous_period(period),
        previous=previous,
        income_truth=income_truth,
        **{source: tables[source] for source in DEPARTMENT_SOURCES},
    )


def hukou_table(city: SynthCity) -> pa.Table:
    """The city's 户籍 in the lake layout of the ``hukou`` contract (what ``minzheng lake ingest hukou``
    writes): the population's columns, then id_raw, id_status, id_key, row_number. `synth.city.write_lake`
    writes the population as generated (id_key second, no id_status); this is the same data for a lake
    whose readers expect every source in one layout."""
    contract = CONTRACTS["hukou"]
    population = city.population
    normalized, status, keys = normalize_ids_with_keys(
        population.column("id_number"), today=city.reference_date
    )
    columns = {name: population.column(name) for name in contract.column_names}
    columns |= {
        "id_number": normalized,
        "id_raw": population.column("id_number"),
        "id_status": status,
        "id_key": keys,
        "row_number": pa.array(np.arange(1, population.num_rows + 1, dtype=np.int64)),
    }
    schema = lake_schema(contract)
    return pa.table([columns[name] for name in schema.names], schema=schema)


def truth_path(lake_dir: Path, period: str) -> Path:
    return Path(lake_dir) / "truth" / storage.check_period(period) / "planted.parquet"


def income_truth_path(lake_dir: Path, period: str) -> Path:
    """The planted income changes between ``period`` and the month before (a file of its own: the
    findings' evaluation reads ``planted.parquet`` and knows nothing of warnings)."""
    return Path(lake_dir) / "truth" / storage.check_period(period) / "income_changes.parquet"


def write_departments(deps: Departments, lake_dir: Path, period: str | None = None) -> dict[str, Path]:
    """Write each source as ``<lake>/<source>/<period>/data.parquet``, the income sources of the month
    before as ``<lake>/<source>/<previous>/data.parquet``, the truth as ``<lake>/truth/<period>/planted.parquet``
    and the income changes beside it (temp + rename); return the paths by source, then ``<source>_prev``,
    "truth" and "income_truth"."""
    period = period or deps.period
    previous = deps.previous_period if period == deps.period else previous_period(period)
    paths: dict[str, Path] = {}
    for source, table in deps.tables().items():
        paths[source], _ = storage.write_dataset(table, Path(lake_dir), source, period)
    for source, table in deps.previous.items():
        paths[f"{source}_prev"], _ = storage.write_dataset(table, Path(lake_dir), source, previous)
    path = truth_path(lake_dir, period)
    storage.write_parquet_atomically(storage.with_period(deps.truth, period), path)
    paths["truth"] = path
    path = income_truth_path(lake_dir, period)
    storage.write_parquet_atomically(storage.with_period(deps.income_truth, period), path)
    paths["income_truth"] = path
    return paths
