"""register_input: a Parquet dataset of the lake is read by DuckDB's own reader, a table in place."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from minzheng.compute.snapshot import input_rows, register_input, unregister_input

TABLE = pa.table({"record_id": ["a", "b", "c"], "id_key": [1, 2, 3]})


def test_a_parquet_dataset_becomes_a_view_over_its_files(tmp_path):
    # given
    pq.write_table(TABLE, tmp_path / "it's.parquet")  # a quote in the path is escaped
    dataset = ds.dataset(tmp_path / "it's.parquet", format="parquet")
    con = duckdb.connect()

    # when
    register_input(con, "source", dataset)

    # then
    assert con.sql("SELECT sum(id_key) FROM source WHERE record_id <> 'a'").fetchall() == [(5,)]
    assert con.sql("SELECT count(*) FROM duckdb_views() WHERE view_name = 'source'").fetchall() == [(1,)]
    assert input_rows(dataset) == 3
    unregister_input(con, "source", dataset)
    assert con.sql("SELECT count(*) FROM duckdb_views() WHERE view_name = 'source'").fetchall() == [(0,)]


def test_an_arrow_table_is_registered_as_it_is():
    con = duckdb.connect()

    register_input(con, "source", TABLE)

    assert con.sql("SELECT count(*) FROM source").fetchall() == [(3,)]
    assert input_rows(TABLE) == 3
    unregister_input(con, "source", TABLE)
    assert "source" not in {row[0] for row in con.sql("SHOW TABLES").fetchall()}
