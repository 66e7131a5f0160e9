"""特困人员: the three conditions, minors, supporters, the self-care assessment and the amount."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minzheng.assistance.domain.facts import (
    IncomeItem,
    ParentSituation,
    ReceivedBenefit,
    SelfCare,
    Supporter,
    TekunApplication,
)
from minzheng.assistance.domain.tekun import assess_tekun, self_care_level
from minzheng.assistance.domain.vocabulary import SelfCareLevel

from .builders import AS_OF, household, money, person, profile, standards

BASIC = money(936)  # max(832, 1.3 × 720)


def assess(member, *, incomes=(), urban=False, application=None, prof=None):
    house = household(member, urban=urban, incomes=incomes)
    return assess_tekun(
        house, application or TekunApplication(), standards(urban=urban), prof or profile(), AS_OF
    )


FAILED_TWO = SelfCare(dressing=False, bathing=False)


def test_an_old_person_alone_without_income_is_tekun_with_basic_plus_care():
    decision = assess(person("老人", age=72, self_care=FAILED_TWO))
    assert decision.eligible
    assert decision.members[0].parts == {"基本生活": BASIC, "照料护理": money(300)}
    assert decision.tier == "部分失能"


def test_the_basic_pension_and_old_age_allowance_do_not_count_as_income():
    incomes = (
        IncomeItem("转移净收入", "基础养老金", money(300), 0),
        IncomeItem("转移净收入", "高龄津贴", money(300), 0),
        IncomeItem("财产净收入", "土地流转租金", money(400), 0),
    )
    decision = assess(person("老人", age=85), incomes=incomes)
    assert decision.eligible
    assert decision.reason("tekun.income_below_standard").figures["income"] == "400.00"


def test_income_at_the_dibao_standard_means_the_person_has_means_of_living():
    decision = assess(person("老人", age=72), incomes=(IncomeItem("财产净收入", "租金", money(475), 0),))
    assert not decision.eligible


@pytest.mark.parametrize(
    ("age", "fields", "passed"),
    [
        (60, {}, True),
        (59, {}, False),
        (15, {}, True),
        (17, {}, True),  # support extended to 18
        (40, {"disability_category": "智力", "disability_grade": 3}, True),
        (40, {"disability_category": "精神", "disability_grade": 4}, False),
        (40, {"disability_category": "肢体", "disability_grade": 2}, True),
        (40, {"disability_category": "肢体", "disability_grade": 3}, False),
        (40, {"disability_category": "视力", "disability_grade": 1}, True),
        (40, {"disability_category": "视力", "disability_grade": 2}, False),
    ],
)
def test_no_labour_capacity(age, fields, passed):
    decision = assess(person("申请人", age=age, **fields))
    assert decision.reason("tekun.no_labour_capacity").passed is passed


def test_support_continues_after_18_while_in_high_school():
    in_school = person(
        "学生", age=19, education="普通高中", received_benefits=(ReceivedBenefit("tekun", money(900)),)
    )
    assert assess(in_school).eligible
    at_university = person(
        "学生", age=19, education="本科", received_benefits=(ReceivedBenefit("tekun", money(900)),)
    )
    assert not assess(at_university).eligible


def test_a_minor_who_chooses_the_orphan_scheme_is_not_tekun():
    orphan = person("孤儿", age=10, father=ParentSituation("死亡"), mother=ParentSituation("死亡"))
    decision = assess(orphan, application=TekunApplication(chooses_child_scheme=True))
    assert not decision.eligible
    assert decision.reason("tekun.minor_chose_child_scheme").passed is False
    assert assess(orphan).eligible


@pytest.mark.parametrize(
    ("supporter", "unable"),
    [
        (Supporter("儿子", 45, money(3000)), False),
        (Supporter("儿子", 45, status="服刑在押"), True),
        (Supporter("儿子", 45, status="服刑在押", property_within_limits=False), False),
        (Supporter("儿子", 45, is_tekun=True), True),
        (Supporter("配偶", 62, is_dibao=True), True),
        (Supporter("配偶", 58, is_dibao=True), False),
        (Supporter("配偶", 70, money(2000)), True),  # 24,000 a year < 25,000 (urban)
        (Supporter("儿子", 45, money(1000), disability_category="智力", disability_grade=3), True),
        (Supporter("儿子", 45, money(2500), disability_category="肢体", disability_grade=1), False),
    ],
)
def test_a_supporter_unable_to_support(supporter, unable):
    decision = assess(person("老人", age=75, supporters=(supporter,)), urban=True)
    assert decision.reason("tekun.supporter").passed is unable
    assert decision.eligible is unable


def test_rural_supporter_income_is_compared_with_the_rural_disposable_income():
    old_supporter = Supporter("配偶", 72, money(1200))  # 14,400 ≥ 14,000
    assert not assess(person("老人", age=75, supporters=(old_supporter,))).eligible


@given(st.lists(st.booleans(), min_size=6, max_size=6))
def test_self_care_scoring_boundaries(achieved):
    # given six items achieved or not, when scored, then 0 failed → able, 1–3 → partly, ≥ 4 → fully lost
    failed = achieved.count(False)
    level = self_care_level(SelfCare(*achieved), profile())
    if failed == 0:
        assert level == SelfCareLevel.ABLE
    elif failed <= 3:
        assert level == SelfCareLevel.PARTLY_LOST
    else:
        assert level == SelfCareLevel.FULLY_LOST


@pytest.mark.parametrize(
    ("self_care", "care"),
    [(SelfCare(), 60), (SelfCare(eating=False), 300), (SelfCare(False, False, False, False), 800), (None, 0)],
)
def test_the_care_amount_follows_the_self_care_tier(self_care, care):
    decision = assess(person("老人", age=80, self_care=self_care))
    assert decision.members[0].parts["照料护理"] == money(care)


def test_the_support_mode_is_reported():
    decision = assess(person("老人", age=80), application=TekunApplication(support_mode="集中供养"))
    assert decision.category == decision.details["support_mode"] == "集中供养"


def test_the_configured_basic_wins_when_higher():
    house = household(person("老人", age=80), urban=False)
    decision = assess_tekun(
        house, TekunApplication(), standards(urban=False, tekun_basic_configured=1000), profile(), AS_OF
    )
    assert decision.members[0].parts["基本生活"] == Decimal("1000.00")
