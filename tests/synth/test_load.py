"""Loading the generated city into the record plane (runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from minzheng.assistance.models import BankAccount, Entitlement, PayrollLine, PayrollRun
from minzheng.audit.chain import verify_chain
from minzheng.audit.models import AuditEvent, AuditLog
from minzheng.common.ids import normalize_id_number
from minzheng.common.models import Region
from minzheng.registry.models import Asset, Disability, Household, Income, Membership, Person
from minzheng.registry.selectors import get_household_as_of
from minzheng.synth.city import generate
from minzheng.synth.load import load_city

PARAMS = {"city": "zhaotong", "scale": 0.001, "seed": 7, "period": "2023-06"}


@pytest.fixture(scope="module")
def city():
    return generate(scale=0.001, seed=7)


@pytest.mark.django_db(transaction=True)
def test_every_generated_row_arrives_with_its_relations(city):
    # when
    result = load_city(city, params=PARAMS)
    # then
    assert result.persons == city.persons.num_rows == Person.objects.count()
    assert result.households == city.households.num_rows == Household.objects.count()
    assert Membership.objects.count() == city.memberships.num_rows
    assert Income.objects.count() == city.incomes.num_rows
    assert Asset.objects.count() == city.assets.num_rows
    assert Disability.objects.count() == result.disabilities > 0
    assert Region.objects.count() == city.regions.num_rows
    assert Household.objects.filter(head__isnull=True).count() == 0
    assert not Household.objects.exclude(region__level="village").exists()
    # every stored ID number is canonical and valid
    assert all(normalize_id_number(n) == n for n in Person.objects.values_list("id_number", flat=True)[:500])
    # money survives the round trip exactly
    expected = sum((Decimal(str(v)) for v in city.incomes.column("monthly_amount").to_pylist()), Decimal("0"))
    assert sum(Income.objects.values_list("monthly_amount", flat=True), Decimal("0")) == expected


@pytest.mark.django_db(transaction=True)
def test_the_caseload_follows_the_rules_basis(city):
    result = load_city(city, params=PARAMS)
    assert result.entitlements == Entitlement.objects.count() > 0
    dibao = Entitlement.objects.filter(scheme="dibao")
    # a dibao unit's members share its size and net income, and ranks run 0 … n-1
    for unit_key in dibao.values_list("unit_key", flat=True).distinct()[:50]:
        rows = list(dibao.filter(unit_key=unit_key).values_list("unit_size", "unit_rank", "unit_net_income"))
        assert sorted(r[1] for r in rows) == list(range(rows[0][0]))
        assert len({(r[0], r[2]) for r in rows}) == 1
    # rural dibao carries a tier, urban dibao none; nobody is on both dibao and 特困
    assert not dibao.filter(urban_rural="rural", tier="").exists()
    assert not dibao.filter(urban_rural="urban").exclude(tier="").exists()
    tekun = set(Entitlement.objects.filter(scheme="tekun").values_list("person_id", flat=True))
    assert not tekun & set(dibao.values_list("person_id", flat=True))
    assert BankAccount.objects.count() == result.bank_accounts > 0


@pytest.mark.django_db(transaction=True)
def test_loading_writes_one_audit_row_and_keeps_the_chain(city):
    load_city(city, params=PARAMS)
    (row,) = AuditLog.objects.filter(event_type=AuditEvent.SYNTH_LOADED)
    assert row.data["counts"]["persons"] == city.persons.num_rows
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_a_loaded_household_can_be_seen_as_of_the_reference_date(city):
    load_city(city, params=PARAMS)
    household = Household.objects.order_by("id").first()
    view = get_household_as_of(household, datetime.date(2023, 6, 30))
    assert any(m.relation == "户主" for m in view.members)
    assert view.per_capita_monthly_income >= 0


@pytest.mark.django_db(transaction=True)
def test_loading_into_a_filled_registry_is_refused_unless_replacing(city):
    load_city(city, params=PARAMS)
    persons = Person.objects.count()
    with pytest.raises(Exception, match="已有家庭户数据"):
        load_city(city, params=PARAMS)
    assert Person.objects.count() == persons
    load_city(city, params=PARAMS, replace=True)
    assert Person.objects.count() == persons


@pytest.mark.django_db(transaction=True)
def test_the_command_skips_a_city_already_loaded_with_the_same_parameters(tmp_path, capsys):
    call_command("synth", "--scale", "0.001", "--seed", "7", "--out", str(tmp_path), "--load")
    assert (tmp_path / "hukou" / "2023-06" / "data.parquet").exists()
    # six months of payroll history, 2023-01 … 2023-06, every line priced above zero
    assert list(PayrollRun.objects.order_by("month").values_list("month", flat=True)) == [
        datetime.date(2023, m, 1) for m in range(1, 7)
    ]
    assert not PayrollLine.objects.filter(kind="regular", amount__lte=0).exists()
    households = Household.objects.count()
    call_command("synth", "--scale", "0.001", "--seed", "7", "--out", str(tmp_path), "--load")
    assert "跳过" in capsys.readouterr().out
    assert Household.objects.count() == households
    with pytest.raises(CommandError, match="--replace"):
        call_command("synth", "--scale", "0.001", "--seed", "8", "--out", str(tmp_path), "--load")
