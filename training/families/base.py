"""What a model family is to the engines: `Family`, a step's `Update`s and the `Noise` they draw.

A family says WHAT is trained (its networks, losses, metrics, checkpoint contents, samples and
options); an engine (TensorFlow, JAX) says HOW. Nothing here imports a backend: the losses and
metrics are `keras.ops`, and an engine runs them on its own tensors. An engine never names a
family; a third family is one new subclass of `Family` registered in `training.families`.

The engine's side of the contract:

- `apply(network_name, inputs, training) -> outputs` runs one of `Family.networks(model)` (on
  TensorFlow the Keras model's call; on JAX a `stateless_call` threading the non-trainable state
  of every network called: batch-norm statistics, spectral-norm vectors).
- For each `Update` of `Family.updates(config, model)`, in order: read a fresh batch
  `(images, labels)` when `takes_batch`, draw `noise` as its `Noise` specs say, call
  `loss(apply, batch, noise)`, average the per-example loss over the GLOBAL batch (sum / global
  batch size), add the network's `model.losses`, scale for `mixed_float16`, differentiate with
  respect to the trainable variables of `Update.network` only and apply that network's Adam
  (`learning_rates`, `optimizer_names`). The logs of later updates overwrite earlier ones.
- After the step, move each average of `averages(config)` towards its network.
"""

import dataclasses
from typing import Callable
from typing import Mapping

# Offset of the evaluation's noise seed from the run's, so that it never repeats a training draw.
EVALUATION_SEED_OFFSET = 1_000_003


class ConfigurationError(ValueError):
    """A bad option or combination; the message names the option, the value received and the fix.

    Example:

    >>> raise ConfigurationError("--n-disc 0: use 1 or more")
    Traceback (most recent call last):
    ...
    training.families.base.ConfigurationError: --n-disc 0: use 1 or more
    """


@dataclasses.dataclass(frozen=True)
class Noise:
    """Per-example random input an update needs, drawn by the engine with its own RNG.

    Attributes:
        kind: `"normal"` (float32 N(0, 1)) or `"uniform"` (float32 in [0, 1)), of shape
            `(batch, *shape)`; or `"integers"` (int32 in [0, maxval)), of shape `(batch,)`.
        shape: the shape of one example's draw (not for `"integers"`).
        maxval: the exclusive upper bound of `"integers"`.

    Example:

    >>> Noise("normal", (128,))
    Noise(kind='normal', shape=(128,), maxval=0)
    """

    kind: str
    shape: tuple = ()
    maxval: int = 0

    KINDS = ("normal", "uniform", "integers")

    def __post_init__(self):
        if self.kind not in self.KINDS:
            raise ValueError(f"`kind` must be one of {self.KINDS}. Received: kind={self.kind!r}")
        if self.kind == "integers" and (self.maxval < 1 or self.shape):
            raise ValueError(
                "integer noise needs maxval >= 1 and no per-example shape. Received: "
                f"maxval={self.maxval}, shape={self.shape}"
            )


@dataclasses.dataclass(frozen=True)
class Update:
    """One optimizer update of one network inside a training step.

    Attributes:
        network: whose trainable variables change, a key of `Family.networks(model)`.
        loss: `loss(apply, batch, noise) -> (per_example_loss, logs)`: `batch` is
            `(images, labels)` (None unless `takes_batch`), `noise` `{name: array}` drawn as
            `self.noise` says; `per_example_loss` float32 `(batch,)`, `logs` `{tag: scalar}`.
        takes_batch: whether the update reads a fresh real batch from the input.
        noise: `{name: Noise}` the engine draws for it (leading dimension: the replica batch).
    """

    network: str
    loss: Callable
    takes_batch: bool = True
    noise: Mapping = dataclasses.field(default_factory=dict)


class Family:
    """A family of zoo models trained the same way (the zoo names are `<name>_<attention>`).

    Subclasses set `name`, `generates_images` and `samples_need_images` and define the methods
    below. Everything returned is backend-agnostic (Keras models, keras.ops functions, NumPy).
    """

    # Zoo prefix of the family's models, e.g. "sagan" for "sagan_refined".
    name = None
    # Whether the saved network makes images from noise (FID and KID apply).
    generates_images = False
    # Whether `sample_grid` needs real images (held-out images to reconstruct).
    samples_need_images = False
    # TensorBoard tag and description of `sample_grid`'s picture during training.
    picture_tag = None
    picture_description = None

    def check(self, config, info):
        """Raises `ConfigurationError` for an option of `config` this family cannot honour.

        Args:
            config: the run's `TrainConfig`.
            info: the dataset's `training.data.DatasetInfo`.
        """
        raise NotImplementedError

    def zoo_arguments(self, config, channels, info):
        """The `zoo.create` arguments the run's options set (`resolution`, `channels`, ...)."""
        return {"resolution": config.resolution, "channels": channels, "ch": config.ch}

    def networks(self, model):
        """`{name: keras.Model}`: the trained networks of what `zoo.create` built."""
        raise NotImplementedError

    def learning_rates(self, config):
        """`{network name: learning rate}`: one Adam per network (betas from `config`)."""
        raise NotImplementedError

    def optimizer_names(self):
        """`{network name: optimizer name}`: the optimizers' names and checkpoint keys."""
        raise NotImplementedError

    def averages(self, config):
        """`{average name: (network name, decay, start_step)}` of the moving averages kept."""
        return {}

    def updates(self, config, model):
        """The `Update`s of one training step, in order."""
        raise NotImplementedError

    def checkpoint_networks(self, model, averages):
        """`{key: keras.Model}` a checkpoint holds besides the optimizers, step, RNG and data.

        Args:
            model: what `zoo.create` built.
            averages: `{average name: keras.Model}`, the twins holding the moving averages.
        """
        return {**self.networks(model), **averages}

    def saved_network(self, model):
        """The network that sample, export and evaluate restore (generator, autoencoder)."""
        raise NotImplementedError

    def saved_network_key(self, ema=True):
        """The checkpoint key `saved_network` is restored from (`ema`: the moving average)."""
        raise NotImplementedError

    def heldout_needs(self):
        """`"preview"` (a few held-out images for pictures) or `"evaluation"` (also
        `config.eval_batches` held-out batches for `evaluate_batch`)."""
        return "preview"

    def evaluation_noise(self, config):
        """`{name: Noise}` of `evaluate_batch`; the engine draws it from a seed fixed per
        evaluation batch index (`config.seed + EVALUATION_SEED_OFFSET`, index)."""
        return {}

    def evaluate_batch(self, apply, images, noise, config):
        """Per-example held-out metrics `{tag: (batch,) float32}`; the engine averages each
        over every evaluation image. `{}` when the family has none."""
        return {}

    def attention_probes(self, trained, model, config, preview):
        """What the attention pictures show: `[(network, inputs, images)]`, NumPy inputs.

        Args:
            trained: `checkpoint_networks(model, averages)`: the networks and their averages.
            model: what `zoo.create` built.
            config: the run's `TrainConfig`.
            preview: a fixed held-out `(images, labels)` NumPy batch, or None.

        Returns:
            For each picture, the network to probe, its inputs and the images (in [-1, 1]) the
            attention is drawn over, a few rows each.
        """
        return []

    def generated_image_metrics(self, network, model, config, **options):
        """FID and KID of the images `network` generates (`generates_images` families):
        `training.evaluation.generator_metrics.evaluate_generator`'s result."""
        raise NotImplementedError(f"the {self.name} family generates no images to measure")

    def sample_grid(self, network, model, config, images=None, num_samples=64, seed=0,
                    label=None):
        """The uint8 `(height, width, channels)` picture of `sample`, `export` and the final
        `samples.png`.

        Args:
            network: the restored `saved_network`.
            model: what `zoo.create` built.
            config: the run's `TrainConfig`.
            images: held-out images in [-1, 1] (needed when `samples_need_images`).
            num_samples: images to make (generating families).
            seed: seed of the latents (generating families).
            label: one class for every image (conditional generators).
        """
        raise NotImplementedError
