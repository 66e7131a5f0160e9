"""Writes to user accounts (``do_<verb>_<noun>(..., *, acting_user)``).

Every action is atomic and writes its audit row in the same transaction. ``acting_user=None`` means the
command line (``minzheng demo_users``, an operator on the server): jurisdiction checks are skipped there,
the role/region level rules are not. Passwords never reach the audit log.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from minzheng.accounts.access import require_write, scope_users, user_covers_region
from minzheng.accounts.models import ROLE_REGION_LEVELS, Role, User
from minzheng.audit.chain import record
from minzheng.audit.models import AuditEvent
from minzheng.common.errors import NotFoundOrNoAccess, PermissionDenied, ValidationFailed
from minzheng.common.masking import mask_phone
from minzheng.common.models import Region, RegionLevel

REVEAL_PERMISSION = "accounts.reveal_personal_data"

_VIEW_ALL = (
    "registry.view_household",
    "registry.view_person",
    "registry.view_membership",
    "registry.view_income",
    "registry.view_asset",
    "registry.view_disability",
    "registry.view_importbatch",
    "accounts.view_user",
    "audit.view_auditlog",
    "common.view_region",
)

ROLE_ADMIN_PERMISSIONS: dict[str, tuple[str, ...]] = {
    # Village and township staff work in the web pages only; they are not staff of the admin site.
    Role.VILLAGE: (),
    Role.TOWNSHIP: (),
    Role.COUNTY: (*_VIEW_ALL, "registry.change_person"),
    Role.CITY: (*_VIEW_ALL, "registry.change_person"),
    Role.AUDITOR: _VIEW_ALL,
    Role.ADMIN: (*_VIEW_ALL, "registry.change_person", "accounts.add_user", "accounts.change_user"),
}
"""The admin-site model permissions of each role, granted through one group per role. What a user sees
inside a model is still decided by the access layer (jurisdiction); these only open the pages."""

USER_EDITABLE_FIELDS = (
    "first_name",
    "email",
    "phone",
    "role",
    "jurisdiction",
    "is_staff",
    "is_active",
    "can_reveal",
)


def role_group_name(role: str) -> str:
    return f"角色：{Role(role).label}"


def _ensure_role_group(role: str) -> Group:
    """The group carrying a role's admin permissions, created or brought up to date (idempotent)."""
    group, _ = Group.objects.get_or_create(name=role_group_name(role))
    wanted = ROLE_ADMIN_PERMISSIONS.get(role, ())
    permissions = []
    for dotted in wanted:
        app_label, codename = dotted.split(".", 1)
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is not None:
            permissions.append(permission)
    group.permissions.set(permissions)
    return group


def _sync_role_group(user: User) -> None:
    """Put the user in exactly the group of their role (none for roles without admin permissions)."""
    role_groups = Group.objects.filter(name__in=[role_group_name(r) for r in Role.values])
    user.groups.remove(*role_groups)
    if ROLE_ADMIN_PERMISSIONS.get(user.role):
        user.groups.add(_ensure_role_group(user.role))


def _set_reveal_permission(user: User, allowed: bool) -> None:
    app_label, codename = REVEAL_PERMISSION.split(".", 1)
    permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    if allowed:
        user.user_permissions.add(permission)
    else:
        user.user_permissions.remove(permission)
    # has_perm caches permissions on the instance: forget them so that later checks see the change.
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)


def has_reveal_permission_granted(user: User) -> bool:
    """Whether the reveal permission is granted to the user directly (what the user forms edit)."""
    app_label, codename = REVEAL_PERMISSION.split(".", 1)
    return user.user_permissions.filter(content_type__app_label=app_label, codename=codename).exists()


def _require_user_manager(acting_user: User | None, permission: str) -> None:
    if acting_user is None:
        return
    require_write(acting_user)
    if not acting_user.has_perm(permission):
        raise PermissionDenied("您没有管理用户账号的权限")


def check_user_assignment(
    *, role: str, jurisdiction: Region | None, can_reveal: bool, acting_user: User | None
) -> None:
    """Validate a role and jurisdiction (and the reveal permission) that ``acting_user`` wants to give.

    The jurisdiction must be at the level the role requires (``ROLE_REGION_LEVELS``) and inside the acting
    user's own jurisdiction; only a user who may reveal personal data may grant that permission.
    """
    if role not in Role.values:
        raise ValidationFailed(f"角色无效：{role}", field="role")
    if jurisdiction is None:
        raise ValidationFailed("必须指定管辖区划", field="jurisdiction")
    allowed_levels = ROLE_REGION_LEVELS[role]
    if jurisdiction.level not in allowed_levels:
        levels = "或".join(RegionLevel(level).label for level in allowed_levels)
        raise ValidationFailed(
            f"{Role(role).label}的管辖区划必须是{levels}一级，"
            f"{jurisdiction.name}（{jurisdiction.code}）是{RegionLevel(jurisdiction.level).label}一级",
            field="jurisdiction",
        )
    if acting_user is not None and not user_covers_region(acting_user, jurisdiction.code):
        raise ValidationFailed(
            f"{jurisdiction.name}（{jurisdiction.code}）不在您的管辖范围内，不能把用户设在该区划",
            field="jurisdiction",
        )
    if can_reveal and acting_user is not None and not acting_user.can_reveal_personal_data():
        raise ValidationFailed("您本人没有查看完整个人信息的权限，不能授予他人", field="can_reveal")


def _snapshot(user: User) -> dict[str, Any]:
    """What the audit log keeps of a user: never the password, the phone masked."""
    return {
        "username": user.username,
        "first_name": user.first_name,
        "email": user.email,
        "phone": mask_phone(user.phone),
        "role": user.role,
        "jurisdiction": user.jurisdiction_id or "",
        "is_staff": user.is_staff,
        "is_active": user.is_active,
        "is_superuser": user.is_superuser,
        "can_reveal": has_reveal_permission_granted(user),
    }


@transaction.atomic
def do_create_user(
    *,
    username: str,
    password: str | None,
    role: str,
    jurisdiction: Region,
    acting_user: User | None,
    first_name: str = "",
    email: str = "",
    phone: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    can_reveal: bool = False,
) -> User:
    """Create a user with a role and jurisdiction; ``password=None`` leaves the account without a usable
    password (it cannot log in until one is set)."""
    _require_user_manager(acting_user, "accounts.add_user")
    check_user_assignment(
        role=role, jurisdiction=jurisdiction, can_reveal=can_reveal, acting_user=acting_user
    )
    if is_superuser and acting_user is not None and not acting_user.is_superuser:
        raise PermissionDenied("只有超级管理员可以创建超级管理员")
    username = username.strip()
    if not username:
        raise ValidationFailed("用户名不能为空", field="username")
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(f"用户名 {username} 已存在", field="username")
    user = User(
        username=username,
        first_name=first_name,
        email=email,
        phone=phone,
        role=role,
        jurisdiction=jurisdiction,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    _sync_role_group(user)
    if can_reveal:
        _set_reveal_permission(user, True)
    record(
        AuditEvent.USER_CREATED,
        actor=acting_user,
        subject_type="user",
        subject_id=user.pk,
        region_code=jurisdiction.code,
        summary=f"创建用户 {username}（{Role(role).label}，{jurisdiction.name}）",
        data={"new": _snapshot(user)},
    )
    return user


@transaction.atomic
def do_update_user(user_id: int, changes: dict[str, Any], *, acting_user: User | None) -> User:
    """Change the fields in ``USER_EDITABLE_FIELDS``; ``jurisdiction`` takes a Region or a code.

    Early return (no write, no audit row) when nothing changes.
    """
    _require_user_manager(acting_user, "accounts.change_user")
    unknown = set(changes) - set(USER_EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"不能修改这些字段：{'、'.join(sorted(unknown))}", field=sorted(unknown)[0])
    queryset = User.objects.select_for_update()
    if acting_user is not None:
        queryset = scope_users(acting_user, queryset)
    user = queryset.filter(pk=user_id).first()
    if user is None:
        raise NotFoundOrNoAccess("未找到该用户，或该用户不在您的管辖范围内")
    if user.is_superuser and acting_user is not None and not acting_user.is_superuser:
        raise PermissionDenied("只有超级管理员可以修改超级管理员账号")

    changes = dict(changes)
    if "jurisdiction" in changes and not isinstance(changes["jurisdiction"], Region):
        code = changes["jurisdiction"]
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise ValidationFailed(f"行政区划代码不存在：{code}", field="jurisdiction")
        changes["jurisdiction"] = region

    old = _snapshot(user)
    new_role = changes.get("role", user.role)
    new_jurisdiction = changes.get("jurisdiction", user.jurisdiction)
    new_can_reveal = bool(changes.get("can_reveal", old["can_reveal"]))
    check_user_assignment(
        role=new_role,
        jurisdiction=new_jurisdiction,
        # Only a change of the reveal permission needs the acting user to hold it.
        can_reveal=new_can_reveal and not old["can_reveal"],
        acting_user=acting_user,
    )

    changed = {
        field
        for field in ("first_name", "email", "phone", "role", "is_staff", "is_active")
        if field in changes and changes[field] != getattr(user, field)
    }
    if new_jurisdiction != user.jurisdiction:
        changed.add("jurisdiction")
    if new_can_reveal != old["can_reveal"]:
        changed.add("can_reveal")
    if not changed:
        return user  # nothing changes: no write, no audit row
    for field in changed - {"jurisdiction", "can_reveal"}:
        setattr(user, field, changes[field])
    user.jurisdiction = new_jurisdiction
    if "can_reveal" in changed:
        _set_reveal_permission(user, new_can_reveal)
    new = _snapshot(user)
    user.save()
    if "role" in changed:
        _sync_role_group(user)
    record(
        AuditEvent.USER_UPDATED,
        actor=acting_user,
        subject_type="user",
        subject_id=user.pk,
        region_code=user.jurisdiction_id or "",
        summary=f"修改用户 {user.username} 的 {'、'.join(sorted(changed))}",
        data={
            "old": {field: old[field] for field in sorted(changed)},
            "new": {field: new[field] for field in sorted(changed)},
        },
    )
    return user


@transaction.atomic
def do_set_user_password(user_id: int, password: str, *, acting_user: User | None) -> User:
    """Set a new password. The audit row says that it changed, never what it is."""
    _require_user_manager(acting_user, "accounts.change_user")
    queryset = User.objects.select_for_update()
    if acting_user is not None:
        queryset = scope_users(acting_user, queryset)
    user = queryset.filter(pk=user_id).first()
    if user is None:
        raise NotFoundOrNoAccess("未找到该用户，或该用户不在您的管辖范围内")
    if user.is_superuser and acting_user is not None and not acting_user.is_superuser:
        raise PermissionDenied("只有超级管理员可以修改超级管理员账号")
    if not password:
        raise ValidationFailed("密码不能为空", field="password")
    user.set_password(password)
    user.save(update_fields=["password"])
    record(
        AuditEvent.USER_UPDATED,
        actor=acting_user,
        subject_type="user",
        subject_id=user.pk,
        region_code=user.jurisdiction_id or "",
        summary=f"重设用户 {user.username} 的密码",
        data={"fields": ["password"]},
    )
    return user
