"""The only code that calls the SageMaker Python SDK v2: ``JumpStartModel.deploy``, ``JumpStartEstimator.fit``
and, for a fine-tuned model, ``JumpStartEstimator.attach(...).deploy``.

The SDK owns the JumpStart spec resolution (image, gated artifact URI, spec environment, volume size,
timeouts, metric definitions), which we must not re-implement. Both functions take plain arguments, run on a
worker thread and raise ``ApiError``s, so an SDK v3 adapter can sit beside this module with the same two
functions.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...errors import BadRequest, ServiceUnavailable
from ..base import DeploymentConfig, EndpointRequest
from .aws_errors import aws_errors
from .session import SdkSession

if TYPE_CHECKING:
    from types import ModuleType

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


def _session(sdk: ModuleType, session: SdkSession) -> Any:
    return sdk.Session(
        boto_session=session.boto_session,
        sagemaker_client=session.sagemaker_client,
        sagemaker_runtime_client=session.sagemaker_runtime_client,
        default_bucket=session.default_bucket,
    )


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
) -> None:
    """Create the model, endpoint config and endpoint (``wait=False``); the EULA is accepted by the caller."""
    sdk = import_sdk()
    from sagemaker.jumpstart.model import JumpStartModel

    with aws_errors("CreateEndpoint"):
        try:
            model_kwargs: dict[str, Any] = {}
            if model_data is not None:
                model_kwargs["model_data"] = model_data
            if env is not None:
                model_kwargs["env"] = env
            model = JumpStartModel(
                model_id=model_id,
                model_version=model_version,
                region=session.region,
                instance_type=instance_type,
                role=role,
                sagemaker_session=_session(sdk, session),
                name=endpoint_name,
                **model_kwargs,
            )
            model.deploy(
                accept_eula=True,
                wait=False,
                endpoint_name=endpoint_name,
                initial_instance_count=1,
                instance_type=instance_type,
                tags=tags,
            )
        except (ValueError, KeyError) as err:
            # The SDK validates against the JumpStart spec (unknown id/version, unsupported instance).
            raise BadRequest(
                f"SageMaker JumpStart rejected the deployment: {err}",
                hint=f"Check that {model_id} {model_version} supports {instance_type} in {session.region}.",
                code="JumpStartRejected",
            ) from err


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
    """Start the training job (``fit(wait=False)``) on the ``train`` channel."""
    sdk = import_sdk()
    from sagemaker.jumpstart.estimator import JumpStartEstimator

    with aws_errors("CreateTrainingJob"):
        try:
            kwargs: dict[str, Any] = {}
            if max_runtime_s is not None:
                kwargs["max_run"] = max_runtime_s
            estimator = JumpStartEstimator(
                model_id=model_id,
                model_version=model_version,
                region=session.region,
                instance_type=instance_type,
                instance_count=1,
                role=role,
                output_path=output_path,
                hyperparameters=dict(hyperparameters),
                # The Llama 2 licence, accepted in the UI (EulaStore); the SDK turns it into the gated
                # weights' URI for the training container.
                environment={"accept_eula": "true"},
                tags=tags,
                sagemaker_session=_session(sdk, session),
                **kwargs,
            )
            estimator.fit({"train": dataset_uri}, wait=False, job_name=job_name)
        except (ValueError, KeyError) as err:
            raise BadRequest(
                f"SageMaker JumpStart rejected the training job: {err}",
                hint=f"Check that {model_id} {model_version} can be fine-tuned on {instance_type} in "
                f"{session.region}.",
                code="JumpStartRejected",
            ) from err


def deploy_fine_tuned_model(
    session: SdkSession,
    request: EndpointRequest,
    *,
    role: str,
    tags_for: Callable[[EndpointRequest], list[dict[str, str]]],
    model_name: str,
    model_data: str | dict[str, Any] | None = None,  # unused: ``attach`` reads it from the job
) -> EndpointRequest:
    """Deploy a training job's output the way the SDK deploys a JumpStart estimator: ``attach`` to the job,
    then ``deploy``. The model data is the job's output, the environment JumpStart's default for the
    inference instance (no OPTION_* tuple forced: the fine-tuned weights have no precompiled graph for it
    anyway) and no ``AcceptEula`` (the estimator's deploy sends none for the user's own weights). Returns the
    request with the configuration the endpoint really gets (``wait=False``)."""
    assert request.training_job is not None
    sdk = import_sdk()
    from sagemaker import environment_variables
    from sagemaker.jumpstart.estimator import JumpStartEstimator

    sagemaker_session = _session(sdk, session)
    with aws_errors("CreateEndpoint"):
        try:
            # What the estimator's deploy will put in the container environment (its _add_env_to_kwargs).
            env = environment_variables.retrieve_default(
                model_id=request.model_id,
                model_version=request.model_version,
                region=session.region,
                instance_type=request.config.instance_type,
                include_aws_sdk_env_vars=False,
                sagemaker_session=sagemaker_session,
            )
            actual = DeploymentConfig.from_env(request.config.instance_type, env)
            if actual is not None:
                request = dataclasses.replace(request, config=actual)
            estimator = JumpStartEstimator.attach(
                training_job_name=request.training_job,
                model_id=request.model_id,
                model_version=request.model_version,
                sagemaker_session=sagemaker_session,
            )
            estimator.deploy(
                initial_instance_count=1,
                instance_type=request.config.instance_type,
                endpoint_name=request.name,
                model_name=model_name,
                role=role,
                tags=tags_for(request),
                wait=False,
            )
        except (ValueError, KeyError) as err:
            raise BadRequest(
                f"SageMaker JumpStart rejected the deployment of {request.training_job}: {err}",
                hint=f"Check that {request.model_id} {request.model_version} supports "
                f"{request.config.instance_type} in {session.region}.",
                code="JumpStartRejected",
            ) from err
    return request
