"""`python -m benchmarks.step_profile`: where a zoo model's training step spends its time.

TensorFlow's profiler records every op of a few training steps; the ops are summed by the layer
they belong to (their gradients included), and the attention blocks' ops by op type and by the
forward op they compute or differentiate. It answers what an interleaved ratio cannot: which
part of an attention block costs what inside a real step.

Modules: `trace` (profile calls, read the op times from the profiler's trace), `breakdown`
(group op times by network, layer and op), `cases` (the measurement, in a child process),
`report` (the markdown).
"""
