"""Writing validated household rows into the registry: an upsert keyed by the ID number, set-based.

New rows are ``bulk_create``-d and changed rows ``bulk_update``-d in chunks, one statement per table and
chunk rather than one per row or field. A row whose values all equal the registry's changes nothing, so
importing the same file twice writes nothing the second time. Cells left blank in optional columns keep
the registry's value (留空不修改).

Runs inside the import action's transaction, on the :class:`RegistrySnapshot` read (and locked) by the
validation step.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, TypeVar

from django.db.models import Model
from django.utils import timezone
from stdnum.cn import ric

from minzheng.common.models import UrbanRural
from minzheng.registry.models import Disability, Household, LabourCapacity, Membership, Person, Relation, Sex

from .validation import MemberRow, RegistrySnapshot, chunked

WRITE_BATCH = 500

ModelT = TypeVar("ModelT", bound=Model)


class RowOutcome(IntEnum):
    """What importing a row did; a row takes the strongest outcome of the records it touched."""

    UNCHANGED = 0
    UPDATED = 1
    CREATED = 2  # a new person, or a person newly added to the household


@dataclass
class WriteCounts:
    households_created: int = 0
    households_updated: int = 0
    persons_created: int = 0
    persons_updated: int = 0
    memberships_created: int = 0
    memberships_updated: int = 0
    disabilities_created: int = 0
    disabilities_updated: int = 0
    disabilities_ended: int = 0
    changed_fields: Counter[str] = field(default_factory=Counter)
    """``"person.phone"`` → how many records had that field changed (names only, never values)."""
    row_outcomes: dict[int, RowOutcome] = field(default_factory=dict)

    def mark(self, row: MemberRow, outcome: RowOutcome) -> None:
        self.row_outcomes[row.row_number] = max(self.row_outcomes.get(row.row_number, outcome), outcome)

    def rows_with(self, outcome: RowOutcome) -> int:
        return sum(1 for value in self.row_outcomes.values() if value == outcome)

    @property
    def changed(self) -> bool:
        return any(value != RowOutcome.UNCHANGED for value in self.row_outcomes.values())

    def as_audit_data(self) -> dict[str, Any]:
        return {
            "households": {"created": self.households_created, "updated": self.households_updated},
            "persons": {"created": self.persons_created, "updated": self.persons_updated},
            "memberships": {"created": self.memberships_created, "updated": self.memberships_updated},
            "disabilities": {
                "created": self.disabilities_created,
                "updated": self.disabilities_updated,
                "ended": self.disabilities_ended,
            },
            "changed_fields": dict(sorted(self.changed_fields.items())),
        }


def _fill_missing_pks(objects: list[ModelT], model: type[ModelT], key: str) -> None:
    """``bulk_create`` returns primary keys on PostgreSQL and SQLite ≥ 3.35; look them up elsewhere."""
    missing = [obj for obj in objects if obj.pk is None]
    if not missing:
        return
    keys = [getattr(obj, key) for obj in missing]
    found: dict[str, int] = {}
    for chunk in chunked(keys):
        found.update(model._default_manager.filter(**{f"{key}__in": chunk}).values_list(key, "pk"))
    for obj in missing:
        obj.pk = found[getattr(obj, key)]


def _changes(record: Model, wanted: dict[str, Any]) -> list[str]:
    return [name for name, value in wanted.items() if value is not None and getattr(record, name) != value]


def _apply(record: Model, wanted: dict[str, Any], names: Iterable[str]) -> None:
    for name in names:
        setattr(record, name, wanted[name])


def _write_persons(rows: list[MemberRow], snapshot: RegistrySnapshot, counts: WriteCounts) -> None:
    new: list[Person] = []
    changed: list[Person] = []
    changed_names: set[str] = set()
    for row in rows:
        person = snapshot.persons.get(row.id_number)
        if person is None:
            # The number passed normalize_id_number in validation: read sex and birth date off it directly.
            person = Person(
                id_number=row.id_number,
                name=row.name,
                sex=Sex.MALE if int(row.id_number[16]) % 2 else Sex.FEMALE,
                birth_date=ric.get_birth_date(row.id_number),
                ethnicity=row.ethnicity,
                hukou_type=row.hukou_type,
                hukou_region_id=row.village_code,
                phone=row.phone or "",
                labour_capacity=row.labour_capacity or LabourCapacity.ABLE,
                employment=row.employment or "",
                illness_category=row.illness_category or "",
            )
            new.append(person)
            snapshot.persons[person.id_number] = person
            counts.mark(row, RowOutcome.CREATED)
            continue
        wanted = {
            "name": row.name,
            "ethnicity": row.ethnicity,
            "hukou_type": row.hukou_type,
            "phone": row.phone,
            "labour_capacity": row.labour_capacity,
            "employment": row.employment,
            "illness_category": row.illness_category,
        }
        names = _changes(person, wanted)
        counts.mark(row, RowOutcome.UPDATED if names else RowOutcome.UNCHANGED)
        if names:
            _apply(person, wanted, names)
            changed.append(person)
            changed_names.update(names)
            counts.changed_fields.update(f"person.{name}" for name in names)
    Person.objects.bulk_create(new, batch_size=WRITE_BATCH)
    _fill_missing_pks(new, Person, "id_number")
    if changed:
        now = timezone.now()  # bulk_update skips auto_now
        for person in changed:
            person.updated_at = now
        Person.objects.bulk_update(changed, [*sorted(changed_names), "updated_at"], batch_size=WRITE_BATCH)
    counts.persons_created, counts.persons_updated = len(new), len(changed)


def _write_households(
    households: dict[str, list[MemberRow]], snapshot: RegistrySnapshot, counts: WriteCounts
) -> dict[str, Household]:
    written: dict[str, Household] = {}
    new: list[Household] = []
    changed: list[Household] = []
    for number, rows in households.items():
        (head_row,) = (row for row in rows if row.relation == Relation.HEAD)
        head = snapshot.persons[head_row.id_number]
        household = snapshot.households.get(number)
        if household is None:
            region = snapshot.regions[head_row.village_code]
            household = Household(
                household_number=number,
                region=region,
                urban_rural=region.urban_rural or UrbanRural.RURAL,
                address=head_row.address,
                head=head,
            )
            new.append(household)
        else:
            wanted = {"address": head_row.address or None, "head_id": head.pk}
            names = _changes(household, wanted)
            if names:
                _apply(household, wanted, names)
                changed.append(household)
                counts.changed_fields.update(f"household.{name.removesuffix('_id')}" for name in names)
                counts.mark(head_row, RowOutcome.UPDATED)
        written[number] = household
    Household.objects.bulk_create(new, batch_size=WRITE_BATCH)
    _fill_missing_pks(new, Household, "household_number")
    if changed:
        now = timezone.now()
        for household in changed:
            household.updated_at = now
        Household.objects.bulk_update(changed, ["address", "head", "updated_at"], batch_size=WRITE_BATCH)
    counts.households_created, counts.households_updated = len(new), len(changed)
    return written


def _write_memberships(
    rows: list[MemberRow],
    households: dict[str, Household],
    snapshot: RegistrySnapshot,
    counts: WriteCounts,
    *,
    today: datetime.date,
) -> None:
    new: list[Membership] = []
    changed: list[Membership] = []
    for row in rows:
        person = snapshot.persons[row.id_number]
        membership = snapshot.memberships.get(person.pk)
        if membership is None:
            is_cohabiting = True if row.is_cohabiting is None else row.is_cohabiting
            new.append(
                Membership(
                    household=households[row.household_number],
                    person=person,
                    relation=row.relation,
                    is_cohabiting=is_cohabiting,
                    exclusion_reason="" if is_cohabiting else row.exclusion_reason,
                    valid_from=row.joined_on or today,
                )
            )
            counts.mark(row, RowOutcome.CREATED)
            continue
        # Validation guarantees the current membership is in this household. A blank 是否共同生活 keeps both
        # the flag and the reason, which validation allows only together.
        wanted: dict[str, Any] = {"relation": row.relation}
        if row.is_cohabiting is not None:
            wanted["is_cohabiting"] = row.is_cohabiting
            wanted["exclusion_reason"] = "" if row.is_cohabiting else row.exclusion_reason
        names = _changes(membership, wanted)
        if names:
            _apply(membership, wanted, names)
            changed.append(membership)
            counts.changed_fields.update(f"membership.{name}" for name in names)
            counts.mark(row, RowOutcome.UPDATED)
    Membership.objects.bulk_create(new, batch_size=WRITE_BATCH)
    if changed:
        Membership.objects.bulk_update(
            changed, ["relation", "is_cohabiting", "exclusion_reason"], batch_size=WRITE_BATCH
        )
    counts.memberships_created, counts.memberships_updated = len(new), len(changed)


def _write_disabilities(
    rows: list[MemberRow], snapshot: RegistrySnapshot, counts: WriteCounts, *, today: datetime.date
) -> None:
    new: list[Disability] = []
    changed: list[Disability] = []
    ended: list[Disability] = []
    for row in rows:
        if not row.certificate_number:
            continue  # a blank card keeps what the registry holds
        person = snapshot.persons[row.id_number]
        in_force = snapshot.disabilities.get(person.pk, [])
        same = next((d for d in in_force if d.certificate_number == row.certificate_number), None)
        if same is not None:
            wanted: dict[str, Any] = {"category": row.disability_category, "grade": row.disability_grade}
            names = _changes(same, wanted)
            if names:
                _apply(same, wanted, names)
                changed.append(same)
                counts.changed_fields.update(f"disability.{name}" for name in names)
                counts.mark(row, RowOutcome.UPDATED)
            continue
        # A new card replaces the one in force: the old card ends the day before (or the day it began).
        for old in in_force:
            old.valid_to = max(old.valid_from, today - datetime.timedelta(days=1))
            ended.append(old)
        assert row.disability_grade is not None  # validation requires the grade with the card number
        new.append(
            Disability(
                person=person,
                certificate_number=row.certificate_number,
                category=row.disability_category,
                grade=row.disability_grade,
                valid_from=today,
            )
        )
        counts.mark(row, RowOutcome.UPDATED)
    Disability.objects.bulk_create(new, batch_size=WRITE_BATCH)
    if changed:
        Disability.objects.bulk_update(changed, ["category", "grade"], batch_size=WRITE_BATCH)
    if ended:
        Disability.objects.bulk_update(ended, ["valid_to"], batch_size=WRITE_BATCH)
    counts.disabilities_created = len(new)
    counts.disabilities_updated = len(changed)
    counts.disabilities_ended = len(ended)


def write_household_rows(
    rows: list[MemberRow], snapshot: RegistrySnapshot, *, today: datetime.date
) -> WriteCounts:
    """Upsert whole, valid households. ``rows`` must hold every row of each household it touches."""
    counts = WriteCounts()
    households: dict[str, list[MemberRow]] = defaultdict(list)
    for row in rows:
        households[row.household_number].append(row)
    _write_persons(rows, snapshot, counts)
    written = _write_households(households, snapshot, counts)
    _write_memberships(rows, written, snapshot, counts, today=today)
    _write_disabilities(rows, snapshot, counts, today=today)
    return counts
