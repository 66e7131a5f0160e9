"""SQL builders for linking departmental records (部门数据) to the registry snapshot (户籍/救助对象库).

Each function returns one SELECT in the dialect subset that DuckDB and Spark SQL both accept: written
for DuckDB, checked by SQLGlot (`sqlglot.transpile(sql, read="duckdb", write="spark")`). So: CAST(... AS
...) rather than `::`, `substr`/`coalesce`/`concat_ws`, no QUALIFY (Spark has none: a window in a
subquery and an outer filter instead), no DuckDB list functions, and `concat` only over non-null
arguments (DuckDB's concat skips NULL, Spark's returns NULL).

Table and column names come from the callers' code, never from user input, and are checked against
an identifier pattern; the few values (statuses, thresholds) are literals checked here.

The steps, in the order the pipeline chains them (Splink-style named steps):

    exact_links_sql          source ⋈ registry on the int64 id_key, usable IDs only
    fuzzy_records_sql        the records the exact join cannot place
    distinct_names_sql       the names to look pinyin up for (once per distinct name, in Python)
    record_features_sql      their comparison columns (pinyin, county, village, 17-digit ID body)
    registry_features_sql    the same columns for registry people
    fuzzy_candidates_sql     candidate pairs from the blocking rules, capped per record
      (Splink scores the candidates: fuzzy.py)
    best_fuzzy_links_sql     one link per record from Splink's scored pairs, with a Chinese explanation
    ambiguous_records_sql    how many records tie between two people (left for a person to decide)

Every builder is tested twice: its text for the clauses that matter, and its result on a tiny DuckDB
table; tests/matching/test_spark.py runs the transpiled SQL on Spark and expects the same rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

ID_STATUSES = ("valid", "converted_15", "bad_checksum", "bad_date", "bad_length", "missing")

REGISTRY_TABLE = "registry_people"

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_identifier(name: str) -> str:
    """Return `name` if it is a plain SQL identifier; raise ValueError otherwise."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


# --------------------------------------------------------------------------------------------- exact


def exact_links_sql(source: str, registry: str = REGISTRY_TABLE, carry: tuple[str, ...] = ()) -> str:
    """Links by identity number: a hash join on the int64 key (first 17 digits), usable IDs only.

    The check character is a function of the first 17 digits, so the 17-digit integer identifies an
    ID; joining on it rather than on the text is about 3× faster. A converted 15-digit number must
    also agree on the name: it has no check character, so a typo in it converts to a well-formed
    number that, in a city of millions, often belongs to a neighbour born the same day. One that
    disagrees goes to the fuzzy step, which weighs the name, birth date and the ID digits together.

    Only the keys come out (record_id, person_id, from_15_digits): the constant columns of an exact
    link (method, probability, explanation) are added by the caller, which costs nothing in Arrow
    and a third of the time when tens of millions of rows carry them out of the engine.

    The join reads only the key and the record id of every row (a key is there only for a usable
    ID: valid or converted_15); the converted rows, whose name is checked, are read apart: the lake
    keeps them in the first row groups (storage.lake_order), so that scan skips the others by their
    statistics. Reading every row's status and name in the join cost a third more on 20M deposits.

    `carry` names source columns to bring out with each link (after the keys): what the rules read of
    the linked records, taken in this one scan rather than by a second join of the source.
    """
    check_identifier(source)
    check_identifier(registry)
    carried = "".join(f", s.{check_identifier(column)}" for column in carry)
    carried_out = "".join(f",\n    j.{column}" for column in carry)
    return f"""
WITH joined AS (
    SELECT s.record_id, r.person_id{carried}
    FROM {source} AS s
    INNER JOIN {registry} AS r
        ON s.id_key = r.id_key
),
converted AS (
    SELECT s.record_id, r.person_id, s.name = r.name AS same_name
    FROM {source} AS s
    INNER JOIN {registry} AS r
        ON s.id_key = r.id_key
    WHERE s.id_status = 'converted_15'
)
SELECT
    j.record_id,
    j.person_id,
    c.record_id IS NOT NULL AS from_15_digits{carried_out}
FROM joined AS j
LEFT JOIN converted AS c
    ON c.record_id = j.record_id AND c.person_id = j.person_id
WHERE c.record_id IS NULL OR coalesce(c.same_name, FALSE)
""".strip()


EXACT_EXPLANATIONS = ("身份证号一致", "身份证号一致（15位号码升位）、姓名一致")
"""The explanation of an exact link: from an 18-digit number, or from a converted 15-digit one."""


# ------------------------------------------------------------------------------------ fuzzy records


def fuzzy_records_sql(
    source: str, registry: str = REGISTRY_TABLE, columns: tuple[str, ...] | None = None
) -> str:
    """Records that need the fuzzy fallback: an unusable ID, or a converted 15-digit ID not linked exactly.

    A 15-digit number has no check character: a typo in it converts to a well-formed number of
    nobody, or of somebody else (whose name then differs): both go to the fuzzy step. A checked
    18-digit number that is not in the registry belongs to someone outside it (another city's
    resident): not sent, as a single typo always breaks the check character.

    One scan of the source, of `columns` only (all by default): the lake keeps a month's rows with an
    ID to check ahead of the valid ones (storage.lake_order), so the scan skips the row groups whose
    statistics say every ID in them is valid, and decodes a few percent of a 20M-row file.
    """
    check_identifier(source)
    check_identifier(registry)
    selected = "s.*" if columns is None else ", ".join(f"s.{check_identifier(c)}" for c in columns)
    return f"""
SELECT {selected}
FROM {source} AS s
WHERE (s.id_status IS NULL OR s.id_status <> 'valid')
    AND NOT (
        coalesce(s.id_status = 'converted_15', FALSE)
        AND EXISTS (SELECT 1 FROM {registry} AS r WHERE r.id_key = s.id_key AND r.name = s.name)
    )
""".strip()


def placed_in_population_sql(records: str, population: str) -> str:
    """Fuzzy records whose converted 15-digit number is somebody's in the population register under the
    same name: that person's, in the registry or not (the registry's were linked exactly): nobody to
    look for. One anti-join for all sources, after they are gathered."""
    check_identifier(records)
    check_identifier(population)
    return f"""
SELECT s.record_id
FROM {records} AS s
INNER JOIN {population} AS h
    ON h.id_key = s.id_key AND h.name = s.name
WHERE s.id_status = 'converted_15'
""".strip()


# ---------------------------------------------------------------------------------------- features

COMPARISON_COLUMNS = ("name", "name_pinyin", "birth_date", "county", "village", "id_body")
"""The columns Splink compares; the feature tables also carry birth_year and id_tail, for blocking."""

_CLEAN_ID = "upper(replace(replace(translate(trim(s.id_raw), '０１２３４５６７８９ｘＸ　', '0123456789xX '), ' ', ''), '-', ''))"
"""id_raw as the department sent it, with full-width digits folded, spaces and dashes removed, x as X."""


def _region_columns(alias: str, indent: str = "    ") -> str:
    """county and village from a region code: 12 digits name a village (村/社区), 6 only a county."""
    return f"""
{indent}CASE WHEN length({alias}.region_code) >= 6 THEN substr({alias}.region_code, 1, 6) END AS county,
{indent}CASE WHEN length({alias}.region_code) = 12 THEN {alias}.region_code END AS village"""


def record_features_sql(records: str, pinyin: str) -> str:
    """Comparison columns of the records to link fuzzily.

    id_body is the first 17 characters of the best ID text we have: the normalised number when there
    is one (a converted 15-digit number), else the cleaned raw text; a 15-digit raw number gets its
    century (18 for the centenarian sequences 996–999, else 19) so it lines up with 18-digit ones.
    The check character is left out: it is a function of the 17 digits and carries no evidence.
    Fragments shorter than 10 characters are treated as no ID at all. A name missing from the pinyin
    lookup stands for its own pinyin, so the rules still block on it (exact name + year, + village).

    id_tail, the last 8 characters of an ID of 16 or more characters (month, day, sequence, check),
    stays aligned when a digit was dropped or added earlier in the number. birth_year falls back on
    the year digits of the ID when the record has no birth date; it is used for blocking only, so
    the ID's digits are not counted twice as evidence.
    """
    for name in (records, pinyin):
        check_identifier(name)
    # three layers: clean the raw ID text; derive the 17-digit body; derive year and tail from it
    cleaned = f"""
        SELECT
            s.record_id,
            s.name,
            CAST(s.birth_date AS DATE) AS birth_date,
            s.id_number,
            {_CLEAN_ID} AS id_clean,{_region_columns("s", " " * 12)}
        FROM {records} AS s"""
    with_body = f"""
    SELECT
        i.*,
        CASE
            WHEN i.id_number IS NOT NULL THEN substr(i.id_number, 1, 17)
            WHEN length(i.id_clean) = 15 THEN concat(
                substr(i.id_clean, 1, 6),
                CASE WHEN substr(i.id_clean, 13, 3) IN ('996', '997', '998', '999') THEN '18' ELSE '19' END,
                substr(i.id_clean, 7, 9)
            )
            WHEN length(i.id_clean) >= 10 THEN substr(i.id_clean, 1, 17)
        END AS id_body,
        CASE WHEN length(i.id_clean) >= 16 THEN right(i.id_clean, 8) END AS id_tail
    FROM ({cleaned}
    ) AS i"""
    return f"""
SELECT
    b.record_id,
    b.name,
    coalesce(p.name_pinyin, b.name) AS name_pinyin,
    b.birth_date,
    coalesce(
        year(b.birth_date),
        CASE
            WHEN TRY_CAST(substr(b.id_body, 7, 4) AS INTEGER) BETWEEN 1880 AND 2100
            THEN TRY_CAST(substr(b.id_body, 7, 4) AS INTEGER)
        END
    ) AS birth_year,
    b.county,
    b.village,
    b.id_body,
    b.id_tail
FROM ({with_body}
) AS b
LEFT JOIN {pinyin} AS p
    ON b.name = p.name
""".strip()


def registry_features_sql(registry: str, pinyin: str) -> str:
    """Comparison columns of registry people (region_code is the household's 12-digit village)."""
    for name in (registry, pinyin):
        check_identifier(name)
    return f"""
SELECT{_person_feature_columns("r", "r.person_id")}
FROM {registry} AS r
LEFT JOIN {pinyin} AS p
    ON r.name = p.name
""".strip()


def _person_feature_columns(alias: str, key: str, key_name: str = "person_id") -> str:
    """The feature columns of a person row `alias` (id_number, name, birth_date, region_code), pinyin as p,
    with `key` as `key_name`."""
    return f"""
    {key} AS {key_name},
    {alias}.name,
    coalesce(p.name_pinyin, {alias}.name) AS name_pinyin,
    CAST({alias}.birth_date AS DATE) AS birth_date,
    year({alias}.birth_date) AS birth_year,{_region_columns(alias)},
    substr({alias}.id_number, 1, 17) AS id_body,
    right({alias}.id_number, 8) AS id_tail"""


FEATURE_COLUMNS = (
    "name",
    "name_pinyin",
    "birth_date",
    "birth_year",
    "county",
    "village",
    "id_body",
    "id_tail",
)
"""The columns of a feature table after its key (person_id, record_id, or id_key in the population index)."""


def population_index_features_sql(population: str, pinyin: str) -> str:
    """Comparison columns of everyone in the population register (户籍), keyed by id_key: the population
    index (population.py), made once a month. Region: the 户籍 village, by which departments file records."""
    for name in (population, pinyin):
        check_identifier(name)
    return f"""
SELECT{_person_feature_columns("h", "h.id_key", "id_key")}
FROM (
    SELECT id_key, id_number, name, birth_date, hukou_region_code AS region_code
    FROM {population}
    WHERE id_key IS NOT NULL
) AS h
LEFT JOIN {pinyin} AS p
    ON h.name = p.name
ORDER BY h.id_key
""".strip()


def population_features_sql(
    index_features: str, registry: str, registry_features: str, *, records: str | None = None
) -> str:
    """Comparison columns of everyone the records may name: the population register's (from its index),
    and the registry people it lacks (from their registry features).

    A record with an unusable ID belongs to somebody of the city, rarely to somebody of the registry
    (a tenth of the population): compared with the registry alone, a record of 李凤 born 1962-09-05
    in one village links to the registry's 李凤 born the same day in another village of the county,
    for want of the right one. Compared with everyone, the right one wins. person_id is the registry
    person's id, or minus the ID key for a person outside the registry (whose links are dropped).

    With `records` (a feature table), only the people who could be identified with one of them: a pair
    passes CAN_IDENTIFY_SQL only if the pinyin (implied by the name) or the 17 ID digits agree, so
    nobody else can become a candidate. At scale 1 this keeps about a quarter of the register.
    """
    for name in (index_features, registry, registry_features):
        check_identifier(name)
    columns = ", ".join(f"f.{column}" for column in FEATURE_COLUMNS)
    near = _near_records_sql(records) if records is not None else ""
    return f"""
SELECT coalesce(r.person_id, -f.id_key) AS person_id, {columns}
FROM {index_features} AS f
LEFT JOIN {registry} AS r
    ON r.id_key = f.id_key
WHERE TRUE{near}
UNION ALL
SELECT f.*
FROM {registry_features} AS f
INNER JOIN {registry} AS r
    ON r.person_id = f.person_id
WHERE (r.id_key IS NULL OR NOT EXISTS (SELECT 1 FROM {index_features} AS h WHERE h.id_key = r.id_key)){near}
""".strip()


def _near_records_sql(records: str) -> str:
    """A condition on the feature row `f`: it shares the pinyin or the 17 ID digits with a row of `records`
    (without either, CAN_IDENTIFY_SQL holds for no pair of it)."""
    check_identifier(records)
    return f"""
    AND (f.name_pinyin IN (SELECT name_pinyin FROM {records})
        OR f.id_body IN (SELECT id_body FROM {records}))"""


def everyone_features_sql(index_features: str, *, records: str) -> str:
    """Comparison columns of the people of the population register who could be identified with one of
    `records`, keyed by their ID key as person_id: the compared side of a resolution against the register
    alone (resolution.py), where nobody is a registry person yet."""
    check_identifier(index_features)
    columns = ", ".join(f"f.{column}" for column in FEATURE_COLUMNS)
    return f"""
SELECT f.id_key AS person_id, {columns}
FROM {index_features} AS f
WHERE TRUE{_near_records_sql(records)}
""".strip()


def registry_only_sql(registry: str, index_features: str) -> str:
    """The registry people the population register lacks (no ID key, or a key not in the register): the
    part of the compared side that a resolution made against the register alone has not seen."""
    check_identifier(registry)
    check_identifier(index_features)
    return f"""
SELECT r.*
FROM {registry} AS r
LEFT JOIN (SELECT id_key FROM {index_features}) AS h
    ON h.id_key = r.id_key
WHERE h.id_key IS NULL
""".strip()


def population_size_sql(index_features: str, registry: str) -> str:
    """How many people population_features_sql compares with, without its `records` filter: everyone in
    the register, and the registry people it lacks (the size the prior of a pair is taken over)."""
    for name in (index_features, registry):
        check_identifier(name)
    return f"""
SELECT (SELECT count(*) FROM {index_features})
    + (SELECT count(*) FROM {registry} AS r
       WHERE r.id_key IS NULL OR NOT EXISTS (SELECT 1 FROM {index_features} AS h WHERE h.id_key = r.id_key))
    AS people
""".strip()


def missing_names_sql(lookup: str, *tables: str) -> str:
    """The distinct non-null names of `tables` that the pinyin `lookup` lacks."""
    check_identifier(lookup)
    return (
        f"SELECT d.name FROM ({distinct_names_sql(*tables)}) AS d "
        f"WHERE NOT EXISTS (SELECT 1 FROM {lookup} AS p WHERE p.name = d.name)"
    )


def distinct_names_sql(*tables: str) -> str:
    """Every distinct non-null name over the given tables (for the pinyin lookup)."""
    if not tables:
        raise ValueError("no tables")
    parts = [f"SELECT name FROM {check_identifier(table)} WHERE name IS NOT NULL" for table in tables]
    return "SELECT DISTINCT name FROM (\n" + "\nUNION ALL\n".join(parts) + "\n) AS names"


# ---------------------------------------------------------------------------------------- blocking


@dataclass(frozen=True)
class BlockingRule:
    """One way two rows can become a candidate pair: a join condition on `l` (record) and `r` (registry)."""

    name: str
    condition: str
    why: str


BLOCKING_RULES: tuple[BlockingRule, ...] = (
    BlockingRule(
        "birth_date_county",
        "l.birth_date = r.birth_date AND l.county = r.county",
        "any ID trouble, name variants: about 3 people per county and day in a city of 6M",
    ),
    BlockingRule(
        "pinyin_birth_year",
        "l.name_pinyin = r.name_pinyin AND l.birth_year = r.birth_year",
        "homophone or traditional names, a moved household or no region: the year bounds 张伟",
    ),
    BlockingRule(
        "id_first_14",
        "substr(l.id_body, 1, 14) = substr(r.id_body, 1, 14)",
        "address code and birth date intact: a typo in the sequence digits",
    ),
    BlockingRule(
        "id_last_7",
        "substr(l.id_body, 11, 7) = substr(r.id_body, 11, 7)",
        "month, day and sequence intact: a typo in the address code or year (also of a 15-digit number)",
    ),
    BlockingRule(
        "id_tail",
        "l.id_tail = r.id_tail",
        "the last 8 characters intact: a digit changed, dropped or added in the first 10",
    ),
    BlockingRule(
        "id_year_sequence",
        "substr(l.id_body, 1, 10) = substr(r.id_body, 1, 10) AND substr(l.id_body, 15, 3) = substr(r.id_body, 15, 3)",
        "address, year and sequence intact: a typo in the month or day",
    ),
    BlockingRule(
        "pinyin_village",
        "l.name_pinyin = r.name_pinyin AND l.village = r.village",
        "no birth date and no usable ID, but the village is known",
    ),
)
"""No rule compares names alone: 张伟 or 李娟 would pair with thousands of people. Every condition
has a non-name part that must be non-null on both sides (SQL equality is never true on NULL)."""


CHEAP_SCORE_SQL = """(
        CASE WHEN l.name = r.name THEN 4 WHEN l.name_pinyin = r.name_pinyin THEN 3 ELSE 0 END
        + CASE WHEN l.birth_date = r.birth_date THEN 4 WHEN l.birth_year = r.birth_year THEN 1 ELSE 0 END
        + CASE WHEN l.village = r.village THEN 2 WHEN l.county = r.county THEN 1 ELSE 0 END
        + CASE WHEN levenshtein(l.id_body, r.id_body) <= 2 THEN 4 ELSE 0 END
    )"""
"""Points for agreeing fields, only to rank a record's candidates before the cap; Splink scores them."""


CAN_IDENTIFY_SQL = """(
        ((l.name = r.name OR l.name_pinyin = r.name_pinyin)
            AND (l.birth_date = r.birth_date
                OR levenshtein(CAST(l.birth_date AS VARCHAR), CAST(r.birth_date AS VARCHAR)) <= 1
                OR levenshtein(l.id_body, r.id_body) <= 2))
        OR (l.id_body = r.id_body
            AND (l.birth_date = r.birth_date
                OR levenshtein(CAST(l.birth_date AS VARCHAR), CAST(r.birth_date AS VARCHAR)) <= 1))
    )"""
"""IDENTIFYING_AGREEMENT_SQL on the feature columns, before Splink: only such a pair can become a link
(best_fuzzy_links_sql ranks no other), so no other is worth scoring. The levels are Splink's: the name
exact or by pinyin; the birth date exact or one character apart; the 17 ID digits at most two apart,
or equal. A NULL on either side agrees with nothing, as Splink's null level. The cheap equalities come
first in each conjunction: DuckDB evaluates the rest of an AND only where they hold."""


def fuzzy_candidates_sql(
    records: str,
    registry: str,
    *,
    max_candidates: int = 10,
    rules: tuple[BlockingRule, ...] = BLOCKING_RULES,
) -> str:
    """Candidate (record, person) pairs: the union of the blocking rules, at most `max_candidates` per record.

    `records` and `registry` are feature tables (record_features_sql / registry_features_sql). A pair
    found by several rules is kept once, under the first rule (as Splink's match_key does). Candidates
    are ranked by a cheap score, ties by the person's 17 ID digits, then person_id: the cap is
    deterministic, and keeps the same people whatever ids they go by (the registry's, or the ID key of
    a resolution against the register alone: resolution.py).
    """
    check_identifier(records)
    check_identifier(registry)
    if not rules:
        raise ValueError("at least one blocking rule")
    if int(max_candidates) != max_candidates or max_candidates < 1:
        raise ValueError("max_candidates must be a positive integer")
    union = _identifying_pairs_sql(
        records,
        registry,
        rules,
        lambda rule: (
            f"l.record_id, r.person_id, r.id_body AS person_order, {rule} AS blocking_rule, "
            f"{CHEAP_SCORE_SQL} AS score"
        ),
    )
    return f"""
WITH pairs AS (
    SELECT
        record_id, person_id, min(person_order) AS person_order, min(blocking_rule) AS blocking_rule,
        max(score) AS score
    FROM (
{union}
    ) AS blocked
    GROUP BY record_id, person_id
)
SELECT record_id, person_id, blocking_rule, score, candidate_rank
FROM (
    SELECT
        record_id,
        person_id,
        blocking_rule,
        score,
        row_number() OVER (
            PARTITION BY record_id ORDER BY score DESC, person_order NULLS LAST, person_id
        ) AS candidate_rank
    FROM pairs
    -- a record with no registry person among its candidates cannot link (a negative person_id is
    -- somebody of the population register outside the registry: see population_features_sql)
    WHERE record_id IN (SELECT record_id FROM pairs WHERE person_id > 0)
) AS ranked
WHERE candidate_rank <= {int(max_candidates)}
""".strip()


def identifiable_records_sql(
    records: str, registry: str, *, rules: tuple[BlockingRule, ...] = BLOCKING_RULES
) -> str:
    """The records that some registry person could be identified with (CAN_IDENTIFY_SQL on a blocked pair).

    Compared with the population register, most records with an unusable ID are of people outside
    the registry: only those with a possible registry person among their candidates are compared
    with everyone (the competition that keeps a twin from taking the link), the others cannot link.
    """
    check_identifier(records)
    check_identifier(registry)
    union = _identifying_pairs_sql(records, registry, rules, lambda rule: "l.record_id")
    return "SELECT DISTINCT record_id FROM (\n" + union + "\n) AS identifiable"


def _identifying_pairs_sql(
    records: str, registry: str, rules: tuple[BlockingRule, ...], columns: Callable[[str], str]
) -> str:
    """UNION ALL of the pairs some rule blocks that could identify (CAN_IDENTIFY_SQL), with `columns(rule)`
    selected from `l` (record) and `r` (person), `rule` being the SQL of the index of the first rule that
    blocks the pair in that branch.

    A pair that can identify agrees on the pinyin or on all 17 ID digits (CAN_IDENTIFY_SQL; the same name
    has the same pinyin, from the one lookup). So each rule's branch joins on its condition and the pinyin
    too, and one more branch on the ID digits gives the pairs that agree on those but not on the pinyin,
    under the first rule that blocks them (id_first_14 always does). The same pairs as joining on the
    rules alone and then testing, without the millions of pairs that share only a birth day and a county
    or 14 ID digits: at scale 1, 6 million pairs become 0.4 million.
    """
    branches = [
        f"""    SELECT {columns(str(index))}
    FROM {records} AS l
    INNER JOIN {registry} AS r
        ON {rule.condition} AND l.name_pinyin = r.name_pinyin
    WHERE {CAN_IDENTIFY_SQL}"""
        for index, rule in enumerate(rules)
    ]
    first_rule = (
        "CASE " + " ".join(f"WHEN {rule.condition} THEN {i}" for i, rule in enumerate(rules)) + " END"
    )
    blocked = " OR ".join(f"({rule.condition})" for rule in rules)
    branches.append(
        f"""    SELECT {columns(first_rule)}
    FROM {records} AS l
    INNER JOIN {registry} AS r
        ON l.id_body = r.id_body
    WHERE NOT coalesce(l.name_pinyin = r.name_pinyin, FALSE) AND ({blocked}) AND {CAN_IDENTIFY_SQL}"""
    )
    return "\n    UNION ALL\n".join(branches)


# ------------------------------------------------------------------------------------- explanation

EXPLANATION_LEVELS: dict[str, dict[int, str]] = {
    "name": {2: "姓名一致", 1: "姓名同音", 0: "姓名不同"},
    "birth_date": {
        4: "出生日期一致",
        3: "出生日期相差1位",
        2: "出生日期相差1个月内",
        1: "出生日期相差1年内",
        0: "出生日期不同",
    },
    "county": {1: "区县一致", 0: "区县不同"},
    "village": {1: "村（社区）一致", 0: "村（社区）不同"},
    "id_body": {3: "身份证号前17位一致", 2: "身份证号相差1位", 1: "身份证号相差2位", 0: "身份证号不同"},
}
"""Chinese text per comparison level (Splink's gamma value; -1, a missing value, says nothing).
The level numbers follow the comparisons in `fuzzy.py`: keep them in step."""


def explanation_sql(gamma_prefix: str = "gamma_") -> str:
    """An expression joining the Chinese text of every comparison's level with 、 (nulls are skipped)."""
    check_identifier(gamma_prefix)
    cases = []
    for column, levels in EXPLANATION_LEVELS.items():
        whens = " ".join(f"WHEN {level} THEN '{text}'" for level, text in levels.items())
        cases.append(f"CASE {gamma_prefix}{column} {whens} END")
    return "concat_ws('、', " + ", ".join(cases) + ")"


IDENTIFYING_AGREEMENT_SQL = """(
            (gamma_name >= 1 AND (gamma_birth_date >= 3 OR gamma_id_body >= 1))
            OR (gamma_birth_date >= 3 AND gamma_id_body >= 3)
        )"""
"""Two of the identifying keys agree: the name (or its pinyin) with the birth date (or one character
off) or the ID digits (at most two apart); without the name, only identical ID digits (a wrong check
character) with the birth date. The birth date sits inside the ID, so "birth date + an ID one digit
off" is one key, not two: a person born the same day in the same county has an ID one sequence digit
away. The region supports a link but never makes one."""


def best_fuzzy_links_sql(predictions: str, *, threshold: float) -> str:
    """One link per record: its best-scoring candidate, if at or above `threshold`, and not tied.

    `predictions` is Splink's scored pairs (unique_id_l = record_id, unique_id_r = person_id as text).
    Only pairs where two identifying fields agree (IDENTIFYING_AGREEMENT_SQL) compete. When the best
    two have the same match weight the record is ambiguous (two 张伟 born the same day in the same
    village, no ID) and is left for a person to decide.
    """
    check_identifier(predictions)
    threshold = float(threshold)
    if not 0.0 < threshold <= 1.0:
        raise ValueError("threshold must be in (0, 1]")
    return f"""
SELECT record_id, person_id, method, match_weight, match_probability, explanation
FROM (
    SELECT
        unique_id_l AS record_id,
        CAST(unique_id_r AS BIGINT) AS person_id,
        'fuzzy' AS method,
        match_weight,
        match_probability,
        {explanation_sql()} AS explanation,
        row_number() OVER (PARTITION BY unique_id_l ORDER BY match_weight DESC, unique_id_r) AS link_rank,
        -- how many candidates of this record share the best weight: more than one is a tie
        count(*) OVER (PARTITION BY unique_id_l, match_weight) AS same_weight
    FROM {predictions}
    WHERE {IDENTIFYING_AGREEMENT_SQL}
) AS ranked
WHERE link_rank = 1 AND same_weight = 1 AND match_probability >= {threshold!r}
ORDER BY record_id
""".strip()


def ambiguous_records_sql(predictions: str, *, threshold: float, group_separator: str | None = None) -> str:
    """Count of records whose best candidates tie at or above the threshold (not linked), and one of
    them is a registry person: a tie between people outside the registry (negative ids, see
    population_features_sql) would link to nobody anyway, and is nothing for a person to decide.

    With `group_separator`, one count per group: the part of the record id before the separator.
    """
    check_identifier(predictions)
    threshold = float(threshold)
    group, group_by = "", ""
    if group_separator is not None:
        group = f"{_group_sql('unique_id_l', group_separator)} AS record_group, "
        group_by = "\nGROUP BY record_group"
    return f"""
SELECT {group}count(DISTINCT unique_id_l) AS ambiguous
FROM (
    SELECT
        unique_id_l,
        match_probability,
        rank() OVER (PARTITION BY unique_id_l ORDER BY match_weight DESC) AS weight_rank,
        count(*) OVER (PARTITION BY unique_id_l, match_weight) AS same_weight,
        max(CAST(unique_id_r AS BIGINT)) OVER (PARTITION BY unique_id_l, match_weight) AS tied_person
    FROM {predictions}
    WHERE {IDENTIFYING_AGREEMENT_SQL}
) AS ranked
WHERE weight_rank = 1 AND same_weight > 1 AND tied_person > 0 AND match_probability >= {threshold!r}{group_by}
""".strip()


def tied_candidates_sql(predictions: str, *, threshold: float) -> str:
    """The candidates of the records whose best candidates tie at or above the threshold: every tied one,
    with its weight and explanation (best_fuzzy_links_sql links none of them). A resolution keeps them:
    whether the tie is for a person to decide depends on who of them is in the registry that month."""
    check_identifier(predictions)
    threshold = float(threshold)
    return f"""
SELECT record_id, person_id, match_weight, match_probability, explanation
FROM (
    SELECT
        unique_id_l AS record_id,
        CAST(unique_id_r AS BIGINT) AS person_id,
        match_weight,
        match_probability,
        {explanation_sql()} AS explanation,
        rank() OVER (PARTITION BY unique_id_l ORDER BY match_weight DESC) AS weight_rank,
        count(*) OVER (PARTITION BY unique_id_l, match_weight) AS same_weight
    FROM {predictions}
    WHERE {IDENTIFYING_AGREEMENT_SQL}
) AS ranked
WHERE weight_rank = 1 AND same_weight > 1 AND match_probability >= {threshold!r}
ORDER BY record_id, person_id
""".strip()


def _group_sql(column: str, separator: str) -> str:
    """The part of `column` before the first `separator` (a single character, not a quote)."""
    if len(separator) != 1 or separator in "'\\":
        raise ValueError(f"bad group separator {separator!r}")
    return f"split_part({check_identifier(column)}, '{separator}', 1)"


def in_groups_sql(column: str, separator: str, groups: tuple[str, ...]) -> str:
    """A condition: the part of `column` before the first `separator` is one of `groups` (identifiers)."""
    names = ", ".join(f"'{check_identifier(group)}'" for group in groups)
    return f"{_group_sql(column, separator)} IN ({names})"


def rows_by_group_sql(table: str, *, group_separator: str) -> str:
    """Rows of `table` per group of records (the part of its record_id before the separator)."""
    check_identifier(table)
    group = _group_sql("record_id", group_separator)
    return f"SELECT {group} AS record_group, count(*) AS row_count FROM {table} GROUP BY record_group"


# ------------------------------------------------------------------------------------- resolutions


def registry_keys_sql(registry: str) -> str:
    """Each ID key of the registry, its person (the smallest id) and how many people have it."""
    check_identifier(registry)
    return f"""
SELECT id_key, min(person_id) AS person_id, count(*) AS people
FROM {registry}
WHERE id_key IS NOT NULL
GROUP BY id_key
""".strip()


def resolved_rows_sql(resolution: str, keys: str, decided: str) -> str:
    """The rows of a stored resolution (resolution.py) whose candidate is a registry person, with `linked`:
    the record's untied best candidate is the one registry person of that ID key (a fuzzy link). The other
    rows' records are left for a person to decide: candidates tied for best with a registry person among
    them, or a best candidate whose ID key several registry people share (as ambiguous_records_sql counts
    them at verify time). The records of `decided` are left out: linked exactly already (a converted
    15-digit number whose registry name differs from the register's), or compared at verify time."""
    for name in (resolution, keys, decided):
        check_identifier(name)
    return f"""
SELECT
    s.record_id,
    k.person_id,
    s.match_weight,
    s.match_probability,
    s.explanation,
    NOT s.tied AND k.people = 1 AS linked
FROM {resolution} AS s
INNER JOIN {keys} AS k
    ON k.id_key = s.id_key
WHERE NOT EXISTS (SELECT 1 FROM {decided} AS e WHERE e.record_id = s.record_id)
ORDER BY s.record_id, k.person_id
""".strip()
