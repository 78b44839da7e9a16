"""What can be done to an endpoint beyond deleting it, decided here from its status and the backend's facts,
so the UI offers only buttons that can work (``actions`` in every endpoint view) and the server refuses the
rest with the same reasoning.

* ``restart``: a Failed endpoint started again in place with the same model and configuration. Local mode
  can (a new worker process); SageMaker cannot: "DeleteEndpoint is the only operation that can be performed
  on a failed endpoint" (``DescribeEndpoint`` ``EndpointStatus``, botocore
  ``data/sagemaker/2017-07-24/service-2.json``;
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html).
"""

from __future__ import annotations

from typing import Literal

from .errors import Conflict

EndpointAction = Literal["restart"]
RESTARTABLE_STATUS = "Failed"


def endpoint_actions(status: str, restarts_failed_endpoints: bool) -> list[EndpointAction]:
    """The actions an endpoint in ``status`` offers on a backend that can (or cannot) restart endpoints."""
    return ["restart"] if restarts_failed_endpoints and status == RESTARTABLE_STATUS else []


def check_restart(name: str, status: str, restarts_failed_endpoints: bool) -> None:
    """A 409 saying why ``name`` cannot be restarted, unless it can."""
    if not restarts_failed_endpoints:
        raise Conflict(
            f"Endpoint {name} cannot be restarted: SageMaker allows only deleting a Failed endpoint.",
            hint="Delete it in Resources and deploy the model again.",
            code="RestartUnsupported",
        )
    if status != RESTARTABLE_STATUS:
        raise Conflict(
            f"Endpoint {name} is {status}; only a Failed endpoint can be restarted.",
            hint="Wait until it has finished starting." if status == "Creating" else "",
            code="EndpointNotFailed",
            details={"status": status},
        )
