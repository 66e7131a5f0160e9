"""``minzheng standards list [--region CODE] [--date YYYY-MM-DD]`` and
``minzheng standards raise --item dibao --urban-rural urban --amount 760 --from 2023-07-01 [--tier A]
[--region 530600] [--unit month] --source "文号" [--confidence confirmed] [--confirm --user NAME]``.

``list`` prints the standards in force at a place and date, with their source and confidence (placeholder
values are marked). ``raise`` (提标) prices the month of ``--from`` with and without the new row and prints
the difference — persons changed, monthly and annual cost by county and scheme; only with ``--confirm``
(and a city-level ``--user``) is the row saved, with its audit row.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from minzheng.accounts.models import User
from minzheng.assistance.models import Confidence, Scheme, StandardItem, StandardUnit
from minzheng.assistance.payroll.files import county_names, list_standards_in_force
from minzheng.assistance.raise_standards import (
    StandardChangeDiff,
    do_confirm_standard_change,
    preview_standard_change,
)
from minzheng.assistance.standards import StandardRow
from minzheng.common.errors import MinzhengError

from .payroll import make_console

URBAN_RURAL = {"urban": "urban", "rural": "rural", "both": ""}


def _date(text: str, option: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option} 日期格式错误：{text!r}，应为 YYYY-MM-DD，例如 2023-07-01") from None


def _amount(text: str) -> Decimal:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CommandError(f"--amount 金额格式错误：{text!r}") from None
    if not amount.is_finite():
        raise CommandError(f"--amount 金额格式错误：{text!r}")
    return amount.quantize(Decimal("0.01"))


def print_diff(console: Console, diff: StandardChangeDiff) -> None:
    console.print(
        f"提标预览（按 {diff.month:%Y年%m月} 的在册对象测算）：待遇变化 {diff.persons_changed:,} 人，"
        f"月支出 {diff.monthly_before:,.2f} → {diff.monthly_after:,.2f} 元，"
        f"每月增加 {diff.monthly_change:,.2f} 元，全年增加 {diff.annual_change:,.2f} 元。",
        highlight=False,
    )
    names = county_names()
    table = Table(title="提标测算：按县（市、区）和救助类别")
    table.add_column("县（市、区）")
    table.add_column("救助类别")
    table.add_column("变化人数", justify="right")
    table.add_column("提标前月支出", justify="right")
    table.add_column("提标后月支出", justify="right")
    table.add_column("月增加", justify="right")
    table.add_column("年增加", justify="right")
    for c in diff.by_county:
        table.add_row(
            names.get(c.county_code, c.county_code),
            Scheme(c.scheme).label if c.scheme in Scheme.values else c.scheme,
            f"{c.persons_changed:,}",
            f"{c.monthly_before:,.2f}",
            f"{c.monthly_after:,.2f}",
            f"{c.monthly_change:,.2f}",
            f"{c.annual_change:,.2f}",
        )
    table.add_section()
    table.add_row(
        "合计",
        "",
        f"{diff.persons_changed:,}",
        f"{diff.monthly_before:,.2f}",
        f"{diff.monthly_after:,.2f}",
        f"{diff.monthly_change:,.2f}",
        f"{diff.annual_change:,.2f}",
    )
    console.print(table)


class Command(BaseCommand):
    help = "救助标准：list 查看在用标准；raise 提标（先预览测算，--confirm 才保存）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="某区划某日在用的救助标准（含依据和可信度）")
        listing.add_argument("--region", help="区划代码（默认：全市）")
        listing.add_argument("--date", help="日期 YYYY-MM-DD（默认：今天）")

        raising = sub.add_parser("raise", help="提标：预览测算，加 --confirm 才保存")
        raising.add_argument("--item", required=True, choices=StandardItem.values, help="标准项目")
        raising.add_argument(
            "--urban-rural", choices=sorted(URBAN_RURAL), default="both", help="urban、rural 或 both（默认）"
        )
        raising.add_argument("--tier", default="", help="档次（如 A、B、C，护理等级，高龄年龄段下限）")
        raising.add_argument("--amount", required=True, help="新标准金额（元）")
        raising.add_argument("--unit", choices=StandardUnit.values, default=StandardUnit.MONTH, help="单位")
        raising.add_argument("--from", dest="effective_from", required=True, help="执行日期 YYYY-MM-DD")
        raising.add_argument("--region", help="适用区划（默认：全市）")
        raising.add_argument("--source", required=True, help="依据：文件名称和文号")
        raising.add_argument(
            "--confidence",
            choices=Confidence.values,
            default=Confidence.CONFIRMED,
            help="可信度（默认 confirmed）",
        )
        raising.add_argument("--confirm", action="store_true", help="确认并保存（需 --user，市民政局账号）")
        raising.add_argument("--user", help="确认人账号")

    def handle(self, *args: Any, **options: Any) -> None:
        console = make_console(self.stdout)
        try:
            if options["action"] == "list":
                self._list(console, options)
            else:
                self._raise(console, options)
        except MinzhengError as error:
            raise CommandError(error.message) from error

    def _list(self, console: Console, options: dict[str, Any]) -> None:
        region = options["region"] or settings.MINZHENG["CITY_CODE"]
        as_of = _date(options["date"], "--date") if options["date"] else timezone.localdate()
        rows = list_standards_in_force(region, as_of)
        table = Table(title=f"{region} 在 {as_of} 在用的救助标准")
        table.add_column("标准项目")
        table.add_column("档次")
        table.add_column("城乡")
        table.add_column("金额", justify="right")
        table.add_column("单位")
        table.add_column("执行日期")
        table.add_column("适用区划")
        table.add_column("依据")
        table.add_column("可信度")
        for row in rows:
            confidence = escape(row.confidence_label)
            table.add_row(
                escape(row.item_label),
                escape(row.tier),
                row.urban_rural_label,
                f"{row.amount:,.2f}",
                row.unit_label,
                row.effective_from.isoformat(),
                row.region_code,
                escape(row.source),
                f"[yellow]{confidence}[/yellow]" if row.is_placeholder else confidence,
            )
        console.print(table)
        placeholders = sum(1 for row in rows if row.is_placeholder)
        if placeholders:
            console.print(f"其中 {placeholders} 项为占位值，待市民政局按正式文件录入。", highlight=False)

    def _raise(self, console: Console, options: dict[str, Any]) -> None:
        user = None
        if options["confirm"]:
            if not options["user"]:
                raise CommandError("--confirm 需要 --user：提标由市民政局账号确认")
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"账号不存在或已停用：{options['user']}")
        row = StandardRow(
            region_code=options["region"] or settings.MINZHENG["CITY_CODE"],
            item=options["item"],
            urban_rural=URBAN_RURAL[options["urban_rural"]],
            tier=options["tier"].strip(),
            effective_from=_date(options["effective_from"], "--from"),
            amount=_amount(options["amount"]),
            unit=options["unit"],
            source=options["source"].strip(),
            confidence=options["confidence"],
        )
        diff = preview_standard_change([row], row.effective_from)
        print_diff(console, diff)
        if user is None:
            console.print("以上为预览，未保存。确认保存请加 --confirm --user 账号。", highlight=False)
            return
        do_confirm_standard_change([row], diff=diff, acting_user=user)
        console.print(
            f"已保存：{StandardItem(row.item).label}{row.tier} {row.amount} 元"
            f"（{row.effective_from} 起，依据：{escape(row.source)}），已记入审计日志。",
            highlight=False,
        )
