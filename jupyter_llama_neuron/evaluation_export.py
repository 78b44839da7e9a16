"""Evaluation reports as files: Markdown, CSV, and JSON Lines for an Amazon Bedrock evaluation job that brings
its own inference responses.

Bedrock's record shape, from the Amazon Bedrock User Guide, "Create a prompt dataset for a model evaluation
job that uses a model as judge", section "Prepare a dataset for an evaluation job using your own inference
response data"
(https://docs.aws.amazon.com/bedrock/latest/userguide/model-evaluation-prompt-datasets-judge.html), and the
API reference of ``EvaluationPrecomputedInferenceSource``
(https://docs.aws.amazon.com/bedrock/latest/APIReference/API_EvaluationPrecomputedInferenceSource.html):
one JSON object a line with ``prompt``, optional ``referenceResponse`` and ``category``, and
``modelResponses``, a list holding one ``{"response", "modelIdentifier"}``; ``modelIdentifier`` must equal the
job's ``precomputedInferenceSource.inferenceSourceIdentifier`` (1-256 characters,
``[a-zA-Z0-9]([a-zA-Z0-9._-]){0,255}``), and a dataset holds at most 1000 prompts. A model-as-judge job
evaluates one inference source, so the export is one file per endpoint; rows whose answer failed are left out
(the job needs a response for every prompt).
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from .errors import BadRequest, Conflict
from .evaluation_metrics import METRIC_LABELS

FORMATS = ("markdown", "csv", "bedrock")
BEDROCK_MAX_PROMPTS = 1000
BEDROCK_IDENTIFIER = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,255}$")
# Spreadsheet programs run cells starting with these as formulas (CSV injection): such cells get a quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _endpoint(report: dict[str, Any], name: str | None) -> int:
    names = [e["name"] for e in report["endpoints"]]
    if name is None:
        return len(names) - 1  # the fine-tuned one (the second) when there are two
    if name not in names:
        raise BadRequest(f"Endpoint {name!r} is not part of evaluation {report['id']}.",
                         hint=f"Choose one of: {', '.join(names)}.", code="InvalidEndpoint")
    return names.index(name)


def export(report: dict[str, Any], fmt: str, endpoint: str | None = None) -> tuple[str, str, str]:
    """``(filename, content type, text)`` of the report in ``fmt``."""
    if fmt not in FORMATS:
        raise BadRequest(f"Unknown export format {fmt!r}.", hint=f"Use one of: {', '.join(FORMATS)}.",
                         code="InvalidFormat")
    if report["status"] == "running":
        raise Conflict(f"Evaluation {report['id']} is still running.",
                       hint="Export it once it has finished, or stop it.", code="EvaluationRunning")
    if fmt == "markdown":
        return f"{report['id']}.md", "text/markdown; charset=utf-8", to_markdown(report)
    if fmt == "csv":
        return f"{report['id']}.csv", "text/csv; charset=utf-8", to_csv(report)
    index = _endpoint(report, endpoint)
    name = report["endpoints"][index]["name"]
    filename = f"{report['id']}-{name}-bedrock.jsonl"
    return filename, "application/jsonl; charset=utf-8", to_bedrock(report, index)


# --- Bedrock ------------------------------------------------------------------------------------------------


def to_bedrock(report: dict[str, Any], index: int) -> str:
    identifier = report["endpoints"][index]["name"]  # SageMaker endpoint names fit Bedrock's pattern
    if not BEDROCK_IDENTIFIER.match(identifier):  # pragma: no cover - endpoint names are validated on create
        raise BadRequest(f"{identifier!r} cannot be a Bedrock modelIdentifier.", code="InvalidEndpoint")
    lines = []
    for row in report["rows"]:
        answer = row["answers"][index]
        if answer["error"] is not None or answer["text"] is None:
            continue
        record = {
            "prompt": row["prompt"],
            "referenceResponse": row["reference"],
            "modelResponses": [{"response": answer["text"].strip(), "modelIdentifier": identifier}],
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    return "".join(line + "\n" for line in lines[:BEDROCK_MAX_PROMPTS])


# --- CSV ----------------------------------------------------------------------------------------------------


def safe_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(report: dict[str, Any]) -> str:
    names = [e["name"] for e in report["endpoints"]]
    metrics = report["metrics"]
    header = ["row", "prompt", "reference"]
    for name in names:
        header += [f"{name} answer", *(f"{name} {m}" for m in metrics), f"{name} latency_s",
                   f"{name} tokens_out", f"{name} error"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in report["rows"]:
        cells: list[Any] = [row["index"] + 1, row["prompt"], row["reference"]]
        for answer in row["answers"]:
            scores = answer["scores"] or {}
            cells += [answer["text"], *(scores.get(m) for m in metrics), answer["latency_s"],
                      answer["tokens_out"], answer["error"]]
        writer.writerow([safe_cell(cell) for cell in cells])
    return buffer.getvalue()


# --- Markdown -----------------------------------------------------------------------------------------------


def _md(text: Any) -> str:
    """One table cell: pipes escaped, line breaks as <br>, HTML angle brackets neutralised."""
    value = "" if text is None else str(text)
    value = value.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return "<br>".join(value.splitlines()) or " "


def _interval(value: dict[str, Any] | None, percent: bool = True) -> str:
    if not value or value.get("mean") is None:
        return "-"
    scale = 100 if percent else 1
    return f"{value['mean'] * scale:.1f} [{value['low'] * scale:.1f}, {value['high'] * scale:.1f}]"


def to_markdown(report: dict[str, Any]) -> str:
    names = [e["name"] for e in report["endpoints"]]
    metrics = report["metrics"]
    out = [f"# Evaluation {report['id']}", ""]
    reason = f" ({_md(report['reason'])})" if report.get("reason") else ""
    out.append(f"- Status: {report['status']}{reason}")
    if report.get("training_job"):
        out.append(f"- Training job: {report['training_job']}")
    out.append(f"- Endpoints: {', '.join(names)}")
    out.append(f"- Rows: {report['progress']['done']} of {report['progress']['total']} answered, "
               f"{report.get('scored_rows', 0)} scored")
    out.append(f"- Parameters: `{json.dumps(report['parameters'])}`")
    out += ["", "## Scores (mean, bootstrap 95% interval, in %)", ""]
    out.append("| endpoint | " + " | ".join(METRIC_LABELS[m] for m in metrics) + " | mean latency (s) | "
               "mean tokens |")
    out.append("|---" * (len(metrics) + 3) + "|")
    for name in names:
        summary = (report.get("summary") or {}).get(name, {})
        usage = (report.get("latency") or {}).get(name, {})
        out.append(f"| {name} | " + " | ".join(_interval(summary.get(m)) for m in metrics)
                   + f" | {usage.get('mean_latency_s', '-')} | {usage.get('mean_tokens_out', '-')} |")
    if report.get("differences"):
        out += ["", f"## {names[1]} minus {names[0]} (paired, in percentage points)", ""]
        for metric in metrics:
            diff = report["differences"][metric]
            note = "excludes zero" if diff.get("excludes_zero") else "includes zero"
            out.append(f"- {METRIC_LABELS[metric]}: {_interval(diff)} ({note})")
    if report.get("wins"):
        wins = report["wins"]
        out.append(f"- {METRIC_LABELS[wins['metric']]} per row: {wins['wins']} wins, {wins['ties']} ties, "
                   f"{wins['losses']} losses for {wins['endpoint']}")
    out += ["", "## Rows", ""]
    out.append("| # | prompt | reference | " + " | ".join(f"{n} answer" for n in names) + " |")
    out.append("|---" * (3 + len(names)) + "|")
    for row in report["rows"]:
        answers = []
        for answer in row["answers"]:
            if answer["error"]:
                answers.append(_md(f"error: {answer['error']}"))
            else:
                scores = " ".join(f"{m}={answer['scores'][m]:.2f}" for m in metrics)
                answers.append(f"{_md(answer['text'])}<br>*{scores}*")
        out.append(f"| {row['index'] + 1} | {_md(row['prompt'])} | {_md(row['reference'])} | "
                   + " | ".join(answers) + " |")
    return "\n".join(out) + "\n"
