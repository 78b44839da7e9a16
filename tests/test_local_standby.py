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


def _read(stdout: IO[str]) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(stdout.readline())
    return message


def test_a_standby_worker_loads_on_request_and_serves(tiny_model_dir: Path) -> None:
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
