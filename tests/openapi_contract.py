"""The OpenAPI contract bundled into one document, and validation of real responses against its schemas."""

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

OPENAPI_PATH = Path(jupyter_llama_neuron.__file__).parent / "openapi" / "openapi.yaml"
VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
COMPONENT_KINDS = ("schemas", "parameters", "responses")


@cache
def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _target(ref: str, base: Path) -> tuple[Path, str]:
    """A ``file#/pointer`` reference relative to ``base``, as an absolute file and a pointer."""
    file, _, pointer = ref.partition("#")
    return ((base.parent / file).resolve() if file else base), pointer


def _lookup(path: Path, pointer: str) -> Any:
    node = _load(path)
    for part in filter(None, pointer.split("/")):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def bundle(root: Path) -> dict[str, Any]:
    """The split contract as one document, as openapi-typescript bundles it: each component the root lists
    under ``components`` is inlined there and every reference to it becomes ``#/components/<kind>/<name>``;
    any other reference (the path items) is replaced by what it points at."""
    root = root.resolve()
    doc: dict[str, Any] = _load(root)
    listed = {
        (kind, name): _target(entry["$ref"], root)
        for kind in COMPONENT_KINDS
        for name, entry in doc.get("components", {}).get(kind, {}).items()
        if "$ref" in entry
    }
    named = {target: f"#/components/{kind}/{name}" for (kind, name), target in listed.items()}

    def resolve(node: Any, base: Path) -> Any:
        if isinstance(node, list):
            return [resolve(item, base) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" not in node:
            return {key: resolve(value, base) for key, value in node.items()}
        target = _target(node["$ref"], base)
        if target in named:  # OpenAPI 3.1 keeps a reference's siblings (a description)
            return {
                key: named[target] if key == "$ref" else resolve(value, base) for key, value in node.items()
            }
        if len(node) > 1:
            raise ValueError(f"{base}: an inlined $ref cannot have siblings: {node}")
        return resolve(_lookup(*target), target[0])

    bundled: dict[str, Any] = resolve({key: value for key, value in doc.items() if key != "components"}, root)
    bundled["components"] = {key: resolve(value, root) for key, value in doc["components"].items()}
    for (kind, name), target in listed.items():
        bundled["components"][kind][name] = resolve(_lookup(*target), target[0])
    return bundled


@cache
def openapi() -> dict[str, Any]:
    return bundle(OPENAPI_PATH)


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
