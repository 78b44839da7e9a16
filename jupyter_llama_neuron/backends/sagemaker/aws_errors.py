"""botocore exceptions → ``ApiError`` with a message and a hint the user can act on.

One translation table for every AWS call the extension makes (boto3 directly or through the SageMaker SDK):

* ``translate(err)``: the ``ApiError`` for one botocore exception (anything else is returned untouched).
* ``call_aws(fn, params)``: run one boto3 call; retry throttling with bounded exponential backoff, then
  translate.
* ``aws_errors()``: a context manager that translates whatever escapes the block (used around SDK calls, which
  must not be retried as a whole because they create several resources).

No Tornado and no sagemaker import here: this runs on the backend's worker threads.
"""

from __future__ import annotations

import random
import re
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

from ...errors import ApiError, NotFound

T = TypeVar("T")

# Throttling is retried here, on top of botocore's own (few) retries, because a burst of UI polls from several
# browser tabs can exceed SageMaker's per-account API rate for a few seconds; a short wait usually clears it.
THROTTLE_ATTEMPTS = 4
THROTTLE_BASE_DELAY_S = 0.5

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


def _permission(message: str, operation: str | None, iam_prefix: str) -> str:
    found = _PERMISSION_IN_MESSAGE.search(message)
    if found:
        return found.group(1)
    return f"{iam_prefix}:{operation}" if operation else f"{iam_prefix}:*"


def _quota_name(message: str, operation: str | None) -> str | None:
    found = _QUOTA_IN_MESSAGE.search(message)
    if found:
        return found.group(1)
    instance = _INSTANCE_IN_MESSAGE.search(message)
    if instance is None:
        return None
    usage = "training job usage" if operation in _TRAINING_OPERATIONS else "endpoint usage"
    return f"{instance.group(1)} for {usage}"


def _translate_client_error(err: ClientError, operation: str | None, iam_prefix: str) -> ApiError:
    code, message, status, error = _error_fields(err)
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
        permission = _permission(message, operation, iam_prefix)
        return ApiError(
            f"AWS denied {permission}: {message}",
            hint=f"Ask your AWS administrator to allow {permission} for the identity this Jupyter server "
            "runs as (in SageMaker Studio: its execution role).",
            code="AccessDenied",
            status=403,
            details={**details, "permission": permission},
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
        return ApiError(
            f"AWS is throttling requests ({code}) and retries did not help: {message}",
            hint="Wait a minute and try again. Many browser tabs polling the same account add up; if it "
            "persists, ask for a higher SageMaker API rate limit.",
            code="Throttled",
            status=429,
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
            f"AWS is temporarily unavailable ({code}): {message}",
            hint="Try again in a minute.",
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
    err: BaseException, *, operation: str | None = None, iam_prefix: str = "sagemaker"
) -> BaseException:
    """The ``ApiError`` for a botocore exception; other exceptions (and ApiError itself) come back unchanged.

    ``operation`` (e.g. "CreateEndpoint") and ``iam_prefix`` name the permission when AWS's message does not.
    """
    if isinstance(err, ApiError):
        return err
    if isinstance(err, ClientError):
        return _translate_client_error(err, operation, iam_prefix)
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
def aws_errors(operation: str | None = None, iam_prefix: str = "sagemaker") -> Iterator[None]:
    """Translate botocore errors raised in the block (no retries)."""
    try:
        yield
    except Exception as err:
        translated = translate(err, operation=operation, iam_prefix=iam_prefix)
        if translated is err:
            raise
        raise translated from err
