"""The packaged OpenAPI document, and validation of real responses against its schemas."""

from __future__ import annotations

import importlib
import inspect
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

import jupyter_llama_neuron

# types-PyYAML may or may not be installed; the module is used through its untyped safe_load only.
yaml: Any = importlib.import_module("yaml")

OPENAPI_PATH = Path(jupyter_llama_neuron.__file__).parent / "openapi.yaml"
VERBS = ("get", "post", "put", "patch", "delete", "head", "options")


@cache
def openapi() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
    return doc


def handler_verbs(handler: type) -> list[str]:
    """The verbs a handler implements itself (jupyter_server's CORS ``options`` is inherited, not ours)."""
    return [
        verb
        for verb in VERBS
        if inspect.unwrap(getattr(handler, verb)).__module__.startswith("jupyter_llama_neuron.")
    ]


def route_to_path(pattern: str) -> str:
    """``/models/(?P<model_id>[^/]+)/eula`` -> ``/models/{model_id}/eula``."""
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)


def assert_matches(schema_name: str, instance: Any) -> None:
    """Validate ``instance`` against ``#/components/schemas/<schema_name>`` (OpenAPI 3.1 is JSON Schema)."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": openapi()["components"]}
    jsonschema.Draft202012Validator(schema).validate(instance)
