"""The registry pages one by one: the household as of a date, the list's filters and search, the person
page's reveal, the Excel export (masking, audit row, file name) and the audit log page."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from minzheng.audit.models import AuditEvent, AuditLog
from minzheng.common.masking import mask_id_number, mask_phone
from minzheng.registry.models import Disability, Income, Membership
from minzheng.web.views_registry import EXPORT_HEADERS, PAGE_SIZE
from tests.factories import PersonFactory, make_household, make_id_number, make_named_household, make_user


@pytest.fixture
def township_user(regions):
    return make_user("township", regions["530602001"], username="fenghuang")


@pytest.fixture
def county_user(regions):
    return make_user("county", regions["530602"], username="zhaoyang", is_staff=True, can_reveal=True)


def _rows(response) -> list[list[str]]:
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = workbook["家庭成员"]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


# --- household as of a date ----------------------------------------------------------------------------


def test_household_as_of_a_date_shows_a_member_who_left_later_but_not_one_who_joined_later(
    client, regions, township_user
):
    # given a household with a son who left on 2023-06-30 and a daughter-in-law who joined on 2024-01-01
    household = make_named_household(
        regions["530602001001"], "HH-ASOF", ["周户主"], as_of=datetime.date(2015, 1, 1)
    )
    son = PersonFactory(
        name="周离开", hukou_region=regions["530602001001"], birth_date=datetime.date(2000, 3, 15)
    )
    Membership.objects.create(
        household=household,
        person=son,
        relation="子女",
        valid_from=datetime.date(2015, 1, 1),
        valid_to=datetime.date(2023, 6, 30),
    )
    joiner = PersonFactory(name="吴加入", hukou_region=regions["530602001001"])
    Membership.objects.create(
        household=household, person=joiner, relation="儿媳女婿", valid_from=datetime.date(2024, 1, 1)
    )
    client.force_login(township_user)
    url = reverse("web:household_detail", args=[household.pk])

    # when the household is seen as of 2023-03-01
    response = client.get(url, {"as_of": "2023-03-01"})

    # then the son is there, aged 22 (his 23rd birthday, 15 March, has not come yet), the joiner is not
    body = response.content.decode()
    names = [m.person.name for m in response.context["members"]]
    assert names == ["周户主", "周离开"]
    son_row = next(m for m in response.context["members"] if m.person.name == "周离开")
    assert son_row.age == 22
    assert "吴加入" not in body

    # and as of 2024-06-01 it is the other way round
    later = client.get(url, {"as_of": "2024-06-01"})
    assert [m.person.name for m in later.context["members"]] == ["周户主", "吴加入"]


def test_household_detail_defaults_to_today_and_ignores_a_bad_date(client, regions, township_user):
    # given
    household = make_household(regions["530602001001"])
    client.force_login(township_user)
    # when
    response = client.get(reverse("web:household_detail", args=[household.pk]), {"as_of": "不是日期"})
    # then
    assert response.status_code == 200
    assert response.context["as_of"] == timezone.localdate()
    assert "日期格式不正确" in response.content.decode()
    # and without a date the input shows today's, in the format a date input takes
    plain = client.get(reverse("web:household_detail", args=[household.pk])).content.decode()
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in plain


def test_household_detail_shows_counted_and_excluded_incomes_and_the_per_capita_income(
    client, regions, township_user
):
    # given two cohabiting members, a counted wage, an excluded award and a non-cohabiting member's wage
    household = make_named_household(regions["530602001001"], "HH-INCOME", ["郑一", "郑二"])
    head, second = (m.person for m in household.memberships.order_by("id"))
    prisoner = PersonFactory(name="郑三", hukou_region=regions["530602001001"])
    Membership.objects.create(
        household=household,
        person=prisoner,
        relation="子女",
        is_cohabiting=False,
        exclusion_reason="服刑",
        valid_from=datetime.date(2020, 1, 1),
    )
    start = datetime.date(2020, 1, 1)
    Income.objects.create(
        household=household,
        person=head,
        category="工资性收入",
        item="务工工资",
        monthly_amount=Decimal("1500.00"),
        valid_from=start,
    )
    Income.objects.create(
        household=household,
        person=second,
        category="不计入收入",
        item="见义勇为奖金",
        monthly_amount=Decimal("300.00"),
        counted=False,
        rule_code="excluded.award",
        valid_from=start,
    )
    Income.objects.create(
        household=household,
        person=prisoner,
        category="工资性收入",
        item="狱内劳动报酬",
        monthly_amount=Decimal("100.00"),
        valid_from=start,
    )
    Disability.objects.create(
        person=second,
        certificate_number=second.id_number + "42",
        category="肢体",
        grade=4,
        valid_from=datetime.date(2019, 1, 1),
    )
    client.force_login(township_user)
    # when
    response = client.get(reverse("web:household_detail", args=[household.pk]), {"as_of": "2024-01-01"})
    # then
    body = response.content.decode()
    assert [i.item for i in response.context["excluded_incomes"]] == ["见义勇为奖金"]
    assert response.context["snapshot"].counted_monthly_income == Decimal("1500.00")
    assert response.context["snapshot"].per_capita_monthly_income == Decimal("750.00")
    assert '<strong class="per-capita">750.00</strong>' in body
    assert "否（服刑）" in body
    assert "肢体残疾4级" in body
    assert second.id_number + "42" not in body and second.id_number not in body


def test_household_history_lists_its_audit_rows(client, regions, township_user):
    # given a household created through the action, so that it has a history
    from minzheng.registry.actions import do_create_household
    from minzheng.registry.actions.households import NewPerson

    household = do_create_household(
        household_number="HH-HIST",
        region=regions["530602001001"],
        address="西街1号",
        head=NewPerson(id_number=make_id_number(), name="冯历史", hukou_type="居民户口"),
        valid_from=datetime.date(2024, 1, 1),
        acting_user=township_user,
    )
    client.force_login(township_user)
    # when
    response = client.get(reverse("web:household_detail", args=[household.pk]))
    # then
    assert [log.event_type for log in response.context["history"]] == [AuditEvent.HOUSEHOLD_CREATED]
    assert "新建家庭户 HH-HIST，户主 冯历史" in response.content.decode()


# --- household list ------------------------------------------------------------------------------------


def test_household_list_is_paginated_by_fifty(client, regions, township_user):
    # given 51 households in the township
    for _ in range(PAGE_SIZE + 1):
        make_household(regions["530602001001"], members=1)
    client.force_login(township_user)
    # when
    first = client.get(reverse("web:household_list"))
    second = client.get(reverse("web:household_list"), {"page": 2})
    # then
    assert len(first.context["rows"]) == PAGE_SIZE
    assert len(second.context["rows"]) == 1
    assert "第 1 / 2 页" in first.content.decode()


def test_household_list_columns_are_masked_and_count_current_members(client, regions, township_user):
    # given a household of three where one member has left
    household = make_household(regions["530602001001"], members=3)
    leaver = household.memberships.order_by("id").last()
    Membership.objects.filter(pk=leaver.pk).update(valid_to=datetime.date(2021, 1, 1))
    client.force_login(township_user)
    # when
    response = client.get(reverse("web:household_list"))
    # then
    (row,) = response.context["rows"]
    assert row.member_count == 2
    assert row.head_id_number == mask_id_number(household.head.id_number)
    body = response.content.decode()
    assert household.head.id_number not in body
    for header in ("家庭编号", "户主", "户主身份证号", "所在村（社区）", "城乡", "人数"):
        assert f"<th>{header}</th>" in body


def test_household_list_filters_by_region_and_urban_rural(client, regions, county_user):
    # given an urban household in 凤凰街道 and a rural one in 守望乡
    urban = make_household(regions["530602001001"])
    rural = make_household(regions["530602101201"])
    client.force_login(county_user)
    list_url = reverse("web:household_list")

    def numbers(params):
        return [r.household.household_number for r in client.get(list_url, params).context["rows"]]

    # when / then
    assert numbers({"region": "530602001"}) == [urban.household_number]
    assert numbers({"region": "530602101201"}) == [rural.household_number]
    assert numbers({"urban_rural": "rural"}) == [rural.household_number]
    assert sorted(numbers({})) == sorted([urban.household_number, rural.household_number])


def test_the_region_filter_offers_only_regions_inside_the_jurisdiction(client, regions, township_user):
    # given
    make_household(regions["530621101201"])
    client.force_login(township_user)
    # when
    response = client.get(reverse("web:household_list"), {"region": "530621101201"})
    # then: a region outside is not a choice, and nothing is listed
    codes = [code for code, _label in response.context["form"].fields["region"].choices]
    assert codes == ["", "530602001001", "530602001002"]
    assert response.context["rows"] == []
    assert "鲁甸县" not in response.content.decode() and "龙泉村" not in response.content.decode()


def test_searching_by_id_number_normalises_it_and_matches_exactly(client, regions, township_user):
    # given a household whose member's ID ends in X
    household = make_named_household(regions["530602001001"], "HH-SEARCH", ["褚户主"])
    member = PersonFactory(
        name="褚成员", hukou_region=regions["530602001001"], id_number="11010519491231002X"
    )
    Membership.objects.create(
        household=household, person=member, relation="子女", valid_from=datetime.date(2020, 1, 1)
    )
    client.force_login(township_user)
    list_url = reverse("web:household_list")
    # when searched with spaces and a lower-case x / by a prefix of the number
    exact = client.get(list_url, {"q": " 110105 19491231 002x "})
    partial = client.get(list_url, {"q": "1101051949"})
    # then
    assert [r.household.household_number for r in exact.context["rows"]] == ["HH-SEARCH"]
    assert partial.context["rows"] == []


def test_searching_by_household_number_or_head_name(client, regions, township_user):
    # given
    make_named_household(regions["530602001001"], "HH-NAME-1", ["卫东"])
    make_named_household(regions["530602001002"], "HH-NAME-2", ["蒋南"])
    client.force_login(township_user)
    list_url = reverse("web:household_list")
    # when / then
    assert [r.head_name for r in client.get(list_url, {"q": "卫"}).context["rows"]] == ["卫东"]
    assert [r.head_name for r in client.get(list_url, {"q": "name-2"}).context["rows"]] == ["蒋南"]


# --- person page ---------------------------------------------------------------------------------------


def test_person_page_is_masked_and_the_reveal_button_needs_the_permission(
    client, regions, township_user, county_user
):
    # given
    household = make_household(regions["530602001001"])
    head = household.head
    url = reverse("web:person_detail", args=[head.pk])
    # when a township user without the permission opens it
    client.force_login(township_user)
    body = client.get(url).content.decode()
    # then
    assert mask_id_number(head.id_number) in body and mask_phone(head.phone) in body
    assert head.id_number not in body and head.phone not in body
    assert "查看完整信息" not in body
    # when a county user with the permission opens it
    client.force_login(county_user)
    assert "查看完整信息" in client.get(url).content.decode()


def test_reveal_shows_the_full_values_on_that_response_only(client, regions, county_user):
    # given
    head = make_household(regions["530602001001"]).head
    client.force_login(county_user)
    url = reverse("web:person_detail", args=[head.pk])
    # when
    revealed = client.post(url, {"reason": "核对低保金代发账户"})
    # then
    assert revealed.status_code == 200
    assert revealed["Cache-Control"].startswith("max-age=0")
    assert head.id_number in revealed.content.decode()
    log = AuditLog.objects.get(event_type=AuditEvent.PERSONAL_DATA_REVEALED)
    assert (log.actor_id, log.subject_id, log.data["reason"]) == (
        county_user.pk,
        str(head.pk),
        "核对低保金代发账户",
    )
    assert head.id_number not in client.get(url).content.decode()


def test_reveal_without_permission_is_a_chinese_403_and_writes_nothing(client, regions, township_user):
    # given
    head = make_household(regions["530602001001"]).head
    client.force_login(township_user)
    # when
    response = client.post(reverse("web:person_detail", args=[head.pk]))
    # then
    assert response.status_code == 403
    assert "您没有查看完整个人信息的权限" in response.content.decode()
    assert not AuditLog.objects.filter(event_type=AuditEvent.PERSONAL_DATA_REVEALED).exists()


def test_person_page_lists_only_households_inside_the_jurisdiction(client, regions, township_user):
    # given a person registered in the township whose past household lies in 鲁甸县
    household = make_household(regions["530602001001"], members=1)
    head = household.head
    elsewhere = make_named_household(regions["530621101201"], "HH-ELSEWHERE", ["沈外"])
    Membership.objects.create(
        household=elsewhere,
        person=head,
        relation="子女",
        valid_from=datetime.date(2000, 1, 1),
        valid_to=datetime.date(2010, 1, 1),
    )
    client.force_login(township_user)
    # when
    body = client.get(reverse("web:person_detail", args=[head.pk])).content.decode()
    # then
    assert household.household_number in body
    assert "HH-ELSEWHERE" not in body


# --- export --------------------------------------------------------------------------------------------


def test_export_is_masked_by_default_one_row_per_member_with_chinese_headers(client, regions, township_user):
    # given
    household = make_household(regions["530602001001"], members=2)
    people = [m.person for m in household.memberships.order_by("id")]
    client.force_login(township_user)
    # when
    response = client.get(reverse("web:household_export"))
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    file_name = f"家庭户名单_{timezone.localdate():%Y%m%d}.xlsx"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(file_name)}"
    rows = _rows(response)
    assert rows[0] == list(EXPORT_HEADERS)
    id_column, phone_column = EXPORT_HEADERS.index("公民身份号码"), EXPORT_HEADERS.index("联系电话")
    assert [r[id_column] for r in rows[1:]] == [mask_id_number(p.id_number) for p in people]
    assert [r[phone_column] for r in rows[1:]] == [mask_phone(p.phone) for p in people]
    assert [r[0] for r in rows[1:]] == [household.household_number] * 2


def test_full_export_needs_the_permission(client, regions, township_user, county_user):
    # given
    household = make_household(regions["530602001001"], members=1)
    # when a user without the permission asks for it
    client.force_login(township_user)
    refused = client.get(reverse("web:household_export"), {"full": "1"})
    # then
    assert refused.status_code == 403
    assert not AuditLog.objects.filter(event_type=AuditEvent.EXPORT_DOWNLOADED).exists()
    # when a user with it does
    client.force_login(county_user)
    full = client.get(reverse("web:household_export"), {"full": "1"})
    # then
    id_column = EXPORT_HEADERS.index("公民身份号码")
    assert [r[id_column] for r in _rows(full)[1:]] == [household.head.id_number]


def test_every_export_writes_one_audit_row_with_filters_row_count_and_full_flag(client, regions, county_user):
    # given two households in the county, one urban, and a search by an ID number
    urban = make_household(regions["530602001001"], members=2)
    make_household(regions["530602101201"], members=3)
    client.force_login(county_user)
    # when the urban households are exported, masked, then searched by ID in full
    client.get(reverse("web:household_export"), {"urban_rural": "urban", "region": "530602001"})
    client.get(reverse("web:household_export"), {"q": urban.head.id_number, "full": "1"})
    # then
    masked, full = AuditLog.objects.filter(event_type=AuditEvent.EXPORT_DOWNLOADED).order_by("id")
    assert masked.actor_id == county_user.pk
    assert masked.region_code == "530602001"
    assert masked.data["filters"] == {"region": "530602001", "urban_rural": "urban", "q": ""}
    assert (masked.data["households"], masked.data["rows"], masked.data["full"]) == (1, 2, False)
    assert full.data["full"] is True
    assert full.data["filters"]["q"] == urban.head.id_number[:6] + "********" + urban.head.id_number[-4:]
    assert urban.head.id_number not in str(full.data) + full.summary


def test_export_with_an_invalid_filter_is_refused(client, regions, township_user):
    # given
    client.force_login(township_user)
    # when a region outside the jurisdiction is asked for
    response = client.get(reverse("web:household_export"), {"region": "530621101201"})
    # then
    assert response.status_code == 400
    assert "筛选条件无效" in response.content.decode()
    assert not AuditLog.objects.filter(event_type=AuditEvent.EXPORT_DOWNLOADED).exists()


# --- audit log page and home ---------------------------------------------------------------------------


def test_audit_log_page_filters_by_event_type(client, regions, county_user):
    # given an export and a reveal by the county user
    head = make_household(regions["530602001001"]).head
    client.force_login(county_user)
    client.get(reverse("web:household_export"))
    client.post(reverse("web:person_detail", args=[head.pk]))
    # when
    response = client.get(reverse("web:audit_log"), {"event_type": AuditEvent.PERSONAL_DATA_REVEALED})
    # then
    assert [log.event_type for log in response.context["page"].object_list] == [
        AuditEvent.PERSONAL_DATA_REVEALED
    ]
    body = response.content.decode()
    assert f"查看人员 {head.name} 的完整身份证号和电话" in body
    assert "导出家庭户名单" not in body


def test_pages_need_a_login(client, regions):
    # given no login / when / then
    for name in ("web:home", "web:household_list", "web:household_export", "web:audit_log"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:login"))


def test_home_counts_households_and_current_members_of_the_jurisdiction(client, regions, township_user):
    # given two households in the township (2 + 3 members) and one elsewhere
    make_household(regions["530602001001"], members=2)
    make_household(regions["530602001002"], members=3)
    make_household(regions["530621101201"], members=4)
    client.force_login(township_user)
    # when
    response = client.get(reverse("web:home"))
    # then
    assert (response.context["household_count"], response.context["member_count"]) == (2, 5)
    body = response.content.decode()
    assert "家庭户列表" in body
    assert "审计日志" not in body  # not for township staff
    assert "后台管理" not in body
