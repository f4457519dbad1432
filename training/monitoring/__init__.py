"""What TensorBoard shows of a run: scalars, image grids, hyper-parameters and attention pictures.

- `summaries`: `SummaryWriter` (TensorFlow's `tf.summary`) and the image grids (`image_grid`).
- `event_writer`: `EventWriter`, the same events without TensorFlow (the JAX engine), and
  `write_png`.
- `attention_pictures`: what each attention layer of a model attends to, as pictures.
"""

import importlib

# Loaded on first use: `attention_pictures` (TF-free, used by the JAX engine) must not start
# TensorFlow through `summaries`.
_WHERE = {
    "AttentionProbe": "training.monitoring.attention_pictures",
    "attention_layers": "training.monitoring.attention_pictures",
    "attention_picture": "training.monitoring.attention_pictures",
    "EventWriter": "training.monitoring.event_writer",
    "SummaryWriter": "training.monitoring.summaries",
    "image_grid": "training.monitoring.summaries",
    "to_uint8": "training.monitoring.summaries",
    "write_png": "training.monitoring.event_writer",
}

__all__ = [
    "AttentionProbe",
    "EventWriter",
    "SummaryWriter",
    "attention_layers",
    "attention_picture",
    "image_grid",
    "to_uint8",
    "write_png",
]


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
