"""sqlite_arrow: a SQLite file's rows read by ADBC straight into Arrow, typed as query_arrow types them."""

from __future__ import annotations

import datetime
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pyarrow as pa
import pytest

from minzheng.compute.snapshot import sqlite_arrow

SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("name", pa.string()),
        ("born", pa.date32()),
        ("amount", pa.decimal128(12, 2)),
        ("living", pa.bool_()),
    ]
)


@pytest.fixture
def database(tmp_path):
    """3,000 rows whose text column is NULL for the first 2,500 (more than the driver's default batch),
    with amounts stored as SQLite stores a decimal: INTEGER or REAL by value."""
    path = tmp_path / "records.sqlite3"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id integer, name varchar(20), born date, amount decimal, living bool)")
    rows = []
    for i in range(3000):
        amount: float | int = 100 if i % 3 == 0 else (0.1 + 0.2 if i % 3 == 1 else 123.45)
        rows.append(
            (i, f"张{i}" if i >= 2500 else None, f"19{50 + i % 50}-0{1 + i % 9}-1{i % 10}", amount, i % 2)
        )
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", rows)
    con.execute("CREATE TABLE empty (id integer, born date)")
    con.commit()
    con.close()
    return path


def test_rows_come_back_typed_by_the_schema(database):
    table = sqlite_arrow(database, "SELECT id, name, born, amount, living FROM t WHERE id >= %s", [1], SCHEMA)

    assert table.schema == SCHEMA
    assert table.num_rows == 2999
    rows = table.to_pylist()
    assert rows[0] == {
        "id": 1,
        "name": None,
        "born": datetime.date(1951, 2, 11),
        "amount": Decimal("0.30"),  # the REAL 0.30000000000000004, to the cent
        "living": True,
    }
    assert rows[2500]["name"] == "张2501"  # text after 2,500 NULLs is still text
    assert {row["amount"] for row in rows} == {Decimal("100.00"), Decimal("0.30"), Decimal("123.45")}


def test_a_column_null_throughout_is_null_of_its_type(database):
    schema = pa.schema([("id", pa.int64()), ("born", pa.date32()), ("amount", pa.decimal128(12, 2))])

    table = sqlite_arrow(database, "SELECT id, NULL, NULL FROM t", [], schema)

    assert table.schema == schema
    assert table["born"].null_count == 3000
    assert table["amount"].null_count == 3000


def test_no_rows_is_an_empty_table_of_the_schema(database):
    schema = pa.schema([("id", pa.int64()), ("born", pa.date32())])

    table = sqlite_arrow(database, "SELECT id, born FROM empty", [], schema)

    assert table.schema == schema
    assert table.num_rows == 0


def test_concurrent_reads_of_a_wal_database_wait_for_each_other(tmp_path):
    # given: a WAL database nobody else has open, read by four threads at once (query_arrow_many reads
    # two at a time): whoever closes last checkpoints the WAL under a lock the others run into
    path = tmp_path / "wal.sqlite3"
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE t (a integer)")
    con.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(1000)])
    con.commit()
    con.close()
    schema = pa.schema([("a", pa.int64())])

    # when
    with ThreadPoolExecutor(max_workers=4) as pool:
        reads = [pool.submit(sqlite_arrow, path, "SELECT a FROM t", [], schema) for _ in range(100)]
        tables = [read.result() for read in reads]

    # then: every read waited for the lock and got its rows
    assert [table.num_rows for table in tables] == [1000] * 100
