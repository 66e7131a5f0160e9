"""Users: every user has a role and a jurisdiction (a region code); both decide what they may see."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from minzheng.common.models import region_prefix


class Role(models.TextChoices):
    VILLAGE = "village", "村（社区）协理员"  # intake help and home visits in one village
    TOWNSHIP = "township", "乡镇（街道）经办人"  # 受理 and 初审 for a township
    COUNTY = "county", "县级民政"  # 审核确认, spot checks, payroll for a county
    CITY = "city", "市民政局"  # supervision, standards, reports for the whole city
    AUDITOR = "auditor", "审计监督"  # read-only, with the full audit trail
    ADMIN = "admin", "系统管理员"  # users and configuration


READ_ONLY_ROLES = frozenset({Role.AUDITOR})
# Who may read the audit log of their jurisdiction.
AUDIT_READER_ROLES = frozenset({Role.AUDITOR, Role.ADMIN, Role.CITY, Role.COUNTY})

# The level a role's jurisdiction must be at (admin and auditor may be city or county).
ROLE_REGION_LEVELS: dict[str, tuple[str, ...]] = {
    Role.VILLAGE: ("village",),
    Role.TOWNSHIP: ("township",),
    Role.COUNTY: ("county",),
    Role.CITY: ("city",),
    Role.AUDITOR: ("city", "county"),
    Role.ADMIN: ("city",),
}


class User(AbstractUser):
    role = models.CharField("角色", max_length=16, choices=Role.choices, default=Role.VILLAGE)
    jurisdiction = models.ForeignKey(
        "common.Region",
        verbose_name="管辖区划",
        on_delete=models.PROTECT,
        null=True,
        help_text="用户只能看到并办理本区划内的记录",
    )
    phone = models.CharField("联系电话", max_length=20, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        permissions = [
            ("reveal_personal_data", "可查看完整的身份证号、电话和银行账号（每次查看留痕）"),
        ]

    @property
    def jurisdiction_prefix(self) -> str | None:
        """Codes under the jurisdiction start with this; ``None`` means the user sees nothing."""
        if self.jurisdiction_id is None:
            return None
        return region_prefix(str(self.jurisdiction_id))

    @property
    def is_read_only(self) -> bool:
        return self.role in READ_ONLY_ROLES

    @property
    def can_read_audit_logs(self) -> bool:
        return self.is_active and self.role in AUDIT_READER_ROLES

    def can_reveal_personal_data(self) -> bool:
        return self.is_active and self.has_perm("accounts.reveal_personal_data")
