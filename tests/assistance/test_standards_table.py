"""The dated standards table: seeded labels, resolution by region and date, 提标 as a new row."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from minzheng.assistance.domain.defaults import default_profile, default_standards
from minzheng.assistance.models import PolicyProfileVersion, PolicyStandard, StandardItem
from minzheng.assistance.standards import (
    StandardRow,
    StandardsMissing,
    load_rows,
    region_chain,
    resolve_profile,
    resolve_standards,
    rows_in_force,
)

VILLAGE = "530602101201"
JUNE = datetime.date(2023, 6, 30)


def test_the_region_chain_goes_from_the_village_to_the_province():
    assert region_chain(VILLAGE) == ["530602101201", "530602101", "530602", "530600", "530000"]
    assert region_chain("530600") == ["530600", "530000"]


@pytest.mark.django_db
@pytest.mark.parametrize("urban_rural", ["urban", "rural"])
def test_the_seeded_table_gives_back_the_labelled_defaults(urban_rural):
    # given the migration's seed; when
    resolved = resolve_standards(VILLAGE, urban_rural, JUNE)
    # then every value and label equals the rules' defaults
    expected = default_standards(VILLAGE, urban_rural, JUNE)
    for name in ("dibao_standard", "floor_per_person", "tier_amounts", "tekun_care", "orphan_dispersed"):
        assert getattr(resolved, name).value == getattr(expected, name).value, name
        assert getattr(resolved, name).confidence == getattr(expected, name).confidence, name
    assert resolved.payment_mode.value == expected.payment_mode.value
    assert resolved.dibao_standard.confidence == "placeholder"
    assert resolve_profile(VILLAGE, JUNE).to_dict() == default_profile().to_dict()


@pytest.mark.django_db
def test_derived_values_stay_derived():
    standards = resolve_standards(VILLAGE, "rural", JUNE)
    profile = resolve_profile(VILLAGE, JUNE)
    # 特困 basic = max(832, 1.3 × 720) = 936; 低保边缘 line = 1.5 × 475
    assert standards.tekun_basic_monthly(profile).value == Decimal("936.00")
    assert standards.dibao_monthly.value == Decimal("475.00")
    assert standards.edge_line_monthly(profile).value == Decimal("712.50")
    assert not PolicyStandard.objects.filter(item="tekun_basic", amount=Decimal("936.00")).exists()


@pytest.mark.django_db
def test_a_raise_is_a_new_row_from_its_date_and_the_old_row_still_answers_for_earlier_dates():
    # given
    PolicyStandard.objects.create(
        region_code="530600",
        item=StandardItem.DIBAO,
        urban_rural="urban",
        effective_from=datetime.date(2023, 7, 1),
        amount=Decimal("760.00"),
        unit="month",
        source="测试提标",
        confidence="placeholder",
    )
    # then
    assert resolve_standards(VILLAGE, "urban", JUNE).dibao_standard.value == Decimal("720.00")
    july = resolve_standards(VILLAGE, "urban", datetime.date(2023, 7, 1))
    assert july.dibao_standard.value == Decimal("760.00")
    assert july.tekun_basic_monthly(resolve_profile(VILLAGE, JUNE)).value == Decimal("988.00")


@pytest.mark.django_db
def test_a_county_row_beats_the_city_row_and_a_proposed_row_can_be_previewed():
    county = StandardRow(
        "530602", "dibao", "urban", "", datetime.date(2023, 1, 1), Decimal("750.00"), "month", "县标准", "K"
    )
    rows = load_rows(VILLAGE, extra=[county])
    assert resolve_standards(VILLAGE, "urban", JUNE, rows=rows).dibao_standard.value == Decimal("750.00")
    # not saved: the table itself still answers 720
    assert resolve_standards(VILLAGE, "urban", JUNE).dibao_standard.value == Decimal("720.00")
    assert resolve_standards(
        "530621101201", "urban", JUNE, rows=load_rows("530621101201", extra=[county])
    ).dibao_standard.value == Decimal("720.00")


@pytest.mark.django_db
def test_before_the_city_rows_the_provincial_minimum_applies_or_a_missing_item_is_named():
    before = datetime.date(2022, 6, 30)
    with pytest.raises(StandardsMissing, match="地方政策参数"):
        resolve_standards(VILLAGE, "urban", before)
    with pytest.raises(StandardsMissing, match="差额发放保底金额"):
        resolve_standards(VILLAGE, "urban", before, profile_version=PolicyProfileVersion.objects.get())
    assert rows_in_force(load_rows(VILLAGE), VILLAGE, "urban", before)[("dibao", "")].amount == Decimal(
        "640.00"
    )


@pytest.mark.django_db
def test_the_disability_rates_change_on_2026_01_01():
    assert resolve_standards(
        VILLAGE, "urban", datetime.date(2025, 12, 31)
    ).disability_living.value == Decimal("90.00")
    later = resolve_standards(VILLAGE, "urban", datetime.date(2026, 1, 1))
    assert later.disability_living.value == Decimal("100.00")
    assert later.disability_care.value["1"] == Decimal("110.00")
