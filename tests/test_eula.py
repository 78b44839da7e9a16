"""Licence acceptance records: stored atomically, required before deploy, robust to a damaged file."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path

import pytest

from jupyter_llama_neuron.catalog import Catalog, load_catalog
from jupyter_llama_neuron.errors import EulaRequired, NotFound
from jupyter_llama_neuron.eula import EulaStore

MODEL = "meta-textgenerationneuron-llama-2-7b"
OTHER = "meta-textgenerationneuron-llama-2-13b-f"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def store(tmp_path: Path, catalog: Catalog) -> EulaStore:
    return EulaStore(tmp_path / "state" / "eula.json", catalog)


def test_require_refuses_until_accepted(store: EulaStore) -> None:
    with pytest.raises(EulaRequired) as info:
        store.require(MODEL)
    err = info.value
    assert err.status == 403
    assert err.code == "EulaNotAccepted"
    assert "Open the model card and accept the Llama 2 licence and Acceptable Use Policy" in err.message
    assert "https://ai.meta.com/llama/license/" in err.hint
    assert store.record(MODEL) is None
    assert not store.path.exists()  # refusing writes nothing


def test_accept_records_and_persists(store: EulaStore, catalog: Catalog) -> None:
    record = store.accept(MODEL, "analyst")
    assert record["model_id"] == MODEL
    assert record["eula_url"] == "https://ai.meta.com/llama/license/"
    assert record["aup_url"] == "https://ai.meta.com/llama/use-policy/"
    assert record["user"] == "analyst"
    assert record["accepted_at"].endswith("Z")
    assert datetime.fromisoformat(record["accepted_at"].replace("Z", "+00:00")).tzinfo is not None
    store.require(MODEL)  # no longer raises
    with pytest.raises(EulaRequired):
        store.require(OTHER)  # per model
    # A new store on the same file (a server restart) sees the record.
    again = EulaStore(store.path, catalog)
    assert again.record(MODEL) == record
    on_disk = json.loads(store.path.read_text(encoding="utf-8"))
    assert on_disk["records"][MODEL] == record
    assert not list(store.path.parent.glob(".eula-*"))  # no temp files left behind


def test_unknown_model_is_404(store: EulaStore) -> None:
    with pytest.raises(NotFound):
        store.accept("not-a-model", "analyst")
    with pytest.raises(NotFound):
        store.require("not-a-model")


def test_a_record_for_another_licence_url_does_not_count(store: EulaStore) -> None:
    store.accept(MODEL, "analyst")
    data = json.loads(store.path.read_text(encoding="utf-8"))
    data["records"][MODEL]["eula_url"] = "https://example.com/old-licence"
    store.path.write_text(json.dumps(data), encoding="utf-8")
    assert store.record(MODEL) is None
    with pytest.raises(EulaRequired):
        store.require(MODEL)


def test_a_damaged_file_is_set_aside_not_lost(store: EulaStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{ half written", encoding="utf-8")
    assert store.record(MODEL) is None
    store.accept(MODEL, "analyst")
    assert store.record(MODEL) is not None
    kept = list(store.path.parent.glob("eula.json.corrupt-*"))
    assert len(kept) == 1
    assert kept[0].read_text(encoding="utf-8") == "{ half written"


def test_concurrent_accepts_keep_every_record(store: EulaStore, catalog: Catalog) -> None:
    ids = catalog.ids()
    threads = [
        threading.Thread(target=store.accept, args=(model_id, f"user-{i}")) for i, model_id in enumerate(ids)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(store.accepted(model_id) for model_id in ids)
