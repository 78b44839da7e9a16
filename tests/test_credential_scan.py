"""The credential scan itself (tests/credential_scan.py) catches what it is meant to catch."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.aws_emulator import EMULATOR_ACCESS_KEY_ID, EMULATOR_SECRET_ACCESS_KEY, EMULATOR_SESSION_TOKEN
from tests.credential_scan import _Recorder, leaks


def test_leaks_finds_key_ids_and_the_emulators_secrets() -> None:
    assert leaks("nothing here, not even AKIA1234") == []
    assert leaks(f"id={EMULATOR_ACCESS_KEY_ID}") == ["AKIAJLNE…"]
    assert len(leaks("ASIAABCDEFGHIJKLMNOP")) == 1
    assert len(leaks(f"{EMULATOR_SECRET_ACCESS_KEY} {EMULATOR_SESSION_TOKEN}")) == 2


def test_a_log_line_with_a_secret_is_recorded() -> None:
    recorder = _Recorder()
    logger = logging.getLogger("credential-scan-self-test")
    logger.addHandler(recorder)
    logger.propagate = False  # the autouse scan on the root logger would (rightly) fail this test otherwise
    try:
        logger.warning("signing with %s", EMULATOR_SECRET_ACCESS_KEY)
    finally:
        logger.removeHandler(recorder)
        logger.propagate = True
    assert recorder.leaks == ["log credential-scan-self-test: ['jln-emulator…']"]


async def test_a_response_with_a_secret_fails_the_test(
    jp_fetch: Any, llama_services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def status(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return {"debug": EMULATOR_SESSION_TOKEN}

    monkeypatch.setattr(llama_services.status, "status", status)
    with pytest.raises(
        AssertionError, match="credentials in the response to GET /llama-neuron/api/v1/status"
    ):
        await jp_fetch("llama-neuron", "api", "v1", "status")
