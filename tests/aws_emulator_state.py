"""The AWS emulator's shared knobs (``STATE``: read by moto's request threads, set by the tests) and fixed
identities; part of ``tests.aws_emulator``."""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIXTURES_DIR = Path(__file__).parent / "fixtures"
JUMPSTART_DIR = FIXTURES_DIR / "jumpstart"
ACCOUNT_ID = "123456789012"  # moto's default account
REGION = "us-east-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/jupyter-llama-neuron-test"
TRIPWIRE_PROXY = "http://127.0.0.1:9"  # discard port: anything routed through a proxy fails immediately
DEFAULT_FAILURE_REASON = (
    "The primary container for production variant AllTraffic did not pass the ping health check. "
    "Please check CloudWatch logs for this endpoint."
)
FAIL_MARKER = "fail-"


# ------------------------------------------------------------------------------------------------------------
# Knobs shared between the test thread and moto's request threads


@dataclass
class InjectedError:
    operation: str
    code: str
    message: str
    status: int
    remaining: int | None  # None: every call
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class EmulatorState:
    endpoint_creating_polls: int = 1
    training_running_polls: int = 1
    failure_reason: str = DEFAULT_FAILURE_REASON
    # 0: PayloadParts follow the body's lines (jsonlines) or words; >0: fixed-size chunks (line buffering).
    stream_chunk_bytes: int = 0
    # Seconds between PayloadParts (0: the whole stream at once). A real endpoint sends each part as it is
    # generated; a pause lets a test act while a stream is under way.
    stream_part_delay_s: float = 0.0
    polls: dict[str, int] = field(
        default_factory=dict
    )  # resource ARN -> describes left before the next status
    errors: list[InjectedError] = field(default_factory=list)
    # IAM actions withheld from the caller: (action pattern, resource ARN pattern).
    denied: list[tuple[str, str]] = field(default_factory=list)
    # Search calls a just-created endpoint or training job stays out of Search results (0: indexed at once).
    search_lag: int = 0
    unsearchable: dict[str, int] = field(default_factory=dict)
    # The value each of a training job's metric definitions reports, one datapoint a minute.
    training_metric_values: list[float] = field(default_factory=lambda: [2.5, 1.75, 1.25])
    # Every HTTP request the emulator received, per (operation, endpoint name or ""): retries included, so a
    # test sees what AWS would have seen from each of its requests.
    attempts: dict[tuple[str, str], int] = field(default_factory=dict)
    # (code, message, after): the response stream sends ``after`` PayloadParts, then this exception event.
    stream_failure: tuple[str, str, int] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            defaults = EmulatorState()
            self.endpoint_creating_polls = defaults.endpoint_creating_polls
            self.training_running_polls = defaults.training_running_polls
            self.failure_reason = defaults.failure_reason
            self.stream_chunk_bytes = defaults.stream_chunk_bytes
            self.stream_part_delay_s = defaults.stream_part_delay_s
            self.polls.clear()
            self.errors.clear()
            self.denied.clear()
            self.search_lag = defaults.search_lag
            self.unsearchable.clear()
            self.training_metric_values = defaults.training_metric_values
            self.attempts.clear()
            self.stream_failure = None

    def count_attempt(self, operation: str, name: str) -> None:
        with self.lock:
            self.attempts[(operation, name)] = self.attempts.get((operation, name), 0) + 1

    def take_error(self, operation: str) -> InjectedError | None:
        with self.lock:
            for err in self.errors:
                if err.operation != operation:
                    continue
                if err.remaining is not None:
                    err.remaining -= 1
                    if err.remaining <= 0:
                        self.errors.remove(err)
                return err
        return None

    def denial(self, actions: list[str], resource: str) -> str | None:
        """The first of ``actions`` withheld on ``resource``, else None."""
        with self.lock:
            for action in actions:
                for pattern, resources in self.denied:
                    if fnmatch.fnmatchcase(action, pattern) and fnmatch.fnmatchcase(resource, resources):
                        return action
        return None

    def hide_from_search(self, arn: str) -> None:
        with self.lock:
            if self.search_lag > 0:
                self.unsearchable[arn] = self.search_lag

    def searchable(self, arns: list[str]) -> set[str]:
        """Count one Search; the ARNs it may return."""
        with self.lock:
            hidden = {arn for arn in arns if self.unsearchable.get(arn, 0) > 0}
            for arn in list(self.unsearchable):
                self.unsearchable[arn] -= 1
                if self.unsearchable[arn] <= 0:
                    del self.unsearchable[arn]
        return set(arns) - hidden

    def tick(self, arn: str) -> bool:
        """Count one describe of ``arn``; True when it is time to move to the next status."""
        with self.lock:
            left = self.polls.get(arn)
            if left is None:
                return False
            if left <= 0:
                del self.polls[arn]
                return True
            self.polls[arn] = left - 1
            return False


STATE = EmulatorState()
