"""An in-memory backend that records every call, for service tests that must see what reaches a backend."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from jupyter_llama_neuron.backends.base import (
    BackendFacts,
    BackendName,
    Endpoint,
    EndpointRequest,
    InvocationResult,
    StorageItem,
    TrainingJob,
    TrainingRequest,
)
from jupyter_llama_neuron.backends.local.backend import LocalBackend
from jupyter_llama_neuron.backends.sagemaker import SageMakerBackend
from jupyter_llama_neuron.errors import NotFound

# The real backends' facts, so services treat the fake as the backend it stands in for.
FACTS = {"sagemaker": SageMakerBackend.facts, "local": LocalBackend.facts}


@dataclass
class FakeBackend:
    name: BackendName = "sagemaker"
    calls: list[tuple[str, Any]] = field(default_factory=list)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    training_jobs: dict[str, TrainingJob] = field(default_factory=dict)
    storage: list[StorageItem] = field(default_factory=list)
    create_delay_s: float = 0.0
    status_on_create: str = "Creating"
    result: InvocationResult = field(
        default_factory=lambda: InvocationResult("Paris.", tokens_out=2, latency_s=0.1, finish_reason="stop")
    )

    @property
    def facts(self) -> BackendFacts:
        return FACTS[self.name]

    def model_readiness(self) -> dict[str, Any] | None:
        ready = {"state": "ready", "progress": 1.0, "message": "", "label": "fake"}
        return ready if self.name == "local" else None

    def mutating_calls(self) -> list[str]:
        return [name for name, _ in self.calls if name in {"create_endpoint", "delete_endpoint", "invoke"}]

    async def identity(self) -> dict[str, Any]:
        self.calls.append(("identity", None))
        return {"account": "123456789012", "region": "us-east-1", "arn": "arn:aws:iam::123456789012:user/t"}

    async def create_endpoint(self, request: EndpointRequest) -> Endpoint:
        self.calls.append(("create_endpoint", request))
        if self.create_delay_s:
            await asyncio.sleep(self.create_delay_s)  # lets concurrent creates interleave
        endpoint = Endpoint(
            name=request.name,
            status=self.status_on_create,
            model_id=request.model_id,
            config=request.config,
            created_at=datetime.now(timezone.utc),
            backend=self.name,
            training_job=request.training_job,
            client_token=request.client_token,
            serving_label=f"{request.model_id} on {request.config.instance_type}",
        )
        self.endpoints[request.name] = endpoint
        return endpoint

    async def list_endpoints(self) -> list[Endpoint]:
        self.calls.append(("list_endpoints", None))
        return list(self.endpoints.values())

    async def describe_endpoint(self, name: str) -> Endpoint:
        self.calls.append(("describe_endpoint", name))
        if name not in self.endpoints:
            raise NotFound(f"No endpoint {name}.")
        return self.endpoints[name]

    async def delete_endpoint(self, name: str) -> None:
        self.calls.append(("delete_endpoint", name))
        if self.endpoints.pop(name, None) is None:
            raise NotFound(f"No endpoint {name}.")

    async def restart_endpoint(self, name: str) -> Endpoint:
        self.calls.append(("restart_endpoint", name))
        endpoint = await self.describe_endpoint(name)
        endpoint.status, endpoint.failure_reason = "Creating", None
        return endpoint

    async def invoke(self, name: str, payload: dict[str, Any]) -> InvocationResult:
        self.calls.append(("invoke", (name, payload)))
        return self.result

    async def invoke_stream(self, name: str, payload: dict[str, Any]) -> AsyncIterator[str]:
        self.calls.append(("invoke_stream", (name, payload)))
        yield self.result.generated_text

    async def invoke_events(
        self, name: str, payload: dict[str, Any], *, stream: bool = True
    ) -> AsyncIterator[dict[str, Any]]:
        if stream:
            self.calls.append(("invoke_stream", (name, payload)))
            result = self.result
        else:  # through ``invoke``, so a subclass that scripts answers there is heard
            result = await self.invoke(name, payload)
        if stream:
            yield {"event": "token", "text": result.generated_text}
        yield {
            "event": "done",
            "generated_text": result.generated_text,
            "tokens_out": result.tokens_out,
            "latency_s": result.latency_s,
            "ttft_s": None,
            "finish_reason": result.finish_reason,
            "streamed": stream,
        }

    async def check_training_dataset(self, uri: str) -> None:
        self.calls.append(("check_training_dataset", uri))

    async def create_training_job(self, request: TrainingRequest) -> TrainingJob:
        self.calls.append(("create_training_job", request))
        job = TrainingJob(
            name=request.name,
            status="InProgress",
            model_id=request.model_id,
            instance_type=request.instance_type,
            created_at=datetime.now(timezone.utc),
            backend=self.name,
            hyperparameters=dict(request.hyperparameters),
            dataset_uri=request.dataset_uri,
            client_token=request.client_token,
        )
        self.training_jobs[request.name] = job
        return job

    async def list_training_jobs(self) -> list[TrainingJob]:
        self.calls.append(("list_training_jobs", None))
        return list(self.training_jobs.values())

    async def describe_training_job(self, name: str) -> TrainingJob:
        self.calls.append(("describe_training_job", name))
        if name not in self.training_jobs:
            raise NotFound(f"No training job {name}.")
        return self.training_jobs[name]

    async def stop_training_job(self, name: str) -> TrainingJob:
        self.calls.append(("stop_training_job", name))
        job = await self.describe_training_job(name)
        job.status = "Stopping"
        return job

    async def local_storage(self) -> list[StorageItem]:
        self.calls.append(("local_storage", None))
        return list(self.storage)

    async def delete_local_storage(self, kind: str, item_id: str) -> None:
        self.calls.append(("delete_local_storage", f"{kind}/{item_id}"))
        self.storage = [item for item in self.storage if (item.kind, item.id) != (kind, item_id)]

    async def close(self) -> None:
        self.calls.append(("close", None))


class FakeProvider:
    """Stands in for ``BackendProvider`` and counts how often the backend was asked for."""

    def __init__(self, backend: FakeBackend) -> None:
        self.backend = backend
        self.gets = 0

    async def get(self) -> FakeBackend:
        self.gets += 1
        return self.backend
