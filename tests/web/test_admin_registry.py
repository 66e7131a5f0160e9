"""The registry in the admin site: people change only through ``do_update_person`` (audited, phone masked
in the form and the log); the rest is read-only for everybody, the audit log included."""

from __future__ import annotations

import pytest
from django.urls import reverse

from minzheng.audit.models import AuditEvent, AuditLog
from minzheng.registry.models import Household, Person
from tests.factories import make_household, make_user


@pytest.fixture
def county_user(regions):
    return make_user("county", regions["530602"], username="zhaoyang", is_staff=True)


@pytest.fixture
def person(regions):
    head = make_household(regions["530602001001"], members=1).head
    Person.objects.filter(pk=head.pk).update(phone="13912345678", employment="务农")
    return Person.objects.get(pk=head.pk)


def _person_form(person: Person, **overrides):
    data = {
        "name": person.name,
        "ethnicity": person.ethnicity,
        "hukou_type": person.hukou_type,
        "new_phone": "",
        "labour_capacity": person.labour_capacity,
        "employment": person.employment,
        "illness_category": person.illness_category,
        "_save": "保存",
    }
    data.update(overrides)
    return data


def test_the_person_form_shows_the_id_number_and_phone_masked_only(client, county_user, person):
    # given
    client.force_login(county_user)
    # when
    body = client.get(reverse("admin:registry_person_change", args=[person.pk])).content.decode()
    # then
    assert "139****5678" in body and person.id_number[:6] + "********" + person.id_number[-4:] in body
    assert "13912345678" not in body and person.id_number not in body
    assert 'name="new_phone"' in body and 'name="id_number"' not in body and 'name="phone"' not in body


def test_changing_a_person_in_the_admin_goes_through_the_audited_action(client, county_user, person):
    # given
    client.force_login(county_user)
    # when the employment and the phone change
    response = client.post(
        reverse("admin:registry_person_change", args=[person.pk]),
        _person_form(person, employment="务工", new_phone="13700001111"),
    )
    # then
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.employment, person.phone) == ("务工", "13700001111")
    log = AuditLog.objects.get(event_type=AuditEvent.PERSON_UPDATED)
    assert (log.actor_id, log.subject_id) == (county_user.pk, str(person.pk))
    assert log.data == {
        "old": {"employment": "务农", "phone": "***"},
        "new": {"employment": "务工", "phone": "***"},
    }


def test_saving_an_unchanged_person_writes_no_audit_row(client, county_user, person):
    # given
    client.force_login(county_user)
    # when
    response = client.post(reverse("admin:registry_person_change", args=[person.pk]), _person_form(person))
    # then
    assert response.status_code == 302
    assert not AuditLog.objects.filter(event_type=AuditEvent.PERSON_UPDATED).exists()


def test_an_auditor_sees_people_read_only_and_cannot_change_them(client, regions, person):
    # given
    auditor = make_user("auditor", regions["530602"], username="audit", is_staff=True)
    client.force_login(auditor)
    url = reverse("admin:registry_person_change", args=[person.pk])
    # when
    page = client.get(url)
    post = client.post(url, _person_form(person, employment="务工"))
    # then
    assert page.status_code == 200 and 'name="new_phone"' not in page.content.decode()
    assert post.status_code == 403
    person.refresh_from_db()
    assert person.employment == "务农"


@pytest.mark.parametrize(
    "url_name", ["admin:registry_household_add", "admin:registry_person_add", "admin:audit_auditlog_add"]
)
def test_nothing_is_added_in_the_admin_not_even_by_a_superuser(client, regions, url_name):
    # given
    admin_user = make_user("admin", regions["530600"], is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    # when / then
    assert client.get(reverse(url_name)).status_code == 403


def test_audit_rows_and_households_cannot_be_deleted_in_the_admin(client, regions):
    # given a superuser and an audited household
    admin_user = make_user("admin", regions["530600"], is_staff=True, is_superuser=True)
    household = make_household(regions["530602001001"])
    log = AuditLog.objects.first()
    client.force_login(admin_user)
    # when
    delete_log = client.post(reverse("admin:audit_auditlog_delete", args=[log.pk]), {"post": "yes"})
    delete_household = client.post(
        reverse("admin:registry_household_delete", args=[household.pk]), {"post": "yes"}
    )
    change_log = client.post(reverse("admin:audit_auditlog_change", args=[log.pk]), {"summary": "改"})
    # then
    assert (delete_log.status_code, delete_household.status_code, change_log.status_code) == (403, 403, 403)
    assert AuditLog.objects.filter(pk=log.pk).exists() and Household.objects.filter(pk=household.pk).exists()


@pytest.mark.parametrize(
    ("url_name", "lookup"),
    [
        ("admin:registry_person_changelist", "id_number__startswith"),
        ("admin:registry_person_changelist", "phone__startswith"),
        ("admin:registry_household_changelist", "head__id_number__startswith"),
        ("admin:registry_disability_changelist", "certificate_number__startswith"),
        ("admin:registry_membership_changelist", "person__id_number"),
        ("admin:accounts_user_changelist", "phone__startswith"),
    ],
)
def test_url_filters_on_id_numbers_and_phones_are_refused(client, county_user, person, url_name, lookup):
    """Probing prefixes digit by digit would rebuild a number that is only ever shown masked."""
    # given
    client.force_login(county_user)
    # when
    response = client.get(reverse(url_name), {lookup: person.id_number[:8]})
    # then
    assert response.status_code == 400
