"""The evaluation step of the SmolLM2 fine-tune test (``test_training_smollm2.py``): base and fine-tuned
endpoints answer the dataset's held-out rows through ``POST /evaluations`` (the rows the dataset step kept on
the server), and the report must put the fine-tuned model ahead on exact match with a paired interval that
excludes zero. Kept here so the long test only gains a call."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from .openapi_contract import assert_matches

API = ("llama-neuron", "api", "v1")
PARAMETERS = {"max_new_tokens": 32, "do_sample": False, "stop": ["\n"]}


async def evaluate_base_against_tuned(
    jp_fetch: Any, base: str, tuned: str, dataset_uri: str, training_job: str, rows: int
) -> dict[str, Any]:
    response = await jp_fetch(*API, "evaluations", method="POST", raise_error=False, body=json.dumps({
        "endpoints": [base, tuned], "dataset_uri": dataset_uri, "parameters": PARAMETERS,
        "training_job": training_job,
    }))
    started = json.loads(response.body)
    assert response.code == 202, started
    deadline = time.monotonic() + 600
    while True:
        report: dict[str, Any] = json.loads((await jp_fetch(*API, "evaluations", started["id"])).body)
        if report["status"] != "running":
            break
        assert time.monotonic() < deadline, report["progress"]
        await asyncio.sleep(1.0)
    assert_matches("Evaluation", report)
    assert report["status"] == "completed", report["reason"]
    assert report["progress"] == {"done": rows, "total": rows}
    assert report["source"]["kind"] == "heldout"
    base_em = report["summary"][base]["exact_match"]
    tuned_em = report["summary"][tuned]["exact_match"]
    difference = report["differences"]["exact_match"]
    print(
        f"\nEvaluation {report['id']} on {rows} held-out rows: exact match {base_em['mean']:.2f} -> "
        f"{tuned_em['mean']:.2f}, paired difference {difference['mean']:+.2f} "
        f"[{difference['low']:+.2f}, {difference['high']:+.2f}]; ROUGE-L wins/ties/losses "
        f"{report['wins']['wins']}/{report['wins']['ties']}/{report['wins']['losses']}"
    )
    assert tuned_em["mean"] > base_em["mean"]
    assert difference["low"] > 0, difference  # the interval excludes zero
    assert difference["excludes_zero"] is True
    listed = json.loads((await jp_fetch(*API, "evaluations")).body)["evaluations"]
    assert [(e["id"], e["training_job"]) for e in listed] == [(report["id"], training_job)]
    return report
