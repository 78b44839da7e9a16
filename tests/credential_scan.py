"""No credential in any response or log line the suite produces (a pytest plugin, listed in conftest).

Every ``jp_fetch`` response (status line aside: headers and body, also of errors) and every log record
emitted while a test runs is scanned for AWS access key ids (``AKIA``/``ASIA`` + 16) and for the emulator's
secret key and session token. A hit fails the test that produced it, naming where it was.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError, HTTPResponse

from tests.aws_emulator import EMULATOR_SECRET_ACCESS_KEY, EMULATOR_SESSION_TOKEN

ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")
SECRETS = (EMULATOR_SECRET_ACCESS_KEY, EMULATOR_SESSION_TOKEN)
# The loggers of the server and its extension do not all propagate to the root logger.
LOGGERS = ("", "ServerApp", "LlamaNeuronApp", "tornado", "jupyter_llama_neuron")


def leaks(text: str) -> list[str]:
    """What in ``text`` looks like a credential (the matches, shortened)."""
    found = [match[:8] + "…" for match in ACCESS_KEY_ID.findall(text)]
    found += [secret[:12] + "…" for secret in SECRETS if secret in text]
    return found


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a bad format string is not ours to judge here
            text = str(record.msg)
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        found = leaks(text)
        if found:
            self.leaks.append(f"log {record.name}: {found}")


@pytest.fixture(autouse=True)
def _scan_log_lines() -> Iterator[None]:
    recorder = _Recorder()
    loggers = [logging.getLogger(name) for name in LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(recorder)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(recorder)
            logger.setLevel(level)
    assert not recorder.leaks, f"credentials in log lines: {recorder.leaks}"


def _check_response(response: HTTPResponse | None, where: str) -> None:
    if response is None:
        return
    text = "".join(f"{name}: {value}\n" for name, value in response.headers.get_all())
    text += (response.body or b"").decode("utf-8", "replace")
    found = leaks(text)
    assert not found, f"credentials in the response to {where}: {found}"


@pytest.fixture
def jp_fetch(jp_fetch: Callable[..., Awaitable[HTTPResponse]]) -> Callable[..., Awaitable[HTTPResponse]]:
    """pytest-jupyter's ``jp_fetch``, with every response scanned."""

    async def fetch(*parts: str, **kwargs: Any) -> HTTPResponse:
        where = f"{kwargs.get('method', 'GET')} /{'/'.join(parts)}"
        try:
            response = await jp_fetch(*parts, **kwargs)
        except HTTPClientError as err:
            _check_response(err.response, where)
            raise
        _check_response(response, where)
        return response

    return fetch
