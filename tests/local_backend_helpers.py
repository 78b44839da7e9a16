"""Plain helpers shared by the LocalBackend tests (``test_local_*.py``): a catalog stand-in, settings, deploy
requests, and waiting for a status or for a worker to end."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jupyter_llama_neuron.backends.base import DeploymentConfig, Endpoint, EndpointRequest
from jupyter_llama_neuron.backends.local.backend import LocalBackend
from jupyter_llama_neuron.errors import NotFound
from jupyter_llama_neuron.settings import ExtensionSettings

BASE_ID = "meta-textgenerationneuron-llama-2-7b"
CHAT_ID = "meta-textgenerationneuron-llama-2-7b-f"
LAUNCH_TIMEOUT_S = 180.0


class FakeCatalog:
    """The two catalog calls local mode makes, with the real display names."""

    entries: dict[str, dict[str, Any]] = {
        BASE_ID: {"id": BASE_ID, "display_name": "Llama-2-7b (Neuron)"},
        CHAT_ID: {"id": CHAT_ID, "display_name": "Llama-2-7b-chat (Neuron)"},
    }

    def model(self, model_id: str) -> Mapping[str, Any]:
        if model_id not in self.entries:
            raise NotFound(f"Unknown model {model_id}")
        return self.entries[model_id]

    def summaries(self) -> Sequence[Mapping[str, Any]]:
        return list(self.entries.values())


def make_settings(data_dir: Path, model_dir: Path | None, **overrides: Any) -> ExtensionSettings:
    paths = {BASE_ID: str(model_dir), CHAT_ID: str(model_dir)} if model_dir is not None else {}
    # No standby worker unless a test asks (test_local_standby.py): it imports torch after each deploy.
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "local_model_paths": paths,
        "backend": "local",
        "local_standby_worker": False,
    }
    values.update(overrides)
    return ExtensionSettings(**values)


def config(n_positions: int = 512, batch: int = 4) -> DeploymentConfig:
    return DeploymentConfig("ml.inf2.xlarge", n_positions, batch, 2, "fp16")


def request(name: str, model_id: str = BASE_ID, **kwargs: Any) -> EndpointRequest:
    return EndpointRequest(
        name=name,
        model_id=model_id,
        model_version="1.*",
        config=kwargs.pop("config", config()),
        creator="tester",
        **kwargs,
    )


async def wait_for_status(backend: LocalBackend, name: str, status: str) -> Endpoint:
    deadline = time.monotonic() + LAUNCH_TIMEOUT_S
    while True:
        endpoint = await backend.describe_endpoint(name)
        if endpoint.status == status:
            return endpoint
        if endpoint.status == "Failed" and status != "Failed":
            raise AssertionError(f"{name} failed: {endpoint.failure_reason}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} is still {endpoint.status} after {LAUNCH_TIMEOUT_S} s")
        await asyncio.sleep(0.1)


async def wait_until(predicate: Callable[[], Any], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def wait_until_async(predicate: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child that nobody reaped yet is a zombie: gone for our purposes.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True
