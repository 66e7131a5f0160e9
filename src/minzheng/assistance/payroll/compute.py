"""Pricing every active entitlement of a month as set-based SQL on DuckDB.

The inputs are two small Arrow tables built once per month — the entitlements in force (one row per person
and scheme) and the standards in force per (village, urban/rural) — and the SQL below prices them all in
one pass, following the rules in ``assistance/domain`` exactly (a test checks the two agree household by
household). A 提标 preview runs the same SQL with proposed standards rows.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pyarrow as pa

from minzheng.compute.snapshot import query_arrow_many
from minzheng.compute.sql import age_sql

from ..domain.params import PolicyProfile, Standards
from ..domain.vocabulary import PaymentMode
from ..models import PolicyProfileVersion, PolicyStandard
from ..standards import StandardRow, load_rows, profile_version_in_force, region_chain, resolve_standards

MONEY = pa.decimal128(12, 2)

_ENTITLEMENT_FIELDS = [
    ("entitlement_id", pa.int64()),
    ("scheme", pa.string()),
    ("person_id", pa.int64()),
    ("household_id", pa.int64()),
    ("region_code", pa.string()),
    ("urban_rural", pa.string()),
    ("unit_size", pa.int32()),
    ("unit_rank", pa.int32()),
    ("unit_net_income", MONEY),
    ("tier", pa.string()),
    ("placement", pa.string()),
    ("severe_disability", pa.bool_()),
    ("serious_illness", pa.bool_()),
    ("fixed_amount", MONEY),
    ("start_month", pa.date32()),
]
ENTITLEMENT_SCHEMA = pa.schema(
    [
        *_ENTITLEMENT_FIELDS,
        ("birth_date", pa.date32()),
        ("bank_name", pa.string()),
        ("account_number", pa.string()),
    ]
)

# Three sequential scans joined in DuckDB: on SQLite this is about twice as fast as letting SQLite look up
# each entitlement's person and bank account.
_ENTITLEMENTS_SQL = """
    SELECT id, scheme, person_id, household_id, region_code, urban_rural, unit_size, unit_rank, unit_net_income,
           tier, placement, severe_disability, serious_illness, fixed_amount, start_month
    FROM assistance_entitlement
    -- ended entitlements still count for the months before their end (history, back pay); suspended ones
    -- are not paid until resumed
    WHERE status IN ('active', 'ended') AND start_month <= %s AND (end_month IS NULL OR end_month >= %s)
"""
_BIRTH_DATES_SQL = "SELECT id, birth_date FROM registry_person"
_ACCOUNTS_SQL = "SELECT person_id, bank_name, account_number FROM assistance_bankaccount"


def month_end(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def snapshot_entitlements(month: datetime.date) -> pa.Table:
    """The entitlements paid in ``month`` (active, started, not ended), with the person's birth date and
    bank account."""
    entitlements, births, accounts = query_arrow_many(
        [
            (_ENTITLEMENTS_SQL, [month, month], pa.schema(_ENTITLEMENT_FIELDS)),
            (_BIRTH_DATES_SQL, [], pa.schema([("person_id", pa.int64()), ("birth_date", pa.date32())])),
            (
                _ACCOUNTS_SQL,
                [],
                pa.schema(
                    [("person_id", pa.int64()), ("bank_name", pa.string()), ("account_number", pa.string())]
                ),
            ),
        ]
    )
    con = duckdb.connect()
    con.register("entitlements", entitlements)
    con.register("births", births)
    con.register("accounts", accounts)
    joined = con.sql(
        """
        SELECT e.*, b.birth_date, coalesce(a.bank_name, '') AS bank_name,
               coalesce(a.account_number, '') AS account_number
        FROM entitlements e JOIN births b USING (person_id) LEFT JOIN accounts a USING (person_id)
        ORDER BY e.entitlement_id
        """
    ).to_arrow_table()
    return joined.select(ENTITLEMENT_SCHEMA.names).cast(ENTITLEMENT_SCHEMA)


# --- standards in force per (village, urban/rural) --------------------------------------------------------

STANDARD_COLUMNS = [
    ("region_code", pa.string()),
    ("urban_rural", pa.string()),
    ("payment_mode", pa.string()),
    ("dibao_monthly", MONEY),
    ("floor_per_person", MONEY),
    ("tier_a", MONEY),
    ("tier_b", MONEY),
    ("tier_c", MONEY),
    ("tekun_basic", MONEY),
    ("care_able", MONEY),
    ("care_partly", MONEY),
    ("care_fully", MONEY),
    ("orphan_centralised", MONEY),
    ("orphan_dispersed", MONEY),
    ("disability_living", MONEY),
    ("care_grade_1", MONEY),
    ("care_grade_2", MONEY),
    ("care_grade_3", MONEY),
    ("care_grade_4", MONEY),
    ("share_60", pa.decimal128(6, 4)),
    ("share_70", pa.decimal128(6, 4)),
    ("share_minor", pa.decimal128(6, 4)),
    ("share_severe", pa.decimal128(6, 4)),
    ("share_illness", pa.decimal128(6, 4)),
    ("supplement_stack", pa.bool_()),
    ("top_up_orphans", pa.bool_()),
]
BAND_COLUMNS = [
    ("region_code", pa.string()),
    ("urban_rural", pa.string()),
    ("min_age", pa.int32()),
    ("amount", MONEY),
]


def _standard_row(region_code: str, urban_rural: str, s: Standards, p: PolicyProfile) -> dict[str, object]:
    supplements = p.classified_supplements.value
    care = s.tekun_care.value
    disability_care = s.disability_care.value
    return {
        "region_code": region_code,
        "urban_rural": urban_rural,
        "payment_mode": s.payment_mode.value,
        "dibao_monthly": s.dibao_monthly.value,
        "floor_per_person": s.floor_per_person.value,
        "tier_a": s.tier_amounts.value["A"],
        "tier_b": s.tier_amounts.value["B"],
        "tier_c": s.tier_amounts.value["C"],
        "tekun_basic": s.tekun_basic_monthly(p).value,  # derived here, never stored
        "care_able": care["全自理"],
        "care_partly": care["部分失能"],
        "care_fully": care["完全失能"],
        "orphan_centralised": s.orphan_institutional.value,
        "orphan_dispersed": s.orphan_dispersed.value,
        "disability_living": s.disability_living.value,
        "care_grade_1": disability_care.get("1", Decimal(0)),
        "care_grade_2": disability_care.get("2", Decimal(0)),
        "care_grade_3": disability_care.get("3", Decimal(0)),
        "care_grade_4": disability_care.get("4", Decimal(0)),
        "share_60": supplements["60至69周岁老年人"],
        "share_70": supplements["70周岁以上老年人"],
        "share_minor": supplements["未成年人"],
        "share_severe": supplements["一二级重度残疾人"],
        "share_illness": supplements["重特大疾病患者"],
        "supplement_stack": p.classified_supplement_mode.value == "stack",
        "top_up_orphans": p.child_top_up_applies_to_orphans.value,
    }


@dataclass(frozen=True)
class StandardsInForce:
    table: pa.Table
    bands: pa.Table


def standards_in_force(
    places: Sequence[tuple[str, str]], as_of: datetime.date, *, proposed: Sequence[StandardRow] = ()
) -> StandardsInForce:
    """Resolve the standards once per distinct chain of regions that carry rows (not once per village)."""
    with_rows = set(PolicyStandard.objects.values_list("region_code", flat=True).distinct())
    with_rows |= {r.region_code for r in proposed}
    with_profiles = set(PolicyProfileVersion.objects.values_list("region_code", flat=True).distinct())
    cache: dict[tuple[tuple[str, ...], str], tuple[Standards, PolicyProfile]] = {}
    rows, bands = [], []
    for region_code, urban_rural in places:
        chain = region_chain(region_code)
        signature = tuple(c for c in chain if c in with_rows or c in with_profiles)
        key = (signature, urban_rural)
        if key not in cache:
            version = profile_version_in_force(region_code, as_of)
            standards = resolve_standards(
                region_code,
                urban_rural,
                as_of,
                rows=load_rows(region_code, extra=proposed),
                profile_version=version,
            )
            assert version is not None  # resolve_standards raised otherwise
            cache[key] = (standards, PolicyProfile.from_dict(version.values))
        standards, profile = cache[key]
        rows.append(_standard_row(region_code, urban_rural, standards, profile))
        for band, amount in standards.elderly_allowance.value.items():
            bands.append(
                {
                    "region_code": region_code,
                    "urban_rural": urban_rural,
                    "min_age": int(band),
                    "amount": amount,
                }
            )
    return StandardsInForce(
        pa.Table.from_pylist(rows, schema=pa.schema(STANDARD_COLUMNS)),
        pa.Table.from_pylist(bands, schema=pa.schema(BAND_COLUMNS)),
    )


# --- the SQL ------------------------------------------------------------------------------------------------


def priced_sql(as_of: datetime.date, month: datetime.date) -> str:
    age = age_sql("e.birth_date", as_of)
    gap = PaymentMode.GAP.value
    return f"""
    WITH base AS (
        SELECT e.*, s.*, {age} AS age
        FROM ent e JOIN std s USING (region_code, urban_rural)
    ),
    dibao AS (
        SELECT entitlement_id,
            CASE WHEN fixed_amount IS NOT NULL THEN fixed_amount   -- 渐退: the previous amount, kept
            ELSE CAST(
                CASE WHEN payment_mode = '{gap}' THEN
                    -- 差额: the unit's total, split into equal shares whose odd cents go to the first members
                    (CAST(total_cents // unit_size AS DECIMAL(18, 2))
                        + CASE WHEN unit_rank < total_cents % unit_size THEN 1 ELSE 0 END) / 100
                ELSE CASE tier WHEN 'A' THEN tier_a WHEN 'B' THEN tier_b ELSE tier_c END
                END
                -- 分类施保: a share of the standard, by the member's categories at the month
                + round(dibao_monthly * CASE WHEN supplement_stack THEN s_age + s_minor + s_severe + s_illness
                                             ELSE greatest(s_age, s_minor, s_severe, s_illness) END, 2)
            AS DECIMAL(12, 2)) END AS amount
        FROM (
            SELECT *,
                CAST(round(greatest(floor_per_person * unit_size,
                                    dibao_monthly * unit_size - unit_net_income, 0) * 100) AS BIGINT) AS total_cents,
                CASE WHEN age >= 70 THEN share_70 WHEN age >= 60 THEN share_60 ELSE 0 END AS s_age,
                CASE WHEN age < 18 THEN share_minor ELSE 0 END AS s_minor,
                CASE WHEN severe_disability THEN share_severe ELSE 0 END AS s_severe,
                CASE WHEN serious_illness THEN share_illness ELSE 0 END AS s_illness
            FROM base WHERE scheme = 'dibao'
        )
    ),
    simple AS (
        SELECT entitlement_id, CAST(CASE scheme
            WHEN 'tekun' THEN tekun_basic + CASE tier WHEN '完全失能' THEN care_fully
                                                      WHEN '部分失能' THEN care_partly ELSE care_able END
            WHEN 'disability_living' THEN disability_living
            WHEN 'disability_care' THEN CASE tier WHEN '1' THEN care_grade_1 WHEN '2' THEN care_grade_2
                                                  WHEN '3' THEN care_grade_3 ELSE care_grade_4 END
            -- 临时救助 is one-off: paid in its start month only
            WHEN 'temporary' THEN CASE WHEN start_month = DATE '{month.isoformat()}' THEN fixed_amount ELSE 0 END
            END AS DECIMAL(12, 2)) AS amount
        FROM base WHERE scheme IN ('tekun', 'disability_living', 'disability_care', 'temporary')
    ),
    elderly AS (
        -- 高龄津贴: the rate of the highest band the person's age has reached
        SELECT b.entitlement_id, CAST(coalesce(arg_max(eb.amount, eb.min_age), 0) AS DECIMAL(12, 2)) AS amount
        FROM base b LEFT JOIN bands eb
            ON eb.region_code = b.region_code AND eb.urban_rural = b.urban_rural AND eb.min_age <= b.age
        WHERE b.scheme = 'elderly_allowance'
        GROUP BY b.entitlement_id
    ),
    received AS (
        -- what a child already receives from dibao, 特困 and the living subsidy: the base of 补差
        SELECT b.person_id, sum(x.amount) AS amount
        FROM base b JOIN (SELECT * FROM dibao UNION ALL SELECT * FROM simple) x USING (entitlement_id)
        WHERE b.scheme IN ('dibao', 'tekun', 'disability_living')
        GROUP BY b.person_id
    ),
    children AS (
        SELECT b.entitlement_id, CAST(
            CASE WHEN b.scheme = 'de_facto_orphan' OR b.top_up_orphans
                 THEN greatest(rate - coalesce(r.amount, 0), 0) ELSE rate END AS DECIMAL(12, 2)) AS amount
        FROM (
            SELECT *, CASE WHEN scheme = 'orphan' AND placement = '集中' THEN orphan_centralised
                           ELSE orphan_dispersed END AS rate
            FROM base WHERE scheme IN ('orphan', 'de_facto_orphan')
        ) b LEFT JOIN received r USING (person_id)
    ),
    priced AS (
        SELECT * FROM dibao UNION ALL SELECT * FROM simple UNION ALL SELECT * FROM elderly
        UNION ALL SELECT * FROM children
    )
    SELECT e.entitlement_id, e.person_id, e.household_id, e.scheme, substr(e.region_code, 1, 6) AS county_code,
           e.region_code, p.amount, e.bank_name, e.account_number
    FROM priced p JOIN ent e USING (entitlement_id)
    WHERE p.amount > 0
    ORDER BY e.entitlement_id
    """


def price_month(
    month: datetime.date, *, entitlements: pa.Table | None = None, proposed: Sequence[StandardRow] = ()
) -> pa.Table:
    """Every payable entitlement of ``month`` with its amount (columns: entitlement_id, person_id,
    household_id, scheme, county_code, region_code, amount, bank_name, account_number). Ages and bands are
    taken at the month's end."""
    as_of = month_end(month)
    ent = snapshot_entitlements(month) if entitlements is None else entitlements
    con = duckdb.connect()
    con.register("ent", ent)
    places = con.sql("SELECT DISTINCT region_code, urban_rural FROM ent ORDER BY ALL").fetchall()
    standards = standards_in_force(places, as_of, proposed=proposed)
    con.register("std", standards.table)
    con.register("bands", standards.bands)
    return con.sql(priced_sql(as_of, month)).to_arrow_table()
