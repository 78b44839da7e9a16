"""When a local worker goes away: a crash marks the endpoint Failed, a model that cannot load says why, and a
restarted server stops the previous server's workers and relaunches its endpoints."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from jupyter_llama_neuron.backends.local.backend import LocalBackend
from jupyter_llama_neuron.errors import Conflict, ServiceUnavailable
from tests.local_backend_helpers import (
    BASE_ID,
    FakeCatalog,
    make_settings,
    pid_alive,
    request,
    wait_for_status,
    wait_until,
    wait_until_async,
)
from tests.tiny_model import tiny_model_dir  # noqa: F401  (session fixture)


@pytest.fixture
async def backend(tmp_path: Path, tiny_model_dir: Path) -> AsyncIterator[LocalBackend]:  # noqa: F811
    local = LocalBackend(make_settings(tmp_path, tiny_model_dir), FakeCatalog())
    yield local
    await local.close()


async def test_worker_crash_marks_the_endpoint_failed(backend: LocalBackend) -> None:
    await backend.create_endpoint(request("tiny-crash"))
    endpoint = await wait_for_status(backend, "tiny-crash", "InService")
    pid = endpoint.extra["pid"]

    long_call = asyncio.ensure_future(
        backend.invoke("tiny-crash", {"inputs": "Return the", "parameters": {"max_new_tokens": 480}})
    )

    async def running() -> bool:
        return bool((await backend.worker_stats("tiny-crash"))["active"])

    await wait_until_async(running)
    os.kill(pid, signal.SIGKILL)

    with pytest.raises(ServiceUnavailable, match="SIGKILL") as info:
        await long_call
    assert info.value.status == 503
    failed = await wait_for_status(backend, "tiny-crash", "Failed")
    assert failed.failure_reason is not None
    assert "SIGKILL" in failed.failure_reason
    with pytest.raises(Conflict, match="Failed"):
        await backend.invoke("tiny-crash", {"inputs": "x"})
    await backend.delete_endpoint("tiny-crash")
    assert await backend.list_endpoints() == []


async def test_worker_that_cannot_load_fails_with_the_reason(tmp_path: Path) -> None:
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    local = LocalBackend(
        make_settings(tmp_path, None, local_model_paths={BASE_ID: str(broken)}), FakeCatalog()
    )
    try:
        await local.create_endpoint(request("broken"))
        failed = await wait_for_status(local, "broken", "Failed")
        assert failed.failure_reason is not None
        assert "Could not load the model" in failed.failure_reason
        assert str(broken) in failed.failure_reason
    finally:
        await local.close()


async def test_restart_recovery_relaunches_and_kills_stale_workers(
    tmp_path: Path,
    tiny_model_dir: Path,  # noqa: F811
) -> None:
    settings = make_settings(tmp_path, tiny_model_dir)
    first = LocalBackend(settings, FakeCatalog())
    second: LocalBackend | None = None
    try:
        await first.create_endpoint(request("tiny-restart", client_token="t-restart"))
        old = await wait_for_status(first, "tiny-restart", "InService")
        old_pid = old.extra["pid"]
        before = await first.invoke(
            "tiny-restart", {"inputs": "Return the", "parameters": {"max_new_tokens": 12}}
        )

        # A new server on the same data dir (the old one died without cleaning up: its worker still runs).
        second = LocalBackend(settings, FakeCatalog())
        listed = await second.list_endpoints()
        assert [(e.name, e.status) for e in listed] == [("tiny-restart", "Creating")]
        assert not pid_alive(old_pid), "the stale worker of the previous server was not stopped"

        recovered = await wait_for_status(second, "tiny-restart", "InService")
        assert recovered.extra["pid"] != old_pid
        assert recovered.client_token == "t-restart"
        assert recovered.created_at == old.created_at
        after = await second.invoke(
            "tiny-restart", {"inputs": "Return the", "parameters": {"max_new_tokens": 12}}
        )
        assert after.generated_text == before.generated_text

        # The old server noticing its worker is gone must not overwrite the record the new one owns.
        await first.close()
        assert (await second.describe_endpoint("tiny-restart")).status == "InService"

        # A clean shutdown keeps the record InService, so the next start relaunches it.
        new_pid = recovered.extra["pid"]
        await second.close()
        await wait_until(lambda: not pid_alive(new_pid), timeout=10)
        record = json.loads((tmp_path / "local" / "endpoints" / "tiny-restart.json").read_text())
        assert record["status"] == "InService"
    finally:
        await first.close()
        if second is not None:
            await second.close()
