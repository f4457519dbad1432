"""Global sum pooling over the spatial axes, the pooling of SAGAN's and BigGAN's discriminators."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_refined_sa")
class GlobalSumPooling2D(keras.layers.Layer):
    """Sums a channels-last feature map over height and width.

    `GlobalAveragePooling2D` times the number of pixels: the projection discriminators of SNGAN,
    SAGAN and BigGAN pool this way, so their logits scale with the feature-map area.

    Args:
        keepdims: keep the spatial axes with length 1.
        **kwargs: standard `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Input shape:
        `(batch, height, width, channels)`.

    Output shape:
        `(batch, channels)`, or `(batch, 1, 1, channels)` when `keepdims=True`.

    Example:

    >>> x = np.ones((2, 4, 5, 3))
    >>> tuple(GlobalSumPooling2D()(x).shape)
    (2, 3)

    Reference:
    - [Miyato and Koyama, cGANs with Projection Discriminator](https://arxiv.org/abs/1802.05637)
    """

    def __init__(self, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.keepdims = bool(keepdims)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def call(self, inputs):
        return ops.sum(inputs, axis=(1, 2), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return (input_shape[0], 1, 1, input_shape[3])
        return (input_shape[0], input_shape[3])

    def get_config(self):
        return {**super().get_config(), "keepdims": self.keepdims}
