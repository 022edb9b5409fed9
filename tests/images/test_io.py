"""Image I/O: folders with class sub-folders, .npz, tables of paths; resizing stated in the manifest;
same images, same bytes; bad input gets one clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from synthwise.errors import DataError
from synthwise.images import ImageSet, read_images, resize, write_images
from synthwise.images.hashing import near_duplicate_share, phash
from synthwise.images.io import png_bytes
from synthwise.testing.images import small_images


def test_folder_round_trip_keeps_pixels_labels_and_states_sizes(tmp_path: Path) -> None:
    imgs = small_images(30)
    manifest = write_images(imgs, tmp_path / "out", working_size=(12, 12))
    back = read_images(tmp_path / "out")
    order = np.argsort([int(Path(f).stem) for f in back.files])
    assert np.abs(back.images[order] - imgs.images).max() <= 0.5 / 255 + 1e-6
    assert [back.classes[i] for i in back.labels[order]] == [imgs.classes[i] for i in imgs.labels]
    table = pd.read_csv(manifest)
    assert list(table.columns) == ["file", "label", "height", "width", "working_height", "working_width"]
    assert (table["working_height"] == 12).all() and (table["height"] == 8).all()


def test_same_images_same_bytes(tmp_path: Path) -> None:
    imgs = small_images(10)
    write_images(imgs, tmp_path / "a")
    write_images(imgs, tmp_path / "b")
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files and all(
        (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files
    )


def test_npz_channels_first_and_table_of_paths(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(6, 3, 10, 7), dtype=np.uint8)  # RGB, odd size, channels first
    np.savez(tmp_path / "set.npz", images=x, labels=np.array(["a", "b", "a", "b", "a", "b"]))
    s = read_images(tmp_path / "set.npz")
    assert s.shape == (10, 7, 3) and s.classes == ["a", "b"] and s.labels.tolist() == [0, 1] * 3
    write_images(s, tmp_path / "imgs")
    table = pd.read_csv(tmp_path / "imgs" / "manifest.csv")
    table[["file", "label"]].to_csv(tmp_path / "imgs" / "list.csv", index=False)
    t = read_images(tmp_path / "imgs" / "list.csv")
    assert t.shape == (10, 7, 3) and sorted(t.classes) == ["a", "b"]


def test_mixed_sizes_are_resized_to_the_most_common(tmp_path: Path) -> None:
    from PIL import Image

    (tmp_path / "x").mkdir()
    for i, size in enumerate([(5, 5), (5, 5), (9, 4)]):
        Image.fromarray(np.full(size[::-1], 100, dtype=np.uint8)).save(tmp_path / "x" / f"{i}.png")
    s = read_images(tmp_path)
    assert s.shape == (5, 5, 1) and len(s) == 3 and s.classes == ["x"]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p / "missing", "does not exist"),
        (lambda p: (p / "a" / "b").mkdir(parents=True) or p, "no images"),
    ],
)
def test_bad_sources_say_what_to_fix(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DataError, match=message):
        read_images(make(tmp_path))


def test_output_folder_must_be_new_or_empty(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("x")
    with pytest.raises(DataError, match="not empty"):
        write_images(small_images(3), tmp_path / "out")


def test_lfw_subset_odd_size_reads() -> None:
    from synthwise.images.datasets import lfw_subset

    s = lfw_subset()
    assert s.shape == (25, 25, 1) and len(s) == 200 and s.classes == ["face", "non-face"]


@settings(max_examples=25, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 9), st.integers(1, 9), st.sampled_from([1, 3]))))
def test_png_round_trip_is_exact_for_8_bit_pixels(img: np.ndarray) -> None:
    from io import BytesIO

    from PIL import Image

    data = png_bytes(img.astype(np.float32) / 255.0)
    back = np.asarray(Image.open(BytesIO(data)))
    assert np.array_equal(back.reshape(img.shape), img)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 20), st.integers(2, 20))
def test_resize_keeps_values_in_range(h: int, w: int) -> None:
    x = np.random.default_rng(h * w).random((2, 7, 5, 1)).astype(np.float32)
    out = resize(x, (h, w))
    assert out.shape == (2, h, w, 1) and out.min() >= 0 and out.max() <= 1


def test_phash_flags_copies_not_other_images() -> None:
    imgs = small_images(200)
    h = phash(imgs.images)
    assert near_duplicate_share(h[:50], h)[0] == 1.0
    assert near_duplicate_share(h[:100], h[100:])[0] < 0.2


def test_bad_arrays_are_refused() -> None:
    with pytest.raises(DataError, match="channels"):
        ImageSet(np.zeros((2, 4, 4, 2)), None)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="lie in"):
        ImageSet(np.full((2, 4, 4), 3.0), None)  # type: ignore[arg-type]
