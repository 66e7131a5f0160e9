"""link_source: exact then fuzzy, the link table's shape, the statistics, and a clean connection after."""

from __future__ import annotations

import pyarrow as pa
import pytest

from minzheng.verification.matching import FuzzySettings, link_source
from minzheng.verification.matching.fuzzy import LINK_SCHEMA
from minzheng.verification.matching.pipeline import exact_link_table, link_sources

from .builders import id_number, source
from .test_sql import REGISTRY, SOURCE

FIXED = FuzzySettings(estimate_u=False)
"""Three registry people are too few to sample u from: the configured u values are used."""


def objects_in(con) -> list[str]:
    return [
        row[0]
        for row in con.sql(
            "SELECT table_name FROM duckdb_tables() UNION ALL "
            "SELECT view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    ]


def test_link_source_links_exactly_then_fuzzily(con):
    # when
    result = link_source(con, "vehicles", SOURCE, REGISTRY, settings=FIXED)

    # then
    links = {
        row["record_id"]: (row["person_id"], row["method"], row["explanation"])
        for row in result.links.to_pylist()
    }
    assert links == {
        "R1": (1, "exact", "身份证号一致"),
        "R2": (2, "exact", "身份证号一致（15位号码升位）、姓名一致"),
        # a typo in the sequence digits; county-level region; no birth date
        "R3": (1, "fuzzy", "姓名一致、区县一致、身份证号相差1位"),
        # no ID: name, birth date and village
        "R4": (3, "fuzzy", "姓名一致、出生日期一致、区县一致、村（社区）一致"),
        # a 15-digit number with an impossible month
        "R8": (2, "fuzzy", "姓名一致、身份证号相差1位"),
        # not R5 (outside the registry), R6 (李娟's number under another name, nothing else agrees),
        # R7 (a bare name)
    }
    assert result.links.schema == LINK_SCHEMA
    stats = result.stats
    assert (stats.records, stats.exact_links, stats.fuzzy_records, stats.fuzzy_links) == (8, 2, 5, 3)
    assert stats.fuzzy_candidates_scored >= 3
    assert stats.fuzzy_ambiguous == 0


def test_link_source_leaves_nothing_behind_in_the_connection(con):
    before = objects_in(con)

    link_source(con, "vehicles", SOURCE, REGISTRY, settings=FIXED)

    assert objects_in(con) == before


def test_link_source_without_fuzzy_links_exactly_only(con):
    result = link_source(con, "vehicles", SOURCE, REGISTRY, fuzzy=False)

    assert sorted(result.links["record_id"].to_pylist()) == ["R1", "R2"]
    assert (result.stats.fuzzy_records, result.stats.fuzzy_links) == (0, 0)


def test_a_stricter_threshold_keeps_fewer_fuzzy_links(con):
    loose = link_source(con, "vehicles", SOURCE, REGISTRY, threshold=0.5, settings=FIXED)
    strict = link_source(con, "vehicles", SOURCE, REGISTRY, threshold=1.0, settings=FIXED)

    assert strict.stats.fuzzy_links <= loose.stats.fuzzy_links
    assert strict.stats.exact_links == loose.stats.exact_links == 2


def test_link_source_refuses_a_source_name_that_is_not_an_identifier(con):
    with pytest.raises(ValueError):
        link_source(con, "vehicles; DROP TABLE x", SOURCE, REGISTRY)


def test_exact_link_table_adds_the_constant_columns_as_dictionaries():
    keys = pa.table(
        {
            "record_id": ["R1", "R2"],
            "person_id": pa.array([1, 2], pa.int64()),
            "from_15_digits": [False, True],
        }
    )

    table = exact_link_table(keys)

    assert table.schema == LINK_SCHEMA
    assert table.to_pylist() == [
        {
            "record_id": "R1",
            "person_id": 1,
            "method": "exact",
            "match_weight": None,
            "match_probability": 1.0,
            "explanation": "身份证号一致",
        },
        {
            "record_id": "R2",
            "person_id": 2,
            "method": "exact",
            "match_weight": None,
            "match_probability": 1.0,
            "explanation": "身份证号一致（15位号码升位）、姓名一致",
        },
    ]


# ------------------------------------------------------------------------------- several sources


def test_link_sources_links_every_source_in_one_fuzzy_step(con):
    # given: the same records filed by two departments
    sources = {"vehicles": SOURCE, "tax": SOURCE}

    # when
    run = link_sources(con, sources, REGISTRY, settings=FIXED)

    # then: each source gets the links of link_source, under its own record ids
    # (the weights move a little: the names' term frequencies are counted over both sources)
    def decisions(links: pa.Table) -> list[tuple]:
        rows = links.select(["record_id", "person_id", "method", "explanation"]).to_pylist()
        return sorted(tuple(row.values()) for row in rows)

    alone = link_source(con, "vehicles", SOURCE, REGISTRY, settings=FIXED)
    for name in sources:
        assert decisions(run.results[name].links) == decisions(alone.links)
        stats = run.results[name].stats
        assert (stats.records, stats.exact_links, stats.fuzzy_records, stats.fuzzy_links) == (8, 2, 5, 3)
    # one Splink session scored both sources' fuzzy records
    assert run.fuzzy is not None and run.fuzzy.records == 10
    assert (
        sum(run.results[name].stats.fuzzy_candidates_scored for name in sources)
        == run.fuzzy_candidates_scored
    )


def test_link_sources_leaves_nothing_behind_in_the_connection(con):
    before = objects_in(con)

    link_sources(con, {"vehicles": SOURCE, "tax": SOURCE}, REGISTRY, settings=FIXED, population=POPULATION)

    assert objects_in(con) == before


# --------------------------------------------------------------------------- population register

VILLAGE_A, VILLAGE_B = "530602001201", "530602001202"
ZHANG_WEI = REGISTRY.to_pylist()[0]
TWIN_ID = id_number(ZHANG_WEI["id_number"][:6], ZHANG_WEI["id_number"][6:14], "777")


def population(rows: list[dict]) -> pa.Table:
    """The population register (户籍) in its lake layout, the columns the fuzzy step reads."""
    return pa.table(
        {
            "id_number": pa.array([row["id_number"] for row in rows], pa.string()),
            "id_key": pa.array([int(row["id_number"][:17]) for row in rows], pa.int64()),
            "name": pa.array([row["name"] for row in rows], pa.string()),
            "birth_date": pa.array([row["birth_date"] for row in rows], pa.date32()),
            "hukou_region_code": pa.array([row["region_code"] for row in rows], pa.string()),
        }
    )


POPULATION = population(
    [
        # the registry's 张伟 (person 1), registered in village A
        {**ZHANG_WEI, "region_code": VILLAGE_A},
        # another 张伟 born the same day in the same county, in village B, outside the registry
        {
            "id_number": TWIN_ID,
            "name": "张伟",
            "birth_date": ZHANG_WEI["birth_date"],
            "region_code": VILLAGE_B,
        },
        *({**row} for row in REGISTRY.to_pylist()[1:]),
    ]
)


def test_a_record_of_a_twin_outside_the_registry_links_to_nobody(con):
    # given: two records without an ID, both 张伟 born that day, one filed in each village
    records = source(
        [
            {
                "record_id": f"T{index}",
                "name": "张伟",
                "birth_date": ZHANG_WEI["birth_date"],
                "region_code": village,
            }
            for index, village in ((1, VILLAGE_A), (2, VILLAGE_B))
        ]
    )

    # when
    with_population = link_source(con, "tax", records, REGISTRY, settings=FIXED, population=POPULATION)

    # then: village A's record is the registry's 张伟; village B's is the other one's, not linked
    links = {row["record_id"]: row["person_id"] for row in with_population.links.to_pylist()}
    assert links == {"T1": 1}


def test_a_converted_15_digit_number_of_somebody_outside_the_registry_is_not_looked_for(con):
    # given: the other 张伟's number in its 15-digit form (no century, no check character)
    fifteen = TWIN_ID[:6] + TWIN_ID[8:17]
    records = source([{"record_id": "F1", "id_raw": fifteen, "name": "张伟"}])

    # when
    without = link_source(con, "tax", records, REGISTRY, settings=FIXED)
    with_population = link_source(con, "tax", records, REGISTRY, settings=FIXED, population=POPULATION)

    # then: without the register it is a number of nobody known, to look for; with it, his
    assert without.stats.fuzzy_records == 1
    assert with_population.stats.fuzzy_records == 0
    assert with_population.links.num_rows == 0
