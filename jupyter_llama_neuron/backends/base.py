"""One interface for the two places a model can run: SageMaker (AWS) and the user's machine (local mode).

Services validate and apply policy before they call a backend; a backend only does what it is told and
reports what exists. Everything here is plain data so handlers can serialise it and tests can compare it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Literal, Protocol, TypeVar

BackendName = Literal["sagemaker", "local"]
T = TypeVar("T")

# SageMaker's EndpointStatus values; local mode uses the same words so the UI has one vocabulary.
EndpointStatus = Literal[
    "Creating",
    "InService",
    "Updating",
    "SystemUpdating",
    "RollingBack",
    "Deleting",
    "Failed",
    "OutOfService",
]
TERMINAL_ENDPOINT_STATUSES: frozenset[str] = frozenset({"InService", "Failed", "OutOfService"})

# Tags on every resource we create; listing by these finds them again after a restart.
MANAGED_TAG = "jupyter-llama-neuron:managed"
MODEL_ID_TAG = "jupyter-llama-neuron:model-id"
CREATOR_TAG = "jupyter-llama-neuron:creator"
CONFIG_TAG = "jupyter-llama-neuron:config"  # "ml.inf2.xlarge/1024/1/2/fp16"
CLIENT_TOKEN_TAG = "jupyter-llama-neuron:client-token"
TRAINING_JOB_TAG = "jupyter-llama-neuron:training-job"
# The cost guard's per-endpoint settings (they survive restarts): idle minutes before auto-delete ("0" =
# never, absent = the server default) and "keep until" (ISO 8601 UTC; no auto-delete before it).
AUTO_DELETE_TAG = "jupyter-llama-neuron:auto-delete-idle-minutes"
KEEP_UNTIL_TAG = "jupyter-llama-neuron:keep-until"

# AWS tag values: letters, digits, spaces and _.:/=+-@ only, at most 256 characters.
_TAG_VALUE_UNSAFE = re.compile(r"[^\w\s.:/=+\-@]", re.UNICODE)


def tag_value(value: str) -> str:
    """``value`` as a valid AWS tag value (unsafe characters → "_"); also used by generated notebooks."""
    return _TAG_VALUE_UNSAFE.sub("_", value)[:256]
# The tags on a training job: the same names as on endpoints (managed, model id, creator, client token).
TRAINING_JOB_TAGS: tuple[str, ...] = (MANAGED_TAG, MODEL_ID_TAG, CREATOR_TAG, CLIENT_TOKEN_TAG)

# SageMaker's TrainingJobStatus values; local mode uses the same words.
TrainingStatus = Literal["InProgress", "Completed", "Failed", "Stopping", "Stopped"]
TERMINAL_TRAINING_STATUSES: frozenset[str] = frozenset({"Completed", "Failed", "Stopped"})


@dataclass(frozen=True)
class DeploymentConfig:
    """One precompiled Neuron configuration: the four OPTION_* values and the instance it was compiled for."""

    instance_type: str
    n_positions: int
    max_rolling_batch_size: int
    tensor_parallel_degree: int
    dtype: str

    def to_env(self) -> dict[str, str]:
        """The container environment that selects this precompiled graph (no Neuron compilation at start)."""
        return {
            "OPTION_N_POSITIONS": str(self.n_positions),
            "OPTION_MAX_ROLLING_BATCH_SIZE": str(self.max_rolling_batch_size),
            "OPTION_TENSOR_PARALLEL_DEGREE": str(self.tensor_parallel_degree),
            "OPTION_DTYPE": self.dtype,
        }

    def to_tag(self) -> str:
        return "/".join(
            [
                self.instance_type,
                str(self.n_positions),
                str(self.max_rolling_batch_size),
                str(self.tensor_parallel_degree),
                self.dtype,
            ]
        )

    @classmethod
    def from_tag(cls, value: str) -> DeploymentConfig:
        instance_type, n_positions, batch, tp, dtype = value.split("/")
        return cls(instance_type, int(n_positions), int(batch), int(tp), dtype)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_env(cls, instance_type: str, env: Mapping[str, Any]) -> DeploymentConfig | None:
        """The configuration a container environment selects (None when it sets no full tuple)."""
        try:
            return cls(
                instance_type,
                int(env["OPTION_N_POSITIONS"]),
                int(env["OPTION_MAX_ROLLING_BATCH_SIZE"]),
                int(env["OPTION_TENSOR_PARALLEL_DEGREE"]),
                str(env["OPTION_DTYPE"]),
            )
        except (KeyError, ValueError):
            return None


@dataclass(frozen=True)
class EndpointRequest:
    """What a service asks a backend to create, after validation (EULA, precompiled tuple, name)."""

    name: str
    model_id: str
    model_version: str
    config: DeploymentConfig
    creator: str
    client_token: str | None = None
    training_job: str | None = None  # deploy a fine-tuned model from this job's output
    auto_delete_idle_minutes: int | None = None  # None: the server default; 0: never


@dataclass
class Endpoint:
    """An endpoint as it exists now (AWS or local store is the source of truth)."""

    name: str
    status: str
    model_id: str
    config: DeploymentConfig | None
    created_at: datetime
    backend: BackendName
    failure_reason: str | None = None
    training_job: str | None = None
    client_token: str | None = None
    # What actually answers: "Llama-2-7b on ml.inf2.xlarge" or "local stand-in: SmolLM2-135M ...".
    serving_label: str = ""
    last_invoked_at: datetime | None = None
    # Cost guard (tags on AWS, the record locally): None = the server default, 0 = never auto-delete.
    auto_delete_idle_minutes: int | None = None
    keep_until: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainingRequest:
    """What a service asks a backend to start, after validation (EULA, instance, hyperparameter ranges, data).

    ``hyperparameters`` holds only the values the user set, as strings (SageMaker's form); the backend's own
    defaults (the JumpStart spec's, or local mode's) apply to the rest.
    """

    name: str
    model_id: str
    model_version: str
    instance_type: str
    dataset_uri: str
    dataset_format: str  # "domain" | "instruction"
    hyperparameters: dict[str, str]
    creator: str
    template: str | None = None
    client_token: str | None = None
    max_runtime_s: int | None = None
    # The catalog's defaults for this model (strings): local mode uses its own LoRA defaults for values left
    # at the SageMaker default (e.g. learning_rate 6e-06 is for full fine-tuning on Trainium).
    catalog_defaults: dict[str, str] = field(default_factory=dict)


@dataclass
class TrainingJob:
    """A training job as it exists now (AWS or the local store is the source of truth).

    ``status_transitions`` items: ``{"status", "start_time", "end_time", "message"}`` (ISO 8601 strings or
    None); ``loss`` items: ``{"step", "loss", "timestamp"}``. ``output_model`` is where the fine-tuned model
    is (S3 URI, or the local merged folder), None until the job completed with one.
    """

    name: str
    status: str
    model_id: str
    instance_type: str | None
    created_at: datetime
    backend: BackendName
    hyperparameters: dict[str, str] = field(default_factory=dict)
    dataset_uri: str | None = None
    secondary_status: str | None = None
    status_transitions: list[dict[str, Any]] = field(default_factory=list)
    failure_reason: str | None = None
    max_runtime_s: int | None = None
    loss: list[dict[str, Any]] = field(default_factory=list)
    log_tail: list[str] = field(default_factory=list)
    output_model: str | None = None
    client_token: str | None = None
    serving_label: str = ""
    # When the billed (or local) training started and ended; None while unknown / still running.
    started_at: datetime | None = None
    ended_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InvocationResult:
    generated_text: str
    tokens_out: int | None = None
    latency_s: float | None = None
    finish_reason: str | None = None


@dataclass(frozen=True)
class BackendFacts:
    """What services and the UI need to know about a backend, so that nothing has to ask which one it is."""

    name: BackendName
    # Resources live in a cloud account whose identity (account, region) ``GET /status`` reports.
    has_account: bool
    # Resources cost money: prices, cost so far and the hourly burn are shown.
    bills: bool
    # Each endpoint's last invocation is always on record (local); else only after an activity read.
    activity_on_record: bool
    # Chat messages go to the backend as messages (the served model applies its own chat template and
    # counts the context exactly); else they are rendered with the Llama 2 template and checked here.
    renders_chat: bool
    # What training reads: "s3" (s3://bucket/key) or "file" (a dataset stored on this server).
    dataset_uri_kind: Literal["s3", "file"]
    # Training jobs report step progress ({step, of}) and what each hyperparameter means here.
    reports_training_steps: bool
    # A Failed endpoint can be started again in place with the same model and configuration (local: a new
    # worker); SageMaker allows only DeleteEndpoint on a Failed endpoint.
    restarts_failed_endpoints: bool


@dataclass(frozen=True)
class StoredDataset:
    """Where a stored training file went: the file, and the folder a training ``train`` channel reads."""

    uri: str
    train_channel_uri: str


# What a server keeps on this machine's disk (``GET /storage``).
StorageKind = Literal["model", "dataset", "training_output", "upload", "heldout"]
STORAGE_KINDS: tuple[str, ...] = ("model", "dataset", "training_output", "upload", "heldout")


@dataclass(frozen=True)
class StorageItem:
    """One thing kept on local disk, with its size and what uses it (``in_use_by``: endpoint and training
    job names; deleting is refused while it is not empty). ``deletable`` is False for what the server
    re-creates or needs (the converted model)."""

    kind: StorageKind
    id: str
    label: str
    path: str
    bytes: int
    modified_at: datetime | None
    in_use_by: tuple[str, ...] = ()
    deletable: bool = True


class Backend(Protocol):
    """Implemented by ``SageMakerBackend`` and ``LocalBackend``; no method blocks the event loop."""

    name: BackendName
    facts: BackendFacts

    async def identity(self) -> dict[str, Any]:
        """Who/where we are: {"account", "region", "arn"} on AWS; machine facts in local mode."""
        ...

    async def create_endpoint(self, request: EndpointRequest) -> Endpoint: ...

    async def list_endpoints(self) -> list[Endpoint]:
        """Only the endpoints this extension created (by tag / local store)."""
        ...

    async def describe_endpoint(self, name: str) -> Endpoint:
        """Raise ``errors.NotFound`` when it does not exist (or is not ours)."""
        ...

    async def delete_endpoint(self, name: str) -> None:
        """Delete endpoint, endpoint config and model together. ``errors.NotFound`` when absent."""
        ...

    async def restart_endpoint(self, name: str) -> Endpoint:
        """Start a Failed endpoint again with the same model and configuration (Creating, then InService).
        ``errors.NotFound`` when absent; ``errors.Conflict`` when it is not Failed or when this backend cannot
        restart endpoints (``facts.restarts_failed_endpoints`` is False)."""
        ...

    async def invoke(self, name: str, payload: dict[str, Any]) -> InvocationResult:
        """``payload`` is the SageMaker body ``{"inputs": str, "parameters": {...}}``."""
        ...

    def invoke_stream(self, name: str, payload: dict[str, Any]) -> AsyncIterator[str]:
        """Yield text chunks as they are generated; closing the iterator cancels the generation."""
        ...

    def invoke_events(
        self, name: str, payload: dict[str, Any], *, stream: bool = True
    ) -> AsyncIterator[dict[str, Any]]:
        """The generation as events: ``{"event": "token", "text"}`` while generating (only when ``stream``),
        ``{"event": "fallback", "reason"}`` when the endpoint cannot stream (one answer follows), and last
        ``{"event": "done", "generated_text", "tokens_out", "latency_s", "ttft_s", "finish_reason",
        "streamed"}``. Closing the iterator cancels the generation."""
        ...

    def model_readiness(self) -> dict[str, Any] | None:
        """Local mode: whether the local model is ready (``GET /status`` ``local_model``); else None."""
        ...

    async def check_training_dataset(self, uri: str) -> None:
        """Refuse (400/404) a dataset URI of the right kind that this backend's training cannot read, before
        anything starts (local: not a dataset stored by this server)."""
        ...

    async def endpoint_activity(
        self, endpoints: Sequence[Endpoint], start: datetime, end: datetime
    ) -> dict[str, datetime | None]:
        """When each endpoint was last invoked between ``start`` and ``end`` (None: not in that window).

        SageMaker: ONE CloudWatch GetMetricData for all of them (``Invocations``, Sum per minute); local
        mode: the recorded last request time. Never raises for an endpoint without data."""
        ...

    async def set_auto_delete(self, name: str, idle_minutes: int | None) -> Endpoint:
        """Store the endpoint's auto-delete idle minutes (None: follow the server default; 0: never)."""
        ...

    async def set_keep_until(self, name: str, until: datetime | None) -> Endpoint:
        """Store "no auto-delete before ``until``" for the endpoint (None clears it)."""
        ...

    async def create_training_job(self, request: TrainingRequest) -> TrainingJob:
        """Start fine-tuning; returns at once (InProgress). ``errors.Conflict`` when the name is taken."""
        ...

    async def list_training_jobs(self) -> list[TrainingJob]:
        """Only the jobs this extension started (by tag / local store); loss and log tail may be empty."""
        ...

    async def describe_training_job(self, name: str) -> TrainingJob:
        """With loss series and log tail. ``errors.NotFound`` when it does not exist (or is not ours)."""
        ...

    async def stop_training_job(self, name: str) -> TrainingJob:
        """Ask the job to stop (Stopping, then Stopped). ``errors.Conflict`` when it already ended."""
        ...

    async def run_dataset_work(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking dataset work (reading, rendering, storing) off the event loop, on the backend's
        worker threads; the three dataset methods below are called from inside it."""
        ...

    def dataset_files(self, uri: str) -> list[tuple[str, int]]:
        """The files at a remote dataset URI (``s3://`` key or prefix) as (URI, size); BadRequest when this
        backend cannot read that kind of URI."""
        ...

    def open_dataset_file(self, uri: str) -> AbstractContextManager[IO[bytes]]:
        """One remote file, streamed."""
        ...

    def store_dataset(self, folder: Path, filename: str, dataset_id: str) -> StoredDataset:
        """Put a rendered training file (``folder/filename``) where this backend's training reads it."""
        ...

    async def local_storage(self) -> list[StorageItem]:
        """What this backend keeps on this machine's disk (converted models, stored datasets, training
        outputs), with sizes and users; an empty list when it keeps nothing here."""
        ...

    async def delete_local_storage(self, kind: str, item_id: str) -> None:
        """Delete one ``local_storage`` item: NotFound when there is none, Conflict while in use."""
        ...

    async def close(self) -> None:
        """Stop workers/executors started by this backend."""
        ...
