"""What TensorBoard and `samples.png` show of a training run, the same on both engines.

The family's picture (samples of a generator, reconstructions of held-out images) and, for every
attention layer of the networks the family probes, where a few query pixels look under the
layer's own map and under the compared form's (`attention_pictures`). No TensorFlow.
"""

from training.monitoring import attention_pictures
from training.monitoring.event_writer import write_png


class RunPictures:
    """The pictures of one run.

    Args:
        family: the run's `training.families.Family`.
        model: what `zoo.create` built.
        config: the run's `TrainConfig`.

    Each method takes the trained networks by checkpoint key (`Family.checkpoint_networks`),
    their weights current, and the run's fixed held-out `(images, labels)` batch (or None).
    """

    def __init__(self, family, model, config):
        self.family = family
        self.model = model
        self.config = config
        self._probes = {}

    def picture(self, networks, preview):
        """The family's sample (or reconstruction) grid as uint8; None when it needs held-out
        images and the run has none."""
        images = None if preview is None else preview[0]
        if self.family.samples_need_images and images is None:
            return None
        return self.family.sample_grid(
            networks[self.family.saved_network_key()],
            self.model,
            self.config,
            images=images,
            num_samples=self.config.num_samples,
            seed=self.config.seed,
        )

    def write(self, writer, step, networks, preview):
        """Writes the family's picture and the attention pictures at `step`."""
        picture = self.picture(networks, preview)
        if picture is not None:
            writer.image(
                self.family.picture_tag, picture, step,
                description=self.family.picture_description,
            )
        probes = self.family.attention_probes(networks, self.model, self.config, preview)
        for network, inputs, images in probes:
            probe = self._probes.get(id(network))
            if probe is None:
                probe = self._probes[id(network)] = attention_pictures.AttentionProbe(network)
            for layer, features in probe(inputs):
                writer.image(
                    f"attention/{layer.name}",
                    attention_pictures.attention_picture(layer, features, images),
                    step,
                    description=attention_pictures.__doc__,
                )

    def write_final(self, path, networks, preview):
        """Writes the final sample (or reconstruction) grid as a PNG file."""
        picture = self.picture(networks, preview)
        if picture is not None:
            write_png(path, picture)
