"""Who a departmental record with an unusable ID is, resolved against the month's population register
when the record (or the register) arrives, not at every ``verify``.

A record whose ID cannot be joined (missing, a bad check character, a garbled date) is compared by
name, pinyin, birth date, region and the surviving digits with everyone of the city (pipeline.py,
`sql.population_features_sql`). Of 900 thousand such records a month at scale 1, nine in ten are
people outside the registry; which person of the register each of them is does not depend on the
registry. So the comparison is made once, against the register alone (`resolve_sources`): each
record's best candidate, by ID key, or the candidates tied for best. `verify` then links a stored
resolution to the registry by ID key: a best candidate who is a registry person is a link; a tie with
a registry person among the tied is ambiguous (pipeline.link_sources). The same links as comparing
at verify time, when every registry person is in the register; when some are not (no ID key, or one
the register lacks), verify compares at verify time, as before.

On disk, next to the source's data, under ``<lake>/<source>/<period>/matching/``: the resolution
(Parquet) and a manifest naming the data file and the register file it was made from (size and
modification time) and a digest of the model: `lake ingest` and `synth` make it, `verify` rebuilds
one that is missing or stale (`prepare_resolutions`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds

from minzheng.compute.snapshot import Input, register_input, unregister_input

from . import sql
from .fuzzy import FuzzySettings
from .population import INDEX_DIR, PopulationIndex, with_index_u

RESOLUTION_FILE = "resolution.parquet"
MANIFEST_FILE = "resolution.json"
RESOLUTION_VERSION = 1
"""Raised when the layout or the matching SQL changes: a resolution of another version is rebuilt."""

RESOLUTION_SCHEMA = pa.schema(
    [
        ("record_id", pa.string()),
        ("id_key", pa.int64()),
        ("match_weight", pa.float64()),
        ("match_probability", pa.float64()),
        ("explanation", pa.string()),
        ("tied", pa.bool_()),
    ]
)
"""One row per record with a best candidate at or above the threshold (tied false), or one row per
candidate tied for best (tied true). Records that name nobody of the register have no row."""

EMPTY_REGISTRY = pa.schema(
    [
        ("person_id", pa.int64()),
        ("id_key", pa.int64()),
        ("id_number", pa.string()),
        ("name", pa.string()),
        ("birth_date", pa.date32()),
        ("region_code", pa.string()),
    ]
).empty_table()
"""The registry of a resolution: nobody. Every record is compared with the register only."""


@dataclass(frozen=True)
class Resolution:
    """One source's resolution for one period."""

    rows: Input
    """RESOLUTION_SCHEMA."""
    records: int
    """Records that went to the comparison (unusable ID, not placed by a converted 15-digit one)."""
    candidates_scored: int
    digest: str
    """`settings_digest` of the model that made it: verify uses it only with the same model."""


def settings_digest(settings: FuzzySettings, index: PopulationIndex) -> str:
    """A digest of everything a resolution depends on besides the data: the model (with the register's
    u, as verify uses it) and the register's size (the prior)."""
    settings = with_index_u(settings, index)
    described = {
        "version": RESOLUTION_VERSION,
        "settings": {
            key: (dict(value) if isinstance(value, Mapping) else value)
            for key, value in dataclasses.asdict(settings).items()
        },
        "people": index.people,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=list).encode()).hexdigest()[:16]


def resolve_sources(
    con: duckdb.DuckDBPyConnection,
    sources: Mapping[str, Input],
    index: PopulationIndex,
    settings: FuzzySettings | None = None,
) -> dict[str, Resolution]:
    """Resolve the records of every source that need the fuzzy step against the register alone, in one
    Splink session (as link_sources does at verify time)."""
    from .pipeline import (
        _RUN_IDS,
        _gather_pending,
        _run_fuzzy,
        _split_fuzzy_links,
    )

    settings = settings or FuzzySettings()
    run = next(_RUN_IDS)
    registry_view = f"mz_resolution_registry_{run}"
    population_view = f"mz_resolution_population_{run}"
    source_views = {name: f"mz_resolution_source_{name}_{run}" for name in sources}
    pending = f"mz_resolution_records_{run}"
    for name in sources:
        sql.check_identifier(name)
    con.register(registry_view, EMPTY_REGISTRY)
    register_input(con, population_view, index.features)
    try:
        for name, source in sources.items():
            register_input(con, source_views[name], source)
        records = _gather_pending(con, pending, source_views, registry_view, population_view)
        result = _run_fuzzy(con, pending, registry_view, index, population_view, settings, run, everyone=True)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {pending}")
        for name, source in sources.items():
            unregister_input(con, source_views[name], source)
        unregister_input(con, population_view, index.features)
        con.unregister(registry_view)

    found = [_resolution_rows(result.links, tied=False)]
    if result.ties is not None:
        found.append(_resolution_rows(result.ties, tied=True))
    rows = _split_fuzzy_links(pa.concat_tables(found), list(sources))
    digest = settings_digest(settings, index)
    return {
        name: Resolution(
            rows=rows.get(name, RESOLUTION_SCHEMA.empty_table()),
            records=records[name],
            candidates_scored=result.by_source.get(name, (0, 0))[0],
            digest=digest,
        )
        for name in sources
    }


def _resolution_rows(candidates: pa.Table, *, tied: bool) -> pa.Table:
    """Best links or tied candidates (record_id, person_id = the ID key, weight, probability, explanation)
    as rows of RESOLUTION_SCHEMA."""
    return pa.table(
        {
            "record_id": candidates["record_id"].cast(pa.string()),
            "id_key": candidates["person_id"].cast(pa.int64()),
            "match_weight": candidates["match_weight"].cast(pa.float64()),
            "match_probability": candidates["match_probability"].cast(pa.float64()),
            "explanation": candidates["explanation"].cast(pa.string()),
            "tied": pa.array([tied] * candidates.num_rows, pa.bool_()),
        },
        schema=RESOLUTION_SCHEMA,
    )


# ------------------------------------------------------------------------------------------ on disk


def resolution_dir(lake_dir: Path, source: str, period: str) -> Path:
    from minzheng.verification.lake.storage import dataset_dir

    return dataset_dir(lake_dir, source, period) / INDEX_DIR


def _stamps(lake_dir: Path, source: str, period: str) -> dict[str, dict[str, int]] | None:
    from minzheng.verification.lake.storage import dataset_path

    stamps = {}
    paths = {
        "source": dataset_path(lake_dir, source, period),
        "register": dataset_path(lake_dir, "hukou", period),
    }
    for name, path in paths.items():
        try:
            stat = path.stat()
        except OSError:
            return None
        stamps[name] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    return stamps


def load_resolution(lake_dir: Path, source: str, period: str, digest: str) -> Resolution | None:
    """The source's resolution if it is on disk, made from the data and the register now in the lake,
    by the model of `digest`; else None."""
    directory = resolution_dir(lake_dir, source, period)
    try:
        manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    stamps = _stamps(lake_dir, source, period)
    if (
        stamps is None
        or manifest.get("version") != RESOLUTION_VERSION
        or manifest.get("digest") != digest
        or manifest.get("stamps") != stamps
        or not (directory / RESOLUTION_FILE).exists()
    ):
        return None
    return Resolution(
        rows=ds.dataset(directory / RESOLUTION_FILE, format="parquet"),
        records=int(manifest["records"]),
        candidates_scored=int(manifest["candidates_scored"]),
        digest=digest,
    )


@dataclass(frozen=True)
class PreparedResolutions:
    resolutions: dict[str, Resolution]
    built: tuple[str, ...]
    """The sources resolved now (the others were current)."""
    seconds: float


def prepare_resolutions(
    lake_dir: Path,
    period: str,
    index: PopulationIndex,
    sources: tuple[str, ...] | None = None,
    settings: FuzzySettings | None = None,
    *,
    force: bool = False,
) -> PreparedResolutions:
    """Make sure every departmental source of the period (or those of `sources` present) has a current
    resolution on disk; the missing and stale ones are made in one comparison."""
    from minzheng.verification.lake.contracts import DEPARTMENT_SOURCES
    from minzheng.verification.lake.storage import (
        dataset_path,
        write_parquet_atomically,
        write_text_atomically,
    )

    started = time.perf_counter()
    settings = settings or FuzzySettings()
    digest = settings_digest(settings, index)
    names = [
        name
        for name in (sources if sources is not None else DEPARTMENT_SOURCES)
        if name in DEPARTMENT_SOURCES and dataset_path(lake_dir, name, period).exists()
    ]
    current: dict[str, Resolution] = {}
    for name in names:
        loaded = None if force else load_resolution(lake_dir, name, period, digest)
        if loaded is not None:
            current[name] = loaded
    stale = [name for name in names if name not in current]
    if stale:
        stamps = {name: _stamps(lake_dir, name, period) for name in stale}
        con = duckdb.connect()
        try:
            made = resolve_sources(
                con,
                {name: ds.dataset(dataset_path(lake_dir, name, period), format="parquet") for name in stale},
                index,
                settings,
            )
        finally:
            con.close()
        for name, resolution in made.items():
            directory = resolution_dir(lake_dir, name, period)
            rows = resolution.rows if isinstance(resolution.rows, pa.Table) else resolution.rows.to_table()
            write_parquet_atomically(rows, directory / RESOLUTION_FILE)
            manifest = {
                "version": RESOLUTION_VERSION,
                "digest": digest,
                "stamps": stamps[name],
                "records": resolution.records,
                "candidates_scored": resolution.candidates_scored,
                "rows": rows.num_rows,
            }
            write_text_atomically(json.dumps(manifest, indent=1), directory / MANIFEST_FILE)
            current[name] = resolution
    return PreparedResolutions(
        resolutions={name: current[name] for name in names},
        built=tuple(stale),
        seconds=time.perf_counter() - started,
    )
