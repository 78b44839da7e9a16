"""The pure logic of the notebook widgets (``widgets``), tested without ipywidgets: parameters checked
against the server's specs (``GET /status`` ``rules``; the server is the one source of those rules and checks
again), the streamed-answer state machine, chat messages, configuration choices, progress and the loss SVG.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .client import TERMINAL_ENDPOINT, JsonObject, LlamaNeuronError
from .errors import ApiError

CSS_PREFIX = "llama-neuron-w"
PLAYGROUND_PARAMETERS = ("max_new_tokens", "temperature", "top_p", "do_sample")
# Slider steps; the bounds are the server's ranges (exclusive ends moved in by one step, temperature up to
# where the server warns).
STEPS = {"temperature": 0.05, "top_p": 0.01}
ParameterSpecs = Mapping[str, Mapping[str, Any]]


def error_html(error: BaseException) -> str:
    """An error as the widgets show it: the server's message and hint, HTML-escaped."""
    if isinstance(error, (LlamaNeuronError, ApiError)):
        message, hint = error.message, error.hint
        code = error.code
    else:
        message, hint, code = str(error) or type(error).__name__, "", type(error).__name__
    text = f"<b>Error</b> ({html.escape(str(code))}): {html.escape(str(message))}"
    if hint:
        text += f"<br><i>Hint:</i> {html.escape(str(hint))}"
    return f'<div class="{CSS_PREFIX}-error" style="color: var(--jp-error-color1, #d32f2f)">{text}</div>'


def parameter_specs(status: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The server's inference parameter specs (``GET /status`` ``rules``) by name."""
    specs = status["rules"]["inference_parameters"]["parameters"]
    return {str(spec["name"]): spec for spec in specs}


def parameter_bounds(spec: Mapping[str, Any], context_length: int) -> tuple[float, float]:
    """``(min, max)`` a control for the parameter offers: the server's range, exclusive ends moved in by one
    step, open ends closed at the value above which the server warns (temperature: 2)."""
    step = STEPS.get(str(spec["name"]), 1)
    low = float(spec["min"] if spec["min"] is not None else 0) + (step if spec["exclusive_min"] else 0)
    if spec["capped_by_context"]:
        high = float(context_length)
    elif spec["max"] is not None:
        high = float(spec["max"]) - (step if spec["exclusive_max"] else 0)
    else:
        high = float((spec.get("warn_above") or {}).get("value") or low)
    return low, high


def _range_text(spec: Mapping[str, Any], context_length: int) -> str:
    if not spec["capped_by_context"]:
        return str(spec["range"])
    return f"an integer in [{spec['min']:g}, {context_length}]"


def _outside(spec: Mapping[str, Any], value: float, context_length: int) -> bool:
    low, high = spec["min"], context_length if spec["capped_by_context"] else spec["max"]
    if low is not None and (value < low or (spec["exclusive_min"] and value == low)):
        return True
    return high is not None and (value > high or (spec["exclusive_max"] and value == high))


def collect_parameters(
    values: Mapping[str, Any], specs: ParameterSpecs, context_length: int
) -> tuple[dict[str, Any], str | None]:
    """The invocation parameters from the controls' values: ``(parameters, None)``, or ``({}, message)``
    naming the parameter and its valid range from the server's specs (the server checks again). Settings
    the server marks ``sampling_only`` are only sent when ``do_sample`` is on."""
    chosen: dict[str, Any] = {}
    for name in PLAYGROUND_PARAMETERS:
        if name not in values or values[name] is None:
            continue
        value = values[name]
        if specs[name]["type"] == "int" and isinstance(value, float) and value.is_integer():
            value = int(value)
        chosen[name] = value
    if not chosen.get("do_sample", False):
        chosen = {name: value for name, value in chosen.items() if not specs[name]["sampling_only"]}
    for name, value in chosen.items():
        spec = specs[name]
        if spec["type"] in ("int", "float") and _outside(spec, float(value), context_length):
            return {}, f"Parameter {name} must be {_range_text(spec, context_length)}; got {value!r}."
    return chosen, None


StreamStatus = Literal["idle", "streaming", "done", "error"]


@dataclass(frozen=True)
class StreamState:
    """The streamed answer as the output shows it."""

    status: StreamStatus = "idle"
    text: str = ""
    updates: int = 0  # token events received
    fallback: str | None = None
    result: JsonObject = field(default_factory=dict)
    error: JsonObject | None = None


def start_stream() -> StreamState:
    return StreamState(status="streaming")


def apply_event(state: StreamState, kind: str, data: Mapping[str, Any]) -> StreamState:
    """The state after one server-sent event (``token``, ``fallback``, ``done``, ``error``)."""
    if kind == "token":
        return replace(state, text=state.text + str(data.get("text", "")), updates=state.updates + 1)
    if kind == "fallback":
        return replace(state, fallback=str(data.get("reason", "")))
    if kind == "done":
        final = str(data.get("generated_text", state.text))
        return replace(state, status="done", text=final or state.text, result=dict(data))
    if kind == "error":
        error = data.get("error")
        return replace(state, status="error", error=dict(error) if isinstance(error, Mapping) else dict(data))
    return state


def fail_stream(state: StreamState, error: BaseException) -> StreamState:
    if isinstance(error, (LlamaNeuronError, ApiError)):
        detail: JsonObject = {"code": error.code, "message": error.message, "hint": error.hint}
    else:
        detail = {"code": type(error).__name__, "message": str(error), "hint": ""}
    return replace(state, status="error", error=detail)


def stats_text(result: Mapping[str, Any]) -> str:
    """One line under the answer: tokens, time, time to first token, finish reason."""
    parts = []
    if result.get("tokens_out") is not None:
        parts.append(f"{result['tokens_out']} tokens")
    if result.get("latency_s") is not None:
        parts.append(f"{float(result['latency_s']):.2f} s")
    if result.get("ttft_s") is not None:
        parts.append(f"first token after {float(result['ttft_s']):.2f} s")
    if result.get("finish_reason"):
        parts.append(f"finish: {result['finish_reason']}")
    return " · ".join(parts)


def render_answer_html(state: StreamState) -> str:
    """The output area: the answer so far (escaped, preformatted), then a fallback note, stats or error."""
    body = f'<pre class="{CSS_PREFIX}-answer" style="white-space: pre-wrap">{html.escape(state.text)}</pre>'
    if state.fallback:
        body += f"<div><i>This endpoint cannot stream: {html.escape(state.fallback)}</i></div>"
    if state.status == "streaming":
        body += f'<div class="{CSS_PREFIX}-progress"><i>generating…</i></div>'
    elif state.status == "done":
        body += (
            f'<div class="{CSS_PREFIX}-stats"><small>{html.escape(stats_text(state.result))}</small></div>'
        )
    elif state.status == "error" and state.error is not None:
        body += error_html(
            LlamaNeuronError(
                0,
                str(state.error.get("code", "")),
                str(state.error.get("message", "")),
                str(state.error.get("hint", "")),
            )
        )
    return body


Message = dict[str, str]


def build_messages(
    system_prompt: str, history: Sequence[Mapping[str, str]], user_message: str
) -> list[Message]:
    """The chat request: optional system message, the alternating history, then the new user message."""
    messages: list[Message] = []
    if system_prompt.strip():
        messages.append({"role": "system", "content": system_prompt.strip()})
    messages += [{"role": m["role"], "content": m["content"]} for m in history]
    messages.append({"role": "user", "content": user_message})
    return messages


def render_chat_html(history: Sequence[Mapping[str, str]], pending: StreamState | None = None) -> str:
    """The chat thread; ``pending`` is the assistant answer being streamed (or its error)."""
    rows = []
    for message in history:
        who = "You" if message["role"] == "user" else "Assistant"
        rows.append(
            f'<div class="{CSS_PREFIX}-message" data-role="{message["role"]}"><b>{who}:</b> '
            f'<span style="white-space: pre-wrap">{html.escape(message["content"])}</span></div>'
        )
    if pending is not None:
        rows.append(f"<div><b>Assistant:</b>{render_answer_html(pending)}</div>")
    return "".join(rows) or "<i>No messages yet.</i>"


def config_label(config: Mapping[str, Any]) -> str:
    """A precompiled configuration as a dropdown label."""
    price = config.get("price_per_hour")
    label = (
        f"context {config['n_positions']} · batch {config['max_rolling_batch_size']} · "
        f"TP {config['tensor_parallel_degree']} · {config['dtype']}"
    )
    if price is not None:
        label += f" · ${float(price):,.2f}/h"
    return label + (" (default)" if config.get("is_default") else "")


CONFIG_KEYS = ("instance_type", "n_positions", "max_rolling_batch_size", "tensor_parallel_degree", "dtype")


def instance_types_of(card: Mapping[str, Any]) -> list[str]:
    """The instance types of the model's precompiled configurations, in catalog order."""
    seen: list[str] = []
    for config in card.get("precompiled_configs", []):
        if config["instance_type"] not in seen:
            seen.append(config["instance_type"])
    return seen


def configs_for_instance(card: Mapping[str, Any], instance_type: str) -> list[JsonObject]:
    """The model card's precompiled tuples for one instance type (the only ones the endpoint accepts)."""
    return [
        {key: config[key] for key in CONFIG_KEYS}
        | {"price_per_hour": config.get("price_per_hour"), "is_default": bool(config.get("is_default"))}
        for config in card.get("precompiled_configs", [])
        if config["instance_type"] == instance_type
    ]


def deploy_config(config: Mapping[str, Any]) -> JsonObject:
    """The ``config`` body of ``POST /endpoints`` for a chosen tuple."""
    return {key: config[key] for key in CONFIG_KEYS}


def endpoint_progress_html(endpoint: Mapping[str, Any], elapsed_s: float) -> str:
    status = str(endpoint.get("status", ""))
    text = f"<b>{html.escape(str(endpoint.get('name', '')))}</b>: {html.escape(status)}"
    if status == "InService":
        text += f" — ready ({html.escape(str(endpoint.get('serving_label') or ''))})"
    elif status in TERMINAL_ENDPOINT:
        text += f" — {html.escape(str(endpoint.get('failure_reason') or 'no reason given'))}"
    else:
        typical = endpoint.get("typical_minutes")
        text += f" — {int(elapsed_s)} s elapsed" + (f" (typically about {typical} min)" if typical else "")
    return f'<div class="{CSS_PREFIX}-deploy-status" data-status="{html.escape(status)}">{text}</div>'


def loss_points(loss: Sequence[Mapping[str, Any]]) -> list[tuple[float, float]]:
    """``(step, loss)`` pairs with finite numbers, in step order."""
    points = []
    for index, entry in enumerate(loss):
        try:
            step = float(entry.get("step", index))
            value = float(entry["loss"])
        except (KeyError, TypeError, ValueError):
            continue
        if math.isfinite(step) and math.isfinite(value):
            points.append((step, value))
    return sorted(points)


def loss_svg(loss: Sequence[Mapping[str, Any]], width: int = 480, height: int = 200) -> str:
    """An inline SVG line plot of the training loss: one ``<circle>`` per loss value, joined by a polyline,
    with the step and loss ranges labelled."""
    points = loss_points(loss)
    pad_left, pad_right, pad_top, pad_bottom = 48, 12, 12, 28
    open_tag = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{CSS_PREFIX}-loss" '
        f'width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="training loss">'
    )
    frame = (
        f'<rect x="{pad_left}" y="{pad_top}" width="{width - pad_left - pad_right}" '
        f'height="{height - pad_top - pad_bottom}" fill="none" stroke="#999" stroke-width="1"/>'
    )
    if not points:
        empty = (
            f'<text x="{width / 2:.1f}" y="{height / 2:.1f}" text-anchor="middle" font-size="12" '
            'fill="#666">no loss values yet</text>'
        )
        return open_tag + frame + empty + "</svg>"
    steps = [p[0] for p in points]
    values = [p[1] for p in points]
    x0, x1 = min(steps), max(steps)
    y0, y1 = min(values), max(values)
    x_span = (x1 - x0) or 1.0
    y_span = (y1 - y0) or 1.0
    inner_w = width - pad_left - pad_right
    inner_h = height - pad_top - pad_bottom

    def xy(step: float, value: float) -> tuple[float, float]:
        x = pad_left + (step - x0) / x_span * inner_w if x1 > x0 else pad_left + inner_w / 2
        y = pad_top + (y1 - value) / y_span * inner_h if y1 > y0 else pad_top + inner_h / 2
        return x, y

    coords = [xy(step, value) for step, value in points]
    polyline = (
        '<polyline fill="none" stroke="#1976d2" stroke-width="1.5" points="'
        + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        + '"/>'
    )
    circles = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#1976d2">'
        f"<title>step {step:g}: loss {value:.4g}</title></circle>"
        for (x, y), (step, value) in zip(coords, points, strict=True)
    )
    labels = (
        f'<text x="{pad_left - 4}" y="{pad_top + 10}" text-anchor="end" font-size="10">{y1:.3g}</text>'
        f'<text x="{pad_left - 4}" y="{height - pad_bottom}" text-anchor="end" font-size="10">{y0:.3g}</text>'
        f'<text x="{pad_left}" y="{height - 8}" font-size="10">step {x0:g}</text>'
        f'<text x="{width - pad_right}" y="{height - 8}" text-anchor="end" font-size="10">step {x1:g}</text>'
    )
    return open_tag + frame + polyline + circles + labels + "</svg>"


def training_status_html(job: Mapping[str, Any]) -> str:
    status = str(job.get("status", ""))
    secondary = str(job.get("secondary_status") or "")
    text = f"<b>{html.escape(str(job.get('name', '')))}</b>: {html.escape(status)}"
    if secondary:
        text += f" / {html.escape(secondary)}"
    if job.get("failure_reason"):
        text += f"<br>{html.escape(str(job['failure_reason']))}"
    if job.get("cost_so_far") is not None:
        text += f"<br><small>cost so far about ${float(job['cost_so_far']):,.2f}</small>"
    if status == "Completed" and job.get("output_model"):
        text += f"<br><small>model: {html.escape(str(job['output_model']))}</small>"
    return f'<div class="{CSS_PREFIX}-training-status" data-status="{html.escape(status)}">{text}</div>'


