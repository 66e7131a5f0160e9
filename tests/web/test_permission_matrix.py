"""Every role × every page: nobody sees a record outside their jurisdiction, and no page or export shows a
full ID number or phone unless it was revealed (and the reveal was audited).

The world: four households in four places — two in 昭阳区 (in two townships), one in 鲁甸县 and one in
another city (昆明市) — each with an income, an asset, a disability, an import batch, an audit row and a
village user of its own, all named with a marker of the household. ``VISIBLE`` says, role by role, which
households a user may see; every page is checked against it: the markers of visible households appear,
those of the others never do, and detail pages outside answer 404 (admin: a redirect, as for a missing row).
"""

from __future__ import annotations

import datetime
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from minzheng.accounts.models import User
from minzheng.audit.chain import record
from minzheng.audit.models import AuditEvent, AuditLog
from minzheng.common.masking import mask_id_number
from minzheng.registry.models import Asset, Disability, Household, ImportBatch, Income, Person
from tests.factories import build_other_city_tree, build_region_tree, make_named_household, make_user

ROLES = ("village", "township", "county", "city", "auditor", "admin")

# key: (village code, household number, [head, member])
HOUSEHOLDS = {
    "xijie": ("530602001001", "HH-XIJIE-01", ["赵西街", "赵小西"]),
    "qingshan": ("530602101201", "HH-QINGSHAN-02", ["钱青山", "钱小青"]),
    "longquan": ("530621101201", "HH-LONGQUAN-03", ["孙龙泉", "孙小龙"]),
    "cuihu": ("530102001001", "HH-CUIHU-04", ["李翠湖", "李小翠"]),
}

JURISDICTION = {
    "village": "530602001001",  # 西街社区
    "township": "530602001",  # 凤凰街道
    "county": "530602",  # 昭阳区
    "city": "530600",  # 昭通市
    "auditor": "530621",  # 鲁甸县 (a county-level auditor)
    "admin": "530600",
}

# The matrix, spelled out: which households each role may see.
VISIBLE = {
    "village": {"xijie"},
    "township": {"xijie"},
    "county": {"xijie", "qingshan"},
    "city": {"xijie", "qingshan", "longquan"},
    "auditor": {"longquan"},
    "admin": {"xijie", "qingshan", "longquan"},
}

STAFF_ROLES = {"county", "city", "auditor", "admin"}
REVEAL_ROLES = {"county", "city", "admin"}
AUDIT_READER_ROLES = {"county", "city", "auditor", "admin"}


@dataclass
class World:
    users: dict[str, User]
    households: dict[str, Household]
    # model label → household key → primary key of that household's record of the model
    records: dict[str, dict[str, object]] = field(default_factory=dict)
    # model label → household key → text that marks the record in a list
    markers: dict[str, dict[str, str]] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)  # every full ID number and phone in the world


@pytest.fixture
def world(db) -> World:
    regions = {**build_region_tree(), **build_other_city_tree()}
    users = {
        role: make_user(
            role,
            regions[JURISDICTION[role]],
            username=f"matrix-{role}",
            is_staff=role in STAFF_ROLES,
            is_superuser=role == "admin",
            can_reveal=role in REVEAL_ROLES,
        )
        for role in ROLES
    }
    world = World(users=users, households={})
    records: dict[str, dict[str, object]] = {
        m: {} for m in ("household", "person", "membership", "income", "asset", "disability")
    }
    records.update({m: {} for m in ("importbatch", "user", "auditlog", "region")})
    markers: dict[str, dict[str, str]] = {m: {} for m in records}
    for key, (code, number, names) in HOUSEHOLDS.items():
        region = regions[code]
        household = make_named_household(region, number, names)
        head = household.head
        assert head is not None
        world.households[key] = household
        membership = household.memberships.get(person=head)
        income = Income.objects.create(
            household=household,
            person=head,
            category="工资性收入",
            item=f"收入-{key}",
            monthly_amount=Decimal("800.00"),
            valid_from=datetime.date(2020, 1, 1),
        )
        asset = Asset.objects.create(
            household=household,
            kind="房产",
            description=f"财产-{key}",
            value=Decimal("50000.00"),
            valid_from=datetime.date(2020, 1, 1),
        )
        disability = Disability.objects.create(
            person=head,
            certificate_number=head.id_number + "42",
            category="肢体",
            grade=4,
            valid_from=datetime.date(2019, 1, 1),
        )
        batch = ImportBatch.objects.create(
            file_name=f"导入-{key}.xlsx",
            file_sha256=key.ljust(64, "0"),
            mode="all_or_nothing",
            uploaded_by=users["admin"],
            region=region,
        )
        village_user = make_user("village", region, username=f"marker-user-{key}")
        with transaction.atomic():
            log = record(
                AuditEvent.HOUSEHOLD_UPDATED,
                actor=None,
                subject_type="household",
                subject_id=household.pk,
                region_code=code,
                summary=f"审计标记-{key}",
            )
        for label, pk, marker in (
            ("household", household.pk, number),
            ("person", head.pk, names[0]),
            ("membership", membership.pk, number),
            ("income", income.pk, f"收入-{key}"),
            ("asset", asset.pk, f"财产-{key}"),
            ("disability", disability.pk, names[0]),
            ("importbatch", batch.pk, f"导入-{key}.xlsx"),
            ("user", village_user.pk, f"marker-user-{key}"),
            ("auditlog", log.pk, f"审计标记-{key}"),
            ("region", region.code, region.name),
        ):
            records[label][key] = pk
            markers[label][key] = marker
    world.records, world.markers = records, markers
    for person in Person.objects.all():
        world.secrets += [person.id_number, person.phone]
    world.secrets += [d.certificate_number for d in Disability.objects.all()]
    return world


def login(client: Client, world: World, role: str) -> User:
    user = world.users[role]
    client.force_login(user)
    return user


def assert_no_secrets(world: World, text: str) -> None:
    leaked = [secret for secret in world.secrets if secret and secret in text]
    assert leaked == [], f"full personal data in the response: {[mask_id_number(s) for s in leaked]}"


def assert_only_visible(world: World, role: str, text: str, markers: dict[str, str]) -> None:
    shown = {key for key, marker in markers.items() if marker in text}
    assert shown == VISIBLE[role] & set(markers)


# --- the pages -----------------------------------------------------------------------------------------


def check_home(client: Client, world: World, role: str) -> None:
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    assert response.context["household_count"] == len(VISIBLE[role])
    assert response.context["member_count"] == 2 * len(VISIBLE[role])
    assert_no_secrets(world, response.content.decode())


def check_household_list(client: Client, world: World, role: str) -> None:
    response = client.get(reverse("web:household_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert_only_visible(world, role, body, world.markers["household"])
    assert_only_visible(world, role, body, world.markers["person"])
    assert_no_secrets(world, body)


def check_household_search_by_id(client: Client, world: World, role: str) -> None:
    """Searching a full ID number finds the household only inside the jurisdiction; outside, the page is
    the same as for a number that exists nowhere."""
    nobody = "11010519491231002X"

    def page_without(response, searched: str) -> str:
        # The CSRF token of the logout form differs on every response.
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode()).replace(
            searched, ""
        )

    empty = page_without(client.get(reverse("web:household_list"), {"q": nobody}), nobody)
    for key, household in world.households.items():
        head_id = household.head.id_number  # type: ignore[union-attr]  # every world household has a head
        response = client.get(reverse("web:household_list"), {"q": head_id})
        assert response.status_code == 200
        found = [row.household.household_number for row in response.context["rows"]]
        if key in VISIBLE[role]:
            assert found == [household.household_number]
        else:
            assert found == []
            assert page_without(response, head_id) == empty


def check_household_detail(client: Client, world: World, role: str) -> None:
    for key, household in world.households.items():
        response = client.get(reverse("web:household_detail", args=[household.pk]))
        body = response.content.decode()
        if key in VISIBLE[role]:
            assert response.status_code == 200
            assert household.household_number in body
            assert f"审计标记-{key}" in body  # its own history
        else:
            assert response.status_code == 404
            assert household.household_number not in body
            assert "未找到该家庭户" in body
        assert_no_secrets(world, body)


def check_person_detail(client: Client, world: World, role: str) -> None:
    for key, household in world.households.items():
        head = household.head
        assert head is not None
        response = client.get(reverse("web:person_detail", args=[head.pk]))
        body = response.content.decode()
        if key in VISIBLE[role]:
            assert response.status_code == 200
            assert head.name in body
            assert mask_id_number(head.id_number) in body
            assert ("查看完整信息" in body) == (role in REVEAL_ROLES)
        else:
            assert response.status_code == 404
            assert head.name not in body
        assert_no_secrets(world, body)


def _workbook_text(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    cells = [
        str(v) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for v in row
    ]
    return "\n".join(cells)


def check_household_export(client: Client, world: World, role: str) -> None:
    user = world.users[role]
    response = client.get(reverse("web:household_export"))
    assert response.status_code == 200
    text = _workbook_text(response.content)
    assert_only_visible(world, role, text, world.markers["household"])
    assert_only_visible(world, role, text, world.markers["person"])
    assert_no_secrets(world, text)
    log = AuditLog.objects.get(event_type=AuditEvent.EXPORT_DOWNLOADED)
    assert (log.actor_id, log.data["rows"], log.data["full"]) == (user.pk, 2 * len(VISIBLE[role]), False)


def check_household_export_full(client: Client, world: World, role: str) -> None:
    response = client.get(reverse("web:household_export"), {"full": "1"})
    if role not in REVEAL_ROLES:
        assert response.status_code == 403
        assert not AuditLog.objects.filter(event_type=AuditEvent.EXPORT_DOWNLOADED).exists()
        return
    assert response.status_code == 200
    text = _workbook_text(response.content)
    assert_only_visible(world, role, text, world.markers["household"])
    for key, household in world.households.items():
        shown = household.head.id_number in text  # type: ignore[union-attr]  # every world household has a head
        assert shown == (key in VISIBLE[role])
    log = AuditLog.objects.get(event_type=AuditEvent.EXPORT_DOWNLOADED)
    assert (log.actor_id, log.data["full"]) == (world.users[role].pk, True)


def check_audit_log(client: Client, world: World, role: str) -> None:
    response = client.get(reverse("web:audit_log"))
    body = response.content.decode()
    if role not in AUDIT_READER_ROLES:
        assert response.status_code == 403
        assert "审计标记" not in body
        return
    assert response.status_code == 200
    assert_only_visible(world, role, body, world.markers["auditlog"])
    assert_no_secrets(world, body)


WEB_PAGES: list[tuple[str, Callable[[Client, World, str], None]]] = [
    ("home", check_home),
    ("household_list", check_household_list),
    ("household_search_by_id", check_household_search_by_id),
    ("household_detail", check_household_detail),
    ("person_detail", check_person_detail),
    ("household_export", check_household_export),
    ("household_export_full", check_household_export_full),
    ("audit_log", check_audit_log),
]

# Every admin model of the four apps: (admin URL name, label in World.records/markers).
ADMIN_MODELS = {
    "registry_household": "household",
    "registry_person": "person",
    "registry_membership": "membership",
    "registry_income": "income",
    "registry_asset": "asset",
    "registry_disability": "disability",
    "registry_importbatch": "importbatch",
    "accounts_user": "user",
    "audit_auditlog": "auditlog",
    "common_region": "region",
}


def admin_changelist_check(url_name: str, label: str) -> Callable[[Client, World, str], None]:
    def check(client: Client, world: World, role: str) -> None:
        response = client.get(reverse(f"admin:{url_name}_changelist"))
        body = response.content.decode()
        if role not in STAFF_ROLES:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("admin:login"))
            return
        assert response.status_code == 200
        assert_only_visible(world, role, body, world.markers[label])
        assert_no_secrets(world, body)

    return check


def admin_change_check(url_name: str, label: str) -> Callable[[Client, World, str], None]:
    def check(client: Client, world: World, role: str) -> None:
        for key, pk in world.records[label].items():
            response = client.get(reverse(f"admin:{url_name}_change", args=[pk]))
            body = response.content.decode()
            if role not in STAFF_ROLES:
                assert response.status_code == 302
                assert response["Location"].startswith(reverse("admin:login"))
            elif key in VISIBLE[role]:
                assert response.status_code == 200, (key, response.status_code)
                assert_no_secrets(world, body)
            else:
                # The admin treats a row outside the queryset as missing: back to the index.
                assert response.status_code == 302
                assert response["Location"] == reverse("admin:index")

    return check


ADMIN_PAGES: list[tuple[str, Callable[[Client, World, str], None]]] = [
    page
    for url_name, label in ADMIN_MODELS.items()
    for page in (
        (f"admin_{url_name}_changelist", admin_changelist_check(url_name, label)),
        (f"admin_{url_name}_change", admin_change_check(url_name, label)),
    )
]

PAGES = WEB_PAGES + ADMIN_PAGES


@pytest.mark.parametrize("page", [pytest.param(check, id=name) for name, check in PAGES])
@pytest.mark.parametrize("role", ROLES)
def test_role_sees_only_its_jurisdiction_and_no_full_personal_data(client, world, role, page):
    # given a user of the role, logged in
    login(client, world, role)
    # when / then: the page shows exactly the role's households, and no full ID number or phone
    page(client, world, role)


def test_the_matrix_covers_every_admin_model_of_the_registry_accounts_audit_and_common_apps():
    registered = {
        f"{model._meta.app_label}_{model._meta.model_name}"
        for model in admin.site._registry
        if model._meta.app_label in {"registry", "accounts", "audit", "common"}
    }
    assert registered == set(ADMIN_MODELS)


# --- the audited reveal --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_reveal_shows_full_data_once_and_writes_one_audit_row_only_with_the_permission(client, world, role):
    # given a person inside the user's jurisdiction
    user = login(client, world, role)
    key = sorted(VISIBLE[role])[0]
    person = world.households[key].head
    assert person is not None
    # when the user asks to see the full data
    response = client.post(reverse("web:person_detail", args=[person.pk]), {"reason": "核对代发信息"})
    # then
    reveals = AuditLog.objects.filter(event_type=AuditEvent.PERSONAL_DATA_REVEALED)
    body = response.content.decode()
    if role in REVEAL_ROLES:
        assert response.status_code == 200
        assert person.id_number in body and person.phone in body
        log = reveals.get()
        assert (log.actor_id, log.subject_type, log.subject_id) == (user.pk, "person", str(person.pk))
        assert log.region_code == person.hukou_region_id
        assert log.data["reason"] == "核对代发信息"
        # and the next page view is masked again
        again = client.get(reverse("web:person_detail", args=[person.pk])).content.decode()
        assert person.id_number not in again
    else:
        assert response.status_code == 403
        assert "没有查看完整个人信息的权限" in body
        assert person.id_number not in body
        assert not reveals.exists()


@pytest.mark.parametrize("role", ROLES)
def test_reveal_outside_the_jurisdiction_is_not_found_and_writes_nothing(client, world, role):
    # given a person outside the user's jurisdiction
    login(client, world, role)
    outside = sorted(set(HOUSEHOLDS) - VISIBLE[role])[0]
    person = world.households[outside].head
    assert person is not None
    rows_before = AuditLog.objects.count()
    # when
    response = client.post(reverse("web:person_detail", args=[person.pk]))
    # then
    assert response.status_code == 404
    assert person.id_number not in response.content.decode()
    assert AuditLog.objects.count() == rows_before


def test_audit_rows_of_the_world_hold_no_full_personal_data(world):
    dumped = json.dumps([[log.summary, log.data] for log in AuditLog.objects.all()], ensure_ascii=False)
    assert_no_secrets(world, dumped)
