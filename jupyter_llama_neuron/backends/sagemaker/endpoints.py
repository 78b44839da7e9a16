"""SageMaker endpoints: list (one tag-filtered Search), describe, create (through ``jumpstart_sdk``),
delete (endpoint, config and models), the cost guard's activity metric and per-endpoint tags.

What we create is tagged (``tags``); a restarted server finds its endpoints again, and anything untagged is
invisible to us (we never touch others' resources).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from ...errors import Conflict, NotFound
from ..base import (
    AUTO_DELETE_TAG,
    CLIENT_TOKEN_TAG,
    CONFIG_TAG,
    CREATOR_TAG,
    KEEP_UNTIL_TAG,
    MODEL_ID_TAG,
    TRAINING_JOB_TAG,
    DeploymentConfig,
    Endpoint,
    EndpointRequest,
)
from .jumpstart_sdk import deploy_jumpstart_model, import_sdk
from .session import AwsSession, utc
from .tags import (
    MANAGED_FILTER,
    describe_ours,
    endpoint_tags,
    metric_points,
    minutes_tag,
    name_taken,
    search_ours,
    tag_value,
    time_tag,
    token_filter,
)
from .types import CatalogLike

# Endpoint activity for the cost guard: SageMaker's per-endpoint Invocations metric, per minute.
ENDPOINT_METRIC_NAMESPACE = "AWS/SageMaker"
INVOCATIONS_METRIC = "Invocations"
ENDPOINT_VARIANT = "AllTraffic"  # the variant JumpStart's deploy creates
ACTIVITY_PERIOD_S = 60
MAX_METRIC_QUERIES = 500  # GetMetricData's limit per request


class SageMakerEndpoints:
    """The endpoint half of ``SageMakerBackend``."""

    def __init__(self, aws: AwsSession, catalog: CatalogLike, log: logging.Logger) -> None:
        self._aws = aws
        self._catalog = catalog
        self._log = log
        self._lock = threading.Lock()  # guards _ours (touched from the loop and from workers)
        # Endpoint names known to carry our managed tag: saves a describe before each invocation.
        self._ours: set[str] = set()
        self._inflight: dict[str, asyncio.Future[Endpoint]] = {}

    # -- mapping ---------------------------------------------------------------------------------------------

    def _serving_label(self, model_id: str, config: DeploymentConfig | None, training_job: str | None) -> str:
        # display_name is a cheap lookup (model() deep-copies the entry: too slow once per listed endpoint).
        display = self._catalog.display_name(model_id) if model_id else "unknown model"
        if training_job:
            display = f"{display} fine-tuned by {training_job}"
        return f"{display} on {config.instance_type}" if config else display

    def endpoint_from(self, record: dict[str, Any], tags: dict[str, str]) -> Endpoint:
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
        created = utc(record.get("CreationTime")) or utc(record.get("LastModifiedTime"))
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
            auto_delete_idle_minutes=minutes_tag(tags.get(AUTO_DELETE_TAG)),
            keep_until=time_tag(tags.get(KEEP_UNTIL_TAG)),
            extra={
                "arn": record.get("EndpointArn"),
                "endpoint_config_name": record.get("EndpointConfigName"),
                "region": self._aws.region,
                "creator": tags.get(CREATOR_TAG),
                "last_modified_at": utc(record.get("LastModifiedTime")),
            },
        )

    # -- list ------------------------------------------------------------------------------------------------

    def _list_sync(self) -> list[Endpoint]:
        endpoints = [
            self.endpoint_from(record, tags)
            for record, tags in search_ours(self._aws, "Endpoint", [MANAGED_FILTER])
        ]
        with self._lock:
            self._ours.update(endpoint.name for endpoint in endpoints)
        endpoints.sort(key=lambda endpoint: endpoint.created_at, reverse=True)
        return endpoints

    async def list_endpoints(self) -> list[Endpoint]:
        return await self._aws.run(self._list_sync)

    # -- describe --------------------------------------------------------------------------------------------

    def _not_ours(self, name: str) -> NotFound:
        return NotFound(
            f"Endpoint '{name}' does not exist in {self._aws.region} or was not created by this extension.",
            hint="The endpoint list shows the endpoints you can manage here.",
            code="EndpointNotFound",
        )

    def _describe_raw(self, name: str) -> tuple[dict[str, Any], dict[str, str]]:
        described, tags = describe_ours(self._aws, "Endpoint", name, self._not_ours(name))
        with self._lock:
            self._ours.add(name)
        return described, tags

    def _describe_sync(self, name: str) -> Endpoint:
        described, tags = self._describe_raw(name)
        return self.endpoint_from(described, tags)

    async def describe_endpoint(self, name: str) -> Endpoint:
        return await self._aws.run(self._describe_sync, name)

    async def ensure_ours(self, name: str) -> None:
        with self._lock:
            known = name in self._ours
        if not known:
            await self._aws.run(self._describe_raw, name)

    # -- create ----------------------------------------------------------------------------------------------

    def _find_by_token(self, token: str) -> Endpoint | None:
        """Our endpoint created with this client token, whatever its name (one tag-filtered Search)."""
        found = search_ours(self._aws, "Endpoint", [token_filter(token)], max_results=10, pages=False)
        for record, tags in found:
            if tags.get(CLIENT_TOKEN_TAG) == tag_value(token):
                return self.endpoint_from(record, tags)
        return None

    def _existing(self, request: EndpointRequest) -> Endpoint | None:
        """The endpoint already created for this request's client token, else None. Conflict when the name is
        taken (by anything: ours or not)."""
        if request.client_token:
            found = self._find_by_token(request.client_token)
            if found is not None:
                return found
        if not name_taken(self._aws, "Endpoint", request.name):
            return None
        raise Conflict(
            f"An endpoint named '{request.name}' already exists in {self._aws.region}.",
            hint="Choose another endpoint name.",
            code="EndpointExists",
        )

    def _model_data(self, training_job: str) -> str | dict[str, Any]:
        """The fine-tuned weights of a finished training job, as JumpStartEstimator.deploy would pass them."""
        job = self._aws.call("sagemaker", "describe_training_job", TrainingJobName=training_job)
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
        import_sdk(self._aws.region)
        role = self._aws.execution_role()  # configuration problems first, before touching any AWS resource
        existing = self._existing(request)
        if existing is not None:
            return existing
        bucket = self._aws.default_bucket()
        model_data = self._model_data(request.training_job) if request.training_job else None
        deploy_jumpstart_model(
            self._aws.sdk_session(bucket),
            model_id=request.model_id,
            model_version=request.model_version,
            instance_type=request.config.instance_type,
            role=role,
            endpoint_name=request.name,
            tags=endpoint_tags(request),
            # A tuple the catalog does not confirm as precompiled (70B) is JumpStart's own default: forcing
            # our OPTION_* values could trigger a Neuron compilation, so the spec's environment is left alone.
            env=request.config.to_env()
            if self._catalog.is_confirmed(request.model_id, request.config)
            else None,
            model_data=model_data,
        )
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
            extra={"region": self._aws.region, "creator": request.creator},
        )

    async def create_endpoint(self, request: EndpointRequest) -> Endpoint:
        token = request.client_token
        if token is None:
            return await self._aws.run(self._create_sync, request)
        # A double submit with one client token shares the first deploy instead of racing it.
        running = self._inflight.get(token)
        if running is not None:
            return await asyncio.shield(running)
        task: asyncio.Future[Endpoint] = asyncio.ensure_future(self._aws.run(self._create_sync, request))
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
            self._aws.call("sagemaker", operation, **params)

    def _delete_sync(self, name: str) -> None:
        described, _tags = self._describe_raw(name)
        config_name = described.get("EndpointConfigName")
        model_names: list[str] = []
        if config_name:
            try:
                config = self._aws.call(
                    "sagemaker", "describe_endpoint_config", EndpointConfigName=config_name
                )
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
        await self._aws.run(self._delete_sync, name)

    # -- cost guard: activity and per-endpoint settings ---------------------------------------------------

    def _activity_sync(self, names: list[str], start: datetime, end: datetime) -> dict[str, datetime | None]:
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
            for query_id, when, value in metric_points(self._aws, params):
                name = ids.get(query_id)
                if name is None or value <= 0:
                    continue
                # A datapoint stamps the start of its minute: the call may have come at its end.
                last = min(when + period, end)
                previous = found[name]
                if previous is None or last > previous:
                    found[name] = last
        return found

    async def endpoint_activity(
        self, endpoints: Sequence[Endpoint], start: datetime, end: datetime
    ) -> dict[str, datetime | None]:
        names = sorted({endpoint.name for endpoint in endpoints})
        if not names:
            return {}
        return await self._aws.run(self._activity_sync, names, start, end)

    def _retag_sync(self, name: str, put: dict[str, str], remove: list[str]) -> Endpoint:
        described, tags = self._describe_raw(name)  # NotFound unless it exists and carries our managed tag
        arn = str(described["EndpointArn"])
        if put:
            self._aws.call(
                "sagemaker",
                "add_tags",
                ResourceArn=arn,
                Tags=[{"Key": key, "Value": tag_value(value)} for key, value in put.items()],
            )
            tags.update({key: tag_value(value) for key, value in put.items()})
        present = [key for key in remove if key in tags]
        if present:
            self._aws.call("sagemaker", "delete_tags", ResourceArn=arn, TagKeys=present)
            for key in present:
                tags.pop(key, None)
        return self.endpoint_from(described, tags)

    async def set_auto_delete(self, name: str, idle_minutes: int | None) -> Endpoint:
        if idle_minutes is None:
            return await self._aws.run(self._retag_sync, name, {}, [AUTO_DELETE_TAG])
        return await self._aws.run(self._retag_sync, name, {AUTO_DELETE_TAG: str(idle_minutes)}, [])

    async def set_keep_until(self, name: str, until: datetime | None) -> Endpoint:
        if until is None:
            return await self._aws.run(self._retag_sync, name, {}, [KEEP_UNTIL_TAG])
        stamp = until.astimezone(timezone.utc).replace(microsecond=0).isoformat()
        return await self._aws.run(self._retag_sync, name, {KEEP_UNTIL_TAG: stamp}, [])
