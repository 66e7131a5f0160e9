"""Users in the admin site: scoped to the jurisdiction, created and changed only through the actions.

An admin sees the users whose jurisdiction lies in theirs, and may give a user only a role and a region
inside it (``check_user_assignment``). The phone is shown masked; a new one is typed into an empty field.
Passwords are set through the same form (``do_set_user_password``) and never shown or logged.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django import forms
from django.contrib import admin
from django.contrib.auth import password_validation
from django.db.models import QuerySet
from django.http import HttpRequest

from minzheng.accounts.access import region_filter, scope_users
from minzheng.accounts.actions import (
    check_user_assignment,
    do_create_user,
    do_set_user_password,
    do_update_user,
    has_reveal_permission_granted,
)
from minzheng.accounts.models import User
from minzheng.common.admin import NoPersonalDataLookupsMixin
from minzheng.common.errors import MinzhengError
from minzheng.common.masking import mask_phone
from minzheng.common.models import Region


def _acting_user(request: HttpRequest) -> User:
    return cast(User, request.user)  # the admin site lets only active staff users in


class UserAdminForm(forms.ModelForm):
    """The add and change form. ``acting_user`` is set by ``UserAdmin.get_form`` for each request."""

    acting_user: User | None = None

    new_phone = forms.CharField(label="新联系电话", max_length=20, required=False, help_text="留空表示不修改")
    can_reveal = forms.BooleanField(
        label="可查看完整个人信息",
        required=False,
        help_text="可查看完整的身份证号、电话和银行账号（每次查看均记入审计日志）",
    )
    password1 = forms.CharField(
        label="密码",
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="确认密码",
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="修改用户时留空表示不修改密码",
    )

    class Meta:
        model = User
        fields = ("username", "first_name", "email", "role", "jurisdiction", "is_staff", "is_active")
        labels: ClassVar[dict[str, str]] = {"first_name": "姓名"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "jurisdiction" in self.fields and self.acting_user is not None:
            field = self.fields["jurisdiction"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Region.objects.filter(region_filter(self.acting_user, "code")).order_by("code")
            field.required = True
        if self.instance.pk is not None and "can_reveal" in self.fields:
            self.fields["can_reveal"].initial = has_reveal_permission_granted(self.instance)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        adding = self.instance.pk is None
        password1, password2 = cleaned.get("password1") or "", cleaned.get("password2") or ""
        if adding and not password1:
            self.add_error("password1", "请设置密码")
        if password1 != password2:
            self.add_error("password2", "两次输入的密码不一致")
        elif password1:
            try:
                password_validation.validate_password(password1, self.instance)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        if "role" in self.fields and cleaned.get("role") and cleaned.get("jurisdiction") is not None:
            already_granted = not adding and has_reveal_permission_granted(self.instance)
            try:
                check_user_assignment(
                    role=cleaned["role"],
                    jurisdiction=cleaned["jurisdiction"],
                    can_reveal=bool(cleaned.get("can_reveal")) and not already_granted,
                    acting_user=self.acting_user,
                )
            except MinzhengError as error:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned


@admin.register(User)
class UserAdmin(NoPersonalDataLookupsMixin, admin.ModelAdmin):
    form = UserAdminForm
    list_display = ("username", "first_name", "role", "jurisdiction", "masked_phone", "is_staff", "is_active")
    list_filter = ("role", "is_staff", "is_active")
    list_select_related = ("jurisdiction",)
    search_fields = ("username", "first_name")
    ordering = ("username",)
    readonly_fields = ("masked_phone", "last_login", "date_joined")

    @admin.display(description="联系电话")
    def masked_phone(self, obj: User) -> str:
        return mask_phone(obj.phone)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return scope_users(_acting_user(request), super().get_queryset(request))

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        if obj is None:
            return (
                (None, {"fields": ("username", "password1", "password2")}),
                ("基本信息", {"fields": ("first_name", "new_phone", "email")}),
                ("角色与权限", {"fields": ("role", "jurisdiction", "is_staff", "can_reveal")}),
            )
        editable = self.has_change_permission(request, obj)
        account = ("username", "password1", "password2") if editable else ("username",)
        contact = (
            ("first_name", "masked_phone", "new_phone", "email")
            if editable
            else ("first_name", "masked_phone")
        )
        access = (
            ("role", "jurisdiction", "is_staff", "is_active", "can_reveal")
            if editable
            else (
                "role",
                "jurisdiction",
                "is_staff",
                "is_active",
            )
        )
        return (
            (None, {"fields": account}),
            ("基本信息", {"fields": contact}),
            ("角色与权限", {"fields": access}),
            ("登录记录", {"fields": ("last_login", "date_joined")}),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        if obj is None:
            return ()
        return ("username", *self.readonly_fields)

    def get_form(
        self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type("ScopedUserAdminForm", (form,), {"acting_user": _acting_user(request)})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not _acting_user(request).is_read_only and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        acting_user = _acting_user(request)
        if acting_user.is_read_only:
            return False
        if obj is not None and obj.is_superuser and not acting_user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # Accounts are deactivated, never deleted: the audit log refers to them.
        return False

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        data = form.cleaned_data
        acting_user = _acting_user(request)
        if not change:
            user = do_create_user(
                username=data["username"],
                password=data["password1"],
                role=data["role"],
                jurisdiction=data["jurisdiction"],
                acting_user=acting_user,
                first_name=data.get("first_name", ""),
                email=data.get("email", ""),
                phone=data.get("new_phone", ""),
                is_staff=bool(data.get("is_staff")),
                can_reveal=bool(data.get("can_reveal")),
            )
            # The admin goes on with ``obj`` (change message, redirect): make it the saved row.
            obj.pk = user.pk
            obj._state.adding = False
            obj._state.db = user._state.db
            return
        changes = {
            field: data[field]
            for field in (
                "first_name",
                "email",
                "role",
                "jurisdiction",
                "is_staff",
                "is_active",
                "can_reveal",
            )
            if field in data
        }
        if data.get("new_phone"):
            changes["phone"] = data["new_phone"]
        do_update_user(obj.pk, changes, acting_user=acting_user)
        if data.get("password1"):
            do_set_user_password(obj.pk, data["password1"], acting_user=acting_user)
