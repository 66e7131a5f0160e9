"""Parameters: every value carries its source and confidence; dicts in and out; derived values stay derived."""

from __future__ import annotations

import datetime
from dataclasses import fields
from decimal import Decimal

import pytest

from minzheng.assistance.domain.defaults import default_profile, default_standards
from minzheng.assistance.domain.params import Confidence, Param, ParamError, PolicyProfile, Standards

from .builders import AS_OF, profile, standards


@pytest.mark.parametrize("urban_rural", ["urban", "rural"])
@pytest.mark.parametrize("as_of", [AS_OF, datetime.date(2026, 6, 30)])
def test_standards_survive_a_round_trip_through_a_dict(urban_rural, as_of):
    cell = default_standards("530602", urban_rural, as_of)
    assert Standards.from_dict(cell.to_dict()) == cell


def test_the_profile_survives_a_round_trip_through_a_dict():
    assert PolicyProfile.from_dict(default_profile().to_dict()) == default_profile()


@pytest.mark.parametrize("params", [default_standards("530621", "rural", AS_OF), default_profile()], ids=type)
def test_every_parameter_has_a_source_and_a_confidence_label(params):
    for f in fields(params):
        value = getattr(params, f.name)
        if f.metadata.get("plain"):
            continue
        assert isinstance(value, Param), f.name
        assert value.source, f.name
        assert value.confidence in set(Confidence), f.name
        assert params.to_dict()[f.name]["confidence"] == str(value.confidence)


def test_the_zhaotong_2023_amounts_are_labelled_placeholders():
    urban, rural = standards(urban=True), standards(urban=False)
    assert urban.dibao_standard.value == Decimal("720.00")
    assert urban.dibao_standard.confidence == Confidence.PLACEHOLDER
    assert rural.dibao_standard.value == Decimal("5700.00")
    assert rural.dibao_standard_period.value == "year"
    assert rural.tier_amounts.value == {
        "A": Decimal("534.00"),
        "B": Decimal("310.00"),
        "C": Decimal("220.00"),
    }
    assert urban.payment_mode.value == "差额" and rural.payment_mode.value == "分档"


def test_the_rural_monthly_standard_is_derived_from_the_yearly_one():
    monthly = standards(urban=False).dibao_monthly
    assert monthly.value == Decimal("475.00")
    assert monthly.source.startswith("派生")
    assert monthly.confidence == Confidence.PLACEHOLDER


def test_tekun_basic_is_the_higher_of_the_configured_value_and_1_3_times_the_urban_standard():
    # given the configured 832 and an urban standard of 720: 1.3 × 720 = 936 > 832
    assert standards().tekun_basic_monthly(profile()).value == Decimal("936.00")
    # when the configured value is higher, it wins
    assert standards(tekun_basic_configured=1000).tekun_basic_monthly(profile()).value == Decimal("1000.00")
    # a rural cell uses the local urban standard, not its own
    assert standards(urban=False).tekun_basic_monthly(profile()).value == Decimal("936.00")


def test_the_edge_line_is_one_and_a_half_times_the_standard():
    assert standards().edge_line_monthly(profile()).value == Decimal("1080.00")
    assert standards(urban=False).edge_line_monthly(profile()).value == Decimal("712.50")


def test_derived_values_are_not_fields_of_the_stored_parameters():
    names = {f.name for f in fields(Standards)} | {f.name for f in fields(PolicyProfile)}
    assert not names & {
        "tekun_basic_monthly",
        "edge_line_monthly",
        "dibao_monthly",
        "de_facto_orphan_dispersed",
    }


def test_a_raw_override_is_labelled_as_an_unsourced_placeholder():
    cell = Standards.from_dict({"dibao_standard": 735}, base=standards())
    assert cell.dibao_standard.value == Decimal("735.00")
    assert cell.dibao_standard.confidence == Confidence.PLACEHOLDER
    assert cell.dibao_standard.unit == "元/人·月"


def test_a_wrapped_override_keeps_its_source_and_confidence():
    cell = Standards.from_dict(
        {"dibao_standard": {"value": "735", "source": "昭民发〔2023〕X号", "confidence": "confirmed"}},
        base=standards(),
    )
    assert cell.dibao_standard == Param(
        Decimal("735.00"), "昭民发〔2023〕X号", Confidence.CONFIRMED, "元/人·月", True
    )


def test_the_disability_rates_change_on_1_january_2026():
    assert standards(as_of=datetime.date(2025, 12, 31)).disability_living.value == Decimal("90.00")
    assert standards(as_of=datetime.date(2026, 1, 1)).disability_living.value == Decimal("100.00")
    assert standards(as_of=datetime.date(2026, 1, 1)).disability_care.value["1"] == Decimal("110.00")


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"gradual_exit_months": 7}, "profile.gradual_exit_months", "invalid_value"),
        ({"no_such_rule": True}, "profile.no_such_rule", "unknown_field"),
        ({"edge_multiple": "-1"}, "profile.edge_multiple", "invalid_value"),
        ({"classified_supplements": {"未成年人": 0.1}}, "profile.classified_supplements", "invalid_value"),
        ({"rigid_deduction_kinds": ["医疗", "旅游"]}, "profile.rigid_deduction_kinds[1]", "invalid_value"),
        ({"self_care_fully_lost_from": 1}, "profile.self_care_fully_lost_from", "invalid_value"),
        ({"allow_income_counted_override": "yes"}, "profile.allow_income_counted_override", "invalid_value"),
        (
            {"income_lookback_months": {"value": 6, "confidence": "sure"}},
            "profile.income_lookback_months.confidence",
            "invalid_value",
        ),
    ],
)
def test_a_bad_profile_override_names_its_field(overrides, field, code):
    with pytest.raises(ParamError) as caught:
        PolicyProfile.from_dict(overrides, base=default_profile())
    assert (caught.value.field, caught.value.code) == (field, code)


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"dibao_standard": -1}, "standards.dibao_standard", "negative_amount"),
        ({"orphan_institutional": 1000}, "standards.orphan_institutional", "invalid_value"),
        ({"tier_amounts": {"A": 1, "B": 2}}, "standards.tier_amounts", "invalid_value"),
        ({"payment_mode": "按人"}, "standards.payment_mode", "invalid_value"),
        ({"elderly_allowance": {"八十": 50}}, "standards.elderly_allowance", "invalid_value"),
    ],
)
def test_a_bad_standards_override_names_its_field(overrides, field, code):
    with pytest.raises(ParamError) as caught:
        Standards.from_dict(overrides, base=standards())
    assert (caught.value.field, caught.value.code) == (field, code)


def test_building_standards_without_a_base_requires_every_field():
    data = standards().to_dict()
    del data["floor_per_person"]
    with pytest.raises(ParamError) as caught:
        Standards.from_dict(data)
    assert caught.value.field == "standards.floor_per_person"


def test_a_rural_cell_needs_the_local_urban_standard():
    with pytest.raises(ParamError) as caught:
        Standards.from_dict({"urban_dibao_monthly": None}, base=standards(urban=False))
    assert caught.value.field == "standards.urban_dibao_monthly"
