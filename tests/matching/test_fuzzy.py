"""The Splink model: every comparison level runs on the pinned DuckDB, and the linkage meets its targets."""

from __future__ import annotations

import datetime

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from minzheng.verification.matching import (
    FuzzySettings,
    evaluate_links,
    link_source,
    make_linkage_fixture,
    sql,
)
from minzheng.verification.matching import fuzzy as fuzzy_module

from .builders import features, id_number, registry, source

FIXED = FuzzySettings(estimate_u=False)


def test_splink_keys_blocked_pairs_the_way_we_build_them(con):
    from splink import Linker, block_on
    from splink.backends.duckdb import DuckDBAPI

    # given two one-row tables in the same county
    con.execute("CREATE TABLE l AS SELECT 'R1' AS unique_id, '530602' AS county")
    con.execute("CREATE TABLE r AS SELECT '7' AS unique_id, '530602' AS county")
    api = DuckDBAPI(connection=con)
    settings = fuzzy_module.settings_creator(FIXED, registry_size=1)
    settings.blocking_rules_to_generate_predictions = [block_on("county")]
    settings.comparisons = []
    linker = Linker(
        [
            api.register("l", dataset_display_name=fuzzy_module.RECORDS_DATASET),
            api.register("r", dataset_display_name=fuzzy_module.REGISTRY_DATASET),
        ],
        settings,
        log_level=None,
        validate_settings=False,
    )

    # when Splink blocks them itself
    pairs = linker.inference.compute_blocked_pairs_for_predict().as_record_list()

    # then its keys are the ones splink_blocked_pairs_sql writes
    con.execute(
        "CREATE TABLE candidates AS SELECT 'R1' AS record_id, CAST(7 AS BIGINT) AS person_id, 0 AS blocking_rule"
    )
    ours = con.sql(fuzzy_module.splink_blocked_pairs_sql("candidates")).fetchall()
    assert [(pair["join_key_l"], pair["join_key_r"]) for pair in pairs] == [(ours[0][1], ours[0][2])]


LEVEL_RECORDS = features(
    "record_id",
    pa.string(),
    [
        {"record_id": "L1", "name": "张伟", "name_pinyin": "zhangwei", "birth_date": datetime.date(1980, 1, 1),
         "county": "530602", "village": "530602001201", "id_body": "53060219800101123"},
        {"record_id": "L2", "name": "张玮", "name_pinyin": "zhangwei", "birth_date": datetime.date(1980, 1, 7),
         "county": "530621", "village": "530621001201", "id_body": "53060219800101124"},
        {"record_id": "L3", "name": "李娟", "name_pinyin": "lijuan", "birth_date": datetime.date(1980, 1, 20),
         "id_body": "53060219800101199"},
        {"record_id": "L4", "birth_date": datetime.date(1980, 6, 30), "county": "530602",
         "id_body": "11111111111111111"},
        {"record_id": "L5", "name": "王芳", "name_pinyin": "wangfang", "birth_date": datetime.date(1975, 3, 5),
         "county": "530602", "village": "530602001201"},
    ],
)  # fmt: skip
LEVEL_PEOPLE = features(
    "person_id",
    pa.int64(),
    [
        {"person_id": number, "name": "张伟" if number != 5 else "王芳",
         "name_pinyin": "zhangwei" if number != 5 else "wangfang", "birth_date": datetime.date(1980, 1, 1),
         "county": "530602", "village": "530602001201", "id_body": "53060219800101123"}
        for number in range(1, 6)
    ],
)  # fmt: skip


def test_every_comparison_level_runs_on_the_pinned_duckdb_with_the_expected_level(con):
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    # given five pairs, each level of each comparison hit at least once
    con.register("records_arrow", LEVEL_RECORDS)
    con.register("people_arrow", LEVEL_PEOPLE)
    columns = ", ".join(sql.COMPARISON_COLUMNS)
    con.execute(f"CREATE TABLE l AS SELECT record_id AS unique_id, {columns} FROM records_arrow")
    con.execute(
        f"CREATE TABLE r AS SELECT CAST(person_id AS VARCHAR) AS unique_id, {columns} FROM people_arrow"
    )
    con.execute(
        "CREATE TABLE candidates AS SELECT 'L' || CAST(i AS VARCHAR) AS record_id, "
        "CAST(i AS BIGINT) AS person_id, 0 AS blocking_rule FROM range(1, 6) AS t(i)"
    )
    con.execute("CREATE TABLE blocked AS " + fuzzy_module.splink_blocked_pairs_sql("candidates"))
    api = DuckDBAPI(connection=con)
    linker = Linker(
        [
            api.register("l", dataset_display_name=fuzzy_module.RECORDS_DATASET),
            api.register("r", dataset_display_name=fuzzy_module.REGISTRY_DATASET),
        ],
        fuzzy_module.settings_creator(FIXED, registry_size=5),
        log_level=None,
    )
    linker.table_management.register_blocked_pairs_for_predict(api.register("blocked"))

    # when
    predictions = linker.inference.predict(warning_mode="never").as_pyarrow_table()

    # then
    gammas = {
        row["unique_id_l"]: tuple(row[f"gamma_{c}"] for c in sql.EXPLANATION_LEVELS)
        for row in predictions.to_pylist()
    }
    assert gammas == {
        # name, birth_date, county, village, id_body
        "L1": (2, 4, 1, 1, 3),  # all exact
        "L2": (1, 3, 0, 0, 2),  # same pinyin, birth date one character off, another county, ID 1 apart
        "L3": (0, 2, -1, -1, 1),  # another name, 19 days apart, no region, ID 2 apart
        "L4": (-1, 1, 1, -1, 0),  # no name, within a year, same county, ID else
        "L5": (2, 0, 1, 1, -1),  # same name (王芳), another decade, no ID
    }
    explained = {
        row[0]: row[1]
        for row in con.sql(
            f"SELECT unique_id_l, {sql.explanation_sql()} FROM {linker.inference.predict(warning_mode='never').physical_name}"
        ).fetchall()
    }
    assert explained["L2"] == "姓名同音、出生日期相差1位、区县不同、村（社区）不同、身份证号相差1位"
    assert explained["L4"] == "出生日期相差1年内、区县一致、身份证号不同"
    linker.table_management.delete_tables_created_by_splink_from_db()


# ------------------------------------------------------------------------------- precision / recall


@pytest.fixture(scope="module")
def linked_fixture():
    import duckdb

    data = make_linkage_fixture(5_000, 20_000, seed=1)
    con = duckdb.connect()
    result = link_source(con, "fixture", data.source, data.registry)
    con.close()
    return data, result


def test_precision_and_recall_reach_099_for_exact_and_fuzzy_cases(linked_fixture, record_property):
    # given 5,000 people and 20,000 records with every kind of ID and name noise
    data, result = linked_fixture

    # when
    evaluation = evaluate_links(result.links, data.truth)

    # then
    for line in [*evaluation.lines(), *result.stats.lines()]:
        print(line)
    record_property("evaluation", evaluation.lines())
    record_property("stats", result.stats.lines())
    assert evaluation.exact.precision >= 0.99
    assert evaluation.exact.recall >= 0.99
    assert evaluation.fuzzy.precision >= 0.99
    assert evaluation.fuzzy.recall >= 0.99
    assert result.stats.fuzzy_candidates_scored > 0
    assert result.stats.fuzzy_candidates_scored <= 10 * result.stats.fuzzy_records


def test_each_record_is_linked_at_most_once_with_an_explanation(linked_fixture):
    _, result = linked_fixture
    links = result.links

    assert pc.count_distinct(links["record_id"]).as_py() == links.num_rows
    fuzzy_links = links.filter(pc.equal(links["method"], "fuzzy"))
    assert fuzzy_links.num_rows == result.stats.fuzzy_links > 0
    assert pc.min(fuzzy_links["match_probability"]).as_py() >= 0.95
    assert fuzzy_links["explanation"].null_count == 0


# --------------------------------------------------------------------------------- the hard cases

ZHANG_WEI_1980 = id_number("530602", "19800101", "131")
ZHANG_WEI_1985 = id_number("530602", "19850615", "175")
VILLAGE = "530602001201"


@pytest.fixture(scope="module")
def crowded_registry() -> pa.Table:
    """500 synthetic people plus two 张伟 of the same village, born five years apart."""
    base = make_linkage_fixture(500, 10, seed=3).registry
    twins = registry(
        [
            {"person_id": 90_001, "id_number": ZHANG_WEI_1980, "name": "张伟", "region_code": VILLAGE},
            {"person_id": 90_002, "id_number": ZHANG_WEI_1985, "name": "张伟", "region_code": VILLAGE},
        ]
    )
    return pa.concat_tables([base.select(twins.column_names), twins])


def fuzzy_links(con, crowded_registry, records: list[dict]) -> dict[str, tuple[int, str]]:
    result = link_source(con, "hard", source(records), crowded_registry)
    return {row["record_id"]: (row["person_id"], row["explanation"]) for row in result.links.to_pylist()}


def test_two_people_named_zhang_wei_are_not_confused(con, crowded_registry):
    # given records of each 张伟 whose ID is missing or spoiled
    typo = ZHANG_WEI_1980[:15] + str((int(ZHANG_WEI_1980[15]) + 4) % 10) + ZHANG_WEI_1980[16:]
    records = [
        {"record_id": "A", "name": "张伟", "birth_date": datetime.date(1985, 6, 15), "region_code": VILLAGE},
        {"record_id": "B", "name": "張偉", "birth_date": datetime.date(1980, 1, 1), "region_code": "530602"},
        {"record_id": "C", "id_raw": typo, "name": "张伟"},
    ]

    # when
    links = fuzzy_links(con, crowded_registry, records)

    # then each goes to the 张伟 born on its date (C: the one whose ID it nearly is)
    assert links == {
        "A": (90_002, "姓名一致、出生日期一致、区县一致、村（社区）一致"),
        "B": (90_001, "姓名同音、出生日期一致、区县一致"),
        "C": (90_001, "姓名一致、身份证号相差1位"),
    }


def test_a_bare_name_is_never_linked(con, crowded_registry):
    # given records with only a name, or a name and a county: no birth date, no ID
    records = [
        {"record_id": "N1", "name": "张伟"},
        {"record_id": "N2", "name": "张伟", "region_code": "530602"},
    ]

    # when
    result = link_source(con, "bare", source(records), crowded_registry)

    # then no candidate pair was even formed (no blocking on the name alone)
    assert result.links.num_rows == 0
    assert result.stats.fuzzy_records == 2
    assert result.stats.fuzzy_candidates_scored == 0


def test_the_same_input_gives_the_same_links(con):
    data = make_linkage_fixture(1_000, 3_000, seed=5)

    first = link_source(con, "again", data.source, data.registry).links
    second = link_source(con, "again", data.source, data.registry).links

    assert first.sort_by("record_id").to_pylist() == second.sort_by("record_id").to_pylist()
