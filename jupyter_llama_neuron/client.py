"""A small Python client for the extension's REST API, for notebooks (and, later, notebook widgets).

It talks to a running Jupyter server, so whatever backend the server uses (local mode or SageMaker) does the
work, with the same validation, EULA records and tags as the panel::

    from jupyter_llama_neuron.client import LlamaNeuronClient

    client = LlamaNeuronClient()               # the Jupyter server this kernel belongs to
    client.accept_eula("meta-textgenerationneuron-llama-2-7b")
    client.deploy("meta-textgenerationneuron-llama-2-7b", endpoint_name="llama-demo")
    client.wait("llama-demo")
    print(client.invoke("llama-demo", inputs="The capital of France is")["generated_text"])
    client.delete("llama-demo")

Finding the server, in order: ``base_url`` and ``token`` given explicitly; the ``JUPYTER_SERVER_URL`` and
``JUPYTER_TOKEN`` (or ``JUPYTER_SERVER_TOKEN``) environment variables; the running servers Jupyter lists in
its runtime directory (``jupyter_server.serverapp.list_running_servers``), preferring the kernel's parent
server (``JPY_PARENT_PID``), then one whose root directory contains the current directory.

Only the standard library is used for HTTP, so importing this module is cheap and safe in any kernel.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

API_PREFIX = "llama-neuron/api/v1"
DEFAULT_TIMEOUT_S = 120.0
TERMINAL_ENDPOINT = frozenset({"InService", "Failed", "OutOfService"})
TERMINAL_TRAINING = frozenset({"Completed", "Failed", "Stopped"})
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

JsonObject = dict[str, Any]


class LlamaNeuronError(Exception):
    """The server refused a request (or could not be reached: ``status`` 0). ``code`` and ``hint`` are the
    server's ``{"error": {"code", "message", "hint"}}``."""

    def __init__(self, status: int, code: str, message: str, hint: str = "") -> None:
        super().__init__(f"{message} ({code}, HTTP {status})" + (f"\nHint: {hint}" if hint else ""))
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint


class ServerNotFound(LlamaNeuronError):
    def __init__(self, message: str) -> None:
        super().__init__(
            0,
            "ServerNotFound",
            message,
            "Pass LlamaNeuronClient(base_url='http://localhost:8888/', token='...'), or set "
            "JUPYTER_SERVER_URL and JUPYTER_TOKEN.",
        )


def _running_servers() -> list[dict[str, Any]]:
    try:
        from jupyter_server.serverapp import list_running_servers
    except ImportError:  # a kernel without jupyter_server installed: only explicit settings work
        return []
    return [dict(info) for info in list_running_servers()]


def _contains(root: str, path: Path) -> bool:
    try:
        path.resolve().relative_to(Path(root).expanduser().resolve())
    except (ValueError, OSError):
        return False
    return True


def find_server(
    servers: Iterable[Mapping[str, Any]] | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> tuple[str, str]:
    """``(base_url, token)`` of the Jupyter server to talk to (see the module docstring for the order)."""
    env = os.environ if environ is None else environ
    url = env.get("JUPYTER_SERVER_URL")
    if url:
        return url, env.get("JUPYTER_TOKEN") or env.get("JUPYTER_SERVER_TOKEN") or ""
    found = [dict(info) for info in (servers if servers is not None else _running_servers())]
    if not found:
        raise ServerNotFound("No running Jupyter server was found.")
    parent = env.get("JPY_PARENT_PID")
    here = cwd or Path.cwd()
    ranked = sorted(
        found,
        key=lambda info: (
            str(info.get("pid")) != parent,
            not _contains(str(info.get("root_dir") or info.get("notebook_dir") or "/"), here),
        ),
    )
    best = ranked[0]
    return str(best["url"]), str(best.get("token") or "")


def parse_event_stream(lines: Iterable[str]) -> Iterator[tuple[str, JsonObject]]:
    """Server-sent events ``(event, parsed JSON data)`` from the lines of a ``text/event-stream`` body."""
    kind = "message"
    data: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            if data:
                yield kind, json.loads("\n".join(data))
            kind, data = "message", []
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                kind = value
            elif field == "data":
                data.append(value)
    if data:
        yield kind, json.loads("\n".join(data))


def print_status(resource: Mapping[str, Any]) -> None:
    """The default progress report of ``wait`` and ``wait_training``."""
    secondary = resource.get("secondary_status")
    status = f"{resource.get('status')}" + (f" / {secondary}" if secondary else "")
    print(f"{time.strftime('%H:%M:%S')}  {resource.get('name')}: {status}", flush=True)


class LlamaNeuronClient:
    """Typed calls to ``/llama-neuron/api/v1`` on a Jupyter server."""

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        if base_url is None:
            base_url, found_token = find_server()
            token = found_token if token is None else token
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.token = token or ""
        self.timeout_s = timeout_s
        host = urllib.parse.urlsplit(self.base_url).hostname or ""
        # Our own Jupyter server is never reached through an HTTP proxy.
        handlers = [urllib.request.ProxyHandler({})] if host in LOOPBACK_HOSTS else []
        self._opener = urllib.request.build_opener(*handlers)

    def __repr__(self) -> str:
        return f"LlamaNeuronClient(base_url={self.base_url!r})"

    # --- plumbing -------------------------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """One API call; the parsed JSON answer, or ``LlamaNeuronError``."""
        url = urllib.parse.urljoin(self.base_url, f"{API_PREFIX}/{path.lstrip('/')}")
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"token {self.token}")
        try:
            with self._opener.open(request, timeout=self.timeout_s) as response:
                raw = response.read()
        except urllib.error.HTTPError as err:
            raise self._error(err.code, err.read()) from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise LlamaNeuronError(
                0, "NetworkError", f"Could not reach the Jupyter server at {self.base_url}: {reason}"
            ) from None
        return json.loads(raw) if raw else None

    @staticmethod
    def _error(status: int, raw: bytes) -> LlamaNeuronError:
        try:
            error = json.loads(raw)["error"]
            return LlamaNeuronError(
                status, str(error.get("code", "")), str(error.get("message", "")), str(error.get("hint", ""))
            )
        except (ValueError, KeyError, TypeError):
            text = raw.decode("utf-8", errors="replace")[:300]
            return LlamaNeuronError(status, "HTTPError", text or f"HTTP {status}")

    @staticmethod
    def _segment(value: str) -> str:
        return urllib.parse.quote(value, safe="")

    @staticmethod
    def _without_none(**fields: Any) -> JsonObject:
        return {key: value for key, value in fields.items() if value is not None}

    # --- status and catalog ---------------------------------------------------------------------------------

    def status(self) -> JsonObject:
        """The active backend (``backend``, ``label``, region, account, local model readiness)."""
        result: JsonObject = self.request("GET", "status")
        return result

    def models(self) -> list[JsonObject]:
        result: list[JsonObject] = self.request("GET", "models")["models"]
        return result

    def model(self, model_id: str) -> JsonObject:
        """The model card: precompiled configurations, prices, hyperparameters, example prompts."""
        result: JsonObject = self.request("GET", f"models/{self._segment(model_id)}")
        return result

    def accept_eula(self, model_id: str) -> JsonObject:
        """Record that you accept the Llama 2 Community License and Acceptable Use Policy for this model."""
        result: JsonObject = self.request("POST", f"models/{self._segment(model_id)}/eula", {"accept": True})
        return result

    # --- endpoints ------------------------------------------------------------------------------------------

    def endpoints(self) -> list[JsonObject]:
        result: list[JsonObject] = self.request("GET", "endpoints")["endpoints"]
        return result

    def endpoint(self, name: str) -> JsonObject:
        result: JsonObject = self.request("GET", f"endpoints/{self._segment(name)}")
        return result

    def deploy(
        self,
        model_id: str,
        *,
        config: Mapping[str, Any] | None = None,
        endpoint_name: str | None = None,
        training_job: str | None = None,
        client_token: str | None = None,
    ) -> JsonObject:
        """Start creating an endpoint (returns at once, status Creating). ``config`` must be one of the
        model's precompiled configurations ``{instance_type, n_positions, max_rolling_batch_size,
        tensor_parallel_degree, dtype}``; None takes the model's default."""
        body = self._without_none(
            model_id=model_id,
            config=dict(config) if config is not None else None,
            endpoint_name=endpoint_name,
            training_job=training_job,
            client_token=client_token,
        )
        result: JsonObject = self.request("POST", "endpoints", body)
        return result

    def wait(
        self,
        name: str,
        *,
        timeout_s: float = 3600.0,
        poll_s: float = 2.0,
        on_status: Callable[[JsonObject], None] | None = print_status,
    ) -> JsonObject:
        """Poll until the endpoint is InService; ``LlamaNeuronError`` when it fails or time runs out."""
        deadline = time.monotonic() + timeout_s
        last = None
        while True:
            endpoint = self.endpoint(name)
            status = endpoint.get("status")
            if status != last and on_status is not None:
                on_status(endpoint)
            last = status
            if status == "InService":
                return endpoint
            if status in TERMINAL_ENDPOINT:
                raise LlamaNeuronError(
                    409,
                    "EndpointFailed",
                    f"Endpoint {name} is {status}: {endpoint.get('failure_reason') or 'no reason given'}",
                )
            if time.monotonic() >= deadline:
                raise LlamaNeuronError(
                    408, "Timeout", f"Endpoint {name} is still {status} after {timeout_s:g} s."
                )
            time.sleep(poll_s)

    def invoke(
        self,
        name: str,
        *,
        inputs: str | None = None,
        messages: list[Mapping[str, str]] | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> JsonObject:
        """One generation: ``inputs`` (a prompt) or, for chat models, ``messages``
        (``[{"role": "system"|"user"|"assistant", "content": ...}]``). Returns ``generated_text``,
        ``tokens_out``, ``latency_s``, ``finish_reason`` and the exact ``sagemaker_payload``."""
        if (inputs is None) == (messages is None):
            raise ValueError("Pass exactly one of inputs= or messages=.")
        body: JsonObject = {"parameters": dict(parameters or {})}
        if inputs is not None:
            body["inputs"] = inputs
        else:
            body["messages"] = [dict(message) for message in messages or []]
        result: JsonObject = self.request("POST", f"endpoints/{self._segment(name)}/invocations", body)
        return result

    def invoke_stream(
        self,
        name: str,
        *,
        inputs: str | None = None,
        messages: list[Mapping[str, str]] | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> Iterator[tuple[str, JsonObject]]:
        """The same generation as ``invoke``, as the server-sent events ``(kind, data)`` as they arrive:
        ``("token", {"text"})`` (repeated), ``("fallback", {"reason"})`` when the endpoint cannot stream,
        then ``("done", <invoke's answer>)`` or ``("error", {"error": {...}})``. A request the server refuses
        before streaming raises ``LlamaNeuronError``; closing the iterator closes the connection, which
        cancels the generation."""
        if (inputs is None) == (messages is None):
            raise ValueError("Pass exactly one of inputs= or messages=.")
        body: JsonObject = {"parameters": dict(parameters or {})}
        if inputs is not None:
            body["inputs"] = inputs
        else:
            body["messages"] = [dict(message) for message in messages or []]
        url = urllib.parse.urljoin(self.base_url, f"{API_PREFIX}/endpoints/{self._segment(name)}/invocations")
        request = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), method="POST")
        request.add_header("Accept", "text/event-stream")
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"token {self.token}")
        try:
            response = self._opener.open(request, timeout=self.timeout_s)
        except urllib.error.HTTPError as err:
            raise self._error(err.code, err.read()) from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise LlamaNeuronError(
                0, "NetworkError", f"Could not reach the Jupyter server at {self.base_url}: {reason}"
            ) from None
        with response:
            if "text/event-stream" not in (response.headers.get("Content-Type") or ""):
                # A server that answered with JSON after all: one answer, reported as a done event.
                raw = response.read()
                yield "done", json.loads(raw) if raw else {}
                return
            yield from parse_event_stream(line.decode("utf-8") for line in response)

    def delete(self, name: str) -> JsonObject:
        """Delete the endpoint (with its endpoint config and model on SageMaker)."""
        result: JsonObject = self.request("DELETE", f"endpoints/{self._segment(name)}")
        return result

    # --- training -------------------------------------------------------------------------------------------

    def training_jobs(self) -> list[JsonObject]:
        result: list[JsonObject] = self.request("GET", "training-jobs")["training_jobs"]
        return result

    def training_job(self, name: str) -> JsonObject:
        result: JsonObject = self.request("GET", f"training-jobs/{self._segment(name)}")
        return result

    def train(
        self,
        model_id: str,
        *,
        dataset_uri: str,
        dataset_format: str = "domain",
        hyperparameters: Mapping[str, Any] | None = None,
        instance_type: str | None = None,
        template: str | None = None,
        job_name: str | None = None,
        client_token: str | None = None,
        max_runtime_s: int | None = None,
    ) -> JsonObject:
        """Start fine-tuning (returns at once, status InProgress)."""
        body = self._without_none(
            model_id=model_id,
            dataset_uri=dataset_uri,
            dataset_format=dataset_format,
            hyperparameters=dict(hyperparameters or {}),
            instance_type=instance_type,
            template=template,
            job_name=job_name,
            client_token=client_token,
            max_runtime_s=max_runtime_s,
        )
        result: JsonObject = self.request("POST", "training-jobs", body)
        return result

    def stop_training(self, name: str) -> JsonObject:
        result: JsonObject = self.request("POST", f"training-jobs/{self._segment(name)}/stop", {})
        return result

    def wait_training(
        self,
        name: str,
        *,
        timeout_s: float = 6 * 3600.0,
        poll_s: float = 5.0,
        on_status: Callable[[JsonObject], None] | None = print_status,
    ) -> JsonObject:
        """Poll until the job ends; return it when Completed, else ``LlamaNeuronError``."""
        deadline = time.monotonic() + timeout_s
        last: tuple[Any, Any] | None = None
        while True:
            job = self.training_job(name)
            status = (job.get("status"), job.get("secondary_status"))
            if status != last and on_status is not None:
                on_status(job)
            last = status
            if status[0] == "Completed":
                return job
            if status[0] in TERMINAL_TRAINING:
                raise LlamaNeuronError(
                    409,
                    "TrainingJobFailed",
                    f"Training job {name} is {status[0]}: {job.get('failure_reason') or 'no reason given'}",
                )
            if time.monotonic() >= deadline:
                raise LlamaNeuronError(
                    408, "Timeout", f"Training job {name} is still {status[0]} after {timeout_s:g} s."
                )
            time.sleep(poll_s)

    # --- notebooks ------------------------------------------------------------------------------------------

    def create_notebook(self, step: str, **fields: Any) -> str:
        """Write an example notebook into the Jupyter root; returns its path there."""
        result: JsonObject = self.request("POST", "notebooks", {"step": step, **fields})
        return str(result["path"])
