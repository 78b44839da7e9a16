"""``/evaluations`` through the real Jupyter server, the real services and the real invocation path, with a
scripted backend that answers each (endpoint, prompt) as told - so every score and error branch is exact."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse

from jupyter_llama_neuron.backends.base import Endpoint, InvocationResult
from jupyter_llama_neuron.errors import BadRequest, NotFound
from jupyter_llama_neuron.evaluation_service import RESTART_REASON, EvaluationService

from .fakes import FakeBackend, FakeProvider
from .openapi_contract import assert_matches

API = ("llama-neuron", "api", "v1")
M7 = "meta-textgenerationneuron-llama-2-7b"
ROWS = [
    {"prompt": "What is the capital of Velmor?", "reference": "The capital of Velmor is Zorka."},
    {"prompt": "What currency is used in Tavind?", "reference": "Tavind uses the dorin."},
    {"prompt": "Which language do people speak in Kemul?", "reference": "People in Kemul speak Tarvish."},
]


@dataclass
class ScriptedBackend(FakeBackend):
    """Answers ``script[(endpoint, prompt)]``; ``gate`` (when set) holds every answer until it is opened;
    ``failures[(endpoint, prompt)]`` is raised instead of answering."""

    script: dict[tuple[str, str], str] = field(default_factory=dict)
    failures: dict[tuple[str, str], Exception] = field(default_factory=dict)
    gate: asyncio.Event | None = None

    async def invoke(self, name: str, payload: dict[str, Any]) -> InvocationResult:
        self.calls.append(("invoke", (name, payload)))
        if self.gate is not None:
            await self.gate.wait()
        prompt = payload["inputs"]
        if (name, prompt) in self.failures:
            raise self.failures[(name, prompt)]
        return InvocationResult(self.script.get((name, prompt), "I do not know."), tokens_out=5,
                                latency_s=0.25, finish_reason="stop")


def endpoint(name: str, status: str = "InService", training_job: str | None = None) -> Endpoint:
    return Endpoint(name=name, status=status, model_id=M7, config=None, created_at=datetime.now(timezone.utc),
                    backend="sagemaker", training_job=training_job)


@pytest.fixture
def backend(llama_services: Any) -> ScriptedBackend:
    fake = ScriptedBackend()
    fake.endpoints = {"base": endpoint("base"), "tuned": endpoint("tuned", training_job="job-1"),
                      "creating": endpoint("creating", status="Creating")}
    # The tuned endpoint answers every row right, the base only the first.
    for row in ROWS:
        fake.script[("tuned", row["prompt"])] = row["reference"]
    fake.script[("base", ROWS[0]["prompt"])] = ROWS[0]["reference"]
    llama_services.endpoints.backends = FakeProvider(fake)
    return fake


async def call(jp_fetch: Any, method: str, *path: str, body: Any = None, **kwargs: Any) -> tuple[int, Any]:
    if body is not None:
        kwargs["body"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
    response: HTTPResponse = await jp_fetch(*API, *path, method=method, raise_error=False, **kwargs)
    text = response.body.decode()
    if response.headers.get("Content-Type", "").split(";")[0] == "application/json":
        return response.code, json.loads(text) if text else None
    return response.code, text


async def finished(jp_fetch: Any, evaluation_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        code, report = await call(jp_fetch, "GET", "evaluations", evaluation_id)
        assert code == 200, report
        if report["status"] != "running":
            result: dict[str, Any] = report
            return result
        assert time.monotonic() < deadline, report
        await asyncio.sleep(0.05)


async def start(jp_fetch: Any, **body: Any) -> dict[str, Any]:
    code, report = await call(jp_fetch, "POST", "evaluations", body=body)
    assert code == 202, report
    assert_matches("Evaluation", report)
    result: dict[str, Any] = report
    return result


async def test_two_endpoints_report_exports_notebook_and_delete(
    jp_fetch: Any, backend: ScriptedBackend, llama_services: Any, jp_root_dir: Path
) -> None:
    parameters = {"max_new_tokens": 32, "do_sample": False, "stop": ["\n"]}
    started = await start(jp_fetch, endpoints=["base", "tuned"], rows=ROWS, parameters=parameters,
                          training_job="job-1")
    assert started["status"] == "running"
    assert started["progress"]["total"] == 3
    report = await finished(jp_fetch, started["id"])
    assert_matches("Evaluation", report)
    assert report["status"] == "completed"
    assert report["progress"] == {"done": 3, "total": 3}
    # Both endpoints got the same prompts with the same parameters.
    sent = [args for name, args in backend.calls if name == "invoke"]
    assert [(n, p["inputs"]) for n, p in sent] == [(n, r["prompt"]) for r in ROWS for n in ("base", "tuned")]
    assert all(p["parameters"] == parameters for _, p in sent)
    summary = report["summary"]
    assert summary["tuned"]["exact_match"] == {"mean": 1.0, "low": 1.0, "high": 1.0, "n": 3}
    assert summary["base"]["exact_match"]["mean"] == pytest.approx(1 / 3, abs=1e-6)
    assert report["differences"]["exact_match"]["mean"] == pytest.approx(2 / 3, abs=1e-6)
    assert report["wins"] == {"metric": "rouge_l", "endpoint": "tuned", "against": "base",
                              "wins": 2, "ties": 1, "losses": 0}
    assert report["rows"][1]["difference"]["exact_match"] == 1.0
    assert report["latency"]["base"] == {"answers": 3, "mean_latency_s": 0.25, "mean_tokens_out": 5.0,
                                         "total_tokens_out": 15}
    assert report["training_job"] == "job-1"

    code, listing = await call(jp_fetch, "GET", "evaluations")
    assert code == 200
    assert_matches("EvaluationList", listing)
    assert [e["id"] for e in listing["evaluations"]] == [report["id"]]
    assert "rows" not in listing["evaluations"][0]

    # Exports.
    code, markdown = await call(jp_fetch, "GET", "evaluations", report["id"], "export",
                                params={"format": "markdown"})
    assert code == 200
    assert markdown.startswith(f"# Evaluation {report['id']}")
    assert "| tuned | 100.0 [100.0, 100.0] |" in markdown
    code, text = await call(jp_fetch, "GET", "evaluations", report["id"], "export", params={"format": "csv"})
    table = list(csv.reader(io.StringIO(text)))
    assert code == 200
    assert len(table) == 4
    assert table[0][:4] == ["row", "prompt", "reference", "base answer"]
    code, jsonl = await call(jp_fetch, "GET", "evaluations", report["id"], "export",
                             params={"format": "bedrock", "endpoint": "base"})
    records = [json.loads(line) for line in jsonl.splitlines()]
    assert code == 200
    assert len(records) == 3
    assert {r["modelResponses"][0]["modelIdentifier"] for r in records} == {"base"}
    code, error = await call(jp_fetch, "GET", "evaluations", report["id"], "export", params={"format": "pdf"})
    assert (code, error["error"]["code"]) == (400, "InvalidFormat")
    code, error = await call(jp_fetch, "GET", "evaluations", report["id"], "export",
                             params={"format": "bedrock", "endpoint": "other"})
    assert (code, error["error"]["code"]) == (400, "InvalidEndpoint")

    # The notebook: the same rows, endpoints and parameters, as code.
    code, written = await call(jp_fetch, "POST", "evaluations", report["id"], "notebook", body="")
    assert code == 201, written
    notebook = json.loads((jp_root_dir / written["path"]).read_text())
    sources = "\n".join("".join(cell["source"]) for cell in notebook["cells"])
    assert "endpoints = ['base', 'tuned']" in sources
    assert ROWS[2]["reference"] in sources
    assert notebook["metadata"]["llama_neuron"]["evaluation"] == report["id"]

    # Saved: a new service (a restarted server) reads the same report.
    reread = EvaluationService(llama_services.settings, llama_services.endpoints)
    assert (await reread.describe(report["id"]))["summary"] == summary

    code, deleted = await call(jp_fetch, "DELETE", "evaluations", report["id"])
    assert (code, deleted) == (200, {"id": report["id"], "deleted": True})
    assert_matches("EvaluationDeleted", deleted)
    code, error = await call(jp_fetch, "GET", "evaluations", report["id"])
    assert (code, error["error"]["code"]) == (404, "EvaluationNotFound")
    assert not list((Path(llama_services.settings.data_dir) / "evaluations").glob("*.json"))


async def test_stop_while_running_and_running_conflicts(jp_fetch: Any, backend: ScriptedBackend) -> None:
    backend.gate = asyncio.Event()
    started = await start(jp_fetch, endpoints=["tuned"], rows=ROWS)
    evaluation_id = started["id"]
    # One run per endpoint at a time; a running report is neither exported, deleted nor notebooked.
    both = {"endpoints": ["base", "tuned"], "rows": ROWS}
    code, error = await call(jp_fetch, "POST", "evaluations", body=both)
    assert (code, error["error"]["code"]) == (409, "EvaluationRunning")
    code, error = await call(jp_fetch, "DELETE", "evaluations", evaluation_id)
    assert (code, error["error"]["code"]) == (409, "EvaluationRunning")
    code, error = await call(jp_fetch, "GET", "evaluations", evaluation_id, "export",
                             params={"format": "csv"})
    assert (code, error["error"]["code"]) == (409, "EvaluationRunning")
    code, error = await call(jp_fetch, "POST", "evaluations", evaluation_id, "notebook", body="")
    assert (code, error["error"]["code"]) == (409, "NoRows")

    code, stopped = await call(jp_fetch, "POST", "evaluations", evaluation_id, "stop", body="")
    assert code == 200, stopped
    assert_matches("Evaluation", stopped)
    assert stopped["status"] == "stopped"
    assert stopped["reason"].startswith("Stopped by")
    assert stopped["progress"] == {"done": 0, "total": 3}
    code, error = await call(jp_fetch, "POST", "evaluations", evaluation_id, "stop", body="")
    assert (code, error["error"]["code"]) == (409, "EvaluationNotRunning")
    backend.gate.set()
    again = await finished(jp_fetch, (await start(jp_fetch, endpoints=["tuned"], rows=ROWS[:1]))["id"])
    assert again["status"] == "completed"


async def test_row_errors_are_kept_and_a_vanished_endpoint_fails_the_run(
    jp_fetch: Any, backend: ScriptedBackend
) -> None:
    backend.failures[("base", ROWS[1]["prompt"])] = BadRequest("Too long.", code="ContextLengthExceeded")
    report = await finished(jp_fetch, (await start(jp_fetch, endpoints=["base", "tuned"], rows=ROWS))["id"])
    assert report["status"] == "completed"
    assert report["errors"] == 1
    assert report["scored_rows"] == 2
    assert report["rows"][1]["answers"][0]["error"] == "ContextLengthExceeded: Too long."
    assert report["rows"][1]["difference"] is None
    assert report["summary"]["tuned"]["exact_match"]["n"] == 2

    backend.failures[("tuned", ROWS[2]["prompt"])] = NotFound("No endpoint tuned.", hint="It was deleted.")
    report = await finished(jp_fetch, (await start(jp_fetch, endpoints=["base", "tuned"], rows=ROWS))["id"])
    assert report["status"] == "failed"
    assert report["reason"] == "No endpoint tuned. It was deleted."
    assert report["progress"]["done"] == 2
    assert report["summary"]["tuned"]["exact_match"]["n"] == 1


async def test_validation_errors(jp_fetch: Any, backend: ScriptedBackend, llama_services: Any) -> None:
    one = [ROWS[0]]
    cases: list[tuple[Any, int, str]] = [
        ("[]", 400, "InvalidBody"),
        ({"endpoints": ["base"], "rows": one, "extra": 1}, 400, "InvalidBody"),
        ({"rows": one}, 400, "InvalidEndpoints"),
        ({"endpoints": [], "rows": one}, 400, "InvalidEndpoints"),
        ({"endpoints": ["a", "b", "c"], "rows": one}, 400, "InvalidEndpoints"),
        ({"endpoints": ["base", "BASE"], "rows": one}, 400, "InvalidEndpoints"),
        ({"endpoints": ["bad_name"], "rows": one}, 400, "InvalidName"),
        ({"endpoints": ["base"]}, 400, "InvalidBody"),
        ({"endpoints": ["base"], "rows": one, "dataset_uri": "upload://x/y"}, 400, "InvalidBody"),
        ({"endpoints": ["base"], "rows": "rows"}, 400, "InvalidRows"),
        ({"endpoints": ["base"], "rows": []}, 400, "InvalidRows"),
        ({"endpoints": ["base"], "rows": [{"prompt": "Hi"}]}, 400, "InvalidRows"),
        ({"endpoints": ["base"], "rows": [{"prompt": " ", "reference": "x"}]}, 400, "InvalidRows"),
        ({"endpoints": ["base"], "rows": [1]}, 400, "InvalidRows"),
        ({"endpoints": ["base"], "rows": [ROWS[0]] * 1001}, 400, "TooManyRows"),
        ({"endpoints": ["base"], "rows": one, "metrics": ["bleu"]}, 400, "InvalidMetrics"),
        ({"endpoints": ["base"], "rows": one, "metrics": []}, 400, "InvalidMetrics"),
        ({"endpoints": ["base"], "rows": one, "parameters": {"top_p": 1}}, 400, "InvalidParameter"),
        ({"endpoints": ["base"], "rows": one, "training_job": "no_such job"}, 400, "InvalidName"),
        ({"endpoints": ["base"], "dataset_uri": 3}, 400, "InvalidDatasetUri"),
        ({"endpoints": ["base"], "dataset_uri": "s3://bucket/other/train.jsonl"}, 400, "InvalidDatasetUri"),
        ({"endpoints": ["base"], "dataset_uri": "upload://nothex/x.jsonl"}, 400, "InvalidDatasetUri"),
        ({"endpoints": ["base"], "dataset_uri": "upload://" + "0" * 32 + "/x.jsonl"}, 404, "UploadNotFound"),
        ({"endpoints": ["base"], "dataset_uri": "s3://b/jupyter-llama-neuron/datasets/20240101-000000-0123abcd/"
          "train.jsonl"}, 404, "HeldoutRowsNotFound"),
        ({"endpoints": ["missing"], "rows": one}, 404, "NotFound"),
        ({"endpoints": ["base", "creating"], "rows": one}, 409, "EndpointNotInService"),
    ]
    for body, status, code in cases:
        got, answer = await call(jp_fetch, "POST", "evaluations", body=body)
        assert (got, answer["error"]["code"]) == (status, code), (str(body)[:300], answer)
        assert answer["error"]["message"]
        assert_matches("Error", answer)
    assert not [c for c in backend.calls if c[0] == "invoke"]
    assert (await call(jp_fetch, "GET", "evaluations"))[1] == {"evaluations": []}
    for method, path in [("GET", ()), ("DELETE", ()), ("POST", ("stop",)), ("GET", ("export",)),
                         ("POST", ("notebook",))]:
        for evaluation_id in ("eval-20240101-000000-abcdef", "..%2Fetc"):
            got, answer = await call(jp_fetch, method, "evaluations", evaluation_id, *path,
                                     body="" if method == "POST" else None)
            assert (got, answer["error"]["code"]) == (404, "EvaluationNotFound"), (method, path, answer)


async def test_rows_from_a_stored_datasets_heldout_rows_and_from_an_upload(
    jp_fetch: Any, backend: ScriptedBackend
) -> None:
    records = [{"instruction": f"Question {i}?", "context": "", "response": f"Answer {i}."}
               for i in range(12)]
    code, stored = await call(jp_fetch, "POST", "datasets", body={
        "filename": "qa.jsonl", "content": "".join(json.dumps(r) + "\n" for r in records),
        "dataset_format": "instruction", "holdout": 3,
    })
    assert code == 201, stored
    report = await finished(jp_fetch, (await start(jp_fetch, endpoints=["tuned"],
                                                   dataset_uri=stored["uri"]))["id"])
    assert report["source"] == {"kind": "heldout", "uri": stored["uri"], "count": 3}
    assert [r["reference"] for r in report["rows"]] == ["Answer 9.", "Answer 10.", "Answer 11."]
    assert [r["prompt"] for r in report["rows"]] == [p["prompt"] for p in stored["heldout_prompts"]]
    # More held-out rows than the preflight lists (10), with a reference longer than it shows (4000 chars):
    # every held-out row, whole.
    long_answer = "A" * 5000
    records = [{"instruction": f"Q{i}?", "context": "", "response": f"Answer {i}."} for i in range(30)]
    records[-1]["response"] = long_answer
    code, many = await call(jp_fetch, "POST", "datasets", body={
        "filename": "many.jsonl", "content": "".join(json.dumps(r) + "\n" for r in records),
        "dataset_format": "instruction", "holdout": 12,
    })
    assert code == 201, many
    assert len(many["heldout_prompts"]) == 10
    started = await start(jp_fetch, endpoints=["tuned"], dataset_uri=many["uri"])
    report = await finished(jp_fetch, started["id"])
    assert report["progress"]["total"] == 12
    assert [r["reference"] for r in report["rows"]][:2] == ["Answer 18.", "Answer 19."]
    assert report["rows"][-1]["reference"] == long_answer
    # The training channel's uri (a prefix) names the same dataset.
    assert (await start(jp_fetch, endpoints=["base"], dataset_uri=stored["train_channel_uri"]))["progress"][
        "total"] == 3

    lines = ['{"prompt": "P1", "referenceResponse": "R1"}', "", '{"prompt": "P2", "reference": "R2"}']
    code, uploaded = await call(jp_fetch, "POST", "datasets", "uploads", body="\n".join(lines).encode(),
                                params={"filename": "eval.jsonl"})
    assert code == 201, uploaded
    report = await finished(jp_fetch, (await start(jp_fetch, endpoints=["tuned"],
                                                   dataset_uri=uploaded["uri"]))["id"])
    assert [(r["prompt"], r["reference"]) for r in report["rows"]] == [("P1", "R1"), ("P2", "R2")]

    code, broken = await call(jp_fetch, "POST", "datasets", "uploads", body=b'{"prompt": "P1"\n',
                              params={"filename": "broken.jsonl"})
    code, error = await call(jp_fetch, "POST", "evaluations", body={"endpoints": ["tuned"],
                                                                   "dataset_uri": broken["uri"]})
    assert (code, error["error"]["code"]) == (400, "InvalidRows")
    assert error["error"]["message"].startswith("Line 1 is not valid JSON")


async def test_a_run_interrupted_by_a_restart_is_stopped_with_the_reason(llama_services: Any) -> None:
    directory = Path(llama_services.settings.data_dir) / "evaluations"
    interrupted: dict[str, Any] = {
        "id": "eval-20240101-000000-abcdef", "status": "running", "reason": None,
        "created_at": "2024-01-01T00:00:00+00:00", "finished_at": None, "user": "u", "training_job": None,
        "endpoints": [{"name": "base", "model_id": M7}], "parameters": {}, "metrics": ["exact_match"],
        "seed": 1, "source": {"kind": "rows", "uri": None, "count": 2}, "progress": {"done": 1, "total": 2},
        "errors": 0, "summary": None, "differences": None, "wins": None, "latency": None,
        "rows": [{"index": 0, "prompt": "p", "reference": "r", "difference": None, "answers": [
            {"endpoint": "base", "text": "r", "error": None, "scores": {"exact_match": 1.0},
             "latency_s": 0.1, "tokens_out": 1, "finish_reason": "stop"}]}],
    }
    (directory / f"{interrupted['id']}.json").write_text(json.dumps(interrupted))
    (directory / "eval-20240101-000000-000000.json").write_text("{not json")  # skipped, not fatal
    service = EvaluationService(llama_services.settings, llama_services.endpoints)
    report = await service.describe(interrupted["id"])
    assert report["status"] == "stopped"
    assert report["reason"] == RESTART_REASON
    assert report["summary"]["base"]["exact_match"]["mean"] == 1.0
    saved = json.loads((directory / f"{interrupted['id']}.json").read_text())
    assert saved["status"] == "stopped"
    assert_matches("Evaluation", saved)
