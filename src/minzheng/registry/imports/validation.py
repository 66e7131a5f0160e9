"""Validation of household import rows. Every check runs on every row and every error is kept, as
``{template header: Chinese message}``, so that one round trip shows the user everything to fix.

Three passes:
1. each row on its own (required fields, ID numbers, choices, dates, disability card) — pure Python;
2. each household and the file as a whole (one 户主, the same village and address, no ID twice) — pure;
3. against the registry (regions and jurisdiction, existing households, people already in another
   household), with a handful of set-based queries whose results the commit step reuses.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from stdnum.cn import ric

from minzheng.accounts.access import user_covers_region
from minzheng.accounts.models import User
from minzheng.common.ids import InvalidIdNumber, normalize_id_number
from minzheng.common.models import Region, RegionLevel
from minzheng.registry.models import (
    Disability,
    DisabilityCategory,
    ExclusionReason,
    Household,
    HukouType,
    LabourCapacity,
    Membership,
    Person,
    Relation,
)

from . import columns as c
from .cells import cell_text, is_rounded_number, parse_date
from .reader import ProgressCallback, SheetRow

QUERY_CHUNK = 1000
"""IDs per ``IN (…)`` list: well under SQLite's variable limit and PostgreSQL's comfortable plan size."""

_VILLAGE_CODE = re.compile(r"^\d{12}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_CHINESE_GRADES = {"一": 1, "二": 2, "三": 3, "四": 4}

T = TypeVar("T")


def chunked(items: Sequence[T], size: int = QUERY_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def fold(text: str) -> str:
    """Compare choices the way users type them: full-width forms folded, spaces ignored."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass(frozen=True)
class MemberRow:
    """A row that passed every check: what the commit step writes. ``None`` means "left blank: keep"."""

    row_number: int
    household_number: str
    village_code: str
    address: str
    relation: str
    name: str
    id_number: str
    ethnicity: str
    hukou_type: str
    phone: str | None
    labour_capacity: str | None
    employment: str | None
    illness_category: str | None
    is_cohabiting: bool | None
    exclusion_reason: str
    certificate_number: str
    disability_category: str
    disability_grade: int | None
    joined_on: datetime.date | None


class RowCheck:
    """One row under validation: its staged text, the values parsed so far and every error found."""

    def __init__(self, row: SheetRow):
        self.row_number = row.row_number
        self.raw = row.values
        self.data: dict[str, str] = {header: cell_text(value) for header, value in row.values.items()}
        self.errors: dict[str, list[str]] = {}
        self.fields: dict[str, Any] = {}

    def add_error(self, header: str, message: str) -> None:
        messages = self.errors.setdefault(header, [])
        if message not in messages:
            messages.append(message)

    def error_dict(self) -> dict[str, str]:
        return {header: "；".join(messages) for header, messages in self.errors.items()}

    def text(self, header: str) -> str:
        return self.data.get(header, "")

    def get(self, header: str) -> Any:
        return self.fields.get(header)

    @property
    def household_number(self) -> str | None:
        return self.fields.get(c.HOUSEHOLD_NUMBER)

    def member_row(self) -> MemberRow:
        grade = self.get(c.DISABILITY_GRADE)
        return MemberRow(
            row_number=self.row_number,
            household_number=self.get(c.HOUSEHOLD_NUMBER),
            village_code=self.get(c.VILLAGE_CODE),
            address=self.get(c.ADDRESS) or "",
            relation=self.get(c.RELATION),
            name=self.get(c.NAME),
            id_number=self.get(c.ID_NUMBER),
            ethnicity=self.get(c.ETHNICITY),
            hukou_type=self.get(c.HUKOU_TYPE),
            phone=self.get(c.PHONE),
            labour_capacity=self.get(c.LABOUR_CAPACITY),
            employment=self.get(c.EMPLOYMENT),
            illness_category=self.get(c.ILLNESS),
            is_cohabiting=self.get(c.COHABITING),
            exclusion_reason=self.get(c.EXCLUSION_REASON) or "",
            certificate_number=self.get(c.CERTIFICATE_NUMBER) or "",
            disability_category=self.get(c.DISABILITY_CATEGORY) or "",
            disability_grade=int(grade) if grade else None,
            joined_on=self.get(c.JOINED_ON),
        )


# --- pass 1: each row on its own ---------------------------------------------------------------------------


def _required_text(check: RowCheck, header: str, *, max_length: int) -> str | None:
    text = check.text(header)
    if not text:
        check.add_error(header, f"{header}不能为空")
        return None
    if len(text) > max_length:
        check.add_error(header, f"{header}过长：最多 {max_length} 个字，实际 {len(text)} 个字")
        return None
    return text


def _choice_lookup(column: c.Column, aliases: dict[str, str] | None = None) -> dict[str, str]:
    lookup = {fold(choice): choice for choice in column.choices}
    for alias, target in (aliases or {}).items():
        lookup[fold(alias)] = target
    return lookup


_CHOICE_ALIASES: dict[str, dict[str, str]] = {
    c.HUKOU_TYPE: {
        "农业": HukouType.AGRICULTURAL,
        "非农业": HukouType.NON_AGRICULTURAL,
        "居民": HukouType.RESIDENT,
    },
    c.LABOUR_CAPACITY: {
        "有": LabourCapacity.ABLE,
        "部分丧失": LabourCapacity.PARTIAL,
        "丧失劳动能力": LabourCapacity.NONE,
        "完全丧失劳动能力": LabourCapacity.NONE,
        "无": LabourCapacity.NONE,
    },
    c.ILLNESS: {"健康": c.NO_ILLNESS, "无疾病": c.NO_ILLNESS},
    c.COHABITING: {"Y": c.YES, "N": c.NO},
    c.EXCLUSION_REASON: {str(label): value for value, label in ExclusionReason.choices},
    c.DISABILITY_CATEGORY: {str(label): value for value, label in DisabilityCategory.choices},
    c.ETHNICITY: {name.removesuffix("族"): name for name in c.ETHNICITIES if name.endswith("族")},
}
_CHOICES: dict[str, dict[str, str]] = {
    column.header: _choice_lookup(column, _CHOICE_ALIASES.get(column.header))
    for column in c.COLUMNS
    if column.choices
}


def _choice(check: RowCheck, header: str, *, required: bool) -> str | None:
    text = check.text(header)
    if not text:
        if required:
            check.add_error(header, f"{header}不能为空")
        return None
    value = _CHOICES[header].get(fold(text).upper() if header == c.COHABITING else fold(text))
    if value is None:
        column = c.COLUMNS_BY_HEADER[header]
        if header == c.ETHNICITY:
            check.add_error(header, f"民族填写有误：「{text}」，请填写民族全称，如「汉族」「彝族」「苗族」")
        else:
            check.add_error(header, f"「{text}」不是有效的{header}，可选：{'、'.join(column.choices)}")
    return value


def _id_number(check: RowCheck, *, today: datetime.date) -> str | None:
    raw = check.raw.get(c.ID_NUMBER)
    if is_rounded_number(raw):
        check.add_error(
            c.ID_NUMBER,
            "身份证号码被 Excel 存成了数字，末几位已丢失：请把本列单元格格式设置为「文本」后重新输入号码",
        )
        return None
    text = check.text(c.ID_NUMBER)
    if not text:
        check.add_error(c.ID_NUMBER, f"{c.ID_NUMBER}不能为空")
        return None
    try:
        return normalize_id_number(text, today=today)
    except InvalidIdNumber as error:
        check.add_error(c.ID_NUMBER, error.message)
        return None


def _village_code(check: RowCheck) -> str | None:
    text = check.text(c.VILLAGE_CODE)
    if not text:
        check.add_error(c.VILLAGE_CODE, f"{c.VILLAGE_CODE}不能为空")
        return None
    text = fold(text)
    if not _VILLAGE_CODE.match(text):
        check.add_error(
            c.VILLAGE_CODE, f"所在村（社区）代码应为12位数字，实际为「{check.text(c.VILLAGE_CODE)}」"
        )
        return None
    return text


def _name(check: RowCheck) -> str | None:
    name = _required_text(check, c.NAME, max_length=64)
    if name is None:
        return None
    # Spaces typed to align two-character names (张  三) are not part of a Chinese name.
    if not any(char.isascii() and char.isalpha() for char in name):
        name = "".join(name.split())
    return name


def _phone(check: RowCheck) -> str | None:
    text = fold(check.text(c.PHONE))
    if not text:
        return None
    if not (_MOBILE.match(text) or _LANDLINE.match(text)):
        check.add_error(c.PHONE, "联系电话格式错误：应为11位手机号码或带区号的固定电话（如 0870-1234567）")
        return None
    return text


def _cohabiting(check: RowCheck) -> bool | None:
    value = _choice(check, c.COHABITING, required=False)
    return None if value is None else value == c.YES


def _grade(check: RowCheck) -> str | None:
    raw = check.raw.get(c.DISABILITY_GRADE)
    text = fold(check.text(c.DISABILITY_GRADE)).removesuffix("级")
    if not text:
        return None
    if isinstance(raw, int | float) and not isinstance(raw, bool) and float(raw).is_integer():
        text = str(int(raw))
    grade = _CHINESE_GRADES.get(text) or (int(text) if text.isdigit() else None)
    if grade not in (1, 2, 3, 4):
        check.add_error(
            c.DISABILITY_GRADE, f"残疾等级应为 1–4 级，实际为「{check.text(c.DISABILITY_GRADE)}」"
        )
        return None
    return str(grade)


def _certificate(check: RowCheck) -> str | None:
    raw = check.raw.get(c.CERTIFICATE_NUMBER)
    if is_rounded_number(raw):
        check.add_error(
            c.CERTIFICATE_NUMBER,
            "残疾人证号被 Excel 存成了数字，末几位已丢失：请把本列单元格格式设置为「文本」后重新输入",
        )
        return None
    text = fold(check.text(c.CERTIFICATE_NUMBER)).upper()
    if not text:
        return None
    if len(text) > 24 or not text.isalnum():
        check.add_error(
            c.CERTIFICATE_NUMBER, "残疾人证号格式错误：应为20位（身份证号加类别、等级各一位数字）"
        )
        return None
    return text


def _joined_on(check: RowCheck, *, today: datetime.date) -> datetime.date | None:
    raw = check.raw.get(c.JOINED_ON)
    if raw is None or not check.text(c.JOINED_ON):
        return None
    try:
        joined_on = parse_date(raw)
    except ValueError as error:
        check.add_error(c.JOINED_ON, str(error))
        return None
    if joined_on > today:
        check.add_error(c.JOINED_ON, f"加入日期 {joined_on.isoformat()} 晚于今天")
        return None
    return joined_on


def _check_membership_reason(check: RowCheck) -> None:
    is_cohabiting = check.get(c.COHABITING)
    reason = check.get(c.EXCLUSION_REASON)
    reason_given = bool(check.text(c.EXCLUSION_REASON))
    if is_cohabiting is False and not reason_given:
        check.add_error(c.EXCLUSION_REASON, "「是否共同生活家庭成员」为「否」时必须填写不计入原因")
    elif is_cohabiting is True and reason_given:
        check.add_error(
            c.EXCLUSION_REASON, "共同生活家庭成员不能填写不计入原因：请删除原因，或把是否共同生活改为「否」"
        )
    elif is_cohabiting is None and reason is not None:
        check.add_error(c.COHABITING, "填写了不计入原因时，「是否共同生活家庭成员」应填「否」")


def _check_disability(check: RowCheck) -> None:
    headers = (c.CERTIFICATE_NUMBER, c.DISABILITY_CATEGORY, c.DISABILITY_GRADE)
    given = [header for header in headers if check.text(header)]
    if given and len(given) < len(headers):
        for header in headers:
            if header not in given:
                check.add_error(header, "残疾人证号、残疾类别、残疾等级须同时填写")
        return
    certificate, category, grade = (check.get(header) for header in headers)
    if not certificate or len(certificate) != 20:
        return
    # A 第二代残疾人证 number: the holder's ID number, then the category digit and the grade digit.
    id_number = check.get(c.ID_NUMBER)
    if id_number and certificate[:18] != id_number:
        check.add_error(c.CERTIFICATE_NUMBER, "残疾人证号前18位应与本人公民身份号码一致")
    if category and certificate[18] != c.DISABILITY_CATEGORY_DIGITS[category]:
        digit_meaning = {digit: name for name, digit in c.DISABILITY_CATEGORY_DIGITS.items()}
        meaning = digit_meaning.get(certificate[18], "无效")
        check.add_error(
            c.DISABILITY_CATEGORY,
            f"残疾类别「{category}」与残疾人证号第19位「{certificate[18]}」（{meaning}）不一致",
        )
    if grade and certificate[19] != grade:
        check.add_error(
            c.DISABILITY_GRADE, f"残疾等级 {grade} 级与残疾人证号第20位「{certificate[19]}」不一致"
        )


def _check_joined_after_birth(check: RowCheck) -> None:
    joined_on, id_number = check.get(c.JOINED_ON), check.get(c.ID_NUMBER)
    if joined_on and id_number and joined_on < ric.get_birth_date(id_number):
        check.add_error(c.JOINED_ON, f"加入日期 {joined_on.isoformat()} 早于本人出生日期")


def check_row(row: SheetRow, *, today: datetime.date) -> RowCheck:
    """Parse and check every field of one row; cross-field rules of the row itself included."""
    check = RowCheck(row)
    fields = check.fields
    fields[c.HOUSEHOLD_NUMBER] = _required_text(check, c.HOUSEHOLD_NUMBER, max_length=32)
    fields[c.VILLAGE_CODE] = _village_code(check)
    address = check.text(c.ADDRESS)
    if len(address) > 200:
        check.add_error(c.ADDRESS, f"家庭住址过长：最多 200 个字，实际 {len(address)} 个字")
    else:
        fields[c.ADDRESS] = address
    fields[c.RELATION] = _choice(check, c.RELATION, required=True)
    fields[c.NAME] = _name(check)
    fields[c.ID_NUMBER] = _id_number(check, today=today)
    fields[c.ETHNICITY] = _choice(check, c.ETHNICITY, required=True)
    fields[c.HUKOU_TYPE] = _choice(check, c.HUKOU_TYPE, required=True)
    fields[c.PHONE] = _phone(check)
    fields[c.LABOUR_CAPACITY] = _choice(check, c.LABOUR_CAPACITY, required=False)
    fields[c.EMPLOYMENT] = _choice(check, c.EMPLOYMENT, required=False)
    illness = _choice(check, c.ILLNESS, required=False)
    fields[c.ILLNESS] = "" if illness == c.NO_ILLNESS else illness
    fields[c.COHABITING] = _cohabiting(check)
    fields[c.EXCLUSION_REASON] = _choice(check, c.EXCLUSION_REASON, required=False)
    fields[c.CERTIFICATE_NUMBER] = _certificate(check)
    fields[c.DISABILITY_CATEGORY] = _choice(check, c.DISABILITY_CATEGORY, required=False)
    fields[c.DISABILITY_GRADE] = _grade(check)
    fields[c.JOINED_ON] = _joined_on(check, today=today)
    _check_membership_reason(check)
    _check_disability(check)
    _check_joined_after_birth(check)
    return check


# --- pass 2: households and the file -----------------------------------------------------------------------


def group_by_household(checks: Iterable[RowCheck]) -> dict[str, list[RowCheck]]:
    households: dict[str, list[RowCheck]] = defaultdict(list)
    for check in checks:
        if check.household_number:
            households[check.household_number].append(check)
    return households


def _rows_text(checks: Iterable[RowCheck]) -> str:
    return "、".join(f"第{check.row_number}行" for check in checks)


def check_households(households: dict[str, list[RowCheck]]) -> None:
    """One 户主 per household; every row of a household in the same village at the same address."""
    for number, rows in households.items():
        heads = [row for row in rows if row.get(c.RELATION) == Relation.HEAD]
        if not heads:
            for row in rows:
                if c.RELATION not in row.errors:
                    row.add_error(c.RELATION, f"家庭 {number} 没有户主：每个家庭必须有且只有一行填写「户主」")
        elif len(heads) > 1:
            for row in heads:
                row.add_error(
                    c.RELATION,
                    f"家庭 {number} 有 {len(heads)} 行填写了「户主」（{_rows_text(heads)}），只能有一名户主",
                )
        reference = heads[0] if len(heads) == 1 else rows[0]
        where = "本户户主行" if len(heads) == 1 else "本户首行"
        if len(heads) == 1 and not reference.text(c.ADDRESS):
            reference.add_error(c.ADDRESS, "户主所在行必须填写家庭住址")
        village = reference.get(c.VILLAGE_CODE)
        address_rows = [row for row in rows if row.text(c.ADDRESS)]
        address_reference = reference if reference.text(c.ADDRESS) else (address_rows or [reference])[0]
        address = fold(address_reference.text(c.ADDRESS))
        for row in rows:
            if row is reference:
                continue
            if village and row.get(c.VILLAGE_CODE) and row.get(c.VILLAGE_CODE) != village:
                row.add_error(
                    c.VILLAGE_CODE,
                    f"同一家庭的所在村（社区）代码必须一致：与{where}（第{reference.row_number}行）的 "
                    f"{village} 不一致",
                )
            if row is not address_reference and row.text(c.ADDRESS) and fold(row.text(c.ADDRESS)) != address:
                row.add_error(
                    c.ADDRESS,
                    f"同一家庭的家庭住址必须一致：与第{address_reference.row_number}行填写的住址不一致",
                )


def check_duplicate_ids(checks: Iterable[RowCheck]) -> None:
    rows_by_id: dict[str, list[RowCheck]] = defaultdict(list)
    for check in checks:
        if check.get(c.ID_NUMBER):
            rows_by_id[check.get(c.ID_NUMBER)].append(check)
    for rows in rows_by_id.values():
        if len(rows) > 1:
            for row in rows:
                others = [other for other in rows if other is not row]
                row.add_error(c.ID_NUMBER, f"公民身份号码在文件中重复出现：与{_rows_text(others)}相同")


# --- pass 3: the registry ----------------------------------------------------------------------------------


@dataclass
class RegistrySnapshot:
    """What the registry holds for the file's regions, households and people, read once and reused by the
    commit step (inside the same transaction; on PostgreSQL the rows are locked ``FOR UPDATE``)."""

    regions: dict[str, Region] = field(default_factory=dict)
    households: dict[str, Household] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)
    memberships: dict[int, Membership] = field(default_factory=dict)
    """Person pk → current membership of each of the file's people already in the registry."""
    disabilities: dict[int, list[Disability]] = field(default_factory=lambda: defaultdict(list))
    """Person pk → disability cards in force."""
    heads_by_household: dict[int, list[Membership]] = field(default_factory=lambda: defaultdict(list))
    """Household pk → current 户主 memberships of the file's existing households."""


def load_snapshot(checks: Sequence[RowCheck]) -> RegistrySnapshot:
    snapshot = RegistrySnapshot()
    codes = sorted({check.get(c.VILLAGE_CODE) for check in checks if check.get(c.VILLAGE_CODE)})
    for chunk in chunked(codes):
        snapshot.regions.update((region.code, region) for region in Region.objects.filter(code__in=chunk))
    numbers = sorted({check.household_number for check in checks if check.household_number})
    for chunk in chunked(numbers):
        households = Household.objects.select_for_update(of=("self",)).select_related("region")
        snapshot.households.update(
            (h.household_number, h) for h in households.filter(household_number__in=chunk)
        )
    id_numbers = sorted({check.get(c.ID_NUMBER) for check in checks if check.get(c.ID_NUMBER)})
    for chunk in chunked(id_numbers):
        snapshot.persons.update(
            (p.id_number, p) for p in Person.objects.select_for_update().filter(id_number__in=chunk)
        )
    current = Membership.objects.select_for_update(of=("self",)).filter(valid_to__isnull=True)
    person_pks = sorted(person.pk for person in snapshot.persons.values())
    for pk_chunk in chunked(person_pks):
        memberships = current.select_related("household").filter(person_id__in=pk_chunk)
        snapshot.memberships.update((m.person_id, m) for m in memberships)
    # Of the other members of existing households only the 户主 matters: is one missing from the file?
    household_pks = sorted(household.pk for household in snapshot.households.values())
    for pk_chunk in chunked(household_pks):
        for membership in current.select_related("person").filter(
            household_id__in=pk_chunk, relation=Relation.HEAD
        ):
            snapshot.heads_by_household[membership.household_id].append(membership)
    for pk_chunk in chunked(person_pks):
        for disability in Disability.objects.select_for_update().filter(
            person_id__in=pk_chunk, valid_to__isnull=True
        ):
            snapshot.disabilities[disability.person_id].append(disability)
    return snapshot


def _check_region(check: RowCheck, snapshot: RegistrySnapshot, user: User) -> None:
    code = check.get(c.VILLAGE_CODE)
    if not code:
        return
    region = snapshot.regions.get(code)
    if region is None:
        check.add_error(c.VILLAGE_CODE, f"区划代码 {code} 不存在")
    elif region.level != RegionLevel.VILLAGE:
        check.add_error(
            c.VILLAGE_CODE,
            f"{region.name}（{code}）是{region.get_level_display()}级区划，家庭户必须登记到村（社区）一级",
        )
    elif not user_covers_region(user, code):
        check.add_error(c.VILLAGE_CODE, f"{region.name}（{code}）不在您的管辖范围内")


def _check_existing_household(
    rows: list[RowCheck], household: Household, snapshot: RegistrySnapshot, user: User
) -> None:
    number = household.household_number
    if not user_covers_region(user, household.region_id):
        for row in rows:
            row.add_error(
                c.HOUSEHOLD_NUMBER, f"家庭编号 {number} 已由其他辖区登记，不能在此导入；请核对家庭编号"
            )
        return
    for row in rows:
        code = row.get(c.VILLAGE_CODE)
        if code and code != household.region_id:
            row.add_error(
                c.VILLAGE_CODE,
                f"家庭 {number} 在系统中登记在{household.region.name}（{household.region_id}），"
                "与本行不一致；"
                "迁往其他村（社区）请另行办理",
            )
    heads = [row for row in rows if row.get(c.RELATION) == Relation.HEAD]
    if len(heads) != 1:
        return
    ids_in_file = {row.get(c.ID_NUMBER) for row in rows}
    for membership in snapshot.heads_by_household[household.pk]:
        if membership.person.id_number not in ids_in_file:
            heads[0].add_error(
                c.RELATION,
                f"家庭 {number} 在系统中已有户主，文件中没有其所在的行：变更户主时请把原户主也填入文件，"
                "并修改其「与户主关系」",
            )


def check_against_registry(
    households: dict[str, list[RowCheck]], checks: Sequence[RowCheck], snapshot: RegistrySnapshot, user: User
) -> None:
    for check in checks:
        _check_region(check, snapshot, user)
        person = snapshot.persons.get(check.get(c.ID_NUMBER) or "")
        membership = snapshot.memberships.get(person.pk) if person is not None else None
        other_household = membership.household.household_number if membership is not None else None
        if (
            other_household is not None
            and check.household_number
            and other_household != check.household_number
        ):
            check.add_error(
                c.ID_NUMBER,
                f"该人员已是家庭 {other_household} 的现有成员，不能同时登记到家庭 "
                f"{check.household_number}；如需迁入，请先办理原家庭的成员迁出",
            )
    for number, rows in households.items():
        household = snapshot.households.get(number)
        if household is not None:
            _check_existing_household(rows, household, snapshot, user)


# --- all passes --------------------------------------------------------------------------------------------


@dataclass
class ValidationResult:
    checks: list[RowCheck]
    households: dict[str, list[RowCheck]]
    snapshot: RegistrySnapshot

    @property
    def bad_rows(self) -> int:
        return sum(1 for check in self.checks if check.errors)

    def good_households(self) -> dict[str, list[RowCheck]]:
        """Households none of whose rows has an error: never half a household."""
        return {
            number: rows for number, rows in self.households.items() if not any(row.errors for row in rows)
        }


def check_file(
    rows: Sequence[SheetRow], *, today: datetime.date, progress: ProgressCallback | None = None
) -> ValidationResult:
    """Passes 1 and 2: pure Python, no database (run them before taking any lock)."""
    checks: list[RowCheck] = []
    for index, row in enumerate(rows, start=1):
        checks.append(check_row(row, today=today))
        if progress is not None and (index % 1000 == 0 or index == len(rows)):
            progress("校验", index, len(rows))
    households = group_by_household(checks)
    check_households(households)
    check_duplicate_ids(checks)
    return ValidationResult(checks=checks, households=households, snapshot=RegistrySnapshot())


def check_registry(result: ValidationResult, *, user: User) -> None:
    """Pass 3, inside the import's transaction: the snapshot it reads (and locks) is what commit writes."""
    result.snapshot = load_snapshot(result.checks)
    check_against_registry(result.households, result.checks, result.snapshot, user)


def validate_rows(
    rows: Sequence[SheetRow], *, user: User, today: datetime.date, progress: ProgressCallback | None = None
) -> ValidationResult:
    result = check_file(rows, today=today, progress=progress)
    check_registry(result, user=user)
    return result
