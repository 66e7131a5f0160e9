"""The data-contract pages (``docs/data-contracts/<source>.md``), rendered from the contracts.

``minzheng lake docs`` rewrites them; a test fails when a page differs from what the contract renders, so
the documents cannot drift from the code.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from minzheng.verification.lake.contracts import CONTRACTS, LAKE_EXTRA_COLUMNS, SourceContract
from minzheng.verification.lake.ids import ID_STATUSES


def type_label(type_: pa.DataType) -> str:
    if pa.types.is_decimal(type_):
        return f"decimal({type_.precision},{type_.scale})"
    if pa.types.is_date(type_):
        return "date"
    if pa.types.is_boolean(type_):
        return "bool"
    return str(type_)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_contract(contract: SourceContract) -> str:
    """The Markdown page of one source: what it is, its columns, what the lake adds."""
    key = ", ".join(f"`{name}`" for name in contract.key)
    lines = [
        f"# 数据约定：{contract.title}（{contract.name}）",
        "",
        "<!-- Generated from src/minzheng/verification/lake/contracts.py by `minzheng lake docs`; do not edit. -->",
        "",
        "| | |",
        "|---|---|",
        f"| 来源 source | {contract.department} |",
        f"| 文件 file | `$MINZHENG_LAKE/{contract.name}/<period>/data.parquet` (rejected rows: `rejected.parquet`, "
        "report: `report.json`) |",
        f"| 一行 a row is | {contract.row_meaning} |",
        f"| 键 key | {key} |",
        f"| 频率 arrives | {contract.frequency} |",
        f"| 导入 ingest | `minzheng lake ingest {contract.name} FILE --period YYYY-MM` (CSV UTF-8/GBK, xlsx, Parquet) |",
        "",
        "| 列 column | 类型 type | 必填 required | 表头 headers accepted | 取值 values | 含义 meaning |",
        "|---|---|---|---|---|---|",
    ]
    for spec in contract.columns:
        headers = " / ".join(spec.headers[1:])
        values = " / ".join(str(choice) for choice in spec.choices)
        if spec.pattern:
            values = f"`{spec.pattern}`"
        required = "是" if spec.required else ""
        if spec.name == "id_number":
            required = "是（列必须有；空值保留为 missing）"
        lines.append(
            f"| {spec.name} | {type_label(spec.type)} | {required} | {_cell(headers)} | {_cell(values)} "
            f"| {_cell(spec.meaning)} |"
        )
    lines += [
        "",
        "The lake adds, after the contract's columns:",
        "",
        "| 列 column | 类型 type | 含义 meaning |",
        "|---|---|---|",
    ]
    lines += [
        f"| {name} | {type_label(type_)} | {_cell(meaning)} |" for name, type_, meaning in LAKE_EXTRA_COLUMNS
    ]
    statuses = "、".join(f"`{code}` {label}" for code, label in ID_STATUSES.items())
    lines += [
        "",
        "Rows whose ID number is unusable are kept (with `id_status`), because the matcher falls back on name + "
        "birth date + region. A row is rejected only when a required value other than the ID is missing or a value "
        "cannot be read (not a date, not a number, not an allowed value, wrong format); `rejected.parquet` holds "
        "its row number, the Chinese reason and what arrived.",
        "",
        f"ID statuses: {statuses}.",
    ]
    if contract.notes:
        lines += ["", contract.notes]
    return "\n".join(lines) + "\n"


def contract_doc_path(directory: Path, contract: SourceContract) -> Path:
    return Path(directory) / f"{contract.name}.md"


def write_contract_docs(directory: Path) -> list[Path]:
    """(Re)write every source's page under ``directory``; return the pages that changed."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for contract in CONTRACTS.values():
        path = contract_doc_path(directory, contract)
        text = render_contract(contract)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def stale_contract_docs(directory: Path) -> list[str]:
    """Sources whose page under ``directory`` is missing or differs from the contract."""
    stale = []
    for contract in CONTRACTS.values():
        path = contract_doc_path(directory, contract)
        if not path.exists() or path.read_text(encoding="utf-8") != render_contract(contract):
            stale.append(contract.name)
    return stale
