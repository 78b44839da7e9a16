"""A local deploy that would not fit in memory is refused (503 NotEnoughMemory) saying how many can run and
which endpoints to delete; the per-worker estimate comes from the model's size. MemAvailable is injected."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_llama_neuron.backends.local import memory_budget
from jupyter_llama_neuron.errors import ServiceUnavailable

API = ("llama-neuron", "api", "v1")
MODEL = "meta-textgenerationneuron-llama-2-7b"


def test_mem_available_is_read_from_meminfo(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:  8000000 kB\nMemFree: 100 kB\nMemAvailable:   2048 kB\n", encoding="ascii")
    assert memory_budget.mem_available_bytes(meminfo) == 2048 * 1024
    assert memory_budget.mem_available_bytes(tmp_path / "missing") is None


def test_the_estimate_is_the_weights_plus_the_runtime(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes(b"\0" * 1000)
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    assert memory_budget.worker_bytes(tmp_path) == 1000 + memory_budget.RUNTIME_BYTES
    # SmolLM2-135M as converted (538 MB of float32 weights) comes out at the measured ~0.9 GB.
    assert 0.85 < (538_090_408 + memory_budget.RUNTIME_BYTES) / 1e9 < 0.95
    assert memory_budget.worker_bytes(tmp_path / "not-converted-yet") == memory_budget.DEFAULT_WORKER_BYTES


def test_check_fits_says_how_many_and_what_to_delete(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes(b"\0" * 1000)
    need = memory_budget.worker_bytes(tmp_path)
    memory_budget.check_fits(tmp_path, 3 * need, ["a"])  # fits
    with pytest.raises(ServiceUnavailable) as info:
        memory_budget.check_fits(tmp_path, 3 * need, ["a", "b"], starting_bytes=int(2.5 * need))
    err = info.value
    assert (err.status, err.code) == (503, "NotEnoughMemory")
    assert "0 more endpoint(s)" in err.message
    assert "a, b" in err.hint
    assert err.details["can_run"] == 0


@pytest.fixture
def llama_neuron_config(tmp_path: Path, tiny_model_dir: Path) -> dict[str, Any]:
    return {
        "backend": "local",
        "data_dir": str(tmp_path / "llama-neuron-data"),
        "local_model_paths": {MODEL: str(tiny_model_dir)},
    }


async def test_a_deploy_that_does_not_fit_is_refused_and_nothing_is_created(
    jp_fetch: Any, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need = memory_budget.worker_bytes(tiny_model_dir)
    monkeypatch.setattr(memory_budget, "mem_available_bytes", lambda *a: need // 2)
    await jp_fetch(*API, "models", MODEL, "eula", method="POST", body=json.dumps({"accept": True}))
    response = await jp_fetch(
        *API, "endpoints", method="POST", body=json.dumps({"model_id": MODEL}), raise_error=False
    )
    assert response.code == 503, response.body
    error = json.loads(response.body)["error"]
    assert error["code"] == "NotEnoughMemory"
    assert "0 more endpoint(s) of this model can run" in error["message"]
    assert json.loads((await jp_fetch(*API, "endpoints")).body)["endpoints"] == []
