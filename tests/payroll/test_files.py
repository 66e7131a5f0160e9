"""Payment files: one per bank, masked unless the user may reveal (and then audited), deductions and lines
without an account kept out of every bank file, a county user's files holding only their county."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from minzheng.assistance.models import PayrollLine
from minzheng.assistance.payroll.files import (
    DEDUCTIONS,
    HEADERS,
    NO_ACCOUNT,
    FileFormat,
    bank_key,
    build_payment_files,
    do_export_payment_files,
    list_payment_files,
)
from minzheng.audit.chain import verify_chain
from minzheng.audit.models import AuditEvent, AuditLog
from minzheng.common.errors import PermissionDenied
from minzheng.common.masking import mask_bank_account, mask_id_number
from tests.payroll.conftest import POSTAL_BANK, RURAL_BANK, csv_rows, xlsx_rows

pytestmark = pytest.mark.django_db


def _exports() -> list[AuditLog]:
    return list(AuditLog.objects.filter(event_type=AuditEvent.EXPORT_DOWNLOADED).order_by("id"))


def _line(person) -> PayrollLine:
    return PayrollLine.objects.get(person=person)


def test_masked_files_are_one_per_bank_with_the_agreed_columns_and_masked_numbers(world, june):
    # when the city exports June in both formats
    files = do_export_payment_files(
        june, acting_user=world.users["city"], formats=[FileFormat.XLSX, FileFormat.CSV]
    )
    # then one file per bank and the exception list, each in both formats
    assert [(f.key, f.file_format.value, f.rows) for f in files] == [
        (bank_key(POSTAL_BANK), "csv", 1),
        (bank_key(POSTAL_BANK), "xlsx", 1),
        (bank_key(RURAL_BANK), "csv", 2),
        (bank_key(RURAL_BANK), "xlsx", 2),
        (NO_ACCOUNT, "csv", 1),
        (NO_ACCOUNT, "xlsx", 1),
    ]
    rural = {f.file_format: f for f in files if f.key == bank_key(RURAL_BANK)}
    assert rural[FileFormat.XLSX].file_name == "代发_2023-06_昭通农商银行.xlsx"
    head = world.qingshan_head
    line = _line(head)
    expected = [
        str(line.pk),
        "昭阳区",
        "530602101201",
        head.name,
        mask_id_number(head.id_number),
        RURAL_BANK,
        mask_bank_account("6217001234567890123"),
        "特困人员救助供养",
        "2023-06",
        "正常发放",
    ]
    xlsx = xlsx_rows(rural[FileFormat.XLSX].content, "代发明细")
    assert xlsx[0] == list(HEADERS)
    assert xlsx[1][:10] == expected and Decimal(xlsx[1][10]) == Decimal("996.00")
    assert xlsx[2][1] == "鲁甸县"
    about = dict((r[0], r[1]) for r in xlsx_rows(rural[FileFormat.XLSX].content, "说明"))
    assert (about["笔数"], about["金额合计（元）"], about["身份证号和账号"]) == ("2", "1992", "已脱敏")
    csv_ = csv_rows(rural[FileFormat.CSV].content)
    assert csv_[0] == list(HEADERS)
    assert csv_[1] == [*expected, "996.00"]
    # no full ID number or account anywhere
    for payment_file in files:
        text = payment_file.content.decode("utf-8-sig") if payment_file.file_format == "csv" else ""
        for person in world.people.values():
            assert person.id_number not in text
        assert "6217001234567890123" not in text
    # and one audit row per file, masked
    rows = _exports()
    assert len(rows) == 6
    assert rows[-1].data == {
        "month": "2023-06",
        "bank": "无发放账户",
        "file": NO_ACCOUNT,
        "format": "xlsx",
        "file_name": "发放_2023-06_无发放账户.xlsx",
        "rows": 1,
        "total": str(_line(world.xijie_head).amount),
        "full": False,
    }
    assert {r.data["bank"] for r in rows} == {POSTAL_BANK, RURAL_BANK, "无发放账户"}
    assert all(r.subject_id == "2023-06" and r.actor_name == "pay-city" for r in rows)
    assert verify_chain().ok


def test_the_full_variant_needs_the_reveal_permission_and_every_file_is_audited(world, june):
    # a county officer without the permission is refused, and nothing is recorded
    with pytest.raises(PermissionDenied):
        do_export_payment_files(june, acting_user=world.users["county"], full=True)
    # the system (command line without --user) never gets the full variant
    with pytest.raises(PermissionDenied, match="--user"):
        do_export_payment_files(june, acting_user=None, full=True)
    assert _exports() == []
    # when an officer with the permission exports the full files
    files = do_export_payment_files(june, acting_user=world.users["county_reveal"], full=True)
    # then the numbers are complete and each file left an audit row saying so
    rural = next(f for f in files if f.key == bank_key(RURAL_BANK))
    row = xlsx_rows(rural.content)[1]
    assert (row[4], row[6]) == (world.qingshan_head.id_number, "6217001234567890123")
    assert rural.file_name == "代发_2023-06_昭通农商银行_完整.xlsx"
    rows = _exports()
    assert len(rows) == len(files) == 3
    assert all(r.data["full"] is True for r in rows)
    assert {(r.data["bank"], r.data["rows"]) for r in rows} == {
        (POSTAL_BANK, 1),
        (RURAL_BANK, 1),
        ("无发放账户", 1),
    }
    assert all(r.region_code == "530602" and "含完整身份证号和银行账号" in r.summary for r in rows)


def test_deductions_are_listed_separately_and_never_sent_to_a_bank(world, july_with_deduction):
    # when July (with a deduction of June's payment to the deceased child) is exported
    files = do_export_payment_files(july_with_deduction, acting_user=world.users["city"])
    # then the postal bank (the child's) gets no file at all, and the deduction is in 扣减清单
    keys = [f.key for f in files]
    assert keys == [bank_key(RURAL_BANK), NO_ACCOUNT, DEDUCTIONS]
    deductions = next(f for f in files if f.key == DEDUCTIONS)
    rows = xlsx_rows(deductions.content, "扣减清单")
    child_line = PayrollLine.objects.get(run=july_with_deduction, person=world.qingshan_child)
    assert [r[0] for r in rows[1:]] == [str(child_line.pk)]
    assert (rows[1][3], rows[1][8], rows[1][9], Decimal(rows[1][10])) == (
        world.qingshan_child.name,
        "2023-06",
        "扣减",
        Decimal("-996.00"),
    )
    assert deductions.total == Decimal("-996.00")
    for payment_file in files:
        if payment_file.key != DEDUCTIONS:
            amounts = [Decimal(r[10]) for r in xlsx_rows(payment_file.content)[1:]]
            assert amounts and all(a > 0 for a in amounts)
            assert str(child_line.pk) not in [r[0] for r in xlsx_rows(payment_file.content)]


def test_lines_without_an_account_go_to_the_exception_list_only(world, june):
    files = build_payment_files(june, user=None, full=False, formats=[FileFormat.CSV])
    no_account_line = _line(world.xijie_head)
    by_key = {f.key: [r[0] for r in csv_rows(f.content)[1:]] for f in files}
    assert by_key[NO_ACCOUNT] == [str(no_account_line.pk)]
    assert all(str(no_account_line.pk) not in ids for key, ids in by_key.items() if key != NO_ACCOUNT)
    exception_row = csv_rows(next(f for f in files if f.key == NO_ACCOUNT).content)[1]
    assert (exception_row[5], exception_row[6]) == ("", "")


def test_a_county_users_files_hold_only_their_county(world, june):
    zhaoyang = do_export_payment_files(june, acting_user=world.users["county"], formats=[FileFormat.CSV])
    ludian = do_export_payment_files(june, acting_user=world.users["other_county"], formats=[FileFormat.CSV])
    zhaoyang_ids = {r[0] for f in zhaoyang for r in csv_rows(f.content)[1:]}
    ludian_ids = {r[0] for f in ludian for r in csv_rows(f.content)[1:]}
    assert zhaoyang_ids == {
        str(_line(p).pk) for p in (world.qingshan_head, world.qingshan_child, world.xijie_head)
    }
    assert ludian_ids == {str(_line(world.longquan_head).pk)}
    assert [(f.key, f.rows) for f in ludian] == [(bank_key(RURAL_BANK), 1)]
    assert {r.region_code for r in _exports()} == {"530602", "530621"}
    # the summary the page lists is scoped the same way
    assert [(f.label, f.rows) for f in list_payment_files(june, world.users["other_county"])] == [
        (RURAL_BANK, 1)
    ]


@pytest.mark.parametrize("role", ["village", "township"])
def test_village_and_township_staff_get_no_payment_files(world, june, role):
    with pytest.raises(PermissionDenied):
        do_export_payment_files(june, acting_user=world.users[role])
    assert _exports() == []


def test_the_lines_are_read_with_one_query_whatever_their_number(world, june):
    with CaptureQueriesContext(connection) as queries:
        build_payment_files(june, user=world.users["city"], full=False, formats=[FileFormat.XLSX])
    line_queries = [q for q in queries.captured_queries if "assistance_payrollline" in q["sql"]]
    assert len(line_queries) == 1
    assert len(queries.captured_queries) <= 3  # + the county names


def test_a_name_that_looks_like_a_formula_stays_text(world, june):
    person = world.longquan_head
    person.name = "=HYPERLINK(1)"
    person.save()
    files = build_payment_files(
        june, user=None, full=False, formats=[FileFormat.XLSX, FileFormat.CSV], keys=[bank_key(RURAL_BANK)]
    )
    xlsx = next(f for f in files if f.file_format == "xlsx")
    csv_ = next(f for f in files if f.file_format == "csv")
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert (sheet["D3"].value, sheet["D3"].data_type) == ("=HYPERLINK(1)", "s")  # text, not a formula
    assert csv_rows(csv_.content)[2][3] == "'=HYPERLINK(1)"
