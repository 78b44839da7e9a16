"""The extension as SageMaker Studio runs Jupyter: ``--ServerApp.base_url=/jupyterlab/default/`` and
``--ServerApp.token=''`` (reference/sagemaker-v3-and-studio.md, aws/sagemaker-distribution
``start-jupyter-server``). Every request is built from the base URL, carries no token, and writes carry the
XSRF cookie and header the page would (JupyterLab reads ``_xsrf`` from the cookie)."""

from __future__ import annotations

import json
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urljoin

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPResponse

STUDIO_BASE_URL = "/jupyterlab/default/"
API = "llama-neuron/api/v1/"
MODEL_7B = "meta-textgenerationneuron-llama-2-7b"


@pytest.fixture
def jp_base_url() -> str:
    return STUDIO_BASE_URL


@pytest.fixture
def jp_server_config(llama_neuron_config: dict[str, Any]) -> dict[str, Any]:
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_llama_neuron": True, "jupyter_server_terminals": False},
            "token": "",  # Studio: no token; the space's proxy authenticates
            "allow_origin": "*",
        },
        "LlamaNeuronApp": llama_neuron_config,
    }


class StudioBrowser:
    """What the panel does in Studio: relative requests under the base URL, no token, XSRF on writes."""

    def __init__(self, port: int, base_url: str) -> None:
        self.origin = f"http://127.0.0.1:{port}"
        self.root = self.origin + base_url
        self.cookies: dict[str, str] = {}
        self.client = AsyncHTTPClient()

    async def fetch(
        self, path: str, method: str = "GET", body: Any = None, xsrf: bool = True
    ) -> HTTPResponse:
        headers = {"Content-Type": "application/json"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if xsrf and "_xsrf" in self.cookies and method != "GET":
            headers["X-XSRFToken"] = self.cookies["_xsrf"]
        response = await self.client.fetch(
            urljoin(self.root, path),
            method=method,
            headers=headers,
            body=json.dumps(body) if body is not None else None,
            follow_redirects=False,
            raise_error=False,
        )
        for header in response.headers.get_list("Set-Cookie"):
            cookie = SimpleCookie()
            cookie.load(header)
            self.cookies.update({key: morsel.value for key, morsel in cookie.items()})
        return response


@pytest.fixture
def browser(jp_serverapp: Any, jp_http_port: int, http_server_client: Any) -> StudioBrowser:
    """``http_server_client`` makes the test server listen on ``jp_http_port``."""
    assert jp_serverapp.base_url == STUDIO_BASE_URL
    return StudioBrowser(jp_http_port, jp_serverapp.base_url)


async def test_status_and_models_answer_under_the_studio_base_url_without_a_token(
    browser: StudioBrowser,
) -> None:
    status = await browser.fetch(API + "status")
    assert status.code == 200, status.body
    assert json.loads(status.body)["backend"] == "local"
    models = await browser.fetch(API + "models")
    assert models.code == 200
    assert MODEL_7B in {model["id"] for model in json.loads(models.body)["models"]}
    # Outside the base URL there is nothing: the panel must build every URL from it.
    outside = await browser.fetch(f"{browser.origin}/{API}status")
    assert outside.code == 404


async def test_writes_need_the_xsrf_cookie_and_header(browser: StudioBrowser) -> None:
    # Without the page's XSRF token a write is refused (no token authentication to exempt it).
    refused = await browser.fetch(API + f"models/{MODEL_7B}/eula", "POST", {"accept": True})
    assert refused.code == 403
    # The page load sets the _xsrf cookie; JupyterLab echoes it in X-XSRFToken on every write.
    page = await browser.fetch("logout")
    assert page.code == 200
    assert "_xsrf" in browser.cookies
    accepted = await browser.fetch(API + f"models/{MODEL_7B}/eula", "POST", {"accept": True})
    assert accepted.code == 200, accepted.body
    assert json.loads(accepted.body)["model_id"] == MODEL_7B
    notebook = await browser.fetch(API + "notebooks", "POST", {"step": "deploy", "model_id": MODEL_7B})
    assert notebook.code == 201, notebook.body
    # A mismatching header is refused too.
    forged = await browser.fetch(API + f"models/{MODEL_7B}/eula", "POST", {"accept": True}, xsrf=False)
    assert forged.code == 403


def test_the_lifecycle_configuration_script_fits_studio_and_parses() -> None:
    import subprocess
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "studio" / "on-start.sh"
    text = script.read_text()
    assert len(text) < 16_384  # Studio's limit for a lifecycle configuration script
    subprocess.run(["bash", "-n", str(script)], check=True)
    # It installs into the image's environment without changing what the image has, and restarts Jupyter.
    assert "--constraint" in text
    assert "freeze" in text
    assert "[sagemaker]" in text
    assert "restart-jupyter-server" in text
