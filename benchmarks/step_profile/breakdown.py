"""Groups a step's op times by network and layer, and an attention block's by op.

TensorFlow names an op after the name scopes it was created in: the network, then the layer,
then the layer's own ops, e.g. `autoencoder_1/encoder_attention_32_1/Tensordot/MatMul`; the op
computing its gradient is named after it under `gradient_tape/`. Keras appends `_1`, `_2`, ... to
a scope it enters again. So an op belongs to the first layer of a known network whose name (with
or without such a suffix) follows the network's in its name, and the scope right after the
layer's names the forward op it computes or differentiates.
"""

import collections
import re

# Ops outside every network: the optimizers, the losses, the data, the moving average.
OUTSIDE = "(outside the networks)"
# Ops of a network that no layer scope claims (e.g. its inputs' casts).
NETWORK_ITSELF = "(the network itself)"
# The gradient sums outside every scope: where a tensor feeds several layers (a residual
# connection, an attention block's input feeding its projections and its residual), the
# backward pass adds the gradients coming back from each (`AddN`).
GRADIENT_SUMS = "(gradient sums between layers)"

_UNIQUIFYING_SUFFIX = re.compile(r"_\d+$")


def _matches(component, name):
    return component == name or (
        component.startswith(name) and _UNIQUIFYING_SUFFIX.fullmatch(component[len(name) :])
    )


def locate(op_name, layers_by_network):
    """The `(network, layer, part)` an op belongs to.

    Args:
        op_name: a TensorFlow op name, e.g. `"gradient_tape/generator_1/attention_1/split"`.
        layers_by_network: `{network name: [layer names]}` of the step's networks.

    Returns:
        `(network, layer, part)`: the network's and the layer's names (`OUTSIDE` and
        `NETWORK_ITSELF` where none claims the op) and `part`, the scope right after the
        layer's (the forward op the op computes or differentiates; the op's own name when it
        is the last component), None outside a layer.

    Example:

    >>> layers = {"autoencoder": ["encoder_attention_32", "encoder_conv"]}
    >>> locate("gradient_tape/autoencoder_1/encoder_attention_32_1/Tensordot/MatMul", layers)
    ('autoencoder', 'encoder_attention_32', 'Tensordot')
    >>> locate("optimizer/Sub_3", layers)
    ('(outside the networks)', '(outside the networks)', None)
    """
    components = op_name.split("/")
    for index, component in enumerate(components):
        for network, layers in layers_by_network.items():
            if not _matches(component, network):
                continue
            rest = components[index + 1 :]
            if len(rest) >= 2:
                for layer in layers:
                    if _matches(rest[0], layer):
                        return network, layer, rest[1]
            return network, NETWORK_ITSELF, None
    return OUTSIDE, OUTSIDE, None


def _milliseconds(counter):
    return [
        {"name": name, "ms": seconds * 1e3}
        for name, seconds in sorted(counter.items(), key=lambda item: -item[1])
    ]


def break_down(op_seconds, layers_by_network, attention_layers):
    """Sums a step's op times by layer, and its attention blocks' by op type and by part.

    Args:
        op_seconds: `{(op_name, op_type): seconds}` of one step (`trace.profile_op_seconds`).
        layers_by_network: `{network name: [layer names]}` of the step's networks.
        attention_layers: `[(network name, layer name)]` of the attention blocks among them.

    Returns:
        A dict, in milliseconds per step: `total_ms` (every op), `attention_ms` (the attention
        blocks' ops, gradients included), and lists of `{"name", "ms"}` sorted by time:
        `layers` (per `"network/layer"`, and `OUTSIDE` and `GRADIENT_SUMS`),
        `attention_op_types` (the blocks' ops by op type, summed over the blocks) and
        `attention_parts` (the blocks' ops by part: the forward op and its gradient, summed
        over the blocks).

    Example:

    >>> seconds = {("net/attention/split", "SplitV"): 0.002, ("net/conv/Conv2D", "Conv2D"): 0.01}
    >>> result = break_down(seconds, {"net": ["attention", "conv"]}, [("net", "attention")])
    >>> round(result["attention_ms"], 6), result["attention_parts"]
    (2.0, [{'name': 'split', 'ms': 2.0}])
    """
    layers, op_types, parts = (collections.Counter() for _ in range(3))
    attention = set(attention_layers)
    for (op_name, op_type), seconds in op_seconds.items():
        network, layer, part = locate(op_name, layers_by_network)
        if network == OUTSIDE:
            layers[GRADIENT_SUMS if op_type == "AddN" else OUTSIDE] += seconds
        else:
            layers[f"{network}/{layer}"] += seconds
        if (network, layer) in attention:
            op_types[op_type] += seconds
            parts[part] += seconds
    return {
        "total_ms": sum(op_seconds.values()) * 1e3,
        "attention_ms": sum(op_types.values()) * 1e3,
        "layers": _milliseconds(layers),
        "attention_op_types": _milliseconds(op_types),
        "attention_parts": _milliseconds(parts),
    }
