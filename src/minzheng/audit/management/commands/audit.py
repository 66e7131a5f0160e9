"""``minzheng audit verify``: recompute the hash chain and say where it breaks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from minzheng.audit.chain import verify_chain
from minzheng.audit.models import AuditLog


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链是否完整"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="逐条重算哈希，报告链条断开的位置")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console()
        total = AuditLog.objects.count()
        with Progress(
            TextColumn("校验审计日志"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("verify", total=total)
            result = verify_chain(progress=lambda done: progress.update(task, completed=done))
        if result.ok:
            console.print(f"[green]审计日志完整[/green]：共校验 {result.rows_checked} 条，哈希链未发现断点。")
            return
        for chain_break in result.breaks:
            console.print(f"[red]第 {chain_break.row_id} 条[/red]：{chain_break.reason}")
        raise CommandError(f"审计日志哈希链断开：首个断点在第 {result.breaks[0].row_id} 条")
