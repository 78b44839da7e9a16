"""A local "endpoint": one subprocess that loads a Hugging Face Llama-architecture model and generates.

    python -m jupyter_llama_neuron.backends.local.worker --model DIR --n-positions N \
        --concurrency B --threads 1 --max-queue Q

Protocol: JSON lines. stdout carries only protocol lines (fd 1 is redirected to stderr so library prints
cannot corrupt it); logs go to stderr.

    worker → {"event": "ready", "n_positions", "model_max_positions", "load_s", "chat_template", "dtype",
              "process_cpu_s", "phases": {name: {"wall_s", "cpu_s"}}}
           | {"event": "fatal", "message"}                  (then exits 1)
    → worker {"id", "op": "generate", "inputs": str | "messages": [{role, content}], "parameters", "stream"}
             {"id", "op": "cancel"}      stops a running generation, drops a queued one
             {"id", "op": "stats"}       scheduler counters (for diagnostics and tests)
    worker → {"id", "event": "token", "text"}        (stream=true only)
             {"id", "event": "done", "generated_text", "tokens_out", "finish_reason", "latency_s", "ttft_s",
              "queue_s", "prompt_tokens", "capped_by_context", "truncated_tokens"}
             {"id", "event": "error", "message", "code", "hint"}
             {"id", "event": "stats", "active", "queued", "max_active", "completed", "cancelled",
              "concurrency", "max_queue", "recent"}

Every generate request ends with exactly one ``done`` or ``error``. At most ``--concurrency`` generations run
at once (the deployment's max_rolling_batch_size); the rest wait in a FIFO queue of at most ``--max-queue``
(LlamaNeuronApp.local_max_queue), beyond which a request is refused at once with a ``Busy`` error (which the
server answers as 429 EndpointBusy with Retry-After, before any byte of a stream). By default they run
as rows of one continuously batched loop on one thread (``local/batching.py``, which says why);
``--scheduler threads`` runs one ``generate`` per request in its own thread instead. The worker exits
when stdin closes, so it never outlives the server that started it.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import IO, Any

from .engine import (
    DEFAULT_MAX_QUEUE,
    Job,
    ProtocolWriter,
    Scheduler,
    TorchEngine,
    _validate_messages,
)
from .generation import GenerationRequestError


def _parse_job(message: dict[str, Any]) -> Job:
    job_id = message.get("id")
    if not isinstance(job_id, str) or not job_id:
        raise GenerationRequestError("Every request needs a string 'id'.")
    parameters = message.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise GenerationRequestError("parameters must be a JSON object.")
    messages = message.get("messages")
    inputs = message.get("inputs")
    if messages is not None:
        return Job(job_id, None, _validate_messages(messages), parameters, bool(message.get("stream")))
    if not isinstance(inputs, str):
        raise GenerationRequestError("inputs must be a string (or send chat 'messages').")
    return Job(job_id, inputs, None, parameters, bool(message.get("stream")))


def serve(scheduler: Scheduler, writer: ProtocolWriter, stdin: IO[str]) -> None:
    """Read requests until stdin closes, then cancel what is running and return."""
    try:
        while True:
            line = stdin.readline()
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            try:
                message = json.loads(line)
                if not isinstance(message, dict):
                    raise ValueError("not an object")
            except ValueError as exc:
                writer.send(
                    {
                        "id": None,
                        "event": "error",
                        "code": "BadRequest",
                        "message": f"Malformed request line: {exc}",
                        "hint": "",
                    }
                )
                continue
            op = message.get("op")
            request_id = message.get("id")
            if op == "generate":
                try:
                    scheduler.submit(_parse_job(message))
                except GenerationRequestError as exc:
                    writer.send(
                        {
                            "id": request_id,
                            "event": "error",
                            "code": exc.code,
                            "message": exc.message,
                            "hint": exc.hint,
                        }
                    )
            elif op == "cancel" and isinstance(request_id, str):
                scheduler.cancel(request_id)
            elif op == "stats":
                writer.send({"id": request_id, "event": "stats", **scheduler.stats()})
            else:
                writer.send(
                    {
                        "id": request_id,
                        "event": "error",
                        "code": "BadRequest",
                        "message": f"Unknown op {op!r}.",
                        "hint": "",
                    }
                )
    finally:
        scheduler.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="jupyter-llama-neuron local endpoint worker")
    parser.add_argument("--model", required=True, help="Hugging Face model folder")
    parser.add_argument("--n-positions", type=int, required=True, help="context length: prompt + new tokens")
    parser.add_argument("--concurrency", type=int, default=1, help="generations running at once")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--dtype", choices=["auto", "float32", "bfloat16"], default="float32")
    parser.add_argument(
        "--max-queue", type=int, default=DEFAULT_MAX_QUEUE, help="requests waiting beyond --concurrency"
    )
    parser.add_argument(
        "--scheduler",
        choices=["batch", "threads"],
        default="batch",
        help="batch: one continuously batched loop (local/batching.py); threads: one generate() per request",
    )
    # Unused by the worker itself: it makes the endpoint visible in the process's command line, which is how a
    # restarted server recognises (by PID and /proc) a stale worker it may kill.
    parser.add_argument("--endpoint", default="", help="endpoint name (identification only)")
    args = parser.parse_args(argv)

    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    writer = ProtocolWriter(protocol)
    # Before torch is imported: OpenMP reads these once. Extra threads are slower on a busy 2-core box.
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    try:
        engine_class: type[TorchEngine] = TorchEngine
        if args.scheduler == "batch":
            from .batching import BatchEngine

            engine_class = BatchEngine
        engine = engine_class(args.model, args.n_positions, max(1, args.threads), args.dtype)
    except Exception as exc:  # any load failure is reported as the endpoint's failure reason
        writer.send(
            {
                "event": "fatal",
                "message": f"Could not load the model from {args.model}: {type(exc).__name__}: {exc}",
            }
        )
        return 1
    writer.send(
        {
            "event": "ready",
            "n_positions": engine.n_positions,
            "model_max_positions": engine.model_max_positions,
            "load_s": round(engine.load_s, 3),
            # Since the interpreter started (module imports included): where a deploy's start-up time goes.
            "process_cpu_s": round(time.process_time(), 3),
            "phases": engine.phases,
            "chat_template": engine.has_chat_template,
            "dtype": str(engine.model.dtype).replace("torch.", ""),
            "pid": os.getpid(),
        }
    )
    from .batching import make_scheduler

    scheduler = make_scheduler(engine, writer, max(1, args.concurrency), max(1, args.max_queue))
    serve(scheduler, writer, sys.stdin)
    return 0


if __name__ == "__main__":
    sys.exit(main())
