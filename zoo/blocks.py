"""Residual blocks of SAGAN/BigGAN-style networks, as functions on Keras tensors.

Every function takes a Keras tensor and returns one, naming its layers `{name}_conv1`,
`{name}_bn1`, ... so that model summaries read like the architecture tables. The generator's
up-block and output block also serve the autoencoder's decoder, and the discriminator's blocks its
encoder (there without spectral normalisation).

Reference:
- [Miyato et al., Spectral Normalization for GANs](https://arxiv.org/abs/1802.05957)
- [Zhang et al., Self-Attention Generative Adversarial Networks](https://arxiv.org/abs/1805.08318)
- [Brock et al., Large Scale GAN Training (BigGAN)](https://arxiv.org/abs/1809.11096)
"""

import keras

from keras_refined_sa.layers import ConditionalBatchNormalization, SpectralNormalization

# Batch-norm momentum 0.9 is BigGAN-PyTorch's (its momentum 0.1); the official SAGAN code uses
# TensorFlow decay 0.9999 in the generator, 0.999 elsewhere. We keep 0.9: short runs need moving
# statistics that follow the weights. Epsilon 1e-5.
BATCH_NORM_MOMENTUM = 0.9
BATCH_NORM_EPSILON = 1e-5


def spectral_layer(layer_class, *args, spectral_norm, name, **kwargs):
    """Builds `layer_class(*args, **kwargs)`, wrapped in `SpectralNormalization` if asked.

    The wrapper (the layer the model lists) carries `name`; the wrapped layer `{name}_inner`.
    """
    if not spectral_norm:
        return layer_class(*args, name=name, **kwargs)
    inner = layer_class(*args, name=f"{name}_inner", **kwargs)
    return SpectralNormalization(inner, name=name)


def conv2d(filters, kernel_size, *, spectral_norm, name):
    """A same-padded, stride-1 `Conv2D` with bias, optionally spectrally normalised."""
    return spectral_layer(
        keras.layers.Conv2D,
        filters,
        kernel_size,
        padding="same",
        spectral_norm=spectral_norm,
        name=name,
    )


def apply_batch_norm(x, *, labels=None, num_classes=0, synchronized=False, name):
    """Batch norm of `x`, conditioned on `labels` (class embeddings) when they are given."""
    options = dict(
        momentum=BATCH_NORM_MOMENTUM,
        epsilon=BATCH_NORM_EPSILON,
        synchronized=synchronized,
        name=name,
    )
    if labels is None:
        return keras.layers.BatchNormalization(**options)(x)
    return ConditionalBatchNormalization(num_classes, **options)(x, labels)


def apply_up_block(
    x, filters, *, labels=None, num_classes=0, spectral_norm=True, synchronized=False, name
):
    """Generator residual block: doubles the resolution and maps to `filters` channels.

    Main path BN-ReLU-upsample-conv3×3-BN-ReLU-conv3×3; shortcut upsample-conv1×1. Nearest
    neighbour upsampling, as SAGAN and BigGAN.

    Args:
        x: Keras tensor `(batch, height, width, channels)`.
        filters: output channels.
        labels: integer class labels `(batch,)` for conditional batch norm, or None.
        num_classes: number of classes when `labels` is given.
        spectral_norm: spectrally normalise the three convolutions.
        synchronized: synchronised batch norm (TensorFlow distribution strategies).
        name: prefix of the block's layer names, e.g. "g_block2".
    """
    norm = dict(labels=labels, num_classes=num_classes, synchronized=synchronized)
    h = apply_batch_norm(x, name=f"{name}_bn1", **norm)
    h = keras.layers.ReLU(name=f"{name}_relu1")(h)
    h = keras.layers.UpSampling2D(name=f"{name}_upsample")(h)
    h = conv2d(filters, 3, spectral_norm=spectral_norm, name=f"{name}_conv1")(h)
    h = apply_batch_norm(h, name=f"{name}_bn2", **norm)
    h = keras.layers.ReLU(name=f"{name}_relu2")(h)
    h = conv2d(filters, 3, spectral_norm=spectral_norm, name=f"{name}_conv2")(h)
    shortcut = keras.layers.UpSampling2D(name=f"{name}_shortcut_upsample")(x)
    shortcut = conv2d(filters, 1, spectral_norm=spectral_norm, name=f"{name}_shortcut_conv")(
        shortcut
    )
    return keras.layers.Add(name=f"{name}_add")([h, shortcut])


def apply_down_block(x, filters, *, downsample=True, spectral_norm=True, name):
    """Discriminator residual block: ReLU-conv3×3-ReLU-conv3×3, then 2×2 average pooling.

    The shortcut is a 1×1 convolution (then pooled) whenever the block downsamples or changes the
    number of channels, and the identity otherwise.

    Args:
        x: Keras tensor `(batch, height, width, channels)`.
        filters: output channels.
        downsample: halve the resolution.
        spectral_norm: spectrally normalise the convolutions.
        name: prefix of the block's layer names, e.g. "d_block2".
    """
    h = keras.layers.ReLU(name=f"{name}_relu1")(x)
    h = conv2d(filters, 3, spectral_norm=spectral_norm, name=f"{name}_conv1")(h)
    h = keras.layers.ReLU(name=f"{name}_relu2")(h)
    h = conv2d(filters, 3, spectral_norm=spectral_norm, name=f"{name}_conv2")(h)
    shortcut = x
    if downsample or x.shape[-1] != filters:
        shortcut = conv2d(filters, 1, spectral_norm=spectral_norm, name=f"{name}_shortcut_conv")(
            shortcut
        )
    if downsample:
        h = keras.layers.AveragePooling2D(2, name=f"{name}_pool")(h)
        shortcut = keras.layers.AveragePooling2D(2, name=f"{name}_shortcut_pool")(shortcut)
    return keras.layers.Add(name=f"{name}_add")([h, shortcut])


def apply_optimized_block(x, filters, *, downsample=True, spectral_norm=True, name):
    """The discriminator's first block: conv3×3-ReLU-conv3×3-avgpool on the raw image.

    No activation precedes the first convolution (the input is an image, not features), and the
    shortcut pools before its 1×1 convolution, which costs 4× fewer multiplications.

    Args:
        x: Keras tensor, the images `(batch, height, width, channels)`.
        filters: output channels.
        downsample: halve the resolution (the autoencoder's stem keeps it).
        spectral_norm: spectrally normalise the convolutions.
        name: prefix of the block's layer names, e.g. "d_block1".
    """
    h = conv2d(filters, 3, spectral_norm=spectral_norm, name=f"{name}_conv1")(x)
    h = keras.layers.ReLU(name=f"{name}_relu1")(h)
    h = conv2d(filters, 3, spectral_norm=spectral_norm, name=f"{name}_conv2")(h)
    shortcut = x
    if downsample:
        h = keras.layers.AveragePooling2D(2, name=f"{name}_pool")(h)
        shortcut = keras.layers.AveragePooling2D(2, name=f"{name}_shortcut_pool")(shortcut)
    shortcut = conv2d(filters, 1, spectral_norm=spectral_norm, name=f"{name}_shortcut_conv")(
        shortcut
    )
    return keras.layers.Add(name=f"{name}_add")([h, shortcut])


def apply_output_block(x, channels, *, spectral_norm=True, synchronized=False, name):
    """The generator's head: BN-ReLU-conv3×3-tanh to `channels` image channels in [-1, 1].

    The tanh runs in float32 so that images leave a mixed-precision model in full precision.
    """
    h = apply_batch_norm(x, synchronized=synchronized, name=f"{name}_bn")
    h = keras.layers.ReLU(name=f"{name}_relu")(h)
    h = conv2d(channels, 3, spectral_norm=spectral_norm, name=f"{name}_conv")(h)
    return keras.layers.Activation("tanh", dtype="float32", name=f"{name}_tanh")(h)
