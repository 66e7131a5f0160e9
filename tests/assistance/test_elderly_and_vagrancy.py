"""高龄津贴 bands at birthdays; 流浪乞讨 救助期限."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minzheng.assistance.domain.elderly import assess_elderly_allowance
from minzheng.assistance.domain.facts import MemberSelection, ReceivedBenefit, VagrancyApplication
from minzheng.assistance.domain.vagrancy import assess_vagrancy
from minzheng.common.ids import age_in_full_years

from .builders import AS_OF, household, money, person, profile, standards


def allowance(birth: datetime.date, as_of: datetime.date):
    house = household(person("老人", birth_date=birth))
    decision = assess_elderly_allowance(house, MemberSelection(0), standards(as_of=as_of), profile(), as_of)
    return decision.household_amount


@pytest.mark.parametrize(
    ("age", "amount"), [(79, 0), (80, 50), (89, 50), (90, 100), (99, 100), (100, 300), (105, 300)]
)
def test_old_age_allowance_bands(age, amount):
    assert allowance(datetime.date(AS_OF.year - age, 1, 1), AS_OF) == money(amount)


def _birthday(birth: datetime.date, age: int) -> datetime.date:
    """The day a person turns ``age``: 29 February birthdays fall on 1 March in common years."""
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:
        return datetime.date(birth.year + age, 3, 1)


@given(st.dates(datetime.date(1900, 1, 1), datetime.date(1945, 12, 31)), st.sampled_from([80, 90, 100]))
def test_a_band_starts_on_the_birthday_not_the_day_before(birth, bound):
    # given the day someone turns ``bound``, when assessed the day before and on the day
    birthday = _birthday(birth, bound)
    before, on = allowance(birth, birthday - datetime.timedelta(days=1)), allowance(birth, birthday)
    # then the amount changes exactly on the birthday
    bands = {80: money(50), 90: money(100), 100: money(300)}
    below = {80: money(0), 90: money(50), 100: money(100)}
    assert age_in_full_years(birth, birthday) == bound
    assert (before, on) == (below[bound], bands[bound])


def test_the_whole_household_is_assessed_when_no_member_is_named():
    house = household(person("甲", age=85), person("乙", age=91), person("丙", age=58))
    decision = assess_elderly_allowance(house, MemberSelection(), standards(), profile(), AS_OF)
    assert decision.household_amount == money(150)
    assert [m.name for m in decision.members] == ["甲", "乙"]


def vagrant(**fields):
    return household(person("流浪人员", age=45, **fields))


def test_a_vagrant_without_means_is_helped_and_an_overlong_stay_is_flagged():
    episode = VagrancyApplication(start_date=datetime.date(2023, 6, 15))
    decision = assess_vagrancy(vagrant(), episode, standards(), profile(), AS_OF)
    assert decision.eligible and decision.period == "in_kind"
    assert decision.reason("vagrancy.duration").passed is False
    assert decision.details == {"days": "16", "days_over_limit": "6"}


def test_a_ten_day_stay_is_within_the_limit():
    episode = VagrancyApplication(start_date=datetime.date(2023, 6, 1), end_date=datetime.date(2023, 6, 10))
    decision = assess_vagrancy(vagrant(), episode, standards(), profile(), AS_OF)
    assert decision.reason("vagrancy.duration").passed is True


def test_a_person_on_dibao_is_not_a_vagrancy_case():
    episode = VagrancyApplication(start_date=AS_OF)
    on_dibao = vagrant(received_benefits=(ReceivedBenefit("dibao", money(500)),))
    decision = assess_vagrancy(on_dibao, episode, standards(), profile(), AS_OF)
    assert not decision.eligible
    assert decision.reason("vagrancy.not_on_dibao_or_tekun").passed is False


def test_someone_with_relatives_to_go_to_is_not_a_case():
    episode = VagrancyApplication(start_date=AS_OF, has_relatives_to_rely_on=True)
    assert not assess_vagrancy(vagrant(), episode, standards(), profile(), AS_OF).eligible
