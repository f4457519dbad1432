"""Presets: trained zoo models stored as a directory, loaded in one line with `from_preset`.

A preset is a directory (in the style of keras-hub) holding three kinds of file:

- `config.json`: the `zoo.create(name, **arguments)` call that builds the model;
- one `<network>.weights.h5` per network of the model (`generator` and `discriminator` for a
  SAGAN pair, whose generator holds the moving-average weights; `autoencoder` for an
  autoencoder), in float32 or float16;
- `metadata.json`: how it was trained and how good it is (dataset, resolution, steps, engine,
  precision, the command, FID/KID with the number of images and the reference set, the date).

The presets shipped with the package live in `zoo/preset_files/<name>/`; `list_presets()` names
them. Any other directory of that form loads too, e.g. one written by
`python -m training.export --preset DIR`.
"""

import json
import os

import h5py
import numpy as np

from zoo.registry import create

CONFIG_FILE = "config.json"
METADATA_FILE = "metadata.json"
WEIGHTS_SUFFIX = ".weights.h5"
SHIPPED_DIRECTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "preset_files")
WEIGHT_DTYPES = ("float32", "float16")


class PresetError(ValueError):
    """A preset that cannot be found, is incomplete, or is not the model asked for."""


def list_presets():
    """The names of the presets shipped with the package, sorted.

    Example:

    >>> isinstance(list_presets(), list)
    True
    """
    if not os.path.isdir(SHIPPED_DIRECTORY):
        return []
    return sorted(
        name
        for name in os.listdir(SHIPPED_DIRECTORY)
        if os.path.isfile(os.path.join(SHIPPED_DIRECTORY, name, CONFIG_FILE))
    )


def preset_directory(preset):
    """The directory of `preset`: a shipped preset's name, or a path to a preset directory.

    Raises:
        PresetError: `preset` is neither; the message lists the shipped presets.
    """
    if os.path.isdir(preset):
        return preset
    shipped = os.path.join(SHIPPED_DIRECTORY, str(preset))
    if os.sep not in str(preset) and os.path.isdir(shipped):
        return shipped
    known = ", ".join(list_presets()) or "none in this installation"
    raise PresetError(
        f"Unknown preset {preset!r}: it is neither a shipped preset nor a directory. Shipped "
        f"presets: {known}. A run directory becomes a preset with "
        f"`python -m training.export --preset DIR`."
    )


def load_preset_metadata(preset):
    """`metadata.json` of `preset` (a name or a directory) as a dict."""
    return _read_json(preset_directory(preset), METADATA_FILE)


def from_preset(preset, model=None):
    """Builds a zoo model and loads a preset's trained weights into it.

    Args:
        preset: a name from `list_presets()` or the path of a preset directory.
        model: the registered model name the caller expects (e.g. `"sagan_refined"`); a preset
            of another model is refused. None accepts any.

    Returns:
        What `zoo.create` returns, every network loaded: for a GAN the `SAGAN` pair (its
        generator holds the moving-average weights), else the `Autoencoder`.

    Raises:
        PresetError: unknown preset, a missing or unreadable file (named), or a preset of
            another model than `model`.

    Example:

    >>> import tempfile
    >>> directory = os.path.join(tempfile.mkdtemp(), "demo")
    >>> arguments = {"resolution": 32, "channels": 1, "ch": 8}
    >>> save_preset(create("sagan_refined", **arguments), "sagan_refined", arguments,
    ...             directory, {"dataset": "none", "steps": 0})
    >>> gan = from_preset(directory)                   # or the name of a shipped preset
    >>> gan.generator.predict(np.zeros((4, gan.latent_dim), "float32"), verbose=0).shape
    (4, 32, 32, 1)
    """
    directory = preset_directory(preset)
    config = _read_json(directory, CONFIG_FILE)
    name, arguments = config.get("name"), config.get("arguments", {})
    if model is not None and name != model:
        raise PresetError(
            f"Preset {preset!r} holds a {name!r} model, not the {model!r} asked for. Load it "
            f"with model={name!r} (or model=None), or choose a preset of {model!r}."
        )
    built = create(name, **arguments)
    for network_name, network in built.networks().items():
        path = os.path.join(directory, network_name + WEIGHTS_SUFFIX)
        if not os.path.isfile(path):
            raise PresetError(
                f"Preset {preset!r} is incomplete: {path} is missing (a {name} preset holds "
                f"{', '.join(n + WEIGHTS_SUFFIX for n in built.networks())})."
            )
        network.load_weights(path)
    return built


def save_preset(model, name, arguments, directory, metadata, weights_dtype="float32"):
    """Writes `model` (built by `zoo.create(name, **arguments)`) as a preset directory.

    Args:
        model: the zoo object, its networks holding the weights to ship.
        name: its registered name.
        arguments: its `zoo.create` arguments.
        directory: where to write (created; existing preset files are replaced).
        metadata: a JSON-serialisable dict (see the module docstring for the keys).
        weights_dtype: "float32", or "float16" to halve the files (check the metrics hold).

    Example:

    >>> import tempfile
    >>> arguments = {"resolution": 32, "channels": 1, "ch": 8}
    >>> directory = os.path.join(tempfile.mkdtemp(), "demo")
    >>> save_preset(create("autoencoder_refined", **arguments), "autoencoder_refined",
    ...             arguments, directory, {"dataset": "none", "steps": 0}, "float16")
    >>> sorted(os.listdir(directory))
    ['autoencoder.weights.h5', 'config.json', 'metadata.json']
    """
    if weights_dtype not in WEIGHT_DTYPES:
        raise ValueError(
            f"`weights_dtype` must be one of {WEIGHT_DTYPES}. Received: "
            f"weights_dtype={weights_dtype!r}"
        )
    os.makedirs(directory, exist_ok=True)
    for network_name, network in model.networks().items():
        path = os.path.join(directory, network_name + WEIGHTS_SUFFIX)
        network.save_weights(path)
        if weights_dtype != "float32":
            _cast_weights_file(path, weights_dtype)
    _write_json(directory, CONFIG_FILE, {"name": name, "arguments": arguments})
    _write_json(directory, METADATA_FILE, {**metadata, "weights_dtype": weights_dtype})


def _cast_weights_file(path, dtype):
    """Rewrites a `.weights.h5` file with its floating-point arrays in `dtype` (into a new
    file: HDF5 does not give back the space of deleted arrays); loading casts them back to the
    variables' dtype."""
    temporary = path + ".tmp"
    with h5py.File(path, "r") as source, h5py.File(temporary, "w") as target:
        target.attrs.update(source.attrs)

        def copy(key, item):
            if isinstance(item, h5py.Group):
                target.require_group(key).attrs.update(item.attrs)
                return
            values = item[()]
            if np.issubdtype(values.dtype, np.floating):
                values = values.astype(dtype)
            target.create_dataset(key, data=values).attrs.update(item.attrs)

        source.visititems(copy)
    os.replace(temporary, path)


def _read_json(directory, filename):
    path = os.path.join(directory, filename)
    if not os.path.isfile(path):
        raise PresetError(f"{directory} is not a complete preset: {path} is missing.")
    with open(path) as file:
        try:
            return json.load(file)
        except json.JSONDecodeError as error:
            raise PresetError(f"{path} is not valid JSON: {error}") from None


def _write_json(directory, filename, values):
    with open(os.path.join(directory, filename), "w") as file:
        json.dump(values, file, indent=2, sort_keys=True)
        file.write("\n")
