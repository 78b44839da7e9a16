"""Every verb of every route requires Jupyter authentication.

Two independent checks: each verb method carries ``@web.authenticated`` (inspected directly), and a request
without a token is refused over HTTP - also on a server configured to allow unauthenticated access and without
XSRF checks, where nothing but the decorator stands between the request and the handler.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from tornado import web
from tornado.httpclient import HTTPClientError, HTTPResponse

from jupyter_llama_neuron.handlers.routes import ROUTES

from .openapi_contract import VERBS, handler_verbs

Fetch = Callable[..., Awaitable[HTTPResponse]]
API = ("llama-neuron", "api", "v1")
SAMPLE_ARGS = {
    "model_id": "meta-textgenerationneuron-llama-2-7b",
    "name": "demo",
    "evaluation_id": "eval-20240101-000000-abcdef",
    "kind": "upload",
    "item_id": "0123456789abcdef0123456789abcdef",
}


def has_authenticated_decorator(method: Any) -> bool:
    # functools.wraps copies __qualname__, but the wrapper's code object keeps tornado's own name.
    return hasattr(method, "__wrapped__") and method.__code__.co_qualname.startswith("authenticated.")


def concrete_path(pattern: str) -> list[str]:
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLE_ARGS[m.group(1)], pattern)
    return [part for part in path.split("/") if part]


CASES = [(pattern, verb) for pattern, handler in ROUTES for verb in handler_verbs(handler)]


def test_every_route_has_verbs() -> None:
    assert len(CASES) >= len(ROUTES)
    assert all(handler_verbs(handler) for _, handler in ROUTES)


@pytest.mark.parametrize(("pattern", "verb"), CASES)
def test_every_verb_is_decorated(pattern: str, verb: str) -> None:
    handler = dict(ROUTES)[pattern]
    assert has_authenticated_decorator(getattr(handler, verb)), (
        f"{verb.upper()} {pattern} lacks @web.authenticated"
    )


@pytest.mark.parametrize("handler", [handler for _, handler in ROUTES])
def test_inherited_verbs_are_unimplemented_or_cors_preflight(handler: type[web.RequestHandler]) -> None:
    for verb in set(VERBS) - set(handler_verbs(handler)):
        method = getattr(handler, verb)
        if verb == "options":
            # jupyter_server's APIHandler answers CORS preflight without data, by design.
            assert getattr(method, "__allow_unauthenticated", False), handler
        else:
            assert method is getattr(web.RequestHandler, verb), f"{handler.__name__}.{verb} is not ours"


def test_the_decorator_check_can_fail() -> None:
    class Open(web.RequestHandler):
        def get(self) -> None:
            self.write("open")

    assert not has_authenticated_decorator(Open.get)


@pytest.fixture(params=[False, True], ids=["default", "decorators-only"])
def allow_unauthenticated(request: pytest.FixtureRequest) -> bool:
    value: bool = request.param
    return value


@pytest.fixture
def jp_server_config(llama_neuron_config: dict[str, Any], allow_unauthenticated: bool) -> dict[str, Any]:
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_llama_neuron": True, "jupyter_server_terminals": False},
            "allow_unauthenticated_access": allow_unauthenticated,
            "disable_check_xsrf": allow_unauthenticated,
        },
        "LlamaNeuronApp": llama_neuron_config,
    }


@pytest.mark.parametrize(("pattern", "verb"), CASES)
async def test_requests_without_a_token_are_refused(jp_fetch: Fetch, pattern: str, verb: str) -> None:
    kwargs: dict[str, Any] = {"method": verb.upper(), "headers": {"Authorization": ""}}
    if verb in {"post", "put", "patch"}:
        kwargs["body"] = json.dumps({"model_id": SAMPLE_ARGS["model_id"], "accept": True, "inputs": "hi"})
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(*API, *concrete_path(pattern), **kwargs)
    assert info.value.code in {401, 403}, (
        f"{verb.upper()} {pattern} answered {info.value.code} without a token"
    )


async def test_the_same_request_with_a_token_is_served(jp_fetch: Fetch) -> None:
    response = await jp_fetch(*API, "models")
    assert response.code == 200
