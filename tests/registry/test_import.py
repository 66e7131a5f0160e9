"""Excel import of households: staging, validation, the error workbook, the two modes, idempotent upsert,
the command line and the upload pages."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from minzheng.accounts.models import Role, User
from minzheng.audit.models import AuditEvent, AuditLog
from minzheng.common.errors import NotFoundOrNoAccess, PermissionDenied, ValidationFailed
from minzheng.registry.imports import (
    access_import_batch_by_id,
    build_error_workbook,
    build_template,
    do_stage_household_import,
)
from minzheng.registry.imports import columns as c
from minzheng.registry.imports.cells import parse_date
from minzheng.registry.imports.errors_workbook import ERROR_FILL_COLOR, SKIPPED_NOTE
from minzheng.registry.imports.template import sample_id_number
from minzheng.registry.models import (
    Disability,
    Household,
    ImportBatch,
    ImportMode,
    ImportRow,
    ImportStatus,
    Membership,
    Person,
)
from tests.factories import UserFactory, make_household, make_id_number

WEST = "530602001001"  # 西街社区, 凤凰街道 (urban)
EAST = "530602001002"  # 东街社区, 凤凰街道 (urban)
QINGSHAN = "530602101201"  # 青山村, 守望乡: same county, another township
LONGQUAN = "530621101201"  # 龙泉村, 鲁甸县: another county


# --- helpers -----------------------------------------------------------------------------------------------


def xlsx(
    rows: list[dict[str, object]], *, headers: tuple[str, ...] = c.HEADERS, title: str | None = None
) -> bytes:
    """A workbook like a user's: one 「家庭成员」 sheet, optional title line, one row per dict."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = c.SHEET_MEMBERS
    if title:
        sheet.append([title])
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(header) for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def member(household: str, village: str, relation: str, name: str, id_number: str, **extra: object) -> dict:
    row: dict[str, object] = {
        c.HOUSEHOLD_NUMBER: household,
        c.VILLAGE_CODE: village,
        c.ADDRESS: f"{household}号院" if relation == "户主" else None,
        c.RELATION: relation,
        c.NAME: name,
        c.ID_NUMBER: id_number,
        c.ETHNICITY: "汉族",
        c.HUKOU_TYPE: "非农业户口",
    }
    row.update(extra)
    return row


def counts() -> tuple[int, int, int, int]:
    return (
        Person.objects.count(),
        Household.objects.count(),
        Membership.objects.count(),
        Disability.objects.count(),
    )


def sheet_cells(content: bytes, sheet_name: str) -> dict[tuple[int, str], object]:
    """{(row, header): cell} of a sheet whose headers are in its first non-empty row."""
    sheet = load_workbook(io.BytesIO(content))[sheet_name]
    header_row = next(row for row in sheet.iter_rows() if any(cell.value for cell in row))
    headers = {cell.column: cell.value for cell in header_row}
    return {
        (cell.row, headers[cell.column]): cell
        for row in sheet.iter_rows(min_row=header_row[0].row + 1)
        for cell in row
        if cell.column in headers
    }


def red_cells(content: bytes) -> dict[tuple[int, str], str]:
    """{(row, header): comment text} of every cell filled red in the 「家庭成员」 sheet."""
    return {
        key: cell.comment.text if cell.comment else ""
        for key, cell in sheet_cells(content, c.SHEET_MEMBERS).items()
        if cell.fill.fgColor.rgb == ERROR_FILL_COLOR
    }


def new_user(**fields: object) -> User:
    # UserFactory skips the save after set_password; save it so that the session's password hash matches.
    user = UserFactory(**fields)
    user.save()
    return user


@pytest.fixture
def township_user(regions):
    return new_user(username="fenghuang", role=Role.TOWNSHIP, jurisdiction=regions["530602001"])


@pytest.fixture
def ids():
    """Synthetic valid ID numbers (昭阳区): two adults, a child, a grandparent and one more adult."""
    return {
        "zhang": make_id_number("530602", datetime.date(1980, 5, 17), male=True),
        "li": make_id_number("530602", datetime.date(1982, 3, 8), male=False),
        "child": make_id_number("530602", datetime.date(2010, 9, 1), male=True),
        "grandma": make_id_number("530602", datetime.date(1950, 1, 20), male=False),
        "wang": make_id_number("530602", datetime.date(1975, 11, 30), male=True),
    }


@pytest.fixture
def good_rows(ids):
    return [
        member(
            "H001", WEST, "户主", "张三", ids["zhang"], **{c.PHONE: "13987654321", c.JOINED_ON: "2023/6/1"}
        ),
        member(
            "H001",
            WEST,
            "配偶",
            "李梅",
            ids["li"],
            **{
                c.LABOUR_CAPACITY: "部分丧失劳动能力",
                c.CERTIFICATE_NUMBER: ids["li"] + "42",
                c.DISABILITY_CATEGORY: "肢体",
                c.DISABILITY_GRADE: 2,
                c.JOINED_ON: datetime.datetime(2020, 1, 2),
            },
        ),
        member(
            "H001",
            WEST,
            "子女",
            "张小明",
            ids["child"],
            **{
                c.EMPLOYMENT: "在校学生",
                c.COHABITING: "否",
                c.EXCLUSION_REASON: "服刑",
                c.JOINED_ON: "20100901",
            },
        ),
        member("H002", EAST, "户主", "王五", ids["wang"], **{c.ETHNICITY: "彝族", c.HUKOU_TYPE: "农业户口"}),
        member("H002", EAST, "父母", "赵奶奶", ids["grandma"], **{c.ILLNESS: "慢性病", c.ETHNICITY: "彝"}),
    ]


# --- a good file -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_good_file_creates_exactly_its_households_members_and_disability(township_user, good_rows, ids):
    # given
    content = xlsx(good_rows)
    today = timezone.localdate()
    # when
    batch = do_stage_household_import(
        content, file_name="凤凰街道.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    # then
    assert (batch.status, batch.total_rows, batch.bad_rows) == (ImportStatus.COMMITTED, 5, 0)
    assert (batch.created_rows, batch.updated_rows, batch.unchanged_rows) == (5, 0, 0)
    assert batch.region_id == "530602001"  # both villages lie in 凤凰街道
    assert counts() == (5, 2, 5, 1)
    households = {h.household_number: h for h in Household.objects.select_related("head")}
    assert households["H001"].region_id == WEST
    assert households["H001"].urban_rural == "urban"
    assert households["H001"].address == "H001号院"
    assert households["H001"].head.id_number == ids["zhang"]
    assert households["H002"].head.id_number == ids["wang"]
    memberships = {
        m.person.id_number: (
            m.household.household_number,
            m.relation,
            m.is_cohabiting,
            m.exclusion_reason,
            m.valid_from,
        )
        for m in Membership.objects.select_related("person", "household")
    }
    assert memberships == {
        ids["zhang"]: ("H001", "户主", True, "", datetime.date(2023, 6, 1)),
        ids["li"]: ("H001", "配偶", True, "", datetime.date(2020, 1, 2)),
        ids["child"]: ("H001", "子女", False, "服刑", datetime.date(2010, 9, 1)),
        ids["wang"]: ("H002", "户主", True, "", today),
        ids["grandma"]: ("H002", "父母", True, "", today),
    }
    zhang = Person.objects.get(id_number=ids["zhang"])
    assert (zhang.name, zhang.sex, zhang.birth_date, zhang.phone) == (
        "张三",
        "男",
        datetime.date(1980, 5, 17),
        "13987654321",
    )
    assert (zhang.hukou_region_id, zhang.hukou_type, zhang.labour_capacity) == (
        WEST,
        "非农业户口",
        "有劳动能力",
    )
    grandma = Person.objects.get(id_number=ids["grandma"])
    assert (grandma.sex, grandma.ethnicity, grandma.illness_category) == ("女", "彝族", "慢性病")
    assert Person.objects.get(id_number=ids["child"]).employment == "在校学生"
    disability = Disability.objects.get()
    assert (disability.person.id_number, disability.certificate_number) == (ids["li"], ids["li"] + "42")
    assert (disability.category, disability.grade, disability.valid_from) == ("肢体", 2, today)
    assert ImportRow.objects.filter(batch=batch).count() == 5
    (audit,) = AuditLog.objects.all()
    assert (audit.event_type, audit.subject_id, audit.region_code) == (
        AuditEvent.IMPORT_COMMITTED,
        str(batch.pk),
        "530602001",
    )
    assert audit.data["rows"] == {"total": 5, "bad": 0, "created": 5, "updated": 0, "unchanged": 0}
    assert audit.data["households"] == {"created": 2, "updated": 0}
    assert audit.data["persons"] == {"created": 5, "updated": 0}
    assert audit.data["file_sha256"] == batch.file_sha256
    assert audit.data["file_name"] == "凤凰街道.xlsx"
    audit_text = json.dumps(audit.data, ensure_ascii=False) + audit.summary
    assert not any(number in audit_text for number in ids.values())
    assert "13987654321" not in audit_text


@pytest.mark.django_db
def test_importing_the_same_file_again_changes_nothing(township_user, good_rows):
    # given
    content = xlsx(good_rows)
    do_stage_household_import(content, file_name="a.xlsx", mode="all_or_nothing", acting_user=township_user)
    before = (counts(), list(Person.objects.order_by("pk").values_list("updated_at", flat=True)))
    audit_rows = AuditLog.objects.count()
    # when
    again = do_stage_household_import(
        content, file_name="a.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    # then
    assert (again.status, again.created_rows, again.updated_rows, again.unchanged_rows) == (
        ImportStatus.UNCHANGED,
        0,
        0,
        5,
    )
    assert (counts(), list(Person.objects.order_by("pk").values_list("updated_at", flat=True))) == before
    assert AuditLog.objects.count() == audit_rows


@pytest.mark.django_db
def test_a_file_with_the_same_content_in_other_words_changes_nothing(township_user, good_rows):
    # given: the same people with headers as users type them (身份证号, 村代码, 关系), a title line,
    # the columns in another order and the village code typed as a number
    do_stage_household_import(
        xlsx(good_rows), file_name="a.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    aliases = {c.ID_NUMBER: "身份证号", c.VILLAGE_CODE: "村代码", c.RELATION: "关系"}
    headers = tuple(reversed(c.HEADERS))
    rows = []
    for row in good_rows:
        rewritten = {aliases.get(header, header): value for header, value in row.items()}
        rewritten["村代码"] = int(str(row[c.VILLAGE_CODE]))
        rows.append(rewritten)
    content = xlsx(rows, headers=tuple(aliases.get(h, h) for h in headers), title="凤凰街道家庭成员信息表")
    audit_rows = AuditLog.objects.count()
    # when
    batch = do_stage_household_import(
        content, file_name="b.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    # then
    assert (batch.status, batch.bad_rows, batch.unchanged_rows) == (ImportStatus.UNCHANGED, 0, 5)
    assert AuditLog.objects.count() == audit_rows
    assert (
        ImportRow.objects.filter(batch=batch).order_by("row_number").first().row_number == 3
    )  # after the title


@pytest.mark.django_db
def test_changed_fields_are_updated_a_new_member_is_added_and_blank_cells_keep_values(
    township_user, good_rows, ids
):
    # given
    do_stage_household_import(
        xlsx(good_rows), file_name="a.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    newborn = make_id_number("530602", datetime.date(2023, 2, 14), male=False)
    changed = [dict(row) for row in good_rows[:3]]
    changed[0][c.PHONE] = None  # blank: keep 13987654321
    changed[1][c.PHONE] = "0870-2123456"
    changed[1][c.DISABILITY_GRADE] = "三级"
    changed[1][c.CERTIFICATE_NUMBER] = ids["li"] + "43"
    changed.append(member("H001", WEST, "孙子女", "张小花", newborn))
    # when
    batch = do_stage_household_import(
        xlsx(changed), file_name="c.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    # then
    assert (batch.status, batch.created_rows, batch.updated_rows, batch.unchanged_rows) == (
        ImportStatus.COMMITTED,
        1,
        1,
        2,
    )
    assert Person.objects.get(id_number=ids["zhang"]).phone == "13987654321"
    assert Person.objects.get(id_number=ids["li"]).phone == "0870-2123456"
    assert Membership.objects.get(person__id_number=newborn).relation == "孙子女"
    assert Household.objects.get(household_number="H001").memberships.count() == 4
    old_card, new_card = Disability.objects.order_by("pk")
    assert (old_card.certificate_number, old_card.valid_to) == (ids["li"] + "42", timezone.localdate())
    assert (new_card.certificate_number, new_card.grade, new_card.valid_to) == (ids["li"] + "43", 3, None)
    audit = AuditLog.objects.filter(event_type=AuditEvent.IMPORT_COMMITTED).order_by("-id").first()
    assert audit.data["changed_fields"] == {"person.phone": 1}
    assert audit.data["persons"] == {"created": 1, "updated": 1}
    assert audit.data["disabilities"] == {"created": 1, "updated": 0, "ended": 1}


@pytest.mark.django_db
def test_the_head_changes_only_when_the_old_head_is_in_the_file_with_a_new_relation(
    township_user, good_rows, ids
):
    # given: H001 registered with 张三 as 户主
    do_stage_household_import(
        xlsx(good_rows), file_name="a.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    li_becomes_head = [dict(good_rows[1], **{c.RELATION: "户主", c.ADDRESS: "H001号院"})]
    # when: the file names 李梅 户主 without 张三
    refused = do_stage_household_import(
        xlsx(li_becomes_head), file_name="b.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    # then
    assert ImportRow.objects.get(batch=refused).errors == {
        c.RELATION: "家庭 H001 在系统中已有户主，文件中没有其所在的行：变更户主时请把原户主也填入文件，"
        "并修改其「与户主关系」"
    }
    # when: 张三 is in the file as 配偶
    swapped = [*li_becomes_head, dict(good_rows[0], **{c.RELATION: "配偶", c.ADDRESS: None})]
    batch = do_stage_household_import(
        xlsx(swapped), file_name="c.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    # then
    assert (batch.status, batch.updated_rows, batch.unchanged_rows) == (ImportStatus.COMMITTED, 2, 0)
    assert Household.objects.get(household_number="H001").head.id_number == ids["li"]
    relations = dict(
        Membership.objects.filter(household__household_number="H001").values_list(
            "person__id_number", "relation"
        )
    )
    assert relations == {ids["zhang"]: "配偶", ids["li"]: "户主", ids["child"]: "子女"}


# --- bad rows ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_all_or_nothing_with_bad_rows_writes_nothing_and_marks_exactly_the_bad_cells(township_user, ids):
    # given
    valid = ids["wang"]
    wrong_check = "0" if valid[17] != "0" else "1"
    rows = [
        member("H001", WEST, "户主", "张三", ids["zhang"]),  # row 2: good
        member("H001", WEST, "配偶", "李梅", ids["li"]),  # row 3: good
        member("H002", EAST, "户主", "王五", valid[:17] + wrong_check, **{c.ETHNICITY: "火星族"}),  # row 4
        member("H002", EAST, "老婆", None, ids["grandma"], **{c.COHABITING: "否"}),  # row 5
    ]
    content = xlsx(rows)
    # when
    batch = do_stage_household_import(
        content, file_name="坏.xlsx", mode=ImportMode.ALL_OR_NOTHING, acting_user=township_user
    )
    # then: nothing in the registry; the batch, its rows and one audit row
    assert (batch.status, batch.total_rows, batch.bad_rows, batch.created_rows) == (
        ImportStatus.REJECTED,
        4,
        2,
        0,
    )
    assert counts() == (0, 0, 0, 0)
    assert ImportRow.objects.filter(batch=batch).count() == 4
    (audit,) = AuditLog.objects.all()
    assert audit.event_type == AuditEvent.IMPORT_REJECTED
    assert audit.data["errors_by_column"] == {
        "与户主关系": 1,
        "姓名": 1,
        "公民身份号码": 1,
        "民族": 1,
        "不计入原因": 1,
    }
    expected = {
        (4, c.ID_NUMBER): f"身份证号码校验位错误：末位应为 {valid[17]}，实际为 {wrong_check}",
        (4, c.ETHNICITY): "民族填写有误：「火星族」，请填写民族全称，如「汉族」「彝族」「苗族」",
        (
            5,
            c.RELATION,
        ): "「老婆」不是有效的与户主关系，可选：户主、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、"
        "儿媳女婿、其他",
        (5, c.NAME): "姓名不能为空",
        (5, c.EXCLUSION_REASON): "「是否共同生活家庭成员」为「否」时必须填写不计入原因",
    }
    errors = {
        (row.row_number, header): message
        for row in ImportRow.objects.filter(batch=batch)
        for header, message in row.errors.items()
    }
    assert errors == expected

    # when
    workbook = build_error_workbook(batch)
    # then: exactly the bad cells are red, each commented with its message
    assert load_workbook(io.BytesIO(workbook)).sheetnames == [c.SHEET_ERROR_SUMMARY, c.SHEET_MEMBERS]
    assert red_cells(workbook) == expected
    cells = sheet_cells(workbook, c.SHEET_MEMBERS)
    assert cells[(4, c.ID_NUMBER)].value == valid[:17] + wrong_check  # the user's own input, as entered
    assert cells[(2, c.ERROR_COLUMN)].value is None
    assert cells[(4, c.ERROR_COLUMN)].value == (
        f"第4行：公民身份号码：{expected[(4, c.ID_NUMBER)]}；民族：{expected[(4, c.ETHNICITY)]}"
    )
    summary = load_workbook(io.BytesIO(workbook))[c.SHEET_ERROR_SUMMARY]
    assert [tuple(row) for row in summary.iter_rows(values_only=True)] == [
        ("行号", "列名", "错误说明"),
        (4, c.ID_NUMBER, expected[(4, c.ID_NUMBER)]),
        (4, c.ETHNICITY, expected[(4, c.ETHNICITY)]),
        (5, c.RELATION, expected[(5, c.RELATION)]),
        (5, c.NAME, expected[(5, c.NAME)]),
        (5, c.EXCLUSION_REASON, expected[(5, c.EXCLUSION_REASON)]),
    ]


@pytest.mark.django_db
def test_the_error_workbook_corrected_in_place_can_be_uploaded_again(township_user, ids):
    # given: a rejected file and its error workbook
    rows = [member("H001", WEST, "户主", "张三", ids["zhang"], **{c.PHONE: "123", c.JOINED_ON: "2023/6/1"})]
    batch = do_stage_household_import(
        xlsx(rows), file_name="a.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    workbook = load_workbook(io.BytesIO(build_error_workbook(batch)))
    sheet = workbook[c.SHEET_MEMBERS]
    phone_column = c.HEADERS.index(c.PHONE) + 1
    # when: the user fixes the red cell and uploads the error workbook itself
    sheet.cell(row=2, column=phone_column, value="13912345678")
    buffer = io.BytesIO()
    workbook.save(buffer)
    fixed = do_stage_household_import(
        buffer.getvalue(), file_name="a.错误.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    # then
    assert (fixed.status, fixed.total_rows, fixed.bad_rows, fixed.created_rows) == (
        ImportStatus.COMMITTED,
        1,
        0,
        1,
    )
    person = Person.objects.get()
    assert (person.id_number, person.phone) == (ids["zhang"], "13912345678")
    assert Membership.objects.get().valid_from == datetime.date(2023, 6, 1)


@pytest.mark.django_db
def test_good_rows_mode_writes_exactly_the_good_households_and_never_half_a_household(township_user, ids):
    # given: H001 is good; H002 has one bad row (a phone) and one good row
    rows = [
        member("H001", WEST, "户主", "张三", ids["zhang"]),
        member("H002", EAST, "户主", "王五", ids["wang"]),
        member("H002", EAST, "配偶", "李梅", ids["li"], **{c.PHONE: "12345"}),
        member("H001", WEST, "子女", "张小明", ids["child"]),
    ]
    # when
    batch = do_stage_household_import(
        xlsx(rows), file_name="g.xlsx", mode=ImportMode.GOOD_ROWS, acting_user=township_user
    )
    # then
    assert (batch.status, batch.total_rows, batch.bad_rows) == (ImportStatus.COMMITTED, 4, 1)
    assert (batch.created_rows, batch.updated_rows, batch.unchanged_rows) == (2, 0, 0)
    assert list(Household.objects.values_list("household_number", flat=True)) == ["H001"]
    assert set(Person.objects.values_list("id_number", flat=True)) == {ids["zhang"], ids["child"]}
    assert Membership.objects.count() == 2
    (audit,) = AuditLog.objects.all()
    assert (audit.event_type, audit.data["skipped_households"]) == (AuditEvent.IMPORT_COMMITTED, 1)
    workbook = build_error_workbook(batch)
    assert red_cells(workbook) == {
        (4, c.PHONE): "联系电话格式错误：应为11位手机号码或带区号的固定电话（如 0870-1234567）"
    }
    assert sheet_cells(workbook, c.SHEET_MEMBERS)[(3, c.ERROR_COLUMN)].value == f"第3行：{SKIPPED_NOTE}"
    assert sheet_cells(workbook, c.SHEET_MEMBERS)[(2, c.ERROR_COLUMN)].value is None


@pytest.mark.django_db
def test_good_rows_mode_with_no_good_household_is_rejected(township_user, ids):
    rows = [member("H001", WEST, "配偶", "李梅", ids["li"])]  # no 户主
    batch = do_stage_household_import(
        xlsx(rows), file_name="x.xlsx", mode=ImportMode.GOOD_ROWS, acting_user=township_user
    )
    assert batch.status == ImportStatus.REJECTED
    assert ImportRow.objects.get(batch=batch).errors == {
        c.RELATION: "家庭 H001 没有户主：每个家庭必须有且只有一行填写「户主」"
    }
    assert counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_household_rules_are_checked_across_rows(township_user, ids):
    # given: two heads, a member in another village at another address, the same ID twice
    rows = [
        member("H001", WEST, "户主", "张三", ids["zhang"]),  # row 2
        member("H001", WEST, "户主", "李梅", ids["li"]),  # row 3
        member("H002", EAST, "户主", "王五", ids["wang"]),  # row 4
        member("H002", WEST, "子女", "王小", ids["child"], **{c.ADDRESS: "别处"}),  # row 5
        member("H002", EAST, "父母", "赵奶奶", ids["zhang"]),  # row 6: zhang again
    ]
    # when
    batch = do_stage_household_import(
        xlsx(rows), file_name="h.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    # then
    errors = {row.row_number: row.errors for row in ImportRow.objects.filter(batch=batch)}
    two_heads = "家庭 H001 有 2 行填写了「户主」（第2行、第3行），只能有一名户主"
    assert errors == {
        2: {c.RELATION: two_heads, c.ID_NUMBER: "公民身份号码在文件中重复出现：与第6行相同"},
        3: {c.RELATION: two_heads},
        4: {},
        5: {
            c.VILLAGE_CODE: f"同一家庭的所在村（社区）代码必须一致：与本户户主行（第4行）的 {EAST} 不一致",
            c.ADDRESS: "同一家庭的家庭住址必须一致：与第4行填写的住址不一致",
        },
        6: {c.ID_NUMBER: "公民身份号码在文件中重复出现：与第2行相同"},
    }


@pytest.mark.django_db
def test_field_rules_dates_choices_disability_card_and_numbers_typed_by_excel(township_user, ids):
    # given
    rows = [
        member(
            "H001",
            WEST,
            "户主",
            "张三",
            float(ids["zhang"][:17] + "1") if ids["zhang"][17] != "X" else 5.3e17,  # a 常规 cell: rounded
            **{c.JOINED_ON: "2023-13-01", c.HUKOU_TYPE: "城镇户口"},
        ),
        member(
            "H001",
            WEST,
            "配偶",
            "李梅",
            ids["li"],
            **{
                c.CERTIFICATE_NUMBER: ids["li"] + "12",
                c.DISABILITY_CATEGORY: "肢体残疾",
                c.DISABILITY_GRADE: 5,
                c.JOINED_ON: datetime.date(1970, 1, 1),
                c.EXCLUSION_REASON: "服刑",
            },
        ),
        member("H001", WEST, "子女", "张小明", ids["child"], **{c.CERTIFICATE_NUMBER: ids["child"] + "41"}),
    ]
    # when
    batch = do_stage_household_import(
        xlsx(rows), file_name="f.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    # then
    errors = {row.row_number: row.errors for row in ImportRow.objects.filter(batch=batch)}
    assert errors[2] == {
        c.ID_NUMBER: "身份证号码被 Excel 存成了数字，末几位已丢失："
        "请把本列单元格格式设置为「文本」后重新输入号码",
        c.HUKOU_TYPE: "「城镇户口」不是有效的户口性质，可选：农业户口、非农业户口、居民户口",
        c.JOINED_ON: "日期不存在：2023-13-01",
    }
    assert errors[3] == {
        c.DISABILITY_GRADE: "残疾等级应为 1–4 级，实际为「5」",
        c.DISABILITY_CATEGORY: "残疾类别「肢体」与残疾人证号第19位「1」（视力）不一致",
        c.JOINED_ON: "加入日期 1970-01-01 早于本人出生日期",
        c.COHABITING: "填写了不计入原因时，「是否共同生活家庭成员」应填「否」",
    }
    assert errors[4] == {
        c.DISABILITY_CATEGORY: "残疾人证号、残疾类别、残疾等级须同时填写",
        c.DISABILITY_GRADE: "残疾人证号、残疾类别、残疾等级须同时填写",
    }
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2023-06-01", datetime.date(2023, 6, 1)),
        ("2023/6/1", datetime.date(2023, 6, 1)),
        ("20230601", datetime.date(2023, 6, 1)),
        ("2023年6月1日", datetime.date(2023, 6, 1)),
        (20230601, datetime.date(2023, 6, 1)),
        (45078, datetime.date(2023, 6, 1)),  # an Excel serial in a 常规 cell
        (datetime.datetime(2023, 6, 1, 0, 0), datetime.date(2023, 6, 1)),
    ],
)
def test_dates_are_read_in_the_forms_users_type(typed, expected):
    assert parse_date(typed) == expected


def test_an_unreadable_date_says_how_to_write_it():
    with pytest.raises(ValueError, match="日期无法识别：6月1日，请填写如 2023-06-01 的日期"):
        parse_date("6月1日")


# --- the registry and the jurisdiction ---------------------------------------------------------------------


@pytest.mark.django_db
def test_an_id_already_in_another_registry_household_is_refused_without_leaking_other_ids(
    township_user, regions, ids
):
    # given: a household in the registry whose head is in the file under a new household number
    existing = make_household(regions[WEST], members=3)
    head, *others = [m.person for m in existing.memberships.select_related("person").order_by("pk")]
    rows = [member("H100", WEST, "户主", head.name, head.id_number)]
    before = counts()
    # when
    batch = do_stage_household_import(
        xlsx(rows), file_name="o.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    # then
    (row,) = ImportRow.objects.filter(batch=batch)
    assert row.errors == {
        c.ID_NUMBER: f"该人员已是家庭 {existing.household_number} 的现有成员，不能同时登记到家庭 H100；"
        "如需迁入，请先办理原家庭的成员迁出"
    }
    assert batch.status == ImportStatus.REJECTED
    assert counts() == before
    workbook = build_error_workbook(batch)
    text = json.dumps(
        [str(cell.value) for cell in sheet_cells(workbook, c.SHEET_MEMBERS).values()], ensure_ascii=False
    )
    text += json.dumps(row.errors, ensure_ascii=False)
    assert not any(other.id_number in text for other in others)


@pytest.mark.django_db
def test_regions_must_exist_be_villages_and_lie_inside_the_jurisdiction(township_user, ids):
    # given
    rows = [
        member("H001", LONGQUAN, "户主", "张三", ids["zhang"]),
        member("H002", "530602001", "户主", "李梅", ids["li"]),
        member("H003", "530602001099", "户主", "王五", ids["wang"]),
        member("H004", "5306020010", "户主", "赵奶奶", ids["grandma"]),
    ]
    # when
    batch = do_stage_household_import(
        xlsx(rows), file_name="r.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    # then
    errors = {row.row_number: row.errors.get(c.VILLAGE_CODE) for row in ImportRow.objects.filter(batch=batch)}
    assert errors == {
        2: f"龙泉村（{LONGQUAN}）不在您的管辖范围内",
        3: "所在村（社区）代码应为12位数字，实际为「530602001」",
        4: "区划代码 530602001099 不存在",
        5: "所在村（社区）代码应为12位数字，实际为「5306020010」",
    }
    assert batch.region_id == "530602001"  # nothing valid: the uploader's jurisdiction
    assert counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_an_existing_household_of_another_township_cannot_be_changed(township_user, regions, ids):
    # given: H200 is registered in 青山村, outside 凤凰街道
    existing = make_household(regions[QINGSHAN], members=1)
    rows = [member(existing.household_number, WEST, "户主", "张三", ids["zhang"])]
    # when
    batch = do_stage_household_import(
        xlsx(rows), file_name="x.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    # then
    assert ImportRow.objects.get(batch=batch).errors[c.HOUSEHOLD_NUMBER] == (
        f"家庭编号 {existing.household_number} 已由其他辖区登记，不能在此导入；请核对家庭编号"
    )


@pytest.mark.django_db
def test_a_batch_is_visible_only_inside_its_region(township_user, regions, good_rows):
    # given
    batch = do_stage_household_import(
        xlsx(good_rows), file_name="a.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    county = new_user(role=Role.COUNTY, jurisdiction=regions["530602"])
    other_township = new_user(role=Role.TOWNSHIP, jurisdiction=regions["530602101"])
    # then
    assert access_import_batch_by_id(county, batch.pk) == batch
    with pytest.raises(NotFoundOrNoAccess):
        access_import_batch_by_id(other_township, batch.pk)


@pytest.mark.django_db
def test_an_auditor_cannot_import(regions, good_rows):
    auditor = new_user(role=Role.AUDITOR, jurisdiction=regions["530600"])
    with pytest.raises(PermissionDenied, match="只读账号"):
        do_stage_household_import(
            xlsx(good_rows), file_name="a.xlsx", mode="all_or_nothing", acting_user=auditor
        )
    assert (ImportBatch.objects.count(), AuditLog.objects.count()) == (0, 0)


# --- file-level errors -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_missing_headers_give_one_clear_error_and_write_nothing(township_user, good_rows):
    # given
    headers = tuple(h for h in c.HEADERS if h not in (c.ID_NUMBER, c.HUKOU_TYPE))
    content = xlsx(good_rows, headers=headers)
    # when / then
    with pytest.raises(ValidationFailed) as raised:
        do_stage_household_import(
            content, file_name="m.xlsx", mode="all_or_nothing", acting_user=township_user
        )
    assert raised.value.message == (
        "文件缺少必需的列：公民身份号码、户口性质。请使用「家庭户导入模板」，并保持表头文字与模板一致。"
    )
    assert (ImportBatch.objects.count(), ImportRow.objects.count(), AuditLog.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("content", [b"not a workbook", b"PK\x03\x04broken zip", b""])
def test_a_corrupt_or_empty_file_is_refused_and_writes_nothing(township_user, content):
    with pytest.raises(ValidationFailed) as raised:
        do_stage_household_import(
            content, file_name="bad.xlsx", mode="all_or_nothing", acting_user=township_user
        )
    assert raised.value.code in {"unreadable_file", "empty_file"}
    assert (ImportBatch.objects.count(), AuditLog.objects.count()) == (0, 0)


# --- template ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_template_has_the_columns_drop_downs_and_a_sample_row_that_would_pass(township_user):
    # given
    template = load_workbook(io.BytesIO(build_template()))
    sheet = template[c.SHEET_MEMBERS]
    # then
    assert template.sheetnames == [c.SHEET_MEMBERS, c.SHEET_HELP, c.SHEET_CHOICES]
    assert [cell.value for cell in sheet[1]] == list(c.HEADERS)
    validated = {str(dv.sqref).split(":")[0][:-1] for dv in sheet.data_validations.dataValidation}
    assert validated == {"D", "G", "H", "J", "K", "L", "M", "N", "P", "Q"}
    sample = {header: cell.value for header, cell in zip(c.HEADERS, sheet[2], strict=True)}
    assert sample[c.ID_NUMBER] == sample_id_number()
    # the sample row is ignored on import; renamed, it passes every check
    renamed = dict(sample, **{c.HOUSEHOLD_NUMBER: "H900"})
    batch = do_stage_household_import(
        xlsx([renamed]), file_name="t.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    assert (batch.status, batch.bad_rows, batch.created_rows) == (ImportStatus.COMMITTED, 0, 1)


def test_the_committed_template_matches_the_generated_one():
    committed = load_workbook(Path(__file__).parents[2] / "docs" / "templates" / "家庭户导入模板.xlsx")
    generated = load_workbook(io.BytesIO(build_template()))
    for name in generated.sheetnames:
        assert [list(r) for r in committed[name].iter_rows(values_only=True)] == [
            list(r) for r in generated[name].iter_rows(values_only=True)
        ]


# --- command line ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_imports_a_file_and_prints_a_chinese_summary(township_user, good_rows, tmp_path, capsys):
    # given
    source = tmp_path / "凤凰.xlsx"
    source.write_bytes(xlsx(good_rows))
    # when
    call_command("import", "households", str(source), "--user", "fenghuang")
    # then
    output = capsys.readouterr().out
    assert "家庭户导入结果" in output and "已导入" in output
    assert Household.objects.count() == 2
    assert not (tmp_path / "凤凰.错误.xlsx").exists()


@pytest.mark.django_db
def test_the_command_exits_non_zero_on_rejection_and_writes_the_error_workbook(township_user, ids, tmp_path):
    # given
    source = tmp_path / "坏.xlsx"
    source.write_bytes(xlsx([member("H001", WEST, "户主", "张三", ids["zhang"], **{c.PHONE: "123"})]))
    # when / then
    with pytest.raises(CommandError, match="导入未通过校验：1 行有错误"):
        call_command("import", "households", str(source), "--user", "fenghuang", "--mode", "all_or_nothing")
    errors_file = tmp_path / "坏.错误.xlsx"
    assert set(red_cells(errors_file.read_bytes())) == {(2, c.PHONE)}
    assert counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_the_command_writes_the_template(tmp_path):
    out = tmp_path / "模板.xlsx"
    call_command("import", "template", str(out))
    assert load_workbook(out).sheetnames[:2] == [c.SHEET_MEMBERS, c.SHEET_HELP]


@pytest.mark.django_db
def test_the_command_reports_a_file_level_error_in_chinese(township_user, tmp_path):
    source = tmp_path / "x.xlsx"
    source.write_bytes(b"garbage")
    with pytest.raises(CommandError, match="无法读取该文件"):
        call_command("import", "households", str(source), "--user", "fenghuang")


# --- web ---------------------------------------------------------------------------------------------------


def _upload(content: bytes, name: str = "家庭.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/vnd.ms-excel")


@pytest.mark.django_db
def test_a_township_user_uploads_through_the_web_and_sees_the_batch(client, township_user, good_rows):
    # given
    client.force_login(township_user)
    assert client.get(reverse("web:import_upload")).status_code == 200
    # when
    response = client.post(
        reverse("web:import_upload"), {"file": _upload(xlsx(good_rows)), "mode": "all_or_nothing"}
    )
    # then
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:import_detail", args=[batch.pk])
    assert (batch.status, batch.file_name, batch.uploaded_by) == (
        ImportStatus.COMMITTED,
        "家庭.xlsx",
        township_user,
    )
    assert counts() == (5, 2, 5, 1)
    detail = client.get(reverse("web:import_detail", args=[batch.pk]))
    assert detail.status_code == 200 and "已导入" in detail.content.decode()
    template = client.get(reverse("web:import_template"))
    assert template.status_code == 200
    assert load_workbook(io.BytesIO(b"".join(template.streaming_content))).sheetnames[0] == c.SHEET_MEMBERS


@pytest.mark.django_db
def test_the_web_shows_errors_and_serves_the_error_workbook_masked_for_others(
    client, township_user, regions, ids
):
    # given
    bad_phone = member("H001", WEST, "户主", "张三", ids["zhang"], **{c.PHONE: "123"})
    client.force_login(township_user)
    client.post(reverse("web:import_upload"), {"file": _upload(xlsx([bad_phone])), "mode": "all_or_nothing"})
    batch = ImportBatch.objects.get()
    # when: the uploader and then their county supervisor download the error workbook
    own = client.get(reverse("web:import_errors", args=[batch.pk]))
    county = new_user(role=Role.COUNTY, jurisdiction=regions["530602"])
    client.force_login(county)
    supervised = client.get(reverse("web:import_errors", args=[batch.pk]))
    # then
    detail = client.get(reverse("web:import_detail", args=[batch.pk])).content.decode()
    assert "联系电话格式错误" in detail
    own_cells = sheet_cells(b"".join(own.streaming_content), c.SHEET_MEMBERS)
    other_cells = sheet_cells(b"".join(supervised.streaming_content), c.SHEET_MEMBERS)
    assert own_cells[(2, c.ID_NUMBER)].value == ids["zhang"]
    assert other_cells[(2, c.ID_NUMBER)].value == ids["zhang"][:6] + "********" + ids["zhang"][-4:]
    downloads = AuditLog.objects.filter(event_type=AuditEvent.EXPORT_DOWNLOADED).order_by("id")
    assert [(row.actor_id, row.data["masked"]) for row in downloads] == [
        (township_user.pk, False),
        (county.pk, True),
    ]


@pytest.mark.django_db
def test_a_missing_header_is_shown_on_the_upload_form(client, township_user, good_rows):
    client.force_login(township_user)
    content = xlsx(good_rows, headers=tuple(h for h in c.HEADERS if h != c.NAME))
    response = client.post(reverse("web:import_upload"), {"file": _upload(content), "mode": "all_or_nothing"})
    assert response.status_code == 400
    assert "文件缺少必需的列：姓名" in response.content.decode()
    assert ImportBatch.objects.count() == 0


@pytest.mark.django_db
def test_an_auditor_gets_a_chinese_403_on_upload_and_nothing_is_written(client, regions, good_rows):
    # given
    auditor = new_user(role=Role.AUDITOR, jurisdiction=regions["530600"])
    client.force_login(auditor)
    # when
    page = client.get(reverse("web:import_upload"))
    response = client.post(
        reverse("web:import_upload"), {"file": _upload(xlsx(good_rows)), "mode": "all_or_nothing"}
    )
    # then
    assert page.status_code == 200 and "不能上传导入文件" in page.content.decode()
    assert response.status_code == 403
    assert "当前账号为只读账号" in response.content.decode()
    assert (ImportBatch.objects.count(), counts()) == (0, (0, 0, 0, 0))


@pytest.mark.django_db
def test_a_batch_outside_the_jurisdiction_is_not_found_on_the_web(client, township_user, regions, good_rows):
    batch = do_stage_household_import(
        xlsx(good_rows), file_name="a.xlsx", mode="all_or_nothing", acting_user=township_user
    )
    client.force_login(new_user(role=Role.TOWNSHIP, jurisdiction=regions["530621101"]))
    assert client.get(reverse("web:import_detail", args=[batch.pk])).status_code == 404
    assert client.get(reverse("web:import_errors", args=[batch.pk])).status_code == 404


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(reverse("web:import_upload"))
    assert response.status_code == 302 and reverse("web:login") in response["Location"]
