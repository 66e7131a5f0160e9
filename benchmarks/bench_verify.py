"""`minzheng verify` for one month: wall time and peak memory of the whole pipeline on DuckDB, its ratio to
the raw floor (a bare DuckDB hash join of the same ID keys, measured in the same run), precision and
recall of the findings against the planted truth (exact-ID and fuzzy cases apart), and the Spark
local-mode time of the same month.

Goal (issue: verification): at scale 1 (≈0.6M registry people, ≈30M departmental rows) under 10 s wall
and 8 GB on this 2-core machine, within 3× of the raw floor; precision and recall ≥ 0.99 at scale 0.1.
"""

from __future__ import annotations

import datetime
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RECORD_PLANE = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
TITLE = f"verify: one month of data matching, findings, tasks and monitoring ({RECORD_PLANE} record plane)"
"""With DATABASE_URL set to an empty PostgreSQL database, the same run on PostgreSQL (COPY in and out)."""
ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2023-06"


def run(scale: float = 1.0) -> list[str]:
    var = Path(tempfile.mkdtemp(prefix="mz-bench-verify-"))
    env = {**os.environ, "MINZHENG_VAR": str(var), "DJANGO_SETTINGS_MODULE": "minzheng.settings.base"}
    minzheng = str(ROOT / ".venv" / "bin" / "minzheng")
    subprocess.run([minzheng, "migrate", "--noinput", "-v", "0"], env=env, check=True)
    subprocess.run(
        [minzheng, "synth", "--scale", str(scale), "--load", "--payroll-months", "0", "--no-cases"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    import duckdb
    import pyarrow.parquet as pq

    from minzheng.compute.snapshot import input_rows, register_input
    from minzheng.verification.evaluate import evaluate_findings
    from minzheng.verification.matching.population import prepare_population_index
    from minzheng.verification.pipeline import read_lake, run_verify, snapshot_registry

    lake = var / "lake"
    # the register's matching index is made when the 户籍 is ingested (synth made it): timed apart, once
    started = time.perf_counter()
    prepared = prepare_population_index(lake, PERIOD, force=True)
    index_seconds = time.perf_counter() - started
    people_in_register = prepared.index.people if prepared is not None else 0
    # so are the records with an unusable ID resolved against it, as each source arrives: timed apart
    resolution_seconds, resolved_records, resolved_candidates = 0.0, 0, 0
    if prepared is not None:
        from minzheng.verification.matching.resolution import prepare_resolutions

        resolved = prepare_resolutions(lake, PERIOD, prepared.index, force=True)
        resolution_seconds = resolved.seconds
        resolved_records = sum(r.records for r in resolved.resolutions.values())
        resolved_candidates = sum(r.candidates_scored for r in resolved.resolutions.values())

    started = time.perf_counter()
    report = run_verify(PERIOD, lake_dir=lake)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    exact_seconds = sum(stats.exact_seconds for stats in report.extra.get("link_stats", {}).values())
    started = time.perf_counter()
    again = run_verify(PERIOD, lake_dir=lake)
    again_wall = time.perf_counter() - started

    # the raw floor: a bare hash join of the same 64-bit keys
    people = snapshot_registry(report_as_of())["people"]
    sources = read_lake(lake, PERIOD)
    con = duckdb.connect()
    con.register("people", people)
    floor = 0.0
    for name, table in sources.items():
        register_input(con, name, table)  # as the pipeline reads the lake: DuckDB's Parquet reader
        t = time.perf_counter()
        con.execute(f"SELECT count(*) FROM {name} s JOIN people p ON p.id_key = s.id_key").fetchall()
        floor += time.perf_counter() - t
    rows = sum(input_rows(t) for t in sources.values())

    # precision and recall of this run's findings
    findings = report.extra["findings_table"]
    scores = evaluate_findings(findings, people, pq.read_table(lake / "truth" / PERIOD / "planted.parquet"))
    lines = [
        f"scale {scale}: {people.num_rows:,} registry people, {rows:,} departmental rows in {len(sources)} sources",
        f"verify on DuckDB: {wall:.1f} s wall, peak RSS {peak:.2f} GiB (goal at scale 1: < 10 s, < 8 GiB)",
        "stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in report.stage_seconds.items()),
        f"raw floor (bare DuckDB hash join of the ID keys, all sources): {floor:.2f} s; ratio {wall / floor:.0f}× "
        f"(goal ≤ 3×); the exact joins alone {exact_seconds:.2f} s, {exact_seconds / floor:.1f}×",
        f"population register's matching index ({people_in_register:,} people; made at 户籍 ingest, once a "
        f"month, not part of verify): {index_seconds:.1f} s",
        f"records with an unusable ID resolved against the register ({resolved_records:,} records, "
        f"{resolved_candidates:,} candidate pairs; made at ingest, not part of verify): {resolution_seconds:.1f} s",
        f"verify again, same month: {again_wall:.1f} s wall, new tasks {again.new_tasks:,}, category rows "
        f"written {again.extra['monitoring'].categories_written:,}",
        f"findings {report.findings:,}, new tasks {report.new_tasks:,}, fuzzy candidate pairs scored "
        f"{report.fuzzy_candidates:,}",
        *(score.line() for score in scores.values()),
    ]
    if scale <= 0.1:
        started = time.perf_counter()
        run_verify(PERIOD, lake_dir=lake, engine="spark")
        lines.append(
            f"verify on Spark local mode (same month, same SQL): {time.perf_counter() - started:.1f} s wall"
        )
    return lines


def report_as_of() -> datetime.date:
    return datetime.date(2023, 6, 30)
