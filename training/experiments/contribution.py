"""How much a trained attention block changes its features: the update share ‖out − in‖ / ‖in‖.

γ is the block's gate, not its contribution: the block adds γ times its attention output, whose
size depends on the attention kind. The update share measures the contribution itself, on the
features the block sees. For a GAN run it is measured in the moving-average generator, on
`samples` fresh latents (held-out by construction), with the run's weights as trained and
converted to each kind (`load_saved_run(attention=...)`).

    python -m training.experiments.contribution studies/results/generation/softmax/seed0/run

prints one line per kind and attention layer, e.g.
`softmax  g_attention  update share 0.049  |γ| 0.062`.
"""

import argparse
import os
import sys

import numpy as np

KINDS = ("softmax", "refined", "efficient")


def _attention_layers(network):
    from keras_refined_sa.layers.base_self_attention import BaseSelfAttention

    return [layer for layer in network._flatten_layers() if isinstance(layer, BaseSelfAttention)]


def update_shares(network, inputs):
    """`{layer name: ‖out − in‖ / ‖in‖}` of every attention block of `network` on `inputs`.

    Norms are over the whole batch of the block's features (Frobenius).
    """
    layers = _attention_layers(network)
    if not layers:
        raise ValueError(f"{network.name} has no attention block to measure")
    seen = {}
    originals = {}
    for layer in layers:
        originals[layer.name] = layer.call

        def recording(features, *args, _layer=layer, **kwargs):
            outputs = originals[_layer.name](features, *args, **kwargs)
            seen[_layer.name] = (np.asarray(features), np.asarray(outputs))
            return outputs

        layer.call = recording
    try:
        network(inputs, training=False)
    finally:
        for layer in layers:
            layer.call = originals[layer.name]
    return {name: float(np.linalg.norm(out - inp) / np.linalg.norm(inp))
            for name, (inp, out) in seen.items()}


def measure(logdir, kinds=KINDS, samples=256, seed=0):
    """`{kind: {layer: (update share, |γ|)}}` of the run's saved generator converted to each kind."""
    from training.runtime import load_saved_run

    shares = {}
    for kind in kinds:
        run = load_saved_run(logdir, ema=True, attention=kind)
        latent = np.random.default_rng(seed).normal(size=(samples, run.model.latent_dim))
        measured = update_shares(run.network, latent.astype("float32"))
        gammas = {layer.name: abs(float(np.asarray(layer.gamma).ravel()[0]))
                  for layer in _attention_layers(run.network)}
        shares[kind] = {name: (share, gammas[name]) for name, share in measured.items()}
    return shares


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m training.experiments.contribution",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("logdir", help="a finished GAN run (its checkpoint, config.json, model.json)")
    parser.add_argument("--samples", type=int, default=256, help="latents to measure on")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latents")
    args = parser.parse_args(argv)
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    for kind, layers in measure(args.logdir, samples=args.samples, seed=args.seed).items():
        for name, (share, gamma) in layers.items():
            print(f"{kind:9} {name}  update share {share:.3f}  |γ| {gamma:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
