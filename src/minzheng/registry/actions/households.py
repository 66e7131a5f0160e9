"""Household and person actions (``do_<verb>_<noun>(..., *, acting_user)``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from minzheng.accounts.access import (
    access_household_by_id,
    access_person_by_id,
    require_region,
    require_write,
)
from minzheng.accounts.models import User
from minzheng.audit.chain import record
from minzheng.audit.models import AuditEvent
from minzheng.common.errors import ValidationFailed
from minzheng.common.ids import parse_id_number
from minzheng.common.masking import mask_id_number
from minzheng.common.models import Region
from minzheng.common.money import yuan
from minzheng.registry.models import Asset, ExclusionReason, Household, Income, Membership, Person, Relation

PERSON_EDITABLE_FIELDS = (
    "name",
    "ethnicity",
    "hukou_type",
    "phone",
    "labour_capacity",
    "employment",
    "illness_category",
)


@dataclass(frozen=True)
class NewPerson:
    id_number: str
    name: str
    hukou_type: str
    ethnicity: str = "汉族"
    phone: str = ""
    labour_capacity: str = "有劳动能力"
    employment: str = ""
    illness_category: str = ""


def _get_or_create_person(data: NewPerson, hukou_region: Region) -> tuple[Person, bool]:
    info = parse_id_number(data.id_number)
    person = Person.objects.filter(id_number=info.number).first()
    if person is not None:
        return person, False
    person = Person.objects.create(
        id_number=info.number,
        name=data.name,
        sex=info.sex,
        birth_date=info.birth_date,
        ethnicity=data.ethnicity,
        hukou_type=data.hukou_type,
        hukou_region=hukou_region,
        phone=data.phone,
        labour_capacity=data.labour_capacity,
        employment=data.employment,
        illness_category=data.illness_category,
    )
    return person, True


@transaction.atomic
def do_create_household(
    *,
    household_number: str,
    region: Region,
    address: str,
    head: NewPerson,
    valid_from: datetime.date,
    acting_user: User,
) -> Household:
    require_write(acting_user)
    require_region(acting_user, region.code)
    if region.level != "village":
        raise ValidationFailed("家庭户必须登记到村（社区）一级", field="region")
    if Household.objects.filter(household_number=household_number).exists():
        raise ValidationFailed(f"家庭编号 {household_number} 已存在", field="household_number")
    head_person, _ = _get_or_create_person(head, region)
    household = Household.objects.create(
        household_number=household_number,
        region=region,
        urban_rural=region.urban_rural or "rural",
        address=address,
        head=head_person,
    )
    _open_membership(household, head_person, Relation.HEAD, valid_from=valid_from)
    record(
        AuditEvent.HOUSEHOLD_CREATED,
        actor=acting_user,
        subject_type="household",
        subject_id=household.pk,
        region_code=region.code,
        summary=f"新建家庭户 {household_number}，户主 {head_person.name}",
        data={"new": {"household_number": household_number, "head": mask_id_number(head_person.id_number)}},
    )
    return household


def _open_membership(
    household: Household,
    person: Person,
    relation: str,
    *,
    valid_from: datetime.date,
    is_cohabiting: bool = True,
    exclusion_reason: str = "",
) -> Membership:
    if is_cohabiting == bool(exclusion_reason):
        raise ValidationFailed(
            "不计入共同生活家庭成员时必须填写原因；计入时不能填写原因", field="exclusion_reason"
        )
    if exclusion_reason and exclusion_reason not in ExclusionReason.values:
        raise ValidationFailed(
            f"不计入共同生活家庭成员的原因无效：{exclusion_reason}", field="exclusion_reason"
        )
    current = (
        Membership.objects.filter(person=person, valid_to__isnull=True).select_related("household").first()
    )
    if current is not None:
        raise ValidationFailed(
            f"{person.name}（{mask_id_number(person.id_number)}）已是家庭 {current.household.household_number} 的成员",
            field="id_number",
        )
    return Membership.objects.create(
        household=household,
        person=person,
        relation=relation,
        is_cohabiting=is_cohabiting,
        exclusion_reason=exclusion_reason,
        valid_from=valid_from,
    )


@transaction.atomic
def do_add_member(
    household_id: int,
    member: NewPerson,
    *,
    relation: str,
    valid_from: datetime.date,
    is_cohabiting: bool = True,
    exclusion_reason: str = "",
    acting_user: User,
) -> Membership:
    require_write(acting_user)
    household = access_household_by_id(acting_user, household_id)
    if relation not in Relation.values or relation == Relation.HEAD:
        raise ValidationFailed(f"与户主关系无效：{relation}", field="relation")
    person, _ = _get_or_create_person(member, household.region)
    membership = _open_membership(
        household,
        person,
        relation,
        valid_from=valid_from,
        is_cohabiting=is_cohabiting,
        exclusion_reason=exclusion_reason,
    )
    record(
        AuditEvent.MEMBERSHIP_ADDED,
        actor=acting_user,
        subject_type="household",
        subject_id=household.pk,
        region_code=household.region_id,
        summary=f"{person.name} 加入家庭 {household.household_number}（{relation}）",
        data={"person_id": person.pk, "relation": relation, "is_cohabiting": is_cohabiting},
    )
    return membership


@transaction.atomic
def do_end_membership(membership_id: int, *, valid_to: datetime.date, acting_user: User) -> Membership:
    require_write(acting_user)
    membership = Membership.objects.select_related("household", "person").filter(pk=membership_id).first()
    if membership is None:
        raise ValidationFailed("家庭成员关系不存在", field="membership")
    household = access_household_by_id(acting_user, membership.household_id)
    if membership.valid_to is not None:
        return membership
    if valid_to < membership.valid_from:
        raise ValidationFailed("终止日期不能早于起始日期", field="valid_to")
    membership.valid_to = valid_to
    membership.save(update_fields=["valid_to"])
    record(
        AuditEvent.MEMBERSHIP_ENDED,
        actor=acting_user,
        subject_type="household",
        subject_id=household.pk,
        region_code=household.region_id,
        summary=f"{membership.person.name} 自 {valid_to} 起不再是家庭 {household.household_number} 的成员",
        data={"membership_id": membership.pk, "valid_to": valid_to.isoformat()},
    )
    return membership


@transaction.atomic
def do_update_person(person_id: int, changes: dict[str, Any], *, acting_user: User) -> Person:
    require_write(acting_user)
    person = access_person_by_id(acting_user, person_id)
    unknown = set(changes) - set(PERSON_EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"不能修改这些字段：{'、'.join(sorted(unknown))}", field=sorted(unknown)[0])
    old = {f: getattr(person, f) for f in changes if getattr(person, f) != changes[f]}
    if not old:
        return person  # nothing changes: no write, no audit row
    for field in old:
        setattr(person, field, changes[field])
    person.full_clean(exclude=["hukou_region", "id_number"])
    person.save(update_fields=[*old, "updated_at"])
    masked = {"phone"}
    record(
        AuditEvent.PERSON_UPDATED,
        actor=acting_user,
        subject_type="person",
        subject_id=person.pk,
        region_code=person.hukou_region_id,
        summary=f"修改人员 {person.name} 的 {'、'.join(old)}",
        data={
            "old": {f: ("***" if f in masked else v) for f, v in old.items()},
            "new": {f: ("***" if f in masked else changes[f]) for f in old},
        },
    )
    return person


@transaction.atomic
def do_record_income(
    household_id: int,
    *,
    person_id: int | None,
    category: str,
    item: str,
    monthly_amount: Decimal | str,
    counted: bool,
    rule_code: str,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    acting_user: User,
) -> Income:
    require_write(acting_user)
    household = access_household_by_id(acting_user, household_id)
    amount = yuan(monthly_amount)
    if amount < 0:
        raise ValidationFailed("月收入不能为负数", field="monthly_amount")
    income = Income.objects.create(
        household=household,
        person_id=person_id,
        category=category,
        item=item,
        monthly_amount=amount,
        counted=counted,
        rule_code=rule_code,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    record(
        AuditEvent.INCOME_RECORDED,
        actor=acting_user,
        subject_type="household",
        subject_id=household.pk,
        region_code=household.region_id,
        summary=f"登记收入 {item} {amount} 元/月（{'计入' if counted else '不计入'}）",
        data={"income_id": income.pk, "category": category, "amount": str(amount), "rule_code": rule_code},
    )
    return income


@transaction.atomic
def do_record_asset(
    household_id: int,
    *,
    person_id: int | None,
    kind: str,
    description: str,
    value: Decimal | str,
    valid_from: datetime.date,
    is_exempt: bool = False,
    acting_user: User,
) -> Asset:
    require_write(acting_user)
    household = access_household_by_id(acting_user, household_id)
    amount = yuan(value)
    if amount < 0:
        raise ValidationFailed("财产价值不能为负数", field="value")
    asset = Asset.objects.create(
        household=household,
        person_id=person_id,
        kind=kind,
        description=description,
        value=amount,
        is_exempt=is_exempt,
        valid_from=valid_from,
    )
    record(
        AuditEvent.ASSET_RECORDED,
        actor=acting_user,
        subject_type="household",
        subject_id=household.pk,
        region_code=household.region_id,
        summary=f"登记财产 {kind} {amount} 元",
        data={"asset_id": asset.pk, "kind": kind, "value": str(amount)},
    )
    return asset
