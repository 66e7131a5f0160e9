"""Errors of the lake, with a Chinese message for the user (shown by the CLI)."""

from __future__ import annotations

from minzheng.common.errors import ValidationFailed


class LakeError(ValidationFailed):
    """A file or a request the lake cannot take: unknown source, bad period, missing columns, unreadable file.

    Raised before anything is written."""

    code = "lake_error"
