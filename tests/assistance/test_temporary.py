"""临时救助: 急难型 and 支出型, the amount and the approval level."""

from __future__ import annotations

from minzheng.assistance.domain.facts import AssetItem, RigidExpenditure, TemporaryApplication
from minzheng.assistance.domain.temporary import assess_temporary

from .builders import AS_OF, household, money, person, profile, standards, wage


def assess(house, application, prof=None):
    return assess_temporary(house, application, standards(urban=house.is_urban), prof or profile(), AS_OF)


FAMILY = (person("甲"), person("乙"), person("丙", age=13))


def test_an_emergency_is_helped_first_at_k_months_of_the_standard_per_person():
    # given a rural family of three after a fire (严重: 6 months)
    house = household(*FAMILY, urban=False)
    decision = assess(house, TemporaryApplication("急难型", "严重", cause="火灾"))
    # then 6 × 475 × 3, approved by the county (above 2 months per person)
    assert decision.eligible and decision.period == "one_off"
    assert decision.household_amount == money(6 * 475 * 3)
    assert decision.details == {"help_first": "是", "approval_level": "县级"}


def test_a_small_emergency_is_approved_by_the_township():
    decision = assess(household(*FAMILY), TemporaryApplication("急难型", "一般", cause="交通事故"))
    assert decision.household_amount == money(2 * 720 * 3)
    assert decision.details["approval_level"] == "乡镇"


def test_the_amount_can_be_per_household():
    decision = assess(
        household(*FAMILY),
        TemporaryApplication("急难型", "一般", cause="火灾"),
        prof=profile(temporary_per_person=False),
    )
    assert decision.household_amount == money(2 * 720)


def test_an_expenditure_case_needs_low_income_property_and_a_high_spending_ratio():
    house = household(*FAMILY, incomes=(wage(2400),), assets=(AssetItem("存款", money(10000), 0),))
    decision = assess(house, TemporaryApplication("支出型", "较重", expenditure_total=money(36000)))
    # 2400 × 12 / 3 = 9,600 < 25,000; 36,000 / 28,800 = 1.25 > 0.5
    assert decision.eligible
    assert decision.household_amount == money(6 * 720 * 3)
    assert decision.details["approval_level"] == "县级"


def test_an_expenditure_case_with_a_low_spending_ratio_is_refused():
    house = household(*FAMILY, incomes=(wage(2400),))
    decision = assess(house, TemporaryApplication("支出型", "一般", expenditure_total=money(14400)))
    assert not decision.eligible
    assert decision.reason("temporary.rigid_ratio").passed is False


def test_an_expenditure_case_with_high_income_is_refused():
    house = household(*FAMILY, incomes=(wage(7000),))
    decision = assess(house, TemporaryApplication("支出型", "严重", expenditure_total=money(100000)))
    assert decision.reason("temporary.income_below_disposable").passed is False
    assert not decision.eligible


def test_monthly_rigid_spending_is_used_when_no_total_is_given():
    house = household(
        *FAMILY, incomes=(wage(1000),), rigid_expenditures=(RigidExpenditure("医疗", money(600), 0),)
    )
    decision = assess(house, TemporaryApplication("支出型", "一般"))
    assert decision.reason("temporary.rigid_ratio").figures["spending"] == "7200.00"
    assert decision.eligible


def test_a_need_above_the_cap_is_capped_and_decided_case_by_case():
    prof = profile(
        temporary_months={**{k: "2" for k in profile().temporary_months.value}, "急难型/严重": "18"}
    )
    decision = assess(household(*FAMILY), TemporaryApplication("急难型", "严重", cause="重病"), prof=prof)
    assert decision.household_amount == money(12 * 720 * 3)
    assert decision.details["approval_level"] == "一事一议"
