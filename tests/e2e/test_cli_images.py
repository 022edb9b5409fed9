"""``synthwise generate`` / ``evaluate`` / ``audit`` on an image folder (scikit-learn digits), end to end:
PNGs in class sub-folders plus a manifest, same seed same bytes, the report with image grids, the gate,
the audit's kept images; bad image input gets one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthwise.images import read_images, write_images
from synthwise.testing import run_cli
from synthwise.testing.images import small_images


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("digits")
    imgs = small_images(360)
    write_images(imgs.subset(slice(0, 240)), root / "train")
    write_images(imgs.subset(slice(240, 360)), root / "holdout")
    return root / "train", root / "holdout"


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generate_evaluate_audit_on_an_image_folder(
    folders: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train, holdout = folders
    out = tmp_path / "syn"
    code, text = run_cli(
        ["generate", str(train), "-o", str(out), "-g", "image_pca", "-n", "120", "--seed", "0"], capsys
    )
    assert code == 0, text
    assert "Near-duplicate guard (privacy='balanced')" in " ".join(text.split()), text
    manifest = pd.read_csv(out / "manifest.csv")
    assert len(manifest) == 120 and set(manifest["label"].astype(str)) <= {str(i) for i in range(10)}
    assert all((out / f).is_file() for f in manifest["file"]) and (manifest["working_height"] == 8).all()
    again = tmp_path / "again"
    assert (
        run_cli(
            ["generate", str(train), "-o", str(again), "-g", "image_pca", "-n", "120", "--seed", "0"], capsys
        )[0]
        == 0
    )
    assert _files(out) == _files(again)  # same seed, same bytes

    html, js = tmp_path / "r.html", tmp_path / "r.json"
    args = ["evaluate", "--real", str(train), "--synthetic", str(out), "--holdout", str(holdout)]
    code, text = run_cli(
        [
            *args,
            "--representation",
            "pixels",
            "--bootstrap",
            "10",
            "--html",
            str(html),
            "--json",
            str(js),
            "--fail-under",
            "precision=0.3",
        ],
        capsys,
    )
    assert code == 0, text
    assert "alpha_precision" in text and "frechet_distance" in text and "Gate passed" in text
    scores = json.loads(js.read_text())
    assert scores["manifest"]["representation"]["name"] == "pixels"
    page = html.read_text()
    assert (
        page.count("data:image/png;base64,") >= 20 and 'id="image-grids"' in page and 'id="memorized"' in page
    )

    code, text = run_cli(
        [*args, "--representation", "pixels", "--bootstrap", "10", "--fail-under", "precision=1.01"], capsys
    )
    assert code == 1, text

    kept = tmp_path / "kept"
    code, text = run_cli(
        [
            "audit",
            "--real",
            str(train),
            "--synthetic",
            str(out),
            "--holdout",
            str(holdout),
            "--representation",
            "pixels",
            "--bootstrap",
            "10",
            "-o",
            str(kept),
        ],
        capsys,
    )
    assert code == 0, text
    n_kept = len(read_images(kept))
    assert 0 < n_kept <= 120 and f"Kept {n_kept} of 120" in text


def test_a_copy_generator_is_flagged_by_the_audit(
    folders: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train, holdout = folders
    out = tmp_path / "copy"
    assert (
        run_cli(
            ["generate", str(train), "-o", str(out), "-g", "image_copy", "-n", "240", "--seed", "0"], capsys
        )[0]
        == 0
    )
    code, text = run_cli(
        [
            "audit",
            "--real",
            str(train),
            "--synthetic",
            str(out),
            "--holdout",
            str(holdout),
            "--representation",
            "pixels",
            "--bootstrap",
            "10",
            "-o",
            str(tmp_path / "k"),
        ],
        capsys,
    )
    assert code == 2 and "fail the audit" in text and "Traceback" not in text


def test_bad_image_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad"
    (bad / "cls").mkdir(parents=True)
    (bad / "cls" / "x.png").write_bytes(b"not a png")
    code, text = run_cli(["generate", str(bad), "-o", str(tmp_path / "o"), "-g", "image_pca"], capsys)
    assert code == 2 and "cannot be read" in text and "Traceback" not in text
    arr = np.zeros((4, 8, 8))
    np.savez(tmp_path / "ok.npz", images=arr)
    code, text = run_cli(
        ["generate", str(tmp_path / "ok.npz"), "-o", str(tmp_path / "o2"), "-g", "cart"], capsys
    )
    assert code == 2 and "not an image generator" in text
