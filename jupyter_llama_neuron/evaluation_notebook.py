""""Open notebook" for an evaluation: the same evaluation as code a user can read, rerun and change.

The notebook sends the report's rows to the same endpoints with the same parameters through
``LlamaNeuronClient`` (the running server's REST API, so it works on either backend) and scores the answers
with ``jupyter_llama_neuron.evaluation_metrics``, the code behind the report. Every user value (prompts,
references, parameters, names) enters the code as a ``repr`` literal, never as code; markdown carries only
validated names.
Self-contained (nbformat only) so it does not depend on how the step notebooks are built.
"""

from __future__ import annotations

import asyncio
import pprint
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode

from .errors import Conflict
from .evaluation_service import EvaluationService
from .notebooks import NotebookService
from .timestamps import iso, utc_now

METADATA_KEY = "llama_neuron"
_V4: Any = nbformat.v4  # untyped


def _literal(value: Any) -> str:
    return pprint.pformat(value, width=100, sort_dicts=False)


def _md(text: str) -> NotebookNode:
    cell: NotebookNode = _V4.new_markdown_cell(text.strip("\n"))
    return cell


def _code(source: str, role: str) -> NotebookNode:
    cell: NotebookNode = _V4.new_code_cell(source.strip("\n"))
    cell.metadata[METADATA_KEY] = {"role": role}
    return cell


def build_evaluation_notebook(report: dict[str, Any]) -> NotebookNode:
    names = [e["name"] for e in report["endpoints"]]
    rows = [{"prompt": r["prompt"], "reference": r["reference"]} for r in report["rows"]]
    two = len(names) == 2
    cells = [
        _md(f"""
# Evaluation {report['id']}

Sends {len(rows)} rows to {' and '.join(f'`{n}`' for n in names)} with the same parameters, scores each
answer against its reference (exact match and token F1 with SQuAD normalisation, ROUGE-L from `rouge-score`)
and prints each metric's mean with a bootstrap 95% interval{', the paired difference and the win / tie / loss'
' count' if two else ''}. The endpoints must be InService; the calls go through this Jupyter server, so they
work in local mode and on SageMaker alike.
"""),
        _code(f"""
from jupyter_llama_neuron.client import LlamaNeuronClient
from jupyter_llama_neuron.evaluation_metrics import score_answer, summarize

client = LlamaNeuronClient()
endpoints = {_literal(names)}
parameters = {_literal(report['parameters'])}
metrics = {_literal(report['metrics'])}
seed = {report.get('seed')!r}
""", "setup"),
        _code(f"rows = {_literal(rows)}", "rows"),
        _code("""
answers = {name: [] for name in endpoints}
scores = {name: [] for name in endpoints}
for row in rows:
    for name in endpoints:
        result = client.invoke(name, inputs=row["prompt"], parameters=parameters)
        text = result["generated_text"].strip()
        answers[name].append(text)
        scores[name].append(score_answer(text, row["reference"], metrics))
""", "evaluate"),
        _code("""
report = summarize(scores, metrics, seed=seed)
for name in endpoints:
    for metric, value in report["summary"][name].items():
        print(f"{name:30} {metric:12} {value['mean']:.3f} [{value['low']:.3f}, {value['high']:.3f}]")
if report["differences"]:
    for metric, value in report["differences"].items():
        print(f"difference   {metric:12} {value['mean']:+.3f} [{value['low']:+.3f}, {value['high']:+.3f}]")
    print(report["wins"])
""", "summary"),
    ]
    notebook: NotebookNode = _V4.new_notebook()
    notebook.cells = cells
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                       "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata[METADATA_KEY] = {"step": "evaluate", "evaluation": report["id"],
                                       "generated_at": iso(utc_now())}
    return notebook


class EvaluationNotebooks:
    """``POST /evaluations/{id}/notebook``: write the evaluation's notebook into the Jupyter root."""

    def __init__(self, evaluations: EvaluationService, notebooks: NotebookService) -> None:
        self.evaluations = evaluations
        self.notebooks = notebooks

    async def create(self, evaluation_id: str) -> dict[str, str]:
        report = self.evaluations.report(evaluation_id)
        if not report["rows"]:
            raise Conflict(f"Evaluation {evaluation_id} has no answered rows yet.",
                           hint="Open the notebook once some rows are answered.", code="NoRows")
        notebook = build_evaluation_notebook(report)
        path = await asyncio.to_thread(self.notebooks.write_notebook, f"{report['id']}-evaluate", notebook)
        return {"path": path}
