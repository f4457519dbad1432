"""What TensorBoard shows of a run: scalars, image grids, hyper-parameters and attention pictures.

- `summaries`: `SummaryWriter` and the image grids (`image_grid`, `write_png`).
- `attention_pictures`: what each attention layer of a model attends to, as pictures.
"""

from training.monitoring.attention_pictures import AttentionProbe
from training.monitoring.attention_pictures import attention_layers
from training.monitoring.attention_pictures import attention_picture
from training.monitoring.summaries import SummaryWriter
from training.monitoring.summaries import image_grid
from training.monitoring.summaries import to_uint8
from training.monitoring.summaries import write_png

__all__ = [
    "AttentionProbe",
    "SummaryWriter",
    "attention_layers",
    "attention_picture",
    "image_grid",
    "to_uint8",
    "write_png",
]
