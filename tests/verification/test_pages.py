"""The pages: 走访任务 for township staff (my tasks, overdue badge), the task with its visit form and photos,
比对发现 for the county, 监测预警, 低收入人口 counts, and 一户一条救助链 — with access per role (another
township: 404; an auditor reads and cannot write)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pyarrow as pa
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from minzheng.assistance.models import PayrollLine, PayrollRun
from minzheng.verification.actions import do_load_monitoring, do_record_visit
from minzheng.verification.models import Visit, VisitTask, Warning
from minzheng.verification.monitoring import WARNINGS_SCHEMA
from minzheng.verification.monitoring.pipeline import CATEGORIES_SCHEMA

from .conftest import load, standard_rows

pytestmark = [pytest.mark.django_db]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def loaded(world, clock):
    load(standard_rows(world))
    clock.set("2023-07-05")
    return world


def _task(code: str) -> VisitTask:
    return VisitTask.objects.get(finding__code=code)


def test_a_township_clerk_sees_the_townships_tasks_with_an_overdue_badge(client, loaded, staff, clock):
    client.force_login(staff["township"])
    response = client.get(reverse("web:visit_task_list"))
    assert response.status_code == 200
    # 凤凰街道: four tasks (青山村's 防返贫 task belongs to 守望乡)
    assert response.context["view"] == "mine"
    assert sorted(r["task"].finding.code for r in response.context["rows"]) == [
        "death",
        "elderly_alone_no_income",
        "severe_disability_uncovered",
        "vehicle",
    ]
    assert response.content.decode().count('<span class="badge overdue">逾期</span>') == 0
    # after the deadline (2023-07-17) every open task is overdue
    clock.set("2023-07-18")
    response = client.get(reverse("web:visit_task_list"), {"view": "overdue"})
    assert len(response.context["rows"]) == 4 and response.context["overdue_count"] == 4
    assert response.content.decode().count('<span class="badge overdue">逾期</span>') == 4


def test_another_township_gets_404_for_the_task_its_visit_and_its_photo(client, loaded, staff, media):
    task = _task("vehicle")
    visit = do_record_visit(
        task.pk,
        visited_on=datetime.date(2023, 7, 5),
        visitor_ids=[staff["township"].pk],
        outcome="not_confirmed",
        notes="车辆已过户",
        photos=[SimpleUploadedFile("车.png", PNG)],
        acting_user=staff["township"],
    )
    photo = visit.photos.get()
    client.force_login(staff["township"])
    response = client.get(reverse("web:visit_photo", args=[photo.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    client.force_login(staff["other_township"])
    assert client.get(reverse("web:visit_task_detail", args=[task.pk])).status_code == 404
    assert client.post(reverse("web:visit_task_detail", args=[task.pk]), {}).status_code == 404
    assert client.get(reverse("web:visit_photo", args=[photo.pk])).status_code == 404
    # its own list holds only 守望乡's task
    rows = client.get(reverse("web:visit_task_list"), {"view": "all"}).context["rows"]
    assert [(r["task"].township_code, r["task"].finding.code) for r in rows] == [
        ("530602101", "fanpin_uncovered")
    ]
    assert client.get(reverse("web:household_chain", args=[loaded.zhang.pk])).status_code == 404


def test_an_auditor_reads_tasks_findings_and_chains_and_cannot_record(client, loaded, staff):
    task = _task("vehicle")
    client.force_login(staff["auditor"])
    assert client.get(reverse("web:visit_task_list")).status_code == 200
    response = client.get(reverse("web:visit_task_detail", args=[task.pk]))
    assert response.status_code == 200
    assert response.context["visit_form"] is None and response.context["assign_form"] is None
    assert client.get(reverse("web:finding_list")).context["act_form"] is None
    assert client.get(reverse("web:household_chain", args=[loaded.zhang.pk])).status_code == 200
    response = client.post(
        reverse("web:visit_task_detail", args=[task.pk]),
        {
            "visited_on": "2023-07-05",
            "visitor_ids": [staff["township"].pk],
            "outcome": "refused",
            "notes": "拒绝入户",
        },
    )
    assert response.status_code == 403
    assert "只读账号" in response.content.decode()
    assert Visit.objects.count() == 0


def test_the_visit_form_records_a_confirmed_coverage_finding_with_a_photo(client, loaded, staff, media):
    task = _task("severe_disability_uncovered")
    client.force_login(staff["township"])
    page = client.get(reverse("web:visit_task_detail", args=[task.pk]))
    assert "残联：肢体残疾一级" in page.content.decode()
    assert [c[0] for c in page.context["visit_form"].fields["case_action"].choices] == ["", "none", "apply"]
    response = client.post(
        reverse("web:visit_task_detail", args=[task.pk]),
        {
            "visited_on": "2023-07-05",
            "visitor_ids": [staff["village"].pk, staff["township"].pk],
            "outcome": "confirmed",
            "case_action": "",
            "notes": "王二卧床，家中无劳动力",
            "photos": [SimpleUploadedFile("王家.png", PNG, content_type="image/png")],
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get(task=task)
    assert (visit.case_action, visit.case.scheme, visit.photos.count()) == ("apply", "dibao", 1)
    page = client.get(response["Location"])
    assert (
        "走访结果：属实" in page.content.decode() and f"救助申请 第{visit.case_id}号" in page.content.decode()
    )


def test_an_invalid_visit_shows_the_error_on_the_form_and_writes_nothing(client, loaded, staff):
    task = _task("vehicle")
    client.force_login(staff["township"])
    response = client.post(
        reverse("web:visit_task_detail", args=[task.pk]),
        {
            "visited_on": "2023-07-05",
            "visitor_ids": [staff["township"].pk],
            "outcome": "confirmed",
            "case_action": "recheck",
            "notes": "属实",
        },
    )
    assert response.status_code == 400
    assert "复核只用于成员死亡" in response.content.decode()
    assert Visit.objects.count() == 0


def test_the_county_decides_a_confirmed_finding_from_the_findings_list(client, loaded, staff):
    task = _task("vehicle")
    do_record_visit(
        task.pk,
        visited_on=datetime.date(2023, 7, 5),
        visitor_ids=[staff["township"].pk],
        outcome="confirmed",
        notes="车辆为张小明所有",
        acting_user=staff["township"],
    )
    client.force_login(staff["county"])
    page = client.get(reverse("web:finding_list"), {"status": "confirmed"})
    assert [r["finding"].code for r in page.context["rows"]] == ["vehicle"]
    assert page.context["counts"]["confirmed"] == 1
    response = client.post(
        reverse("web:finding_act", args=[task.finding_id]), {"case_action": "suspend", "note": "暂停待复核"}
    )
    assert response.status_code == 302
    loaded.dibao_case.refresh_from_db()
    assert loaded.dibao_case.status == "suspended"
    # a township clerk cannot (暂停发放 is a county decision): 403, nothing changes
    client.force_login(staff["township"])
    assert client.get(reverse("web:finding_list")).context["act_form"] is None


def test_the_chain_page_shows_every_kind_of_event_in_date_order(client, loaded, staff, clock):
    # given a June payment, a visit that starts the 特困 termination and a July warning for 李家
    run = PayrollRun.objects.create(
        month=datetime.date(2023, 6, 1), frozen_at=timezone.now(), inputs_sha256="0" * 64
    )
    entitlement = loaded.tekun_case.household.entitlements.get()
    PayrollLine.objects.create(
        run=run,
        entitlement=entitlement,
        person=entitlement.person,
        household=loaded.li,
        scheme="tekun",
        county_code="530602",
        region_code=loaded.li.region_id,
        for_month=datetime.date(2023, 6, 1),
        amount=Decimal("1056.00"),
    )
    do_record_visit(
        _task("death").pk,
        visited_on=datetime.date(2023, 7, 5),
        visitor_ids=[staff["township"].pk],
        outcome="confirmed",
        notes="经核实李老汉已于5月3日去世",
        acting_user=staff["township"],
    )
    clock.set("2023-07-10")
    warnings = pa.Table.from_pylist(
        [
            {
                "period": "2023-07",
                "person_id": loaded.li.head_id,
                "household_id": loaded.li.pk,
                "region_code": loaded.li.region_id,
                "signal": "death",
                "level": "severe",
                "route": "verify",
                "detail": "2023-05-03 死亡，仍在享受救助待遇",
            }
        ],
        schema=WARNINGS_SCHEMA,
    )
    do_load_monitoring("2023-07", CATEGORIES_SCHEMA.empty_table(), warnings)
    # when
    client.force_login(staff["township"])
    response = client.get(reverse("web:household_chain", args=[loaded.li.pk]))
    # then
    events = response.context["events"]
    case = loaded.tekun_case.pk
    assert [(timezone.localtime(e.at).date().isoformat(), e.kind, e.title) for e in events] == [
        ("2023-04-10", "case", f"特困人员救助供养 第{case}号：登记申请"),
        ("2023-06-01", "entitlement", "开始享受特困人员救助供养"),
        ("2023-06-01", "payroll", "2023年06月发放合计 1,056.00 元"),
        ("2023-07-03", "finding", "比对发现：在保对象死亡（李老汉）"),
        ("2023-07-05", "visit", "走访核实：属实（在保对象死亡）"),
        ("2023-07-05", "case", f"特困人员救助供养 第{case}号：开始公示"),
        ("2023-07-10", "warning", "监测预警：死亡（严重，李老汉）"),
    ]
    html = response.content.decode()
    html = html[html.index('<ol class="timeline chain">') :]
    positions = [
        html.index(text)
        for text in ("登记申请", "开始享受", "发放合计", "比对发现", "走访核实", "开始公示", "监测预警：死亡")
    ]
    assert positions == sorted(positions)


def test_warnings_are_listed_and_handled_and_the_low_income_counts_shown(client, loaded, staff, clock):
    categories = pa.Table.from_pylist(
        [
            {
                "period": "2023-07",
                "person_id": m.person_id,
                "household_id": loaded.zhang.pk,
                "region_code": loaded.zhang.region_id,
                "category": "dibao",
                "layer": 1,
                "basis": "享受最低生活保障",
            }
            for m in loaded.zhang.memberships.all()
        ],
        schema=CATEGORIES_SCHEMA,
    )
    warnings = pa.Table.from_pylist(
        [
            {
                "period": "2023-07",
                "person_id": loaded.zhang.head_id,
                "household_id": loaded.zhang.pk,
                "region_code": loaded.zhang.region_id,
                "signal": "illness",
                "level": "serious",
                "route": "deliver",
                "detail": "近 12 个月医疗自付 7,000.00 元（2 次结算）",
            }
        ],
        schema=WARNINGS_SCHEMA,
    )
    do_load_monitoring("2023-07", categories, warnings)
    client.force_login(staff["township"])
    page = client.get(reverse("web:warning_list"))
    assert [w.get_signal_display() for w in page.context["rows"]] == ["重病"]
    warning = Warning.objects.get()
    response = client.post(reverse("web:warning_handle", args=[warning.pk]), {"note": "已落实医疗救助"})
    assert response.status_code == 302
    warning.refresh_from_db()
    assert (warning.status, warning.handled_by, warning.handling_note) == (
        "handled",
        staff["township"],
        "已落实医疗救助",
    )
    counts = client.get(reverse("web:monitoring_counts")).context["counts"]
    assert [(c.period, c.county_name, c.category_label, c.persons) for c in counts] == [
        ("2023-07", "昭阳区", "最低生活保障对象", 3)
    ]
    client.force_login(staff["other_county"])
    assert client.get(reverse("web:monitoring_counts")).context["counts"] == []
    assert client.post(reverse("web:warning_handle", args=[warning.pk]), {"note": "x"}).status_code == 404
