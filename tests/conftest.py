"""Shared pytest setup: the Jupyter server fixtures, the extension enabled with a temp data dir, and a session
environment that keeps every test away from real AWS.

Shared fixture modules written for other parts (the AWS emulator, the tiny local model, ...) are plugged in
through ``pytest_plugins`` below; add yours to that list rather than importing fixtures by hand.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# ------------------------------------------------------------------------------------------------------------
# Fixture plugins. EXTEND THIS LIST with shared fixture modules (e.g. "tests.tiny_model").
pytest_plugins: list[str] = [
    "pytest_jupyter.jupyter_server",
    "tests.aws_emulator",
    "tests.tiny_model",
    "tests.credential_scan",
    "tests.invocation_client",
]
# ------------------------------------------------------------------------------------------------------------

TRIPWIRE_PROXY = "http://127.0.0.1:9"  # the discard port: anything sent through a proxy fails at once
NO_PROXY = "127.0.0.1,localhost"
_NOWHERE = Path(__file__).parent / "fixtures" / "nonexistent"


def isolated_environment() -> dict[str, str]:
    """The variables every test runs with (AWS_* not listed here are removed)."""
    return {
        "HTTPS_PROXY": TRIPWIRE_PROXY,
        "HTTP_PROXY": TRIPWIRE_PROXY,
        "https_proxy": TRIPWIRE_PROXY,
        "http_proxy": TRIPWIRE_PROXY,
        "NO_PROXY": NO_PROXY,
        "no_proxy": NO_PROXY,
        "AWS_MAX_ATTEMPTS": "1",
        # The host's AWS identity must never leak in: no credential files, no instance metadata.
        "AWS_SHARED_CREDENTIALS_FILE": str(_NOWHERE / "aws-credentials"),
        "AWS_CONFIG_FILE": str(_NOWHERE / "aws-config"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


@pytest.fixture(scope="session", autouse=True)
def _isolate_from_aws() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith("AWS_"):
                mp.delenv(key)
        for key, value in isolated_environment().items():
            mp.setenv(key, value)
        yield


@pytest.fixture(scope="session", autouse=True)
def _remove_test_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A run writes ~2 GB under pytest's temp dir (SmolLM2 conversions, training outputs, data dirs) and
    pytest keeps the last three runs: remove this run's at the end (JLN_KEEP_TEST_FILES=1 keeps them)."""
    yield
    given = getattr(tmp_path_factory, "_given_basetemp", None)
    if os.environ.get("JLN_KEEP_TEST_FILES") or given is not None:
        return
    shutil.rmtree(tmp_path_factory.getbasetemp(), ignore_errors=True)


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """No AWS identity or region in this test, even after the AWS emulator put its own in the environment."""
    isolated = isolated_environment()
    for key in list(os.environ):
        if key.startswith("AWS_") and key not in isolated:
            monkeypatch.delenv(key)
    for key, value in isolated.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def llama_neuron_config(tmp_path: Path) -> dict[str, Any]:
    """``LlamaNeuronApp`` traitlets for the test server; override this fixture to change them."""
    return {"backend": "local", "data_dir": str(tmp_path / "llama-neuron-data")}


@pytest.fixture
def jp_server_config(llama_neuron_config: dict[str, Any]) -> dict[str, Any]:
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_llama_neuron": True, "jupyter_server_terminals": False},
            "allow_unauthenticated_access": False,
        },
        "LlamaNeuronApp": llama_neuron_config,
    }


@pytest.fixture
def llama_services(jp_serverapp: Any) -> Any:
    """The extension's ``Services`` inside the running test server."""
    return jp_serverapp.web_app.settings["jupyter_llama_neuron.services"]


@pytest.fixture
async def jp_asyncio_loop() -> asyncio.AbstractEventLoop:
    """Run the Jupyter test server on pytest-asyncio's loop (``asyncio_mode = "auto"`` runs the tests there);
    pytest-jupyter's own loop would never run while a test awaits, so every request would time out."""
    return asyncio.get_running_loop()
