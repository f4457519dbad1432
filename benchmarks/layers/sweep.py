"""The layer benchmark's sweep: which cases it runs, and the records it makes of their results.

Two stages. First every (configuration, channels, form, pass) runs alone in a fresh process:
its memory and its own time. Then, per (configuration, channels, pass), the compared forms that
ran are built again together in one process, and the two forms of each ratio are timed in
interleaved rounds: the ratios between forms (refined over its projections, softmax over refined)
come from there, never from cases timed minutes apart.
"""

from benchmarks.harness.results import add_memory_fields
from benchmarks.harness.steps import PASSES
from benchmarks.layers.cases import comparison_case, layer_case
from benchmarks.layers.flops import block_flops
from benchmarks.layers.forms import FORMS

# (resolution, batch size): every resolution 16..256 at batch 2, and 64×64 at batch 8, the
# configurations the docs quote; the targets need n ≥ 4,096 (64×64 and above).
DEFAULT_CONFIGS = ((16, 2), (32, 2), (64, 2), (128, 2), (256, 2), (64, 8))
DEFAULT_CHANNELS = (64,)
# The forms timed together: the floor, the quadratic baseline and the refined form; on a GPU
# the fused (flash) softmax too, which the GPU targets compare against.
COMPARED_FORMS = ("projections", "softmax", "refined")
GPU_COMPARED_FORMS = ("projections", "softmax", "fused_softmax", "refined")
_CASE_KEYS = ("form", "pass_name", "resolution", "batch_size", "channels")
_GROUP_KEYS = ("resolution", "batch_size", "channels", "pass_name")


def parse_config(text):
    """`"64:8"` -> `(64, 8)`: a resolution and a batch size."""
    try:
        resolution, batch_size = (int(part) for part in text.split(":"))
    except ValueError:
        resolution = batch_size = 0
    if resolution <= 0 or batch_size <= 0:
        raise ValueError(
            f"A configuration reads RESOLUTION:BATCH_SIZE with positive integers, e.g. 64:8. "
            f"Received: {text!r}"
        )
    return resolution, batch_size


def _ordered(configs):
    return sorted(set(configs), key=lambda config: (config[0] ** 2 * config[1], config))


def sweep_cases(configs, channels, forms=FORMS, passes=PASSES, **settings):
    """The harness `Case`s of the first stage, smallest feature maps first.

    Args:
        configs: `(resolution, batch_size)` pairs.
        channels: the values of `C` to run every configuration with (multiples of 8, as the
            blocks' defaults `C_k = C // 8` and `C_v = C // 2` need).
        forms: the forms to run (see `forms.FORMS`).
        passes: `"fwd"` and/or `"fwd_bwd"`.
        **settings: the other arguments of `cases.run_layer_case`.
    """
    for width in channels:
        if width <= 0 or width % 8:
            raise ValueError(
                f"`channels` must be positive multiples of 8. Received: channels={width}"
            )
    return [
        layer_case(form, pass_name, resolution, batch_size, width, **settings)
        for resolution, batch_size in _ordered(configs)
        for width in channels
        for form in forms
        for pass_name in passes
    ]


def case_gflop(params):
    """GFLOP of the case with these `cases.layer_case` parameters (see `flops`)."""
    channels = params["channels"]
    return 1e-9 * block_flops(
        params["form"],
        params["pass_name"],
        positions=params["resolution"] ** 2,
        channels=channels,
        key_channels=channels // 8,
        value_channels=channels // 2,
        batch_size=params["batch_size"],
    )


def layer_records(cases, results):
    """Flat records, one per first-stage case: its parameters, its results, derived columns.

    Derived: `positions` (n), `key_channels`, `value_channels`, `gflop` and the memory fields of
    `benchmarks.harness.results.add_memory_fields`.
    """
    records = []
    for case, result in zip(cases, results):
        params, record = case.params, result.as_record()
        # The settings shared by every case live in the payload's settings, not in each record.
        record.update({key: params[key] for key in _CASE_KEYS})
        channels = params["channels"]
        record["positions"] = params["resolution"] ** 2
        record["key_channels"], record["value_channels"] = channels // 8, channels // 2
        record["gflop"] = case_gflop(params)
        records.append(add_memory_fields(record))
    return records


def group_key(record):
    """`(resolution, batch_size, channels, pass_name)`: the cases a comparison puts together."""
    return tuple(record[key] for key in _GROUP_KEYS)


def comparison_cases(records, compared_forms, **settings):
    """The second stage's cases: per group, the compared forms whose own case ran (an OOM alone
    would be an OOM together), when at least two did.

    Args:
        records: the first stage's records.
        compared_forms: the forms to time together, in this order.
        **settings: the other arguments of `cases.run_comparison_case`.
    """
    ran = {}
    for record in records:
        if record["status"] == "OK" and record["form"] in compared_forms:
            ran.setdefault(group_key(record), set()).add(record["form"])
    cases = []
    for key in sorted(ran, key=lambda key: (key[0] ** 2 * key[1], key)):
        forms = [form for form in compared_forms if form in ran[key]]
        if len(forms) > 1:
            resolution, batch_size, channels, pass_name = key
            cases.append(
                comparison_case(forms, pass_name, resolution, batch_size, channels, **settings)
            )
    return cases


def comparison_records(cases, results):
    """One record per comparison: its group, forms, status and interleaved metrics."""
    records = []
    for case, result in zip(cases, results):
        record = result.as_record()
        record.update({key: case.params[key] for key in ("forms", *_GROUP_KEYS)})
        record["positions"] = case.params["resolution"] ** 2
        records.append(record)
    return records


def ratio(comparisons, key, name):
    """The `RatioStats` dict of `name` (e.g. `"refined/projections"`) in the comparison of the
    group `key`, or None where it was not measured."""
    for comparison in comparisons:
        if group_key(comparison) == key and comparison["status"] == "OK":
            return comparison.get("ratios", {}).get(name)
    return None
