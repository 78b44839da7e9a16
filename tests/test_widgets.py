"""The notebook widgets (``jupyter_llama_neuron.widgets``): pure logic directly, and the widgets against the
Jupyter test server in local mode with the catalog's 7B, 7B chat and 13B ids mapped to the tiny model.

The test server runs on this test's event loop, so every blocking client call (widget construction, dropdown
changes that fetch the model card, ``deploy``) runs in a worker thread while the test awaits.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TypedDict

import pytest
from tornado.httpclient import HTTPResponse

from jupyter_llama_neuron.client import LlamaNeuronClient, LlamaNeuronError, parse_event_stream
from jupyter_llama_neuron.inference_parameters import validate_parameters
from jupyter_llama_neuron.status_service import rules_json
from jupyter_llama_neuron.widget_logic import (
    StreamState,
    apply_event,
    build_messages,
    collect_parameters,
    config_label,
    configs_for_instance,
    error_html,
    loss_svg,
    parameter_bounds,
    parameter_specs,
    render_answer_html,
    start_stream,
)
from jupyter_llama_neuron.widgets import DeployWizard, Playground, TrainingMonitor

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"
MODEL_7B_CHAT = "meta-textgenerationneuron-llama-2-7b-f"
MODEL_13B = "meta-textgenerationneuron-llama-2-13b"
API = ("llama-neuron", "api", "v1")
WAIT_S = 240.0


def test_import_stays_light() -> None:
    script = (
        "import sys, jupyter_llama_neuron.widgets; "
        "heavy = {'sagemaker', 'torch', 'transformers', 'boto3'}; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "[]"


# -- pure logic ----------------------------------------------------------------------------------------------


def test_collect_parameters_checks_the_servers_ranges() -> None:
    specs = parameter_specs({"rules": rules_json()})  # what GET /status hands the widgets
    values = {"max_new_tokens": 32, "temperature": 0.5, "top_p": 0.9, "do_sample": True}
    assert collect_parameters(values, specs, 1024) == (values, None)
    # Greedy decoding: the settings the server marks sampling_only are not sent.
    assert collect_parameters({**values, "do_sample": False}, specs, 4096) == (
        {"max_new_tokens": 32, "do_sample": False},
        None,
    )
    params, problem = collect_parameters({**values, "max_new_tokens": 2000}, specs, 1024)
    assert params == {}
    assert problem is not None
    assert "max_new_tokens" in problem
    assert "[1, 1024]" in problem
    _, problem = collect_parameters({**values, "top_p": 1.0}, specs, 4096)
    assert problem is not None
    assert "top_p" in problem
    _, problem = collect_parameters({**values, "temperature": 0.0}, specs, 4096)
    assert problem is not None
    assert "temperature" in problem
    # Whatever passes here passes the server's own check.
    assert validate_parameters(collect_parameters(values, specs, 1024)[0], 1024) == values
    assert parameter_bounds(specs["max_new_tokens"], 2048) == (1.0, 2048.0)
    low, high = parameter_bounds(specs["top_p"], 4096)
    assert 0 < low < high < 1
    # Open-ended temperature: the slider stops where the server warns (Llama 2 turns to gibberish).
    assert parameter_bounds(specs["temperature"], 4096)[1] == specs["temperature"]["warn_above"]["value"]


def test_stream_state_transitions() -> None:
    state = start_stream()
    state = apply_event(state, "token", {"text": "Par"})
    state = apply_event(state, "token", {"text": "is"})
    assert (state.status, state.text, state.updates) == ("streaming", "Paris", 2)
    state = apply_event(state, "fallback", {"reason": "no streaming"})
    assert state.fallback == "no streaming"
    done = apply_event(state, "done", {"generated_text": "Paris.", "tokens_out": 3, "latency_s": 0.5})
    assert (done.status, done.text) == ("done", "Paris.")
    assert "3 tokens" in render_answer_html(done)
    error = apply_event(state, "error", {"error": {"code": "X", "message": "boom <b>", "hint": "retry"}})
    assert error.status == "error"
    shown = render_answer_html(error)
    assert "boom &lt;b&gt;" in shown
    assert "retry" in shown
    assert render_answer_html(StreamState(text="<script>")).count("&lt;script&gt;") == 1


def test_build_messages() -> None:
    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    assert build_messages("  Be brief. ", history, "Bye") == [
        {"role": "system", "content": "Be brief."},
        *history,
        {"role": "user", "content": "Bye"},
    ]
    assert build_messages("", [], "Hi") == [{"role": "user", "content": "Hi"}]


def test_parse_event_stream() -> None:
    body = 'event: token\ndata: {"text": "a"}\n\n: comment\nevent: done\ndata: {"tokens_out": 1}\n\n'
    assert list(parse_event_stream(body.splitlines(keepends=True))) == [
        ("token", {"text": "a"}),
        ("done", {"tokens_out": 1}),
    ]


def test_loss_svg_has_one_point_per_loss_value() -> None:
    loss = [{"step": step, "loss": 2.0 / (step + 1), "timestamp": ""} for step in range(7)]
    svg = loss_svg(loss)
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert svg.count("<circle") == 7
    assert "<polyline" in svg
    assert loss_svg([{"step": 1, "loss": 0.5}]).count("<circle") == 1
    empty = loss_svg([])
    assert "<circle" not in empty
    assert "no loss values yet" in empty
    # Non-numbers are skipped, never rendered.
    assert loss_svg([{"step": 1, "loss": "nan"}, {"step": 2, "loss": None}]).count("<circle") == 0


def test_configs_for_instance_and_labels() -> None:
    card = {
        "precompiled_configs": [
            {
                "instance_type": "a",
                "n_positions": 1024,
                "max_rolling_batch_size": 1,
                "tensor_parallel_degree": 2,
                "dtype": "fp16",
                "price_per_hour": 2.0,
                "is_default": True,
            },
            {
                "instance_type": "b",
                "n_positions": 4096,
                "max_rolling_batch_size": 4,
                "tensor_parallel_degree": 8,
                "dtype": "fp16",
                "price_per_hour": None,
                "is_default": False,
            },
        ]
    }
    only_b = configs_for_instance(card, "b")
    assert [c["n_positions"] for c in only_b] == [4096]
    assert config_label(configs_for_instance(card, "a")[0]) == (
        "context 1024 · batch 1 · TP 2 · fp16 · $2.00/h (default)"
    )


# -- a stand-in client for the training monitor (a local fine-tuning run takes minutes) ----------------------


class FakeTrainingClient:
    def __init__(self, jobs: list[dict[str, Any]]) -> None:
        self.jobs = jobs
        self.calls = 0

    def training_job(self, name: str) -> dict[str, Any]:
        job = self.jobs[min(self.calls, len(self.jobs) - 1)]
        self.calls += 1
        return job

    def status(self) -> dict[str, Any]:
        raise NotImplementedError

    def endpoint(self, name: str) -> dict[str, Any]:
        raise NotImplementedError

    def model(self, model_id: str) -> dict[str, Any]:
        raise NotImplementedError

    def models(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def accept_eula(self, model_id: str) -> dict[str, Any]:
        raise NotImplementedError

    def deploy(self, model_id: str, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError

    def invoke_stream(self, name: str, **kwargs: Any) -> Iterator[tuple[str, dict[str, Any]]]:
        raise NotImplementedError


def _job(status: str, secondary: str, losses: list[float]) -> dict[str, Any]:
    return {
        "name": "job-1",
        "status": status,
        "secondary_status": secondary,
        "loss": [{"step": i + 1, "loss": value, "timestamp": ""} for i, value in enumerate(losses)],
        "log_tail": ["epoch 1"],
        "cost_so_far": 0.0,
        "failure_reason": None,
        "output_model": "out" if status == "Completed" else None,
    }


def test_training_monitor_polls_until_terminal() -> None:
    fake = FakeTrainingClient(
        [
            _job("InProgress", "Starting", []),
            _job("InProgress", "Training", [2.0, 1.5]),
            _job("Completed", "Completed", [2.0, 1.5, 1.2, 1.1]),
        ]
    )
    monitor = TrainingMonitor("job-1", client=fake, poll_s=0.01)
    assert monitor.wait(10)
    assert fake.calls == 3
    assert monitor.plot.value.count("<circle") == 4
    assert "Completed" in monitor.status.value
    assert monitor.error.value == ""

    one = TrainingMonitor(
        "job-1", client=FakeTrainingClient([_job("InProgress", "Training", [3.0])]), start=False
    )
    assert one.refresh() is False
    assert "InProgress / Training" in one.status.value
    assert one.plot.value.count("<circle") == 1


def test_error_html_escapes_and_shows_the_hint() -> None:
    shown = error_html(LlamaNeuronError(404, "NotFound", "No endpoint <x>", "Deploy one first."))
    assert "No endpoint &lt;x&gt;" in shown
    assert "Deploy one first." in shown


# -- against the Jupyter test server -------------------------------------------------------------------------


@pytest.fixture
def llama_neuron_config(tmp_path: Path, tiny_model_dir: Path) -> dict[str, Any]:
    return {
        "backend": "local",
        "data_dir": str(tmp_path / "llama-neuron-data"),
        "local_model_paths": {
            MODEL_7B: str(tiny_model_dir),
            MODEL_7B_CHAT: str(tiny_model_dir),
            MODEL_13B: str(tiny_model_dir),
        },
        "local_torch_threads": 1,
    }


class Server(TypedDict):
    base_url: str
    token: str


@pytest.fixture
def server(jp_fetch: Any, jp_serverapp: Any, jp_http_port: int, jp_base_url: str) -> Server:
    """``base_url``/``token`` for the widgets (passed explicitly: the test server is not in the runtime dir).
    ``jp_fetch`` is requested so that the HTTP server listens."""
    return {
        "base_url": f"http://127.0.0.1:{jp_http_port}{jp_base_url}",
        "token": str(jp_serverapp.identity_provider.token),
    }


async def rest(jp_fetch: Any, method: str, *path: str, body: Any = None) -> tuple[int, Any]:
    kwargs: dict[str, Any] = {"method": method, "raise_error": False}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    response: HTTPResponse = await jp_fetch(*API, *path, **kwargs)
    return response.code, json.loads(response.body) if response.body else None


async def until_done(thread: threading.Thread | None, timeout_s: float = WAIT_S) -> None:
    """Let the server (on this loop) answer while a widget's background thread works."""
    assert thread is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while thread.is_alive():
        assert loop.time() < deadline, "the widget's background work did not finish"
        await asyncio.sleep(0.05)


async def deployed(jp_fetch: Any, model_id: str, name: str) -> None:
    code, _ = await rest(jp_fetch, "POST", "models", model_id, "eula", body={"accept": True})
    assert code == 200
    code, created = await rest(
        jp_fetch, "POST", "endpoints", body={"model_id": model_id, "endpoint_name": name}
    )
    assert code == 202, created
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while True:
        code, endpoint = await rest(jp_fetch, "GET", "endpoints", name)
        assert endpoint["status"] != "Failed", endpoint
        if endpoint["status"] == "InService":
            return
        assert loop.time() < deadline
        await asyncio.sleep(0.2)


def record_values(widget: Any) -> list[str]:
    seen: list[str] = []
    widget.observe(lambda change: seen.append(str(change["new"])), names="value")
    return seen


async def test_playground_streams_into_the_output(jp_fetch: Any, server: Server) -> None:
    await deployed(jp_fetch, MODEL_7B, "w-base")
    playground = await asyncio.to_thread(Playground, "w-base", **server)
    assert playground.error.value == ""
    assert playground.chat is False
    playground.prompt.value = "The capital of France is"
    playground.max_new_tokens.value = 12
    playground.do_sample.value = False
    seen = record_values(playground.output)

    await until_done(playground.send())

    state = playground.state
    assert state.status == "done", state
    assert state.updates >= 2
    assert state.text
    assert state.result["streamed"] is True
    # Several growing answers were shown while tokens arrived, before the final one with the stats.
    streaming = [value for value in seen if "generating" in value]
    assert len({re.sub(r"\s+", " ", value) for value in streaming}) >= 3
    assert "tokens" in playground.output.value
    assert playground.send_button.disabled is False


async def test_playground_chat_keeps_a_thread(jp_fetch: Any, server: Server) -> None:
    await deployed(jp_fetch, MODEL_7B_CHAT, "w-chat")
    playground = await asyncio.to_thread(Playground, "w-chat", **server)
    assert playground.chat is True
    playground.system_prompt.value = "Answer in one sentence."
    playground.max_new_tokens.value = 6
    # Sampling (the server's default is greedy, on which the tiny test model may answer nothing at once).
    playground.do_sample.value = True
    for turn in ("Hello", "And again"):
        playground.prompt.value = turn
        await until_done(playground.send())
        assert playground.state.status == "done", playground.state
    assert [m["role"] for m in playground.history] == ["user", "assistant", "user", "assistant"]
    assert playground.output.value.count('data-role="user"') == 2
    assert playground.prompt.value == ""


async def test_playground_shows_server_errors(jp_fetch: Any, server: Server) -> None:
    missing = await asyncio.to_thread(Playground, "w-missing", **server)
    assert "NotFound" in missing.error.value or "not found" in missing.error.value.lower()
    assert missing.send() is None or missing.state.status != "done"

    await deployed(jp_fetch, MODEL_7B, "w-gone")
    playground = await asyncio.to_thread(Playground, "w-gone", **server)
    code, _ = await rest(jp_fetch, "DELETE", "endpoints", "w-gone")
    assert code == 200
    playground.prompt.value = "Hello"
    await until_done(playground.send())
    assert playground.state.status == "error"
    assert "Error" in playground.output.value

    # A prompt that does not fit is refused before sending, with the range named.
    playground.max_new_tokens.value = playground.max_new_tokens.max
    playground.prompt.value = ""
    assert playground.send() is None
    assert "Type a prompt" in playground.error.value


async def test_deploy_wizard_offers_the_precompiled_tuples_and_needs_the_eula(
    jp_fetch: Any, server: Server
) -> None:
    wizard = await asyncio.to_thread(DeployWizard, **server)
    assert wizard.error.value == ""
    assert MODEL_13B in [value for _label, value in wizard.model.options]
    await asyncio.to_thread(wizard.select, MODEL_13B, "ml.inf2.24xlarge")

    code, card = await rest(jp_fetch, "GET", "models", MODEL_13B)
    assert code == 200
    expected = [
        {k: c[k] for k in ("n_positions", "max_rolling_batch_size", "tensor_parallel_degree", "dtype")}
        for c in card["precompiled_configs"]
        if c["instance_type"] == "ml.inf2.24xlarge"
    ]
    assert len(expected) == 3
    offered = [
        {k: c[k] for k in ("n_positions", "max_rolling_batch_size", "tensor_parallel_degree", "dtype")}
        for c in wizard.configs
    ]
    assert offered == expected
    assert {c["instance_type"] for c in wizard.configs} == {"ml.inf2.24xlarge"}
    assert len(wizard.config.options) == 3
    assert "licence" in wizard.links.value.lower() or "license" in wizard.links.value.lower()
    assert card["eula_url"] in wizard.links.value
    assert card["aup_url"] in wizard.links.value

    # Without the licence box ticked nothing is recorded or created.
    wizard.endpoint_name.value = "w-13b"
    assert await asyncio.to_thread(wizard.deploy) is None
    assert "Accept the Llama 2" in wizard.error.value
    code, listed = await rest(jp_fetch, "GET", "endpoints")
    assert listed["endpoints"] == []
    code, card = await rest(jp_fetch, "GET", "models", MODEL_13B)
    assert card["eula"] is None

    wizard.eula.value = True
    wizard.config.value = 1
    thread = await asyncio.to_thread(wizard.deploy)
    assert wizard.error.value == ""
    await until_done(thread)
    assert wizard.endpoint is not None
    assert wizard.endpoint["status"] == "InService", wizard.endpoint
    assert 'data-status="InService"' in wizard.progress.value
    code, endpoint = await rest(jp_fetch, "GET", "endpoints", "w-13b")
    assert endpoint["model_id"] == MODEL_13B
    assert endpoint["config"] == {k: wizard.configs[1][k] for k in endpoint["config"]}
    assert endpoint["config"]["instance_type"] == "ml.inf2.24xlarge"
    code, card = await rest(jp_fetch, "GET", "models", MODEL_13B)
    assert card["eula"] is not None

    # A name already taken: the server's refusal is shown, not raised.
    assert await asyncio.to_thread(wizard.deploy) is None
    assert "Error" in wizard.error.value


async def test_training_monitor_shows_a_missing_job(server: Server) -> None:
    monitor = TrainingMonitor("no-such-job", poll_s=0.05, **server)
    await until_done(monitor._thread, 30)
    assert "Error" in monitor.error.value
    assert "no-such-job" in monitor.status.value


def test_widgets_take_an_explicit_server_or_report_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUPYTER_SERVER_URL", raising=False)
    monkeypatch.setattr("jupyter_llama_neuron.client._running_servers", list)
    playground = Playground("anything")
    assert "ServerNotFound" in playground.error.value
    assert playground.send() is None
    unreachable = DeployWizard(client=LlamaNeuronClient("http://127.0.0.1:9/", "x", timeout_s=2))
    assert "NetworkError" in unreachable.error.value


def test_widget_displays_as_its_box() -> None:
    monitor = TrainingMonitor("job-1", client=FakeTrainingClient([_job("Completed", "Completed", [1.0])]))
    assert monitor.wait(5)
    bundle: Mapping[str, Any] = monitor._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


async def test_generated_notebook_shows_the_playground_widget(
    jp_fetch: Any,
    server: Server,
    jp_root_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The local invoke notebook's "Try it interactively" cell renders the widget in a real kernel."""
    import nbformat
    from nbclient import NotebookClient

    from jupyter_llama_neuron.notebook_cells import METADATA_KEY

    await deployed(jp_fetch, MODEL_7B, "w-nb")
    code, created = await rest(
        jp_fetch,
        "POST",
        "notebooks",
        body={"step": "invoke", "model_id": MODEL_7B, "endpoint_name": "w-nb", "prompts": ["Hi"]},
    )
    assert code == 201, created
    notebook: Any = nbformat.read(jp_root_dir / created["path"], as_version=4)  # type: ignore[no-untyped-call]
    roles = [cell.metadata.get(METADATA_KEY, {}).get("role") for cell in notebook.cells]
    assert "interactive" in roles
    monkeypatch.setenv("JUPYTER_SERVER_URL", server["base_url"])
    monkeypatch.setenv("JUPYTER_TOKEN", server["token"])
    client = NotebookClient(
        notebook, timeout=300, startup_timeout=120, resources={"metadata": {"path": str(jp_root_dir)}}
    )
    async with client.async_setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code" and cell.metadata[METADATA_KEY]["role"] in (
                "setup",
                "endpoint",
                "interactive",
            ):
                await client.async_execute_cell(cell, index)
    interactive = notebook.cells[roles.index("interactive")]
    assert any(
        "application/vnd.jupyter.widget-view+json" in out.get("data", {}) for out in interactive.outputs
    )
    assert not [out for out in interactive.outputs if out.get("output_type") == "error"]
