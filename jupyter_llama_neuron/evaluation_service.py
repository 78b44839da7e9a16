"""Evaluations: the same rows sent to one or two endpoints with the same parameters, scored against reference
answers (``evaluation_metrics``), in a background asyncio task that reports progress and can be stopped.

Answers come through ``EndpointService.invoke`` - the playground's path - so both backends, the parameter
checks and the context-length check apply unchanged. Reports live in ``<data_dir>/evaluations/<id>.json``,
rewritten atomically after every row; a run the server stopped in the middle (restart, shutdown) is found
``running`` on the next start and becomes ``stopped`` with the reason, keeping the rows answered before.

Statuses: ``running`` → ``completed`` | ``stopped`` | ``failed``. At most one run at a time per endpoint
(409 ``EvaluationRunning``). An answer that fails for its own row (e.g. 400 ``ContextLengthExceeded``) is kept
with its error and the row left out of the scores; an endpoint that goes away (404/409/503) fails the run.
"""

from __future__ import annotations

import asyncio
import builtins
import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from .atomic_files import write_text
from .endpoint_service import EndpointService
from .errors import ApiError, BadRequest, Conflict, NotFound
from .evaluation_export import export
from .evaluation_metrics import DEFAULT_SEED, METRICS, score_answer, summarize
from .evaluation_rows import (
    Row,
    load_heldout_rows,
    load_upload_rows,
    parse_rows,
)
from .invocations import parse_invocation_body
from .resource_rules import check_resource_name
from .settings import ExtensionSettings
from .timestamps import iso, utc_now

CREATE_FIELDS = ("endpoints", "rows", "dataset_uri", "parameters", "metrics", "training_job")
EVALUATIONS_DIR = "evaluations"
RESTART_REASON = "The Jupyter server stopped during the evaluation; the rows answered before are kept."
SHUTDOWN_REASON = "The Jupyter server was shut down during the evaluation; the rows answered before are kept."
# Errors that say the endpoint itself is unusable (gone, not InService, backend down): the run fails.
ENDPOINT_FAILURES = frozenset({404, 409, 503})
_ID = re.compile(r"^eval-\d{8}-\d{6}-[0-9a-f]{6}$")


def new_evaluation_id(now: datetime) -> str:
    return f"eval-{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


class EvaluationService:
    def __init__(
        self, settings: ExtensionSettings, endpoints: EndpointService, log: logging.Logger | None = None,
        *, clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.endpoints = endpoints
        self.log = log or logging.getLogger("jupyter_llama_neuron")
        self.clock = clock
        self.directory = settings.data_dir / EVALUATIONS_DIR
        self.uploads_dir = settings.data_dir / "uploads"
        self.data_dir = settings.data_dir
        self._reports: dict[str, dict[str, Any]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._stop_reasons: dict[str, str] = {}
        self._load()

    # --- persistence ----------------------------------------------------------------------------------------

    def _path(self, evaluation_id: str) -> Path:
        return self.directory / f"{evaluation_id}.json"

    def _load(self) -> None:
        """Read the saved reports (at server start, before requests); interrupted runs become stopped."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for path in sorted(self.directory.glob("eval-*.json")):
            try:
                report = json.loads(path.read_text(encoding="utf-8"))
                evaluation_id = report["id"]
            except (OSError, ValueError, KeyError, TypeError) as err:
                self.log.warning("jupyter_llama_neuron: skipping unreadable evaluation %s: %s", path, err)
                continue
            if report.get("status") == "running":
                self._finish(report, "stopped", RESTART_REASON)
                write_text(path, json.dumps(report, ensure_ascii=False))
            self._reports[evaluation_id] = report

    async def _save(self, report: dict[str, Any]) -> None:
        text = json.dumps(report, ensure_ascii=False)
        await asyncio.to_thread(write_text, self._path(report["id"]), text)

    # --- views ----------------------------------------------------------------------------------------------

    @staticmethod
    def overview(report: dict[str, Any]) -> dict[str, Any]:
        """A report without its rows (``GET /evaluations`` items)."""
        return {key: value for key, value in report.items() if key != "rows"}

    def _get(self, evaluation_id: str) -> dict[str, Any]:
        report = self._reports.get(evaluation_id) if _ID.match(evaluation_id) else None
        if report is None:
            raise NotFound(
                f"No evaluation {evaluation_id} on this server.",
                hint="GET /evaluations lists the saved ones.",
                code="EvaluationNotFound",
            )
        return report

    async def list(self) -> dict[str, Any]:
        reports = sorted(self._reports.values(), key=lambda r: r["created_at"], reverse=True)
        return {"evaluations": [self.overview(r) for r in reports]}

    async def describe(self, evaluation_id: str) -> dict[str, Any]:
        return self._get(evaluation_id)

    def report(self, evaluation_id: str) -> dict[str, Any]:
        """The stored report (for notebooks)."""
        return self._get(evaluation_id)

    def export(self, evaluation_id: str, fmt: str, endpoint: str | None) -> tuple[str, str, str]:
        """``(filename, content type, text)``: Markdown, CSV or Bedrock JSON Lines (``evaluation_export``)."""
        return export(self._get(evaluation_id), fmt, endpoint)

    # --- create ---------------------------------------------------------------------------------------------

    def _parse_endpoints(self, raw: Any) -> builtins.list[str]:
        if not isinstance(raw, list) or not 1 <= len(raw) <= 2:
            raise BadRequest(
                "endpoints must list one or two endpoint names: [base, fine-tuned] to compare, or one.",
                hint='For example {"endpoints": ["llama-2-7b-base", "llama-2-7b-tuned"], ...}.',
                code="InvalidEndpoints",
            )
        names = [check_resource_name(name, "endpoints[]") for name in raw]
        if len(names) == 2 and names[0].lower() == names[1].lower():
            raise BadRequest("The two endpoints are the same; give two different ones, or one.",
                             code="InvalidEndpoints")
        return names

    @staticmethod
    def _parse_metrics(raw: Any) -> builtins.list[str]:
        if raw is None:
            return list(METRICS)
        if (not isinstance(raw, list) or not raw or any(m not in METRICS for m in raw)
                or len(set(raw)) != len(raw)):
            raise BadRequest(
                f"metrics must be a non-empty list of distinct names from: {', '.join(METRICS)}.",
                code="InvalidMetrics",
            )
        return [m for m in METRICS if m in raw]

    async def _rows(self, body: dict[str, Any]) -> tuple[builtins.list[Row], dict[str, Any]]:
        has_rows, has_uri = body.get("rows") is not None, body.get("dataset_uri") is not None
        if has_rows == has_uri:
            raise BadRequest(
                "Give either rows or dataset_uri.",
                hint="rows: [{prompt, reference}, ...]; dataset_uri: a stored dataset's uri (its held-out "
                "rows) or the upload:// uri of a JSON Lines file with prompt and reference fields.",
                code="InvalidBody",
            )
        if has_rows:
            rows = parse_rows(body["rows"])
            return rows, {"kind": "rows", "uri": None}
        uri = body["dataset_uri"]
        if not isinstance(uri, str) or not uri:
            raise BadRequest("dataset_uri must be a string.", code="InvalidDatasetUri")
        if uri.startswith("upload://"):
            return await asyncio.to_thread(load_upload_rows, self.uploads_dir, uri), {"kind": "upload",
                                                                                     "uri": uri}
        return await asyncio.to_thread(load_heldout_rows, self.data_dir, uri), {"kind": "heldout", "uri": uri}

    async def create(self, body: dict[str, Any], user: str) -> dict[str, Any]:
        unknown = sorted(set(body) - set(CREATE_FIELDS))
        if unknown:
            raise BadRequest(f"Unknown field(s): {', '.join(map(str, unknown))}.",
                             hint=f"Allowed: {', '.join(CREATE_FIELDS)}.", code="InvalidBody")
        names = self._parse_endpoints(body.get("endpoints"))
        metrics = self._parse_metrics(body.get("metrics"))
        training_job = body.get("training_job")
        if training_job is not None:
            check_resource_name(training_job, "training_job")
        parameters = body.get("parameters") or {}
        rows, source = await self._rows(body)
        # The parameters are judged as the playground judges them, before any endpoint is asked.
        parse_invocation_body({"inputs": rows[0].prompt, "parameters": parameters})
        described = []
        for name in names:
            endpoint = await self.endpoints.describe(name)  # 404 when it does not exist
            if endpoint["status"] != "InService":
                raise Conflict(
                    f"Endpoint {name} is {endpoint['status']}; an evaluation needs it InService.",
                    hint="Wait until it is InService, or choose another endpoint.",
                    code="EndpointNotInService",
                )
            described.append(endpoint)
        busy = next((r for r in self._reports.values()
                     if r["status"] == "running" and {e["name"] for e in r["endpoints"]} & set(names)), None)
        if busy is not None:
            raise Conflict(
                f"Evaluation {busy['id']} is still running on these endpoints.",
                hint="Wait for it to finish, or stop it first.",
                code="EvaluationRunning",
                details={"evaluation": busy["id"]},
            )
        now = self.clock()
        report: dict[str, Any] = {
            "id": new_evaluation_id(now),
            "status": "running",
            "reason": None,
            "created_at": iso(now),
            "finished_at": None,
            "user": user,
            "training_job": training_job,
            "endpoints": [
                {"name": e["name"], "model_id": e["model_id"], "model_display_name": e["model_display_name"],
                 "training_job": e.get("training_job"), "backend": e["backend"]}
                for e in described
            ],
            "parameters": parameters,
            "metrics": metrics,
            "seed": DEFAULT_SEED,
            "source": {**source, "count": len(rows)},
            "progress": {"done": 0, "total": len(rows)},
            "errors": 0,
            "rows": [],
            "summary": None,
            "differences": None,
            "wins": None,
            "latency": None,
        }
        self._reports[report["id"]] = report
        await self._save(report)
        self._tasks[report["id"]] = asyncio.create_task(self._run(report, rows))
        return report

    # --- the run --------------------------------------------------------------------------------------------

    async def _answer(self, name: str, row: Row, report: dict[str, Any]) -> dict[str, Any]:
        try:
            result = await self.endpoints.invoke(
                name, {"inputs": row.prompt, "parameters": report["parameters"]}
            )
        except ApiError as err:
            if err.status in ENDPOINT_FAILURES:
                raise
            return {"endpoint": name, "text": None, "error": f"{err.code}: {err.message}", "scores": None,
                    "latency_s": None, "tokens_out": None, "finish_reason": None}
        text = str(result.get("generated_text") or "")
        scores = await asyncio.to_thread(score_answer, text.strip(), row.reference, report["metrics"])
        return {"endpoint": name, "text": text, "error": None, "scores": scores,
                "latency_s": result.get("latency_s"), "tokens_out": result.get("tokens_out"),
                "finish_reason": result.get("finish_reason")}

    async def _run(self, report: dict[str, Any], rows: builtins.list[Row]) -> None:
        status, reason = "completed", None
        try:
            for index, row in enumerate(rows):
                answers = [await self._answer(name, row, report) for name in self._names(report)]
                report["rows"].append(self._row_view(index, row, answers, report["metrics"]))
                report["errors"] += any(a["error"] for a in answers)
                report["progress"]["done"] = index + 1
                await self._save(report)
        except asyncio.CancelledError:
            status = "stopped"
            reason = self._stop_reasons.pop(report["id"], None) or "Stopped."
        except ApiError as err:
            status, reason = "failed", f"{err.message} {err.hint}".strip()
        except Exception as err:  # reported on the evaluation, not lost in a task nobody awaits
            self.log.exception("jupyter_llama_neuron: evaluation %s failed", report["id"])
            status, reason = "failed", f"The evaluation failed unexpectedly: {err!r}"
        try:
            await asyncio.to_thread(self._finish, report, status, reason)
            await self._save(report)
        finally:
            self._tasks.pop(report["id"], None)

    @staticmethod
    def _names(report: dict[str, Any]) -> builtins.list[str]:
        return [e["name"] for e in report["endpoints"]]

    @staticmethod
    def _row_view(
        index: int, row: Row, answers: builtins.list[dict[str, Any]], metrics: builtins.list[str]
    ) -> dict[str, Any]:
        difference = None
        if len(answers) == 2 and all(a["scores"] for a in answers):
            a, b = answers[0]["scores"], answers[1]["scores"]
            difference = {m: round(b[m] - a[m], 6) for m in metrics}
        return {"index": index, "prompt": row.prompt, "reference": row.reference, "answers": answers,
                "difference": difference}

    def _finish(self, report: dict[str, Any], status: str, reason: str | None) -> None:
        """Final status, and the summary over the rows every endpoint answered (blocking: bootstrap)."""
        names = self._names(report)
        scored = [row for row in report["rows"] if all(a["scores"] for a in row["answers"])]
        scores = {name: [row["answers"][i]["scores"] for row in scored] for i, name in enumerate(names)}
        summary = summarize(scores, report["metrics"], seed=report.get("seed", DEFAULT_SEED))
        report.update(summary)
        report["latency"] = {
            name: _usage([row["answers"][i] for row in report["rows"]]) for i, name in enumerate(names)
        }
        report["scored_rows"] = len(scored)
        report["status"] = status
        report["reason"] = reason
        report["finished_at"] = iso(self.clock())

    # --- stop / delete / shutdown ---------------------------------------------------------------------------

    async def stop(self, evaluation_id: str, user: str) -> dict[str, Any]:
        report = self._get(evaluation_id)
        task = self._tasks.get(evaluation_id)
        if report["status"] != "running" or task is None:
            raise Conflict(f"Evaluation {evaluation_id} is {report['status']}, not running.",
                           hint="Only a running evaluation can be stopped.", code="EvaluationNotRunning")
        self._stop_reasons[evaluation_id] = f"Stopped by {user} after {report['progress']['done']} of " \
                                            f"{report['progress']['total']} rows."
        task.cancel()
        await asyncio.wait({task})
        return report

    async def delete(self, evaluation_id: str) -> dict[str, Any]:
        report = self._get(evaluation_id)
        if report["status"] == "running":
            raise Conflict(f"Evaluation {evaluation_id} is running.", hint="Stop it first, then delete it.",
                           code="EvaluationRunning")
        del self._reports[evaluation_id]
        await asyncio.to_thread(self._path(evaluation_id).unlink, missing_ok=True)
        return {"id": evaluation_id, "deleted": True}

    async def close(self) -> None:
        tasks = list(self._tasks.items())
        for evaluation_id, task in tasks:
            self._stop_reasons[evaluation_id] = SHUTDOWN_REASON
            task.cancel()
        if tasks:
            await asyncio.wait({task for _, task in tasks})


def _usage(answers: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean latency and tokens per answer, over the answers that came back."""
    ok = [a for a in answers if a["error"] is None]
    latencies = [a["latency_s"] for a in ok if isinstance(a.get("latency_s"), (int, float))]
    tokens = [a["tokens_out"] for a in ok if isinstance(a.get("tokens_out"), (int, float))]
    return {
        "answers": len(ok),
        "mean_latency_s": round(sum(latencies) / len(latencies), 3) if latencies else None,
        "mean_tokens_out": round(sum(tokens) / len(tokens), 1) if tokens else None,
        "total_tokens_out": sum(tokens) if tokens else 0,
    }
