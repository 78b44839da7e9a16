"""Invocation bodies and parameters: valid ones pass unchanged; invalid ones name the parameter and range."""

from __future__ import annotations

import json
from typing import Any

import pytest

from jupyter_llama_neuron.errors import BadRequest
from jupyter_llama_neuron.inference_parameters import (
    PARAMETERS,
    parameter_specs,
    validate_parameters,
)


def test_the_notebook_payload_passes_unchanged() -> None:
    params = {"max_new_tokens": 64, "top_p": 0.9, "temperature": 0.6}
    assert validate_parameters(params) == params
    assert validate_parameters(None) == {}
    full = {
        "max_new_tokens": 10,
        "max_length": 100,
        "temperature": 1,
        "top_p": 0.5,
        "top_k": 50,
        "do_sample": True,
        "num_beams": 1,
        "no_repeat_ngram_size": 3,
        "early_stopping": False,
        "stop": ["\n\n", "###"],
        "return_full_text": False,
    }
    assert validate_parameters(full, context_length=1024) == full
    assert set(full) == set(PARAMETERS)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"max_new_tokens": 0}, "max_new_tokens must be an integer in [1, 4096]; got 0"),
        ({"max_new_tokens": True}, "max_new_tokens must be an integer"),
        ({"max_new_tokens": "64"}, "max_new_tokens must be an integer"),
        ({"max_length": 5000}, "max_length must be an integer in [1, 4096]"),
        ({"temperature": 0}, "temperature must be a number > 0; got 0"),
        ({"temperature": -0.5}, "temperature must be a number > 0"),
        ({"temperature": float("nan")}, "temperature must be a number > 0"),
        ({"temperature": float("inf")}, "temperature must be a number > 0"),
        ({"top_p": 1}, "top_p must be a number in (0, 1); got 1"),
        ({"top_p": 0}, "top_p must be a number in (0, 1)"),
        ({"top_k": 0}, "top_k must be an integer >= 1"),
        ({"top_k": 2.5}, "top_k must be an integer >= 1"),
        ({"do_sample": "true"}, "do_sample must be true or false"),
        ({"do_sample": 1}, "do_sample must be true or false"),
        ({"num_beams": 0}, "num_beams must be an integer >= 1"),
        ({"no_repeat_ngram_size": 1}, "no_repeat_ngram_size must be an integer >= 2"),
        ({"early_stopping": None}, "early_stopping must be true or false"),
        ({"stop": "###"}, "stop must be a list of at most 4 non-empty strings"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop must be a list of at most 4"),
        ({"stop": [""]}, "stop must be a list of at most 4 non-empty strings"),
        ({"stop": [1]}, "stop must be a list"),
        ({"return_full_text": "no"}, "return_full_text must be true or false"),
    ],
)
def test_invalid_values_name_the_range(params: dict[str, Any], message: str) -> None:
    with pytest.raises(BadRequest) as info:
        validate_parameters(params)
    assert message in info.value.message
    assert info.value.status == 400
    assert info.value.details == {"parameter": next(iter(params))}


def test_lengths_are_capped_by_the_deployment_context() -> None:
    assert validate_parameters({"max_new_tokens": 1024}, context_length=1024) == {"max_new_tokens": 1024}
    with pytest.raises(BadRequest, match=r"max_new_tokens must be an integer in \[1, 1024\]; got 1025"):
        validate_parameters({"max_new_tokens": 1025}, context_length=1024)
    with pytest.raises(BadRequest, match=r"max_length must be an integer in \[1, 2048\]"):
        validate_parameters({"max_length": 4096}, context_length=2048)


def test_unknown_parameters_list_the_supported_ones() -> None:
    with pytest.raises(BadRequest) as info:
        validate_parameters({"frequency_penalty": 0.5, "max_new_tokens": 8})
    assert "Unsupported parameter(s): frequency_penalty" in info.value.message
    for name in PARAMETERS:
        assert name in info.value.message
    with pytest.raises(BadRequest, match="parameters must be an object"):
        validate_parameters([("max_new_tokens", 8)])


def test_nan_from_json_is_refused() -> None:
    body = json.loads('{"inputs": "Hi", "parameters": {"top_p": NaN}}')  # Python's json accepts NaN
    with pytest.raises(BadRequest, match="top_p"):
        validate_parameters(body["parameters"])


def test_specs() -> None:
    specs = {spec["name"]: spec for spec in parameter_specs(context_length=2048)}
    assert specs["max_new_tokens"]["max"] == 2048
    assert specs["top_p"]["range"] == "a number in (0, 1)"
    assert specs["temperature"]["exclusive_min"] is True
    assert specs["temperature"]["warn_above"]["value"] == 2
    assert "gibberish" in specs["temperature"]["warn_above"]["reason"]
    assert [spec["name"] for spec in parameter_specs()] == list(PARAMETERS)
    # Every default is itself valid (the form starts from them).
    defaults = {spec["name"]: spec["default"] for spec in parameter_specs() if spec["default"] is not None}
    assert validate_parameters(defaults) == defaults
