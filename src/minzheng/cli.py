"""The ``minzheng`` command: Django's manage.py with Minzheng's settings.

``minzheng migrate``, ``minzheng runserver``, ``minzheng synth …``, ``minzheng import households FILE``,
``minzheng audit verify`` and every other management command of the platform.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["minzheng", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
