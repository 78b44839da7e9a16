"""Contract fuzzing: schemathesis, as a client generated from the contract would be, against a real
server.

A Jupyter server with the extension runs in a subprocess on 127.0.0.1 (local mode, the tiny model for every
catalog id, so deploys are real and cheap); ``st run`` sends schema-valid and schema-invalid requests to every
operation with every check on: no 5xx, responses match the schema, valid requests are accepted (no surprise
400), invalid ones rejected, undeclared methods answered 405 with ``Allow``. Bounded: a few examples per
operation and ``--max-time``, about three minutes on 2 CPUs. The one documented exception is in
``tests/schemathesis.toml``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.openapi_contract import openapi

TOKEN = "contract-fuzz-token"
MAX_EXAMPLES = 6
MAX_SECONDS = 150
# The tiny model stands in for every catalog model, so a deploy the fuzzer makes costs one small worker.
CATALOG_PATH = Path(__file__).parent.parent / "jupyter_llama_neuron" / "data" / "catalog.json"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _catalog_ids() -> list[str]:
    catalog = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    return [str(model["id"]) for model in catalog["models"]]


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture
def fuzz_server(tmp_path: Path, tiny_model_dir: Path) -> Iterator[str]:
    """A Jupyter server with the extension in local mode on a free 127.0.0.1 port; yields its origin."""
    port = _free_port()
    root = tmp_path / "root"
    root.mkdir()
    config = {
        "ServerApp": {
            "ip": "127.0.0.1",
            "port": port,
            "port_retries": 0,
            "open_browser": False,
            "allow_root": True,
            "root_dir": str(root),
            "jpserver_extensions": {"jupyter_llama_neuron": True, "jupyter_server_terminals": False},
        },
        "IdentityProvider": {"token": TOKEN},
        "LlamaNeuronApp": {
            "backend": "local",
            "data_dir": str(tmp_path / "data"),
            "local_model_paths": {model_id: str(tiny_model_dir) for model_id in _catalog_ids()},
            "max_upload_mb": 1.0,
        },
    }
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(config), encoding="utf-8")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config_dir), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                request = urllib.request.Request(
                    f"{origin}/llama-neuron/api/v1/status", headers={"Authorization": f"token {TOKEN}"}
                )
                with urllib.request.urlopen(request, timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "server.log").read_text(encoding="utf-8")) from None
                time.sleep(0.5)
        yield origin
    finally:
        # The whole session: the server and any local workers it started.
        _stop_group(proc)
        log.close()


@pytest.mark.slow
def test_contract_fuzzing_finds_no_failure(fuzz_server: str, tmp_path: Path) -> None:
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    # The contract bundled into one document, as the generated TypeScript client sees it.
    contract = tmp_path / "openapi.json"
    contract.write_text(json.dumps(openapi()), encoding="utf-8")
    command = [
        st,
        "--config-file",
        str(Path(__file__).parent / "schemathesis.toml"),
        "run",
        str(contract),
        "--url",
        f"{fuzz_server}/llama-neuron/api/v1",
        "-H",
        f"Authorization: token {TOKEN}",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(MAX_SECONDS),
        "--seed",
        "14",
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--generation-database",
        "none",
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=MAX_SECONDS + 120, check=False, cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-4000:]
