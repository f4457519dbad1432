"""Every option of a training run: one dataclass for argparse, the hparams and `--resume`."""

import dataclasses
import json
import os

from training.choices import CORRUPTIONS
from training.choices import PRECISIONS
from training.choices import STRATEGIES

CONFIG_FILENAME = "config.json"
MODEL_FILENAME = "model.json"
DATA_FILENAME = "data.json"

# Options that may change when a run resumes: they steer logging, storage or the hardware, not
# the training state. Changing any other option would break the promise that a resumed run
# reaches the same weights as an uninterrupted one.
RESUMABLE_OPTIONS = frozenset(
    {
        "steps",
        "logdir",
        "data_dir",
        "strategy",
        "quiet",
        "resume",
        "overwrite",
        "summary_every",
        "image_every",
        "checkpoint_every",
        "max_to_keep",
        "eval_every",
        "fid_every",
        "fid_samples",
    }
)


def _option(default, help, group, choices=None, metavar=None, default_text=None):
    metadata = {"help": help, "group": group, "choices": choices, "metavar": metavar}
    metadata["default_text"] = default_text
    if isinstance(default, dict):
        return dataclasses.field(default_factory=dict, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass
class TrainConfig:
    """The options of `python -m training.run`, with their defaults.

    The defaults make the quickstart: `python -m training.run --model sagan_refined` trains a
    small SAGAN with refined self-attention on Fashion-MNIST at 32×32 for 300 steps, a few
    minutes on 2 CPU cores. Options left at `None` take the model's own default (for example the
    two-time-scale learning rates of `zoo.create("sagan_*").defaults`).

    The run stores its config as `config.json` in the logdir and TensorBoard shows it as the
    run's hyper-parameters.
    """

    model: str = _option(
        None,
        "zoo model to train (see zoo.list_models())",
        "run",
        default_text="none; required unless --resume",
    )
    dataset: str = _option(
        "fashion_mnist",
        "a built-in dataset (fashion_mnist, fashion_mnist_embedded, photos), a folder of "
        "images, or a tensorflow-datasets name prepared under --data-dir (docs/data.md)",
        "run",
    )
    data_dir: str = _option(
        None,
        "where tensorflow-datasets keeps prepared datasets",
        "run",
        metavar="DIR",
        default_text="tensorflow-datasets' own",
    )
    resolution: int = _option(32, "image height and width in pixels", "run")
    channels: int = _option(None, "image channels, 1 or 3", "run", default_text="the dataset's")
    batch_size: int = _option(
        32, "global batch size, split evenly over the replicas", "run"
    )
    steps: int = _option(
        300, "total training steps (generator steps for a GAN)", "run"
    )
    seed: int = _option(0, "seed of the weights, the data order and every noise draw", "run")
    logdir: str = _option(
        None,
        "TensorBoard logs, checkpoints and samples",
        "run",
        metavar="DIR",
        default_text="runs/<model>",
    )
    resume: bool = _option(False, "continue the run saved in --logdir", "run")
    overwrite: bool = _option(
        False, "delete the checkpoints and logs already in --logdir and start afresh", "run"
    )
    strategy: str = _option(
        "auto",
        "tf.distribute strategy: auto = mirrored over all local GPUs when there are several, "
        "else the default strategy; multiworker reads TF_CONFIG",
        "run",
        choices=STRATEGIES,
    )
    quiet: bool = _option(False, "no progress bar", "run")
    precision: str = _option(
        "float32",
        "Keras dtype policy of the models: mixed_float16 (GPUs) or mixed_bfloat16 compute in "
        "16 bits and keep float32 weights; losses, EMA and metrics stay float32",
        "speed",
        choices=PRECISIONS,
    )
    jit_compile: bool = _option(
        False, "compile the training step with XLA (docs/training.md says when it pays)", "speed"
    )

    ch: int = _option(16, "base width of the model (zoo argument `ch`)", "model")
    conditional: bool = _option(
        False, "class-conditional GAN on the dataset's labels", "model"
    )
    model_args: dict = _option(
        {},
        "extra zoo.create argument, e.g. --model-arg attention_resolution=16 (repeatable; "
        "values are read as Python literals when they parse, else as strings)",
        "model",
        metavar="KEY=VALUE",
    )
    init_from: str = _option(
        None,
        "start from the weights of another run of the same family and architecture (its newest "
        "checkpoint; its attention kind may differ): fine-tune a softmax run as refined",
        "model",
        metavar="RUN",
        default_text="fresh weights",
    )

    g_learning_rate: float = _option(
        None, "generator learning rate", "gan", default_text="the model's, 1e-4"
    )
    d_learning_rate: float = _option(
        None, "discriminator learning rate", "gan", default_text="the model's, 4e-4"
    )
    n_disc: int = _option(
        None, "discriminator steps per generator step", "gan", default_text="the model's, 1"
    )
    ema_decay: float = _option(
        0.999, "decay of the generator's exponential moving average", "gan"
    )
    ema_start: int = _option(
        0, "steps before the moving average starts (it copies the weights until then)", "gan")
    num_samples: int = _option(
        64, "images in the sample grids (fixed noise)", "gan"
    )
    fid_every: int = _option(
        0,
        "steps between FID and KID of the moving-average generator against the dataset's real "
        "images, logged as eval/fid and eval/kid (0: never; needs the fid extra)",
        "gan",
    )
    fid_samples: int = _option(
        1000, "generated and real images per FID/KID evaluation during training", "gan"
    )

    learning_rate: float = _option(
        None, "autoencoder learning rate", "reconstruction", default_text="the model's, 2e-4"
    )
    loss: str = _option("l1", "reconstruction loss", "reconstruction", choices=("l1", "l2"))
    corruption: str = _option(
        "none",
        "what the autoencoder must undo: none, Gaussian noise, masked patches or one large "
        "square hole at a random position (inpainting)",
        "reconstruction",
        choices=CORRUPTIONS,
    )
    noise_std: float = _option(
        0.2, "standard deviation of the noise (images in [-1, 1])", "reconstruction"
    )
    mask_fraction: float = _option(
        0.25, "fraction of 4×4 patches masked", "reconstruction"
    )
    hole_min: float = _option(
        1 / 3, "smallest side of the hole, a fraction of the image side", "reconstruction",
        default_text="1/3",
    )
    hole_max: float = _option(
        0.5, "largest side of the hole, a fraction of the image side", "reconstruction"
    )
    eval_every: int = _option(
        100, "steps between held-out PSNR / SSIM evaluations", "reconstruction"
    )
    eval_batches: int = _option(
        4, "held-out batches per evaluation", "reconstruction"
    )

    beta_1: float = _option(
        None,
        "Adam beta_1",
        "optimizer",
        default_text="the model's: 0.0 for sagan_*, 0.9 for autoencoder_*",
    )
    beta_2: float = _option(
        None,
        "Adam beta_2",
        "optimizer",
        default_text="the model's: 0.9 for sagan_*, 0.999 for autoencoder_*",
    )

    summary_every: int = _option(10, "steps between TensorBoard scalars", "logging")
    image_every: int = _option(
        100, "steps between TensorBoard images (samples, attention)", "logging"
    )
    checkpoint_every: int = _option(100, "steps between checkpoints", "logging")
    max_to_keep: int = _option(3, "checkpoints kept", "logging")

    def run_logdir(self):
        """The logdir, defaulting to `runs/<model>`."""
        return self.logdir or os.path.join("runs", self.model)

    def to_dict(self):
        return dataclasses.asdict(self)

    def hparams(self):
        """The options as TensorBoard hparams values (bool, int, float or str)."""
        values = {}
        for key, value in self.to_dict().items():
            if key in ("resume", "overwrite", "quiet", "logdir", "data_dir"):
                continue
            if isinstance(value, dict):
                for arg, arg_value in sorted(value.items()):
                    values[f"model_arg.{arg}"] = _hparam_value(arg_value)
            else:
                values[key] = _hparam_value(value)
        return values


def _hparam_value(value):
    if isinstance(value, (bool, int, float, str)):
        return value
    return "None" if value is None else str(value)


def default_text(field):
    """How `--help` states the default of an option field."""
    if field.metadata["default_text"]:
        return field.metadata["default_text"]
    if isinstance(field.default, bool):
        return "off"
    if field.name == "model_args":
        return "none"
    return field.default


def option_fields():
    """The dataclass fields of `TrainConfig` in declaration order."""
    return dataclasses.fields(TrainConfig)


def save_config(config, logdir):
    """Writes `config` as `<logdir>/config.json` (the record `--resume` compares with)."""
    with open(os.path.join(logdir, CONFIG_FILENAME), "w") as file:
        json.dump(config.to_dict(), file, indent=2, sort_keys=True)


def load_config(logdir):
    """Reads `<logdir>/config.json` into a `TrainConfig`.

    Raises:
        FileNotFoundError: there is no config.json in `logdir`.
        ValueError: the file is not a config written by `save_config`.
    """
    path = os.path.join(logdir, CONFIG_FILENAME)
    with open(path) as file:
        try:
            values = json.load(file)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON: {error}") from None
    known = {field.name for field in option_fields()}
    unknown = sorted(set(values) - known)
    if unknown or not isinstance(values.get("model"), str):
        raise ValueError(
            f"{path} is not a training.run config (unknown keys {unknown}, model="
            f"{values.get('model')!r})."
        )
    return TrainConfig(**values)


def config_differences(saved, requested):
    """Options of `requested` that differ from `saved` and may not change on `--resume`.

    Returns:
        A list of `(name, saved_value, requested_value)`, empty when the run can continue.
    """
    saved_values, requested_values = saved.to_dict(), requested.to_dict()
    return [
        (name, saved_values[name], value)
        for name, value in requested_values.items()
        if name not in RESUMABLE_OPTIONS and value != saved_values[name]
    ]


def save_model_spec(logdir, name, arguments):
    """Writes `<logdir>/model.json`: the `zoo.create(name, **arguments)` call of the run."""
    with open(os.path.join(logdir, MODEL_FILENAME), "w") as file:
        json.dump({"name": name, "arguments": arguments}, file, indent=2, sort_keys=True)


def load_model_spec(logdir):
    """Reads `<logdir>/model.json` as `(name, arguments)` for `zoo.create`."""
    with open(os.path.join(logdir, MODEL_FILENAME)) as file:
        spec = json.load(file)
    return spec["name"], spec["arguments"]


def save_data_source(logdir, source):
    """Writes `<logdir>/data.json`: where the run's images came from (`DatasetInfo.source`)."""
    with open(os.path.join(logdir, DATA_FILENAME), "w") as file:
        json.dump({"source": source}, file, indent=2)


def load_data_source(logdir):
    """The data source recorded by `save_data_source`, or None for a run that recorded none."""
    path = os.path.join(logdir, DATA_FILENAME)
    if not os.path.isfile(path):
        return None
    with open(path) as file:
        return json.load(file).get("source")
