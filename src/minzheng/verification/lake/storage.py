"""The lake on disk: ``<lake>/<source>/<period>/data.parquet`` (+ ``rejected.parquet``, ``report.json``).

A data file holds the rows with an ID to check first (`lake_order`).

Files are written to a temporary name in the same folder and renamed, so a reader never sees half a file;
the Parquet options are fixed so that the same table always gives the same bytes, which is how a
re-ingest of the same file is recognised as unchanged.
"""

from __future__ import annotations

import filecmp
import os
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from minzheng.verification.lake.errors import LakeError

DATA_FILE = "data.parquet"
REJECTED_FILE = "rejected.parquet"
REPORT_FILE = "report.json"
PERIOD_PATTERN = re.compile(r"^(19|20)\d{2}-(0[1-9]|1[0-2])$")
ROW_GROUP_SIZE = 1_000_000


def check_period(period: str) -> str:
    """A period is a month, ``YYYY-MM``; anything else is refused in Chinese."""
    if not PERIOD_PATTERN.match(period or ""):
        raise LakeError(
            f"期别格式错误：{period!r}，应为“年-月”，如 2023-06", code="bad_period", field="period"
        )
    return period


def dataset_dir(lake_dir: Path, source: str, period: str) -> Path:
    return Path(lake_dir) / source / check_period(period)


def dataset_path(lake_dir: Path, source: str, period: str, file_name: str = DATA_FILE) -> Path:
    """Where a source's file for a period lives (``data.parquet`` unless said otherwise)."""
    return dataset_dir(lake_dir, source, period) / file_name


def lake_order(table: pa.Table) -> pa.Table:
    """The rows with an ID to check (any ``id_status`` but ``valid``) first, then the valid ones, each in
    their received order (``row_number`` says where a row was in the file).

    A month's file is tens of millions of rows, of which a few percent need the fuzzy step: kept
    together, they fill the first row group, and a reader of them skips every other row group by its
    statistics (id_status all ``valid``) instead of decoding the whole file.
    """
    if "id_status" not in table.column_names or table.num_rows == 0:
        return table
    valid = np.asarray(pc.fill_null(pc.equal(table.column("id_status"), "valid"), False))
    order = np.concatenate([np.flatnonzero(~valid), np.flatnonzero(valid)])
    return table.take(pa.array(order))


def with_period(table: pa.Table, period: str) -> pa.Table:
    """The table with ``minzheng.period`` added to its schema metadata (kept in the Parquet file)."""
    metadata = dict(table.schema.metadata or {})
    metadata[b"minzheng.period"] = period.encode()
    return table.replace_schema_metadata(metadata)


def _partial_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.partial")


def write_parquet_partial(table: pa.Table, path: Path) -> Path:
    """Write ``table`` next to ``path`` under a temporary name; return that name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial_path(path)
    pq.write_table(
        table,
        partial,
        compression="zstd",
        row_group_size=ROW_GROUP_SIZE,
        write_statistics=True,
        store_schema=True,
    )
    return partial


def same_bytes(partial: Path, path: Path) -> bool:
    return path.exists() and filecmp.cmp(partial, path, shallow=False)


def commit_partials(pairs: list[tuple[Path, Path]]) -> bool:
    """Rename every (partial, final) pair unless all finals already hold the same bytes.

    Returns True when something changed; otherwise the partials are removed and the lake is untouched.
    The data file goes last, so a reader who sees the new data also sees its rejected rows.
    """
    if all(same_bytes(partial, final) for partial, final in pairs):
        for partial, _ in pairs:
            partial.unlink()
        return False
    for partial, final in pairs:
        os.replace(partial, final)
    return True


def write_parquet_atomically(table: pa.Table, path: Path) -> bool:
    """Write one Parquet file by temp + rename; False (and nothing touched) when the bytes are the same."""
    return commit_partials([(write_parquet_partial(table, path), path)])


def write_text_atomically(text: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial_path(path)
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def write_dataset(table: pa.Table, lake_dir: Path, source: str, period: str) -> tuple[Path, bool]:
    """Write a source's normalised table as ``<lake>/<source>/<period>/data.parquet``; (path, changed)."""
    path = dataset_path(lake_dir, source, period)
    return path, write_parquet_atomically(with_period(lake_order(table), period), path)
