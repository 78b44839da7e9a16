"""The pre-imported worker (``local/standby.py``): imports first, then becomes the worker asked for."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import IO, Any, cast

import pytest

from jupyter_llama_neuron.backends.local.backend import LocalBackend
from tests.local_backend_helpers import (
    FakeCatalog,
    config,
    make_settings,
    pid_alive,
    request,
    wait_for_status,
    wait_until,
)
from tests.tiny_model import tiny_model_dir  # noqa: F401  (session fixture)

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="needs the local extras (torch, transformers)"
)


def _start() -> tuple[subprocess.Popen[str], IO[str], IO[str]]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_llama_neuron.backends.local.standby", "--threads", "1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    return process, cast(IO[str], process.stdin), cast(IO[str], process.stdout)


def _cmdline(pid: int) -> list[bytes]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")


def _read(stdout: IO[str]) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(stdout.readline())
    return message


def test_a_standby_worker_loads_on_request_and_serves(tiny_model_dir: Path) -> None:  # noqa: F811
    process, stdin, stdout = _start()
    try:
        standby = _read(stdout)
        assert standby["event"] == "standby"
        assert standby["pid"] == process.pid
        argv = ["--model", str(tiny_model_dir), "--n-positions", "128", "--concurrency", "2"]
        stdin.write(json.dumps({"op": "load", "argv": argv}) + "\n")
        stdin.flush()
        ready = _read(stdout)
        assert ready["event"] == "ready", ready
        assert ready["n_positions"] == 128
        # torch and transformers were imported before the request: loading costs no import time.
        assert ready["phases"]["import_torch"]["cpu_s"] < 0.05
        assert ready["phases"]["import_transformers"]["cpu_s"] < 0.05
        request = {"id": "a", "op": "generate", "inputs": "Return the", "parameters": {"max_new_tokens": 4}}
        stdin.write(json.dumps(request) + "\n")
        stdin.flush()
        done = _read(stdout)
        assert done["event"] == "done", done
        assert done["tokens_out"] == 4
    finally:
        stdin.close()
        assert process.wait(30) == 0


def test_a_standby_worker_refuses_a_bad_load_request_and_ends_quietly_without_one() -> None:
    process, stdin, stdout = _start()
    assert _read(stdout)["event"] == "standby"
    stdin.write(json.dumps({"op": "load", "argv": "--model x"}) + "\n")
    stdin.flush()
    fatal = _read(stdout)
    assert fatal["event"] == "fatal"
    assert "Bad load request" in fatal["message"]
    assert process.wait(30) == 1

    process, stdin, stdout = _start()
    assert _read(stdout)["event"] == "standby"
    stdin.close()  # the server went away before it needed the worker
    assert process.wait(30) == 0


async def test_the_backend_hands_the_next_deploy_to_its_standby_and_a_restart_still_stops_it(
    tmp_path: Path,
    tiny_model_dir: Path,  # noqa: F811
) -> None:
    settings = make_settings(tmp_path, tiny_model_dir, local_standby_worker=True, local_max_queue=5)
    first = LocalBackend(settings, FakeCatalog())
    second: LocalBackend | None = None
    next_standby: int | None = None
    try:
        await first.create_endpoint(request("cold"))
        cold = await wait_for_status(first, "cold", "InService")
        # Once the first deploy serves, a standby imports torch and transformers in the background.
        await wait_until(lambda: first.standby.ready_pid is not None, timeout=120)
        standby_pid = first.standby.ready_pid
        assert standby_pid is not None
        assert standby_pid != cold.extra["pid"]

        await first.create_endpoint(request("warm", config=config(n_positions=256)))
        warm = await wait_for_status(first, "warm", "InService")
        assert warm.extra["pid"] == standby_pid
        assert warm.extra["worker"]["n_positions"] == 256
        assert (await first.worker_stats("warm"))["max_queue"] == 5  # the server's settings reach it too
        cmdline = _cmdline(standby_pid)
        assert b"jupyter_llama_neuron.backends.local.standby" in cmdline
        assert not any(arg.startswith(b"--endpoint=") for arg in cmdline)
        answer = await first.invoke("warm", {"inputs": "Return the", "parameters": {"max_new_tokens": 4}})
        assert answer.tokens_out == 4
        # The worker's log went to the endpoint's log, not to the standby's.
        assert "warm" not in (tmp_path / "local" / "standby.log").read_text(errors="replace")
        assert (tmp_path / "local" / "endpoints" / "warm.log").stat().st_size > 0
        # ... and the next standby is on its way.
        await wait_until(lambda: first.standby.ready_pid not in (None, standby_pid), timeout=120)
        next_standby = first.standby.ready_pid
        assert next_standby is not None

        # A new server on the same data dir stops the stale worker that has no --endpoint= on its command
        # line (recognised by PID and start time) and relaunches the endpoint.
        second = LocalBackend(settings, FakeCatalog())
        listed = await second.list_endpoints()
        assert sorted((e.name, e.status) for e in listed) == [("cold", "Creating"), ("warm", "Creating")]
        assert not pid_alive(standby_pid), "the stale standby-loaded worker was not stopped"
        assert not pid_alive(cold.extra["pid"])
        assert pid_alive(next_standby), "an unassigned standby is not stale: only its server ends it"
        await wait_for_status(second, "warm", "InService")
    finally:
        await first.close()
        if second is not None:
            await second.close()
    # Closing the server ends its standby too.
    assert next_standby is not None
    await wait_until(lambda: not pid_alive(next_standby), timeout=10)
