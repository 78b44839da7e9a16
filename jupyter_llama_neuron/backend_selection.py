"""Which backend serves this server (SageMaker or local), decided once and reported by ``GET /status``.

``auto`` uses SageMaker only when AWS credentials *and* a region resolve within ``auto_detect_timeout_s``.
The detection runs in a thread started at construction, so a slow credential chain (SSO, instance metadata)
never delays the Jupyter server's start; whoever first needs the backend waits at most for what is left of the
timeout.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from .backends.aws_detection import AwsDetection, detect_aws, detect_region
from .catalog import Catalog
from .errors import ApiError, ServiceUnavailable
from .settings import ExtensionSettings

if TYPE_CHECKING:
    from .backends.base import Backend

LOCAL_LABEL = "Local mode (no AWS account)"
IDENTITY_TIMEOUT_S = 15.0


class BackendProvider:
    def __init__(self, settings: ExtensionSettings, catalog: Catalog, log: logging.Logger) -> None:
        self.settings = settings
        self.catalog = catalog
        self.log = log
        self._backend: Backend | None = None
        self._reason = ""
        self._region: str | None = None
        self._identity: dict[str, Any] | None = None
        self._lock = asyncio.Lock()
        self._deadline = time.monotonic() + settings.auto_detect_timeout_s
        self._detected = threading.Event()
        self._detection: AwsDetection | None = None
        if settings.backend == "auto":
            threading.Thread(target=self._run_detection, name="llama-neuron-aws-detect", daemon=True).start()

    def _run_detection(self) -> None:
        try:
            self._detection = detect_aws(self.settings)
        finally:
            self._detected.set()

    async def _choose(self) -> tuple[str, ExtensionSettings, str]:
        choice = self.settings.backend
        if choice == "local":
            return "local", self.settings, "LlamaNeuronApp.backend is 'local'."
        if choice == "sagemaker":
            region = await asyncio.to_thread(detect_region, self.settings)
            return "sagemaker", self._with_region(region), "LlamaNeuronApp.backend is 'sagemaker'."
        remaining = max(0.0, self._deadline - time.monotonic())
        done = self._detected.is_set() or await asyncio.to_thread(self._detected.wait, remaining)
        detection = self._detection
        if not done or detection is None:
            timeout = self.settings.auto_detect_timeout_s
            reason = f"Auto mode: AWS credentials and a region did not resolve within {timeout:g} s."
            return "local", self.settings, f"{reason} Local mode is used."
        if detection.ok:
            return "sagemaker", self._with_region(detection.region), f"Auto mode: {detection.reason}"
        return "local", self.settings, f"Auto mode: {detection.reason} Local mode is used."

    def _with_region(self, region: str | None) -> ExtensionSettings:
        self._region = region
        # The backend gets the region auto-detection found, so both agree on where resources live.
        return dataclasses.replace(self.settings, region=region) if region else self.settings

    def _build(self, name: str, settings: ExtensionSettings) -> Backend:
        try:
            if name == "sagemaker":
                from .backends.sagemaker import SageMakerBackend

                return SageMakerBackend(settings, self.catalog, self.log)
            from .backends.local.backend import LocalBackend

            return LocalBackend(settings, self.catalog, self.log)
        except ApiError:
            raise
        except Exception as err:  # e.g. a missing optional dependency: say so instead of a bare 500
            self.log.exception("jupyter_llama_neuron: the %s backend could not start", name)
            raise ServiceUnavailable(
                f"The {name} backend could not start: {err}",
                hint="See the Jupyter server log; check the extension's optional dependencies for this mode.",
                code="BackendUnavailable",
            ) from err

    async def get(self) -> Backend:
        """The backend, built on first use and then reused."""
        if self._backend is not None:
            return self._backend
        async with self._lock:
            if self._backend is None:
                name, settings, reason = await self._choose()
                self._backend = self._build(name, settings)
                self._reason = reason
                self.log.info("jupyter_llama_neuron: using the %s backend (%s)", name, reason)
        return self._backend

    async def status(self) -> dict[str, Any]:
        """The ``GET /status`` fields other than ``version``. Identity failures are reported, not raised."""
        backend = await self.get()
        body: dict[str, Any] = {
            "backend": backend.name,
            "backend_choice": self.settings.backend,
            "label": LOCAL_LABEL,
            "region": None,
            "account": None,
            "reason": self._reason,
            "local_model": None,
            "price_label": self.catalog.price_label(),
        }
        body["local_model"] = backend.model_readiness()
        if not backend.facts.has_account:
            return body
        body["region"] = self._region or self.settings.region or None
        try:
            identity = await self._sagemaker_identity(backend)
        except ApiError as err:
            body["error"] = err.to_json()["error"]
        except Exception as err:  # status must always answer; the message tells the user what went wrong
            body["error"] = {
                "code": "IdentityUnavailable",
                "message": f"Could not read the AWS identity: {err}",
                "hint": "Check your AWS credentials and network.",
            }
        else:
            body["region"] = identity.get("region") or body["region"]
            body["account"] = identity.get("account")
            body["arn"] = identity.get("arn")
        parts = ["SageMaker", body["region"], body["account"]]
        body["label"] = " · ".join(str(part) for part in parts if part)
        return body

    async def _sagemaker_identity(self, backend: Backend) -> dict[str, Any]:
        if self._identity is None:
            try:
                identity = await asyncio.wait_for(backend.identity(), IDENTITY_TIMEOUT_S)
            except asyncio.TimeoutError as err:
                raise ServiceUnavailable(
                    f"AWS did not answer the identity request within {IDENTITY_TIMEOUT_S:g} s.",
                    hint="Check the network connection to AWS.",
                    code="AwsUnreachable",
                ) from err
            self._identity = dict(identity)  # the account does not change while the server runs
        return self._identity

    async def close(self) -> None:
        if self._backend is not None:
            await self._backend.close()
