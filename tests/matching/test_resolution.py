"""Resolutions: the records with an unusable ID resolved against the register when they arrive decide, at
verify time, exactly what comparing them then decides; they are made again when what they were made from
changes, and are not used when the registry holds people the register lacks."""

from __future__ import annotations

import dataclasses
import datetime
import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from minzheng.synth.city import generate, write_lake
from minzheng.synth.departments import generate_departments, write_departments
from minzheng.verification.lake.storage import dataset_path
from minzheng.verification.matching import FuzzySettings
from minzheng.verification.matching.pipeline import LinkRun, link_sources
from minzheng.verification.matching.population import PopulationIndex, prepare_population_index
from minzheng.verification.matching.resolution import (
    RESOLUTION_FILE,
    load_resolution,
    prepare_resolutions,
    resolution_dir,
    settings_digest,
)
from minzheng.verification.pipeline import read_lake

PERIOD = "2023-06"


@dataclasses.dataclass(frozen=True)
class City:
    lake: Path
    registry: pa.Table
    index: PopulationIndex


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> City:
    lake = tmp_path_factory.mktemp("lake")
    synth = generate(scale=0.004, seed=11)
    write_lake(synth, lake, PERIOD)
    write_departments(generate_departments(synth, seed=11, period=PERIOD), lake, PERIOD)
    prepared = prepare_population_index(lake, PERIOD)
    assert prepared is not None
    con = duckdb.connect()
    try:
        con.register("persons", synth.persons)
        con.register("register", ds.dataset(dataset_path(lake, "hukou", PERIOD), format="parquet"))
        registry = con.sql(
            """
            SELECT row_number() OVER (ORDER BY p.id_number) AS person_id, h.id_key, p.id_number, p.name,
                p.birth_date, p.hukou_region_code AS region_code
            FROM persons AS p JOIN register AS h ON h.id_number = p.id_number
            """
        ).to_arrow_table()
    finally:
        con.close()
    return City(lake=lake, registry=registry, index=prepared.index)


def _decided(run: LinkRun) -> dict[str, tuple[list[tuple], int, int]]:
    """Per source: the fuzzy links (record, person, probability, explanation), ambiguous and fuzzy records."""
    decided = {}
    for name, result in run.results.items():
        fuzzy = [
            (row["record_id"], row["person_id"], round(row["match_probability"], 9), row["explanation"])
            for row in result.links.to_pylist()
            if row["method"] == "fuzzy"
        ]
        decided[name] = (sorted(fuzzy), result.stats.fuzzy_ambiguous, result.stats.fuzzy_records)
    return decided


def test_resolved_records_link_as_records_compared_at_verify_time(city):
    sources = read_lake(city.lake, PERIOD)
    prepared = prepare_resolutions(city.lake, PERIOD, city.index)
    con = duckdb.connect()
    try:
        compared = link_sources(con, sources, city.registry, population=city.index)
        resolved = link_sources(
            con, sources, city.registry, population=city.index, resolutions=prepared.resolutions
        )
    finally:
        con.close()

    assert resolved.resolved == tuple(sources) and compared.resolved == ()
    assert resolved.fuzzy is None  # nothing was compared at verify time
    before, after = _decided(compared), _decided(resolved)
    assert after == before
    # the city has what the equality is about: fuzzy links (the ties are the next test's)
    assert sum(len(links) for links, _, _ in after.values()) > 20
    # the resolutions compared everyone's records, the registry's few and the others
    assert resolved.fuzzy_candidates_scored > compared.fuzzy_candidates_scored


@pytest.mark.parametrize("twice", [False, True], ids=["registry", "registry-with-a-key-twice"])
def test_ties_and_shared_keys_are_left_to_a_person_as_at_verify_time(con, twice):
    from minzheng.verification.matching.population import build_population_index
    from minzheng.verification.matching.resolution import resolve_sources

    from .builders import source
    from .test_pipeline import FIXED, POPULATION, VILLAGE_A, VILLAGE_B, ZHANG_WEI
    from .test_sql import REGISTRY

    registry = REGISTRY
    if twice:  # two registry people under the registry's 张伟's ID
        registry = pa.concat_tables(
            [REGISTRY, REGISTRY.slice(0, 1).set_column(0, "person_id", pa.array([9]))]
        )
    # given: records of 张伟 without an ID: filed in village A, in village B, and in the county only
    records = source(
        [
            {
                "record_id": f"T{i}",
                "name": "张伟",
                "birth_date": ZHANG_WEI["birth_date"],
                "region_code": region,
            }
            for i, region in ((1, VILLAGE_A), (2, VILLAGE_B), (3, VILLAGE_A[:6]))
        ]
    )
    index = build_population_index(con, POPULATION, FIXED)
    resolutions = resolve_sources(con, {"tax": records}, index, FIXED)

    compared = link_sources(con, {"tax": records}, registry, settings=FIXED, population=index)
    resolved = link_sources(
        con, {"tax": records}, registry, settings=FIXED, population=index, resolutions=resolutions
    )

    assert resolved.resolved == ("tax",)
    assert _decided(resolved) == _decided(compared)
    links, ambiguous, fuzzy_records = _decided(resolved)["tax"]
    # T1 is the registry's 张伟 (unless two people hold that ID); T2 the other 张伟; T3 either of them
    assert [link[:2] for link in links] == ([] if twice else [("T1", 1)])
    assert (ambiguous, fuzzy_records) == (2 if twice else 1, 3)


def test_a_resolution_is_made_again_when_its_data_or_register_or_model_changes(city):
    first = prepare_resolutions(city.lake, PERIOD, city.index)
    again = prepare_resolutions(city.lake, PERIOD, city.index)
    assert again.built == ()
    assert set(again.resolutions) == set(first.resolutions) == set(read_lake(city.lake, PERIOD))
    digest = settings_digest(FuzzySettings(), city.index)

    # a source's data arrives again: only that source is resolved again
    data = dataset_path(city.lake, "vehicles", PERIOD)
    stamp = data.stat().st_mtime_ns + 10**9
    os.utime(data, ns=(stamp, stamp))
    assert load_resolution(city.lake, "vehicles", PERIOD, digest) is None
    assert prepare_resolutions(city.lake, PERIOD, city.index).built == ("vehicles",)

    # another model: its resolutions are others (verify would not use these)
    other = dataclasses.replace(FuzzySettings(), threshold=0.99)
    assert settings_digest(other, city.index) != digest
    assert load_resolution(city.lake, "tax", PERIOD, settings_digest(other, city.index)) is None

    # a new register makes every resolution stale
    register = dataset_path(city.lake, "hukou", PERIOD)
    stamp = register.stat().st_mtime_ns + 10**9
    os.utime(register, ns=(stamp, stamp))
    assert all(load_resolution(city.lake, name, PERIOD, digest) is None for name in first.resolutions)
    assert (resolution_dir(city.lake, "tax", PERIOD) / RESOLUTION_FILE).exists()


def test_records_near_a_registry_person_the_register_lacks_are_compared_at_verify_time(city):
    prepared = prepare_resolutions(city.lake, PERIOD, city.index)
    sources = read_lake(city.lake, PERIOD)
    con = duckdb.connect()
    try:
        before = link_sources(con, sources, city.registry, population=city.index)
        # given: a second registry person as one that records link to fuzzily, with no ID number (the
        # register cannot hold them): that person's records now tie between the two
        source, record, linked = next(
            (name, row["record_id"], row["person_id"])
            for name, result in before.results.items()
            for row in result.links.to_pylist()
            if row["method"] == "fuzzy"
        )
        twin = next(row for row in city.registry.to_pylist() if row["person_id"] == linked)
        stranger = twin | {"person_id": 10**6, "id_key": None, "id_number": None}
        registry = pa.concat_tables([city.registry, pa.Table.from_pylist([stranger], city.registry.schema)])

        compared = link_sources(con, sources, registry, population=city.index)
        run = link_sources(con, sources, registry, population=city.index, resolutions=prepared.resolutions)
    finally:
        con.close()

    assert run.registry_only == 1 and run.resolved == tuple(sources)
    assert run.fuzzy is not None and run.fuzzy.recompared is not None
    assert 0 < run.fuzzy.recompared.num_rows < sum(r.stats.fuzzy_records for r in run.results.values())
    # the same decisions as comparing every record now; the probabilities of the resolved records differ
    # only by the prior's one person more
    for name, (links, ambiguous, records) in _decided(compared).items():
        got_links, got_ambiguous, got_records = _decided(run)[name]
        assert (got_ambiguous, got_records) == (ambiguous, records)
        assert [link[:2] + link[3:] for link in got_links] == [link[:2] + link[3:] for link in links]
        assert [link[2] for link in got_links] == pytest.approx([link[2] for link in links], abs=1e-6)
    # the records that link to the twin were among those compared now (with the stranger)
    assert f"{source}|{record}" in run.fuzzy.recompared["record_id"].to_pylist()


def test_ingest_resolves_a_source_as_it_arrives_and_every_source_with_a_new_register(tmp_path):
    from minzheng.verification.lake.contracts import CONTRACTS
    from minzheng.verification.lake.ingest import ingest_file

    from .test_pipeline import POPULATION, VILLAGE_A, ZHANG_WEI

    def write_csv(name: str, rows: list[dict]) -> Path:
        titles = {spec.name: spec.title for spec in CONTRACTS[name].columns}
        path = tmp_path / f"{name}.csv"
        lines = [",".join(titles[column] for column in rows[0])]
        lines += [",".join(str(value) for value in row.values()) for row in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    register = write_csv(
        "hukou",
        [
            {
                "id_number": row["id_number"],
                "name": row["name"],
                "sex": "男",
                "birth_date": row["birth_date"].isoformat(),
                "hukou_type": "农业户口",
                "hukou_region_code": row["hukou_region_code"],
                "hukou_household_number": f"H{number}",
            }
            for number, row in enumerate(POPULATION.to_pylist())
        ],
    )
    # 张伟's record with the check character wrong
    wrong = ZHANG_WEI["id_number"][:17] + ("0" if ZHANG_WEI["id_number"][17] != "0" else "1")
    tax = write_csv(
        "tax",
        [
            {
                "record_id": "T1",
                "id_number": wrong,
                "name": "张伟",
                "annual_income": "1000.00",
                "tax_year": "2022",
                "birth_date": ZHANG_WEI["birth_date"].isoformat(),
                "region_code": VILLAGE_A,
            }
        ],
    )
    lake = tmp_path / "lake"
    today = datetime.date(2023, 6, 30)

    # a source before the period's register: nothing to resolve against yet
    first = ingest_file("tax", tax, period=PERIOD, lake_dir=lake, today=today)
    assert first.resolved_sources == ()
    # the register arrives: the sources of the period already in the lake are resolved
    hukou = ingest_file("hukou", register, period=PERIOD, lake_dir=lake, today=today)
    assert hukou.resolved_sources == ("tax",)
    # the same file again changes nothing, and resolves nothing again
    again = ingest_file("tax", tax, period=PERIOD, lake_dir=lake, today=today)
    assert (again.status, again.resolved_sources) == ("unchanged", ())

    index = load_population_index_for(lake)
    resolution = load_resolution(lake, "tax", PERIOD, settings_digest(FuzzySettings(), index))
    assert resolution is not None and resolution.records == 1
    rows = resolution.rows.to_table().to_pylist()
    assert [(row["record_id"], row["id_key"], row["tied"]) for row in rows] == [
        ("T1", int(ZHANG_WEI["id_number"][:17]), False)
    ]


def load_population_index_for(lake: Path) -> PopulationIndex:
    from minzheng.verification.matching.population import load_population_index

    index = load_population_index(lake, PERIOD)
    assert index is not None
    return index
