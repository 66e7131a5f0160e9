"""A small payroll world: four people in three villages of two counties, two banks, one person without an
account, and users of every role.

    青山村 (昭阳区, rural)  head 昭通农商银行, child 中国邮政储蓄银行      特困 全自理 996.00 each
    西街社区 (昭阳区, urban) head without a bank account                  特困 全自理
    龙泉村 (鲁甸县, rural)  head 昭通农商银行                             特困 全自理 996.00
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass

import pytest
from openpyxl import Workbook, load_workbook

from minzheng.accounts.models import User
from minzheng.assistance.models import BankAccount, Entitlement, PayrollRun, Scheme
from minzheng.assistance.payroll.actions import do_run_payroll
from minzheng.registry.models import Person
from tests.factories import make_household, make_user

MAY, JUNE, JULY, AUGUST = (datetime.date(2023, m, 1) for m in (5, 6, 7, 8))
RURAL_BANK = "昭通农商银行"
POSTAL_BANK = "中国邮政储蓄银行"


@dataclass
class World:
    qingshan_head: Person
    qingshan_child: Person
    xijie_head: Person
    longquan_head: Person
    entitlements: dict[str, Entitlement]
    users: dict[str, User]

    @property
    def people(self) -> dict[str, Person]:
        return {
            "qingshan_head": self.qingshan_head,
            "qingshan_child": self.qingshan_child,
            "xijie_head": self.xijie_head,
            "longquan_head": self.longquan_head,
        }


def _tekun(person: Person, household) -> Entitlement:
    return Entitlement.objects.create(
        scheme=Scheme.TEKUN,
        person=person,
        household=household,
        region_code=household.region_id,
        urban_rural=household.urban_rural,
        start_month=MAY,
        unit_key=f"p{person.pk}",
        tier="全自理",
        placement="散居",
    )


@pytest.fixture
def world(regions) -> World:
    qingshan = make_household(regions["530602101201"], members=2)
    xijie = make_household(regions["530602001001"], members=1)
    longquan = make_household(regions["530621101201"], members=1)
    q_head, q_child = [m.person for m in qingshan.memberships.order_by("id")]
    x_head, l_head = xijie.head, longquan.head
    BankAccount.objects.create(person=q_head, bank_name=RURAL_BANK, account_number="6217001234567890123")
    BankAccount.objects.create(person=q_child, bank_name=POSTAL_BANK, account_number="6221885555000011112")
    BankAccount.objects.create(person=l_head, bank_name=RURAL_BANK, account_number="6217009999888877776")
    entitlements = {
        "qingshan_head": _tekun(q_head, qingshan),
        "qingshan_child": _tekun(q_child, qingshan),
        "xijie_head": _tekun(x_head, xijie),
        "longquan_head": _tekun(l_head, longquan),
    }
    users = {
        "village": make_user("village", regions["530602101201"], username="pay-village"),
        "township": make_user("township", regions["530602101"], username="pay-township"),
        "county": make_user("county", regions["530602"], username="pay-county"),
        "county_reveal": make_user(
            "county", regions["530602"], username="pay-county-reveal", can_reveal=True
        ),
        "other_county": make_user("county", regions["530621"], username="pay-ludian"),
        "city": make_user("city", regions["530600"], username="pay-city"),
        "city_reveal": make_user("city", regions["530600"], username="pay-city-reveal", can_reveal=True),
        "auditor": make_user("auditor", regions["530602"], username="pay-auditor"),
        "admin": make_user("admin", regions["530600"], username="pay-admin"),
    }
    return World(q_head, q_child, x_head, l_head, entitlements, users)


@pytest.fixture
def june(world) -> PayrollRun:
    return do_run_payroll(JUNE, acting_user=world.users["city"])


@pytest.fixture
def july_with_deduction(world, june) -> PayrollRun:
    """July after 青山村's child was found to have died in May: a 扣减 of June's payment, and no July line."""
    entitlement = world.entitlements["qingshan_child"]
    entitlement.status, entitlement.end_month = "ended", MAY
    entitlement.save()
    return do_run_payroll(JULY, acting_user=world.users["city"])


# --- reading and writing the files of the tests ----------------------------------------------------------


def xlsx_rows(content: bytes, sheet: str | None = None) -> list[list[str]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    ws = workbook[sheet] if sheet else workbook.worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV must start with the UTF-8 byte order mark"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def return_csv(rows: list[tuple[object, str, str]], *, encoding: str = "utf-8-sig") -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(["流水号", "状态", "原因"])
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def return_xlsx(rows: list[tuple[object, str, str]], *, title: str | None = "某银行代发回盘") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    if title:
        sheet.append([title])
    sheet.append(["流水号", "姓名", "状态", "原因"])
    for line_id, status, reason in rows:
        sheet.append([line_id, "某某", status, reason])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
