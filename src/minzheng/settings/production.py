"""Production settings: a real SECRET_KEY and DATABASE_URL must come from the environment."""

from __future__ import annotations

import os

from .base import *  # noqa: F403  (settings modules extend each other by star import)

if not os.environ.get("SECRET_KEY"):
    raise RuntimeError("生产环境必须设置环境变量 SECRET_KEY")
SESSION_COOKIE_SECURE = os.environ.get("MINZHENG_HTTPS", "1") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
