"""The compute engines: the same SQL on DuckDB (embedded default) and on Spark (local mode here, a cluster in
production). SQL is written once in a DuckDB dialect subset; for Spark it is transpiled with SQLGlot.

    engine = get_engine("duckdb")          # or "spark"
    engine.register("links", arrow_table)
    result = engine.sql("SELECT … FROM links …")   # an Arrow table either way
"""

from __future__ import annotations

import os
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import sqlglot


class Engine(Protocol):
    name: str

    def register(self, name: str, table: pa.Table) -> None: ...

    def sql(self, query: str) -> pa.Table: ...


def to_spark_sql(query: str) -> str:
    """The DuckDB-dialect query as Spark SQL (raises sqlglot's ParseError on SQL outside the subset)."""
    return ";\n".join(sqlglot.transpile(query, read="duckdb", write="spark"))


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, connection: duckdb.DuckDBPyConnection | None = None):
        self.connection = connection or duckdb.connect()

    def register(self, name: str, table: pa.Table) -> None:
        self.connection.register(name, table)

    def sql(self, query: str) -> pa.Table:
        return self.connection.sql(query).to_arrow_table()


_SPARK: Any = None


def spark_session() -> Any:
    """One local session per process: one core's worth of partitions, no UI, bound to the loopback only."""
    global _SPARK
    if _SPARK is None:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        from pyspark.sql import SparkSession

        _SPARK = (
            SparkSession.builder.master(os.environ.get("MINZHENG_SPARK_MASTER", "local[2]"))
            .appName("minzheng")
            .config("spark.ui.enabled", "false")
            # the driver is the whole cluster in local mode: give it room for a city's month
            .config("spark.driver.memory", os.environ.get("MINZHENG_SPARK_MEMORY", "6g"))
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.session.timeZone", "Asia/Shanghai")
            .config("spark.sql.ansi.enabled", "false")
            .getOrCreate()
        )
        _SPARK.sparkContext.setLogLevel("ERROR")
    return _SPARK


class SparkEngine:
    name = "spark"

    def __init__(self) -> None:
        self.session = spark_session()

    def register(self, name: str, table: pa.Table) -> None:
        self.session.createDataFrame(table).createOrReplaceTempView(name)

    def sql(self, query: str) -> pa.Table:
        return self.session.sql(to_spark_sql(query)).toArrow()


def get_engine(name: str) -> Engine:
    if name == "duckdb":
        return DuckDBEngine()
    if name == "spark":
        return SparkEngine()
    raise ValueError(f"未知的计算引擎：{name}（可选 duckdb、spark）")
