"""The small synthetic city the end-to-end tests of `verify` run on: its registry loaded, its month (and
the previous month's income sources) in a lake under tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from minzheng.synth.city import generate, write_lake
from minzheng.synth.departments import generate_departments, write_departments
from minzheng.synth.load import load_city

PERIOD = "2023-06"


@pytest.fixture
def small_city(tmp_path, transactional_db) -> Path:
    city = generate(scale=0.002, seed=5)
    load_city(city, params={"city": "zhaotong", "scale": 0.002, "seed": 5})
    write_lake(city, tmp_path, PERIOD)
    write_departments(generate_departments(city, seed=5, period=PERIOD), tmp_path, PERIOD)
    return tmp_path
