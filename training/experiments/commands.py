"""The command lines of a study's cells: `training.run` and `training.evaluate` argument lists."""


def option_arguments(options):
    """`training.run` arguments for `{option: value}` (long names with `_`, as `TrainConfig`).

    Example:

    >>> option_arguments({"eval_every": 50, "jit_compile": True, "model_args": {"ch": 8}})
    ['--eval-every', '50', '--jit-compile', '--model-arg', 'ch=8']
    """
    argv = []
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if name == "model_args":
            for key, item in value.items():
                argv += ["--model-arg", f"{key}={item}"]
        elif value is True:
            argv.append(flag)
        elif value is not False and value is not None:
            argv += [flag, str(value)]
    return argv


def training_command(model, seed, logdir, options):
    """The arguments of `python -m training.run` that start a cell's run afresh."""
    return (
        "--model", model, "--seed", str(seed), "--logdir", logdir, "--quiet",
        *option_arguments(options),
    )


def resume_command(logdir, steps):
    """The arguments that continue an interrupted run to `steps`."""
    return ("--resume", "--logdir", logdir, "--steps", str(steps), "--quiet")


def evaluate_command(logdir, attention, num_samples, seed, output):
    """The arguments of `python -m training.evaluate` for a run converted to `attention`."""
    return (
        "--logdir", logdir, "--attention", attention, "--num-samples", str(num_samples),
        "--seed", str(seed), "--json", output, "--no-progress",
    )
