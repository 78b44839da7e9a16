"""The contract (``openapi/``, bundled) and the route table describe the same API."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from jupyter_llama_neuron.handlers.routes import ROUTES

from .openapi_contract import OPENAPI_PATH, VERBS, assert_matches, handler_verbs, openapi, route_to_path, yaml


def _operations() -> dict[str, set[str]]:
    return {path: {verb for verb in item if verb in VERBS} for path, item in openapi()["paths"].items()}


def _routes() -> dict[str, set[str]]:
    return {route_to_path(pattern): set(handler_verbs(handler)) for pattern, handler in ROUTES}


def test_document_is_openapi_3_1() -> None:
    doc = openapi()
    assert doc["openapi"].startswith("3.1.")
    assert doc["servers"] == [{"url": "/llama-neuron/api/v1"}]
    assert doc["info"]["title"]


def test_every_route_and_verb_is_documented_and_vice_versa() -> None:
    assert _operations() == _routes()


def test_route_to_path_translation() -> None:
    assert route_to_path(r"/models/(?P<model_id>[^/]+)/eula") == "/models/{model_id}/eula"


def test_path_parameters_are_declared() -> None:
    doc = openapi()
    for path, item in doc["paths"].items():
        params = [_resolve(p) for p in item.get("parameters", [])]
        for verb in set(item) & set(VERBS):
            params += [_resolve(p) for p in item[verb].get("parameters", [])]
        declared = {p["name"] for p in params if p["in"] == "path"}
        assert all(p["in"] in ("path", "query") for p in params), path
        expected = {segment[1:-1] for segment in path.split("/") if segment.startswith("{")}
        assert declared == expected, path


def test_operations_have_ids_and_document_auth_failures() -> None:
    ids = []
    for path, item in openapi()["paths"].items():
        for verb in set(item) & set(VERBS):
            operation = item[verb]
            ids.append(operation["operationId"])
            assert "403" in operation["responses"], (verb, path)
            assert any(code.startswith("2") for code in operation["responses"]), (verb, path)
    assert len(ids) == len(set(ids))
    assert openapi()["paths"]["/endpoints"]["post"]["responses"].keys() >= {"202", "400", "403", "404", "409"}


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    target: Any = openapi()
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    resolved: dict[str, Any] = target
    return resolved


def test_every_reference_resolves() -> None:
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(openapi())
    assert refs
    for ref in refs:
        assert ref.startswith("#/")
        _resolve({"$ref": ref})  # KeyError if dangling


def test_every_definition_in_the_split_files_is_reached_from_the_root() -> None:
    """A schema in a topic file but not listed in the root would be inlined, not named (no type in schema.ts);
    a path item the root does not reference would be missing from the API."""
    folder = OPENAPI_PATH.parent
    doc = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
    refs = [item["$ref"] for item in doc["paths"].values()]
    refs += [
        entry["$ref"]
        for kind in ("schemas", "parameters", "responses")
        for entry in doc["components"][kind].values()
    ]
    reached = {
        (folder / file).resolve().relative_to(folder).as_posix() + pointer
        for file, _, pointer in (ref.partition("#") for ref in refs)
    }
    defined = {
        f"{path.relative_to(folder).as_posix()}/{key}"
        for path in folder.rglob("*.yaml")
        if path != OPENAPI_PATH
        for key in yaml.safe_load(path.read_text(encoding="utf-8"))
    }
    assert reached == defined


@pytest.mark.parametrize("name", sorted(openapi()["components"]["schemas"]))
def test_component_schemas_are_valid_json_schema(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(openapi()["components"]["schemas"][name])


def test_schemas_reject_what_the_server_rejects() -> None:
    assert_matches("CreateEndpoint", {"model_id": "m", "client_token": "abc-1"})
    with pytest.raises(jsonschema.ValidationError):
        assert_matches("CreateEndpoint", {"model_id": "m", "instance": "ml.inf2.xlarge"})
    with pytest.raises(jsonschema.ValidationError):
        assert_matches("EulaAccept", {"accept": False})
    with pytest.raises(jsonschema.ValidationError):
        assert_matches("InvocationParameters", {"top_p": 1})
    with pytest.raises(jsonschema.ValidationError):
        assert_matches("ResourceName", "bad_name")
