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
from collections.abc import Mapping
from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minzheng.compute.snapshot import Input, input_rows, register_input, unregister_input

from . import sql
from .fuzzy import DEFAULT_THRESHOLD, LINK_SCHEMA, FuzzyResult, FuzzySettings, as_link_table, link_fuzzy
from .pinyin import pinyin_table
from .population import TF_COLUMNS, PopulationIndex, build_population_index, with_index_u
from .resolution import Resolution, settings_digest


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
    exact_carried: pa.Table | None = None
    """With `carry`: record_id, person_id and the carried columns of each exact link (link_sources)."""


_RUN_IDS = itertools.count(1)

FUZZY_KEY_SEPARATOR = "|"
"""Between the source name and the record id in the key of a fuzzy record (source names are identifiers)."""

FUZZY_RECORD_COLUMNS = (
    "record_id",
    "name",
    "birth_date",
    "id_number",
    "id_raw",
    "region_code",
    "id_status",
    "id_key",
)
"""What the fuzzy step reads of a departmental record (every lake contract has these columns)."""


def link_source(
    con: duckdb.DuckDBPyConnection,
    source_name: str,
    source: pa.Table,
    registry: pa.Table,
    *,
    fuzzy: bool = True,
    threshold: float = DEFAULT_THRESHOLD,
    settings: FuzzySettings | None = None,
    population: PopulationIndex | Input | None = None,
) -> LinkResult:
    """Link `source` (a departmental table in the lake layout) to `registry` (registry_people).

    `threshold` is the minimum match probability of a fuzzy link; `settings` overrides the fuzzy
    model (its own threshold is replaced by `threshold`). One source of `link_sources`.
    """
    return link_sources(
        con,
        {source_name: source},
        registry,
        fuzzy=fuzzy,
        threshold=threshold,
        settings=settings,
        population=population,
    ).results[source_name]


@dataclass(frozen=True)
class LinkRun:
    """Every source's links, and the one fuzzy step they shared."""

    results: dict[str, LinkResult]
    fuzzy: FuzzyResult | None
    resolved: tuple[str, ...] = ()
    """The sources whose fuzzy records were linked from their stored resolution (resolution.py)."""
    resolved_candidates: int = 0
    """Candidate pairs the resolutions scored when they were made."""
    registry_only: int = 0
    """Registry people the population register lacks: with any, the records of resolved sources that could
    be identified with one of them are compared at verify time (their ids: `fuzzy.recompared`)."""

    @property
    def fuzzy_candidates_scored(self) -> int:
        return (self.fuzzy.candidates_scored if self.fuzzy is not None else 0) + self.resolved_candidates


def link_sources(
    con: duckdb.DuckDBPyConnection,
    sources: Mapping[str, Input],
    registry: pa.Table,
    *,
    fuzzy: bool = True,
    threshold: float = DEFAULT_THRESHOLD,
    settings: FuzzySettings | None = None,
    population: PopulationIndex | Input | None = None,
    carry: Mapping[str, tuple[str, ...]] | None = None,
    resolutions: Mapping[str, Resolution] | None = None,
) -> LinkRun:
    """Link every source to `registry`: an exact join per source, then one fuzzy step for them all.

    `carry` names, per source, columns the exact join brings out with each link
    (`LinkResult.exact_carried`), read in the join's own scan of the source.

    The fuzzy step costs mostly set-up (u sampled from random pairs, term frequencies, the registry's
    features and pinyin), which does not grow with the number of records: the records that the exact
    joins cannot place are gathered from every source, keyed ``source|record_id``, and linked in one
    Splink session. A record is still linked on its own fields only; the source plays no part in
    the score.

    `population` is the month's population register (户籍): its matching index (population.py, made
    when the register arrived), or the register in its lake layout, whose index is then built here.
    With it, the fuzzy records are compared with everyone of the city, and a record whose best match
    is a person outside the registry links to nobody (see `sql.population_features_sql`). Without it,
    with the registry.

    `resolutions` are the sources' fuzzy records resolved against that register when they arrived
    (resolution.py, made with the same model): a source with one skips the fuzzy step and links its
    stored resolution to the registry by ID key. When some registry people are not in the register
    (no ID key, or one the register lacks: `LinkRun.registry_only`), the records of those sources that
    could be identified with one of them are compared at verify time, as without resolutions, and the
    rest keep their resolution: the same decisions as comparing them all at verify time, but for the
    prior of a pair, which a resolution takes over the register's people without those few.
    """
    for source_name in sources:
        sql.check_identifier(source_name)
        if FUZZY_KEY_SEPARATOR in source_name:
            raise ValueError(f"source name {source_name!r} contains {FUZZY_KEY_SEPARATOR!r}")
    run = next(_RUN_IDS)
    fuzzy_settings = replace(settings or FuzzySettings(), threshold=threshold)
    index = population
    if index is not None and not isinstance(index, PopulationIndex):
        index = build_population_index(con, index, fuzzy_settings) if fuzzy else None
    registry_view = f"mz_registry_{run}"
    population_view = f"mz_population_{run}" if index is not None else None
    con.register(registry_view, registry)
    if population_view is not None:
        assert index is not None
        register_input(con, population_view, index.features)
    source_views = {source_name: f"mz_source_{source_name}_{run}" for source_name in sources}
    carry = carry or {}
    exact: dict[str, tuple[pa.Table, float]] = {}
    carried: dict[str, pa.Table] = {}
    fuzzy_records: dict[str, int] = {}
    fuzzy_result: FuzzyResult | None = None
    fuzzy_links: dict[str, pa.Table] = {}
    pending = f"mz_fuzzy_records_{run}"
    resolved: dict[str, Resolution] = {}
    resolved_links: dict[str, tuple[pa.Table, int, float]] = {}
    registry_only = 0
    recompared: dict[str, pa.Table] = {}
    try:
        for source_name, source in sources.items():
            register_input(con, source_views[source_name], source)
        for source_name, source_view in source_views.items():
            started = time.perf_counter()
            columns = tuple(carry.get(source_name, ()))
            keys = con.sql(sql.exact_links_sql(source_view, registry_view, columns)).to_arrow_table()
            exact[source_name] = (exact_link_table(keys), time.perf_counter() - started)
            if source_name in carry:
                carried[source_name] = keys.select(["record_id", "person_id", *columns])
        if fuzzy and resolutions and isinstance(index, PopulationIndex) and population_view is not None:
            ((registry_only,),) = con.sql(
                f"SELECT count(*) FROM ({sql.registry_only_sql(registry_view, population_view)})"
            ).fetchall()
            digest = settings_digest(fuzzy_settings, index)
            resolved = {
                name: resolution
                for name, resolution in resolutions.items()
                if name in sources and resolution.digest == digest
            }
        # compared now: the sources without a resolution, and, when the registry has people the register
        # lacks, the records of the others that could be identified with one of them
        compared_now = {
            name: view for name, view in source_views.items() if name not in resolved or registry_only
        }
        if fuzzy and compared_now:
            fuzzy_records = _gather_pending(con, pending, compared_now, registry_view, population_view)
            fuzzy_result = _run_fuzzy(
                con,
                pending,
                registry_view,
                index,
                population_view,
                fuzzy_settings,
                run,
                near_registry_only=tuple(name for name in compared_now if name in resolved),
            )
            fuzzy_links = _split_fuzzy_links(fuzzy_result.links, list(compared_now))
            if fuzzy_result.recompared is not None:
                recompared = {
                    name: table.select(["record_id"])
                    for name, table in _split_fuzzy_links(fuzzy_result.recompared, list(resolved)).items()
                }
        if resolved:
            decided = {
                name: pa.concat_tables(
                    [
                        exact[name][0].select(["record_id"]),
                        *([recompared[name]] if name in recompared else []),
                    ]
                )
                for name in resolved
            }
            resolved_links = _apply_resolutions(con, resolved, registry_view, decided, run)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {pending}")
        for source_name, source in sources.items():
            unregister_input(con, source_views[source_name], source)
        con.unregister(registry_view)
        if population_view is not None:
            assert index is not None
            unregister_input(con, population_view, index.features)

    results = {}
    for source_name, source in sources.items():
        exact_links, exact_seconds = exact[source_name]
        found = fuzzy_links.get(source_name, LINK_SCHEMA.empty_table())
        records = fuzzy_records.get(source_name, 0)
        by_source = fuzzy_result.by_source.get(source_name, (0, 0)) if fuzzy_result else (0, 0)
        fuzzy_seconds = fuzzy_result.seconds if fuzzy_result else 0.0
        if source_name in resolved:  # its resolution, and what was compared now of it (if anything)
            stored, ambiguous, seconds = resolved_links[source_name]
            found = pa.concat_tables([stored, found])
            records = resolved[source_name].records
            by_source = (resolved[source_name].candidates_scored + by_source[0], ambiguous + by_source[1])
            fuzzy_seconds = seconds + (fuzzy_seconds if source_name in compared_now else 0.0)
        stats = LinkStats(
            source_name=source_name,
            records=input_rows(source),
            exact_links=exact_links.num_rows,
            fuzzy_records=records,
            fuzzy_candidates_scored=by_source[0],
            fuzzy_links=found.num_rows,
            fuzzy_ambiguous=by_source[1],
            exact_seconds=exact_seconds,
            fuzzy_seconds=fuzzy_seconds,
        )
        results[source_name] = LinkResult(
            links=pa.concat_tables([exact_links, found]), stats=stats, exact_carried=carried.get(source_name)
        )
    return LinkRun(
        results=results,
        fuzzy=fuzzy_result,
        resolved=tuple(resolved),
        resolved_candidates=sum(resolution.candidates_scored for resolution in resolved.values()),
        registry_only=int(registry_only),
    )


def _apply_resolutions(
    con: duckdb.DuckDBPyConnection,
    resolved: Mapping[str, Resolution],
    registry_view: str,
    decided: Mapping[str, pa.Table],
    run: int,
) -> dict[str, tuple[pa.Table, int, float]]:
    """(links, ambiguous records, seconds) of each source from its stored resolution, but for the records
    of `decided` (record_id: linked exactly, or compared now)."""
    keys = f"mz_registry_keys_{run}"
    result = {}
    con.execute(f"CREATE TEMP TABLE {keys} AS " + sql.registry_keys_sql(registry_view))
    try:
        for name, resolution in resolved.items():
            started = time.perf_counter()
            rows, skipped = f"mz_resolution_{name}_{run}", f"mz_decided_{name}_{run}"
            register_input(con, rows, resolution.rows)
            con.register(skipped, decided[name].select(["record_id"]))
            try:
                found = con.sql(sql.resolved_rows_sql(rows, keys, skipped)).to_arrow_table()
            finally:
                con.unregister(skipped)
                unregister_input(con, rows, resolution.rows)
            is_link = found["linked"]
            links = found.filter(is_link)
            links = links.append_column(
                "method", pa.array(["fuzzy"] * links.num_rows, pa.string())
            ).drop_columns(["linked"])
            ambiguous = len(pc.unique(found.filter(pc.invert(is_link))["record_id"]))
            result[name] = (as_link_table(links), ambiguous, time.perf_counter() - started)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {keys}")
    return result


def _gather_pending(
    con: duckdb.DuckDBPyConnection,
    pending: str,
    source_views: Mapping[str, str],
    registry_view: str,
    population_view: str | None,
) -> dict[str, int]:
    """Gather every source's fuzzy records into the temp table `pending` (without those the register
    places by a converted 15-digit number); how many of each source."""
    con.execute(f"CREATE TEMP TABLE {pending} AS " + _gather_fuzzy_records_sql(source_views, registry_view))
    if population_view is not None:
        con.execute(
            f"DELETE FROM {pending} WHERE record_id IN "
            f"({sql.placed_in_population_sql(pending, population_view)})"
        )
    records = dict.fromkeys(source_views, 0)
    for source_name, count in con.sql(
        sql.rows_by_group_sql(pending, group_separator=FUZZY_KEY_SEPARATOR)
    ).fetchall():
        records[source_name] = int(count)
    return records


def _gather_fuzzy_records_sql(source_views: Mapping[str, str], registry_view: str) -> str:
    """Every source's records for the fuzzy step, in FUZZY_RECORD_COLUMNS, keyed ``source|record_id``."""
    columns = ", ".join(f"f.{column}" for column in FUZZY_RECORD_COLUMNS[1:])
    return "\nUNION ALL\n".join(
        f"SELECT concat('{source_name}{FUZZY_KEY_SEPARATOR}', f.record_id) AS record_id, {columns} "
        f"FROM ({sql.fuzzy_records_sql(source_view, registry_view, FUZZY_RECORD_COLUMNS)}) AS f"
        for source_name, source_view in source_views.items()
    )


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def _split_fuzzy_links(links: pa.Table, source_names: list[str]) -> dict[str, pa.Table]:
    """The fuzzy links per source, their record ids without the ``source|`` prefix."""
    if links.num_rows == 0:
        return {}
    parts = pc.split_pattern(links["record_id"], FUZZY_KEY_SEPARATOR, max_splits=1)
    prefix = pc.list_element(parts, 0)
    record_id = pc.list_element(parts, 1)
    links = links.set_column(links.schema.get_field_index("record_id"), "record_id", record_id)
    result = {}
    for source_name in source_names:
        chosen = links.filter(pc.equal(prefix, source_name))
        if chosen.num_rows:
            result[source_name] = chosen
    return result


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
    records: str,
    registry_view: str,
    index: PopulationIndex | None,
    population_view: str | None,
    settings: FuzzySettings,
    run: int,
    *,
    everyone: bool = False,
    near_registry_only: tuple[str, ...] = (),
) -> FuzzyResult:
    """The pinyin and both feature tables of the gathered fuzzy records; link; clean up.

    With `everyone` (a resolution against the register alone: resolution.py), every record is compared
    with the register's people keyed by their ID key, none is dropped for want of a registry person, and
    the result keeps the tied candidates.

    The records of the sources in `near_registry_only` (whose resolution stands for the rest) are kept
    only if they could be identified with a registry person the register lacks; their ids are returned
    as `FuzzyResult.recompared`.

    With the population index (registered as `population_view`), its pinyin lookup serves most names
    (only the others are read out in Python), the compared side is the register's people mapped to the
    registry's ids, and Splink gets the index's term frequencies and u: it samples nothing and reads
    only the people among the candidates.
    """
    started = time.perf_counter()
    pinyin = f"mz_name_pinyin_{run}"
    extra_pinyin = f"mz_extra_pinyin_{run}"
    lookup = f"mz_pinyin_lookup_{run}"
    record_features = f"mz_record_features_{run}"
    registry_features = f"mz_registry_features_{run}"
    compared = f"mz_compared_features_{run}"
    registry_only = f"mz_registry_only_features_{run}"
    recompared: pa.Table | None = None
    term_frequencies = {column: f"mz_tf_{column}_{run}" for column in TF_COLUMNS}
    views: list[tuple[str, Input]] = []
    try:
        if _count(con, records) == 0:
            return FuzzyResult(LINK_SCHEMA.empty_table(), 0, 0, 0, time.perf_counter() - started)
        if index is None:
            names = con.sql(sql.distinct_names_sql(records, registry_view)).to_arrow_table()
            views.append((pinyin, pinyin_table(names["name"])))
            register_input(con, *views[-1])
        else:
            views.append((lookup, index.pinyin))
            register_input(con, *views[-1])
            missing = con.sql(sql.missing_names_sql(lookup, records, registry_view)).to_arrow_table()
            views.append((extra_pinyin, pinyin_table(missing["name"])))
            register_input(con, *views[-1])
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {pinyin} AS "
                f"SELECT name, name_pinyin FROM {lookup} UNION ALL SELECT name, name_pinyin FROM {extra_pinyin}"
            )
        con.execute(f"CREATE TEMP TABLE {record_features} AS " + sql.record_features_sql(records, pinyin))
        con.execute(
            f"CREATE TEMP TABLE {registry_features} AS " + sql.registry_features_sql(registry_view, pinyin)
        )
        compared_side = registry_features
        compared_size: int | None = None
        tf_tables: dict[str, str] | None = None
        if index is not None and population_view is not None and everyone:
            con.execute(
                f"CREATE TEMP TABLE {compared} AS "
                + sql.everyone_features_sql(population_view, records=record_features)
            )
            compared_side, compared_size = compared, index.people
        elif index is not None and population_view is not None:
            # keep the records some registry person could be identified with; compare those with everyone
            con.execute(
                f"DELETE FROM {record_features} WHERE record_id NOT IN "
                f"({sql.identifiable_records_sql(record_features, registry_features)})"
            )
            if near_registry_only:
                in_resolved = sql.in_groups_sql("record_id", FUZZY_KEY_SEPARATOR, near_registry_only)
                con.execute(
                    f"CREATE TEMP TABLE {registry_only} AS SELECT f.* FROM {registry_features} AS f "
                    f"WHERE f.person_id IN (SELECT person_id FROM "
                    f"({sql.registry_only_sql(registry_view, population_view)}))"
                )
                con.execute(
                    f"DELETE FROM {record_features} WHERE {in_resolved} AND record_id NOT IN "
                    f"({sql.identifiable_records_sql(record_features, registry_only)})"
                )
                recompared = con.sql(
                    f"SELECT record_id FROM {record_features} WHERE {in_resolved} ORDER BY record_id"
                ).to_arrow_table()
            con.execute(
                f"CREATE TEMP TABLE {compared} AS "
                + sql.population_features_sql(
                    population_view, registry_view, registry_features, records=record_features
                )
            )
            compared_side = compared
            ((compared_size,),) = con.sql(sql.population_size_sql(population_view, registry_view)).fetchall()
        if index is not None and population_view is not None:
            settings = with_index_u(settings, index)
            if not settings.estimate_u:  # nothing to sample: Splink needs only the candidates' people
                for column, name in term_frequencies.items():
                    views.append((name, index.term_frequencies[column]))
                    register_input(con, *views[-1])
                tf_tables = dict(term_frequencies)
        result = link_fuzzy(
            con,
            record_features,
            compared_side,
            registry_size=compared_size if compared_size is not None else _count(con, compared_side),
            settings=settings,
            group_separator=FUZZY_KEY_SEPARATOR,
            term_frequencies=tf_tables,
            keep_ties=everyone,
        )
        if recompared is not None:
            result = replace(result, recompared=recompared)
    finally:
        for table in (record_features, registry_features, compared, registry_only):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        if index is not None:
            con.execute(f"DROP VIEW IF EXISTS {pinyin}")
        for name, table in reversed(views):
            unregister_input(con, name, table)
    return replace(result, seconds=time.perf_counter() - started)
