"""The synthetic 户籍 (household registration) population of the whole city, vectorised.

People are made household by household *as arrays*: each registration household gets a size and a
template (户主 + 配偶 + 子女 …), the template fixes every member's relation to the head, and the
members' ages, sexes, surnames and ethnicities follow from the head's. Nothing loops over people;
the loops are over counties, household sizes and name tables (tens of iterations).

The age structure is that of a young rural prefecture with heavy out-migration: about a quarter of
the registered population under 18 and one in seven aged 60 or more, many 留守 households where
grandparents live with grandchildren, and heads born from the 1930s to the 2000s.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minzheng.synth import idnumbers, names
from minzheng.synth.regions import RegionTree, apportion

REGISTERED_POPULATION = 6_300_000
"""户籍 population of Zhaotong at scale 1 (policy-rules §8.2: about 631–633万)."""

EARLIEST_BIRTH_DATE = datetime.date(1923, 1, 1)
MAXIMUM_AGE = 100

ROLE_LETTERS = "HSCFMGBO"
"""Template letters: 户主, 配偶, 子女, 父 (father), 母 (mother), 孙子女, 兄弟姐妹, 其他."""
HEAD, SPOUSE, CHILD, FATHER, MOTHER, GRANDCHILD, SIBLING, OTHER = range(8)
RELATION_LABELS = ("户主", "配偶", "子女", "父母", "父母", "孙子女", "兄弟姐妹", "其他")
"""`relation_to_head` per role code; father and mother are both 父母 on the register."""

SEX_LABELS = ("男", "女")
HUKOU_TYPES = ("农业户口", "非农业户口", "居民户口")

HOUSEHOLD_SIZE_SHARES: dict[str, tuple[float, ...]] = {
    "rural": (0.14, 0.18, 0.19, 0.20, 0.15, 0.09, 0.05),
    "urban": (0.18, 0.24, 0.25, 0.18, 0.09, 0.04, 0.02),
}
"""Shares of households of 1…7 people; the means are about 3.5 (rural) and 3.0 (urban)."""

HUKOU_TYPE_SHARES: dict[str, tuple[float, float, float]] = {
    "rural": (0.62, 0.0, 0.38),
    "urban": (0.0, 0.42, 0.58),
}
"""Shares of 农业 / 非农业 / 居民户口: records not yet converted since the 2015 reform keep the old
types, so all three appear, and one household has one type."""


@dataclass(frozen=True)
class HouseholdTemplate:
    """A family shape: role letters in order (head first) and the age range of its head."""

    roles: str
    weight: float
    head_age_low: int
    head_age_high: int


HOUSEHOLD_TEMPLATES: tuple[HouseholdTemplate, ...] = (
    HouseholdTemplate("H", 0.77, 18, 59),
    HouseholdTemplate("H", 0.23, 60, 100),
    HouseholdTemplate("HS", 0.28, 56, 97),
    HouseholdTemplate("HS", 0.34, 20, 42),
    HouseholdTemplate("HC", 0.22, 26, 70),
    HouseholdTemplate("HM", 0.05, 20, 50),
    HouseholdTemplate("HG", 0.09, 55, 78),
    HouseholdTemplate("HSC", 0.58, 24, 64),
    HouseholdTemplate("HCC", 0.09, 30, 58),
    HouseholdTemplate("HSM", 0.08, 22, 45),
    HouseholdTemplate("HSG", 0.17, 50, 75),
    HouseholdTemplate("HCG", 0.08, 46, 72),
    HouseholdTemplate("HSCC", 0.56, 28, 58),
    HouseholdTemplate("HSCM", 0.08, 24, 46),
    HouseholdTemplate("HSCG", 0.12, 44, 70),
    HouseholdTemplate("HSGG", 0.10, 48, 72),
    HouseholdTemplate("HSFM", 0.07, 20, 40),
    HouseholdTemplate("HSCCC", 0.38, 30, 56),
    HouseholdTemplate("HSCCM", 0.14, 26, 46),
    HouseholdTemplate("HSCFM", 0.12, 24, 42),
    HouseholdTemplate("HSCCG", 0.14, 44, 68),
    HouseholdTemplate("HSCGG", 0.14, 46, 70),
    HouseholdTemplate("HSCCCC", 0.26, 32, 56),
    HouseholdTemplate("HSCCFM", 0.26, 26, 44),
    HouseholdTemplate("HSCCGG", 0.26, 46, 70),
    HouseholdTemplate("HSCCCM", 0.10, 28, 46),
    HouseholdTemplate("HSCCBO", 0.08, 26, 52),
    HouseholdTemplate("HSCCCFM", 0.34, 28, 46),
    HouseholdTemplate("HSCCGGG", 0.25, 48, 70),
    HouseholdTemplate("HSCCCCM", 0.14, 30, 48),
    HouseholdTemplate("HSCCCBG", 0.16, 44, 66),
)
"""Family shapes by size; many 2–4 person households are 留守 grandparents with grandchildren."""


@dataclass(frozen=True)
class Population:
    """The 户籍 table plus the per-person and per-household arrays later stages build on."""

    table: pa.Table
    person_household: np.ndarray
    """Index of each person's registration household (rows are grouped by household, head first)."""
    person_role: np.ndarray
    person_age: np.ndarray
    """Whole years (周岁) at the reference date."""
    person_is_male: np.ndarray
    person_surname: np.ndarray
    household_first_person: np.ndarray
    household_size: np.ndarray
    household_village: np.ndarray
    household_is_urban: np.ndarray
    household_number: pa.StringArray


def county_targets(regions: RegionTree, scale: float) -> np.ndarray:
    """People per county: the scaled 6.3M split exactly by the 2020 census shares."""
    total = max(round(REGISTERED_POPULATION * scale), len(regions.county_codes))
    return apportion(total, regions.county_census_population, minimum=1)


def _household_sizes(people: int, shares: tuple[float, ...], rng: np.random.Generator) -> np.ndarray:
    """Household sizes summing exactly to `people` (the last household is trimmed to fit)."""
    if people == 0:
        return np.zeros(0, dtype=np.int64)
    probabilities = np.array(shares) / sum(shares)
    mean = float(np.dot(probabilities, np.arange(1, len(shares) + 1)))
    sizes = np.zeros(0, dtype=np.int64)
    while sizes.sum() < people:
        more = int(people / mean * 1.05) + 16
        sizes = np.concatenate([sizes, rng.choice(len(shares), size=more, p=probabilities) + 1])
    totals = np.cumsum(sizes)
    last = int(np.searchsorted(totals, people))
    sizes = sizes[: last + 1].copy()
    sizes[-1] -= int(totals[last]) - people
    return sizes


@dataclass(frozen=True)
class _Households:
    size: np.ndarray
    village: np.ndarray
    is_urban: np.ndarray
    county: np.ndarray


def _make_households(regions: RegionTree, targets: np.ndarray, rng: np.random.Generator) -> _Households:
    """Households of every county and urban/rural class, placed in villages, sorted by village."""
    parts: list[tuple[np.ndarray, np.ndarray, bool, int]] = []
    for county_index, people in enumerate(targets):
        urban_people = round(int(people) * float(regions.county_urban_share[county_index]))
        for urban, class_people in ((True, urban_people), (False, int(people) - urban_people)):
            candidates = np.flatnonzero(
                (regions.village_county_index == county_index) & (regions.village_is_urban == urban)
            )
            sizes = _household_sizes(class_people, HOUSEHOLD_SIZE_SHARES["urban" if urban else "rural"], rng)
            weights = regions.village_weight[candidates]
            villages = candidates[rng.choice(len(candidates), size=len(sizes), p=weights / weights.sum())]
            parts.append((sizes, villages, urban, county_index))
    size = np.concatenate([part[0] for part in parts])
    village = np.concatenate([part[1] for part in parts])
    is_urban = np.concatenate([np.full(len(part[0]), part[2]) for part in parts])
    county = np.concatenate([np.full(len(part[0]), part[3], dtype=np.int64) for part in parts])
    order = np.argsort(village, kind="stable")
    return _Households(size[order], village[order], is_urban[order], county[order])


def _template_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Templates as arrays: role matrix (padded with -1), size, weight, head age low and high."""
    width = max(len(template.roles) for template in HOUSEHOLD_TEMPLATES)
    roles = np.full((len(HOUSEHOLD_TEMPLATES), width), -1, dtype=np.int64)
    for row, template in enumerate(HOUSEHOLD_TEMPLATES):
        roles[row, : len(template.roles)] = [ROLE_LETTERS.index(letter) for letter in template.roles]
    size = np.array([len(template.roles) for template in HOUSEHOLD_TEMPLATES])
    weight = np.array([template.weight for template in HOUSEHOLD_TEMPLATES])
    low = np.array([template.head_age_low for template in HOUSEHOLD_TEMPLATES])
    high = np.array([template.head_age_high for template in HOUSEHOLD_TEMPLATES])
    return roles, size, weight, low, high


def _choose_templates(sizes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A template per household among those of its size, by weight (a loop over the 7 sizes)."""
    _, template_size, template_weight, _, _ = _template_arrays()
    chosen = np.zeros(len(sizes), dtype=np.int64)
    for size in np.unique(sizes):
        households = np.flatnonzero(sizes == size)
        options = np.flatnonzero(template_size == size)
        probabilities = template_weight[options] / template_weight[options].sum()
        chosen[households] = options[rng.choice(len(options), size=len(households), p=probabilities)]
    return chosen


def _uniform_int(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Integers uniform in [low, high] elementwise (high ≥ low)."""
    return low + np.floor(rng.random(len(low)) * (high - low + 1)).astype(np.int64)


OLD_HEAD_AGE = 55
"""Templates whose head is at least this old draw ages with a density falling towards the top."""


def _head_ages(low: np.ndarray, high: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Head ages in [low, high]: uniform for working-age templates; for old ones the density falls
    linearly to zero at `high` (1 - sqrt(U)), as mortality thins the oldest ages."""
    draw = rng.random(len(low))
    fraction = np.where(low >= OLD_HEAD_AGE, 1.0 - np.sqrt(draw), draw)
    return np.minimum(low + np.floor(fraction * (high - low + 1)).astype(np.int64), high)


def _member_ages(role: np.ndarray, head_age: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ages consistent with the head: spouse ±8, children 18–40 younger, parents 20–40 older."""
    count = len(role)
    spouse_gap = np.clip(np.rint(rng.normal(2.0, 3.0, count)), -8, 8).astype(np.int64)
    child_age = head_age - _uniform_int(rng, np.full(count, 18), np.clip(head_age, 18, 40))
    parent_age = head_age + _uniform_int(rng, np.full(count, 20), np.full(count, 40))
    grandchild_age = head_age - _uniform_int(rng, np.full(count, 38), np.clip(head_age, 38, 66))
    sibling_age = head_age + _uniform_int(rng, np.full(count, -10), np.full(count, 10))
    other_age = _uniform_int(rng, np.zeros(count, dtype=np.int64), np.full(count, 80))
    age = np.select(
        [
            role == HEAD,
            role == SPOUSE,
            role == CHILD,
            (role == FATHER) | (role == MOTHER),
            role == GRANDCHILD,
            role == SIBLING,
        ],
        [head_age, np.maximum(head_age - spouse_gap, 18), child_age, parent_age, grandchild_age, sibling_age],
        other_age,
    )
    return np.clip(age, 0, MAXIMUM_AGE)


def _birth_dates(age: np.ndarray, reference_date: datetime.date, rng: np.random.Generator) -> np.ndarray:
    """A birth date for each whole-year age at the reference date, uniform within that year of age."""
    reference = np.datetime64(reference_date, "D")
    days_back = np.floor((age + rng.random(len(age))) * 365.2425).astype(np.int64)
    born = reference - days_back.astype("timedelta64[D]")
    return np.clip(born, np.datetime64(EARLIEST_BIRTH_DATE, "D"), reference)


def _ages_at(birth_dates: np.ndarray, reference_date: datetime.date) -> np.ndarray:
    """Whole years (周岁) at the reference date, as the policy thresholds count them."""
    birth_years = birth_dates.astype("datetime64[Y]").astype(np.int64) + 1970
    reference_key = reference_date.month * 100 + reference_date.day
    before_birthday = _day_of_year_key(birth_dates) > reference_key
    return reference_date.year - birth_years - before_birthday.astype(np.int64)


def _day_of_year_key(dates: np.ndarray) -> np.ndarray:
    """Month * 100 + day: comparable across leap and common years (29 Feb sorts after 28 Feb)."""
    months = dates.astype("datetime64[M]")
    day = (dates - months.astype("datetime64[D]")).astype(np.int64) + 1
    return (months.astype(np.int64) % 12 + 1) * 100 + day


def _sexes(role: np.ndarray, head_is_male: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """True for men: spouse opposite to the head, fathers and mothers fixed, children ~52% boys."""
    random_male = rng.random(len(role)) < 0.52
    return np.select(
        [role == HEAD, role == SPOUSE, role == FATHER, role == MOTHER],
        [head_is_male, ~head_is_male, True, False],
        random_male,
    )


def _surnames(
    role: np.ndarray,
    person_household: np.ndarray,
    is_male: np.ndarray,
    has_spouse: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Surname codes: children take the father's surname (usually the head's), in-laws their own."""
    probabilities = names.normalised(names.SURNAME_WEIGHTS)
    household_count = int(person_household.max()) + 1 if len(person_household) else 0
    head_surname = rng.choice(len(probabilities), size=household_count, p=probabilities)
    spouse_surname = rng.choice(len(probabilities), size=household_count, p=probabilities)
    own_surname = rng.choice(len(probabilities), size=len(role), p=probabilities)
    head_of_person = head_surname[person_household]
    spouse_of_person = spouse_surname[person_household]
    head_is_male = np.zeros(household_count, dtype=bool)
    head_is_male[person_household[role == HEAD]] = is_male[role == HEAD]
    # The father's line: the head's surname unless the head is a woman living with her husband.
    father_surname = np.where(
        head_is_male[person_household] | ~has_spouse[person_household], head_of_person, spouse_of_person
    )
    mother_surname = np.where(father_surname == head_of_person, spouse_of_person, head_of_person)
    child_surname = np.where(rng.random(len(role)) < 0.93, father_surname, mother_surname)
    return np.select(
        [
            role == HEAD,
            role == SPOUSE,
            (role == CHILD) | (role == GRANDCHILD),
            (role == FATHER) | (role == SIBLING),
        ],
        [head_of_person, spouse_of_person, child_surname, head_of_person],
        own_surname,
    )


def _given_name_codes(
    is_male: np.ndarray, birth_year: np.ndarray, rng: np.random.Generator
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Two character codes per person into one dictionary; the second is "" for one-character names."""
    tables = names.MALE_GIVEN_CHARACTERS_BY_ERA + names.FEMALE_GIVEN_CHARACTERS_BY_ERA
    dictionary = list(dict.fromkeys(value for table in tables for value in names.table_values(table)))
    empty = len(dictionary)
    era = np.searchsorted(np.array(names.GIVEN_NAME_ERA_STARTS[1:]), birth_year, side="right")
    first = np.zeros(len(is_male), dtype=np.int64)
    second = np.zeros(len(is_male), dtype=np.int64)
    eras = len(names.GIVEN_NAME_ERA_STARTS)
    for sex_index, by_era in enumerate(
        (names.MALE_GIVEN_CHARACTERS_BY_ERA, names.FEMALE_GIVEN_CHARACTERS_BY_ERA)
    ):
        for era_index in range(eras):
            people = np.flatnonzero((is_male == (sex_index == 0)) & (era == era_index))
            table = by_era[era_index]
            codes = np.array([dictionary.index(value) for value in names.table_values(table)])
            probabilities = names.normalised(table)
            first[people] = codes[rng.choice(len(codes), size=len(people), p=probabilities)]
            second[people] = codes[rng.choice(len(codes), size=len(people), p=probabilities)]
    one_character = rng.random(len(is_male)) < names.SINGLE_CHARACTER_GIVEN_NAME_SHARE
    second[one_character] = empty
    return pa.array([*dictionary, ""], pa.string()), first, second


def _full_names(
    surname: np.ndarray, is_male: np.ndarray, birth_year: np.ndarray, rng: np.random.Generator
) -> pa.Array:
    """姓 + 名 as an Arrow string array, joined by Arrow rather than Python."""
    surnames = pa.array(names.table_values(names.SURNAME_WEIGHTS), pa.string())
    characters, first, second = _given_name_codes(is_male, birth_year, rng)
    return pc.binary_join_element_wise(
        surnames.take(pa.array(surname)),
        characters.take(pa.array(first)),
        characters.take(pa.array(second)),
        "",
    )


def _ethnicities(
    regions: RegionTree,
    household_county: np.ndarray,
    person_household: np.ndarray,
    role: np.ndarray,
    rng: np.random.Generator,
) -> tuple[pa.Array, np.ndarray]:
    """Ethnicity codes: one per household from its county's shares; in-marrying members may differ."""
    dictionary = names.table_values(names.ETHNICITY_SHARES)
    household_code = np.zeros(len(household_county), dtype=np.int64)
    person_county = household_county[person_household]
    own_code = np.zeros(len(role), dtype=np.int64)
    for county_index, county_code in enumerate(regions.county_codes):
        table = names.COUNTY_ETHNICITY_SHARES.get(county_code, names.ETHNICITY_SHARES)
        codes = np.array([dictionary.index(value) for value in names.table_values(table)])
        households = np.flatnonzero(household_county == county_index)
        household_code[households] = codes[
            rng.choice(len(codes), size=len(households), p=names.normalised(table))
        ]
        people = np.flatnonzero(person_county == county_index)
        own_code[people] = codes[rng.choice(len(codes), size=len(people), p=names.normalised(table))]
    married_in = (role == SPOUSE) | (role == MOTHER) | (role == OTHER)
    code = np.where(married_in & (rng.random(len(role)) < 0.5), own_code, household_code[person_household])
    return pa.array(dictionary, pa.string()), code


def _household_numbers(regions: RegionTree, village: np.ndarray) -> pa.Array:
    """户号: the 12-digit village code and a 5-digit serial within the village (households sorted)."""
    positions = np.arange(len(village), dtype=np.int64)
    starts = np.ones(len(village), dtype=bool)
    starts[1:] = village[1:] != village[:-1]
    serial = positions - np.maximum.accumulate(np.where(starts, positions, 0)) + 1
    if len(serial) and serial.max() > 99_999:
        raise ValueError("more than 99,999 households in one village: use more villages")
    return pc.cast(pa.array(regions.village_codes[village] * 100_000 + serial), pa.string())


def generate_population(
    regions: RegionTree,
    *,
    scale: float,
    seed: int,
    reference_date: datetime.date,
    on_stage: Callable[[str], None] | None = None,
) -> Population:
    """The whole city's 户籍 table at `scale` (1 = 6.3M people); `on_stage(name)` after each stage."""

    def report(stage: str) -> None:
        if on_stage is not None:
            on_stage(stage)

    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    households = _make_households(regions, county_targets(regions, scale), rng)
    template_roles, _, _, head_low, head_high = _template_arrays()
    template = _choose_templates(households.size, rng)
    report("households")

    first_person = np.concatenate([[0], np.cumsum(households.size)[:-1]]).astype(np.int64)
    person_household = np.repeat(np.arange(len(households.size), dtype=np.int64), households.size)
    position = np.arange(len(person_household), dtype=np.int64) - first_person[person_household]
    role = template_roles[template[person_household], position]
    head_age = _head_ages(head_low[template], head_high[template], rng)
    age = _member_ages(role, head_age[person_household], rng)
    birth_dates = _birth_dates(age, reference_date, rng)
    has_spouse = (template_roles[template] == SPOUSE).any(axis=1)
    head_is_male = np.where(has_spouse, rng.random(len(template)) < 0.88, rng.random(len(template)) < 0.55)
    is_male = _sexes(role, head_is_male[person_household], rng)
    report("people")

    county_codes = np.array([int(code) for code in regions.county_codes], dtype=np.int64)
    person_county = households.county[person_household]
    address_codes = idnumbers.address_codes_at_birth(county_codes[person_county], birth_dates)
    birth_dates, sequences = idnumbers.assign_sequences(address_codes, birth_dates, is_male)
    keys = idnumbers.id_keys(address_codes, birth_dates, sequences)
    id_numbers = idnumbers.id_numbers_from_keys(keys)
    age = _ages_at(birth_dates, reference_date)
    report("id_numbers")

    surname = _surnames(role, person_household, is_male, has_spouse, rng)
    birth_year = birth_dates.astype("datetime64[Y]").astype(np.int64) + 1970
    full_names = _full_names(surname, is_male, birth_year, rng)
    ethnicity_dictionary, ethnicity = _ethnicities(regions, households.county, person_household, role, rng)
    report("names")

    hukou_type = _hukou_types(households.is_urban, rng)
    household_numbers = _household_numbers(regions, households.village)
    village_code_strings = pc.cast(pa.array(regions.village_codes), pa.string())
    table = pa.table(
        {
            "id_number": id_numbers,
            "id_key": pa.array(keys, pa.int64()),
            "name": full_names,
            "sex": pa.array(SEX_LABELS, pa.string()).take(pa.array((~is_male).astype(np.int8))),
            "birth_date": pa.array(birth_dates, pa.date32()),
            "ethnicity": ethnicity_dictionary.take(pa.array(ethnicity)),
            "hukou_type": pa.array(HUKOU_TYPES, pa.string()).take(pa.array(hukou_type[person_household])),
            "hukou_region_code": village_code_strings.take(pa.array(households.village[person_household])),
            "hukou_household_number": household_numbers.take(pa.array(person_household)),
            "relation_to_head": pa.array(RELATION_LABELS, pa.string()).take(pa.array(role)),
            "is_deceased": pa.array(np.zeros(len(role), dtype=bool)),
        },
        schema=POPULATION_SCHEMA,
    )
    report("population_table")
    return Population(
        table=table,
        person_household=person_household,
        person_role=role,
        person_age=age,
        person_is_male=is_male,
        person_surname=surname,
        household_first_person=first_person,
        household_size=households.size,
        household_village=households.village,
        household_is_urban=households.is_urban,
        household_number=household_numbers,
    )


def _hukou_types(household_is_urban: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One 户口 type per household (index into HUKOU_TYPES), by urban/rural shares."""
    rural = rng.choice(3, size=len(household_is_urban), p=HUKOU_TYPE_SHARES["rural"])
    urban = rng.choice(3, size=len(household_is_urban), p=HUKOU_TYPE_SHARES["urban"])
    return np.where(household_is_urban, urban, rural)


POPULATION_SCHEMA = pa.schema(
    [
        ("id_number", pa.string()),
        ("id_key", pa.int64()),
        ("name", pa.string()),
        ("sex", pa.string()),
        ("birth_date", pa.date32()),
        ("ethnicity", pa.string()),
        ("hukou_type", pa.string()),
        ("hukou_region_code", pa.string()),
        ("hukou_household_number", pa.string()),
        ("relation_to_head", pa.string()),
        ("is_deceased", pa.bool_()),
    ]
)
