"""The monthly payroll run: frozen once, adjustments for late changes, reissue of failed payments."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from minzheng.assistance.models import (
    BankAccount,
    Entitlement,
    LineKind,
    LineStatus,
    PayrollLine,
    PayrollRun,
    PolicyStandard,
    Scheme,
)
from minzheng.assistance.payroll.actions import do_run_payroll, totals_by_county
from minzheng.audit.chain import verify_chain
from minzheng.audit.models import AuditEvent, AuditLog
from minzheng.common.errors import PermissionDenied
from tests.factories import make_household, make_user

MAY, JUNE, JULY = datetime.date(2023, 5, 1), datetime.date(2023, 6, 1), datetime.date(2023, 7, 1)


def _tekun(household, person, *, start=MAY, tier="全自理") -> Entitlement:
    return Entitlement.objects.create(
        scheme=Scheme.TEKUN,
        person=person,
        household=household,
        region_code=household.region_id,
        urban_rural=household.urban_rural,
        start_month=start,
        unit_key=f"p{person.pk}",
        tier=tier,
        placement="散居",
    )


@pytest.fixture
def city_user(regions):
    return make_user("city", regions["530600"])


@pytest.fixture
def two_people(regions):
    household = make_household(regions["530602101201"], members=2)
    head, child = [m.person for m in household.memberships.order_by("id")]
    BankAccount.objects.create(person=head, bank_name="昭通农商银行", account_number="6217001234567890123")
    return household, head, child


@pytest.mark.django_db
def test_a_month_is_frozen_once_and_running_it_again_pays_nothing_twice(two_people, city_user):
    household, head, child = two_people
    _tekun(household, head)
    _tekun(household, child, tier="完全失能")
    # when
    first = do_run_payroll(JUNE, acting_user=city_user)
    again = do_run_payroll(JUNE, acting_user=city_user)
    # then 936 + 60 and 936 + 800
    assert again.pk == first.pk
    assert PayrollLine.objects.count() == 2
    assert first.total_amount == Decimal("2732.00")
    line = PayrollLine.objects.get(person=head)
    assert (line.bank_name, line.account_number, line.kind, line.for_month) == (
        "昭通农商银行",
        "6217001234567890123",
        "regular",
        JUNE,
    )
    assert AuditLog.objects.filter(event_type=AuditEvent.PAYROLL_FROZEN).count() == 1
    assert verify_chain().ok


@pytest.mark.django_db
def test_a_change_after_freezing_is_paid_next_month_as_back_pay(two_people, city_user):
    household, head, _ = two_people
    entitlement = _tekun(household, head)
    do_run_payroll(JUNE, acting_user=city_user)
    # when the care tier is corrected after June was frozen
    entitlement.tier = "部分失能"
    entitlement.save()
    do_run_payroll(JULY, acting_user=city_user)
    # then July pays July at the new rate and 240 back pay for June (300 − 60)
    july = PayrollRun.objects.get(month=JULY)
    lines = {(line.kind, line.for_month): line.amount for line in july.lines.all()}
    assert lines == {("regular", JULY): Decimal("1236.00"), ("back_pay", JUNE): Decimal("240.00")}


@pytest.mark.django_db
def test_a_late_raise_with_an_earlier_date_is_paid_to_everyone_as_back_pay(two_people, city_user):
    household, head, _ = two_people
    _tekun(household, head)
    do_run_payroll(JUNE, acting_user=city_user)
    # when a higher 特困 basic standard from 2023-06-01 is entered after June was frozen
    PolicyStandard.objects.create(
        region_code="530600",
        item="tekun_basic",
        effective_from=JUNE,
        amount=Decimal("1000.00"),
        source="测试：补录提标",
        confidence="placeholder",
    )
    do_run_payroll(JULY, acting_user=city_user)
    lines = {
        (line.kind, line.for_month): line.amount for line in PayrollRun.objects.get(month=JULY).lines.all()
    }
    assert lines == {("regular", JULY): Decimal("1060.00"), ("back_pay", JUNE): Decimal("64.00")}


@pytest.mark.django_db
def test_an_ended_entitlement_that_was_overpaid_is_deducted(two_people, city_user):
    household, head, _ = two_people
    entitlement = _tekun(household, head)
    do_run_payroll(JUNE, acting_user=city_user)
    # when it turns out the person died in May: ended from May
    entitlement.status, entitlement.end_month = "ended", MAY
    entitlement.save()
    do_run_payroll(JULY, acting_user=city_user)
    lines = {
        (line.kind, line.for_month): line.amount for line in PayrollRun.objects.get(month=JULY).lines.all()
    }
    assert lines == {("deduction", JUNE): Decimal("-996.00")}


@pytest.mark.django_db
def test_a_failed_payment_is_reissued_once(two_people, city_user):
    household, head, _ = two_people
    _tekun(household, head)
    june = do_run_payroll(JUNE, acting_user=city_user)
    PayrollLine.objects.filter(run=june).update(status=LineStatus.FAILED, status_note="账户已销户")
    july = do_run_payroll(JULY, acting_user=city_user)
    august = do_run_payroll(datetime.date(2023, 8, 1), acting_user=city_user)
    assert july.lines.filter(kind=LineKind.REISSUE, for_month=JUNE).count() == 1
    assert august.lines.filter(kind=LineKind.REISSUE).count() == 0


@pytest.mark.django_db
def test_totals_by_county_and_who_may_run(two_people, city_user, regions):
    household, head, _ = two_people
    _tekun(household, head)
    for role, code in (("township", "530602101"), ("county", "530602")):
        with pytest.raises(PermissionDenied):
            do_run_payroll(JUNE, acting_user=make_user(role, regions[code]))
    assert PayrollRun.objects.count() == 0
    run = do_run_payroll(JUNE, acting_user=city_user)
    assert totals_by_county(run) == [
        {"county_code": "530602", "scheme": "tekun", "lines": 1, "persons": 1, "amount": Decimal("996.00")}
    ]
