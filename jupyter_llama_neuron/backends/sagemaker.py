"""The SageMaker backend: JumpStart Llama 2 Neuron endpoints on Inferentia2, in the user's AWS account.

Create goes through the SageMaker Python SDK v2 (``JumpStartModel``): it owns the JumpStart spec resolution
(image, gated artifact URI, spec environment, volume size, timeouts), which we must not re-implement.
Everything else is plain boto3, because it is cheaper and easier to reason about. All blocking work runs on
ONE bounded thread pool per backend, so a slow AWS can never stall Jupyter's event loop or spawn threads.

What we create is tagged (``backends.base`` tag names); listing is one tag-filtered ``Search``, so a restarted
server finds its endpoints again, and anything untagged is invisible to us (we never touch others' resources).
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import functools
import json
import logging
import os
import re
import threading
import time
from collections.abc import AsyncGenerator, Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError

from ..errors import ApiError, BadRequest, Conflict, NotFound, ServiceUnavailable
from ..settings import ExtensionSettings
from ..timestamps import iso
from .aws_errors import aws_errors, call_aws
from .base import (
    AUTO_DELETE_TAG,
    CLIENT_TOKEN_TAG,
    CONFIG_TAG,
    CREATOR_TAG,
    KEEP_UNTIL_TAG,
    MANAGED_TAG,
    MODEL_ID_TAG,
    TRAINING_JOB_TAG,
    TRAINING_JOB_TAGS,
    BackendName,
    DeploymentConfig,
    Endpoint,
    EndpointRequest,
    InvocationResult,
    TrainingJob,
    TrainingRequest,
)

if TYPE_CHECKING:
    from types import ModuleType

T = TypeVar("T")

STUDIO_METADATA_FILE = Path("/opt/ml/metadata/resource-metadata.json")
MANAGED_FILTER = {"Name": f"Tags.{MANAGED_TAG}", "Operator": "Equals", "Value": "true"}
CONTENT_TYPE = "application/json"
EULA_ATTRIBUTE = "accept_eula=true"  # gated Llama 2 endpoints reject invocations without it
# Fine-tuning: where output goes (under the default bucket), and where SageMaker puts metrics and logs.
TRAINING_OUTPUT_PREFIX = "jupyter-llama-neuron/training-output"
TRAINING_METRIC_NAMESPACE = "/aws/sagemaker/TrainingJobs"
# The spec's metric definition (regex reduced_train_loss=...), which SageMaker publishes to CloudWatch.
TRAIN_LOSS_METRIC = "meta-textgenerationneuron:train-loss"
TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
TRAINING_LOG_TAIL_LINES = 50
MAX_METRIC_PAGES = 5
# Endpoint activity for the cost guard: SageMaker's per-endpoint Invocations metric, per minute.
ENDPOINT_METRIC_NAMESPACE = "AWS/SageMaker"
INVOCATIONS_METRIC = "Invocations"
ENDPOINT_VARIANT = "AllTraffic"  # the variant JumpStart's deploy creates
ACTIVITY_PERIOD_S = 60
MAX_METRIC_QUERIES = 500  # GetMetricData's limit per request

# Control-plane calls answer in well under a second; invocations of a 7B+ model on Inferentia2 can take
# tens of seconds (SageMaker itself cuts real-time invocations at 60 s), so the read timeout must exceed that.
CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 70
DEFAULT_MAX_ATTEMPTS = 3

# AWS tag values: letters, digits, spaces and _.:/=+-@ only, at most 256 characters.
_TAG_VALUE_UNSAFE = re.compile(r"[^\w\s.:/=+\-@]", re.UNICODE)


class StreamingUnsupported(ApiError):
    """The endpoint does not stream (the Llama 2 Neuron container may not); callers fall back to invoke."""

    status = 400
    code = "StreamingUnsupported"


class CatalogLike(Protocol):
    """What this backend needs from ``catalog.Catalog``."""

    def display_name(self, model_id: str) -> str: ...

    def is_confirmed(self, model_id: str, config: DeploymentConfig) -> bool: ...


# ------------------------------------------------------------------------------------------------------------
# Lazy SDK import


_SDK_LOCK = threading.Lock()
_SDK: ModuleType | None = None


def _quiet_sdk_loggers() -> None:
    # The SDK logs "Not applying SDK defaults from location ..." at INFO on every import and session, and the
    # JumpStart logger repeats the EULA/version notes the UI already shows.
    for name in ("sagemaker.config", "sagemaker.jumpstart", "sagemaker.telemetry"):
        logging.getLogger(name).setLevel(logging.WARNING)


def import_sdk() -> ModuleType:
    """Import the SageMaker SDK v2 (2-4 s) once, on a worker thread, with telemetry neutralised.

    The SDK's telemetry sends an HTTPS GET with no timeout after every deploy (a positional-argument bug),
    which blocks a worker on networks that drop packets; we replace the sender with a no-op.
    """
    global _SDK
    with _SDK_LOCK:
        if _SDK is not None:
            return _SDK
        os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
        _quiet_sdk_loggers()
        try:
            import sagemaker
            import sagemaker.jumpstart.model
            import sagemaker.telemetry.telemetry_logging as telemetry
        except ImportError as err:
            raise ServiceUnavailable(
                f"The SageMaker Python SDK v2 is not installed ({err}).",
                hint="pip install 'jupyter_llama_neuron[sagemaker]' (sagemaker>=2.257,<3), restart Jupyter.",
                code="SageMakerSdkMissing",
            ) from err

        def _no_telemetry(*_args: Any, **_kwargs: Any) -> None:
            return None

        telemetry._send_telemetry_request = _no_telemetry
        _quiet_sdk_loggers()
        _SDK = sagemaker
        return sagemaker


# ------------------------------------------------------------------------------------------------------------
# Configuration resolution


def resolve_region(
    settings: ExtensionSettings, session_factory: Callable[[], boto3.Session] = boto3.Session
) -> str:
    """settings.region → AWS_REGION → AWS_DEFAULT_REGION → the boto3 profile's region."""
    for value in (settings.region, os.environ.get("AWS_REGION"), os.environ.get("AWS_DEFAULT_REGION")):
        if value:
            return value
    try:
        region = session_factory().region_name
    except BotoCoreError:  # a broken profile: same answer as "no region" for the user
        region = None
    if region:
        return str(region)
    raise ApiError(
        "No AWS region is configured for SageMaker.",
        hint="Set c.LlamaNeuronApp.region = 'us-east-1' in jupyter_server_config.py (or AWS_REGION / "
        "AWS_DEFAULT_REGION, or a region in your AWS profile). Inferentia2 hosting is in us-east-1, "
        "us-east-2 and us-west-2, among others.",
        code="NoRegion",
        status=400,
    )


def tag_value(value: str) -> str:
    return _TAG_VALUE_UNSAFE.sub("_", value)[:256]


def _utc(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return None


def _minutes_tag(value: str | None) -> int | None:
    """The auto-delete tag's value; None when absent or unreadable (then the server default applies)."""
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def _time_tag(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return _utc(datetime.fromisoformat(value.strip()))
    except ValueError:
        return None


# ------------------------------------------------------------------------------------------------------------
# Streaming text decoding


class StreamTextDecoder:
    """Turns PayloadPart bytes into text chunks.

    LMI/DJL containers stream JSON lines (``{"token": {"text": ...}}``, the last line may also carry
    ``generated_text``); TGI-style servers prefix lines with ``data:``; others stream plain text.
    PayloadParts do not respect line or UTF-8 boundaries, so JSON lines are buffered until complete.
    """

    def __init__(self, content_type: str = "") -> None:
        self._mode: str | None = "jsonlines" if "jsonlines" in content_type else None
        self._buffer = b""
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.emitted = False

    def feed(self, data: bytes) -> list[str]:
        if self._mode is None:
            self._buffer += data
            head = self._buffer.lstrip()
            if not head:
                return []
            self._mode = "jsonlines" if head[:1] in (b"{", b"[") or head.startswith(b"data:") else "text"
            data, self._buffer = self._buffer, b""
        if self._mode == "text":
            return self._out([self._text.decode(data)])
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        return self._out([self._line(line) for line in lines])

    def flush(self) -> list[str]:
        if self._mode == "text":
            return self._out([self._text.decode(b"", final=True)])
        rest, self._buffer = self._buffer, b""
        if self._mode is None:
            return self._out([rest.decode("utf-8", errors="replace")])
        return self._out([self._line(rest)])

    def _out(self, chunks: list[str]) -> list[str]:
        found = [chunk for chunk in chunks if chunk]
        if found:
            self.emitted = True
        return found

    def _line(self, raw: bytes) -> str:
        line = raw.decode("utf-8", errors="replace").strip()
        if line.startswith("data:"):
            line = line[5:].strip()
        if not line:
            return ""
        try:
            event = json.loads(line)
        except ValueError:
            return line + "\n"
        if isinstance(event, list) and event:
            event = event[0]
        if not isinstance(event, dict):
            return str(event)
        token = event.get("token")
        if isinstance(token, dict):
            if token.get("special"):
                return ""
            return str(token.get("text") or "")
        # A non-token line only contributes when nothing was streamed (a server that answers in one piece).
        if "generated_text" in event and not self.emitted:
            return str(event["generated_text"] or "")
        return ""


def _parse_generation(raw: bytes) -> tuple[str, int | None, str | None]:
    text = raw.decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except ValueError:
        return text, None, None  # some containers answer with plain text
    if isinstance(data, list):
        data = data[0] if data else {}
    if isinstance(data, str):
        return data, None, None
    if not isinstance(data, dict):
        raise ApiError(
            "The endpoint answered with an unexpected JSON value.",
            code="UnexpectedResponse",
            status=502,
            hint="Is this a text-generation endpoint?",
        )
    generated = data.get("generated_text")
    if generated is None and isinstance(data.get("generation"), dict):  # JumpStart chat (GPU) response shape
        generated = data["generation"].get("content")
    elif generated is None:
        generated = data.get("generation")
    if generated is None:
        raise ApiError(
            f"The endpoint's answer has no generated_text: {text[:200]}",
            code="UnexpectedResponse",
            status=502,
            hint="Is this a text-generation endpoint?",
        )
    raw_details = data.get("details")
    details: dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
    tokens = details.get("generated_tokens")
    finish = details.get("finish_reason")
    return str(generated), tokens if isinstance(tokens, int) else None, str(finish) if finish else None


def _is_stream_rejection(err: ApiError) -> bool:
    code = str(err.details.get("aws_code") or err.code)
    return code in ("ValidationException", "ValidationError", "ModelError")


class _StreamEnd:
    pass


_END = _StreamEnd()


def _next_event(iterator: Iterator[dict[str, Any]]) -> dict[str, Any] | _StreamEnd:
    try:
        return next(iterator)
    except StopIteration:
        return _END


# ------------------------------------------------------------------------------------------------------------
# The backend


class SageMakerBackend:
    """``backends.base.Backend`` on SageMaker. Construction is cheap and makes no AWS call."""

    name: BackendName = "sagemaker"

    def __init__(
        self,
        settings: ExtensionSettings,
        catalog: CatalogLike,
        log: logging.Logger | None = None,
        *,
        boto_session: boto3.Session | None = None,
        studio_metadata_path: Path = STUDIO_METADATA_FILE,
    ) -> None:
        self._settings = settings
        self._catalog = catalog
        self._log = log or logging.getLogger("jupyter_llama_neuron")
        self.region = resolve_region(settings)
        self._session = boto_session or boto3.Session(region_name=self.region)
        self._studio_metadata_path = studio_metadata_path
        workers = max(1, settings.aws_executor_workers)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="llama-neuron-aws")
        # AWS_MAX_ATTEMPTS wins when set (tests set 1 so moto's 500s for unimplemented calls fail fast).
        max_attempts = int(os.environ.get("AWS_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS)
        self._client_config = Config(
            region_name=self.region,
            connect_timeout=CONNECT_TIMEOUT_S,
            read_timeout=READ_TIMEOUT_S,
            # "total_max_attempts" counts the first try, like AWS_MAX_ATTEMPTS; "max_attempts" would add one.
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            max_pool_connections=workers + 2,
        )
        self._clients: dict[str, Any] = {}
        # boto3 sessions are not thread-safe while creating clients (which takes ~0.5 s): a lock of its own,
        # so the event loop never waits on it.
        self._clients_lock = threading.Lock()
        self._lock = threading.Lock()  # guards _ours (touched from the loop and from workers)
        self._account: str | None = None
        self._role: str | None = None
        # Endpoint names known to carry our managed tag: saves a describe before each invocation.
        self._ours: set[str] = set()
        self._inflight: dict[str, asyncio.Future[Endpoint]] = {}
        self._closed = False
        # Warm up off the event loop: building the SageMaker client loads a large service model (~0.5 s) and
        # the SDK import takes 2-4 s; neither should land on the user's first request.
        self._warmups: list[Future[Any]] = [
            self._executor.submit(self._warm_clients),
            self._executor.submit(self._warm_sdk),
        ]

    # -- plumbing --------------------------------------------------------------------------------------------

    def _warm_clients(self) -> None:
        try:
            for service in ("sagemaker", "sagemaker-runtime", "sts"):
                self._client(service)
        except Exception as err:  # the same error reappears, translated, on the first real call
            self._log.debug("jupyter_llama_neuron: AWS client warm-up failed: %s", err)

    def _warm_sdk(self) -> None:
        try:
            import_sdk()
        except ApiError as err:  # reported again, to the user, on the first create
            self._log.warning("jupyter_llama_neuron: %s", err.message)

    def _client(self, service: str) -> Any:
        with self._clients_lock:
            client = self._clients.get(service)
            if client is None:
                session: Any = self._session  # the boto3 stubs only accept literal service names
                client = session.client(service, config=self._client_config)
                self._clients[service] = client
            return client

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self._closed:
            raise ServiceUnavailable("The SageMaker backend is shutting down.", code="BackendClosed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def _call(self, service: str, operation: str, **params: Any) -> Any:
        return call_aws(getattr(self._client(service), operation), params)

    def _account_id(self) -> str:
        if self._account is None:
            self._account = str(self._call("sts", "get_caller_identity")["Account"])
        return self._account

    # -- identity --------------------------------------------------------------------------------------------

    async def identity(self) -> dict[str, Any]:
        found = await self._run(self._call, "sts", "get_caller_identity")
        self._account = str(found["Account"])
        return {"account": self._account, "region": self.region, "arn": found.get("Arn")}

    # -- execution role --------------------------------------------------------------------------------------

    def _execution_role(self) -> str:
        if self._settings.role_arn:
            return self._settings.role_arn
        if self._role:
            return self._role
        problem = ""
        if self._studio_metadata_path.is_file():
            role, problem = self._studio_role()
            if role:
                self._role = role
                return role
        raise ApiError(
            "No SageMaker execution role is configured" + (f" ({problem})." if problem else "."),
            hint="Set c.LlamaNeuronApp.role_arn = 'arn:aws:iam::<account>:role/<role>' (a role SageMaker "
            "can assume, e.g. with AmazonSageMakerFullAccess), or run JupyterLab in SageMaker Studio, whose "
            "execution role is used automatically.",
            code="NoExecutionRole",
            status=400,
        )

    def _studio_role(self) -> tuple[str | None, str]:
        """The Studio user profile's (else the domain's default) execution role, as the SDK finds it."""
        try:
            metadata = json.loads(self._studio_metadata_path.read_text())
        except (OSError, ValueError) as err:
            return None, f"cannot read {self._studio_metadata_path}: {err}"
        if metadata.get("ExecutionRoleArn"):
            return str(metadata["ExecutionRoleArn"]), ""
        domain, profile = metadata.get("DomainId"), metadata.get("UserProfileName")
        if not domain:
            return None, f"{self._studio_metadata_path} names no Studio domain"
        problem = ""
        if profile:
            try:
                described = self._call(
                    "sagemaker", "describe_user_profile", DomainId=domain, UserProfileName=profile
                )
                role = (described.get("UserSettings") or {}).get("ExecutionRole")
                if role:
                    return str(role), ""
            except ApiError as err:
                problem = f"reading the Studio user profile failed: {err.message}"
        try:
            described = self._call("sagemaker", "describe_domain", DomainId=domain)
            role = (described.get("DefaultUserSettings") or {}).get("ExecutionRole")
            if role:
                return str(role), ""
            return None, problem or "the Studio domain has no default execution role"
        except ApiError as err:
            return None, f"reading the Studio domain failed: {err.message}"

    # -- mapping ---------------------------------------------------------------------------------------------

    def _serving_label(self, model_id: str, config: DeploymentConfig | None, training_job: str | None) -> str:
        # display_name is a cheap lookup (model() deep-copies the entry: too slow once per listed endpoint).
        display = self._catalog.display_name(model_id) if model_id else "unknown model"
        if training_job:
            display = f"{display} fine-tuned by {training_job}"
        return f"{display} on {config.instance_type}" if config else display

    def _endpoint(self, record: dict[str, Any], tags: dict[str, str]) -> Endpoint:
        name = str(record["EndpointName"])
        config: DeploymentConfig | None = None
        if tags.get(CONFIG_TAG):
            try:
                config = DeploymentConfig.from_tag(tags[CONFIG_TAG])
            except ValueError:
                self._log.warning(
                    "jupyter_llama_neuron: endpoint %s has an unreadable config tag %r",
                    name,
                    tags[CONFIG_TAG],
                )
        model_id = tags.get(MODEL_ID_TAG, "")
        training_job = tags.get(TRAINING_JOB_TAG) or None
        created = _utc(record.get("CreationTime")) or _utc(record.get("LastModifiedTime"))
        return Endpoint(
            name=name,
            # Search can omit fields; an endpoint without a status is one AWS is still setting up.
            status=str(record.get("EndpointStatus") or "Creating"),
            model_id=model_id,
            config=config,
            created_at=created or datetime.now(timezone.utc),
            backend="sagemaker",
            failure_reason=record.get("FailureReason") or None,
            training_job=training_job,
            client_token=tags.get(CLIENT_TOKEN_TAG) or None,
            serving_label=self._serving_label(model_id, config, training_job),
            auto_delete_idle_minutes=_minutes_tag(tags.get(AUTO_DELETE_TAG)),
            keep_until=_time_tag(tags.get(KEEP_UNTIL_TAG)),
            extra={
                "arn": record.get("EndpointArn"),
                "endpoint_config_name": record.get("EndpointConfigName"),
                "region": self.region,
                "creator": tags.get(CREATOR_TAG),
                "last_modified_at": _utc(record.get("LastModifiedTime")),
            },
        )

    @staticmethod
    def _tag_dict(tags: Any) -> dict[str, str]:
        return {
            str(tag["Key"]): str(tag.get("Value", ""))
            for tag in tags or []
            if isinstance(tag, dict) and "Key" in tag
        }

    # -- list ------------------------------------------------------------------------------------------------

    def _search_ours(
        self, resource: str, filters: list[dict[str, str]]
    ) -> Iterator[tuple[dict[str, Any], dict[str, str]]]:
        """Each ``resource`` ("Endpoint", "TrainingJob") record the search finds, with its tags, that carries
        our managed tag (every page)."""
        params: dict[str, Any] = {
            "Resource": resource,
            "SearchExpression": {"Filters": filters},
            "MaxResults": 100,
        }
        while True:
            page = self._call("sagemaker", "search", **params)
            for result in page.get("Results") or []:
                record = result.get(resource) or {}
                tags = self._tag_dict(record.get("Tags"))
                # Re-check the tag: neither moto nor an API change may make us adopt others' resources.
                if not record.get(f"{resource}Name") or tags.get(MANAGED_TAG) != "true":
                    continue
                yield record, tags
            token = page.get("NextToken")
            if not token:
                break
            params["NextToken"] = token

    def _list_sync(self) -> list[Endpoint]:
        endpoints = [
            self._endpoint(record, tags) for record, tags in self._search_ours("Endpoint", [MANAGED_FILTER])
        ]
        with self._lock:
            self._ours.update(endpoint.name for endpoint in endpoints)
        endpoints.sort(key=lambda endpoint: endpoint.created_at, reverse=True)
        return endpoints

    async def list_endpoints(self) -> list[Endpoint]:
        return await self._run(self._list_sync)

    # -- describe --------------------------------------------------------------------------------------------

    def _not_ours(self, name: str) -> NotFound:
        return NotFound(
            f"Endpoint '{name}' does not exist in {self.region} or was not created by this extension.",
            hint="The endpoint list shows the endpoints you can manage here.",
            code="EndpointNotFound",
        )

    def _tags_of(self, arn: str) -> dict[str, str]:
        tags: dict[str, str] = {}
        params: dict[str, Any] = {"ResourceArn": arn}
        while True:
            page = self._call("sagemaker", "list_tags", **params)
            tags.update(self._tag_dict(page.get("Tags")))
            if not page.get("NextToken"):
                return tags
            params["NextToken"] = page["NextToken"]

    def _describe_raw(self, name: str) -> tuple[dict[str, Any], dict[str, str]]:
        try:
            described = self._call("sagemaker", "describe_endpoint", EndpointName=name)
            tags = self._tags_of(str(described["EndpointArn"]))
        except NotFound as err:  # absent, or deleted between the two calls
            raise self._not_ours(name) from err
        if tags.get(MANAGED_TAG) != "true":
            raise self._not_ours(name)
        with self._lock:
            self._ours.add(name)
        return described, tags

    def _describe_sync(self, name: str) -> Endpoint:
        described, tags = self._describe_raw(name)
        return self._endpoint(described, tags)

    async def describe_endpoint(self, name: str) -> Endpoint:
        return await self._run(self._describe_sync, name)

    async def _ensure_ours(self, name: str) -> None:
        with self._lock:
            known = name in self._ours
        if not known:
            await self._run(self._describe_raw, name)

    # -- create ----------------------------------------------------------------------------------------------

    def _tags(self, request: EndpointRequest) -> list[dict[str, str]]:
        tags = {
            MANAGED_TAG: "true",
            MODEL_ID_TAG: request.model_id,
            CREATOR_TAG: request.creator or "unknown",
            CONFIG_TAG: request.config.to_tag(),
        }
        if request.client_token:
            tags[CLIENT_TOKEN_TAG] = request.client_token
        if request.training_job:
            tags[TRAINING_JOB_TAG] = request.training_job
        if request.auto_delete_idle_minutes is not None:
            tags[AUTO_DELETE_TAG] = str(request.auto_delete_idle_minutes)
        return [{"Key": key, "Value": tag_value(value)} for key, value in tags.items()]

    def _find_by_token(self, token: str) -> Endpoint | None:
        """Our endpoint created with this client token, whatever its name (one tag-filtered Search)."""
        token_filter = {"Name": f"Tags.{CLIENT_TOKEN_TAG}", "Operator": "Equals", "Value": tag_value(token)}
        page = self._call(
            "sagemaker",
            "search",
            Resource="Endpoint",
            SearchExpression={"Filters": [token_filter]},
            MaxResults=10,
        )
        for result in page.get("Results") or []:
            record = result.get("Endpoint") or {}
            tags = self._tag_dict(record.get("Tags"))
            if (
                record.get("EndpointName")
                and tags.get(MANAGED_TAG) == "true"
                and (tags.get(CLIENT_TOKEN_TAG) == tag_value(token))
            ):
                return self._endpoint(record, tags)
        return None

    def _existing(self, request: EndpointRequest) -> Endpoint | None:
        """The endpoint already created for this request's client token, else None. Conflict when the name is
        taken (by anything: ours or not)."""
        if request.client_token:
            found = self._find_by_token(request.client_token)
            if found is not None:
                return found
        try:
            self._call("sagemaker", "describe_endpoint", EndpointName=request.name)
        except NotFound:
            return None
        raise Conflict(
            f"An endpoint named '{request.name}' already exists in {self.region}.",
            hint="Choose another endpoint name.",
            code="EndpointExists",
        )

    def _model_data(self, training_job: str) -> str | dict[str, Any]:
        """The fine-tuned weights of a finished training job, as JumpStartEstimator.deploy would pass them."""
        job = self._call("sagemaker", "describe_training_job", TrainingJobName=training_job)
        status = job.get("TrainingJobStatus")
        if status != "Completed":
            raise Conflict(
                f"Training job '{training_job}' is {status}; only a Completed job can be deployed.",
                hint="Wait for the training job to finish.",
                code="TrainingJobNotCompleted",
            )
        uri = str((job.get("ModelArtifacts") or {}).get("S3ModelArtifacts") or "")
        if not uri:
            raise Conflict(
                f"Training job '{training_job}' produced no model artifacts.", code="NoModelArtifacts"
            )
        if (job.get("OutputDataConfig") or {}).get("CompressionType", "GZIP") == "GZIP":
            return uri
        # Uncompressed output (the Neuron fine-tuning default): hosting wants an S3 prefix ending in a slash.
        prefix = uri if uri.endswith("/") else uri + "/"
        return {"S3DataSource": {"S3Uri": prefix, "S3DataType": "S3Prefix", "CompressionType": "None"}}

    def _create_sync(self, request: EndpointRequest) -> Endpoint:
        sdk = import_sdk()
        role = self._execution_role()  # configuration problems first, before touching any AWS resource
        existing = self._existing(request)
        if existing is not None:
            return existing
        bucket = self._settings.s3_bucket or f"sagemaker-{self.region}-{self._account_id()}"
        model_data = self._model_data(request.training_job) if request.training_job else None
        tags = self._tags(request)
        from sagemaker.jumpstart.model import JumpStartModel

        with aws_errors("CreateEndpoint"):
            try:
                # Our session and clients, so the SDK uses our region, credentials and timeouts, and (with an
                # explicit default bucket) never calls its hard-coded STS endpoint.
                session = sdk.Session(
                    boto_session=self._session,
                    sagemaker_client=self._client("sagemaker"),
                    sagemaker_runtime_client=self._client("sagemaker-runtime"),
                    default_bucket=bucket,
                )
                model_kwargs: dict[str, Any] = {}
                if model_data is not None:
                    model_kwargs["model_data"] = model_data
                # A tuple the catalog does not confirm as precompiled (70B) is JumpStart's own default:
                # forcing our OPTION_* values could trigger a Neuron compilation, so the spec's environment
                # is left alone.
                if self._catalog.is_confirmed(request.model_id, request.config):
                    model_kwargs["env"] = request.config.to_env()
                model = JumpStartModel(
                    model_id=request.model_id,
                    model_version=request.model_version,
                    region=self.region,
                    instance_type=request.config.instance_type,
                    role=role,
                    sagemaker_session=session,
                    name=request.name,
                    **model_kwargs,
                )
                model.deploy(
                    accept_eula=True,
                    wait=False,
                    endpoint_name=request.name,
                    initial_instance_count=1,
                    instance_type=request.config.instance_type,
                    tags=tags,
                )
            except (ValueError, KeyError) as err:
                # The SDK validates against the JumpStart spec (unknown id/version, unsupported instance).
                raise BadRequest(
                    f"SageMaker JumpStart rejected the deployment: {err}",
                    hint=f"Check that {request.model_id} {request.model_version} supports "
                    f"{request.config.instance_type} in {self.region}.",
                    code="JumpStartRejected",
                ) from err
        with self._lock:
            self._ours.add(request.name)
        self._log.info(
            "jupyter_llama_neuron: creating endpoint %s (%s, %s) for %s",
            request.name,
            request.model_id,
            request.config.to_tag(),
            request.creator,
        )
        return Endpoint(
            name=request.name,
            status="Creating",
            model_id=request.model_id,
            config=request.config,
            created_at=datetime.now(timezone.utc),
            backend="sagemaker",
            training_job=request.training_job,
            client_token=request.client_token,
            serving_label=self._serving_label(request.model_id, request.config, request.training_job),
            auto_delete_idle_minutes=request.auto_delete_idle_minutes,
            extra={"region": self.region, "creator": request.creator},
        )

    async def create_endpoint(self, request: EndpointRequest) -> Endpoint:
        token = request.client_token
        if token is None:
            return await self._run(self._create_sync, request)
        # A double submit with one client token shares the first deploy instead of racing it.
        running = self._inflight.get(token)
        if running is not None:
            return await asyncio.shield(running)
        task: asyncio.Future[Endpoint] = asyncio.ensure_future(self._run(self._create_sync, request))
        self._inflight[token] = task
        try:
            return await asyncio.shield(task)
        finally:
            if task.done():
                self._inflight.pop(token, None)
            else:
                task.add_done_callback(lambda _task: self._inflight.pop(token, None))

    # -- delete ----------------------------------------------------------------------------------------------

    def _delete_quietly(self, operation: str, **params: Any) -> None:
        with contextlib.suppress(NotFound):  # already gone is the goal state
            self._call("sagemaker", operation, **params)

    def _delete_sync(self, name: str) -> None:
        described, _tags = self._describe_raw(name)
        config_name = described.get("EndpointConfigName")
        model_names: list[str] = []
        if config_name:
            try:
                config = self._call("sagemaker", "describe_endpoint_config", EndpointConfigName=config_name)
                model_names = [
                    str(v["ModelName"]) for v in config.get("ProductionVariants") or [] if v.get("ModelName")
                ]
            except NotFound:
                config_name = None
        self._delete_quietly("delete_endpoint", EndpointName=name)
        if config_name:
            self._delete_quietly("delete_endpoint_config", EndpointConfigName=config_name)
        for model_name in model_names:
            self._delete_quietly("delete_model", ModelName=model_name)
        with self._lock:
            self._ours.discard(name)
        self._log.info(
            "jupyter_llama_neuron: deleted endpoint %s (config %s, models %s)", name, config_name, model_names
        )

    async def delete_endpoint(self, name: str) -> None:
        await self._run(self._delete_sync, name)

    # -- cost guard: activity and per-endpoint settings ---------------------------------------------------

    def _activity_sync(
        self, names: list[str], start: datetime, end: datetime
    ) -> dict[str, datetime | None]:
        """One GetMetricData for all endpoints (one query each; pages only beyond 500 endpoints or 100,800
        datapoints): the end of the last minute with Invocations > 0, capped at ``end``."""
        found: dict[str, datetime | None] = dict.fromkeys(names)
        period = timedelta(seconds=ACTIVITY_PERIOD_S)
        for first in range(0, len(names), MAX_METRIC_QUERIES):
            chunk = names[first : first + MAX_METRIC_QUERIES]
            ids = {f"e{index}": name for index, name in enumerate(chunk)}
            queries = [
                {
                    "Id": query_id,
                    "MetricStat": {
                        "Metric": {
                            "Namespace": ENDPOINT_METRIC_NAMESPACE,
                            "MetricName": INVOCATIONS_METRIC,
                            "Dimensions": [
                                {"Name": "EndpointName", "Value": name},
                                {"Name": "VariantName", "Value": ENDPOINT_VARIANT},
                            ],
                        },
                        "Period": ACTIVITY_PERIOD_S,
                        "Stat": "Sum",
                    },
                    "ReturnData": True,
                }
                for query_id, name in ids.items()
            ]
            params: dict[str, Any] = {
                "MetricDataQueries": queries,
                "StartTime": start,
                "EndTime": end,
                "ScanBy": "TimestampDescending",
            }
            for query_id, when, value in self._metric_points(params):
                name = ids.get(query_id)
                if name is None or value <= 0:
                    continue
                # A datapoint stamps the start of its minute: the call may have come at its end.
                last = min(when + period, end)
                previous = found[name]
                if previous is None or last > previous:
                    found[name] = last
        return found

    def _metric_points(self, params: dict[str, Any]) -> Iterator[tuple[str, datetime, float]]:
        """Each datapoint of a GetMetricData call as (query id, UTC time, value), over at most
        ``MAX_METRIC_PAGES`` pages."""
        for _page in range(MAX_METRIC_PAGES):
            page = self._call("cloudwatch", "get_metric_data", **params)
            for result in page.get("MetricDataResults") or []:
                query_id = str(result.get("Id"))
                stamps, values = result.get("Timestamps") or [], result.get("Values") or []
                for stamp, value in zip(stamps, values, strict=False):
                    when = _utc(stamp)
                    if when is not None:
                        yield query_id, when, float(value)
            if not page.get("NextToken"):
                break
            params["NextToken"] = page["NextToken"]

    async def endpoint_activity(
        self, endpoints: Sequence[Endpoint], start: datetime, end: datetime
    ) -> dict[str, datetime | None]:
        names = sorted({endpoint.name for endpoint in endpoints})
        if not names:
            return {}
        return await self._run(self._activity_sync, names, start, end)

    def _retag_sync(self, name: str, put: dict[str, str], remove: list[str]) -> Endpoint:
        described, tags = self._describe_raw(name)  # NotFound unless it exists and carries our managed tag
        arn = str(described["EndpointArn"])
        if put:
            self._call(
                "sagemaker",
                "add_tags",
                ResourceArn=arn,
                Tags=[{"Key": key, "Value": tag_value(value)} for key, value in put.items()],
            )
            tags.update({key: tag_value(value) for key, value in put.items()})
        present = [key for key in remove if key in tags]
        if present:
            self._call("sagemaker", "delete_tags", ResourceArn=arn, TagKeys=present)
            for key in present:
                tags.pop(key, None)
        return self._endpoint(described, tags)

    async def set_auto_delete(self, name: str, idle_minutes: int | None) -> Endpoint:
        if idle_minutes is None:
            return await self._run(self._retag_sync, name, {}, [AUTO_DELETE_TAG])
        return await self._run(self._retag_sync, name, {AUTO_DELETE_TAG: str(idle_minutes)}, [])

    async def set_keep_until(self, name: str, until: datetime | None) -> Endpoint:
        if until is None:
            return await self._run(self._retag_sync, name, {}, [KEEP_UNTIL_TAG])
        stamp = until.astimezone(timezone.utc).replace(microsecond=0).isoformat()
        return await self._run(self._retag_sync, name, {KEEP_UNTIL_TAG: stamp}, [])

    # -- invoke ----------------------------------------------------------------------------------------------

    @staticmethod
    def _body(payload: dict[str, Any], *, stream: bool = False) -> bytes:
        body: dict[str, Any] = {
            "inputs": payload.get("inputs", ""),
            "parameters": dict(payload.get("parameters") or {}),
        }
        if stream:
            body["stream"] = True
        return json.dumps(body).encode()

    def _invoke_sync(self, name: str, body: bytes) -> InvocationResult:
        started = time.monotonic()
        response = self._call(
            "sagemaker-runtime",
            "invoke_endpoint",
            EndpointName=name,
            Body=body,
            ContentType=CONTENT_TYPE,
            Accept=CONTENT_TYPE,
            CustomAttributes=EULA_ATTRIBUTE,
        )
        with aws_errors("InvokeEndpoint"):
            raw = response["Body"].read()
        text, tokens, finish = _parse_generation(raw)
        return InvocationResult(
            generated_text=text,
            tokens_out=tokens,
            latency_s=round(time.monotonic() - started, 3),
            finish_reason=finish,
        )

    async def invoke(self, name: str, payload: dict[str, Any]) -> InvocationResult:
        await self._ensure_ours(name)
        return await self._run(self._invoke_sync, name, self._body(payload))

    def _start_stream(self, name: str, body: bytes) -> Any:
        return self._call(
            "sagemaker-runtime",
            "invoke_endpoint_with_response_stream",
            EndpointName=name,
            Body=body,
            ContentType=CONTENT_TYPE,
            # No Accept: the container picks its streaming format (LMI: jsonlines); the decoder detects it.
            CustomAttributes=EULA_ATTRIBUTE,
        )

    def _next_event(self, iterator: Iterator[dict[str, Any]]) -> dict[str, Any] | _StreamEnd:
        with aws_errors("InvokeEndpointWithResponseStream"):
            return _next_event(iterator)

    async def invoke_stream(self, name: str, payload: dict[str, Any]) -> AsyncGenerator[str, None]:
        await self._ensure_ours(name)
        try:
            response = await self._run(self._start_stream, name, self._body(payload, stream=True))
        except ApiError as err:
            if _is_stream_rejection(err):
                raise StreamingUnsupported(
                    f"Endpoint '{name}' does not support streaming: {err.message}",
                    hint="Use a non-streaming invocation.",
                    details=err.details,
                ) from err
            raise
        stream = response["Body"]
        decoder = StreamTextDecoder(str(response.get("ContentType") or ""))
        iterator = iter(stream)
        try:
            while True:
                try:
                    event = await self._run(self._next_event, iterator)
                except ApiError as err:
                    # An error event before any text means the model cannot stream this request: fall back.
                    if not decoder.emitted:
                        raise StreamingUnsupported(
                            f"Endpoint '{name}' failed to stream: {err.message}",
                            hint="Use a non-streaming invocation.",
                            details=err.details,
                        ) from err
                    raise
                if isinstance(event, _StreamEnd):
                    break
                part = event.get("PayloadPart")
                if isinstance(part, dict):
                    for text in decoder.feed(bytes(part.get("Bytes") or b"")):
                        yield text
                    continue
                for key in ("ModelStreamError", "InternalStreamFailure"):
                    if key in event:
                        message = (event[key] or {}).get("Message") or key
                        raise ApiError(
                            f"The endpoint stopped streaming: {message}",
                            code=key,
                            status=502,
                            hint="See the endpoint's CloudWatch logs.",
                        )
            for text in decoder.flush():
                yield text
        finally:
            # Closing the HTTP stream is what cancels generation on our side when the consumer stops early.
            try:
                stream.close()
            except Exception as err:  # closing a half-read socket must never mask the real outcome
                self._log.debug("jupyter_llama_neuron: closing stream of %s: %s", name, err)

    # -- training jobs ---------------------------------------------------------------------------------------
    #
    # Create goes through JumpStartEstimator (the SDK resolves the Neuron training image, the code channel,
    # the gated weights' URI and the metric definitions from the JumpStart spec); monitoring is plain boto3:
    # DescribeTrainingJob, the loss metric in CloudWatch and the log tail in CloudWatch Logs.

    def _default_bucket(self) -> str:
        return self._settings.s3_bucket or f"sagemaker-{self.region}-{self._account_id()}"

    def _training_tags(self, request: TrainingRequest) -> list[dict[str, str]]:
        values = {
            MANAGED_TAG: "true",
            MODEL_ID_TAG: request.model_id,
            CREATOR_TAG: request.creator or "unknown",
            CLIENT_TOKEN_TAG: request.client_token or "",
        }
        return [
            {"Key": key, "Value": tag_value(values[key])} for key in TRAINING_JOB_TAGS if values.get(key)
        ]

    @staticmethod
    def _hyperparameters_of(raw: Any) -> dict[str, str]:
        """The job's hyperparameters as the user set them: the SDK's own ``sagemaker_*`` entries left out and
        the SDK's JSON encoding (``"10"`` is sent as ``"\\"10\\""``) undone."""
        found: dict[str, str] = {}
        for key, value in (raw or {}).items():
            if str(key).startswith("sagemaker_"):
                continue
            text = str(value)
            try:
                decoded = json.loads(text)
            except ValueError:
                decoded = text
            found[str(key)] = decoded if isinstance(decoded, str) else text
        return found

    def _training_job(
        self,
        record: dict[str, Any],
        tags: dict[str, str],
        *,
        loss: list[dict[str, Any]] | None = None,
        log_tail: list[str] | None = None,
    ) -> TrainingJob:
        name = str(record["TrainingJobName"])
        status = str(record.get("TrainingJobStatus") or "InProgress")
        model_id = tags.get(MODEL_ID_TAG, "")
        instance_type = (record.get("ResourceConfig") or {}).get("InstanceType")
        dataset_uri = None
        for channel in record.get("InputDataConfig") or []:
            if channel.get("ChannelName") in ("train", "training"):
                dataset_uri = ((channel.get("DataSource") or {}).get("S3DataSource") or {}).get("S3Uri")
        transitions = [
            {
                "status": str(item.get("Status", "")),
                "start_time": iso(_utc(item.get("StartTime"))),
                "end_time": iso(_utc(item.get("EndTime"))),
                "message": str(item.get("StatusMessage") or ""),
            }
            for item in record.get("SecondaryStatusTransitions") or []
        ]
        artifacts = str((record.get("ModelArtifacts") or {}).get("S3ModelArtifacts") or "")
        display = self._catalog.display_name(model_id) if model_id else "unknown model"
        created = _utc(record.get("CreationTime")) or datetime.now(timezone.utc)
        return TrainingJob(
            name=name,
            status=status,
            model_id=model_id,
            instance_type=str(instance_type) if instance_type else None,
            created_at=created,
            backend="sagemaker",
            hyperparameters=self._hyperparameters_of(record.get("HyperParameters")),
            dataset_uri=str(dataset_uri) if dataset_uri else None,
            secondary_status=record.get("SecondaryStatus") or None,
            status_transitions=transitions,
            failure_reason=record.get("FailureReason") or None,
            max_runtime_s=(record.get("StoppingCondition") or {}).get("MaxRuntimeInSeconds"),
            loss=loss or [],
            log_tail=log_tail or [],
            output_model=artifacts if status == "Completed" and artifacts else None,
            client_token=tags.get(CLIENT_TOKEN_TAG) or None,
            serving_label=f"{display} fine-tuning on {instance_type}" if instance_type else display,
            started_at=_utc(record.get("TrainingStartTime")),
            ended_at=_utc(record.get("TrainingEndTime")),
            extra={
                "arn": record.get("TrainingJobArn"),
                "region": self.region,
                "creator": tags.get(CREATOR_TAG),
                "billable_seconds": record.get("BillableTimeInSeconds"),
                "output_path": (record.get("OutputDataConfig") or {}).get("S3OutputPath"),
            },
        )

    def _search_training_jobs(self, filters: list[dict[str, str]]) -> list[TrainingJob]:
        found = self._search_ours("TrainingJob", filters)
        jobs = [self._training_job(record, tags) for record, tags in found]
        jobs.sort(key=lambda job: job.created_at, reverse=True)
        return jobs

    async def list_training_jobs(self) -> list[TrainingJob]:
        return await self._run(self._search_training_jobs, [MANAGED_FILTER])

    def _training_not_ours(self, name: str) -> NotFound:
        return NotFound(
            f"Training job '{name}' does not exist in {self.region} or was not started by this extension.",
            hint="The training job list shows the jobs you can manage here.",
            code="TrainingJobNotFound",
        )

    def _describe_training_raw(self, name: str) -> tuple[dict[str, Any], dict[str, str]]:
        try:
            described = self._call("sagemaker", "describe_training_job", TrainingJobName=name)
            tags = self._tags_of(str(described["TrainingJobArn"]))
        except NotFound as err:
            raise self._training_not_ours(name) from err
        if tags.get(MANAGED_TAG) != "true":
            raise self._training_not_ours(name)
        return described, tags

    def _loss_series(self, name: str, start: datetime, end: datetime) -> tuple[list[dict[str, Any]], str]:
        """The training-loss metric SageMaker extracts from the container log (one point per minute at most),
        oldest first; an empty series (and why) when CloudWatch has none or cannot be read."""
        query = {
            "Id": "loss",
            "MetricStat": {
                "Metric": {
                    "Namespace": TRAINING_METRIC_NAMESPACE,
                    "MetricName": TRAIN_LOSS_METRIC,
                    "Dimensions": [{"Name": "Host", "Value": f"{name}/algo-1"}],
                },
                "Period": 60,
                "Stat": "Average",
            },
            "ReturnData": True,
        }
        params: dict[str, Any] = {
            "MetricDataQueries": [query],
            "StartTime": start,
            "EndTime": end,
            "ScanBy": "TimestampAscending",
        }
        points: list[tuple[datetime, float]] = []
        try:
            points.extend((when, value) for _id, when, value in self._metric_points(params))
        except ApiError as err:
            return [], f"The loss curve is unavailable: {err.message}"
        points.sort(key=lambda point: point[0])
        series = [
            {"step": index + 1, "loss": round(value, 6), "timestamp": when.isoformat()}
            for index, (when, value) in enumerate(points)
        ]
        return series, ""

    def _log_tail(self, name: str) -> tuple[list[str], str]:
        """The last lines of the job's CloudWatch log streams (``<job>/algo-1-<n>``); none before the
        instance starts logging."""
        try:
            streams = self._call(
                "logs",
                "describe_log_streams",
                logGroupName=TRAINING_LOG_GROUP,
                logStreamNamePrefix=f"{name}/",
                limit=10,
            ).get("logStreams") or []
            lines: list[str] = []
            for stream in sorted(streams, key=lambda s: str(s.get("logStreamName", ""))):
                events = self._call(
                    "logs",
                    "get_log_events",
                    logGroupName=TRAINING_LOG_GROUP,
                    logStreamName=str(stream["logStreamName"]),
                    limit=TRAINING_LOG_TAIL_LINES,
                    startFromHead=False,
                ).get("events") or []
                lines.extend(str(event.get("message", "")).rstrip("\n") for event in events)
        except ApiError as err:
            if err.status == 404 or "ResourceNotFound" in str(err.details.get("aws_code") or err.code):
                return [], ""  # no log group/stream yet: nothing logged so far
            return [], f"The log tail is unavailable: {err.message}"
        return lines[-TRAINING_LOG_TAIL_LINES:], ""

    def _describe_training_sync(self, name: str) -> TrainingJob:
        described, tags = self._describe_training_raw(name)
        now = datetime.now(timezone.utc)
        start = _utc(described.get("TrainingStartTime")) or _utc(described.get("CreationTime")) or now
        end = _utc(described.get("TrainingEndTime")) or now
        loss, loss_note = self._loss_series(name, start - timedelta(minutes=1), end + timedelta(minutes=5))
        log_tail, log_note = self._log_tail(name)
        job = self._training_job(described, tags, loss=loss, log_tail=log_tail)
        notes = [note for note in (loss_note, log_note) if note]
        if notes:
            job.extra["monitoring_note"] = " ".join(notes)
        return job

    async def describe_training_job(self, name: str) -> TrainingJob:
        return await self._run(self._describe_training_sync, name)

    def _stop_training_sync(self, name: str) -> TrainingJob:
        described, _tags = self._describe_training_raw(name)
        status = described.get("TrainingJobStatus")
        if status == "InProgress":
            self._call("sagemaker", "stop_training_job", TrainingJobName=name)
            self._log.info("jupyter_llama_neuron: stopping training job %s", name)
        elif status != "Stopping":
            raise Conflict(
                f"Training job '{name}' is {status}; only a job in progress can be stopped.",
                code="TrainingJobNotRunning",
            )
        return self._describe_training_sync(name)

    async def stop_training_job(self, name: str) -> TrainingJob:
        return await self._run(self._stop_training_sync, name)

    def _existing_training(self, request: TrainingRequest) -> TrainingJob | None:
        """The job an earlier request with this client token started, else None; Conflict when the name is
        taken (training job names are unique per account and region, forever)."""
        if request.client_token:
            token_filter = {
                "Name": f"Tags.{CLIENT_TOKEN_TAG}",
                "Operator": "Equals",
                "Value": tag_value(request.client_token),
            }
            found = self._search_training_jobs([token_filter])
            if found:
                return found[0]
        try:
            self._call("sagemaker", "describe_training_job", TrainingJobName=request.name)
        except NotFound:
            return None
        raise Conflict(
            f"A training job named '{request.name}' already exists in {self.region}.",
            hint="Training job names cannot be reused, even after the job ended; choose another name.",
            code="TrainingJobExists",
        )

    def _create_training_sync(self, request: TrainingRequest) -> TrainingJob:
        sdk = import_sdk()
        role = self._execution_role()  # configuration problems first, before touching any AWS resource
        existing = self._existing_training(request)
        if existing is not None:
            return existing
        bucket = self._default_bucket()
        output_path = f"s3://{bucket}/{TRAINING_OUTPUT_PREFIX}/"
        tags = self._training_tags(request)
        from sagemaker.jumpstart.estimator import JumpStartEstimator

        with aws_errors("CreateTrainingJob"):
            try:
                session = sdk.Session(
                    boto_session=self._session,
                    sagemaker_client=self._client("sagemaker"),
                    sagemaker_runtime_client=self._client("sagemaker-runtime"),
                    default_bucket=bucket,
                )
                kwargs: dict[str, Any] = {}
                if request.max_runtime_s is not None:
                    kwargs["max_run"] = request.max_runtime_s
                estimator = JumpStartEstimator(
                    model_id=request.model_id,
                    model_version=request.model_version,
                    region=self.region,
                    instance_type=request.instance_type,
                    instance_count=1,
                    role=role,
                    output_path=output_path,
                    hyperparameters=dict(request.hyperparameters),
                    # The Llama 2 licence, accepted in the UI (EulaStore); the SDK turns it into the gated
                    # weights' URI for the training container.
                    environment={"accept_eula": "true"},
                    tags=tags,
                    sagemaker_session=session,
                    **kwargs,
                )
                estimator.fit({"train": request.dataset_uri}, wait=False, job_name=request.name)
            except (ValueError, KeyError) as err:
                raise BadRequest(
                    f"SageMaker JumpStart rejected the training job: {err}",
                    hint=f"Check that {request.model_id} {request.model_version} can be fine-tuned on "
                    f"{request.instance_type} in {self.region}.",
                    code="JumpStartRejected",
                ) from err
        self._log.info(
            "jupyter_llama_neuron: started training job %s (%s on %s) for %s",
            request.name,
            request.model_id,
            request.instance_type,
            request.creator,
        )
        now = datetime.now(timezone.utc)
        display = self._catalog.display_name(request.model_id)
        return TrainingJob(
            name=request.name,
            status="InProgress",
            model_id=request.model_id,
            instance_type=request.instance_type,
            created_at=now,
            backend="sagemaker",
            hyperparameters=dict(request.hyperparameters),
            dataset_uri=request.dataset_uri,
            secondary_status="Starting",
            max_runtime_s=request.max_runtime_s,
            client_token=request.client_token,
            serving_label=f"{display} fine-tuning on {request.instance_type}",
            extra={"region": self.region, "creator": request.creator, "output_path": output_path},
        )

    async def create_training_job(self, request: TrainingRequest) -> TrainingJob:
        return await self._run(self._create_training_sync, request)

    # -- shutdown --------------------------------------------------------------------------------------------

    async def close(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
