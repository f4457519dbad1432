#!/bin/bash
# One call on a lent GPU machine (no TensorFlow; keras, namex and optree carried as wheels in
# .whl/, see docs/benchmarks.md): the quickstart on JAX, then the timed 128 px SAGANs.
# Usage: OUT=/some/folder bash benchmarks/gpu/run.sh [--tiny] [driver options]
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
if compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" KERAS_BACKEND=jax PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
python3 -m benchmarks.gpu "${OUT:?set OUT to the folder the results go to}" "$@" 2>&1 \
  | tee "$OUT/gpu_log.txt"
