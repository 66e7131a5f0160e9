"""The 家庭经济状况信息核对 feed: ``minzheng verify`` answers the case workflow's pending 核对 requests.

The township asks the county for a 信息核对 (``do_request_verification``, policy-rules §1.7: 户籍, 纳税记录,
社会保险缴纳, 不动产登记, 市场主体登记, 住房公积金缴纳, 车船登记, 银行存款, 商业保险, 证券, 互联网金融资产).
Each month's run joins the month's links to the departmental sources for the members of the requesting
households only, and writes one answer per request through ``do_answer_verification_requests``.

An answer holds only the requested items, each citing its source, the period and how every record was
linked (精确 on the ID key, or 模糊 with its match probability). An item with no source in the lake this
month says so ("本期未接入该项数据，需线下核对"), so the township knows what to check offline. No ID number,
phone or bank account goes into an answer: it is stored in the case file and shown to the township.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds

from minzheng.accounts.access import region_filter
from minzheng.accounts.models import User
from minzheng.assistance.cases.choices import VerificationStatus
from minzheng.assistance.cases.models import VerificationRequest
from minzheng.verification.lake.contracts import CONTRACTS

if TYPE_CHECKING:
    from minzheng.verification.actions import VerificationAnswers

OFFLINE = "本期未接入该项数据，需线下核对"
MAX_DETAILS = 20
"""Records listed per item; a household with more gets a count of the rest (the answer stays small)."""

REQUESTS_SCHEMA = pa.schema([("request_id", pa.int64()), ("household_id", pa.int64())])


@dataclass(frozen=True)
class ItemSource:
    """Where one 核对 item comes from: a lake source and the columns of it the answer shows."""

    source: str
    columns: tuple[tuple[str, str], ...]
    """(lake column, Chinese label); identifiers are taken from here only, never from input."""
    unit: str
    """What one record is, for the conclusion (辆, 处 …)."""
    total: tuple[str, str] | None = None
    """(lake column, Chinese label) summed over the household's records, when a total means something."""


ITEM_SOURCES: dict[str, ItemSource] = {
    "纳税记录": ItemSource(
        "tax",
        (("tax_year", "纳税年度"), ("annual_income", "年度收入额（元）"), ("tax_paid", "已缴税额（元）")),
        "条",
        ("annual_income", "年度收入额合计（元）"),
    ),
    "社会保险缴纳": ItemSource(
        "pensions",
        (("kind", "待遇类型"), ("monthly_amount", "月金额（元）")),
        "条",
        ("monthly_amount", "月金额合计（元）"),
    ),
    "不动产登记": ItemSource(
        "real_estate",
        (("area_m2", "建筑面积（平方米）"), ("value_estimate", "评估价值（元）")),
        "处",
        ("area_m2", "总建筑面积（平方米）"),
    ),
    "市场主体登记": ItemSource(
        "businesses",
        (
            ("enterprise_name", "企业名称"),
            ("role", "人员身份"),
            ("status", "登记状态"),
            ("share_amount", "认缴出资额（元）"),
        ),
        "条",
    ),
    "住房公积金缴纳": ItemSource(
        "housing_fund",
        (("employer", "缴存单位"), ("monthly_deposit", "月缴存额（元）")),
        "条",
        ("monthly_deposit", "月缴存额合计（元）"),
    ),
    "车船登记": ItemSource(
        "vehicles",
        (("vehicle_type", "车辆类型"), ("plate_number", "号牌号码"), ("value_estimate", "车辆估值（元）")),
        "辆",
        ("value_estimate", "车辆估值合计（元）"),
    ),
    "银行存款": ItemSource(
        "deposits",
        (("bank", "开户银行"), ("balance", "存款余额（元）")),
        "个账户",
        ("balance", "存款余额合计（元）"),
    ),
}
"""The items a departmental source answers; 户籍 is answered from the register and the deaths apart, and
商业保险, 证券, 互联网金融资产 have no source in the lake (always offline)."""


@dataclass(frozen=True)
class PendingRequest:
    request_id: int
    household_id: int
    items: tuple[str, ...]


def list_pending_requests(acting_user: User | None = None) -> list[PendingRequest]:
    """Every pending 信息核对 request with the household of its case (a few dozen a month at most); with
    `acting_user`, those whose case is in the user's jurisdiction (the system's own monthly run: all)."""
    pending = VerificationRequest.objects.filter(status=VerificationStatus.PENDING)
    if acting_user is not None:
        pending = pending.filter(region_filter(acting_user, "case__region_id"))
    rows = pending.values_list("pk", "case__household_id", "items")
    return [PendingRequest(pk, household_id, tuple(items)) for pk, household_id, items in rows.order_by("pk")]


# --- SQL ------------------------------------------------------------------------------------------------


def members_sql() -> str:
    """The current members of each requesting household (the registry snapshot's memberships), with the
    64-bit ID key the register is matched on (the ID text itself is not needed, and stays out)."""
    return """
        SELECT r.request_id, p.person_id, p.name, p.id_key
        FROM requests r JOIN people p ON p.household_id = r.household_id
    """


def linked_records_sql(source: str, columns: Sequence[str]) -> str:
    """The source's records linked to a member: links first (small), then the source by record_id, so
    that only the members' rows of a 30M-row source come back."""
    selected = "".join(f", s.{column}" for column in columns)
    return f"""
        SELECT m.request_id, m.person_id, m.name AS member_name,
               CAST(l.method AS VARCHAR) AS method, l.match_probability{selected}
        FROM members m
        JOIN {source}_links l ON l.person_id = m.person_id
        JOIN {source} s ON s.record_id = l.record_id
        ORDER BY m.request_id, m.person_id, s.record_id
    """


def register_sql(*, with_register: bool) -> str:
    """Whether each member is in the month's 户籍 register and whether the register marks them deceased;
    without a register this month, both are NULL.

    Matched on the 64-bit ``id_key`` (the first 17 digits), as the links are: the check character adds
    nothing to the identity, and the integer join is the one the lake's ingest prepares. A member or a
    register row without a usable ID has no key and matches nobody (the member reads 未查到)."""
    if not with_register:
        return """
            SELECT request_id, person_id, name, CAST(NULL AS BOOLEAN) AS registered,
                   CAST(NULL AS BOOLEAN) AS deceased
            FROM members ORDER BY request_id, person_id
        """
    return """
        WITH found AS (
            -- the members only: the register has a row per registered person of the city
            SELECT h.id_key, bool_or(coalesce(h.is_deceased, FALSE)) AS deceased
            FROM hukou h WHERE h.id_key IN (SELECT id_key FROM members)
            GROUP BY h.id_key
        )
        SELECT m.request_id, m.person_id, m.name, f.id_key IS NOT NULL AS registered, f.deceased
        FROM members m LEFT JOIN found f ON f.id_key = m.id_key
        ORDER BY m.request_id, m.person_id
    """


# --- the answers ----------------------------------------------------------------------------------------


def compute_answers(
    tables: Mapping[str, pa.Table | ds.Dataset],
    requests: Sequence[PendingRequest],
    *,
    period: str,
) -> dict[int, dict[str, Any]]:
    """The answer of every request whose household is in the registry snapshot, by request id.

    ``tables``: ``people`` (the snapshot), and the month's ``<source>`` / ``<source>_links`` pairs and
    ``hukou`` (the register) where the lake has them.
    """
    if not requests:
        return {}
    wanted = {item for request in requests for item in request.items}
    con = duckdb.connect()
    try:
        con.register("people", tables["people"])
        con.register(
            "requests",
            pa.table(
                {
                    "request_id": [r.request_id for r in requests],
                    "household_id": [r.household_id for r in requests],
                },
                schema=REQUESTS_SCHEMA,
            ),
        )
        con.execute(f"CREATE TEMP TABLE members AS {members_sql()}")
        in_snapshot = {row[0] for row in con.sql("SELECT DISTINCT request_id FROM members").fetchall()}
        by_item: dict[str, dict[int, list[dict[str, Any]]]] = {}
        for item, spec in ITEM_SOURCES.items():
            if item in wanted and _has(tables, spec.source):
                con.register(spec.source, tables[spec.source])
                con.register(f"{spec.source}_links", tables[f"{spec.source}_links"])
                by_item[item] = _grouped(con, linked_records_sql(spec.source, [c for c, _ in spec.columns]))
        register: dict[int, list[dict[str, Any]]] = {}
        deaths: dict[int, list[dict[str, Any]]] = {}
        has_register, has_deaths = "hukou" in tables, _has(tables, "deaths")
        if "户籍" in wanted and (has_register or has_deaths):
            if has_register:
                con.register("hukou", tables["hukou"])
            register = _grouped(con, register_sql(with_register=has_register))
            if has_deaths:
                con.register("deaths", tables["deaths"])
                con.register("deaths_links", tables["deaths_links"])
                deaths = _grouped(con, linked_records_sql("deaths", ["death_date", "source_department"]))
    finally:
        con.close()

    answers: dict[int, dict[str, Any]] = {}
    for request in requests:
        if request.request_id not in in_snapshot:
            continue  # the household has no current member in the snapshot: left for the county
        result: dict[str, Any] = {}
        for item in request.items:
            if item == "户籍":
                result[item] = _hukou_entry(
                    register.get(request.request_id, []),
                    deaths.get(request.request_id, []),
                    period=period,
                    has_register=has_register,
                    has_deaths=has_deaths,
                )
            elif item in by_item:
                result[item] = _source_entry(
                    ITEM_SOURCES[item], by_item[item].get(request.request_id, []), period=period
                )
            elif item in ITEM_SOURCES:
                result[item] = {"数据来源": _source_title(ITEM_SOURCES[item].source), "结论": OFFLINE}
            else:
                result[item] = {"结论": OFFLINE}
        answers[request.request_id] = result
    return answers


def _has(tables: Mapping[str, object], source: str) -> bool:
    return source in tables and f"{source}_links" in tables


def _grouped(con: duckdb.DuckDBPyConnection, sql: str) -> dict[int, list[dict[str, Any]]]:
    relation = con.sql(sql)
    names = relation.columns
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in relation.fetchall():
        record = dict(zip(names, row, strict=True))
        grouped[record["request_id"]].append(record)
    return grouped


def _source_title(source: str) -> str:
    contract = CONTRACTS[source]
    return f"{contract.title}（{contract.department}）"


def _link_label(method: str, probability: float | None) -> str:
    if method == "exact":
        return "精确比对（身份证号一致）"
    return f"模糊比对（姓名、出生日期、区划，匹配概率 {probability or 0:.2f}）"


def _text(value: object) -> object:
    """Money and areas as strings with two decimals (never floats); dates as ISO text."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


def _source_entry(spec: ItemSource, records: list[dict[str, Any]], *, period: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "数据来源": _source_title(spec.source),
        "数据期间": period,
        "结论": f"查到 {len(records)} {spec.unit}" if records else "未查到记录",
        "记录数": len(records),
    }
    if spec.total is not None and records:
        column, label = spec.total
        entry[label] = _text(sum((r[column] or Decimal(0) for r in records), Decimal(0)))
    if records:
        entry["明细"] = [
            {
                "成员": r["member_name"],
                **{label: _text(r[column]) for column, label in spec.columns},
                "比对方式": _link_label(r["method"], r["match_probability"]),
            }
            for r in records[:MAX_DETAILS]
        ]
        if len(records) > MAX_DETAILS:
            entry["未列出"] = len(records) - MAX_DETAILS
    return entry


def _hukou_entry(
    register: list[dict[str, Any]],
    deaths: list[dict[str, Any]],
    *,
    period: str,
    has_register: bool,
    has_deaths: bool,
) -> dict[str, Any]:
    if not has_register and not has_deaths:
        return {"数据来源": "户籍（公安）", "结论": OFFLINE}
    died: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for record in deaths:
        died[record["person_id"]].append(record)
    members = []
    for row in register:
        member: dict[str, Any] = {"成员": row["name"]}
        if has_register:
            member["户籍人口"] = "在册" if row["registered"] else "本期户籍人口中未查到"
            if row["deceased"]:
                member["户籍人口"] += "（已标记死亡）"
        if has_deaths:
            found = died.get(row["person_id"], [])
            member["死亡记录"] = (
                "；".join(
                    f"{r['death_date']} 死亡（{r['source_department']}，"
                    f"{_link_label(r['method'], r['match_probability'])}）"
                    for r in found
                )
                if found
                else "无"
            )
        members.append(member)
    sources = [
        name
        for name, present in (("户籍（公安）", has_register), ("死亡（公安 / 卫健 / 殡葬）", has_deaths))
        if present
    ]
    missing = [
        name for name, present in (("户籍人口", has_register), ("死亡数据", has_deaths)) if not present
    ]
    registered = sum(1 for row in register if row["registered"])
    dead = sum(1 for row in register if died.get(row["person_id"]) or row["deceased"])
    conclusion = []
    if has_register:
        conclusion.append(f"{registered} 人在册（共 {len(register)} 人）")
    if has_deaths:  # without the month's death data, "0 deaths" would be a claim nobody checked
        conclusion.append(f"{dead} 人有死亡记录")
    entry: dict[str, Any] = {
        "数据来源": "、".join(sources),
        "数据期间": period,
        "结论": "，".join(conclusion),
        "成员": members,
    }
    if missing:
        entry["说明"] = "本期未接入" + "、".join(missing) + "，需线下核对"
    return entry


def answer_pending_requests(
    tables: Mapping[str, pa.Table | ds.Dataset], *, period: str, acting_user: User | None = None
) -> VerificationAnswers:
    """Answer every pending request of a household in the snapshot with the month's data (one action);
    with `acting_user`, the requests of the cases in the user's jurisdiction."""
    from minzheng.verification.actions import do_answer_verification_requests

    answers = compute_answers(tables, list_pending_requests(acting_user), period=period)
    return do_answer_verification_requests(period, answers, acting_user=acting_user)
