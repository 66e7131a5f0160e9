"""``POST /api/assess``: the assistance rules over HTTP (JSON in, JSON out).

Session authentication with Django's CSRF protection (the token goes in the ``X-CSRFToken`` header):
an anonymous caller gets 401 JSON, a bad input 400 ``{"error": {"code", "message", "field"}}``. The view
only computes — it reads and writes no record — so it needs no access check beyond being signed in.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from minzheng.common.errors import ValidationFailed

from .assess import assess_json, error_json

JSON_DUMPS = {"ensure_ascii": False}


def _error(code: str, message: str, field: str | None, status: int) -> JsonResponse:
    body = {"error": {"code": code, "message": message, "field": field}}
    return JsonResponse(body, status=status, json_dumps_params=JSON_DUMPS)


@never_cache
@require_POST
def assess_view(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return _error("not_authenticated", "请先登录", None, 401)
    try:
        payload = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _error("invalid_json", "请求体不是有效的 JSON", "$", 400)
    try:
        result = assess_json(payload)
    except ValidationFailed as error:
        return JsonResponse(error_json(error), status=400, json_dumps_params=JSON_DUMPS)
    return JsonResponse(result, json_dumps_params=JSON_DUMPS)
