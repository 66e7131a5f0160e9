"""``minzheng synth``: generate the synthetic city, write its lake datasets, optionally load the registry."""

from __future__ import annotations

import datetime
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from minzheng.common.errors import MinzhengError


class Command(BaseCommand):
    help = "生成模拟城市（确定性：同一种子结果相同），写入数据湖，可选载入社会救助家庭信息库"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--city", default="zhaotong", choices=["zhaotong"], help="城市（目前支持 zhaotong）"
        )
        parser.add_argument("--scale", type=float, default=0.01, help="规模：1 = 全市 630 万户籍人口")
        parser.add_argument("--seed", type=int, default=1, help="随机种子")
        parser.add_argument("--out", type=Path, default=None, help="数据湖目录（默认 MINZHENG_LAKE）")
        parser.add_argument("--period", default="2023-06", help="数据期别，如 2023-06")
        parser.add_argument("--load", action="store_true", help="同时载入数据库（家庭户、人员、收入、财产）")
        parser.add_argument("--replace", action="store_true", help="数据库已有家庭户时先清空（仅限演示库）")
        parser.add_argument(
            "--no-departments",
            dest="departments",
            action="store_false",
            help="不生成部门比对数据（死亡、车辆、不动产、市场主体、社保、税务、存款……）",
        )
        parser.add_argument(
            "--no-cases", dest="cases", action="store_false", help="不生成各办理环节的示例申请"
        )
        parser.add_argument(
            "--payroll-months",
            type=int,
            default=6,
            help="载入后生成最近几个月的发放历史（默认 6：2023-01 至 2023-06）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from minzheng.synth.city import generate, write_lake
        from minzheng.synth.load import last_synth_load, load_city, registry_is_empty

        console = Console()
        scale, seed, city_name = options["scale"], options["seed"], options["city"]
        if not 0 < scale <= 2:
            raise CommandError("规模 --scale 必须在 0 到 2 之间")
        out: Path = options["out"] or settings.LAKE_DIR
        params = {"city": city_name, "scale": scale, "seed": seed, "period": options["period"]}
        if options["load"] and not options["replace"] and not registry_is_empty():
            previous = last_synth_load()
            if previous and all(previous.get(k) == v for k, v in params.items()):
                console.print("数据库中已载入相同参数的模拟城市，跳过生成与载入。")
                return
        started = time.perf_counter()
        with _progress(console) as progress:
            tasks: dict[str, Any] = {}

            def report(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=max(total, 1))
                progress.update(tasks[stage], completed=done, total=max(total, 1))

            city = generate(city=city_name, scale=scale, seed=seed, progress=report)
            paths = write_lake(city, out, period=options["period"])
            # the 户籍's matching index, as `lake ingest hukou` makes it
            from minzheng.verification.matching.population import prepare_population_index

            report("生成户籍比对索引", 0, 1)
            prepared = prepare_population_index(out, options["period"])
            report("生成户籍比对索引", 1, 1)
            if options["departments"]:
                from minzheng.synth.departments import generate_departments, write_departments
                from minzheng.verification.matching.resolution import prepare_resolutions

                departments = generate_departments(city, seed=seed, period=options["period"])
                paths.update(write_departments(departments, out, options["period"]))
                if prepared is not None:  # as `lake ingest` resolves the records with an unusable ID
                    report("证件号码无法比对的记录与户籍比对", 0, 1)
                    prepare_resolutions(out, options["period"], prepared.index)
                    report("证件号码无法比对的记录与户籍比对", 1, 1)
            loaded = None
            if options["load"]:
                try:
                    loaded = load_city(city, params=params, replace=options["replace"], progress=report)
                except MinzhengError as error:
                    raise CommandError(error.message) from None
                runs = _payroll_history(city.reference_date, options["payroll_months"], report)
                cases = 0
                if options["cases"]:
                    from minzheng.synth.cases import seed_cases

                    cases = seed_cases(progress=report)
        elapsed = time.perf_counter() - started
        summary = Table(title=f"模拟城市 {city_name}（规模 {scale}，种子 {seed}）用时 {elapsed:.1f} 秒")
        summary.add_column("数据")
        summary.add_column("行数", justify="right")
        summary.add_row("户籍人口（数据湖）", f"{city.population.num_rows:,}")
        summary.add_row("低收入家庭户", f"{city.households.num_rows:,}")
        summary.add_row("低收入家庭成员", f"{city.persons.num_rows:,}")
        summary.add_row("行政区划", f"{city.regions.num_rows:,}")
        if loaded is not None:
            summary.add_row("已载入数据库：家庭户 / 人员", f"{loaded.households:,} / {loaded.persons:,}")
            summary.add_row("救助待遇 / 发放账户", f"{loaded.entitlements:,} / {loaded.bank_accounts:,}")
            summary.add_row("各环节的救助申请", f"{cases:,}")
            for run in runs:
                summary.add_row(f"{run.month:%Y-%m} 发放", f"{run.line_count:,} 条 {run.total_amount:,} 元")
        console.print(summary)
        for name, path in paths.items():
            console.print(f"  {name}: {path}")


def _payroll_history(reference_date: datetime.date, months: int, report: Any) -> list[Any]:
    """Freeze the payroll of the ``months`` months up to the reference month, oldest first."""
    from minzheng.assistance.payroll.actions import do_run_payroll

    first = reference_date.replace(day=1)
    wanted = []
    for back in range(months - 1, -1, -1):
        year, month_index = divmod(first.year * 12 + first.month - 1 - back, 12)
        wanted.append(datetime.date(year, month_index + 1, 1))
    runs = []
    for i, month in enumerate(wanted, start=1):
        runs.append(do_run_payroll(month, acting_user=None))
        report("发放历史", i, len(wanted))
    return runs


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
