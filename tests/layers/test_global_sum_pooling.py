"""GlobalSumPooling2D: sums over height and width."""

import keras
import numpy as np
from keras import ops

from keras_refined_sa.layers import GlobalSumPooling2D


def test_sums_over_the_spatial_axes():
    x = np.random.default_rng(0).normal(size=(2, 3, 5, 4)).astype("float32")
    np.testing.assert_allclose(
        ops.convert_to_numpy(GlobalSumPooling2D()(x)), x.sum(axis=(1, 2)), rtol=1e-5, atol=1e-5
    )
    kept = ops.convert_to_numpy(GlobalSumPooling2D(keepdims=True)(x))
    np.testing.assert_allclose(kept, x.sum(axis=(1, 2), keepdims=True), rtol=1e-5, atol=1e-5)


def test_output_shapes_and_config():
    inputs = keras.Input((None, None, 7))
    assert GlobalSumPooling2D()(inputs).shape == (None, 7)
    assert GlobalSumPooling2D(keepdims=True)(inputs).shape == (None, 1, 1, 7)
    layer = GlobalSumPooling2D(keepdims=True, name="pool")
    assert GlobalSumPooling2D.from_config(layer.get_config()).get_config() == layer.get_config()
