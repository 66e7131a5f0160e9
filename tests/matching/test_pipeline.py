"""link_source: exact then fuzzy, the link table's shape, the statistics, and a clean connection after."""

from __future__ import annotations

import pyarrow as pa
import pytest

from minzheng.verification.matching import FuzzySettings, link_source
from minzheng.verification.matching.fuzzy import LINK_SCHEMA
from minzheng.verification.matching.pipeline import exact_link_table

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
