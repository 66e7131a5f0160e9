"""Running the finding rules: register the snapshot and the lake tables on DuckDB, materialise the steps,
return the findings as one Arrow table (then ``actions.do_load_findings`` writes them back in bulk).

On Spark the same steps run as temporary views: ``spark_steps`` gives each step's Spark SQL and
parameters (``spark.sql(sql, args=params).createOrReplaceTempView(name)``).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

import duckdb
import pyarrow as pa

from .codes import FindingCode
from .profile import FindingsProfile
from .rules import FindingContext, findings_steps
from .sqlkit import StepLog, register_inputs, run_steps

FINDINGS_SCHEMA = pa.schema(
    [
        ("finding_code", pa.string()),
        ("person_id", pa.int64()),
        ("household_id", pa.int64()),
        ("source", pa.string()),
        ("period", pa.string()),
        ("record_id", pa.string()),
        ("match_method", pa.string()),
        ("match_weight", pa.float64()),
        ("evidence", pa.string()),
        ("fingerprint", pa.string()),
    ]
)


def compute_findings(
    tables: Mapping[str, pa.Table],
    *,
    period: str,
    as_of: datetime.date,
    profile: FindingsProfile | None = None,
    codes: list[FindingCode] | None = None,
    debug: StepLog | None = None,
) -> pa.Table:
    """Every finding of the period, ordered by code, person and record (deterministic)."""
    context = FindingContext(profile or FindingsProfile(), period, as_of, frozenset(tables))
    con = duckdb.connect()
    try:
        register_inputs(con, tables)
        run_steps(con, findings_steps(context, codes), debug=debug)
        result = con.sql(
            "SELECT * FROM findings ORDER BY finding_code, person_id, record_id"
        ).to_arrow_table()
    finally:
        con.close()
    return result.select(FINDINGS_SCHEMA.names).cast(FINDINGS_SCHEMA)


def spark_steps(
    available: frozenset[str],
    *,
    period: str,
    as_of: datetime.date,
    profile: FindingsProfile | None = None,
) -> list[tuple[str, str, dict[str, object]]]:
    """(view name, Spark SQL, parameters) of every step, for a Spark runner."""
    context = FindingContext(profile or FindingsProfile(), period, as_of, available)
    return [(step.name, step.spark_sql(), dict(step.params)) for step in findings_steps(context)]
