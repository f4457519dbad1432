"""The layer benchmark's sweep: which cases it runs, and what its records and report hold."""

from keras_refined_sa.benchmark import report
from keras_refined_sa.benchmark.flops import FORMS, block_flops
from keras_refined_sa.benchmark.layer_cases import layer_case
from keras_refined_sa.benchmark.steps import PASSES

# (resolution, batch size): every resolution 16..256 at batch 2, the small ones at batch 8 too;
# 64×64 at batch 8 and 128×128 at batch 2 are the configurations the targets name.
DEFAULT_CONFIGS = ((16, 2), (32, 2), (64, 2), (128, 2), (256, 2), (16, 8), (32, 8), (64, 8))
DEFAULT_CHANNELS = (64,)
BASELINE_FORM = "softmax"
FLOOR_FORM = "projections"
_CASE_KEYS = ("form", "pass_name", "resolution", "batch_size", "channels")


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


def sweep_cases(configs, channels, forms=FORMS, passes=PASSES, **settings):
    """The `harness.Case`s of a sweep, smallest feature maps first.

    Args:
        configs: `(resolution, batch_size)` pairs.
        channels: the values of `C` to run every configuration with (multiples of 8, as the
            blocks' defaults `C_k = C // 8` and `C_v = C // 2` need).
        forms: the forms to run (see `flops.FORMS`).
        passes: `"fwd"` and/or `"fwd_bwd"`.
        **settings: the other arguments of `layer_cases.run_layer_case`.
    """
    for width in channels:
        if width <= 0 or width % 8:
            raise ValueError(
                f"`channels` must be positive multiples of 8. Received: channels={width}"
            )
    ordered = sorted(set(configs), key=lambda config: (config[0] ** 2 * config[1], config))
    return [
        layer_case(form, pass_name, resolution, batch_size, width, **settings)
        for resolution, batch_size in ordered
        for width in channels
        for form in forms
        for pass_name in passes
    ]


def _group_key(record):
    return (record["resolution"], record["batch_size"], record["channels"], record["pass_name"])


def _time_of(records, form):
    """Median time of `form` per (resolution, batch, channels, pass), where it ran."""
    return {
        _group_key(record): record["time_median_s"]
        for record in records
        if record["form"] == form and record["status"] == "OK"
    }


def case_gflop(params):
    """GFLOP of the case with these `layer_cases.layer_case` parameters (see `flops`)."""
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
    """Flat records, one per case: its parameters, its results and the derived columns.

    Derived: `positions` (n), `key_channels`, `value_channels`, `gflop`, `memory_kind`
    ("device" on an accelerator, else "rss"), `peak_memory_bytes`, `memory_above_baseline_bytes`,
    `speedup_vs_softmax` (softmax's time / this time) and `ratio_to_floor` (this time / the
    projections' time), None where a term is missing.
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
        on_device = "peak_device_bytes" in record
        record["memory_kind"] = "device" if on_device else "rss"
        peak = record.get("peak_device_bytes" if on_device else "peak_rss_bytes")
        baseline = record.get("baseline_device_bytes" if on_device else "baseline_rss_bytes")
        record["peak_memory_bytes"] = peak
        record["memory_above_baseline_bytes"] = None if peak is None else peak - baseline
        records.append(record)
    add_ratios(records)
    return records


def add_ratios(records):
    """Sets `speedup_vs_softmax` and `ratio_to_floor` of every record, in place."""
    baseline, floor = _time_of(records, BASELINE_FORM), _time_of(records, FLOOR_FORM)
    for record in records:
        time = record.get("time_median_s") if record["status"] == "OK" else None
        key = _group_key(record)
        record["speedup_vs_softmax"] = baseline[key] / time if time and key in baseline else None
        record["ratio_to_floor"] = time / floor[key] if time and key in floor else None


def _spread(row):
    if row["status"] != "OK":
        return "–"
    low, high = report.format_seconds(row["time_min_s"]), report.format_seconds(row["time_max_s"])
    return f"{low} – {high} ({row['repeats']}×)"


def _status(row):
    return row["status"] if row["status"] == "OK" else f"**{row['status']}**"


_COLUMNS = (
    ("res", lambda row: f"{row['resolution']}²"),
    ("n", lambda row: f"{row['positions']:,}"),
    ("batch", lambda row: row["batch_size"]),
    ("C", lambda row: row["channels"]),
    ("form", lambda row: row["form"]),
    ("pass", lambda row: row["pass_name"].replace("_", "+")),
    ("status", _status),
    ("median", lambda row: report.format_seconds(row.get("time_median_s"))),
    ("min – max (repeats)", _spread),
    ("speed-up vs softmax", lambda row: report.format_ratio(row["speedup_vs_softmax"])),
    ("× floor", lambda row: report.format_ratio(row["ratio_to_floor"])),
    ("GFLOP", lambda row: f"{row['gflop']:.3g}"),
    ("peak memory", lambda row: report.format_bytes(row["peak_memory_bytes"])),
    ("above baseline", lambda row: report.format_bytes(row["memory_above_baseline_bytes"])),
    ("load before", lambda row: f"{row['load_before'][0]:.2f}"),
)


def results_table(records):
    """The markdown table of `records`: one row per (resolution, batch, C, form, pass)."""
    order = {form: index for index, form in enumerate(FORMS)}
    rows = sorted(
        records,
        key=lambda row: (
            row["batch_size"],
            row["channels"],
            row["pass_name"],
            row["positions"],
            order.get(row["form"], len(order)),
        ),
    )
    return report.markdown_table(rows, _COLUMNS)


PLOTS = (
    ("time", "time_median_s", "median time per step (s)"),
    ("memory", "memory_above_baseline_bytes", "peak memory above baseline (bytes)"),
)


def plot_files(name, records):
    """`{(metric, pass): file name}` of the PNGs of a run called `name`: the passes it ran."""
    ran = {record["pass_name"] for record in records}
    passes = [pass_name for pass_name in PASSES if pass_name in ran]
    return {
        (metric, pass_name): f"{name}_{metric}_{pass_name}.png"
        for metric, _, _ in PLOTS
        for pass_name in passes
    }
