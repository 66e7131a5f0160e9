"""Loading a period's categories writes only the difference, and keeps the villages' counts in step."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from minzheng.audit.models import AuditLog
from minzheng.compute.bulkload import bulk_delete
from minzheng.verification.actions import do_load_monitoring
from minzheng.verification.models import LowIncomeCount, PersonCategory
from minzheng.verification.monitoring import CATEGORIES_SCHEMA, WARNINGS_SCHEMA
from minzheng.verification.selectors import count_low_income, list_periods

PERIOD = "2023-07"


def _categories(world, *, edge_layer: int = 2, with_wang: bool = True) -> pa.Table:
    """张家 on dibao, 王家 (unless left out) 低保边缘 at `edge_layer`."""
    rows = [
        {
            "period": PERIOD,
            "person_id": m.person_id,
            "household_id": world.zhang.pk,
            "region_code": world.zhang.region_id,
            "category": "dibao",
            "layer": 1,
            "basis": "享受最低生活保障",
        }
        for m in world.zhang.memberships.order_by("person_id")
    ]
    if with_wang:
        rows += [
            {
                "period": PERIOD,
                "person_id": m.person_id,
                "household_id": world.wang.pk,
                "region_code": world.wang.region_id,
                "category": "edge",
                "layer": edge_layer,
                "basis": "家庭人均月收入 400.00 元，低于低保标准的 1.5 倍",
            }
            for m in world.wang.memberships.order_by("person_id")
        ]
    return pa.Table.from_pylist(rows, schema=CATEGORIES_SCHEMA)


def _rows() -> dict[int, tuple[int, str, int]]:
    return {
        row.person_id: (row.pk, row.category, row.layer)
        for row in PersonCategory.objects.filter(period=PERIOD)
    }


@pytest.mark.django_db
def test_the_same_period_loaded_again_writes_no_category(world, staff, clock):
    first = do_load_monitoring(PERIOD, _categories(world), WARNINGS_SCHEMA.empty_table())
    before = _rows()
    again = do_load_monitoring(PERIOD, _categories(world), WARNINGS_SCHEMA.empty_table())
    assert (first.categories_written, first.categories_removed) == (5, 0)
    assert (again.categories, again.categories_written, again.categories_removed) == (5, 0, 0)
    assert _rows() == before  # the same rows, ids included
    audit = AuditLog.objects.order_by("-id").first()
    assert (audit.data["categories_written"], audit.data["categories_removed"]) == (0, 0)


@pytest.mark.django_db
def test_a_changed_layer_and_a_household_gone_replace_only_their_rows(world, staff, clock):
    do_load_monitoring(PERIOD, _categories(world), WARNINGS_SCHEMA.empty_table())
    before = _rows()
    zhang_ids = {m.person_id for m in world.zhang.memberships.all()}
    wang_ids = {m.person_id for m in world.wang.memberships.all()}
    # 王家's layer changes: its two rows are replaced, 张家's three stay
    changed = do_load_monitoring(PERIOD, _categories(world, edge_layer=3), WARNINGS_SCHEMA.empty_table())
    assert (changed.categories_written, changed.categories_removed) == (2, 2)
    after = _rows()
    assert {p: after[p] for p in zhang_ids} == {p: before[p] for p in zhang_ids}
    assert {after[p][2] for p in wang_ids} == {3}
    assert not {after[p][0] for p in wang_ids} & {before[p][0] for p in wang_ids}
    # 王家 no longer categorised: its rows go, and so does its count
    gone = do_load_monitoring(PERIOD, _categories(world, with_wang=False), WARNINGS_SCHEMA.empty_table())
    assert (gone.categories_written, gone.categories_removed) == (0, 2)
    assert set(_rows()) == zhang_ids
    assert [(c.category, c.persons) for c in count_low_income(staff["city"], period=PERIOD)] == [("dibao", 3)]


@pytest.mark.django_db
def test_the_counts_are_per_village_and_category_and_serve_every_jurisdiction(world, staff, clock):
    do_load_monitoring(PERIOD, _categories(world), WARNINGS_SCHEMA.empty_table())
    counts = {(c.region_code, c.category): c.persons for c in LowIncomeCount.objects.filter(period=PERIOD)}
    assert counts == {(world.zhang.region_id, "dibao"): 3, (world.wang.region_id, "edge"): 2}
    assert list_periods(staff["county"]) == [PERIOD]
    assert list_periods(staff["other_county"]) == []
    assert [c.persons for c in count_low_income(staff["county"])] == [3, 2]


@pytest.mark.django_db
def test_bulk_delete_removes_exactly_the_given_ids(world, staff, clock):
    do_load_monitoring(PERIOD, _categories(world), WARNINGS_SCHEMA.empty_table())
    ids = sorted(PersonCategory.objects.values_list("pk", flat=True))
    assert bulk_delete(PersonCategory, pa.array(ids[:2])) == 2
    assert bulk_delete(PersonCategory, pc.cast(pa.array([], pa.int32()), pa.int64())) == 0
    assert sorted(PersonCategory.objects.values_list("pk", flat=True)) == ids[2:]


@pytest.mark.django_db
def test_a_categorised_person_cannot_be_deleted(world, staff, clock):
    from django.db.models import ProtectedError

    from minzheng.registry.models import Person

    do_load_monitoring(PERIOD, _categories(world), WARNINGS_SCHEMA.empty_table())
    person = Person.objects.get(pk=PersonCategory.objects.filter(period=PERIOD).first().person_id)
    # the reference is not a database constraint, but Django still protects it
    with pytest.raises(ProtectedError) as refused:
        person.delete()
    assert any(isinstance(row, PersonCategory) for row in refused.value.protected_objects)
