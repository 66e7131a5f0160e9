"""Bulk insert of Arrow tables into the record plane: ``COPY`` on PostgreSQL, ``executemany`` on SQLite.

The record plane never loops over all households in Python; results computed in the compute plane come
back through here, many thousand rows per statement, inside the caller's transaction.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection
from django.db.models import Model

ProgressCallback = Callable[[int], None]

_CHUNK_ROWS = 100_000


def _column_names(model: type[Model]) -> dict[str, str]:
    """Attribute name → database column for every concrete field (``region`` → ``region_id``)."""
    return {f.attname: f.column for f in model._meta.concrete_fields}


def _prepare_for_sqlite(table: pa.Table) -> pa.Table:
    """sqlite3 has no adapters for Arrow's date and decimal values: store them as Django does (ISO text)."""
    columns = []
    for field in table.schema:
        column = table.column(field.name)
        if pa.types.is_dictionary(field.type):
            # to_pylist on a dictionary column builds each value through a scalar: 15× slower
            column = pc.cast(column, field.type.value_type)
            field = pa.field(field.name, field.type.value_type)
        if pa.types.is_timestamp(field.type):
            # Django's SQLite format for aware datetimes: UTC, no offset ("2023-06-30 01:02:03.000000").
            column = pc.strftime(pc.cast(column, pa.timestamp("us", tz="UTC")), "%Y-%m-%d %H:%M:%S")
        elif pa.types.is_date(field.type) or pa.types.is_decimal(field.type):
            column = pc.cast(column, pa.string())
        elif pa.types.is_boolean(field.type):
            column = pc.cast(column, pa.int8())
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def bulk_insert(model: type[Model], table: pa.Table, *, progress: ProgressCallback | None = None) -> int:
    """Insert every row of ``table`` (columns named as the model's attnames) into ``model``'s table."""
    names = _column_names(model)
    unknown = [c for c in table.column_names if c not in names]
    if unknown:
        raise ValueError(f"{model.__name__} 没有这些列：{unknown}")
    db_table = connection.ops.quote_name(model._meta.db_table)
    columns = [names[c] for c in table.column_names]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    if table.num_rows == 0:
        return 0
    if connection.vendor == "postgresql":
        _copy_postgresql(db_table, quoted, table, progress)
    else:
        _executemany(db_table, quoted, len(columns), _prepare_for_sqlite(table), progress)
    return table.num_rows


def _copy_postgresql(db_table: str, quoted: str, table: pa.Table, progress: ProgressCallback | None) -> None:
    # Every valid value quoted, nulls left bare: COPY … CSV reads a bare empty field as NULL and a quoted
    # one as an empty string, which keeps the two apart.
    options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {db_table} ({quoted}) FROM STDIN WITH (FORMAT csv)") as copy:
            for offset in range(0, table.num_rows, _CHUNK_ROWS):
                buffer = io.BytesIO()
                pacsv.write_csv(table.slice(offset, _CHUNK_ROWS), buffer, write_options=options)
                copy.write(buffer.getvalue())
                if progress is not None:
                    progress(min(offset + _CHUNK_ROWS, table.num_rows))


def _executemany(
    db_table: str, quoted: str, width: int, table: pa.Table, progress: ProgressCallback | None
) -> None:
    sql = f"INSERT INTO {db_table} ({quoted}) VALUES ({', '.join('?' * width)})"
    connection.ensure_connection()
    raw = connection.connection  # the sqlite3 connection, inside Django's current transaction
    assert raw is not None
    for offset in range(0, table.num_rows, _CHUNK_ROWS):
        chunk = table.slice(offset, _CHUNK_ROWS)
        rows = zip(*(chunk.column(i).to_pylist() for i in range(chunk.num_columns)), strict=True)
        raw.executemany(sql, rows)
        if progress is not None:
            progress(min(offset + _CHUNK_ROWS, table.num_rows))


def bulk_delete(model: type[Model], ids: pa.Array | pa.ChunkedArray) -> int:
    """Delete the rows of ``model`` whose primary key is in ``ids``, many thousand per statement."""
    if len(ids) == 0:
        return 0
    db_table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    values = pc.cast(ids, pa.int64()).to_pylist()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for offset in range(0, len(values), _CHUNK_ROWS):
                cursor.execute(
                    f"DELETE FROM {db_table} WHERE {pk} = ANY(%s)", [values[offset : offset + _CHUNK_ROWS]]
                )
        else:
            raw = connection.connection
            assert raw is not None
            raw.executemany(f"DELETE FROM {db_table} WHERE {pk} = ?", ((value,) for value in values))
    return len(values)


def reset_sequences(*models: type[Model]) -> None:
    """After inserting explicit ids, move PostgreSQL's sequences past them (SQLite needs nothing)."""
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
