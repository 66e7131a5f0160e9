"""The low-income registry (低收入人口库) drawn from the synthetic 户籍 population.

About 10% of the registered population lives in registry households. They are chosen among real
registration households (so every registry person has a 户籍 row with the same ID, name and birth
date), with a bias towards rural households, old people and disabled people, as caseloads are.
For those households we add what the registry holds and the 户籍 does not: phones, labour capacity,
employment, illness, disability certificates, membership details (共同生活 or not, and why), monthly
income items with whether they count (art. 13 of the dibao rules) and assets.

Amounts are synthetic but shaped to exercise the rules: most households have a counted per-capita
income below the rural dibao line (~500 元/月), a tail sits between it and 1.5 × (低保边缘), and some
are clearly above; excluded items (基础养老金, 优待抚恤金, 奖学金, assistance money) are present so
that a rule engine that counts them gets visibly wrong answers.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minzheng.synth.population import HEAD, SPOUSE, Population
from minzheng.synth.regions import RegionTree

LOW_INCOME_SHARE = 0.10
"""Share of the registered population living in low-income registry households."""

LABOUR_CAPACITIES = ("有劳动能力", "部分丧失劳动能力", "无劳动能力")
ABLE, PARTLY_ABLE, UNABLE = range(3)
EMPLOYMENTS = ("务农", "务工", "灵活就业", "无业", "在校学生", "学龄前", "退休")
FARMING, MIGRANT_WORK, FLEXIBLE_WORK, NOT_WORKING, STUDENT, PRESCHOOL, RETIRED = range(7)
ILLNESS_CATEGORIES = ("重特大疾病", "慢性病")
DISABILITY_CATEGORIES = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
"""In the order of the 残疾人证 category digit (1 视力 … 7 多重)."""
DISABILITY_CATEGORY_SHARES = (0.12, 0.17, 0.01, 0.49, 0.08, 0.08, 0.05)
DISABILITY_GRADE_SHARES = (0.10, 0.17, 0.30, 0.43)
"""Grades 1 (most severe) to 4; most certificates are grade 3 or 4."""
EXCLUSION_REASONS = ("宗教教职人员（脱离家庭3年以上）", "服刑", "强制隔离戒毒", "宣告失踪")
EXCLUSION_REASON_SHARES = (0.12, 0.50, 0.23, 0.15)
MOBILE_PREFIXES = (
    130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159,
    166, 173, 175, 176, 177, 178, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 191, 193, 198, 199,
)  # fmt: skip
"""Mobile number prefixes (1[3-9]x) of the three carriers; the 8 digits after them are random."""

REGISTRY_START = datetime.date(2015, 1, 1)
"""Default start of a membership: the registry's data were migrated in at that date."""

MONEY = pa.decimal128(12, 2)

HOUSEHOLDS_SCHEMA = pa.schema(
    [
        ("household_id", pa.int64()),
        ("household_number", pa.string()),
        ("region_code", pa.string()),
        ("urban_rural", pa.string()),
        ("address", pa.string()),
        ("head_id_number", pa.string()),
    ]
)
PERSONS_SCHEMA = pa.schema(
    [
        ("id_number", pa.string()),
        ("name", pa.string()),
        ("sex", pa.string()),
        ("birth_date", pa.date32()),
        ("ethnicity", pa.string()),
        ("hukou_type", pa.string()),
        ("hukou_region_code", pa.string()),
        ("phone", pa.string()),
        ("labour_capacity", pa.string()),
        ("employment", pa.string()),
        ("illness_category", pa.string()),
        ("disability_certificate", pa.string()),
        ("disability_category", pa.string()),
        ("disability_grade", pa.int8()),
    ]
)
MEMBERSHIPS_SCHEMA = pa.schema(
    [
        ("household_id", pa.int64()),
        ("id_number", pa.string()),
        ("relation", pa.string()),
        ("is_cohabiting", pa.bool_()),
        ("exclusion_reason", pa.string()),
        ("valid_from", pa.date32()),
    ]
)
INCOMES_SCHEMA = pa.schema(
    [
        ("household_id", pa.int64()),
        ("id_number", pa.string()),
        ("category", pa.string()),
        ("item", pa.string()),
        ("monthly_amount", MONEY),
        ("counted", pa.bool_()),
        ("rule_code", pa.string()),
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),
    ]
)
ASSETS_SCHEMA = pa.schema(
    [
        ("household_id", pa.int64()),
        ("id_number", pa.string()),
        ("kind", pa.string()),
        ("description", pa.string()),
        ("value", MONEY),
        ("valid_from", pa.date32()),
    ]
)


@dataclass(frozen=True)
class LowIncomeRegistry:
    """The registry tables (see the module docstring)."""

    households: pa.Table
    persons: pa.Table
    memberships: pa.Table
    incomes: pa.Table
    assets: pa.Table


@dataclass(frozen=True)
class _Members:
    """Per-member arrays of the selected households, in household order, head first."""

    person: np.ndarray
    """Row in the population table."""
    household: np.ndarray
    """Position of the member's household among the selected ones (household_id - 1)."""
    age: np.ndarray
    is_male: np.ndarray
    role: np.ndarray
    is_urban: np.ndarray
    is_head: np.ndarray
    disabled: np.ndarray
    id_numbers: pa.Array


def money(cents: np.ndarray) -> pa.Array:
    """decimal128(12, 2) from integer fen, exactly (no float on the way to the decimal)."""
    cents = np.asarray(cents, dtype=np.int64)
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)  # two's-complement high word
    return pa.Array.from_buffers(MONEY, len(cents), [None, pa.py_buffer(words.tobytes())])


def _lognormal_yuan(rng: np.random.Generator, count: int, median: float, sigma: float) -> np.ndarray:
    """Whole-yuan amounts in fen, log-normal around `median` (incomes and values are skewed)."""
    return np.rint(median * np.exp(rng.normal(0.0, sigma, count))).astype(np.int64) * 100


def _uniform_yuan(rng: np.random.Generator, count: int, low: int, high: int) -> np.ndarray:
    """Whole-yuan amounts in fen, uniform in [low, high]."""
    return rng.integers(low, high + 1, count).astype(np.int64) * 100


def _random_dates(
    rng: np.random.Generator, count: int, start: datetime.date, end: datetime.date
) -> np.ndarray:
    """datetime64[D] uniform in [start, end]."""
    span = (end - start).days + 1
    return np.datetime64(start, "D") + rng.integers(0, span, count).astype("timedelta64[D]")


def _disability_latent(age: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Who holds a 残疾人证, over the whole population (~6%, rising with age), to bias selection."""
    probability = np.select([age < 18, age < 45, age < 60, age < 80], [0.015, 0.03, 0.06, 0.12], 0.22)
    return rng.random(len(age)) < probability


def _select_households(
    population: Population, disabled: np.ndarray, share: float, rng: np.random.Generator
) -> np.ndarray:
    """Registration households in the registry, sorted, by weighted sampling without replacement.

    Efraimidis–Spirakis keys (log U / w, largest first) draw a weighted sample in one sort; we take
    households in key order until they hold `share` of all people.
    """
    first = population.household_first_person
    size = population.household_size
    elderly = np.add.reduceat((population.person_age >= 60).astype(np.int64), first)
    any_disabled = np.add.reduceat(disabled.astype(np.int64), first) > 0
    weight = (
        np.where(population.household_is_urban, 1.0, 2.6)
        * (1.0 + 2.5 * elderly / size)
        * np.where(any_disabled, 3.6, 1.0)
        * np.where((size == 1) & (elderly == 1), 1.5, 1.0)
    )
    keys = np.log(rng.random(len(size))) / weight
    order = np.argsort(-keys, kind="stable")
    target = round(share * len(population.person_age))
    taken = int(np.searchsorted(np.cumsum(size[order]), target)) + 1
    return np.sort(order[: min(taken, len(order))])


def _members(population: Population, households: np.ndarray, disabled: np.ndarray) -> _Members:
    """Expand selected households into their members (vectorised repeat of household ranges)."""
    size = population.household_size[households]
    starts = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
    household = np.repeat(np.arange(len(households), dtype=np.int64), size)
    offset = np.arange(int(size.sum()), dtype=np.int64) - starts[household]
    person = population.household_first_person[households][household] + offset
    role = population.person_role[person]
    return _Members(
        person=person,
        household=household,
        age=population.person_age[person],
        is_male=population.person_is_male[person],
        role=role,
        is_urban=population.household_is_urban[households][household],
        is_head=role == HEAD,
        disabled=disabled[person],
        id_numbers=population.table.column("id_number").take(pa.array(person)).combine_chunks(),
    )


def _health(members: _Members, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Illness code (-1 none, 0 重特大疾病, 1 慢性病), disability category index and grade (1–4)."""
    age = members.age
    count = len(age)
    serious = rng.random(count) < np.select([age < 18, age < 60], [0.02, 0.06], 0.12)
    chronic = rng.random(count) < np.select([age < 18, age < 60], [0.02, 0.12], 0.35)
    illness = np.where(serious, 0, np.where(chronic, 1, -1))
    category = rng.choice(len(DISABILITY_CATEGORIES), size=count, p=DISABILITY_CATEGORY_SHARES)
    grade = rng.choice(4, size=count, p=DISABILITY_GRADE_SHARES) + 1
    return illness, category, grade


def _labour_capacity(
    members: _Members, illness: np.ndarray, grade: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Capacity code: by age first, then lowered by severe disability or illness."""
    age = members.age
    count = len(age)
    by_age = np.select(
        [age < 16, age < 60, age < 70],
        [
            np.full(count, UNABLE),
            np.full(count, ABLE),
            rng.choice(3, size=count, p=(0.35, 0.50, 0.15)),
        ],
        rng.choice(3, size=count, p=(0.02, 0.30, 0.68)),
    )
    severe = members.disabled & (grade <= 2)
    mild = members.disabled & (grade >= 3) & (rng.random(count) < 0.7)
    from_illness = np.select(
        [
            (illness == 0) & (rng.random(count) < 0.6),
            illness == 0,
            (illness == 1) & (rng.random(count) < 0.4),
        ],
        [UNABLE, PARTLY_ABLE, PARTLY_ABLE],
        ABLE,
    )
    from_disability = np.select([severe, mild], [UNABLE, PARTLY_ABLE], ABLE)
    return np.maximum.reduce([by_age, from_illness, from_disability])


def _employment(members: _Members, capacity: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Employment code by age, urban/rural and capacity (a 70-year-old farmer still farms)."""
    age = members.age
    count = len(age)
    rural_work = rng.choice(4, size=count, p=(0.45, 0.35, 0.08, 0.12))
    urban_work = rng.choice(4, size=count, p=(0.03, 0.30, 0.32, 0.35))
    work = np.where(members.is_urban, urban_work, rural_work)
    work = np.where((capacity == PARTLY_ABLE) & (rng.random(count) < 0.5), NOT_WORKING, work)
    work = np.where(capacity == UNABLE, NOT_WORKING, work)
    elderly = np.where(
        members.is_urban,
        np.where(rng.random(count) < 0.30, RETIRED, NOT_WORKING),
        np.where(
            rng.random(count) < 0.03,
            RETIRED,
            np.where((capacity != UNABLE) & (rng.random(count) < 0.55), FARMING, NOT_WORKING),
        ),
    )
    student_draw = rng.random(count)
    return np.select(
        [age < 6, age < 16, (age < 18) & (student_draw < 0.85), (age < 23) & (student_draw < 0.30), age < 60],
        [PRESCHOOL, STUDENT, STUDENT, STUDENT, work],
        elderly,
    )


def _phones(members: _Members, rng: np.random.Generator) -> pa.Array:
    """11-digit mobile numbers; children and many very old people have none (null)."""
    age = members.age
    has_phone = rng.random(len(age)) < np.select([age < 16, age < 60, age < 75], [0.0, 0.92, 0.70], 0.35)
    prefixes = np.array(MOBILE_PREFIXES, dtype=np.int64)
    numbers = prefixes[rng.integers(0, len(prefixes), len(age))] * 100_000_000 + rng.integers(
        0, 100_000_000, len(age)
    )
    return pc.if_else(
        pa.array(has_phone), pc.cast(pa.array(numbers), pa.string()), pa.scalar(None, pa.string())
    )


def _labels(values: tuple[str, ...], codes: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Strings from integer codes via Arrow take; null where `valid` is false."""
    array = pa.array(values, pa.string()).take(pa.array(np.clip(codes, 0, len(values) - 1)))
    if valid is None:
        return array
    return pc.if_else(pa.array(valid), array, pa.scalar(None, pa.string()))


def _persons_table(
    population: Population, members: _Members, rng: np.random.Generator
) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """The persons table, plus employment codes and disability grades (0 = none) for the incomes."""
    illness, category, grade = _health(members, rng)
    capacity = _labour_capacity(members, illness, grade, rng)
    employment = _employment(members, capacity, rng)
    digits = pa.array([str(number) for number in range(10)], pa.string())
    certificate = pc.binary_join_element_wise(
        members.id_numbers, digits.take(pa.array(category + 1)), digits.take(pa.array(grade)), ""
    )
    base = population.table.select(
        ["id_number", "name", "sex", "birth_date", "ethnicity", "hukou_type", "hukou_region_code"]
    ).take(pa.array(members.person))
    disabled = members.disabled
    table = pa.table(
        {
            **{name: base.column(name) for name in base.column_names},
            "phone": _phones(members, rng),
            "labour_capacity": _labels(LABOUR_CAPACITIES, capacity),
            "employment": _labels(EMPLOYMENTS, employment),
            "illness_category": _labels(ILLNESS_CATEGORIES, illness, illness >= 0),
            "disability_certificate": pc.if_else(
                pa.array(disabled), certificate, pa.scalar(None, pa.string())
            ),
            "disability_category": _labels(DISABILITY_CATEGORIES, category, disabled),
            "disability_grade": pa.array(grade.astype(np.int8), pa.int8(), mask=~disabled),
        },
        schema=PERSONS_SCHEMA,
    )
    return table, employment, np.where(disabled, grade, 0)


def _households_table(
    population: Population,
    regions: RegionTree,
    households: np.ndarray,
    members: _Members,
    rng: np.random.Generator,
) -> pa.Table:
    """One row per registry household with a postal address (county + township + village + 组 + 号)."""
    village = population.household_village[households]
    prefixes = pa.array(regions.village_address_prefix, pa.string()).take(pa.array(village))
    group = pc.cast(pa.array(rng.integers(1, 13, len(households))), pa.string())
    house = pc.cast(pa.array(rng.integers(1, 181, len(households))), pa.string())
    heads = members.id_numbers.take(pa.array(np.flatnonzero(members.is_head)))
    return pa.table(
        {
            "household_id": pa.array(np.arange(1, len(households) + 1, dtype=np.int64)),
            "household_number": population.household_number.take(pa.array(households)),
            "region_code": pc.cast(pa.array(regions.village_codes[village]), pa.string()),
            "urban_rural": _labels(
                ("urban", "rural"), (~population.household_is_urban[households]).astype(np.int64)
            ),
            "address": pc.binary_join_element_wise(prefixes, group, "组", house, "号", ""),
            "head_id_number": heads,
        },
        schema=HOUSEHOLDS_SCHEMA,
    )


def _memberships_table(
    members: _Members, population: Population, reference_date: datetime.date, rng: np.random.Generator
) -> pa.Table:
    """Membership rows: ~1.5% not living together, each with its legal exclusion reason (art. 7).

    The record plane requires the reason exactly when a member is not cohabiting, so the two go
    together here too.
    """
    count = len(members.age)
    adult = members.age >= 18
    away = ~members.is_head & adult & (rng.random(count) < 0.033)
    reason = rng.choice(len(EXCLUSION_REASONS), size=count, p=EXCLUSION_REASON_SHARES)
    birth = np.asarray(population.table.column("birth_date").take(pa.array(members.person))).astype(
        "datetime64[D]"
    )
    start = np.datetime64(REGISTRY_START, "D")
    moved_in = _random_dates(rng, count, REGISTRY_START, reference_date - datetime.timedelta(days=30))
    recent = _random_dates(rng, count, datetime.date(reference_date.year, 1, 1), reference_date)
    draw = rng.random(count)
    valid_from = np.select(
        [(members.role == SPOUSE) & (draw < 0.15), ~members.is_head & (draw > 0.99)],
        [moved_in, recent],
        start,
    )
    valid_from = np.maximum(valid_from, birth)
    relations = population.table.column("relation_to_head").take(pa.array(members.person))
    return pa.table(
        {
            "household_id": pa.array(members.household + 1),
            "id_number": members.id_numbers,
            "relation": relations,
            "is_cohabiting": pa.array(~away),
            "exclusion_reason": _labels(EXCLUSION_REASONS, reason, away),
            "valid_from": pa.array(valid_from, pa.date32()),
        },
        schema=MEMBERSHIPS_SCHEMA,
    )


INCOME_ITEMS: dict[str, tuple[str, str]] = {
    "务工收入": ("工资性收入", "counted"),
    "零工收入": ("工资性收入", "counted"),
    "农业经营收入": ("经营净收入", "counted"),
    "土地流转收入": ("财产净收入", "counted"),
    "养老金": ("转移净收入", "counted"),
    "赡养费": ("转移净收入", "counted"),
    "亲友资助": ("其他收入", "counted"),
    "基础养老金": ("转移净收入", "excluded.basic_pension"),
    "优待抚恤金": ("转移净收入", "excluded.special_care"),
    "奖学金": ("转移净收入", "excluded.scholarship"),
    "计划生育奖励扶助金": ("转移净收入", "excluded.family_planning"),
    "困难残疾人生活补贴": ("不计入收入", "excluded.disability_subsidy"),
    "重度残疾人护理补贴": ("不计入收入", "excluded.disability_subsidy"),
    "高龄津贴": ("不计入收入", "excluded.old_age_allowance"),
    "低保金": ("不计入收入", "excluded.social_assistance"),
    "临时救助金": ("不计入收入", "excluded.social_assistance"),
}
"""Income item → (category, rule code). An item counts exactly when its rule code is "counted".

Excluded transfers keep their natural category (基础养老金 is a 转移净收入 that art. 13 leaves out),
so a rule engine must look at the item, not only the category; assistance and welfare money
that is never income is filed under 不计入收入."""


@dataclass
class _Rows:
    """Rows of one item table, collected item kind by item kind and concatenated once at the end.

    `member` indexes the members (-1 for a household-level row); labels are integer codes into one
    shared dictionary, so no Python string is made per row.
    """

    member: list[np.ndarray] = field(default_factory=list)
    household: list[np.ndarray] = field(default_factory=list)
    cents: list[np.ndarray] = field(default_factory=list)
    starts: list[np.ndarray] = field(default_factory=list)
    ends: list[np.ndarray] = field(default_factory=list)
    labels: dict[str, list[np.ndarray]] = field(default_factory=dict)
    dictionary: dict[str, int] = field(default_factory=dict)

    def code(self, label: str) -> int:
        """Integer code of a label in the shared dictionary (added on first use)."""
        return self.dictionary.setdefault(label, len(self.dictionary))

    def add(
        self,
        member: np.ndarray,
        household: np.ndarray,
        cents: np.ndarray,
        starts: np.ndarray | np.datetime64,
        ends: np.ndarray | np.datetime64 | None = None,
        **labels: str | np.ndarray,
    ) -> None:
        """Append rows; a label is one string for all rows or an array of codes."""
        count = len(household)
        self.member.append(member)
        self.household.append(household)
        self.cents.append(cents)
        self.starts.append(np.broadcast_to(np.asarray(starts, dtype="datetime64[D]"), (count,)))
        end = np.datetime64("NaT", "D") if ends is None else ends
        self.ends.append(np.broadcast_to(np.asarray(end, dtype="datetime64[D]"), (count,)))
        for column, value in labels.items():
            codes = np.full(count, self.code(value)) if isinstance(value, str) else value
            self.labels.setdefault(column, []).append(codes)

    def column(self, name: str) -> np.ndarray:
        """Codes of a label column, in insertion order."""
        return np.concatenate(self.labels[name])

    def strings(self) -> pa.Array:
        """The shared dictionary that label codes index."""
        return pa.array(list(self.dictionary), pa.string())


class _IncomeBuilder:
    """Adds income items for chosen members or households, with the look-back start date."""

    def __init__(self, members: _Members, reference_date: datetime.date, rng: np.random.Generator) -> None:
        self.rows = _Rows()
        self.members = members
        self.rng = rng
        year_before = reference_date.replace(day=1) - datetime.timedelta(days=365)
        # Most items are recorded over the 12 months before the reference date, some over 6.
        self.twelve_months = np.datetime64(year_before, "M").astype("datetime64[D]")
        self.six_months = np.datetime64(datetime.date(reference_date.year, 1, 1), "D")
        self.heads = np.flatnonzero(members.is_head)

    def _lookback(self, count: int) -> np.ndarray:
        return np.where(self.rng.random(count) < 0.7, self.twelve_months, self.six_months)

    def _add(self, member, household, cents, item: str, starts=None, ends=None) -> None:
        category, rule_code = INCOME_ITEMS[item]
        start = self._lookback(len(household)) if starts is None else starts
        self.rows.add(
            member, household, cents, start, ends, category=category, item=item, rule_code=rule_code
        )

    def for_members(
        self, mask: np.ndarray, cents: np.ndarray, item: str, ends: np.ndarray | None = None
    ) -> None:
        """Items of the members where `mask` holds (`cents` and `ends` are per member)."""
        chosen = np.flatnonzero(mask)
        self._add(
            chosen,
            self.members.household[chosen],
            cents[chosen],
            item,
            ends=None if ends is None else ends[chosen],
        )

    def for_households(self, mask: np.ndarray, cents: np.ndarray, item: str, starts=None, ends=None) -> None:
        """Household-level items, filed under the head's ID (`mask` and `cents` are per household)."""
        chosen = np.flatnonzero(mask)
        self._add(self.heads[chosen], chosen, cents[chosen], item, starts, ends)


def _incomes_table(
    members: _Members,
    employment: np.ndarray,
    grade: np.ndarray,
    household_size: np.ndarray,
    reference_date: datetime.date,
    rng: np.random.Generator,
) -> pa.Table:
    """Monthly income items per member and per household (household items carry the head's ID)."""
    builder = _IncomeBuilder(members, reference_date, rng)
    count = len(members.age)
    age = members.age
    job_ended = np.datetime64(reference_date.replace(month=3, day=31), "D")
    ended = np.where(rng.random(count) < 0.06, job_ended, np.datetime64("NaT", "D"))
    builder.for_members(
        employment == MIGRANT_WORK, _lognormal_yuan(rng, count, 1300, 0.45), "务工收入", ended
    )
    builder.for_members(employment == FLEXIBLE_WORK, _lognormal_yuan(rng, count, 650, 0.5), "零工收入")
    builder.for_members(employment == FARMING, _lognormal_yuan(rng, count, 170, 0.6), "农业经营收入")
    builder.for_members(employment == RETIRED, _lognormal_yuan(rng, count, 2300, 0.3), "养老金")
    basic_pension = np.where(age >= 75, 13_300, 12_300)
    builder.for_members((age >= 60) & (employment != RETIRED), basic_pension, "基础养老金")
    scholars = (employment == STUDENT) & (age >= 15) & (rng.random(count) < 0.05)
    builder.for_members(scholars, _uniform_yuan(rng, count, 80, 400), "奖学金")
    veterans = members.is_male & (age >= 55) & (rng.random(count) < 0.015)
    builder.for_members(veterans, _uniform_yuan(rng, count, 600, 2200), "优待抚恤金")
    builder.for_members((age >= 60) & (rng.random(count) < 0.05), np.full(count, 8_000), "计划生育奖励扶助金")
    living_subsidy = members.disabled & (rng.random(count) < 0.6)
    builder.for_members(living_subsidy, np.full(count, 9_000), "困难残疾人生活补贴")
    care_subsidy = np.where(grade == 1, 10_000, 9_000)
    builder.for_members(members.disabled & (grade <= 2), care_subsidy, "重度残疾人护理补贴")
    allowance = np.select([age >= 100, age >= 90], [30_000, 10_000], 5_000)
    builder.for_members(age >= 80, allowance, "高龄津贴")

    households = len(builder.heads)
    head_age = age[builder.heads]
    rural = ~members.is_urban[builder.heads]
    supported = (head_age >= 60) & (rng.random(households) < 0.25)
    builder.for_households(supported, _lognormal_yuan(rng, households, 200, 0.5), "赡养费")
    land = rural & (rng.random(households) < 0.10)
    builder.for_households(land, _lognormal_yuan(rng, households, 60, 0.6), "土地流转收入")
    builder.for_households(
        rng.random(households) < 0.05, _lognormal_yuan(rng, households, 150, 0.6), "亲友资助"
    )
    dibao = household_size * rng.integers(200, 535, households) * 100
    builder.for_households(rng.random(households) < 0.55, dibao, "低保金")
    one_off = np.datetime64(reference_date.replace(month=3, day=1), "D")
    temporary = _uniform_yuan(rng, households, 500, 2000)
    builder.for_households(
        rng.random(households) < 0.03, temporary, "临时救助金", one_off, one_off + np.timedelta64(30, "D")
    )
    table = _finish(builder.rows, members, ("category", "item", "rule_code"), "monthly_amount")
    counted = pc.equal(table.column("rule_code"), "counted")
    return table.append_column("counted", counted).select(INCOMES_SCHEMA.names).cast(INCOMES_SCHEMA)


VEHICLE_TYPES = ("二轮摩托车", "三轮摩托车", "农用三轮车", "电动三轮车", "小型面包车", "小型轿车")
VEHICLE_TYPE_SHARES = (0.34, 0.18, 0.12, 0.06, 0.14, 0.16)
FOREST_TYPES = ("经济林木（核桃）", "经济林木（花椒）", "用材林（杉木）")


def _assets_table(members: _Members, reference_date: datetime.date, rng: np.random.Generator) -> pa.Table:
    """Assets: few and small — some deposits, a motorbike or tricycle, a self-built house."""
    rows = _Rows()
    heads = np.flatnonzero(members.is_head)
    count = len(heads)
    rural = ~members.is_urban[heads]
    household_level = np.full(count, -1)
    since = _random_dates(rng, count, datetime.date(2008, 1, 1), reference_date)
    statement = np.full(count, np.datetime64(reference_date.replace(day=1), "D"))

    def add(mask, owner, cents, start, kind: str, description: str | np.ndarray) -> None:
        chosen = np.flatnonzero(mask)
        described = description if isinstance(description, str) else description[chosen]
        rows.add(owner[chosen], chosen, cents[chosen], start[chosen], kind=kind, description=described)

    vehicle_type = rng.choice(len(VEHICLE_TYPES), size=count, p=VEHICLE_TYPE_SHARES)
    vehicle_value = np.select(
        [vehicle_type <= 1, vehicle_type <= 3, vehicle_type == 4],
        [
            _uniform_yuan(rng, count, 1500, 9000),
            _uniform_yuan(rng, count, 2000, 12000),
            _uniform_yuan(rng, count, 15000, 45000),
        ],
        _uniform_yuan(rng, count, 25000, 95000),
    )
    vehicle_codes = np.array([rows.code(name) for name in VEHICLE_TYPES])[vehicle_type]
    add(rng.random(count) < 0.10, heads, vehicle_value, since, "机动车", vehicle_codes)
    house = rng.random(count)
    self_built = rural & (house < 0.70)
    relocated = rural & (house >= 0.70) & (house < 0.78)
    add(self_built, household_level, _uniform_yuan(rng, count, 20000, 150000), since, "房产", "农村自建房")
    add(
        relocated,
        household_level,
        _uniform_yuan(rng, count, 60000, 120000),
        since,
        "房产",
        "易地扶贫搬迁安置房",
    )
    add(
        ~rural & (house < 0.30), heads, _uniform_yuan(rng, count, 100000, 480000), since, "房产", "城镇商品房"
    )
    add(
        rng.random(count) < 0.40, heads, _lognormal_yuan(rng, count, 2500, 1.1), statement, "存款", "银行存款"
    )
    securities = _uniform_yuan(rng, count, 5000, 60000)
    add(rng.random(count) < 0.004, heads, securities, statement, "有价证券", "股票、基金")
    insurance = _uniform_yuan(rng, count, 1000, 30000)
    add(rng.random(count) < 0.03, heads, insurance, since, "商业保险", "商业人寿保险（现金价值）")
    shares = _uniform_yuan(rng, count, 10000, 200000)
    add(rng.random(count) < 0.003, heads, shares, since, "企业股份", "个体工商户出资")
    forest_codes = np.array([rows.code(name) for name in FOREST_TYPES])[
        rng.integers(0, len(FOREST_TYPES), count)
    ]
    forest = _uniform_yuan(rng, count, 2000, 40000)
    add(rural & (rng.random(count) < 0.10), household_level, forest, since, "林木", forest_codes)
    return (
        _finish(rows, members, ("kind", "description"), "value")
        .select(ASSETS_SCHEMA.names)
        .cast(ASSETS_SCHEMA)
    )


def _finish(rows: _Rows, members: _Members, label_columns: tuple[str, ...], amount_column: str) -> pa.Table:
    """Concatenate the chunks sorted by household, then member (household-level rows last)."""
    member = np.concatenate(rows.member)
    household = np.concatenate(rows.household)
    order = np.lexsort((np.where(member < 0, np.iinfo(np.int64).max, member), household))
    person_level = member[order] >= 0
    id_numbers = members.id_numbers.take(pa.array(np.where(person_level, member[order], 0)))
    dictionary = rows.strings()
    ends = np.concatenate(rows.ends)[order]
    columns: dict[str, pa.Array] = {
        "household_id": pa.array(household[order] + 1),
        "id_number": pc.if_else(pa.array(person_level), id_numbers, pa.scalar(None, pa.string())),
        **{name: dictionary.take(pa.array(rows.column(name)[order])) for name in label_columns},
        amount_column: money(np.concatenate(rows.cents)[order]),
        "valid_from": pa.array(np.concatenate(rows.starts)[order], pa.date32()),
        "valid_to": pa.array(ends, pa.date32(), mask=np.isnat(ends)),
    }
    return pa.table(columns)


def generate_low_income(
    population: Population,
    regions: RegionTree,
    *,
    seed: int,
    reference_date: datetime.date,
    share: float = LOW_INCOME_SHARE,
    on_stage: Callable[[str], None] | None = None,
) -> LowIncomeRegistry:
    """Select the registry households and build the five registry tables; `on_stage(name)` after each."""

    def report(stage: str) -> None:
        if on_stage is not None:
            on_stage(stage)

    rng = np.random.default_rng(np.random.SeedSequence([seed, 2]))
    disabled = _disability_latent(population.person_age, rng)
    households = _select_households(population, disabled, share, rng)
    members = _members(population, households, disabled)
    report("low_income_selection")
    persons, employment, grade = _persons_table(population, members, rng)
    households_table = _households_table(population, regions, households, members, rng)
    memberships = _memberships_table(members, population, reference_date, rng)
    report("registry_persons")
    incomes = _incomes_table(
        members, employment, grade, population.household_size[households], reference_date, rng
    )
    report("incomes")
    assets = _assets_table(members, reference_date, rng)
    report("assets")
    return LowIncomeRegistry(households_table, persons, memberships, incomes, assets)
