"""The SageMaker backend: JumpStart Llama 2 Neuron endpoints on Inferentia2 and fine-tuning, in the user's AWS
account. One module per job: ``session`` (clients, executor, role, bucket), ``tags``, ``endpoints``,
``invocation`` (bodies, stream decoding), ``training``, ``datasets`` (S3), ``jumpstart_sdk_v2`` (the only SDK
caller), ``aws_errors``; ``backend`` composes them. Importing this package must not import the SDK.
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
