"""``/endpoints`` through the running server: status codes, JSON errors, 202 on create, idempotent clicks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError, HTTPResponse

from .fakes import FakeBackend, FakeProvider
from .openapi_contract import assert_matches

Fetch = Callable[..., Awaitable[HTTPResponse]]
API = ("llama-neuron", "api", "v1")
M7 = "meta-textgenerationneuron-llama-2-7b"


async def _error(fetch: Fetch, *path: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    with pytest.raises(HTTPClientError) as info:
        await fetch(*API, *path, **kwargs)
    assert info.value.response is not None
    body = json.loads(info.value.response.body)
    assert_matches("Error", body)
    return info.value.code, body["error"]


@pytest.fixture
def fake(llama_services: Any) -> FakeBackend:
    """Route the endpoint service to a recording backend (real endpoints are the backends' tests' job)."""
    backend = FakeBackend()
    llama_services.endpoints.backends = FakeProvider(backend)
    return backend


async def test_empty_list_with_the_real_local_backend(jp_fetch: Fetch) -> None:
    body = json.loads((await jp_fetch(*API, "endpoints")).body)
    assert body == {"endpoints": []}


async def test_missing_endpoint_is_404_with_the_real_local_backend(jp_fetch: Fetch) -> None:
    for kwargs in ({}, {"method": "DELETE"}, {"method": "POST", "body": json.dumps({"inputs": "Hello"})}):
        path = (
            ("endpoints", "nothing-here", "invocations")
            if kwargs.get("method") == "POST"
            else ("endpoints", "nothing-here")
        )
        code, _ = await _error(jp_fetch, *path, **kwargs)
        assert code == 404


async def test_bad_create_bodies(jp_fetch: Fetch, fake: FakeBackend) -> None:
    cases = [
        ("not json", 400, "InvalidJSON"),
        (json.dumps({"model_id": M7, "size": "large"}), 400, "InvalidBody"),
        (json.dumps({"model_id": "nope"}), 404, "ModelNotFound"),
        (json.dumps({"model_id": M7}), 403, "EulaNotAccepted"),
    ]
    for raw, status, code in cases:
        got_status, error = await _error(jp_fetch, "endpoints", method="POST", body=raw)
        assert (got_status, error["code"]) == (status, code), error
    assert fake.calls == []


async def test_create_is_202_and_idempotent(jp_fetch: Fetch, fake: FakeBackend, llama_services: Any) -> None:
    llama_services.eula.accept(M7, "analyst")
    fake.create_delay_s = 0.05
    body = json.dumps({"model_id": M7, "client_token": "click-42"})
    responses = await asyncio.gather(
        *(jp_fetch(*API, "endpoints", method="POST", body=body) for _ in range(3))
    )
    assert {r.code for r in responses} == {202}
    views = [json.loads(r.body) for r in responses]
    for view in views:
        assert_matches("Endpoint", view)
    assert len({v["name"] for v in views}) == 1
    assert [name for name, _ in fake.calls].count("create_endpoint") == 1
    name = views[0]["name"]

    described = json.loads((await jp_fetch(*API, "endpoints", name)).body)
    assert described["name"] == name
    assert described["status"] == "Creating"
    listing = json.loads((await jp_fetch(*API, "endpoints")).body)
    assert_matches("EndpointList", listing)
    assert [e["name"] for e in listing["endpoints"]] == [name]

    code, error = await _error(
        jp_fetch, "endpoints", name, "invocations", method="POST", body=json.dumps({"inputs": "Hi"})
    )
    assert (code, error["code"]) == (409, "EndpointNotInService")

    fake.endpoints[name].status = "InService"
    result = json.loads(
        (
            await jp_fetch(
                *API,
                "endpoints",
                name,
                "invocations",
                method="POST",
                body=json.dumps({"inputs": "Hi", "parameters": {"max_new_tokens": 4}}),
            )
        ).body
    )
    assert_matches("InvocationResult", result)
    assert result["generated_text"] == "Paris."

    deleted = json.loads((await jp_fetch(*API, "endpoints", name, method="DELETE")).body)
    assert_matches("DeleteResult", deleted)
    assert deleted == {"name": name, "deleted": True}


async def test_invalid_names_and_parameters_are_400(jp_fetch: Fetch, fake: FakeBackend) -> None:
    code, error = await _error(jp_fetch, "endpoints", "bad_name")
    assert (code, error["code"]) == (400, "InvalidName")
    code, error = await _error(
        jp_fetch,
        "endpoints",
        "demo",
        "invocations",
        method="POST",
        body=json.dumps({"inputs": "Hi", "parameters": {"temperature": 0}}),
    )
    assert (code, error["code"]) == (400, "InvalidParameter")
    assert "temperature must be a number > 0" in error["message"]
    assert fake.calls == []


async def test_unsupported_verb_is_a_json_405(jp_fetch: Fetch) -> None:
    code, error = await _error(jp_fetch, "endpoints", method="PUT", body="{}")
    assert code == 405
    assert error["code"] == "MethodNotAllowed"


async def test_a_405_lists_the_allowed_methods(jp_fetch: Fetch) -> None:
    """RFC 9110: a 405 carries ``Allow`` (also for verbs Tornado does not know, such as TRACE)."""
    for path, method, allowed in (
        (("endpoints",), "PUT", "GET, POST"),
        (("endpoints", "demo"), "POST", "GET, DELETE"),
        (("endpoints", "demo", "auto-delete"), "PATCH", "PUT"),
    ):
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch(*API, *path, method=method, body="{}" if method != "GET" else None)
        assert info.value.code == 405
        assert info.value.response is not None
        assert info.value.response.headers["Allow"] == allowed
