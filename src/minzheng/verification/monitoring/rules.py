"""低收入人口动态监测 as SQL builders: each person's category and layer, and the warnings of the signals.

Inputs: the registry snapshot (``people``, ``entitlements``, ``household_means``) and, when present, the
departmental sources with their links (``medical``, ``disability``, ``students``, ``unemployment``,
``deaths``, ``fanpin``, and for the property test ``real_estate``, ``vehicles``, ``deposits``,
``businesses``); a missing source gives an empty signal. The shared step ``person_context`` comes from the
finding rules, so both sides agree on who is covered.

Categories (one per person, the first that applies, policy-rules §4.1):

1. 最低生活保障对象 — a live dibao entitlement;
2. 特困人员 — a live 特困 entitlement;
3. 防止返贫监测对象 — linked to the 乡村振兴 list;
4. 最低生活保障边缘家庭成员 — not covered, household per-capita income < 1.5 × standard, property within
   the rules;
5. 刚性支出困难家庭成员 — not covered, property within the rules, per-capita income < the previous year's
   per-capita disposable income ([L], urban or rural by the registry's flag), and rigid spending (the
   cohabiting members' out-of-pocket medical costs over 12 months plus a yearly education cost per linked
   student) > ratio × annual income;
6. 其他困难人员 — not covered, a hardship signal, per-capita income < the configured multiple (whatever
   the property: the basis then says why the household is not 4 or 5).

The property test (``household_property``) is the finding rules' test of recipients applied to the
household's cohabiting members, with the same counting and the same [L] limits (``MonitoringContext.
counting``, the finding rules' profile): houses by certificate over ``max_houses``, a non-exempt vehicle over
``vehicle_value_limit``, deposits over ``deposit_months`` × standard × persons, a role in a live market
entity. A source that did not arrive this month leaves its part out, as the finding rules do. The
``students`` source carries no fee, so the education cost is the profile's yearly amount for the student's
stage (学前, 义务教育, 高中/中职, 大学/高职; [L] placeholders, 义务教育 0 元 being free of tuition); it covers
only the students the education department recognised as from a poor family (the source's scope), so
other students' costs are not seen.

Warnings (§4.2: 重病、残疾、就学、失业, the death of a member, and 收入下降) for everyone in a monitored
household, with a level (一般/较重/严重) and one of the four routes: 核实 (a recipient died), 一事一议 (two
or more serious signals), 落实 (covered: deliver the specialised help), 推送 (not covered: push to the
department).

收入下降 compares each person's monthly income in the departmental data of the period with the same
sources in an earlier period of the lake (``pensions_prev``, ``housing_fund_prev``, ``tax_prev``: the
profile's look-back, the previous month by default). The earlier period is read on the exact ID key only
(one join on ``people.id_key``, no fuzzy step); a source missing in either period is left out of the
comparison, and with none left the signal is empty. The income is counted as the finding rules count it
(policy-rules §1.6): the counted pensions (城乡居民基础养老金 excluded during the 十四五 period) plus one
wage — the greater of the 人社 contribution base and the 公积金 deposit base (the same wage seen by two
departments, counted once). The tax figure (latest recent tax year ÷ 12) stands in for the wage only for a
person neither monthly source reports in either period: it is refreshed once a year, and beside a monthly
base it would hide a job lost this month.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from minzheng.verification.findings.profile import FindingsProfile
from minzheng.verification.findings.rules import (
    GRADE_LABELS,
    FindingContext,
    countable_vehicle_sql,
    deposit_limit_sql,
    house_count_sql,
    linked_records,
    live_business_role_sql,
    months_before,
    shared_steps,
    yuan_text,
)
from minzheng.verification.findings.sqlkit import Params, SqlStep, case_labels, identifier, money_text

from .choices import LAYER_OF, Category, Route, Signal, WarningLevel
from .profile import MonitoringProfile

CATEGORY_COLUMNS = ("period", "person_id", "household_id", "region_code", "category", "layer", "basis")
WARNING_COLUMNS = (
    "period",
    "person_id",
    "household_id",
    "region_code",
    "signal",
    "level",
    "route",
    "detail",
)


@dataclass(frozen=True)
class MonitoringContext:
    profile: MonitoringProfile
    period: str
    as_of: datetime.date
    available: frozenset[str]
    counting: FindingsProfile = field(default_factory=FindingsProfile)
    """The finding rules' profile: income is counted, and property tested, with their kinds and limits."""

    def has(self, source: str) -> bool:
        return source in self.available and f"{source}_links" in self.available

    @property
    def earlier_period(self) -> str:
        """The period 收入下降 compares with (``2023-05`` for ``2023-06`` with the default look-back)."""
        return earlier_period(self.period, self.profile.income_drop_lookback_months.value)

    @property
    def income_sources(self) -> tuple[str, ...]:
        """The income sources present in both periods: only these are compared (a source that arrived in
        one period only would look like a rise or a drop of the whole income)."""
        return tuple(
            source
            for source in INCOME_SOURCES
            if self.has(source) and earlier_table(source) in self.available
        )


INCOME_SOURCES = ("pensions", "housing_fund", "tax")
"""The departmental sources that carry a person's income: 人社 (pensions, contribution bases), 公积金
(deposit bases), 税务 (annual income)."""
EARLIER_SUFFIX = "_prev"


def earlier_table(source: str) -> str:
    """The input name of a source's dataset of the earlier period (``pensions_prev`` …)."""
    return identifier(f"{source}{EARLIER_SUFFIX}")


def earlier_period(period: str, months: int) -> str:
    """The period ``months`` before ``period``: ``earlier_period("2023-01", 1) == "2022-12"``."""
    year, month = (int(part) for part in period.split("-"))
    first = months_before(datetime.date(year, month, 1), months)
    return f"{first.year:04d}-{first.month:02d}"


def _empty(columns: str) -> str:
    """A signal of a source that did not arrive: no rows, the right columns."""
    return f"SELECT {columns} FROM people WHERE 1 = 0"


def signal_medical_sql(context: MonitoringContext) -> SqlStep:
    """Out-of-pocket medical costs per person over the look-back window."""
    if not context.has("medical"):
        return SqlStep(
            "signal_medical",
            _empty(
                "CAST(NULL AS BIGINT) AS person_id, CAST(NULL AS DECIMAL(18, 2)) AS medical_total, "
                "CAST(NULL AS BIGINT) AS settlements"
            ),
        )
    params = Params()
    linked = linked_records(
        "medical", "s.out_of_pocket, s.settled_on", params, context.profile.min_match_probability.value
    )
    since = params.add("since", months_before(context.as_of, context.profile.lookback_months.value))
    sql = f"""
    SELECT m.person_id, SUM(m.out_of_pocket) AS medical_total, COUNT(*) AS settlements
    FROM {linked} m
    WHERE m.settled_on >= CAST({since} AS DATE)
    GROUP BY m.person_id
    """
    return SqlStep("signal_medical", sql, params.values)


def signal_disability_sql(context: MonitoringContext) -> SqlStep:
    """Each person's most severe grade, and the grade of a severe certificate issued recently (新增)."""
    if not context.has("disability"):
        return SqlStep(
            "signal_disability",
            _empty(
                "CAST(NULL AS BIGINT) AS person_id, CAST(NULL AS INT) AS min_grade, "
                "CAST(NULL AS INT) AS new_severe_grade, CAST(NULL AS VARCHAR) AS disability_category"
            ),
        )
    profile = context.profile
    params = Params()
    linked = linked_records(
        "disability", "s.category, s.grade, s.issued_on", params, profile.min_match_probability.value
    )
    max_grade = params.add("max_grade", profile.severe_disability_max_grade.value)
    since = params.add("since", months_before(context.as_of, profile.new_disability_months.value))
    sql = f"""
    SELECT d.person_id, MIN(CAST(d.grade AS INT)) AS min_grade,
           MIN(CASE WHEN CAST(d.grade AS INT) <= {max_grade} AND d.issued_on >= CAST({since} AS DATE)
                    THEN CAST(d.grade AS INT) END) AS new_severe_grade,
           MIN(d.category) AS disability_category
    FROM {linked} d
    GROUP BY d.person_id
    """
    return SqlStep("signal_disability", sql, params.values)


def signal_student_sql(context: MonitoringContext) -> SqlStep:
    """Students recognised as from a poor family, with the highest difficulty (3 特别困难 … 1 一般困难)."""
    if not context.has("students"):
        return SqlStep(
            "signal_student",
            _empty(
                "CAST(NULL AS BIGINT) AS person_id, CAST(NULL AS INT) AS difficulty_rank, "
                "CAST(NULL AS VARCHAR) AS school"
            ),
        )
    params = Params()
    linked = linked_records(
        "students", "s.school, s.difficulty", params, context.profile.min_match_probability.value
    )
    very, poor = params.add("very_poor", "特别困难"), params.add("poor", "困难")
    sql = f"""
    SELECT st.person_id,
           MAX(CASE st.difficulty WHEN {very} THEN 3 WHEN {poor} THEN 2 ELSE 1 END) AS difficulty_rank,
           MIN(st.school) AS school
    FROM {linked} st
    GROUP BY st.person_id
    """
    return SqlStep("signal_student", sql, params.values)


def signal_unemployed_sql(context: MonitoringContext) -> SqlStep:
    """Registered unemployed (status 失业), with the date of registration."""
    if not context.has("unemployment"):
        return SqlStep(
            "signal_unemployed",
            _empty("CAST(NULL AS BIGINT) AS person_id, CAST(NULL AS DATE) AS unemployed_since"),
        )
    params = Params()
    linked = linked_records(
        "unemployment", "s.registered_on, s.status", params, context.profile.min_match_probability.value
    )
    status = params.add("unemployed", "失业")
    sql = f"""
    SELECT u.person_id, MIN(u.registered_on) AS unemployed_since
    FROM {linked} u
    WHERE u.status = {status}
    GROUP BY u.person_id
    """
    return SqlStep("signal_unemployed", sql, params.values)


def signal_death_sql(context: MonitoringContext) -> SqlStep:
    if not context.has("deaths"):
        return SqlStep(
            "signal_death", _empty("CAST(NULL AS BIGINT) AS person_id, CAST(NULL AS DATE) AS death_date")
        )
    params = Params()
    linked = linked_records("deaths", "s.death_date", params, context.profile.min_match_probability.value)
    sql = f"SELECT d.person_id, MIN(d.death_date) AS death_date FROM {linked} d GROUP BY d.person_id"
    return SqlStep("signal_death", sql, params.values)


def signal_fanpin_sql(context: MonitoringContext) -> SqlStep:
    if not context.has("fanpin"):
        return SqlStep(
            "signal_fanpin",
            _empty("CAST(NULL AS BIGINT) AS person_id, CAST(NULL AS VARCHAR) AS fanpin_category"),
        )
    params = Params()
    linked = linked_records("fanpin", "s.category", params, context.profile.min_match_probability.value)
    sql = f"SELECT f.person_id, MIN(f.category) AS fanpin_category FROM {linked} f GROUP BY f.person_id"
    return SqlStep("signal_fanpin", sql, params.values)


# --- 收入下降: the income of the period against the earlier period ---------------------------------------

_NO_MONEY = "CAST(NULL AS DECIMAL(14, 2))"


def _earlier_records(source: str, columns: str, params: Params) -> str:
    """The earlier period's records of ``source`` with the registry person of their ID: the exact key only,
    as the exact linking step joins (``matching.sql.exact_links_sql``): a checked 18-digit ID, or a
    converted 15-digit one whose name agrees (a typo in a 15-digit number spells a neighbour's)."""
    valid = params.add("valid_id", "valid")
    converted = params.add("converted_id", "converted_15")
    return f"""(
        SELECT s.record_id, {columns}, r.person_id
        FROM {earlier_table(source)} s
        JOIN people r ON r.id_key = s.id_key
        WHERE s.id_status = {valid} OR (s.id_status = {converted} AND s.name = r.name)
    )"""


def _monthly_of_yearly(column: str) -> str:
    """元/年 ÷ 12 in whole fen, rounded down, as a DECIMAL: DuckDB divides decimals as DOUBLE, so the
    division is done on integer fen (``//`` is Spark's ``DIV``) and scaled back by a decimal product."""
    fen = f"CAST({column} * 100 AS BIGINT) // 12"
    return f"CAST(CAST({fen} AS DECIMAL(18, 0)) * CAST(0.01 AS DECIMAL(3, 2)) AS DECIMAL(14, 2))"


def _income_sql(
    context: MonitoringContext,
    counting: FindingsProfile,
    params: Params,
    records: Callable[[str, str], str],
    first_tax_year: int,
) -> str:
    """A period's income per person from ``records(source, columns)`` (the compared sources' records, each
    with the person it belongs to): person_id, counted pensions, 人社 contribution base, 公积金 deposit
    base, and the latest recent tax year's income ÷ 12 — 元/月, NULL where no source reports that item."""
    parts = []
    if "pensions" in context.income_sources:
        counted = params.in_list("counted_kind", counting.counted_pension_kinds.value)
        wage = params.in_list("wage_kind", counting.wage_kinds.value)
        parts.append(f"""
        SELECT p.person_id,
               CAST(CASE WHEN p.kind IN {counted} THEN p.monthly_amount END AS DECIMAL(14, 2)) AS pension,
               CAST(CASE WHEN p.kind IN {wage} THEN p.monthly_amount END AS DECIMAL(14, 2)) AS contribution,
               {_NO_MONEY} AS fund_base, {_NO_MONEY} AS tax_monthly
        FROM {records("pensions", "s.kind, s.monthly_amount")} p
        WHERE p.kind IN {counted} OR p.kind IN {wage}""")
    if "housing_fund" in context.income_sources:
        parts.append(f"""
        SELECT h.person_id, {_NO_MONEY} AS pension, {_NO_MONEY} AS contribution,
               CAST(h.wage_base AS DECIMAL(14, 2)) AS fund_base, {_NO_MONEY} AS tax_monthly
        FROM {records("housing_fund", "s.wage_base")} h
        WHERE h.wage_base IS NOT NULL""")
    if "tax" in context.income_sources:
        first = params.add("first_tax_year", first_tax_year)
        # the latest recent tax year of each person (a window in a subquery: Spark has no QUALIFY)
        parts.append(f"""
        SELECT z.person_id, {_NO_MONEY} AS pension, {_NO_MONEY} AS contribution, {_NO_MONEY} AS fund_base,
               {_monthly_of_yearly("z.annual_income")} AS tax_monthly
        FROM (
            SELECT y.person_id, y.tax_year, SUM(y.annual_income) AS annual_income,
                   ROW_NUMBER() OVER (PARTITION BY y.person_id ORDER BY y.tax_year DESC) AS recency
            FROM (
                SELECT t.person_id, CAST(t.tax_year AS INT) AS tax_year, t.annual_income
                FROM {records("tax", "s.tax_year, s.annual_income")} t
                WHERE CAST(t.tax_year AS INT) >= {first}
            ) y
            GROUP BY y.person_id, y.tax_year
        ) z
        WHERE z.recency = 1""")
    union = "\n        UNION ALL".join(parts)
    return f"""
    SELECT x.person_id,
           CAST(SUM(x.pension) AS DECIMAL(14, 2)) AS pension,
           CAST(SUM(x.contribution) AS DECIMAL(14, 2)) AS contribution,
           CAST(SUM(x.fund_base) AS DECIMAL(14, 2)) AS fund_base,
           CAST(MAX(x.tax_monthly) AS DECIMAL(14, 2)) AS tax_monthly
    FROM ({union}
    ) x
    GROUP BY x.person_id
    """


def _first_tax_year(counting: FindingsProfile, month: datetime.date) -> int:
    """The oldest tax year the finding rules still read in that month (their ``tax_recent_years``)."""
    return month.year - counting.tax_recent_years.value + 1


def income_earlier_sql(context: MonitoringContext, counting: FindingsProfile) -> SqlStep:
    """The earlier period's income per person: one join of its datasets on the exact ID key."""
    params = Params()
    year, month = (int(part) for part in context.earlier_period.split("-"))
    first_year = _first_tax_year(counting, datetime.date(year, month, 1))

    def records(source: str, columns: str) -> str:
        return _earlier_records(source, columns, params)

    sql = _income_sql(context, counting, params, records, first_year)
    return SqlStep("income_earlier", sql, params.values)


def income_current_sql(context: MonitoringContext, counting: FindingsProfile) -> SqlStep:
    """The period's income per person, from the linked records as the finding rules read them."""
    params = Params()
    minimum = context.profile.min_match_probability.value

    def records(source: str, columns: str) -> str:
        return linked_records(source, columns, params, minimum)

    sql = _income_sql(context, counting, params, records, _first_tax_year(counting, context.as_of))
    return SqlStep("income_current", sql, params.values)


def _monthly_income(side: str) -> str:
    """Pensions plus the wage of one side (``e`` earlier, ``c`` current) of ``income_change``."""
    wage = f"GREATEST(coalesce(y.{side}_contribution, 0), coalesce(y.{side}_fund_base, 0))"
    return f"""CAST(coalesce(y.{side}_pension, 0)
                + CASE WHEN y.monthly_basis THEN {wage} ELSE coalesce(y.{side}_tax_monthly, 0) END
                AS DECIMAL(14, 2))"""


def income_change_sql(context: MonitoringContext) -> SqlStep:
    """Each person's monthly income before and after, counted the same way on both sides."""
    sides = ", ".join(
        f"{side}.{column} AS {side}_{column}"
        for side in ("e", "c")
        for column in ("pension", "contribution", "fund_base", "tax_monthly")
    )
    sql = f"""
    SELECT y.person_id, {_monthly_income("e")} AS income_before, {_monthly_income("c")} AS income_after
    FROM (
        SELECT coalesce(e.person_id, c.person_id) AS person_id, {sides},
               -- a monthly base in either period makes the wage monthly on both sides: the yearly tax
               -- figure beside it would keep last year's wage after a job is lost
               (e.contribution IS NOT NULL OR e.fund_base IS NOT NULL
                OR c.contribution IS NOT NULL OR c.fund_base IS NOT NULL) AS monthly_basis
        FROM income_earlier e
        FULL OUTER JOIN income_current c ON c.person_id = e.person_id
    ) y
    """
    return SqlStep("income_change", sql)


def signal_income_drop_sql(context: MonitoringContext) -> SqlStep:
    """收入下降: the monthly income fell by at least the share AND at least the amount of the profile, and
    whether the household (its cohabiting members) is left with no income in the departmental data."""
    if not context.income_sources:
        return SqlStep(
            "signal_income_drop",
            _empty(
                f"CAST(NULL AS BIGINT) AS person_id, {_NO_MONEY} AS income_before, "
                f"{_NO_MONEY} AS income_after, {_NO_MONEY} AS income_decrease, "
                "CAST(NULL AS BIGINT) AS decrease_percent, "
                "CAST(NULL AS BOOLEAN) AS household_without_income"
            ),
        )
    profile = context.profile
    params = Params()
    share = params.add("drop_share", profile.income_drop_share.value)
    amount = params.add("drop_amount", profile.income_drop_amount.value)
    sql = f"""
    SELECT ch.person_id, ch.income_before, ch.income_after,
           CAST(ch.income_before - ch.income_after AS DECIMAL(14, 2)) AS income_decrease,
           -- whole per cent, rounded down, on integer fen (no DOUBLE division)
           CAST((ch.income_before - ch.income_after) * 100 AS BIGINT) * 100
               // CAST(ch.income_before * 100 AS BIGINT) AS decrease_percent,
           coalesce(h.household_after, 0) = 0 AS household_without_income
    FROM income_change ch
    JOIN person_context c ON c.person_id = ch.person_id
    LEFT JOIN (
        SELECT m.household_id, SUM(i.income_after) AS household_after
        FROM income_change i
        JOIN person_context m ON m.person_id = i.person_id
        WHERE m.is_cohabiting
        GROUP BY m.household_id
    ) h ON h.household_id = c.household_id
    WHERE ch.income_before > 0
      AND ch.income_before - ch.income_after >= CAST({amount} AS DECIMAL(14, 2))
      -- the share as a product, not a quotient: exact in DECIMAL on both engines
      AND ch.income_before - ch.income_after >= CAST({share} AS DECIMAL(6, 4)) * ch.income_before
    """
    return SqlStep("signal_income_drop", sql, params.values)


def income_drop_steps(context: MonitoringContext, counting: FindingsProfile) -> list[SqlStep]:
    """The steps of 收入下降: both periods' incomes and their change (only when a source can be compared),
    then the signal."""
    steps = []
    if context.income_sources:
        steps += [
            income_earlier_sql(context, counting),
            income_current_sql(context, counting),
            income_change_sql(context),
        ]
    return [*steps, signal_income_drop_sql(context)]


# --- 低保边缘 and 刚性支出: the household's property and its rigid spending ------------------------------

PROPERTY_COLUMNS = (
    ("household_id", "BIGINT"),
    ("houses", "BIGINT"),
    ("house_area", "DECIMAL(14, 2)"),
    ("vehicles", "BIGINT"),
    ("vehicle_value", "DECIMAL(14, 2)"),
    ("deposit_total", "DECIMAL(18, 2)"),
    ("deposit_limit", "DECIMAL(18, 2)"),
    ("businesses", "BIGINT"),
    ("business_name", "VARCHAR"),
)
"""The figures of the property test, one row per household (NULL where a source says nothing)."""
PROPERTY_SOURCES = ("real_estate", "vehicles", "deposits", "businesses")


def _property_part(figures: dict[str, str], linked: str, alias: str, where: str) -> str:
    """One source's figures per household, the other figures NULL (so the parts line up in a UNION)."""
    columns = ", ".join(
        figures.get(name, f"CAST(NULL AS {type_})") + f" AS {name}" for name, type_ in PROPERTY_COLUMNS[1:]
    )
    return f"""
        SELECT c.household_id, {columns}
        FROM {linked} {alias}
        JOIN person_context c ON c.person_id = {alias}.person_id
        -- the property of the 共同生活家庭成员, as their income is counted
        WHERE c.is_cohabiting{where}
        GROUP BY c.household_id"""


def household_property_sql(context: MonitoringContext) -> SqlStep:
    """The households whose property exceeds the rules (财产状况符合规定, §1.2; S5 for 低保边缘 and 刚性支出),
    with the reason in Chinese. The test is the finding rules' test of recipients, with their limits
    (``context.counting``): more houses than allowed (by certificate), a non-exempt vehicle over the value
    limit, deposits over N months' standard × persons, a role in a live market entity. A source that did not
    arrive this month is left out of the test; with none, no household fails it."""
    counting = context.counting
    minimum = context.profile.min_match_probability.value
    params = Params()
    parts = []
    if context.has("real_estate"):
        linked = linked_records("real_estate", "s.certificate_number, s.area_m2", params, minimum)
        figures = {
            "houses": house_count_sql("r"),
            "house_area": "CAST(SUM(r.area_m2) AS DECIMAL(14, 2))",
        }
        parts.append(_property_part(figures, linked, "r", ""))
    if context.has("vehicles"):
        linked = linked_records(
            "vehicles", "s.vehicle_type, s.value_estimate, s.is_disability_vehicle", params, minimum
        )
        figures = {"vehicles": "COUNT(*)", "vehicle_value": "CAST(MAX(v.value_estimate) AS DECIMAL(14, 2))"}
        where = f"\n          AND {countable_vehicle_sql('v', params, counting)}"
        parts.append(_property_part(figures, linked, "v", where))
    if context.has("deposits"):
        linked = linked_records("deposits", "s.balance", params, minimum)
        limit = deposit_limit_sql(params, counting, "MIN(c.standard)", "MIN(c.persons)")
        figures = {
            "deposit_total": "CAST(SUM(d.balance) AS DECIMAL(18, 2))",
            "deposit_limit": f"CAST({limit} AS DECIMAL(18, 2))",
        }
        # without the standard there is no limit to compare with: that part is skipped
        parts.append(_property_part(figures, linked, "d", " AND c.standard IS NOT NULL AND c.persons > 0"))
    if context.has("businesses"):
        linked = linked_records("businesses", "s.uscc, s.enterprise_name, s.role, s.status", params, minimum)
        # one entity counts once, whatever roles the members hold in it
        figures = {"businesses": "COUNT(DISTINCT b.uscc)", "business_name": "MIN(b.enterprise_name)"}
        where = f" AND {live_business_role_sql('b', params, counting)}"
        parts.append(_property_part(figures, linked, "b", where))
    if not parts:
        return SqlStep(
            "household_property",
            _empty(
                ", ".join(f"CAST(NULL AS {type_}) AS {name}" for name, type_ in PROPERTY_COLUMNS)
                + ", CAST(NULL AS VARCHAR) AS property_basis"
            ),
        )
    max_houses = params.add("max_houses", counting.max_houses.value)
    aggregates = ", ".join(f"MAX(x.{name}) AS {name}" for name, _ in PROPERTY_COLUMNS[1:])
    union = "\n        UNION ALL".join(parts)
    vehicle_limit = params.add("vehicle_limit_text", yuan_text(counting.vehicle_value_limit.value))
    months = params.add("deposit_months_text", str(counting.deposit_months.value))
    # concat_ws skips NULLs on both engines: only the parts that fail are listed
    sql = f"""
    SELECT p.*, concat_ws('；',
           CASE WHEN p.houses > {max_houses} THEN '登记房产 ' || CAST(p.houses AS VARCHAR) || ' 套（建筑面积合计 '
                || {money_text("p.house_area", 2)} || ' 平方米），超过 ' || CAST({max_houses} AS VARCHAR) || ' 套' END,
           CASE WHEN p.vehicles > 0 THEN '非豁免车辆 ' || CAST(p.vehicles AS VARCHAR) || ' 辆（最高估值 '
                || {money_text("p.vehicle_value", 0)} || ' 元），超过 ' || {vehicle_limit} || ' 元' END,
           CASE WHEN p.deposit_total > p.deposit_limit THEN '存款合计 ' || {money_text("p.deposit_total", 2)}
                || ' 元，超过 ' || {months} || ' 个月低保标准 × 人数 = ' || {money_text("p.deposit_limit", 2)}
                || ' 元' END,
           CASE WHEN p.businesses > 0 THEN '担任存续市场主体' || p.business_name
                || CASE WHEN p.businesses > 1 THEN '等 ' || CAST(p.businesses AS VARCHAR) || ' 家' ELSE '' END
                || '的法定代表人或股东' END
           ) AS property_basis
    FROM (
        SELECT x.household_id, {aggregates}
        FROM ({union}
        ) x
        GROUP BY x.household_id
    ) p
    WHERE p.houses > {max_houses} OR p.vehicles > 0 OR p.deposit_total > p.deposit_limit OR p.businesses > 0
    """
    return SqlStep("household_property", sql, params.values)


def signal_education_sql(context: MonitoringContext) -> SqlStep:
    """Each linked student's yearly education cost: the ``students`` source carries no fee, so the cost is
    the profile's amount for the stage of the student's 学段 (义务教育 free of tuition). A student is counted
    once, at the costliest stage, however many records (terms, schools) the source holds."""
    if not context.has("students"):
        return SqlStep(
            "signal_education",
            _empty("CAST(NULL AS BIGINT) AS person_id, CAST(NULL AS DECIMAL(14, 2)) AS education_cost"),
        )
    profile = context.profile
    params = Params()
    linked = linked_records("students", "s.level", params, profile.min_match_probability.value)
    costs = profile.education_costs.value
    whens = " ".join(
        f"WHEN {params.add(f'level_{i}', level)} "
        f"THEN CAST({params.add(f'level_{i}_cost', costs[stage])} AS DECIMAL(14, 2))"
        for i, (level, stage) in enumerate(profile.education_stage_of_level.value.items())
    )
    sql = f"""
    SELECT st.person_id,
           MAX(CASE st.level {whens} ELSE CAST(0 AS DECIMAL(14, 2)) END) AS education_cost
    FROM {linked} st
    GROUP BY st.person_id
    """
    return SqlStep("signal_education", sql, params.values)


def household_spending_sql(context: MonitoringContext) -> SqlStep:
    """刚性支出 of each household with any: its cohabiting members' out-of-pocket medical costs over the
    look-back (``signal_medical``) and their yearly education costs (``signal_education``)."""
    sql = """
    SELECT c.household_id,
           CAST(SUM(coalesce(m.medical_total, 0)) AS DECIMAL(14, 2)) AS household_medical,
           CAST(SUM(coalesce(e.education_cost, 0)) AS DECIMAL(14, 2)) AS household_education,
           COUNT(e.person_id) AS household_students
    FROM person_context c
    LEFT JOIN signal_medical m ON m.person_id = c.person_id
    LEFT JOIN signal_education e ON e.person_id = c.person_id
    WHERE c.is_cohabiting AND (m.person_id IS NOT NULL OR e.person_id IS NOT NULL)
    GROUP BY c.household_id
    """
    return SqlStep("household_spending", sql)


def person_signals_sql(context: MonitoringContext) -> SqlStep:
    """``person_context`` with every signal beside it (one row per person)."""
    sql = """
    SELECT c.*, m.medical_total, m.settlements, d.min_grade, d.new_severe_grade, d.disability_category,
           st.difficulty_rank, st.school, u.unemployed_since, dt.death_date, f.fanpin_category,
           i.income_before, i.income_after, i.income_decrease, i.decrease_percent, i.household_without_income,
           hp.household_id IS NOT NULL AS property_exceeds, hp.property_basis,
           coalesce(hs.household_medical, CAST(0 AS DECIMAL(14, 2))) AS household_medical,
           coalesce(hs.household_education, CAST(0 AS DECIMAL(14, 2))) AS household_education,
           coalesce(hs.household_students, 0) AS household_students
    FROM person_context c
    LEFT JOIN signal_medical m ON m.person_id = c.person_id
    LEFT JOIN signal_disability d ON d.person_id = c.person_id
    LEFT JOIN signal_student st ON st.person_id = c.person_id
    LEFT JOIN signal_unemployed u ON u.person_id = c.person_id
    LEFT JOIN signal_death dt ON dt.person_id = c.person_id
    LEFT JOIN signal_fanpin f ON f.person_id = c.person_id
    LEFT JOIN signal_income_drop i ON i.person_id = c.person_id
    LEFT JOIN household_property hp ON hp.household_id = c.household_id
    LEFT JOIN household_spending hs ON hs.household_id = c.household_id
    """
    return SqlStep("person_signals", sql)


def person_categories_sql(context: MonitoringContext) -> SqlStep:
    """The first category that applies to each person (people in none are left out).

    低保边缘 and 刚性支出 are tests of the household (every member gets the category): not covered, its
    property within the rules (``household_property``) and its income under the line — 1.5 × the standard
    for 低保边缘; the previous year's per-capita disposable income for 刚性支出, whose rigid spending (the
    members' medical and education costs, ``household_spending``) must also exceed the ratio of the annual
    income. A household over the property rules may still be 其他困难人员; its basis then says why it is
    neither of the two."""
    profile = context.profile
    params = Params()
    value = {category: params.add(f"category_{category}", str(category)) for category in Category}
    edge = params.add("edge_multiple", profile.edge_multiple.value)
    ratio = params.add("rigid_ratio", profile.rigid_ratio.value)
    lines = profile.disposable_income_line.value
    # the line of the person's side (urban or rural, the registry's flag of the household's place)
    line = f"""CAST(CASE s.urban_rural WHEN {params.add("urban", "urban")}
                    THEN {params.add("disposable_urban", lines["urban"])}
                    ELSE {params.add("disposable_rural", lines["rural"])} END AS DECIMAL(14, 2))"""
    other = params.add("other_multiple", profile.other_income_multiple.value)
    max_grade = params.add("max_grade", profile.severe_disability_max_grade.value)
    illness_line = params.add("illness_line", profile.illness_lines.value[0])
    known = "NOT s.is_recipient AND s.has_means AND s.persons > 0 AND s.standard IS NOT NULL"
    hardship = f"""(coalesce(s.medical_total, 0) >= CAST({illness_line} AS DECIMAL(14, 2))
                    OR coalesce(s.min_grade, 9) <= {max_grade}
                    OR s.difficulty_rank IS NOT NULL OR s.unemployed_since IS NOT NULL)"""
    edge_income = f"s.net_monthly_income < CAST({edge} AS DECIMAL(6, 2)) * s.standard * s.persons"
    # both sides as yearly household totals: no division, exact in DECIMAL on both engines
    rigid = f"""(NOT s.is_recipient AND s.has_means AND s.persons > 0
                 AND s.net_monthly_income * 12 < {line} * s.persons
                 AND s.household_medical + s.household_education > 0
                 AND s.household_medical + s.household_education
                     > CAST({ratio} AS DECIMAL(6, 2)) * s.net_monthly_income * 12)"""
    layers = " ".join(
        f"WHEN {value[category]} THEN {params.add(f'layer_{category}', int(LAYER_OF[category]))}"
        for category in Category
    )
    lookback = params.add("lookback_text", str(profile.lookback_months.value))
    edge_text = params.add("edge_text", f"{profile.edge_multiple.value:g}")
    ratio_text = params.add("ratio_text", f"{float(profile.rigid_ratio.value) * 100:g}")
    # 元/人·年 rounded down to the fen on integer fen: DuckDB would divide the decimals as DOUBLE
    per_capita_year = """CAST(CAST(CAST(s.net_monthly_income * 1200 AS BIGINT) // s.persons AS DECIMAL(18, 0))
                   * CAST(0.01 AS DECIMAL(3, 2)) AS DECIMAL(14, 2))"""
    sql = f"""
    SELECT {params.add("period", context.period)} AS period, y.person_id, y.household_id, y.region_code,
           y.category, CASE y.category {layers} END AS layer,
           CASE y.category
               WHEN {value[Category.DIBAO]} THEN '享受最低生活保障'
               WHEN {value[Category.TEKUN]} THEN '享受特困人员救助供养'
               WHEN {value[Category.FANPIN]} THEN '防止返贫监测对象（' || y.fanpin_category || '）'
               WHEN {value[Category.EDGE]} THEN '家庭人均月收入 ' || {money_text("y.per_capita", 2)}
                   || ' 元，低于低保标准的 ' || {edge_text} || ' 倍'
               WHEN {value[Category.RIGID]} THEN '刚性支出 ' || {money_text("y.rigid_total", 2)}
                   || ' 元（近 ' || {lookback} || ' 个月医疗自付 ' || {money_text("y.household_medical", 2)}
                   || ' 元、教育支出 ' || {money_text("y.household_education", 2)} || ' 元），超过家庭年收入的 '
                   || {ratio_text} || '%；家庭人均年收入 ' || {money_text("y.per_capita_year", 2)}
                   || ' 元，低于上年度居民人均可支配收入 ' || {money_text("y.disposable_line", 0)} || ' 元'
               ELSE '有重病、重残、就学或失业困难，家庭人均月收入 ' || {money_text("y.per_capita", 2)} || ' 元'
                   || CASE WHEN y.property_exceeds THEN '；家庭财产超出规定（' || y.property_basis || '）'
                           || CASE WHEN y.edge_income THEN '，不属于低保边缘家庭'
                                   WHEN y.rigid_spending THEN '，不属于刚性支出困难家庭'
                                   ELSE '' END
                      ELSE '' END
           END AS basis
    FROM (
        SELECT s.person_id, s.household_id, s.region_code, s.fanpin_category, s.property_exceeds,
               s.property_basis, s.household_medical, s.household_education,
               CAST(s.household_medical + s.household_education AS DECIMAL(14, 2)) AS rigid_total,
               CASE WHEN s.persons > 0 THEN CAST(s.net_monthly_income AS DECIMAL(14, 2)) / s.persons END
                   AS per_capita,
               CASE WHEN s.persons > 0 THEN {per_capita_year} END AS per_capita_year, {line} AS disposable_line,
               coalesce({known} AND {edge_income}, FALSE) AS edge_income,
               coalesce({rigid}, FALSE) AS rigid_spending,
               CASE WHEN s.on_dibao THEN {value[Category.DIBAO]}
                    WHEN s.on_tekun THEN {value[Category.TEKUN]}
                    WHEN s.fanpin_category IS NOT NULL THEN {value[Category.FANPIN]}
                    WHEN {known} AND NOT s.property_exceeds AND {edge_income} THEN {value[Category.EDGE]}
                    WHEN NOT s.property_exceeds AND {rigid} THEN {value[Category.RIGID]}
                    WHEN {known} AND {hardship}
                         AND s.net_monthly_income < CAST({other} AS DECIMAL(6, 2)) * s.standard * s.persons
                         THEN {value[Category.OTHER]}
               END AS category
        FROM person_signals s
    ) y
    WHERE y.category IS NOT NULL
    """
    return SqlStep("person_categories", sql, params.values)


def warning_signals_sql(context: MonitoringContext) -> SqlStep:
    """One row per (person, signal) for everyone in a household with a categorised member."""
    profile = context.profile
    params = Params()
    general, serious, severe = (
        params.add(f"illness_{i}", line) for i, line in enumerate(profile.illness_lines.value)
    )
    grades = case_labels("CAST(s.new_severe_grade AS VARCHAR)", GRADE_LABELS, params, "grade")
    lv = {level: params.add(f"level_{level}", str(level)) for level in WarningLevel}
    sig = {signal: params.add(f"signal_{signal}", str(signal)) for signal in Signal}
    lookback = params.add("lookback_text", str(profile.lookback_months.value))
    earlier = params.add("earlier_period", context.earlier_period)
    period = params.add("period_text", context.period)
    columns = "s.person_id, s.household_id, s.region_code, s.is_recipient, s.has_live_entitlement"
    monitored = "FROM person_signals s WHERE s.household_id IN (SELECT household_id FROM person_categories)"
    sql = f"""
    SELECT {columns}, {sig[Signal.ILLNESS]} AS signal,
           CASE WHEN s.medical_total >= CAST({severe} AS DECIMAL(14, 2)) THEN {lv[WarningLevel.SEVERE]}
                WHEN s.medical_total >= CAST({serious} AS DECIMAL(14, 2)) THEN {lv[WarningLevel.SERIOUS]}
                ELSE {lv[WarningLevel.GENERAL]} END AS level,
           '近 ' || {lookback} || ' 个月医疗自付 ' || {money_text("s.medical_total", 2)} || ' 元（'
               || CAST(s.settlements AS VARCHAR) || ' 次结算）' AS detail
    {monitored} AND s.medical_total >= CAST({general} AS DECIMAL(14, 2))
    UNION ALL
    SELECT {columns}, {sig[Signal.DISABILITY]} AS signal,
           CASE WHEN s.new_severe_grade = 1 THEN {lv[WarningLevel.SEVERE]} ELSE {lv[WarningLevel.SERIOUS]} END,
           '新办残疾人证：' || s.disability_category || '残疾' || {grades}
    {monitored} AND s.new_severe_grade IS NOT NULL
    UNION ALL
    SELECT {columns}, {sig[Signal.SCHOOLING]} AS signal,
           CASE WHEN s.difficulty_rank = 3 THEN {lv[WarningLevel.SERIOUS]} ELSE {lv[WarningLevel.GENERAL]} END,
           '家庭经济困难学生（' || s.school || '）'
    {monitored} AND s.difficulty_rank IS NOT NULL
    UNION ALL
    SELECT {columns}, {sig[Signal.UNEMPLOYMENT]} AS signal,
           CASE WHEN coalesce(s.net_monthly_income, 0) = 0 THEN {lv[WarningLevel.SERIOUS]}
                ELSE {lv[WarningLevel.GENERAL]} END,
           CAST(s.unemployed_since AS VARCHAR) || ' 登记失业'
               || CASE WHEN coalesce(s.net_monthly_income, 0) = 0 THEN '，家庭无其他收入' ELSE '' END
    {monitored} AND s.unemployed_since IS NOT NULL
    UNION ALL
    SELECT {columns}, {sig[Signal.DEATH]} AS signal,
           CASE WHEN s.has_live_entitlement THEN {lv[WarningLevel.SEVERE]} ELSE {lv[WarningLevel.SERIOUS]} END,
           CAST(s.death_date AS VARCHAR) || ' 死亡'
               || CASE WHEN s.has_live_entitlement THEN '，仍在享受救助待遇' ELSE '' END
    {monitored} AND s.death_date IS NOT NULL
    UNION ALL
    SELECT {columns}, {sig[Signal.INCOME_DROP]} AS signal,
           CASE WHEN s.household_without_income THEN {lv[WarningLevel.SERIOUS]}
                ELSE {lv[WarningLevel.GENERAL]} END,
           '部门数据月收入由 ' || {money_text("s.income_before", 2)} || ' 元/月（' || {earlier} || '）降至 '
               || {money_text("s.income_after", 2)} || ' 元/月（' || {period} || '），减少 '
               || {money_text("s.income_decrease", 2)} || ' 元/月（'
               || CAST(s.decrease_percent AS VARCHAR) || '%）'
               || CASE WHEN s.household_without_income THEN '，家庭成员已无收入' ELSE '' END
    {monitored} AND s.income_before IS NOT NULL
    """
    return SqlStep("warning_signals", sql, params.values)


def warnings_sql(context: MonitoringContext) -> SqlStep:
    """The route of each warning (分类处置)."""
    params = Params()
    heavy = params.in_list("heavy", [str(WarningLevel.SERIOUS), str(WarningLevel.SEVERE)])
    route = {r: params.add(f"route_{r}", str(r)) for r in Route}
    death = params.add("death", str(Signal.DEATH))
    sql = f"""
    SELECT {params.add("period", context.period)} AS period, w.person_id, w.household_id, w.region_code,
           w.signal, w.level,
           CASE WHEN w.signal = {death} AND w.has_live_entitlement THEN {route[Route.VERIFY]}
                WHEN SUM(CASE WHEN w.level IN {heavy} THEN 1 ELSE 0 END) OVER (PARTITION BY w.person_id) >= 2
                     THEN {route[Route.CASE_BY_CASE]}
                WHEN w.is_recipient THEN {route[Route.DELIVER]}
                ELSE {route[Route.PUSH]} END AS route,
           w.detail
    FROM warning_signals w
    """
    return SqlStep("warnings", sql, params.values)


SIGNAL_STEPS: tuple[Callable[[MonitoringContext], SqlStep], ...] = (
    signal_medical_sql,
    signal_disability_sql,
    signal_student_sql,
    signal_unemployed_sql,
    signal_death_sql,
    signal_fanpin_sql,
)


def monitoring_steps(context: MonitoringContext) -> list[SqlStep]:
    shared = FindingContext(context.counting, context.period, context.as_of, context.available)
    return [
        *shared_steps(shared),
        *(build(context) for build in SIGNAL_STEPS),
        # the income is counted as the finding rules count it (their profile's pension and wage kinds)
        *income_drop_steps(context, context.counting),
        signal_education_sql(context),
        household_property_sql(context),
        household_spending_sql(context),
        person_signals_sql(context),
        person_categories_sql(context),
        warning_signals_sql(context),
        warnings_sql(context),
    ]
