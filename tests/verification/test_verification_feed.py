"""``minzheng verify`` answers the township's pending 信息核对 requests (verification/feed.py and
``do_answer_verification_requests``): the month's links joined to the sources for the requesting
households' members, only the requested items, offline items said so, no ID number, one audit row."""

from __future__ import annotations

import json
from decimal import Decimal

import pyarrow as pa
import pytest

from minzheng.assistance.cases import actions as case_actions
from minzheng.assistance.cases.models import CaseEvent, VerificationRequest
from minzheng.audit.models import AuditEvent, AuditLog
from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.registry.models import Membership
from minzheng.verification.actions import do_answer_verification_requests
from minzheng.verification.feed import (
    OFFLINE,
    answer_pending_requests,
    compute_answers,
    list_pending_requests,
)
from tests.cases.flow import open_dibao, preliminary

from .world import links_table, source_table, table

pytestmark = pytest.mark.django_db

PERIOD = "2023-10"


def people_table() -> pa.Table:
    """The registry snapshot's people, as ``snapshot_registry`` gives them (the columns the feed reads;
    ``id_key`` is the first 17 digits as an integer)."""
    rows = [
        {
            "person_id": m.person_id,
            "household_id": m.household_id,
            "id_number": m.person.id_number,
            "id_key": int(m.person.id_number[:17]),
            "name": m.person.name,
        }
        for m in Membership.objects.select_related("person").order_by("pk")
    ]
    return table(
        rows,
        [
            ("person_id", pa.int64()),
            ("household_id", pa.int64()),
            ("id_number", pa.string()),
            ("id_key", pa.int64()),
            ("name", pa.string()),
        ],
    )


def month_tables(world) -> dict[str, pa.Table]:
    """王二 owns a car (exact link), 王大 draws a pension (fuzzy link, 0.93), 张小明 (no request) a car;
    the register holds 王大 only; no real-estate, deposit or death data this month."""
    wang_da, wang_er, zhang = world.person("王大"), world.person("王二"), world.person("张小明")
    vehicle = {
        "vehicle_type": "小型汽车",
        "value_estimate": Decimal("35000.00"),
        "is_disability_vehicle": False,
    }
    return {
        "people": people_table(),
        "vehicles": source_table(
            "vehicles",
            [
                {"record_id": "V1", "id_number": wang_er.id_number, "plate_number": "云C·A1234", **vehicle},
                {"record_id": "V2", "id_number": zhang.id_number, "plate_number": "云C·Z9999", **vehicle},
            ],
        ),
        "vehicles_links": links_table([("V1", wang_er.pk, "exact", 1.0), ("V2", zhang.pk, "exact", 1.0)]),
        "pensions": source_table(
            "pensions",
            [
                {
                    "record_id": "P1",
                    "name": "王大",
                    "kind": "城镇职工基本养老金",
                    "monthly_amount": Decimal("1520.50"),
                },
                {
                    "record_id": "P2",
                    "name": "王大",
                    "kind": "工资（社保缴费基数）",
                    "monthly_amount": Decimal("800"),
                },
            ],
        ),
        "pensions_links": links_table([("P1", wang_da.pk, "fuzzy", 0.93), ("P2", wang_da.pk, "exact", 1.0)]),
        "hukou": table(
            [{"id_number": wang_da.id_number, "id_key": int(wang_da.id_number[:17]), "is_deceased": False}],
            [("id_number", pa.string()), ("id_key", pa.int64()), ("is_deceased", pa.bool_())],
        ),
    }


def request_for(household, staff, clock, items=case_actions.VERIFICATION_ITEMS) -> VerificationRequest:
    case = open_dibao(household, staff, clock, "2023-10-09")
    return case_actions.do_request_verification(case.pk, acting_user=staff["township"], items=items)


def test_a_pending_request_is_answered_with_the_members_vehicle_and_pension_and_offline_items(
    world, staff, clock
):
    # given the 王 household asks for every item on 2023-10-09
    request = request_for(world.wang, staff, clock)
    clock.set("2023-11-02")
    # when the October run feeds the answers
    outcome = answer_pending_requests(month_tables(world), period=PERIOD)
    # then the request is answered today with all eleven items
    request.refresh_from_db()
    assert (outcome.answered, outcome.request_ids) == (1, (request.pk,))
    assert (request.status, request.answered_on.isoformat()) == ("answered", "2023-11-02")
    result = request.result
    assert sorted(result) == sorted(case_actions.VERIFICATION_ITEMS)
    # 王二's car, and not 张小明's (another household)
    assert result["车船登记"] == {
        "数据来源": "机动车登记（公安 车管）",
        "数据期间": PERIOD,
        "结论": "查到 1 辆",
        "记录数": 1,
        "车辆估值合计（元）": "35000.00",
        "明细": [
            {
                "成员": "王二",
                "车辆类型": "小型汽车",
                "号牌号码": "云C·A1234",
                "车辆估值（元）": "35000.00",
                "比对方式": "精确比对（身份证号一致）",
            }
        ],
    }
    pensions = result["社会保险缴纳"]
    assert (pensions["结论"], pensions["月金额合计（元）"]) == ("查到 2 条", "2320.50")
    assert [(d["成员"], d["待遇类型"], d["月金额（元）"], d["比对方式"]) for d in pensions["明细"]] == [
        ("王大", "城镇职工基本养老金", "1520.50", "模糊比对（姓名、出生日期、区划，匹配概率 0.93）"),
        ("王大", "工资（社保缴费基数）", "800.00", "精确比对（身份证号一致）"),
    ]
    # a source the lake lacks this month, and the items with no source at all, go offline
    assert result["不动产登记"] == {"数据来源": "不动产登记（自然资源 不动产登记中心）", "结论": OFFLINE}
    assert result["商业保险"] == result["证券"] == result["互联网金融资产"] == {"结论": OFFLINE}
    # 户籍: 王大 in the register, 王二 not; no death data this month
    assert result["户籍"]["成员"] == [
        {"成员": "王大", "户籍人口": "在册"},
        {"成员": "王二", "户籍人口": "本期户籍人口中未查到"},
    ]
    assert result["户籍"]["说明"] == "本期未接入死亡数据，需线下核对"
    assert result["户籍"]["结论"] == "1 人在册（共 2 人）"
    # and the case's timeline says so, fed by the system
    event = CaseEvent.objects.filter(case=request.case, event_type="verification_answered").get()
    assert event.actor_id is None and event.data["items"] == sorted(case_actions.VERIFICATION_ITEMS)


def test_no_id_number_is_stored_in_the_result(world, staff, clock):
    request = request_for(world.wang, staff, clock)
    answer_pending_requests(month_tables(world), period=PERIOD)
    request.refresh_from_db()
    stored = json.dumps(request.result, ensure_ascii=False)
    for name in ("王大", "王二", "张小明"):
        assert world.person(name).id_number not in stored
        assert world.person(name).id_number[:17] not in stored


def test_a_request_for_some_items_gets_only_those(world, staff, clock):
    request = request_for(world.wang, staff, clock, items=["车船登记", "证券"])
    answer_pending_requests(month_tables(world), period=PERIOD)
    request.refresh_from_db()
    assert sorted(request.result) == ["证券", "车船登记"]
    assert request.result["车船登记"]["记录数"] == 1


def test_the_batch_writes_one_audit_row_without_a_user(world, staff, clock):
    request_for(world.wang, staff, clock)
    request_for(world.zhao, staff, clock, items=["银行存款"])
    before = AuditLog.objects.filter(event_type=AuditEvent.VERIFICATION_ANSWERED).count()
    outcome = answer_pending_requests(month_tables(world), period=PERIOD)
    rows = AuditLog.objects.filter(event_type=AuditEvent.VERIFICATION_ANSWERED)
    assert (before, rows.count(), outcome.answered) == (0, 1, 2)
    row = rows.get()
    assert (row.actor_id, row.actor_name, row.subject_id) == (None, "system", PERIOD)
    assert row.data == {"answered": 2, "already_answered": 0, "request_ids": list(outcome.request_ids)}


def test_running_the_month_again_leaves_an_answered_request_alone(world, staff, clock):
    # given the request answered by the first run on 11-02
    request = request_for(world.wang, staff, clock)
    clock.set("2023-11-02")
    answer_pending_requests(month_tables(world), period=PERIOD)
    request.refresh_from_db()
    first = request.result
    counts = (AuditLog.objects.count(), CaseEvent.objects.count())
    # when the month is run again on 11-03 with other data (the car is gone)
    clock.set("2023-11-03")
    tables = month_tables(world)
    tables["vehicles_links"] = links_table([])
    again = answer_pending_requests(tables, period=PERIOD)
    # then nothing is written and the first answer stands
    request.refresh_from_db()
    assert (again.answered, request.answered_on.isoformat(), request.result) == (0, "2023-11-02", first)
    assert (AuditLog.objects.count(), CaseEvent.objects.count()) == counts
    assert list_pending_requests() == []
    # and an answered request passed explicitly is counted and left alone
    direct = do_answer_verification_requests(PERIOD, {request.pk: {"车船登记": {"结论": "未查到记录"}}})
    request.refresh_from_db()
    assert (direct.answered, direct.already_answered, request.result) == (0, 1, first)


def test_an_answer_with_an_id_number_or_other_items_is_refused_and_nothing_written(world, staff, clock):
    request = request_for(world.wang, staff, clock, items=["车船登记"])
    counts = (AuditLog.objects.count(), CaseEvent.objects.count())
    leaked = {request.pk: {"车船登记": {"成员": world.person("王二").id_number}}}
    with pytest.raises(ValidationFailed) as error:
        do_answer_verification_requests(PERIOD, leaked)
    assert error.value.message == f"第{request.pk}号信息核对申请的反馈结果含身份证号码"
    with pytest.raises(ValidationFailed) as error:
        do_answer_verification_requests(PERIOD, {request.pk: {"银行存款": {}}})
    assert error.value.message == f"第{request.pk}号信息核对申请的反馈事项与申请事项不一致"
    request.refresh_from_db()
    assert (request.status, request.result) == ("pending", {})
    assert (AuditLog.objects.count(), CaseEvent.objects.count()) == counts


def test_a_household_missing_from_the_snapshot_is_not_answered(world, staff, clock):
    request = request_for(world.wang, staff, clock)
    tables = month_tables(world)
    wang = pa.array([world.wang.pk], pa.int64())
    people = tables["people"]
    tables["people"] = people.filter(pa.compute.invert(pa.compute.is_in(people["household_id"], wang)))
    assert compute_answers(tables, list_pending_requests(), period=PERIOD) == {}
    request.refresh_from_db()
    assert request.status == "pending"


def test_a_fed_answer_completes_the_data_check_investigation_of_a_de_facto_orphan(world, staff, clock):
    # given 王二's 事实无人抚养 application, checked by data matching only, answered by the feed
    clock.set("2023-10-09")
    case = case_actions.do_open_case(
        household_id=world.wang.pk,
        applicant_id=world.wang.head_id,
        beneficiary_id=world.person("王二").pk,
        scheme="de_facto_orphan",
        acting_user=staff["township"],
    )
    request = case_actions.do_request_verification(case.pk, acting_user=staff["township"])
    answer_pending_requests(month_tables(world), period=PERIOD)
    request.refresh_from_db()
    assert request.status == "answered"
    # then the investigation counts as done and the 初审 goes through
    assert case_actions._investigation_done(case) is True
    preliminary(case, staff, clock, "2023-10-10", amount="1340.00")
    case.refresh_from_db()
    assert case.preliminary_recommendation == "eligible"


def test_a_county_officer_answers_only_the_requests_of_their_county(world, staff, clock):
    request = request_for(world.wang, staff, clock, items=["车船登记"])
    clock.set("2023-11-02")
    tables = month_tables(world)
    # 鲁甸县's officer runs the month: 昭阳区's request is not theirs to answer
    assert list_pending_requests(staff["other_county"]) == []
    outside = answer_pending_requests(tables, period=PERIOD, acting_user=staff["other_county"])
    request.refresh_from_db()
    assert (outside.answered, request.status) == (0, "pending")
    with pytest.raises(PermissionDenied) as error:
        do_answer_verification_requests(
            PERIOD, {request.pk: {"车船登记": {"结论": "未查到记录"}}}, acting_user=staff["other_county"]
        )
    assert error.value.message == f"信息核对申请不在您的管辖范围内：第{request.pk}号"
    # 昭阳区's officer answers it
    inside = answer_pending_requests(tables, period=PERIOD, acting_user=staff["county"])
    request.refresh_from_db()
    assert (inside.answered, request.status) == (1, "answered")
