"""The income rule catalog (审核确认办法第十三条; 特困人员认定办法第六条)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from minzheng.assistance.domain.facts import IncomeItem
from minzheng.assistance.domain.income_rules import DIBAO, TEKUN, classify_income

from .builders import AS_OF, profile


def item(name: str, category: str = "转移净收入", counted: bool | None = None) -> IncomeItem:
    return IncomeItem(
        category=category, item=name, monthly_amount=Decimal("100.00"), member=0, counted=counted
    )


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("优待抚恤金", "income.excluded.preferential_pension"),
        ("计划生育特别扶助金", "income.excluded.family_planning"),
        ("国家助学金", "income.excluded.scholarship"),
        ("见义勇为奖金", "income.excluded.heroism_reward"),
        ("临时救助金", "income.excluded.social_assistance"),
        ("孤儿基本生活费", "income.excluded.social_assistance"),
        ("困难残疾人生活补贴", "income.excluded.disability_subsidies"),
    ],
)
def test_listed_items_are_not_counted_for_dibao(name, rule):
    ruling = classify_income(item(name), DIBAO, AS_OF, profile())
    assert (ruling.counted, ruling.rule_code) == (False, rule)
    assert ruling.basis


def test_wages_and_the_employee_pension_are_counted():
    assert classify_income(item("务工工资", "工资性收入"), DIBAO, AS_OF, profile()).counted
    # 城镇职工基本养老金 is not the 城乡居民基本养老保险基础养老金
    assert classify_income(item("城镇职工基本养老金"), DIBAO, AS_OF, profile()).counted


@pytest.mark.parametrize(
    ("as_of", "counted"),
    [
        (datetime.date(2020, 12, 31), True),
        (datetime.date(2021, 1, 1), False),
        (datetime.date(2025, 12, 31), False),
        (datetime.date(2026, 1, 1), True),
    ],
)
def test_the_basic_pension_is_excluded_for_dibao_only_during_the_14th_five_year_plan(as_of, counted):
    assert classify_income(item("基础养老金"), DIBAO, as_of, profile()).counted is counted


def test_the_basic_pension_and_the_old_age_allowance_are_never_counted_for_tekun():
    later = datetime.date(2027, 1, 1)
    assert not classify_income(item("城乡居民基本养老保险基础养老金"), TEKUN, later, profile()).counted
    assert not classify_income(item("高龄津贴"), TEKUN, later, profile()).counted


def test_the_old_age_allowance_follows_the_profile_for_dibao():
    assert not classify_income(item("高龄津贴"), DIBAO, AS_OF, profile()).counted
    assert classify_income(
        item("高龄津贴"), DIBAO, AS_OF, profile(elderly_allowance_counted_for_dibao=True)
    ).counted


def test_an_explicit_counted_flag_is_ignored_unless_the_profile_allows_it():
    wages_declared_excluded = item("务工工资", "工资性收入", counted=False)
    # given the default profile: the catalog stands, and the ruling says why the input was not followed
    ruling = classify_income(wages_declared_excluded, DIBAO, AS_OF, profile())
    assert ruling.counted and "未采用" in ruling.note
    # given a profile that allows overrides: the input wins
    ruling = classify_income(
        wages_declared_excluded, DIBAO, AS_OF, profile(allow_income_counted_override=True)
    )
    assert (ruling.counted, ruling.rule_code) == (False, "income.override")


def test_an_item_marked_excluded_without_a_catalog_basis_is_counted():
    ruling = classify_income(item("亲戚给的钱", "不计入收入"), DIBAO, AS_OF, profile())
    assert (ruling.counted, ruling.rule_code) == (True, "income.counted.unlisted_exclusion")
