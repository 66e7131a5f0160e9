"""The population register's matching index: what it holds, when it is (re)made, and that linking with it
on disk decides as linking with the register itself."""

from __future__ import annotations

import dataclasses
import datetime
import os

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from minzheng.verification.lake.storage import dataset_path
from minzheng.verification.matching import FuzzySettings, link_source
from minzheng.verification.matching.population import (
    FEATURES_FILE,
    build_population_index,
    index_dir,
    load_population_index,
    prepare_population_index,
    u_fingerprint,
)

from .builders import source
from .test_pipeline import FIXED, POPULATION, VILLAGE_A, VILLAGE_B, ZHANG_WEI
from .test_sql import REGISTRY

PERIOD = "2023-06"


def _write_register(lake, table: pa.Table = POPULATION) -> None:
    path = dataset_path(lake, "hukou", PERIOD)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def test_the_index_holds_everyone_their_names_pinyin_and_frequencies(con):
    index = build_population_index(con, POPULATION, FIXED)

    features = index.features.to_pylist()
    assert index.people == POPULATION.num_rows == len(features)
    assert sorted(row["id_key"] for row in features) == sorted(POPULATION["id_key"].to_pylist())
    twin = [row for row in features if row["village"] == VILLAGE_B]
    assert [(row["name_pinyin"], row["county"]) for row in twin] == [("zhangwei", VILLAGE_B[:6])]
    assert set(index.pinyin["name"].to_pylist()) == set(POPULATION["name"].to_pylist())
    # two 张伟 of the register: their name is twice as frequent as any other
    names = dict(zip(*index.term_frequencies["name"].to_pydict().values(), strict=True))
    assert names["张伟"] == pytest.approx(2 / POPULATION.num_rows)
    assert sum(names.values()) == pytest.approx(1.0)
    # a model with every u fixed samples nothing: the index carries those u, for no sampled model
    assert index.u_probabilities["county"] == tuple(FIXED.u_probabilities["county"])
    assert index.u_fingerprint == ""


def test_the_u_fingerprint_follows_what_sampling_depends_on():
    base = FuzzySettings()
    assert u_fingerprint(base) == u_fingerprint(FuzzySettings())
    assert u_fingerprint(dataclasses.replace(base, seed=1)) != u_fingerprint(base)
    assert u_fingerprint(dataclasses.replace(base, u_max_pairs=1e5)) != u_fingerprint(base)
    # the threshold and m play no part in sampling u
    assert u_fingerprint(dataclasses.replace(base, threshold=0.99)) == u_fingerprint(base)


def test_prepare_makes_the_index_once_and_again_when_the_register_changes(tmp_path):
    lake = tmp_path / "lake"
    assert prepare_population_index(lake, PERIOD) is None  # no register: no index
    _write_register(lake)

    first = prepare_population_index(lake, PERIOD)
    again = prepare_population_index(lake, PERIOD)

    assert first is not None and first.built
    assert again is not None and not again.built
    assert again.index.people == POPULATION.num_rows
    assert again.index.u_fingerprint == u_fingerprint(FuzzySettings())
    features = index_dir(lake, PERIOD) / FEATURES_FILE
    stamp = features.stat().st_mtime_ns

    # another model's u is sampled and stored; the features stay
    other = prepare_population_index(lake, PERIOD, FuzzySettings(seed=7))
    assert other is not None and other.built
    assert other.index.u_fingerprint == u_fingerprint(FuzzySettings(seed=7))
    assert features.stat().st_mtime_ns == stamp

    # a new register (one person fewer) makes the index stale: not loaded, and made again
    _write_register(lake, POPULATION.slice(1))
    register = dataset_path(lake, "hukou", PERIOD)
    os.utime(register, ns=(stamp + 10**9, stamp + 10**9))
    assert load_population_index(lake, PERIOD) is None
    rebuilt = prepare_population_index(lake, PERIOD)
    assert rebuilt is not None and rebuilt.built
    assert rebuilt.index.people == POPULATION.num_rows - 1


def test_linking_with_the_index_on_disk_decides_as_with_the_register(con, tmp_path):
    lake = tmp_path / "lake"
    _write_register(lake)
    prepared = prepare_population_index(lake, PERIOD, FIXED)
    assert prepared is not None
    # given: two records without an ID, both 张伟 born that day, one filed in each village
    records = source(
        [
            {
                "record_id": f"T{i}",
                "name": "张伟",
                "birth_date": ZHANG_WEI["birth_date"],
                "region_code": village,
            }
            for i, village in ((1, VILLAGE_A), (2, VILLAGE_B))
        ]
    )

    from_disk = link_source(con, "tax", records, REGISTRY, settings=FIXED, population=prepared.index)
    in_memory = link_source(con, "tax", records, REGISTRY, settings=FIXED, population=POPULATION)

    # then: village A's record is the registry's 张伟, village B's the other one's (not linked), both ways
    assert from_disk.links.select(["record_id", "person_id"]).to_pylist() == [
        {"record_id": "T1", "person_id": 1}
    ]
    assert from_disk.links.equals(in_memory.links)
    # each record against both 张伟
    assert from_disk.stats.fuzzy_candidates_scored == in_memory.stats.fuzzy_candidates_scored == 4


def test_ingesting_the_register_makes_its_index(tmp_path):
    from minzheng.verification.lake.contracts import CONTRACTS
    from minzheng.verification.lake.ingest import ingest_file

    contract = CONTRACTS["hukou"]
    rows = [
        {
            "id_number": row["id_number"],
            "name": row["name"],
            "sex": "男",
            "birth_date": row["birth_date"].isoformat(),
            "ethnicity": "汉族",
            "hukou_type": "农业户口",
            "hukou_region_code": row["hukou_region_code"],
            "hukou_household_number": f"H{index}",
        }
        for index, row in enumerate(POPULATION.to_pylist())
    ]
    titles = {spec.name: spec.title for spec in contract.columns}
    path = tmp_path / "户籍.csv"
    names = [name for name in rows[0] if name in titles]
    lines = [",".join(titles[name] for name in names)]
    lines += [",".join(str(row[name]) for name in names) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    lake = tmp_path / "lake"

    first = ingest_file("hukou", path, period=PERIOD, lake_dir=lake, today=datetime.date(2023, 6, 30))
    again = ingest_file("hukou", path, period=PERIOD, lake_dir=lake, today=datetime.date(2023, 6, 30))

    assert first.rows_good == POPULATION.num_rows, first.rejection_reasons
    assert (first.matching_index, again.matching_index) == ("built", "current")
    index = load_population_index(lake, PERIOD)
    assert index is not None and index.people == POPULATION.num_rows
    villages = pc.unique(index.features.to_table()["village"]).to_pylist()
    assert sorted(villages) == sorted(set(POPULATION["hukou_region_code"].to_pylist()))


def test_the_compared_side_keeps_only_people_who_could_be_identified(con):
    from minzheng.verification.matching import sql

    from .builders import features

    index = build_population_index(con, POPULATION, FIXED)
    con.register("index_features", index.features)
    con.register("registry_people", REGISTRY)
    con.register("pinyin", index.pinyin)
    con.execute("CREATE TABLE registry_features AS " + sql.registry_features_sql("registry_people", "pinyin"))
    everyone = con.sql(sql.population_features_sql("index_features", "registry_people", "registry_features"))
    everyone_rows = everyone.fetchall()
    # given: one record of 张伟 without an ID, one with nothing but 17 ID digits of the second registry person
    second = REGISTRY.to_pylist()[1]
    con.register(
        "records",
        features(
            "record_id",
            pa.string(),
            [
                {"record_id": "R1", "name": "张伟", "name_pinyin": "zhangwei"},
                {
                    "record_id": "R2",
                    "name": "无名",
                    "name_pinyin": "wuming",
                    "id_body": second["id_number"][:17],
                },
            ],
        ),
    )

    near = con.sql(
        sql.population_features_sql(
            "index_features", "registry_people", "registry_features", records="records"
        )
    ).fetchall()
    ((size,),) = con.sql(sql.population_size_sql("index_features", "registry_people")).fetchall()

    # then: both 张伟 (the registry's and the twin) and the second registry person, nobody else
    columns = ["person_id", *sql.FEATURE_COLUMNS]
    kept = sorted((dict(zip(columns, row, strict=True))["person_id"] for row in near), key=abs)
    twin = -next(row["id_key"] for row in index.features.to_pylist() if row["village"] == VILLAGE_B)
    assert kept == sorted([1, twin, second["person_id"]], key=abs)
    assert size == len(everyone_rows) > len(near)
