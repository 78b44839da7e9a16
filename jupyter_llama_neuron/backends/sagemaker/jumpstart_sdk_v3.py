"""The only code that calls the SageMaker Python SDK v3: ``ModelBuilder.from_jumpstart_config`` (deploy) and
``ModelTrainer.from_jumpstart_config`` (fine-tune).

Same two functions, arguments and errors as ``jumpstart_sdk_v2``. Where v3's behaviour differs from what the
product promises, this module corrects it, each time for a reason recorded in docs/sdk-v3.md:

* the caller's ``OPTION_*`` values win over the spec's per-instance defaults (v3 merges the spec over
  ``env_vars``, which would silently replace the chosen precompiled tuple);
* a fine-tuned model is created on the training job's artifacts (v3 falls back to the base weights), and the
  model carries our tags like the endpoint (v3 puts ``deploy(tags=)`` on the endpoint and its config only);
* the training data goes on the ``train`` channel at construction (later, v3 adds its default dataset too);
  the job gets the exact name the service validated (v3 appends a timestamp), the spec's metric definitions
  (the loss curve), its max runtime when the user sets none (v3 defaults to one hour) and volume size;
* the SDK never calls its hard-coded STS endpoint (we know the role), never validates the role through IAM
  (AWS does that at create, and our error mapping explains it), and sends no telemetry.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import logging
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ...errors import BadRequest, ServiceUnavailable
from ..base import DeploymentConfig, EndpointRequest
from .aws_errors import aws_errors
from .session import SdkSession

PUBLIC_HUB = "SageMakerPublicHub"
TRAIN_CHANNEL = "train"  # what the Neuron fine-tuning notebook fits on (reference/jumpstart-neuron.md §4.2)
OPTION_PREFIX = "OPTION_"

_SDK_LOCK = threading.Lock()
_LOADED = False
# SDK calls read process environment; one create at a time keeps our temporary values to our own calls.
_CALL_LOCK = threading.Lock()


def _quiet_sdk_loggers() -> None:
    # v3 logs every resolved default, the telemetry notice and each deploy step at INFO.
    for name in ("sagemaker", "sagemaker.core", "sagemaker.serve", "sagemaker.train"):
        logging.getLogger(name).setLevel(logging.WARNING)


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set variables the user has not set, for the duration of an SDK call, then restore them."""
    added = [key for key in values if key not in os.environ]
    for key in added:
        os.environ[key] = values[key]
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


def import_sdk(region: str | None = None) -> None:
    """Import ModelBuilder, ModelTrainer and their configs once (4-5 s of CPU), with telemetry neutralised.

    ``sagemaker.serve`` builds a boto3 SageMaker client at import and fails without a region, so the backend's
    region is provided for the import only.
    """
    global _LOADED
    with _SDK_LOCK:
        if _LOADED:
            return
        _quiet_sdk_loggers()
        try:
            with _environment({"AWS_DEFAULT_REGION": region} if region else {}):
                import sagemaker.core.jumpstart.configs
                import sagemaker.core.telemetry.telemetry_logging as telemetry
                import sagemaker.serve.model_builder
                import sagemaker.train.model_trainer  # noqa: F401
        except ImportError as err:
            raise ServiceUnavailable(
                f"The SageMaker Python SDK v3 is incomplete ({err}).",
                hint="pip install 'jupyter_llama_neuron[sagemaker]', then restart Jupyter.",
                code="SageMakerSdkMissing",
            ) from err

        def _no_telemetry(*_args: Any, **_kwargs: Any) -> None:
            return None

        telemetry._send_telemetry_request = _no_telemetry
        _quiet_sdk_loggers()
        _LOADED = True


class _CallerEnvironmentWins(dict[str, str]):
    """The builder's environment: the spec's defaults merge in, except over the caller's OPTION_* keys."""

    def __init__(self, values: Mapping[str, str], pinned: Mapping[str, str]) -> None:
        super().__init__(values)
        super().update(pinned)
        self._pinned = dict(pinned)

    def update(self, *args: Any, **kwargs: Any) -> None:
        merged = dict(*args, **kwargs)
        merged.update(self._pinned)
        super().update(merged)


def _session(session: SdkSession, role: str) -> Any:
    from sagemaker.core.helper.session_helper import Session

    class _KnownRoleSession(Session):  # type: ignore[misc]
        # JumpStart's factory asks for the caller's identity even when a role is given, through STS at a
        # hard-coded regional endpoint; the answer would be discarded anyway.
        def get_caller_identity_arn(self) -> str:
            return role

    return _KnownRoleSession(
        boto_session=session.boto_session,
        sagemaker_client=session.sagemaker_client,
        sagemaker_runtime_client=session.sagemaker_runtime_client,
        default_bucket=session.default_bucket,
    )


def _sdk_call() -> contextlib.AbstractContextManager[None]:
    return _environment({"SAGEMAKER_VALIDATE_ROLE": "false"})


def deploy_jumpstart_model(
    session: SdkSession,
    *,
    model_id: str,
    model_version: str,
    instance_type: str,
    role: str,
    endpoint_name: str,
    tags: list[dict[str, str]],
    env: dict[str, str] | None = None,
    model_data: str | dict[str, Any] | None = None,
) -> dict[str, str]:
    """Create the model, endpoint config and endpoint (``wait=False``); the EULA is accepted by the caller.
    Returns the container environment the model got."""
    import_sdk(session.region)
    from sagemaker.core.jumpstart.configs import JumpStartConfig
    from sagemaker.core.training.configs import Compute
    from sagemaker.serve.model_builder import ModelBuilder

    class _Builder(ModelBuilder):  # type: ignore[misc]
        # Set between from_jumpstart_config() and build(): v3's public API has no place for either.
        fine_tuned_data: str | dict[str, Any] | None = None
        model_tags: list[dict[str, str]] | None = None

        def _create_model(self, *args: Any, **kwargs: Any) -> Any:
            if self.fine_tuned_data is not None:
                self.s3_upload_path = self.fine_tuned_data
                # The user's own weights: no EULA acceptance goes with them (v2's estimator sends none).
                self.accept_eula = None
            if self.model_tags:  # the model carries our tags too, as with v2 (the SDK adds its own)
                sdk_tags: list[Any] = list(getattr(self, "_tags", None) or [])
                self._tags = [*self.model_tags, *sdk_tags]
            return super()._create_model(*args, **kwargs)

    with _CALL_LOCK, _sdk_call(), aws_errors("CreateEndpoint"):
        try:
            builder = _Builder.from_jumpstart_config(
                jumpstart_config=JumpStartConfig(
                    model_id=model_id, model_version=model_version, accept_eula=True
                ),
                compute=Compute(instance_type=instance_type, instance_count=1),
                role_arn=role,
                env_vars=dict(env or {}),
                sagemaker_session=_session(session, role),
            )
            builder.env_vars = _CallerEnvironmentWins(
                builder.env_vars, {k: v for k, v in (env or {}).items() if k.startswith(OPTION_PREFIX)}
            )
            builder.fine_tuned_data = model_data
            builder.model_tags = list(tags)
            builder.build(model_name=endpoint_name)
            builder.deploy(endpoint_name=endpoint_name, initial_instance_count=1, wait=False, tags=list(tags))
            return {str(key): str(value) for key, value in dict(builder.env_vars or {}).items()}
        except (ValueError, KeyError) as err:
            raise BadRequest(
                f"SageMaker JumpStart rejected the deployment: {err}",
                hint=f"Check that {model_id} {model_version} supports {instance_type} in {session.region}.",
                code="JumpStartRejected",
            ) from err



def deploy_fine_tuned_model(
    session: SdkSession,
    request: EndpointRequest,
    *,
    role: str,
    tags_for: Callable[[EndpointRequest], list[dict[str, str]]],
    model_name: str,
    model_data: str | dict[str, Any] | None = None,
) -> EndpointRequest:
    """A training job's output on v3, which has no estimator ``attach``: the job's artifacts become the
    model's data and the container keeps JumpStart's default Neuron settings for the instance (no OPTION_*
    forced, as v2's estimator deploy does: the fine-tuned weights have no precompiled graph for any tuple)."""
    env = deploy_jumpstart_model(
        session,
        model_id=request.model_id,
        model_version=request.model_version,
        instance_type=request.config.instance_type,
        role=role,
        endpoint_name=model_name,
        tags=tags_for(request),
        env=None,
        model_data=model_data,
    )
    actual = DeploymentConfig.from_env(request.config.instance_type, env)
    return request if actual is None else dataclasses.replace(request, config=actual)

def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))


def hub_version(session: SdkSession, model_id: str, model_version: str) -> str | None:
    """The newest public-hub version matching a JumpStart version spec ("1.*"); DescribeHubContent takes only
    exact versions (botocore: ``\\d{1,4}.\\d{1,4}.\\d{1,4}``). None = the newest."""
    if "*" not in model_version:
        return model_version
    if model_version == "*":
        return None
    versions: list[str] = []
    params: dict[str, Any] = {"HubName": PUBLIC_HUB, "HubContentType": "Model", "HubContentName": model_id}
    while True:
        page = session.sagemaker_client.list_hub_content_versions(**params)
        versions += [s["HubContentVersion"] for s in page.get("HubContentSummaries", [])]
        if not page.get("NextToken"):
            break
        params["NextToken"] = page["NextToken"]
    matching = sorted((v for v in versions if fnmatch.fnmatch(v, model_version)), key=_version_key)
    if not matching:
        raise BadRequest(
            f"SageMaker JumpStart has no version {model_version} of {model_id} in {session.region}.",
            code="JumpStartRejected",
        )
    return matching[-1]


def start_jumpstart_training(
    session: SdkSession,
    *,
    model_id: str,
    model_version: str,
    instance_type: str,
    role: str,
    job_name: str,
    dataset_uri: str,
    output_path: str,
    hyperparameters: dict[str, str],
    tags: list[dict[str, str]],
    max_runtime_s: int | None = None,
) -> None:
    """Start the training job (``train(wait=False)``) on the ``train`` channel."""
    import_sdk(session.region)
    from pydantic import PrivateAttr
    from sagemaker.core.jumpstart.configs import JumpStartConfig
    from sagemaker.core.jumpstart.document import get_hub_content_and_document
    from sagemaker.core.shapes import MetricDefinition, OutputDataConfig, StoppingCondition, Tag
    from sagemaker.core.training.configs import Compute, InputData, Networking
    from sagemaker.train.model_trainer import ModelTrainer

    class _Trainer(ModelTrainer):  # type: ignore[misc]
        _job_name: str = PrivateAttr(default="")

        def _create_training_job_args(self, *args: Any, **kwargs: Any) -> Any:
            request = super()._create_training_job_args(*args, **kwargs)
            request["training_job_name"] = self._job_name
            return request

    with _CALL_LOCK, _sdk_call(), aws_errors("CreateTrainingJob"):
        try:
            sdk_session = _session(session, role)
            config = JumpStartConfig(
                model_id=model_id,
                model_version=hub_version(session, model_id, model_version),
                accept_eula=True,
            )
            _, document = get_hub_content_and_document(jumpstart_config=config, sagemaker_session=sdk_session)
            runtime = max_runtime_s or document.MaxRuntimeInSeconds
            trainer = _Trainer.from_jumpstart_config(
                jumpstart_config=config,
                compute=Compute(
                    instance_type=instance_type,
                    instance_count=1,
                    volume_size_in_gb=document.TrainingVolumeSize or None,
                ),
                networking=Networking(
                    enable_network_isolation=bool(document.TrainingEnableNetworkIsolation),
                    enable_inter_container_traffic_encryption=bool(document.EncryptInterContainerTraffic),
                ),
                stopping_condition=StoppingCondition(max_runtime_in_seconds=runtime) if runtime else None,
                output_data_config=OutputDataConfig(s3_output_path=output_path),
                input_data_config=[InputData(channel_name=TRAIN_CHANNEL, data_source=dataset_uri)],
                hyperparameters=dict(hyperparameters),
                tags=[Tag(key=tag["Key"], value=tag["Value"]) for tag in tags],
                role=role,
                sagemaker_session=sdk_session,
                base_job_name=job_name,
            )
            trainer._job_name = job_name
            metrics = [MetricDefinition(name=m.Name, regex=m.Regex) for m in document.TrainingMetrics or []]
            if metrics:
                trainer = trainer.with_metric_definitions(metrics)
            trainer.train(wait=False, logs=False)
        except (ValueError, KeyError) as err:
            raise BadRequest(
                f"SageMaker JumpStart rejected the training job: {err}",
                hint=f"Check that {model_id} {model_version} can be fine-tuned on {instance_type} in "
                f"{session.region}.",
                code="JumpStartRejected",
            ) from err
