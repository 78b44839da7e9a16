"""EndpointService: invalid requests are refused before the backend is touched; idempotency; conflicts."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from jupyter_llama_neuron.backends.base import DeploymentConfig, Endpoint, EndpointRequest, TrainingJob
from jupyter_llama_neuron.backends.local.backend import LocalBackend
from jupyter_llama_neuron.backends.sagemaker import SageMakerBackend
from jupyter_llama_neuron.catalog import Catalog, load_catalog
from jupyter_llama_neuron.endpoint_service import EndpointService
from jupyter_llama_neuron.errors import ApiError
from jupyter_llama_neuron.eula import EulaStore
from jupyter_llama_neuron.settings import ExtensionSettings

from .fakes import FakeBackend, FakeProvider

M7 = "meta-textgenerationneuron-llama-2-7b"
M7F = "meta-textgenerationneuron-llama-2-7b-f"
M13 = "meta-textgenerationneuron-llama-2-13b"
M70 = "meta-textgenerationneuron-llama-2-70b"
DEFAULT_7B = DeploymentConfig("ml.inf2.xlarge", 1024, 1, 2, "fp16")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


class Harness:
    def __init__(self, tmp_path: Path, catalog: Catalog, **settings: Any) -> None:
        self.settings = ExtensionSettings(data_dir=tmp_path, **settings)
        self.catalog = catalog
        self.eula = EulaStore(tmp_path / "eula.json", catalog)
        self.backend = FakeBackend()
        self.provider = FakeProvider(self.backend)
        self.service = self.make_service()

    def make_service(self) -> EndpointService:
        return EndpointService(self.settings, self.catalog, self.eula, self.provider)  # type: ignore[arg-type]

    def accept_all(self) -> None:
        for model_id in self.catalog.ids():
            self.eula.accept(model_id, "analyst")

    def creates(self) -> list[EndpointRequest]:
        return [args for name, args in self.backend.calls if name == "create_endpoint"]

    async def refused(self, body: Any, status: int, code: str | None = None) -> ApiError:
        with pytest.raises(ApiError) as info:
            await self.service.create(body, "analyst")
        err = info.value
        assert err.status == status, err.to_json()
        if code is not None:
            assert err.code == code, err.to_json()
        # Nothing reached the backend, not even a list call.
        assert self.backend.calls == []
        assert self.provider.gets == 0
        return err


@pytest.fixture
def h(tmp_path: Path, catalog: Catalog) -> Harness:
    harness = Harness(tmp_path, catalog)
    harness.accept_all()
    return harness


def _config(instance: str, n: int, batch: int, tp: int, dtype: str = "fp16") -> dict[str, Any]:
    return DeploymentConfig(instance, n, batch, tp, dtype).to_json()


# --- validation order and branches --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        ([M7], "InvalidBody", "JSON object"),
        ({"model_id": M7, "instance": "ml.inf2.xlarge"}, "InvalidBody", "Unknown field(s): instance"),
        ({"model_id": "nope", "extra": 1}, "InvalidBody", "Unknown field(s): extra"),  # shape before 404
        ({}, "InvalidBody", "model_id is required"),
        ({"model_id": 7}, "InvalidBody", "model_id is required"),
        ({"model_id": M7, "endpoint_name": 5}, "InvalidBody", "endpoint_name must be a string"),
        ({"model_id": M7, "client_token": ["x"]}, "InvalidBody", "client_token must be a string"),
        ({"model_id": M7, "config": "ml.inf2.xlarge"}, "InvalidConfig", "config must be an object"),
        (
            {"model_id": M7, "config": _config("ml.inf2.8xlarge", 2048, 4, 2)},
            "ConfigNotPrecompiled",
            "Allowed on ml.inf2.8xlarge: (n_positions=2048, max_rolling_batch_size=1, "
            "tensor_parallel_degree=2",
        ),
        (
            {"model_id": M13, "config": _config("ml.inf2.xlarge", 1024, 1, 2)},
            "InstanceTypeNotOffered",
            "Allowed instance types: ml.inf2.8xlarge, ml.inf2.24xlarge, ml.inf2.48xlarge",
        ),
        ({"model_id": M7, "endpoint_name": "my_endpoint"}, "InvalidName", "not a valid SageMaker name"),
        ({"model_id": M7, "endpoint_name": "-leading"}, "InvalidName", "not a valid SageMaker name"),
        ({"model_id": M7, "endpoint_name": "trailing-"}, "InvalidName", "not a valid SageMaker name"),
        ({"model_id": M7, "endpoint_name": "a" * 64}, "InvalidName", "1 to 63"),
        ({"model_id": M7, "endpoint_name": ""}, "InvalidName", "not a valid SageMaker name"),
        ({"model_id": M7, "client_token": "t" * 65}, "InvalidClientToken", "1 to 64"),
        ({"model_id": M7, "client_token": "has space"}, "InvalidClientToken", "1 to 64"),
        ({"model_id": M7, "training_job": "job_1"}, "InvalidName", "training_job"),
        ({"model_id": M7F, "training_job": "job-1"}, "NotFineTunable", "cannot be fine-tuned"),
    ],
)
async def test_bad_requests_never_reach_the_backend(h: Harness, body: Any, code: str, fragment: str) -> None:
    err = await h.refused(body, 400, code)
    assert fragment in err.message


async def test_unknown_model_is_404(h: Harness) -> None:
    err = await h.refused({"model_id": "meta-textgenerationneuron-llama-3-8b"}, 404, "ModelNotFound")
    assert M7 in err.hint


async def test_model_allow_list_is_403_and_comes_before_the_eula(tmp_path: Path, catalog: Catalog) -> None:
    harness = Harness(tmp_path, catalog, allowed_model_ids=(M7,))  # no licence accepted at all
    err = await harness.refused({"model_id": M13}, 403, "ModelNotAllowed")
    assert M7 in err.hint


async def test_eula_is_403_and_comes_before_the_config(tmp_path: Path, catalog: Catalog) -> None:
    harness = Harness(tmp_path, catalog)
    body = {"model_id": M7, "config": _config("ml.inf2.xlarge", 9999, 1, 2)}
    err = await harness.refused(body, 403, "EulaNotAccepted")
    assert "Open the model card and accept the Llama 2 licence" in err.message


async def test_instance_allow_list_is_403(tmp_path: Path, catalog: Catalog) -> None:
    harness = Harness(tmp_path, catalog, allowed_instance_types=("ml.inf2.8xlarge",))
    harness.accept_all()
    # The default (ml.inf2.xlarge) is not allowed: the hint says which tuples are.
    err = await harness.refused({"model_id": M7}, 403, "InstanceTypeNotAllowed")
    assert "default configuration" in err.message
    assert "ml.inf2.8xlarge (n_positions=2048, max_rolling_batch_size=1" in err.hint
    err = await harness.refused({"model_id": M70}, 403, "InstanceTypeNotAllowed")
    assert "none for this model" in err.hint
    # An allowed precompiled tuple goes through.
    view = await harness.service.create(
        {"model_id": M7, "config": _config("ml.inf2.8xlarge", 2048, 1, 2)}, "a"
    )
    assert view["instance_type"] == "ml.inf2.8xlarge"


# --- successful creation ------------------------------------------------------------------------------------


async def test_quick_deploy_uses_the_default_tuple(h: Harness) -> None:
    view = await h.service.create({"model_id": M7}, "analyst")
    (request,) = h.creates()
    assert request.model_id == M7
    assert request.model_version == "1.*"
    assert request.config == DEFAULT_7B
    assert request.creator == "analyst"
    assert request.client_token is None
    assert request.training_job is None
    assert re.fullmatch(r"llama-2-7b-\d{8}-\d{6}", request.name)
    assert view["name"] == request.name
    assert view["status"] == "Creating"
    assert view["config"] == DEFAULT_7B.to_json()
    assert view["instance_type"] == "ml.inf2.xlarge"
    assert view["model_display_name"] == "Llama-2-7b (Neuron)"
    assert view["price_per_hour"] == 0.99
    assert view["typical_minutes"] == 15
    assert view["backend"] == "sagemaker"
    assert 0 <= view["cost_so_far"] < 0.01


async def test_custom_config_and_fine_tuned_deploy(h: Harness) -> None:
    h.backend.training_jobs["dolly-13b-1"] = TrainingJob(
        name="dolly-13b-1",
        status="Completed",
        model_id=M13,
        instance_type="ml.trn1.32xlarge",
        created_at=datetime.now(timezone.utc),
        backend="sagemaker",
        output_model="s3://bucket/jupyter-llama-neuron/training-output/dolly-13b-1/output/model/",
    )
    body = {
        "model_id": M13,
        "config": _config("ml.inf2.24xlarge", 2048, 4, 4),
        "endpoint_name": "tuned-13b",
        "training_job": "dolly-13b-1",
        "client_token": "abc_123-X",
    }
    view = await h.service.create(body, "analyst")
    (request,) = h.creates()
    assert request.config == DeploymentConfig("ml.inf2.24xlarge", 2048, 4, 4, "fp16")
    assert (request.name, request.training_job, request.client_token) == (
        "tuned-13b",
        "dolly-13b-1",
        "abc_123-X",
    )
    assert view["training_job"] == "dolly-13b-1"
    assert view["price_per_hour"] == 7.79


async def test_existing_name_is_409_case_insensitively(h: Harness) -> None:
    await h.service.create({"model_id": M7, "endpoint_name": "demo"}, "analyst")
    with pytest.raises(ApiError) as info:
        await h.service.create({"model_id": M7, "endpoint_name": "Demo"}, "analyst")
    assert info.value.status == 409
    assert info.value.code == "EndpointExists"
    assert len(h.creates()) == 1


async def test_generated_names_never_collide(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        EndpointService, "default_name", staticmethod(lambda model_id: "llama-2-7b-20240117-1946")
    )
    first = await h.service.create({"model_id": M7}, "analyst")
    second = await h.service.create({"model_id": M7}, "analyst")
    third = await h.service.create({"model_id": M7}, "analyst")
    assert [first["name"], second["name"], third["name"]] == [
        "llama-2-7b-20240117-1946",
        "llama-2-7b-20240117-1946-2",
        "llama-2-7b-20240117-1946-3",
    ]


def test_default_name_format() -> None:
    moment = datetime(2024, 1, 17, 19, 46, 5, tzinfo=timezone.utc)
    assert EndpointService.default_name(M7F, moment) == "llama-2-7b-f-20240117-194605"


# --- idempotency --------------------------------------------------------------------------------------------


async def test_same_token_twice_creates_one_endpoint(h: Harness) -> None:
    body = {"model_id": M7, "client_token": "click-1"}
    first = await h.service.create(body, "analyst")
    second = await h.service.create(body, "analyst")
    assert first["name"] == second["name"]
    assert len(h.creates()) == 1


async def test_concurrent_clicks_create_one_endpoint(h: Harness) -> None:
    h.backend.create_delay_s = 0.05
    body = {"model_id": M7, "client_token": "double-click"}
    views = await asyncio.gather(*(h.service.create(dict(body), "analyst") for _ in range(5)))
    assert len({v["name"] for v in views}) == 1
    assert len(h.creates()) == 1


async def test_concurrent_requests_with_different_tokens_each_create(h: Harness) -> None:
    h.backend.create_delay_s = 0.01
    views = await asyncio.gather(
        *(h.service.create({"model_id": M7, "client_token": f"t{i}"}, "analyst") for i in range(3))
    )
    assert len({v["name"] for v in views}) == 3
    assert len(h.creates()) == 3


async def test_token_survives_a_restart(h: Harness) -> None:
    first = await h.service.create({"model_id": M7, "client_token": "before-restart"}, "analyst")
    restarted = h.make_service()  # empty in-memory map; the backend still lists the endpoint with its token
    again = await restarted.create({"model_id": M7, "client_token": "before-restart"}, "analyst")
    assert again["name"] == first["name"]
    assert len(h.creates()) == 1


async def test_token_reused_for_a_different_request_is_409(h: Harness) -> None:
    await h.service.create({"model_id": M7, "client_token": "tok"}, "analyst")
    for body in (
        {"model_id": M13, "client_token": "tok"},
        {"model_id": M7, "client_token": "tok", "config": _config("ml.inf2.8xlarge", 2048, 1, 2)},
    ):
        with pytest.raises(ApiError) as info:
            await h.service.create(body, "analyst")
        assert (info.value.status, info.value.code) == (409, "ClientTokenReused")
    assert len(h.creates()) == 1


async def test_token_of_a_deleted_endpoint_is_409(h: Harness) -> None:
    view = await h.service.create({"model_id": M7, "client_token": "gone"}, "analyst")
    await h.service.delete(view["name"])
    with pytest.raises(ApiError) as info:
        await h.service.create({"model_id": M7, "client_token": "gone"}, "analyst")
    assert info.value.status == 409
    assert view["name"] in info.value.message
    assert len(h.creates()) == 1


# --- views, list, describe, delete --------------------------------------------------------------------------


def _endpoint(
    name: str,
    *,
    age: timedelta,
    status: str = "InService",
    backend: str = "sagemaker",
    config: DeploymentConfig | None = DEFAULT_7B,
    naive: bool = False,
) -> Endpoint:
    created = datetime.now(timezone.utc) - age
    if naive:
        created = created.replace(tzinfo=None)
    return Endpoint(name=name, status=status, model_id=M7, config=config, created_at=created, backend=backend)  # type: ignore[arg-type]


FACTS = {"sagemaker": SageMakerBackend.facts, "local": LocalBackend.facts}


def _view(h: Harness, endpoint: Endpoint) -> dict[str, Any]:
    return h.service.view(endpoint, FACTS[endpoint.backend])


def test_cost_so_far(h: Harness) -> None:
    view = _view(h, _endpoint("a", age=timedelta(hours=2)))
    assert view["price_per_hour"] == 0.99
    assert view["cost_so_far"] == pytest.approx(1.98, abs=0.001)
    assert view["age_s"] == pytest.approx(7200, abs=2)
    assert datetime.fromisoformat(view["created_at"]).tzinfo is not None
    failed = _view(h, _endpoint("b", age=timedelta(hours=2), status="Failed"))
    assert failed["cost_so_far"] == 0.0
    assert failed["price_per_hour"] == 0.99
    naive = _view(h, _endpoint("c", age=timedelta(hours=1), naive=True))
    assert naive["cost_so_far"] == pytest.approx(0.99, abs=0.001)


def test_local_endpoints_cost_nothing(h: Harness) -> None:
    view = _view(h, _endpoint("local-1", age=timedelta(hours=3), backend="local"))
    assert view["price_per_hour"] is None
    assert view["cost_so_far"] == 0.0
    assert view["typical_minutes"] == 1
    unknown = _view(h, _endpoint("x", age=timedelta(0), config=None))
    assert unknown["config"] is None
    assert unknown["price_per_hour"] is None


async def test_list_is_newest_first(h: Harness) -> None:
    h.backend.endpoints = {
        "old": _endpoint("old", age=timedelta(days=1)),
        "new": _endpoint("new", age=timedelta(minutes=1)),
    }
    listing = await h.service.list()
    assert [e["name"] for e in listing["endpoints"]] == ["new", "old"]


async def test_describe_and_delete(h: Harness) -> None:
    h.backend.endpoints = {"demo": _endpoint("demo", age=timedelta(minutes=5))}
    assert (await h.service.describe("demo"))["name"] == "demo"
    assert await h.service.delete("demo") == {"name": "demo", "deleted": True}
    with pytest.raises(ApiError) as info:
        await h.service.describe("demo")
    assert info.value.status == 404
    h.backend.calls.clear()
    with pytest.raises(ApiError) as info:
        await h.service.delete("bad_name")
    assert info.value.status == 400
    assert h.backend.calls == []


# --- invoke -------------------------------------------------------------------------------------------------


async def test_invoke_passes_the_validated_payload(h: Harness) -> None:
    h.backend.endpoints = {"demo": _endpoint("demo", age=timedelta(minutes=5))}
    result = await h.service.invoke(
        "demo", {"inputs": "The capital of France is", "parameters": {"max_new_tokens": 8}}
    )
    assert result == {
        "generated_text": "Paris.",
        "tokens_out": 2,
        "latency_s": 0.1,
        "ttft_s": None,
        "finish_reason": "stop",
        "streamed": False,
        "sagemaker_payload": {"inputs": "The capital of France is", "parameters": {"max_new_tokens": 8}},
    }
    assert (
        "invoke",
        ("demo", {"inputs": "The capital of France is", "parameters": {"max_new_tokens": 8}}),
    ) in (h.backend.calls)


async def test_invoke_refuses_bad_bodies_before_the_backend(h: Harness) -> None:
    for body in ({"inputs": ""}, {"inputs": "x", "parameters": {"top_p": 2}}, {"prompt": "x"}):
        with pytest.raises(ApiError) as info:
            await h.service.invoke("demo", body)
        assert info.value.status == 400
    assert h.backend.calls == []


async def test_invoke_caps_lengths_at_the_endpoint_context(h: Harness) -> None:
    h.backend.endpoints = {"demo": _endpoint("demo", age=timedelta(minutes=5))}  # n_positions 1024
    with pytest.raises(ApiError) as info:
        await h.service.invoke("demo", {"inputs": "x", "parameters": {"max_new_tokens": 2048}})
    assert "[1, 1024]" in info.value.message
    assert h.backend.mutating_calls() == []


@pytest.mark.parametrize("status", ["Creating", "Failed", "Deleting"])
async def test_invoke_needs_in_service(h: Harness, status: str) -> None:
    h.backend.endpoints = {"demo": _endpoint("demo", age=timedelta(minutes=5), status=status)}
    with pytest.raises(ApiError) as info:
        await h.service.invoke("demo", {"inputs": "Hello"})
    assert info.value.status == 409
    assert info.value.details == {"status": status}
    assert status in info.value.message
    assert h.backend.mutating_calls() == []
