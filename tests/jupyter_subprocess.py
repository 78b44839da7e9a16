"""A real ``jupyter server`` with the extension, run as a subprocess on 127.0.0.1 (token auth), for tests that
kill it: pytest-jupyter's in-process server cannot be SIGKILLed and restarted on the same state.

The server runs in its own session; ``kill()`` sends SIGKILL to its PID only, never to a process group, so
whatever it started lives on exactly as it would when a real server is killed. Every process it starts
inherits ``RUN_MARKER`` in its environment, which ``marked_processes`` finds in /proc: the orphan check of a
test that cannot know every PID in advance.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

API_PREFIX = "/llama-neuron/api/v1"
REPO_ROOT = Path(__file__).resolve().parent.parent
MARKER_VARIABLE = "JLN_SUBPROCESS_TEST_RUN"
START_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pid_alive(pid: int) -> bool:
    """Running, not a zombie (an exited child nobody reaped yet is gone for our purposes)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 1 :].split()[:1] not in (["Z"], ["X"])


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    """The PIDs still running after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [pid for pid in pids if pid_alive(pid)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def marked_processes(marker: str) -> list[int]:
    """Live processes whose environment holds ``MARKER_VARIABLE=marker`` (every child of our servers)."""
    needle = f"{MARKER_VARIABLE}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0") and pid_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


class JupyterProcess:
    """One server process; ``start()`` again after ``kill()`` runs a fresh one on the same state."""

    def __init__(self, home: Path, extension: Mapping[str, Any], env: Mapping[str, str]) -> None:
        self.home = home
        self.extension = dict(extension)
        self.token = uuid.uuid4().hex
        self.marker = uuid.uuid4().hex
        self.env = dict(env)
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.home / f"server-{self.starts}.log"

    def _write_config(self) -> Path:
        config = {
            "ServerApp": {
                "ip": "127.0.0.1",
                "port": self.port,
                "port_retries": 0,
                "open_browser": False,
                "allow_root": True,
                "root_dir": str(self.home / "root"),
                "jpserver_extensions": {"jupyter_llama_neuron": True, "jupyter_server_terminals": False},
            },
            "IdentityProvider": {"token": self.token},
            "LlamaNeuronApp": self.extension,
        }
        path = self.home / "jupyter_server_config.json"
        path.write_text(json.dumps(config, indent=2), encoding="utf-8")
        return path

    def start(self) -> JupyterProcess:
        assert self.process is None or self.process.poll() is not None, "the server is still running"
        self.starts += 1
        self.port = free_port()
        for folder in ("root", "config", "data", "runtime"):
            (self.home / folder).mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        env = {
            **self.env,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), self.env.get("PYTHONPATH")])),
            "JUPYTER_CONFIG_DIR": str(self.home / "config"),
            "JUPYTER_DATA_DIR": str(self.home / "data"),
            "JUPYTER_RUNTIME_DIR": str(self.home / "runtime"),
            "JUPYTER_PLATFORM_DIRS": "1",
            "OMP_NUM_THREADS": "1",
            MARKER_VARIABLE: self.marker,
        }
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jupyter_server", f"--config={config}"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C of pytest does not reach it; we stop it ourselves
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                code, _ = self.call("GET", "status", timeout=5)
                if code == 200:
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"the server did not answer in {START_TIMEOUT_S} s:\n{self.log_tail()}")
            time.sleep(0.3)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL the server process alone (not its group): nothing of it runs any more."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        assert self.process.wait(timeout=30) == -signal.SIGKILL

    def stop(self) -> None:
        """A normal shutdown (SIGTERM: Jupyter stops its extensions), SIGKILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def _headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"token {self.token}", "Content-Type": "application/json", **extra}

    def call(self, method: str, *path: str, body: Any = None, timeout: float = 60) -> tuple[int, Any]:
        """``(status, parsed JSON or None)`` of one API request; a POST without a body sends ``{}``."""
        connection = self._connection(timeout)
        try:
            payload = json.dumps(body if body is not None else {}) if method == "POST" else None
            if body is not None and method != "POST":
                payload = json.dumps(body)
            connection.request(method, "/".join((API_PREFIX, *path)), body=payload, headers=self._headers())
            response = connection.getresponse()
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
        finally:
            connection.close()

    def wait_for(self, *path: str, until: Any, timeout: float = 180, what: str = "") -> Any:
        """GET ``path`` until ``until(body)`` holds; the last body on timeout is in the message."""
        deadline = time.monotonic() + timeout
        body: Any = None
        while time.monotonic() < deadline:
            code, body = self.call("GET", *path)
            if code == 200 and until(body):
                return body
            time.sleep(0.25)
        raise AssertionError(f"{what or '/'.join(path)} not reached in {timeout} s; last answer: {body}")

    def stream_events(self, name: str, body: Any, timeout: float) -> Iterator[tuple[str, Any]]:
        """Server-sent events of a streamed invocation, as ``(event, data)``, until the connection ends.
        A connection the server drops mid-stream ends the iteration with ``("dropped", reason)``."""
        connection = self._connection(timeout)
        try:
            connection.request(
                "POST",
                f"{API_PREFIX}/endpoints/{name}/invocations",
                body=json.dumps(body),
                headers=self._headers(Accept="text/event-stream"),
            )
            response = connection.getresponse()
            assert response.status == 200, response.read()
            fields: dict[str, str] = {}
            while True:
                try:
                    line = response.readline()
                except (http.client.IncompleteRead, ConnectionError) as err:
                    yield "dropped", type(err).__name__
                    return
                if not line:
                    # Only the final (empty) chunk sets chunk_left to None; a connection that broke between
                    # chunks also reads as an empty line on Python 3.11 (3.12 raises IncompleteRead).
                    if response.chunk_left is not None:
                        yield "dropped", "the connection ended before the final chunk"
                    return
                text = line.decode().rstrip("\n")
                if text:
                    key, _, value = text.partition(": ")
                    fields[key] = value
                    continue
                if fields:
                    yield fields.get("event", ""), json.loads(fields.get("data", "null"))
                    fields = {}
        finally:
            connection.close()
