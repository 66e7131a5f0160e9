"""The bank return file: checked whole before anything is written, applied set-based, idempotent, and
failed payments re-issued exactly once by the next month's run."""

from __future__ import annotations

import pytest

from minzheng.assistance.models import LineKind, LineStatus, PayrollLine, PayrollStatus
from minzheng.assistance.payroll.actions import do_run_payroll
from minzheng.assistance.payroll.files import DEDUCTIONS, FileFormat, bank_key, do_export_payment_files
from minzheng.assistance.payroll.reconcile import do_reconcile_payroll, read_return_file
from minzheng.audit.chain import verify_chain
from minzheng.audit.models import AuditEvent, AuditLog
from minzheng.common.errors import PermissionDenied, ValidationFailed
from tests.payroll.conftest import AUGUST, JULY, JUNE, RURAL_BANK, csv_rows, return_csv, return_xlsx

pytestmark = pytest.mark.django_db


def _ids(run, *people) -> list[int]:
    return [PayrollLine.objects.get(run=run, person=p).pk for p in people]


def _statuses(run) -> dict[int, tuple[str, str]]:
    return dict(((pk, (s, n)) for pk, s, n in run.lines.values_list("pk", "status", "status_note")))


def _reconciled() -> list[AuditLog]:
    return list(AuditLog.objects.filter(event_type=AuditEvent.PAYROLL_RECONCILED))


def test_a_good_file_updates_the_statuses_and_the_run_becomes_reconciled(world, june):
    q_head, q_child, x_head, l_head = _ids(
        june, world.qingshan_head, world.qingshan_child, world.xijie_head, world.longquan_head
    )
    # given the bank's return (xlsx with a title line above the headers) for every line of June
    data = return_xlsx(
        [
            (q_head, "成功", ""),
            (q_child, "已到账", ""),
            (l_head, "失败", "账户已销户"),
            (x_head, "退回", "无发放账户"),
        ]
    )
    # when
    result = do_reconcile_payroll(june, data, file_name="回盘.xlsx", acting_user=world.users["city"])
    # then
    assert result.ok and result.rows == 4
    assert result.updated == {"paid": 2, "failed": 1, "returned": 1} and result.unchanged == 0
    assert _statuses(june) == {
        q_head: ("paid", ""),
        q_child: ("paid", ""),
        l_head: ("failed", "账户已销户"),
        x_head: ("returned", "无发放账户"),
    }
    june.refresh_from_db()
    assert june.status == PayrollStatus.RECONCILED and result.run_reconciled
    (audit,) = _reconciled()
    assert audit.data == {
        "month": "2023-06",
        "file_name": "回盘.xlsx",
        "rows": 4,
        "updated": {"paid": 2, "failed": 1, "returned": 1},
        "unchanged": 0,
        "run_reconciled": True,
    }
    assert audit.summary == (
        "导入2023年06月银行回盘 4 行：发放失败 1 笔，已到账 2 笔，资金退回 1 笔；本月发放已全部对账"
    )
    assert verify_chain().ok


def test_a_partial_return_leaves_the_run_open(world, june):
    (q_head,) = _ids(june, world.qingshan_head)
    result = do_reconcile_payroll(june, return_csv([(q_head, "成功", "")]), acting_user=None)
    june.refresh_from_db()
    assert result.updated == {"paid": 1} and not result.run_reconciled
    assert june.status == PayrollStatus.FROZEN
    assert _reconciled()[0].actor_name == "system"


def test_one_bad_row_rejects_the_whole_file_with_a_chinese_error_per_row_and_field(world, june):
    q_head, l_head = _ids(june, world.qingshan_head, world.longquan_head)
    before = _statuses(june)
    # given a file whose 2nd row is good and the others are not (csv rows: the header is row 1)
    data = return_csv(
        [
            (q_head, "成功", ""),
            (999999, "成功", ""),
            (l_head, "已处理", ""),
            ("A12", "失败", ""),
            (q_head, "成功", ""),
            ("", "成功", ""),
        ]
    )
    # when
    result = do_reconcile_payroll(june, data, file_name="回盘.csv", acting_user=world.users["city"])
    # then nothing was written and every problem is named
    assert not result.ok
    assert [str(e) for e in result.errors] == [
        "第 3 行「流水号」：流水号 999999 不存在或不在您的管辖范围内",
        "第 4 行「状态」：状态「已处理」无法识别，应为 成功、已到账、失败 或 退回",
        "第 5 行「流水号」：「A12」不是有效的流水号（应为数字）",
        f"第 6 行「流水号」：流水号 {q_head} 与第 2 行重复",
        "第 7 行「流水号」：不能为空",
    ]
    assert _statuses(june) == before
    assert _reconciled() == []


def test_a_line_of_another_run_is_rejected(world, june):
    july = do_run_payroll(JULY, acting_user=world.users["city"])
    (july_line,) = _ids(july, world.qingshan_head)
    result = do_reconcile_payroll(june, return_csv([(july_line, "成功", "")]), acting_user=None)
    assert [str(e) for e in result.errors] == [
        f"第 2 行「流水号」：流水号 {july_line} 属于2023年07月的发放，不是本次（2023年06月）的发放"
    ]
    assert PayrollLine.objects.get(pk=july_line).status == LineStatus.PENDING


def test_a_county_user_cannot_touch_another_countys_lines(world, june):
    (l_head,) = _ids(june, world.longquan_head)
    result = do_reconcile_payroll(june, return_csv([(l_head, "成功", "")]), acting_user=world.users["county"])
    assert [str(e) for e in result.errors] == [
        f"第 2 行「流水号」：流水号 {l_head} 不存在或不在您的管辖范围内"
    ]
    assert PayrollLine.objects.get(pk=l_head).status == LineStatus.PENDING


def test_deductions_are_not_reconciled_with_the_bank_and_do_not_hold_the_run_open(world, july_with_deduction):
    july = july_with_deduction
    deduction = PayrollLine.objects.get(run=july, kind=LineKind.DEDUCTION)
    rejected = do_reconcile_payroll(july, return_csv([(deduction.pk, "成功", "")]), acting_user=None)
    assert [str(e) for e in rejected.errors] == [
        f"第 2 行「流水号」：流水号 {deduction.pk} 是扣减，不发送银行，不能在回盘中对账"
    ]
    payments = july.lines.filter(amount__gt=0).values_list("pk", flat=True)
    result = do_reconcile_payroll(july, return_csv([(pk, "成功", "") for pk in payments]), acting_user=None)
    assert result.updated == {"paid": 3} and result.run_reconciled


def test_reimporting_the_same_file_changes_nothing(world, june):
    q_head, l_head = _ids(june, world.qingshan_head, world.longquan_head)
    data = return_csv([(q_head, "成功", ""), (l_head, "失败", "户名不符")])
    do_reconcile_payroll(june, data, acting_user=world.users["city"])
    after_first = _statuses(june)
    audit_rows = AuditLog.objects.count()
    # when the same file comes in again
    again = do_reconcile_payroll(june, data, acting_user=world.users["city"])
    # then
    assert again.ok and again.changed == 0 and again.unchanged == 2
    assert _statuses(june) == after_first
    assert AuditLog.objects.count() == audit_rows


def test_a_settled_status_cannot_be_turned_into_another_except_paid_then_returned(world, june):
    q_head, l_head = _ids(june, world.qingshan_head, world.longquan_head)
    do_reconcile_payroll(june, return_csv([(q_head, "成功", ""), (l_head, "失败", "")]), acting_user=None)
    bad = do_reconcile_payroll(june, return_csv([(l_head, "成功", "")]), acting_user=None)
    assert [str(e) for e in bad.errors] == [
        f"第 2 行「状态」：流水号 {l_head} 已对账为「发放失败」，不能改为「已到账」"
    ]
    returned = do_reconcile_payroll(june, return_csv([(q_head, "退回", "到账后退回")]), acting_user=None)
    assert returned.updated == {"returned": 1}


def test_a_failed_payment_is_reissued_exactly_once_by_the_next_months_run(world, june):
    (l_head,) = _ids(june, world.longquan_head)
    do_reconcile_payroll(june, return_csv([(l_head, "失败", "账户冻结")]), acting_user=None)
    # when July and August are run
    july = do_run_payroll(JULY, acting_user=world.users["city"])
    august = do_run_payroll(AUGUST, acting_user=world.users["city"])
    # then July pays June again (once) to the same bank, and August does not
    reissue = july.lines.get(kind=LineKind.REISSUE)
    assert (reissue.person_id, reissue.for_month, reissue.amount, reissue.bank_name) == (
        world.longquan_head.pk,
        JUNE,
        PayrollLine.objects.get(pk=l_head).amount,
        RURAL_BANK,
    )
    assert not august.lines.filter(kind=LineKind.REISSUE).exists()
    assert PayrollLine.objects.get(pk=l_head).reissued_in_id == july.pk
    # the reissue is in July's bank file, typed 重发
    files = do_export_payment_files(
        july, acting_user=None, formats=[FileFormat.CSV], keys=[bank_key(RURAL_BANK)]
    )
    rows = csv_rows(files[0].content)
    assert [r[8:10] for r in rows[1:] if r[0] == str(reissue.pk)] == [["2023-06", "重发"]]
    # and once reissued, the failed line can no longer be changed
    late = do_reconcile_payroll(june, return_csv([(l_head, "成功", "")]), acting_user=None)
    assert [str(e) for e in late.errors] == [
        f"第 2 行「状态」：流水号 {l_head} 已在2023年07月重发，不能再更改状态"
    ]
    assert DEDUCTIONS not in {f.key for f in files}


def test_gbk_csv_from_a_bank_system_is_read(world, june):
    (q_head,) = _ids(june, world.qingshan_head)
    result = do_reconcile_payroll(
        june, return_csv([(q_head, "成功", "")], encoding="gb18030"), acting_user=None
    )
    assert result.updated == {"paid": 1}


def test_a_file_without_the_columns_is_refused_as_a_whole(world, june):
    with pytest.raises(ValidationFailed, match="缺少必需的列：流水号、状态"):
        read_return_file("编号,结果\n1,成功\n".encode())
    with pytest.raises(ValidationFailed, match="无法读取"):
        read_return_file(b"PK\x03\x04 not really a zip", "x.xlsx")
    with pytest.raises(ValidationFailed, match="没有数据行"):
        read_return_file("流水号,状态\n".encode())


@pytest.mark.parametrize("role", ["auditor", "township", "village"])
def test_only_county_level_and_above_may_reconcile(world, june, role):
    (q_head,) = _ids(june, world.qingshan_head)
    with pytest.raises(PermissionDenied):
        do_reconcile_payroll(june, return_csv([(q_head, "成功", "")]), acting_user=world.users[role])
    assert PayrollLine.objects.get(pk=q_head).status == LineStatus.PENDING
