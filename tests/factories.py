"""factory_boy factories and a tiny two-county region tree for tests."""

from __future__ import annotations

import datetime
import itertools

import factory
from stdnum.cn import ric

from minzheng.accounts.models import Role, User
from minzheng.common.models import Region
from minzheng.registry.models import Household, Membership, Person

_sequence = itertools.count(1)


def make_id_number(
    address_code: str = "530602", birth: datetime.date = datetime.date(1980, 5, 17), male: bool = True
) -> str:
    """A valid synthetic ID number: unique sequence per call, parity by sex."""
    n = next(_sequence) % 499
    seq = 2 * n + (1 if male else 2)
    body = f"{address_code}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


# city 530600 → counties 530602 (昭阳区), 530621 (鲁甸县) → townships → villages
TREE = {
    "530600": ("昭通市", "city", None, ""),
    "530602": ("昭阳区", "county", "530600", ""),
    "530621": ("鲁甸县", "county", "530600", ""),
    "530602001": ("凤凰街道", "township", "530602", ""),
    "530602101": ("守望乡", "township", "530602", ""),
    "530621101": ("文屏镇", "township", "530621", ""),
    "530602001001": ("西街社区", "village", "530602001", "urban"),
    "530602001002": ("东街社区", "village", "530602001", "urban"),
    "530602101201": ("青山村", "village", "530602101", "rural"),
    "530621101201": ("龙泉村", "village", "530621101", "rural"),
    "530621101202": ("柳林村", "village", "530621101", "rural"),
}


def build_region_tree() -> dict[str, Region]:
    regions: dict[str, Region] = {}
    for code, (name, level, parent, urban_rural) in TREE.items():
        regions[code] = Region.objects.create(
            code=code,
            name=name,
            level=level,
            parent=regions.get(parent) if parent else None,
            urban_rural=urban_rural,
        )
    return regions


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.VILLAGE
    password = factory.django.Password("test-pass-123")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    id_number = factory.LazyFunction(make_id_number)
    name = factory.Iterator(["张三", "李四", "王芳", "刘洋", "陈静"])
    sex = factory.LazyAttribute(lambda o: "男" if int(o.id_number[16]) % 2 else "女")
    birth_date = factory.LazyAttribute(lambda o: ric.get_birth_date(o.id_number))
    hukou_type = "农业户口"
    phone = factory.Sequence(lambda n: f"139{n:08d}")


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    household_number = factory.Sequence(lambda n: f"H{n:08d}")
    urban_rural = "rural"
    address = "测试地址"


def make_household(region: Region, *, members: int = 2, as_of=datetime.date(2020, 1, 1)) -> Household:
    head = PersonFactory(hukou_region=region)
    household = HouseholdFactory(region=region, head=head, urban_rural=region.urban_rural or "rural")
    Membership.objects.create(household=household, person=head, relation="户主", valid_from=as_of)
    for _ in range(members - 1):
        person = PersonFactory(hukou_region=region)
        Membership.objects.create(household=household, person=person, relation="子女", valid_from=as_of)
    return household


# --- helpers for the web, admin and permission-matrix tests ----------------------------------------------

# A second city outside Zhaotong: nothing in it may ever show to a Zhaotong user, city-level ones included.
OTHER_CITY_TREE = {
    "530100": ("昆明市", "city", None, ""),
    "530102": ("五华区", "county", "530100", ""),
    "530102001": ("华山街道", "township", "530102", ""),
    "530102001001": ("翠湖社区", "village", "530102001", "urban"),
}


def build_other_city_tree() -> dict[str, Region]:
    regions: dict[str, Region] = {}
    for code, (name, level, parent, urban_rural) in OTHER_CITY_TREE.items():
        regions[code] = Region.objects.create(
            code=code,
            name=name,
            level=level,
            parent=regions.get(parent) if parent else None,
            urban_rural=urban_rural,
        )
    return regions


def make_named_household(
    region: Region,
    household_number: str,
    names: list[str],
    *,
    as_of: datetime.date = datetime.date(2020, 1, 1),
) -> Household:
    """A household whose number and member names are unique markers; the first name is the head. ID numbers
    carry the region's county code, so they look like the people's real ones."""
    people = [
        PersonFactory(
            name=name,
            hukou_region=region,
            id_number=make_id_number(address_code=region.code[:6], male=index % 2 == 0),
        )
        for index, name in enumerate(names)
    ]
    household = HouseholdFactory(
        household_number=household_number,
        region=region,
        head=people[0],
        urban_rural=region.urban_rural or "rural",
    )
    for index, person in enumerate(people):
        Membership.objects.create(
            household=household, person=person, relation="户主" if index == 0 else "子女", valid_from=as_of
        )
    return household


def make_user(
    role: str,
    jurisdiction: Region,
    *,
    username: str | None = None,
    password: str = "test-pass-123",
    is_staff: bool = False,
    is_superuser: bool = False,
    can_reveal: bool = False,
) -> User:
    """A user made the way the platform makes them (``do_create_user``: role group, reveal permission,
    audit row), by the command line (no acting user)."""
    from minzheng.accounts.actions import do_create_user

    return do_create_user(
        username=username or f"{role}-{next(_sequence)}",
        password=password,
        role=role,
        jurisdiction=jurisdiction,
        acting_user=None,
        is_staff=is_staff,
        is_superuser=is_superuser,
        can_reveal=can_reveal,
    )


# --- helpers for the case workflow tests -------------------------------------------------------------------


def make_case_staff(regions: dict[str, Region]) -> dict[str, User]:
    """The staff of the case tests, by key: a village assistant and three township clerks of 凤凰街道 (so
    that maker-checker can be tested on a delegated case), a clerk of 守望乡 (another township of the same
    county), two county officers of 昭阳区, one of 鲁甸县, a county-level auditor and a city officer."""
    specs = {
        "village": ("village", "530602001001"),
        "township": ("township", "530602001"),
        "township2": ("township", "530602001"),
        "township3": ("township", "530602001"),
        "other_township": ("township", "530602101"),
        "county": ("county", "530602"),
        "county2": ("county", "530602"),
        "other_county": ("county", "530621"),
        "auditor": ("auditor", "530602"),
        "city": ("city", "530600"),
    }
    return {
        key: make_user(role, regions[code], username=f"case-{key}") for key, (role, code) in specs.items()
    }
