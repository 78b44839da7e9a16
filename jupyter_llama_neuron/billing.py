"""What things cost: the one place for which statuses are billed, the cost so far and the hourly burn.

SageMaker bills an endpoint's instance from creation until deletion, except when it failed (no instance runs);
a training job from the start of training to its end (waiting for capacity is free), and once ended exactly
``BillableTimeInSeconds``. Local mode bills nothing: prices are not shown there (``BackendFacts.bills``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .backends.base import TERMINAL_TRAINING_STATUSES, Endpoint, TrainingJob
from .timestamps import aware

# Endpoint statuses in which no instance is billed.
UNBILLED_STATUSES = frozenset({"Failed"})
# Training statuses in which the instance is billed.
RUNNING_TRAINING_STATUSES = frozenset({"InProgress", "Stopping"})


def cost_so_far(price_per_hour: float | None, seconds: float) -> float:
    return round(price_per_hour * max(0.0, seconds) / 3600.0, 4) if price_per_hour else 0.0


def hourly_burn(prices: Iterable[float | None]) -> float:
    """What everything running costs per hour (unknown prices count as 0)."""
    return round(sum(price for price in prices if price), 4)


def endpoint_cost(endpoint: Endpoint, price_per_hour: float | None, now: datetime) -> float:
    if endpoint.status in UNBILLED_STATUSES:
        return 0.0
    return cost_so_far(price_per_hour, (now - aware(endpoint.created_at)).total_seconds())


def training_cost(job: TrainingJob, price_per_hour: float | None, now: datetime) -> float:
    billable = job.extra.get("billable_seconds")
    if job.status in TERMINAL_TRAINING_STATUSES and isinstance(billable, (int, float)) and billable > 0:
        seconds = float(billable)
    elif job.started_at is not None:
        seconds = ((aware(job.ended_at) if job.ended_at else now) - aware(job.started_at)).total_seconds()
    else:
        seconds = 0.0  # waiting for an instance is not billed
    return cost_so_far(price_per_hour, seconds)
