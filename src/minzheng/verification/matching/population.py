"""The population register's matching index: what the fuzzy step needs of everyone in the city, made once
per month when the 户籍 arrives, not at every ``verify``.

The fuzzy step compares records with an unusable ID with the whole population register (see
`sql.population_features_sql`). Of its 6.3 million people it needs, every time, the same things:

- their comparison columns (`sql.population_index_features_sql`: pinyin, county, village, ID body…),
  keyed by the ID key, which the month's registry maps to its person ids;
- the pinyin of every distinct name (a lookup: the registry's and the records' names are mostly in it);
- the term frequencies of names and of their pinyin (张伟 agreeing says less than 禄永富);
- u, how often two unrelated people agree at each comparison level, sampled from random pairs of the
  register (deterministic: a fixed seed) and stored under a fingerprint of the comparisons that made it.

`build_population_index` computes them on a DuckDB connection (in memory: tests, or a lake without an
index); `prepare_population_index` writes them next to the register, under
``<lake>/hukou/<period>/matching/``, with a manifest naming the register file they were made from
(size and modification time): `lake ingest hukou` and `synth` call it, and `verify` rebuilds an index
that is missing or older than its register. At scale 1 it takes about 15 s, once a month.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds

from minzheng.compute.snapshot import Input, register_input, unregister_input

from . import sql
from .fuzzy import FuzzySettings, comparisons
from .pinyin import pinyin_table

INDEX_DIR = "matching"
FEATURES_FILE = "features.parquet"
PINYIN_FILE = "name_pinyin.parquet"
TF_FILES = {"name": "tf_name.parquet", "name_pinyin": "tf_name_pinyin.parquet"}
U_FILE = "u_probabilities.json"
MANIFEST_FILE = "manifest.json"
INDEX_VERSION = 1
"""Raised when the index layout or the feature SQL changes: an index of another version is rebuilt."""

TF_COLUMNS = ("name", "name_pinyin")
"""The columns whose exact level carries a term-frequency adjustment (fuzzy._level_creators)."""


@dataclass(frozen=True)
class PopulationIndex:
    """The matching index of one month's population register."""

    features: Input
    """id_key and the comparison columns (sql.population_index_features_sql), one row per person."""
    pinyin: Input
    """name, name_pinyin: every distinct name of the register."""
    term_frequencies: Mapping[str, Input]
    """column → (value, tf_<column>): Splink's term-frequency lookups over the register."""
    u_probabilities: Mapping[str, tuple[float, ...]]
    """comparison → u of each non-null level, sampled from random pairs of the register."""
    u_fingerprint: str
    """What made the u values (`u_fingerprint`): another model's levels need another sample."""
    people: int


def u_fingerprint(settings: FuzzySettings) -> str:
    """A digest of what the sampled u values depend on: the levels' conditions, the fixed u values, the
    sample size and the seed (not m, the threshold or the prior, which play no part in sampling u)."""
    described: list[Any] = [INDEX_VERSION, float(settings.u_max_pairs), int(settings.seed)]
    for comparison in comparisons(settings):
        levels = comparison.get_comparison("duckdb").as_dict()["comparison_levels"]
        described.append(
            [
                [
                    level["sql_condition"],
                    level.get("tf_adjustment_column"),
                    level.get("u_probability") if level.get("fix_u_probability") else None,
                ]
                for level in levels
            ]
        )
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]


def build_population_index(
    con: duckdb.DuckDBPyConnection,
    population: Input,
    settings: FuzzySettings | None = None,
) -> PopulationIndex:
    """The index of `population` (the 户籍 in its lake layout), as Arrow tables."""
    settings = settings or FuzzySettings()
    view = "mz_population_index_source"
    register_input(con, view, population)
    try:
        names = con.sql(sql.distinct_names_sql(view)).to_arrow_table()
        pinyin = pinyin_table(names["name"])
        con.register("mz_population_index_pinyin", pinyin)
        try:
            features = con.sql(
                sql.population_index_features_sql(view, "mz_population_index_pinyin")
            ).to_arrow_table()
        finally:
            con.unregister("mz_population_index_pinyin")
    finally:
        unregister_input(con, view, population)
    term_frequencies = {column: term_frequency_table(con, features, column) for column in TF_COLUMNS}
    if settings.estimate_u:
        u, fingerprint = estimate_population_u(con, features, settings), u_fingerprint(settings)
    else:  # a model with every u fixed samples nothing
        u, fingerprint = {column: tuple(values) for column, values in settings.u_probabilities.items()}, ""
    return PopulationIndex(
        features=features,
        pinyin=pinyin,
        term_frequencies=term_frequencies,
        u_probabilities=u,
        u_fingerprint=fingerprint,
        people=features.num_rows,
    )


def term_frequency_table(con: duckdb.DuckDBPyConnection, features: Input, column: str) -> pa.Table:
    """Splink's term-frequency lookup of `column`: each value's share of the non-null values."""
    sql.check_identifier(column)
    view = "mz_population_index_tf"
    register_input(con, view, features)
    try:
        return con.sql(
            f"""
            SELECT {column}, CAST(count(*) AS DOUBLE) / sum(count(*)) OVER () AS tf_{column}
            FROM {view} WHERE {column} IS NOT NULL GROUP BY {column} ORDER BY {column}
            """
        ).to_arrow_table()
    finally:
        unregister_input(con, view, features)


def estimate_population_u(
    con: duckdb.DuckDBPyConnection, features: Input, settings: FuzzySettings
) -> dict[str, tuple[float, ...]]:
    """u of every non-null level, from Splink's random sampling of pairs of the register (seeded).

    The levels in fuzzy.ALWAYS_FIXED_U, and any level the sample never reaches, keep their fixed u.
    """
    from splink import Linker, SettingsCreator
    from splink.backends.duckdb import DuckDBAPI

    view = "mz_population_index_u"
    columns = ", ".join(sql.COMPARISON_COLUMNS)
    register_input(con, f"{view}_features", features)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {view} AS "
        f"SELECT CAST(id_key AS VARCHAR) AS unique_id, {columns} FROM {view}_features"
    )
    linker = None
    try:
        api = DuckDBAPI(connection=con)
        linker = Linker(
            api.register(view, dataset_display_name="population"),
            SettingsCreator(
                link_type="dedupe_only",
                unique_id_column_name="unique_id",
                comparisons=comparisons(replace(settings, estimate_u=True)),
                probability_two_random_records_match=1e-7,
            ),
            log_level=None,
        )
        linker.training.estimate_u_using_random_sampling(
            max_pairs=settings.u_max_pairs, seed=settings.seed, min_count_per_level=None, num_chunks=1
        )
        model = linker.misc.save_model_to_json()
    finally:
        if linker is not None:
            linker.table_management.delete_tables_created_by_splink_from_db()
        con.execute(f"DROP VIEW IF EXISTS {view}")
        unregister_input(con, f"{view}_features", features)
    result = {}
    for comparison in model["comparisons"]:
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        result[comparison["output_column_name"]] = tuple(float(level["u_probability"]) for level in levels)
    return result


def with_index_u(settings: FuzzySettings, index: PopulationIndex) -> FuzzySettings:
    """`settings` with the index's u fixed (nothing left to sample) if the index's u was sampled for them;
    otherwise `settings` as they are (u fixed already, or to be sampled for another model)."""
    if not settings.estimate_u or index.u_fingerprint != u_fingerprint(settings):
        return settings
    return replace(settings, u_probabilities=dict(index.u_probabilities), estimate_u=False)


# ------------------------------------------------------------------------------------------ on disk


def index_dir(lake_dir: Path, period: str) -> Path:
    from minzheng.verification.lake.storage import dataset_dir

    return dataset_dir(lake_dir, "hukou", period) / INDEX_DIR


def _register_file(lake_dir: Path, period: str) -> Path:
    from minzheng.verification.lake.storage import dataset_path

    return dataset_path(lake_dir, "hukou", period)


def _source_stamp(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def load_population_index(lake_dir: Path, period: str) -> PopulationIndex | None:
    """The period's index if it is on disk and was made from the register now in the lake, else None."""
    directory = index_dir(lake_dir, period)
    register = _register_file(lake_dir, period)
    try:
        manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        u_stored = json.loads((directory / U_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not register.exists()
        or manifest.get("version") != INDEX_VERSION
        or manifest.get("source") != _source_stamp(register)
    ):
        return None
    files = [directory / FEATURES_FILE, directory / PINYIN_FILE, *(directory / f for f in TF_FILES.values())]
    if not all(path.exists() for path in files):
        return None
    return PopulationIndex(
        features=ds.dataset(directory / FEATURES_FILE, format="parquet"),
        pinyin=ds.dataset(directory / PINYIN_FILE, format="parquet"),
        term_frequencies={
            column: ds.dataset(directory / file_name, format="parquet")
            for column, file_name in TF_FILES.items()
        },
        u_probabilities={column: tuple(values) for column, values in u_stored["u"].items()},
        u_fingerprint=str(u_stored["fingerprint"]),
        people=int(manifest["people"]),
    )


@dataclass(frozen=True)
class PreparedIndex:
    index: PopulationIndex
    built: bool
    """False when the index on disk was current and nothing was done."""
    seconds: float


def prepare_population_index(
    lake_dir: Path, period: str, settings: FuzzySettings | None = None, *, force: bool = False
) -> PreparedIndex | None:
    """Make sure the period's index is on disk and current (for `settings`' u); None without a register."""
    from minzheng.verification.lake.storage import write_parquet_atomically, write_text_atomically

    settings = settings or FuzzySettings()
    started = time.perf_counter()
    register = _register_file(lake_dir, period)
    if not register.exists():
        return None
    current = None if force else load_population_index(lake_dir, period)
    if current is not None and current.u_fingerprint == u_fingerprint(settings):
        return PreparedIndex(current, built=False, seconds=time.perf_counter() - started)
    directory = index_dir(lake_dir, period)
    con = duckdb.connect()
    try:
        if current is not None:  # the data is current, only u was sampled for another model
            u = estimate_population_u(con, current.features, settings)
        else:
            stamp = _source_stamp(register)
            built = build_population_index(con, ds.dataset(register, format="parquet"), settings)
            write_parquet_atomically(_as_table(built.features), directory / FEATURES_FILE)
            write_parquet_atomically(_as_table(built.pinyin), directory / PINYIN_FILE)
            for column, file_name in TF_FILES.items():
                write_parquet_atomically(_as_table(built.term_frequencies[column]), directory / file_name)
            manifest = {"version": INDEX_VERSION, "source": stamp, "people": built.people}
            write_text_atomically(
                json.dumps(manifest, ensure_ascii=False, indent=1), directory / MANIFEST_FILE
            )
            u = dict(built.u_probabilities)
    finally:
        con.close()
    stored = {
        "fingerprint": u_fingerprint(settings),
        "u": {column: list(values) for column, values in u.items()},
    }
    write_text_atomically(json.dumps(stored, indent=1), directory / U_FILE)
    index = load_population_index(lake_dir, period)
    assert index is not None
    return PreparedIndex(index, built=True, seconds=time.perf_counter() - started)


def _as_table(table: Input) -> pa.Table:
    return table if isinstance(table, pa.Table) else table.to_table()
