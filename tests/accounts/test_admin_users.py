"""Users through the admin site and the actions: scoped, level-checked, audited, never logging a password;
and the ``demo_users`` command."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from minzheng.accounts.actions import (
    ROLE_ADMIN_PERMISSIONS,
    do_create_user,
    do_update_user,
    has_reveal_permission_granted,
    role_group_name,
)
from minzheng.accounts.models import Role, User
from minzheng.audit.models import AuditEvent, AuditLog
from minzheng.common.errors import NotFoundOrNoAccess, PermissionDenied, ValidationFailed
from tests.factories import build_other_city_tree, make_user

PASSWORD = "Zt-河畔-2024-secret"


@pytest.fixture
def superadmin(regions):
    return make_user(
        "admin", regions["530600"], username="root", is_staff=True, is_superuser=True, can_reveal=True
    )


@pytest.fixture
def city_admin(regions):
    """A system administrator who is not a superuser: admin permissions through the role group only."""
    return make_user("admin", regions["530600"], username="sysadmin", is_staff=True)


def _add_form(**overrides):
    data = {
        "username": "new-county",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "first_name": "杨县级",
        "new_phone": "13812345678",
        "email": "",
        "role": Role.COUNTY,
        "jurisdiction": "530602",
        "is_staff": "on",
        "_save": "保存",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _user_rows(event):
    return list(AuditLog.objects.filter(event_type=event, subject_type="user").order_by("id"))


# --- creating users in the admin -----------------------------------------------------------------------


def test_admin_creates_a_user_in_its_jurisdiction_with_one_audit_row_and_no_password(client, superadmin):
    # given
    client.force_login(superadmin)
    rows_before = len(_user_rows(AuditEvent.USER_CREATED))
    # when
    response = client.post(reverse("admin:accounts_user_add"), _add_form(can_reveal="on"))
    # then
    assert response.status_code == 302
    user = User.objects.get(username="new-county")
    assert (user.role, user.jurisdiction_id, user.is_staff, user.phone) == (
        "county",
        "530602",
        True,
        "13812345678",
    )
    assert user.check_password(PASSWORD)
    assert has_reveal_permission_granted(user)
    assert list(user.groups.values_list("name", flat=True)) == [role_group_name(Role.COUNTY)]
    assert user.has_perm("registry.view_household") and not user.has_perm("accounts.add_user")
    created = _user_rows(AuditEvent.USER_CREATED)[rows_before:]
    assert len(created) == 1
    (log,) = created
    assert (log.actor_id, log.subject_id, log.region_code) == (superadmin.pk, str(user.pk), "530602")
    dumped = json.dumps([log.summary, log.data], ensure_ascii=False)
    assert PASSWORD not in dumped and user.password not in dumped and "13812345678" not in dumped
    assert log.data["new"]["phone"] == "138****5678"
    assert log.data["new"]["can_reveal"] is True


def test_the_jurisdiction_must_be_at_the_level_of_the_role(client, superadmin):
    # given
    client.force_login(superadmin)
    rows_before = AuditLog.objects.count()
    # when a township officer is given a county
    response = client.post(reverse("admin:accounts_user_add"), _add_form(role=Role.TOWNSHIP))
    # then
    assert response.status_code == 200
    assert "乡镇（街道）经办人的管辖区划必须是乡（镇、街道）一级" in response.content.decode()
    assert not User.objects.filter(username="new-county").exists()
    assert AuditLog.objects.count() == rows_before


def test_an_admin_cannot_create_a_user_outside_its_jurisdiction(client, regions, city_admin):
    # given a region of another city
    build_other_city_tree()
    client.force_login(city_admin)
    rows_before = AuditLog.objects.count()
    # when
    response = client.post(reverse("admin:accounts_user_add"), _add_form(jurisdiction="530102"))
    # then: the region is not even a choice
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["jurisdiction"]
    assert not User.objects.filter(username="new-county").exists()
    assert AuditLog.objects.count() == rows_before


def test_the_action_refuses_a_jurisdiction_outside_the_acting_users(regions):
    # given a county officer who was given the right to add users
    county_admin = make_user("county", regions["530602"], is_staff=True)
    county_admin.user_permissions.add(*_permissions("add_user"))
    county_admin = User.objects.get(pk=county_admin.pk)
    rows_before = AuditLog.objects.count()
    # when / then
    with pytest.raises(ValidationFailed, match="不在您的管辖范围内"):
        do_create_user(
            username="luodian-village",
            password=PASSWORD,
            role=Role.VILLAGE,
            jurisdiction=regions["530621101201"],
            acting_user=county_admin,
        )
    assert not User.objects.filter(username="luodian-village").exists()
    assert AuditLog.objects.count() == rows_before


def test_only_a_user_who_may_reveal_can_grant_the_reveal_permission(client, city_admin):
    # given an admin without the reveal permission
    client.force_login(city_admin)
    # when
    response = client.post(reverse("admin:accounts_user_add"), _add_form(can_reveal="on"))
    # then
    assert response.status_code == 200
    assert "不能授予他人" in response.content.decode()
    assert not User.objects.filter(username="new-county").exists()


def test_passwords_must_match(client, superadmin):
    # given
    client.force_login(superadmin)
    # when
    response = client.post(reverse("admin:accounts_user_add"), _add_form(password2="another-password-1"))
    # then
    assert "两次输入的密码不一致" in response.content.decode()
    assert not User.objects.filter(username="new-county").exists()


# --- changing users in the admin -----------------------------------------------------------------------


def _change_form(user: User, **overrides):
    data = {
        "first_name": user.first_name,
        "email": user.email,
        "new_phone": "",
        "role": user.role,
        "jurisdiction": user.jurisdiction_id,
        "is_staff": "on" if user.is_staff else None,
        "is_active": "on" if user.is_active else None,
        "password1": "",
        "password2": "",
        "_save": "保存",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_changing_a_user_writes_user_updated_with_old_and_new_values(client, regions, superadmin):
    # given a village assistant in 西街社区
    user = make_user("village", regions["530602001001"], username="xijie")
    client.force_login(superadmin)
    # when they move to 凤凰街道 as township staff
    response = client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        _change_form(user, role=Role.TOWNSHIP, jurisdiction="530602001"),
    )
    # then
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.role, user.jurisdiction_id) == ("township", "530602001")
    (log,) = _user_rows(AuditEvent.USER_UPDATED)
    assert log.actor_id == superadmin.pk
    assert log.data == {
        "old": {"jurisdiction": "530602001001", "role": "village"},
        "new": {"jurisdiction": "530602001", "role": "township"},
    }


def test_setting_a_password_in_the_admin_is_audited_without_the_password(client, regions, superadmin):
    # given
    user = make_user("village", regions["530602001001"], username="xijie")
    client.force_login(superadmin)
    # when
    client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        _change_form(user, password1=PASSWORD, password2=PASSWORD),
    )
    # then
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    (log,) = _user_rows(AuditEvent.USER_UPDATED)
    assert log.data == {"fields": ["password"]}
    assert PASSWORD not in log.summary


def test_saving_an_unchanged_user_writes_no_audit_row(client, regions, superadmin):
    # given
    user = make_user("village", regions["530602001001"], username="xijie")
    client.force_login(superadmin)
    # when
    response = client.post(reverse("admin:accounts_user_change", args=[user.pk]), _change_form(user))
    # then
    assert response.status_code == 302
    assert _user_rows(AuditEvent.USER_UPDATED) == []


def test_the_phone_is_masked_in_the_list_and_the_form(client, regions, superadmin):
    # given
    user = make_user("village", regions["530602001001"], username="xijie")
    User.objects.filter(pk=user.pk).update(phone="13912345678")
    client.force_login(superadmin)
    # when
    listing = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    form = client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()
    # then
    assert "139****5678" in listing and "139****5678" in form
    assert "13912345678" not in listing + form


def test_a_user_outside_the_jurisdiction_cannot_be_seen_or_changed(client, regions):
    # given a county-level auditor in 鲁甸县 and users on both sides
    auditor = make_user("auditor", regions["530621"], username="luodian-audit", is_staff=True)
    inside = make_user("village", regions["530621101201"], username="longquan")
    outside = make_user("village", regions["530602001001"], username="xijie")
    client.force_login(auditor)
    # when
    listing = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    change_outside = client.get(reverse("admin:accounts_user_change", args=[outside.pk]))
    add = client.get(reverse("admin:accounts_user_add"))
    # then
    assert inside.username in listing and outside.username not in listing
    assert change_outside.status_code == 302
    assert add.status_code == 403  # auditors are read-only
    # and a county officer of 鲁甸县 allowed to change users cannot change one in 昭阳区 either
    with pytest.raises(NotFoundOrNoAccess):
        do_update_user(
            outside.pk, {"first_name": "改"}, acting_user=_with_change_permission(regions["530621"])
        )


def test_a_non_superuser_cannot_change_a_superuser(client, regions, superadmin, city_admin):
    # given
    client.force_login(city_admin)
    # when
    response = client.post(
        reverse("admin:accounts_user_change", args=[superadmin.pk]),
        _change_form(superadmin, first_name="改名"),
    )
    # then
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        do_update_user(superadmin.pk, {"first_name": "改名"}, acting_user=city_admin)
    superadmin.refresh_from_db()
    assert superadmin.first_name != "改名"


def test_users_are_deactivated_never_deleted(client, regions, superadmin):
    # given
    user = make_user("village", regions["530602001001"], username="xijie")
    client.force_login(superadmin)
    # when
    response = client.post(reverse("admin:accounts_user_delete", args=[user.pk]), {"post": "yes"})
    # then
    assert response.status_code == 403
    assert User.objects.filter(pk=user.pk).exists()


def test_role_groups_carry_the_admin_permissions_of_each_role(regions):
    # given / when
    users = {
        role: make_user(role, regions["530600" if role in ("city", "admin", "auditor") else "530602"])
        for role in ("city", "admin", "auditor")
    }
    # then
    assert users["auditor"].has_perm("audit.view_auditlog")
    assert not users["auditor"].has_perm("registry.change_person")
    assert users["admin"].has_perm("accounts.add_user")
    assert not users["city"].has_perm("accounts.add_user")
    assert set(ROLE_ADMIN_PERMISSIONS) == set(Role.values)


def _permissions(*codenames):
    from django.contrib.auth.models import Permission

    return list(Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames))


def _with_change_permission(county):
    user = make_user("county", county, is_staff=True)
    user.user_permissions.add(*_permissions("change_user"))
    return User.objects.get(pk=user.pk)  # a fresh instance: permissions are cached per instance


# --- the demo_users command ----------------------------------------------------------------------------


def _run_demo_users(capsys, *args: str) -> str:
    call_command("demo_users", *args)
    return capsys.readouterr().out


def test_demo_users_creates_one_user_per_role_in_the_loaded_regions(regions, capsys):
    # when
    output = _run_demo_users(capsys)
    # then
    users = {u.username: u for u in User.objects.all()}
    expected = {
        "admin": ("admin", "530600", True, True, True),
        "city": ("city", "530600", True, False, True),
        "county": ("county", "530602", True, False, True),
        "township": ("township", "530602001", False, False, False),
        "village": ("village", "530602001001", False, False, False),
        "auditor": ("auditor", "530600", True, False, False),
    }
    for username, (role, region, is_staff, is_superuser, can_reveal) in expected.items():
        user = users[username]
        assert (user.role, user.jurisdiction_id, user.is_staff, user.is_superuser) == (
            role,
            region,
            is_staff,
            is_superuser,
        )
        assert user.can_reveal_personal_data() == can_reveal
        assert username in output
    created = AuditLog.objects.filter(event_type=AuditEvent.USER_CREATED)
    assert created.count() == 6
    assert all(log.actor_name == "system" for log in created)
    assert "演示账号" in output


def test_demo_users_is_idempotent_and_gives_new_random_passwords(regions, capsys):
    # given a first run
    _run_demo_users(capsys)
    first_hashes = dict(User.objects.values_list("username", "password"))
    # when run again
    _run_demo_users(capsys)
    # then no user is duplicated, every password changed, and the changes are audited
    assert User.objects.count() == 6
    second_hashes = dict(User.objects.values_list("username", "password"))
    assert all(first_hashes[name] != second_hashes[name] for name in first_hashes)
    assert AuditLog.objects.filter(event_type=AuditEvent.USER_CREATED).count() == 6
    password_rows = AuditLog.objects.filter(event_type=AuditEvent.USER_UPDATED, data__fields=["password"])
    assert password_rows.count() == 6


def test_demo_users_with_a_given_password(regions, capsys):
    # when
    output = _run_demo_users(capsys, "--password", PASSWORD)
    # then
    assert all(user.check_password(PASSWORD) for user in User.objects.all())
    assert PASSWORD in output
    dumped = json.dumps(list(AuditLog.objects.values_list("data", flat=True)), ensure_ascii=False)
    assert PASSWORD not in dumped


def test_demo_users_without_regions_says_to_load_the_city_first(db):
    # given no regions / when / then
    with pytest.raises(CommandError, match="minzheng synth --load"):
        call_command("demo_users")
    assert not User.objects.exists()
    assert not Group.objects.exists()
