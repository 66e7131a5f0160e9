"""``minzheng verify`` answers a township's pending 信息核对 request end to end, on the small synthetic city:
a 临时救助 (支出型) application of a household the departmental data covers asks for every item; the month's run
answers it from its own links with the member's records as the lake holds them, says 需线下核对 for the
items no source answers, stores no ID number, and a second run of the month changes nothing."""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from minzheng.assistance.cases import actions as case_actions
from minzheng.assistance.cases import clock as case_clock
from minzheng.assistance.cases.models import CaseEvent, VerificationRequest
from minzheng.audit.models import AuditEvent, AuditLog
from minzheng.registry.models import Household
from minzheng.verification.feed import OFFLINE
from minzheng.verification.lake.storage import dataset_path
from minzheng.verification.pipeline import run_verify, snapshot_registry
from tests.factories import make_user

PERIOD, AS_OF = "2023-06", datetime.date(2023, 6, 30)
EXACT = "精确比对（身份证号一致）"
ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
"""An 18-digit ID number anywhere in a text (the pattern the answer action refuses)."""


class Clock:
    """The workflow's business date, moved by the test."""

    def __init__(self) -> None:
        self.day = datetime.date(2023, 6, 26)

    def set(self, day: str) -> datetime.date:
        self.day = datetime.date.fromisoformat(day)
        return self.day

    def now(self) -> datetime.datetime:
        return datetime.datetime.combine(self.day, datetime.time(10, 0), tzinfo=datetime.UTC)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(case_clock, "today", lambda: fake.day)
    monkeypatch.setattr(case_clock, "now", fake.now)
    return fake


@dataclass(frozen=True)
class Member:
    person_id: int
    name: str
    id_number: str
    id_key: int


def _lake(lake_dir: Path, source: str) -> str:
    return str(dataset_path(lake_dir, source, PERIOD))


def covered_household(lake_dir: Path) -> tuple[int, list[Member]]:
    """The first household (by id) with both a pension and a car the lake links to a member exactly, and
    its current members. The city's cars are the ones planted for the findings, in the caseload."""
    tables = snapshot_registry(AS_OF)
    con = duckdb.connect()
    con.register("people", tables["people"])
    # an 18-digit number links on its key alone; a 15-digit one converted must also agree on the name
    linked = """
        SELECT DISTINCT p.household_id FROM people p JOIN read_parquet(?) s ON s.id_key = p.id_key
        WHERE s.id_status = 'valid' OR (s.id_status = 'converted_15' AND s.name = p.name)
    """
    (household_id,) = con.execute(
        f"SELECT household_id FROM ({linked} INTERSECT {linked}) ORDER BY household_id LIMIT 1",
        [_lake(lake_dir, "pensions"), _lake(lake_dir, "vehicles")],
    ).fetchone()
    members = con.execute(
        "SELECT person_id, name, id_number, id_key FROM people WHERE household_id = ? ORDER BY person_id",
        [household_id],
    ).fetchall()
    return household_id, [Member(*row) for row in members]


def lake_records(lake_dir: Path, source: str, columns: list[str], members: list[Member]) -> list[dict]:
    """The source's rows of the members, read from the lake file itself (not from the run's links), in
    the answer's order (member, then record)."""
    con = duckdb.connect()
    con.register(
        "members",
        pa.table(
            {
                "person_id": [m.person_id for m in members],
                "name": [m.name for m in members],
                "id_key": pa.array([m.id_key for m in members], pa.int64()),
            }
        ),
    )
    relation = con.execute(
        f"""
        SELECT m.name AS member_name, {", ".join(f"s.{c}" for c in columns)}
        FROM members m JOIN read_parquet(?) s ON s.id_key = m.id_key
        WHERE s.id_status = 'valid' OR (s.id_status = 'converted_15' AND s.name = m.name)
        ORDER BY m.person_id, s.record_id
        """,
        [_lake(lake_dir, source)],
    )
    names = [d[0] for d in relation.description]
    return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]


def registered_keys(lake_dir: Path, members: list[Member]) -> set[int]:
    """The members' keys that the month's 户籍 register holds."""
    keys = [m.id_key for m in members]
    rows = duckdb.execute(
        "SELECT DISTINCT id_key FROM read_parquet(?) WHERE list_contains(?, id_key)",
        [_lake(lake_dir, "hukou"), keys],
    ).fetchall()
    return {key for (key,) in rows}


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


@pytest.mark.django_db(transaction=True)
def test_the_months_run_answers_a_pending_request_from_the_lake_and_a_second_run_changes_nothing(
    small_city, clock
):
    # given a household the pension and vehicle data cover, whose 临时救助 application asks for every item
    household_id, members = covered_household(small_city)
    household = Household.objects.select_related("region__parent").get(pk=household_id)
    township = make_user("township", household.region.parent, username="feed-township")
    clock.set("2023-06-26")
    case = case_actions.do_open_case(
        household_id=household.pk,
        applicant_id=household.head_id,
        scheme="temporary",
        temporary_subtype="expenditure",
        acting_user=township,
    )
    request = case_actions.do_request_verification(case.pk, acting_user=township)
    pensions = lake_records(small_city, "pensions", ["kind", "monthly_amount"], members)
    vehicles = lake_records(
        small_city, "vehicles", ["vehicle_type", "plate_number", "value_estimate"], members
    )
    assert pensions and vehicles and len(pensions) <= 20 and len(vehicles) <= 20  # all listed in full

    # when the June run goes on 07-03
    clock.set("2023-07-03")
    report = run_verify(PERIOD, lake_dir=small_city, fuzzy=False)

    # then the request is answered that day with all eleven items
    request.refresh_from_db()
    assert (report.verification_answers, report.extra["verification_answers"].request_ids) == (
        1,
        (request.pk,),
    )
    assert (request.status, request.answered_on) == ("answered", datetime.date(2023, 7, 3))
    result = request.result
    assert sorted(result) == sorted(case_actions.VERIFICATION_ITEMS)
    # the members' pensions, each with the amount the lake holds, linked on the ID key
    assert result["社会保险缴纳"] == {
        "数据来源": "养老金与社保缴费（人社）",
        "数据期间": PERIOD,
        "结论": f"查到 {len(pensions)} 条",
        "记录数": len(pensions),
        "月金额合计（元）": money(sum((r["monthly_amount"] for r in pensions), Decimal(0))),
        "明细": [
            {
                "成员": r["member_name"],
                "待遇类型": r["kind"],
                "月金额（元）": money(r["monthly_amount"]),
                "比对方式": EXACT,
            }
            for r in pensions
        ],
    }
    # and their cars, plate and value as registered
    vehicle_total = money(sum((r["value_estimate"] for r in vehicles), Decimal(0)))
    assert result["车船登记"] == {
        "数据来源": "机动车登记（公安 车管）",
        "数据期间": PERIOD,
        "结论": f"查到 {len(vehicles)} 辆",
        "记录数": len(vehicles),
        "车辆估值合计（元）": vehicle_total,
        "明细": [
            {
                "成员": r["member_name"],
                "车辆类型": r["vehicle_type"],
                "号牌号码": r["plate_number"],
                "车辆估值（元）": money(r["value_estimate"]),
                "比对方式": EXACT,
            }
            for r in vehicles
        ],
    }
    # the items no source of the lake answers go offline
    assert result["商业保险"] == result["证券"] == result["互联网金融资产"] == {"结论": OFFLINE}
    assert all(
        entry.get("结论") != OFFLINE
        for item, entry in result.items()
        if item not in {"商业保险", "证券", "互联网金融资产"}
    )
    # 户籍: every member looked up in the month's register by the ID key
    in_register = registered_keys(small_city, members)
    assert [(m["成员"], m["户籍人口"]) for m in result["户籍"]["成员"]] == [
        (m.name, "在册" if m.id_key in in_register else "本期户籍人口中未查到") for m in members
    ]
    assert result["户籍"]["结论"].startswith(f"{len(in_register)} 人在册（共 {len(members)} 人）")
    # no ID number anywhere in what the case file keeps
    stored = json.dumps(result, ensure_ascii=False)
    assert ID_NUMBER.search(stored) is None
    assert not [m.name for m in members if m.id_number[:17] in stored]

    # when the month is run again the next day
    answered = (request.answered_on, request.result)
    events = CaseEvent.objects.filter(case=case, event_type="verification_answered").count()
    clock.set("2023-07-04")
    again = run_verify(PERIOD, lake_dir=small_city, fuzzy=False)

    # then nothing new is answered and the first answer stands, with no second event or audit row
    request.refresh_from_db()
    assert again.verification_answers == 0
    assert (request.status, request.answered_on, request.result) == ("answered", *answered)
    assert (events, CaseEvent.objects.filter(case=case, event_type="verification_answered").count()) == (1, 1)
    assert AuditLog.objects.filter(event_type=AuditEvent.VERIFICATION_ANSWERED).count() == 1
    assert VerificationRequest.objects.filter(status="pending").count() == 0
