"""The extension's configuration as plain data, so services never depend on traitlets or Tornado."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

BackendChoice = Literal["auto", "sagemaker", "local"]

# Requests a local endpoint keeps waiting for a rolling-batch slot; the next one is refused (429 EndpointBusy
# with Retry-After). SmolLM2 on a busy 2-core machine took ~2.4 s per 64-token answer at rolling batch 4 (~9 s
# at batch 1), so 32 waiting is already a minute or more of work: a deeper queue only lets requests run into
# their client's timeout (the Python client's is 120 s) instead of telling them to retry.
DEFAULT_LOCAL_MAX_QUEUE = 32


@dataclass(frozen=True)
class ExtensionSettings:
    backend: BackendChoice = "auto"
    region: str = ""
    role_arn: str = ""
    s3_bucket: str = ""
    allowed_model_ids: tuple[str, ...] = ()  # empty = every catalog model
    allowed_instance_types: tuple[str, ...] = ()  # empty = every precompiled instance type
    auto_delete_idle_minutes: int = 0  # 0 = off
    cost_guard_interval_s: float = 60.0  # how often the cost guard checks idle endpoints
    local_model_paths: dict[str, str] = field(default_factory=dict)  # catalog id -> HF folder
    data_dir: Path = Path(".")
    auto_detect_timeout_s: float = 2.0
    aws_executor_workers: int = 4
    local_torch_threads: int = 1
    local_standby_worker: bool = True  # keep one pre-imported worker for the next local deploy
    local_max_queue: int = DEFAULT_LOCAL_MAX_QUEUE  # per local endpoint, beyond its rolling batch
    max_upload_mb: float = 200.0  # streamed dataset uploads larger than this are refused (413)
