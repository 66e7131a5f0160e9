"""``minzheng payroll --month 2023-06 [--user NAME] [--out DIR] [--full] [--format all|xlsx|csv]`` and
``minzheng payroll reconcile FILE --month 2023-06 [--user NAME]``.

The first runs the month (or opens it when it is already frozen: nothing is paid twice), prints the totals
by scheme and by county and writes the payment files (default ``var/exports/payroll/2023-06/``). The
second imports a bank return file. Without ``--user`` the command acts as the system, which may not write
the full (unmasked) files.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from minzheng.accounts.models import User
from minzheng.assistance.models import PayrollRun
from minzheng.assistance.payroll.actions import do_run_payroll, parse_month
from minzheng.assistance.payroll.files import (
    FileFormat,
    PayrollTotals,
    access_payroll_run,
    do_export_payment_files,
    get_payroll_totals,
    require_payroll_writer,
)
from minzheng.assistance.payroll.reconcile import do_reconcile_payroll
from minzheng.common.errors import MinzhengError

ERRORS_SHOWN = 50
_FORMATS = {"all": (FileFormat.XLSX, FileFormat.CSV), "xlsx": (FileFormat.XLSX,), "csv": (FileFormat.CSV,)}


class _StageProgress:
    """One rich progress bar per stage reported by ``do_run_payroll``."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=max(total, 1))
        self.progress.update(self.tasks[stage], completed=done, total=max(total, 1))


def make_console(stdout: Any) -> Console:
    """Rich output on the command's stdout (so that ``call_command(..., stdout=...)`` captures it), wide
    enough for the Chinese tables when it is not a terminal."""
    console = Console(file=stdout)
    return console if console.is_terminal else Console(file=stdout, width=140)


def default_out_dir(month_text: str) -> Path:
    return Path(settings.VAR_DIR) / "exports" / "payroll" / month_text


def print_totals(console: Console, totals: PayrollTotals, title: str) -> None:
    schemes = Table(title=f"{title}：按救助类别")
    schemes.add_column("救助类别")
    schemes.add_column("类型")
    schemes.add_column("笔数", justify="right")
    schemes.add_column("金额（元）", justify="right")
    for s in totals.by_scheme:
        schemes.add_row(s.scheme_label, s.kind_label, f"{s.lines:,}", f"{s.amount:,.2f}")
    schemes.add_section()
    schemes.add_row("合计", "", f"{totals.lines:,}", f"{totals.amount:,.2f}")
    console.print(schemes)
    counties = Table(title=f"{title}：按县（市、区）")
    counties.add_column("县（市、区）")
    counties.add_column("救助类别")
    counties.add_column("人数", justify="right")
    counties.add_column("笔数", justify="right")
    counties.add_column("金额（元）", justify="right")
    for c in totals.by_county:
        counties.add_row(c.county_name, c.scheme_label, f"{c.persons:,}", f"{c.lines:,}", f"{c.amount:,.2f}")
    counties.add_section()
    counties.add_row("合计", "", f"{totals.persons:,}", f"{totals.lines:,}", f"{totals.amount:,.2f}")
    console.print(counties)


class Command(BaseCommand):
    help = "月度发放：生成（或打开）某月发放、打印合计、导出代发文件；reconcile 导入银行回盘"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action", nargs="?", choices=["run", "reconcile"], default="run", help="run（默认）或 reconcile"
        )
        parser.add_argument("file", nargs="?", help="reconcile：银行回盘文件（.xlsx 或 .csv）")
        parser.add_argument("--month", required=True, help="发放月份，如 2023-06")
        parser.add_argument("--user", help="以哪个账号办理（决定范围，记入审计日志）；不填则以系统身份")
        parser.add_argument("--out", help="代发文件保存目录（默认 var/exports/payroll/YYYY-MM/）")
        parser.add_argument(
            "--full", action="store_true", help="导出含完整身份证号和账号的文件（需查看权限）"
        )
        parser.add_argument(
            "--format", choices=sorted(_FORMATS), default="all", help="代发文件格式：all（默认）、xlsx 或 csv"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        console = make_console(self.stdout)
        user = self._user(options["user"])
        try:
            month = parse_month(options["month"])
            if options["action"] == "reconcile":
                self._reconcile(console, options, month=month, user=user)
            else:
                self._run(console, options, month=month, user=user)
        except MinzhengError as error:
            raise CommandError(error.message) from error

    def _user(self, username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"账号不存在或已停用：{username}")
        return user

    def _run(
        self, console: Console, options: dict[str, Any], *, month: datetime.date, user: User | None
    ) -> None:
        if options["full"]:
            if user is None:
                raise CommandError("系统身份不能导出完整身份证号和银行账号：请用 --user 指定有查看权限的账号")
            if not user.can_reveal_personal_data():
                raise CommandError(f"账号 {user.username} 没有查看完整个人信息的权限，不能使用 --full")
        require_payroll_writer(user)
        existing = PayrollRun.objects.filter(month=month).first()
        if existing is not None:
            run = existing
            console.print(
                f"{month:%Y年%m月}发放已于 {existing.frozen_at:%Y-%m-%d %H:%M} 冻结，直接打开（不会重复发放）。"
            )
        else:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            ) as progress:
                run = do_run_payroll(month, acting_user=user, progress=_StageProgress(progress))
            console.print(
                f"{month:%Y年%m月}发放已冻结：共 {run.line_count:,} 条，合计 {run.total_amount:,.2f} 元。"
            )
        scope = "全市" if user is None else f"{user.jurisdiction}"
        print_totals(console, get_payroll_totals(run, user), f"{month:%Y年%m月}发放（{scope}）")
        out_dir = Path(options["out"]) if options["out"] else default_out_dir(f"{month:%Y-%m}")
        files = do_export_payment_files(
            run, acting_user=user, full=options["full"], formats=_FORMATS[options["format"]], out_dir=out_dir
        )
        table = Table(title=f"代发文件（{'完整信息，已记入审计日志' if options['full'] else '已脱敏'}）")
        table.add_column("文件")
        table.add_column("笔数", justify="right")
        table.add_column("金额（元）", justify="right")
        for payment_file in files:
            table.add_row(
                escape(payment_file.file_name), f"{payment_file.rows:,}", f"{payment_file.total:,.2f}"
            )
        console.print(table)
        console.print(f"已写入目录：{escape(str(out_dir))}")

    def _reconcile(
        self, console: Console, options: dict[str, Any], *, month: datetime.date, user: User | None
    ) -> None:
        if not options["file"]:
            raise CommandError("请指定银行回盘文件：minzheng payroll reconcile FILE --month YYYY-MM")
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"文件不存在：{source}")
        run = access_payroll_run(user, month)
        result = do_reconcile_payroll(run, source.read_bytes(), file_name=source.name, acting_user=user)
        if not result.ok:
            for error in result.errors[:ERRORS_SHOWN]:
                console.print(f"[red]{escape(str(error))}[/red]", highlight=False)
            if len(result.errors) > ERRORS_SHOWN:
                console.print(f"……共 {len(result.errors)} 处错误")
            raise CommandError(f"银行回盘未通过校验：{len(result.errors)} 处错误，未写入任何数据")
        table = Table(title=f"{run.month:%Y年%m月}银行回盘导入结果", show_header=False)
        table.add_column("项目", style="bold")
        table.add_column("结果", justify="right")
        table.add_row("文件行数", f"{result.rows:,}")
        for status, label in (
            ("paid", "更新为已到账"),
            ("failed", "更新为发放失败"),
            ("returned", "更新为资金退回"),
        ):
            table.add_row(label, f"{result.updated.get(status, 0):,}")
        table.add_row("未变化", f"{result.unchanged:,}")
        table.add_row("本月发放状态", "已全部对账" if result.run_reconciled else "尚有待发放的明细")
        console.print(table)
        if not result.changed:
            console.print("回盘内容与已登记的状态一致，未作任何更改。")
