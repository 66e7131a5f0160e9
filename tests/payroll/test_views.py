"""The payroll and standards pages, role by role: who sees which county's lines, who may run, download in
full, upload a bank return and confirm a 提标; the chart and the local ECharts; the 提标 preview → confirm
flow as a city user."""

from __future__ import annotations

import io
import json
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from minzheng.assistance.models import LineStatus, PayrollLine, PayrollRun, PolicyStandard
from minzheng.audit.models import AuditEvent, AuditLog
from tests.payroll.conftest import JULY, RURAL_BANK, return_csv, xlsx_rows

pytestmark = pytest.mark.django_db

READERS = ("county", "city", "auditor", "admin")
NOT_READERS = ("village", "township")


def _get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def _exports() -> int:
    return AuditLog.objects.filter(event_type=AuditEvent.EXPORT_DOWNLOADED).count()


def detail_url(month="2023-06") -> str:
    return reverse("web:payroll_detail", kwargs={"month": month})


def download_url(month="2023-06") -> str:
    return reverse("web:payroll_download", kwargs={"month": month})


# --- who may see what ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_county_level_roles_and_auditors_read_the_payroll(client, world, june, role):
    response = _get(client, world.users[role], reverse("web:payroll_list"))
    assert response.status_code == 200
    assert "2023年06月" in response.content.decode()
    assert _get(client, world.users[role], detail_url()).status_code == 200


@pytest.mark.parametrize("role", NOT_READERS)
def test_village_and_township_staff_see_no_payroll(client, world, june, role):
    for url in (reverse("web:payroll_list"), detail_url(), download_url()):
        response = _get(client, world.users[role], url, file=f"bank:{RURAL_BANK}")
        assert response.status_code == 403
        assert "县级及以上" in response.content.decode()
    assert _exports() == 0


def test_anonymous_users_are_sent_to_the_login_page(client, world, june):
    response = client.get(detail_url())
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_county_user_sees_only_their_countys_lines_and_totals(client, world, june):
    page = _get(client, world.users["county"], detail_url()).content.decode()
    assert "昭阳区" in page and "鲁甸县" not in page
    assert "本页合计：3 人，3 笔，2988.00 元" in page
    city_page = _get(client, world.users["city"], detail_url()).content.decode()
    assert "本页合计：4 人，4 笔，3984.00 元" in city_page and "鲁甸县" in city_page
    other = _get(client, world.users["other_county"], reverse("web:payroll_list")).content.decode()
    assert "996.00" in other and "2988.00" not in other


def test_the_run_page_has_the_chart_container_and_the_local_echarts(client, world, june):
    page = _get(client, world.users["city"], detail_url()).content.decode()
    assert '<div id="payroll-chart"' in page
    assert '<script src="/static/vendor/echarts/echarts.min.js"></script>' in page
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', page)
    assert scripts and all(src.startswith("/static/") for src in scripts)  # no CDN on the intranet
    chart = json.loads(re.search(r'id="payroll-chart-data" type="application/json">(.*?)</script>', page)[1])
    assert chart == {
        "counties": ["昭阳区", "鲁甸县"],
        "series": [{"name": "特困人员救助供养", "data": [2988.0, 996.0]}],
    }
    # the tables the chart draws are on the page too
    assert "特困人员救助供养" in page and "2988.00" in page


def test_a_month_not_run_yet_is_a_chinese_404(client, world):
    response = _get(client, world.users["city"], detail_url("2023-09"))
    assert response.status_code == 404 and "尚未生成月度发放" in response.content.decode()


# --- running a month -------------------------------------------------------------------------------------


def test_the_city_runs_a_month_and_running_it_again_opens_it(client, world):
    client.force_login(world.users["city"])
    response = client.post(reverse("web:payroll_run"), {"month": "2023-07"})
    assert response.status_code == 302 and response["Location"] == detail_url("2023-07")
    run = PayrollRun.objects.get(month=JULY)
    assert run.frozen_by == world.users["city"] and run.line_count == 4
    again = client.post(reverse("web:payroll_run"), {"month": "2023-07"}, follow=True)
    assert "此前已冻结" in again.content.decode()
    assert PayrollRun.objects.count() == 1


@pytest.mark.parametrize("role", ["auditor", "township", "county"])
def test_only_the_city_bureau_runs_a_month(client, world, role):
    client.force_login(world.users[role])
    response = client.post(reverse("web:payroll_run"), {"month": "2023-07"})
    assert response.status_code == 403
    assert not PayrollRun.objects.exists()


def test_the_run_form_refuses_a_bad_month(client, world):
    client.force_login(world.users["city"])
    response = client.post(reverse("web:payroll_run"), {"month": "2023-13"})
    assert response.status_code == 400 and "月份格式错误" in response.content.decode()


# --- downloads ---------------------------------------------------------------------------------------------


def test_a_masked_download_holds_only_the_users_county_and_is_audited(client, world, june):
    response = _get(client, world.users["county"], download_url(), file=f"bank:{RURAL_BANK}", format="xlsx")
    assert response.status_code == 200
    assert "filename*=utf-8''%E4%BB%A3%E5%8F%91_2023-06_" in response["Content-Disposition"]
    rows = xlsx_rows(b"".join(response.streaming_content))
    assert [r[3] for r in rows[1:]] == [world.qingshan_head.name]
    assert rows[1][4] != world.qingshan_head.id_number and "*" in rows[1][4]
    audit = AuditLog.objects.get(event_type=AuditEvent.EXPORT_DOWNLOADED)
    assert (audit.actor_name, audit.data["bank"], audit.data["rows"], audit.data["full"]) == (
        "pay-county",
        RURAL_BANK,
        1,
        False,
    )


def test_the_full_download_needs_the_permission(client, world, june):
    page = _get(client, world.users["county"], detail_url()).content.decode()
    assert "完整信息" not in page
    refused = _get(client, world.users["county"], download_url(), file=f"bank:{RURAL_BANK}", full="1")
    assert refused.status_code == 403 and _exports() == 0
    page = _get(client, world.users["county_reveal"], detail_url()).content.decode()
    assert "Excel（完整）" in page
    response = _get(
        client,
        world.users["county_reveal"],
        download_url(),
        file=f"bank:{RURAL_BANK}",
        full="1",
        format="csv",
    )
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert world.qingshan_head.id_number in content and "6217001234567890123" in content
    assert AuditLog.objects.get(event_type=AuditEvent.EXPORT_DOWNLOADED).data["full"] is True


def test_all_files_come_as_one_zip_with_one_audit_row_per_file(client, world, june):
    response = _get(client, world.users["city"], download_url(), file="all", format="csv")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == [
        "代发_2023-06_中国邮政储蓄银行.csv",
        "代发_2023-06_昭通农商银行.csv",
        "发放_2023-06_无发放账户.csv",
    ]
    assert _exports() == 3


def test_a_file_outside_the_jurisdiction_or_unknown_is_a_404(client, world, june):
    # 鲁甸县 has no line at the postal bank
    response = _get(client, world.users["other_county"], download_url(), file="bank:中国邮政储蓄银行")
    assert response.status_code == 404
    assert _get(client, world.users["city"], download_url(), file="nonsense").status_code == 404
    assert _get(client, world.users["city"], download_url(), file="all", format="pdf").status_code == 404
    assert _exports() == 0


# --- the bank return ---------------------------------------------------------------------------------------


def _upload(client, user, content: bytes, name="回盘.csv"):
    client.force_login(user)
    return client.post(
        reverse("web:payroll_reconcile", kwargs={"month": "2023-06"}),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def test_a_county_officer_uploads_the_bank_return(client, world, june):
    line = PayrollLine.objects.get(run=june, person=world.qingshan_head)
    response = _upload(client, world.users["county"], return_csv([(line.pk, "成功", "")]))
    assert response.status_code == 302 and response["Location"] == detail_url()
    line.refresh_from_db()
    assert line.status == LineStatus.PAID
    assert AuditLog.objects.filter(event_type=AuditEvent.PAYROLL_RECONCILED).count() == 1


def test_a_bad_return_shows_the_errors_and_writes_nothing(client, world, june):
    mine = PayrollLine.objects.get(run=june, person=world.qingshan_head)
    theirs = PayrollLine.objects.get(run=june, person=world.longquan_head)
    response = _upload(
        client, world.users["county"], return_csv([(mine.pk, "成功", ""), (theirs.pk, "成功", "")])
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert f"第 3 行「流水号」：流水号 {theirs.pk} 不存在或不在您的管辖范围内" in page
    assert "未导入任何数据" in page
    assert PayrollLine.objects.filter(status=LineStatus.PENDING).count() == 4
    unreadable = _upload(client, world.users["county"], b"PK\x03\x04junk", name="x.xlsx")
    assert unreadable.status_code == 400 and "无法读取银行回盘文件" in unreadable.content.decode()


def test_auditors_read_but_do_not_upload(client, world, june):
    page = _get(client, world.users["auditor"], detail_url()).content.decode()
    assert "导入银行回盘" not in page
    line = PayrollLine.objects.get(run=june, person=world.qingshan_head)
    assert _upload(client, world.users["auditor"], return_csv([(line.pk, "成功", "")])).status_code == 403
    line.refresh_from_db()
    assert line.status == LineStatus.PENDING


# --- 救助标准 and 提标 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["village", "township", "county", "city", "auditor", "admin"])
def test_every_role_reads_the_standards_with_placeholders_marked(client, world, role):
    response = _get(
        client, world.users[role], reverse("web:standards_list"), region="530602001001", as_of="2023-06-30"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "最低生活保障标准" in page and "720.00" in page
    assert '<span class="badge placeholder" title="占位值（待民政局录入正式文件）">占位值</span>' in page
    assert "已核实（二手资料）" in page  # the Yunnan 2020 特困 floor, C2
    assert ("提标</a>" in page) is (role in ("city", "admin"))


@pytest.mark.parametrize("role", ["county", "auditor", "township"])
def test_only_the_city_opens_the_raise_page(client, world, role):
    assert _get(client, world.users[role], reverse("web:standards_raise")).status_code == 403


RAISE = {
    "region": "530600",
    "item": "tekun_basic",
    "urban_rural": "",
    "tier": "",
    "amount": "1000",
    "unit": "month",
    "effective_from": "2023-07-01",
    "source": "昭民发〔2023〕12号",
    "confidence": "confirmed",
}


def test_a_city_officer_previews_then_confirms_a_raise(client, world):
    client.force_login(world.users["city"])
    url = reverse("web:standards_raise")
    assert client.get(url).status_code == 200
    rows_before = PolicyStandard.objects.count()
    # when previewed
    preview = client.post(url, {**RAISE, "step": "preview"})
    page = preview.content.decode()
    # then the diff is shown, by county and scheme, with a confirm button, and nothing is saved
    assert preview.status_code == 200
    assert "待遇变化 <strong>4</strong> 人" in page
    assert "每月增加 <strong>256.00</strong> 元，全年增加 <strong>3072.00</strong> 元" in page
    assert "昭阳区" in page and "鲁甸县" in page and "特困人员救助供养" in page
    assert 'name="step" value="confirm"' in page and "确认提标并保存" in page
    assert "的发放已经冻结" not in page  # July not run yet: nothing to pay back
    assert PolicyStandard.objects.count() == rows_before
    # when confirmed
    confirmed = client.post(url, {**RAISE, "step": "confirm"}, follow=True)
    # then saved, audited, and the standards page shows it from its date
    assert PolicyStandard.objects.count() == rows_before + 1
    row = PolicyStandard.objects.get(item="tekun_basic", effective_from="2023-07-01")
    assert (row.amount, row.source, row.created_by) == (
        Decimal("1000.00"),
        "昭民发〔2023〕12号",
        world.users["city"],
    )
    audit = AuditLog.objects.get(event_type=AuditEvent.STANDARD_CHANGE_CONFIRMED)
    assert audit.data["preview"]["persons_changed"] == 4
    page = confirmed.content.decode()
    assert "已确认提标" in page and "1000.00" in page and "昭民发〔2023〕12号" in page


def test_a_raise_dated_in_a_frozen_month_warns_of_back_pay(client, world, june):
    client.force_login(world.users["city"])
    preview = client.post(reverse("web:standards_raise"), {**RAISE, "effective_from": "2023-06-01"})
    assert "2023年06月的发放已经冻结" in preview.content.decode()


def test_the_raise_form_reports_problems_in_chinese_and_saves_nothing(client, world):
    client.force_login(world.users["city"])
    url = reverse("web:standards_raise")
    rows_before = PolicyStandard.objects.count()
    blank_source = client.post(url, {**RAISE, "source": "  ", "step": "confirm"})
    assert blank_source.status_code == 400 and "必须填写依据" in blank_source.content.decode()
    # the seeded cell of 2023-01-01 may not be overwritten: 提标 needs a new date
    same_cell = client.post(url, {**RAISE, "effective_from": "2023-01-01", "step": "confirm"})
    assert same_cell.status_code == 400 and "新的执行日期" in same_cell.content.decode()
    assert PolicyStandard.objects.count() == rows_before
    assert not AuditLog.objects.filter(event_type=AuditEvent.STANDARD_CHANGE_CONFIRMED).exists()
