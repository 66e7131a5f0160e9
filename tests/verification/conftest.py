"""A small verification world in the database: staff of every role, four households in 西街社区 (凤凰街道)
and one in 青山村 (守望乡), live cases, and helpers to build finding tables as the compute plane does.

    张家 (HH-ZHANG)  低保 in force: 张三丰 (head), 张小明, 张小红
    李家 (HH-LI)     特困 in force: 李老汉 alone
    王家 (HH-WANG)   not covered: 王大 (head), 王二
    赵家 (HH-ZHAO)   not covered: 赵奶奶 alone
    陈家 (HH-CHEN)   青山村, 守望乡 (another township of the same county): 陈一
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
import pytest
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.assistance.cases import clock as case_clock
from minzheng.assistance.cases.models import Case
from minzheng.assistance.models import Entitlement
from minzheng.registry.models import Household, Person
from minzheng.verification.actions import do_load_findings, open_run
from minzheng.verification.findings import FINDINGS_SCHEMA, fingerprint
from minzheng.verification.findings.codes import SOURCE_OF, FindingCode
from minzheng.verification.models import VerificationRun
from tests.factories import make_case_staff, make_named_household


class Clock:
    """The business date of the workflow and of the tasks, moved by the test."""

    def __init__(self) -> None:
        self.day = datetime.date(2023, 7, 3)

    def set(self, day: str | datetime.date) -> datetime.date:
        self.day = datetime.date.fromisoformat(day) if isinstance(day, str) else day
        return self.day

    def now(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.day, datetime.time(10, 0)))


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(case_clock, "today", lambda: fake.day)
    monkeypatch.setattr(case_clock, "now", fake.now)
    return fake


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def staff(regions) -> dict[str, User]:
    return make_case_staff(regions)


def active_case(household: Household, scheme: str, staff, *, beneficiary: Person | None = None) -> Case:
    """A recipient's case as confirmation leaves it (on 2023-05-20, paid from June), with its entitlements."""
    decided = datetime.date(2023, 5, 20)
    case = Case.objects.create(
        scheme=scheme,
        household=household,
        applicant=beneficiary or household.head,
        beneficiary=beneficiary,
        region=household.region,
        status="active",
        step="done",
        step_trail=["intake", "investigation", "preliminary_review", "county_review", "confirmation", "done"],
        step_started_on=decided,
        opened_at=timezone.make_aware(datetime.datetime(2023, 4, 10, 9, 0)),
        opened_by=staff["township"],
        accepted_on=datetime.date(2023, 4, 10),
        accepted_by=staff["township"],
        decided_on=decided,
        decided_by=staff["county2"],
        monthly_amount=Decimal("450.00"),
        category="全自理" if scheme == "tekun" else "B档",
        payment_start_month=datetime.date(2023, 6, 1),
        amount_effective_month=datetime.date(2023, 6, 1),
    )
    people = [beneficiary] if beneficiary else [m.person for m in household.memberships.order_by("pk")]
    for rank, person in enumerate(people):
        Entitlement.objects.create(
            scheme=scheme,
            person=person,
            household=household,
            region_code=household.region_id,
            urban_rural=household.urban_rural,
            case_id=case.pk,
            start_month=datetime.date(2023, 6, 1),
            unit_key=f"h{household.pk}" if scheme == "dibao" else f"p{person.pk}",
            unit_size=len(people),
            unit_rank=rank,
            tier="B" if scheme == "dibao" else "全自理",
        )
    return case


@dataclass
class World:
    zhang: Household
    li: Household
    wang: Household
    zhao: Household
    chen: Household
    dibao_case: Case
    tekun_case: Case

    def person(self, name: str) -> Person:
        return Person.objects.get(name=name)


@pytest.fixture
def world(regions, staff) -> World:
    xijie, qingshan = regions["530602001001"], regions["530602101201"]
    zhang = make_named_household(xijie, "HH-ZHANG", ["张三丰", "张小明", "张小红"])
    li = make_named_household(xijie, "HH-LI", ["李老汉"])
    wang = make_named_household(xijie, "HH-WANG", ["王大", "王二"])
    zhao = make_named_household(xijie, "HH-ZHAO", ["赵奶奶"])
    chen = make_named_household(qingshan, "HH-CHEN", ["陈一"])
    dibao_case = active_case(zhang, "dibao", staff)
    tekun_case = active_case(li, "tekun", staff, beneficiary=li.head)
    return World(zhang, li, wang, zhao, chen, dibao_case, tekun_case)


def finding_row(
    code: FindingCode, person: Person, household: Household, record_id: str, evidence: str
) -> dict:
    source = SOURCE_OF[code]
    return {
        "finding_code": str(code),
        "person_id": person.pk,
        "household_id": household.pk,
        "source": source,
        "period": "2023-06",
        "record_id": record_id,
        "match_method": "exact",
        "match_weight": 10.0,
        "evidence": evidence,
        "fingerprint": fingerprint(str(code), person.pk, source, record_id),
    }


def findings_table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=FINDINGS_SCHEMA)


def load(rows: list[dict], *, period: str = "2023-06") -> VerificationRun:
    run = open_run(period=period)
    do_load_findings(run, findings_table(rows))
    run.refresh_from_db()
    return run


def standard_rows(world: World) -> list[dict]:
    """One finding of each side for every household of 西街社区, and one in 青山村."""
    return [
        finding_row(
            FindingCode.DEATH, world.li.head, world.li, "D1", "死亡：公安报告于 2023-05-03 死亡，仍为特困人员"
        ),
        finding_row(
            FindingCode.VEHICLE,
            world.person("张小明"),
            world.zhang,
            "V1",
            "车管：小型汽车 云C·12345，估值 35,000 元，超过 20,000 元",
        ),
        finding_row(
            FindingCode.SEVERE_DISABILITY_UNCOVERED,
            world.person("王二"),
            world.wang,
            "DS1",
            "残联：肢体残疾一级，家庭人均月收入 400.00 元，低于低保边缘线 960.00 元，未纳入低保或特困",
        ),
        finding_row(
            FindingCode.ELDERLY_ALONE_NO_INCOME,
            world.zhao.head,
            world.zhao,
            f"household:{world.zhao.pk}",
            "民政：75 周岁，独居，家庭无登记收入，未纳入特困或低保",
        ),
        finding_row(
            FindingCode.FANPIN_UNCOVERED,
            world.chen.head,
            world.chen,
            "F1",
            "乡村振兴：防止返贫监测对象（边缘易致贫户），监测成员 1 人，未纳入低保或特困",
        ),
    ]
