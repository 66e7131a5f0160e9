"""The check every compute step passes: one SQL text for DuckDB and Spark (see test_transpile)."""

from __future__ import annotations

import re

import sqlglot

from minzheng.verification.findings.sqlkit import SqlStep, to_spark


def check_portable(step: SqlStep) -> None:
    """The step transpiles through SQLGlot and parses back as Spark SQL, keeps to the agreed subset (no
    DuckDB casts, no QUALIFY, parameters in Spark's form), and binds exactly the parameters it declares."""
    spark = to_spark(step.sql)
    assert sqlglot.parse_one(spark, read="spark") is not None
    assert "::" not in step.sql
    assert "QUALIFY" not in step.sql.upper()
    assert "$" not in spark
    assert set(re.findall(r":([a-z][a-z0-9_]*)", spark)) == set(step.params)
    assert set(re.findall(r"\$([a-z][a-z0-9_]*)", step.sql)) == set(step.params)
