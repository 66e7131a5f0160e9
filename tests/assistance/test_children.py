"""孤儿, 事实无人抚养儿童, 艾滋病病毒感染儿童 and 补差."""

from __future__ import annotations

import pytest

from minzheng.assistance.domain.children import assess_child
from minzheng.assistance.domain.facts import ChildApplication, ParentSituation, ReceivedBenefit
from minzheng.assistance.domain.vocabulary import Scheme

from .builders import AS_OF, household, money, person, profile, standards


def assess(child, scheme=Scheme.DE_FACTO_ORPHAN, care="散居", prof=None):
    house = household(child, urban=False)
    return assess_child(
        scheme, house, ChildApplication(0, care), standards(urban=False), prof or profile(), AS_OF
    )


def child(father, mother, age=8, **fields):
    return person("儿童", age=age, father=father, mother=mother, **fields)


P = ParentSituation


def test_a_child_who_lost_both_parents_is_an_orphan():
    decision = assess(child(P("死亡"), P("失踪")), scheme=Scheme.ORPHAN)
    assert decision.eligible and decision.category == "孤儿"
    assert decision.household_amount == money(1290)


def test_institutional_care_is_paid_more():
    decision = assess(child(P("死亡"), P("查找不到")), scheme=Scheme.ORPHAN, care="机构养育")
    assert decision.household_amount == money(1990)


def test_an_orphan_of_18_is_no_longer_a_child():
    decision = assess(child(P("死亡"), P("死亡"), age=18), scheme=Scheme.ORPHAN)
    assert not decision.eligible
    assert decision.reason("children.age").passed is False


@pytest.mark.parametrize(
    ("father", "mother", "eligible"),
    [
        (P("服刑在押", 36), P("失联", 10), True),
        (P("服刑在押", 5), P("失联", 10), False),  # custody under 6 months
        (P("服刑在押", 6), P("失联", 6), True),
        (P("失联", 5), P("重病"), False),  # lost contact under 6 months
        (P("死亡"), P("重残", disability_category="肢体", disability_grade=2), True),
        (P("死亡"), P("重残", disability_category="肢体", disability_grade=3), False),
        (P("死亡"), P("重残", disability_category="精神", disability_grade=4), True),
        (P("死亡"), P("正常"), False),
        (P("重病"), P("正常"), False),
        (P("被撤销监护资格"), P("被遣送出境"), True),  # Yunnan additions
        (P("强制隔离戒毒", 12), P("其他限制人身自由", 8), True),
    ],
)
def test_de_facto_orphan_situations(father, mother, eligible):
    decision = assess(child(father, mother))
    assert decision.eligible is eligible


def test_the_yunnan_additions_can_be_switched_off():
    decision = assess(
        child(P("被撤销监护资格"), P("被遣送出境")), prof=profile(yunnan_extra_situations=False)
    )
    assert not decision.eligible


def test_an_orphan_applying_under_the_de_facto_scheme_is_redirected():
    decision = assess(child(P("死亡"), P("死亡")))
    assert not decision.eligible
    assert "orphan" in decision.reason("children.scheme").message


def test_an_hiv_affected_child_gets_the_dispersed_orphan_rate():
    decision = assess(child(P(), P(), hiv_affected=True), scheme=Scheme.ORPHAN)
    assert decision.category == "艾滋病病毒感染儿童"
    assert decision.household_amount == money(1290)


def test_a_child_on_dibao_below_the_rate_gets_the_difference():
    on_dibao = child(
        P("服刑在押", 36), P("失联", 10), received_benefits=(ReceivedBenefit("dibao", money(300)),)
    )
    decision = assess(on_dibao)
    assert decision.household_amount == money(1290) - money(300)
    assert decision.reason("children.top_up").figures["amount"] == "990.00"


def test_benefits_at_or_above_the_rate_leave_nothing_to_top_up():
    rich = child(
        P("服刑在押", 36),
        P("失联", 10),
        received_benefits=(
            ReceivedBenefit("tekun", money(1236)),
            ReceivedBenefit("disability_living", money(90)),
        ),
    )
    decision = assess(rich)
    assert decision.eligible and decision.household_amount == money(0)


def test_orphans_are_paid_in_full_when_the_profile_says_so():
    on_dibao = child(P("死亡"), P("死亡"), received_benefits=(ReceivedBenefit("dibao", money(300)),))
    assert assess(on_dibao, scheme=Scheme.ORPHAN).household_amount == money(990)
    full = assess(on_dibao, scheme=Scheme.ORPHAN, prof=profile(child_top_up_applies_to_orphans=False))
    assert full.household_amount == money(1290)
