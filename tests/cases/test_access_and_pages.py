"""Who sees and does what (jurisdiction → 404, role or read-only → 403, wrong step → 409), village intake,
and the pages: 待办, 已办, 逾期, case detail with its timeline and forms, the 公示 notice, attachments."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from minzheng.assistance.cases import actions
from minzheng.assistance.cases.access import access_case_by_id
from minzheng.assistance.cases.models import Case, CaseAttachment, Publicity
from minzheng.common.errors import NotFoundOrNoAccess, PermissionDenied
from minzheng.common.masking import mask_id_number
from tests.factories import make_named_household

from .flow import d, dibao_at_county, investigate, open_dibao, preliminary, writes_nothing

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_township_clerk_cannot_see_or_act_on_another_townships_case(client, household, staff, clock):
    # given a case of 凤凰街道, and a clerk of 守望乡 (same county)
    case = open_dibao(household, staff, clock)
    outsider = staff["other_township"]
    # then the access layer says "not found", as for a missing case
    with pytest.raises(NotFoundOrNoAccess):
        access_case_by_id(outsider, case.pk)
    with writes_nothing(case), pytest.raises(NotFoundOrNoAccess):
        investigate(case, staff, clock, "2023-10-09", by="other_township")
    # and so do the pages: 404 for the detail and for an action, and nothing in the lists
    client.force_login(outsider)
    assert client.get(reverse("web:case_detail", args=[case.pk])).status_code == 404
    with writes_nothing(case):
        response = client.post(reverse("web:case_action", args=[case.pk, "request_verification"]))
    assert response.status_code == 404
    assert client.get(reverse("web:case_todo")).context["rows"] == []
    client.force_login(staff["other_county"])
    assert client.get(reverse("web:case_detail", args=[case.pk])).status_code == 404


def test_an_auditor_reads_everything_and_can_do_nothing(client, household, staff, clock):
    case = dibao_at_county(household, staff, clock)
    client.force_login(staff["auditor"])
    # reads the case and its timeline, with no action forms
    response = client.get(reverse("web:case_detail", args=[case.pk]))
    assert response.status_code == 200
    assert response.context["action_forms"] == []
    assert [e.event_type for e in response.context["timeline"]][:2] == ["accepted", "investigation_recorded"]
    # every action is 403 and writes nothing
    with writes_nothing(case):
        response = client.post(
            reverse("web:case_action", args=[case.pk, "county_review"]), {"county_review-opinion": "agree"}
        )
    assert response.status_code == 403
    assert "只读账号" in response.content.decode()
    with writes_nothing(case), pytest.raises(PermissionDenied):
        actions.do_county_review(case.pk, opinion="agree", acting_user=staff["auditor"])


def test_the_wrong_role_is_403_and_the_wrong_step_409(client, household, staff, clock):
    case = dibao_at_county(household, staff, clock)
    client.force_login(staff["village"])
    with writes_nothing(case):
        response = client.post(reverse("web:case_action", args=[case.pk, "confirm"]), {})
    assert response.status_code == 403
    assert "您的角色不能审核确认" in response.content.decode()
    client.force_login(staff["county"])
    with writes_nothing(case):
        response = client.post(reverse("web:case_action", args=[case.pk, "confirm"]), {})
    assert response.status_code == 409
    assert "本案当前环节为「区县审查意见」，不能审核确认" in response.content.decode()
    assert client.post(reverse("web:case_action", args=[case.pk, "no_such_action"])).status_code == 404


def test_a_village_assistant_files_for_the_family_and_the_township_accepts(client, household, staff, clock):
    # given the village assistant files a 低保 application on 2023-09-26 (代办)
    clock.set("2023-09-26")
    client.force_login(staff["village"])
    url = reverse("web:case_new") + f"?household={household.pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"scheme": "dibao", "applicant_id": household.head_id})
    case = Case.objects.get()
    assert response.status_code == 302
    assert (case.status, case.step, case.accepted_on, case.step_deadline) == (
        "submitted",
        "intake",
        None,
        None,
    )
    # then it is on the township's 待办, and accepting it on 09-28 starts the clock
    client.force_login(staff["township"])
    assert [row["case"] for row in client.get(reverse("web:case_todo")).context["rows"]] == [case]
    clock.set("2023-09-28")
    response = client.post(reverse("web:case_action", args=[case.pk, "accept"]), {"accept-note": "材料齐全"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.step, case.accepted_on, case.step_deadline, case.accepted_by) == (
        "in_progress",
        "investigation",
        d("2023-09-28"),
        d("2023-10-09"),
        staff["township"],
    )
    assert list(case.events.values_list("event_type", "actor__username")) == [
        ("submitted", "case-village"),
        ("accepted", "case-township"),
    ]


def test_the_publicity_notice_shows_surname_masked_id_household_size_and_amount_only(
    client, household, staff, clock
):
    case = open_dibao(household, staff, clock)
    investigate(case, staff, clock, "2023-10-09")
    preliminary(case, staff, clock, "2023-10-11")
    client.force_login(staff["township"])
    # when the clerk posts the 公示 from the case page
    response = client.post(reverse("web:case_action", args=[case.pk, "start_publicity"]))
    assert response.status_code == 302
    assert Publicity.objects.get(case=case).ends_on == d("2023-10-17")
    # then the notice shows 张**, the masked ID number, 3 people and 450.00, and no phone
    page = client.get(reverse("web:case_publicity"))
    body = page.content.decode()
    head = household.head
    [row] = page.context["rows"]
    assert (row.name, row.id_number, row.household_size, str(row.proposed_amount)) == (
        "张**",
        mask_id_number(head.id_number),
        3,
        "450.00",
    )
    assert "张三丰" not in body and head.id_number not in body and head.phone not in body
    # closing it too early is shown on the case page, nothing written
    with writes_nothing(case):
        response = client.post(reverse("web:case_action", args=[case.pk, "close_publicity"]), {})
    assert response.status_code == 400
    assert "公示期未满（2023-10-11 至 2023-10-17），期满后方可结束" in response.content.decode()


def test_home_visit_photos_are_stored_and_served_only_within_the_jurisdiction(
    client, household, staff, clock, media
):
    case = open_dibao(household, staff, clock)
    clock.set("2023-10-09")
    client.force_login(staff["township"])
    url = reverse("web:case_action", args=[case.pk, "record_investigation"])
    form = {
        "record_investigation-visited_on": "2023-10-09",
        "record_investigation-investigator_ids": [staff["village"].pk, staff["township"].pk],
        "record_investigation-findings": "住房简陋，无稳定收入",
        "record_investigation-family_signatories": "张三丰",
    }
    # a file that is not a photo or a PDF is refused, nothing written
    with writes_nothing(case):
        bad = client.post(
            url, {**form, "record_investigation-attachments": SimpleUploadedFile("a.exe", b"MZ\x90")}
        )
    assert bad.status_code == 400
    assert "不是 JPG、PNG 或 PDF 文件" in bad.content.decode()
    # a photo is kept under MEDIA_ROOT with a random name
    photo = SimpleUploadedFile("张三丰家.png", PNG, content_type="image/png")
    response = client.post(url, {**form, "record_investigation-attachments": photo})
    assert response.status_code == 302
    attachment = CaseAttachment.objects.get()
    assert (attachment.original_name, attachment.size, attachment.content_type) == (
        "张三丰家.png",
        len(PNG),
        "image/png",
    )
    assert attachment.file.name.startswith("cases/") and "张" not in attachment.file.name
    assert (media / attachment.file.name).read_bytes() == PNG
    download = client.get(reverse("web:case_attachment", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    client.force_login(staff["other_township"])
    assert client.get(reverse("web:case_attachment", args=[attachment.pk])).status_code == 404


def test_todo_done_and_overdue_pages(client, household, staff, clock):
    case = open_dibao(household, staff, clock)
    clock.set("2023-10-10")  # the investigation should have started by 10-09
    client.force_login(staff["township"])
    todo = client.get(reverse("web:case_todo"))
    [row] = todo.context["rows"]
    assert (row["case"], row["step"], row["overdue"]) == (case, "家庭经济状况调查", True)
    assert "逾期" in todo.content.decode()
    assert [r["case"] for r in client.get(reverse("web:case_done")).context["rows"]] == [case]
    client.force_login(staff["county"])
    overdue = client.get(reverse("web:case_overdue"))
    assert [(c.name, c.cases) for c in overdue.context["counts"]] == [("凤凰街道", 1)]
    assert client.get(reverse("web:case_done")).context["rows"] == []
    detail = client.get(reverse("web:case_detail", args=[case.pk]))
    assert detail.context["overdue"] is True
    assert [f.action for f in detail.context["action_forms"]] == []  # the county has nothing to do yet


def test_every_step_renders_the_forms_of_its_handler(client, household, staff, clock):
    # given a case walked to the county, the page of each step shows its handler's forms
    case = open_dibao(household, staff, clock)
    client.force_login(staff["township"])
    page = client.get(reverse("web:case_detail", args=[case.pk]))
    assert [f.action for f in page.context["action_forms"]] == [
        "record_investigation",
        "request_verification",
        "submit_preliminary_review",
    ]
    assert 'value="2023-09-28"' in page.content.decode()  # the visit date defaults to the business date
    other = make_named_household(household.region, "HH-LI", ["李大树", "李小树"])
    case = dibao_at_county(other, staff, clock)
    client.force_login(staff["county"])
    page = client.get(reverse("web:case_detail", args=[case.pk]))
    assert page.status_code == 200
    assert [f.action for f in page.context["action_forms"]] == ["county_review", "send_back"]
    assert "民主评议" in page.content.decode()
