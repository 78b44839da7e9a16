"""Notebook widgets (ipywidgets 8) for the interactive steps: prompt an endpoint, deploy a model, watch a
fine-tuning job. They use the same service layer as the panel, through ``LlamaNeuronClient`` and the
extension's REST API, so validation, EULA records, tags and the cost guard apply as in the panel::

    from jupyter_llama_neuron.widgets import DeployWizard, Playground, TrainingMonitor

    Playground("llama-demo")            # prompt box, parameters, Send, streamed answer (chat for -f models)
    DeployWizard()                      # model, precompiled configuration, licence, Deploy, progress
    TrainingMonitor("my-job")           # status, secondary status and the loss curve, refreshed until the end

Each takes ``base_url``/``token`` (or a ready ``client``) when the kernel cannot find its Jupyter server by
itself (see ``jupyter_llama_neuron.client``). Long work (the token stream, waiting for an endpoint, polling a
job) runs in a background thread, so the kernel stays responsive; server errors are shown in the widget,
never raised into the notebook.

The module is split in two: pure functions (parameter collection checked against the server's parameter
specs from ``GET /status`` ``rules``, the streamed-answer state machine, chat messages, configuration choices,
the loss SVG) that tests call directly, and the widget classes that wire them to ipywidgets. The server is
the one source of the rules (defaults, ranges, what is sent only when sampling) and validates again; the
widgets copy none of them. Importing it imports ipywidgets and the standard library only (never sagemaker or
torch).
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any, Protocol

import ipywidgets as w

from .client import TERMINAL_ENDPOINT, TERMINAL_TRAINING, JsonObject, LlamaNeuronClient, LlamaNeuronError
from .errors import ApiError
from .widget_logic import (
    CSS_PREFIX,
    STEPS,
    Message,
    StreamState,
    apply_event,
    build_messages,
    collect_parameters,
    config_label,
    configs_for_instance,
    deploy_config,
    endpoint_progress_html,
    error_html,
    fail_stream,
    instance_types_of,
    loss_svg,
    parameter_bounds,
    parameter_specs,
    render_answer_html,
    render_chat_html,
    start_stream,
    training_status_html,
)

__all__ = [
    "DeployWizard",
    "Playground",
    "TrainingMonitor",
    "apply_event",
    "build_messages",
    "collect_parameters",
    "config_label",
    "configs_for_instance",
    "error_html",
    "loss_svg",
]

DEPLOY_POLL_S = 3.0
TRAINING_POLL_S = 10.0


class _Client(Protocol):
    """What the widgets use of ``LlamaNeuronClient`` (tests may pass a stand-in)."""

    def status(self) -> JsonObject: ...
    def endpoint(self, name: str) -> JsonObject: ...
    def model(self, model_id: str) -> JsonObject: ...
    def models(self) -> list[JsonObject]: ...
    def accept_eula(self, model_id: str) -> JsonObject: ...
    def deploy(
        self,
        model_id: str,
        *,
        config: Mapping[str, Any] | None = None,
        endpoint_name: str | None = None,
        training_job: str | None = None,
        client_token: str | None = None,
    ) -> JsonObject: ...
    def invoke_stream(
        self,
        name: str,
        *,
        inputs: str | None = None,
        messages: list[Mapping[str, str]] | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> Iterator[tuple[str, JsonObject]]: ...
    def training_job(self, name: str) -> JsonObject: ...


def _client(client: _Client | None, base_url: str | None, token: str | None) -> _Client:
    return client if client is not None else LlamaNeuronClient(base_url, token)


def _in_thread(target: Callable[[], None], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


class _Displayable:
    """A widget made of ipywidgets: ``widget`` is the box; the object displays as that box."""

    widget: Any

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the background work (if any) ends; True when it has."""
        thread: threading.Thread | None = getattr(self, "_thread", None)
        if thread is not None:
            thread.join(timeout_s)
            return not thread.is_alive()
        return True


# ------------------------------------------------------------------------------------------------------------
# Playground


class Playground(_Displayable):
    """Prompt an endpoint: prompt box (or a chat thread with a system prompt for chat models), parameters,
    Send, and the answer streamed into the output as tokens arrive."""

    def __init__(
        self,
        endpoint_name: str,
        *,
        base_url: str | None = None,
        token: str | None = None,
        client: _Client | None = None,
    ) -> None:
        self.endpoint_name = endpoint_name
        self.state = StreamState()
        self.history: list[Message] = []
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.chat = False
        self.specs: dict[str, Mapping[str, Any]] = {}
        self.context_length = 1
        self.header = w.HTML(f"<b>Playground</b> · endpoint <code>{html.escape(endpoint_name)}</code>")
        self.error = w.HTML("")
        self.error.add_class(f"{CSS_PREFIX}-errors")
        self.client: _Client | None = None
        try:
            self.client = _client(client, base_url, token)
            self._load_endpoint(self.client)
        except (LlamaNeuronError, ApiError) as err:
            self.client = None  # nothing can be sent without the server's rules
            self.error.value = error_html(err)

        self.system_prompt = w.Text(
            description="System",
            placeholder="Optional, e.g. Answer in one sentence.",
            layout={"width": "100%"},
        )
        self.prompt = w.Textarea(
            placeholder="Your message"
            if self.chat
            else "A prompt to continue, e.g. The capital of France is",
            layout={"width": "100%", "height": "6em"},
        )
        self.prompt.add_class(f"{CSS_PREFIX}-prompt")
        low, high = self._bounds("max_new_tokens")
        self.max_new_tokens = w.BoundedIntText(
            value=min(int(self._default("max_new_tokens", low)), int(high)),
            min=int(low),
            max=int(high),
            description="max_new_tokens",
            style={"description_width": "initial"},
            tooltip=self._description("max_new_tokens"),
        )
        low, high = self._bounds("temperature")
        self.temperature = w.FloatSlider(
            value=float(self._default("temperature", low)),
            min=low,
            max=high,
            step=STEPS["temperature"],
            description="temperature",
            tooltip=self._description("temperature"),
        )
        low, high = self._bounds("top_p")
        self.top_p = w.FloatSlider(
            value=float(self._default("top_p", low)),
            min=low,
            max=high,
            step=STEPS["top_p"],
            description="top_p",
            tooltip=self._description("top_p"),
        )
        self.do_sample = w.Checkbox(
            value=bool(self._default("do_sample", False)), description="do_sample", indent=False
        )
        self.do_sample.observe(self._sampling_changed, names="value")
        self.send_button = w.Button(description="Send", button_style="primary", icon="paper-plane")
        self.send_button.add_class(f"{CSS_PREFIX}-send")
        self.send_button.on_click(lambda _button: self.send())
        self.clear_button = w.Button(description="New chat" if self.chat else "Clear")
        self.clear_button.on_click(lambda _button: self.clear())
        self.output = w.HTML("")
        self.output.add_class(f"{CSS_PREFIX}-output")
        if self.chat:
            self.output.value = render_chat_html(self.history)
        parameters = w.HBox([self.max_new_tokens, self.do_sample, self.temperature, self.top_p])
        parameters.layout.flex_flow = "row wrap"
        rows: list[Any] = [self.header, self.error]
        if self.chat:
            rows += [self.system_prompt, self.output, self.prompt]
        else:
            rows += [self.prompt]
        rows += [parameters, w.HBox([self.send_button, self.clear_button])]
        if not self.chat:
            rows.append(self.output)
        self.widget = w.VBox(rows)
        self.widget.add_class(f"{CSS_PREFIX}-playground")
        self._sampling_changed(None)

    def _bounds(self, name: str) -> tuple[float, float]:
        spec = self.specs.get(name)
        return parameter_bounds(spec, self.context_length) if spec else (0.0, 1.0)

    def _default(self, name: str, fallback: Any) -> Any:
        default = (self.specs.get(name) or {}).get("default")
        return fallback if default is None else default

    def _description(self, name: str) -> str:
        return str((self.specs.get(name) or {}).get("description") or "")

    def _load_endpoint(self, client: _Client) -> None:
        rules = client.status()
        self.specs = parameter_specs(rules)
        self.context_length = int(rules["rules"]["inference_parameters"]["context_length"])
        endpoint = client.endpoint(self.endpoint_name)
        config = endpoint.get("config") or {}
        if config.get("n_positions"):
            self.context_length = int(config["n_positions"])
        model_id = endpoint.get("model_id")
        if model_id:
            self.chat = bool(client.model(str(model_id)).get("chat"))
        label = endpoint.get("model_display_name") or model_id or ""
        self.header.value += f" · {html.escape(str(label))}" + (" (chat)" if self.chat else "")

    def _sampling_changed(self, _change: Any) -> None:
        self.temperature.disabled = not self.do_sample.value
        self.top_p.disabled = not self.do_sample.value

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def parameters(self) -> tuple[dict[str, Any], str | None]:
        values = {
            "max_new_tokens": self.max_new_tokens.value,
            "temperature": round(float(self.temperature.value), 4),
            "top_p": round(float(self.top_p.value), 4),
            "do_sample": bool(self.do_sample.value),
        }
        return collect_parameters(values, self.specs, self.context_length)

    def clear(self) -> None:
        if self.busy:
            return
        self.history.clear()
        self.state = StreamState()
        self.error.value = ""
        self.output.value = render_chat_html(self.history) if self.chat else ""

    def send(self) -> threading.Thread | None:
        """Send the prompt (or the chat message); the answer streams in a background thread, which is
        returned (None when nothing was sent: empty prompt, invalid parameter, or a request in flight)."""
        if self.busy or self.client is None:
            return None
        text = str(self.prompt.value)
        if not text.strip():
            self.error.value = error_html(ValueError("Type a prompt first."))
            return None
        parameters, problem = self.parameters()
        if problem is not None:
            self.error.value = error_html(ValueError(problem))
            return None
        self.error.value = ""
        client = self.client
        if self.chat:
            messages = build_messages(str(self.system_prompt.value), self.history, text)
            self.history.append({"role": "user", "content": text})
            self.prompt.value = ""

            def events() -> Iterator[tuple[str, JsonObject]]:
                return client.invoke_stream(
                    self.endpoint_name, messages=list(messages), parameters=parameters
                )
        else:

            def events() -> Iterator[tuple[str, JsonObject]]:
                return client.invoke_stream(self.endpoint_name, inputs=text, parameters=parameters)

        self.send_button.disabled = True
        self._show(start_stream())
        self._thread = _in_thread(lambda: self._run(events), f"llama-neuron-playground-{self.endpoint_name}")
        return self._thread

    def _show(self, state: StreamState) -> None:
        with self._lock:
            self.state = state
            self.output.value = (
                render_chat_html(self.history, state) if self.chat else render_answer_html(state)
            )

    def _run(self, events: Callable[[], Iterator[tuple[str, JsonObject]]]) -> None:
        state = self.state
        try:
            stream = events()
            try:
                for kind, data in stream:
                    state = apply_event(state, kind, data)
                    self._show(state)
                    if state.status in ("done", "error"):
                        break
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()
            if state.status == "streaming":  # the stream ended without done/error
                state = replace(state, status="done")
        except Exception as err:  # shown in the widget, never raised into the notebook
            state = fail_stream(state, err)
        if self.chat:
            if state.status == "done" and state.text.strip():
                self.history.append({"role": "assistant", "content": state.text})
            elif self.history and self.history[-1]["role"] == "user":
                # A failed or empty answer cannot be a turn (the server refuses empty messages): keep the
                # thread alternating, the unanswered message goes back into the box.
                self.prompt.value = self.history.pop()["content"]
        self._show(state)
        self.send_button.disabled = False


# ------------------------------------------------------------------------------------------------------------
# Deploy wizard


class DeployWizard(_Displayable):
    """Deploy a model: model, instance type, one of the model card's precompiled configurations for it, the
    Llama 2 licence (recorded through the EULA route), optional endpoint name, Deploy, then progress until
    InService or Failed."""

    def __init__(
        self,
        model_id: str | None = None,
        *,
        base_url: str | None = None,
        token: str | None = None,
        client: _Client | None = None,
        poll_s: float = DEPLOY_POLL_S,
    ) -> None:
        self.poll_s = poll_s
        self.card: JsonObject = {}
        self.endpoint: JsonObject | None = None
        self._thread: threading.Thread | None = None
        self._configs: list[JsonObject] = []
        self.error = w.HTML("")
        self.error.add_class(f"{CSS_PREFIX}-errors")
        self.model = w.Dropdown(description="Model", options=[], layout={"width": "max-content"})
        self.instance_type = w.Dropdown(description="Instance", options=[])
        self.config = w.Dropdown(description="Config", options=[], layout={"width": "max-content"})
        self.links = w.HTML("")
        self.eula = w.Checkbox(
            value=False,
            description="I accept the Llama 2 Community License and Acceptable Use Policy",
            indent=False,
            layout={"width": "max-content"},
        )
        self.endpoint_name = w.Text(description="Name", placeholder="optional endpoint name")
        self.deploy_button = w.Button(description="Deploy", button_style="primary", icon="rocket")
        self.deploy_button.on_click(lambda _button: self.deploy())
        self.progress = w.HTML("")
        self.progress.add_class(f"{CSS_PREFIX}-progress")
        self.widget = w.VBox(
            [
                w.HTML("<b>Deploy Llama 2</b>"),
                self.model,
                self.instance_type,
                self.config,
                self.links,
                self.eula,
                self.endpoint_name,
                self.deploy_button,
                self.progress,
                self.error,
            ]
        )
        self.widget.add_class(f"{CSS_PREFIX}-deploy")
        self.client: _Client | None = None
        try:
            self.client = _client(client, base_url, token)
            models = [m for m in self.client.models() if m.get("allowed", True)]
            self.model.options = [(f"{m['display_name']} ({m['id']})", m["id"]) for m in models]
            ids = [m["id"] for m in models]
            self.model.value = model_id if model_id in ids else (ids[0] if ids else None)
            self._model_changed(None)
        except (LlamaNeuronError, ApiError) as err:
            self.error.value = error_html(err)
        self.model.observe(self._model_changed, names="value")
        self.instance_type.observe(self._instance_changed, names="value")

    def _model_changed(self, _change: Any) -> None:
        if self.client is None or not self.model.value:
            return
        try:
            self.card = self.client.model(str(self.model.value))
        except (LlamaNeuronError, ApiError) as err:
            self.error.value = error_html(err)
            return
        self.error.value = ""
        self.links.value = (
            f'Read the <a href="{html.escape(str(self.card.get("eula_url", "")))}" target="_blank" '
            'rel="noopener">Llama 2 Community License</a> and the '
            f'<a href="{html.escape(str(self.card.get("aup_url", "")))}" target="_blank" '
            'rel="noopener">Acceptable Use Policy</a>.'
        )
        accepted = self.card.get("eula") is not None
        self.eula.value = accepted
        self.eula.disabled = accepted
        types = instance_types_of(self.card)
        default = str(self.card.get("default_instance_type") or "")
        self.instance_type.options = types
        self.instance_type.value = default if default in types else (types[0] if types else None)
        self._instance_changed(None)

    def _instance_changed(self, _change: Any) -> None:
        instance = self.instance_type.value
        self._configs = configs_for_instance(self.card, str(instance)) if instance else []
        self.config.options = [(config_label(c), index) for index, c in enumerate(self._configs)]
        defaults = [i for i, c in enumerate(self._configs) if c["is_default"]]
        self.config.value = defaults[0] if defaults else (0 if self._configs else None)

    def select(
        self, model_id: str, instance_type: str | None = None, config_index: int | None = None
    ) -> None:
        """Choose programmatically what the dropdowns choose."""
        self.model.value = model_id
        if instance_type is not None:
            self.instance_type.value = instance_type
        if config_index is not None:
            self.config.value = config_index

    @property
    def configs(self) -> list[JsonObject]:
        """The configurations the Config dropdown offers (the card's tuples for the chosen instance)."""
        return list(self._configs)

    def deploy(self) -> threading.Thread | None:
        """Record the licence (when ticked), create the endpoint and follow it in a background thread
        (returned); None when the request was refused (no licence, nothing chosen, an error)."""
        if self.client is None or (self._thread is not None and self._thread.is_alive()):
            return None
        if not self.eula.value:
            self.error.value = error_html(
                ValueError(
                    "Accept the Llama 2 Community License and Acceptable Use Policy (tick the box) to deploy."
                )
            )
            return None
        if self.config.value is None or not self._configs:
            self.error.value = error_html(ValueError("Choose a configuration."))
            return None
        self.error.value = ""
        model_id = str(self.model.value)
        config = deploy_config(self._configs[int(self.config.value)])
        name = str(self.endpoint_name.value).strip() or None
        try:
            if self.card.get("eula") is None:
                self.card["eula"] = self.client.accept_eula(model_id)
                self.eula.disabled = True
            self.endpoint = self.client.deploy(model_id, config=config, endpoint_name=name)
        except (LlamaNeuronError, ApiError) as err:
            self.error.value = error_html(err)
            return None
        self.deploy_button.disabled = True
        self.progress.value = endpoint_progress_html(self.endpoint, 0)
        self._thread = _in_thread(self._follow, "llama-neuron-deploy")
        return self._thread

    def _follow(self) -> None:
        client, endpoint = self.client, self.endpoint
        if client is None or endpoint is None:
            return
        name = str(endpoint["name"])
        started = time.monotonic()
        try:
            while True:
                endpoint = client.endpoint(name)
                self.endpoint = endpoint
                self.progress.value = endpoint_progress_html(endpoint, time.monotonic() - started)
                if endpoint.get("status") in TERMINAL_ENDPOINT:
                    break
                time.sleep(self.poll_s)
        except Exception as err:  # shown in the widget
            self.error.value = error_html(err)
        finally:
            self.deploy_button.disabled = False


# ------------------------------------------------------------------------------------------------------------
# Training monitor


class TrainingMonitor(_Displayable):
    """Follow a training job: status, secondary status, cost so far and the loss curve (inline SVG),
    refreshed every ``poll_s`` seconds in a background thread until the job ends."""

    def __init__(
        self,
        job_name: str,
        *,
        base_url: str | None = None,
        token: str | None = None,
        client: _Client | None = None,
        poll_s: float = TRAINING_POLL_S,
        start: bool = True,
    ) -> None:
        self.job_name = job_name
        self.poll_s = poll_s
        self.job: JsonObject | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.status = w.HTML(f"<b>{html.escape(job_name)}</b>: loading…")
        self.status.add_class(f"{CSS_PREFIX}-training-status")
        self.plot = w.HTML(loss_svg([]))
        self.plot.add_class(f"{CSS_PREFIX}-loss-plot")
        self.log = w.HTML("")
        self.error = w.HTML("")
        self.error.add_class(f"{CSS_PREFIX}-errors")
        self.widget = w.VBox([w.HTML("<b>Training job</b>"), self.status, self.plot, self.log, self.error])
        self.widget.add_class(f"{CSS_PREFIX}-training")
        self.client: _Client | None = None
        try:
            self.client = _client(client, base_url, token)
        except (LlamaNeuronError, ApiError) as err:
            self.error.value = error_html(err)
        if start and self.client is not None:
            self._thread = _in_thread(self._poll, f"llama-neuron-training-{job_name}")

    def refresh(self) -> bool:
        """Fetch the job once and redraw; True when it has ended (or cannot be fetched)."""
        if self.client is None:
            return True
        try:
            job = self.client.training_job(self.job_name)
        except (LlamaNeuronError, ApiError) as err:
            self.error.value = error_html(err)
            # A job that does not exist (or may not be read) will not appear; transient errors are retried.
            return err.status in (400, 401, 403, 404)
        self.job = job
        self.error.value = ""
        self.status.value = training_status_html(job)
        self.plot.value = loss_svg(job.get("loss") or [])
        tail = [str(line) for line in job.get("log_tail") or []][-5:]
        self.log.value = (
            f'<pre style="white-space: pre-wrap; font-size: 85%">{html.escape(chr(10).join(tail))}</pre>'
            if tail
            else ""
        )
        return job.get("status") in TERMINAL_TRAINING

    def stop(self) -> None:
        """Stop refreshing (the job itself keeps running)."""
        self._stop.set()

    def _poll(self) -> None:
        try:
            while not self.refresh() and not self._stop.wait(self.poll_s):
                pass
        except Exception as err:  # shown in the widget
            self.error.value = error_html(err)
