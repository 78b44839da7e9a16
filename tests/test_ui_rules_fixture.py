"""The jest tests check the UI against ``src/__tests__/serverRules.json``: it must be what ``GET /status``
sends as ``rules`` (SageMaker mode), so a changed server rule fails the UI tests instead of drifting."""

from __future__ import annotations

import json
from pathlib import Path

from jupyter_llama_neuron.status_service import rules_json

FIXTURE = Path(__file__).parents[1] / "src" / "__tests__" / "serverRules.json"


def test_the_ui_fixture_is_the_servers_rules() -> None:
    expected = rules_json()
    expected["dataset_uri"]["kind"] = "s3"
    assert json.loads(FIXTURE.read_text(encoding="utf-8")) == expected, (
        "Regenerate src/__tests__/serverRules.json from status_service.rules_json() (dataset_uri.kind 's3')."
    )
