"""Tiny registry and source tables for the matching tests, written out row by row."""

from __future__ import annotations

import datetime

import pyarrow as pa
from stdnum.cn import ric

from minzheng.verification.matching.fixture import classify_ids


def id_number(address: str, birth: str, sequence: str) -> str:
    """A valid 18-digit ID from its parts (birth as YYYYMMDD)."""
    body = address + birth + sequence
    return body + ric.calc_check_digit(body + "0")


def registry(rows: list[dict]) -> pa.Table:
    """registry_people: person_id, id_number, id_key, name, birth_date, region_code, household_id."""
    return pa.table(
        {
            "person_id": pa.array([row["person_id"] for row in rows], pa.int64()),
            "id_number": pa.array([row["id_number"] for row in rows], pa.string()),
            "id_key": pa.array([int(row["id_number"][:17]) for row in rows], pa.int64()),
            "name": pa.array([row["name"] for row in rows], pa.string()),
            "birth_date": pa.array([_date(row["id_number"][6:14]) for row in rows], pa.date32()),
            "region_code": pa.array([row["region_code"] for row in rows], pa.string()),
            "household_id": pa.array([row.get("household_id", row["person_id"]) for row in rows], pa.int64()),
        }
    )


def source(rows: list[dict]) -> pa.Table:
    """A departmental source in the lake layout; id_number, id_status, id_key derived from id_raw."""
    raw = pa.array([row.get("id_raw") for row in rows], pa.string())
    numbers, statuses, keys = classify_ids(raw)
    return pa.table(
        {
            "record_id": pa.array([row["record_id"] for row in rows], pa.string()),
            "id_number": numbers,
            "id_raw": raw,
            "id_status": statuses,
            "id_key": keys,
            "name": pa.array([row.get("name") for row in rows], pa.string()),
            "birth_date": pa.array([row.get("birth_date") for row in rows], pa.date32()),
            "region_code": pa.array([row.get("region_code") for row in rows], pa.string()),
        }
    )


def _date(text: str) -> datetime.date:
    return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))


FEATURE_SCHEMA = pa.schema(
    [
        ("name", pa.string()),
        ("name_pinyin", pa.string()),
        ("birth_date", pa.date32()),
        ("birth_year", pa.int32()),
        ("county", pa.string()),
        ("village", pa.string()),
        ("id_body", pa.string()),
        ("id_tail", pa.string()),
    ]
)


def features(key_name: str, key_type: pa.DataType, rows: list[dict]) -> pa.Table:
    """A feature table (as sql.record_features_sql / registry_features_sql make) from partial rows."""
    columns = {key_name: pa.array([row[key_name] for row in rows], key_type)}
    for field in FEATURE_SCHEMA:
        columns[field.name] = pa.array([row.get(field.name) for row in rows], field.type)
    return pa.table(columns)
