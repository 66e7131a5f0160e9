"""The recipients the synthetic departments plant on are the ones the registry load creates."""

from __future__ import annotations

import numpy as np
import pytest

from minzheng.assistance.models import Entitlement
from minzheng.registry.models import Membership
from minzheng.synth.city import generate
from minzheng.synth.departments import caseload_sides
from minzheng.synth.load import load_city

PARAMS = {"city": "zhaotong", "scale": 0.002, "seed": 11, "period": "2023-06"}


@pytest.mark.django_db(transaction=True)
def test_planting_sides_match_the_caseload_of_a_fresh_registry_load():
    # given: a city loaded into an empty registry
    city = generate(scale=0.002, seed=11)
    load_city(city, params=PARAMS)
    in_force = Entitlement.objects.filter(status="active")
    dibao_households = set(in_force.filter(scheme="dibao").values_list("household_id", flat=True))
    tekun = set(in_force.filter(scheme="tekun").values_list("person__id_number", flat=True))
    expected = {
        number
        for household, number, cohabiting in Membership.objects.values_list(
            "household_id", "person__id_number", "is_cohabiting"
        )
        if (household in dibao_households and cohabiting) or number in tekun
    }
    # when
    recipient, coverage = caseload_sides(city)
    # then
    ids = np.asarray(city.persons.column("id_number").to_pylist(), dtype=object)
    assert set(ids[recipient]) == expected
    assert not set(ids[coverage]) & expected
    assert coverage.sum() > 0
