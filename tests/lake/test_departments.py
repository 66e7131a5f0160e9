"""The synthetic departmental data: deterministic, in the lake layout, with a truth that holds."""

from __future__ import annotations

import csv
import datetime
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from minzheng.synth.city import SynthCity, generate
from minzheng.synth.departments import (
    FINDING_CODES,
    NEGATIVE_CODES,
    TRUTH_SCHEMA,
    VOLUMES,
    Departments,
    generate_departments,
    hukou_table,
    truth_path,
    write_departments,
)
from minzheng.verification.lake.contracts import CONTRACTS, DEPARTMENT_SOURCES, lake_schema
from minzheng.verification.lake.ingest import ingest_file

SCALE = 0.01


@pytest.fixture(scope="module")
def city() -> SynthCity:
    return generate(scale=SCALE, seed=1)


@pytest.fixture(scope="module")
def deps(city: SynthCity) -> Departments:
    return generate_departments(city, seed=1)


def _registry_keys(city: SynthCity) -> set[int]:
    return {int(number[:17]) for number in city.persons.column("id_number").to_pylist()}


def _truth_rows(deps: Departments, source: str) -> dict[str, dict]:
    truth = deps.truth.filter(pc.equal(deps.truth.column("source"), source))
    return {row["record_id"]: row for row in truth.to_pylist()}


def test_the_same_seed_gives_equal_tables_and_another_seed_other_ones():
    # given
    city = generate(scale=0.002, seed=4)
    # when
    first = generate_departments(city, seed=4)
    second = generate_departments(city, seed=4)
    other = generate_departments(city, seed=5)
    # then
    for source in DEPARTMENT_SOURCES:
        assert first.tables()[source].equals(second.tables()[source]), source
    assert first.truth.equals(second.truth)
    assert not first.deposits.equals(other.deposits)


def test_every_table_has_the_lake_layout_of_its_contract(deps):
    for source, table in deps.tables().items():
        assert table.schema.equals(lake_schema(CONTRACTS[source]), check_metadata=True), source
        assert table.column("row_number").to_pylist() == list(range(1, table.num_rows + 1))
        assert pc.count_distinct(table.column("record_id")).as_py() == table.num_rows
    assert deps.truth.schema == TRUTH_SCHEMA


def test_volumes_follow_the_scale_over_the_whole_city(city, deps):
    for source, table in deps.tables().items():
        expected = VOLUMES[source] * SCALE
        assert abs(table.num_rows - expected) <= max(0.05 * expected, 15), (source, table.num_rows)
    assert deps.deposits.num_rows == max(t.num_rows for t in deps.tables().values())
    # most records are about people outside the registry
    registry = pa.array(sorted(_registry_keys(city)), pa.int64())
    for source in ("vehicles", "deposits", "tax", "real_estate"):
        table = deps.tables()[source]
        inside = pc.sum(pc.is_in(table.column("id_key"), value_set=registry)).as_py() or 0
        assert inside < 0.05 * table.num_rows, source


def test_volumes_double_with_the_scale(deps):
    bigger = generate_departments(generate(scale=2 * SCALE, seed=1), seed=1)
    for source in DEPARTMENT_SOURCES:
        ratio = bigger.tables()[source].num_rows / deps.tables()[source].num_rows
        assert 1.8 < ratio < 2.2, (source, ratio)


def test_every_finding_code_is_planted(deps):
    codes = set(deps.truth.column("finding_code").to_pylist())
    assert set(FINDING_CODES) <= codes
    assert codes <= set(FINDING_CODES) | set(NEGATIVE_CODES)
    assert {"negative_vehicle_exempt", "negative_business_closed", "negative_basic_pension"} <= codes


def test_every_truth_row_exists_in_its_source_with_its_noise(city, deps):
    population = {row["id_number"]: row for row in city.population.select(["id_number", "name"]).to_pylist()}
    for source in DEPARTMENT_SOURCES:
        records = {row["record_id"]: row for row in deps.tables()[source].to_pylist()}
        for record_id, truth in _truth_rows(deps, source).items():
            record = records[record_id]  # exists
            noise, true_id = truth["noise"], truth["id_number"]
            if noise in ("none", "name_variant", "id15"):
                assert record["id_number"] == true_id, (source, record_id)
            if noise == "none":
                assert record["id_status"] == "valid" and record["name"] == population[true_id]["name"]
            elif noise == "name_variant":
                assert record["name"] != population[true_id]["name"]
                assert len(record["name"]) == len(population[true_id]["name"])
            elif noise == "id15":
                assert record["id_status"] == "converted_15" and len(record["id_raw"]) == 15
            elif noise in ("typo", "bad_check"):
                assert record["id_status"] == "bad_checksum" and record["id_number"] is None
            else:
                assert noise == "missing_id" and record["id_status"] == "missing" and record["id_raw"] is None
            if noise != "none":
                assert record["birth_date"] is not None and record["region_code"] is not None


def test_noise_is_three_to_five_percent_of_planted_and_of_background_records(deps):
    planted = deps.truth.column("noise").to_pylist()
    share = sum(noise != "none" for noise in planted) / len(planted)
    assert 0.03 <= share <= 0.05, share
    for source in ("vehicles", "real_estate", "pensions", "tax", "deposits", "medical"):
        table = deps.tables()[source]
        background = pc.invert(
            pc.is_in(table.column("record_id"), value_set=pa.array(list(_truth_rows(deps, source))))
        )
        rows = table.filter(background)
        bad_ids = pc.sum(pc.not_equal(rows.column("id_status"), "valid")).as_py()
        # name variants keep a valid ID: count them apart from the ID noise (about 1%)
        share = bad_ids / rows.num_rows
        assert 0.02 <= share <= 0.04, (source, share)


def test_background_records_never_concern_registry_members(city, deps):
    registry = pa.array(sorted(_registry_keys(city)), pa.int64())
    for source in DEPARTMENT_SOURCES:
        table = deps.tables()[source]
        about_registry = table.filter(
            pc.fill_null(pc.is_in(table.column("id_key"), value_set=registry), False)
        )
        planted = set(_truth_rows(deps, source))
        assert set(about_registry.column("record_id").to_pylist()) <= planted, source
    # and a planted record is about the registry person its truth row names (or, for 防返贫, their household)
    persons = set(city.persons.column("id_number").to_pylist())
    assert set(deps.truth.column("id_number").to_pylist()) <= persons


def test_background_records_with_a_bad_id_do_not_look_like_a_registry_member(city, deps):
    identities = {
        (row["name"], row["birth_date"], row["hukou_region_code"])
        for row in city.persons.select(["name", "birth_date", "hukou_region_code"]).to_pylist()
    }
    for source in DEPARTMENT_SOURCES:
        planted = set(_truth_rows(deps, source))
        table = deps.tables()[source]
        unusable = table.filter(pc.is_null(table.column("id_number"))).to_pylist()
        for row in unusable:
            if row["record_id"] not in planted:
                assert (row["name"], row["birth_date"], row["region_code"]) not in identities


def _records_of(deps: Departments, source: str, code: str) -> list[dict]:
    wanted = {record for record, row in _truth_rows(deps, source).items() if row["finding_code"] == code}
    return [row for row in deps.tables()[source].to_pylist() if row["record_id"] in wanted]


def test_planted_records_meet_their_rule_and_negatives_do_not(deps):
    limit = Decimal(20000)
    assert all(
        row["value_estimate"] > limit
        and row["vehicle_type"] != "残疾人机动轮椅车"
        and not row["is_disability_vehicle"]
        for row in _records_of(deps, "vehicles", "vehicle")
    )
    exempt = _records_of(deps, "vehicles", "negative_vehicle_exempt")
    assert all(row["vehicle_type"] == "残疾人机动轮椅车" and row["is_disability_vehicle"] for row in exempt)
    assert all(
        row["value_estimate"] < limit for row in _records_of(deps, "vehicles", "negative_vehicle_below_limit")
    )
    assert all(row["status"] == "存续" for row in _records_of(deps, "businesses", "business"))
    assert all(row["status"] != "存续" for row in _records_of(deps, "businesses", "negative_business_closed"))
    assert all(row["monthly_amount"] > 720 for row in _records_of(deps, "pensions", "pension_income"))
    assert all(
        row["kind"] == "城乡居民基础养老金" for row in _records_of(deps, "pensions", "negative_basic_pension")
    )
    assert all(row["out_of_pocket"] > 5000 for row in _records_of(deps, "medical", "medical_costs"))
    assert all(row["out_of_pocket"] < 5000 for row in _records_of(deps, "medical", "negative_medical_small"))
    assert all(row["grade"] <= 2 for row in _records_of(deps, "disability", "severe_disability_uncovered"))
    assert all(row["status"] == "失业" for row in _records_of(deps, "unemployment", "unemployed"))
    assert all(row["balance"] > 24 * 475 for row in _records_of(deps, "deposits", "deposits"))
    assert all(
        row["balance"] < 24 * 475 for row in _records_of(deps, "deposits", "negative_deposits_below_limit")
    )
    houses = _truth_rows(deps, "real_estate")
    owners = [row["id_number"] for row in houses.values() if row["finding_code"] == "real_estate"]
    assert owners and all(owners.count(owner) == 2 for owner in owners)
    settled = {row["settled_on"] for row in deps.medical.to_pylist()}
    assert min(settled) >= datetime.date(2023, 6, 1) and max(settled) <= datetime.date(2023, 6, 30)


def test_the_two_sides_do_not_mix(deps):
    truth = deps.truth.to_pylist()
    recipient_side = {"death", "vehicle", "real_estate", "business", "pension_income", "wage_income",
                      "tax_income", "housing_fund", "deposits"}  # fmt: skip
    recipients = {row["id_number"] for row in truth if row["finding_code"] in recipient_side}
    coverage = {row["household_id"] for row in truth if row["finding_code"] not in recipient_side
                and not row["finding_code"].startswith("negative_")}  # fmt: skip
    recipient_households = {row["household_id"] for row in truth if row["id_number"] in recipients}
    assert not coverage & recipient_households


def test_written_files_are_what_the_ingest_writes(tmp_path, deps):
    # given
    lake = tmp_path / "lake"
    paths = write_departments(deps, lake, "2023-06")
    # then: every source, the previous month's income sources and the truths are where the readers look
    previous = {f"{source}_prev" for source in ("pensions", "housing_fund", "tax")}
    assert set(paths) == {*DEPARTMENT_SOURCES, *previous, "truth", "income_truth"}
    assert paths["truth"] == truth_path(lake, "2023-06")
    assert pq.read_table(paths["truth"]).num_rows == deps.truth.num_rows
    written = pq.read_table(paths["vehicles"])
    assert written.schema.metadata[b"minzheng.period"] == b"2023-06"
    # and: the same records exported to a CSV with Chinese headers and ingested give the same table
    table = deps.vehicles
    export = tmp_path / "车管.csv"
    headers = {spec.name: spec.title for spec in CONTRACTS["vehicles"].columns}
    with export.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([headers[name] for name in CONTRACTS["vehicles"].column_names])
        for row in table.to_pylist():
            values = {**row, "id_number": row["id_raw"]}
            writer.writerow(["" if values[name] is None else _text(values[name]) for name in headers])
    ingested = tmp_path / "ingested"
    ingest_file("vehicles", export, period="2023-06", lake_dir=ingested, today=datetime.date(2023, 6, 30))
    assert pq.read_table(ingested / "vehicles" / "2023-06" / "data.parquet").equals(written)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def test_writing_twice_changes_nothing(tmp_path, deps):
    lake = tmp_path / "lake"
    paths = write_departments(deps, lake, "2023-06")
    stamps = {name: path.stat().st_mtime_ns for name, path in paths.items()}
    write_departments(deps, lake, "2023-06")
    assert {name: path.stat().st_mtime_ns for name, path in paths.items()} == stamps


def test_the_registry_ids_of_noisy_15_digit_records_are_people_born_in_the_1900s(deps):
    truth = deps.truth.filter(pc.equal(deps.truth.column("noise"), "id15")).column("id_number").to_pylist()
    assert truth and all(number[6:8] == "19" for number in truth)
    years = np.array([int(number[6:10]) for number in truth])
    assert years.min() >= 1900 and years.max() <= 1999


def test_the_hukou_can_be_had_in_the_lake_layout_too(city):
    table = hukou_table(city)
    assert table.schema.equals(lake_schema(CONTRACTS["hukou"]), check_metadata=True)
    assert table.column("id_number").equals(city.population.column("id_number"))
    assert table.column("id_key").equals(city.population.column("id_key"))
    assert set(table.column("id_status").to_pylist()) == {"valid"}


def test_a_covered_fanpin_household_lists_a_living_recipient(city, deps):
    from minzheng.synth.departments import caseload_sides

    # the rule finds a monitored household none of whose listed members is on dibao or 特困: a negative
    # must list one (its recipient planted dead is not listed, so that household is uncovered)
    recipient, _ = caseload_sides(city)
    is_recipient = dict(zip(city.persons.column("id_number").to_pylist(), recipient.tolist(), strict=True))
    truth = _truth_rows(deps, "fanpin")
    listed: dict[int, list[bool]] = {}
    for row in truth.values():
        if row["finding_code"] == "negative_fanpin_covered":
            listed.setdefault(row["household_id"], []).append(is_recipient[row["id_number"]])
    assert listed and all(any(flags) for flags in listed.values())
