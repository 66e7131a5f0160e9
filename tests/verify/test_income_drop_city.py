"""收入下降 on a small synthetic city: synth writes the previous month of the income sources with planted
changes; ``minzheng verify`` warns on every planted drop and on nothing else, at the planted level and
with the planted figures; the same warnings on Spark."""

from __future__ import annotations

import datetime
import importlib.util

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from minzheng.synth.departments import (
    INCOME_CODES,
    INCOME_SOURCES,
    income_truth_path,
)
from minzheng.verification.evaluate import evaluate_income_drop
from minzheng.verification.matching.pipeline import link_source
from minzheng.verification.models import Warning
from minzheng.verification.pipeline import (
    _monitoring,
    read_earlier_income,
    read_lake,
    run_verify,
    snapshot_registry,
)

PERIOD, PREVIOUS, AS_OF = "2023-06", "2023-05", datetime.date(2023, 6, 30)


@pytest.mark.django_db(transaction=True)
def test_synth_writes_the_previous_month_of_the_income_sources(small_city):
    assert all((small_city / source / PREVIOUS / "data.parquet").exists() for source in INCOME_SOURCES)


def _money(amount) -> str:
    return f"{amount:,.2f}"


@pytest.mark.django_db(transaction=True)
def test_verify_warns_on_every_planted_drop_and_on_nothing_else(small_city):
    # given the planted changes between May and June
    truth = pq.read_table(income_truth_path(small_city, PERIOD))
    assert set(truth.column("code").to_pylist()) == set(INCOME_CODES)
    drops = {row["id_number"]: row for row in truth.to_pylist() if row["code"] == "income_drop"}
    assert any(row["household_without_income"] for row in drops.values())
    assert not all(row["household_without_income"] for row in drops.values())
    # when the month is verified
    report = run_verify(PERIOD, lake_dir=small_city, fuzzy=False)
    # then exactly the planted drops warn
    warnings = {
        number: (level, route, detail)
        for number, level, route, detail in Warning.objects.filter(
            period=PERIOD, signal="income_drop"
        ).values_list("person__id_number", "level", "route", "detail")
    }
    assert set(warnings) == set(drops)
    for number, (level, route, detail) in warnings.items():
        planted = drops[number]
        # 较重 exactly where the household is left with no income
        assert level == ("serious" if planted["household_without_income"] else "general"), number
        assert route in ("deliver", "push", "case_by_case")
        assert detail.startswith(
            f"部门数据月收入由 {_money(planted['previous_monthly'])} 元/月（{PREVIOUS}）降至 "
            f"{_money(planted['current_monthly'])} 元/月（{PERIOD}）"
        ), detail
    # and the evaluation reads the same
    people = snapshot_registry(AS_OF)["people"]
    found = pa.Table.from_pylist(
        [
            {"person_id": person_id, "signal": "income_drop"}
            for person_id in Warning.objects.filter(period=PERIOD, signal="income_drop").values_list(
                "person_id", flat=True
            )
        ]
    )
    score = evaluate_income_drop(found, people, truth)
    assert (score.planted, score.found, score.true_positives) == (len(drops), len(drops), len(drops))
    assert report.warnings >= len(drops)


@pytest.mark.django_db(transaction=True)
def test_a_month_without_its_previous_month_gives_no_income_warning(small_city):
    # given the previous month is not in the lake
    for source in INCOME_SOURCES:
        (small_city / source / PREVIOUS / "data.parquet").unlink()
    assert read_earlier_income(small_city, PERIOD) == {}
    # when
    run_verify(PERIOD, lake_dir=small_city, fuzzy=False)
    # then the other warnings are there, and no 收入下降
    assert Warning.objects.filter(period=PERIOD).exists()
    assert not Warning.objects.filter(signal="income_drop").exists()


@pytest.mark.spark
@pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="pyspark 未安装")
@pytest.mark.django_db(transaction=True)
def test_the_income_warnings_of_the_city_are_the_same_on_spark(small_city):
    tables = snapshot_registry(AS_OF)
    con = duckdb.connect()
    for name, source in read_lake(small_city, PERIOD).items():
        tables[name] = source
        tables[f"{name}_links"] = link_source(con, name, source, tables["people"], fuzzy=False).links
    tables.update(read_earlier_income(small_city, PERIOD))
    _, on_duckdb = _monitoring(tables, "duckdb", period=PERIOD, as_of=AS_OF)
    _, on_spark = _monitoring(tables, "spark", period=PERIOD, as_of=AS_OF)
    assert "income_drop" in on_duckdb.column("signal").to_pylist()
    assert on_spark.to_pylist() == on_duckdb.to_pylist()
