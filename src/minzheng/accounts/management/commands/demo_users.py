"""``minzheng demo_users``: one demo account per role, in the loaded region tree.

Idempotent: accounts that exist are brought back to their demo role and jurisdiction (through
``do_update_user``) and get a new password. Passwords are random on every run unless ``--password`` is
given, and are printed once, in the table at the end. Every change is audited (actor: system).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rich.console import Console
from rich.table import Table

from minzheng.accounts.actions import do_create_user, do_set_user_password, do_update_user
from minzheng.accounts.models import Role, User
from minzheng.common.models import Region, RegionLevel

DEMO_COUNTY_CODE = "530602"  # 昭阳区, the city seat


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    level: str  # which of the picked regions is the jurisdiction
    is_staff: bool
    is_superuser: bool
    can_reveal: bool


DEMO_USERS = (
    DemoUser("admin", Role.ADMIN, RegionLevel.CITY, is_staff=True, is_superuser=True, can_reveal=True),
    DemoUser("city", Role.CITY, RegionLevel.CITY, is_staff=True, is_superuser=False, can_reveal=True),
    DemoUser("county", Role.COUNTY, RegionLevel.COUNTY, is_staff=True, is_superuser=False, can_reveal=True),
    DemoUser(
        "township", Role.TOWNSHIP, RegionLevel.TOWNSHIP, is_staff=False, is_superuser=False, can_reveal=False
    ),
    DemoUser(
        "village", Role.VILLAGE, RegionLevel.VILLAGE, is_staff=False, is_superuser=False, can_reveal=False
    ),
    DemoUser("auditor", Role.AUDITOR, RegionLevel.CITY, is_staff=True, is_superuser=False, can_reveal=False),
)


def _missing_regions(what: str) -> CommandError:
    return CommandError(
        f"未找到{what}。请先运行 `minzheng synth --load` 载入模拟城市的行政区划和数据，"
        "再运行 `minzheng demo_users`。"
    )


def pick_jurisdictions() -> dict[str, Region]:
    """The city, its first county (昭阳区 when present), its first township and that one's first village."""
    city_code = settings.MINZHENG["CITY_CODE"]
    city = Region.objects.filter(code=city_code).first()
    if city is None:
        raise _missing_regions(f"市级行政区划 {city_code}")
    counties = Region.objects.filter(parent=city, level=RegionLevel.COUNTY).order_by("code")
    county = counties.filter(code=DEMO_COUNTY_CODE).first() or counties.first()
    if county is None:
        raise _missing_regions(f"{city.name}下属的县（市、区）")
    township = Region.objects.filter(parent=county, level=RegionLevel.TOWNSHIP).order_by("code").first()
    if township is None:
        raise _missing_regions(f"{county.name}下属的乡（镇、街道）")
    village = Region.objects.filter(parent=township, level=RegionLevel.VILLAGE).order_by("code").first()
    if village is None:
        raise _missing_regions(f"{township.name}下属的村（社区）")
    return {
        RegionLevel.CITY: city,
        RegionLevel.COUNTY: county,
        RegionLevel.TOWNSHIP: township,
        RegionLevel.VILLAGE: village,
    }


def _random_password() -> str:
    return secrets.token_urlsafe(12)


class Command(BaseCommand):
    help = "创建（或重置）各角色的演示账号：admin、city、county、township、village、auditor"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", help="所有演示账号使用这个密码（默认每次运行随机生成）")

    def handle(self, *args: Any, **options: Any) -> None:
        fixed_password: str | None = options.get("password")
        if fixed_password is not None:
            try:
                password_validation.validate_password(fixed_password)
            except ValidationError as error:
                raise CommandError("密码不符合要求：" + "；".join(error.messages)) from None
        jurisdictions = pick_jurisdictions()
        rows: list[tuple[DemoUser, Region, str, bool]] = []
        with transaction.atomic():
            for demo in DEMO_USERS:
                region = jurisdictions[demo.level]
                password = fixed_password or _random_password()
                existing = User.objects.filter(username=demo.username).first()
                if existing is None:
                    do_create_user(
                        username=demo.username,
                        password=password,
                        role=demo.role,
                        jurisdiction=region,
                        acting_user=None,
                        first_name=f"演示{demo.role.label}",
                        is_staff=demo.is_staff,
                        is_superuser=demo.is_superuser,
                        can_reveal=demo.can_reveal,
                    )
                else:
                    do_update_user(
                        existing.pk,
                        {
                            "role": demo.role,
                            "jurisdiction": region,
                            "is_staff": demo.is_staff,
                            "is_active": True,
                            "can_reveal": demo.can_reveal,
                        },
                        acting_user=None,
                    )
                    do_set_user_password(existing.pk, password, acting_user=None)
                rows.append((demo, region, password, existing is None))

        table = Table(title="演示账号（密码只显示这一次，请妥善保存）")
        for column in ("用户名", "角色", "管辖区划"):
            table.add_column(column, overflow="fold")
        # Never shortened with an ellipsis, however narrow the terminal: the password is shown only here.
        table.add_column("密码", no_wrap=True, min_width=max(len(password) for _d, _r, password, _c in rows))
        for column in ("后台管理", "查看完整信息", "状态"):
            table.add_column(column, overflow="fold")
        for demo, region, password, created in rows:
            table.add_row(
                demo.username,
                demo.role.label,
                f"{region.name}（{region.code}）",
                password,
                "是" if demo.is_staff else "否",
                "是" if demo.can_reveal else "否",
                "新建" if created else "已重置",
            )
        Console().print(table)
