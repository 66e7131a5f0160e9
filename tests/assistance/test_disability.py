"""残疾人两项补贴: who gets the living and the care subsidy, and the overlap rules."""

from __future__ import annotations

from minzheng.assistance.domain.disability import assess_disability_subsidies
from minzheng.assistance.domain.facts import MemberSelection, ReceivedBenefit

from .builders import AS_OF, household, money, person, profile, standards, wage

GRADE_1 = {"disability_category": "肢体", "disability_grade": 1}


def assess(*members, prof=None, **fields):
    house = household(*members, urban=False, **fields)
    return assess_disability_subsidies(
        house, MemberSelection(), standards(urban=False), prof or profile(), AS_OF
    )


def parts(decision):
    return {m.name: (m.parts["困难残疾人生活补贴"], m.parts["重度残疾人护理补贴"]) for m in decision.members}


def test_a_severely_disabled_dibao_member_gets_both_subsidies():
    decision = assess(
        person("周大勇", **GRADE_1),
        person("周梅", disability_category="视力", disability_grade=3),
        currently_receiving_dibao=True,
    )
    assert parts(decision) == {"周大勇": (money(90), money(100)), "周梅": (money(90), money(0))}
    assert decision.household_amount == money(280)


def test_grade_2_care_is_paid_at_the_grade_2_rate():
    decision = assess(person("乙", disability_category="智力", disability_grade=2, needs_long_term_care=True))
    assert parts(decision) == {"乙": (money(0), money(90))}


def test_a_family_not_on_dibao_gets_no_living_subsidy():
    decision = assess(person("甲", **GRADE_1), incomes=(wage(3000),))
    assert parts(decision) == {"甲": (money(0), money(100))}
    assert decision.reason("disability.living").passed is False


def test_the_living_subsidy_can_extend_to_edge_households():
    # 600 a month for one person: rural edge line 712.50, standard 475
    member = person("甲", disability_category="视力", disability_grade=4)
    assert not assess(member, incomes=(wage(600),)).eligible
    decision = assess(member, incomes=(wage(600),), prof=profile(living_subsidy_extends_to_edge=True))
    assert parts(decision) == {"甲": (money(90), money(0))}


def test_a_family_eligible_but_not_yet_on_dibao_is_told_to_apply():
    decision = assess(person("甲", disability_category="视力", disability_grade=4))
    assert "请先申请低保" in decision.reason("disability.living").message


def test_overlap_rules():
    orphan = person("孤儿", age=10, received_benefits=(ReceivedBenefit("orphan", money(1290)),), **GRADE_1)
    tekun = person("特困", age=70, received_benefits=(ReceivedBenefit("tekun", money(936)),), **GRADE_1)
    injured = person("工伤", receiving_work_injury_care=True, **GRADE_1)
    full_de_facto = person(
        "事实", age=9, received_benefits=(ReceivedBenefit("de_facto_orphan", money(1290)),), **GRADE_1
    )
    partial_de_facto = person(
        "补差", age=9, received_benefits=(ReceivedBenefit("de_facto_orphan", money(900)),), **GRADE_1
    )
    decision = assess(orphan, tekun, injured, full_de_facto, partial_de_facto, currently_receiving_dibao=True)
    assert parts(decision) == {
        "孤儿": (money(0), money(100)),
        "特困": (money(0), money(100)),
        "工伤": (money(90), money(0)),
        "事实": (money(0), money(100)),
        "补差": (money(90), money(100)),
    }


def test_care_for_non_severe_mental_disability_is_a_profile_switch():
    member = person("甲", disability_category="精神", disability_grade=3)
    assert not assess(member, incomes=(wage(3000),)).eligible
    extended = assess(
        member, incomes=(wage(3000),), prof=profile(care_subsidy_extends_to_non_severe_mental=True)
    )
    assert parts(extended) == {"甲": (money(0), money(50))}


def test_a_grade_1_person_not_needing_long_term_care_gets_no_care_subsidy():
    decision = assess(person("甲", needs_long_term_care=False, **GRADE_1), incomes=(wage(3000),))
    assert not decision.eligible


def test_no_certificate_no_subsidy():
    decision = assess(person("甲"))
    assert not decision.eligible
    assert decision.reason("disability.certificate").passed is False
