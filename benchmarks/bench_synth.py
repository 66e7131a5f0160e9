"""The synthetic city at scale 1: generation + lake + registry load, wall time and peak memory; then every
one of the ~6.3M ID numbers checked (valid, unique) and county shares against the 2020 census.

Goal (issue: foundation): scale 1 in under 5 minutes wall and under 8 GB peak memory on 2 cores.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TITLE = "synth: the synthetic city (generate + lake + registry load on SQLite)"
ROOT = Path(__file__).resolve().parent.parent


def run(scale: float = 1.0) -> list[str]:
    var = Path(tempfile.mkdtemp(prefix="mz-bench-synth-"))
    env = {**os.environ, "MINZHENG_VAR": str(var), "DJANGO_SETTINGS_MODULE": "minzheng.settings.base"}
    minzheng = str(ROOT / ".venv" / "bin" / "minzheng")
    subprocess.run([minzheng, "migrate", "--noinput", "-v", "0"], env=env, check=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    # the foundation's scope: generate, write the lake, load the registry (with the caseload's entitlements);
    # the payroll history and the demo cases are measured by the payroll benchmark
    subprocess.run(
        [
            minzheng,
            "synth",
            "--scale",
            str(scale),
            "--seed",
            "1",
            "--load",
            "--payroll-months",
            "0",
            "--no-cases",
        ],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak_note = "" if peak_kib > before else " (migrate's peak was higher)"
    checks = check_lake(var / "lake" / "hukou" / "2023-06" / "data.parquet", scale)
    return [
        f"scale {scale}: wall {wall:.1f} s, peak RSS {peak_kib / 2**20:.2f} GiB{peak_note} "
        f"(goal at scale 1: < 300 s, < 8 GiB)",
        *checks,
    ]


def check_lake(path: Path, scale: float) -> list[str]:
    sys.path.insert(0, str(ROOT / "src"))
    from minzheng.synth.verify import verify_population

    report = verify_population(path, expected_total=round(6_300_000 * scale))
    return report.lines()
