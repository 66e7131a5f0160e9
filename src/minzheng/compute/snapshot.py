"""Snapshots of the record plane for the compute plane: a query's rows as an Arrow table, set-based.

PostgreSQL streams ``COPY (query) TO STDOUT`` as CSV into Arrow's CSV reader. SQLite returns plain rows
through its C driver; they become Arrow columns of loose types (SQLite stores a decimal column as INTEGER
or REAL by value, dates as text) and DuckDB casts them to the schema in one pass. No model object is
built per row either way.
"""

from __future__ import annotations

import contextlib
import gc
import io
from collections.abc import Iterator
from typing import Any, TypeAlias, TypeGuard

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.dataset as ds
from django.db import connection


def query_arrow(sql: str, params: list[Any], schema: pa.Schema) -> pa.Table:
    """Run ``sql`` (``%s`` placeholders) and return its rows typed by ``schema`` (column order = select order)."""
    if connection.vendor == "postgresql":
        return _copy_postgresql(sql, params, schema)
    return _sqlite(sql, params, schema)


def _duckdb_type(type_: pa.DataType) -> str:
    if pa.types.is_decimal(type_):
        return f"DECIMAL({type_.precision}, {type_.scale})"
    if pa.types.is_date(type_):
        return "DATE"
    if pa.types.is_boolean(type_):
        return "BOOLEAN"
    if pa.types.is_int32(type_):
        return "INTEGER"
    if pa.types.is_integer(type_):
        return "BIGINT"
    if pa.types.is_floating(type_):
        return "DOUBLE"
    return "VARCHAR"


def _sqlite(sql: str, params: list[Any], schema: pa.Schema) -> pa.Table:
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    # Django's connection converts declared date and bool columns in Python, one call per value (a
    # third of the time on 600k rows); a CAST in an outer query has no declared type, so the values
    # come back as SQLite stores them (ISO text, 0/1) and DuckDB converts them below, column by column.
    names = ", ".join(f"c{i}" for i in range(len(schema)))
    plain = ", ".join(
        f"CAST(c{i} AS TEXT)"
        if pa.types.is_date(f.type) or pa.types.is_timestamp(f.type)
        else f"CAST(c{i} AS INTEGER)"
        if pa.types.is_boolean(f.type)
        else f"c{i}"
        for i, f in enumerate(schema)
    )
    query = f"WITH q({names}) AS ({sql.replace('%s', '?')}) SELECT {plain} FROM q"
    with _no_cyclic_gc():  # millions of row tuples, none of them in a cycle: the collector only rescans them
        rows = raw.execute(query, [str(p) if hasattr(p, "isoformat") else p for p in params]).fetchall()
        columns: list[Any] = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
        del rows
        # Arrow infers each column's loose type: text, int or float (SQLite stores a decimal as either)
        loose = pa.table([pa.array(values) for values in columns], names=schema.names)
        del columns
    casts = []
    for f in schema:
        column = f'"{f.name}"'
        if pa.types.is_decimal(f.type):
            column = f"round({column}, {f.type.scale})"  # a REAL such as 123.45000000000002
        casts.append(f'CAST({column} AS {_duckdb_type(f.type)}) AS "{f.name}"')
    con = duckdb.connect()
    con.register("loose", loose)
    return con.sql(f"SELECT {', '.join(casts)} FROM loose").to_arrow_table().cast(schema)


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _copy_postgresql(sql: str, params: list[Any], schema: pa.Schema) -> pa.Table:
    with connection.cursor() as cursor:
        query = cursor.mogrify(sql, params) if params else sql
        buffer = io.BytesIO()
        with cursor.cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
            for chunk in copy:
                buffer.write(chunk)
    buffer.seek(0)
    if buffer.getbuffer().nbytes == 0:
        return schema.empty_table()
    options = pacsv.ConvertOptions(
        column_types=schema, strings_can_be_null=True, true_values=["t"], false_values=["f"]
    )
    read = pacsv.ReadOptions(column_names=schema.names)
    return pacsv.read_csv(buffer, read_options=read, convert_options=options)


Input: TypeAlias = pa.Table | ds.Dataset
"""What the compute plane reads: an Arrow table in memory, or a Parquet dataset of the lake on disk."""


def register_input(con: duckdb.DuckDBPyConnection, name: str, table: Input) -> None:
    """Make ``table`` queryable as ``name`` on ``con`` without copying it.

    A Parquet dataset becomes a view over DuckDB's own Parquet reader, which reads only the columns
    and row groups a query needs, in parallel: five times faster than scanning it through Arrow's
    dataset API (20M rows joined on the ID key: 0.6 s against 3.2 s). ``name`` must be an identifier
    the caller made.
    """
    if _is_parquet_dataset(table):
        files = ", ".join("'" + path.replace("'", "''") + "'" for path in table.files)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM read_parquet([{files}])")
    else:
        con.register(name, table)


def unregister_input(con: duckdb.DuckDBPyConnection, name: str, table: Input) -> None:
    if _is_parquet_dataset(table):
        con.execute(f"DROP VIEW IF EXISTS {name}")
    else:
        con.unregister(name)


def parquet_files(table: Input) -> list[str] | None:
    """The files of a Parquet dataset of the lake (for an engine that reads them itself), else None."""
    return list(table.files) if _is_parquet_dataset(table) else None


def _is_parquet_dataset(table: Input) -> TypeGuard[ds.FileSystemDataset]:
    return isinstance(table, ds.FileSystemDataset) and table.format.default_extname == "parquet"


def input_rows(table: Input) -> int:
    """Rows of a table or a dataset (a dataset's from its Parquet footers, without reading data)."""
    return table.num_rows if isinstance(table, pa.Table) else int(table.count_rows())
