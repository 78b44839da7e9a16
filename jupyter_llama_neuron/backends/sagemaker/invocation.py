"""Invocations: the request body SageMaker receives, the answer's decoding, and response streaming
(``InvokeEndpointWithResponseStream`` PayloadParts decoded into text chunks)."""

from __future__ import annotations

import codecs
import contextlib
import json
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from typing import Any

from ...errors import ApiError
from ..base import InvocationResult
from .aws_errors import aws_errors
from .session import AwsSession

CONTENT_TYPE = "application/json"
EULA_ATTRIBUTE = "accept_eula=true"  # gated Llama 2 endpoints reject invocations without it


class StreamingUnsupported(ApiError):
    """The endpoint does not stream (the Llama 2 Neuron container may not); callers fall back to invoke."""

    status = 400
    code = "StreamingUnsupported"


# Streaming text decoding


class StreamTextDecoder:
    """Turns PayloadPart bytes into text chunks.

    LMI/DJL containers stream JSON lines (``{"token": {"text": ...}}``, the last line may also carry
    ``generated_text``); TGI-style servers prefix lines with ``data:``; others stream plain text.
    PayloadParts do not respect line or UTF-8 boundaries, so JSON lines are buffered until complete.
    """

    def __init__(self, content_type: str = "") -> None:
        self._mode: str | None = "jsonlines" if "jsonlines" in content_type else None
        self._buffer = b""
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.emitted = False

    def feed(self, data: bytes) -> list[str]:
        if self._mode is None:
            self._buffer += data
            head = self._buffer.lstrip()
            if not head:
                return []
            self._mode = "jsonlines" if head[:1] in (b"{", b"[") or head.startswith(b"data:") else "text"
            data, self._buffer = self._buffer, b""
        if self._mode == "text":
            return self._out([self._text.decode(data)])
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        return self._out([self._line(line) for line in lines])

    def flush(self) -> list[str]:
        if self._mode == "text":
            return self._out([self._text.decode(b"", final=True)])
        rest, self._buffer = self._buffer, b""
        if self._mode is None:
            return self._out([rest.decode("utf-8", errors="replace")])
        return self._out([self._line(rest)])

    def _out(self, chunks: list[str]) -> list[str]:
        found = [chunk for chunk in chunks if chunk]
        if found:
            self.emitted = True
        return found

    def _line(self, raw: bytes) -> str:
        line = raw.decode("utf-8", errors="replace").strip()
        if line.startswith("data:"):
            line = line[5:].strip()
        if not line:
            return ""
        try:
            event = json.loads(line)
        except ValueError:
            return line + "\n"
        if isinstance(event, list) and event:
            event = event[0]
        if not isinstance(event, dict):
            return str(event)
        token = event.get("token")
        if isinstance(token, dict):
            if token.get("special"):
                return ""
            return str(token.get("text") or "")
        # A non-token line only contributes when nothing was streamed (a server that answers in one piece).
        if "generated_text" in event and not self.emitted:
            return str(event["generated_text"] or "")
        return ""


def parse_generation(raw: bytes) -> tuple[str, int | None, str | None]:
    text = raw.decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except ValueError:
        return text, None, None  # some containers answer with plain text
    if isinstance(data, list):
        data = data[0] if data else {}
    if isinstance(data, str):
        return data, None, None
    if not isinstance(data, dict):
        raise ApiError(
            "The endpoint answered with an unexpected JSON value.",
            code="UnexpectedResponse",
            status=502,
            hint="Is this a text-generation endpoint?",
        )
    generated = data.get("generated_text")
    if generated is None and isinstance(data.get("generation"), dict):  # JumpStart chat (GPU) response shape
        generated = data["generation"].get("content")
    elif generated is None:
        generated = data.get("generation")
    if generated is None:
        raise ApiError(
            f"The endpoint's answer has no generated_text: {text[:200]}",
            code="UnexpectedResponse",
            status=502,
            hint="Is this a text-generation endpoint?",
        )
    raw_details = data.get("details")
    details: dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
    tokens = details.get("generated_tokens")
    finish = details.get("finish_reason")
    return str(generated), tokens if isinstance(tokens, int) else None, str(finish) if finish else None


def _is_stream_rejection(err: ApiError) -> bool:
    code = str(err.details.get("aws_code") or err.code)
    return code in ("ValidationException", "ValidationError", "ModelError")


class _StreamEnd:
    pass


_END = _StreamEnd()


def _next_event(iterator: Iterator[dict[str, Any]]) -> dict[str, Any] | _StreamEnd:
    try:
        return next(iterator)
    except StopIteration:
        return _END


def request_body(payload: dict[str, Any], *, stream: bool = False) -> bytes:
    body: dict[str, Any] = {
        "inputs": payload.get("inputs", ""),
        "parameters": dict(payload.get("parameters") or {}),
    }
    if stream:
        body["stream"] = True
    return json.dumps(body).encode()


class SageMakerInvoker:
    """``invoke`` and ``invoke_stream``; ``ensure_ours`` refuses endpoints we did not create."""

    def __init__(
        self, aws: AwsSession, ensure_ours: Callable[[str], Awaitable[None]], log: logging.Logger
    ) -> None:
        self._aws = aws
        self._ensure_ours = ensure_ours
        self._log = log

    def _invoke_sync(self, name: str, body: bytes) -> InvocationResult:
        started = time.monotonic()
        response = self._aws.call(
            "sagemaker-runtime",
            "invoke_endpoint",
            EndpointName=name,
            Body=body,
            ContentType=CONTENT_TYPE,
            Accept=CONTENT_TYPE,
            CustomAttributes=EULA_ATTRIBUTE,
        )
        with aws_errors("InvokeEndpoint"):
            raw = response["Body"].read()
        text, tokens, finish = parse_generation(raw)
        return InvocationResult(
            generated_text=text,
            tokens_out=tokens,
            latency_s=round(time.monotonic() - started, 3),
            finish_reason=finish,
        )

    async def invoke(self, name: str, payload: dict[str, Any]) -> InvocationResult:
        await self._ensure_ours(name)
        return await self._aws.run(self._invoke_sync, name, request_body(payload))

    def _start_stream(self, name: str, body: bytes) -> Any:
        return self._aws.call(
            "sagemaker-runtime",
            "invoke_endpoint_with_response_stream",
            EndpointName=name,
            Body=body,
            ContentType=CONTENT_TYPE,
            # No Accept: the container picks its streaming format (LMI: jsonlines); the decoder detects it.
            CustomAttributes=EULA_ATTRIBUTE,
        )

    @staticmethod
    def _next_event(iterator: Iterator[dict[str, Any]]) -> dict[str, Any] | _StreamEnd:
        with aws_errors("InvokeEndpointWithResponseStream"):
            return _next_event(iterator)

    async def invoke_stream(self, name: str, payload: dict[str, Any]) -> AsyncGenerator[str, None]:
        await self._ensure_ours(name)
        try:
            response = await self._aws.run(self._start_stream, name, request_body(payload, stream=True))
        except ApiError as err:
            if _is_stream_rejection(err):
                raise StreamingUnsupported(
                    f"Endpoint '{name}' does not support streaming: {err.message}",
                    hint="Use a non-streaming invocation.",
                    details=err.details,
                ) from err
            raise
        stream = response["Body"]
        decoder = StreamTextDecoder(str(response.get("ContentType") or ""))
        iterator = iter(stream)
        try:
            while True:
                try:
                    event = await self._aws.run(self._next_event, iterator)
                except ApiError as err:
                    # An error event before any text means the model cannot stream this request: fall back.
                    if not decoder.emitted:
                        raise StreamingUnsupported(
                            f"Endpoint '{name}' failed to stream: {err.message}",
                            hint="Use a non-streaming invocation.",
                            details=err.details,
                        ) from err
                    raise
                if isinstance(event, _StreamEnd):
                    break
                part = event.get("PayloadPart")
                if isinstance(part, dict):
                    for text in decoder.feed(bytes(part.get("Bytes") or b"")):
                        yield text
                    continue
                for key in ("ModelStreamError", "InternalStreamFailure"):
                    if key in event:
                        message = (event[key] or {}).get("Message") or key
                        raise ApiError(
                            f"The endpoint stopped streaming: {message}",
                            code=key,
                            status=502,
                            hint="See the endpoint's CloudWatch logs.",
                        )
            for text in decoder.flush():
                yield text
        finally:
            # Closing the HTTP stream is what cancels generation on our side when the consumer stops early.
            try:
                stream.close()
            except Exception as err:  # closing a half-read socket must never mask the real outcome
                self._log.debug("jupyter_llama_neuron: closing stream of %s: %s", name, err)

    async def invoke_events(
        self, name: str, payload: dict[str, Any], *, stream: bool = True
    ) -> AsyncGenerator[dict[str, Any], None]:
        """``Backend.invoke_events``: token events then done; when the endpoint cannot stream (the Llama 2
        Neuron container may not), a fallback event and one answer from InvokeEndpoint."""
        if not stream:
            yield _done(await self.invoke(name, payload), streamed=False)
            return
        started = time.monotonic()
        chunks: list[str] = []
        first_at: float | None = None
        fallback: StreamingUnsupported | None = None
        async with contextlib.aclosing(self.invoke_stream(name, payload)) as texts:
            try:
                async for text in texts:
                    if not text:
                        continue
                    if first_at is None:
                        first_at = time.monotonic()
                    chunks.append(text)
                    yield {"event": "token", "text": text}
            except StreamingUnsupported as err:  # raised before any text, never after
                if chunks:
                    raise
                fallback = err
        if fallback is None:
            finished = time.monotonic()
            yield {
                "event": "done",
                "generated_text": "".join(chunks),
                "tokens_out": None,  # a text stream does not say how many tokens it was
                "latency_s": round(finished - started, 3),
                "ttft_s": round(first_at - started, 3) if first_at is not None else None,
                "finish_reason": None,
                "streamed": True,
            }
            return
        yield {"event": "fallback", "reason": fallback.message}
        result = await self.invoke(name, payload)
        if result.generated_text:
            yield {"event": "token", "text": result.generated_text}
        yield _done(result, streamed=False)


def _done(result: InvocationResult, *, streamed: bool) -> dict[str, Any]:
    return {
        "event": "done",
        "generated_text": result.generated_text,
        "tokens_out": result.tokens_out,
        "latency_s": result.latency_s,
        "ttft_s": None,  # the whole answer arrives at once: the first token is not observable
        "finish_reason": result.finish_reason,
        "streamed": streamed,
    }
