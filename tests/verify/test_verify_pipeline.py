"""`minzheng verify` end to end on a small synthetic city: snapshot → lake → links → findings → tasks →
monitoring; re-running the month opens no new task; the finding and monitoring SQL give the same rows on
DuckDB and on Spark local mode."""

from __future__ import annotations

import datetime
import importlib.util

import duckdb
import pytest
from django.core.management import call_command

from minzheng.verification.matching.pipeline import link_source
from minzheng.verification.models import Finding, VisitTask
from minzheng.verification.pipeline import _findings, _monitoring, read_lake, run_verify, snapshot_registry

PERIOD, AS_OF = "2023-06", datetime.date(2023, 6, 30)


@pytest.mark.django_db(transaction=True)
def test_a_month_runs_end_to_end_and_running_it_again_opens_no_new_task(small_city):
    # when
    first = run_verify(PERIOD, lake_dir=small_city, fuzzy=False)
    # then every stage ran and each new finding has its task
    assert set(first.stage_seconds) == {
        "登记库快照",
        "读取部门数据",
        "数据比对",
        "比对规则",
        "载入发现与任务",
        "低收入人口监测",
        "反馈信息核对",
    }
    assert first.verification_answers == 0  # no case asked for a 信息核对
    assert first.findings > 0 and first.new_tasks == first.new_findings == Finding.objects.count()
    assert VisitTask.objects.count() == first.new_tasks
    assert first.categories > 0
    # when the same month runs again on the same evidence
    again = run_verify(PERIOD, lake_dir=small_city, fuzzy=False)
    assert again.findings == first.findings
    assert (again.new_findings, again.new_tasks) == (0, 0)
    assert VisitTask.objects.count() == first.new_tasks


@pytest.mark.django_db(transaction=True)
def test_the_command_prints_the_summary(small_city, capsys):
    call_command("verify", "--month", PERIOD, "--lake", str(small_city), "--no-fuzzy")
    out = capsys.readouterr().out
    assert "比对发现（本期）" in out and "新发现 / 新走访任务" in out
    assert "反馈信息核对申请" in out


@pytest.mark.django_db(transaction=True)
def test_verify_makes_a_missing_register_index_once(small_city, capsys):
    from minzheng.verification.matching.population import load_population_index

    # given: a lake whose 户籍 came without its matching index (written directly, not ingested)
    assert load_population_index(small_city, PERIOD) is None
    # when
    call_command("verify", "--month", PERIOD, "--lake", str(small_city))
    first = capsys.readouterr().out
    call_command("verify", "--month", PERIOD, "--lake", str(small_city))
    again = capsys.readouterr().out
    # then: the first run made it, the second read it
    index = load_population_index(small_city, PERIOD)
    assert index is not None
    assert f"{index.people:,} 人，本次生成" in first
    assert f"{index.people:,} 人，已是最新" in again


@pytest.mark.spark
@pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="pyspark 未安装")
@pytest.mark.django_db(transaction=True)
def test_findings_and_monitoring_are_the_same_on_duckdb_and_spark(small_city):
    tables = snapshot_registry(AS_OF)
    con = duckdb.connect()
    for name, source in read_lake(small_city, PERIOD).items():
        tables[name] = source
        tables[f"{name}_links"] = link_source(con, name, source, tables["people"], fuzzy=False).links
    on_duckdb = _findings(tables, "duckdb", period=PERIOD, as_of=AS_OF)
    on_spark = _findings(tables, "spark", period=PERIOD, as_of=AS_OF)
    assert on_duckdb.num_rows > 0
    assert on_spark.to_pylist() == on_duckdb.to_pylist()
    categories_d, warnings_d = _monitoring(tables, "duckdb", period=PERIOD, as_of=AS_OF)
    categories_s, warnings_s = _monitoring(tables, "spark", period=PERIOD, as_of=AS_OF)
    assert categories_s.to_pylist() == categories_d.to_pylist()
    assert warnings_s.to_pylist() == warnings_d.to_pylist()
