"""收入下降: a monitored person's monthly income in the departmental data of the period against the same
sources in the earlier period (read on the exact ID key), with its level, route and text; and the same rows
on Spark."""

from __future__ import annotations

import importlib.util
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from minzheng.assistance.domain.params import Confidence, Param
from minzheng.verification.findings.profile import FindingsProfile
from minzheng.verification.monitoring import MonitoringContext, MonitoringProfile, compute_monitoring
from minzheng.verification.monitoring.rules import earlier_period, income_drop_steps

from .portable import check_portable
from .world import AS_OF, PERIOD, exact, links_table, registry_tables, source_table

WAGE, EMPLOYEE_PENSION, BASIC_PENSION = "工资（社保缴费基数）", "城镇职工基本养老金", "城乡居民基础养老金"


def _id_number(person_id: int) -> str:
    # unique in the first 17 digits (the join key), unlike the world's default numbers
    return f"53060219800101{person_id:03d}0"


def _key(person_id: int) -> int:
    return int(_id_number(person_id)[:17])


def _registry(**kwargs: Any) -> dict[str, pa.Table]:
    """The world's registry (households 1 低保, 2 特困, 3 and 5 低保边缘, 4 well off and not monitored, 6),
    with the ID key the snapshot adds."""
    tables = registry_tables(**kwargs)
    rows = [{**row, "id_number": _id_number(row["person_id"])} for row in tables["people"].to_pylist()]
    people = pa.Table.from_pylist(rows, schema=tables["people"].schema)
    tables["people"] = people.append_column(
        "id_key", pa.array([_key(row["person_id"]) for row in rows], pa.int64())
    )
    return tables


def _record(record_id: str, person_id: int, status: str = "valid", **columns: Any) -> dict[str, Any]:
    usable = status in ("valid", "converted_15")
    return {
        "record_id": record_id,
        "id_number": _id_number(person_id) if usable else None,
        "id_key": _key(person_id) if usable else None,
        "id_status": status,
        "name": f"人员{person_id}",
        **columns,
    }


def _pension(record_id: str, person_id: int, kind: str, amount: str, **kwargs: Any) -> dict[str, Any]:
    return _record(record_id, person_id, kind=kind, monthly_amount=Decimal(amount), **kwargs)


def _fund(record_id: str, person_id: int, base: str) -> dict[str, Any]:
    deposit = Decimal(base) * Decimal("0.24")
    return _record(
        record_id, person_id, employer="昭通某某公司", monthly_deposit=deposit, wage_base=Decimal(base)
    )


def _tax(record_id: str, person_id: int, annual: str, year: int = 2022) -> dict[str, Any]:
    return _record(record_id, person_id, annual_income=Decimal(annual), tax_paid=Decimal(0), tax_year=year)


def _current(tables: dict[str, pa.Table], source: str, rows: list[dict[str, Any]]) -> None:
    """The period's records, each linked exactly to the person whose ID it carries."""
    tables[source] = source_table(source, rows)
    tables[f"{source}_links"] = links_table(
        exact(*((row["record_id"], int(row["id_number"][14:17])) for row in rows))
    )


def _drop_world() -> dict[str, pa.Table]:
    """June (the period) against May:

    11 (低保)      wage base 3,000 → 1,500                         a drop of 50%
    12 (低保)      wage base 3,000 → none, last year's tax 36,000   the tax does not hide the lost wage;
                   basic pension 500 → 120                          not counted as income
    31 (边缘)      公积金 base 2,000 → none                         household 3 left with no income
    33 (边缘)      wage 3,000 in May under a broken ID               not read: no drop
    51 (边缘)      pension 2,000 → 1,700                            300 元 but 15%: below the share
    21 (特困)      pension 800 → 520                                35% but 280 元: below the amount
    61 (低保)      wage 2,000 → 2,600                               a rise
    41 (well off)  wage 5,000 → none                                household 4 is not monitored
    """
    tables = _registry()
    _current(
        tables,
        "pensions",
        [
            _pension("P11", 11, WAGE, "1500"),
            _pension("P12", 12, BASIC_PENSION, "120"),
            _pension("P51", 51, EMPLOYEE_PENSION, "1700"),
            _pension("P21", 21, EMPLOYEE_PENSION, "520"),
            _pension("P61", 61, WAGE, "2600"),
        ],
    )
    _current(tables, "housing_fund", [_fund("H42", 42, "6000")])
    _current(tables, "tax", [_tax("T12", 12, "36000")])
    tables["pensions_prev"] = source_table(
        "pensions",
        [
            _pension("P11", 11, WAGE, "3000"),
            _pension("P12W", 12, WAGE, "3000"),
            _pension("P12", 12, BASIC_PENSION, "500"),
            _pension("P51", 51, EMPLOYEE_PENSION, "2000"),
            _pension("P21", 21, EMPLOYEE_PENSION, "800"),
            _pension("P61", 61, WAGE, "2000"),
            _pension("P33", 33, WAGE, "3000", status="bad_checksum"),
            _pension("P41", 41, WAGE, "5000"),
        ],
    )
    tables["housing_fund_prev"] = source_table(
        "housing_fund", [_fund("H31", 31, "2000"), _fund("H42", 42, "6000")]
    )
    tables["tax_prev"] = source_table("tax", [_tax("T12", 12, "36000")])
    return tables


def _income_warnings(tables: dict[str, pa.Table], profile: MonitoringProfile | None = None) -> list[tuple]:
    result = compute_monitoring(tables, period=PERIOD, as_of=AS_OF, profile=profile)
    return [
        (row["person_id"], row["level"], row["route"], row["detail"])
        for row in result.warnings.to_pylist()
        if row["signal"] == "income_drop"
    ]


def test_a_drop_above_both_thresholds_warns_with_its_level_route_and_figures():
    assert _income_warnings(_drop_world()) == [
        # covered: make sure the benefit follows the lower income
        (
            11,
            "general",
            "deliver",
            "部门数据月收入由 3,000.00 元/月（2023-05）降至 1,500.00 元/月（2023-06），减少 1,500.00 元/月（50%）",
        ),
        # last year's tax figure does not stand in for a monthly wage that stopped
        (
            12,
            "general",
            "deliver",
            "部门数据月收入由 3,000.00 元/月（2023-05）降至 0.00 元/月（2023-06），减少 3,000.00 元/月（100%）",
        ),
        # not covered, the household left with no income: serious, pushed for assessment
        (
            31,
            "serious",
            "push",
            "部门数据月收入由 2,000.00 元/月（2023-05）降至 0.00 元/月（2023-06），减少 2,000.00 元/月（100%）"
            "，家庭成员已无收入",
        ),
    ]


def test_without_the_earlier_period_there_is_no_income_warning_and_nothing_else_changes():
    # given the same month with no earlier period in the lake
    tables = _drop_world()
    with_history = compute_monitoring(tables, period=PERIOD, as_of=AS_OF)
    for name in ("pensions_prev", "housing_fund_prev", "tax_prev"):
        del tables[name]
    # when
    result = compute_monitoring(tables, period=PERIOD, as_of=AS_OF)
    # then
    assert result.warnings.num_rows == 0
    assert result.categories.equals(with_history.categories)


def test_a_source_missing_in_the_earlier_period_is_left_out_of_the_comparison():
    # given May's 公积金 data did not arrive
    tables = _drop_world()
    del tables["housing_fund_prev"]
    # then 31's base is not compared (it would look like a drop to nothing); the 人社 drops remain
    assert [row[0] for row in _income_warnings(tables)] == [11, 12]


def test_the_share_and_the_amount_are_parameters():
    # given the county warns only from a 60% drop
    profile = MonitoringProfile(income_drop_share=Param(Decimal("0.60"), "测试", Confidence.K))
    # then 11's 50% no longer warns
    assert [row[0] for row in _income_warnings(_drop_world(), profile)] == [12, 31]
    # given the county warns from 2,500 元
    profile = MonitoringProfile(income_drop_amount=Param(Decimal("2500"), "测试", Confidence.K))
    assert [row[0] for row in _income_warnings(_drop_world(), profile)] == [12]


def _alone(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[tuple]:
    """51 (低保边缘, alone) with May's and June's 人社 records."""
    tables = _registry()
    _current(tables, "pensions", after or [_pension("P61", 61, WAGE, "2000")])
    tables["pensions_prev"] = source_table("pensions", before)
    return [(level, detail) for person_id, level, _, detail in _income_warnings(tables) if person_id == 51]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # exactly 30% and exactly 300 元: at least both thresholds
        (
            "1000",
            "700",
            [
                (
                    "general",
                    "部门数据月收入由 1,000.00 元/月（2023-05）降至 700.00 元/月（2023-06），减少 300.00 元/月（30%）",
                )
            ],
        ),
        ("1000", "701", []),  # 299 元, 29.9%
        ("2000", "1401", []),  # 599 元 but 29.95%
        (
            "999",
            "699",
            [
                (
                    "general",
                    "部门数据月收入由 999.00 元/月（2023-05）降至 699.00 元/月（2023-06），减少 300.00 元/月（30%）",
                )
            ],
        ),
        ("2000", "2600", []),  # a rise
    ],
)
def test_the_thresholds_are_both_at_least(before, after, expected):
    result = _alone(
        [_pension("P51", 51, EMPLOYEE_PENSION, before)], [_pension("P51", 51, EMPLOYEE_PENSION, after)]
    )
    assert result == expected


def test_an_income_gone_below_the_amount_does_not_warn_and_one_above_it_is_serious():
    assert _alone([_pension("P51", 51, WAGE, "290")], []) == []
    assert _alone([_pension("P51", 51, WAGE, "400")], []) == [
        (
            "serious",
            "部门数据月收入由 400.00 元/月（2023-05）降至 0.00 元/月（2023-06），减少 400.00 元/月（100%），家庭成员已无收入",
        )
    ]


def test_a_converted_15_digit_id_is_read_only_when_the_name_agrees():
    before = [_pension("P51", 51, WAGE, "3000", status="converted_15")]
    assert [level for level, _ in _alone(before, [])] == ["serious"]
    before[0]["name"] = "别人"
    assert _alone(before, []) == []


def test_a_tax_only_income_is_compared_by_its_latest_recent_year():
    # given 51 is known only to the tax department: 2022 in May; in June 2022 was revised down
    tables = _registry()
    _current(tables, "tax", [_tax("T51", 51, "12000"), _tax("T51O", 51, "90000", year=2019)])
    tables["tax_prev"] = source_table("tax", [_tax("T51", 51, "30000.06")])
    # then ÷ 12 in whole fen, and the 2019 figure (too old) plays no part
    assert _income_warnings(tables) == [
        (
            51,
            "general",
            "push",
            "部门数据月收入由 2,500.00 元/月（2023-05）降至 1,000.00 元/月（2023-06），减少 1,500.00 元/月（60%）",
        )
    ]


def test_the_look_back_is_a_parameter_and_names_the_earlier_period():
    assert earlier_period("2023-06", 1) == "2023-05"
    assert earlier_period("2023-01", 1) == "2022-12"
    assert earlier_period("2023-06", 12) == "2022-06"
    profile = MonitoringProfile(income_drop_lookback_months=Param(3, "测试", Confidence.K))
    details = [detail for _, _, _, detail in _income_warnings(_drop_world(), profile)]
    assert details and all("（2023-03）降至" in detail for detail in details)


def test_the_defaults_are_labelled_local_placeholders():
    profile = MonitoringProfile()
    for name, value in (
        ("income_drop_lookback_months", 1),
        ("income_drop_share", Decimal("0.30")),
        ("income_drop_amount", Decimal("300")),
    ):
        param = getattr(profile, name)
        assert (param.value, param.confidence, param.local) == (value, Confidence.PLACEHOLDER, True)
        assert "[L]" in param.source


# --- the same text on Spark --------------------------------------------------------------------------------

STEPS = income_drop_steps(
    MonitoringContext(MonitoringProfile(), PERIOD, AS_OF, frozenset(_drop_world())), FindingsProfile()
)


def test_the_steps_are_read_compare_and_signal():
    assert [step.name for step in STEPS] == [
        "income_earlier",
        "income_current",
        "income_change",
        "signal_income_drop",
    ]
    # the earlier period is read on the exact key only: no links, no fuzzy step
    assert "_links" not in STEPS[0].sql and "r.id_key = s.id_key" in STEPS[0].sql


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.name)
def test_the_step_transpiles_to_spark_and_binds_exactly_its_parameters(step):
    check_portable(step)


@pytest.mark.spark
@pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="pyspark 未安装")
def test_the_income_warnings_are_the_same_on_spark():
    from minzheng.verification.pipeline import _monitoring

    tables = _drop_world()
    categories_d, warnings_d = _monitoring(tables, "duckdb", period=PERIOD, as_of=AS_OF)
    categories_s, warnings_s = _monitoring(tables, "spark", period=PERIOD, as_of=AS_OF)
    assert [row["person_id"] for row in warnings_d.to_pylist()] == [11, 12, 31]
    assert warnings_s.to_pylist() == warnings_d.to_pylist()
    assert categories_s.to_pylist() == categories_d.to_pylist()
