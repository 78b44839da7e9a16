"""Invocations of an InService endpoint: body validation, chat rendering, the context-length check, and the
JSON answer or the stream of events the playground shows.

``EndpointService.invoke`` / ``invoke_events`` call ``prepare_invocation`` (every check, before anything is
sent) and then ``run_invocation`` or ``invocation_events``. What a backend receives:

* SageMaker: the exact body of ``sagemaker_payload`` - chat messages rendered with Meta's Llama 2 template
  (``chat_template.render_llama2``), because the Neuron chat endpoints take one plain string.
* Local mode: ``{"messages", "parameters"}`` for chat, which the worker renders with the served model's own
  chat template (the small stand-in was never trained on ``[INST]``), or ``{"inputs", "parameters"}``.

Every answer carries ``sagemaker_payload`` (also in local mode), from which the UI builds "copy as code".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .chat_template import render_llama2, validate_messages
from .errors import ApiError, BadRequest, Conflict
from .inference_parameters import PARAMETERS, validate_parameters
from .token_counting import ESTIMATE_CHARS_PER_TOKEN, load_token_counter

if TYPE_CHECKING:
    from .backends.base import Backend
    from .catalog import Catalog

log = logging.getLogger("jupyter_llama_neuron")

INVOCATION_FIELDS = ("inputs", "messages", "parameters")

EventName = Literal["token", "fallback", "done", "error"]
InvocationEvent = tuple[EventName, dict[str, Any]]
# (inputs, messages, parameters): exactly one of inputs and messages is set.
ParsedInvocation = tuple[str | None, list[dict[str, str]] | None, dict[str, Any]]


@dataclass(frozen=True)
class PreparedInvocation:
    """A validated request, ready for the backend."""

    name: str
    backend: Backend
    parameters: dict[str, Any]
    backend_payload: dict[str, Any]  # what the backend is given
    sagemaker_payload: dict[str, Any]  # what a SageMaker endpoint receives for this request (InvokeEndpoint)


def parse_invocation_body(body: Any) -> ParsedInvocation:
    """``(inputs, messages, parameters)`` with exactly one of inputs/messages set, or ``BadRequest``.

    Everything that does not depend on the deployment is judged here, before any backend call. The length
    limits (``max_new_tokens``, ``max_length``) depend on the endpoint's context length, so an out-of-range
    length is judged once the endpoint is known, and the message names that endpoint's range rather than
    Llama 2's 4096. The parameters returned are the client's; ``prepare_invocation`` validates them again
    against the deployment.
    """
    if not isinstance(body, dict):
        raise BadRequest(
            'The body must be an object {"inputs": ..., "parameters": {...}} or {"messages": [...], '
            '"parameters": {...}}.',
            code="InvalidBody",
        )
    unknown = sorted(set(body) - set(INVOCATION_FIELDS))
    if unknown:
        raise BadRequest(
            f"Unknown field(s): {', '.join(map(str, unknown))}. An invocation has inputs (a prompt) or "
            "messages (a chat), and optional parameters.",
            code="InvalidBody",
        )
    if "inputs" in body and "messages" in body:
        raise BadRequest(
            "Send either inputs (a completion prompt) or messages (a chat), not both.", code="InvalidBody"
        )
    inputs: str | None = None
    messages: list[dict[str, str]] | None = None
    if "messages" in body:
        messages = validate_messages(body["messages"])
    else:
        raw_inputs = body.get("inputs")
        if not isinstance(raw_inputs, str) or not raw_inputs.strip():
            raise BadRequest(
                "inputs must be a non-empty string (the prompt), or send messages to a chat model.",
                hint='Example: {"inputs": "I believe the meaning of life is", "parameters": '
                '{"max_new_tokens": 64}}',
                code="InvalidBody",
            )
        inputs = raw_inputs
    parameters = body.get("parameters")
    try:
        validate_parameters(parameters)
    except BadRequest as err:
        parameter = PARAMETERS.get(str(err.details.get("parameter")))
        if parameter is None or not parameter.capped_by_context:
            raise
    return inputs, messages, dict(parameters) if isinstance(parameters, dict) else {}


def sagemaker_payload_of(body: Any) -> dict[str, Any]:
    """The InvokeEndpoint body a SageMaker endpoint would receive for ``body`` (chat rendered with the Llama 2
    template), without any endpoint: what "copy as code" shows before anything is sent. Lengths are checked
    against Llama 2's context window (an endpoint's own limit is checked when it is invoked)."""
    inputs, messages, parameters = parse_invocation_body(body)
    prompt = render_llama2(messages) if messages is not None else str(inputs)
    return {"inputs": prompt, "parameters": validate_parameters(parameters)}


def _is_chat_model(catalog: Catalog, model_id: str) -> tuple[bool, str]:
    try:
        model = catalog.model(model_id)
    except ApiError:  # an endpoint for a model this catalog no longer lists: treat it as a completion model
        return False, model_id
    return bool(model.get("chat")), str(model.get("display_name") or model_id)


async def prepare_invocation(
    name: str, parsed: ParsedInvocation, catalog: Catalog, backend: Backend
) -> PreparedInvocation:
    """The checks that need the endpoint, on a body ``parse_invocation_body`` accepted: endpoint known (404)
    and InService (409), chat only for chat models (400), parameters within the deployment's context length
    (400), and on SageMaker prompt plus max_new_tokens within it (400)."""
    inputs, messages, parameters = parsed
    endpoint = await backend.describe_endpoint(name)
    if endpoint.status != "InService":
        raise Conflict(
            f"Endpoint {name} is {endpoint.status}, not InService.",
            hint="Wait until it is InService."
            if endpoint.status == "Creating"
            else (endpoint.failure_reason or "Deploy it again."),
            code="EndpointNotInService",
            details={"status": endpoint.status},
        )
    if messages is not None:
        chat, display = _is_chat_model(catalog, endpoint.model_id)
        if not chat:
            raise BadRequest(
                f"Endpoint {name} serves {display}, a base (completion) model, so it cannot take chat "
                "messages.",
                hint="Send a completion prompt in inputs instead, or deploy a chat model (the -f / Chat "
                "variants) for chat.",
                code="NotAChatModel",
            )
    n_positions = endpoint.config.n_positions if endpoint.config is not None else None
    # Again, now with the ranges that depend on the deployment: lengths cannot exceed its compiled context
    # (Llama 2's 4096 when the endpoint's configuration is unknown).
    parameters = validate_parameters(parameters, context_length=n_positions)

    prompt = render_llama2(messages) if messages is not None else str(inputs)
    sagemaker_payload = {"inputs": prompt, "parameters": dict(parameters)}
    if backend.facts.renders_chat:
        # The served model applies its own chat template, counts the real tokens and enforces the context
        # length exactly.
        backend_payload: dict[str, Any] = (
            {"messages": messages, "parameters": dict(parameters)}
            if messages is not None
            else {"inputs": prompt, "parameters": dict(parameters)}
        )
    else:
        if n_positions is not None:
            await check_context_length(prompt, parameters, n_positions)
        backend_payload = {"inputs": prompt, "parameters": dict(parameters)}
    return PreparedInvocation(name, backend, parameters, backend_payload, sagemaker_payload)


async def count_prompt_tokens(prompt: str) -> tuple[int, bool]:
    """``(tokens, exact)``: the Llama 2 token count of ``prompt`` (BOS included) when the packaged Llama 2
    tokenizer is available, else a deliberate over-estimate of one token per 3 characters. In a thread: the
    tokenizer loads once (~0.2 s) and a long prompt takes milliseconds to encode."""

    def count() -> tuple[int, bool]:
        counter = load_token_counter()
        return counter.count([prompt])[0], counter.method == "exact"

    return await asyncio.to_thread(count)


async def check_context_length(prompt: str, parameters: Mapping[str, Any], n_positions: int) -> None:
    """On SageMaker the Neuron graph holds at most ``n_positions`` tokens (prompt and answer); a request over
    it fails on the endpoint after the user has waited, so refuse it here and say how the prompt was counted.
    """
    tokens, exact = await count_prompt_tokens(prompt)
    how = (
        "counted with the Llama 2 tokenizer"
        if exact
        else f"estimated at one token per {ESTIMATE_CHARS_PER_TOKEN:g} characters, which errs high"
    )
    if tokens >= n_positions:
        raise BadRequest(
            f"The prompt is {'' if exact else 'about '}{tokens} tokens ({how}), but this endpoint's context "
            f"length (n_positions) is {n_positions} tokens for prompt and answer together.",
            hint="Shorten the prompt (or the chat history), or deploy a configuration with a longer context.",
            code="ContextLengthExceeded",
            details={"prompt_tokens": tokens, "n_positions": n_positions, "exact": exact},
        )
    room = n_positions - tokens
    max_new_tokens = parameters.get("max_new_tokens")
    if isinstance(max_new_tokens, int) and max_new_tokens > room:
        raise BadRequest(
            f"Parameter max_new_tokens must be an integer in [1, {room}] for this prompt: the prompt is "
            f"{'' if exact else 'about '}{tokens} tokens ({how}) and the endpoint's context length "
            f"(n_positions) is {n_positions}; got {max_new_tokens}.",
            hint="Lower max_new_tokens or shorten the prompt.",
            code="ContextLengthExceeded",
            details={
                "parameter": "max_new_tokens",
                "prompt_tokens": tokens,
                "n_positions": n_positions,
                "exact": exact,
            },
        )
    max_length = parameters.get("max_length")
    if isinstance(max_length, int) and max_length <= tokens:
        raise BadRequest(
            f"Parameter max_length must be an integer in [{tokens + 1}, {n_positions}] for this prompt: it "
            f"counts the prompt too, which is {'' if exact else 'about '}{tokens} tokens ({how}); got "
            f"{max_length}.",
            hint="Raise max_length, or use max_new_tokens, which counts only the answer.",
            code="ContextLengthExceeded",
            details={
                "parameter": "max_length",
                "prompt_tokens": tokens,
                "n_positions": n_positions,
                "exact": exact,
            },
        )


def result_view(
    prepared: PreparedInvocation,
    *,
    generated_text: str,
    tokens_out: int | None,
    latency_s: float | None,
    ttft_s: float | None,
    finish_reason: str | None,
    streamed: bool,
) -> dict[str, Any]:
    """The JSON answer (and the ``done`` event's data)."""
    return {
        "generated_text": generated_text,
        "tokens_out": tokens_out,
        "latency_s": latency_s,
        "ttft_s": ttft_s,
        "finish_reason": finish_reason,
        "streamed": streamed,
        "sagemaker_payload": prepared.sagemaker_payload,
    }


def _optional_float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _view_of_done(prepared: PreparedInvocation, done: Mapping[str, Any]) -> dict[str, Any]:
    tokens = done.get("tokens_out")
    finish = done.get("finish_reason")
    return result_view(
        prepared,
        generated_text=str(done.get("generated_text") or ""),
        tokens_out=tokens if isinstance(tokens, int) and not isinstance(tokens, bool) else None,
        latency_s=_optional_float(done.get("latency_s")),
        ttft_s=_optional_float(done.get("ttft_s")),
        finish_reason=str(finish) if finish else None,
        streamed=bool(done.get("streamed")),
    )


async def run_invocation(prepared: PreparedInvocation) -> dict[str, Any]:
    """One complete answer (``"streamed": false``)."""
    done: dict[str, Any] = {}
    events = prepared.backend.invoke_events(prepared.name, prepared.backend_payload, stream=False)
    async with _closing(events):
        async for event in events:
            if event.get("event") == "done":
                done = event
    return _view_of_done(prepared, done)


@contextlib.asynccontextmanager
async def _closing(iterator: AsyncIterator[Any]) -> AsyncGenerator[None, None]:
    """``contextlib.aclosing`` for any async iterator: closing it is what cancels a backend generation."""
    try:
        yield
    finally:
        close = getattr(iterator, "aclose", None)
        if close is not None:
            await close()


async def invocation_events(prepared: PreparedInvocation) -> AsyncGenerator[InvocationEvent, None]:
    """``("token", {"text"})`` ..., then ``("done", {<result>, "streamed": true|false})``; a backend that
    cannot stream says ``("fallback", {"reason"})`` first and answers in one piece.

    An error before the first event is raised (the handler answers with an ordinary JSON error and status);
    once events have been sent it becomes ``("error", {"error": {...}})``. Closing this generator (the client
    went away) closes the backend stream, which cancels the generation.
    """
    inner = _backend_events(prepared)
    started = False
    try:
        async for event in inner:
            started = True
            yield event
    except ApiError as err:
        if not started:
            raise
        yield ("error", err.to_json())
    except Exception as err:
        if not started:
            raise
        log.exception("jupyter_llama_neuron: streaming from endpoint %s failed", prepared.name)
        yield (
            "error",
            {
                "error": {
                    "code": "InternalError",
                    "message": f"The server failed while streaming: {err!r}",
                    "hint": "See the Jupyter server log for the traceback.",
                }
            },
        )
    finally:
        await inner.aclose()


async def _backend_events(prepared: PreparedInvocation) -> AsyncGenerator[InvocationEvent, None]:
    done: dict[str, Any] = {}
    events = prepared.backend.invoke_events(prepared.name, prepared.backend_payload, stream=True)
    async with _closing(events):
        async for event in events:
            kind = event.get("event")
            if kind == "token" and event.get("text"):
                yield ("token", {"text": str(event["text"])})
            elif kind == "fallback":
                yield ("fallback", {"reason": str(event.get("reason") or "")})
            elif kind == "done":
                done = event
    yield ("done", _view_of_done(prepared, done))
