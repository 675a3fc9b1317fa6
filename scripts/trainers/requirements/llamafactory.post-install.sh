#!/usr/bin/env bash
# Run by setup.sh in the llamafactory venv after its pins are installed: $1 is the venv.
# LLaMA-Factory 0.9.5 imports torchaudio at start (llamafactory/data/mm_plugin.py), for audio inputs only. PyPI's
# torchaudio 2.11.1 is a CUDA build: importing it beside the CPU torch fails ("libc10_cuda.so: cannot open shared object
# file"). Without its lib/*.so files torchaudio imports as pure Python (torchaudio/_extension/utils.py: _load_lib
# returns False when the library file is missing), which is all text fine-tuning needs.
set -euo pipefail
site="$("$1/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
rm -f "$site"/torchaudio/lib/*.so
"$1/bin/python" -c 'import torchaudio'
