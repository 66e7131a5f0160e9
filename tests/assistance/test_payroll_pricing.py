"""The payroll's SQL prices every entitlement exactly as the rules in ``assistance/domain`` do."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest

from minzheng.assistance.bridge import dibao_bases, household_facts
from minzheng.assistance.domain import assess_dibao
from minzheng.assistance.models import Entitlement, Scheme
from minzheng.assistance.payroll.compute import price_month
from minzheng.assistance.standards import resolve_profile, resolve_standards
from minzheng.registry.models import Disability, Household, Income, Membership, Person
from tests.factories import make_id_number

JUNE = datetime.date(2023, 6, 1)
AS_OF = datetime.date(2023, 6, 30)


def _person(region, birth: datetime.date, *, male=True, illness="", labour="有劳动能力") -> Person:
    number = make_id_number("530602", birth, male)
    return Person.objects.create(
        id_number=number,
        name=f"测{number[-4:]}",
        sex="男" if male else "女",
        birth_date=birth,
        hukou_type="农业户口",
        hukou_region=region,
        illness_category=illness,
        labour_capacity=labour,
    )


def _household(
    region, members: list[tuple[Person, str]], incomes: list[tuple[int, str, str, str]]
) -> Household:
    household = Household.objects.create(
        household_number=f"T{Household.objects.count() + 1:06d}",
        region=region,
        urban_rural=region.urban_rural,
        head=members[0][0],
    )
    for person, relation in members:
        Membership.objects.create(
            household=household, person=person, relation=relation, valid_from=datetime.date(2020, 1, 1)
        )
    for index, category, item, amount in incomes:
        Income.objects.create(
            household=household,
            person=members[index][0],
            category=category,
            item=item,
            monthly_amount=Decimal(amount),
            valid_from=datetime.date(2023, 1, 1),
        )
    return household


def _start(household: Household, bases) -> None:
    for basis in bases:
        Entitlement.objects.create(
            scheme=basis.scheme,
            person_id=basis.person_id,
            household=household,
            region_code=household.region_id,
            urban_rural=household.urban_rural,
            start_month=JUNE,
            unit_key=basis.unit_key,
            unit_size=basis.unit_size,
            unit_rank=basis.unit_rank,
            unit_net_income=basis.unit_net_income,
            tier=basis.tier,
            placement=basis.placement,
            severe_disability=basis.severe_disability,
            serious_illness=basis.serious_illness,
            fixed_amount=basis.fixed_amount,
        )


def _assess(household: Household):
    facts, person_ids = household_facts(household, AS_OF)
    standards = resolve_standards(household.region_id, household.urban_rural, AS_OF)
    profile = resolve_profile(household.region_id, AS_OF)
    return assess_dibao(facts, standards, profile, AS_OF), facts, person_ids


def _priced() -> dict[int, Decimal]:
    table = price_month(JUNE)
    return dict(zip(table.column("person_id").to_pylist(), table.column("amount").to_pylist(), strict=True))


@pytest.mark.django_db
def test_an_urban_gap_household_is_priced_member_by_member_as_the_rules_decide(regions):
    # given 3 members in an urban community, one with a grade-1 disability, 600 yuan of wages
    village = regions["530602001001"]
    head = _person(village, datetime.date(1978, 3, 1))
    spouse = _person(village, datetime.date(1982, 8, 9), male=False)
    child = _person(village, datetime.date(2013, 5, 5))
    Disability.objects.create(
        person=spouse, certificate_number="X", category="肢体", grade=1, valid_from=datetime.date(2019, 1, 1)
    )
    household = _household(
        village,
        [(head, "户主"), (spouse, "配偶"), (child, "子女")],
        [(0, "工资性收入", "务工收入", "600.00")],
    )
    decision, facts, person_ids = _assess(household)
    assert decision.eligible
    _start(household, dibao_bases(decision, facts, person_ids, household.pk))
    # when
    priced = _priced()
    # then: (720 × 3 − 600) = 1560 split 520 each; spouse +20 % of 720 (144); child +10 % (72)
    assert priced == {head.pk: Decimal("520.00"), spouse.pk: Decimal("664.00"), child.pk: Decimal("592.00")}
    assert priced == {person_ids[m.member]: m.total for m in decision.members}


@pytest.mark.django_db
def test_a_rural_tiered_household_of_two_old_people_without_income_is_tier_a(regions):
    village = regions["530602101201"]
    old = _person(village, datetime.date(1950, 1, 1), labour="无劳动能力")
    wife = _person(village, datetime.date(1957, 1, 1), male=False, labour="无劳动能力")
    household = _household(village, [(old, "户主"), (wife, "配偶")], [])
    decision, facts, person_ids = _assess(household)
    _start(household, dibao_bases(decision, facts, person_ids, household.pk))
    priced = _priced()
    # A tier 534; 73 years → +15 % of 475 = 71.25; 66 years → +10 % = 47.50
    assert decision.tier == "A"
    assert priced == {old.pk: Decimal("605.25"), wife.pk: Decimal("581.50")}
    assert priced == {person_ids[m.member]: m.total for m in decision.members}


@pytest.mark.django_db
def test_random_households_are_priced_by_the_sql_exactly_as_by_the_rules(regions):
    # given 40 households of random size, ages, disabilities, illnesses and wages, urban and rural
    rng = random.Random(20230630)
    villages = [regions["530602001001"], regions["530602101201"], regions["530621101202"]]
    expected: dict[int, Decimal] = {}
    for _ in range(40):
        village = rng.choice(villages)
        members = []
        for i in range(rng.randint(1, 5)):
            birth = datetime.date(rng.randint(1930, 2020), rng.randint(1, 12), rng.randint(1, 28))
            person = _person(
                village, birth, male=rng.random() < 0.5, illness=rng.choice(["", "", "重特大疾病"])
            )
            if rng.random() < 0.2:
                Disability.objects.create(
                    person=person,
                    certificate_number="X",
                    category=rng.choice(["肢体", "智力"]),
                    grade=rng.randint(1, 4),
                    valid_from=datetime.date(2019, 1, 1),
                )
            members.append((person, "户主" if i == 0 else "子女"))
        wages = [(0, "工资性收入", "务工收入", str(rng.choice([0, 150, 420, 900])))]
        household = _household(village, members, wages)
        decision, facts, person_ids = _assess(household)
        bases = dibao_bases(decision, facts, person_ids, household.pk)
        _start(household, bases)
        expected.update(
            {person_ids[m.member]: m.total for m in decision.members if m.member is not None and m.total > 0}
        )
    # when
    priced = _priced()
    # then
    assert len(expected) > 20
    assert priced == expected


@pytest.mark.django_db
def test_tekun_children_and_subsidies_are_priced_from_their_tier(regions):
    village = regions["530602101201"]
    old = _person(village, datetime.date(1950, 1, 1))
    child = _person(village, datetime.date(2012, 1, 1))
    disabled = _person(village, datetime.date(1990, 1, 1))
    household = _household(village, [(old, "户主"), (child, "孙子女"), (disabled, "子女")], [])
    for person, scheme, tier, placement in [
        (old, Scheme.TEKUN, "部分失能", "散居"),
        (child, Scheme.DE_FACTO_ORPHAN, "", "散居"),
        (disabled, Scheme.DISABILITY_CARE, "1", ""),
        (disabled, Scheme.DISABILITY_LIVING, "", ""),
    ]:
        Entitlement.objects.create(
            scheme=scheme,
            person=person,
            household=household,
            region_code=village.code,
            urban_rural="rural",
            start_month=JUNE,
            unit_key=f"p{person.pk}",
            tier=tier,
            placement=placement,
        )
    priced = price_month(JUNE)
    amounts = {
        (p, s): a
        for p, s, a in zip(
            priced.column("person_id").to_pylist(),
            priced.column("scheme").to_pylist(),
            priced.column("amount").to_pylist(),
            strict=True,
        )
    }
    # 特困: max(832, 1.3 × 720 = 936) + 部分失能 300; 事实无人抚养: 1290 (nothing else received);
    # care subsidy grade 1: 100; living subsidy: 90
    assert amounts == {
        (old.pk, "tekun"): Decimal("1236.00"),
        (child.pk, "de_facto_orphan"): Decimal("1290.00"),
        (disabled.pk, "disability_care"): Decimal("100.00"),
        (disabled.pk, "disability_living"): Decimal("90.00"),
    }
