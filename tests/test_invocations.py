"""``POST /endpoints/{name}/invocations`` end to end: JSON and server-sent events, chat, cancellation,
rolling-batch concurrency, SageMaker streaming and its fallback, and every parameter check.

Local-mode tests run the real Jupyter server with every catalog id mapped to the tiny Llama
(``local_model_paths``), so workers are real subprocesses generating real tokens; SageMaker tests run against
the AWS emulator. SSE is read with a raw Tornado TCP client, which also lets a test drop the connection
mid-stream.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from tornado.httpclient import HTTPResponse
from tornado.iostream import IOStream
from tornado.tcpclient import TCPClient

from jupyter_llama_neuron.catalog import load_catalog
from jupyter_llama_neuron.chat_template import render_llama2

from .openapi_contract import assert_matches

if TYPE_CHECKING:
    from tests.aws_emulator import AwsEmulator, CallRecorder

API = ("llama-neuron", "api", "v1")
BASE = "meta-textgenerationneuron-llama-2-7b"
CHAT = "meta-textgenerationneuron-llama-2-7b-f"
SYSTEM_AND_QUESTION = [
    {"role": "system", "content": "You answer in one short sentence."},
    {"role": "user", "content": "What is the capital of France?"},
]
Event = tuple[str, dict[str, Any]]


@pytest.fixture
def llama_neuron_config(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """SageMaker backend for tests that use the AWS emulator; otherwise local mode with every catalog model
    served by the tiny Llama."""
    data_dir = str(tmp_path / "llama-neuron-data")
    if "aws_emulator" in request.fixturenames:
        emulator: AwsEmulator = request.getfixturevalue("aws_emulator")
        return {
            "backend": "sagemaker",
            "region": emulator.region,
            "role_arn": emulator.role_arn,
            "data_dir": data_dir,
            "aws_executor_workers": 4,
        }
    model_dir: Path = request.getfixturevalue("tiny_model_dir")
    ids = [str(model["id"]) for model in load_catalog().summaries()]
    return {
        "backend": "local",
        "data_dir": data_dir,
        "local_model_paths": {model_id: str(model_dir) for model_id in ids},
        "local_torch_threads": 1,
    }


# -- helpers -------------------------------------------------------------------------------------------------


async def call(
    jp_fetch: Any, method: str, *path: str, body: Any = None, raw: str | None = None
) -> tuple[int, Any]:
    kwargs: dict[str, Any] = {"method": method, "raise_error": False, "request_timeout": 120}
    if raw is not None:
        kwargs["body"] = raw
    elif body is not None:
        kwargs["body"] = json.dumps(body)
    response: HTTPResponse = await jp_fetch(*API, *path, **kwargs)
    return response.code, json.loads(response.body) if response.body else None


async def invoke(jp_fetch: Any, name: str, body: Any = None, raw: str | None = None) -> tuple[int, Any]:
    return await call(jp_fetch, "POST", "endpoints", name, "invocations", body=body, raw=raw)


async def deploy(jp_fetch: Any, model_id: str, name: str, config: dict[str, Any] | None = None) -> None:
    code, record = await call(jp_fetch, "POST", "models", model_id, "eula", body={"accept": True})
    assert code == 200, record
    body: dict[str, Any] = {"model_id": model_id, "endpoint_name": name}
    if config is not None:
        body["config"] = config
    code, created = await call(jp_fetch, "POST", "endpoints", body=body)
    assert code == 202, created


async def wait_in_service(jp_fetch: Any, name: str, timeout: float = 180.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        code, endpoint = await call(jp_fetch, "GET", "endpoints", name)
        assert code == 200, endpoint
        if endpoint["status"] == "InService":
            return dict(endpoint)
        assert endpoint["status"] == "Creating", endpoint
        assert time.monotonic() < deadline, f"{name} is still {endpoint['status']}"
        await asyncio.sleep(0.2)


class SseResponse:
    """One HTTP/1.1 response read straight off the socket (chunked or Content-Length)."""

    def __init__(self, stream: IOStream, status: int, headers: dict[str, str]) -> None:
        self.stream = stream
        self.status = status
        self.headers = headers
        self._buffer = b""
        self._ended = False

    async def _chunk(self) -> bytes:
        if self._ended:
            return b""
        if self.headers.get("transfer-encoding", "").lower() != "chunked":
            self._ended = True
            length = int(self.headers.get("content-length", "0"))
            return await self.stream.read_bytes(length) if length else b""
        size = int((await self.stream.read_until(b"\r\n")).strip().split(b";")[0], 16)
        if size == 0:
            await self.stream.read_until(b"\r\n")
            self._ended = True
            return b""
        return (await self.stream.read_bytes(size + 2))[:-2]

    async def body(self) -> bytes:
        parts = [self._buffer]
        while chunk := await self._chunk():
            parts.append(chunk)
        self._buffer = b""
        return b"".join(parts)

    async def events(self) -> AsyncIterator[Event]:
        while True:
            while b"\n\n" not in self._buffer:
                chunk = await self._chunk()
                if not chunk:
                    assert not self._buffer.strip(), f"unterminated event: {self._buffer!r}"
                    return
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\n\n", 1)
            fields = dict(line.split(": ", 1) for line in raw.decode().split("\n"))
            assert set(fields) == {"event", "data"}, raw
            yield fields["event"], json.loads(fields["data"])

    async def all_events(self) -> list[Event]:
        return [event async for event in self.events()]

    def close(self) -> None:
        self.stream.close()


async def send_request(
    port: int, base_url: str, auth: dict[str, str], name: str, body: Any, accept: str = "text/event-stream"
) -> IOStream:
    """Write the request and return the open connection, without waiting for the answer."""
    stream = await TCPClient().connect("127.0.0.1", port)
    payload = json.dumps(body).encode()
    path = f"{base_url.rstrip('/')}/{'/'.join(API)}/endpoints/{name}/invocations"
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Accept: {accept}",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
        *(f"{key}: {value}" for key, value in auth.items()),
        "",
        "",
    ]
    await stream.write("\r\n".join(head).encode() + payload)
    return stream


async def read_response(stream: IOStream) -> SseResponse:
    lines = (await stream.read_until(b"\r\n\r\n")).decode().split("\r\n")
    status = int(lines[0].split()[1])
    pairs = (line.split(":", 1) for line in lines[1:] if line)
    return SseResponse(stream, status, {key.strip().lower(): value.strip() for key, value in pairs})


@pytest.fixture
def send(jp_http_port: int, jp_base_url: str, jp_auth_header: dict[str, str]) -> Any:
    async def send_only(name: str, body: Any, accept: str = "text/event-stream") -> IOStream:
        return await send_request(jp_http_port, jp_base_url, jp_auth_header, name, body, accept)

    return send_only


@pytest.fixture
def sse(send: Any) -> Any:
    async def open_stream(name: str, body: Any, accept: str = "text/event-stream") -> SseResponse:
        return await read_response(await send(name, body, accept))

    return open_stream


def assert_stream(events: list[Event], *, min_tokens: int = 2) -> dict[str, Any]:
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "done", kinds
    assert kinds.count("done") == 1, kinds
    assert "error" not in kinds, kinds
    tokens = [data["text"] for kind, data in events if kind == "token"]
    assert len(tokens) >= min_tokens, kinds
    for kind, data in events:
        if kind == "token":
            assert_matches("InvocationTokenEvent", data)
    done = events[-1][1]
    assert_matches("InvocationResult", done)
    assert done["generated_text"] == "".join(tokens)
    return done


# -- local mode ----------------------------------------------------------------------------------------------


async def test_local_streaming_json_and_chat(jp_fetch: Any, sse: Any) -> None:
    await asyncio.gather(deploy(jp_fetch, BASE, "tiny-base"), deploy(jp_fetch, CHAT, "tiny-chat"))
    await asyncio.gather(wait_in_service(jp_fetch, "tiny-base"), wait_in_service(jp_fetch, "tiny-chat"))
    prompt = {"inputs": "Return the value of", "parameters": {"max_new_tokens": 12}}

    # Streamed: several token events, then done with the worker's counts and timings.
    response = await sse("tiny-base", prompt)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    done = assert_stream(await response.all_events())
    assert done["tokens_out"] == 12
    assert done["streamed"] is True
    assert done["finish_reason"] == "length"
    assert 0 < done["ttft_s"] <= done["latency_s"]
    assert done["sagemaker_payload"] == {
        "inputs": "Return the value of",
        "parameters": {"max_new_tokens": 12},
    }
    response.close()

    # JSON: the same greedy answer in one piece.
    code, answer = await invoke(jp_fetch, "tiny-base", prompt)
    assert code == 200, answer
    assert_matches("InvocationResult", answer)
    assert (answer["generated_text"], answer["tokens_out"], answer["streamed"]) == (
        done["generated_text"],
        12,
        False,
    )
    assert answer["ttft_s"] is not None
    assert answer["ttft_s"] <= answer["latency_s"]

    # Chat to a -f model: the worker renders its own template, the payload shows Meta's Llama 2 format.
    chat = {"messages": SYSTEM_AND_QUESTION, "parameters": {"max_new_tokens": 6}}
    code, answer = await invoke(jp_fetch, "tiny-chat", chat)
    assert code == 200, answer
    assert answer["tokens_out"] == 6
    payload = answer["sagemaker_payload"]
    assert payload["inputs"].startswith("<s>[INST] <<SYS>>\nYou answer in one short sentence.\n<</SYS>>\n\n")
    assert payload == {"inputs": render_llama2(SYSTEM_AND_QUESTION), "parameters": {"max_new_tokens": 6}}
    response = await sse("tiny-chat", chat)
    chat_done = assert_stream(await response.all_events())
    assert chat_done["tokens_out"] == 6
    assert chat_done["generated_text"] == answer["generated_text"]
    response.close()

    # Chat to a base model, or a malformed chat, is refused before anything runs - also when streaming.
    code, error = await invoke(jp_fetch, "tiny-base", chat)
    assert (code, error["error"]["code"]) == (400, "NotAChatModel")
    assert "completion prompt" in error["error"]["hint"]
    assert "chat model" in error["error"]["hint"]
    response = await sse("tiny-base", chat)
    assert response.status == 400
    assert response.headers["content-type"].startswith("application/json")
    assert json.loads(await response.body())["error"]["code"] == "NotAChatModel"
    response.close()
    bad_order = {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}
    code, error = await invoke(jp_fetch, "tiny-chat", bad_order)
    assert code == 400
    assert "messages[1]" in error["error"]["message"]
    code, error = await invoke(jp_fetch, "tiny-chat", {"inputs": "x", "messages": SYSTEM_AND_QUESTION})
    assert code == 400
    assert "either inputs" in error["error"]["message"]

    # A completion prompt to a chat model is fine (it is sent as it is).
    code, answer = await invoke(
        jp_fetch, "tiny-chat", {"inputs": "Hello", "parameters": {"max_new_tokens": 3}}
    )
    assert (code, answer["tokens_out"]) == (200, 3)


async def test_closing_the_stream_cancels_the_generation(
    jp_fetch: Any, sse: Any, send: Any, llama_services: Any
) -> None:
    await deploy(jp_fetch, BASE, "tiny-cancel")  # default config: rolling batch 1
    await wait_in_service(jp_fetch, "tiny-cancel")
    backend = await llama_services.backends.get()
    long_request = {"inputs": "Return the", "parameters": {"max_new_tokens": 480}}

    async def stats_when(predicate: Any, what: str) -> dict[str, Any]:
        deadline = time.monotonic() + 20
        while True:
            stats: dict[str, Any] = await backend.worker_stats("tiny-cancel")
            if predicate(stats):
                return stats
            assert time.monotonic() < deadline, f"{what}: {stats}"
            await asyncio.sleep(0.02)

    # A is generating (the only slot); B waits in the worker's queue and has not received a single byte.
    response_a = await sse("tiny-cancel", long_request)
    assert response_a.status == 200
    events_a = response_a.events()
    kind, first = await anext(events_a)
    assert kind == "token"
    assert first["text"]
    stream_b = await send("tiny-cancel", long_request)
    await stats_when(lambda s: s["queued"] == 1, "B never reached the worker's queue")

    # B's client leaves while nothing is being written to it: only the server noticing the closed
    # connection can cancel it, and it must leave the queue at once, while A is still generating.
    stream_b.close()
    stats = await stats_when(lambda s: s["cancelled"] == 1, "the queued request outlived its client")
    assert (stats["active"], stats["queued"]) == (1, 0)
    dropped = stats["recent"][-1]
    assert (dropped["finish_reason"], dropped["tokens_out"]) == ("cancelled", 0)

    # A's client leaves mid-stream: the worker stops generating, far short of the 480 tokens asked for.
    response_a.close()
    stats = await stats_when(
        lambda s: s["cancelled"] == 2 and s["active"] == 0,
        "the generation kept running after the client left",
    )
    outcome = stats["recent"][-1]
    assert outcome["finish_reason"] == "cancelled"
    assert 0 < outcome["tokens_out"] < 480

    # With rolling batch 1 a still-running generation would hold the only slot; a new request is served.
    code, answer = await invoke(jp_fetch, "tiny-cancel", {"inputs": "x", "parameters": {"max_new_tokens": 3}})
    assert (code, answer["tokens_out"]) == (200, 3)

    # An error after the stream started arrives as an error event (here: the worker dies mid-answer).
    response = await sse("tiny-cancel", long_request)
    events = response.events()
    kind, _ = await anext(events)
    assert kind == "token"
    endpoint = await backend.describe_endpoint("tiny-cancel")
    os.kill(int(endpoint.extra["pid"]), signal.SIGKILL)
    rest = [event async for event in events]
    assert [kind for kind, _ in rest if kind != "token"] == ["error"]
    error = rest[-1][1]
    assert_matches("Error", error)
    assert error["error"]["code"] == "LocalWorkerExited"
    response.close()


async def test_twenty_concurrent_requests_at_rolling_batch_four(
    jp_fetch: Any, sse: Any, llama_services: Any
) -> None:
    config = next(c for c in llama_services.catalog.precompiled(BASE) if c.max_rolling_batch_size == 4)
    await deploy(jp_fetch, BASE, "tiny-batch", config.to_json())
    await wait_in_service(jp_fetch, "tiny-batch")
    body = {"inputs": "Return the value", "parameters": {"max_new_tokens": 32}}

    async def streamed() -> int:
        response = await sse("tiny-batch", body)
        done = assert_stream(await response.all_events())
        response.close()
        return int(done["tokens_out"])

    async def plain() -> int:
        code, answer = await invoke(jp_fetch, "tiny-batch", body)
        assert code == 200, answer
        return int(answer["tokens_out"])

    started = time.monotonic()
    results = await asyncio.gather(*(streamed() if i % 2 else plain() for i in range(20)))
    elapsed = time.monotonic() - started
    assert results == [32] * 20
    backend = await llama_services.backends.get()
    stats = await backend.worker_stats("tiny-batch")
    assert stats["max_active"] == 4  # batched, and never more than the rolling batch size
    assert (stats["completed"], stats["active"], stats["queued"]) == (20, 0, 0)
    print(f"20 x 32 tokens over HTTP (10 SSE, 10 JSON) at rolling batch 4: {elapsed:.2f} s")


# -- SageMaker (AWS emulator) --------------------------------------------------------------------------------


def _body_of(call_params: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(call_params["Body"])
    return body


async def test_sagemaker_streaming_fallback_and_chat(
    jp_fetch: Any, sse: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    aws_emulator.state.endpoint_creating_polls = 0
    await deploy(jp_fetch, BASE, "llama-base")
    await deploy(jp_fetch, CHAT, "llama-chat")
    await wait_in_service(jp_fetch, "llama-base")
    await wait_in_service(jp_fetch, "llama-chat")

    # A token stream (LMI jsonlines) arrives as token events; the last line's summary is not repeated.
    lines: list[dict[str, Any]] = [{"token": {"text": text}} for text in (" Paris", " is", " lovely.")]
    lines.append({"generated_text": " Paris is lovely.", "details": {"generated_tokens": 3}})
    aws_emulator.queue_results(
        "".join(json.dumps(line) + "\n" for line in lines), content_type="application/jsonlines"
    )
    prompt = {"inputs": "The capital of France is", "parameters": {"max_new_tokens": 16}}
    response = await sse("llama-base", prompt)
    assert response.status == 200
    events = await response.all_events()
    response.close()
    done = assert_stream(events)
    assert [data["text"] for kind, data in events if kind == "token"] == [" Paris", " is", " lovely."]
    assert (done["generated_text"], done["streamed"]) == (" Paris is lovely.", True)
    assert done["ttft_s"] is not None
    assert done["ttft_s"] <= done["latency_s"]
    sent = aws_calls.one("InvokeEndpointWithResponseStream")
    assert _body_of(sent) == {**prompt, "stream": True}
    assert sent["CustomAttributes"] == "accept_eula=true"
    assert done["sagemaker_payload"] == prompt  # the InvokeEndpoint body, for copy-as-code

    # An endpoint that cannot stream: a fallback event, then the whole answer from InvokeEndpoint.
    aws_calls.clear()
    aws_emulator.inject_error(
        "InvokeEndpointWithResponseStream", "ValidationException", "This model does not support streaming."
    )
    aws_emulator.queue_results({"generated_text": " Paris."})
    response = await sse("llama-base", prompt)
    events = await response.all_events()
    response.close()
    assert [kind for kind, _ in events] == ["fallback", "token", "done"]
    assert_matches("InvocationFallbackEvent", events[0][1])
    assert "does not support streaming" in events[0][1]["reason"]
    assert events[1][1] == {"text": " Paris."}
    done = events[2][1]
    assert_matches("InvocationResult", done)
    assert (done["generated_text"], done["streamed"], done["ttft_s"]) == (" Paris.", False, None)
    assert _body_of(aws_calls.one("InvokeEndpoint")) == prompt

    # Chat on SageMaker: the endpoint receives Meta's Llama 2 string, exactly the payload shown.
    aws_calls.clear()
    aws_emulator.queue_results({"generated_text": " Paris."})
    chat = {"messages": SYSTEM_AND_QUESTION, "parameters": {"max_new_tokens": 16}}
    code, answer = await invoke(jp_fetch, "llama-chat", chat)
    assert code == 200, answer
    rendered = render_llama2(SYSTEM_AND_QUESTION)
    assert rendered.startswith("<s>[INST] <<SYS>>\n")
    expected = {"inputs": rendered, "parameters": {"max_new_tokens": 16}}
    assert answer["sagemaker_payload"] == expected
    assert _body_of(aws_calls.one("InvokeEndpoint")) == expected
    code, error = await invoke(jp_fetch, "llama-base", chat)
    assert (code, error["error"]["code"]) == (400, "NotAChatModel")


# Every parameter check reachable through the handler: (parameters, the range text in the message).
PARAMETER_CASES: list[tuple[dict[str, Any], str]] = [
    ({"max_new_tokens": 0}, "max_new_tokens must be an integer in [1, 1024]"),
    ({"max_new_tokens": 2048}, "max_new_tokens must be an integer in [1, 1024]"),
    ({"max_new_tokens": 1.5}, "max_new_tokens must be an integer in [1, 1024]"),
    ({"max_new_tokens": "64"}, "max_new_tokens must be an integer in [1, 1024]"),
    ({"max_new_tokens": True}, "max_new_tokens must be an integer in [1, 1024]"),
    ({"max_length": 0}, "max_length must be an integer in [1, 1024]"),
    ({"max_length": 5000}, "max_length must be an integer in [1, 1024]"),
    ({"temperature": 0}, "temperature must be a number > 0"),
    ({"temperature": -0.5}, "temperature must be a number > 0"),
    ({"temperature": "hot"}, "temperature must be a number > 0"),
    ({"top_p": 0}, "top_p must be a number in (0, 1)"),
    ({"top_p": 1}, "top_p must be a number in (0, 1)"),
    ({"top_p": 1.5}, "top_p must be a number in (0, 1)"),
    ({"top_k": 0}, "top_k must be an integer >= 1"),
    ({"top_k": 2.5}, "top_k must be an integer >= 1"),
    ({"do_sample": "yes"}, "do_sample must be true or false"),
    ({"num_beams": 0}, "num_beams must be an integer >= 1"),
    ({"no_repeat_ngram_size": 1}, "no_repeat_ngram_size must be an integer >= 2"),
    ({"early_stopping": 1}, "early_stopping must be true or false"),
    ({"stop": "###"}, "stop must be a list of at most 4 non-empty strings"),
    ({"stop": ["a", "b", "c", "d", "e"]}, "stop must be a list of at most 4 non-empty strings"),
    ({"stop": [""]}, "stop must be a list of at most 4 non-empty strings"),
    ({"return_full_text": "no"}, "return_full_text must be true or false"),
    ({"frequency_penalty": 0.5}, "Unsupported parameter(s): frequency_penalty. Supported: max_new_tokens"),
]


async def test_sagemaker_parameter_validation_is_400_before_aws(
    jp_fetch: Any, sse: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    aws_emulator.state.endpoint_creating_polls = 0
    await deploy(jp_fetch, BASE, "llama-limits")  # default: ml.inf2.xlarge, n_positions 1024
    await wait_in_service(jp_fetch, "llama-limits")
    aws_calls.clear()

    for parameters, range_text in PARAMETER_CASES:
        code, error = await invoke(jp_fetch, "llama-limits", {"inputs": "Hello", "parameters": parameters})
        assert code == 400, (parameters, error)
        assert_matches("Error", error)
        assert range_text in error["error"]["message"], (parameters, error)

    code, error = await invoke(jp_fetch, "llama-limits", raw='{"inputs": "Hi", "parameters": {"top_p": NaN}}')
    assert code == 400
    assert "top_p must be a number in (0, 1)" in error["error"]["message"]
    code, error = await invoke(jp_fetch, "llama-limits", {"inputs": "Hi", "parameters": [1]})
    assert code == 400
    assert "parameters must be an object" in error["error"]["message"]
    code, error = await invoke(jp_fetch, "llama-limits", {"inputs": "   "})
    assert code == 400
    assert "inputs must be a non-empty string" in error["error"]["message"]
    code, error = await invoke(jp_fetch, "llama-limits", {"prompt": "Hi"})
    assert code == 400
    assert "Unknown field(s): prompt" in error["error"]["message"]
    code, error = await invoke(jp_fetch, "llama-limits", raw="{not json")
    assert code == 400
    assert error["error"]["code"] == "InvalidJSON"

    # The context length: prompt + max_new_tokens must fit n_positions (counted before anything is sent).
    words = "word " * 700  # a little over 700 Llama 2 tokens
    code, error = await invoke(
        jp_fetch, "llama-limits", {"inputs": words, "parameters": {"max_new_tokens": 500}}
    )
    assert (code, error["error"]["code"]) == (400, "ContextLengthExceeded")
    message = error["error"]["message"]
    assert "max_new_tokens must be an integer in [1, " in message
    assert "(n_positions) is 1024" in message
    assert "counted with the Llama 2 tokenizer" in message or "estimated at one token per 3" in message
    room = int(message.split("[1, ")[1].split("]")[0])
    assert 250 < room < 324
    code, error = await invoke(jp_fetch, "llama-limits", {"inputs": "word " * 1100})
    assert (code, error["error"]["code"]) == (400, "ContextLengthExceeded")
    assert "for prompt and answer together" in error["error"]["message"]
    code, error = await invoke(jp_fetch, "llama-limits", {"inputs": words, "parameters": {"max_length": 600}})
    assert (code, error["error"]["code"]) == (400, "ContextLengthExceeded")
    assert "max_length must be an integer in [" in error["error"]["message"]
    assert ", 1024]" in error["error"]["message"]

    # With Accept: text/event-stream a validation error is still a plain JSON error with its status.
    response = await sse("llama-limits", {"inputs": "Hi", "parameters": {"top_p": 2}})
    assert response.status == 400
    assert response.headers["content-type"].startswith("application/json")
    assert "top_p must be a number in (0, 1)" in json.loads(await response.body())["error"]["message"]
    response.close()

    assert not [op for op in aws_calls.operations() if op.startswith("InvokeEndpoint")]

    # The largest request that fits is sent.
    aws_emulator.queue_results({"generated_text": "ok"})
    code, answer = await invoke(
        jp_fetch, "llama-limits", {"inputs": words, "parameters": {"max_new_tokens": room}}
    )
    assert code == 200, answer


# -- incremental detokenisation (what each token event carries) ----------------------------------------------


class _Ids:
    """What ``generate`` hands a streamer: something with ``tolist()``."""

    def __init__(self, ids: list[int]) -> None:
        self._ids = ids

    def tolist(self) -> list[int]:
        return self._ids


@pytest.mark.parametrize(
    "text",
    [
        "Once upon a time, a lighthouse keeper said: \"Don't panic.\"\nThe end.",
        "Multi-byte: 你好世界, café, naïve 🌍🚀 - done",
        "  leading spaces and\n\nblank lines  ",
    ],
)
def test_every_token_is_streamed_at_once_and_the_pieces_add_up(text: str) -> None:
    from tokenizers import Tokenizer

    from jupyter_llama_neuron.backends.local.worker import IncrementalDecoder
    from jupyter_llama_neuron.token_counting import TOKENIZER_PATH

    if not TOKENIZER_PATH.is_file():
        pytest.skip("the Llama 2 tokenizer is built by jlpm build:tokenizer")
    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))  # SentencePiece-style: "▁" spaces, byte fallback
    ids = tokenizer.encode(text, add_special_tokens=False).ids

    def decode(window: list[int]) -> str:
        return str(tokenizer.decode(window, skip_special_tokens=True))

    chunks: list[str] = []
    emitted_after: list[int] = []
    decoder = IncrementalDecoder(decode, chunks.append, emit_text=True)
    decoder.put(_Ids([1, 2, 3]))  # the prompt comes first and is not emitted
    for index, token in enumerate(ids):
        before = len(chunks)
        decoder.put(_Ids([token]))
        emitted_after.extend([index] * (len(chunks) - before))
    decoder.end()
    assert "".join(chunks) == decode(ids)
    assert emitted_after[0] == 0  # the first token's text leaves with the first token
    assert not any(chunk.endswith("\ufffd") for chunk in chunks)  # never half a character
    # Every token that completes a character is emitted at once; only byte-fallback pieces of a multi-byte
    # character wait for the rest of it.
    waiting = [i for i in range(len(ids)) if i not in emitted_after]
    assert all(decode(ids[: i + 1]).endswith("\ufffd") for i in waiting), waiting
