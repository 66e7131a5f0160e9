"""The rules are pure Python: no Django in assistance/domain or in assess.py."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import minzheng.assistance.domain as domain
from minzheng.assistance.domain import vocabulary
from minzheng.registry import models as registry

DOMAIN_DIR = Path(domain.__file__).parent
ASSESS_FILE = DOMAIN_DIR.parent / "assess.py"


def test_importing_the_domain_and_assess_does_not_import_django():
    # given a fresh interpreter, when the domain and assess modules are imported, then Django stays out
    code = (
        "import sys, importlib, pkgutil\n"
        "import minzheng.assistance.domain as d\n"
        "for m in pkgutil.iter_modules(d.__path__): importlib.import_module('minzheng.assistance.domain.' + m.name)\n"
        "import minzheng.assistance.assess\n"
        "bad = sorted(n for n in sys.modules if n == 'django' or n.startswith('django.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("path", [*sorted(DOMAIN_DIR.glob("*.py")), ASSESS_FILE], ids=lambda p: p.name)
def test_no_module_of_the_domain_names_django_in_an_import(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = [
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    ] + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name.split(".")[0] == "django"]


@pytest.mark.parametrize(
    ("domain_enum", "registry_choices"),
    [
        (vocabulary.LabourCapacity, registry.LabourCapacity),
        (vocabulary.Employment, registry.Employment),
        (vocabulary.DisabilityCategory, registry.DisabilityCategory),
        (vocabulary.Relation, registry.Relation),
        (vocabulary.ExclusionReason, registry.ExclusionReason),
        (vocabulary.IncomeCategory, registry.IncomeCategory),
        (vocabulary.AssetKind, registry.AssetKind),
        (vocabulary.Sex, registry.Sex),
    ],
    ids=lambda e: getattr(e, "__name__", ""),
)
def test_the_domain_vocabulary_uses_the_registry_values(domain_enum, registry_choices):
    assert [str(v) for v in domain_enum] == [str(v) for v in registry_choices.values]
