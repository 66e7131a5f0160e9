"""The same SQL gives the same answer on DuckDB and on Spark local mode."""

from __future__ import annotations

import importlib.util
from decimal import Decimal

import pyarrow as pa
import pytest

from minzheng.compute.engines import get_engine, to_spark_sql

QUERY = """
SELECT s.county, count(*) AS people, sum(CAST(s.amount AS DECIMAL(12, 2))) AS total,
       max(CASE WHEN s.age >= 80 THEN 1 ELSE 0 END) AS has_elderly
FROM people s JOIN counties c ON c.code = s.county
WHERE coalesce(s.amount, 0) > 0
GROUP BY s.county
ORDER BY s.county
"""


def _tables() -> dict[str, pa.Table]:
    people = pa.table(
        {
            "county": ["530602", "530602", "530621", "530621"],
            "amount": pa.array(["100.50", "200.25", None, "50.00"]).cast(pa.decimal128(12, 2)),
            "age": [81, 40, 70, 92],
        }
    )
    counties = pa.table({"code": ["530602", "530621"], "name": ["昭阳区", "鲁甸县"]})
    return {"people": people, "counties": counties}


def _run(engine_name: str) -> list[dict]:
    engine = get_engine(engine_name)
    for name, table in _tables().items():
        engine.register(name, table)
    return engine.sql(QUERY).to_pylist()


def test_the_query_transpiles_to_spark_sql():
    spark_sql = to_spark_sql(QUERY)
    assert "DECIMAL(12, 2)" in spark_sql and "COALESCE" in spark_sql.upper()


def test_duckdb_gives_the_expected_rows():
    assert _run("duckdb") == [
        {"county": "530602", "people": 2, "total": Decimal("300.75"), "has_elderly": 1},
        {"county": "530621", "people": 1, "total": Decimal("50.00"), "has_elderly": 1},
    ]


@pytest.mark.spark
@pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="pyspark 未安装")
def test_spark_gives_the_same_rows_as_duckdb():
    assert _run("spark") == _run("duckdb")
