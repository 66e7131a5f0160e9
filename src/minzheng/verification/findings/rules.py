"""The finding rules as SQL builders: one ``<code>_sql(context)`` per finding code, each over
(links ⋈ departmental source ⋈ registry snapshot).

Inputs (names of the tables registered on the engine):

* ``people`` — person_id, household_id, id_number, name, birth_date, region_code, urban_rural,
  is_cohabiting (the registry snapshot: each person's current household);
* ``entitlements`` — person_id, household_id, scheme: the entitlements in force (active or suspended);
* ``household_means`` — household_id, persons, net_monthly_income, standard (the dibao standard of the
  household's place, 元/人·月);
* one table per departmental source (``deaths``, ``vehicles`` …, columns as in the lake contracts) and its
  links ``<source>_links`` (record_id, person_id, method "exact"|"fuzzy", match_weight, match_probability,
  explanation).

Every rule returns rows of :data:`FINDING_COLUMNS`. Aggregated findings (a death reported by three
departments, the houses or deposits of a household, a person's pensions) carry the smallest record id of
their evidence, so that next month's run recognises them by the same fingerprint while that record lasts.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from minzheng.assistance.models import Scheme

from .codes import SOURCE_OF, FindingCode
from .profile import FindingsProfile
from .sqlkit import Params, SqlStep, case_labels, identifier, money_text

FINDING_COLUMNS = (
    "finding_code",
    "person_id",
    "household_id",
    "source",
    "period",
    "record_id",
    "match_method",
    "match_weight",
    "evidence",
    "fingerprint",
)
FINGERPRINT_SEPARATOR = "|"

REGISTRY = "registry"  # findings read from the registry snapshot alone
DIBAO, TEKUN = str(Scheme.DIBAO), str(Scheme.TEKUN)
GRADE_LABELS = (("1", "一级"), ("2", "二级"), ("3", "三级"), ("4", "四级"))


def fingerprint(code: str, person_id: int, source: str, record_id: str) -> str:
    """The same hash the SQL computes: a finding seen again on the next run keeps its fingerprint."""
    text_ = FINGERPRINT_SEPARATOR.join((code, str(person_id), source, record_id))
    return hashlib.sha256(text_.encode()).hexdigest()


def yuan_text(amount: Decimal | int, decimals: int = 0) -> str:
    """A threshold shown in evidence, formatted in Python (``20,000``)."""
    return f"{Decimal(amount):,.{decimals}f}"


@dataclass(frozen=True)
class FindingContext:
    """What every builder needs: the thresholds, the run's period and date, and which inputs exist."""

    profile: FindingsProfile
    period: str  # "2023-06"
    as_of: datetime.date  # ages and look-back windows are counted to this day
    available: frozenset[str]  # names of the registered tables

    def has(self, source: str) -> bool:
        return source in self.available and f"{source}_links" in self.available


# --- the common step -----------------------------------------------------------------------------------------


def person_context_sql(context: FindingContext) -> SqlStep:
    """One row per registry person: household means, coverage flags and age (shared with monitoring).

    ``is_recipient``: a cohabiting member of a household with a live dibao entitlement, or a person with a
    live 特困 entitlement — the people whose means the rules test (recipient side); everyone else is on the
    coverage side. ``has_live_entitlement`` (any scheme, or a dibao household) decides who a death concerns.
    """
    params = Params()
    as_of = f"CAST({params.add('as_of', context.as_of)} AS DATE)"
    sql = f"""
    SELECT p.person_id, p.household_id, p.region_code, p.urban_rural, p.birth_date,
           coalesce(p.is_cohabiting, TRUE) AS is_cohabiting,
           m.household_id IS NOT NULL AS has_means,
           m.persons, m.net_monthly_income, m.standard,
           coalesce(hd.on_dibao, FALSE) AS household_on_dibao,
           coalesce(pe.on_dibao, FALSE) AS on_dibao,
           coalesce(pe.on_tekun, FALSE) AS on_tekun,
           coalesce(pe.live_entitlements, 0) AS live_entitlements,
           (coalesce(hd.on_dibao, FALSE) AND coalesce(p.is_cohabiting, TRUE)) OR coalesce(pe.on_tekun, FALSE)
               AS is_recipient,
           coalesce(hd.on_dibao, FALSE) OR coalesce(pe.live_entitlements, 0) > 0 AS has_live_entitlement,
           CASE WHEN coalesce(pe.on_tekun, FALSE) THEN '特困人员'
                WHEN coalesce(hd.on_dibao, FALSE) THEN '低保家庭成员'
                ELSE '救助对象' END AS recipient_label,
           -- full years at as_of: year difference, minus one before the birthday
           year({as_of}) - year(p.birth_date)
               - CASE WHEN month({as_of}) * 100 + day({as_of}) < month(p.birth_date) * 100 + day(p.birth_date)
                      THEN 1 ELSE 0 END AS age
    FROM people p
    LEFT JOIN household_means m ON m.household_id = p.household_id
    LEFT JOIN (
        SELECT household_id, TRUE AS on_dibao FROM entitlements
        WHERE scheme = {params.add("dibao", DIBAO)} GROUP BY household_id
    ) hd ON hd.household_id = p.household_id
    LEFT JOIN (
        SELECT person_id,
               MAX(CASE WHEN scheme = {params.add("dibao", DIBAO)} THEN 1 ELSE 0 END) = 1 AS on_dibao,
               MAX(CASE WHEN scheme = {params.add("tekun", TEKUN)} THEN 1 ELSE 0 END) = 1 AS on_tekun,
               COUNT(*) AS live_entitlements
        FROM entitlements GROUP BY person_id
    ) pe ON pe.person_id = p.person_id
    """
    return SqlStep("person_context", sql, params.values)


# --- helpers of the rules ------------------------------------------------------------------------------------


LINKED_SUFFIX = "_linked"
"""``<source>_linked``: the source's linked records with their links' columns (linked_table_sql)."""


def linked_table_sql(source: str, *, fuzzy_only: bool = False) -> SqlStep:
    """``<source>_linked``: every record of the source that is linked to a registry person, with the link as
    link_person_id, link_method, link_match_weight and link_match_probability (a record linked to two
    people, who share an ID number, appears twice). Made once a run for the findings and the monitoring
    both: of deposits' 20 million records a few thousand are linked, and finding them is a scan.

    `fuzzy_only`: the fuzzily linked records alone. Each has an ID the lake checked as not valid
    (matching.sql.fuzzy_records_sql), and the lake keeps those in its first row groups
    (storage.lake_order): the scan skips the others by their statistics (``minzheng verify`` takes the
    exact links' records from the exact join itself)."""
    source = identifier(source)
    columns = ", ".join(f"s.{identifier(column)}" for column in LINKED_COLUMNS[source])
    fuzzy = (
        "\n      AND l.method <> 'exact' AND (s.id_status IS NULL OR s.id_status <> 'valid')"
        if fuzzy_only
        else ""
    )
    sql = f"""
    SELECT s.record_id, {columns}, l.person_id AS link_person_id, l.method AS link_method,
           l.match_weight AS link_match_weight, l.match_probability AS link_match_probability
    FROM {source} s
    JOIN {source}_links l ON l.record_id = s.record_id
    WHERE l.person_id IS NOT NULL{fuzzy}
    """
    return SqlStep(identifier(source + LINKED_SUFFIX), sql)


LINKED_COLUMNS: dict[str, tuple[str, ...]] = {
    "deaths": ("death_date", "source_department"),
    "vehicles": ("plate_number", "vehicle_type", "value_estimate", "is_disability_vehicle"),
    "real_estate": ("certificate_number", "area_m2"),
    "businesses": ("uscc", "enterprise_name", "role", "share_amount", "status"),
    "pensions": ("kind", "monthly_amount"),
    "unemployment": ("registered_on", "status"),
    "housing_fund": ("employer", "monthly_deposit", "wage_base"),
    "tax": ("annual_income", "tax_year"),
    "deposits": ("bank", "balance"),
    "disability": ("category", "grade", "issued_on"),
    "medical": ("out_of_pocket", "settled_on"),
    "students": ("school", "level", "difficulty"),
    "fanpin": ("household_number", "category", "is_relocated"),
}
"""The columns of each source that the finding and monitoring rules read, carried into ``<source>_linked``
(a rule reading another is refused when its SQL is built: linked_records). Not the identity columns, which
the link stands for: reading every column of 20 million deposits would cost more than the join."""


def linked_sources(available: frozenset[str]) -> list[str]:
    """The sources among `available` that have their links too, in name order."""
    return sorted(name for name in LINKED_COLUMNS if name in available and f"{name}_links" in available)


def shared_steps(context: FindingContext) -> list[SqlStep]:
    """The steps the findings and the monitoring both read: ``person_context`` and every linked source's
    ``<source>_linked``, each left out when its table is among the inputs already (``minzheng verify``
    computes them once and gives them to both)."""
    steps = [
        linked_table_sql(source)
        for source in linked_sources(context.available)
        if source + LINKED_SUFFIX not in context.available
    ]
    if "person_context" not in context.available:
        steps.append(person_context_sql(context))
    return steps


def linked_records(source: str, columns: str, params: Params, min_probability: Decimal) -> str:
    """The source's records with the person each is linked to: exact links, and fuzzy ones above the
    profile's probability (a weak fuzzy link must not send staff to the wrong family). From
    ``<source>_linked`` (`columns` name the source's columns as ``s.<column>``)."""
    linked = identifier(identifier(source) + LINKED_SUFFIX)
    uncarried = set(re.findall(r"\bs\.(\w+)", columns)) - set(LINKED_COLUMNS[source])
    if uncarried:
        raise ValueError(f"{source}: columns not in LINKED_COLUMNS: {sorted(uncarried)}")
    minimum = params.add("min_match_probability", float(min_probability))
    return f"""(
        SELECT s.record_id, {columns}, s.link_person_id AS person_id, s.link_method AS match_method,
               s.link_match_weight AS match_weight
        FROM {linked} s
        WHERE s.link_method = 'exact' OR s.link_match_probability >= CAST({minimum} AS DOUBLE)
    )"""


def _finding(
    code: FindingCode, inner: str, evidence: str, params: Params, context: FindingContext
) -> SqlStep:
    """Wrap a rule's rows (person_id, household_id, record_id, match_method, match_weight and its figures)
    into the finding columns, with the evidence text and the fingerprint."""
    source = SOURCE_OF[code]
    code_param = params.add("code", str(code))
    source_param = params.add("source", source)
    sql = f"""
    SELECT {code_param} AS finding_code,
           CAST(x.person_id AS BIGINT) AS person_id,
           CAST(x.household_id AS BIGINT) AS household_id,
           {source_param} AS source,
           {params.add("period", context.period)} AS period,
           CAST(x.record_id AS VARCHAR) AS record_id,
           CAST(x.match_method AS VARCHAR) AS match_method,
           CAST(x.match_weight AS DOUBLE) AS match_weight,
           {evidence} AS evidence,
           sha256(concat_ws('{FINGERPRINT_SEPARATOR}', {code_param}, CAST(x.person_id AS VARCHAR), {source_param},
                            CAST(x.record_id AS VARCHAR))) AS fingerprint
    FROM ({inner}) x
    """
    return SqlStep(f"finding_{code}", sql, params.values)


def _edge_line(params: Params, profile: FindingsProfile) -> str:
    """The 低保边缘 line of the household: multiple × standard × persons (monthly, whole household)."""
    multiple = params.add("edge_multiple", profile.edge_multiple.value)
    return f"CAST({multiple} AS DECIMAL(6, 2)) * c.standard * c.persons"


# --- the property tests (shared with monitoring: the same counting, the same limits) ----------------------


def house_count_sql(alias: str) -> str:
    """The houses of a group of ``real_estate`` records, counted by certificate: a house held jointly by two
    members counts once."""
    return f"COUNT(DISTINCT {alias}.certificate_number)"


def countable_vehicle_sql(alias: str, params: Params, profile: FindingsProfile) -> str:
    """A ``vehicles`` record the property test counts: worth more than the limit and not exempt (残疾人机动
    轮椅车 and vehicles adapted for a disabled driver are kept: 维持生活必需的财产)."""
    limit = params.add("vehicle_value_limit", profile.vehicle_value_limit.value)
    exempt = params.in_list("exempt_type", profile.vehicle_exempt_types.value)
    return f"""{alias}.value_estimate > CAST({limit} AS DECIMAL(14, 2))
      AND {alias}.vehicle_type NOT IN {exempt}
      AND NOT coalesce({alias}.is_disability_vehicle, FALSE)"""


def live_business_role_sql(alias: str, params: Params, profile: FindingsProfile) -> str:
    """A ``businesses`` record the property test counts: legal representative or shareholder of a live
    (存续) entity; 注销 and 吊销 entities do not count."""
    roles = params.in_list("role", profile.business_roles.value)
    statuses = params.in_list("live_status", profile.business_live_statuses.value)
    return f"{alias}.role IN {roles} AND {alias}.status IN {statuses}"


def deposit_limit_sql(params: Params, profile: FindingsProfile, standard: str, persons: str) -> str:
    """The household's deposit limit: N months' dibao standard × persons (人均 N 个月)."""
    months = params.add("deposit_months", profile.deposit_months.value)
    return f"CAST({months} AS INT) * {standard} * {persons}"


# --- recipient side ------------------------------------------------------------------------------------------


def death_sql(context: FindingContext) -> SqlStep:
    """死亡: a department reports the death of someone with a live entitlement (or of a member of a dibao
    household). One finding per person however many departments report it."""
    params = Params()
    linked = linked_records(
        "deaths", "s.death_date, s.source_department", params, context.profile.min_match_probability.value
    )
    inner = f"""
    SELECT c.person_id, c.household_id, MIN(d.record_id) AS record_id, MIN(d.match_method) AS match_method,
           MAX(d.match_weight) AS match_weight, MIN(d.death_date) AS death_date,
           COUNT(DISTINCT d.source_department) AS departments, MIN(d.source_department) AS department,
           MIN(c.recipient_label) AS recipient_label
    FROM {linked} d
    JOIN person_context c ON c.person_id = d.person_id
    WHERE c.has_live_entitlement
    GROUP BY c.person_id, c.household_id
    """
    evidence = """'死亡：' || x.department
        || CASE WHEN x.departments > 1 THEN '等' || CAST(x.departments AS VARCHAR) || '个部门' ELSE '' END
        || '报告于 ' || CAST(x.death_date AS VARCHAR) || ' 死亡，仍为' || x.recipient_label"""
    return _finding(FindingCode.DEATH, inner, evidence, params, context)


def vehicle_sql(context: FindingContext) -> SqlStep:
    """车辆: a recipient owns a non-exempt vehicle worth more than the limit (残疾人机动轮椅车 and vehicles
    adapted for a disabled driver are exempt)."""
    profile = context.profile
    params = Params()
    linked = linked_records(
        "vehicles",
        "s.plate_number, s.vehicle_type, s.value_estimate, s.is_disability_vehicle",
        params,
        profile.min_match_probability.value,
    )
    inner = f"""
    SELECT c.person_id, c.household_id, v.record_id, v.match_method, v.match_weight,
           v.vehicle_type, v.plate_number, v.value_estimate
    FROM {linked} v
    JOIN person_context c ON c.person_id = v.person_id
    WHERE c.is_recipient
      AND {countable_vehicle_sql("v", params, profile)}
    """
    limit_text = params.add("vehicle_limit_text", yuan_text(profile.vehicle_value_limit.value))
    evidence = f"""'车管：' || x.vehicle_type || ' ' || x.plate_number || '，估值 '
        || {money_text("x.value_estimate", 0)} || ' 元，超过 ' || {limit_text} || ' 元'"""
    return _finding(FindingCode.VEHICLE, inner, evidence, params, context)


def real_estate_sql(context: FindingContext) -> SqlStep:
    """房产: the members of a recipient household hold more houses than allowed (counted by certificate,
    so a house held jointly by two members counts once). One finding per household."""
    profile = context.profile
    params = Params()
    linked = linked_records(
        "real_estate", "s.certificate_number, s.area_m2", params, profile.min_match_probability.value
    )
    max_houses = params.add("max_houses", profile.max_houses.value)
    inner = f"""
    SELECT MIN(c.person_id) AS person_id, c.household_id, MIN(r.record_id) AS record_id,
           MIN(r.match_method) AS match_method, MAX(r.match_weight) AS match_weight,
           {house_count_sql("r")} AS houses, SUM(r.area_m2) AS area
    FROM {linked} r
    JOIN person_context c ON c.person_id = r.person_id
    WHERE c.is_recipient
    GROUP BY c.household_id
    HAVING {house_count_sql("r")} > {max_houses}
    """
    max_text = params.add("max_houses_text", str(profile.max_houses.value))
    evidence = f"""'不动产：该户登记房产 ' || CAST(x.houses AS VARCHAR) || ' 套（建筑面积合计 '
        || {money_text("x.area", 2)} || ' 平方米），超过 ' || {max_text} || ' 套'"""
    return _finding(FindingCode.REAL_ESTATE, inner, evidence, params, context)


def business_sql(context: FindingContext) -> SqlStep:
    """市场主体: a recipient is the legal representative or a shareholder of a live (存续) entity;
    注销 and 吊销 entities do not count."""
    profile = context.profile
    params = Params()
    linked = linked_records(
        "businesses",
        "s.uscc, s.enterprise_name, s.role, s.share_amount, s.status",
        params,
        profile.min_match_probability.value,
    )
    inner = f"""
    SELECT c.person_id, c.household_id, b.record_id, b.match_method, b.match_weight,
           b.uscc, b.enterprise_name, b.role, b.share_amount, b.status
    FROM {linked} b
    JOIN person_context c ON c.person_id = b.person_id
    WHERE c.is_recipient AND {live_business_role_sql("b", params, profile)}
    """
    evidence = f"""'市场监管：' || x.enterprise_name || '（' || x.uscc || '）' || x.role
        || CASE WHEN x.share_amount IS NOT NULL AND x.share_amount > 0
                THEN '，认缴出资 ' || {money_text("x.share_amount", 0)} || ' 元' ELSE '' END
        || '，登记状态 ' || x.status"""
    return _finding(FindingCode.BUSINESS, inner, evidence, params, context)


def _monthly_income_sql(
    code: FindingCode, kinds: tuple[str, ...], context: FindingContext, label: str
) -> SqlStep:
    profile = context.profile
    params = Params()
    linked = linked_records(
        "pensions", "s.kind, s.monthly_amount", params, profile.min_match_probability.value
    )
    kind_list = params.in_list("kind", kinds)
    multiple = params.add("income_multiple", profile.income_multiple.value)
    inner = f"""
    SELECT y.*, CAST({multiple} AS DECIMAL(6, 2)) * y.standard AS threshold FROM (
        SELECT c.person_id, c.household_id, MIN(p.record_id) AS record_id, MIN(p.match_method) AS match_method,
               MAX(p.match_weight) AS match_weight, MIN(p.kind) AS kind, COUNT(*) AS items,
               SUM(p.monthly_amount) AS total, MIN(c.standard) AS standard
        FROM {linked} p
        JOIN person_context c ON c.person_id = p.person_id
        WHERE c.is_recipient AND p.kind IN {kind_list} AND c.standard IS NOT NULL
        GROUP BY c.person_id, c.household_id
    ) y
    WHERE y.total > CAST({multiple} AS DECIMAL(6, 2)) * y.standard
    """
    evidence = f"""'人社：' || x.kind
        || CASE WHEN x.items > 1 THEN '等' || CAST(x.items AS VARCHAR) || '项' ELSE '' END
        || ' {label}' || {money_text("x.total", 2)} || ' 元，超过低保标准 '
        || {money_text("x.threshold", 2)} || ' 元/人·月'"""
    return _finding(code, inner, evidence, params, context)


def pension_income_sql(context: FindingContext) -> SqlStep:
    """养老金: a recipient's counted pensions (not the 城乡居民基础养老金, excluded during the 十四五 period)
    exceed the household's dibao standard per person."""
    kinds = context.profile.counted_pension_kinds.value
    return _monthly_income_sql(FindingCode.PENSION_INCOME, kinds, context, "每月合计 ")


def wage_income_sql(context: FindingContext) -> SqlStep:
    """工资: a recipient's social-insurance contribution base (a floor of the wage) exceeds the standard."""
    kinds = context.profile.wage_kinds.value
    return _monthly_income_sql(FindingCode.WAGE_INCOME, kinds, context, "每月 ")


def tax_income_sql(context: FindingContext) -> SqlStep:
    """个税: a recent year's declared annual income ÷ 12 exceeds the standard."""
    profile = context.profile
    params = Params()
    linked = linked_records("tax", "s.annual_income, s.tax_year", params, profile.min_match_probability.value)
    first_year = params.add("first_tax_year", context.as_of.year - profile.tax_recent_years.value + 1)
    multiple = params.add("income_multiple", profile.income_multiple.value)
    inner = f"""
    SELECT c.person_id, c.household_id, t.record_id, t.match_method, t.match_weight,
           t.tax_year, t.annual_income, t.annual_income / 12 AS monthly,
           CAST({multiple} AS DECIMAL(6, 2)) * c.standard AS threshold
    FROM {linked} t
    JOIN person_context c ON c.person_id = t.person_id
    WHERE c.is_recipient AND c.standard IS NOT NULL
      AND CAST(t.tax_year AS INT) >= {first_year}
      AND t.annual_income > CAST({multiple} AS DECIMAL(6, 2)) * c.standard * 12
    """
    evidence = f"""'税务：' || CAST(x.tax_year AS VARCHAR) || ' 年度收入 ' || {money_text("x.annual_income", 2)}
        || ' 元（月均 ' || {money_text("x.monthly", 2)} || ' 元），超过低保标准 '
        || {money_text("x.threshold", 2)} || ' 元/人·月'"""
    return _finding(FindingCode.TAX_INCOME, inner, evidence, params, context)


def housing_fund_sql(context: FindingContext) -> SqlStep:
    """公积金: deposits into a recipient's housing-fund account (formal employment) in the period."""
    profile = context.profile
    params = Params()
    linked = linked_records(
        "housing_fund",
        "s.employer, s.monthly_deposit, s.wage_base",
        params,
        profile.min_match_probability.value,
    )
    minimum = params.add("min_deposit", profile.housing_fund_min_deposit.value)
    inner = f"""
    SELECT c.person_id, c.household_id, h.record_id, h.match_method, h.match_weight,
           h.employer, h.monthly_deposit, h.wage_base
    FROM {linked} h
    JOIN person_context c ON c.person_id = h.person_id
    WHERE c.is_recipient AND h.monthly_deposit > CAST({minimum} AS DECIMAL(14, 2))
    """
    evidence = f"""'公积金：' || x.employer || ' 每月缴存 ' || {money_text("x.monthly_deposit", 2)} || ' 元'
        || CASE WHEN x.wage_base IS NOT NULL
                THEN '（缴存基数 ' || {money_text("x.wage_base", 2)} || ' 元）' ELSE '' END"""
    return _finding(FindingCode.HOUSING_FUND, inner, evidence, params, context)


def deposits_sql(context: FindingContext) -> SqlStep:
    """存款: the deposits of a recipient household exceed N months' standard × persons (人均 N 个月)."""
    profile = context.profile
    params = Params()
    linked = linked_records("deposits", "s.bank, s.balance", params, profile.min_match_probability.value)
    deposit_limit = deposit_limit_sql(params, profile, "MIN(c.standard)", "MIN(c.persons)")
    inner = f"""
    SELECT y.* FROM (
        SELECT MIN(c.person_id) AS person_id, c.household_id, MIN(d.record_id) AS record_id,
               MIN(d.match_method) AS match_method, MAX(d.match_weight) AS match_weight,
               COUNT(*) AS accounts, SUM(d.balance) AS total, MIN(c.persons) AS persons,
               {deposit_limit} AS deposit_limit
        FROM {linked} d
        JOIN person_context c ON c.person_id = d.person_id
        WHERE c.is_recipient AND c.standard IS NOT NULL AND c.persons > 0
        GROUP BY c.household_id
    ) y
    WHERE y.total > y.deposit_limit
    """
    months_text = params.add("deposit_months_text", str(profile.deposit_months.value))
    evidence = f"""'银行：该户存款合计 ' || {money_text("x.total", 2)} || ' 元（' || CAST(x.accounts AS VARCHAR)
        || ' 个账户），超过 ' || {months_text} || ' 个月低保标准 × ' || CAST(x.persons AS VARCHAR) || ' 人 = '
        || {money_text("x.deposit_limit", 2)} || ' 元'"""
    return _finding(FindingCode.DEPOSITS, inner, evidence, params, context)


def member_covered_elsewhere_sql(context: FindingContext) -> SqlStep:
    """在保于他户: an entitlement in force under a household the person no longer belongs to (moved, married
    out, split): paid twice or to the wrong unit. The finding belongs to the household that is paid."""
    params = Params()
    labels = case_labels("x.scheme", Scheme.choices, params, "scheme")
    inner = """
    SELECT e.person_id, e.household_id, e.scheme || ':' || CAST(e.household_id AS VARCHAR) AS record_id,
           'exact' AS match_method, CAST(NULL AS DOUBLE) AS match_weight,
           e.scheme, c.household_id AS current_household_id
    FROM entitlements e
    JOIN person_context c ON c.person_id = e.person_id
    WHERE e.household_id <> c.household_id
    """
    evidence = f"""'民政：该成员现属家庭户（编号 ' || CAST(x.current_household_id AS VARCHAR)
        || '），仍在家庭户（编号 ' || CAST(x.household_id AS VARCHAR) || '）享受' || {labels}"""
    return _finding(FindingCode.MEMBER_COVERED_ELSEWHERE, inner, evidence, params, context)


# --- coverage side -------------------------------------------------------------------------------------------


def _per_capita(column: str = "c.net_monthly_income") -> str:
    return f"CAST({column} AS DECIMAL(14, 2)) / c.persons"


def severe_disability_uncovered_sql(context: FindingContext) -> SqlStep:
    """重度残疾: a grade 1–2 disabled person, not on dibao/特困, in a household whose per-capita income is
    below the 低保边缘 line (1.5 × standard): possibly eligible (单人保 for an adult without work, S4)."""
    profile = context.profile
    params = Params()
    linked = linked_records("disability", "s.category, s.grade", params, profile.min_match_probability.value)
    max_grade = params.add("max_grade", profile.severe_disability_max_grade.value)
    grades = case_labels("CAST(x.grade AS VARCHAR)", GRADE_LABELS, params, "grade")
    inner = f"""
    SELECT c.person_id, c.household_id, MIN(d.record_id) AS record_id, MIN(d.match_method) AS match_method,
           MAX(d.match_weight) AS match_weight, MIN(d.category) AS category, MIN(d.grade) AS grade,
           MIN({_per_capita()}) AS per_capita, MIN({_edge_line(params, profile)} / c.persons) AS edge_line
    FROM {linked} d
    JOIN person_context c ON c.person_id = d.person_id
    WHERE NOT c.is_recipient AND c.has_means AND c.persons > 0 AND c.standard IS NOT NULL
      AND CAST(d.grade AS INT) <= {max_grade}
      AND c.net_monthly_income < {_edge_line(params, profile)}
    GROUP BY c.person_id, c.household_id
    """
    evidence = f"""'残联：' || x.category || '残疾' || {grades} || '，家庭人均月收入 '
        || {money_text("x.per_capita", 2)} || ' 元，低于低保边缘线 ' || {money_text("x.edge_line", 2)}
        || ' 元，未纳入低保或特困'"""
    return _finding(FindingCode.SEVERE_DISABILITY_UNCOVERED, inner, evidence, params, context)


def months_before(day: datetime.date, months: int) -> datetime.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return datetime.date(year, month + 1, 1)


def medical_costs_sql(context: FindingContext) -> SqlStep:
    """大额医疗: out-of-pocket medical costs over 12 months above the threshold, for someone not on
    dibao/特困 whose household, after deducting those costs (刚性支出扣减, art. 13), is below the 低保边缘
    line."""
    profile = context.profile
    params = Params()
    linked = linked_records(
        "medical", "s.out_of_pocket, s.settled_on", params, profile.min_match_probability.value
    )
    since = params.add("settled_since", months_before(context.as_of, profile.medical_lookback_months.value))
    threshold = params.add("out_of_pocket_threshold", profile.medical_out_of_pocket.value)
    inner = f"""
    SELECT y.*, (y.net_monthly_income - y.total / 12) / y.persons AS per_capita_after FROM (
        SELECT c.person_id, c.household_id, MIN(m.record_id) AS record_id, MIN(m.match_method) AS match_method,
               MAX(m.match_weight) AS match_weight, COUNT(*) AS settlements, SUM(m.out_of_pocket) AS total,
               MIN(c.net_monthly_income) AS net_monthly_income, MIN(c.persons) AS persons,
               MIN({_edge_line(params, profile)}) AS edge_line_household
        FROM {linked} m
        JOIN person_context c ON c.person_id = m.person_id
        WHERE NOT c.is_recipient AND c.has_means AND c.persons > 0 AND c.standard IS NOT NULL
          AND m.settled_on >= CAST({since} AS DATE)
        GROUP BY c.person_id, c.household_id
    ) y
    WHERE y.total > CAST({threshold} AS DECIMAL(14, 2))
      AND y.net_monthly_income - y.total / 12 < y.edge_line_household
    """
    months_text = params.add("lookback_text", str(profile.medical_lookback_months.value))
    threshold_text = params.add("threshold_text", yuan_text(profile.medical_out_of_pocket.value))
    evidence = f"""'医保：近 ' || {months_text} || ' 个月个人自付 ' || {money_text("x.total", 2)} || ' 元（'
        || CAST(x.settlements AS VARCHAR) || ' 次结算），超过 ' || {threshold_text}
        || ' 元；扣除后家庭人均月收入 ' || {money_text("x.per_capita_after", 2)} || ' 元，低于低保边缘线，未纳入低保或特困'"""
    return _finding(FindingCode.MEDICAL_COSTS, inner, evidence, params, context)


def _below_edge_person_sql(
    code: FindingCode,
    source: str,
    columns: tuple[str, ...],
    where: str,
    evidence_head: str,
    context: FindingContext,
    params: Params,
) -> SqlStep:
    """A coverage finding per person: a record of ``source`` matching ``where`` for someone not on
    dibao/特困 whose household is below the 低保边缘 line."""
    profile = context.profile
    names = [identifier(name) for name in columns]
    linked = linked_records(
        source, ", ".join(f"s.{name}" for name in names), params, profile.min_match_probability.value
    )
    aggregates = ", ".join(f"MIN(r.{name}) AS {name}" for name in names)
    inner = f"""
    SELECT c.person_id, c.household_id, MIN(r.record_id) AS record_id, MIN(r.match_method) AS match_method,
           MAX(r.match_weight) AS match_weight, {aggregates},
           MIN({_per_capita()}) AS per_capita
    FROM {linked} r
    JOIN person_context c ON c.person_id = r.person_id
    WHERE NOT c.is_recipient AND c.has_means AND c.persons > 0 AND c.standard IS NOT NULL
      AND c.net_monthly_income < {_edge_line(params, profile)}
      AND {where}
    GROUP BY c.person_id, c.household_id
    """
    evidence = f"""{evidence_head} || '，家庭人均月收入 ' || {money_text("x.per_capita", 2)}
        || ' 元，低于低保边缘线，未纳入低保或特困'"""
    return _finding(code, inner, evidence, params, context)


def unemployed_sql(context: FindingContext) -> SqlStep:
    """失业: registered unemployed (status 失业; 已就业 closes the registration), not on dibao/特困, household
    below the 低保边缘 line."""
    params = Params()
    status = params.add("unemployed_status", "失业")
    return _below_edge_person_sql(
        FindingCode.UNEMPLOYED,
        "unemployment",
        ("registered_on", "status"),
        f"r.status = {status}",
        "'人社：' || CAST(x.registered_on AS VARCHAR) || ' 登记失业'",
        context,
        params,
    )


def poor_student_sql(context: FindingContext) -> SqlStep:
    """就学: a student the education department recognises as from a poor family, not on dibao/特困,
    household below the 低保边缘 line."""
    params = Params()
    difficulties = params.in_list("difficulty", context.profile.student_difficulties.value)
    return _below_edge_person_sql(
        FindingCode.POOR_STUDENT,
        "students",
        ("school", "level", "difficulty"),
        f"r.difficulty IN {difficulties}",
        "'教育：' || x.school || '（' || x.level || '）认定为家庭经济' || x.difficulty || '学生'",
        context,
        params,
    )


def fanpin_uncovered_sql(context: FindingContext) -> SqlStep:
    """防返贫: a household under 防止返贫 monitoring none of whose linked members is on dibao/特困. One
    finding per household (the source lists every member)."""
    params = Params()
    linked = linked_records(
        "fanpin",
        "s.household_number, s.category, s.is_relocated",
        params,
        context.profile.min_match_probability.value,
    )
    inner = f"""
    SELECT MIN(c.person_id) AS person_id, c.household_id, MIN(f.record_id) AS record_id,
           MIN(f.match_method) AS match_method, MAX(f.match_weight) AS match_weight,
           MIN(f.category) AS category, MAX(CASE WHEN coalesce(f.is_relocated, FALSE) THEN 1 ELSE 0 END) AS relocated,
           COUNT(DISTINCT c.person_id) AS members
    FROM {linked} f
    JOIN person_context c ON c.person_id = f.person_id
    GROUP BY c.household_id
    HAVING MAX(CASE WHEN c.is_recipient THEN 1 ELSE 0 END) = 0
    """
    evidence = """'乡村振兴：防止返贫监测对象（' || x.category
        || CASE WHEN x.relocated = 1 THEN '，易地扶贫搬迁户' ELSE '' END || '），监测成员 '
        || CAST(x.members AS VARCHAR) || ' 人，未纳入低保或特困'"""
    return _finding(FindingCode.FANPIN_UNCOVERED, inner, evidence, params, context)


def elderly_alone_no_income_sql(context: FindingContext) -> SqlStep:
    """独居老人: 60+ (特困 age), the only member of the household, no income in the household means and no
    counted pension in the 人社 data, not on dibao/特困: a 特困 candidate (无劳动能力、无收入、无赡养)."""
    profile = context.profile
    params = Params()
    pension_filter = ""
    if context.has("pensions"):
        linked = linked_records(
            "pensions", "s.kind, s.monthly_amount", params, profile.min_match_probability.value
        )
        kinds = params.in_list("kind", profile.counted_pension_kinds.value)
        pension_filter = f"""AND NOT EXISTS (
            SELECT 1 FROM {linked} p
            WHERE p.person_id = c.person_id AND p.kind IN {kinds} AND p.monthly_amount > 0
        )"""
    age = params.add("elderly_age", profile.elderly_age.value)
    max_income = params.add("elderly_max_income", profile.elderly_max_monthly_income.value)
    inner = f"""
    SELECT c.person_id, c.household_id, 'household:' || CAST(c.household_id AS VARCHAR) AS record_id,
           'exact' AS match_method, CAST(NULL AS DOUBLE) AS match_weight, c.age
    FROM person_context c
    WHERE NOT c.is_recipient AND c.has_means AND c.persons = 1 AND c.is_cohabiting
      AND c.age >= {age}
      AND coalesce(c.net_monthly_income, 0) <= CAST({max_income} AS DECIMAL(14, 2))
      {pension_filter}
    """
    evidence = """'民政：' || CAST(x.age AS VARCHAR) || ' 周岁，独居，家庭无登记收入'
        || '，未纳入特困或低保'"""
    return _finding(FindingCode.ELDERLY_ALONE_NO_INCOME, inner, evidence, params, context)


BUILDERS: dict[FindingCode, Callable[[FindingContext], SqlStep]] = {
    FindingCode.DEATH: death_sql,
    FindingCode.VEHICLE: vehicle_sql,
    FindingCode.REAL_ESTATE: real_estate_sql,
    FindingCode.BUSINESS: business_sql,
    FindingCode.PENSION_INCOME: pension_income_sql,
    FindingCode.WAGE_INCOME: wage_income_sql,
    FindingCode.TAX_INCOME: tax_income_sql,
    FindingCode.HOUSING_FUND: housing_fund_sql,
    FindingCode.DEPOSITS: deposits_sql,
    FindingCode.MEMBER_COVERED_ELSEWHERE: member_covered_elsewhere_sql,
    FindingCode.SEVERE_DISABILITY_UNCOVERED: severe_disability_uncovered_sql,
    FindingCode.MEDICAL_COSTS: medical_costs_sql,
    FindingCode.UNEMPLOYED: unemployed_sql,
    FindingCode.POOR_STUDENT: poor_student_sql,
    FindingCode.FANPIN_UNCOVERED: fanpin_uncovered_sql,
    FindingCode.ELDERLY_ALONE_NO_INCOME: elderly_alone_no_income_sql,
}
"""Every finding code and its builder (a test checks none is missing)."""

REGISTRY_INPUTS = ("people", "entitlements", "household_means")


def runnable_codes(context: FindingContext) -> list[FindingCode]:
    """The codes whose inputs are present: a month without deposit data simply yields no deposit
    findings."""
    codes = []
    for code in FindingCode:
        source = SOURCE_OF[code]
        if source == REGISTRY or context.has(source):
            codes.append(code)
    return codes


def findings_steps(context: FindingContext, codes: list[FindingCode] | None = None) -> list[SqlStep]:
    """The pipeline: the shared steps (``person_context``, ``<source>_linked``), one step per finding code,
    and ``findings`` (their union)."""
    missing = [name for name in REGISTRY_INPUTS if name not in context.available]
    if missing:
        raise ValueError(f"registry snapshot tables missing: {missing}")
    chosen = runnable_codes(context) if codes is None else codes
    steps = shared_steps(context) + [BUILDERS[code](context) for code in chosen]
    union = "\nUNION ALL\n".join(f"SELECT * FROM finding_{code}" for code in chosen)
    if not chosen:
        # no source at all: an empty table of the right shape
        union = (
            "SELECT CAST(NULL AS VARCHAR) AS finding_code, CAST(NULL AS BIGINT) AS person_id, "
            "CAST(NULL AS BIGINT) AS household_id, CAST(NULL AS VARCHAR) AS source, "
            "CAST(NULL AS VARCHAR) AS period, CAST(NULL AS VARCHAR) AS record_id, "
            "CAST(NULL AS VARCHAR) AS match_method, CAST(NULL AS DOUBLE) AS match_weight, "
            "CAST(NULL AS VARCHAR) AS evidence, CAST(NULL AS VARCHAR) AS fingerprint FROM people WHERE 1 = 0"
        )
    steps.append(SqlStep("findings", union))
    return steps


__all__ = [
    "BUILDERS",
    "FINDING_COLUMNS",
    "FindingContext",
    "findings_steps",
    "fingerprint",
    "runnable_codes",
    "shared_steps",
]
