"""Snapshots of the record plane for the compute plane: a query's rows as an Arrow table, set-based.

PostgreSQL streams ``COPY (query) TO STDOUT`` as CSV into Arrow's CSV reader; SQLite returns rows through
the DB-API in large batches. Either way no model object is built per row.
"""

from __future__ import annotations

import io
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from django.db import connection


def query_arrow(sql: str, params: list[Any], schema: pa.Schema) -> pa.Table:
    """Run ``sql`` (``%s`` placeholders) and return its rows typed by ``schema`` (column order = select order)."""
    if connection.vendor == "postgresql":
        return _copy_postgresql(sql, params, schema)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
    arrays = [_array(values, field.type) for values, field in zip(columns, schema, strict=True)]
    return pa.Table.from_arrays(arrays, schema=schema)


def _array(values: Any, type_: pa.DataType) -> pa.Array:
    if pa.types.is_date(type_):
        # SQLite hands dates back as ISO text.
        return (
            pa.array(values, pa.string()).cast(type_)
            if values and isinstance(values[0], str)
            else pa.array(values, type_)
        )
    if pa.types.is_decimal(type_):
        return pa.array([None if v is None else str(v) for v in values], pa.string()).cast(type_)
    if pa.types.is_boolean(type_):
        return pa.array([None if v is None else bool(v) for v in values], type_)
    return pa.array(values, type_)


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
