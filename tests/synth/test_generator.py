"""Tests of the synthetic city generator (plain pytest, no Django)."""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from stdnum.cn import ric

from minzheng.synth import idnumbers
from minzheng.synth.city import STAGES, SynthCity, generate, write_lake
from minzheng.synth.regions import COUNTY_CENSUS_POPULATION, build_regions, county_name

REFERENCE_DATE = datetime.date(2023, 6, 30)
MONEY = pa.decimal128(12, 2)

EXPECTED_SCHEMAS = {
    "regions": [
        ("code", pa.string()), ("name", pa.string()), ("level", pa.string()), ("parent_code", pa.string()),
        ("urban_rural", pa.string()), ("census_population", pa.int64()),
    ],
    "population": [
        ("id_number", pa.string()), ("id_key", pa.int64()), ("name", pa.string()), ("sex", pa.string()),
        ("birth_date", pa.date32()), ("ethnicity", pa.string()), ("hukou_type", pa.string()),
        ("hukou_region_code", pa.string()), ("hukou_household_number", pa.string()),
        ("relation_to_head", pa.string()), ("is_deceased", pa.bool_()),
    ],
    "households": [
        ("household_id", pa.int64()), ("household_number", pa.string()), ("region_code", pa.string()),
        ("urban_rural", pa.string()), ("address", pa.string()), ("head_id_number", pa.string()),
    ],
    "persons": [
        ("id_number", pa.string()), ("name", pa.string()), ("sex", pa.string()), ("birth_date", pa.date32()),
        ("ethnicity", pa.string()), ("hukou_type", pa.string()), ("hukou_region_code", pa.string()),
        ("phone", pa.string()), ("labour_capacity", pa.string()), ("employment", pa.string()),
        ("illness_category", pa.string()), ("disability_certificate", pa.string()),
        ("disability_category", pa.string()), ("disability_grade", pa.int8()),
    ],
    "memberships": [
        ("household_id", pa.int64()), ("id_number", pa.string()), ("relation", pa.string()),
        ("is_cohabiting", pa.bool_()), ("exclusion_reason", pa.string()), ("valid_from", pa.date32()),
    ],
    "incomes": [
        ("household_id", pa.int64()), ("id_number", pa.string()), ("category", pa.string()),
        ("item", pa.string()), ("monthly_amount", MONEY), ("counted", pa.bool_()), ("rule_code", pa.string()),
        ("valid_from", pa.date32()), ("valid_to", pa.date32()),
    ],
    "assets": [
        ("household_id", pa.int64()), ("id_number", pa.string()), ("kind", pa.string()),
        ("description", pa.string()), ("value", MONEY), ("valid_from", pa.date32()),
    ],
}  # fmt: skip
TABLES = tuple(EXPECTED_SCHEMAS)


@pytest.fixture(scope="module")
def city() -> SynthCity:
    return generate(scale=0.01, seed=1)


def _column(table: pa.Table, name: str) -> list:
    return table.column(name).to_pylist()


def _ages(birth_dates: np.ndarray) -> np.ndarray:
    """Whole years at the reference date, computed independently of the generator."""
    years = np.array([date.year for date in birth_dates])
    before = np.array(
        [(date.month, date.day) > (REFERENCE_DATE.month, REFERENCE_DATE.day) for date in birth_dates]
    )
    return REFERENCE_DATE.year - years - before


# --- determinism -------------------------------------------------------------------------------


def test_the_same_seed_gives_equal_tables() -> None:
    # given / when
    first = generate(scale=0.002, seed=7)
    second = generate(scale=0.002, seed=7)
    # then
    for name in TABLES:
        assert getattr(first, name).equals(getattr(second, name)), name


def test_another_seed_gives_other_people_in_the_same_region_tree() -> None:
    # given / when
    first = generate(scale=0.002, seed=7)
    other = generate(scale=0.002, seed=8)
    # then
    assert not first.population.column("id_number").equals(other.population.column("id_number"))
    assert not first.population.column("name").equals(other.population.column("name"))
    assert first.regions.equals(other.regions)


def test_the_region_tree_does_not_depend_on_scale() -> None:
    assert generate(scale=0.001, seed=1).regions.equals(generate(scale=0.002, seed=1).regions)


# --- ID numbers --------------------------------------------------------------------------------


def test_every_id_is_unique_and_valid_by_stdnum(city: SynthCity) -> None:
    ids = _column(city.population, "id_number")
    assert len(set(ids)) == len(ids)
    invalid = [number for number in ids if not ric.is_valid(number)]
    assert invalid == []


def test_check_ids_accepts_the_city_and_agrees_with_stdnum_on_damaged_ids(city: SynthCity) -> None:
    # given: valid IDs with one digit changed or the check character swapped
    ids = _column(city.population, "id_number")[:2000]
    damaged = [number[:5] + str((int(number[5]) + 1) % 10) + number[6:] for number in ids[:1000]]
    damaged += [number[:17] + ("0" if number[17] != "0" else "1") for number in ids[1000:]]
    # when
    valid_result = idnumbers.check_ids(city.population.column("id_number"), today=REFERENCE_DATE)
    damaged_result = idnumbers.check_ids(damaged, today=REFERENCE_DATE)
    # then
    assert valid_result.all()
    assert damaged_result.tolist() == [ric.is_valid(number) for number in damaged]
    assert not damaged_result.any()


def test_check_ids_rejects_bad_dates_lengths_and_nulls() -> None:
    numbers = [
        "11010519491231002X",  # valid (policy-rules §8.1)
        "11010519491231002x",  # lower-case x accepted
        "440524188001010014",  # valid (policy-rules §8.1)
        "440524188001010015",  # wrong check digit
        "110105194902300025",  # 30 February
        "110105210001010011",  # in the future
        "11010519491231002",  # 17 characters
        None,
    ]
    expected = [True, True, True, False, False, False, False, False]
    assert idnumbers.check_ids(numbers, today=REFERENCE_DATE).tolist() == expected


def test_id_key_is_the_first_17_digits(city: SynthCity) -> None:
    keys = city.population.column("id_key").to_numpy()
    from_text = idnumbers.id_keys_from_numbers(city.population.column("id_number"))
    assert np.array_equal(keys, from_text)
    assert len(np.unique(keys)) == len(keys)


def test_sex_matches_sequence_parity(city: SynthCity) -> None:
    sequence_is_odd = pc.equal(
        pc.bit_wise_and(
            pc.cast(pc.utf8_slice_codeunits(city.population.column("id_number"), 16, 17), pa.int64()), 1
        ),
        1,
    )
    is_male = pc.equal(city.population.column("sex"), "男")
    assert sequence_is_odd.equals(is_male)


def test_address_codes_follow_the_birth_year() -> None:
    # given: 水富 (530681) across the three eras
    dates = np.array(["2000-12-31", "2001-01-01", "2017-12-31", "2018-01-01"], dtype="datetime64[D]")
    # when
    codes = idnumbers.address_codes_at_birth(np.full(4, 530681), dates)
    # then
    assert codes.tolist() == [532131, 530630, 530630, 530681]


def test_birth_dates_match_the_id(city: SynthCity) -> None:
    from_id = pc.strptime(pc.utf8_slice_codeunits(city.population.column("id_number"), 6, 14), "%Y%m%d", "s")
    assert pc.cast(from_id, pa.date32()).equals(city.population.column("birth_date"))


# --- population --------------------------------------------------------------------------------


def test_county_shares_are_within_one_percent_of_the_census(city: SynthCity) -> None:
    counts = Counter(code[:6] for code in _column(city.population, "hukou_region_code"))
    census_total = sum(COUNTY_CENSUS_POPULATION.values())
    for code, census in COUNTY_CENSUS_POPULATION.items():
        expected = city.population.num_rows * census / census_total
        assert abs(counts[code] - expected) / expected < 0.01, code


def test_population_size_follows_the_scale(city: SynthCity) -> None:
    assert city.population.num_rows == 63_000


def test_age_structure_is_young_with_a_seventh_aged_60_or_more(city: SynthCity) -> None:
    ages = _ages(np.array(_column(city.population, "birth_date")))
    assert 0.22 < (ages < 18).mean() < 0.28
    assert 0.12 < (ages >= 60).mean() < 0.16
    assert min(_column(city.population, "birth_date")) >= datetime.date(1923, 1, 1)
    assert max(_column(city.population, "birth_date")) <= REFERENCE_DATE


def test_households_have_one_head_and_consistent_ages(city: SynthCity) -> None:
    # given
    table = city.population.select(["hukou_household_number", "relation_to_head", "birth_date", "sex"])
    frame = {name: np.array(_column(table, name), dtype=object) for name in table.column_names}
    household = frame["hukou_household_number"]
    heads = frame["relation_to_head"] == "户主"
    head_birth = dict(zip(household[heads], frame["birth_date"][heads], strict=True))
    gap_years = np.array(
        [
            (birth - head_birth[number]).days / 365.2425
            for number, birth in zip(household, frame["birth_date"], strict=True)
        ]
    )
    sizes = Counter(household)
    # then: one head each, 1–7 people, mean about 3.4
    assert Counter(household[heads]) == Counter(set(household))
    assert set(sizes.values()) <= set(range(1, 8))
    assert 3.1 < np.mean(list(sizes.values())) < 3.6
    # then: relatives' ages agree with the head's (a year of slack for days within the year)
    relation = frame["relation_to_head"]
    assert np.abs(gap_years[relation == "配偶"]).max() <= 9
    children = gap_years[relation == "子女"]
    assert children.min() >= 17 and children.max() <= 41
    parents = -gap_years[relation == "父母"]
    assert parents.min() >= 19 and parents.max() <= 41


def test_spouses_are_of_the_other_sex_and_children_mostly_share_the_head_surname(city: SynthCity) -> None:
    table = city.population
    household = np.array(_column(table, "hukou_household_number"))
    relation = np.array(_column(table, "relation_to_head"))
    sex = np.array(_column(table, "sex"))
    surname = np.array([name[0] for name in _column(table, "name")])
    heads = relation == "户主"
    head_sex = dict(zip(household[heads], sex[heads], strict=True))
    head_surname = dict(zip(household[heads], surname[heads], strict=True))
    spouses = np.flatnonzero(relation == "配偶")
    assert all(sex[index] != head_sex[household[index]] for index in spouses)
    children = np.flatnonzero(relation == "子女")
    shared = np.mean([surname[index] == head_surname[household[index]] for index in children])
    assert shared > 0.75


def test_codes_and_labels_come_from_the_documented_sets(city: SynthCity) -> None:
    population = city.population
    assert set(_column(population, "sex")) == {"男", "女"}
    assert set(_column(population, "hukou_type")) == {"农业户口", "非农业户口", "居民户口"}
    assert set(_column(population, "relation_to_head")) <= {
        "户主",
        "配偶",
        "子女",
        "父母",
        "孙子女",
        "兄弟姐妹",
        "其他",
    }
    assert not any(_column(population, "is_deceased"))
    ethnicities = Counter(_column(population, "ethnicity"))
    assert 0.86 < ethnicities["汉族"] / population.num_rows < 0.94
    villages = set(_column(city.regions.filter(pc.equal(city.regions.column("level"), "village")), "code"))
    assert set(_column(population, "hukou_region_code")) <= villages
    numbers = _column(population, "hukou_household_number")
    codes = _column(population, "hukou_region_code")
    assert all(number[:12] == code and len(number) == 17 for number, code in zip(numbers, codes, strict=True))


# --- regions -----------------------------------------------------------------------------------


def test_region_tree_has_the_counties_and_synthetic_townships_and_villages() -> None:
    # given
    tree = build_regions().table
    rows = tree.to_pylist()
    by_level = Counter(row["level"] for row in rows)
    # then
    assert by_level == {"city": 1, "county": 11, "township": 150, "village": 1400}
    counties = {row["code"]: row for row in rows if row["level"] == "county"}
    assert counties["530602"]["name"] == "昭阳区"
    assert counties["530681"]["name"] == "水富市" == county_name("530681")
    assert {code: row["census_population"] for code, row in counties.items()} == COUNTY_CENSUS_POPULATION
    codes = {row["code"] for row in rows}
    for row in rows:
        length = {"city": 6, "county": 6, "township": 9, "village": 12}[row["level"]]
        assert len(row["code"]) == length and row["code"].isdigit()
        if row["level"] != "city":
            shared = {"county": 4, "township": 6, "village": 9}[row["level"]]
            assert row["parent_code"] in codes and row["code"][:shared] == row["parent_code"][:shared]
    for row in rows:
        if row["level"] == "township":
            kind = row["code"][6]
            assert row["name"].endswith({"0": "街道", "1": "镇", "2": "乡"}[kind])
        if row["level"] == "village":
            assert row["code"][:9] == row["parent_code"]
            suffix = int(row["code"][9:])
            if row["urban_rural"] == "urban":
                assert 1 <= suffix <= 99 and row["name"].endswith("社区")
            else:
                assert 201 <= suffix <= 299 and row["name"].endswith("村")
    names = Counter((row["parent_code"], row["name"]) for row in rows)
    assert max(names.values()) == 1


def test_county_names_come_from_stdnum_without_validity_prefix() -> None:
    assert county_name("530600") == "昭通市"
    assert county_name("530627") == "镇雄县"


# --- low-income registry ----------------------------------------------------------------------


def test_every_registry_household_has_exactly_one_head_and_members(city: SynthCity) -> None:
    memberships = city.memberships
    households = _column(memberships, "household_id")
    heads = Counter(
        h
        for h, relation in zip(households, _column(memberships, "relation"), strict=True)
        if relation == "户主"
    )
    household_ids = _column(city.households, "household_id")
    assert household_ids == list(range(1, len(household_ids) + 1))
    assert set(heads) == set(household_ids) and set(heads.values()) == {1}
    assert set(households) == set(household_ids)
    head_of = {
        h: number
        for h, number, relation in zip(
            households, _column(memberships, "id_number"), _column(memberships, "relation"), strict=True
        )
        if relation == "户主"
    }
    assert _column(city.households, "head_id_number") == [head_of[h] for h in household_ids]


def test_registry_holds_about_a_tenth_of_the_population_and_they_are_registered(city: SynthCity) -> None:
    assert 0.095 < city.persons.num_rows / city.population.num_rows < 0.105
    assert _column(city.persons, "id_number") == _column(city.memberships, "id_number")
    registered = {
        row["id_number"]: row
        for row in city.population.select(["id_number", "name", "birth_date"]).to_pylist()
    }
    for row in city.persons.select(["id_number", "name", "birth_date"]).to_pylist():
        assert registered[row["id_number"]] == row
    numbers = set(_column(city.population, "hukou_household_number"))
    assert set(_column(city.households, "household_number")) <= numbers
    rural = Counter(_column(city.households, "urban_rural"))["rural"] / city.households.num_rows
    assert rural > 0.75  # biased towards rural households


def test_disability_and_illness_shares_and_certificates(city: SynthCity) -> None:
    persons = city.persons.to_pylist()
    disabled = [row for row in persons if row["disability_certificate"] is not None]
    assert 0.09 < len(disabled) / len(persons) < 0.15
    grades = Counter(row["disability_grade"] for row in disabled)
    assert grades[3] + grades[4] > grades[1] + grades[2]
    categories = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
    for row in disabled:
        suffix = f"{categories.index(row['disability_category']) + 1}{row['disability_grade']}"
        assert row["disability_certificate"] == row["id_number"] + suffix
    serious = sum(row["illness_category"] == "重特大疾病" for row in persons) / len(persons)
    assert 0.04 < serious < 0.08
    phones = [row["phone"] for row in persons if row["phone"] is not None]
    assert phones and all(len(phone) == 11 and phone[0] == "1" and phone[1] in "3456789" for phone in phones)


def test_memberships_have_few_members_living_apart(city: SynthCity) -> None:
    rows = city.memberships.to_pylist()
    apart = [row for row in rows if not row["is_cohabiting"]]
    assert 0.005 < len(apart) / len(rows) < 0.03
    assert all((row["exclusion_reason"] is None) == row["is_cohabiting"] for row in rows)
    starts = Counter(row["valid_from"] for row in rows)
    assert min(starts) >= datetime.date(2015, 1, 1) and max(starts) <= REFERENCE_DATE
    assert starts[datetime.date(2015, 1, 1)] / len(rows) > 0.5


def test_excluded_income_items_are_not_counted_and_most_households_are_poor(city: SynthCity) -> None:
    rows = city.incomes.to_pylist()
    flags = {(row["item"], row["counted"], row["rule_code"]) for row in rows}
    assert ("基础养老金", False, "excluded.basic_pension") in flags
    assert all(
        not counted for item, counted, _ in flags if item in {"基础养老金", "优待抚恤金", "奖学金", "低保金"}
    )
    assert all(counted == (rule == "counted") for _, counted, rule in flags)
    members = Counter(_column(city.memberships, "household_id"))
    income: dict[int, Decimal] = {}
    for row in rows:
        if row["counted"]:
            income[row["household_id"]] = income.get(row["household_id"], Decimal(0)) + row["monthly_amount"]
    per_capita = np.array([float(income.get(h, 0)) / size for h, size in members.items()])
    assert 0.5 < (per_capita < 600).mean() < 0.95
    assert (per_capita > 900).any()


def test_assets_are_mostly_small(city: SynthCity) -> None:
    rows = city.assets.to_pylist()
    with_vehicle = {row["household_id"] for row in rows if row["kind"] == "机动车"}
    assert 0.06 < len(with_vehicle) / city.households.num_rows < 0.14
    assert {row["kind"] for row in rows} <= {
        "机动车",
        "房产",
        "存款",
        "有价证券",
        "商业保险",
        "企业股份",
        "林木",
    }


# --- schemas, lake, progress --------------------------------------------------------------------


@pytest.mark.parametrize("name", TABLES)
def test_table_schemas_are_as_specified(city: SynthCity, name: str) -> None:
    assert getattr(city, name).schema == pa.schema(EXPECTED_SCHEMAS[name])


def test_write_lake_writes_the_documented_layout(city: SynthCity, tmp_path: Path) -> None:
    # when
    paths = write_lake(city, tmp_path, period="2023-06")
    # then
    assert paths["population"] == tmp_path / "hukou" / "2023-06" / "data.parquet"
    for name in ("regions", "households", "persons", "memberships", "incomes", "assets"):
        assert paths[name] == tmp_path / "synth" / "2023-06" / f"{name}.parquet"
    for name, path in paths.items():
        assert pq.read_table(path).equals(getattr(city, name))


def test_progress_is_reported_for_every_stage() -> None:
    calls: list[tuple[str, int, int]] = []
    generate(scale=0.001, seed=1, progress=lambda stage, done, total: calls.append((stage, done, total)))
    assert calls == [(stage, index + 1, len(STAGES)) for index, stage in enumerate(STAGES)]
