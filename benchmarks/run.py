"""Run the benchmarks and append their figures to benchmarks/RESULTS.md (machine, date, commit).

python benchmarks/run.py                 # all
python benchmarks/run.py synth --scale 0.1
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCHMARKS = {
    "synth": "benchmarks.bench_synth",
    "payroll": "benchmarks.bench_payroll",
    "matching": "benchmarks.bench_matching",
    "verify": "benchmarks.bench_verify",
}


def machine() -> str:
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {mem_gb:.0f} GiB, Python {platform.python_version()}"
    )


def commit() -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
        return sha.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*", default=list(BENCHMARKS))
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--no-write", action="store_true", help="print only, do not append to RESULTS.md")
    args = parser.parse_args()
    for name in args.names:
        module = importlib.import_module(BENCHMARKS[name])
        lines = module.run(scale=args.scale)
        now = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8)))
        header = f"## {module.TITLE}\n\n- date: {now:%Y-%m-%d %H:%M} (Asia/Shanghai)\n- commit: {commit()}\n"
        header += f"- machine: {machine()}\n"
        text = header + "".join(f"- {line}\n" for line in lines) + "\n"
        print(text)
        if not args.no_write:
            results = ROOT / "benchmarks" / "RESULTS.md"
            if not results.exists():
                results.write_text("# Benchmark results\n\nAppended by `make bench`; newest last.\n\n")
            with results.open("a") as handle:
                handle.write(text)


if __name__ == "__main__":
    main()
