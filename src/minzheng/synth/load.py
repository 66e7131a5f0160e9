"""Loading a generated city into the record plane: set-based (DuckDB joins, bulk inserts), one
transaction, one audit row."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
from django.db import transaction
from django.db.models import Max

from minzheng.audit.chain import record
from minzheng.audit.models import AuditEvent, AuditLog
from minzheng.common.errors import ValidationFailed
from minzheng.common.models import Region
from minzheng.compute.bulkload import bulk_insert, reset_sequences
from minzheng.registry.models import Asset, Disability, Household, Income, Membership, Person

from . import caseload
from .city import SynthCity

Progress = Callable[[str, int, int], None]


def _registry_models() -> tuple[Any, ...]:
    """Registry and assistance tables, children first: the order to empty them in."""
    from minzheng.assistance.models import BankAccount, Entitlement, PayrollLine, PayrollRun

    return (
        PayrollLine,
        PayrollRun,
        BankAccount,
        Entitlement,
        Asset,
        Income,
        Membership,
        Disability,
        Household,
        Person,
    )


@dataclass(frozen=True)
class LoadResult:
    regions: int
    households: int
    persons: int
    memberships: int
    incomes: int
    assets: int
    disabilities: int
    entitlements: int
    bank_accounts: int


def _next_id(model: Any) -> int:
    return int(model.objects.aggregate(m=Max("id"))["m"] or 0)


def _sql(con: duckdb.DuckDBPyConnection, query: str, **params: Any) -> pa.Table:
    return con.sql(query, params=params).to_arrow_table() if params else con.sql(query).to_arrow_table()


def registry_is_empty() -> bool:
    return not (Person.objects.exists() or Household.objects.exists())


def clear_registry() -> None:
    """Empty the registry tables (demo data only; the audit log is kept)."""
    Household.objects.update(head=None)
    for model in _registry_models():
        model.objects.all()._raw_delete(model.objects.db)  # set-based: no per-row signals or cascades


def last_synth_load() -> dict[str, Any] | None:
    row = AuditLog.objects.filter(event_type=AuditEvent.SYNTH_LOADED).order_by("-id").first()
    return row.data if row else None


@transaction.atomic
def load_city(
    city: SynthCity,
    *,
    params: dict[str, Any],
    replace: bool = False,
    acting_user: Any | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Insert the generated regions (missing ones only) and registry records."""
    if not registry_is_empty():
        if not replace:
            raise ValidationFailed(
                "数据库中已有家庭户数据。如需用模拟数据替换，请加 --replace（仅限演示库）",
                code="registry_not_empty",
            )
        clear_registry()

    def tick(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    con = duckdb.connect()
    con.register("regions", city.regions)
    existing = set(Region.objects.values_list("code", flat=True))
    con.register("existing_regions", pa.table({"code": pa.array(sorted(existing), pa.string())}))
    new_regions = _sql(
        con,
        """
        SELECT code, name, level, parent_code AS parent_id, coalesce(urban_rural, '') AS urban_rural,
               census_population
        FROM regions WHERE code NOT IN (SELECT code FROM existing_regions)
        ORDER BY length(code), code   -- parents before children
        """,
    )
    bulk_insert(Region, new_regions)
    tick("行政区划", new_regions.num_rows, new_regions.num_rows)

    now = datetime.datetime.now(datetime.UTC)
    person_offset, household_offset = _next_id(Person), _next_id(Household)
    con.register("persons_in", city.persons)
    con.register("households_in", city.households)
    con.register("memberships_in", city.memberships)
    con.register("incomes_in", city.incomes)
    con.register("assets_in", city.assets)
    con.execute(
        "CREATE TEMP TABLE person_ids AS SELECT id_number, $offset + row_number() OVER (ORDER BY id_number) AS id "
        "FROM persons_in",
        {"offset": person_offset},
    )
    persons = _sql(
        con,
        """
        SELECT i.id, p.id_number, p.name, p.sex, p.birth_date, p.ethnicity, p.hukou_type,
               p.hukou_region_code AS hukou_region_id, coalesce(p.phone, '') AS phone, p.labour_capacity,
               coalesce(p.employment, '') AS employment, coalesce(p.illness_category, '') AS illness_category,
               false AS is_deceased, CAST(NULL AS DATE) AS death_date
        FROM persons_in p JOIN person_ids i USING (id_number) ORDER BY i.id
        """,
    )
    persons = _with_timestamps(persons, now)
    bulk_insert(Person, persons, progress=lambda n: tick("人员", n, persons.num_rows))

    disabilities = _sql(
        con,
        """
        SELECT i.id AS person_id, p.disability_certificate AS certificate_number,
               p.disability_category AS category, CAST(p.disability_grade AS INTEGER) AS grade,
               DATE '2018-01-01' AS valid_from, CAST(NULL AS DATE) AS valid_to
        FROM persons_in p JOIN person_ids i USING (id_number)
        WHERE p.disability_category IS NOT NULL ORDER BY i.id
        """,
    )
    bulk_insert(Disability, disabilities)

    households = _sql(
        con,
        """
        SELECT h.household_id + $offset AS id, h.household_number, h.region_code AS region_id, h.urban_rural,
               h.address, i.id AS head_id
        FROM households_in h LEFT JOIN person_ids i ON i.id_number = h.head_id_number ORDER BY h.household_id
        """.replace("$offset", str(int(household_offset))),
    )
    households = _with_timestamps(households, now)
    bulk_insert(Household, households, progress=lambda n: tick("家庭户", n, households.num_rows))

    def member_rows(query: str) -> pa.Table:
        return _sql(con, query.replace("$offset", str(int(household_offset))))

    memberships = member_rows(
        """
        SELECT m.household_id + $offset AS household_id, i.id AS person_id, m.relation, m.is_cohabiting,
               coalesce(m.exclusion_reason, '') AS exclusion_reason, m.valid_from, CAST(NULL AS DATE) AS valid_to
        FROM memberships_in m JOIN person_ids i USING (id_number) ORDER BY 1, 2
        """
    )
    bulk_insert(Membership, memberships, progress=lambda n: tick("家庭成员", n, memberships.num_rows))

    incomes = member_rows(
        """
        SELECT x.household_id + $offset AS household_id, i.id AS person_id, x.category, x.item,
               x.monthly_amount, x.counted, x.rule_code, x.valid_from, x.valid_to
        FROM incomes_in x LEFT JOIN person_ids i USING (id_number) ORDER BY 1, 2
        """
    )
    bulk_insert(Income, incomes, progress=lambda n: tick("收入", n, incomes.num_rows))

    assets = member_rows(
        """
        SELECT x.household_id + $offset AS household_id, i.id AS person_id, x.kind, x.description, x.value,
               false AS is_exempt, x.valid_from, CAST(NULL AS DATE) AS valid_to
        FROM assets_in x LEFT JOIN person_ids i USING (id_number) ORDER BY 1, 2
        """
    )
    bulk_insert(Asset, assets, progress=lambda n: tick("财产", n, assets.num_rows))
    entitlements, accounts = _load_caseload(con, city.reference_date, household_offset, now)
    reset_sequences(Person, Household, Membership, Income, Asset, Disability)

    result = LoadResult(
        regions=new_regions.num_rows,
        households=households.num_rows,
        persons=persons.num_rows,
        memberships=memberships.num_rows,
        incomes=incomes.num_rows,
        assets=assets.num_rows,
        disabilities=disabilities.num_rows,
        entitlements=entitlements,
        bank_accounts=accounts,
    )
    record(
        AuditEvent.SYNTH_LOADED,
        actor=acting_user,
        subject_type="synth",
        subject_id=params.get("city", ""),
        summary=f"载入模拟城市：{result.households} 户、{result.persons} 人",
        data={**params, "counts": result.__dict__},
    )
    return result


def _with_timestamps(table: pa.Table, now: datetime.datetime) -> pa.Table:
    stamp = pa.repeat(pa.scalar(now, pa.timestamp("us", tz="UTC")), table.num_rows)
    return table.append_column("created_at", stamp).append_column("updated_at", stamp)


def _load_caseload(
    con: duckdb.DuckDBPyConnection, as_of: datetime.date, household_offset: int, now: datetime.datetime
) -> tuple[int, int]:
    """Entitlements and bank accounts of the city's caseload, priced later by the payroll."""
    from minzheng.assistance.models import BankAccount, Entitlement
    from minzheng.assistance.standards import resolve_profile, resolve_standards

    village = str(Region.objects.filter(level="village").values_list("code", flat=True).first())
    profile = resolve_profile(village, as_of)
    params = caseload.LineParams(
        urban_standard=str(resolve_standards(village, "urban", as_of).dibao_monthly.value),
        rural_standard=str(resolve_standards(village, "rural", as_of).dibao_monthly.value),
        financial_months=profile.financial_assets_months_per_capita.value,
        vehicle_limit=str(profile.vehicle_value_limit.value),
        max_houses=profile.max_houses.value,
    )
    caseload.build_views(con, params, as_of, household_offset)
    table = caseload.entitlements(con, as_of)
    status = pa.array(
        [
            "ended" if end is not None and end < as_of.replace(day=1) else "active"
            for end in table.column("end_month").to_pylist()
        ]
    )
    table = table.append_column("status", status)
    table = _with_timestamps(table, now).rename_columns([*table.column_names, "created_at", "changed_at"])
    bulk_insert(Entitlement, table)
    accounts = caseload.bank_accounts(con, table.select(["person_id"]))
    bulk_insert(
        BankAccount,
        accounts.append_column(
            "updated_at", pa.repeat(pa.scalar(now, pa.timestamp("us", tz="UTC")), accounts.num_rows)
        ),
    )
    reset_sequences(Entitlement, BankAccount)
    return table.num_rows, accounts.num_rows
