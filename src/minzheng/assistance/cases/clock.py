"""The business clock of the workflow: today's date in the bureau's time zone.

Every action and selector asks this module (``clock.today()``), never ``datetime.date.today()``, so that
tests can move the clock over a holiday or past a 公示 by patching one function.
"""

from __future__ import annotations

import datetime

from django.utils import timezone


def today() -> datetime.date:
    return timezone.localdate()


def now() -> datetime.datetime:
    return timezone.now()
