"""The local trainer on a disk that fills while it writes the merged model: run as ``python -m
tests.disk_full_train ...`` in place of ``jupyter_llama_neuron.backends.local.trainer``. Everything is the
real training; only the weights write is cut in half and ends in ENOSPC (``tests.disk_full_convert``)."""

from __future__ import annotations

import sys

from jupyter_llama_neuron.backends.local import trainer
from tests.disk_full_convert import modeling_utils, save_on_a_filling_disk

if __name__ == "__main__":
    modeling_utils.safe_save_file = save_on_a_filling_disk
    sys.exit(trainer.main())
