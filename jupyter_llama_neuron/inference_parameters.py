"""Validation of invocation bodies ``{"inputs": str, "parameters": {...}}`` for the Llama 2 Neuron endpoints.

The supported parameters and their ranges follow the JumpStart example notebook's "Supported Inference
Parameters" appendix, plus ``return_full_text`` which third-party clients send to these endpoints. Lengths are
capped by the deployment's context length (``OPTION_N_POSITIONS``): the Neuron graph cannot hold more tokens
than it was compiled for, so asking for more would fail on the endpoint after the user has waited.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from .errors import BadRequest
from .resource_rules import whole_number

# Llama 2's context window; the cap when the deployment's n_positions is not known.
DEFAULT_CONTEXT_LENGTH = 4096
MAX_STOP_SEQUENCES = 4

Kind = Literal["int", "float", "bool", "stop"]


@dataclass(frozen=True)
class SoftLimit:
    """A value that is valid but rarely what the user wants: the UI warns above it."""

    above: float
    reason: str


@dataclass(frozen=True)
class ParameterSpec:
    name: str
    kind: Kind
    description: str
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    capped_by_context: bool = False  # maximum = the deployment's context length
    # What a form starts with (None: left empty, not sent); the JumpStart example payload's values.
    default: float | bool | None = None
    # May be left empty (then not sent); max_new_tokens is always sent, so an answer has a known bound.
    optional: bool = True
    # Only meaningful (and only sent) when do_sample is on.
    sampling_only: bool = False
    warning: SoftLimit | None = None

    def range_text(self, context_length: int) -> str:
        if self.kind == "bool":
            return "true or false"
        if self.kind == "stop":
            return f"a list of at most {MAX_STOP_SEQUENCES} non-empty strings"
        noun = "an integer" if self.kind == "int" else "a number"
        maximum = context_length if self.capped_by_context else self.maximum
        if self.minimum is not None and maximum is not None:
            left = "(" if self.exclusive_minimum else "["
            right = ")" if self.exclusive_maximum else "]"
            return f"{noun} in {left}{_num(self.minimum)}, {_num(maximum)}{right}"
        if self.minimum is not None:
            op = ">" if self.exclusive_minimum else ">="
            return f"{noun} {op} {_num(self.minimum)}"
        return noun

    def to_json(self, context_length: int = DEFAULT_CONTEXT_LENGTH) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.kind,
            "default": self.default,
            "optional": self.optional,
            "sampling_only": self.sampling_only,
            "min": self.minimum,
            "max": context_length if self.capped_by_context else self.maximum,
            "exclusive_min": self.exclusive_minimum,
            "exclusive_max": self.exclusive_maximum,
            "capped_by_context": self.capped_by_context,
            "description": self.description,
            "range": self.range_text(context_length),
            "warn_above": (
                {"value": self.warning.above, "reason": self.warning.reason} if self.warning else None
            ),
        }


# In the order a form shows them.
PARAMETERS: dict[str, ParameterSpec] = {
    spec.name: spec
    for spec in (
        ParameterSpec(
            "max_new_tokens",
            "int",
            "Stop after this many generated tokens.",
            minimum=1,
            capped_by_context=True,
            default=64,
            optional=False,
        ),
        ParameterSpec("do_sample", "bool", "Sample instead of picking the most likely token.", default=False),
        ParameterSpec(
            "temperature",
            "float",
            "Randomness of sampling; close to 0 is nearly greedy.",
            minimum=0,
            exclusive_minimum=True,
            default=0.6,
            sampling_only=True,
            warning=SoftLimit(2, "Llama 2 produces gibberish above a temperature of about 2."),
        ),
        ParameterSpec(
            "top_p",
            "float",
            "Nucleus sampling: keep the smallest set of tokens with this probability.",
            minimum=0,
            maximum=1,
            exclusive_minimum=True,
            exclusive_maximum=True,
            default=0.9,
            sampling_only=True,
        ),
        ParameterSpec(
            "top_k", "int", "Sample only from the k most likely tokens.", minimum=1, sampling_only=True
        ),
        ParameterSpec("num_beams", "int", "Beam-search width (1 = no beam search).", minimum=1),
        ParameterSpec(
            "early_stopping", "bool", "With beam search, stop when every beam has ended.", default=False
        ),
        ParameterSpec("no_repeat_ngram_size", "int", "Never repeat an n-gram of this size.", minimum=2),
        ParameterSpec(
            "max_length",
            "int",
            "Stop when prompt plus output reach this many tokens.",
            minimum=1,
            capped_by_context=True,
        ),
        ParameterSpec("stop", "stop", "Stop when any of these strings is generated."),
        ParameterSpec(
            "return_full_text", "bool", "Return the prompt followed by the generated text.", default=False
        ),
    )
}


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def parameter_specs(context_length: int = DEFAULT_CONTEXT_LENGTH) -> list[dict[str, Any]]:
    """The supported parameters with their defaults and ranges, in form order (``GET /status`` ``rules``)."""
    return [spec.to_json(context_length) for spec in PARAMETERS.values()]


def rules_json() -> dict[str, Any]:
    """The ``rules.inference_parameters`` part of ``GET /status``. Ranges are given for Llama 2's context
    length; for a deployment, a ``capped_by_context`` maximum is its ``n_positions``."""
    return {
        "context_length": DEFAULT_CONTEXT_LENGTH,
        "max_stop_sequences": MAX_STOP_SEQUENCES,
        "parameters": parameter_specs(),
    }


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _invalid(spec: ParameterSpec, value: Any, context_length: int) -> BadRequest:
    return BadRequest(
        f"Parameter {spec.name} must be {spec.range_text(context_length)}; got {_shown(value)}.",
        hint=spec.description,
        code="InvalidParameter",
        details={"parameter": spec.name},
    )


def _check_value(spec: ParameterSpec, value: Any, context_length: int) -> Any:
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise _invalid(spec, value, context_length)
        return value
    if spec.kind == "stop":
        if (
            not isinstance(value, list)
            or len(value) > MAX_STOP_SEQUENCES
            or not all(isinstance(item, str) and item for item in value)
        ):
            raise _invalid(spec, value, context_length)
        return list(value)
    # Numbers: bool is a subclass of int in Python, but true/false is never a valid size or temperature.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _invalid(spec, value, context_length)
    if spec.kind == "int":
        number = whole_number(value)
        if number is None:
            raise _invalid(spec, value, context_length)
        value = number
    if not math.isfinite(value):  # json.loads accepts NaN and Infinity
        raise _invalid(spec, value, context_length)
    maximum = context_length if spec.capped_by_context else spec.maximum
    if spec.minimum is not None and (
        value < spec.minimum or (spec.exclusive_minimum and value == spec.minimum)
    ):
        raise _invalid(spec, value, context_length)
    if maximum is not None and (value > maximum or (spec.exclusive_maximum and value == maximum)):
        raise _invalid(spec, value, context_length)
    return value


def validate_parameters(parameters: Any, context_length: int | None = None) -> dict[str, Any]:
    """A clean copy of ``parameters``, or ``BadRequest`` naming the parameter and its valid range."""
    limit = context_length or DEFAULT_CONTEXT_LENGTH
    if parameters is None:
        return {}
    if not isinstance(parameters, dict):
        raise BadRequest(
            'parameters must be an object, e.g. {"max_new_tokens": 64}.', code="InvalidParameter"
        )
    unknown = sorted(name for name in parameters if name not in PARAMETERS)
    if unknown:
        raise BadRequest(
            f"Unsupported parameter(s): {', '.join(map(str, unknown))}. Supported: {', '.join(PARAMETERS)}.",
            hint="These are the parameters the Llama 2 Neuron endpoints document.",
            code="InvalidParameter",
            details={"supported": list(PARAMETERS)},
        )
    return {name: _check_value(PARAMETERS[name], value, limit) for name, value in parameters.items()}
