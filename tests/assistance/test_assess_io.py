"""``assess`` input and output: errors name the field by JSON path, through assess_json, the CLI and the API."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from minzheng.assistance.assess import assess_json, input_schema
from minzheng.common.errors import ValidationFailed
from tests.factories import UserFactory

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "assess"


def example(name: str = "01-dibao-urban-gap") -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def error_of(payload) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        assess_json(payload)
    return caught.value


def with_change(change, name: str = "01-dibao-urban-gap") -> dict:
    payload = copy.deepcopy(example(name))
    change(payload)
    return payload


def bad_id(payload):
    number = payload["household"]["members"][2]["id_number"]
    payload["household"]["members"][2]["id_number"] = number[:17] + ("0" if number[17] != "0" else "1")


BAD_INPUTS = {
    "missing_name": (
        lambda p: p["household"]["members"][1].pop("name"),
        "missing_field",
        "household.members[1].name",
    ),
    "missing_household": (lambda p: p.pop("household"), "missing_field", "household"),
    "invalid_id": (bad_id, "invalid_id_number", "household.members[2].id_number"),
    "negative_income": (
        lambda p: p["household"]["incomes"][0].update(monthly_amount=-100),
        "negative_amount",
        "household.incomes[0].monthly_amount",
    ),
    "unknown_scheme": (lambda p: p.update(scheme="welfare"), "unknown_scheme", "scheme"),
    "bad_date": (lambda p: p.update(as_of="2023-02-30"), "invalid_date", "as_of"),
    "unknown_field": (
        lambda p: p["household"]["members"][0].update(nickname="阿华"),
        "unknown_field",
        "household.members[0].nickname",
    ),
    "member_index": (
        lambda p: p["household"]["incomes"][0].update(member=7),
        "invalid_value",
        "household.incomes[0].member",
    ),
    "no_birth_date": (
        lambda p: p["household"]["members"][0].pop("id_number"),
        "missing_field",
        "household.members[0].birth_date",
    ),
    "exclusion_without_reason": (
        lambda p: p["household"]["members"][1].update(is_cohabiting=False),
        "missing_field",
        "household.members[1].exclusion_reason",
    ),
    "exempt_without_reason": (
        lambda p: p["household"]["assets"][0].update(exempt=True),
        "missing_field",
        "household.assets[0].exempt_reason",
    ),
    "birth_date_conflict": (
        lambda p: p["household"]["members"][0].update(birth_date="1978-03-13"),
        "invalid_value",
        "household.members[0].birth_date",
    ),
    "bad_profile": (
        lambda p: p.update(profile={"gradual_exit_months": 9}),
        "invalid_value",
        "profile.gradual_exit_months",
    ),
    "bad_standard": (
        lambda p: p.update(standards={"dibao_standard": "abc"}),
        "invalid_value",
        "standards.dibao_standard",
    ),
    "wrong_type": (lambda p: p["household"].update(members={}), "invalid_type", "household.members"),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=str)
def test_bad_input_names_the_field(case):
    change, code, field = BAD_INPUTS[case]
    error = error_of(with_change(change))
    assert (error.code, error.field) == (code, field)
    assert field in error.message or error.code in ("invalid_id_number", "unknown_scheme")


def test_an_invalid_id_keeps_the_id_validators_chinese_message():
    error = error_of(with_change(bad_id))
    assert error.message.startswith("身份证号码校验位错误")


def test_application_errors_name_the_application_field():
    error = error_of(with_change(lambda p: p["application"].pop("tier"), "07-temporary-expenditure"))
    assert (error.code, error.field) == ("missing_field", "application.tier")
    error = error_of(with_change(lambda p: p["application"].pop("cause"), "13-temporary-emergency"))
    assert error.field == "application.cause"
    error = error_of(with_change(lambda p: p["household"]["members"][0].pop("father"), "04-orphan"))
    assert error.field == "household.members[0].father"


def test_a_missing_previous_amount_under_gradual_exit_names_the_field():
    error = error_of(with_change(lambda p: p["household"].pop("previous_monthly_amount"), "10-gradual-exit"))
    assert (error.code, error.field) == ("missing_field", "household.previous_monthly_amount")


def test_birth_date_and_sex_come_from_the_id_number():
    result = assess_json(example("08-elderly-allowance"))
    # 何玉珍's ID says 1933-06-30: exactly 90 on the as-of date
    assert result["reasons"][0]["figures"]["age"] == "90"


def test_overrides_change_the_result_and_are_reported_with_their_label():
    payload = with_change(
        lambda p: p.update(
            standards={"dibao_standard": {"value": 800, "source": "测试文件", "confidence": "confirmed"}}
        )
    )
    result = assess_json(payload)
    assert result["amounts"]["household"] == "1400.00"  # 800 × 3 − 1000
    assert result["params_used"]["dibao_standard_monthly"] == {
        "value": "800.00",
        "source": "测试文件",
        "confidence": "confirmed",
        "unit": "元/人·月",
        "local": True,
    }


def test_the_output_has_the_documented_shape():
    result = assess_json(example())
    assert set(result) == {
        "scheme",
        "scheme_name",
        "as_of",
        "region_code",
        "urban_rural",
        "eligible",
        "category",
        "tier",
        "amounts",
        "details",
        "reasons",
        "params_used",
    }
    assert set(result["reasons"][0]) == {"code", "passed", "message", "figures"}
    assert all(isinstance(v, str) for reason in result["reasons"] for v in reason["figures"].values())
    assert "id_number" not in json.dumps(result)


def test_the_examples_are_valid_against_the_schema():
    jsonschema = pytest.importorskip("jsonschema")  # not a project dependency: checked where it is installed
    schema = input_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted(EXAMPLES.glob("[0-9][0-9]-*.json")):
        if not path.name.endswith(".expected.json"):
            assert not list(validator.iter_errors(json.loads(path.read_text(encoding="utf-8")))), path.name


# --- the CLI ------------------------------------------------------------------------------------------------


def test_the_command_prints_the_decision(capsys):
    call_command("assess", str(EXAMPLES / "01-dibao-urban-gap.json"))
    result = json.loads(capsys.readouterr().out)
    assert result["amounts"]["household"] == "1160.00"


def test_the_command_prints_an_error_naming_the_field_and_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(with_change(bad_id), ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("assess", str(path), "--pretty")
    assert caught.value.returncode == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert (error["code"], error["field"]) == ("invalid_id_number", "household.members[2].id_number")


def test_the_command_rejects_a_file_that_is_not_json(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("assess", str(path))
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("case", ["missing_name", "negative_income"])
def test_the_minzheng_console_script_exits_2_on_bad_input(tmp_path, case):
    change, code, field = BAD_INPUTS[case]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(with_change(change), ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "minzheng.settings.test"}
    script = Path(sys.executable).with_name("minzheng")
    result = subprocess.run(
        [str(script), "assess", str(path)], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"] in result.stderr  # Django's CommandError line


# --- the API ------------------------------------------------------------------------------------------------


def post(client, payload):
    return client.post(
        reverse("api:assess"), data=json.dumps(payload, ensure_ascii=False), content_type="application/json"
    )


@pytest.fixture
def signed_in(client, regions):
    user = UserFactory(jurisdiction=regions["530602001"])
    user.save()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_api_refuses_an_anonymous_caller_with_401(client):
    response = post(client, example())
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_the_api_returns_the_decision(signed_in):
    response = post(signed_in, example("03-tekun"))
    assert response.status_code == 200
    assert response.json()["amounts"]["household"] == "1236.00"


@pytest.mark.parametrize("case", ["missing_name", "invalid_id", "negative_income"])
def test_the_api_names_the_bad_field(signed_in, case):
    change, code, field = BAD_INPUTS[case]
    response = post(signed_in, with_change(change))
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, field)


def test_the_api_rejects_a_body_that_is_not_json(signed_in):
    response = signed_in.post(reverse("api:assess"), data="{oops", content_type="application/json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_json")


def test_the_api_accepts_only_post(signed_in):
    assert signed_in.get(reverse("api:assess")).status_code == 405


@pytest.mark.django_db
def test_the_api_enforces_csrf_for_session_callers(regions):
    from django.test import Client

    user = UserFactory(jurisdiction=regions["530602001"])
    user.save()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert post(strict, example()).status_code == 403
