"""``minzheng verify --month 2023-06 [--engine duckdb|spark]``: one month's 线上数据比对 and monitoring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from minzheng.accounts.models import User
from minzheng.common.errors import MinzhengError


class Command(BaseCommand):
    help = "数据比对：登记库快照 → 部门数据比对 → 比对发现与走访任务 → 低收入人口监测"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="期别，如 2023-06")
        parser.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"], help="计算引擎")
        parser.add_argument("--lake", type=Path, default=None, help="数据湖目录（默认 MINZHENG_LAKE）")
        parser.add_argument(
            "--no-fuzzy", dest="fuzzy", action="store_false", help="不做姓名+出生日期模糊比对"
        )
        parser.add_argument("--user", default=None, help="以该用户身份运行（县级及以上）；默认系统任务")

    def handle(self, *args: Any, **options: Any) -> None:
        from minzheng.verification.pipeline import run_verify

        console = Console()
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"用户不存在：{options['user']}")
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            tasks: dict[str, Any] = {}

            def report(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total)
                progress.update(tasks[stage], completed=done, total=total)

            try:
                result = run_verify(
                    options["month"],
                    lake_dir=options["lake"] or settings.LAKE_DIR,
                    engine=options["engine"],
                    fuzzy=options["fuzzy"],
                    acting_user=user,
                    progress=report,
                )
            except MinzhengError as error:
                raise CommandError(error.message) from None
        links = Table(title=f"{result.period} 数据比对（{result.engine}）")
        for column in ("数据来源", "记录数", "精确比对", "模糊比对"):
            links.add_column(column, justify="right" if column != "数据来源" else "left")
        for name, records in result.records.items():
            links.add_row(
                name, f"{records:,}", f"{result.exact_links[name]:,}", f"{result.fuzzy_links[name]:,}"
            )
        console.print(links)
        summary = Table(title="结果")
        summary.add_column("项目")
        summary.add_column("数量", justify="right")
        prepared = result.extra.get("population_index")
        if prepared is not None:
            state = f"本次生成（{prepared.seconds:.1f} 秒）" if prepared.built else "已是最新"
            summary.add_row("户籍比对索引", f"{prepared.index.people:,} 人，{state}")
        resolved = result.extra.get("resolutions")
        if resolved is not None and resolved.resolutions:
            state = (
                f"本次补做 {len(resolved.built)} 个数据源（{resolved.seconds:.1f} 秒）"
                if resolved.built
                else "入湖时已完成"
            )
            summary.add_row("证件号码无法比对的记录与户籍比对", state)
        summary.add_row("模糊比对候选对", f"{result.fuzzy_candidates:,}")
        summary.add_row("比对发现（本期）", f"{result.findings:,}")
        summary.add_row("新发现 / 新走访任务", f"{result.new_findings:,} / {result.new_tasks:,}")
        summary.add_row("低收入人口分类", f"{result.categories:,}")
        summary.add_row("预警", f"{result.warnings:,}")
        summary.add_row("反馈信息核对申请", f"{result.verification_answers:,}")
        for stage, seconds in result.stage_seconds.items():
            summary.add_row(f"用时：{stage}", f"{seconds:.1f} 秒")
        console.print(summary)
