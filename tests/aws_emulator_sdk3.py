"""What SageMaker Python SDK v3 calls and moto lacks, for the AWS emulator (sources: docs/sdk-v3.md).

* The SageMaker Hub read APIs v3 resolves JumpStart content with (``ModelTrainer.from_jumpstart_config`` reads
  the public hub through ``DescribeHubContent``).
* IAM SimulatePrincipalPolicy answers ``AccessDenied`` (moto: a 500): the caller lacks the permission, the
  common case in Studio that v3's staging-bucket check tolerates (``train/model_trainer.py``).
* Describe* answers without empty structures: AWS omits unset optional members, moto answers ``{}`` (e.g.
  ``VpcConfig``), which sagemaker-core's pydantic resources (``Model.get``) reject as incomplete.

Shapes follow botocore's service model (``sagemaker`` 2017-07-24: DescribeHub, DescribeHubContent,
ListHubContents, ListHubContentVersions; unknown hubs or content raise ``ResourceNotFound``, the only error
shape those operations declare). The hub content documents are built from the same hand-written v2 spec
files the SDK v2 path reads (``tests/fixtures/jumpstart``), translated to the public hub's PascalCase document
schema as sagemaker-core 2.x parses it (``sagemaker/core/jumpstart/models.py::HubContentDocument``) and
resolved for the request's region (a hub document is regional: S3 URIs and image URIs are concrete).

``apply_sdk3_patches()`` is called from ``tests.aws_emulator.apply_moto_patches`` (one registration line).
"""

from __future__ import annotations

import importlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

JUMPSTART_DIR = Path(__file__).parent / "fixtures" / "jumpstart"
PUBLIC_HUB = "SageMakerPublicHub"  # sagemaker/core/jumpstart/constants.py::SAGEMAKER_PUBLIC_HUB
DOCUMENT_SCHEMA_VERSION = "2.3.0"
# The content buckets JumpStart documents point at (region_config.json in sagemaker-core).
PUBLIC_BUCKET = "jumpstart-cache-prod-{region}"
GATED_BUCKET = "jumpstart-private-cache-prod-{region}"
# The public hub is owned by AWS: its ARNs carry "aws" where an account id would be.
HUB_OWNER = "aws"
_CREATED = datetime(2024, 1, 17, tzinfo=timezone.utc)

_PATCHED = False


def _specs() -> dict[str, dict[str, Any]]:
    manifest = json.loads((JUMPSTART_DIR / "models_manifest.json").read_text())
    out: dict[str, dict[str, Any]] = {}
    for entry in manifest:
        out[entry["model_id"]] = json.loads((JUMPSTART_DIR / entry["spec_key"]).read_text())
    return out


def _resolve(value: str, aliases: dict[str, str]) -> str:
    return aliases.get(value[1:], value) if value.startswith("$") else value


def _variants(block: dict[str, Any] | None, region: str, *, training: bool) -> dict[str, Any] | None:
    """v2 ``*_instance_type_variants`` (regional aliases) → hub ``{"Variants": {key: {"Properties": ...}}}``
    with the aliases resolved for ``region``."""
    if not block:
        return None
    aliases = (block.get("regional_aliases") or {}).get(region, {})
    variants: dict[str, Any] = {}
    for key, variant in (block.get("variants") or {}).items():
        properties: dict[str, Any] = {}
        regional = variant.get("regional_properties") or {}
        if "image_uri" in regional:
            properties["ImageUri"] = _resolve(regional["image_uri"], aliases)
        plain = variant.get("properties") or {}
        if "environment_variables" in plain:
            properties["EnvironmentVariables"] = dict(plain["environment_variables"])
        if training and "gated_model_key_env_var_value" in plain:
            gated = GATED_BUCKET.format(region=region)
            properties["GatedModelEnvVarUri"] = f"s3://{gated}/{plain['gated_model_key_env_var_value']}"
        variants[key] = {"Properties": properties}
    return {"Variants": variants}


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def hub_content_document(spec: dict[str, Any], region: str) -> dict[str, Any]:
    """A public-hub model document for one v2 spec, resolved for ``region``."""
    public = PUBLIC_BUCKET.format(region=region)
    artifacts = GATED_BUCKET.format(region=region) if spec.get("gated_bucket") else public
    hosting_variants = _variants(spec.get("hosting_instance_type_variants"), region, training=False)
    default_image = None
    if hosting_variants:
        for variant in hosting_variants["Variants"].values():
            default_image = default_image or variant["Properties"].get("ImageUri")
    doc: dict[str, Any] = {
        "Url": spec["url"],
        "MinSdkVersion": spec.get("min_sdk_version"),
        "ModelTypes": ["OPEN_WEIGHTS"],
        "Capabilities": [],
        "TrainingSupported": bool(spec.get("training_supported")),
        "IncrementalTrainingSupported": bool(spec.get("incremental_training_supported")),
        "GatedBucket": bool(spec.get("gated_bucket")),
        "HostingEcrUri": default_image,
        "HostingArtifactUri": f"s3://{artifacts}/{spec['hosting_artifact_key']}",
        "HostingPrepackedArtifactUri": f"s3://{artifacts}/{spec['hosting_prepacked_artifact_key']}"
        if spec.get("hosting_prepacked_artifact_key")
        else None,
        "HostingArtifactS3DataType": spec.get("hosting_artifact_s3_data_type"),
        "HostingArtifactCompressionType": spec.get("hosting_artifact_compression_type"),
        "HostingScriptUri": f"s3://{public}/{spec['hosting_script_key']}",
        "HostingUseScriptUri": spec.get("hosting_use_script_uri"),
        "HostingEulaUri": f"s3://{public}/{spec['hosting_eula_key']}"
        if spec.get("hosting_eula_key")
        else None,
        "DynamicContainerDeploymentSupported": spec.get("dynamic_container_deployment_supported"),
        "InferenceEnvironmentVariables": [
            {_pascal(key): value for key, value in item.items()}
            for item in spec.get("inference_environment_variables", [])
        ],
        "InferenceDependencies": spec.get("inference_dependencies", []),
        "DefaultInferenceInstanceType": spec.get("default_inference_instance_type"),
        "SupportedInferenceInstanceTypes": spec.get("supported_inference_instance_types"),
        "InferenceVolumeSize": spec.get("inference_volume_size"),
        "InferenceEnableNetworkIsolation": spec.get("inference_enable_network_isolation"),
        "ModelDataDownloadTimeout": (spec.get("deploy_kwargs") or {}).get("model_data_download_timeout"),
        "ContainerStartupHealthCheckTimeout": (spec.get("deploy_kwargs") or {}).get(
            "container_startup_health_check_timeout"
        ),
        "HostingInstanceTypeVariants": hosting_variants,
    }
    if spec.get("hosting_resource_requirements"):
        doc["HostingResourceRequirements"] = {
            _pascal(key): value for key, value in spec["hosting_resource_requirements"].items()
        }
    if spec.get("training_supported"):
        training_variants = _variants(spec.get("training_instance_type_variants"), region, training=True)
        estimator = spec.get("estimator_kwargs") or {}
        default_training_image = None
        if training_variants:
            for variant in training_variants["Variants"].values():
                default_training_image = default_training_image or variant["Properties"].get("ImageUri")
        doc.update(
            {
                "FineTuningSupported": bool(spec.get("fine_tuning_supported")),
                "ValidationSupported": bool(spec.get("validation_supported")),
                "TrainingEcrUri": default_training_image,
                "TrainingArtifactUri": f"s3://{artifacts}/{spec['training_artifact_key']}",
                "TrainingScriptUri": f"s3://{public}/{spec['training_script_key']}",
                "TrainingPrepackedScriptUri": f"s3://{public}/{spec['training_prepacked_script_key']}"
                if spec.get("training_prepacked_script_key")
                else None,
                "DefaultTrainingInstanceType": spec.get("default_training_instance_type"),
                "SupportedTrainingInstanceTypes": spec.get("supported_training_instance_types"),
                "TrainingVolumeSize": spec.get("training_volume_size"),
                "TrainingEnableNetworkIsolation": spec.get("training_enable_network_isolation"),
                "TrainingMetrics": spec.get("metrics", []),
                "TrainingDependencies": spec.get("training_dependencies", []),
                "Hyperparameters": [
                    {_pascal(key): value for key, value in item.items()}
                    for item in spec.get("hyperparameters", [])
                ],
                "EncryptInterContainerTraffic": estimator.get("encrypt_inter_container_traffic"),
                "DisableOutputCompression": estimator.get("disable_output_compression"),
                "MaxRuntimeInSeconds": estimator.get("max_run"),
                "TrainingInstanceTypeVariants": training_variants,
            }
        )
        if spec.get("default_training_dataset_key"):
            doc["DefaultTrainingDatasetUri"] = f"s3://{public}/{spec['default_training_dataset_key']}"
    return {key: value for key, value in doc.items() if value is not None}


def hub_arn(region: str, hub: str = PUBLIC_HUB) -> str:
    return f"arn:aws:sagemaker:{region}:{HUB_OWNER}:hub/{hub}"


def hub_content_arn(region: str, name: str, version: str, hub: str = PUBLIC_HUB) -> str:
    return f"arn:aws:sagemaker:{region}:{HUB_OWNER}:hub-content/{hub}/Model/{name}/{version}"


def _summary(spec: dict[str, Any], region: str) -> dict[str, Any]:
    return {
        "HubContentName": spec["model_id"],
        "HubContentArn": hub_content_arn(region, spec["model_id"], spec["version"]),
        "HubContentVersion": spec["version"],
        "HubContentType": "Model",
        "DocumentSchemaVersion": DOCUMENT_SCHEMA_VERSION,
        "HubContentDisplayName": spec["model_id"],
        "HubContentSearchKeywords": ["Text Generation", "Neuron", "Llama"],
        "HubContentStatus": "Available",
        "CreationTime": _CREATED,
    }


def describe_hub_content(
    region: str, hub: str, content_type: str, name: str, version: str | None
) -> dict[str, Any]:
    """The DescribeHubContent answer, or ``LookupError`` (→ ResourceNotFound) for an unknown hub/content."""
    if hub != PUBLIC_HUB:
        raise LookupError(f"Hub {hub} does not exist.")
    spec = _specs().get(name)
    if spec is None or content_type != "Model" or (version not in (None, "", "*", spec["version"])):
        raise LookupError(f"Hub content {name} of type {content_type} does not exist in hub {hub}.")
    summary = _summary(spec, region)
    summary.update(
        {
            "HubName": hub,
            "HubArn": hub_arn(region, hub),
            "HubContentDocument": json.dumps(hub_content_document(spec, region)),
            "HubContentDescription": f"{name} for AWS Inferentia2 and Trainium",
            "SupportStatus": "Supported",
            "HubContentDependencies": [],
        }
    )
    return summary


def list_hub_contents(
    region: str, hub: str, content_type: str, name_contains: str | None
) -> list[dict[str, Any]]:
    if hub != PUBLIC_HUB:
        raise LookupError(f"Hub {hub} does not exist.")
    if content_type != "Model":
        return []
    return [
        _summary(spec, region)
        for model_id, spec in sorted(_specs().items())
        if not name_contains or name_contains in model_id
    ]


def _drop_empty(value: Any) -> Any:
    if isinstance(value, dict):
        pruned = {key: _drop_empty(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item != {}}
    if isinstance(value, list):
        return [_drop_empty(item) for item in value]
    return value


def apply_sdk3_patches() -> None:
    """Teach moto the Hub read operations and SimulatePrincipalPolicy; prune Describe* answers. Idempotent."""
    global _PATCHED
    if _PATCHED:
        return
    _PATCHED = True
    core_responses: Any = importlib.import_module("moto.core.responses")
    sm_responses: Any = importlib.import_module("moto.sagemaker.responses")
    sm_exceptions: Any = importlib.import_module("moto.sagemaker.exceptions")
    ActionResult = core_responses.ActionResult
    ResourceNotFound = sm_exceptions.ResourceNotFound

    def _lookup(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except LookupError as err:
            raise ResourceNotFound(message=str(err)) from err

    def describe_hub(self: Any) -> Any:
        name = self._get_param("HubName")
        if name != PUBLIC_HUB:
            raise ResourceNotFound(message=f"Hub {name} does not exist.")
        return ActionResult(
            {
                "HubName": PUBLIC_HUB,
                "HubArn": hub_arn(self.region),
                "HubDisplayName": "SageMaker Public Hub",
                "HubDescription": "The SageMaker JumpStart public hub",
                "HubSearchKeywords": [],
                "HubStatus": "InService",
                "CreationTime": _CREATED,
                "LastModifiedTime": _CREATED,
            }
        )

    def describe_hub_content_response(self: Any) -> Any:
        return ActionResult(
            _lookup(
                describe_hub_content,
                self.region,
                self._get_param("HubName"),
                self._get_param("HubContentType"),
                self._get_param("HubContentName"),
                self._get_param("HubContentVersion"),
            )
        )

    def list_hub_contents_response(self: Any) -> Any:
        summaries = _lookup(
            list_hub_contents,
            self.region,
            self._get_param("HubName"),
            self._get_param("HubContentType"),
            self._get_param("NameContains"),
        )
        return ActionResult({"HubContentSummaries": summaries})

    def list_hub_content_versions_response(self: Any) -> Any:
        name = self._get_param("HubContentName")
        summaries = _lookup(
            list_hub_contents,
            self.region,
            self._get_param("HubName"),
            self._get_param("HubContentType"),
            name,
        )
        return ActionResult({"HubContentSummaries": [s for s in summaries if s["HubContentName"] == name]})

    sm_responses.SageMakerResponse.describe_hub = describe_hub
    sm_responses.SageMakerResponse.describe_hub_content = describe_hub_content_response
    sm_responses.SageMakerResponse.list_hub_contents = list_hub_contents_response
    sm_responses.SageMakerResponse.list_hub_content_versions = list_hub_content_versions_response

    for operation in (
        "describe_model",
        "describe_endpoint",
        "describe_endpoint_config",
        "describe_training_job",
    ):
        original = getattr(sm_responses.SageMakerResponse, operation)

        def pruned(self: Any, _original: Any = original) -> Any:
            result = _original(self)
            if isinstance(result, ActionResult):
                return ActionResult(_drop_empty(result.result))
            if isinstance(result, str) and result.startswith("{"):
                return json.dumps(_drop_empty(json.loads(result)))
            return result

        setattr(sm_responses.SageMakerResponse, operation, pruned)

    iam_responses: Any = importlib.import_module("moto.iam.responses")
    iam_exceptions: Any = importlib.import_module("moto.iam.exceptions")

    class AccessDenied(iam_exceptions.IAMException):  # type: ignore[misc]
        code = "AccessDenied"

    def simulate_principal_policy(self: Any) -> Any:
        raise AccessDenied(
            f"User: arn:aws:iam::{self.current_account}:user/moto is not authorized to perform: "
            f"iam:SimulatePrincipalPolicy on resource: {self._get_param('PolicySourceArn')}"
        )

    iam_responses.IamResponse.simulate_principal_policy = simulate_principal_policy


def restart_polls(emulator: Any, kind: str, name: str, polls: int) -> None:
    """Count status polls of ``kind`` ("endpoint", "training-job") ``name`` from now on. SDK v3 reads what it
    created back (DescribeEndpoint / DescribeTrainingJob), which the emulator counts as a poll; a test about
    status progression starts counting after the create returned."""
    arn = f"arn:aws:sagemaker:{emulator.region}:{emulator.account_id}:{kind}/{name}"
    with emulator.state.lock:
        if arn in emulator.state.polls:
            emulator.state.polls[arn] = polls
