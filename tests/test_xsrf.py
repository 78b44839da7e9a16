"""XSRF: a browser session (the login cookie, no token header) may not write without the XSRF token.

A page on another origin can make the browser send the login cookie, but cannot read the ``_xsrf`` cookie to
echo it in ``X-XSRFToken``; so every write (POST/PUT/PATCH/DELETE) of every route must refuse a cookie-only
request with 403 before the handler runs, and accept the same request once the header matches.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse

from jupyter_llama_neuron.handlers.routes import ROUTES

from .openapi_contract import handler_verbs
from .test_auth import concrete_path

WRITES = ("post", "put", "patch", "delete")


def _remember(cookies: dict[str, str], response: HTTPResponse) -> None:
    for header in response.headers.get_list("Set-Cookie"):
        name, _, rest = header.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


@pytest.fixture
async def browser_cookies(jp_serverapp: Any, jp_fetch: Any) -> dict[str, str]:
    """Log in as a browser does (``?token=`` once, then pages): the login and ``_xsrf`` cookies."""
    cookies: dict[str, str] = {}
    token = jp_serverapp.identity_provider.token
    _remember(
        cookies, await jp_fetch("api", "status", params={"token": token}, headers={"Authorization": ""})
    )
    _remember(
        cookies,
        await jp_fetch(
            "lab", headers={"Authorization": "", "Cookie": _cookie_header(cookies)}, raise_error=False
        ),
    )
    assert any(name.startswith("username-") for name in cookies), cookies
    assert "_xsrf" in cookies, cookies
    return cookies


def _writes() -> list[tuple[str, str]]:
    return [
        (pattern, verb) for pattern, handler in ROUTES for verb in handler_verbs(handler) if verb in WRITES
    ]


@pytest.mark.parametrize(("pattern", "verb"), _writes())
async def test_a_cookie_only_write_needs_the_xsrf_token(
    jp_fetch: Any, browser_cookies: dict[str, str], pattern: str, verb: str
) -> None:
    path = ("llama-neuron", "api", "v1", *concrete_path(pattern))
    cookie = _cookie_header(browser_cookies)
    body = None if verb == "delete" else b"{}"
    refused = await jp_fetch(
        *path,
        method=verb.upper(),
        headers={"Authorization": "", "Cookie": cookie},
        body=body,
        raise_error=False,
    )
    assert refused.code == 403, (refused.code, refused.body)
    assert "_xsrf" in json.loads(refused.body)["error"]["message"]

    # The same request with the token the page can read reaches the handler (which may then refuse the empty
    # body or the unknown name: anything but the XSRF 403).
    allowed = await jp_fetch(
        *path,
        method=verb.upper(),
        headers={"Authorization": "", "Cookie": cookie, "X-XSRFToken": browser_cookies["_xsrf"]},
        body=body,
        raise_error=False,
    )
    assert "_xsrf" not in allowed.body.decode("utf-8", "replace"), allowed.body
