"""The SmolLM2 converter on a disk that fills while it writes the weights: run as ``python -m
tests.disk_full_convert OUT_DIR`` in place of ``jupyter_llama_neuron.backends.local.convert``.

Everything is the real conversion except the weights write: the real safetensors writer runs, then the file
is cut to half its size and ``OSError(ENOSPC)`` raised, as the kernel does when a disk fills mid-write.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any

from transformers import modeling_utils as _modeling_utils

from jupyter_llama_neuron.backends.local import convert

modeling_utils: Any = _modeling_utils  # safe_save_file is imported there, not exported
_real_save = modeling_utils.safe_save_file


def save_on_a_filling_disk(tensors: Any, filename: str, *args: Any, **kwargs: Any) -> None:
    _real_save(tensors, filename, *args, **kwargs)
    size = os.path.getsize(filename)
    os.truncate(filename, size // 2)  # part of the output did reach the disk
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), filename)


if __name__ == "__main__":
    modeling_utils.safe_save_file = save_on_a_filling_disk
    sys.exit(convert.main())
