"""The builders' SQL, transpiled by SQLGlot, on Spark local mode: the same results as on DuckDB.

Skipped where PySpark is not installed. The session is the process-wide one (it takes seconds to start)
and is left running for the other Spark tests.
"""

from __future__ import annotations

import pytest
import sqlglot

from minzheng.verification.matching import sql
from minzheng.verification.matching.pinyin import pinyin_table

from .test_sql import PEOPLE_FEATURES, RECORD_FEATURES, REGISTRY, SOURCE

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark():
    pyspark_sql = pytest.importorskip(
        "pyspark.sql",
        reason="PySpark is not installed here; the Spark runs come with the Spark engine adapter",
    )
    try:  # the process-wide session of the compute plane, when that module is there
        from minzheng.compute.engines import spark_session
    except ImportError:
        return (
            pyspark_sql.SparkSession.builder.master("local[1]")
            .appName("minzheng-matching-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "1")
            .getOrCreate()
        )
    return spark_session()


def _spark_schema(table):
    from pyspark.sql import types

    spark_types = {
        "string": types.StringType(),
        "int64": types.LongType(),
        "int32": types.IntegerType(),
        "date32[day]": types.DateType(),
    }
    return types.StructType(
        [types.StructField(field.name, spark_types[str(field.type)], True) for field in table.schema]
    )


def _view(spark, name, table):
    # rows as dicts: pandas, which PySpark would use for Arrow input, is not a project dependency
    spark.createDataFrame(table.to_pylist(), schema=_spark_schema(table)).createOrReplaceTempView(name)


def _on_spark(spark, duckdb_sql: str) -> list[tuple]:
    spark_sql = sqlglot.transpile(duckdb_sql, read="duckdb", write="spark")[0]
    return sorted(tuple(row) for row in spark.sql(spark_sql).collect())


def test_exact_links_sql_gives_the_same_links_on_spark(spark):
    # given the tiny registry and source as Spark views
    for name, table in (("registry_people", REGISTRY), ("vehicles", SOURCE)):
        _view(spark, name, table)

    # when
    links = _on_spark(spark, f"SELECT record_id, person_id FROM ({sql.exact_links_sql('vehicles')})")

    # then: what DuckDB gives (tests/matching/test_sql.py)
    assert links == [("R1", 1), ("R2", 2)]


def test_fuzzy_records_and_features_are_the_same_on_spark(spark, con):
    # given the same views on Spark and DuckDB
    pinyin = pinyin_table(SOURCE["name"])
    for name, table in (("registry_people", REGISTRY), ("vehicles", SOURCE), ("pinyin", pinyin)):
        _view(spark, name, table)
        con.register(name, table)
    spark.sql(
        sqlglot.transpile(sql.fuzzy_records_sql("vehicles"), read="duckdb", write="spark")[0]
    ).createOrReplaceTempView("fuzzy")
    con.execute(f"CREATE TABLE fuzzy AS {sql.fuzzy_records_sql('vehicles')}")
    features_sql = sql.record_features_sql("fuzzy", "pinyin")

    # when / then
    assert _on_spark(spark, features_sql) == sorted(con.sql(features_sql).fetchall())


def test_fuzzy_candidates_are_the_same_on_spark(spark, con):
    for name, table in (("records", RECORD_FEATURES), ("people", PEOPLE_FEATURES)):
        _view(spark, name, table)
        con.register(name, table)
    candidates_sql = sql.fuzzy_candidates_sql("records", "people", max_candidates=2)

    assert _on_spark(spark, candidates_sql) == sorted(con.sql(candidates_sql).fetchall())


def test_the_population_steps_are_the_same_on_spark(spark, con):
    from .test_pipeline import POPULATION

    # given: the tiny source and registry, and the population register with a twin outside the registry
    for name, table in (("vehicles", SOURCE), ("registry_people", REGISTRY), ("population", POPULATION)):
        _view(spark, name, table)
        con.register(name, table)
    con.register("pinyin", pinyin_table(POPULATION["name"]))
    _view(spark, "pinyin", pinyin_table(POPULATION["name"]))
    for name, table in (("records", RECORD_FEATURES), ("people", PEOPLE_FEATURES)):
        _view(spark, name, table)
        con.register(name, table)

    # the population index's features and the registry's, made on DuckDB, are the inputs of the compared side
    for name, statement in (
        ("index_features", sql.population_index_features_sql("population", "pinyin")),
        ("registry_features", sql.registry_features_sql("registry_people", "pinyin")),
    ):
        table = con.sql(statement).to_arrow_table()
        _view(spark, name, table)
        con.register(name, table)

    for statement in (
        sql.population_index_features_sql("population", "pinyin"),
        sql.population_features_sql("index_features", "registry_people", "registry_features"),
        sql.population_features_sql(
            "index_features", "registry_people", "registry_features", records="records"
        ),
        sql.population_size_sql("index_features", "registry_people"),
        sql.identifiable_records_sql("records", "people"),
        sql.placed_in_population_sql("vehicles", "population"),
    ):
        # then
        assert _on_spark(spark, statement) == sorted(con.sql(statement).fetchall())
