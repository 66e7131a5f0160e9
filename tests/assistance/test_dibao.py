"""最低生活保障: members, income, property, 差额 / 分档, 分类施保, 单人保, 渐退, 低保边缘."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minzheng.assistance.domain.dibao import assess_dibao, split_evenly
from minzheng.assistance.domain.facts import AssetItem, IncomeItem, MissingFact, RigidExpenditure

from .builders import (
    AS_OF,
    RURAL_STANDARD,
    URBAN_STANDARD,
    household,
    money,
    person,
    profile,
    standards,
    wage,
)


def assess(house, std=None, prof=None):
    return assess_dibao(house, std or standards(urban=house.is_urban), prof or profile(), AS_OF)


def base_amounts(decision):
    return [m.parts["低保金"] for m in decision.members]


# --- members and income ---------------------------------------------------------------------------------


def test_a_member_in_prison_neither_counts_nor_brings_income():
    # given three registered members, one serving a sentence with a wage recorded against him
    house = household(
        person("甲"),
        person("乙"),
        person("丙", is_cohabiting=False, exclusion_reason="服刑"),
        incomes=(wage(600, member=0), wage(3000, member=2)),
    )
    # when
    decision = assess(house)
    # then two members count, his income is ignored, and the gap is 720 × 2 − 600
    assert decision.reason("dibao.members").figures["persons"] == "2"
    assert decision.has_reason("dibao.income.member_not_counted")
    assert decision.household_amount == URBAN_STANDARD * 2 - 600


def test_excluded_income_items_do_not_reduce_the_benefit():
    house = household(
        person(), incomes=(wage(300), IncomeItem("转移净收入", "优待抚恤金", Decimal("500.00"), 0))
    )
    assert assess(house).household_amount == URBAN_STANDARD - 300


def test_household_items_without_a_member_are_counted():
    house = household(person("甲"), person("乙"), incomes=(wage(400, member=None, item="集体分红"),))
    assert assess(house).household_amount == URBAN_STANDARD * 2 - 400


# --- eligibility and the gap amount ---------------------------------------------------------------------------


def test_the_gap_is_split_between_members_to_the_cent():
    house = household(person("甲"), person("乙"), person("丙"), incomes=(wage(1000),))
    decision = assess(house)
    assert decision.household_amount == money(1160)
    assert base_amounts(decision) == [money("386.67"), money("386.67"), money("386.66")]
    assert split_evenly(money("0.02"), 3) == [money("0.01"), money("0.01"), money(0)]


def test_a_small_gap_is_raised_to_the_floor():
    # 720 × 2 − 1430 = 10 < floor 50 × 2
    house = household(person("甲"), person("乙"), incomes=(wage(1430),))
    assert assess(house).household_amount == money(100)


def test_income_equal_to_the_standard_is_not_eligible():
    decision = assess(household(person(), incomes=(wage(720),)))
    assert not decision.eligible
    assert decision.reason("dibao.income_below_standard").passed is False


def test_eligibility_compares_the_exact_total_not_the_rounded_per_capita_figure():
    # 2159.99 / 3 = 719.9966… displays as 720.00 but is below the standard
    house = household(person("甲"), person("乙"), person("丙"), incomes=(wage("2159.99"),))
    decision = assess(house)
    assert decision.eligible
    assert decision.details["per_capita_income"] == "720.00"


# --- property -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asset", "eligible", "code"),
    [
        (AssetItem("存款", Decimal("17280.00"), 0), True, "dibao.assets.financial"),  # = 24 × 720
        (AssetItem("存款", Decimal("17280.01"), 0), False, "dibao.assets.financial"),
        (AssetItem("机动车", Decimal("30000.00"), 0), False, "dibao.assets.vehicle"),
        (AssetItem("机动车", Decimal("15000.00"), 0), True, "dibao.assets.vehicle"),
        (
            AssetItem(
                "机动车", Decimal("30000.00"), 0, exempt=True, exempt_reason="残疾人功能性补偿代步机动车辆"
            ),
            True,
            "dibao.assets.exempt",
        ),
        (AssetItem("企业股份", Decimal("1000.00"), 0), False, "dibao.assets.business_share"),
        (
            AssetItem("其他", Decimal("1000.00"), 0, is_legal_representative=True),
            False,
            "dibao.assets.legal_representative",
        ),
    ],
)
def test_property_limits(asset, eligible, code):
    decision = assess(household(person(), incomes=(wage(100),), assets=(asset,)))
    assert decision.eligible is eligible
    assert decision.has_reason(code)


def test_a_second_house_makes_the_household_ineligible():
    houses = (AssetItem("房产", Decimal("100000.00"), 0), AssetItem("房产", Decimal("80000.00"), 0))
    decision = assess(household(person(), assets=houses))
    assert not decision.eligible
    assert decision.reason("dibao.assets.real_estate").passed is False
    assert assess(household(person(), assets=houses[:1])).eligible


# --- 刚性支出扣减 -------------------------------------------------------------------------------------------


def test_rigid_medical_spending_of_an_ill_member_is_deducted_up_to_the_cap():
    # given income 1600 for two and 350 of medical spending of the ill member (cap 300 per person)
    house = household(
        person("病人", serious_illness=True),
        person("配偶"),
        incomes=(wage(1600, member=1),),
        rigid_expenditures=(RigidExpenditure("医疗", Decimal("350.00"), 0),),
    )
    decision = assess(house)
    # then 1600 − 300 = 1300 < 1440: eligible, gap 140
    assert decision.eligible
    assert decision.reason("dibao.rigid_deduction").figures["deducted"] == "300.00"
    assert sum(base_amounts(decision)) == money(140)


def test_medical_spending_of_a_healthy_member_is_not_deducted():
    house = household(
        person("甲"),
        person("乙"),
        incomes=(wage(1600),),
        rigid_expenditures=(RigidExpenditure("医疗", money(350), 0),),
    )
    decision = assess(house)
    assert not decision.eligible
    assert decision.has_reason("dibao.rigid_not_deducted")


def test_the_household_cap_limits_the_total_deduction():
    ill = [person(f"病人{i}", serious_illness=True) for i in range(3)]
    spending = tuple(RigidExpenditure("医疗", money(300), i) for i in range(3))
    house = household(*ill, incomes=(wage(2500),), rigid_expenditures=spending)
    assert assess(house).reason("dibao.rigid_deduction").figures["deducted"] == "600.00"


def test_the_deduction_can_be_switched_off():
    house = household(
        person("病人", serious_illness=True),
        incomes=(wage(800),),
        rigid_expenditures=(RigidExpenditure("医疗", money(300), 0),),
    )
    assert assess(house).eligible
    assert not assess(house, prof=profile(rigid_deduction_enabled=False)).eligible


# --- 分档 ---------------------------------------------------------------------------------------------------


def test_tier_a_household_has_no_labour_capacity_and_no_income():
    house = household(person("老人", age=75), person("孙子", age=8), urban=False)
    decision = assess(house)
    assert decision.tier == "A"
    assert base_amounts(decision) == [money(534), money(534)]


def test_tier_b_household_is_mainly_old_weak_ill_or_disabled():
    house = household(
        person("老人", age=66), person("壮年", age=40), urban=False, incomes=(wage(300, member=1),)
    )
    decision = assess(house)
    assert decision.tier == "B"
    assert sum(base_amounts(decision)) == money(620)


def test_tier_c_household_has_members_able_to_work():
    house = household(
        person("甲", age=40), person("乙", age=38), person("丙", age=15), urban=False, incomes=(wage(900),)
    )
    decision = assess(house)
    assert decision.tier == "C"
    assert sum(base_amounts(decision)) == money(660)


def test_a_rural_household_is_compared_with_the_monthly_equivalent_of_the_yearly_standard():
    assert assess(household(person(), urban=False, incomes=(wage("474.99"),))).eligible
    assert not assess(household(person(), urban=False, incomes=(wage(RURAL_STANDARD),))).eligible


# --- 分类施保 -----------------------------------------------------------------------------------------------


def test_classified_supplements_take_the_highest_category_by_default():
    member = person("郭丽", disability_category="肢体", disability_grade=2, serious_illness=True)
    decision = assess(household(member, incomes=(wage(100),)))
    # 20% (grade 1–2 disability) beats 15% (serious illness)
    assert decision.members[0].parts["分类施保"] == money(144)


def test_classified_supplements_can_stack():
    member = person("郭丽", disability_category="肢体", disability_grade=2, serious_illness=True)
    decision = assess(
        household(member, incomes=(wage(100),)), prof=profile(classified_supplement_mode="stack")
    )
    assert decision.members[0].parts["分类施保"] == money(252)  # (0.20 + 0.15) × 720


@pytest.mark.parametrize(("age", "supplement"), [(59, 0), (60, 72), (69, 72), (70, "108"), (17, 72), (18, 0)])
def test_age_categories_of_the_classified_supplement(age, supplement):
    decision = assess(household(person(age=age), incomes=(wage(100),)))
    assert decision.members[0].parts["分类施保"] == money(supplement)


# --- 低保边缘 and 单人保 ------------------------------------------------------------------------------------


def test_a_household_between_1_and_1_5_times_the_standard_is_an_edge_household():
    decision = assess(household(person("甲"), person("乙"), incomes=(wage(1800),)))
    assert not decision.eligible
    assert decision.category == "低保边缘"
    assert decision.reason("dibao.edge_household").passed is None


def test_above_1_5_times_the_standard_is_neither_dibao_nor_edge():
    decision = assess(household(person("甲"), person("乙"), incomes=(wage(2160),)))
    assert decision.category == "不符合"


def test_a_severely_disabled_member_of_an_edge_household_is_covered_alone():
    disabled = person("残疾人", disability_category="肢体", disability_grade=1, employment="无业")
    decision = assess(household(person("甲"), disabled, person("乙"), incomes=(wage(2400),)))
    # household 800 per head: edge; the disabled member alone: 720 − 0 + 20% × 720
    assert decision.eligible and decision.category == "单人保"
    assert [(m.member, m.total) for m in decision.members] == [(1, money(864))]


def test_a_grade_3_mental_disability_and_a_serious_illness_also_qualify_for_single_coverage():
    mental = person("精神", disability_category="精神", disability_grade=3)
    ill = person("重病", serious_illness=True)
    decision = assess(household(person("甲"), mental, ill, incomes=(wage(2400),)))
    assert [m.member for m in decision.members] == [1, 2]


def test_a_grade_3_physical_disability_does_not_qualify_for_single_coverage():
    physical = person("肢体", disability_category="肢体", disability_grade=3)
    decision = assess(household(person("甲"), physical, incomes=(wage(1600),)))
    assert not decision.eligible and decision.category == "低保边缘"


def test_single_coverage_deducts_the_persons_own_income():
    disabled = person("残疾人", disability_category="智力", disability_grade=2)
    decision = assess(household(person("甲"), disabled, incomes=(wage(1300), wage(300, member=1))))
    assert decision.members[0].parts["低保金"] == money(420)


def test_an_adult_unemployed_severely_disabled_person_is_covered_even_outside_an_edge_household():
    disabled = person("残疾人", age=30, disability_category="肢体", disability_grade=2, employment="无业")
    support = IncomeItem("转移净收入", "扶养费", money(200), member=1, payer="兄弟姐妹")
    decision = assess(household(person("哥哥"), disabled, incomes=(wage(5000), support)))
    assert decision.category == "单人保"
    # the sibling's support is exempted (S4): 720 − 0 + 144
    assert decision.members[0].total == money(864)
    assert decision.has_reason("dibao.single.income.support_exempted")
    # and a profile requiring an edge household refuses it
    strict = assess(
        household(person("哥哥"), disabled, incomes=(wage(5000),)),
        prof=profile(adult_severe_disability_requires_edge=True),
    )
    assert not strict.eligible


def test_single_coverage_at_a_share_of_the_standard():
    disabled = person("残疾人", disability_category="肢体", disability_grade=1)
    prof = profile(single_person_amount_mode="share_of_standard", single_person_share="0.5")
    decision = assess(household(person("甲"), disabled, incomes=(wage(1600),)), prof=prof)
    assert decision.members[0].parts == {"低保金": money(360), "分类施保": money(144)}


# --- 渐退 ---------------------------------------------------------------------------------------------------


def exiting(
    months_done: int = 0, cause: str | None = "就业", previous: str | None = "600.00", income: int = 2400
):
    return household(
        person("甲"),
        person("乙"),
        person("丙"),
        incomes=(wage(income),),
        currently_receiving_dibao=True,
        previous_monthly_amount=Decimal(previous) if previous else None,
        income_rise_cause=cause,
        months_already_in_gradual_exit=months_done,
    )


@pytest.mark.parametrize("months_done", [0, 2, 5])
def test_gradual_exit_keeps_paying_the_previous_amount_for_six_months(months_done):
    decision = assess(exiting(months_done))
    assert decision.eligible and decision.category == "渐退"
    assert decision.household_amount == money(600)
    assert decision.details["gradual_exit_month"] == f"{months_done + 1}/6"


def test_gradual_exit_stops_after_six_months():
    decision = assess(exiting(6))
    assert not decision.eligible
    assert decision.reason("dibao.gradual_exit").passed is False


def test_no_gradual_exit_when_income_rose_for_another_reason():
    decision = assess(exiting(0, cause="其他"))
    assert not decision.eligible
    assert "不给予渐退期" in decision.reason("dibao.gradual_exit").message


def test_a_declining_gradual_exit_schedule():
    prof = profile(gradual_exit_months=3, gradual_exit_schedule=["1", "0.5", "0.25"])
    assert [assess(exiting(k), prof=prof).household_amount for k in range(4)] == [
        money(600),
        money(300),
        money(150),
        money(0),
    ]


def test_gradual_exit_needs_the_previous_amount():
    with pytest.raises(MissingFact) as caught:
        assess(exiting(0, previous=None))
    assert caught.value.field == "household.previous_monthly_amount"


def test_a_household_still_below_the_line_is_simply_paid_again():
    decision = assess(exiting(0, income=900))
    assert decision.category == "低保（差额）"
    assert decision.household_amount == URBAN_STANDARD * 3 - 900


# --- review period, reported parameters -----------------------------------------------------------------------


def test_unstable_income_with_labour_capacity_is_reviewed_every_six_months():
    assert assess(household(person(employment="务工"), incomes=(wage(100),))).details["review_months"] == "6"
    assert assess(household(person(employment="务农"), incomes=(wage(100),))).details["review_months"] == "12"


def test_the_decision_reports_the_parameters_it_used_with_their_confidence():
    decision = assess(household(person(), incomes=(wage(100),)))
    assert decision.params_used["dibao_standard_monthly"].value == URBAN_STANDARD
    assert decision.params_used["edge_multiple"].confidence == "confirmed"
    assert decision.params_used["floor_per_person"].confidence == "placeholder"
