"""The model benchmark's sweep: where the attention goes, which cases run, what the records hold.

An attention *configuration* places the attention blocks of a zoo model:

- `default`: the zoo's own placement, as `python -m training.run` builds the model: attention on
  the 32×32 feature maps (16×16 at 32 px), keys and values max-pooled 2×2 (m = n/4), as the
  official SAGAN code.
- `highest`: attention on the largest feature maps the model allows (SAGAN at 128 px: 64×64,
  the largest side both networks reach; the autoencoder: its full resolution), still pooled.
- `highest_unpooled`: the same maps without pooling (m = n), where softmax's O(n·m) cost is
  largest.

The `*_none` models have no attention and run once per resolution, as the reference the
attention's cost is read against. Every case gets its placement as explicit `zoo.create`
arguments, and configurations that come out the same for a model (at 64 px the SAGAN pair
reaches no side above 32) run once.
"""

import inspect

import zoo
from keras_refined_sa.benchmark.harness import Case
from zoo import autoencoder, sagan_architecture, validation

CONFIGS = ("default", "highest", "highest_unpooled")
DEFAULT_CONFIGS = CONFIGS
CONFIG_DESCRIPTIONS = {
    "default": "the zoo's placement (32×32, or 16×16 at 32 px), keys and values pooled 2×2",
    "highest": "the largest feature maps the model allows, keys and values pooled 2×2",
    "highest_unpooled": "the largest feature maps the model allows, no pooling (m = n)",
}
NO_ATTENTION = "none"
_PLACEMENT_KEYS = ("attention_side", "pool_key_value", "positions", "key_positions")
TARGET = "training.benchmark_cases:run_training_step_case"


def family_of(model):
    """`"sagan_refined"` -> `"sagan"`."""
    return model.split("_", 1)[0]


def attention_of(model):
    """`"sagan_refined"` -> `"refined"`."""
    return model.split("_", 1)[1]


def attention_sides(family, resolution):
    """The feature-map sides an attention block of `family` may sit on at `resolution`.

    Raises:
        ValueError: the family's models cannot be built at `resolution`.
    """
    if family == "sagan":
        validation.check_choice("resolution", resolution, sagan_architecture.RESOLUTIONS)
        networks = (
            sagan_architecture.generator_blocks(resolution),
            sagan_architecture.discriminator_blocks(resolution),
        )
        return sorted(set.intersection(*({block.resolution for block in n} for n in networks)))
    if family == "autoencoder":
        low, high = autoencoder.MIN_RESOLUTION, autoencoder.MAX_RESOLUTION
        if resolution % 8 or not low <= resolution <= high:
            raise ValueError(
                f"`resolution` must be a multiple of 8 from {low} to {high}. "
                f"Received: resolution={resolution!r}"
            )
        # The decoder has no map at the bottleneck side (see zoo.autoencoder).
        return sorted(autoencoder.level_resolutions(resolution)[:-1])
    raise ValueError(f"`family` must be 'sagan' or 'autoencoder'. Received: family={family!r}")


def _zoo_default_pooling(family):
    constructor = zoo.SAGAN if family == "sagan" else zoo.Autoencoder
    return inspect.signature(constructor).parameters["pool_key_value"].default


def placement(family, resolution, config):
    """`(side, pool_key_value)` of the attention blocks of `config` (one of `CONFIGS`)."""
    if config not in CONFIGS:
        raise ValueError(f"`config` must be one of {CONFIGS}. Received: config={config!r}")
    sides = attention_sides(family, resolution)
    if config == "default":
        return validation.default_attention_resolution(sides), _zoo_default_pooling(family)
    return max(sides), config == "highest"


def zoo_arguments(family, side, pool_key_value):
    """The `zoo.create` arguments (`--model-arg`s) that put the attention there."""
    key, value = (
        ("attention_resolution", side) if family == "sagan" else ("attention_resolutions", [side])
    )
    return {key: value, "pool_key_value": pool_key_value}


def training_step_case(model, resolution, batch_size, ch, model_args, **settings):
    """The `harness.Case` that times `model`'s training step (see `benchmark_cases`).

    Args:
        model, resolution, batch_size, ch, model_args: see
            `training.benchmark_cases.run_training_step_case`.
        **settings: its other arguments (`repeats`, `warmup`, `max_timing_s`, `seed`).
    """
    params = {
        "model": model,
        "resolution": resolution,
        "batch_size": batch_size,
        "ch": ch,
        "model_args": model_args,
        **settings,
    }
    where = ", ".join(f"{key}={value}" for key, value in model_args.items())
    name = f"{model} {resolution}px batch {batch_size}" + (f" ({where})" if where else "")
    return Case(TARGET, params, name)


def sweep_entries(models, resolutions, configs, *, batch_size, ch, **settings):
    """The cases of a sweep, as `(config, case)` pairs, smallest images first.

    Args:
        models: zoo model names.
        resolutions: image sides.
        configs: names from `CONFIGS`; a `*_none` model runs once per resolution, with config
            `"none"`.
        batch_size, ch: of every case.
        **settings: the other arguments of `run_training_step_case`.
    """
    entries = []
    for resolution in sorted(set(resolutions)):
        for model in models:
            family = family_of(model)
            if attention_of(model) == NO_ATTENTION:
                case = training_step_case(model, resolution, batch_size, ch, {}, **settings)
                entries.append((NO_ATTENTION, case))
                continue
            placed = set()
            for config in configs:
                where = placement(family, resolution, config)
                if where in placed:
                    continue
                placed.add(where)
                args = zoo_arguments(family, *where)
                case = training_step_case(model, resolution, batch_size, ch, args, **settings)
                entries.append((config, case))
    return entries


def where_attention(model_args):
    """`(side, pool_key_value)` of a case's `zoo_arguments`; `(None, None)` without attention."""
    if not model_args:
        return None, None
    side = model_args.get("attention_resolution") or model_args["attention_resolutions"][0]
    return side, model_args["pool_key_value"]


def case_fields(config, case):
    """What a case is: its model, options and attention placement, as a flat dict.

    The placement: `attention_side`, `pool_key_value`, `positions` (n = side²) and
    `key_positions` (m: n/4 when pooled), all None without attention.
    """
    params = case.params
    side, pooled = where_attention(params["model_args"])
    positions = side * side if side else None
    return {
        "model": params["model"],
        "family": family_of(params["model"]),
        "attention": attention_of(params["model"]),
        "config": config,
        "resolution": params["resolution"],
        "batch_size": params["batch_size"],
        "ch": params["ch"],
        "model_args": params["model_args"],
        "attention_side": side,
        "pool_key_value": pooled,
        "positions": positions,
        "key_positions": positions // 4 if pooled else positions,
    }


def make_record(config, case, result):
    """One flat record: `case_fields` and the `harness.CaseResult`.

    `peak_memory_bytes` is the device's peak on an accelerator, else the resident peak;
    `memory_above_baseline_bytes` subtracts what the process held once the trainer and its data
    existed.
    """
    record = {**case_fields(config, case), **result.as_record()}
    on_device = "peak_device_bytes" in record
    peak = record.get("peak_device_bytes" if on_device else "peak_rss_bytes")
    baseline = record.get("baseline_device_bytes" if on_device else "baseline_rss_bytes")
    record["memory_kind"] = "device" if on_device else "rss"
    record["peak_memory_bytes"] = peak
    record["memory_above_baseline_bytes"] = None if peak is None else peak - baseline
    return record


def _time(record):
    return record["time_median_s"] if record and record["status"] == "OK" else None


def summary_rows(records):
    """One row per (family, resolution, configuration): the three attention kinds side by side.

    Each row holds `family`, `resolution`, `config`, the placement (`attention_side`,
    `pool_key_value`, `positions`, `key_positions`), and per kind in ("softmax", "refined",
    "none") its record (None if it did not run); `speedup` is softmax's time / refined's time, and
    `softmax_overhead` / `refined_overhead` the time over the `none` model's, as fractions.
    """
    by_key = {}
    for record in records:
        key = (record["family"], record["resolution"], record["config"], record["attention"])
        by_key[key] = record
    rows = []
    seen = set()
    for record in records:
        family, resolution, config = record["family"], record["resolution"], record["config"]
        if config == NO_ATTENTION or (family, resolution, config) in seen:
            continue
        seen.add((family, resolution, config))
        kinds = {
            kind: by_key.get((family, resolution, config, kind)) for kind in ("softmax", "refined")
        }
        kinds["none"] = by_key.get((family, resolution, NO_ATTENTION, NO_ATTENTION))
        softmax, refined, none = (_time(kinds[kind]) for kind in ("softmax", "refined", "none"))
        rows.append(
            {
                "family": family,
                "resolution": resolution,
                "config": config,
                **{key: record[key] for key in _PLACEMENT_KEYS},
                **kinds,
                "speedup": softmax / refined if softmax and refined else None,
                "softmax_overhead": softmax / none - 1 if softmax and none else None,
                "refined_overhead": refined / none - 1 if refined and none else None,
            }
        )
    order = {config: index for index, config in enumerate(CONFIGS)}
    return sorted(rows, key=lambda row: (row["family"], row["resolution"], order[row["config"]]))
