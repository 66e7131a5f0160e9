"""The registry in the admin site: scoped to the jurisdiction, masked, and read-only except people.

Every ``get_queryset`` goes through the access layer. ID numbers, phones and disability certificate
numbers (which contain the ID number) are shown masked to everybody: the admin site has no audited reveal,
the person page of the web UI has (「查看完整信息」). Households, memberships, incomes and assets change only
through the actions (web pages, imports), which write the audit rows; a person's editable fields change
here through ``do_update_person``.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from minzheng.accounts.access import region_filter, scope_households, scope_persons
from minzheng.accounts.models import User
from minzheng.common.admin import NoPersonalDataLookupsMixin
from minzheng.common.masking import mask_id_number, mask_phone
from minzheng.registry.actions import do_update_person
from minzheng.registry.actions.households import PERSON_EDITABLE_FIELDS
from minzheng.registry.models import (
    Asset,
    Disability,
    Household,
    ImportBatch,
    Income,
    Membership,
    Person,
)


def _acting_user(request: HttpRequest) -> User:
    return cast(User, request.user)  # the admin site lets only active staff users in


class ReadOnlyAdmin(NoPersonalDataLookupsMixin, admin.ModelAdmin):
    """Viewing only: the change page renders every field read-only, and nothing can be added or deleted."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "household"
    fields = ("person", "relation", "is_cohabiting", "exclusion_reason", "valid_from", "valid_to")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ("household_number", "head_name", "head_id_number", "region", "urban_rural", "address")
    list_filter = ("urban_rural",)
    list_select_related = ("region", "head")
    search_fields = ("household_number", "head__name")
    ordering = ("household_number",)
    fields = (
        "household_number",
        "region",
        "urban_rural",
        "address",
        "head_name",
        "head_id_number",
        "created_at",
    )
    inlines = (MembershipInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Household]:
        return scope_households(_acting_user(request), super().get_queryset(request))

    @admin.display(description="户主")
    def head_name(self, obj: Household) -> str:
        return obj.head.name if obj.head else ""

    @admin.display(description="户主身份证号")
    def head_id_number(self, obj: Household) -> str:
        return mask_id_number(obj.head.id_number) if obj.head else ""


class PersonAdminForm(forms.ModelForm):
    new_phone = forms.CharField(label="新联系电话", max_length=20, required=False, help_text="留空表示不修改")

    class Meta:
        model = Person
        fields = tuple(f for f in PERSON_EDITABLE_FIELDS if f != "phone")


@admin.register(Person)
class PersonAdmin(NoPersonalDataLookupsMixin, admin.ModelAdmin):
    form = PersonAdminForm
    list_display = ("name", "masked_id_number", "sex", "birth_date", "hukou_region", "masked_phone")
    list_filter = ("sex", "hukou_type", "labour_capacity", "is_deceased")
    list_select_related = ("hukou_region",)
    # "=" makes the ID search exact: a partial number would list strangers with similar numbers.
    search_fields = ("name", "=id_number")
    ordering = ("id",)
    readonly_fields = (
        "masked_id_number",
        "sex",
        "birth_date",
        "hukou_region",
        "masked_phone",
        "is_deceased",
        "death_date",
        "created_at",
        "updated_at",
    )

    @admin.display(description="公民身份号码")
    def masked_id_number(self, obj: Person) -> str:
        return mask_id_number(obj.id_number)

    @admin.display(description="联系电话")
    def masked_phone(self, obj: Person) -> str:
        return mask_phone(obj.phone)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Person]:
        return scope_persons(_acting_user(request), super().get_queryset(request))

    def get_fields(self, request: HttpRequest, obj: Person | None = None) -> Any:
        # id_number and phone are never form fields: a form would render their full values.
        fields = [
            "name",
            "masked_id_number",
            "sex",
            "birth_date",
            "ethnicity",
            "hukou_type",
            "hukou_region",
            "masked_phone",
        ]
        if self.has_change_permission(request, obj):
            fields.append("new_phone")
        fields += ["labour_capacity", "employment", "illness_category", "is_deceased", "death_date"]
        return fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # people enter the registry through households (web pages and imports)

    def has_change_permission(self, request: HttpRequest, obj: Person | None = None) -> bool:
        return not _acting_user(request).is_read_only and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Person | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Person, form: Any, change: bool) -> None:
        changes = {
            field: form.cleaned_data[field]
            for field in form.changed_data
            if field in PERSON_EDITABLE_FIELDS and field != "phone"
        }
        if form.cleaned_data.get("new_phone"):
            changes["phone"] = form.cleaned_data["new_phone"]
        do_update_person(obj.pk, changes, acting_user=_acting_user(request))


class HouseholdScopedAdmin(ReadOnlyAdmin):
    """Rows that belong to a household: visible when the household lies in the user's jurisdiction."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super().get_queryset(request).filter(region_filter(_acting_user(request), "household__region_id"))
        )


@admin.register(Membership)
class MembershipAdmin(HouseholdScopedAdmin):
    list_display = (
        "household",
        "person",
        "relation",
        "is_cohabiting",
        "exclusion_reason",
        "valid_from",
        "valid_to",
    )
    list_filter = ("relation", "is_cohabiting")
    list_select_related = ("household", "person")
    search_fields = ("household__household_number", "person__name")
    ordering = ("household__household_number", "id")


@admin.register(Income)
class IncomeAdmin(HouseholdScopedAdmin):
    list_display = (
        "household",
        "person",
        "category",
        "item",
        "monthly_amount",
        "counted",
        "rule_code",
        "valid_from",
    )
    list_filter = ("category", "counted")
    list_select_related = ("household", "person")
    search_fields = ("household__household_number", "item")
    ordering = ("household__household_number", "id")


@admin.register(Asset)
class AssetAdmin(HouseholdScopedAdmin):
    list_display = ("household", "person", "kind", "description", "value", "is_exempt", "valid_from")
    list_filter = ("kind", "is_exempt")
    list_select_related = ("household", "person")
    search_fields = ("household__household_number", "description")
    ordering = ("household__household_number", "id")


@admin.register(Disability)
class DisabilityAdmin(ReadOnlyAdmin):
    list_display = ("person", "masked_certificate_number", "category", "grade", "valid_from", "valid_to")
    list_filter = ("category", "grade")
    list_select_related = ("person",)
    search_fields = ("person__name",)
    ordering = ("id",)
    # The second-generation certificate number is the ID number plus category and grade: masked too.
    fields = ("person", "masked_certificate_number", "category", "grade", "valid_from", "valid_to")

    @admin.display(description="残疾人证号")
    def masked_certificate_number(self, obj: Disability) -> str:
        return mask_id_number(obj.certificate_number)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Disability]:
        visible_people = scope_persons(_acting_user(request)).values("pk")
        return super().get_queryset(request).filter(person_id__in=visible_people)


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    """Batches only: their staged rows hold unmasked ID numbers and are shown by the import pages."""

    list_display = (
        "file_name",
        "kind",
        "mode",
        "status",
        "region",
        "uploaded_by",
        "total_rows",
        "bad_rows",
        "created_at",
    )
    list_filter = ("kind", "mode", "status")
    list_select_related = ("region", "uploaded_by")
    search_fields = ("file_name",)
    ordering = ("-created_at",)
    fields = (
        "file_name",
        "kind",
        "mode",
        "status",
        "region",
        "uploaded_by",
        "total_rows",
        "bad_rows",
        "created_rows",
        "updated_rows",
        "unchanged_rows",
        "created_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportBatch]:
        return super().get_queryset(request).filter(region_filter(_acting_user(request), "region_id"))
