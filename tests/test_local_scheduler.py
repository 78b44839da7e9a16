"""The worker's scheduler with a fake engine (no torch): bounded concurrency, its queue, cancellation and
errors."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from jupyter_llama_neuron.backends.local.engine import Engine, Job, Outcome, ProtocolWriter, Scheduler
from jupyter_llama_neuron.backends.local.generation import GenerationRequestError


class FakeEngine(Engine):
    """Generates ``max_new_tokens`` one-character tokens, 5 ms apart, honouring cancellation."""

    def __init__(self) -> None:
        self.running = 0
        self.peak = 0
        self._lock = threading.Lock()

    def generate(self, job: Job, emit: Callable[[str], None]) -> Outcome:
        if job.inputs == "bad":
            raise GenerationRequestError("bad prompt", code="Unprocessable")
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            tokens = 0
            for _ in range(int(job.parameters.get("max_new_tokens", 10))):
                if job.cancel.is_set():
                    break
                time.sleep(0.005)
                emit("x")
                tokens += 1
            reason = "cancelled" if job.cancel.is_set() else "length"
            return Outcome("x" * tokens, tokens, reason, 1, time.monotonic())
        finally:
            with self._lock:
                self.running -= 1


class ListStream:
    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            self.lines.extend(json.loads(line) for line in text.splitlines() if line)
        return len(text)

    def flush(self) -> None:
        pass

    def events(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            return [line for line in self.lines if line.get("event") == kind]


def _wait(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def test_scheduler_bounds_concurrency_queues_and_cancels() -> None:
    engine = FakeEngine()
    stream = ListStream()
    scheduler = Scheduler(engine, ProtocolWriter(stream), concurrency=3, max_queue=100)  # type: ignore[arg-type]
    try:
        for i in range(12):
            scheduler.submit(Job(f"j{i}", "p", None, {"max_new_tokens": 20}, stream=False))
        scheduler.submit(Job("long", "p", None, {"max_new_tokens": 100_000}, stream=True))
        scheduler.submit(Job("queued", "p", None, {"max_new_tokens": 5}, stream=False))
        scheduler.cancel("queued")  # still waiting behind 12 others: dropped at once
        _wait(lambda: any(e["id"] == "long" for e in stream.events("token")))
        scheduler.cancel("long")
        _wait(lambda: len(stream.events("done")) == 14)
        done = {e["id"]: e for e in stream.events("done")}
        assert done["queued"]["finish_reason"] == "cancelled"
        assert done["queued"]["tokens_out"] == 0
        assert done["long"]["finish_reason"] == "cancelled"
        assert 0 < done["long"]["tokens_out"] < 100_000
        assert all(done[f"j{i}"]["tokens_out"] == 20 for i in range(12))
        assert engine.peak == 3
        stats = scheduler.stats()
        assert stats["max_active"] == 3
        assert stats["cancelled"] == 2
        assert stats["active"] == 0
        assert stats["queued"] == 0
        # Non-streaming jobs send no token events.
        assert {e["id"] for e in stream.events("token")} == {"long"}
    finally:
        scheduler.shutdown()


def test_scheduler_refuses_beyond_its_queue_and_reports_errors() -> None:
    engine = FakeEngine()
    stream = ListStream()
    scheduler = Scheduler(engine, ProtocolWriter(stream), concurrency=1, max_queue=2)  # type: ignore[arg-type]
    try:
        scheduler.submit(Job("j0", "p", None, {"max_new_tokens": 40}, stream=False))
        _wait(lambda: scheduler.stats()["active"] == 1)
        for i in range(1, 4):
            scheduler.submit(Job(f"j{i}", "p", None, {"max_new_tokens": 40}, stream=False))
        scheduler.submit(Job("j0", "p", None, {}, stream=False))  # duplicate id while running
        errors = {e["id"]: e for e in stream.events("error")}
        # One runs, two wait, the fourth finds the queue full; the duplicate id is refused.
        assert errors["j3"]["code"] == "Busy"
        assert "already" in errors["j0"]["message"]
        _wait(lambda: len(stream.events("done")) == 3)
        assert scheduler.stats()["max_active"] == 1
        scheduler.submit(Job("bad", "bad", None, {}, stream=False))
        _wait(lambda: any(e["id"] == "bad" and e["code"] == "Unprocessable" for e in stream.events("error")))
    finally:
        scheduler.shutdown()
