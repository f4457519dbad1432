"""Conditional batch normalisation: a per-class scale and offset after a plain batch norm."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_refined_sa")
class ConditionalBatchNormalization(keras.layers.Layer):
    """Batch normalisation whose scale γ and offset β are looked up from the class label.

    `y = γ[label] · (x - mean) / sqrt(variance + epsilon) + β[label]`, normalising over every
    axis but the last (channels last). The statistics come from a `BatchNormalization` without
    affine parameters of its own; the scale and offset are two class-embedding tables of shape
    `(num_classes, channels)`, initialised to ones and zeros, as in the official SAGAN code. With
    a single class the layer is an ordinary `BatchNormalization`.

    Args:
        num_classes: number of classes, a positive integer; labels lie in `[0, num_classes)`.
        momentum: momentum of the moving mean and variance.
        epsilon: small float added to the variance.
        synchronized: synchronise the batch statistics across replicas of a
            `tf.distribute` strategy, as `BatchNormalization(synchronized=True)`; TensorFlow
            backend only.
        gamma_initializer: initializer of the scale table.
        beta_initializer: initializer of the offset table.
        **kwargs: standard `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: float tensor `(batch, ..., channels)`.
        labels: integer tensor `(batch,)` (or `(batch, 1)`) of class indices.
        training: use the batch statistics (and update the moving ones) when true.

    Example:

    >>> features = keras.Input((8, 8, 32))
    >>> labels = keras.Input((), dtype="int32")
    >>> outputs = ConditionalBatchNormalization(num_classes=10)(features, labels)
    >>> outputs.shape
    (None, 8, 8, 32)

    Reference:
    - [de Vries et al., Modulating early visual processing by language](
      https://arxiv.org/abs/1707.00683)
    - [Zhang et al., Self-Attention Generative Adversarial Networks](
      https://arxiv.org/abs/1805.08318)
    """

    def __init__(
        self,
        num_classes,
        momentum=0.99,
        epsilon=1e-3,
        synchronized=False,
        gamma_initializer="ones",
        beta_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1:
            raise ValueError(
                f"`num_classes` must be a positive integer. Received: num_classes={num_classes!r}"
            )
        self.num_classes = num_classes
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.synchronized = bool(synchronized)
        self.gamma_initializer = keras.initializers.get(gamma_initializer)
        self.beta_initializer = keras.initializers.get(beta_initializer)
        self.batch_norm = keras.layers.BatchNormalization(
            momentum=self.momentum,
            epsilon=self.epsilon,
            center=False,
            scale=False,
            synchronized=self.synchronized,
            dtype=self.dtype_policy,
            name="batch_norm",
        )

    def build(self, inputs_shape, labels_shape):
        channels = inputs_shape[-1]
        if channels is None:
            raise ValueError(
                "ConditionalBatchNormalization needs the number of channels at build time. "
                f"Received: inputs_shape={tuple(inputs_shape)}"
            )
        self.batch_norm.build(inputs_shape)
        self.gamma = self.add_weight(
            shape=(self.num_classes, channels), initializer=self.gamma_initializer, name="gamma"
        )
        self.beta = self.add_weight(
            shape=(self.num_classes, channels), initializer=self.beta_initializer, name="beta"
        )

    def call(self, inputs, labels, training=None):
        labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
        normalized = self.batch_norm(inputs, training=training)
        # (batch, channels) -> (batch, 1, ..., 1, channels) to broadcast over the spatial axes.
        broadcast_shape = (-1,) + (1,) * (len(inputs.shape) - 2) + (inputs.shape[-1],)
        gamma = ops.reshape(ops.take(self.gamma, labels, axis=0), broadcast_shape)
        beta = ops.reshape(ops.take(self.beta, labels, axis=0), broadcast_shape)
        return normalized * ops.cast(gamma, normalized.dtype) + ops.cast(beta, normalized.dtype)

    def compute_output_shape(self, inputs_shape, labels_shape):
        return tuple(inputs_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "synchronized": self.synchronized,
            "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
            "beta_initializer": keras.initializers.serialize(self.beta_initializer),
        }
