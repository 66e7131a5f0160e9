"""Each finding rule on the tiny snapshot world (``world.py``): the exact rows it finds, and the records it
must leave alone (an exempt wheelchair vehicle, a 注销 business, the death of a non-recipient …)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import duckdb
import pytest

from minzheng.verification.findings import (
    BUILDERS,
    FINDINGS_SCHEMA,
    FindingCode,
    FindingsProfile,
    compute_findings,
    fingerprint,
)
from minzheng.verification.findings.codes import COVERAGE_CODES, RECIPIENT_CODES, SOURCE_OF
from minzheng.verification.findings.rules import FindingContext, shared_steps
from minzheng.verification.findings.sqlkit import money_text, register_inputs, run_steps

from .world import AS_OF, PERIOD, links_table, registry_tables, source_table, world_tables


def _rows(code: FindingCode, tables=None, profile: FindingsProfile | None = None) -> list[tuple]:
    result = compute_findings(tables or world_tables(), period=PERIOD, as_of=AS_OF, profile=profile)
    return [
        (r["person_id"], r["household_id"], r["record_id"], r["match_method"], r["evidence"])
        for r in result.to_pylist()
        if r["finding_code"] == code
    ]


def test_every_finding_code_has_a_builder_a_source_and_a_side():
    assert set(BUILDERS) == set(FindingCode)
    assert set(SOURCE_OF) == set(FindingCode)
    assert set(RECIPIENT_CODES) | set(COVERAGE_CODES) == set(FindingCode)
    assert not set(RECIPIENT_CODES) & set(COVERAGE_CODES)


def test_the_world_yields_one_finding_per_code_with_the_finding_columns():
    # when
    result = compute_findings(world_tables(), period=PERIOD, as_of=AS_OF)
    # then
    assert result.schema == FINDINGS_SCHEMA
    assert sorted(result.column("finding_code").to_pylist()) == sorted(str(c) for c in FindingCode)
    assert set(result.column("period").to_pylist()) == {"2023-06"}


# --- recipient side ------------------------------------------------------------------------------------------


def test_a_death_reported_by_two_departments_is_one_finding_and_a_non_recipients_death_none():
    assert _rows(FindingCode.DEATH) == [
        (12, 1, "D1", "exact", "死亡：公安等2个部门报告于 2023-05-03 死亡，仍为低保家庭成员")
    ]


def test_a_vehicle_over_the_limit_is_found_and_exempt_cheap_fuzzy_and_non_recipient_ones_are_not():
    # V2 残疾人机动轮椅车, V3 15,000 元, V4 a disability vehicle, V5 not a recipient, V6 a weak fuzzy link
    assert _rows(FindingCode.VEHICLE) == [
        (11, 1, "V1", "exact", "车管：小型汽车 云C·12345，估值 35,000 元，超过 20,000 元")
    ]


def test_a_fuzzy_link_above_the_profiles_probability_counts():
    tables = world_tables()
    tables["vehicles_links"] = links_table([("V6", 12, "fuzzy", 0.95)])
    assert _rows(FindingCode.VEHICLE, tables) == [
        (12, 1, "V6", "fuzzy", "车管：小型汽车 云C·66666，估值 90,000 元，超过 20,000 元")
    ]


def test_the_vehicle_limit_comes_from_the_profile():
    profile = FindingsProfile().with_values(vehicle_value_limit=Decimal("40000"))
    assert _rows(FindingCode.VEHICLE, profile=profile) == []
    assert profile.vehicle_value_limit.source == "调用方覆盖值（未注明来源）"


def test_two_houses_of_one_household_are_one_finding_and_a_single_house_none():
    assert _rows(FindingCode.REAL_ESTATE) == [
        (11, 1, "R1", "exact", "不动产：该户登记房产 2 套（建筑面积合计 180.50 平方米），超过 1 套")
    ]


def test_a_live_shareholding_is_found_and_cancelled_or_revoked_entities_are_not():
    assert _rows(FindingCode.BUSINESS) == [
        (
            11,
            1,
            "B1",
            "exact",
            "市场监管：昭通某某商贸有限公司（91530602MA6K000001）股东，认缴出资 100,000 元，登记状态 存续",
        )
    ]


def test_a_counted_pension_over_the_standard_is_found_and_the_basic_residents_pension_is_not_counted():
    assert _rows(FindingCode.PENSION_INCOME) == [
        (21, 2, "P1", "exact", "人社：城镇职工基本养老金 每月合计 800.00 元，超过低保标准 375.00 元/人·月")
    ]


def test_a_wage_base_over_the_standard_is_found():
    assert _rows(FindingCode.WAGE_INCOME) == [
        (11, 1, "P3", "exact", "人社：工资（社保缴费基数） 每月 3,000.00 元，超过低保标准 640.00 元/人·月")
    ]


def test_a_recent_tax_year_over_the_standard_is_found_and_an_old_year_is_not():
    assert _rows(FindingCode.TAX_INCOME) == [
        (
            11,
            1,
            "T1",
            "exact",
            "税务：2022 年度收入 36,000.00 元（月均 3,000.00 元），超过低保标准 640.00 元/人·月",
        )
    ]


def test_housing_fund_deposits_are_found():
    assert _rows(FindingCode.HOUSING_FUND) == [
        (12, 1, "HF1", "exact", "公积金：昭通某某物业公司 每月缴存 500.00 元（缴存基数 4,000.00 元）")
    ]


def test_household_deposits_over_24_months_standard_per_person_are_found_and_a_small_balance_is_not():
    assert _rows(FindingCode.DEPOSITS) == [
        (
            11,
            1,
            "DP1",
            "exact",
            "银行：该户存款合计 35,000.00 元（2 个账户），超过 24 个月低保标准 × 2 人 = 30,720.00 元",
        )
    ]


def test_a_person_still_covered_under_a_household_he_left_is_found_on_the_paying_household():
    assert _rows(FindingCode.MEMBER_COVERED_ELSEWHERE) == [
        (61, 1, "dibao:1", "exact", "民政：该成员现属家庭户（编号 6），仍在家庭户（编号 1）享受最低生活保障")
    ]


def test_recipient_findings_need_a_live_entitlement():
    # given nobody holds an entitlement any more
    tables = {**world_tables(), **registry_tables(entitlements=[(99, 99, "dibao")])}
    # then no recipient-side finding is left (person 99 is not in the registry)
    result = compute_findings(tables, period=PERIOD, as_of=AS_OF)
    assert not set(result.column("finding_code").to_pylist()) & {str(c) for c in RECIPIENT_CODES}


# --- coverage side -------------------------------------------------------------------------------------------


def test_a_severe_disability_below_the_edge_line_is_found_and_a_well_off_or_grade_3_one_is_not():
    assert _rows(FindingCode.SEVERE_DISABILITY_UNCOVERED) == [
        (
            31,
            3,
            "DS1",
            "exact",
            "残联：肢体残疾一级，家庭人均月收入 400.00 元，低于低保边缘线 960.00 元，未纳入低保或特困",
        )
    ]


def test_medical_costs_over_12_months_are_summed_and_old_settlements_left_out():
    assert _rows(FindingCode.MEDICAL_COSTS) == [
        (
            32,
            3,
            "M1",
            "exact",
            "医保：近 12 个月个人自付 7,000.00 元（2 次结算），超过 5,000 元；"
            "扣除后家庭人均月收入 205.56 元，低于低保边缘线，未纳入低保或特困",
        )
    ]


def test_registered_unemployment_in_a_poor_household_is_found_and_a_closed_or_well_off_one_is_not():
    assert _rows(FindingCode.UNEMPLOYED) == [
        (
            33,
            3,
            "U1",
            "exact",
            "人社：2023-03-15 登记失业，家庭人均月收入 400.00 元，低于低保边缘线，未纳入低保或特困",
        )
    ]


def test_a_poor_student_is_found():
    assert _rows(FindingCode.POOR_STUDENT) == [
        (
            33,
            3,
            "S1",
            "exact",
            "教育：昭通市第一中学（高中）认定为家庭经济困难学生，家庭人均月收入 400.00 元，低于低保边缘线，未纳入低保或特困",
        )
    ]


def test_a_fanpin_household_is_one_finding_and_a_recipients_household_none():
    assert _rows(FindingCode.FANPIN_UNCOVERED) == [
        (
            31,
            3,
            "F1",
            "exact",
            "乡村振兴：防止返贫监测对象（边缘易致贫户，易地扶贫搬迁户），监测成员 2 人，未纳入低保或特困",
        )
    ]


def test_an_old_person_alone_without_income_is_found_and_a_counted_pension_clears_it():
    assert _rows(FindingCode.ELDERLY_ALONE_NO_INCOME) == [
        (51, 5, "household:5", "exact", "民政：75 周岁，独居，家庭无登记收入，未纳入特困或低保")
    ]
    # given the 人社 data shows a 城镇职工基本养老金 for person 51
    tables = world_tables()
    tables["pensions"] = source_table(
        "pensions", [{"record_id": "P9", "kind": "城镇职工基本养老金", "monthly_amount": Decimal("1800.00")}]
    )
    tables["pensions_links"] = links_table([("P9", 51, "exact", 1.0)])
    assert _rows(FindingCode.ELDERLY_ALONE_NO_INCOME, tables) == []


def test_coverage_findings_are_only_for_people_not_covered():
    # given everyone of household 3 is on dibao
    entitlements = [(11, 1, "dibao"), (21, 2, "tekun"), (31, 3, "dibao"), (32, 3, "dibao"), (33, 3, "dibao")]
    tables = {**world_tables(), **registry_tables(entitlements=entitlements)}
    codes = set(compute_findings(tables, period=PERIOD, as_of=AS_OF).column("finding_code").to_pylist())
    assert codes & {str(c) for c in COVERAGE_CODES} == {"elderly_alone_no_income"}


# --- fingerprints, missing sources, formatting ---------------------------------------------------------------


def test_the_sql_fingerprint_is_the_python_one_and_ignores_the_period():
    june = compute_findings(world_tables(), period="2023-06", as_of=AS_OF)
    july = compute_findings(world_tables(), period="2023-07", as_of=datetime.date(2023, 7, 31))
    for row in june.to_pylist():
        assert row["fingerprint"] == fingerprint(
            row["finding_code"], row["person_id"], row["source"], row["record_id"]
        )
    assert set(june.column("fingerprint").to_pylist()) <= set(july.column("fingerprint").to_pylist())


def test_a_source_that_did_not_arrive_yields_no_findings_of_its_codes():
    tables = {k: v for k, v in world_tables().items() if not k.startswith("vehicles")}
    codes = compute_findings(tables, period=PERIOD, as_of=AS_OF).column("finding_code").to_pylist()
    assert "vehicle" not in codes and "death" in codes


def test_registry_tables_are_required():
    with pytest.raises(ValueError, match="registry snapshot tables missing"):
        compute_findings(source_table_only(), period=PERIOD, as_of=AS_OF)


def source_table_only():
    return {"deaths": source_table("deaths", []), "deaths_links": links_table([])}


def test_the_debug_mode_reports_every_step():
    seen: list[tuple[str, int]] = []
    compute_findings(
        world_tables(), period=PERIOD, as_of=AS_OF, debug=lambda name, rows, _: seen.append((name, rows))
    )
    rows = dict(seen)
    linked = [name for name, _ in seen if name.endswith("_linked")]
    assert rows["person_context"] == 10
    assert linked and all(name.removesuffix("_linked") in world_tables() for name in linked)
    assert seen[-1] == ("findings", 16)
    assert len(seen) == len(linked) + 2 + len(FindingCode)


def test_shared_tables_given_as_inputs_are_not_computed_again():
    # given: the shared steps' tables computed beforehand, as `minzheng verify` gives them
    tables = world_tables()
    con = duckdb.connect()
    register_inputs(con, tables)
    context = FindingContext(FindingsProfile(), PERIOD, AS_OF, frozenset(tables))
    shared = shared_steps(context)
    run_steps(con, shared)
    given = {
        **tables,
        **{step.name: con.sql(f"SELECT * FROM {step.name}").to_arrow_table() for step in shared},
    }
    seen: list[str] = []

    # when
    findings = compute_findings(given, period=PERIOD, as_of=AS_OF, debug=lambda name, *_: seen.append(name))

    # then: the same findings, without the shared steps
    assert findings.equals(compute_findings(tables, period=PERIOD, as_of=AS_OF))
    assert not {step.name for step in shared} & set(seen)


@pytest.mark.parametrize(
    ("amount", "decimals", "expected"),
    [
        ("0", 2, "0.00"),
        ("999.5", 0, "1,000"),
        ("1000", 0, "1,000"),
        ("35000", 0, "35,000"),
        ("1234567.891", 2, "1,234,567.89"),
        ("1234567890.05", 2, "1,234,567,890.05"),
        ("640.1", 2, "640.10"),
    ],
)
def test_money_text_groups_thousands_without_a_dialect_formatter(amount, decimals, expected):
    sql = f"SELECT {money_text('x', decimals)} AS t FROM (SELECT CAST($v AS DECIMAL(18, 3)) AS x) s"
    assert duckdb.connect().execute(sql, {"v": amount}).fetchall() == [(expected,)]


def test_the_profile_labels_every_threshold():
    profile = FindingsProfile().to_dict()
    assert profile["vehicle_value_limit"]["value"] == "20000"
    assert profile["vehicle_value_limit"]["confidence"] == "placeholder"
    assert profile["edge_multiple"]["confidence"] == "confirmed"
    assert profile["medical_out_of_pocket"]["value"] == "5000"
    assert all(entry["source"] for entry in profile.values())


def test_the_linked_tables_carry_only_contract_columns_and_a_rule_cannot_read_another():
    from minzheng.verification.findings.rules import LINKED_COLUMNS, linked_records
    from minzheng.verification.findings.sqlkit import Params
    from minzheng.verification.lake.contracts import CONTRACTS

    for source, columns in LINKED_COLUMNS.items():
        assert set(columns) <= set(CONTRACTS[source].column_names), source
    with pytest.raises(ValueError, match="address"):
        linked_records("real_estate", "s.area_m2, s.address", Params(), Decimal("0.9"))
