"""Continuous batching in the local worker, with the tiny model in a real worker subprocess.

Requests join and leave one running batch: each must get exactly the tokens it gets alone (greedy), whatever
else shares the batch, and its own parameters, stop strings, cancellation and context cap. The thread-per-
request worker (``--scheduler threads``, ``generate`` itself) is the reference for what each parameter means.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="needs the local extras (torch, transformers)"
)

PROMPTS = [
    "Return the number of items in the container.",
    "This module provides",
    "Raise ValueError if the argument is not a string, otherwise return it unchanged.",
    "The",
]


class WorkerProcess:
    """A worker subprocess driven over its JSON-line protocol, as the local backend drives it."""

    def __init__(
        self, model: Path, *, scheduler: str = "batch", concurrency: int = 4, n_positions: int = 256
    ):
        args = [
            sys.executable, "-m", "jupyter_llama_neuron.backends.local.worker", "--model", str(model),
            "--n-positions", str(n_positions), "--concurrency", str(concurrency), "--threads", "1",
            "--scheduler", scheduler,
        ]  # fmt: skip
        env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1"}
        self.process = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )
        self._in = cast(IO[str], self.process.stdin)
        self._out = cast(IO[str], self.process.stdout)
        ready = self.read()
        assert ready["event"] == "ready", ready
        self.tokens: dict[str, list[str]] = {}

    def read(self) -> dict[str, Any]:
        line = self._out.readline()
        assert line, "the worker exited"
        message: dict[str, Any] = json.loads(line)
        return message

    def send(self, request_id: str, inputs: str, stream: bool = False, **parameters: Any) -> None:
        message = {
            "id": request_id,
            "op": "generate",
            "inputs": inputs,
            "parameters": parameters,
            "stream": stream,
        }
        self._in.write(json.dumps(message) + "\n")
        self._in.flush()

    def cancel(self, request_id: str) -> None:
        self._in.write(json.dumps({"id": request_id, "op": "cancel"}) + "\n")
        self._in.flush()

    def until(
        self, request_ids: set[str], *, tokens_of: str | None = None, tokens: int = 0
    ) -> dict[str, dict[str, Any]]:
        """Read until every id in ``request_ids`` is done (or, with ``tokens_of``, until that request has
        streamed ``tokens`` token events); returns the done events seen."""
        done: dict[str, dict[str, Any]] = {}
        while not request_ids <= set(done):
            if tokens_of is not None and len(self.tokens.get(tokens_of, [])) >= tokens:
                break
            message = self.read()
            if message["event"] == "token":
                self.tokens.setdefault(message["id"], []).append(message["text"])
            elif message["event"] in ("done", "error"):
                done[message["id"]] = message
        return done

    def generate(self, request_id: str, inputs: str, **parameters: Any) -> dict[str, Any]:
        self.send(request_id, inputs, **parameters)
        done: dict[str, Any] = self.until({request_id})[request_id]
        return done

    def stats(self) -> dict[str, Any]:
        self._in.write(json.dumps({"id": "stats", "op": "stats"}) + "\n")
        self._in.flush()
        while True:
            message = self.read()
            if message["event"] == "stats":
                return message

    def close(self) -> None:
        self._in.close()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def worker(tiny_model_dir: Path) -> Iterator[WorkerProcess]:
    process = WorkerProcess(tiny_model_dir)
    yield process
    process.close()


# Different parameters per request; all deterministic.
PARAMETERS: list[dict[str, Any]] = [
    {"max_new_tokens": 40},
    {"max_new_tokens": 25, "repetition_penalty": 1.3},
    {"max_new_tokens": 33, "no_repeat_ngram_size": 2},
    # Sampling restricted to the single most likely token is greedy decoding through the sampling path.
    {"max_new_tokens": 30, "do_sample": True, "top_k": 1, "temperature": 0.7},
]


def test_concurrent_requests_get_the_tokens_they_get_alone(
    worker: WorkerProcess, tiny_model_dir: Path
) -> None:
    alone = {f"a{i}": worker.generate(f"a{i}", PROMPTS[i], **PARAMETERS[i]) for i in range(4)}
    assert all(done["event"] == "done" for done in alone.values()), alone
    # All four at once, streamed and not: one batch.
    for i in range(4):
        worker.send(f"b{i}", PROMPTS[i], stream=i % 2 == 0, **PARAMETERS[i])
    together = worker.until({f"b{i}" for i in range(4)})
    assert worker.stats()["max_active"] >= 4
    # Joining mid-batch: two start, two more join after a few tokens, with different prompt lengths.
    worker.send("c0", PROMPTS[0], stream=True, **PARAMETERS[0])
    worker.send("c1", PROMPTS[1], **PARAMETERS[1])
    staggered = worker.until({"c0", "c1"}, tokens_of="c0", tokens=5)
    worker.send("c2", PROMPTS[2], **PARAMETERS[2])
    worker.send("c3", PROMPTS[3], **PARAMETERS[3])
    staggered.update(worker.until({f"c{i}" for i in range(4)} - set(staggered)))
    for i in range(4):
        expected = alone[f"a{i}"]
        for got in (together[f"b{i}"], staggered[f"c{i}"]):
            assert got["event"] == "done", got
            assert (got["generated_text"], got["tokens_out"], got["finish_reason"]) == (
                expected["generated_text"],
                expected["tokens_out"],
                expected["finish_reason"],
            ), (i, PARAMETERS[i])
    # Streamed text adds up to the answer.
    assert "".join(worker.tokens["b0"]) == together["b0"]["generated_text"]
    # The batching loop means what generate() means by each parameter.
    reference = WorkerProcess(tiny_model_dir, scheduler="threads", concurrency=1)
    try:
        for i in range(4):
            expected = reference.generate(f"r{i}", PROMPTS[i], **PARAMETERS[i])
            assert alone[f"a{i}"]["generated_text"] == expected["generated_text"], PARAMETERS[i]
            assert alone[f"a{i}"]["tokens_out"] == expected["tokens_out"]
    finally:
        reference.close()


def test_cancel_and_stop_mid_batch_leave_the_other_rows_alone(worker: WorkerProcess) -> None:
    # No token twice: the tiny model's answer then has distinct pieces a stop string can point at.
    distinct: dict[str, Any] = {"max_new_tokens": 40, "no_repeat_ngram_size": 1}
    alone = worker.generate("alone", PROMPTS[0], **distinct)
    text = alone["generated_text"]
    assert len(text) > 20, alone
    stop = text[len(text) // 2 : len(text) // 2 + 3]
    expected_stop = text[: text.index(stop)]

    worker.send("long", PROMPTS[1], stream=True, max_new_tokens=200)
    worker.send("keep", PROMPTS[0], **distinct)
    worker.send("stopped", PROMPTS[0], stream=True, stop=[stop], **distinct)
    early = worker.until({"long", "keep", "stopped"}, tokens_of="long", tokens=3)
    worker.cancel("long")
    done = {**early, **worker.until({"long", "keep", "stopped"} - set(early))}
    assert done["long"]["finish_reason"] == "cancelled"
    assert 3 <= done["long"]["tokens_out"] < 200
    assert done["keep"]["generated_text"] == alone["generated_text"]
    assert done["keep"]["tokens_out"] == alone["tokens_out"]
    assert done["stopped"]["finish_reason"] == "stop_sequence"
    assert done["stopped"]["generated_text"] == expected_stop
    assert "".join(worker.tokens["stopped"]) == expected_stop  # the stream never showed the stop string
    assert done["stopped"]["tokens_out"] < alone["tokens_out"]
    stats = worker.stats()
    assert stats["active"] == 0
    assert stats["queued"] == 0


def test_the_context_cap_holds_for_every_row_of_a_batch(tiny_model_dir: Path) -> None:
    worker = WorkerProcess(tiny_model_dir, n_positions=48, concurrency=2)
    try:
        long_prompt = " ".join(["Return the value of the attribute."] * 4)
        worker.send("capped", long_prompt, max_new_tokens=500, repetition_penalty=1.2)
        worker.send("short", PROMPTS[3], max_new_tokens=500, no_repeat_ngram_size=3)
        worker.send("full", " ".join(["word"] * 60), max_new_tokens=5)
        done = worker.until({"capped", "short", "full"})
        for name in ("capped", "short"):
            row = done[name]
            assert row["event"] == "done", row
            assert row["capped_by_context"] is True
            # Either the context filled up exactly, or the model ended the text before it did.
            assert row["prompt_tokens"] + row["tokens_out"] <= 48
            if row["finish_reason"] == "length":
                assert row["prompt_tokens"] + row["tokens_out"] == 48
        assert done["full"]["event"] == "error"
        assert done["full"]["code"] == "Unprocessable"
        # The worker still serves after the refusal.
        assert worker.generate("after", PROMPTS[1], max_new_tokens=3)["tokens_out"] >= 1
    finally:
        worker.close()
