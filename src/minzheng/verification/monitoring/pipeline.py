"""Running the monitoring rules on DuckDB: the categories and the warnings of a period as Arrow tables
(``actions.do_load_monitoring`` writes them back in bulk). ``spark_steps`` gives the same steps for Spark.

The inputs are the registry snapshot, the period's departmental sources with their links and, for 收入下降,
the earlier period's income sources as ``pensions_prev``, ``housing_fund_prev``, ``tax_prev`` (no links:
the rules join them on the exact ID key; ``verification.pipeline.read_earlier_income`` reads them).

``counting`` is the finding rules' profile: income is counted, and the property of 低保边缘 and 刚性支出
households tested, with its kinds and limits (its defaults when not given, as the finding rules use)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from minzheng.verification.findings.profile import FindingsProfile
from minzheng.verification.findings.sqlkit import StepLog, register_inputs, run_steps

from .profile import MonitoringProfile
from .rules import MonitoringContext, monitoring_steps

CATEGORIES_SCHEMA = pa.schema(
    [
        ("period", pa.string()),
        ("person_id", pa.int64()),
        ("household_id", pa.int64()),
        ("region_code", pa.string()),
        ("category", pa.string()),
        ("layer", pa.int16()),
        ("basis", pa.string()),
    ]
)
WARNINGS_SCHEMA = pa.schema(
    [
        ("period", pa.string()),
        ("person_id", pa.int64()),
        ("household_id", pa.int64()),
        ("region_code", pa.string()),
        ("signal", pa.string()),
        ("level", pa.string()),
        ("route", pa.string()),
        ("detail", pa.string()),
    ]
)


@dataclass(frozen=True)
class MonitoringResult:
    categories: pa.Table
    warnings: pa.Table


def compute_monitoring(
    tables: Mapping[str, pa.Table],
    *,
    period: str,
    as_of: datetime.date,
    profile: MonitoringProfile | None = None,
    counting: FindingsProfile | None = None,
    debug: StepLog | None = None,
) -> MonitoringResult:
    context = MonitoringContext(
        profile or MonitoringProfile(), period, as_of, frozenset(tables), counting or FindingsProfile()
    )
    con = duckdb.connect()
    try:
        register_inputs(con, tables)
        run_steps(con, monitoring_steps(context), debug=debug)
        categories = con.sql("SELECT * FROM person_categories ORDER BY person_id").to_arrow_table()
        warnings = con.sql("SELECT * FROM warnings ORDER BY person_id, signal").to_arrow_table()
    finally:
        con.close()
    return MonitoringResult(
        categories.select(CATEGORIES_SCHEMA.names).cast(CATEGORIES_SCHEMA),
        warnings.select(WARNINGS_SCHEMA.names).cast(WARNINGS_SCHEMA),
    )


def spark_steps(
    available: frozenset[str],
    *,
    period: str,
    as_of: datetime.date,
    profile: MonitoringProfile | None = None,
    counting: FindingsProfile | None = None,
) -> list[tuple[str, str, dict[str, object]]]:
    context = MonitoringContext(
        profile or MonitoringProfile(), period, as_of, available, counting or FindingsProfile()
    )
    return [(step.name, step.spark_sql(), dict(step.params)) for step in monitoring_steps(context)]
