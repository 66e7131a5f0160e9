"""Properties of the dibao rules over generated households (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from minzheng.assistance.domain.dibao import assess_dibao
from minzheng.assistance.domain.facts import HouseholdFacts, IncomeItem, MemberFacts

from .builders import AS_OF, household, person, profile, standards, wage

CENT = Decimal("0.01")

amounts = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def plain_members(draw) -> MemberFacts:
    """Members without 单人保 grounds (no grade 1–3 disability, no serious illness)."""
    return person(
        "成员",
        age=draw(st.integers(0, 95)),
        labour_capacity=draw(st.sampled_from(["有劳动能力", "部分丧失劳动能力", "无劳动能力"])),
        chronic_illness=draw(st.booleans()),
        disability_category=None,
    )


@st.composite
def any_members(draw) -> MemberFacts:
    grade = draw(st.none() | st.integers(1, 4))
    return person(
        "成员",
        age=draw(st.integers(0, 95)),
        labour_capacity=draw(st.sampled_from(["有劳动能力", "部分丧失劳动能力", "无劳动能力"])),
        serious_illness=draw(st.booleans()),
        disability_category=None
        if grade is None
        else draw(st.sampled_from(["肢体", "智力", "精神", "视力"])),
        disability_grade=grade,
        employment=draw(st.sampled_from([None, "无业", "务工"])),
    )


@st.composite
def households(draw, members=plain_members) -> HouseholdFacts:
    people = draw(st.lists(members(), min_size=1, max_size=5))
    incomes = tuple(
        wage(draw(amounts), member=draw(st.integers(0, len(people) - 1)))
        for _ in range(draw(st.integers(0, 4)))
    )
    return household(*people, urban=draw(st.booleans()), incomes=incomes)


def amount(house: HouseholdFacts) -> Decimal:
    return assess_dibao(house, standards(urban=house.is_urban), profile(), AS_OF).household_amount


@settings(max_examples=300)
@given(households(), amounts, st.data())
def test_raising_income_never_raises_the_dibao_amount(house, rise, data):
    # given a household and one member whose income rises
    index = data.draw(st.integers(0, len(house.members) - 1))
    richer = replace(house, incomes=(*house.incomes, IncomeItem("工资性收入", "加薪", rise, index)))
    # then the amount does not go up
    assert amount(richer) <= amount(house)


@settings(max_examples=300)
@given(households(members=any_members))
def test_no_amount_is_ever_negative(house):
    decision = assess_dibao(house, standards(urban=house.is_urban), profile(), AS_OF)
    assert all(part >= 0 for member in decision.members for part in member.parts.values())
    assert decision.household_amount >= 0
    assert all(part == part.quantize(CENT) for member in decision.members for part in member.parts.values())


@given(st.lists(plain_members(), min_size=1, max_size=6), st.booleans())
def test_just_below_the_line_is_eligible_and_just_above_is_not(people, urban):
    standard = standards(urban=urban).dibao_monthly.value
    line = standard * len(people)

    def eligible(total: Decimal) -> bool:
        house = household(*people, urban=urban, incomes=(wage(total),))
        return assess_dibao(house, standards(urban=urban), profile(), AS_OF).eligible

    assert eligible(line - CENT)
    assert not eligible(line)
    assert not eligible(line + CENT)


@given(st.lists(plain_members(), min_size=1, max_size=6), st.integers(0, 5), amounts)
def test_under_gradual_exit_just_above_the_line_is_still_paid_the_previous_amount(
    people, months_done, previous
):
    house = household(
        *people,
        incomes=(wage(standards().dibao_monthly.value * len(people) + CENT),),
        currently_receiving_dibao=True,
        previous_monthly_amount=previous,
        income_rise_cause="就业",
        months_already_in_gradual_exit=months_done,
    )
    decision = assess_dibao(house, standards(), profile(), AS_OF)
    assert decision.eligible and decision.category == "渐退"
    assert decision.household_amount == previous


def test_single_coverage_can_pay_more_than_the_household_got_just_below_the_line():
    """A documented cliff, not a bug in the code: the policy covers the disabled member alone as a one-person
    unit, so crossing the line can raise the amount. The monotonic property above excludes such members."""
    disabled = person("残疾人", disability_category="肢体", disability_grade=1, employment="无业")
    below = household(person("甲"), disabled, incomes=(wage("1439.99"),))
    above = household(person("甲"), disabled, incomes=(wage("1440.00"),))
    assert amount(below) == Decimal("244.00")  # max(floor 50 × 2, gap 0.01) = 100, + 144 supplement
    assert amount(above) == Decimal("864.00")  # 720 alone + 144
