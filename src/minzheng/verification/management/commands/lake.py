"""``minzheng lake ingest SOURCE FILE --period 2023-06 [--lake DIR]`` and ``minzheng lake docs [--check]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from minzheng.common.errors import MinzhengError
from minzheng.verification.lake.contracts import CONTRACTS, get_contract
from minzheng.verification.lake.ids import ID_STATUSES

PROGRESS_FROM_BYTES = 2 << 20
"""Files smaller than this are read in a blink: no progress bar."""


class _Progress:
    """A rich progress bar with one task per stage (读取文件, 校验, 写入数据湖)."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(), console=console, transient=False,
        )  # fmt: skip
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _Progress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=max(total, 1))
        self.progress.update(self.tasks[stage], completed=done, total=max(total, 1))


def report_table(report: Any) -> Table:
    """The validation report as a Chinese table."""
    contract = get_contract(report.source)
    title = "数据未变化（与数据湖中已有文件相同）" if report.status == "unchanged" else "已写入数据湖"
    table = Table(title=f"{contract.title}（{report.source}）{report.period} 校验报告：{title}")
    table.add_column("项目")
    table.add_column("数值", justify="right", overflow="fold")
    file_kind = report.file_format.upper() + (f"（{report.encoding}）" if report.encoding else "")
    table.add_row("文件", escape(f"{report.file_name}，{file_kind}"))
    table.add_row("读取行数", f"{report.rows_read:,}")
    table.add_row("合格行数（data.parquet）", f"{report.rows_good:,}")
    table.add_row("拒收行数（rejected.parquet）", f"{report.rows_rejected:,}")
    for code, label in ID_STATUSES.items():
        table.add_row(f"身份证号码 {label}", f"{report.id_status_counts.get(code, 0):,}")
    keys = "、".join(report.key)
    table.add_row(f"主键（{keys}）重复的行", f"{report.duplicate_key_rows:,}")
    missing = "、".join(
        f"{contract.column(name).title}（{name}）" for name in report.missing_optional_columns
    )
    table.add_row("缺少的可选列", escape(missing or "无"))
    table.add_row("未识别的列（已忽略）", escape("、".join(report.unknown_columns) or "无"))
    return table


def reasons_table(report: Any) -> Table:
    table = Table(title="拒收原因（按行计）")
    table.add_column("原因", overflow="fold")
    table.add_column("行数", justify="right")
    for reason, count in report.rejection_reasons:
        table.add_row(escape(reason), f"{count:,}")
    return table


class Command(BaseCommand):
    help = "数据湖：ingest 校验并导入部门数据文件；docs 由数据约定生成 docs/data-contracts/*.md"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        ingest = sub.add_parser("ingest", help="校验部门数据文件并写入数据湖（CSV UTF-8/GBK、xlsx、Parquet）")
        ingest.add_argument("source", help=f"数据源：{', '.join(CONTRACTS)}")
        ingest.add_argument("file", type=Path, help="要导入的文件")
        ingest.add_argument("--period", required=True, help="数据期别，如 2023-06")
        ingest.add_argument("--lake", type=Path, default=None, help="数据湖目录（默认 MINZHENG_LAKE）")
        docs = sub.add_parser("docs", help="由数据约定生成 docs/data-contracts/<source>.md")
        docs.add_argument("--out", type=Path, default=Path("docs") / "data-contracts", help="输出目录")
        docs.add_argument("--check", action="store_true", help="只检查是否为最新，不写文件")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console()
        if options["what"] == "docs":
            self._docs(console, options["out"], check=options["check"])
            return
        self._ingest(console, options)

    def _docs(self, console: Console, out: Path, *, check: bool) -> None:
        from minzheng.verification.lake.docs import stale_contract_docs, write_contract_docs

        if check:
            stale = stale_contract_docs(out)
            if stale:
                raise CommandError(
                    f"以下数据约定文档需要重新生成：{'、'.join(stale)}（运行 minzheng lake docs）"
                )
            console.print("数据约定文档均为最新。")
            return
        changed = write_contract_docs(out)
        console.print(f"已更新 {len(changed)} 个数据约定文档（共 {len(CONTRACTS)} 个）：{out}")

    def _ingest(self, console: Console, options: dict[str, Any]) -> None:
        from minzheng.verification.lake.ingest import ingest_file

        path: Path = options["file"]
        lake: Path = options["lake"] or settings.LAKE_DIR
        big = path.is_file() and path.stat().st_size >= PROGRESS_FROM_BYTES
        try:
            if big:
                with _Progress(console) as progress:
                    report = ingest_file(
                        options["source"], path, period=options["period"], lake_dir=lake, progress=progress
                    )
            else:
                report = ingest_file(options["source"], path, period=options["period"], lake_dir=lake)
        except MinzhengError as error:
            raise CommandError(error.message) from None
        console.print(report_table(report))
        if report.rejection_reasons:
            console.print(reasons_table(report))
        console.print(f"数据：{escape(report.data_path)}")
        console.print(f"拒收行：{escape(report.rejected_path)}")
        if report.matching_index:
            state = "已生成" if report.matching_index == "built" else "已是最新，未重新生成"
            console.print(f"户籍比对索引：{state}")
        if report.resolved_sources:
            titles = "、".join(get_contract(name).title for name in report.resolved_sources)
            console.print(f"证件号码无法比对的记录已与户籍比对：{titles}")
