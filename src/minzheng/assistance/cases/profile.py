"""The workflow profile in force: ``workflow.ZHAOTONG`` with the fields that settings override.

``settings.MINZHENG["CASES"]`` may set any field of :class:`~.workflow.WorkflowProfile`, e.g.::

    MINZHENG = {..., "CASES": {"democratic_review_step": "on_objection"}}
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from django.conf import settings

from .workflow import ZHAOTONG, WorkflowProfile

_RULES = ("never", "on_objection", "always")


def get_profile() -> WorkflowProfile:
    overrides: dict[str, Any] = dict(getattr(settings, "MINZHENG", {}).get("CASES", {}))
    if not overrides:
        return ZHAOTONG
    known = {f.name for f in dataclasses.fields(WorkflowProfile)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"MINZHENG['CASES'] has unknown keys: {', '.join(unknown)}")
    if overrides.get("democratic_review_step", "always") not in _RULES:
        raise ValueError(f"MINZHENG['CASES']['democratic_review_step'] must be one of {_RULES}")
    if "tekun_spot_check_ratio" in overrides:
        overrides["tekun_spot_check_ratio"] = Decimal(str(overrides["tekun_spot_check_ratio"]))
    return dataclasses.replace(ZHAOTONG, **overrides)
