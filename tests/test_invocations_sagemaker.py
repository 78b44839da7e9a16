"""``POST /endpoints/{name}/invocations`` on SageMaker, against the AWS emulator: response streaming and
its fallback to InvokeEndpoint, chat, and every parameter check answered with a 400 before AWS is called."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from jupyter_llama_neuron.chat_template import render_llama2
from tests.rest_client import sagemaker_config

from .invocation_client import BASE, CHAT, SYSTEM_AND_QUESTION, assert_stream, deploy, invoke, wait_in_service
from .openapi_contract import assert_matches

if TYPE_CHECKING:
    from tests.aws_emulator import AwsEmulator, CallRecorder


@pytest.fixture
def llama_neuron_config(tmp_path: Path, aws_emulator: AwsEmulator) -> dict[str, Any]:
    return sagemaker_config(tmp_path, aws_emulator, aws_executor_workers=4)


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
