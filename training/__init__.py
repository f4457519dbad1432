"""TensorFlow training: data, distribution, TensorBoard, checkpoints (`python -m training.run`)."""
