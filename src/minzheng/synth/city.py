"""Entry points: generate a synthetic city and write it to the lake as Parquet.

`generate()` is deterministic for a (city, scale, seed, reference_date): two runs give equal tables,
so tests, benchmarks and demos can refer to the same people. The region tree does not depend on the
seed or the scale (see `regions`).

The lake layout is the one the verification plane reads: the 户籍 dataset as a departmental source
(`hukou/<period>/data.parquet`) and the registry tables, which the record plane imports, under
`synth/<period>/`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from minzheng.synth.lowincome import generate_low_income
from minzheng.synth.population import generate_population
from minzheng.synth.regions import build_regions

Progress = Callable[[str, int, int], None]
"""Called as progress(stage_name, done, total) after each stage, to drive a progress bar."""

STAGES = (
    "regions",
    "households",
    "people",
    "id_numbers",
    "names",
    "population_table",
    "low_income_selection",
    "registry_persons",
    "incomes",
    "assets",
)
"""Generation stages in order; `done` counts them, `total` is their number."""

SUPPORTED_CITIES = ("zhaotong",)
REGISTRY_TABLES = ("regions", "households", "persons", "memberships", "incomes", "assets")


@dataclass(frozen=True)
class SynthCity:
    """A whole synthetic city: the 户籍 population and the low-income registry drawn from it."""

    reference_date: datetime.date
    regions: pa.Table
    population: pa.Table
    """The 户籍 dataset, whole city."""
    households: pa.Table
    """Low-income registry households."""
    persons: pa.Table
    """Registry persons (members of those households)."""
    memberships: pa.Table
    incomes: pa.Table
    assets: pa.Table


def _stage_reporter(progress: Progress | None) -> Callable[[str], None]:
    """Turn "stage finished" notifications into progress(stage, done, total) over all STAGES."""

    def report(stage: str) -> None:
        if progress is not None:
            progress(stage, STAGES.index(stage) + 1, len(STAGES))

    return report


def generate(
    *,
    city: str = "zhaotong",
    scale: float = 0.01,
    seed: int = 1,
    reference_date: datetime.date = datetime.date(2023, 6, 30),
    progress: Progress | None = None,
) -> SynthCity:
    """Generate the synthetic city at `scale` (1 = 6.3M registered people)."""
    if city not in SUPPORTED_CITIES:
        raise ValueError(f"unknown city {city!r}; supported: {', '.join(SUPPORTED_CITIES)}")
    if scale <= 0:
        raise ValueError("scale must be positive")
    report = _stage_reporter(progress)
    regions = build_regions()
    report("regions")
    population = generate_population(
        regions, scale=scale, seed=seed, reference_date=reference_date, on_stage=report
    )
    registry = generate_low_income(
        population, regions, seed=seed, reference_date=reference_date, on_stage=report
    )
    return SynthCity(
        reference_date=reference_date,
        regions=regions.table,
        population=population.table,
        households=registry.households,
        persons=registry.persons,
        memberships=registry.memberships,
        incomes=registry.incomes,
        assets=registry.assets,
    )


def write_lake(city: SynthCity, lake_dir: Path, period: str = "2023-06") -> dict[str, Path]:
    """Write the city as Parquet under `lake_dir` and return the path of each table.

    `hukou/<period>/data.parquet` holds the population; `synth/<period>/<table>.parquet` the rest.
    Files are written to a temporary name and renamed, so a reader never sees half a file.
    """
    lake_dir = Path(lake_dir)
    targets = {"population": lake_dir / "hukou" / period / "data.parquet"}
    targets |= {name: lake_dir / "synth" / period / f"{name}.parquet" for name in REGISTRY_TABLES}
    for name, path in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        pq.write_table(getattr(city, name), partial, compression="zstd", row_group_size=1_000_000)
        partial.replace(path)
    return targets
