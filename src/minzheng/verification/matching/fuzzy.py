"""Fuzzy fallback with Splink 5: place records whose ID is unusable by name, pinyin, birth date, region
and whatever digits of the ID survive.

How it runs (DuckDB backend, on the caller's connection, so the registry is never copied):

1. The candidate pairs come from our own portable SQL (`sql.fuzzy_candidates_sql`: the blocking rules,
   never on name alone, capped at 10 candidates per record) and are handed to Splink with
   `register_blocked_pairs_for_predict`: the same pairs would be scored on Spark.
2. Splink scores them with a Fellegi–Sunter model over five comparisons (see `comparisons()`), with a
   term-frequency adjustment on the exact-name level: 张伟 agreeing is weak evidence, 禄永富 strong.
3. We keep the best candidate per record at or above the threshold, not tied, and explain it in Chinese.

Parameters, and why they are not all trained:
- m (how often a true match agrees at each level) is fixed from `DEFAULT_M_PROBABILITIES`: it measures
  the departments' data quality, which we know better than EM can learn it from a few thousand bad-ID
  records, a small and selected population (EM on it converges to different optima as the month's
  mix of errors changes, and a model that moves is hard to explain to auditors).
- u (how often two unrelated people agree) is estimated from the data by Splink's random sampling with
  a fixed seed (deterministic: Splink samples by a hash of the unique id), because it depends on the
  registry: how common a birth date or a county is. Levels that random pairs practically never reach
  (two IDs within two digits of each other) cannot be sampled and are fixed from
  `FIXED_U_PROBABILITIES`; with `estimate_u=False` every u comes from that table.
- the prior, probability_two_random_records_match, is share_in_registry / (size of the compared side):
  a record names at most one person there, and some name nobody in it.

What a record is compared with (pipeline.link_sources): the population register (户籍) when the lake has
it, so that a record of somebody outside the registry finds its own person rather than the registry's
namesake born the same day; the registry alone otherwise. Only pairs that could identify a person
(sql.CAN_IDENTIFY_SQL) are scored, and only records with a registry person among their candidates.
With the register, the comparison is made when the records arrive (resolution.py), not at every verify.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from . import sql

SPLINK_CONCAT_SEPARATOR = "-__-"
"""Splink joins source dataset and unique id with this to key blocked pairs (splink.internals.
unique_id_concat); tests/matching check it still does."""

RECORDS_DATASET = "records"
REGISTRY_DATASET = "registry"

DEFAULT_THRESHOLD = 0.95

DEFAULT_M_PROBABILITIES: dict[str, tuple[float, ...]] = {
    # levels: exact, same pinyin (homophone / traditional), else
    "name": (0.90, 0.08, 0.02),
    # levels: exact, one character apart, within a month, within a year, else
    "birth_date": (0.93, 0.03, 0.02, 0.01, 0.01),
    # levels: exact, else (people move between counties)
    "county": (0.95, 0.05),
    "village": (0.85, 0.15),
    # levels: the 17 digits equal (only the check character wrong), 1 apart, 2 apart, else (garbled)
    "id_body": (0.10, 0.60, 0.20, 0.10),
}
"""P(level | same person) among records with a bad ID. Level order as in `comparisons()`."""

FIXED_U_PROBABILITIES: dict[str, tuple[float, ...]] = {
    "name": (0.0005, 0.00005, 0.99945),
    "birth_date": (0.00004, 0.0005, 0.001, 0.012, 0.98641),
    "county": (0.15, 0.85),
    "village": (0.0008, 0.9992),
    # two unrelated Zhaotong people: same county code, birth date and all but one digit of the
    # sequence is about 1e-7 of random pairs; the check character alone differing, the same ID
    "id_body": (1e-9, 1e-7, 1e-6, 0.999998899),
}
"""P(level | different people), from a 1M-person synthetic registry. Used whole when estimate_u is False;
otherwise starting values that random sampling replaces, except the rare id_body levels (ALWAYS_FIXED_U),
which a sample of millions of pairs never reaches."""

ALWAYS_FIXED_U = frozenset({("id_body", 0), ("id_body", 1), ("id_body", 2)})
"""(comparison, level index) whose u stays fixed even when u is estimated."""


@dataclass(frozen=True)
class FuzzySettings:
    """Knobs of the fuzzy fallback; the defaults are what the precision/recall tests measure."""

    threshold: float = DEFAULT_THRESHOLD
    max_candidates: int = 10
    m_probabilities: Mapping[str, Sequence[float]] = field(
        default_factory=lambda: dict(DEFAULT_M_PROBABILITIES)
    )
    u_probabilities: Mapping[str, Sequence[float]] = field(
        default_factory=lambda: dict(FIXED_U_PROBABILITIES)
    )
    estimate_u: bool = True
    u_max_pairs: float = 2e6
    """Random pairs sampled to estimate u (about 3 s on 2 cores, whatever the data size)."""
    seed: int = 530600
    share_in_registry: float = 0.9
    """Expected share of the fuzzy records whose person is on the compared side (the population
    register, or the registry without it). The prior of a pair is share_in_registry / (its size):
    without the register, lower it for a source that mostly covers people outside the registry."""


@dataclass(frozen=True)
class FuzzyResult:
    links: pa.Table
    records: int
    candidates_scored: int
    ambiguous: int
    seconds: float
    by_source: dict[str, tuple[int, int]] = field(default_factory=dict)
    """(candidates scored, ambiguous records) per key prefix, when the records were keyed ``source|id``."""
    ties: pa.Table | None = None
    """With `keep_ties`: every candidate of the records whose best candidates tie (sql.tied_candidates_sql)."""
    recompared: pa.Table | None = None
    """record_id of the records of resolved sources compared now (pipeline._run_fuzzy's near_registry_only)."""


LINK_SCHEMA = pa.schema(
    [
        ("record_id", pa.string()),
        ("person_id", pa.int64()),
        ("method", pa.dictionary(pa.int8(), pa.string())),
        ("match_weight", pa.float64()),
        ("match_probability", pa.float64()),
        ("explanation", pa.dictionary(pa.int32(), pa.string())),
    ]
)
"""The link table. method and explanation are dictionary-encoded: a month's 30M exact links share two
explanations, and carrying them as plain strings would cost more than the join (they read as strings
in DuckDB, Arrow's to_pylist and Spark)."""


def as_link_table(table: pa.Table) -> pa.Table:
    """A table with the link columns (method and explanation as strings or dictionaries) in LINK_SCHEMA."""
    columns = []
    for link_field in LINK_SCHEMA:
        column = table[link_field.name]
        if pa.types.is_dictionary(link_field.type) and not pa.types.is_dictionary(column.type):
            column = pc.dictionary_encode(column)
        columns.append(column.cast(link_field.type))
    return pa.Table.from_arrays(columns, schema=LINK_SCHEMA)


def _level_creators() -> dict[str, list[Any]]:
    """The non-null levels of each comparison, most specific first (Splink numbers them down to 0).

    The order must match `sql.EXPLANATION_LEVELS`. Every level here was run on the pinned DuckDB
    (tests/matching/test_fuzzy.py); all are plain column functions (no array distances, which failed
    on DuckDB 2.0.1).
    """
    import splink.comparison_level_library as cll
    from splink import ColumnExpression

    birth_date_text = ColumnExpression("birth_date").cast_to_string()
    return {
        "name": [
            # 张伟 agreeing says less than 禄永富 agreeing: u becomes the name's frequency
            cll.ExactMatchLevel("name", term_frequency_adjustments=True),
            # likewise lihui (李辉, 李慧, 李惠 …) agreeing says less than a rare pinyin
            cll.ExactMatchLevel("name_pinyin", term_frequency_adjustments=True).configure(
                label_for_charts="同音（拼音一致）"
            ),
            cll.ElseLevel(),
        ],
        "birth_date": [
            cll.ExactMatchLevel("birth_date"),
            cll.LevenshteinLevel(birth_date_text, 1).configure(label_for_charts="相差1位"),
            cll.AbsoluteDateDifferenceLevel("birth_date", input_is_string=False, threshold=1, metric="month"),
            cll.AbsoluteDateDifferenceLevel("birth_date", input_is_string=False, threshold=1, metric="year"),
            cll.ElseLevel(),
        ],
        "county": [cll.ExactMatchLevel("county"), cll.ElseLevel()],
        "village": [cll.ExactMatchLevel("village"), cll.ElseLevel()],
        "id_body": [
            cll.ExactMatchLevel("id_body"),
            cll.LevenshteinLevel("id_body", 1),
            cll.LevenshteinLevel("id_body", 2),
            cll.ElseLevel(),
        ],
    }


COMPARISON_DESCRIPTIONS = {
    "name": "姓名",
    "birth_date": "出生日期",
    "county": "区县",
    "village": "村（社区）",
    "id_body": "身份证号前17位",
}


def comparisons(settings: FuzzySettings) -> list[Any]:
    """The five Splink comparisons, each level carrying its m and (initial or fixed) u.

    With `estimate_u`, the u given here is only a starting value that random sampling replaces, except
    for the levels in `ALWAYS_FIXED_U` and any level the sample never reaches (Splink then keeps it).
    """
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    result = []
    for column, levels in _level_creators().items():
        m = settings.m_probabilities[column]
        u = settings.u_probabilities[column]
        if not len(levels) == len(m) == len(u):
            raise ValueError(f"{column}: {len(levels)} levels, {len(m)} m and {len(u)} u values")
        configured: list[Any] = [cll.NullLevel(column)]
        for index, (level, m_value, u_value) in enumerate(zip(levels, m, u, strict=True)):
            fixed = not settings.estimate_u or (column, index) in ALWAYS_FIXED_U
            configured.append(
                level.configure(
                    m_probability=float(m_value),
                    fix_m_probability=True,
                    u_probability=float(u_value),
                    fix_u_probability=fixed,
                )
            )
        result.append(
            cl.CustomComparison(
                comparison_levels=configured,
                output_column_name=column,
                comparison_description=COMPARISON_DESCRIPTIONS[column],
            )
        )
    return result


def settings_creator(settings: FuzzySettings, registry_size: int) -> Any:
    from splink import SettingsCreator

    prior = settings.share_in_registry / max(registry_size, 1)
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(settings),
        probability_two_random_records_match=prior,
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=False,
    )


def splink_blocked_pairs_sql(candidates: str) -> str:
    """Our capped candidate pairs in the shape Splink's predict() reads (DuckDB only: Splink-specific)."""
    sql.check_identifier(candidates)
    left = f"'{RECORDS_DATASET}{SPLINK_CONCAT_SEPARATOR}'"
    right = f"'{REGISTRY_DATASET}{SPLINK_CONCAT_SEPARATOR}'"
    return f"""
SELECT
    CAST(blocking_rule AS VARCHAR) AS match_key,
    concat({left}, record_id) AS join_key_l,
    concat({right}, CAST(person_id AS VARCHAR)) AS join_key_r
FROM {candidates}
""".strip()


_RUN_IDS = itertools.count(1)


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def link_fuzzy(
    con: duckdb.DuckDBPyConnection,
    records: str,
    registry: str,
    *,
    registry_size: int,
    settings: FuzzySettings | None = None,
    group_separator: str | None = None,
    term_frequencies: Mapping[str, str] | None = None,
    keep_ties: bool = False,
) -> FuzzyResult:
    """Link the feature table `records` to the feature table `registry` (see sql.*_features_sql).

    With `group_separator`, record ids are ``group<separator>id`` and the result also counts the
    candidates and the ambiguous records per group (`FuzzyResult.by_source`).

    `term_frequencies` names, per term-frequency column (name, name_pinyin), a lookup table made over
    the whole compared side (population.term_frequency_table). With them, and u fixed (nothing to
    sample), Splink is given only the people among the candidates: the frequencies it would otherwise
    compute from its inputs, and the random pairs it would sample, are what need everyone.

    With `keep_ties`, the result also holds the tied candidates of the records left ambiguous.
    """
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    settings = settings or FuzzySettings()
    started = time.perf_counter()
    run = next(_RUN_IDS)
    candidates = f"mz_fuzzy_candidates_{run}"
    left = f"mz_splink_records_{run}"
    right = f"mz_splink_registry_{run}"
    blocked = f"mz_splink_blocked_{run}"
    columns = ", ".join(sql.COMPARISON_COLUMNS)
    pruned = term_frequencies is not None and not settings.estimate_u
    n_records = _count(con, sql.check_identifier(records))
    empty = FuzzyResult(LINK_SCHEMA.empty_table(), n_records, 0, 0, 0.0)
    if n_records == 0:
        return empty
    created: list[str] = []
    linker = None
    try:
        con.execute(
            f"CREATE TEMP TABLE {candidates} AS "
            + sql.fuzzy_candidates_sql(records, registry, max_candidates=settings.max_candidates)
        )
        created.append(candidates)
        n_candidates = _count(con, candidates)
        if n_candidates == 0:
            return FuzzyResult(empty.links, n_records, 0, 0, time.perf_counter() - started)
        con.execute(f"CREATE TEMP VIEW {left} AS SELECT record_id AS unique_id, {columns} FROM {records}")
        created.append(left)
        among_candidates = f" WHERE person_id IN (SELECT person_id FROM {candidates})" if pruned else ""
        con.execute(
            f"CREATE TEMP {'TABLE' if pruned else 'VIEW'} {right} AS "
            f"SELECT CAST(person_id AS VARCHAR) AS unique_id, {columns} FROM {registry}{among_candidates}"
        )
        created.append(right)
        con.execute(f"CREATE TEMP TABLE {blocked} AS " + splink_blocked_pairs_sql(candidates))
        created.append(blocked)

        api = DuckDBAPI(connection=con)
        linker = Linker(
            [
                api.register(left, dataset_display_name=RECORDS_DATASET),
                api.register(right, dataset_display_name=REGISTRY_DATASET),
            ],
            settings_creator(settings, registry_size),
            log_level=None,
        )
        for column, lookup in (term_frequencies or {}).items():
            linker.table_management.register_term_frequency_lookup(api.register(lookup), column)
        if settings.estimate_u:
            # one chunk: the sample is small, and Splink's probe-then-chunk pass costs ~30 queries
            linker.training.estimate_u_using_random_sampling(
                max_pairs=settings.u_max_pairs, seed=settings.seed, min_count_per_level=None, num_chunks=1
            )
        linker.table_management.register_blocked_pairs_for_predict(api.register(blocked))
        predictions = linker.inference.predict(warning_mode="never")
        best = con.sql(
            sql.best_fuzzy_links_sql(predictions.physical_name, threshold=settings.threshold)
        ).to_arrow_table()
        links = as_link_table(best)
        # per group when the records are keyed by source (the totals are their sums), else one count
        by_source: dict[str, tuple[int, int]] = {}
        if group_separator is not None:
            ambiguous_by_group = dict(
                con.sql(
                    sql.ambiguous_records_sql(
                        predictions.physical_name,
                        threshold=settings.threshold,
                        group_separator=group_separator,
                    )
                ).fetchall()
            )
            candidates_by_group = con.sql(
                sql.rows_by_group_sql(candidates, group_separator=group_separator)
            ).fetchall()
            by_source = {
                group: (int(count), int(ambiguous_by_group.get(group, 0)))
                for group, count in candidates_by_group
            }
            ambiguous = sum(int(count) for count in ambiguous_by_group.values())
        else:
            ((ambiguous,),) = con.sql(
                sql.ambiguous_records_sql(predictions.physical_name, threshold=settings.threshold)
            ).fetchall()
        ties = None
        if keep_ties:
            ties = con.sql(
                sql.tied_candidates_sql(predictions.physical_name, threshold=settings.threshold)
            ).to_arrow_table()
        # a best match outside the registry (see sql.population_features_sql) is nobody to link to
        links = links.filter(pc.greater(links["person_id"], 0))
        return FuzzyResult(
            links=links,
            records=n_records,
            candidates_scored=n_candidates,
            ambiguous=int(ambiguous),
            seconds=time.perf_counter() - started,
            by_source=by_source,
            ties=ties,
        )
    finally:
        if linker is not None:
            linker.table_management.delete_tables_created_by_splink_from_db()
        for name in reversed(created):
            kind = "VIEW" if name == left or (name == right and not pruned) else "TABLE"
            con.execute(f"DROP {kind} IF EXISTS {name}")
