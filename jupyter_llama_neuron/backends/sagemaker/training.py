"""Fine-tuning on SageMaker: JumpStartEstimator starts the job (``jumpstart_sdk``); monitoring is plain
boto3: DescribeTrainingJob, the loss metric in CloudWatch and the log tail in CloudWatch Logs."""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from ...errors import ApiError, Conflict, NotFound
from ...timestamps import iso
from ..base import CLIENT_TOKEN_TAG, CREATOR_TAG, MODEL_ID_TAG, TrainingJob, TrainingRequest
from .created import CreatedRecord
from .jumpstart_sdk import import_sdk, start_jumpstart_training
from .session import AwsSession, utc
from .tags import (
    MANAGED_FILTER,
    describe_ours,
    metric_points,
    name_taken,
    search_ours,
    token_filter,
    training_tags,
)
from .types import CatalogLike

# Where output goes (under the default bucket), and where SageMaker puts metrics and logs.
TRAINING_OUTPUT_PREFIX = "jupyter-llama-neuron/training-output"
TRAINING_METRIC_NAMESPACE = "/aws/sagemaker/TrainingJobs"
# The spec's metric definition (regex reduced_train_loss=...), which SageMaker publishes to CloudWatch.
TRAIN_LOSS_METRIC = "meta-textgenerationneuron:train-loss"
TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
TRAINING_LOG_TAIL_LINES = 50


class SageMakerTraining:
    """The training-job half of ``SageMakerBackend``."""

    def __init__(self, aws: AwsSession, catalog: CatalogLike, log: logging.Logger) -> None:
        self._aws = aws
        self._catalog = catalog
        self._log = log
        self._created = CreatedRecord(aws.settings.data_dir, "training-job")

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
                "start_time": iso(utc(item.get("StartTime"))),
                "end_time": iso(utc(item.get("EndTime"))),
                "message": str(item.get("StatusMessage") or ""),
            }
            for item in record.get("SecondaryStatusTransitions") or []
        ]
        artifacts = str((record.get("ModelArtifacts") or {}).get("S3ModelArtifacts") or "")
        display = self._catalog.display_name(model_id) if model_id else "unknown model"
        created = utc(record.get("CreationTime")) or datetime.now(timezone.utc)
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
            started_at=utc(record.get("TrainingStartTime")),
            ended_at=utc(record.get("TrainingEndTime")),
            extra={
                "arn": record.get("TrainingJobArn"),
                "region": self._aws.region,
                "creator": tags.get(CREATOR_TAG),
                "billable_seconds": record.get("BillableTimeInSeconds"),
                "output_path": (record.get("OutputDataConfig") or {}).get("S3OutputPath"),
            },
        )

    def _search_training_jobs(self, filters: list[dict[str, str]]) -> list[TrainingJob]:
        found = search_ours(self._aws, "TrainingJob", filters)
        jobs = [self._training_job(record, tags) for record, tags in found]
        jobs.sort(key=lambda job: job.created_at, reverse=True)
        return jobs

    def _list_sync(self) -> list[TrainingJob]:
        jobs = self._search_training_jobs([MANAGED_FILTER])
        # Search lags creation: a job this server just started is described by name until Search has it.
        for name in self._created.recent({job.name for job in jobs}):
            try:
                described, tags = self._describe_training_raw(name)
            except NotFound:
                self._created.forget(name)
                continue
            jobs.insert(0, self._training_job(described, tags))
        return jobs

    async def list_training_jobs(self) -> list[TrainingJob]:
        return await self._aws.run(self._list_sync)

    def _training_not_ours(self, name: str) -> NotFound:
        return NotFound(
            f"Training job '{name}' does not exist in {self._aws.region} or was not started by this "
            "extension.",
            hint="The training job list shows the jobs you can manage here.",
            code="TrainingJobNotFound",
        )

    def _describe_training_raw(self, name: str) -> tuple[dict[str, Any], dict[str, str]]:
        return describe_ours(self._aws, "TrainingJob", name, self._training_not_ours(name))

    def _loss_series(self, name: str, start: datetime, end: datetime) -> tuple[list[dict[str, Any]], str]:
        """The training-loss metric SageMaker extracts from the container log (one point per minute at most),
        oldest first; an empty series (and why) when CloudWatch has none or cannot be read."""
        query = {
            "Id": "loss",
            "MetricStat": {
                "Metric": {
                    "Namespace": TRAINING_METRIC_NAMESPACE,
                    "MetricName": TRAIN_LOSS_METRIC,
                    # MetricDefinitions metrics carry one dimension, the job's name (the SDK's own
                    # TrainingJobAnalytics asks the same); "Host" is for instance metrics such as CPU.
                    "Dimensions": [{"Name": "TrainingJobName", "Value": name}],
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
            points.extend((when, value) for _id, when, value in metric_points(self._aws, params))
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
            streams = (
                self._aws.call(
                    "logs",
                    "describe_log_streams",
                    logGroupName=TRAINING_LOG_GROUP,
                    logStreamNamePrefix=f"{name}/",
                    limit=10,
                ).get("logStreams")
                or []
            )
            lines: list[str] = []
            for stream in sorted(streams, key=lambda s: str(s.get("logStreamName", ""))):
                events = (
                    self._aws.call(
                        "logs",
                        "get_log_events",
                        logGroupName=TRAINING_LOG_GROUP,
                        logStreamName=str(stream["logStreamName"]),
                        limit=TRAINING_LOG_TAIL_LINES,
                        startFromHead=False,
                    ).get("events")
                    or []
                )
                lines.extend(str(event.get("message", "")).rstrip("\n") for event in events)
        except ApiError as err:
            if err.status == 404 or "ResourceNotFound" in str(err.details.get("aws_code") or err.code):
                return [], ""  # no log group/stream yet: nothing logged so far
            return [], f"The log tail is unavailable: {err.message}"
        return lines[-TRAINING_LOG_TAIL_LINES:], ""

    def _describe_training_sync(self, name: str) -> TrainingJob:
        described, tags = self._describe_training_raw(name)
        now = datetime.now(timezone.utc)
        start = utc(described.get("TrainingStartTime")) or utc(described.get("CreationTime")) or now
        end = utc(described.get("TrainingEndTime")) or now
        loss, loss_note = self._loss_series(name, start - timedelta(minutes=1), end + timedelta(minutes=5))
        log_tail, log_note = self._log_tail(name)
        job = self._training_job(described, tags, loss=loss, log_tail=log_tail)
        notes = [note for note in (loss_note, log_note) if note]
        if notes:
            job.extra["monitoring_note"] = " ".join(notes)
        return job

    async def describe_training_job(self, name: str) -> TrainingJob:
        return await self._aws.run(self._describe_training_sync, name)

    def _stop_training_sync(self, name: str) -> TrainingJob:
        described, _tags = self._describe_training_raw(name)
        status = described.get("TrainingJobStatus")
        if status == "InProgress":
            self._aws.call("sagemaker", "stop_training_job", TrainingJobName=name)
            self._log.info("jupyter_llama_neuron: stopping training job %s", name)
        elif status != "Stopping":
            raise Conflict(
                f"Training job '{name}' is {status}; only a job in progress can be stopped.",
                code="TrainingJobNotRunning",
            )
        return self._describe_training_sync(name)

    async def stop_training_job(self, name: str) -> TrainingJob:
        return await self._aws.run(self._stop_training_sync, name)

    def _existing_training(self, request: TrainingRequest) -> TrainingJob | None:
        """The job an earlier request with this client token started, else None; Conflict when the name is
        taken (training job names are unique per account and region, forever)."""
        if request.client_token:
            recorded = self._created.name_for(request.client_token)
            if recorded is not None:  # this server started it: describe by name (Search may lag)
                with contextlib.suppress(NotFound):
                    described, tags = self._describe_training_raw(recorded)
                    return self._training_job(described, tags)
            found = self._search_training_jobs([token_filter(request.client_token)])
            if found:
                return found[0]
        if not name_taken(self._aws, "TrainingJob", request.name):
            return None
        raise Conflict(
            f"A training job named '{request.name}' already exists in {self._aws.region}.",
            hint="Training job names cannot be reused, even after the job ended; choose another name.",
            code="TrainingJobExists",
        )

    def _create_training_sync(self, request: TrainingRequest) -> TrainingJob:
        import_sdk(self._aws.region)
        role = self._aws.execution_role()  # configuration problems first, before touching any AWS resource
        existing = self._existing_training(request)
        if existing is not None:
            return existing
        bucket = self._aws.default_bucket()
        output_path = f"s3://{bucket}/{TRAINING_OUTPUT_PREFIX}/"
        start_jumpstart_training(
            self._aws.sdk_session(bucket),
            model_id=request.model_id,
            model_version=request.model_version,
            instance_type=request.instance_type,
            role=role,
            job_name=request.name,
            dataset_uri=request.dataset_uri,
            output_path=output_path,
            hyperparameters=dict(request.hyperparameters),
            tags=training_tags(request),
            max_runtime_s=request.max_runtime_s,
        )
        self._created.created(request.name, request.client_token)
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
            extra={"region": self._aws.region, "creator": request.creator, "output_path": output_path},
        )

    async def create_training_job(self, request: TrainingRequest) -> TrainingJob:
        return await self._aws.run(self._create_training_sync, request)
