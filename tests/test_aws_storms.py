"""Throttling and 5xx storms from AWS under ~20 concurrent UI requests, through the real server and the
SageMaker backend against the AWS emulator, with botocore's real retries (``AWS_MAX_ATTEMPTS`` unset).

What AWS retries and how often is written down, with sources, in docs/aws-fidelity.md ("Retries"); the
bound lives in ``aws_errors`` (``max_requests``, ``max_call_seconds``). Each storm checks: a short storm is
absorbed; a long one ends every request with a clear error naming the AWS operation (429 + Retry-After for
throttling, 503 for AWS 5xx); AWS never sees more requests than the bound; nothing hangs.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from jupyter_llama_neuron.backends.sagemaker import aws_errors, session
from tests.rest_client import sagemaker_config

if TYPE_CHECKING:
    from tests.aws_emulator import AwsEmulator, CallRecorder

pytest_plugins = ["tests.aws_emulator"]

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"
API = ("llama-neuron", "api", "v1")
ENDPOINTS = [f"storm-{i}" for i in range(5)]
WORKERS = 8
# The operations the UI's requests reach: list (Search), describe, invoke, invoke-stream.
OPERATIONS = ("Search", "DescribeEndpoint", "InvokeEndpoint", "InvokeEndpointWithResponseStream")
# Every request of a burst finishes within this, or something hangs: each UI request makes at most a few AWS
# calls, each bounded by max_call_seconds, and they queue on WORKERS threads.
CALLS_PER_REQUEST = 4
BURST_BOUND_S = (
    CALLS_PER_REQUEST
    * math.ceil(4 * len(ENDPOINTS) / WORKERS)
    * aws_errors.max_call_seconds(
        aws_errors.BOTOCORE_MAX_ATTEMPTS, session.CONNECT_TIMEOUT_S, session.READ_TIMEOUT_S
    )
)


@pytest.fixture
def llama_neuron_config(
    tmp_path: Path, aws_emulator: AwsEmulator, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    # botocore's own retries on, as in production (the emulator fixture sets 1 for moto's 500s).
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    return sagemaker_config(tmp_path, aws_emulator, aws_executor_workers=WORKERS)


async def rest(jp_fetch: Any, method: str, *path: str, body: Any = None) -> tuple[int, Any, Any]:
    kwargs: dict[str, Any] = {
        "method": method,
        "raise_error": False,
        # Tornado's client queues past 10 requests and counts the wait against connect_timeout.
        "request_timeout": BURST_BOUND_S,
        "connect_timeout": BURST_BOUND_S,
    }
    if body is not None:
        kwargs["body"] = json.dumps(body)
    response = await jp_fetch(*API, *path, **kwargs)
    return response.code, json.loads(response.body) if response.body else None, response.headers


async def stream(open_sse: Any, name: str, prompt: str) -> tuple[int, Any, Any]:
    """(status, body, headers) of a streamed invocation: an error event counts as the answer's error."""
    response = await open_sse(name, {"inputs": prompt, "parameters": {"max_new_tokens": 8}})
    try:
        if response.status != 200:
            return response.status, json.loads(await response.body()), response.headers
        events = await response.all_events()
    finally:
        response.close()
    kinds = [kind for kind, _ in events]
    if "error" in kinds:
        return 200, {"error": events[kinds.index("error")][1]}, response.headers
    assert kinds[-1] == "done", kinds
    return 200, events[-1][1], response.headers


async def burst(jp_fetch: Any, open_sse: Any, tag: str) -> list[tuple[str, int, Any, Any]]:
    """The UI's requests at once: list, describe, invoke and stream on each endpoint (20 in all)."""

    async def labelled(what: str, coro: Any) -> tuple[str, int, Any, Any]:
        code, body, headers = await coro
        return what, code, body, headers

    jobs = []
    for name in ENDPOINTS:
        prompt = {"inputs": f"{tag} {name}", "parameters": {"max_new_tokens": 8}}
        jobs += [
            labelled("list", rest(jp_fetch, "GET", "endpoints")),
            labelled("describe", rest(jp_fetch, "GET", "endpoints", name)),
            labelled("invoke", rest(jp_fetch, "POST", "endpoints", name, "invocations", body=prompt)),
            labelled("stream", stream(open_sse, name, f"{tag} stream {name}")),
        ]
    return await asyncio.wait_for(asyncio.gather(*jobs), BURST_BOUND_S)


def queue_answers(aws_emulator: AwsEmulator) -> None:
    aws_emulator.queue_results(*({"generated_text": " Paris."} for _ in range(4 * len(ENDPOINTS))))


def calls_per_resource(aws_calls: CallRecorder) -> Counter[tuple[str, str]]:
    """API calls the extension made (before botocore's retries), per (operation, endpoint name)."""
    return Counter(
        (call.operation, str(call.params.get("EndpointName") or ""))
        for call in aws_calls.calls
        if call.operation in OPERATIONS
    )


def assert_within_bound(
    aws_emulator: AwsEmulator, calls: Counter[tuple[str, str]], *, throttled: bool
) -> None:
    bound = aws_errors.max_requests(aws_errors.BOTOCORE_MAX_ATTEMPTS, throttled=throttled)
    assert sum(aws_emulator.attempts(operation, name) for operation, name in calls) > 0
    for (operation, name), count in calls.items():
        seen = aws_emulator.attempts(operation, name)
        assert seen <= count * bound, f"{operation} {name}: {seen} requests, {count} calls, bound {bound}"


@pytest.fixture
async def deployed(jp_fetch: Any, aws_emulator: AwsEmulator) -> list[str]:
    aws_emulator.state.endpoint_creating_polls = 0
    code, _, _ = await rest(jp_fetch, "POST", "models", MODEL_7B, "eula", body={"accept": True})
    assert code == 200
    for name in ENDPOINTS:
        code, created, _ = await rest(
            jp_fetch, "POST", "endpoints", body={"model_id": MODEL_7B, "endpoint_name": name}
        )
        assert code == 202, created
    for name in ENDPOINTS:
        for _ in range(100):
            code, endpoint, _ = await rest(jp_fetch, "GET", "endpoints", name)
            if endpoint["status"] == "InService":
                break
            await asyncio.sleep(0.1)
        assert endpoint["status"] == "InService", endpoint
    return ENDPOINTS


async def calm_calls(
    jp_fetch: Any, open_sse: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> Counter[tuple[str, str]]:
    """The API calls one burst makes without a storm (the baseline the bound multiplies)."""
    queue_answers(aws_emulator)
    aws_calls.clear()
    results = await burst(jp_fetch, open_sse, "calm")
    assert [(what, code) for what, code, _, _ in results if code != 200] == []
    return calls_per_resource(aws_calls)


@pytest.mark.parametrize("kind", ["throttling", "unavailable", "internal"])
async def test_a_short_storm_is_absorbed_by_the_retries(
    jp_fetch: Any,
    sse: Any,
    aws_emulator: AwsEmulator,
    aws_calls: CallRecorder,
    deployed: list[str],
    kind: str,
) -> None:
    await calm_calls(jp_fetch, sse, aws_emulator, aws_calls)
    # Fewer failures per operation than one call's retries absorb: whichever requests draw them, each
    # request still gets through.
    throttled = kind == "throttling"
    times = aws_errors.max_requests(aws_errors.BOTOCORE_MAX_ATTEMPTS, throttled=throttled) - 1
    queue_answers(aws_emulator)
    aws_emulator.inject_storm(OPERATIONS, kind, times=times)
    results = await burst(jp_fetch, sse, f"short {kind}")
    assert [(what, code, body) for what, code, body, _ in results if code != 200] == []
    assert not [body for what, _, body, _ in results if isinstance(body, dict) and "error" in body]


@pytest.mark.parametrize(
    ("kind", "status", "code", "aws_code"),
    [
        ("throttling", 429, "Throttled", "ThrottlingException"),
        ("unavailable", 503, "AwsUnavailable", "ServiceUnavailable"),
        ("internal", 503, "AwsUnavailable", "InternalFailure"),
    ],
)
async def test_a_long_storm_ends_each_request_with_a_clear_bounded_error(
    jp_fetch: Any,
    sse: Any,
    aws_emulator: AwsEmulator,
    aws_calls: CallRecorder,
    deployed: list[str],
    kind: str,
    status: int,
    code: str,
    aws_code: str,
) -> None:
    calm = await calm_calls(jp_fetch, sse, aws_emulator, aws_calls)
    aws_emulator.state.attempts.clear()
    aws_calls.clear()
    aws_emulator.inject_storm(OPERATIONS, kind, times=None)
    started = time.monotonic()
    results = await burst(jp_fetch, sse, f"long {kind}")
    elapsed = time.monotonic() - started
    for what, http_code, body, headers in results:
        assert http_code == status, (what, http_code, body)
        error = body["error"]
        assert error["code"] == code, (what, error)
        operation = error["details"]["operation"]
        assert operation in OPERATIONS, (what, error)
        assert operation in error["message"], (what, error)
        assert aws_code in error["message"], (what, error)
        assert "try again" in error["hint"].lower(), (what, error)
        if status == 429:
            retry_after = headers.get("Retry-After") or headers.get("retry-after")  # SSE: lower-cased
            assert int(retry_after) >= 1, (what, headers)
    # Never more HTTP requests than the bound allows for the calls a calm burst makes.
    assert_within_bound(aws_emulator, calm, throttled=kind == "throttling")
    assert set(calls_per_resource(aws_calls)) <= set(calm)
    seen = sum(aws_emulator.attempts(operation, name) for operation, name in calm)
    print(f"{kind} storm: 20 requests failed cleanly in {elapsed:.1f} s; AWS saw {seen} requests")


async def test_a_stream_that_fails_midway_ends_with_an_error_event(
    jp_fetch: Any,
    sse: Any,
    aws_emulator: AwsEmulator,
    deployed: list[str],
) -> None:
    aws_emulator.queue_results(
        "".join(json.dumps({"token": {"text": word}}) + "\n" for word in (" Paris", " is", " far")),
        content_type="application/jsonlines",
    )
    aws_emulator.state.stream_failure = ("InternalStreamFailure", "The stream processing failed.", 2)
    response = await sse(ENDPOINTS[0], {"inputs": "mid", "parameters": {"max_new_tokens": 8}})
    events = await asyncio.wait_for(response.all_events(), BURST_BOUND_S)
    response.close()
    kinds = [kind for kind, _ in events]
    assert kinds == ["token", "token", "error"], events
    error = events[-1][1]
    assert "InternalStreamFailure" in json.dumps(error), error
    assert "done" not in kinds


async def test_a_5xx_storm_at_the_start_of_a_stream_is_a_clear_503(
    jp_fetch: Any,
    sse: Any,
    aws_emulator: AwsEmulator,
    deployed: list[str],
) -> None:
    aws_emulator.inject_storm(("InvokeEndpointWithResponseStream",), "unavailable", times=None)
    code, body, _ = await asyncio.wait_for(stream(sse, ENDPOINTS[1], "start"), BURST_BOUND_S)
    assert code == 503, body
    assert body["error"]["code"] == "AwsUnavailable"
    assert "InvokeEndpointWithResponseStream" in body["error"]["message"]
    assert aws_emulator.attempts("InvokeEndpointWithResponseStream", ENDPOINTS[1]) == (
        aws_errors.BOTOCORE_MAX_ATTEMPTS
    )


async def test_a_model_not_ready_429_is_not_retried_and_answers_429_with_retry_after(
    jp_fetch: Any, aws_emulator: AwsEmulator, deployed: list[str]
) -> None:
    # A modeled 429 that is not a throttling code: botocore leaves it to the caller (docs/aws-fidelity.md).
    aws_emulator.inject_error(
        "InvokeEndpoint", "ModelNotReadyException", "The model is still loading.", status=429, times=None
    )
    body = {"inputs": "not ready", "parameters": {"max_new_tokens": 4}}
    code, answer, headers = await rest(jp_fetch, "POST", "endpoints", ENDPOINTS[2], "invocations", body=body)
    assert code == 429, answer
    assert answer["error"]["code"] == "ModelNotReadyException"
    assert "InvokeEndpoint" in answer["error"]["message"]
    assert int(headers["Retry-After"]) >= 1
    assert aws_emulator.attempts("InvokeEndpoint", ENDPOINTS[2]) == 1
