"""The previous month of the synthetic income sources (收入下降): this month's tables reused, different
only where the income truth says so, deterministic, in the lake layout."""

from __future__ import annotations

from decimal import Decimal

import pyarrow.compute as pc
import pytest

from minzheng.synth.city import SynthCity, generate
from minzheng.synth.departments import (
    INCOME_CODES,
    INCOME_SOURCES,
    INCOME_TRUTH_SCHEMA,
    Departments,
    generate_departments,
    previous_period,
)
from minzheng.verification.lake.contracts import CONTRACTS, lake_schema

AMOUNT = {"pensions": "monthly_amount", "housing_fund": "wage_base", "tax": "annual_income"}


@pytest.fixture(scope="module")
def city() -> SynthCity:
    return generate(scale=0.002, seed=7)


@pytest.fixture(scope="module")
def deps(city: SynthCity) -> Departments:
    return generate_departments(city, seed=7)


def _monthly(source: str, amount: Decimal) -> Decimal:
    """As the monitoring counts it: a tax year's income ÷ 12 in whole fen, rounded down."""
    if source != "tax":
        return amount
    return Decimal(int(amount * 100) // 12) / 100


def test_the_previous_month_is_the_month_before():
    assert previous_period("2023-06") == "2023-05"
    assert previous_period("2023-01") == "2022-12"


def test_the_same_seed_gives_the_same_previous_month_and_this_month_is_unchanged(city, deps):
    again = generate_departments(city, seed=7)
    for source in INCOME_SOURCES:
        assert again.previous[source].equals(deps.previous[source]), source
    assert again.income_truth.equals(deps.income_truth)
    other = generate_departments(city, seed=8)
    assert not other.income_truth.equals(deps.income_truth)


def test_the_tables_have_the_lake_layout_and_every_planted_kind_is_there(deps):
    assert deps.previous_period == "2023-05"
    assert set(deps.previous) == set(INCOME_SOURCES)
    for source, table in deps.previous.items():
        assert table.schema.equals(lake_schema(CONTRACTS[source]), check_metadata=True), source
        assert table.column("row_number").to_pylist() == list(range(1, table.num_rows + 1))
        assert pc.count_distinct(table.column("record_id")).as_py() == table.num_rows
    assert deps.income_truth.schema == INCOME_TRUTH_SCHEMA
    assert set(deps.income_truth.column("code").to_pylist()) == set(INCOME_CODES)


def test_rows_differ_from_this_month_only_where_the_truth_says(deps):
    truth = deps.income_truth.to_pylist()
    for source in INCOME_SOURCES:
        current = {row["record_id"]: row for row in deps.tables()[source].to_pylist()}
        previous = {row["record_id"]: row for row in deps.previous[source].to_pylist()}
        planted = {row["record_id"]: row for row in truth if row["source"] == source}
        # every row of this month is there last month, the same unless planted
        assert set(current) <= set(previous)
        for record_id, row in current.items():
            if record_id not in planted:
                assert previous[record_id] == row, (source, record_id)
        # a row only last month is a planted drop to nothing (or the small tax record), with a clean ID
        for record_id in set(previous) - set(current):
            assert planted[record_id]["current_monthly"] == 0
            assert previous[record_id]["id_status"] == "valid"
            assert previous[record_id]["id_number"] == planted[record_id]["id_number"]
        # the planted figures are the records' amounts (the basic pension: counted as nothing)
        for record_id, plant in planted.items():
            before = previous[record_id][AMOUNT[source]]
            after = current[record_id][AMOUNT[source]] if record_id in current else Decimal(0)
            if plant["code"] == "negative_income_basic_pension":
                assert previous[record_id]["kind"] == "城乡居民基础养老金" and before == after + 400
                continue
            assert (plant["previous_monthly"], plant["current_monthly"]) == (
                _monthly(source, before),
                _monthly(source, after),
            )


def test_planted_drops_are_above_both_thresholds_and_negatives_are_not(deps):
    for row in deps.income_truth.to_pylist():
        before, after = row["previous_monthly"], row["current_monthly"]
        drop = before - after
        warns = drop >= 300 and drop >= Decimal("0.30") * before
        if row["code"] == "income_drop":
            assert warns and row["household_without_income"] == (after == 0), row
        elif row["code"] != "negative_income_basic_pension":
            assert not warns, row
    small_share = [
        row for row in deps.income_truth.to_pylist() if row["code"] == "negative_income_small_share"
    ]
    assert small_share and all(row["previous_monthly"] - row["current_monthly"] >= 300 for row in small_share)


def test_the_previous_month_reuses_this_months_columns(deps):
    # the unchanged columns are this month's buffers, not copies: the previous month costs a few columns
    for source in INCOME_SOURCES:
        current, previous = deps.tables()[source], deps.previous[source]
        for name in ("id_raw", "name"):
            first = previous.column(name).chunks[0]
            assert first.buffers()[2].address == current.column(name).chunks[0].buffers()[2].address
