"""Argument types of the training commands: argparse `type=` functions whose errors say why.

Example:

>>> parser = argparse.ArgumentParser()
>>> _ = parser.add_argument("--steps", type=positive_int)
>>> parser.parse_args(["--steps", "3"]).steps
3
"""

import argparse
import ast


def integer_at_least(minimum):
    """An argparse type accepting integers of at least `minimum`."""
    wording = {0: "a non-negative integer", 1: "a positive integer"}
    expected = wording.get(minimum, f"an integer of at least {minimum}")

    def parse(text):
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {expected}, received {text}")
        return value

    return parse


positive_int = integer_at_least(1)
non_negative_int = integer_at_least(0)


def positive_float(text):
    """An argparse type accepting numbers above 0."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, received {text}")
    return value


def fraction(text):
    """An argparse type accepting numbers in [0, 1)."""
    value = float(text)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), received {text}")
    return value


def key_value(text):
    """An argparse type for `KEY=VALUE`: the value as a Python literal when it parses, else text."""
    key, separator, value = text.partition("=")
    if not separator or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, received {text!r}")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value
