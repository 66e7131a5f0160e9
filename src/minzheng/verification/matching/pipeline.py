"""Link one departmental source to the registry snapshot: exact by ID key, then the fuzzy fallback.

    result = link_source(con, "vehicles", vehicles, registry_people)
    result.links   # record_id, person_id, method, match_weight, match_probability, explanation
    result.stats   # records, exact links, fuzzy records, candidates scored, fuzzy links, ...

Everything is set-based SQL on the caller's DuckDB connection; the Arrow tables are registered as
views (no copy). The exact step is one hash join on the int64 key; the fuzzy step touches only the
records the exact join cannot place.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import sql
from .fuzzy import DEFAULT_THRESHOLD, LINK_SCHEMA, FuzzyResult, FuzzySettings, link_fuzzy
from .pinyin import pinyin_table


@dataclass(frozen=True)
class LinkStats:
    source_name: str
    records: int
    exact_links: int
    fuzzy_records: int
    """Records sent to the fuzzy step: unusable ID, or a converted 15-digit ID not in the registry."""
    fuzzy_candidates_scored: int
    fuzzy_links: int
    fuzzy_ambiguous: int
    """Records whose best fuzzy candidates tie: left for a person to decide."""
    exact_seconds: float
    fuzzy_seconds: float

    def lines(self) -> list[str]:
        return [
            f"{self.source_name}: {self.records:,} records, {self.exact_links:,} exact links "
            f"({self.exact_seconds:.2f} s)",
            f"fuzzy: {self.fuzzy_records:,} records, {self.fuzzy_candidates_scored:,} candidate pairs scored, "
            f"{self.fuzzy_links:,} links, {self.fuzzy_ambiguous:,} ambiguous ({self.fuzzy_seconds:.2f} s)",
        ]


@dataclass(frozen=True)
class LinkResult:
    links: pa.Table
    """record_id, person_id, method ("exact" | "fuzzy"), match_weight, match_probability, explanation"""
    stats: LinkStats


_RUN_IDS = itertools.count(1)


def link_source(
    con: duckdb.DuckDBPyConnection,
    source_name: str,
    source: pa.Table,
    registry: pa.Table,
    *,
    fuzzy: bool = True,
    threshold: float = DEFAULT_THRESHOLD,
    settings: FuzzySettings | None = None,
) -> LinkResult:
    """Link `source` (a departmental table in the lake layout) to `registry` (registry_people).

    `threshold` is the minimum match probability of a fuzzy link; `settings` overrides the fuzzy
    model (its own threshold is replaced by `threshold`).
    """
    sql.check_identifier(source_name)
    run = next(_RUN_IDS)
    source_view = f"mz_source_{source_name}_{run}"
    registry_view = f"mz_registry_{run}"
    con.register(source_view, source)
    con.register(registry_view, registry)
    try:
        started = time.perf_counter()
        exact = exact_link_table(con.sql(sql.exact_links_sql(source_view, registry_view)).to_arrow_table())
        exact_seconds = time.perf_counter() - started
        fuzzy_records = fuzzy_candidates = fuzzy_ambiguous = 0
        fuzzy_seconds = 0.0
        tables = [exact]
        if fuzzy:
            fuzzy_settings = replace(settings or FuzzySettings(), threshold=threshold)
            result = _run_fuzzy(con, source_view, registry_view, registry.num_rows, fuzzy_settings, run)
            tables.append(result.links)
            fuzzy_records, fuzzy_candidates = result.records, result.candidates_scored
            fuzzy_ambiguous, fuzzy_seconds = result.ambiguous, result.seconds
        links = pa.concat_tables(tables)
        stats = LinkStats(
            source_name=source_name,
            records=source.num_rows,
            exact_links=exact.num_rows,
            fuzzy_records=fuzzy_records,
            fuzzy_candidates_scored=fuzzy_candidates,
            fuzzy_links=links.num_rows - exact.num_rows,
            fuzzy_ambiguous=fuzzy_ambiguous,
            exact_seconds=exact_seconds,
            fuzzy_seconds=fuzzy_seconds,
        )
        return LinkResult(links=links, stats=stats)
    finally:
        con.unregister(source_view)
        con.unregister(registry_view)


def exact_link_table(keys: pa.Table) -> pa.Table:
    """The link table of exact links from (record_id, person_id, from_15_digits)."""
    count = keys.num_rows
    from_15_digits = pc.fill_null(keys["from_15_digits"], False).combine_chunks()
    explanation = pa.DictionaryArray.from_arrays(
        pc.cast(from_15_digits, pa.int32()), pa.array(sql.EXACT_EXPLANATIONS, pa.string())
    )
    method = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(count, dtype=np.int8)), pa.array(["exact", "fuzzy"], pa.string())
    )
    return pa.Table.from_arrays(
        [
            keys["record_id"].cast(pa.string()),
            keys["person_id"].cast(pa.int64()),
            method,
            pa.nulls(count, pa.float64()),
            pa.array(np.ones(count, dtype=np.float64)),
            explanation,
        ],
        schema=LINK_SCHEMA,
    )


def _run_fuzzy(
    con: duckdb.DuckDBPyConnection,
    source_view: str,
    registry_view: str,
    registry_size: int,
    settings: FuzzySettings,
    run: int,
) -> FuzzyResult:
    """Materialise the fuzzy records, the pinyin lookup and both feature tables; link; clean up."""
    started = time.perf_counter()
    records = f"mz_fuzzy_records_{run}"
    pinyin = f"mz_name_pinyin_{run}"
    record_features = f"mz_record_features_{run}"
    registry_features = f"mz_registry_features_{run}"
    con.execute(f"CREATE TEMP TABLE {records} AS " + sql.fuzzy_records_sql(source_view, registry_view))
    registered = False
    try:
        if con.sql(f"SELECT count(*) FROM {records}").fetchall()[0][0] == 0:
            return FuzzyResult(LINK_SCHEMA.empty_table(), 0, 0, 0, time.perf_counter() - started)
        names = con.sql(sql.distinct_names_sql(records, registry_view)).to_arrow_table()
        con.register(pinyin, pinyin_table(names["name"]))
        registered = True
        con.execute(f"CREATE TEMP TABLE {record_features} AS " + sql.record_features_sql(records, pinyin))
        con.execute(
            f"CREATE TEMP TABLE {registry_features} AS " + sql.registry_features_sql(registry_view, pinyin)
        )
        result = link_fuzzy(
            con, record_features, registry_features, registry_size=registry_size, settings=settings
        )
    finally:
        for table in (records, record_features, registry_features):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        if registered:
            con.unregister(pinyin)
    return replace(result, seconds=time.perf_counter() - started)
