from __future__ import annotations

import pytest

from tests.factories import build_region_tree


@pytest.fixture
def regions(db):
    return build_region_tree()
