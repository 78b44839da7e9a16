"""The SageMaker backend: JumpStart Llama 2 Neuron endpoints on Inferentia2 and fine-tuning, in the user's AWS
account. One module per job: ``session`` (clients, executor, role, bucket), ``tags``, ``endpoints``,
``invocation`` (bodies, stream decoding), ``training``, ``datasets`` (S3), ``jumpstart_sdk`` (picks
``jumpstart_sdk_v2`` or ``jumpstart_sdk_v3`` by the installed SDK major: the only SDK callers),
``aws_errors``; ``backend`` composes them. Importing this package must not import the SDK.
"""

from .backend import SageMakerBackend
from .invocation import StreamingUnsupported, StreamTextDecoder
from .session import STUDIO_METADATA_FILE, resolve_region

__all__ = [
    "STUDIO_METADATA_FILE",
    "SageMakerBackend",
    "StreamTextDecoder",
    "StreamingUnsupported",
    "resolve_region",
]
