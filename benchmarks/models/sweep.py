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
attention's cost is read against. Every case runs under each *option* asked for: a precision
(`--precision` of `training.run`: float32, mixed_float16, mixed_bfloat16) with and without XLA
(`--jit-compile`); rows and comparisons are per option. Every case gets its placement as
explicit `zoo.create` arguments, and configurations that come out the same for a model (at 64 px
the SAGAN pair reaches no side above 32) run once.
"""

import inspect

import zoo
from benchmarks.harness.processes import Case
from benchmarks.harness.results import add_memory_fields
from training.trainers.precision import PRECISIONS
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
TARGET = "benchmarks.models.cases:run_training_step_case"
COMPARISON_TARGET = "benchmarks.models.cases:run_comparison_case"
KINDS = ("softmax", "refined", "none")
# What a run without the options is: the default of `training.run`.
DEFAULT_OPTION = ("float32", False)
OPTIONS_TARGET = "benchmarks.models.cases:run_options_case"


def option_of(record):
    """`(precision, jit_compile)` of a record or case parameters (older runs: the default)."""
    return record.get("precision", DEFAULT_OPTION[0]), bool(record.get("jit_compile", False))


def option_label(precision, jit_compile):
    """`"mixed_bfloat16 + XLA"`, `"float32"`."""
    return precision + (" + XLA" if jit_compile else "")


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


def training_step_case(
    model, resolution, batch_size, ch, model_args, precision="float32", jit_compile=False,
    **settings,
):  # fmt: skip
    """The harness `Case` of `benchmarks.models.cases.run_training_step_case` (its arguments;
    `settings`: `repeats`, `warmup`, `max_timing_s`, `seed`)."""
    params = {"model": model, "resolution": resolution, "batch_size": batch_size, "ch": ch,
              "model_args": model_args, "precision": precision, "jit_compile": jit_compile,
              **settings}  # fmt: skip
    where = ", ".join(f"{key}={value}" for key, value in model_args.items())
    name = (
        f"{model} {resolution}px batch {batch_size} {option_label(precision, jit_compile)}"
        + (f" ({where})" if where else "")
    )
    return Case(TARGET, params, name)


def sweep_entries(
    models, resolutions, configs, *, batch_size, ch, options=(DEFAULT_OPTION,), **settings
):
    """The cases of a sweep, as `(config, case)` pairs, smallest images first.

    Args:
        models: zoo model names.
        resolutions: image sides.
        configs: names from `CONFIGS`; a `*_none` model runs once per resolution, with config
            `"none"`.
        batch_size, ch: of every case.
        options: `(precision, jit_compile)` pairs; every case runs under each.
        **settings: the other arguments of `run_training_step_case`.
    """
    entries = []
    for resolution in sorted(set(resolutions)):
        for precision, jit_compile in options:
            for model in models:
                placed = {}  # placement -> the first config that puts the attention there
                if attention_of(model) == NO_ATTENTION:
                    placed[None] = NO_ATTENTION
                for config in [] if placed else configs:
                    placed.setdefault(placement(family_of(model), resolution, config), config)
                for where, config in placed.items():
                    args = {} if where is None else zoo_arguments(family_of(model), *where)
                    case = training_step_case(
                        model, resolution, batch_size, ch, args, precision, jit_compile,
                        **settings,
                    )  # fmt: skip
                    entries.append((config, case))
    return entries


def where_attention(model_args):
    """`(side, pool_key_value)` of a case's `zoo_arguments`; `(None, None)` without attention."""
    if not model_args:
        return None, None
    side = model_args.get("attention_resolution") or model_args["attention_resolutions"][0]
    return side, model_args["pool_key_value"]


def config_of(model, resolution, model_args):
    """The name in `CONFIGS` of the placement of `model_args` (`NO_ATTENTION` without one)."""
    where = where_attention(model_args)
    if where == (None, None):
        return NO_ATTENTION
    family = family_of(model)
    return next((c for c in CONFIGS if where == placement(family, resolution, c)), None)


def case_fields(config, case):
    """What a case is: its model, options and attention placement, as a flat dict.

    The placement: `attention_side`, `pool_key_value`, `positions` (n = side²) and
    `key_positions` (m: n/4 when pooled), all None without attention.
    """
    params = case.params
    side, pooled = where_attention(params["model_args"])
    positions = side * side if side else None
    return {
        **_model_fields(params["model"]), "config": config,
        **{key: params[key] for key in ("resolution", "batch_size", "ch")},
        "precision": option_of(params)[0], "jit_compile": option_of(params)[1],
        "model_args": params["model_args"], "attention_side": side, "pool_key_value": pooled,
        "positions": positions, "key_positions": positions // 4 if pooled else positions,
    }  # fmt: skip


def _model_fields(model):
    return {"model": model, "family": family_of(model), "attention": attention_of(model)}


def make_record(config, case, result):
    """One flat record: `case_fields`, the harness `CaseResult` and the memory fields of
    `benchmarks.harness.results.add_memory_fields` (above baseline: what the process held once
    the trainer and its data existed)."""
    return add_memory_fields({**case_fields(config, case), **result.as_record()})


def _row_key(record):
    return (record["family"], record["resolution"], record["config"], *option_of(record))


def comparison_cases(records, *, rounds, warmup, max_timing_s, seed=0):
    """Per (family, resolution, placement, option): the softmax, refined and no-attention models
    whose own case ran (refined and one other at least), in one harness `Case` timing their
    steps in interleaved rounds (`benchmarks.models.cases.run_comparison_case`)."""
    by_key = {(*_row_key(r), r["attention"]): r for r in records if r["status"] == "OK"}
    cases = []
    for key in dict.fromkeys(map(_row_key, records)):
        family, resolution, config, precision, jit = key
        chosen = {}
        for kind in KINDS if config != NO_ATTENTION else ():
            placed = NO_ATTENTION if kind == NO_ATTENTION else config
            record = by_key.get((family, resolution, placed, precision, jit, kind))
            if record is not None:
                chosen[kind] = (record["model"], record["model_args"])
        if len(chosen) < 2 or "refined" not in chosen:
            continue
        first = next(r for r in records if _row_key(r) == key)
        params = {"models": chosen, "resolution": resolution, "batch_size": first["batch_size"],
                  "ch": first["ch"], "precision": precision, "jit_compile": jit,
                  "rounds": rounds, "warmup": warmup, "max_timing_s": max_timing_s,
                  "seed": seed}  # fmt: skip
        name = (
            f"interleaved {'/'.join(chosen)} {family} {resolution}px {config} "
            f"{option_label(precision, jit)}"
        )
        cases.append(Case(COMPARISON_TARGET, params, name))
    return cases


def comparison_records(cases, results):
    """One record per comparison: family, resolution, placement, models, interleaved metrics."""
    records = []
    for case, result in zip(cases, results):
        params, models = case.params, case.params["models"]
        model, model_args = models.get("refined", models.get("softmax"))
        records.append(
            {
                "family": family_of(model), "resolution": params["resolution"],
                "config": config_of(model, params["resolution"], model_args),
                "precision": option_of(params)[0], "jit_compile": option_of(params)[1],
                "models": {kind: model for kind, (model, _) in models.items()},
                **result.as_record(),
            }
        )  # fmt: skip
    return records


def summary_rows(records, comparisons=()):
    """One row per (family, resolution, configuration): the three attention kinds side by side.

    Each row holds `family`, `resolution`, `config`, the placement (`attention_side`,
    `pool_key_value`, `positions`, `key_positions`), per kind in `KINDS` its record (None if it
    did not run), and `ratios`: the interleaved comparison's `"refined/none"` and
    `"softmax/refined"` (see `benchmarks.harness.interleave.compare_pairs`; {} without one).
    """
    by_key = {(*_row_key(record), record["attention"]): record for record in records}
    ratios = {_row_key(c): c.get("ratios", {}) for c in comparisons if c["status"] == "OK"}
    rows = []
    for key in dict.fromkeys(_row_key(r) for r in records):
        family, resolution, config, precision, jit = key
        if config == NO_ATTENTION:
            continue
        kinds = {kind: by_key.get((*key, kind)) for kind in KINDS[:2]}
        kinds["none"] = by_key.get((family, resolution, NO_ATTENTION, precision, jit, "none"))
        placed = next(r for r in kinds.values() if r is not None)
        rows.append(
            {
                "family": family, "resolution": resolution, "config": config,
                "precision": precision, "jit_compile": jit,
                **{key: placed[key] for key in _PLACEMENT_KEYS},
                **kinds, "ratios": ratios.get(key, {}),
            }
        )  # fmt: skip
    order = {config: index for index, config in enumerate(CONFIGS)}
    precisions = {precision: index for index, precision in enumerate(PRECISIONS)}
    return sorted(
        rows,
        key=lambda row: (
            row["family"], row["resolution"], order[row["config"]],
            precisions.get(row["precision"], len(PRECISIONS)), row["jit_compile"],
        ),
    )  # fmt: skip


def options_cases(records, *, rounds, warmup, max_timing_s, seed=0):
    """Per (model, resolution, placement) run under several options: one harness `Case` timing
    each option's step against the default's (float32, no XLA) in interleaved rounds.

    Only the refined models and the models without attention are compared (the options a user
    picks for the model they train); each option must have run alone first.
    """
    groups = {}
    for record in records:
        if record["status"] == "OK" and record["attention"] != "softmax":
            key = (record["model"], record["resolution"], record["config"])
            groups.setdefault(key, {})[option_of(record)] = record
    cases = []
    for (model, resolution, config), by_option in groups.items():
        if DEFAULT_OPTION not in by_option or len(by_option) < 2:
            continue
        first = by_option[DEFAULT_OPTION]
        params = {"model": model, "resolution": resolution, "batch_size": first["batch_size"],
                  "ch": first["ch"], "model_args": first["model_args"],
                  "options": [list(option) for option in by_option], "rounds": rounds,
                  "warmup": warmup, "max_timing_s": max_timing_s, "seed": seed}  # fmt: skip
        name = f"interleaved options {model} {resolution}px {config}"
        cases.append(Case(OPTIONS_TARGET, params, name))
    return cases


def options_records(cases, results):
    """One record per options comparison: model, resolution, placement, per-option ratios."""
    return [
        {
            **_model_fields(case.params["model"]), "resolution": case.params["resolution"],
            "config": config_of(case.params["model"], case.params["resolution"],
                                case.params["model_args"]),
            "batch_size": case.params["batch_size"], "ch": case.params["ch"],
            **result.as_record(),
        }
        for case, result in zip(cases, results)
    ]  # fmt: skip


QUICKSTART_TARGET = "benchmarks.models.cases:run_quickstart_case"
QUICKSTART_FIELDS = {"model": "sagan_refined", "family": "sagan", "attention": "refined",
                     "resolution": 32, "config": "default", "batch_size": 32, "ch": 16}  # fmt: skip


def quickstart_case(options, *, rounds, warmup, max_timing_s):
    """The harness `Case` of `benchmarks.models.cases.run_quickstart_case`."""
    params = {"options": [list(option) for option in options], "rounds": rounds,
              "warmup": warmup, "max_timing_s": max_timing_s}  # fmt: skip
    return Case(QUICKSTART_TARGET, params, "interleaved options: the quickstart, real data")


def quickstart_record(result):
    """The options-comparison record of the quickstart case (`quickstart: True`)."""
    return {**QUICKSTART_FIELDS, "quickstart": True, **result.as_record()}
