"""Thin views: validate, ``access_…``, one action, render."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from minzheng.accounts.access import region_filter, scope_households
from minzheng.accounts.models import User
from minzheng.registry.models import Membership


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # behind login_required
    household_count = scope_households(user).count()
    # People counted as the current members of the jurisdiction's households (在册家庭成员).
    member_count = Membership.objects.filter(
        region_filter(user, "household__region_id"), valid_to__isnull=True
    ).count()
    return render(
        request,
        "web/home.html",
        {
            "household_count": household_count,
            "member_count": member_count,
            "can_read_audit": user.can_read_audit_logs,
        },
    )
