"""``minzheng import households FILE.xlsx --user USERNAME [--mode …] [--errors OUT.xlsx]`` and
``minzheng import template OUT.xlsx``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from minzheng.accounts.models import User
from minzheng.common.errors import MinzhengError
from minzheng.registry.imports import (
    build_error_workbook,
    build_template,
    do_stage_household_import,
    list_batch_errors,
    skipped_rows,
)
from minzheng.registry.models import ImportBatch, ImportMode, ImportStatus

ERRORS_SHOWN = 20


def default_errors_path(source: Path) -> Path:
    """``户籍.xlsx`` → ``户籍.错误.xlsx`` next to the input."""
    return source.with_name(f"{source.stem}.错误.xlsx")


class _LazyProgress:
    """A progress bar that appears only once the import reports progress, i.e. for files over ~1,000 rows."""

    def __init__(self, console: Console):
        self.console = console
        self.progress: Progress | None = None
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.progress is None:
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
            )
            self.progress.start()
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


class Command(BaseCommand):
    help = "Excel 导入：households 导入家庭户；template 生成导入模板"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        households = sub.add_parser("households", help="导入家庭户及家庭成员（.xlsx）")
        households.add_argument("file", help="要导入的 .xlsx 文件")
        households.add_argument("--user", required=True, help="以哪个账号导入（决定管辖范围，记入审计日志）")
        households.add_argument(
            "--mode",
            choices=ImportMode.values,
            default=ImportMode.ALL_OR_NOTHING,
            help="all_or_nothing：全部正确才导入（默认）；good_rows：只导入全部行都正确的家庭",
        )
        households.add_argument("--errors", help="错误报告保存路径（默认：输入文件旁的 NAME.错误.xlsx）")
        template = sub.add_parser("template", help="生成家庭户导入模板")
        template.add_argument("out", help="模板保存路径，如 家庭户导入模板.xlsx")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console()
        if options["what"] == "template":
            out = Path(options["out"])
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(build_template())
            console.print(f"已生成导入模板：{out}")
            return
        self._import_households(console, options)

    def _import_households(self, console: Console, options: dict[str, Any]) -> None:
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"文件不存在：{source}")
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"账号不存在：{options['user']}")
        progress = _LazyProgress(console)
        try:
            batch = do_stage_household_import(
                source.read_bytes(),
                file_name=source.name,
                mode=options["mode"],
                acting_user=user,
                progress=progress,
            )
        except MinzhengError as error:
            raise CommandError(error.message) from error
        finally:
            progress.stop()
        self._print_summary(console, batch)
        if batch.bad_rows:
            errors_path = Path(options["errors"]) if options["errors"] else default_errors_path(source)
            errors_path.write_bytes(build_error_workbook(batch))
            console.print(f"错误报告已保存：{errors_path}（出错的单元格已标红并附批注）")
        if batch.status == ImportStatus.REJECTED:
            raise CommandError(f"导入未通过校验：{batch.bad_rows} 行有错误，未写入任何数据")

    def _print_summary(self, console: Console, batch: ImportBatch) -> None:
        table = Table(title=f"家庭户导入结果（批次 {batch.pk}）", show_header=False)
        table.add_column("项目", style="bold")
        table.add_column("结果")
        for label, value in (
            ("文件", batch.file_name),
            ("导入方式", batch.get_mode_display()),
            ("状态", batch.get_status_display()),
            ("总行数", batch.total_rows),
            ("新增", batch.created_rows),
            ("更新", batch.updated_rows),
            ("未变化", batch.unchanged_rows),
            ("错误行", batch.bad_rows),
            ("整户跳过的正确行", skipped_rows(batch)),
        ):
            table.add_row(label, escape(str(value)))
        console.print(table)
        errors = list_batch_errors(batch, limit=ERRORS_SHOWN + 1)
        for error in errors[:ERRORS_SHOWN]:
            message = escape(error.message)
            console.print(f"[red]第 {error.row_number} 行[/red] {error.header}：{message}", highlight=False)
        if len(errors) > ERRORS_SHOWN:
            console.print(f"……更多错误见错误报告（共 {batch.bad_rows} 行有错误）")
