"""低收入人口动态监测 on the snapshot world: each person's category and layer, the warnings with their
level and route; and loading a period back (categories replaced, warnings never duplicated, handling kept)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from minzheng.assistance.domain.params import Confidence, Param
from minzheng.audit.models import AuditLog
from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.verification.actions import (
    WarningAlreadyHandled,
    do_handle_warning,
    do_load_monitoring,
    run_monitoring,
)
from minzheng.verification.models import PersonCategory, Warning
from minzheng.verification.monitoring import (
    CATEGORIES_SCHEMA,
    WARNINGS_SCHEMA,
    Category,
    MonitoringProfile,
    compute_monitoring,
)
from minzheng.verification.selectors import count_low_income

from .world import AS_OF, PERIOD, links_table, person, registry_tables, source_table, world_tables


def _monitoring_world() -> dict[str, pa.Table]:
    """The snapshot world plus: 41 (household 4, 3,000 元 a month for two, its car V5 sold) paid 60,000 元
    for treatment this year; 71 lives alone on 1,100 元 (above the 低保边缘 line, below twice the standard)
    and is registered unemployed; 11 (低保) has a child recognised as 特别困难."""
    tables = world_tables()
    tables["vehicles_links"] = links_table(
        [row for row in _link_rows(tables["vehicles_links"]) if row[0] != "V5"]
    )
    registry = registry_tables(
        people=[
            person(11, 1, "1975-03-01"),
            person(12, 1, "1978-08-15"),
            person(21, 2, "1950-02-02", "530602101201"),
            person(31, 3, "1980-01-01"),
            person(32, 3, "1982-05-05"),
            person(33, 3, "2005-09-09"),
            person(41, 4, "1970-07-07"),
            person(42, 4, "1972-12-12"),
            person(51, 5, "1948-01-10", "530602101201"),
            person(61, 6, "1990-04-04"),
            person(71, 7, "1985-06-06"),
        ],
        means=[
            (1, 2, "300", "640"),
            (2, 1, "0", "375"),
            (3, 3, "1200", "640"),
            (4, 2, "3000", "640"),
            (5, 1, "0", "375"),
            (6, 1, "2000", "640"),
            (7, 1, "1100", "640"),
        ],
    )
    tables.update(registry)
    tables["medical"] = pa.concat_tables(
        [
            tables["medical"],
            source_table(
                "medical",
                [
                    {
                        "record_id": "M4",
                        "kind": "住院",
                        "out_of_pocket": Decimal("60000.00"),
                        "settled_on": datetime.date(2023, 4, 1),
                    }
                ],
            ),
        ]
    )
    tables["medical_links"] = pa.concat_tables(
        [tables["medical_links"], links_table([("M4", 41, "exact", 1.0)])]
    )
    tables["unemployment"] = pa.concat_tables(
        [
            tables["unemployment"],
            source_table(
                "unemployment",
                [{"record_id": "U7", "registered_on": datetime.date(2023, 1, 9), "status": "失业"}],
            ),
        ]
    )
    tables["unemployment_links"] = pa.concat_tables(
        [tables["unemployment_links"], links_table([("U7", 71, "exact", 1.0)])]
    )
    tables["students"] = pa.concat_tables(
        [
            tables["students"],
            source_table(
                "students",
                [{"record_id": "S2", "school": "昭阳区第二小学", "level": "小学", "difficulty": "特别困难"}],
            ),
        ]
    )
    tables["students_links"] = pa.concat_tables(
        [tables["students_links"], links_table([("S2", 11, "exact", 1.0)])]
    )
    return tables


RIGID_41 = (
    "刚性支出 60,000.00 元（近 12 个月医疗自付 60,000.00 元、教育支出 0.00 元），超过家庭年收入的 50%；"
    "家庭人均年收入 18,000.00 元，低于上年度居民人均可支配收入 25,000 元"
)


def _link_rows(links: pa.Table) -> list[tuple[str, int, str, float]]:
    return [(r["record_id"], r["person_id"], r["method"], r["match_probability"]) for r in links.to_pylist()]


def test_every_low_income_person_gets_one_category_with_its_layer():
    result = compute_monitoring(_monitoring_world(), period=PERIOD, as_of=AS_OF)
    rows = [(r["person_id"], r["category"], r["layer"], r["basis"]) for r in result.categories.to_pylist()]
    assert rows == [
        (11, "dibao", 1, "享受最低生活保障"),
        (12, "dibao", 1, "享受最低生活保障"),
        (21, "tekun", 1, "享受特困人员救助供养"),
        (31, "fanpin", 2, "防止返贫监测对象（边缘易致贫户）"),
        (32, "fanpin", 2, "防止返贫监测对象（边缘易致贫户）"),
        (33, "edge", 2, "家庭人均月收入 400.00 元，低于低保标准的 1.5 倍"),
        (41, "rigid", 2, RIGID_41),
        (42, "rigid", 2, RIGID_41),  # the whole household: its spending against its income
        (51, "edge", 2, "家庭人均月收入 0.00 元，低于低保标准的 1.5 倍"),
        (61, "dibao", 1, "享受最低生活保障"),
        (71, "other", 3, "有重病、重残、就学或失业困难，家庭人均月收入 1,100.00 元"),
    ]
    assert set(result.categories.column("period").to_pylist()) == {"2023-06"}
    assert result.categories.schema == CATEGORIES_SCHEMA


def test_warnings_carry_a_level_and_one_of_the_four_routes():
    result = compute_monitoring(_monitoring_world(), period=PERIOD, as_of=AS_OF)
    rows = [
        (r["person_id"], r["signal"], r["level"], r["route"], r["detail"])
        for r in result.warnings.to_pylist()
    ]
    assert rows == [
        # a covered child's 特别困难 schooling: make sure the education help is delivered
        (11, "schooling", "serious", "deliver", "家庭经济困难学生（昭阳区第二小学）"),
        # a recipient died: verify, re-check or terminate
        (12, "death", "severe", "verify", "2023-05-03 死亡，仍在享受救助待遇"),
        # not covered, one signal: push to the department
        (31, "disability", "severe", "push", "新办残疾人证：肢体残疾一级"),
        (32, "illness", "serious", "push", "近 12 个月医疗自付 7,000.00 元（2 次结算）"),
        (33, "schooling", "general", "push", "家庭经济困难学生（昭通市第一中学）"),
        (33, "unemployment", "general", "push", "2023-03-15 登记失业"),
        # several serious signals: the county decides case by case
        (41, "death", "serious", "case_by_case", "2023-04-01 死亡"),
        (41, "disability", "serious", "case_by_case", "新办残疾人证：视力残疾二级"),
        (41, "illness", "severe", "case_by_case", "近 12 个月医疗自付 60,000.00 元（1 次结算）"),
        (42, "unemployment", "general", "push", "2023-03-15 登记失业"),
        (71, "unemployment", "general", "push", "2023-01-09 登记失业"),
    ]
    assert result.warnings.schema == WARNINGS_SCHEMA


def test_without_departmental_data_only_the_registry_categories_remain():
    tables = registry_tables()
    result = compute_monitoring(tables, period=PERIOD, as_of=AS_OF)
    assert [(r["person_id"], r["category"]) for r in result.categories.to_pylist()] == [
        (11, "dibao"),
        (12, "dibao"),
        (21, "tekun"),
        (31, "edge"),
        (32, "edge"),
        (33, "edge"),
        (51, "edge"),
        (61, "dibao"),
    ]
    assert result.warnings.num_rows == 0


def test_the_rigid_ratio_is_a_parameter():
    # given the county sets the ratio at 200%: 60,000 元 is less than twice 36,000 元 a year
    profile = MonitoringProfile(rigid_ratio=Param(Decimal("2"), "测试", Confidence.K))
    result = compute_monitoring(_monitoring_world(), period=PERIOD, as_of=AS_OF, profile=profile)
    # then 41 is no longer 刚性支出困难 (and too well off for 其他困难人员)
    assert 41 not in result.categories.column("person_id").to_pylist()


# --- loading a period ----------------------------------------------------------------------------------------


def _tables(world, period: str = "2023-07") -> tuple[pa.Table, pa.Table]:
    zhang, wang = world.zhang, world.wang
    categories = pa.Table.from_pylist(
        [
            {
                "period": period,
                "person_id": m.person_id,
                "household_id": zhang.pk,
                "region_code": zhang.region_id,
                "category": "dibao",
                "layer": 1,
                "basis": "享受最低生活保障",
            }
            for m in zhang.memberships.all()
        ]
        + [
            {
                "period": period,
                "person_id": m.person_id,
                "household_id": wang.pk,
                "region_code": wang.region_id,
                "category": "edge",
                "layer": 2,
                "basis": "家庭人均月收入 400.00 元，低于低保标准的 1.5 倍",
            }
            for m in wang.memberships.all()
        ],
        schema=CATEGORIES_SCHEMA,
    )
    warnings = pa.Table.from_pylist(
        [
            {
                "period": period,
                "person_id": wang.head_id,
                "household_id": wang.pk,
                "region_code": wang.region_id,
                "signal": "unemployment",
                "level": "general",
                "route": "push",
                "detail": "2023-03-15 登记失业",
            },
            {
                "period": period,
                "person_id": zhang.head_id,
                "household_id": zhang.pk,
                "region_code": zhang.region_id,
                "signal": "illness",
                "level": "serious",
                "route": "deliver",
                "detail": "近 12 个月医疗自付 7,000.00 元（2 次结算）",
            },
        ],
        schema=WARNINGS_SCHEMA,
    )
    return categories, warnings


@pytest.mark.django_db
def test_loading_a_period_again_replaces_the_categories_and_keeps_the_warnings_handling(world, staff, clock):
    categories, warnings = _tables(world)
    audit_before = AuditLog.objects.count()
    first = do_load_monitoring("2023-07", categories, warnings, acting_user=staff["county"])
    assert (first.categories, first.new_warnings, first.known_warnings) == (5, 2, 0)
    audit = AuditLog.objects.order_by("-id").first()
    assert (audit.event_type, audit.subject_id, audit.data["by_category"]) == (
        "monitoring.loaded",
        "2023-07",
        {"dibao": 3, "edge": 2},
    )
    assert AuditLog.objects.count() == audit_before + 1
    # given a warning was handled
    warning = Warning.objects.get(signal="unemployment")
    do_handle_warning(warning.pk, note="已推送人社部门就业援助", acting_user=staff["township"])
    # when the period runs again
    again = do_load_monitoring("2023-07", categories, warnings)
    # then the same categories, no duplicate warning, the handling kept
    assert (again.categories, again.new_warnings, again.known_warnings) == (5, 0, 2)
    assert PersonCategory.objects.filter(period="2023-07").count() == 5
    assert Warning.objects.count() == 2
    warning.refresh_from_db()
    assert (warning.status, warning.handling_note) == ("handled", "已推送人社部门就业援助")
    with pytest.raises(WarningAlreadyHandled):
        do_handle_warning(warning.pk, note="再次处置", acting_user=staff["township"])


@pytest.mark.django_db
def test_counts_by_category_county_and_month(world, staff, clock):
    do_load_monitoring("2023-06", *_tables(world, "2023-06"))
    do_load_monitoring("2023-07", *_tables(world, "2023-07"))
    counts = count_low_income(staff["city"])
    assert [(c.period, c.county_code, c.category_label, c.persons) for c in counts] == [
        ("2023-06", "530602", "最低生活保障对象", 3),
        ("2023-06", "530602", "最低生活保障边缘家庭成员", 2),
        ("2023-07", "530602", "最低生活保障对象", 3),
        ("2023-07", "530602", "最低生活保障边缘家庭成员", 2),
    ]
    assert [c.persons for c in count_low_income(staff["county"], period="2023-07")] == [3, 2]
    assert count_low_income(staff["other_county"]) == []
    assert str(Category.EDGE.label) == "最低生活保障边缘家庭成员"


@pytest.mark.django_db
def test_a_load_with_another_period_or_unknown_values_writes_nothing(world, staff, clock):
    categories, warnings = _tables(world)
    before = (PersonCategory.objects.count(), Warning.objects.count(), AuditLog.objects.count())
    with pytest.raises(ValidationFailed, match="期间与 2023-08 不一致"):
        do_load_monitoring("2023-08", categories, warnings)
    bad = warnings.set_column(warnings.schema.get_field_index("route"), "route", pa.array(["ufo", "push"]))
    with pytest.raises(ValidationFailed, match="未知取值：ufo"):
        do_load_monitoring("2023-07", categories, bad)
    with pytest.raises(PermissionDenied):
        do_load_monitoring("2023-07", categories, warnings, acting_user=staff["township"])
    assert (PersonCategory.objects.count(), Warning.objects.count(), AuditLog.objects.count()) == before


@pytest.mark.django_db
def test_an_auditor_cannot_handle_a_warning(world, staff, clock):
    do_load_monitoring("2023-07", *_tables(world))
    warning = Warning.objects.first()
    with pytest.raises(PermissionDenied):
        do_handle_warning(warning.pk, note="x", acting_user=staff["auditor"])
    with pytest.raises(ValidationFailed, match="请填写处置情况"):
        do_handle_warning(warning.pk, note=" ", acting_user=staff["township"])
    warning.refresh_from_db()
    assert warning.status == "open"


@pytest.mark.django_db
def test_a_whole_monitoring_run_from_the_snapshot(world, staff, clock):
    # given a registry snapshot of 王家 (two people, 300 元 a month, standard 640) and nothing else
    wang = world.wang
    people = [
        {**person(m.person_id, wang.pk, "1980-01-01"), "region_code": wang.region_id}
        for m in wang.memberships.all()
    ]
    tables = registry_tables(
        people=people, entitlements=[(0, 0, "dibao")], means=[(wang.pk, 2, "300", "640")]
    )
    # when
    result = run_monitoring(
        tables, period="2023-07", as_of=datetime.date(2023, 7, 31), acting_user=staff["county"]
    )
    # then both are 低保边缘家庭成员 of 昭阳区
    assert (result.categories, result.new_warnings) == (2, 0)
    assert set(PersonCategory.objects.values_list("category", "region_code")) == {("edge", "530602001001")}
