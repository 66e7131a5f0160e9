"""The SQL builders: the text has the clauses that matter, and it gives exact results on tiny tables."""

from __future__ import annotations

import datetime

import pyarrow as pa
import pytest
import sqlglot

from minzheng.verification.matching import sql
from minzheng.verification.matching.pinyin import pinyin_table

from .builders import features, id_number, registry, source

ZHANG_WEI_ID = id_number("530602", "19800101", "123")
LI_JUAN_ID = id_number("532101", "19650315", "246")
WANG_FANG_ID = id_number("530621", "19900520", "388")
OUTSIDER_ID = id_number("530602", "19700101", "135")


def typo(number: str, position: int) -> str:
    digit = (int(number[position]) + 1) % 10
    return number[:position] + str(digit) + number[position + 1 :]


REGISTRY = registry(
    [
        {"person_id": 1, "id_number": ZHANG_WEI_ID, "name": "张伟", "region_code": "530602001201"},
        {"person_id": 2, "id_number": LI_JUAN_ID, "name": "李娟", "region_code": "530602002201"},
        {"person_id": 3, "id_number": WANG_FANG_ID, "name": "王芳", "region_code": "530621101201"},
    ]
)

SOURCE = source(
    [
        {"record_id": "R1", "id_raw": ZHANG_WEI_ID, "name": "张伟"},
        {"record_id": "R2", "id_raw": "532101650315246", "name": "李娟"},
        {"record_id": "R3", "id_raw": typo(ZHANG_WEI_ID, 15), "name": "张伟", "region_code": "530602"},
        {
            "record_id": "R4",
            "name": "王芳",
            "birth_date": datetime.date(1990, 5, 20),
            "region_code": "530621101201",
        },
        {"record_id": "R5", "id_raw": OUTSIDER_ID, "name": "赵强"},
        {"record_id": "R6", "id_raw": "532101650315246", "name": "李明"},
        {"record_id": "R7", "name": "张伟"},
        {"record_id": "R8", "id_raw": "532101651315246", "name": "李娟"},
    ]
)


@pytest.fixture
def tables(con):
    con.register("registry_people", REGISTRY)
    con.register("vehicles", SOURCE)
    return con


def rows(con, text: str) -> list[tuple]:
    return sorted(con.sql(text).fetchall())


def test_the_tiny_source_has_the_statuses_the_lake_would_give():
    assert SOURCE["id_status"].to_pylist() == [
        "valid",
        "converted_15",
        "bad_checksum",
        "missing",
        "valid",
        "converted_15",
        "missing",
        "bad_date",
    ]


# ------------------------------------------------------------------------------------------- exact


def test_exact_links_sql_joins_on_the_integer_key_of_usable_ids():
    text = sql.exact_links_sql("vehicles")

    # every row with a key (a usable ID) joins; the converted 15-digit ones are read apart for the name
    assert "INNER JOIN registry_people AS r" in text
    assert "ON s.id_key = r.id_key" in text
    assert "WHERE s.id_status = 'converted_15'" in text
    assert "s.name = r.name AS same_name" in text
    assert "c.record_id IS NOT NULL AS from_15_digits" in text


def test_exact_links_sql_links_valid_ids_and_converted_ids_whose_name_agrees(tables):
    # when
    links = rows(tables, sql.exact_links_sql("vehicles"))

    # then: the typo, the missing ID, the outsider, the 15-digit number under another name are not linked
    assert links == [("R1", 1, False), ("R2", 2, True)]


def test_exact_links_sql_carries_the_columns_asked_for(tables):
    links = rows(tables, sql.exact_links_sql("vehicles", carry=("name", "id_raw")))

    assert links == [("R1", 1, False, "张伟", ZHANG_WEI_ID), ("R2", 2, True, "李娟", "532101650315246")]


def test_fuzzy_records_sql_selects_unusable_ids_and_converted_ids_not_linked_exactly(tables):
    text = sql.fuzzy_records_sql("vehicles")
    assert "s.id_status <> 'valid'" in text
    assert (
        "AND EXISTS (SELECT 1 FROM registry_people AS r WHERE r.id_key = s.id_key AND r.name = s.name)"
        in text
    )

    records = rows(tables, f"SELECT record_id FROM ({text})")

    # R5 has a valid ID of someone outside the registry: a single typo always breaks the check
    # character, so it is not a spoiled ID of a registry person
    assert records == [("R3",), ("R4",), ("R6",), ("R7",), ("R8",)]


# ---------------------------------------------------------------------------------------- features


def test_record_features_sql_derives_the_comparison_columns(tables):
    tables.register("pinyin", pinyin_table(pa.concat_arrays([SOURCE["name"].combine_chunks()])))
    tables.execute(f"CREATE TABLE fuzzy AS {sql.fuzzy_records_sql('vehicles')}")

    result = rows(
        tables,
        "SELECT record_id, name_pinyin, birth_date, birth_year, county, village, id_body, id_tail "
        f"FROM ({sql.record_features_sql('fuzzy', 'pinyin')})",
    )

    assert result == [
        # raw text of a bad checksum: the first 17 characters; the year from the ID (no birth date)
        (
            "R3",
            "zhangwei",
            None,
            1980,
            "530602",
            None,
            typo(ZHANG_WEI_ID, 15)[:17],
            typo(ZHANG_WEI_ID, 15)[-8:],
        ),
        ("R4", "wangfang", datetime.date(1990, 5, 20), 1990, "530621", "530621101201", None, None),
        # a converted 15-digit number: its normalised 17 digits
        ("R6", "liming", None, 1965, None, None, LI_JUAN_ID[:17], None),
        ("R7", "zhangwei", None, None, None, None, None, None),
        # a 15-digit number with a bad date gets its century to line up with 18-digit numbers (and
        # its year, 1965, serves for blocking)
        ("R8", "lijuan", None, 1965, None, None, "53210119651315246", None),
    ]


def test_registry_features_sql_derives_the_same_columns(tables):
    tables.register("pinyin", pinyin_table(REGISTRY["name"]))

    result = rows(tables, f"SELECT * FROM ({sql.registry_features_sql('registry_people', 'pinyin')})")

    assert result[0] == (
        1,
        "张伟",
        "zhangwei",
        datetime.date(1980, 1, 1),
        1980,
        "530602",
        "530602001201",
        ZHANG_WEI_ID[:17],
        ZHANG_WEI_ID[-8:],
    )


def test_distinct_names_sql_unions_the_tables(tables):
    names = rows(tables, sql.distinct_names_sql("vehicles", "registry_people"))

    assert names == sorted((name,) for name in ("张伟", "李娟", "王芳", "赵强", "李明"))


# ---------------------------------------------------------------------------------------- blocking


def test_no_blocking_rule_compares_names_alone():
    for rule in sql.BLOCKING_RULES:
        conditions = [part.strip() for part in rule.condition.split(" AND ")]
        non_name = [part for part in conditions if "name" not in part]
        assert non_name, rule.name


def test_fuzzy_candidates_sql_unions_the_rules_and_ranks_by_score():
    text = sql.fuzzy_candidates_sql("records", "people", max_candidates=7)

    # one branch per rule (joined on the pinyin too), and one for pairs agreeing on all 17 ID digits
    assert text.count("UNION ALL") == len(sql.BLOCKING_RULES)
    assert "ON l.birth_date = r.birth_date AND l.county = r.county AND l.name_pinyin = r.name_pinyin" in text
    assert "ON l.id_body = r.id_body" in text
    assert "GROUP BY record_id, person_id" in text
    assert "PARTITION BY record_id ORDER BY score DESC, person_order NULLS LAST, person_id" in text
    assert "WHERE candidate_rank <= 7" in text
    assert "QUALIFY" not in text  # Spark has no QUALIFY


RECORD_FEATURES = features(
    "record_id",
    pa.string(),
    [
        # a typo in the sequence digits, birth date and county known
        {
            "record_id": "A",
            "name": "张伟",
            "name_pinyin": "zhangwei",
            "birth_date": datetime.date(1980, 1, 1),
            "birth_year": 1980,
            "county": "530602",
            "id_body": typo(ZHANG_WEI_ID, 15)[:17],
            "id_tail": typo(ZHANG_WEI_ID, 15)[-8:],
        },
        # a traditional-script name, no ID, no region: only the pinyin and the year block
        {"record_id": "B", "name": "張偉", "name_pinyin": "zhangwei", "birth_year": 1980},
        # a name and nothing else: never a candidate
        {"record_id": "C", "name": "张伟", "name_pinyin": "zhangwei"},
    ],
)
PEOPLE_FEATURES = features(
    "person_id",
    pa.int64(),
    [
        {
            "person_id": 1,
            "name": "张伟",
            "name_pinyin": "zhangwei",
            "birth_date": datetime.date(1980, 1, 1),
            "birth_year": 1980,
            "county": "530602",
            "village": "530602001201",
            "id_body": ZHANG_WEI_ID[:17],
            "id_tail": ZHANG_WEI_ID[-8:],
        },
        {
            "person_id": 2,
            "name": "张伟",
            "name_pinyin": "zhangwei",
            "birth_date": datetime.date(1980, 7, 9),
            "birth_year": 1980,
            "county": "530621",
            "village": "530621101201",
            "id_body": "53212219800709111",
            "id_tail": "07091119",
        },
        {
            "person_id": 3,
            "name": "张玮",
            "name_pinyin": "zhangwei",
            "birth_date": datetime.date(1980, 3, 3),
            "birth_year": 1980,
            "county": "530602",
            "village": "530602001202",
            "id_body": "53210119800303333",
            "id_tail": "03033331",
        },
        {
            "person_id": 4,
            "name": "王芳",
            "name_pinyin": "wangfang",
            "birth_date": datetime.date(1980, 1, 1),
            "birth_year": 1980,
            "county": "530602",
            "village": "530602001201",
            "id_body": "53060219800101457",
            "id_tail": "01014576",
        },
    ],
)


def test_fuzzy_candidates_sql_keeps_only_pairs_that_could_identify(con):
    con.register("records", RECORD_FEATURES)
    con.register("people", PEOPLE_FEATURES)

    candidates = rows(
        con,
        "SELECT record_id, person_id, blocking_rule, score, candidate_rank "
        f"FROM ({sql.fuzzy_candidates_sql('records', 'people', max_candidates=2)})",
    )

    assert candidates == [
        # A: person 1 by birth date + county (rule 0), every field agreeing: 4 + 4 + 1 + 4. The other
        # blocked pairs cannot identify: 张伟 of another county and 张玮 were born on other days (two
        # characters apart) with other IDs; 王芳, born the same day in the same county, has another name
        ("A", 1, 0, 13, 1),
        # B (pinyin and year only) and C (a bare name) have nothing but a name to identify with
    ]


def test_a_pair_agreeing_on_the_id_digits_but_not_the_name_is_kept_under_its_first_rule(con):
    # given: record D, another name (a clerk's slip), born the same day in the same county as person 4,
    # with person 4's 17 ID digits
    wang_fang = PEOPLE_FEATURES.slice(3, 1).to_pylist()[0]
    record = {**wang_fang, "record_id": "D", "name": "王方", "name_pinyin": "wangfang2"}
    del record["person_id"]
    con.register("records", pa.Table.from_pylist([record], schema=RECORD_FEATURES.schema))
    con.register("people", PEOPLE_FEATURES)

    # when
    candidates = rows(
        con,
        "SELECT record_id, person_id, blocking_rule "
        f"FROM ({sql.fuzzy_candidates_sql('records', 'people')}) ORDER BY person_id",
    )

    # then: person 4 under birth_date_county (rule 0), the first rule that blocks the pair; person 1,
    # born the same day in the same county, agrees on nothing that identifies
    assert candidates == [("D", 4, 0)]
    assert rows(con, f"SELECT * FROM ({sql.identifiable_records_sql('records', 'people')})") == [("D",)]


def test_fuzzy_candidates_sql_caps_the_candidates_of_a_record(con):
    # given: two registry people that agree with record A equally (the same name, birth date and ID)
    twin = PEOPLE_FEATURES.slice(0, 1).to_pylist()[0] | {"person_id": 5}
    people = pa.concat_tables([PEOPLE_FEATURES, pa.Table.from_pylist([twin], schema=PEOPLE_FEATURES.schema)])
    con.register("records", RECORD_FEATURES)
    con.register("people", people)

    # when
    candidates = rows(
        con,
        "SELECT record_id, person_id, candidate_rank "
        f"FROM ({sql.fuzzy_candidates_sql('records', 'people', max_candidates=1)})",
    )

    # then: one candidate, the lower person_id of the tie
    assert candidates == [("A", 1, 1)]


def test_fuzzy_candidates_sql_drops_a_record_whose_candidates_are_all_outside_the_registry(con):
    # given: person 1 is somebody of the population register outside the registry (a negative id)
    outside = pa.Table.from_pylist(
        [row | {"person_id": -row["person_id"]} for row in PEOPLE_FEATURES.to_pylist()],
        schema=PEOPLE_FEATURES.schema,
    )
    con.register("records", RECORD_FEATURES)
    con.register("people", outside)

    # when
    candidates = rows(con, f"SELECT record_id FROM ({sql.fuzzy_candidates_sql('records', 'people')})")

    # then
    assert candidates == []


def test_fuzzy_candidates_sql_refuses_bad_arguments():
    with pytest.raises(ValueError):
        sql.fuzzy_candidates_sql("records; DROP TABLE x", "people")
    with pytest.raises(ValueError):
        sql.fuzzy_candidates_sql("records", "people", max_candidates=0)
    with pytest.raises(ValueError):
        sql.fuzzy_candidates_sql("records", "people", rules=())


# ------------------------------------------------------------------------------------- best links

PREDICTIONS = pa.table(
    {
        "unique_id_l": ["R1", "R1", "R2", "R2", "R3", "R4"],
        "unique_id_r": ["10", "11", "20", "21", "30", "40"],
        "match_weight": [20.0, 5.0, 12.0, 12.0, 3.17, 9.0],
        "match_probability": [0.999999, 0.97, 0.9998, 0.9998, 0.9, 0.998],
        "gamma_name": [2, 2, 2, 2, 2, 2],
        "gamma_birth_date": [4, 0, 4, 4, 4, 0],
        "gamma_county": [1, 1, 1, 1, 1, 1],
        "gamma_village": [-1, 1, 1, 1, 1, 1],
        "gamma_id_body": [2, 0, -1, -1, -1, -1],
    }
)


def test_best_fuzzy_links_sql_keeps_one_clear_link_per_record(con):
    con.register("predictions", PREDICTIONS)

    links = rows(con, sql.best_fuzzy_links_sql("predictions", threshold=0.95))

    # R2 ties between two people (ambiguous), R3 is below the threshold, R4 agrees on the name and
    # the village only: no second identifying field
    assert links == [
        ("R1", 10, "fuzzy", 20.0, 0.999999, "姓名一致、出生日期一致、区县一致、身份证号相差1位"),
    ]
    assert con.sql(sql.ambiguous_records_sql("predictions", threshold=0.95)).fetchall() == [(1,)]


def test_a_tie_between_two_people_outside_the_registry_is_not_ambiguous(con):
    # given: R2's two tied people are both outside the registry (negative ids), R5 ties a registry
    # person with an outsider
    ids = {"20": "-20", "21": "-21"}
    tied = PREDICTIONS.set_column(
        1, "unique_id_r", pa.array([ids.get(v, v) for v in PREDICTIONS["unique_id_r"].to_pylist()])
    )
    extra = PREDICTIONS.slice(2, 2).set_column(1, "unique_id_r", pa.array(["50", "-51"]))
    extra = extra.set_column(0, "unique_id_l", pa.array(["R5", "R5"]))
    con.register("predictions", pa.concat_tables([tied, extra]))

    # then: only R5 is for a person to decide
    assert con.sql(sql.ambiguous_records_sql("predictions", threshold=0.95)).fetchall() == [(1,)]
    links = rows(con, sql.best_fuzzy_links_sql("predictions", threshold=0.95))
    assert [link[0] for link in links] == ["R1"]


def test_best_fuzzy_links_sql_checks_the_threshold():
    with pytest.raises(ValueError):
        sql.best_fuzzy_links_sql("predictions", threshold=1.5)


def test_explanation_sql_names_every_agreeing_field(con):
    con.register("predictions", PREDICTIONS)

    texts = rows(con, f"SELECT unique_id_r, {sql.explanation_sql()} FROM predictions")

    assert texts[1] == ("11", "姓名一致、出生日期不同、区县一致、村（社区）一致、身份证号不同")


# -------------------------------------------------------------------------------------- portability

BUILT = {
    "exact_links": sql.exact_links_sql("vehicles"),
    "fuzzy_records": sql.fuzzy_records_sql("vehicles"),
    "record_features": sql.record_features_sql("fuzzy", "pinyin"),
    "registry_features": sql.registry_features_sql("registry_people", "pinyin"),
    "distinct_names": sql.distinct_names_sql("vehicles", "registry_people"),
    "fuzzy_candidates": sql.fuzzy_candidates_sql("records", "people"),
    "best_fuzzy_links": sql.best_fuzzy_links_sql("predictions", threshold=0.95),
    "ambiguous_records": sql.ambiguous_records_sql("predictions", threshold=0.95),
}


@pytest.mark.parametrize("name", sorted(BUILT))
def test_every_builder_transpiles_to_spark_sql_that_parses(name):
    text = BUILT[name]

    spark = sqlglot.transpile(text, read="duckdb", write="spark")

    assert len(spark) == 1
    sqlglot.parse_one(spark[0], read="spark")
    assert "::" not in text and "QUALIFY" not in text.upper() and "list_" not in text


def test_check_identifier_refuses_anything_but_a_plain_name():
    assert sql.check_identifier("registry_people") == "registry_people"
    for bad in ("a b", "a;b", "1abc", "x--", "t.col", ""):
        with pytest.raises(ValueError):
            sql.check_identifier(bad)


def test_a_name_missing_from_the_pinyin_lookup_stands_for_its_own_pinyin(tables):
    tables.register("empty_pinyin", pinyin_table(pa.array([], pa.string())))

    people = rows(
        tables,
        f"SELECT name, name_pinyin FROM ({sql.registry_features_sql('registry_people', 'empty_pinyin')})",
    )

    assert people == [("张伟", "张伟"), ("李娟", "李娟"), ("王芳", "王芳")]
