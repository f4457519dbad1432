"""An exponential moving average of a model's weights, kept in a twin model."""

import tensorflow as tf


class ExponentialMovingAverage:
    """Keeps the weights of `average` an exponential moving average of those of `model`.

    The average lives in a second model of the same architecture (e.g.
    `keras.models.clone_model(generator)`), so sampling, checkpointing and exporting the
    averaged generator need nothing special: it is a Keras model like any other.

    Every floating-point weight is averaged with the same decay, trainable or not: the batch-norm
    moving statistics and the spectral-norm power-iteration vectors too. This is what BigGAN
    does (its EMA averages every entry of the generator's state dict, buffers included). An
    averaged spectral-norm vector u is valid: `SpectralNormalization` re-normalises u where it
    uses it, so only u's direction matters. Averaged batch-norm statistics are BigGAN's choice;
    the alternative, not done here, is to recompute them for the averaged weights ("standing
    statistics"). Weights that are not floating point (none in the zoo) are copied.

    Args:
        model: the trained `keras.Model`.
        average: a `keras.Model` with the same weights structure as `model`.
        decay: weight of the old average, in `[0, 1)`.
        start_step: before this step the average copies the weights instead (a warm-up: the
            first weights of a GAN are not worth averaging).

    Example:

    >>> generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> ema = ExponentialMovingAverage(generator, keras.models.clone_model(generator))
    >>> ema.reset()                     # once, before training: the average copies the weights
    >>> ema.update(tf.constant(1))      # after every generator update

    Reference:
    - [Yazıcı et al., The Unusual Effectiveness of Averaging in GAN Training](
      https://arxiv.org/abs/1806.04498)
    """

    def __init__(self, model, average, decay=0.999, start_step=0):
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"`decay` must be in [0, 1). Received: decay={decay}")
        if start_step < 0:
            raise ValueError(f"`start_step` must be >= 0. Received: start_step={start_step}")
        source, target = model.weights, average.weights
        shapes = [tuple(weight.shape) for weight in source]
        if shapes != [tuple(weight.shape) for weight in target]:
            raise ValueError(
                f"`average` must have the weights of `model`. Received: model {model.name!r} "
                f"with {len(source)} weights, average {average.name!r} with {len(target)}, or "
                f"shapes that differ."
            )
        self.model = model
        self.average = average
        self.decay = float(decay)
        self.start_step = int(start_step)

    def reset(self):
        """Sets the average to the model's current weights."""
        for average, weight in zip(self.average.weights, self.model.weights):
            average.assign(weight.value)

    def update(self, step):
        """Moves the average towards the model's weights; call it after each update.

        The decay ramps up as `min(decay, (1 + t) / (10 + t))`, t the steps since `start_step`
        (as `tf.train.ExponentialMovingAverage` with `num_updates`), so that a short run is not
        an average dominated by its first, random weights.

        Args:
            step: the step just trained (integer tensor or int); before `start_step` the
                average copies the weights.
        """
        updates = tf.cast(step, tf.float32) - float(self.start_step)
        decay = tf.minimum(self.decay, (1.0 + updates) / (10.0 + updates))
        decay = tf.where(updates < 0, 0.0, decay)
        for average, weight in zip(self.average.weights, self.model.weights):
            if tf.as_dtype(weight.dtype).is_floating:
                rate = 1.0 - tf.cast(decay, weight.dtype)
                average.assign_add(rate * (weight.value - average.value))
            else:
                average.assign(weight.value)
