""""Open notebook" for an evaluation: the same evaluation as code a user can read, rerun and change.

The notebook sends the report's rows to the same endpoints with the same parameters through
``LlamaNeuronClient`` (the running server's REST API, so it works on either backend) and scores the answers
with ``jupyter_llama_neuron.evaluation_metrics``, the code behind the report. Its code cells are the Jinja2
templates in ``notebook_templates/evaluation/``: every user value (prompts, references, parameters, names)
enters the code through the ``literal`` filter, never as code; markdown carries only validated names.
"""

from __future__ import annotations

import asyncio
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode

from .errors import Conflict
from .evaluation_service import EvaluationService
from .notebook_cells import METADATA_KEY, code, md
from .notebooks import NotebookService
from .timestamps import iso, utc_now

_V4: Any = nbformat.v4  # untyped


def build_evaluation_notebook(report: dict[str, Any]) -> NotebookNode:
    names = [e["name"] for e in report["endpoints"]]
    rows = [{"prompt": r["prompt"], "reference": r["reference"]} for r in report["rows"]]
    two = len(names) == 2
    cells = [
        md(f"""
# Evaluation {report['id']}

Sends {len(rows)} rows to {' and '.join(f'`{n}`' for n in names)} with the same parameters, scores each
answer against its reference (exact match and token F1 with SQuAD normalisation, ROUGE-L from `rouge-score`)
and prints each metric's mean with a bootstrap 95% interval{', the paired difference and the win / tie / loss'
' count' if two else ''}. The endpoints must be InService; the calls go through this Jupyter server, so they
work in local mode and on SageMaker alike.
"""),
        code(
            "evaluation/setup.py.j2",
            "setup",
            endpoints=names,
            parameters=report["parameters"],
            metrics=report["metrics"],
            seed=report.get("seed"),
        ),
        code("evaluation/rows.py.j2", "rows", rows=rows),
        code("evaluation/evaluate.py.j2", "evaluate"),
        code("evaluation/summary.py.j2", "summary"),
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
