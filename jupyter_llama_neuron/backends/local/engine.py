"""The local worker's generation core: the protocol writer, a request (``Job``) and its ``Outcome``, the
``Engine`` interface with its transformers implementation (``TorchEngine``), and the thread-per-request
``Scheduler`` (the continuously batched one is in ``batching.py``). ``worker.py`` runs them as a subprocess.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, cast

from ...settings import DEFAULT_LOCAL_MAX_QUEUE
from .generation import (
    GenerationPlan,
    GenerationRequestError,
    StopStringFilter,
    assemble_text,
    cut_at_stop,
    finish_reason,
    plan_generation,
)
from .incremental_decoder import IncrementalDecoder

# Beyond the queue a request is refused at once (the server answers 429 with Retry-After) instead of waiting
# past its client's timeout; the server passes LlamaNeuronApp.local_max_queue (settings.py says why 32).
DEFAULT_MAX_QUEUE = DEFAULT_LOCAL_MAX_QUEUE
RECENT_KEPT = 64

class ProtocolWriter:
    """Serialises protocol lines from the reader thread and every generation thread."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self.broken = False

    def send(self, message: dict[str, Any]) -> None:
        line = json.dumps(message, ensure_ascii=False) + "\n"
        with self._lock:
            if self.broken:
                return
            try:
                self._stream.write(line)
                self._stream.flush()
            except (BrokenPipeError, OSError, ValueError):
                self.broken = True  # the server is gone; stdin EOF will end the process


@dataclass
class Job:
    id: str
    inputs: str | None
    messages: list[dict[str, str]] | None
    parameters: dict[str, Any]
    stream: bool
    received: float = field(default_factory=time.monotonic)
    cancel: threading.Event = field(default_factory=threading.Event)


@dataclass
class Outcome:
    """What a finished generation reports (the engine fills it; the scheduler adds timings)."""

    generated_text: str
    tokens_out: int
    finish_reason: str
    prompt_tokens: int
    first_token_at: float | None
    capped_by_context: bool = False
    truncated_tokens: int = 0


class Engine(ABC):
    """Runs one generation. Implemented by ``TorchEngine``; the scheduler only needs this interface."""

    @abstractmethod
    def generate(self, job: Job, emit: Callable[[str], None]) -> Outcome: ...


class Scheduler:
    """A bounded pool of generation threads fed by a FIFO queue, with cancellation.

    Threads rather than processes: torch releases the GIL inside its kernels, so B threads each running
    ``generate`` overlap like a rolling batch of B, and they share one copy of the weights.
    """

    def __init__(self, engine: Engine, writer: ProtocolWriter, concurrency: int, max_queue: int) -> None:
        self._engine = engine
        self._writer = writer
        self._concurrency = concurrency
        self._max_queue = max_queue
        self._cond = threading.Condition()
        self._queue: deque[Job] = deque()
        self._jobs: dict[str, Job] = {}  # queued or running
        self._shutdown = False
        self.active = 0
        self.max_active = 0
        self.completed = 0
        self.cancelled = 0
        self._recent: deque[dict[str, Any]] = deque(maxlen=RECENT_KEPT)
        self._threads = [
            threading.Thread(target=self._run, name=f"generate-{i}", daemon=True)
            for i in range(self._thread_count())
        ]
        for thread in self._threads:
            thread.start()

    # -- reader side -----------------------------------------------------------------------------------------

    def submit(self, job: Job) -> None:
        with self._cond:
            if job.id in self._jobs:
                self._writer.send(
                    {
                        "id": job.id,
                        "event": "error",
                        "code": "BadRequest",
                        "message": f"A request with id {job.id!r} is already running.",
                        "hint": "",
                    }
                )
                return
            if len(self._queue) >= self._max_queue:
                self._writer.send(
                    {
                        "id": job.id,
                        "event": "error",
                        "code": "Busy",
                        "message": f"The endpoint is busy: {len(self._queue)} requests are already waiting.",
                        "hint": "Retry in a moment. A larger rolling batch size (deploy again) or "
                        "LlamaNeuronApp.local_max_queue lets more requests in.",
                    }
                )
                return
            self._jobs[job.id] = job
            self._queue.append(job)
            self._cond.notify()

    def cancel(self, job_id: str) -> None:
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None:
                return  # already finished: the cancel crossed the done message
            job.cancel.set()
            if job in self._queue:
                # Never started: answer at once so the caller's request ends.
                self._queue.remove(job)
                del self._jobs[job_id]
                self.cancelled += 1
                self._record(job, "cancelled", 0)
                drop = True
            else:
                drop = False
        if drop:
            now = time.monotonic()
            self._writer.send(
                {
                    "id": job_id,
                    "event": "done",
                    "generated_text": "",
                    "tokens_out": 0,
                    "finish_reason": "cancelled",
                    "latency_s": round(now - job.received, 4),
                    "ttft_s": None,
                    "queue_s": round(now - job.received, 4),
                    "prompt_tokens": 0,
                    "capped_by_context": False,
                    "truncated_tokens": 0,
                }
            )

    def stats(self) -> dict[str, Any]:
        with self._cond:
            return {
                "active": self.active,
                "queued": len(self._queue),
                "max_active": self.max_active,
                "completed": self.completed,
                "cancelled": self.cancelled,
                "concurrency": self._concurrency,
                "max_queue": self._max_queue,
                "recent": list(self._recent),
            }

    def shutdown(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._shutdown = True
            for job in self._jobs.values():
                job.cancel.set()
            self._queue.clear()
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    # -- generation threads ----------------------------------------------------------------------------------

    def _thread_count(self) -> int:
        return self._concurrency

    def _record(self, job: Job, reason: str, tokens_out: int) -> None:
        self._recent.append({"id": job.id, "finish_reason": reason, "tokens_out": tokens_out})

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._shutdown:
                    self._cond.wait()
                if self._shutdown:
                    return
                job = self._queue.popleft()
                self.active += 1
                self.max_active = max(self.max_active, self.active)
            started = time.monotonic()
            reply, reason, tokens_out = self._execute(job, started)
            # Counters are settled before the reply leaves, so a client that has every answer also sees an
            # idle worker in the stats.
            with self._cond:
                self.active -= 1
                self._jobs.pop(job.id, None)
                if reply["event"] == "done":
                    self.completed += 1
                if reason == "cancelled":
                    self.cancelled += 1
                self._record(job, reason, tokens_out)
            self._writer.send(reply)

    def _execute(self, job: Job, started: float) -> tuple[dict[str, Any], str, int]:
        """Run one job; returns the terminal message, its outcome and the tokens generated."""

        def emit(text: str) -> None:
            if job.stream and text and not job.cancel.is_set():
                self._writer.send({"id": job.id, "event": "token", "text": text})

        try:
            outcome = self._engine.generate(job, emit)
        except GenerationRequestError as exc:
            error = {
                "id": job.id,
                "event": "error",
                "code": exc.code,
                "message": exc.message,
                "hint": exc.hint,
            }
            return error, "error", 0
        except Exception as exc:  # a model failure answers this request; the worker keeps serving others
            message = f"Generation failed: {type(exc).__name__}: {exc}"
            return (
                {"id": job.id, "event": "error", "code": "Internal", "message": message, "hint": ""},
                "error",
                0,
            )
        return self._done_message(job, outcome, started), outcome.finish_reason, outcome.tokens_out

    @staticmethod
    def _done_message(job: Job, outcome: Outcome, started: float) -> dict[str, Any]:
        finished = time.monotonic()
        ttft = None if outcome.first_token_at is None else round(outcome.first_token_at - job.received, 4)
        return {
            "id": job.id,
            "event": "done",
            "generated_text": outcome.generated_text,
            "tokens_out": outcome.tokens_out,
            "finish_reason": outcome.finish_reason,
            "latency_s": round(finished - job.received, 4),
            "ttft_s": ttft,
            "queue_s": round(started - job.received, 4),
            "generation_s": round(finished - started, 4),
            "prompt_tokens": outcome.prompt_tokens,
            "capped_by_context": outcome.capped_by_context,
            "truncated_tokens": outcome.truncated_tokens,
        }


def _validate_messages(messages: Any) -> list[dict[str, str]]:
    if not isinstance(messages, list) or not messages:
        raise GenerationRequestError("messages must be a non-empty list of {role, content} objects.")
    clean: list[dict[str, str]] = []
    for index, message in enumerate(messages):
        if (
            not isinstance(message, dict)
            or message.get("role") not in ("system", "user", "assistant")
            or not isinstance(message.get("content"), str)
        ):
            raise GenerationRequestError(
                f'messages[{index}] must be {{"role": "system"|"user"|"assistant", "content": str}}.'
            )
        clean.append({"role": message["role"], "content": message["content"]})
    return clean


class PhaseTimer:
    """Wall and CPU seconds of each start-up phase, for the ready event (benchmarks/bench_local_start.py)."""

    def __init__(self) -> None:
        self._wall = time.perf_counter()
        self._cpu = time.process_time()
        self.phases: dict[str, dict[str, float]] = {}

    def mark(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.phases[name] = {"wall_s": round(wall - self._wall, 3), "cpu_s": round(cpu - self._cpu, 3)}
        self._wall, self._cpu = wall, cpu


class TorchEngine(Engine):
    """Loads the model once and runs ``generate`` per job (torch is imported here, in the subprocess only)."""

    def __init__(self, model_dir: str, n_positions: int, threads: int, dtype: str) -> None:
        phases = PhaseTimer()
        import torch

        phases.mark("import_torch")
        from transformers import AutoModelForCausalLM, AutoTokenizer

        phases.mark("import_transformers")
        torch.set_num_threads(threads)
        # Only settable before the first parallel op; if that already happened the default is harmless.
        with contextlib.suppress(RuntimeError):
            torch.set_num_interop_threads(1)
        started = time.monotonic()
        self._torch = torch
        # Any: transformers' own annotations (Auto classes, decorated methods) are too loose to check against.
        self.tokenizer: Any = cast(Any, AutoTokenizer.from_pretrained(model_dir))
        phases.mark("tokenizer")
        load_dtype: Any = {"float32": torch.float32, "bfloat16": torch.bfloat16}.get(dtype, "auto")
        self.model: Any = cast(Any, AutoModelForCausalLM.from_pretrained(model_dir, dtype=load_dtype))
        if self.model.dtype == torch.float16:
            # fp16 matmuls are slow or unsupported on many CPUs; bf16 keeps the memory saving of a
            # half-precision checkpoint (e.g. a mapped Llama-2-7b-hf).
            self.model = self.model.to(torch.bfloat16)
        self.model.eval()
        phases.mark("weights")
        self.load_s = time.monotonic() - started
        self.phases = phases.phases
        # The deployment's context length, but never past the positions the model was trained for.
        self.model_max_positions = int(
            getattr(self.model.config, "max_position_embeddings", n_positions) or n_positions
        )
        self.n_positions = min(n_positions, self.model_max_positions)
        # Rust tokenizers raise "Already borrowed" when one thread encodes while another changes padding or
        # truncation state; one lock around every tokenizer call rules that out and costs microseconds.
        self._tok_lock = threading.Lock()
        eos: set[int] = set()
        for source in (self.model.generation_config.eos_token_id, self.tokenizer.eos_token_id):
            if isinstance(source, int):
                eos.add(source)
            elif isinstance(source, (list, tuple)):
                eos.update(int(i) for i in source)
        self.eos_ids = eos
        pad = self.model.generation_config.pad_token_id
        if pad is None:
            pad = self.tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else (min(eos) if eos else 0)
        self.has_chat_template = bool(getattr(self.tokenizer, "chat_template", None))

    def _decode(self, ids: list[int]) -> str:
        with self._tok_lock:
            return str(self.tokenizer.decode(ids, skip_special_tokens=True))

    def _prepare(self, job: Job) -> tuple[str, list[int], GenerationPlan]:
        """The prompt and its ids, cut from the left to fit the context, and the generation plan."""
        prompt, ids = self._encode(job)
        plan = plan_generation(job.parameters, len(ids), self.n_positions)
        if plan.truncated_tokens:
            ids = ids[plan.truncated_tokens :]
            with self._tok_lock:
                prompt = str(self.tokenizer.decode(ids, skip_special_tokens=False))
        return prompt, ids, plan

    def _encode(self, job: Job) -> tuple[str, list[int]]:
        with self._tok_lock:
            if job.messages is not None:
                if not self.has_chat_template:
                    raise GenerationRequestError(
                        "This model has no chat template, so it cannot take chat messages.",
                        hint="Send a completion-style prompt in 'inputs' instead.",
                    )
                prompt = str(
                    self.tokenizer.apply_chat_template(
                        job.messages, add_generation_prompt=True, tokenize=False
                    )
                )
                # The template already contains the special tokens it needs.
                ids = self.tokenizer(prompt, add_special_tokens=False)["input_ids"]
            else:
                prompt = job.inputs or ""
                ids = self.tokenizer(prompt)["input_ids"]
        return prompt, [int(i) for i in ids]

    def generate(self, job: Job, emit: Callable[[str], None]) -> Outcome:
        torch = self._torch
        from transformers import StoppingCriteria, StoppingCriteriaList

        prompt, ids, plan = self._prepare(job)

        stop_filter = StopStringFilter(plan.stop)

        def on_text(chunk: str) -> None:
            out = stop_filter.feed(chunk)
            if out:
                emit(out)

        class CancelCriteria(StoppingCriteria):
            """Checked after every token: a cancel (or shutdown) ends the generation within one step."""

            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
                return torch.full(
                    (input_ids.shape[0],), job.cancel.is_set(), dtype=torch.bool, device=input_ids.device
                )

        decoder = IncrementalDecoder(self._decode, on_text, emit_text=job.stream and plan.streamable)
        kwargs = dict(plan.kwargs)
        if job.messages is None and self.eos_ids:
            # Completion-style: continue the text, as a base model does (see local/batching.py).
            kwargs["begin_suppress_tokens"] = sorted(self.eos_ids)
        if plan.stop:
            kwargs["tokenizer"] = self.tokenizer  # generate() needs it to match stop strings across tokens
        if plan.streamable:
            kwargs["streamer"] = decoder
        input_ids = torch.tensor([ids], dtype=torch.long)
        with torch.inference_mode():
            output = self.model.generate(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                stopping_criteria=StoppingCriteriaList([CancelCriteria()]),
                pad_token_id=self.pad_id,
                **kwargs,
            )
        new_ids = [int(i) for i in output[0, len(ids) :].tolist()]
        tokens_out = len(new_ids)
        ended_with_eos = bool(new_ids) and new_ids[-1] in self.eos_ids
        completion, stopped = cut_at_stop(self._decode(new_ids), plan.stop)
        cancelled = job.cancel.is_set()
        if job.stream and not cancelled:
            if plan.streamable:
                tail = stop_filter.finish()
                if tail:
                    emit(tail)
            elif completion:
                emit(completion)  # beam search: the whole answer arrives at the end
        reason = finish_reason(
            cancelled=cancelled,
            stopped_by_string=stopped,
            ended_with_eos=ended_with_eos,
            tokens_out=tokens_out,
            max_new_tokens=plan.max_new_tokens,
            text=completion,
        )
        return Outcome(
            generated_text=assemble_text(prompt, completion, plan),
            tokens_out=tokens_out,
            finish_reason=reason,
            prompt_tokens=plan.prompt_tokens,
            first_token_at=decoder.first_token_at if plan.streamable else None,
            capped_by_context=plan.capped_by_context,
            truncated_tokens=plan.truncated_tokens,
        )
