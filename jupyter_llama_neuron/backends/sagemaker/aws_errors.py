"""botocore exceptions → ``ApiError`` with a message and a hint the user can act on.

One translation table for every AWS call the extension makes (boto3 directly or through the SageMaker SDK):

* ``translate(err)``: the ``ApiError`` for one botocore exception (anything else is returned untouched).
* ``call_aws(fn, params)``: run one boto3 call; retry throttling with bounded exponential backoff, then
  translate.
* ``aws_errors()``: a context manager that translates whatever escapes the block (used around SDK calls, which
  must not be retried as a whole because they create several resources).
* ``remember_request``: a botocore ``before-parameter-build`` handler (registered on the backend's boto3
  session, so the SDK's clients carry it too) that keeps each thread's last request, so an AccessDenied from
  deep inside the SDK names the operation and resource that were really denied (S3 answers a bare "Access
  Denied").

No Tornado and no sagemaker import here: this runs on the backend's worker threads.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ReadTimeoutError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from ...errors import ApiError, NotFound, TooManyRequests

T = TypeVar("T")

# The retry budget of one AWS call, in one place (sources: docs/aws-fidelity.md, "Retries"). botocore's
# standard mode sends at most BOTOCORE_MAX_ATTEMPTS requests (first try included) for throttling, 5xx and
# timeouts. Throttling is retried again here, THROTTLE_ATTEMPTS rounds in all, because a burst of UI polls
# from several browser tabs can exceed SageMaker's per-account API rate for a few seconds and a longer wait
# than botocore's clears it. The SageMaker SDK's calls (deploy) use the same clients and are not retried as
# a whole (``aws_errors``). So one call sends at most ``max_requests(...)``: 6 throttled, 3 on a 5xx. Two
# rounds, not more: each round holds a pool thread while it sleeps, and every extra request adds to the load
# that made AWS throttle (20 UI requests in a long storm: 4 rounds took 41 s and 180 requests, 2 rounds 21 s
# and 120).
BOTOCORE_MAX_ATTEMPTS = 3
THROTTLE_ATTEMPTS = 2
THROTTLE_BASE_DELAY_S = 0.5
# botocore's standard backoff: rand(0, 1) * min(scale * 2^(attempt-1), 20 s), scale 1 s when throttled.
BOTOCORE_MAX_BACKOFF_S = 20.0


def max_requests(botocore_attempts: int, *, throttled: bool) -> int:
    """The most HTTP requests one ``call_aws`` call can send."""
    return botocore_attempts * (THROTTLE_ATTEMPTS if throttled else 1)


def max_call_seconds(botocore_attempts: int, connect_s: float, read_s: float) -> float:
    """The longest one ``call_aws`` call can take before it answers or fails: every request timing out at
    connect + read, botocore's longest backoffs (plus the 5 s an x-amz-retry-after may add), and ours."""
    backoff = sum(min(float(1 << i), BOTOCORE_MAX_BACKOFF_S) + 5.0 for i in range(botocore_attempts - 1))
    one_round = botocore_attempts * (connect_s + read_s) + backoff
    ours = sum(THROTTLE_BASE_DELAY_S * ((1 << i) + 1) for i in range(THROTTLE_ATTEMPTS - 1))
    return THROTTLE_ATTEMPTS * one_round + ours

THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
    }
)
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
INVALID_CREDENTIAL_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
        "AuthFailure",
    }
)
ACCESS_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "Forbidden"}
)
UNAVAILABLE_CODES = frozenset(
    {
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalServerError",
        "InternalServerException",
    }
)

CREDENTIALS_HINT = (
    "Configure AWS credentials for the Jupyter server (aws configure / aws sso login, AWS_PROFILE, or "
    "environment variables). In SageMaker Studio the execution role provides them."
)
EXPIRED_HINT = (
    "Refresh your credentials (e.g. aws sso login, or new temporary keys) and retry; no restart needed."
)
NETWORK_HINT = (
    "The Jupyter server cannot reach AWS. Check the network path: in a VPC-only SageMaker Studio domain "
    "you need VPC endpoints for sagemaker.api, sagemaker.runtime and sts (or a NAT gateway); behind a "
    "proxy, set HTTPS_PROXY."
)

_PERMISSION_IN_MESSAGE = re.compile(r"perform:\s*([a-z0-9-]+:[A-Za-z0-9*]+)")
_RESOURCE_IN_MESSAGE = re.compile(r"on resource:\s*\"?(arn:[^\s\"]+)")
# S3 operations whose IAM action has another name (S3 API reference, "Permissions" of each operation).
S3_ACTIONS = {
    "HeadObject": "s3:GetObject",
    "HeadBucket": "s3:ListBucket",
    "ListObjectsV2": "s3:ListBucket",
    "ListObjects": "s3:ListBucket",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "ListBuckets": "s3:ListAllMyBuckets",
}
_NAME_PARAMS = (
    ("EndpointName", "endpoint"),
    ("EndpointConfigName", "endpoint-config"),
    ("ModelName", "model"),
    ("TrainingJobName", "training-job"),
)
_LAST_REQUEST = threading.local()


def remember_request(params: Mapping[str, Any], model: Any, **_kwargs: Any) -> None:
    """botocore ``before-parameter-build`` handler: this thread's last request (service, operation, the
    parameters that name a resource)."""
    service = getattr(getattr(model, "service_model", None), "signing_name", None)
    named = {key: params[key] for key in ("Bucket", "Key", "Tagging", "ResourceArn") if key in params}
    named.update({key: params[key] for key, _kind in _NAME_PARAMS if key in params})
    _LAST_REQUEST.value = (str(service or ""), str(getattr(model, "name", "")), named)


def _last_request(operation: str) -> tuple[str, dict[str, Any]] | None:
    """The (IAM prefix, parameters) of this thread's last request when it was ``operation``."""
    value = getattr(_LAST_REQUEST, "value", None)
    if value is None or value[1] != operation:
        return None
    return value[0], value[2]


def _resource(prefix: str, params: Mapping[str, Any]) -> str | None:
    if prefix == "s3" and params.get("Bucket"):
        key = params.get("Key")
        return f"arn:aws:s3:::{params['Bucket']}" + (f"/{key}" if key else "")
    if params.get("ResourceArn"):
        return str(params["ResourceArn"])
    for key, kind in _NAME_PARAMS:
        if params.get(key):
            return f"{kind}/{params[key]}"
    return None


def _denied(
    message: str, operation: str | None, outer: str | None, iam_prefix: str
) -> tuple[str, str | None, str | None]:
    """(permission, resource, operation) an AccessDenied is about. The message wins when it names them
    (IAM-style services do); else the operation AWS reported (which may be a call the SDK made inside
    ``outer``) and this thread's record of that request."""
    found = _PERMISSION_IN_MESSAGE.search(message)
    in_message = _RESOURCE_IN_MESSAGE.search(message)
    request = _last_request(operation) if operation else None
    recorded = _resource(request[0], request[1]) if request else None
    if found:
        return found.group(1), in_message.group(1) if in_message else recorded, operation
    if not operation:
        return f"{iam_prefix}:*", None, None
    if request is not None:
        prefix = request[0]
    elif operation in S3_ACTIONS or (operation != outer and operation.endswith(("Object", "Bucket"))):
        prefix = "s3"
    else:
        prefix = iam_prefix
    permission = S3_ACTIONS.get(operation, f"s3:{operation}") if prefix == "s3" else f"{prefix}:{operation}"
    if prefix == "s3" and request is not None and request[1].get("Tagging"):
        permission += " and s3:PutObjectTagging"  # a tagged put needs both; S3 does not say which
    return permission, recorded, operation


_QUOTA_IN_MESSAGE = re.compile(r"'([^']+ for [^']*usage)'")
_INSTANCE_IN_MESSAGE = re.compile(r"\b(ml\.[a-z0-9-]+\.[a-z0-9]+)\b")
_NOT_FOUND_IN_MESSAGE = re.compile(r"Could not find|does not exist|not found", re.IGNORECASE)

_TRAINING_OPERATIONS = frozenset({"CreateTrainingJob", "CreateHyperParameterTuningJob"})


def _error_fields(err: ClientError) -> tuple[str, str, int | None, Mapping[str, Any]]:
    error: Mapping[str, Any] = err.response.get("Error") or {}
    code = str(error.get("Code") or "Unknown")
    message = str(error.get("Message") or err)
    metadata: Mapping[str, Any] = err.response.get("ResponseMetadata") or {}
    status = metadata.get("HTTPStatusCode")
    return code, message, status if isinstance(status, int) else None, error


def _quota_name(message: str, operation: str | None) -> str | None:
    found = _QUOTA_IN_MESSAGE.search(message)
    if found:
        return found.group(1)
    instance = _INSTANCE_IN_MESSAGE.search(message)
    if instance is None:
        return None
    usage = "training job usage" if operation in _TRAINING_OPERATIONS else "endpoint usage"
    return f"{instance.group(1)} for {usage}"


def _translate_client_error(
    err: ClientError, operation: str | None, iam_prefix: str, resource: str | None = None
) -> ApiError:
    code, message, status, error = _error_fields(err)
    outer = operation
    operation = operation or err.operation_name
    details = {"aws_code": code, "operation": operation}

    if code in EXPIRED_CODES:
        return ApiError(
            f"Your AWS credentials have expired ({code}).",
            hint=EXPIRED_HINT,
            code="ExpiredToken",
            status=401,
            details=details,
        )
    if code in INVALID_CREDENTIAL_CODES:
        return ApiError(
            f"AWS rejected the credentials: {message}",
            hint=CREDENTIALS_HINT,
            code="InvalidCredentials",
            status=401,
            details=details,
        )
    if code in ACCESS_DENIED_CODES:
        # The operation AWS denied can be one the SDK made inside ours (an S3 read of JumpStart metadata
        # during a deploy): name that one, not the step we were in.
        permission, found, denied = _denied(message, err.operation_name or outer, outer, iam_prefix)
        resource = found or resource
        on = f" on {resource}" if resource else ""
        return ApiError(
            f"AWS denied {permission}{on}: {message}",
            hint=f"Ask your AWS administrator to allow {permission}{on} for the identity this Jupyter "
            "server runs as (in SageMaker Studio: its execution role). docs/iam-policy.json lists what the "
            "extension needs.",
            code="AccessDenied",
            status=403,
            details={
                **details,
                "operation": denied or operation,
                "permission": permission,
                **({"resource": resource} if resource else {}),
            },
        )
    if code == "ResourceLimitExceeded":
        quota = _quota_name(message, operation)
        where = f"\u201c{quota}\u201d" if quota else "the instance quota named in the message"
        return ApiError(
            message,
            hint=f"Request an increase of the Service Quota {where} (Service Quotas console \u2192 Amazon "
            "SageMaker, same region), or choose another instance type. New accounts often start at 0 for "
            "Inferentia2 and Trainium instances.",
            code="ResourceLimitExceeded",
            status=status if status and 400 <= status < 500 else 400,
            details={**details, **({"quota": quota} if quota else {})},
        )
    if code in THROTTLING_CODES:
        return TooManyRequests(
            f"AWS kept throttling {operation} ({code}) through its retries: {message}",
            hint="Wait a minute and try again. Many browser tabs polling the same account add up; if it "
            "persists, ask for a higher SageMaker API rate limit.",
            code="Throttled",
            retry_after_s=60,
            details=details,
        )
    if code in ("ValidationException", "ValidationError") and _NOT_FOUND_IN_MESSAGE.search(message):
        return NotFound(
            message, hint="It may have been deleted, or it is in another region/account.", details=details
        )
    if code in ("ValidationException", "ValidationError"):
        return ApiError(
            message,
            hint="AWS rejected the request as invalid.",
            code="ValidationException",
            status=400,
            details=details,
        )
    if code == "ModelError":
        original = str(error.get("OriginalMessage") or message)
        return ApiError(
            f"The model container returned an error: {original}",
            hint="See the endpoint's CloudWatch logs (/aws/sagemaker/Endpoints/<name>) for details.",
            code="ModelError",
            status=status if status and 400 <= status < 500 else 424,
            details=details,
        )
    if status == 429:  # e.g. the runtime's ModelNotReadyException, which botocore does not retry
        return TooManyRequests(
            f"{operation} was refused for now ({code}): {message}",
            hint="Wait a few seconds and try again; the endpoint is not ready for this request yet.",
            code=code,
            retry_after_s=10,
            details=details,
        )
    if status is not None and 400 <= status < 500:
        return ApiError(
            f"{code}: {message}",
            hint=f"AWS answered {status} to {operation}.",
            code=code,
            status=status,
            details=details,
        )
    if code in UNAVAILABLE_CODES or status == 503:
        return ApiError(
            f"AWS is temporarily unavailable for {operation} ({code}), also after retries: {message}",
            hint="Try again in a minute; if it persists, check the AWS Health Dashboard for SageMaker in "
            "this region.",
            code="AwsUnavailable",
            status=503,
            details=details,
        )
    return ApiError(
        f"AWS failed on {operation} ({code}): {message}",
        hint="Try again; if it persists, check the AWS Health Dashboard for SageMaker in this region.",
        code="AwsError",
        status=502,
        details=details,
    )


def translate(
    err: BaseException,
    *,
    operation: str | None = None,
    iam_prefix: str = "sagemaker",
    resource: str | None = None,
) -> BaseException:
    """The ``ApiError`` for a botocore exception; other exceptions (and ApiError itself) come back unchanged.

    ``operation`` (e.g. "CreateEndpoint"), ``iam_prefix`` and ``resource`` name the permission when neither
    AWS's message nor this thread's last request does.
    """
    if isinstance(err, ApiError):
        return err
    if isinstance(err, ClientError):
        return _translate_client_error(err, operation, iam_prefix, resource)
    # boto3's upload_file wraps the ClientError of a transfer thread in S3UploadFailedError.
    if type(err).__name__ == "S3UploadFailedError" and isinstance(err.__context__, ClientError):
        return _translate_client_error(err.__context__, operation, iam_prefix, resource)
    if isinstance(err, (NoCredentialsError, PartialCredentialsError)):
        return ApiError(
            "No AWS credentials were found.", hint=CREDENTIALS_HINT, code="NoCredentials", status=401
        )
    if isinstance(err, CredentialRetrievalError) or type(err).__name__ in (
        "SSOTokenLoadError",
        "UnauthorizedSSOTokenError",
        "TokenRetrievalError",
    ):
        return ApiError(
            f"AWS credentials could not be refreshed: {err}",
            hint=EXPIRED_HINT,
            code="ExpiredToken",
            status=401,
        )
    if isinstance(err, NoRegionError):
        return ApiError(
            "No AWS region is configured.",
            hint="Set c.LlamaNeuronApp.region (or AWS_REGION).",
            code="NoRegion",
            status=400,
        )
    if isinstance(err, ReadTimeoutError):
        return ApiError(
            f"AWS did not answer in time: {err}", hint=NETWORK_HINT, code="AwsUnreachable", status=503
        )
    if isinstance(err, (BotoConnectionError, HTTPClientError)):
        return ApiError(f"Cannot reach AWS: {err}", hint=NETWORK_HINT, code="AwsUnreachable", status=503)
    if isinstance(err, ParamValidationError):
        return ApiError(
            f"Invalid request parameters: {err}",
            hint="Check the names and values you entered.",
            code="InvalidParameter",
            status=400,
        )
    if isinstance(err, BotoCoreError):
        return ApiError(
            f"AWS client error: {err}", hint="See the Jupyter server log.", code="AwsClientError", status=502
        )
    return err


def is_throttling(err: BaseException) -> bool:
    return isinstance(err, ClientError) and _error_fields(err)[0] in THROTTLING_CODES


def _iam_prefix_of(fn: Callable[..., Any]) -> str:
    """boto3 bound methods know their service; the runtime signs as "sagemaker", also its IAM prefix."""
    client = getattr(fn, "__self__", None)
    meta = getattr(client, "meta", None)
    model = getattr(meta, "service_model", None)
    name = getattr(model, "signing_name", None)
    return name if isinstance(name, str) else "sagemaker"


def _operation_of(fn: Callable[..., Any]) -> str | None:
    client = getattr(fn, "__self__", None)
    meta = getattr(client, "meta", None)
    names = getattr(meta, "method_to_api_mapping", None)
    method = getattr(fn, "__name__", None)
    if isinstance(names, Mapping) and method in names:
        return str(names[method])
    return None


def call_aws(
    fn: Callable[..., T],
    params: Mapping[str, Any] | None = None,
    *,
    attempts: int | None = None,
    base_delay_s: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``fn(**params)`` with throttling retried (exponential backoff with jitter, at most ``attempts``
    calls; defaults: the module's THROTTLE_* values, read per call so tests can shorten them) and every
    botocore error translated. Blocking: call it on a worker thread."""
    max_attempts = THROTTLE_ATTEMPTS if attempts is None else attempts
    delay = THROTTLE_BASE_DELAY_S if base_delay_s is None else base_delay_s
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn(**(params or {}))
        except Exception as err:
            if is_throttling(err) and attempt < max_attempts:
                sleep(delay * (2 ** (attempt - 1)) + random.uniform(0, delay))
                continue
            translated = translate(err, operation=_operation_of(fn), iam_prefix=_iam_prefix_of(fn))
            if translated is err:
                raise
            raise translated from err


@contextmanager
def aws_errors(
    operation: str | None = None, iam_prefix: str = "sagemaker", resource: str | None = None
) -> Iterator[None]:
    """Translate botocore errors raised in the block (no retries)."""
    try:
        yield
    except Exception as err:
        translated = translate(err, operation=operation, iam_prefix=iam_prefix, resource=resource)
        if translated is err:
            raise
        raise translated from err
