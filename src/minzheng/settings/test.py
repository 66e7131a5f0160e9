"""Settings for the test suite: same as base, fast password hashing, an isolated var/ folder."""

from __future__ import annotations

from .base import *  # noqa: F403  (settings modules extend each other by star import)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
