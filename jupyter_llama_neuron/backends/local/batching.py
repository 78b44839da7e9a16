"""Continuous batching for the local worker: one running batch that requests join and leave, on one thread.

Why this design (measured on the 2-core machine, SmolLM2-135M-Instruct fp32, one torch thread; the numbers
are printed by ``benchmarks/bench_batching.py``):

* The worker used to run B independent ``generate`` calls in B threads. On one torch thread that is B
  sequential matrix-vector products per token; a batch of B turns them into one matrix-matrix product, which
  is where ``generate`` on a batch of 4 gets its 2.5x over four requests one after another.
* transformers' own continuous batching (``generate_batch``, paged attention) measured 13.8 tok/s on the
  same 4 prompts: slower than the threads it would replace, so it is not used.
* llama.cpp (``llama-cpp-python``) is built for CPU serving, but it compiles from source here (minutes, a
  C++ toolchain on the user's machine), needs every fine-tuned model converted to GGUF after training, and
  is a second model stack beside the transformers/peft one the LoRA trainer and any local Hugging Face
  folder already use. Not worth it when a plain loop over transformers' KV cache reaches ``generate``'s
  batched speed.
* So: a decoding loop over transformers' ``DynamicCache``. A request is prefilled alone (exactly the
  computation of a batch of one, so a single request costs what it did before) and its cache is then
  left-padded into the running batch; every step feeds each row's last token with its own position id and
  an attention mask that hides the padding; a finished row is dropped from the cache by index, and columns
  that became padding in every row are trimmed, so the cache never holds more than the longest live row.
  Parameters are per row (greedy rows take one argmax over the batch; sampling, repetition penalty and
  n-gram bans are applied row by row with ``generate``'s semantics and order), so requests with different
  parameters share a batch. Beam search cannot share one and runs through ``generate`` between steps.

Completion-style requests (raw ``inputs`` rather than chat ``messages``) have end-of-sequence suppressed at
the first generated position, like ``generate``'s ``begin_suppress_tokens``: an instruction-tuned stand-in
given a bare question otherwise ends at once, where the real base model would continue the text.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .engine import Engine, Job, Outcome, ProtocolWriter, Scheduler, TorchEngine
from .generation import (
    GenerationPlan,
    GenerationRequestError,
    StopStringFilter,
    assemble_text,
    cut_at_stop,
    finish_reason,
)
from .incremental_decoder import IncrementalDecoder


@dataclass
class Row:
    """One request in the running batch."""

    job: Job
    plan: GenerationPlan
    prompt: str
    ids: list[int]  # prompt + generated so far (repetition penalty and n-gram bans look at both)
    emit: Callable[[str], None]
    stop_filter: StopStringFilter
    decoder: IncrementalDecoder | None
    suppress_eos_first: bool
    new_ids: list[int] = field(default_factory=list)
    first_token_at: float | None = None

    @property
    def greedy_plain(self) -> bool:
        """Whether this row's next token is a plain argmax over the logits."""
        kwargs = self.plan.kwargs
        return (
            not kwargs.get("do_sample")
            and kwargs.get("repetition_penalty", 1.0) == 1.0
            and not kwargs.get("no_repeat_ngram_size")
            and not (self.suppress_eos_first and not self.new_ids)
        )


def banned_ngram_tokens(ids: list[int], n: int) -> list[int]:
    """Tokens that would repeat an n-gram already in ``ids`` (``no_repeat_ngram_size``'s rule)."""
    if n <= 0 or len(ids) + 1 < n:
        return []
    if n == 1:
        return sorted(set(ids))
    prefix = ids[len(ids) - n + 1 :]
    return [ids[i + n - 1] for i in range(len(ids) - n + 1) if ids[i : i + n - 1] == prefix]


def supports_batching(model: Any) -> bool:
    """Only plain (non-sliding, non-recurrent) cache layers can be padded and indexed as this loop does."""
    from transformers import DynamicCache
    from transformers.cache_utils import DynamicLayer

    try:
        cache = DynamicCache(config=model.config)
    except Exception:
        return False
    return all(type(layer) is DynamicLayer for layer in cache.layers)


class BatchEngine(TorchEngine):
    """The torch side of continuous batching: prefill a request into the batch, step the batch by a token."""

    def __init__(self, model_dir: str, n_positions: int, threads: int, dtype: str) -> None:
        super().__init__(model_dir, n_positions, threads, dtype)
        torch = self._torch
        self.rows: list[Row] = []
        self._cache: Any = None  # DynamicCache of the batch, rows in the order of self.rows
        self._mask: Any = None  # [B, T] 1 = real token, 0 = left padding
        self._positions: Any = None  # [B] position id of each row's next input token
        self._last: Any = None  # [B, 1] each row's next input token
        self._eos = torch.tensor(sorted(self.eos_ids), dtype=torch.long)

    # -- admission -------------------------------------------------------------------------------------------

    def start(self, job: Job, emit: Callable[[str], None]) -> Row | None:
        """Encode and plan ``job`` into a row for ``prefill``; None if it needs ``generate`` (beam search).

        Raises GenerationRequestError for a request that cannot run."""
        prompt, ids, plan = self._prepare(job)
        if not plan.streamable:
            return None
        stop_filter = StopStringFilter(plan.stop)

        def on_text(chunk: str) -> None:
            out = stop_filter.feed(chunk)
            if out:
                emit(out)

        # Text is decoded as it is generated only when someone needs it: a stream or a stop string.
        needs_text = job.stream or bool(plan.stop)
        return Row(
            job=job,
            plan=plan,
            prompt=prompt,
            ids=list(ids),
            emit=emit,
            stop_filter=stop_filter,
            decoder=IncrementalDecoder(self._decode, on_text, emit_text=True) if needs_text else None,
            suppress_eos_first=job.messages is None,
        )

    def prefill(self, rows: list[Row]) -> None:
        """Run the prompts of ``rows`` (the requests admitted together) and add them to the batch.

        One request is run alone, exactly as a batch of one; several are run as one left-padded batch, which
        costs about 40% less than one after another (measured on 4 chat prompts of ~40 tokens)."""
        torch = self._torch
        from transformers import DynamicCache

        cache: Any = DynamicCache(config=self.model.config)
        lengths = [len(row.ids) for row in rows]
        width = max(lengths)
        mask = torch.tensor([[0] * (width - n) + [1] * n for n in lengths], dtype=torch.long)
        extra: dict[str, Any] = {}
        if len(rows) > 1:
            extra["attention_mask"] = mask
            extra["position_ids"] = (mask.cumsum(dim=1) - 1).clamp(min=0)
        input_ids = torch.tensor(
            [[self.pad_id] * (width - len(r.ids)) + r.ids for r in rows], dtype=torch.long
        )
        with torch.inference_mode():
            out = self.model(input_ids=input_ids, cache=cache, use_cache=True, logits_to_keep=1, **extra)
            tokens = [self._pick(out.logits[i, -1], row) for i, row in enumerate(rows)]
        positions = torch.tensor(lengths, dtype=torch.long)
        last = torch.tensor(tokens, dtype=torch.long)[:, None]
        if not self.rows:
            self._cache, self._mask, self._positions, self._last = cache, mask, positions, last
        else:
            batch_width = self._mask.shape[1]
            grow_batch, grow_row = max(0, width - batch_width), max(0, batch_width - width)
            pad = torch.nn.functional.pad
            old_pad, new_pad = (0, 0, grow_batch, 0), (0, 0, grow_row, 0)
            for mine, new in zip(self._cache.layers, cache.layers, strict=True):
                mine.keys = torch.cat([pad(mine.keys, old_pad), pad(new.keys, new_pad)])
                mine.values = torch.cat([pad(mine.values, old_pad), pad(new.values, new_pad)])
            self._mask = torch.cat([pad(self._mask, (grow_batch, 0)), pad(mask, (grow_row, 0))])
            self._positions = torch.cat([self._positions, positions])
            self._last = torch.cat([self._last, last])
        self.rows.extend(rows)
        for row, token in zip(rows, tokens, strict=True):
            self._accept(row, token)

    # -- decoding --------------------------------------------------------------------------------------------

    def step(self) -> list[tuple[Row, Outcome]]:
        """Generate one token for every row that is still running; returns the rows that finished."""
        torch = self._torch
        finished = self._collect_finished()
        if self.rows:
            mask = torch.cat([self._mask, torch.ones((len(self.rows), 1), dtype=torch.long)], dim=1)
            with torch.inference_mode():
                out = self.model(
                    input_ids=self._last,
                    attention_mask=mask,
                    position_ids=self._positions[:, None],
                    cache=self._cache,
                    use_cache=True,
                )
                logits = out.logits[:, -1]
                if all(row.greedy_plain for row in self.rows):
                    tokens = [int(t) for t in logits.argmax(dim=-1).tolist()]
                else:
                    tokens = [self._pick(logits[i], row) for i, row in enumerate(self.rows)]
            self._mask = mask
            self._positions = self._positions + 1
            self._last = torch.tensor(tokens, dtype=torch.long)[:, None]
            for row, token in zip(self.rows, tokens, strict=True):
                self._accept(row, token)
            finished += self._collect_finished()
        return finished

    def _pick(self, logits: Any, row: Row) -> int:
        """The next token for one row: ``generate``'s processors in its order, then argmax or a sample."""
        torch = self._torch
        kwargs = row.plan.kwargs
        if row.greedy_plain:
            return int(logits.argmax())
        scores = logits.float().clone()
        penalty = kwargs.get("repetition_penalty", 1.0)
        if penalty != 1.0:
            seen = torch.tensor(sorted(set(row.ids)), dtype=torch.long)
            picked = scores[seen]
            scores[seen] = torch.where(picked < 0, picked * penalty, picked / penalty)
        ngram = int(kwargs.get("no_repeat_ngram_size") or 0)
        if ngram:
            banned = banned_ngram_tokens(row.ids, ngram)
            if banned:
                scores[torch.tensor(banned, dtype=torch.long)] = -float("inf")
        if row.suppress_eos_first and not row.new_ids and len(self._eos):
            scores[self._eos] = -float("inf")
        if not kwargs.get("do_sample"):
            return int(scores.argmax())
        temperature = kwargs.get("temperature")
        if temperature:
            scores = scores / float(temperature)
        top_k = kwargs.get("top_k")
        if top_k:
            kth = torch.topk(scores, min(int(top_k), scores.shape[-1])).values[-1]
            scores = scores.masked_fill(scores < kth, -float("inf"))
        top_p = kwargs.get("top_p")
        if top_p is not None and top_p < 1.0:
            ordered, order = torch.sort(scores, descending=False)
            cumulative = ordered.softmax(dim=-1).cumsum(dim=-1)
            remove = cumulative <= (1 - float(top_p))
            remove[-1] = False  # always keep the most likely token
            scores = scores.masked_fill(remove.scatter(0, order, remove), -float("inf"))
        return int(torch.multinomial(scores.softmax(dim=-1), 1))

    def _accept(self, row: Row, token: int) -> None:
        if row.first_token_at is None:
            row.first_token_at = time.monotonic()
        row.new_ids.append(token)
        row.ids.append(token)
        if row.decoder is not None and token not in self.eos_ids:
            row.decoder.push([token])

    def _done(self, row: Row) -> bool:
        return (
            row.job.cancel.is_set()
            or row.new_ids[-1] in self.eos_ids
            or len(row.new_ids) >= row.plan.max_new_tokens
            or row.stop_filter.stopped
        )

    def _collect_finished(self) -> list[tuple[Row, Outcome]]:
        keep = [i for i, row in enumerate(self.rows) if not self._done(row)]
        if len(keep) == len(self.rows):
            return []
        finished = [self.rows[i] for i in range(len(self.rows)) if i not in keep]
        self.rows = [self.rows[i] for i in keep]
        self._drop_rows(keep)
        return [(row, self._outcome(row)) for row in finished]

    def _drop_rows(self, keep: list[int]) -> None:
        torch = self._torch
        if not keep:
            self._cache = self._mask = self._positions = self._last = None
            return
        index = torch.tensor(keep, dtype=torch.long)
        mask = self._mask[index]
        # Columns that are padding in every remaining row (the departed row was the longest) are dropped.
        start = int(mask.any(dim=0).nonzero()[0])
        for layer in self._cache.layers:
            layer.keys = layer.keys[index, :, start:]
            layer.values = layer.values[index, :, start:]
        self._mask = mask[:, start:]
        self._positions = self._positions[index]
        self._last = self._last[index]

    def reset(self) -> list[Row]:
        """Drop every row (after a failed step); returns them so each can be answered."""
        rows, self.rows = self.rows, []
        self._cache = self._mask = self._positions = self._last = None
        return rows

    def _outcome(self, row: Row) -> Outcome:
        plan, job = row.plan, row.job
        if row.decoder is not None:
            row.decoder.end()
        completion, stopped = cut_at_stop(self._decode(row.new_ids), plan.stop)
        cancelled = job.cancel.is_set()
        if job.stream and not cancelled:
            tail = row.stop_filter.finish()
            if tail:
                row.emit(tail)
        reason = finish_reason(
            cancelled=cancelled,
            stopped_by_string=stopped,
            ended_with_eos=row.new_ids[-1] in self.eos_ids,
            tokens_out=len(row.new_ids),
            max_new_tokens=plan.max_new_tokens,
            text=completion,
        )
        return Outcome(
            generated_text=assemble_text(row.prompt, completion, plan),
            tokens_out=len(row.new_ids),
            finish_reason=reason,
            prompt_tokens=plan.prompt_tokens,
            first_token_at=row.first_token_at,
            capped_by_context=plan.capped_by_context,
            truncated_tokens=plan.truncated_tokens,
        )


class BatchScheduler(Scheduler):
    """The worker's queue, cancellation and counters (from ``Scheduler``) driving one batching loop thread.

    Up to ``concurrency`` requests are rows of the running batch at once; the rest wait in the FIFO queue
    and join as rows finish."""

    def __init__(self, engine: BatchEngine, writer: ProtocolWriter, concurrency: int, max_queue: int) -> None:
        self._batch = engine
        super().__init__(engine, writer, concurrency, max_queue)

    def _thread_count(self) -> int:
        return 1

    def _emitter(self, job: Job) -> Callable[[str], None]:
        def emit(text: str) -> None:
            if job.stream and text and not job.cancel.is_set():
                self._writer.send({"id": job.id, "event": "token", "text": text})

        return emit

    def _finish(self, job: Job, reply: dict[str, Any], reason: str, tokens_out: int) -> None:
        with self._cond:
            self.active -= 1
            self._jobs.pop(job.id, None)
            if reply["event"] == "done":
                self.completed += 1
            if reason == "cancelled":
                self.cancelled += 1
            self._record(job, reason, tokens_out)
        self._writer.send(reply)

    def _run(self) -> None:
        engine = self._batch
        started: dict[str, float] = {}
        while True:
            with self._cond:
                while not self._queue and not engine.rows and not self._shutdown:
                    self._cond.wait()
                if self._shutdown:
                    return
                admitted: list[Job] = []
                while self._queue and len(engine.rows) + len(admitted) < self._concurrency:
                    admitted.append(self._queue.popleft())
                self.active = len(engine.rows) + len(admitted)
                self.max_active = max(self.max_active, self.active)
            joining: list[Row] = []
            for job in admitted:
                started[job.id] = time.monotonic()
                try:
                    row = engine.start(job, self._emitter(job))
                except GenerationRequestError as exc:
                    self._finish(job, self._error(job, exc.code, exc.message, exc.hint), "error", 0)
                    continue
                except Exception as exc:  # a model failure answers this request; the others keep going
                    message = f"Generation failed: {type(exc).__name__}: {exc}"
                    self._finish(job, self._error(job, "Internal", message, ""), "error", 0)
                    continue
                if row is None:  # beam search: run it whole, between steps of the batch
                    reply, reason, tokens_out = self._execute(job, started[job.id])
                    started.pop(job.id, None)
                    self._finish(job, reply, reason, tokens_out)
                else:
                    joining.append(row)
            if joining:
                try:
                    engine.prefill(joining)
                except Exception as exc:  # these requests fail; the batch they were joining carries on
                    message = f"Generation failed: {type(exc).__name__}: {exc}"
                    for row in joining:
                        started.pop(row.job.id, None)
                        self._finish(row.job, self._error(row.job, "Internal", message, ""), "error", 0)
            if not engine.rows:
                continue
            try:
                finished = engine.step()
            except Exception as exc:
                message = f"Generation failed: {type(exc).__name__}: {exc}"
                for row in engine.reset():
                    started.pop(row.job.id, None)
                    self._finish(row.job, self._error(row.job, "Internal", message, ""), "error", 0)
                continue
            for row, outcome in finished:
                reply = self._done_message(row.job, outcome, started.pop(row.job.id, row.job.received))
                self._finish(row.job, reply, outcome.finish_reason, outcome.tokens_out)

    @staticmethod
    def _error(job: Job, code: str, message: str, hint: str) -> dict[str, Any]:
        return {"id": job.id, "event": "error", "code": code, "message": message, "hint": hint}


def make_scheduler(engine: Engine, writer: ProtocolWriter, concurrency: int, max_queue: int) -> Scheduler:
    """The batching scheduler for a model whose cache it can batch, else the thread-per-request one."""
    if isinstance(engine, BatchEngine) and supports_batching(engine.model):
        return BatchScheduler(engine, writer, concurrency, max_queue)
    return Scheduler(engine, writer, concurrency, max_queue)
