"""``minzheng verify``: one month's 线上数据比对 from the registry snapshot to the field-visit tasks.

Stages, each set-based: snapshot the registry (people, entitlements in force, household means) → read the
month's departmental datasets from the lake (Parquet datasets that DuckDB scans in place, column by
column) → link each source to the registry (exact on the 64-bit ID key; one Splink fuzzy step for every
source's unusable IDs, against the population register 户籍 when the lake has it, through its matching
index made when it was ingested: matching/population.py) → the finding rules →
load the findings (one 走访 task per new finding; the same evidence opens no second task) → 低收入人口
categories and warnings.

``engine="spark"`` runs the finding and monitoring SQL on Spark with the same statements (transpiled by
SQLGlot); linking runs on DuckDB either way (Splink's DuckDB backend; its Spark backend is for a province).
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds

from minzheng.accounts.models import User
from minzheng.assistance.payroll.compute import month_end, standards_in_force
from minzheng.compute.snapshot import parquet_files, query_arrow_many

Progress = Callable[[str, int, int], None]

MEMBERS_SQL = """
    SELECT m.person_id, m.household_id, m.is_cohabiting FROM registry_membership m
    WHERE m.valid_from <= %s AND (m.valid_to IS NULL OR m.valid_to >= %s)
"""
PERSONS_SQL = "SELECT p.id, p.id_number, p.name, p.birth_date FROM registry_person p"
HOUSEHOLDS_SQL = "SELECT h.id, h.region_id, h.urban_rural FROM registry_household h"
"""The people of the snapshot come from three plain reads joined in DuckDB: a third faster on SQLite than
SQLite's own join (600k rows), whose row-by-row lookups cost more than the rows they save."""
PEOPLE_SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("household_id", pa.int64()),
        ("id_number", pa.string()),
        ("name", pa.string()),
        ("birth_date", pa.date32()),
        ("region_code", pa.string()),
        ("urban_rural", pa.string()),
        ("is_cohabiting", pa.bool_()),
    ]
)
ENTITLEMENTS_SQL = """
    SELECT person_id, household_id, scheme FROM assistance_entitlement
    WHERE status = 'active' AND start_month <= %s AND (end_month IS NULL OR end_month >= %s)
"""
INCOME_SQL = """
    SELECT i.household_id, i.person_id, i.monthly_amount FROM registry_income i
    WHERE i.counted AND i.valid_from <= %s AND (i.valid_to IS NULL OR i.valid_to >= %s)
"""


def snapshot_registry(as_of: datetime.date) -> dict[str, pa.Table]:
    """The registry as the rules see it on ``as_of``: three Arrow tables, built from five reads."""
    field = PEOPLE_SCHEMA.field
    month = as_of.replace(day=1)
    members, persons, households, entitlements, incomes = query_arrow_many(
        [
            (
                MEMBERS_SQL,
                [as_of, as_of],
                pa.schema([field("person_id"), field("household_id"), field("is_cohabiting")]),
            ),
            (
                PERSONS_SQL,
                [],
                pa.schema([field("person_id"), field("id_number"), field("name"), field("birth_date")]),
            ),
            (
                HOUSEHOLDS_SQL,
                [],
                pa.schema([field("household_id"), field("region_code"), field("urban_rural")]),
            ),
            (
                ENTITLEMENTS_SQL,
                [month, month],
                pa.schema([("person_id", pa.int64()), ("household_id", pa.int64()), ("scheme", pa.string())]),
            ),
            (
                INCOME_SQL,
                [as_of, as_of],
                pa.schema(
                    [
                        ("household_id", pa.int64()),
                        ("person_id", pa.int64()),
                        ("monthly_amount", pa.decimal128(12, 2)),
                    ]
                ),
            ),
        ]
    )
    con = duckdb.connect()
    for name, table in (("members", members), ("persons", persons), ("households", households)):
        con.register(name, table)
    columns = ", ".join(PEOPLE_SCHEMA.names)
    # the 64-bit join key: the first 17 digits of the ID number
    people = con.sql(
        f"""
        SELECT {columns}, CAST(substr(id_number, 1, 17) AS BIGINT) AS id_key
        FROM members JOIN persons USING (person_id) JOIN households USING (household_id)
        ORDER BY person_id
        """
    ).to_arrow_table()
    del members, persons, households
    con.register("people", people)
    con.register("incomes", incomes)
    places = con.sql("SELECT DISTINCT region_code, urban_rural FROM people ORDER BY ALL").fetchall()
    standards = standards_in_force(places, month_end(month))
    con.register("std", standards.table)
    means = con.sql(
        """
        WITH members AS (
            SELECT household_id, any_value(region_code) AS region_code, any_value(urban_rural) AS urban_rural,
                   count(*) FILTER (WHERE is_cohabiting) AS persons
            FROM people GROUP BY household_id
        ),
        income AS (
            SELECT i.household_id, sum(i.monthly_amount) AS net
            FROM incomes i LEFT JOIN people p ON p.person_id = i.person_id
            WHERE i.person_id IS NULL OR coalesce(p.is_cohabiting, FALSE)
            GROUP BY i.household_id
        )
        SELECT m.household_id, m.persons, CAST(coalesce(i.net, 0) AS DECIMAL(12, 2)) AS net_monthly_income,
               s.dibao_monthly AS standard
        FROM members m LEFT JOIN income i USING (household_id)
        JOIN std s ON s.region_code = m.region_code AND s.urban_rural = m.urban_rural
        """
    ).to_arrow_table()
    return {"people": people, "entitlements": entitlements, "household_means": means}


def read_lake(lake_dir: Path, period: str) -> dict[str, ds.Dataset]:
    """Every departmental dataset of the period present in the lake (hukou and the truth file excluded).

    Datasets, not tables: nothing is read until a query scans them, and then only the columns it
    uses (30M rows a month, of which each step reads a few columns).
    """
    from minzheng.verification.lake.contracts import DEPARTMENT_SOURCES
    from minzheng.verification.lake.storage import dataset_path

    tables = {}
    for name in DEPARTMENT_SOURCES:
        path = dataset_path(lake_dir, name, period)
        if path.exists():
            tables[name] = ds.dataset(path, format="parquet")
    return tables


def read_earlier_income(lake_dir: Path, period: str, months: int | None = None) -> dict[str, ds.Dataset]:
    """The income sources (养老金与社保缴费, 公积金, 个税) of the earlier period that 收入下降 compares with —
    ``months`` before ``period``, by default the monitoring profile's look-back (the previous month) — as
    ``<source>_prev`` datasets. A source the lake does not hold for that period is left out, and the
    monitoring then leaves it out of the comparison."""
    from minzheng.verification.lake.storage import dataset_path
    from minzheng.verification.monitoring.profile import MonitoringProfile
    from minzheng.verification.monitoring.rules import INCOME_SOURCES, earlier_period, earlier_table

    if months is None:
        months = MonitoringProfile().income_drop_lookback_months.value
    earlier = earlier_period(period, months)
    tables = {}
    for source in INCOME_SOURCES:
        path = dataset_path(lake_dir, source, earlier)
        if path.exists():
            tables[earlier_table(source)] = ds.dataset(path, format="parquet")
    return tables


@dataclass
class VerifyReport:
    period: str
    engine: str
    stage_seconds: dict[str, float] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)
    exact_links: dict[str, int] = field(default_factory=dict)
    fuzzy_links: dict[str, int] = field(default_factory=dict)
    fuzzy_candidates: int = 0
    findings: int = 0
    new_findings: int = 0
    new_tasks: int = 0
    categories: int = 0
    warnings: int = 0
    verification_answers: int = 0
    """Pending 信息核对 requests answered by the run."""
    extra: dict[str, Any] = field(default_factory=dict)  # the loads' results and the findings table

    @property
    def seconds(self) -> float:
        return sum(self.stage_seconds.values())


def run_verify(
    period: str,
    *,
    lake_dir: Path,
    engine: str = "duckdb",
    fuzzy: bool = True,
    acting_user: User | None = None,
    progress: Progress | None = None,
) -> VerifyReport:
    from minzheng.verification.actions import do_load_findings, do_load_monitoring, open_run
    from minzheng.verification.feed import answer_pending_requests
    from minzheng.verification.lake.storage import check_period, dataset_path
    from minzheng.verification.matching.pipeline import link_sources
    from minzheng.verification.matching.population import prepare_population_index
    from minzheng.verification.matching.resolution import prepare_resolutions

    check_period(period)
    year, month = (int(p) for p in period.split("-"))
    as_of = month_end(datetime.date(year, month, 1))
    report = VerifyReport(period=period, engine=engine)
    stages = [
        "登记库快照",
        "读取部门数据",
        "数据比对",
        "比对规则",
        "载入发现与任务",
        "低收入人口监测",
        "反馈信息核对",
    ]

    def stage(index: int, name: str, started: float) -> None:
        report.stage_seconds[name] = time.perf_counter() - started
        if progress is not None:
            progress("核对流程", index, len(stages))

    started = time.perf_counter()
    tables: dict[str, pa.Table | ds.Dataset] = snapshot_registry(as_of)
    stage(1, stages[0], started)

    started = time.perf_counter()
    sources = read_lake(lake_dir, period)
    earlier = read_earlier_income(lake_dir, period)  # read by the monitoring only (收入下降)
    stage(2, stages[1], started)

    started = time.perf_counter()
    con = duckdb.connect()
    # the 户籍's matching index, made when the register was ingested (rebuilt here if missing or stale)
    prepared = prepare_population_index(lake_dir, period) if fuzzy else None
    if prepared is not None:
        report.extra["population_index"] = prepared
    population = prepared.index if prepared is not None else None
    # the records with an unusable ID, resolved against the register when they arrived (made here if not)
    resolutions = None
    if population is not None:
        resolved = prepare_resolutions(lake_dir, period, population, tuple(sources))
        report.extra["resolutions"] = resolved
        resolutions = resolved.resolutions
    carry = _carried_columns(sources) if engine == "duckdb" else None
    linked = link_sources(
        con,
        sources,
        tables["people"],
        fuzzy=fuzzy,
        population=population,
        carry=carry,
        resolutions=resolutions,
    )
    for name, source in sources.items():
        result = linked.results[name]
        tables[name] = source
        tables[f"{name}_links"] = result.links
        report.records[name] = result.stats.records
        report.exact_links[name] = result.stats.exact_links
        report.fuzzy_links[name] = result.stats.fuzzy_links
    report.extra["link_stats"] = {name: result.stats for name, result in linked.results.items()}
    report.fuzzy_candidates = linked.fuzzy_candidates_scored
    stage(3, stages[2], started)

    started = time.perf_counter()
    if engine == "duckdb":
        # what the findings and the monitoring both read (<source>_linked, person_context), made once
        tables.update(_linked_tables(tables, linked.results))
        tables.update(_shared_tables(tables, period=period, as_of=as_of))
    findings = _findings(tables, engine, period=period, as_of=as_of)
    report.findings = findings.num_rows
    report.extra["findings_table"] = findings
    stage(4, stages[3], started)

    # On DuckDB the monitoring is computed while the findings are written: the computation is DuckDB's
    # (both cores, no database), the load is the record plane's (one core); nothing the one reads the
    # other writes. On Spark the two stay in turn (one session, driven from this thread).
    monitoring_inputs = {**tables, **earlier}
    executor = ThreadPoolExecutor(max_workers=1) if engine == "duckdb" else None
    try:
        pending_monitoring = (
            executor.submit(_monitoring, monitoring_inputs, engine, period=period, as_of=as_of)
            if executor is not None
            else None
        )
        started = time.perf_counter()
        run = open_run(period=period, engine=engine, acting_user=acting_user)
        loaded = do_load_findings(run, findings, acting_user=acting_user)
        report.new_findings, report.new_tasks = loaded.new_findings, loaded.tasks_created
        report.extra["load"] = loaded
        stage(5, stages[4], started)

        started = time.perf_counter()
        if pending_monitoring is not None:
            categories, warnings = pending_monitoring.result()
        else:
            categories, warnings = _monitoring(monitoring_inputs, engine, period=period, as_of=as_of)
    finally:
        if executor is not None:
            executor.shutdown(wait=True)
    monitoring = do_load_monitoring(period, categories, warnings, acting_user=acting_user)
    report.categories, report.warnings = categories.num_rows, warnings.num_rows
    report.extra["monitoring"] = monitoring
    stage(6, stages[5], started)

    started = time.perf_counter()
    # the township's pending 信息核对 requests, answered from this month's links (verification/feed.py)
    register = dataset_path(lake_dir, "hukou", period)
    feed_tables = dict(tables)
    if register.exists():
        feed_tables["hukou"] = ds.dataset(register, format="parquet")
    answers = answer_pending_requests(feed_tables, period=period, acting_user=acting_user)
    report.verification_answers = answers.answered
    report.extra["verification_answers"] = answers
    stage(7, stages[6], started)
    return report


def _carried_columns(sources: Mapping[str, ds.Dataset]) -> dict[str, tuple[str, ...]]:
    """Per source, the columns its exact join brings out for the rules (findings.rules.LINKED_COLUMNS)."""
    from minzheng.verification.findings.rules import LINKED_COLUMNS

    return {name: LINKED_COLUMNS[name] for name in sources if name in LINKED_COLUMNS}


def _linked_tables(
    tables: Mapping[str, pa.Table | ds.Dataset], results: Mapping[str, Any]
) -> dict[str, pa.Table]:
    """``<source>_linked`` (findings.rules.linked_table_sql) from the linking step's own output: the exact
    links with the columns their join carried, and the fuzzy links' records (found in the lake's first
    row groups). The 20M deposits are scanned once, by the exact join."""
    from minzheng.verification.findings.rules import linked_table_sql
    from minzheng.verification.findings.sqlkit import register_inputs

    made: dict[str, pa.Table] = {}
    for name, result in results.items():
        carried = result.exact_carried
        if carried is None:
            continue
        exact = result.links.slice(0, carried.num_rows)  # the exact links come first, in join order
        part = carried.drop_columns(["person_id"])
        for column in ("person_id", "method", "match_weight", "match_probability"):
            part = part.append_column(f"link_{column}", exact[column])
        step = linked_table_sql(name, fuzzy_only=True)
        con = duckdb.connect()
        try:
            register_inputs(con, {name: tables[name], f"{name}_links": result.links, "exact_part": part})
            made[step.name] = con.sql(f"SELECT * FROM exact_part UNION ALL {step.sql}").to_arrow_table()
        finally:
            con.close()
    return made


def _shared_tables(
    tables: Mapping[str, pa.Table | ds.Dataset], *, period: str, as_of: datetime.date
) -> dict[str, pa.Table]:
    """The tables of findings.rules.shared_steps, on DuckDB: given to the findings and the monitoring, which
    then skip those steps (the deposits' 20 million records are scanned for their links once, not twice)."""
    from minzheng.verification.findings.profile import FindingsProfile
    from minzheng.verification.findings.rules import FindingContext, shared_steps
    from minzheng.verification.findings.sqlkit import register_inputs, run_steps

    steps = shared_steps(FindingContext(FindingsProfile(), period, as_of, frozenset(tables)))
    con = duckdb.connect()
    try:
        register_inputs(con, tables)
        run_steps(con, steps)
        return {step.name: con.sql(f"SELECT * FROM {step.name}").to_arrow_table() for step in steps}
    finally:
        con.close()


def _findings(tables: Mapping[str, pa.Table], engine: str, *, period: str, as_of: datetime.date) -> pa.Table:
    from minzheng.verification.findings.pipeline import FINDINGS_SCHEMA, compute_findings, spark_steps

    if engine == "duckdb":
        return compute_findings(tables, period=period, as_of=as_of)
    steps = spark_steps(frozenset(tables), period=period, as_of=as_of)
    result = _run_on_spark(
        tables, steps, "SELECT * FROM findings ORDER BY finding_code, person_id, record_id"
    )
    return result.select(FINDINGS_SCHEMA.names).cast(FINDINGS_SCHEMA)


def _monitoring(
    tables: Mapping[str, pa.Table], engine: str, *, period: str, as_of: datetime.date
) -> tuple[pa.Table, pa.Table]:
    from minzheng.verification.monitoring.pipeline import (
        CATEGORIES_SCHEMA,
        WARNINGS_SCHEMA,
        compute_monitoring,
        spark_steps,
    )

    if engine == "duckdb":
        result = compute_monitoring(tables, period=period, as_of=as_of)
        return result.categories, result.warnings
    steps = spark_steps(frozenset(tables), period=period, as_of=as_of)
    categories = _run_on_spark(tables, steps, "SELECT * FROM person_categories ORDER BY person_id")
    warnings = _run_spark_query("SELECT * FROM warnings ORDER BY person_id, signal")
    return (
        categories.select(CATEGORIES_SCHEMA.names).cast(CATEGORIES_SCHEMA),
        warnings.select(WARNINGS_SCHEMA.names).cast(WARNINGS_SCHEMA),
    )


def _run_on_spark(
    tables: Mapping[str, pa.Table], steps: list[tuple[str, str, dict[str, object]]], final: str
) -> pa.Table:
    from minzheng.compute.engines import spark_session

    spark = spark_session()
    for name, table in tables.items():
        # the lake's Parquet files are read by Spark itself; only the tables in memory are sent over
        files = parquet_files(table)
        frame = spark.read.parquet(*files) if files is not None else spark.createDataFrame(table)
        frame.createOrReplaceTempView(name)
    for name, sql, params in steps:
        # cache each step so that later steps do not recompute it
        frame = spark.sql(sql, args=params).cache()
        frame.createOrReplaceTempView(name)
    return _run_spark_query(final)


def _run_spark_query(query: str) -> pa.Table:
    from minzheng.compute.engines import spark_session, to_spark_sql

    return spark_session().sql(to_spark_sql(query)).toArrow()
