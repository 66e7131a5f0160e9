"""``minzheng lake ingest``: a department's file → the lake, validated against the source's contract.

Steps, each a small function:

1. ``read_table``: CSV (UTF-8 or GBK/GB18030, detected), xlsx (first sheet) or Parquet, every value as
   received (CSV and xlsx as text, so ID numbers keep their leading digits and 18 characters).
2. ``map_headers``: Chinese headers and their variants (身份证号 / 公民身份号码 / 证件号码 …) onto the
   contract's columns. A missing required column stops everything with one Chinese error naming all of
   them; nothing is written.
3. ``validation_sql``: one DuckDB query casts every column (TRY_CAST and friends: dates in the usual
   Chinese spellings, amounts with 元 and thousands separators, 是/否) and gives each row its Chinese
   reasons for rejection. No Python loop over rows.
4. ``normalize_ids`` (vectorised): the ID number normalised and its status. A bad ID does NOT reject the
   row: it stays in ``data.parquet`` with ``id_status`` so that the matcher can fall back on name + birth
   date + region. Only rows missing a required value (other than the ID) or with a value that cannot be
   read are rejected, into ``rejected.parquet`` with their row number and reason.
5. Both files are written next to their final names and renamed; when the bytes are those already in
   the lake the report says "unchanged" and nothing is touched.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from minzheng.verification.lake import storage
from minzheng.verification.lake.contracts import (
    DEPARTMENT_SOURCES,
    REJECTED_SCHEMA_HEAD,
    ColumnSpec,
    SourceContract,
    get_contract,
    lake_schema,
)
from minzheng.verification.lake.errors import LakeError
from minzheng.verification.lake.ids import ID_STATUSES, normalize_ids_with_keys

Progress = Callable[[str, int, int], None]
"""Called as progress(stage, done, total): stage is a Chinese label (读取文件, 校验, 写入)."""

READ_STAGE, CHECK_STAGE, WRITE_STAGE = "读取文件", "校验", "写入数据湖"
INDEX_STAGE = "生成户籍比对索引"
RESOLUTION_STAGE = "证件号码无法比对的记录与户籍比对"
CSV_BLOCK_SIZE = 8 << 20
ENCODING_SNIFF_BYTES = 4 << 20
NULL_MARKERS = ("", "null", "none", "nan", "-", "—", "/")
"""Received texts that mean "no value" (compared in lower case after trimming)."""
DATE_FORMATS = ("%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d", "%Y/%m/%d %H:%M:%S")
"""Besides ISO dates and timestamps, which TRY_CAST reads."""
TRUE_TEXTS = ("是", "true", "t", "1", "y", "yes", "有")
FALSE_TEXTS = ("否", "false", "f", "0", "n", "no", "无")
REASON_SEPARATOR = "；"
MAX_VALUE_IN_REASON = 40


@dataclass(frozen=True)
class ReceivedTable:
    """A file as read: every column as received (text for CSV and xlsx), plus how it was read."""

    table: pa.Table
    file_format: str
    encoding: str | None = None


@dataclass(frozen=True)
class HeaderMapping:
    """How a file's headers map onto a contract."""

    columns: dict[str, str]
    """File header → contract column."""
    missing_required: tuple[str, ...]
    missing_optional: tuple[str, ...]
    unknown: tuple[str, ...]
    """Headers that match no column: reported and left out."""


@dataclass
class IngestReport:
    """What an ingest did; printed as a table by the command and kept as ``report.json`` next to the data."""

    source: str
    period: str
    file_name: str
    file_sha256: str
    file_format: str
    encoding: str | None
    rows_read: int
    rows_good: int
    rows_rejected: int
    id_status_counts: dict[str, int]
    duplicate_key_rows: int
    key: tuple[str, ...]
    column_mapping: dict[str, str]
    missing_optional_columns: tuple[str, ...]
    unknown_columns: tuple[str, ...]
    rejection_reasons: list[tuple[str, int]] = field(default_factory=list)
    """Kinds of reasons (the text before "：") with their row counts, most frequent first."""
    status: str = "written"
    """``written`` or ``unchanged`` (the lake already held exactly these files)."""
    data_path: str = ""
    rejected_path: str = ""
    matching_index: str = ""
    """For the 户籍: ``built`` when its matching index (姓名拼音, 比对特征, 词频, u) was made, ``current`` when
    the index on disk was already made from this register; empty for the other sources."""
    resolved_sources: tuple[str, ...] = ()
    """The departmental sources whose records with an unusable ID were resolved against the period's
    register now (matching/resolution.py): this source, or, for the 户籍, every source of the period;
    none while the period has no register."""

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# --- 1. reading ------------------------------------------------------------------------------------


def _report(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)


def detect_encoding(path: Path) -> str:
    """``utf8`` when the start of the file decodes as UTF-8 (a BOM is fine), else ``gb18030`` (⊇ GBK)."""
    with path.open("rb") as handle:
        head = handle.read(ENCODING_SNIFF_BYTES)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf8"


def _csv_headers(path: Path, encoding: str) -> list[str]:
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    text = codecs.getincrementaldecoder("utf-8-sig" if encoding == "utf8" else encoding)(
        errors="replace"
    ).decode(head, final=False)
    reader = csv.reader(io.StringIO(text))
    return next(reader, [])


class _CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read, to drive the progress bar while Arrow parses."""

    def __init__(self, path: Path, on_read: Callable[[int], None]) -> None:
        self._handle = path.open("rb")
        self._on_read = on_read
        self.done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._handle.readinto(buffer)
        self.done += count or 0
        self._on_read(self.done)
        return count or 0

    def close(self) -> None:
        self._handle.close()
        super().close()


def read_csv(path: Path, progress: Progress | None = None) -> ReceivedTable:
    """Every column as text, in the detected encoding, block by block (progress in bytes)."""
    encoding = detect_encoding(path)
    headers = _csv_headers(path, encoding)
    if not any(header.strip() for header in headers):
        raise LakeError(f"文件没有表头：{path.name}", code="no_header")
    duplicated = sorted({header for header in headers if headers.count(header) > 1})
    if duplicated:
        raise LakeError(f"表头重复：{'、'.join(duplicated)}", code="duplicate_header")
    total = path.stat().st_size
    source = _CountingReader(path, lambda done: _report(progress, READ_STAGE, done, total))
    try:
        reader = pa_csv.open_csv(
            source,
            read_options=pa_csv.ReadOptions(encoding=encoding, block_size=CSV_BLOCK_SIZE),
            convert_options=pa_csv.ConvertOptions(
                column_types={header: pa.string() for header in headers}, strings_can_be_null=False
            ),
        )
        batches = list(reader)
        schema = reader.schema
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        raise LakeError(f"CSV 文件无法读取（{encoding}）：{error}", code="unreadable_file") from None
    finally:
        source.close()
    _report(progress, READ_STAGE, total, total)
    return ReceivedTable(
        pa.Table.from_batches(batches, schema=schema),
        "csv",
        "GBK/GB18030" if encoding == "gb18030" else "UTF-8",
    )


def _cell_text(value: Any) -> str | None:
    """An Excel cell as text: whole numbers without ".0", dates as ISO, booleans as true/false."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e18 else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def read_xlsx(path: Path, progress: Progress | None = None) -> ReceivedTable:
    """The first sheet; the first non-empty row is the header. Cells become text (see ``_cell_text``)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds (zip, XML, key errors) for a damaged file
        raise LakeError(f"Excel 文件无法读取：{error}", code="unreadable_file") from None
    try:
        sheet = workbook.worksheets[0]
        total = sheet.max_row or 0
        rows = sheet.iter_rows(values_only=True)
        headers: list[str] = []
        for row in rows:
            if any(cell is not None and str(cell).strip() for cell in row):
                headers = ["" if cell is None else str(cell).strip() for cell in row]
                break
        while headers and not headers[-1]:
            headers.pop()
        if not headers:
            raise LakeError(f"文件没有表头：{path.name}", code="no_header")
        duplicated = sorted({header for header in headers if header and headers.count(header) > 1})
        if duplicated:
            raise LakeError(f"表头重复：{'、'.join(duplicated)}", code="duplicate_header")
        width = len(headers)
        columns: list[list[str | None]] = [[] for _ in headers]
        # openpyxl hands out rows one by one: this loop parses the file, the validation is set-based.
        for done, row in enumerate(rows, start=1):
            cells = [_cell_text(cell) for cell in row[:width]]
            if all(cell is None or not cell.strip() for cell in cells):
                continue
            cells += [None] * (width - len(cells))
            for column, cell in zip(columns, cells, strict=True):
                column.append(cell)
            if done % 50_000 == 0:
                _report(progress, READ_STAGE, done, total)
    finally:
        workbook.close()
    _report(progress, READ_STAGE, total, total)
    keep = [index for index, header in enumerate(headers) if header]
    table = pa.table({headers[index]: pa.array(columns[index], pa.string()) for index in keep})
    return ReceivedTable(table, "xlsx")


def read_parquet(path: Path, progress: Progress | None = None) -> ReceivedTable:
    """A Parquet file as typed, row group by row group; ID columns are turned into text later."""
    try:
        parquet = pq.ParquetFile(path)
        groups = parquet.num_row_groups
        tables = []
        for group in range(groups):
            tables.append(parquet.read_row_group(group))
            _report(progress, READ_STAGE, group + 1, groups)
        table = pa.concat_tables(tables) if tables else parquet.schema_arrow.empty_table()
    except (pa.ArrowInvalid, OSError) as error:
        raise LakeError(f"Parquet 文件无法读取：{error}", code="unreadable_file") from None
    nested = [f.name for f in table.schema if pa.types.is_nested(f.type)]
    if nested:
        raise LakeError(f"不支持嵌套类型的列：{'、'.join(nested)}", code="nested_columns")
    return ReceivedTable(table.replace_schema_metadata(None), "parquet")


READERS: dict[str, Callable[[Path, Progress | None], ReceivedTable]] = {
    ".csv": read_csv,
    ".txt": read_csv,
    ".xlsx": read_xlsx,
    ".xlsm": read_xlsx,
    ".parquet": read_parquet,
}


def read_table(path: Path, progress: Progress | None = None) -> ReceivedTable:
    """Read a departmental file by its extension (CSV, xlsx or Parquet)."""
    path = Path(path)
    if not path.is_file():
        raise LakeError(f"文件不存在：{path}", code="file_not_found")
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise LakeError(
            f"不支持的文件类型：{path.suffix or '（无扩展名）'}；请提供 CSV（UTF-8 或 GBK）、xlsx 或 Parquet 文件",
            code="unsupported_format",
        )
    return reader(path, progress)


# --- 2. headers ------------------------------------------------------------------------------------


def normalize_header(header: str) -> str:
    """Headers compare after NFKC (full-width brackets → ASCII), without spaces or the * of required
    fields, in lower case."""
    text = unicodedata.normalize("NFKC", header)
    return re.sub(r"[\s*＊]+", "", text).lower()


def _without_unit(header: str) -> str:
    """ "金额(元)" → "金额": a trailing bracketed unit or note."""
    return re.sub(r"\([^()]*\)$", "", header)


def map_headers(contract: SourceContract, headers: Iterable[str]) -> HeaderMapping:
    """Map a file's headers onto the contract's columns (exact alias first, then without a trailing unit)."""
    lookup: dict[str, str] = {}
    for spec in contract.columns:
        for alias in spec.headers:
            lookup.setdefault(normalize_header(alias), spec.name)
    columns: dict[str, str] = {}
    unknown: list[str] = []
    taken: dict[str, str] = {}
    for header in headers:
        key = normalize_header(header)
        column = lookup.get(key) or lookup.get(_without_unit(key))
        if column is None:
            unknown.append(header)
        elif column in taken:
            raise LakeError(
                f"表头“{taken[column]}”和“{header}”都对应“{contract.column(column).title}”（{column}），请只保留一列",
                code="ambiguous_header",
            )
        else:
            taken[column] = header
            columns[header] = column
    missing = [spec for spec in contract.columns if spec.name not in taken]
    return HeaderMapping(
        columns=columns,
        missing_required=tuple(spec.name for spec in missing if spec.required),
        missing_optional=tuple(spec.name for spec in missing if not spec.required),
        unknown=tuple(unknown),
    )


def check_required_columns(contract: SourceContract, mapping: HeaderMapping) -> None:
    """One Chinese error naming every missing required column (with the headers it would accept)."""
    if not mapping.missing_required:
        return
    parts = []
    for name in mapping.missing_required:
        spec = contract.column(name)
        accepted = "、".join(spec.headers[1:4])
        parts.append(f"{spec.title}（{name}；可用表头：{accepted}等）")
    raise LakeError(
        f"{contract.title}（{contract.name}）文件缺少必需的列：{'；'.join(parts)}。未写入任何数据。",
        code="missing_columns",
        missing=list(mapping.missing_required),
    )


# --- 3. casting and reasons, one query ---------------------------------------------------------------


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_TRIMMED = "' ' || chr(9) || chr(10) || chr(13) || chr(12288)"
"""Spaces, tabs, line ends and the ideographic space (U+3000) are trimmed from every received value."""


def _trimmed_sql(column: str) -> str:
    return f"trim(CAST({_identifier(column)} AS VARCHAR), {_TRIMMED})"


def _text_sql(column: str) -> str:
    """NULL for an empty or "no value" text (applied to the trimmed value)."""
    markers = ", ".join(_literal(marker) for marker in NULL_MARKERS)
    return f"CASE WHEN lower({_identifier(column)}) IN ({markers}) THEN NULL ELSE {_identifier(column)} END"


def _parsed_name(column: str) -> str:
    return _identifier(f"{column}__parsed")


def _duckdb_type(type_: pa.DataType) -> str:
    if pa.types.is_decimal(type_):
        return f"DECIMAL({type_.precision}, {type_.scale})"
    names = {
        pa.int8(): "TINYINT",
        pa.int16(): "SMALLINT",
        pa.int32(): "INTEGER",
        pa.int64(): "BIGINT",
        pa.date32(): "DATE",
        pa.bool_(): "BOOLEAN",
        pa.string(): "VARCHAR",
    }
    return names[type_]


def parse_sql(spec: ColumnSpec, text: str) -> str:
    """The typed value from its text (NULL when it cannot be read)."""
    type_ = spec.type
    if pa.types.is_string(type_):
        return text
    if pa.types.is_date(type_):
        formats = ", ".join(_literal(fmt) for fmt in DATE_FORMATS)
        # ISO dates, then timestamps (Excel's "2023-06-01 00:00:00"), then the Chinese spellings.
        return (
            f"coalesce(TRY_CAST({text} AS DATE), TRY_CAST(TRY_CAST({text} AS TIMESTAMP) AS DATE), "
            f"CAST(TRY_STRPTIME({text}, [{formats}]) AS DATE))"
        )
    if pa.types.is_decimal(type_):
        # "12,345.60元", "￥1 200" are how amounts arrive from spreadsheets.
        return f"TRY_CAST(regexp_replace({text}, '[,，元¥￥\\s]', '', 'g') AS {_duckdb_type(type_)})"
    if pa.types.is_integer(type_):
        # Grades arrive as "二级" or "2级", years as "2022年"; Excel turns 2 into "2.0".
        cleaned = f"regexp_replace(regexp_replace({text}, '[级年度\\s]', '', 'g'), '\\.0+$', '')"
        return f"TRY_CAST(translate({cleaned}, '一二三四五六七八九', '123456789') AS {_duckdb_type(type_)})"
    if pa.types.is_boolean(type_):
        true_texts = ", ".join(_literal(value) for value in TRUE_TEXTS)
        false_texts = ", ".join(_literal(value) for value in FALSE_TEXTS)
        return f"CASE WHEN lower({text}) IN ({true_texts}) THEN true WHEN lower({text}) IN ({false_texts}) THEN false END"
    raise TypeError(f"no parser for {type_}")


_KIND_LABELS = {"date": "日期", "decimal": "数值", "integer": "整数", "boolean": "是/否"}


def _kind_label(type_: pa.DataType) -> str:
    if pa.types.is_date(type_):
        return _KIND_LABELS["date"]
    if pa.types.is_decimal(type_):
        return _KIND_LABELS["decimal"]
    if pa.types.is_integer(type_):
        return _KIND_LABELS["integer"]
    return _KIND_LABELS["boolean"]


def reasons_sql(spec: ColumnSpec, text: str, parsed: str) -> list[str]:
    """Chinese reasons (NULL when fine) for one column: missing, unreadable, not allowed, wrong format."""
    label = f"“{spec.title}”（{spec.name}）"
    shown = f"left({text}, {MAX_VALUE_IN_REASON})"
    reasons = []
    if spec.required and spec.name != "id_number":
        # A missing ID is not a rejection: the row stays with id_status = missing.
        reasons.append(f"CASE WHEN {text} IS NULL THEN {_literal('缺少必填项' + label)} END")
    if not pa.types.is_string(spec.type):
        message = f"{label}无法识别为{_kind_label(spec.type)}："
        reasons.append(
            f"CASE WHEN {text} IS NOT NULL AND {parsed} IS NULL THEN {_literal(message)} || {shown} END"
        )
    if spec.choices:
        allowed = ", ".join(
            _literal(str(choice)) if isinstance(choice, str) else str(choice) for choice in spec.choices
        )
        listed = "/".join(str(choice) for choice in spec.choices)
        message = f"{label}的值不在允许范围内（{listed}）："
        reasons.append(
            f"CASE WHEN {parsed} IS NOT NULL AND {parsed} NOT IN ({allowed}) THEN {_literal(message)} || {shown} END"
        )
    if spec.pattern:
        message = f"{label}格式错误："
        reasons.append(
            f"CASE WHEN {parsed} IS NOT NULL AND NOT regexp_full_match({parsed}, {_literal(spec.pattern)}) "
            f"THEN {_literal(message)} || {shown} END"
        )
    return reasons


def validation_sql(contract: SourceContract, present: Iterable[str], relation: str = "received") -> str:
    """SELECT row_number, every contract column typed, reason FROM ``relation``, in row order.

    ``relation`` has the file's columns renamed to contract names plus ``row_number``. Columns the file
    lacks (optional ones) come out as typed NULLs. ``reason`` is NULL for a good row. Three steps: the
    trimmed text, the text with "no value" markers as NULL, then the parsed values next to their texts
    (so each parse is written once and the reasons can compare the two).
    """
    present = set(present)
    names = contract.column_names
    trimmed = [
        f"{_trimmed_sql(name) if name in present else 'CAST(NULL AS VARCHAR)'} AS {_identifier(name)}"
        for name in names
    ]
    texts = [f"{_text_sql(name)} AS {_identifier(name)}" for name in names]
    parsed = [
        f"{parse_sql(spec, _identifier(spec.name))} AS {_parsed_name(spec.name)}" for spec in contract.columns
    ]
    reasons = [
        reason
        for spec in contract.columns
        for reason in reasons_sql(spec, _identifier(spec.name), _parsed_name(spec.name))
    ]
    reason = (
        f"nullif(concat_ws({_literal(REASON_SEPARATOR)}, {', '.join(reasons)}), '')" if reasons else "NULL"
    )
    typed = ", ".join(f"{_parsed_name(name)} AS {_identifier(name)}" for name in names)
    return (
        f"WITH trimmed AS (SELECT row_number, {', '.join(trimmed)} FROM {relation}),\n"
        f"texts AS (SELECT row_number, {', '.join(texts)} FROM trimmed),\n"
        f"parsed AS (SELECT *, {', '.join(parsed)} FROM texts)\n"
        f"SELECT row_number, {typed}, {reason} AS reason FROM parsed ORDER BY row_number"
    )


# --- 4. the ingest -------------------------------------------------------------------------------------


def _received_id_text(table: pa.Table) -> pa.Array:
    """The ID column as received, as text (Parquet files may hold it as an integer)."""
    column = table.column("id_number")
    if not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _lake_table(
    contract: SourceContract, typed: pa.Table, id_raw: pa.Array, today: datetime.date | None
) -> pa.Table:
    """The good rows in the lake layout (contract columns, id_raw, id_status, id_key, row_number)."""
    # An empty cell is nothing received: null, as in the synthetic files.
    blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(id_raw), ""), False)
    id_raw = pc.if_else(blank, pa.scalar(None, pa.string()), id_raw)
    normalized, status, keys = normalize_ids_with_keys(id_raw, today=today)
    schema = lake_schema(contract)
    columns: dict[str, Any] = {name: typed.column(name) for name in contract.column_names}
    columns["id_number"] = normalized
    columns["id_raw"] = id_raw
    columns["id_status"] = status
    columns["id_key"] = keys
    columns["row_number"] = typed.column("row_number")
    return pa.table([pc.cast(columns[f.name], f.type) for f in schema], schema=schema)


def _rejected_table(
    contract: SourceContract, received: pa.Table, typed: pa.Table, rejected: np.ndarray
) -> pa.Table:
    """Rejected rows: row number, reason, then what arrived in each mapped column, as text."""
    picked = received.take(pa.array(rejected))
    fields = list(REJECTED_SCHEMA_HEAD)
    arrays: list[pa.Array | pa.ChunkedArray] = [
        typed.column("row_number").take(pa.array(rejected)),
        typed.column("reason").take(pa.array(rejected)),
    ]
    for name in contract.column_names:
        if name in picked.column_names:
            fields.append(pa.field(name, pa.string()))
            arrays.append(pc.cast(picked.column(name), pa.string()))
    return pa.table(arrays, schema=pa.schema(fields, metadata={"minzheng.source": contract.name}))


def _duplicate_key_rows(con: duckdb.DuckDBPyConnection, contract: SourceContract) -> int:
    keys = ", ".join(_identifier(name) for name in contract.key)
    not_null = " AND ".join(f"{_identifier(name)} IS NOT NULL" for name in contract.key)
    row = con.execute(
        f"SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM good WHERE {not_null} "
        f"GROUP BY {keys} HAVING count(*) > 1)"
    ).fetchone()
    return int(row[0]) if row else 0


def _reason_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    rows = con.execute(
        f"""
        SELECT split_part(part, '：', 1) AS kind, count(*) AS n
        FROM (SELECT unnest(string_split(reason, {_literal(REASON_SEPARATOR)})) AS part FROM typed WHERE reason IS NOT NULL)
        GROUP BY kind ORDER BY n DESC, kind LIMIT 20
        """
    ).fetchall()
    return [(str(kind), int(count)) for kind, count in rows]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ingest_file(
    source: str,
    path: Path,
    *,
    period: str,
    lake_dir: Path,
    progress: Progress | None = None,
    today: datetime.date | None = None,
) -> IngestReport:
    """Validate ``path`` against the contract of ``source`` and write it to the lake for ``period``.

    Raises :class:`LakeError` (nothing written) for an unknown source, a bad period, an unreadable file or
    missing required columns. Otherwise writes ``data.parquet`` and ``rejected.parquet`` (see the module
    docstring) and returns the report; ``status`` is ``unchanged`` when the lake already held these bytes.
    """
    contract = get_contract(source)
    storage.check_period(period)
    path = Path(path)
    received = read_table(path, progress)
    mapping = map_headers(contract, received.table.column_names)
    check_required_columns(contract, mapping)

    table = received.table.select(list(mapping.columns)).rename_columns(list(mapping.columns.values()))
    table = table.append_column("row_number", pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64)))
    _report(progress, CHECK_STAGE, 0, 3)
    con = duckdb.connect()
    try:
        con.register("received", table)
        typed = con.sql(validation_sql(contract, table.column_names)).to_arrow_table()
        con.register("typed", typed)
        _report(progress, CHECK_STAGE, 1, 3)
        is_rejected = np.asarray(pc.is_valid(typed.column("reason")))
        rejected = np.flatnonzero(is_rejected)
        good = np.flatnonzero(~is_rejected)
        id_raw = _received_id_text(table).take(pa.array(good))
        data = _lake_table(contract, typed.take(pa.array(good)), id_raw, today)
        _report(progress, CHECK_STAGE, 2, 3)
        con.register("good", data)
        duplicates = _duplicate_key_rows(con, contract)
        reasons = _reason_counts(con)
    finally:
        con.close()
    _report(progress, CHECK_STAGE, 3, 3)
    rejected_table = _rejected_table(contract, table, typed, rejected)
    statuses = pc.value_counts(data.column("id_status")).to_pylist() if data.num_rows else []
    counts = {status: 0 for status in ID_STATUSES} | {
        item["values"]: int(item["counts"]) for item in statuses
    }

    _report(progress, WRITE_STAGE, 0, 2)
    data_path = storage.dataset_path(lake_dir, contract.name, period)
    rejected_path = storage.dataset_path(lake_dir, contract.name, period, storage.REJECTED_FILE)
    pairs = [
        (
            storage.write_parquet_partial(storage.with_period(rejected_table, period), rejected_path),
            rejected_path,
        ),
        (
            storage.write_parquet_partial(storage.with_period(storage.lake_order(data), period), data_path),
            data_path,
        ),
    ]
    changed = storage.commit_partials(pairs)
    matching_index = ""
    resolved_sources: tuple[str, ...] = ()
    from minzheng.verification.matching.population import load_population_index, prepare_population_index
    from minzheng.verification.matching.resolution import prepare_resolutions

    index = None
    if contract.name == "hukou":
        # the fuzzy step compares with everyone of the register: its index is made now, once a month
        _report(progress, INDEX_STAGE, 0, 1)
        prepared = prepare_population_index(lake_dir, period)
        matching_index = "built" if prepared is not None and prepared.built else "current"
        index = prepared.index if prepared is not None else None
        _report(progress, INDEX_STAGE, 1, 1)
    elif contract.name in DEPARTMENT_SOURCES:
        index = load_population_index(lake_dir, period)
    if index is not None:
        # who the records with an unusable ID are, once, as they (or the register) arrive
        _report(progress, RESOLUTION_STAGE, 0, 1)
        only = None if contract.name == "hukou" else (contract.name,)
        resolved_sources = prepare_resolutions(lake_dir, period, index, only).built
        _report(progress, RESOLUTION_STAGE, 1, 1)
    report = IngestReport(
        source=contract.name,
        period=period,
        file_name=path.name,
        file_sha256=_sha256(path),
        file_format=received.file_format,
        encoding=received.encoding,
        rows_read=table.num_rows,
        rows_good=data.num_rows,
        rows_rejected=len(rejected),
        id_status_counts=counts,
        duplicate_key_rows=duplicates,
        key=contract.key,
        column_mapping=mapping.columns,
        missing_optional_columns=mapping.missing_optional,
        unknown_columns=mapping.unknown,
        rejection_reasons=reasons,
        status="written" if changed else "unchanged",
        data_path=str(data_path),
        rejected_path=str(rejected_path),
        matching_index=matching_index,
        resolved_sources=resolved_sources,
    )
    storage.write_text_atomically(
        report.as_json(), storage.dataset_path(lake_dir, contract.name, period, storage.REPORT_FILE)
    )
    _report(progress, WRITE_STAGE, 2, 2)
    return report
