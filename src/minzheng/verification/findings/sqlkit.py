"""Small pieces shared by the compute-plane SQL of findings and monitoring.

The SQL is written once in a subset of DuckDB's dialect that SQLGlot transpiles to Spark SQL: ``CAST(x AS
T)`` (never ``::``), no ``QUALIFY``, no list or DuckDB-only functions, ``$name`` parameters (Spark's
``:name``), ``||`` for text. Each step is one ``SELECT`` (a :class:`SqlStep`): the DuckDB runner turns it
into a temporary table, a Spark runner into a temporary view (``spark.sql(step.spark_sql(), args=...)
.createOrReplaceTempView(step.name)``), so the steps chain by name as in Splink's pipeline. Identifiers
come from a whitelist (:func:`identifier`); values are always parameters.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import sqlglot

from minzheng.compute.snapshot import Input, register_input

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def identifier(name: str) -> str:
    """A table or column name we generate ourselves: lower-case word characters only, never user text."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a safe SQL identifier: {name!r}")
    return name


@dataclass(frozen=True)
class SqlStep:
    """One named ``SELECT`` of a pipeline, with the parameters it uses."""

    name: str
    sql: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        identifier(self.name)

    def spark_sql(self) -> str:
        return to_spark(self.sql)


def to_spark(sql: str) -> str:
    """The same statement in Spark SQL; raises on anything SQLGlot cannot carry over."""
    (spark,) = sqlglot.transpile(
        sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE
    )
    return spark


class Params:
    """Collects the values of one step as ``$name`` parameters (never formatted into the SQL)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, name: str, value: Any) -> str:
        identifier(name)
        if name in self.values and self.values[name] != value:
            raise ValueError(f"parameter {name} given twice with different values")
        self.values[name] = value
        return f"${name}"

    def in_list(self, name: str, values: Sequence[Any]) -> str:
        """``($name_0, $name_1, …)`` for an ``IN``: one parameter per value (no list functions)."""
        if not values:
            return "(NULL)"  # IN (NULL) matches nothing
        return "(" + ", ".join(self.add(f"{name}_{i}", v) for i, v in enumerate(values)) + ")"


def _lpad3(expr: str) -> str:
    return f"lpad(CAST({expr} AS VARCHAR), 3, '0')"


def money_text(column: str, decimals: int = 2) -> str:
    """SQL text of an amount with thousands separators (``35,000`` / ``2,300.00``).

    DuckDB and Spark share no number formatter (``format`` vs ``format_number``), so the groups are cut
    with ``FLOOR`` and ``%`` — portable, and exact for amounts below 10^12 元. ``column`` should be a plain
    column name (the expression repeats it).
    """
    value = f"CAST(ROUND({column}, {decimals}) AS DECIMAL(18, {decimals}))"
    whole = f"CAST(FLOOR({value}) AS BIGINT)"
    groups = f"""CASE
        WHEN {whole} >= 1000000000 THEN CAST(CAST(FLOOR({whole} / 1000000000) AS BIGINT) AS VARCHAR)
            || ',' || {_lpad3(f"CAST(FLOOR({whole} / 1000000) AS BIGINT) % 1000")}
            || ',' || {_lpad3(f"CAST(FLOOR({whole} / 1000) AS BIGINT) % 1000")}
            || ',' || {_lpad3(f"{whole} % 1000")}
        WHEN {whole} >= 1000000 THEN CAST(CAST(FLOOR({whole} / 1000000) AS BIGINT) AS VARCHAR)
            || ',' || {_lpad3(f"CAST(FLOOR({whole} / 1000) AS BIGINT) % 1000")}
            || ',' || {_lpad3(f"{whole} % 1000")}
        WHEN {whole} >= 1000 THEN CAST(CAST(FLOOR({whole} / 1000) AS BIGINT) AS VARCHAR)
            || ',' || {_lpad3(f"{whole} % 1000")}
        ELSE CAST({whole} AS VARCHAR) END"""
    if decimals == 0:
        return f"({groups})"
    cents = f"CAST(ROUND(({value} - FLOOR({value})) * {10**decimals}) AS BIGINT)"
    return f"(({groups}) || '.' || lpad(CAST({cents} AS VARCHAR), {decimals}, '0'))"


def text(column: str) -> str:
    """A column as text in both dialects (empty for NULL)."""
    return f"coalesce(CAST({column} AS VARCHAR), '')"


def case_labels(column: str, labels: Iterable[tuple[str, str]], params: Params, prefix: str) -> str:
    """``CASE column WHEN $p_0 THEN $p_0_label …`` mapping codes to Chinese labels (as parameters)."""
    whens = []
    for i, (value, label) in enumerate(labels):
        whens.append(
            f"WHEN {params.add(f'{prefix}_{i}', value)} THEN {params.add(f'{prefix}_{i}_label', label)}"
        )
    return f"CASE {column} {' '.join(whens)} ELSE {column} END"


# --- running on DuckDB ------------------------------------------------------------------------------------

StepLog = Callable[[str, int, float], None]


def run_steps(
    con: duckdb.DuckDBPyConnection,
    steps: Sequence[SqlStep],
    *,
    debug: StepLog | None = None,
) -> None:
    """Materialise each step as a temporary table named after it, in order. ``debug`` receives (step name,
    rows, seconds) after each one, to follow a pipeline step by step."""
    for step in steps:
        started = time.perf_counter()
        # fetchall() completes the statement: DuckDB 2 refuses new work while a result is pending
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {identifier(step.name)} AS {step.sql}", dict(step.params)
        ).fetchall()
        if debug is not None:
            ((rows,),) = con.execute(f"SELECT COUNT(*) FROM {step.name}").fetchall()
            debug(step.name, int(rows), time.perf_counter() - started)


def register_inputs(con: duckdb.DuckDBPyConnection, tables: Mapping[str, Input]) -> None:
    for name, table in tables.items():
        register_input(con, identifier(name), table)
