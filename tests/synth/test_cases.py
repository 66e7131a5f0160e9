"""The synthetic city's cases: made through the real actions, in many workflow states, with timelines."""

from __future__ import annotations

import pytest

from minzheng.assistance.cases.models import Case, CaseEvent
from minzheng.audit.chain import verify_chain
from minzheng.synth.cases import seed_cases
from minzheng.synth.city import generate
from minzheng.synth.load import load_city


@pytest.mark.django_db(transaction=True)
def test_seeded_cases_cover_many_states_each_with_its_timeline():
    load_city(generate(scale=0.005, seed=3), params={"city": "zhaotong", "scale": 0.005, "seed": 3})
    # when
    made = seed_cases()
    # then
    assert made == Case.objects.count() > 20
    states = set(Case.objects.values_list("status", "step"))
    assert {("submitted", "intake"), ("in_progress", "investigation"), ("active", "done")} <= states
    assert len(states) >= 8
    assert not Case.objects.exclude(pk__in=CaseEvent.objects.values("case_id")).exists()
    # dated in the synthetic city's May and June 2023, not today
    assert {d.year for d in Case.objects.values_list("step_started_on", flat=True)} == {2023}
    assert verify_chain().ok
