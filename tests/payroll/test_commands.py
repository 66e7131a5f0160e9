"""``minzheng payroll`` and ``minzheng standards`` through call_command."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minzheng.assistance.models import LineStatus, PayrollLine, PayrollRun, PolicyStandard
from minzheng.assistance.payroll.actions import do_run_payroll
from minzheng.audit.models import AuditEvent, AuditLog
from tests.payroll.conftest import JUNE, csv_rows, return_csv, xlsx_rows

pytestmark = pytest.mark.django_db


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_payroll_runs_the_month_prints_the_totals_and_writes_the_files(world, tmp_path):
    # when
    output = run("payroll", month="2023-06", out=str(tmp_path))
    # then the month is frozen once, by the system
    run_ = PayrollRun.objects.get(month=JUNE)
    assert run_.frozen_by is None
    assert "2023年06月发放已冻结：共 4 条" in output
    for text in ("按救助类别", "按县（市、区）", "特困人员救助供养", "正常发放", "昭阳区", "鲁甸县", "合计"):
        assert text in output
    assert f"{run_.total_amount:,.2f}" in output
    # the files are written, masked, both formats
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "代发_2023-06_中国邮政储蓄银行.csv",
        "代发_2023-06_中国邮政储蓄银行.xlsx",
        "代发_2023-06_昭通农商银行.csv",
        "代发_2023-06_昭通农商银行.xlsx",
        "发放_2023-06_无发放账户.csv",
        "发放_2023-06_无发放账户.xlsx",
    ]
    rows = csv_rows((tmp_path / "代发_2023-06_昭通农商银行.csv").read_bytes())
    assert world.qingshan_head.id_number not in {r[4] for r in rows}
    assert AuditLog.objects.filter(event_type=AuditEvent.EXPORT_DOWNLOADED).count() == 6
    # when run again: opened, not paid twice
    again = run("payroll", month="2023-06", out=str(tmp_path), format="xlsx")
    assert "直接打开（不会重复发放）" in again
    assert PayrollLine.objects.count() == 4


def test_payroll_as_a_county_user_prints_and_writes_only_their_county(world, tmp_path):
    # the city freezes the month; a county re-opens it for its own files
    do_run_payroll(datetime.date(2023, 6, 1), acting_user=world.users["city"])
    output = run(
        "payroll", month="2023-06", user="pay-county-reveal", out=str(tmp_path), full=True, format="xlsx"
    )
    assert "昭阳区" in output and "鲁甸县" not in output
    rows = xlsx_rows((tmp_path / "代发_2023-06_昭通农商银行_完整.xlsx").read_bytes())
    assert [r[4] for r in rows[1:]] == [world.qingshan_head.id_number]
    assert set(
        AuditLog.objects.filter(event_type=AuditEvent.EXPORT_DOWNLOADED).values_list("data__full", flat=True)
    ) == {True}


def test_full_files_are_refused_to_the_system_and_to_users_without_the_permission(world, tmp_path):
    with pytest.raises(CommandError, match="--user"):
        run("payroll", month="2023-06", out=str(tmp_path), full=True)
    with pytest.raises(CommandError, match="没有查看完整个人信息的权限"):
        run("payroll", month="2023-06", user="pay-county", out=str(tmp_path), full=True)
    assert not PayrollRun.objects.exists() and list(tmp_path.iterdir()) == []
    with pytest.raises(CommandError, match="只有县级及以上"):
        run("payroll", month="2023-06", user="pay-township", out=str(tmp_path))
    with pytest.raises(CommandError, match="月份格式错误"):
        run("payroll", month="2023/06", out=str(tmp_path))


def test_payroll_reconcile_applies_a_good_file_and_refuses_a_bad_one(world, june, tmp_path):
    line = PayrollLine.objects.get(run=june, person=world.qingshan_head)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(return_csv([(line.pk, "成功", ""), (line.pk + 1000, "失败", "")]))
    with pytest.raises(CommandError, match="1 处错误，未写入任何数据"):
        run("payroll", "reconcile", str(bad), month="2023-06", user="pay-county")
    assert PayrollLine.objects.get(pk=line.pk).status == LineStatus.PENDING
    good = tmp_path / "good.csv"
    good.write_bytes(return_csv([(line.pk, "成功", "")]))
    output = run("payroll", "reconcile", str(good), month="2023-06", user="pay-county")
    assert "更新为已到账" in output and "尚有待发放的明细" in output
    assert PayrollLine.objects.get(pk=line.pk).status == LineStatus.PAID
    again = run("payroll", "reconcile", str(good), month="2023-06", user="pay-county")
    assert "未作任何更改" in again
    with pytest.raises(CommandError, match="尚未生成月度发放"):
        run("payroll", "reconcile", str(good), month="2023-09")


def test_standards_list_shows_the_values_in_force_with_source_and_confidence(world):
    output = run("standards", "list", region="530602001001", date="2023-06-30")
    for text in ("最低生活保障标准", "城市", "农村", "占位值", "530600", "执行日期"):
        assert text in output
    assert "项为占位值" in output


def test_standards_raise_previews_without_saving_and_saves_only_with_confirm(world):
    options = dict(
        item="tekun_basic", amount="1000", effective_from="2023-07-01", source="昭民发〔2023〕12号"
    )
    rows_before = PolicyStandard.objects.count()
    # when previewed
    output = run("standards", "raise", **options)
    # then the diff is printed: three rural 特困 persons go from 936 to 1000 (+64), the urban one too
    assert "待遇变化 4 人" in output and "每月增加 256.00 元，全年增加 3,072.00 元" in output
    assert "昭阳区" in output and "鲁甸县" in output
    assert "以上为预览，未保存" in output
    assert PolicyStandard.objects.count() == rows_before
    assert not AuditLog.objects.filter(event_type=AuditEvent.STANDARD_CHANGE_CONFIRMED).exists()
    # a county user may not confirm; --confirm needs --user
    with pytest.raises(CommandError, match="市民政局"):
        run("standards", "raise", confirm=True, user="pay-county", **options)
    with pytest.raises(CommandError, match="--user"):
        run("standards", "raise", confirm=True, **options)
    assert PolicyStandard.objects.count() == rows_before
    # when confirmed by the city
    saved = run("standards", "raise", confirm=True, user="pay-city", **options)
    assert "已保存" in saved
    row = PolicyStandard.objects.get(item="tekun_basic", effective_from="2023-07-01")
    assert (row.region_code, row.amount, row.urban_rural, row.confidence, row.created_by.username) == (
        "530600",
        Decimal("1000.00"),
        "",
        "confirmed",
        "pay-city",
    )
    audit = AuditLog.objects.get(event_type=AuditEvent.STANDARD_CHANGE_CONFIRMED)
    assert audit.data["preview"] == {
        "month": "2023-07",
        "persons_changed": 4,
        "monthly_change": "256.00",
        "annual_change": "3072.00",
    }


def test_standards_raise_refuses_bad_input_in_chinese(world):
    with pytest.raises(CommandError, match="日期格式错误"):
        run("standards", "raise", item="dibao", amount="760", effective_from="2023-13-01", source="x")
    with pytest.raises(CommandError, match="金额格式错误"):
        run("standards", "raise", item="dibao", amount="七百", effective_from="2023-07-01", source="x")
    with pytest.raises(CommandError, match="依据"):
        run("standards", "raise", item="dibao", amount="760", effective_from="2023-07-01", source=" ")
