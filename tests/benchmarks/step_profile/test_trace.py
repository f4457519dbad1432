import time

import pytest
import tensorflow as tf

from benchmarks.step_profile.trace import profile_op_seconds


def test_profile_op_seconds_records_each_op_of_a_function_per_call():
    x = tf.Variable(tf.random.normal((1024, 1024)))

    @tf.function
    def step():
        with tf.name_scope("probe"):
            return tf.nn.relu(x @ x)

    step()
    start = time.perf_counter()
    for _ in range(4):
        step().numpy()
    seconds_per_call = (time.perf_counter() - start) / 4

    seconds = profile_op_seconds(lambda: step().numpy(), calls=4)

    matmul = [value for (name, op_type), value in seconds.items() if name == "probe/matmul"]
    assert len(matmul) == 1 and ("probe/Relu" in {name for name, _ in seconds})
    # The matmul is most of a call; summed over 4 calls it would be about 4 calls' time.
    assert 0.2 * seconds_per_call < matmul[0] < 2 * seconds_per_call


def test_profile_op_seconds_refuses_a_function_without_tensorflow_ops():
    with pytest.raises(RuntimeError, match="recorded no TensorFlow op in 2 call"):
        profile_op_seconds(lambda: sum(range(10)), calls=2)
