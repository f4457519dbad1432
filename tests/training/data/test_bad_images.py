"""Bad files in a folder dataset are found before training: skipped with a warning naming and
counting them, or an error naming them when none is readable; never a crash mid-run."""

import numpy as np
import pytest
from PIL import Image

from training import data
from training.data import image_files
from training.run import main


def make_folder(path, good=5):
    path.mkdir()
    for index in range(good):
        Image.fromarray(np.full((12, 12, 3), index * 40, np.uint8)).save(path / f"{index}.png")
    # A PNG signature followed by garbage, and an empty JPEG.
    (path / "corrupt.png").write_bytes(b"\\x89PNG\\r\\n\\x1a\\n" + b"garbage" * 20)
    (path / "empty.jpg").write_bytes(b"")
    return path


@pytest.mark.parametrize("check", ["full", "header"])
def test_unreadable_files_are_skipped_with_a_warning(tmp_path, capsys, monkeypatch, check):
    if check == "header":
        monkeypatch.setattr(image_files, "FULL_CHECK_BYTES", 0)
    folder = make_folder(tmp_path / "mixed")
    info = data.dataset_info(str(folder))
    assert info.num_examples == 5
    message = capsys.readouterr().err
    assert "skipping 2 of 7 image files" in message
    assert f"{folder}/corrupt.png (" in message and f"{folder}/empty.jpg (empty file)" in message
    # Two epochs read back without an error.
    dataset = data.make_dataset(str(folder), resolution=16, batch_size=5, channels=3)
    for images, _ in dataset.take(2):
        assert images.shape == (5, 16, 16, 3)


def test_a_run_on_a_folder_with_bad_files_trains(tmp_path, capsys):
    folder = make_folder(tmp_path / "mixed_run")
    options = ["--model", "autoencoder_none", "--ch", "8", "--batch-size", "4", "--quiet"]
    # 5 good images of 4 per batch: the second step reads past the first epoch.
    code = main(["--logdir", str(tmp_path / "run"), *options, "--dataset", str(folder),
                 "--steps", "3", "--eval-batches", "1"])
    assert code == 0
    assert "empty.jpg" in capsys.readouterr().err


def test_a_folder_of_only_bad_files_is_refused_naming_them(tmp_path, capsys):
    folder = make_folder(tmp_path / "all_bad", good=0)
    with pytest.raises(SystemExit) as exit_info:
        main(["--logdir", str(tmp_path / "run"), "--model", "autoencoder_none",
              "--dataset", str(folder), "--quiet"])
    assert exit_info.value.code == 2
    message = capsys.readouterr().err
    assert "None of the 2 image files" in message
    assert "corrupt.png" in message and "empty.jpg" in message
