"""SAGAN's architecture tables and the argument checks the generator and discriminator share.

The channel multipliers are BigGAN's (arXiv 1809.11096, appendix B), for 32, 64, 128 and 256 px.
"""

import collections

import keras

from zoo import validation
from zoo.attention import check_attention_kind

RESOLUTIONS = (32, 64, 128, 256)
IMAGE_CHANNELS = (1, 3)
# The generator starts from a 4×4 map.
BOTTOM_RESOLUTION = 4
# BigGAN's tables: channel multipliers of `ch`. Generator: the 4×4 map, then one up-block per
# doubling. Discriminator: one block each, the first `halvings` of them halving the resolution.
GENERATOR_MULTIPLIERS = {
    32: (4, 4, 4, 4),
    64: (16, 16, 8, 4, 2),
    128: (16, 16, 8, 4, 2, 1),
    256: (16, 16, 8, 8, 4, 2, 1),
}
DISCRIMINATOR_ARCHITECTURE = {
    32: {"multipliers": (4, 4, 4, 4), "halvings": 2},
    64: {"multipliers": (1, 2, 4, 8, 16), "halvings": 4},
    128: {"multipliers": (1, 2, 4, 8, 16, 16), "halvings": 5},
    256: {"multipliers": (1, 2, 4, 8, 8, 16, 16), "halvings": 6},
}

Block = collections.namedtuple("Block", ["index", "multiplier", "resolution", "downsample"])


def generator_blocks(resolution):
    """The generator's up-blocks at `resolution`, numbered from 1, each doubling the resolution."""
    multipliers = GENERATOR_MULTIPLIERS[resolution][1:]
    return [
        Block(index, multiplier, BOTTOM_RESOLUTION * 2**index, True)
        for index, multiplier in enumerate(multipliers, start=1)
    ]


def discriminator_blocks(resolution):
    """The discriminator's blocks at `resolution`, numbered from 1; block 1 is the optimized one."""
    architecture = DISCRIMINATOR_ARCHITECTURE[resolution]
    blocks = []
    for index, multiplier in enumerate(architecture["multipliers"], start=1):
        halvings = min(index, architecture["halvings"])
        downsample = index <= architecture["halvings"]
        blocks.append(Block(index, multiplier, resolution // 2**halvings, downsample))
    return blocks


def resolve_attention_resolution(
    networks, *, resolution, channels, ch, num_classes, attention, attention_resolution
):
    """Checks the arguments the networks share; returns the attention resolution.

    `attention_resolution=None` resolves to the pair's default: 32, as the official code, or 16
    at 32 px, where the discriminator has no 32×32 map.

    Args:
        networks: the networks the attention block goes into, "generator" and/or
            "discriminator"; `attention_resolution` must be a side each of them reaches.
        resolution, channels, ch, num_classes, attention, attention_resolution: the arguments
            of `SAGAN`.
    """
    validation.check_choice("resolution", resolution, RESOLUTIONS)
    validation.check_choice("channels", channels, IMAGE_CHANNELS)
    validation.check_integer("ch", ch, 1)
    validation.check_integer("num_classes", num_classes, 0)
    check_attention_kind(attention)
    blocks = {
        "generator": generator_blocks(resolution),
        "discriminator": discriminator_blocks(resolution),
    }
    if attention_resolution is None:
        # One default for the pair, so that a network built alone matches the pair's.
        shared = set.intersection(*({b.resolution for b in bs} for bs in blocks.values()))
        attention_resolution = validation.default_attention_resolution(shared)
    reachable = set.intersection(*({b.resolution for b in blocks[n]} for n in networks))
    validation.check_attention_resolution(
        "attention_resolution", attention_resolution, reachable, " and the ".join(networks)
    )
    if attention != "none":
        size = f"{attention_resolution}×{attention_resolution}"
        multipliers = {
            f"{name} at {size}": attention_block(blocks[name], attention_resolution).multiplier
            for name in networks
        }
        validation.check_attention_width(ch, multipliers)
    return attention_resolution


def attention_block(blocks, attention_resolution):
    """The first block whose output has the attention resolution: the attention follows it."""
    return next(block for block in blocks if block.resolution == attention_resolution)


def labels_input(num_classes):
    """The int32 `labels` input of a conditional network, or None."""
    return keras.Input((), dtype="int32", name="labels") if num_classes else None
