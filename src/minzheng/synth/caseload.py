"""Caseloads of the synthetic city: who receives which benefit, set-based in DuckDB.

Assigned by the rules' own tests, simplified to what the synthetic registry holds: dibao for households
whose counted per-capita income is below the standard and whose property is within the limits (with
the rural A/B/C tier); 特困 instead of dibao for old or severely disabled people living alone; 事实无人抚养
and orphans among children living without working-age adults; the two disability subsidies; 高龄津贴 from
80; one-off 临时救助 for households the generator marked. About 3% of recipients are kept on although their
income has since risen above the line: the cases the data matching is there to find.

Every entitlement carries the basis the payroll prices (unit size, net income, tier …); start months are
spread over 2016–2022, with some households starting and some ending during 2023.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from minzheng.compute.sql import age_sql

BANKS = ("昭通农商银行", "中国邮政储蓄银行", "中国农业银行", "中国建设银行")


@dataclass(frozen=True)
class LineParams:
    """The standards and limits the assignment uses (read from the seeded standards table)."""

    urban_standard: str  # 元/人·月, as SQL decimal literals
    rural_standard: str
    financial_months: int
    vehicle_limit: str
    max_houses: int


def build_views(
    con: duckdb.DuckDBPyConnection, params: LineParams, as_of: datetime.date, household_offset: int
) -> None:
    """Views over the generated tables registered on ``con`` (persons_in, memberships_in, incomes_in, assets_in,
    households_in) and the ``person_ids`` table (id_number → database id)."""
    age = age_sql("p.birth_date", as_of)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW member AS
        SELECT m.household_id + {household_offset} AS household_id, i.id AS person_id, m.is_cohabiting, m.relation,
               p.birth_date, {age} AS age, p.labour_capacity, p.illness_category, p.disability_grade,
               p.disability_category,
               coalesce(p.disability_grade <= 2, false) AS severe_disability,
               coalesce(p.illness_category = '重特大疾病', false) AS serious_illness,
               h.urban_rural, h.region_code,
               row_number() OVER (PARTITION BY m.household_id ORDER BY m.relation <> '户主', p.birth_date, i.id) - 1 AS rank
        FROM memberships_in m
        JOIN persons_in p USING (id_number)
        JOIN person_ids i USING (id_number)
        JOIN households_in h ON h.household_id = m.household_id
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW household_means AS
        WITH members AS (
            SELECT household_id, urban_rural, region_code,
                   count(*) FILTER (WHERE is_cohabiting) AS persons,
                   bool_and(NOT is_cohabiting OR labour_capacity = '无劳动能力' OR age < 16 OR age >= 60) AS no_capacity,
                   count(*) FILTER (WHERE is_cohabiting AND (age >= 60 OR age < 16 OR illness_category IS NOT NULL
                         OR disability_grade IS NOT NULL OR labour_capacity <> '有劳动能力')) AS vulnerable,
                   count(*) FILTER (WHERE is_cohabiting AND age BETWEEN 18 AND 59) AS working_age
            FROM member GROUP BY ALL
        ),
        income AS (
            SELECT x.household_id + {household_offset} AS household_id,
                   sum(x.monthly_amount) FILTER (WHERE x.counted AND coalesce(m.is_cohabiting, true)) AS counted,
                   bool_or(x.item = '低保金') AS marked_dibao,
                   bool_or(x.item = '临时救助金') AS marked_temporary,
                   bool_or(x.item = '赡养费') AS has_support
            FROM incomes_in x LEFT JOIN persons_in p USING (id_number)
            LEFT JOIN memberships_in m ON m.id_number = x.id_number AND m.household_id = x.household_id
            WHERE x.valid_from <= DATE '{as_of.isoformat()}' AND (x.valid_to IS NULL OR x.valid_to >= DATE '{as_of.isoformat()}')
            GROUP BY 1
        ),
        assets AS (
            SELECT household_id + {household_offset} AS household_id,
                   coalesce(sum(value) FILTER (WHERE kind IN ('存款', '有价证券', '商业保险')), 0) AS financial,
                   coalesce(max(value) FILTER (WHERE kind = '机动车'), 0) AS vehicle,
                   count(*) FILTER (WHERE kind = '房产') AS houses,
                   count(*) FILTER (WHERE kind = '企业股份') AS shares
            FROM assets_in GROUP BY 1
        )
        SELECT m.*, CAST(coalesce(i.counted, 0) AS DECIMAL(12, 2)) AS net_income,
               coalesce(i.marked_dibao, false) AS marked_dibao, coalesce(i.marked_temporary, false) AS marked_temporary,
               coalesce(i.has_support, false) AS has_support,
               CASE WHEN m.urban_rural = 'urban' THEN {params.urban_standard} ELSE {params.rural_standard} END AS standard,
               coalesce(a.financial, 0) <= {params.financial_months}
                   * CASE WHEN m.urban_rural = 'urban' THEN {params.urban_standard} ELSE {params.rural_standard} END
                   * m.persons
               AND coalesce(a.vehicle, 0) <= {params.vehicle_limit}
               AND coalesce(a.houses, 0) <= {params.max_houses}
               AND coalesce(a.shares, 0) = 0 AS assets_ok
        FROM members m LEFT JOIN income i USING (household_id) LEFT JOIN assets a USING (household_id)
        WHERE m.persons > 0
        """
    )


def _start_month_sql(key: str) -> str:
    """A start month spread over 2016-01 … 2022-12, or during 2023 for about 8% (deterministic by ``key``)."""
    return f"""CASE WHEN hash({key}) % 100 < 8
                    THEN make_date(2023, 2 + CAST(hash({key}) % 5 AS INTEGER), 1)
                    ELSE make_date(2016 + CAST(hash({key}) % 7 AS INTEGER), 1 + CAST(hash({key} * 7) % 12 AS INTEGER), 1) END"""


def _end_month_sql(key: str) -> str:
    """About 3% of entitlements ended during 2023 (March to May)."""
    return f"CASE WHEN hash({key} * 13) % 100 < 3 THEN make_date(2023, 3 + CAST(hash({key}) % 3 AS INTEGER), 1) END"


def entitlements(con: duckdb.DuckDBPyConnection, as_of: datetime.date) -> pa.Table:
    """Every entitlement of the synthetic city (columns named as the Entitlement model's attnames)."""
    start_h, end_h = _start_month_sql("household_id"), _end_month_sql("household_id")
    start_p, end_p = _start_month_sql("person_id"), _end_month_sql("person_id")
    return con.sql(
        f"""
        WITH hm AS (
            SELECT *, net_income / persons AS per_capita,
                   -- 特困 instead of dibao: one person, old or severely disabled, no supporter's money
                   persons = 1 AND no_capacity AND NOT has_support AS tekun_candidate
            FROM household_means
        ),
        dibao_households AS (
            SELECT * FROM hm
            WHERE NOT tekun_candidate
              AND ((per_capita < standard AND assets_ok)
                   OR (marked_dibao AND hash(household_id * 31) % 100 < 3))  -- kept on although no longer eligible
        ),
        tekun_people AS (
            SELECT hm.household_id, m.person_id, m.urban_rural, m.region_code, m.disability_grade
            FROM hm JOIN member m USING (household_id)
            WHERE hm.tekun_candidate AND m.is_cohabiting AND hm.per_capita < hm.standard AND hm.assets_ok
        ),
        children AS (
            -- children living without any working-age adult: a share are 事实无人抚养 or orphans
            SELECT m.*, hash(m.person_id * 17) % 100 AS pick
            FROM member m JOIN hm USING (household_id)
            WHERE m.age < 18 AND hm.working_age = 0
        )
        SELECT 'dibao' AS scheme, m.person_id, m.household_id, m.region_code, m.urban_rural,
               'h' || m.household_id AS unit_key, d.persons AS unit_size,
               CAST(row_number() OVER (PARTITION BY m.household_id ORDER BY m.rank) - 1 AS INTEGER) AS unit_rank,
               d.net_income AS unit_net_income,
               CASE WHEN d.urban_rural = 'urban' THEN ''
                    WHEN d.no_capacity AND d.net_income = 0 THEN 'A'
                    WHEN d.vulnerable >= 0.5 * d.persons THEN 'B' ELSE 'C' END AS tier,
               '' AS placement, m.severe_disability, m.serious_illness, CAST(NULL AS DECIMAL(12, 2)) AS fixed_amount,
               {start_h} AS start_month, {end_h} AS end_month
        FROM dibao_households d JOIN member m USING (household_id)
        WHERE m.is_cohabiting
        UNION ALL
        SELECT 'tekun', person_id, household_id, region_code, urban_rural, 'p' || person_id, 1, 0, 0,
               CASE WHEN disability_grade = 1 THEN '完全失能' WHEN disability_grade = 2 THEN '部分失能' ELSE '全自理' END,
               CASE WHEN hash(person_id) % 100 < 15 THEN '集中' ELSE '散居' END, false, false, NULL,
               {start_p}, {end_p}
        FROM tekun_people
        UNION ALL
        SELECT CASE WHEN pick < 60 THEN 'de_facto_orphan' ELSE 'orphan' END, person_id, household_id, region_code,
               urban_rural, 'p' || person_id, 1, 0, 0, '',
               CASE WHEN pick >= 95 THEN '集中' ELSE '散居' END, false, false, NULL, {start_p}, NULL
        FROM children WHERE pick < 40 OR pick >= 90
        UNION ALL
        -- 困难残疾人生活补贴: certificate holders in dibao households
        SELECT 'disability_living', m.person_id, m.household_id, m.region_code, m.urban_rural, 'p' || m.person_id,
               1, 0, 0, '', '', false, false, NULL, {start_p}, NULL
        FROM dibao_households d JOIN member m USING (household_id)
        WHERE m.is_cohabiting AND m.disability_grade IS NOT NULL
        UNION ALL
        -- 重度残疾人护理补贴: grade 1 and 2
        SELECT 'disability_care', person_id, household_id, region_code, urban_rural, 'p' || person_id, 1, 0, 0,
               CAST(disability_grade AS VARCHAR), '', false, false, NULL, {start_p}, NULL
        FROM member WHERE disability_grade <= 2
        UNION ALL
        -- 高龄津贴 from the month after the 80th birthday
        SELECT 'elderly_allowance', person_id, household_id, region_code, urban_rural, 'p' || person_id, 1, 0, 0,
               '', '', false, false, NULL,
               greatest(DATE '2016-01-01', CAST(date_trunc('month', birth_date + INTERVAL 80 YEAR) + INTERVAL 1 MONTH AS DATE)),
               NULL
        FROM member WHERE age >= 80
        UNION ALL
        -- one-off 临时救助 in a month of 2023-01 … 2023-06: 3 months' standard per person
        SELECT 'temporary', m.person_id, hm.household_id, hm.region_code, hm.urban_rural, 'h' || hm.household_id,
               hm.persons, 0, 0, '', '', false, false, CAST(3 * hm.standard * hm.persons AS DECIMAL(12, 2)),
               make_date(2023, 1 + CAST(hash(hm.household_id) % 6 AS INTEGER), 1),
               make_date(2023, 1 + CAST(hash(hm.household_id) % 6 AS INTEGER), 1)
        FROM hm JOIN member m ON m.household_id = hm.household_id AND m.rank = 0
        WHERE hm.marked_temporary
        """
    ).to_arrow_table()


def bank_accounts(con: duckdb.DuckDBPyConnection, person_ids: pa.Table) -> pa.Table:
    """One synthetic account per beneficiary (minors' benefits go to the guardian's card in reality; here
    each beneficiary has one so that the payment files stay one line per person)."""
    con.register("beneficiaries", person_ids)
    banks = ", ".join(f"'{b}'" for b in BANKS)
    return con.sql(
        f"""
        SELECT person_id,
               list_extract([{banks}], CASE WHEN h < 60 THEN 1 WHEN h < 85 THEN 2 WHEN h < 95 THEN 3 ELSE 4 END) AS bank_name,
               '6217' || lpad(CAST(hash(person_id * 101) % 1000000000000000 AS VARCHAR), 15, '0') AS account_number
        FROM (SELECT DISTINCT person_id, hash(person_id * 3) % 100 AS h FROM beneficiaries)
        ORDER BY person_id
        """
    ).to_arrow_table()
