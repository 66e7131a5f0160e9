"""低保边缘 and 刚性支出 as policy defines them (policy-rules §4.1 items 4–5): the household's property within
the rules (the finding rules' counting and limits), and for 刚性支出 its income under the previous year's
per-capita disposable income and its medical and education spending over the ratio of its income; a
source missing this month skips its part of the property test; the same rows on Spark."""

from __future__ import annotations

import datetime
import importlib.util
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from minzheng.assistance.domain.params import Confidence, Param
from minzheng.verification.findings.profile import FindingsProfile
from minzheng.verification.monitoring import MonitoringContext, MonitoringProfile, compute_monitoring
from minzheng.verification.monitoring.rules import (
    household_property_sql,
    household_spending_sql,
    signal_education_sql,
)

from .portable import check_portable
from .world import (
    AS_OF,
    PERIOD,
    VILLAGE_1,
    VILLAGE_2,
    exact,
    links_table,
    person,
    registry_tables,
    source_table,
)

HOUSEHOLDS = """
    household 1  2 persons, 600 元 (300/person, 低保边缘 by income), two houses (one each)
    household 2  alone, 400 元, 50,000 元 on deposit (limit 24 × 640 = 15,360), registered unemployed
    household 3  2 persons, 600 元, one house held jointly, a 残疾人机动轮椅车 and a dissolved shop: 低保边缘
    household 4  2 persons, 2,000 元 (12,000 元/person·year), 10,000 元 medical; 42 at university
    household 5  2 persons, 5,000 元 (30,000 元/person·year, above the line), 40,000 元 medical
    household 6  2 persons, 2,000 元, 20,000 元 medical, a 60,000 元 car
"""


def _d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _m(amount: int) -> Decimal:
    return Decimal(amount).quantize(Decimal("0.01"))


def _world(income_4: str = "2000", region_4: str = VILLAGE_1) -> dict[str, pa.Table]:
    """The households above, all urban (the 25,000 元 line) unless household 4 is moved; standard 640
    元/人·月 everywhere, nobody covered."""
    households = {1: 2, 2: 1, 3: 2, 4: 2, 5: 2, 6: 2}
    tables = registry_tables(
        people=[
            person(household * 10 + i, household, "1980-01-01", region_4 if household == 4 else VILLAGE_1)
            for household, persons in households.items()
            for i in range(1, persons + 1)
        ],
        entitlements=[(0, 0, "dibao")],  # nobody: an entitlement of no one
        means=[
            (1, 2, "600", "640"),
            (2, 1, "400", "640"),
            (3, 2, "600", "640"),
            (4, 2, income_4, "640"),
            (5, 2, "5000", "640"),
            (6, 2, "2000", "640"),
        ],
    )

    def add(source: str, rows: list[dict[str, Any]], links: list[tuple[str, int, str, float]]) -> None:
        tables[source] = source_table(source, rows)
        tables[f"{source}_links"] = links_table(links)

    add(
        "real_estate",
        [
            {
                "record_id": "R1",
                "certificate_number": "云(2019)昭阳区不动产权第1号",
                "area_m2": Decimal("90"),
            },
            {
                "record_id": "R2",
                "certificate_number": "云(2020)昭阳区不动产权第2号",
                "area_m2": Decimal("60"),
            },
            # one house, two owners: two records of one certificate
            {
                "record_id": "R3",
                "certificate_number": "云(2015)昭阳区不动产权第3号",
                "area_m2": Decimal("80"),
            },
            {
                "record_id": "R4",
                "certificate_number": "云(2015)昭阳区不动产权第3号",
                "area_m2": Decimal("80"),
            },
        ],
        exact(("R1", 11), ("R2", 12), ("R3", 31), ("R4", 32)),
    )
    add(
        "deposits",
        [{"record_id": "DP1", "bank": "昭通农商银行", "balance": _m(50000)}],
        exact(("DP1", 21)),
    )
    add(
        "vehicles",
        [
            {
                "record_id": "V1",
                "plate_number": "云C·00001",
                "vehicle_type": "残疾人机动轮椅车",
                "value_estimate": _m(30000),
            },
            {
                "record_id": "V2",
                "plate_number": "云C·66666",
                "vehicle_type": "小型汽车",
                "value_estimate": _m(60000),
            },
        ],
        exact(("V1", 31), ("V2", 61)),
    )
    add(
        "businesses",
        [
            {
                "record_id": "B1",
                "uscc": "91530602MA6K000002",
                "enterprise_name": "昭阳区某某餐馆",
                "role": "法定代表人",
                "status": "注销",
            }
        ],
        exact(("B1", 32)),
    )
    add(
        "unemployment",
        [{"record_id": "U1", "registered_on": _d("2023-03-15"), "status": "失业"}],
        exact(("U1", 21)),
    )
    add(
        "medical",
        [
            {"record_id": "M4", "kind": "住院", "out_of_pocket": _m(10000), "settled_on": _d("2023-02-10")},
            {"record_id": "M5", "kind": "住院", "out_of_pocket": _m(40000), "settled_on": _d("2023-03-10")},
            {"record_id": "M6", "kind": "住院", "out_of_pocket": _m(20000), "settled_on": _d("2023-04-10")},
        ],
        exact(("M4", 41), ("M5", 51), ("M6", 61)),
    )
    add(
        "students",
        [
            # two terms of the same student: counted once
            {"record_id": "S1", "school": "昭通学院", "level": "本科", "difficulty": "困难"},
            {"record_id": "S2", "school": "昭通学院", "level": "本科", "difficulty": "困难"},
        ],
        exact(("S1", 42), ("S2", 42)),
    )
    return tables


def _categories(tables: dict[str, pa.Table], profile: MonitoringProfile | None = None) -> dict[int, tuple]:
    result = compute_monitoring(tables, period=PERIOD, as_of=AS_OF, profile=profile)
    return {r["person_id"]: (r["category"], r["basis"]) for r in result.categories.to_pylist()}


def _without(tables: dict[str, pa.Table], source: str) -> dict[str, pa.Table]:
    return {name: t for name, t in tables.items() if name not in (source, f"{source}_links")}


RIGID_4 = (
    "刚性支出 15,000.00 元（近 12 个月医疗自付 10,000.00 元、教育支出 5,000.00 元），超过家庭年收入的 50%；"
    "家庭人均年收入 12,000.00 元，低于上年度居民人均可支配收入 25,000 元"
)


def test_the_categories_of_the_six_households():
    categories = _categories(_world())
    assert categories == {
        # household 1 (two houses) is below the 低保边缘 line but not 低保边缘, and has no hardship signal
        21: (
            "other",
            "有重病、重残、就学或失业困难，家庭人均月收入 400.00 元；家庭财产超出规定（存款合计 50,000.00 元，"
            "超过 24 个月低保标准 × 人数 = 15,360.00 元），不属于低保边缘家庭",
        ),
        # a jointly held house counts once; the wheelchair car is exempt; a dissolved shop does not count
        31: ("edge", "家庭人均月收入 300.00 元，低于低保标准的 1.5 倍"),
        32: ("edge", "家庭人均月收入 300.00 元，低于低保标准的 1.5 倍"),
        41: ("rigid", RIGID_4),
        42: ("rigid", RIGID_4),
        # household 5 spends 40,000 元 of 60,000 元 but earns more than the disposable-income line: not listed
        # household 6 would be 刚性支出 but for its car; 61's medical costs make them 其他困难人员 (a
        # person's own signal, as before), 62 has none
        61: (
            "other",
            "有重病、重残、就学或失业困难，家庭人均月收入 1,000.00 元；家庭财产超出规定（非豁免车辆 1 辆（最高估值 "
            "60,000 元），超过 20,000 元），不属于刚性支出困难家庭",
        ),
    }


def test_the_student_pushes_the_household_over_the_ratio():
    # given no student data: 10,000 元 of medical costs is less than half of 24,000 元 a year
    categories = _categories(_without(_world(), "students"))
    # then household 4 is not 刚性支出: 41's own medical costs make them 其他困难人员, 42 has no signal
    assert categories[41][0] == "other" and 42 not in categories


def test_a_compulsory_education_pupil_adds_nothing_by_default():
    # given 42 is at 初中 instead (义务教育: no tuition, 0 元 by default)
    tables = _world()
    rows = tables["students"].to_pylist()
    tables["students"] = source_table("students", [{**row, "level": "初中"} for row in rows])
    categories = _categories(tables)
    # then 10,000 元 is less than half of 24,000 元: both are 其他困难人员 by their own signals
    assert categories[41][0] == categories[42][0] == "other"
    # when the county counts 2,500 元 of necessary costs for 义务教育
    costs = {**MonitoringProfile().education_costs.value, "义务教育": Decimal("2500")}
    profile = MonitoringProfile(education_costs=Param(costs, "测试", Confidence.K))
    # then 12,500 元 exceeds half of 24,000 元
    assert _categories(tables, profile)[42][0] == "rigid"


def test_income_above_the_disposable_income_line_is_not_rigid_until_the_line_is_raised():
    assert 51 not in _categories(_world())
    lines = {"urban": Decimal("36000"), "rural": Decimal("14000")}
    profile = MonitoringProfile(disposable_income_line=Param(lines, "测试", Confidence.K))
    categories = _categories(_world(), profile)
    assert categories[51] == (
        "rigid",
        "刚性支出 40,000.00 元（近 12 个月医疗自付 40,000.00 元、教育支出 0.00 元），超过家庭年收入的 50%；"
        "家庭人均年收入 30,000.00 元，低于上年度居民人均可支配收入 36,000 元",
    )


def test_a_rural_household_is_held_to_the_rural_line():
    # given household 4 lives on 2,400 元 a month: 14,400 元 per person a year, 15,000 元 rigid spending
    # (more than half of 28,800 元)
    assert _categories(_world(income_4="2400"))[41][0] == "rigid"  # urban: below 25,000 元
    # when it lives in the countryside: above the rural line of 14,000 元
    categories = _categories(_world(income_4="2400", region_4=VILLAGE_2))
    # then 41 is 其他困难人员 by their own medical costs, not 刚性支出
    assert categories[41][0] == "other"


def test_a_missing_property_source_skips_that_part_of_the_test():
    # given the 不动产 data did not arrive this month: household 1's two houses are unknown
    categories = _categories(_without(_world(), "real_estate"))
    assert categories[11] == ("edge", "家庭人均月收入 300.00 元，低于低保标准的 1.5 倍")
    # and the other parts still apply: the deposits of 21, the car of household 6
    assert categories[21][0] == "other" and categories[61][0] == "other" and 62 not in categories
    # with no property source at all, household 6 is 刚性支出
    tables = _world()
    for source in ("real_estate", "vehicles", "deposits", "businesses"):
        tables = _without(tables, source)
    categories = _categories(tables)
    assert categories[61][0] == categories[62][0] == "rigid"


def test_the_property_limits_are_the_finding_rules():
    # given the bureau allows two houses (the finding rules' max_houses)
    counting = FindingsProfile().with_values(max_houses=2)
    result = compute_monitoring(_world(), period=PERIOD, as_of=AS_OF, counting=counting)
    # then household 1 is 低保边缘
    assert {r["person_id"]: r["category"] for r in result.categories.to_pylist()}[11] == "edge"


def test_the_default_parameters_are_labelled():
    profile = MonitoringProfile()
    line, costs = profile.disposable_income_line, profile.education_costs
    # the standards table's placeholder figures, not a second set
    expected = {"urban": Decimal("25000.00"), "rural": Decimal("14000.00")}
    assert (line.value, line.confidence, line.local) == (expected, Confidence.PLACEHOLDER, True)
    assert "上年度居民人均可支配收入" in line.source and "[L]" in line.source
    assert costs.value == {
        "学前": Decimal("2400"),
        "义务教育": Decimal("0"),
        "高中/中职": Decimal("1500"),
        "大学/高职": Decimal("5000"),
    }
    assert (costs.confidence, costs.local) == (Confidence.PLACEHOLDER, True)
    assert "义务教育免除学杂费" in costs.source and "[L]" in costs.source
    # every 学段 of the students contract has a stage with a cost
    from minzheng.verification.lake.contracts import SCHOOL_LEVELS

    stages = profile.education_stage_of_level.value
    assert set(stages) == set(SCHOOL_LEVELS) and set(stages.values()) == set(costs.value)


# --- the same text on Spark ------------------------------------------------------------------------------

CONTEXT = MonitoringContext(MonitoringProfile(), PERIOD, AS_OF, frozenset(_world()))
EMPTY = MonitoringContext(MonitoringProfile(), PERIOD, AS_OF, frozenset(registry_tables()))
STEPS = [
    household_property_sql(CONTEXT),
    signal_education_sql(CONTEXT),
    household_spending_sql(CONTEXT),
    household_property_sql(EMPTY),
    signal_education_sql(EMPTY),
]


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.name)
def test_the_step_transpiles_to_spark_and_binds_exactly_its_parameters(step):
    check_portable(step)


@pytest.mark.spark
@pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="pyspark 未安装")
def test_the_categories_are_the_same_on_spark():
    from minzheng.verification.pipeline import _monitoring

    tables = _world()
    categories_d, warnings_d = _monitoring(tables, "duckdb", period=PERIOD, as_of=AS_OF)
    categories_s, warnings_s = _monitoring(tables, "spark", period=PERIOD, as_of=AS_OF)
    assert {row["category"] for row in categories_d.to_pylist()} == {"edge", "rigid", "other"}
    assert categories_s.to_pylist() == categories_d.to_pylist()
    assert warnings_s.to_pylist() == warnings_d.to_pylist()
