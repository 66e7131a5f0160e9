from __future__ import annotations

import pytest

from tests.factories import build_region_tree


@pytest.fixture(autouse=True)
def policy_seed(request):
    """A transactional test flushes every table, the data migration's seed included: put it back."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        from minzheng.assistance.standards import seed_policy

        request.getfixturevalue("transactional_db")
        seed_policy()


@pytest.fixture
def regions(db):
    return build_region_tree()
