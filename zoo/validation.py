"""Argument checks shared by the zoo families; each raises a `ValueError` saying what fits."""

import math

# The default feature resolution of the attention block: the official SAGAN code attends at 32×32.
PREFERRED_ATTENTION_RESOLUTION = 32


def check_integer(argument, value, minimum):
    """Raises unless `value` is an integer (not a bool) of at least `minimum`."""
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(
            f"`{argument}` must be an integer of at least {minimum}. Received: {argument}={value!r}"
        )


def check_choice(argument, value, allowed):
    """Raises unless `value` is one of `allowed`."""
    if value not in allowed:
        raise ValueError(
            f"`{argument}` must be one of {', '.join(map(str, allowed))}. "
            f"Received: {argument}={value!r}"
        )


def default_attention_resolution(reachable):
    """The largest resolution in `reachable` not above 32 (SAGAN's), else the smallest one."""
    small = [r for r in reachable if r <= PREFERRED_ATTENTION_RESOLUTION]
    return max(small) if small else min(reachable)


def check_attention_resolution(argument, value, reachable, network):
    """Raises unless the feature resolution `value` is one the `network` produces."""
    if value not in reachable:
        raise ValueError(
            f"`{argument}` must be a feature resolution the {network} reaches: "
            f"{', '.join(map(str, sorted(reachable)))}. Received: {argument}={value!r}"
        )


def check_attention_width(ch, multipliers):
    """Raises unless every attention block gets a multiple of 8 channels.

    The blocks project to `channels // 8` query and key channels, so their inputs need a multiple
    of 8 channels.

    Args:
        ch: the width parameter of the network.
        multipliers: dict from a block's description ("generator at 32×32") to its channel count
            divided by `ch`.
    """
    multiple = math.lcm(1, *(8 // math.gcd(8, m) for m in multipliers.values()))
    if ch % multiple:
        blocks = ", ".join(f"{m}·ch at the {where}" for where, m in multipliers.items())
        raise ValueError(
            f"The attention blocks need a multiple of 8 channels ({blocks}), so `ch` must be a "
            f"multiple of {multiple} (smallest {multiple}). Received: ch={ch}"
        )
