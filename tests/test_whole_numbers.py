"""``type: integer`` in the contract is JSON Schema's integer: 433.0 is one, true is not (schemathesis found
clients generated from the contract sending 433.0 and getting a 400)."""

from __future__ import annotations

import pytest

from jupyter_llama_neuron.errors import BadRequest
from jupyter_llama_neuron.idle_policy import parse_idle_minutes, parse_keep_minutes
from jupyter_llama_neuron.inference_parameters import validate_parameters
from jupyter_llama_neuron.resource_rules import whole_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [(433, 433), (433.0, 433), (-2.0, -2), (433.5, None), (True, None), ("433", None), (float("inf"), None)],
)
def test_whole_number(value: object, expected: int | None) -> None:
    assert whole_number(value) == expected


def test_minutes_and_sizes_accept_integral_floats_as_integers() -> None:
    assert parse_keep_minutes(433.0) == 433
    assert isinstance(parse_keep_minutes(433.0), int)
    assert parse_idle_minutes(168.0) == 168
    assert validate_parameters({"num_beams": 2.0, "max_new_tokens": 64.0}) == {
        "num_beams": 2,
        "max_new_tokens": 64,
    }
    with pytest.raises(BadRequest):
        parse_keep_minutes(1.5)
    with pytest.raises(BadRequest):
        validate_parameters({"num_beams": 2.5})
