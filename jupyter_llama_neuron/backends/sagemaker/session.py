"""One AWS session per SageMaker backend: region, boto3 clients, the ONE bounded executor, identity, the
execution role and the default bucket.

All blocking work runs on the bounded thread pool, so a slow AWS can never stall Jupyter's event loop or spawn
threads. Dataset reads (minutes for a large S3 file) get a pool of their own so they never hold up endpoint
calls.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError

from ...errors import ApiError, ServiceUnavailable
from ...settings import ExtensionSettings
from ..aws_detection import resolve_region as configured_region
from .aws_errors import BOTOCORE_MAX_ATTEMPTS, call_aws, max_call_seconds, remember_request

T = TypeVar("T")

STUDIO_METADATA_FILE = Path("/opt/ml/metadata/resource-metadata.json")
# Control-plane calls answer in well under a second; invocations of a 7B+ model on Inferentia2 can take
# tens of seconds (SageMaker itself cuts real-time invocations at 60 s), so the read timeout must exceed that.
CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 70
DATASET_WORKERS = 2


def resolve_region(
    settings: ExtensionSettings, session_factory: Callable[[], boto3.Session] = boto3.Session
) -> str:
    """settings.region → AWS_REGION → AWS_DEFAULT_REGION → the boto3 profile's region (``aws_detection``)."""
    region = configured_region(settings, None)
    if region:
        return region
    try:
        region = configured_region(settings, session_factory().region_name)
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


def default_bucket_name(region: str, account: str) -> str:
    """SageMaker's default bucket, as the SDK names it (``Session.default_bucket``)."""
    return f"sagemaker-{region}-{account}"


def utc(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return None


@dataclass(frozen=True)
class SdkSession:
    """What the SDK session is built from: our boto3 session and clients (so the SDK uses our region,
    credentials and timeouts) and an explicit default bucket (so it never calls its hard-coded STS
    endpoint)."""

    boto_session: boto3.Session
    sagemaker_client: Any
    sagemaker_runtime_client: Any
    default_bucket: str
    region: str


class AwsSession:
    """The boto3 session, clients and executors of one backend. Construction makes no AWS call."""

    def __init__(
        self,
        settings: ExtensionSettings,
        log: logging.Logger,
        *,
        boto_session: boto3.Session | None = None,
        studio_metadata_path: Path = STUDIO_METADATA_FILE,
    ) -> None:
        self.settings = settings
        self.log = log
        self.region = resolve_region(settings)
        self.boto_session = boto_session or boto3.Session(region_name=self.region)
        # Before any client exists (clients copy the session's handlers): each thread's last request, so an
        # AccessDenied from inside the SDK names what was denied.
        self.boto_session.events.register(
            "before-parameter-build", remember_request, unique_id="jupyter-llama-neuron:remember-request"
        )
        self._studio_metadata_path = studio_metadata_path
        workers = max(1, settings.aws_executor_workers)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="llama-neuron-aws")
        self._dataset_executor = ThreadPoolExecutor(
            max_workers=DATASET_WORKERS, thread_name_prefix="llama-neuron-datasets"
        )
        # AWS_MAX_ATTEMPTS wins when set (tests set 1 so moto's 500s for unimplemented calls fail fast).
        max_attempts = int(os.environ.get("AWS_MAX_ATTEMPTS") or BOTOCORE_MAX_ATTEMPTS)
        self.max_attempts = max_attempts
        # The longest any one AWS call can take, retries included: nothing waits on AWS longer than this.
        self.call_deadline_s = max_call_seconds(max_attempts, CONNECT_TIMEOUT_S, READ_TIMEOUT_S)
        self._client_config = Config(
            region_name=self.region,
            connect_timeout=CONNECT_TIMEOUT_S,
            read_timeout=READ_TIMEOUT_S,
            # "total_max_attempts" counts the first try, like AWS_MAX_ATTEMPTS; "max_attempts" would add one.
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            max_pool_connections=workers + DATASET_WORKERS + 2,
        )
        self._clients: dict[str, Any] = {}
        # boto3 sessions are not thread-safe while creating clients (which takes ~0.5 s): a lock of its own,
        # so the event loop never waits on it.
        self._clients_lock = threading.Lock()
        self._account: str | None = None
        self._role: str | None = None
        self._closed = False

    # -- plumbing --------------------------------------------------------------------------------------------

    def submit(self, fn: Callable[[], Any]) -> Future[Any]:
        """Start ``fn`` on the executor without waiting (warm-ups)."""
        return self._executor.submit(fn)

    def warm_clients(self) -> None:
        try:
            for service in ("sagemaker", "sagemaker-runtime", "sts"):
                self.client(service)
        except Exception as err:  # the same error reappears, translated, on the first real call
            self.log.debug("jupyter_llama_neuron: AWS client warm-up failed: %s", err)

    def client(self, service: str) -> Any:
        with self._clients_lock:
            client = self._clients.get(service)
            if client is None:
                session: Any = self.boto_session  # the boto3 stubs only accept literal service names
                client = session.client(service, config=self._client_config)
                self._clients[service] = client
            return client

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self._run_on(self._executor, fn, *args, **kwargs)

    async def run_dataset(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Long dataset work (S3 reads of a large file, preflight): its own pool, not the endpoints' one."""
        return await self._run_on(self._dataset_executor, fn, *args, **kwargs)

    async def _run_on(
        self, executor: ThreadPoolExecutor, fn: Callable[..., T], *args: Any, **kwargs: Any
    ) -> T:
        if self._closed:
            raise ServiceUnavailable("The SageMaker backend is shutting down.", code="BackendClosed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor, functools.partial(fn, *args, **kwargs))

    def call(self, service: str, operation: str, **params: Any) -> Any:
        return call_aws(getattr(self.client(service), operation), params)

    def sdk_session(self, bucket: str) -> SdkSession:
        return SdkSession(
            boto_session=self.boto_session,
            sagemaker_client=self.client("sagemaker"),
            sagemaker_runtime_client=self.client("sagemaker-runtime"),
            default_bucket=bucket,
            region=self.region,
        )

    def close(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._dataset_executor.shutdown(wait=False, cancel_futures=True)

    # -- identity --------------------------------------------------------------------------------------------

    def caller_identity(self) -> dict[str, Any]:
        found = self.call("sts", "get_caller_identity")
        self._account = str(found["Account"])
        return {"account": self._account, "region": self.region, "arn": found.get("Arn")}

    def account_id(self) -> str:
        if self._account is None:
            self._account = str(self.call("sts", "get_caller_identity")["Account"])
        return self._account

    def default_bucket(self) -> str:
        """settings.s3_bucket, else SageMaker's default bucket name (not created here)."""
        return self.settings.s3_bucket or default_bucket_name(self.region, self.account_id())

    # -- execution role --------------------------------------------------------------------------------------

    def execution_role(self) -> str:
        if self.settings.role_arn:
            return self.settings.role_arn
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
                described = self.call(
                    "sagemaker", "describe_user_profile", DomainId=domain, UserProfileName=profile
                )
                role = (described.get("UserSettings") or {}).get("ExecutionRole")
                if role:
                    return str(role), ""
            except ApiError as err:
                problem = f"reading the Studio user profile failed: {err.message}"
        try:
            described = self.call("sagemaker", "describe_domain", DomainId=domain)
            role = (described.get("DefaultUserSettings") or {}).get("ExecutionRole")
            if role:
                return str(role), ""
            return None, problem or "the Studio domain has no default execution role"
        except ApiError as err:
            return None, f"reading the Studio domain failed: {err.message}"
