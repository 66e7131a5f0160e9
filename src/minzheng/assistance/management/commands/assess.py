"""``minzheng assess FILE.json [--pretty]``: print the decision of the assistance rules as JSON.

On bad input it prints ``{"error": {"code", "message", "field"}}`` (the field as a JSON path) and exits
with status 2. ``-`` reads the input from standard input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minzheng.assistance.assess import assess_json, error_json
from minzheng.common.errors import ValidationFailed

BAD_INPUT_EXIT = 2


class Command(BaseCommand):
    help = "按救助政策规则评估一户家庭（输入 JSON，输出决定 JSON）"
    # Pure computation (no database): skip the system checks. Django's own attribute, read-only here.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="输入 JSON 文件（- 表示标准输入），格式见 docs/assess/schema.json")
        parser.add_argument("--pretty", action="store_true", help="缩进输出")

    def handle(self, *args: Any, **options: Any) -> None:
        indent = 2 if options["pretty"] else None
        try:
            payload = self._read(options["file"])
            result = assess_json(payload)
        except ValidationFailed as error:
            self.stdout.write(json.dumps(error_json(error), ensure_ascii=False, indent=indent))
            raise CommandError(error.message, returncode=BAD_INPUT_EXIT) from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=indent))

    def _read(self, name: str) -> Any:
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        except OSError as error:
            message = f"无法读取输入文件 {name}：{error.strerror}"
            raise ValidationFailed(message, code="unreadable_file", field="$") from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValidationFailed(
                f"输入不是有效的 JSON：第 {error.lineno} 行第 {error.colno} 列，{error.msg}",
                code="invalid_json",
                field="$",
            ) from None
