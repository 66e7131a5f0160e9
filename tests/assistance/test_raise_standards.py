"""提标 from 2023-07: the preview's totals equal the difference of the two payrolls."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from minzheng.assistance.models import Entitlement, PolicyStandard, Scheme
from minzheng.assistance.payroll.actions import do_run_payroll
from minzheng.assistance.payroll.compute import price_month
from minzheng.assistance.raise_standards import do_confirm_standard_change, preview_standard_change
from minzheng.assistance.standards import StandardRow
from minzheng.audit.models import AuditEvent, AuditLog
from minzheng.common.errors import PermissionDenied, ValidationFailed
from tests.factories import make_household, make_user

JUNE, JULY = datetime.date(2023, 6, 1), datetime.date(2023, 7, 1)
RAISE = [
    StandardRow(
        "530600", "dibao", "urban", "", JULY, Decimal("760.00"), "month", "测试提标文件", "placeholder"
    ),
    StandardRow(
        "530600", "dibao_tier", "rural", "A", JULY, Decimal("560.00"), "month", "测试提标文件", "placeholder"
    ),
]


def _dibao(household, person, *, rank, size, net, tier="") -> None:
    Entitlement.objects.create(
        scheme=Scheme.DIBAO,
        person=person,
        household=household,
        region_code=household.region_id,
        urban_rural=household.urban_rural,
        start_month=JUNE,
        unit_key=f"h{household.pk}",
        unit_size=size,
        unit_rank=rank,
        unit_net_income=Decimal(net),
        tier=tier,
    )


@pytest.fixture
def caseload(regions):
    urban = make_household(regions["530602001001"], members=2)
    rural = make_household(regions["530621101201"], members=1)
    other = make_household(regions["530621101202"], members=1)
    for rank, m in enumerate(urban.memberships.order_by("id")):
        _dibao(urban, m.person, rank=rank, size=2, net="300.00")
    _dibao(rural, rural.head, rank=0, size=1, net="0", tier="A")
    _dibao(other, other.head, rank=0, size=1, net="0", tier="C")
    return urban, rural, other


@pytest.mark.django_db
def test_the_preview_names_who_changes_and_its_totals_equal_the_difference_of_the_two_payrolls(
    caseload, regions
):
    before = price_month(JULY)
    # when
    diff = preview_standard_change(RAISE, JULY)
    # then urban: (760×2 − 300) = 1220 vs (720×2 − 300) = 1140 → +40 each; rural A: 560 vs 534 → +26
    assert diff.persons_changed == 3
    assert sorted(diff.changes.column("change").to_pylist()) == [
        Decimal("26.00"),
        Decimal("40.00"),
        Decimal("40.00"),
    ]
    assert diff.monthly_change == Decimal("106.00")
    assert diff.annual_change == Decimal("1272.00")
    assert {(c.county_code, c.persons_changed) for c in diff.by_county} == {("530602", 2), ("530621", 1)}
    # and nothing was saved by the preview
    assert price_month(JULY).equals(before)
    # when confirmed, the July payroll is the "after" payroll
    do_confirm_standard_change(RAISE, diff=diff, acting_user=make_user("city", regions["530600"]))
    after = do_run_payroll(JULY, acting_user=make_user("admin", regions["530600"]))
    before_total = sum(before.column("amount").to_pylist(), Decimal("0"))
    assert after.total_amount - before_total == diff.monthly_change
    assert diff.monthly_before == before_total and diff.monthly_after == after.total_amount


@pytest.mark.django_db
def test_june_is_untouched_by_a_raise_from_july(caseload, regions):
    june_before = price_month(JUNE)
    do_confirm_standard_change(RAISE, acting_user=make_user("city", regions["530600"]))
    assert price_month(JUNE).equals(june_before)


@pytest.mark.django_db
def test_only_the_city_confirms_and_a_cell_cannot_be_overwritten(caseload, regions):
    with pytest.raises(PermissionDenied):
        do_confirm_standard_change(RAISE, acting_user=make_user("county", regions["530602"]))
    assert not PolicyStandard.objects.filter(effective_from=JULY).exists()
    city = make_user("city", regions["530600"])
    do_confirm_standard_change(RAISE, acting_user=city)
    assert AuditLog.objects.filter(event_type=AuditEvent.STANDARD_CHANGE_CONFIRMED).count() == 1
    with pytest.raises(ValidationFailed, match="新的执行日期"):
        do_confirm_standard_change(RAISE, acting_user=city)
    with pytest.raises(ValidationFailed, match="依据"):
        preview_standard_change(
            [
                StandardRow(
                    "530600", "dibao", "urban", "", datetime.date(2023, 8, 1), Decimal("1"), "month", " ", "K"
                )
            ],
            JULY,
        )
