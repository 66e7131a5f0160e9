"""Turns the platform's typed errors into a Chinese page (or JSON for the API) instead of a traceback."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from minzheng.common.errors import MinzhengError


class ChineseErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, MinzhengError):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"error": exception.as_dict()}, status=exception.http_status)
        return render(
            request,
            "web/error.html",
            {"error": exception},
            status=exception.http_status,
        )
