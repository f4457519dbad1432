"""The child process of the benchmark harness: runs one case and writes its outcome as JSON.

`processes.run_case` starts it as a script, `python child.py SPEC_PATH RESULT_PATH`, rather than
with `-m`, so that a child loads only what its target imports (no Keras for a target that does not
need it). The spec is `{"target": "package.module:function", "params": {...}}`; the target is
called as `function(**params)` and returns a JSON-serialisable dict of metrics. The result is
`{"status": "OK", "metrics": {...}}`, or `{"status": "OOM" | "error", "error": "..."}` when the
target raised. This file uses the standard library only.
"""

import importlib
import json
import os
import sys
import traceback

# Markers of a failed allocation in an exception's type name or message: Python's MemoryError,
# TensorFlow's ResourceExhaustedError ("OOM when allocating tensor"), XLA's RESOURCE_EXHAUSTED,
# PyTorch's OutOfMemoryError and C++'s std::bad_alloc.
OUT_OF_MEMORY_MARKERS = (
    "memoryerror",
    "resourceexhausted",
    "resource_exhausted",
    "outofmemory",
    "out of memory",
    "bad_alloc",
    "oom when allocating",
)

# Long framework messages (TensorFlow lists every live allocation) would swamp the reports.
_MAX_ERROR_CHARS = 600


def is_out_of_memory(text):
    """Whether an error text reports a failed allocation."""
    text = text.lower()
    return any(marker in text for marker in OUT_OF_MEMORY_MARKERS)


def split_target(target):
    """`"package.module:function"` -> `("package.module", "function")`."""
    module_name, _, function_name = target.partition(":")
    if not module_name or not function_name:
        raise ValueError(
            f"A case target must read 'package.module:function'. Received: target={target!r}"
        )
    return module_name, function_name


def load_target(target):
    """Returns the function named by `"package.module:function"`."""
    module_name, function_name = split_target(target)
    return getattr(importlib.import_module(module_name), function_name)


def run_spec(spec):
    """Runs one case spec and returns its result dict; never raises on the target's failure."""
    try:
        metrics = load_target(spec["target"])(**spec.get("params", {}))
    except Exception as error:  # Every failure becomes a row of the report, never a crash.
        text = f"{type(error).__name__}: {error}"
        return {
            "status": "OOM" if is_out_of_memory(text) else "error",
            "error": text[:_MAX_ERROR_CHARS],
            "traceback": traceback.format_exc()[-4 * _MAX_ERROR_CHARS :],
        }
    return {"status": "OK", "metrics": metrics}


def main(argv):
    spec_path, result_path = argv
    with open(spec_path, encoding="utf-8") as file:
        spec = json.load(file)
    result = run_spec(spec)
    with open(result_path, "w", encoding="utf-8") as file:
        json.dump(result, file)
    return 0 if result["status"] == "OK" else 1


if __name__ == "__main__":
    # Run as a script, Python put this file's folder first on sys.path, where its siblings
    # (plots.py, report.py, ...) would shadow any top-level module of the same name.
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]
    sys.exit(main(sys.argv[1:]))
